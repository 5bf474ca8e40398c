/// Reads a file descriptor as plain bytes, decompressing gzip, bzip2, xz and zstd transparently.
///
/// Compression is detected by the magic bytes (`CompressionFormat`), never by file name. Concatenated
/// streams (`cat a.gz b.gz`, pigz, pbzip2, `xz` of several files, pzstd) are read one after another.
/// A stream cut short or damaged yields everything that could be decompressed, and `outcome` says
/// where it broke.
final class DecompressingReader {
    private let fd: Int32
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity: Int
    private var inputStart = 0
    private var inputEnd = 0
    private var inputExhausted = false
    /// File bytes read so far (for progress and offsets).
    private(set) var compressedBytesRead: Int64 = 0
    private(set) var outcome: InputOutcome = .complete
    /// The compression found at the start of the file, nil for plain data.
    private(set) var format: CompressionFormat?
    var isGzip: Bool { format == .gzip }
    private var decoder: StreamDecoder?
    private var finished = false

    init(fd: Int32, inputBufferSize: Int = 256 * 1024) {
        self.fd = fd
        inputCapacity = inputBufferSize
        input = .allocate(capacity: inputBufferSize)
        fill(atLeast: CompressionFormat.magicLength)
        if let found = CompressionFormat.detect(input + inputStart, count: inputEnd - inputStart) {
            format = found
            let d = found.makeDecoder()
            if let error = d.startError {
                outcome = .corrupt(compressedOffset: 0, reason: error, format: found)
                finished = true
            }
            decoder = d
        }
    }

    deinit { input.deallocate() }

    /// Offset in the file of the next compressed byte not yet consumed.
    private var consumedOffset: Int64 { compressedBytesRead - Int64(inputEnd - inputStart) }

    /// Moves unread input to the front and reads more from the descriptor.
    private func refill() {
        if inputExhausted { return }
        if inputStart > 0 {
            let remaining = inputEnd - inputStart
            if remaining > 0 { memmove(input, input + inputStart, remaining) }
            inputStart = 0
            inputEnd = remaining
        }
        while inputEnd < inputCapacity {
            let n = Glibc.read(fd, input + inputEnd, inputCapacity - inputEnd)
            if n > 0 {
                inputEnd += n
                compressedBytesRead += Int64(n)
                return
            }
            if n == 0 {
                inputExhausted = true
                return
            }
            if errno == EINTR { continue }
            outcome = .readFailed(errno: errno)
            inputExhausted = true
            return
        }
    }

    /// Refills until `count` unread bytes are buffered or the input ends (a pipe may deliver a few at a time).
    private func fill(atLeast count: Int) {
        while inputEnd - inputStart < count && !inputExhausted { refill() }
    }

    /// Fills `destination` with up to `capacity` decompressed bytes; returns 0 at the end of input.
    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        if finished || capacity == 0 { return 0 }
        return decoder == nil ? copySome(into: destination, capacity: capacity) : decodeSome(into: destination, capacity: capacity)
    }

    private func copySome(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        if inputStart == inputEnd {
            if inputExhausted {
                finished = true
                return 0
            }
            // Large reads go straight into the caller's buffer: no copy for plain text.
            while true {
                let n = Glibc.read(fd, destination, capacity)
                if n > 0 {
                    compressedBytesRead += Int64(n)
                    return n
                }
                if n == 0 || errno != EINTR {
                    if n < 0 { outcome = .readFailed(errno: errno) }
                    finished = true
                    inputExhausted = true
                    return 0
                }
            }
        }
        let n = min(capacity, inputEnd - inputStart)
        memcpy(destination, input + inputStart, n)
        inputStart += n
        return n
    }

    private func decodeSome(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        guard let decoder, let format else { return 0 }
        var out = destination
        var room = capacity
        while true {
            if inputStart == inputEnd { refill() }
            // At the end of the file the decoder still gets a call with no input: it may hold output.
            let available = inputEnd - inputStart
            let step = decoder.decode(input + inputStart, available: available, into: out, capacity: room)
            inputStart += step.consumed
            out += step.produced
            room -= step.produced
            let produced = capacity - room
            switch step.state {
            case .streamEnd:
                startNextStreamOrFinish(decoder, format)
                if produced > 0 || finished { return produced }
            case .progress:
                if produced > 0 { return produced }
                if available == 0 {
                    // No more compressed bytes, but the stream did not end: the file was cut short.
                    if case .readFailed = outcome {} else { outcome = .truncated(compressedOffset: compressedBytesRead, format: format) }
                    finished = true
                    return 0
                }
                if step.consumed == 0 {
                    // Input and room but nothing done: never loop forever on a library's surprise.
                    outcome = .corrupt(compressedOffset: consumedOffset, reason: "decoder made no progress", format: format)
                    finished = true
                    return 0
                }
            case .failed(let reason):
                outcome = .corrupt(compressedOffset: consumedOffset, reason: reason, format: format)
                finished = true
                return produced
            }
        }
    }

    /// After a stream's end: another stream follows (reset and go on), or zero padding, or garbage.
    private func startNextStreamOrFinish(_ decoder: StreamDecoder, _ format: CompressionFormat) {
        fill(atLeast: CompressionFormat.magicLength)
        if inputStart == inputEnd {
            finished = true
            return
        }
        if format.startsStream(input + inputStart, count: inputEnd - inputStart) {
            decoder.reset()
            return
        }
        // Some tools pad compressed files with zero bytes (tape blocks, xz stream padding); the
        // command-line tools ignore them.
        let garbageOffset = consumedOffset
        while true {
            while inputStart < inputEnd {
                if input[inputStart] != 0 {
                    outcome = .trailingGarbage(compressedOffset: garbageOffset, format: format)
                    finished = true
                    return
                }
                inputStart += 1
            }
            refill()
            if inputStart == inputEnd {
                finished = true
                return
            }
        }
    }
}
