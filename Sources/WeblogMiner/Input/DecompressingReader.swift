import CZlib

/// Reads a file descriptor as plain bytes, decompressing gzip transparently.
///
/// Compression is detected by the magic bytes (1f 8b), never by file name. Concatenated gzip members
/// (`cat a.gz b.gz`, pigz output) are read one after another. A stream cut short or damaged yields
/// everything that could be inflated, and `outcome` says where it broke.
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
    private(set) var isGzip = false
    private var stream: UnsafeMutablePointer<z_stream>?
    private var finished = false

    init(fd: Int32, inputBufferSize: Int = 256 * 1024) {
        self.fd = fd
        inputCapacity = inputBufferSize
        input = .allocate(capacity: inputBufferSize)
        refill()
        if inputEnd - inputStart >= 2 && input[inputStart] == 0x1f && input[inputStart + 1] == 0x8b {
            isGzip = true
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            // 15 + 16: maximum window, expect a gzip header and trailer.
            if inflateInit2_(s, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) != Z_OK {
                outcome = .corrupt(compressedOffset: 0, reason: "zlib could not start")
                finished = true
            }
            stream = s
        }
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
        }
        input.deallocate()
    }

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

    /// Fills `destination` with up to `capacity` decompressed bytes; returns 0 at the end of input.
    func read(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        if finished || capacity == 0 { return 0 }
        return isGzip ? inflateSome(into: destination, capacity: capacity) : copySome(into: destination, capacity: capacity)
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

    private func inflateSome(into destination: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        guard let s = stream else { return 0 }
        s.pointee.next_out = destination
        s.pointee.avail_out = UInt32(capacity)
        while true {
            if inputStart == inputEnd {
                refill()
                if inputStart == inputEnd {
                    // No more compressed bytes, but the member did not end: the file was cut short.
                    if case .readFailed = outcome {} else { outcome = .truncated(compressedOffset: compressedBytesRead) }
                    finished = true
                    return capacity - Int(s.pointee.avail_out)
                }
            }
            s.pointee.next_in = input + inputStart
            s.pointee.avail_in = UInt32(inputEnd - inputStart)
            let rc = inflate(s, Z_NO_FLUSH)
            inputStart = inputEnd - Int(s.pointee.avail_in)
            let produced = capacity - Int(s.pointee.avail_out)
            switch rc {
            case Z_STREAM_END:
                startNextMemberOrFinish()
                if produced > 0 || finished { return produced }
                s.pointee.next_out = destination
                s.pointee.avail_out = UInt32(capacity)
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return produced }
            default:
                let reason = s.pointee.msg.map { String(cString: $0) } ?? "inflate error \(rc)"
                outcome = .corrupt(compressedOffset: consumedOffset, reason: reason)
                finished = true
                return produced
            }
        }
    }

    /// After a member's trailer: another member follows (reset and go on), or zero padding, or garbage.
    private func startNextMemberOrFinish() {
        guard let s = stream else { return }
        if inputEnd - inputStart < 2 { refill() }
        if inputStart == inputEnd {
            finished = true
            return
        }
        if inputEnd - inputStart >= 2 && input[inputStart] == 0x1f && input[inputStart + 1] == 0x8b {
            inflateReset(s)
            return
        }
        // Some tools pad gzip files with zero bytes (tape blocks); gzip itself ignores them.
        let garbageOffset = consumedOffset
        while true {
            while inputStart < inputEnd {
                if input[inputStart] != 0 {
                    outcome = .trailingGarbage(compressedOffset: garbageOffset)
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
