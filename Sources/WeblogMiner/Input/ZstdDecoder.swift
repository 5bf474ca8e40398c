import CZstd

/// zstd frames through libzstd's streaming decoder (skippable frames are skipped by the library).
final class ZstdDecoder: StreamDecoder {
    private let context: OpaquePointer?
    private(set) var startError: String?

    init() {
        context = ZSTD_createDCtx()
        if context == nil { startError = "libzstd could not start" }
    }

    deinit { ZSTD_freeDCtx(context) }

    private static let blockInput = 32 * 1024

    func decode(_ input: UnsafeMutablePointer<UInt8>, available: Int,
                into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> DecodeStep {
        // Small pieces of input per call: on an error libzstd does not say how far it got, and the
        // output of the blocks before the damage must reach the caller first.
        var inBuffer = ZSTD_inBuffer(src: input, size: min(available, Self.blockInput), pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output, size: capacity, pos: 0)
        let rc = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        if ZSTD_isError(rc) != 0 {
            return DecodeStep(consumed: inBuffer.pos, produced: outBuffer.pos, state: .failed(String(cString: ZSTD_getErrorName(rc))))
        }
        // 0: the frame is decoded and flushed; otherwise a hint of how much more input it wants.
        return DecodeStep(consumed: inBuffer.pos, produced: outBuffer.pos, state: rc == 0 ? .streamEnd : .progress)
    }

    func reset() { ZSTD_DCtx_reset(context, ZSTD_reset_session_only) }
}
