import CBZip2
import CLZMA
import CZstd
import Foundation
import Testing
@testable import WeblogMiner

/// bzip2, xz and zstd read like gzip: detected by magic bytes, concatenated streams, cut or damaged
/// files reported with the format named. The files are made with the libraries' own compressors.
@Suite struct CompressionTests {
    static let formats: [CompressionFormat] = [.bzip2, .xz, .zstd]

    static func compress(_ data: [UInt8], _ format: CompressionFormat) -> [UInt8] {
        switch format {
        case .gzip: gzip(data)
        case .bzip2: bzip2(data)
        case .xz: xz(data)
        case .zstd: zstd(data)
        }
    }

    static func text(_ range: Range<Int>) -> [UInt8] { Array(InputTests.logLines(range).utf8) }

    @Test(arguments: formats) func roundTrip(_ format: CompressionFormat) throws {
        let dir = TemporaryDirectory()
        let text = Self.text(0 ..< 5000)
        // No suffix: detection is by content.
        let file = dir.write("log-\(format)", Self.compress(text, format))
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(file))
        #expect(bytes.elementsEqual(text))  // (not ==: a failed == of big arrays is diffed for minutes)
        #expect(outcome == .complete)
        let (sink, report, _) = try ingest([file])
        #expect(sink.records.count == 5000)
        #expect(report.status == .ok)
        #expect(sink.records.last?.fields[.userAgent] == "agent 4999")
    }

    @Test(arguments: formats) func concatenatedStreams(_ format: CompressionFormat) throws {
        let dir = TemporaryDirectory()
        let a = Self.text(0 ..< 3000), b = Self.text(3000 ..< 6000), c = Self.text(6000 ..< 6010)
        var bytes = Self.compress(a, format) + Self.compress(b, format) + Self.compress(c, format)
        if format == .zstd {
            // pzstd puts a skippable frame (magic 0x184D2A50, 4-byte length, payload) before each frame.
            bytes = [0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4] + bytes
        }
        let file = dir.write("multi", bytes)
        let (read, outcome) = try Decompressor.readAll(InputSpec(file))
        #expect(read.elementsEqual(a + b + c))
        #expect(outcome == .complete)
        let (sink, report, _) = try ingest([file])
        #expect(sink.records.count == 6010)
        #expect(report.status == .ok)
        #expect(sink.records.last?.line == 6010)
    }

    @Test(arguments: formats) func truncatedKeepsCompleteLinesAndIsADataError(_ format: CompressionFormat) throws {
        let dir = TemporaryDirectory()
        let text = Self.text(0 ..< 20000)
        let compressed = Self.compress(text, format)
        let cut = compressed.count / 2
        let file = dir.write("cut", Array(compressed[0 ..< cut]))
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(file))
        #expect(outcome == .truncated(compressedOffset: Int64(cut), format: format))
        #expect(bytes.count < text.count)
        #expect(text.starts(with: bytes))  // a prefix, no garbage
        let (sink, report, _) = try ingest([file])
        #expect(sink.records.count == bytes.filter { $0 == 10 }.count)
        #expect(report.status == .dataError)
        // A cut exactly at a stream's end is a complete file, but a cut inside the second stream is not.
        let two = dir.write("two", compressed + Array(compressed[0 ..< 100]))
        #expect(try Decompressor.readAll(InputSpec(two)).outcome == .truncated(compressedOffset: Int64(compressed.count + 100), format: format))
    }

    @Test(arguments: formats) func corruptDataIsReportedWithOffset(_ format: CompressionFormat) throws {
        let dir = TemporaryDirectory()
        let text = Self.text(0 ..< 20000)
        var compressed = Self.compress(text, format)
        for i in (compressed.count / 2) ..< (compressed.count / 2 + 64) { compressed[i] ^= 0x5A }
        let file = dir.write("bad", compressed)
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(file))
        guard case .corrupt(let offset, _, let named) = outcome else {
            Issue.record("expected corrupt, got \(outcome)")
            return
        }
        #expect(named == format)
        #expect(offset > 0 && offset <= Int64(compressed.count))
        #expect(bytes.count > 0 && !bytes.elementsEqual(text))  // what came before the damage is kept
        #expect(try ingest([file]).1.status == .dataError)
    }

    @Test(arguments: formats) func trailingGarbageAndZeroPadding(_ format: CompressionFormat) throws {
        let dir = TemporaryDirectory()
        let text = Self.text(0 ..< 10)
        let compressed = Self.compress(text, format)
        let padded = dir.write("padded", compressed + [UInt8](repeating: 0, count: 512))
        let (paddedBytes, paddedOutcome) = try Decompressor.readAll(InputSpec(padded))
        #expect(paddedBytes.elementsEqual(text))
        #expect(paddedOutcome == .complete)
        let garbage = dir.write("garbage", compressed + Array("junk".utf8))
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(garbage))
        #expect(bytes.elementsEqual(text))
        #expect(outcome == .trailingGarbage(compressedOffset: Int64(compressed.count), format: format))
    }

    /// The binary: `cat` decompresses, and a cut file exits 65 with its name and format in the message.
    @Test func commandLineCatAndTruncation() throws {
        let dir = TemporaryDirectory()
        let text = Self.text(0 ..< 20000)
        for format in Self.formats {
            let compressed = Self.compress(text, format)
            let file = dir.write("access.log.1.\(format)", compressed)
            let cat = try Tool.shell("$WM cat '\(file)' | cmp - '\(dir.write("plain.log", text))'")
            #expect(cat.status == 0, "\(format): \(cat.err)")
            let cut = dir.write("access.log.2.\(format)", Array(compressed[0 ..< 20000]))
            let sessions = try Tool.shell("$WM sessions -q '\(cut)' -o /dev/null")
            #expect(sessions.status == 65)
            #expect(sessions.err.contains("access.log.2.\(format): truncated \(format) stream at compressed byte offset 20000"), "\(sessions.err)")
            #expect(try Tool.shell("$WM cat '\(cut)' > /dev/null").status == 65)
        }
    }
}

func bzip2(_ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: data.count + data.count / 100 + 600)
    var length = UInt32(out.count)
    var input = data
    let rc = input.withUnsafeMutableBytes { inBuf in
        out.withUnsafeMutableBytes { outBuf in
            BZ2_bzBuffToBuffCompress(outBuf.baseAddress!.assumingMemoryBound(to: CChar.self), &length,
                                     inBuf.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(inBuf.count), 9, 0, 0)
        }
    }
    precondition(rc == BZ_OK)
    return Array(out[0 ..< Int(length)])
}

func xz(_ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: lzma_stream_buffer_bound(data.count))
    var position = 0
    let rc = data.withUnsafeBufferPointer { inBuf in
        out.withUnsafeMutableBufferPointer { outBuf in
            lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nil, inBuf.baseAddress, inBuf.count, outBuf.baseAddress, &position, outBuf.count)
        }
    }
    precondition(rc == LZMA_OK)
    return Array(out[0 ..< position])
}

/// zstd with the content checksum on, as the `zstd` tool writes it (so damage is always detected).
func zstd(_ data: [UInt8]) -> [UInt8] {
    let context = ZSTD_createCCtx()
    defer { ZSTD_freeCCtx(context) }
    ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
    var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
    let n = data.withUnsafeBytes { inBuf in
        out.withUnsafeMutableBytes { outBuf in ZSTD_compress2(context, outBuf.baseAddress, outBuf.count, inBuf.baseAddress, inBuf.count) }
    }
    precondition(ZSTD_isError(n) == 0)
    return Array(out[0 ..< n])
}
