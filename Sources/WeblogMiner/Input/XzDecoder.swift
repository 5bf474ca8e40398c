import CLZMA

/// xz streams through liblzma (one stream at a time: the reader finds the next one).
final class XzDecoder: StreamDecoder {
    private let stream = UnsafeMutablePointer<lzma_stream>.allocate(capacity: 1)
    private(set) var startError: String?

    init() {
        // A zeroed lzma_stream is LZMA_STREAM_INIT.
        stream.initialize(to: lzma_stream())
        start()
    }

    private func start() {
        let rc = lzma_stream_decoder(stream, UInt64.max, 0)
        if rc != LZMA_OK { startError = "liblzma could not start (\(Self.describe(rc)))" }
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    func decode(_ input: UnsafeMutablePointer<UInt8>, available: Int,
                into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> DecodeStep {
        let s = stream
        s.pointee.next_in = UnsafePointer(input)
        s.pointee.avail_in = available
        s.pointee.next_out = output
        s.pointee.avail_out = capacity
        // At the end of the file, LZMA_FINISH makes a cut stream an error instead of a wait for more.
        let rc = lzma_code(s, available == 0 ? LZMA_FINISH : LZMA_RUN)
        let consumed = available - s.pointee.avail_in, produced = capacity - s.pointee.avail_out
        switch rc {
        case LZMA_OK: return DecodeStep(consumed: consumed, produced: produced, state: .progress)
        case LZMA_STREAM_END: return DecodeStep(consumed: consumed, produced: produced, state: .streamEnd)
        // No progress possible: at the end of the file that is a truncation, which the reader names.
        case LZMA_BUF_ERROR: return DecodeStep(consumed: consumed, produced: produced, state: .progress)
        default: return DecodeStep(consumed: consumed, produced: produced, state: .failed(Self.describe(rc)))
        }
    }

    func reset() { start() }

    private static func describe(_ rc: lzma_ret) -> String {
        switch rc {
        case LZMA_DATA_ERROR: "data is corrupt"
        case LZMA_FORMAT_ERROR: "not in the xz format"
        case LZMA_OPTIONS_ERROR: "unsupported options"
        case LZMA_MEM_ERROR: "out of memory"
        case LZMA_MEMLIMIT_ERROR: "memory limit reached"
        default: "liblzma error \(rc.rawValue)"
        }
    }
}
