import CZlib

/// gzip members through zlib's inflate.
final class GzipDecoder: StreamDecoder {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private(set) var startError: String?

    init() {
        stream.initialize(to: z_stream())
        // 15 + 16: maximum window, expect a gzip header and trailer.
        if inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) != Z_OK {
            startError = "zlib could not start"
        }
    }

    deinit {
        if startError == nil { inflateEnd(stream) }
        stream.deallocate()
    }

    func decode(_ input: UnsafeMutablePointer<UInt8>, available: Int,
                into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> DecodeStep {
        let s = stream
        s.pointee.next_in = input
        s.pointee.avail_in = clamp32(available)
        s.pointee.next_out = output
        s.pointee.avail_out = clamp32(capacity)
        let rc = inflate(s, Z_NO_FLUSH)
        let consumed = available - Int(s.pointee.avail_in)
        let produced = Int(clamp32(capacity) - s.pointee.avail_out)
        switch rc {
        case Z_STREAM_END: return DecodeStep(consumed: consumed, produced: produced, state: .streamEnd)
        case Z_OK, Z_BUF_ERROR: return DecodeStep(consumed: consumed, produced: produced, state: .progress)
        default:
            let reason = s.pointee.msg.map { String(cString: $0) } ?? "inflate error \(rc)"
            return DecodeStep(consumed: consumed, produced: produced, state: .failed(reason))
        }
    }

    func reset() { inflateReset(stream) }
}
