import CBZip2

/// bzip2 streams through libbz2 (pbzip2 and lbzip2 write one stream per block group).
final class Bzip2Decoder: StreamDecoder {
    private let stream = UnsafeMutablePointer<bz_stream>.allocate(capacity: 1)
    private(set) var startError: String?
    private var started = false

    init() { start() }

    private func start() {
        stream.initialize(to: bz_stream())
        let rc = BZ2_bzDecompressInit(stream, 0, 0)
        started = rc == BZ_OK
        if !started { startError = "libbz2 could not start (\(Self.describe(rc)))" }
    }

    deinit {
        if started { BZ2_bzDecompressEnd(stream) }
        stream.deallocate()
    }

    func decode(_ input: UnsafeMutablePointer<UInt8>, available: Int,
                into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> DecodeStep {
        let s = stream
        let inCount = clamp32(available), outCount = clamp32(capacity)
        s.pointee.next_in = UnsafeMutableRawPointer(input).assumingMemoryBound(to: CChar.self)
        s.pointee.avail_in = inCount
        s.pointee.next_out = UnsafeMutableRawPointer(output).assumingMemoryBound(to: CChar.self)
        s.pointee.avail_out = outCount
        let rc = BZ2_bzDecompress(s)
        let step = DecodeStep(consumed: Int(inCount - s.pointee.avail_in), produced: Int(outCount - s.pointee.avail_out), state: .progress)
        switch rc {
        case BZ_OK: return step
        case BZ_STREAM_END: return DecodeStep(consumed: step.consumed, produced: step.produced, state: .streamEnd)
        default: return DecodeStep(consumed: step.consumed, produced: step.produced, state: .failed(Self.describe(rc)))
        }
    }

    func reset() {
        if started { BZ2_bzDecompressEnd(stream) }
        start()
    }

    private static func describe(_ rc: Int32) -> String {
        switch rc {
        case BZ_DATA_ERROR: "data integrity error"
        case BZ_DATA_ERROR_MAGIC: "bad stream header"
        case BZ_MEM_ERROR: "out of memory"
        default: "libbz2 error \(rc)"
        }
    }
}
