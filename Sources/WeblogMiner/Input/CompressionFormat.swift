/// The compressions the reader recognises by their magic bytes (never by file name).
public enum CompressionFormat: String, Sendable, Equatable, CaseIterable {
    case gzip, bzip2, xz, zstd

    /// The longest magic number, the bytes to look at before deciding.
    static let magicLength = 6

    /// The format whose magic starts `bytes` (`count` available), or nil for plain data.
    static func detect(_ bytes: UnsafePointer<UInt8>, count: Int) -> CompressionFormat? {
        allCases.first { $0.startsStream(bytes, count: count) }
    }

    /// Whether `bytes` begin a stream (member, frame) of this format: used at the start of the file and
    /// after each stream's end, to read concatenated files (`cat a.xz b.xz`, pbzip2, pigz, pzstd).
    func startsStream(_ b: UnsafePointer<UInt8>, count n: Int) -> Bool {
        switch self {
        case .gzip: n >= 2 && b[0] == 0x1f && b[1] == 0x8b
        // "BZh" and the block size digit 1-9.
        case .bzip2: n >= 4 && b[0] == 0x42 && b[1] == 0x5a && b[2] == 0x68 && b[3] >= 0x31 && b[3] <= 0x39
        case .xz: n >= 6 && b[0] == 0xfd && b[1] == 0x37 && b[2] == 0x7a && b[3] == 0x58 && b[4] == 0x5a && b[5] == 0x00
        // A frame (28 B5 2F FD) or a skippable frame (5? 2A 4D 18, as pzstd writes first).
        case .zstd: n >= 4 && ((b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                               || (b[0] & 0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18))
        }
    }

    /// What one self-contained piece of the format is called, for messages.
    var streamName: String {
        switch self {
        case .gzip: "member"
        case .zstd: "frame"
        case .bzip2, .xz: "stream"
        }
    }

    func makeDecoder() -> StreamDecoder {
        switch self {
        case .gzip: GzipDecoder()
        case .bzip2: Bzip2Decoder()
        case .xz: XzDecoder()
        case .zstd: ZstdDecoder()
        }
    }
}

/// One decompression library behind `DecompressingReader`, which does the buffering, the detection of
/// the next concatenated stream, and the reporting; a decoder only turns compressed bytes into bytes.
protocol StreamDecoder: AnyObject {
    /// Set when the library could not start (out of memory); the reader reports it as corrupt data.
    var startError: String? { get }
    /// Decodes from `input` (`available` bytes, possibly 0 at the end of the file to flush what the
    /// library holds) into `output`.
    func decode(_ input: UnsafeMutablePointer<UInt8>, available: Int,
                into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> DecodeStep
    /// Makes ready for the next stream after one ended.
    func reset()
}

struct DecodeStep {
    enum State { case progress, streamEnd, failed(String) }
    var consumed: Int
    var produced: Int
    var state: State
}

/// The C libraries count in 32-bit units.
@inline(__always) func clamp32(_ n: Int) -> UInt32 { UInt32(min(n, Int(UInt32.max))) }
