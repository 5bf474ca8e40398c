/// Public entry points to the reader for tools that want bytes, not records.
public enum Decompressor {
    /// Writes the decompressed content of each input to `out` (the `cat` subcommand).
    /// Returns the worst status seen; warnings and errors go to stderr.
    public static func copy(_ inputs: [InputSpec], to out: OutputStream) throws(OutputError) -> ExitStatus {
        var status = ExitStatus.ok
        let chunk = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        for input in inputs {
            let fd: Int32
            do {
                fd = try input.open()
            } catch {
                Diagnostics.error(error.message)
                status = max(status, .noInput)
                continue
            }
            defer { if !input.isStandardInput { close(fd) } }
            let reader = DecompressingReader(fd: fd)
            while true {
                let n = reader.read(into: buffer, capacity: chunk)
                if n == 0 { break }
                try out.write(UnsafeBufferPointer(start: buffer, count: n))
            }
            if let warning = reader.outcome.warning(for: input.displayName) {
                Diagnostics.warning(warning)
                status = max(status, reader.outcome.exitStatus)
            }
        }
        try out.flush()
        return status
    }

    /// The whole decompressed content of a file (for tests and small inputs only).
    public static func readAll(_ input: InputSpec) throws -> (bytes: [UInt8], outcome: InputOutcome) {
        let fd = try input.open()
        defer { if !input.isStandardInput { close(fd) } }
        let reader = DecompressingReader(fd: fd)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { reader.read(into: $0.baseAddress!, capacity: $0.count) }
            if n == 0 { break }
            bytes += chunk[0 ..< n]
        }
        return (bytes, reader.outcome)
    }
}

extension Decompressor {
    /// Calls `body` with each line of the (possibly gzip-compressed) input, without its line end
    /// (LF or CRLF), and its 1-based number; streams in 1 MB blocks, so memory does not grow with the
    /// file. A last line without a newline is still delivered. Returns how the input ended.
    public static func forEachLine(_ input: InputSpec, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws -> InputOutcome {
        let fd = try input.open()
        defer { if !input.isStandardInput { close(fd) } }
        let reader = DecompressingReader(fd: fd)
        var capacity = 1 << 20
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        func deliver(_ start: Int, _ end: Int) throws {
            var e = end
            if e > start && buffer[e - 1] == 13 { e -= 1 }
            lineNumber += 1
            try body(UnsafeBufferPointer(start: buffer + start, count: e - start), lineNumber)
        }
        while true {
            if filled == capacity {
                // A line longer than the buffer: grow it rather than cut the line.
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = reader.read(into: buffer + filled, capacity: capacity - filled)
            if n == 0 { break }
            let scanFrom = filled
            filled += n
            var lineStart = 0
            var i = scanFrom
            while i < filled, let nl = memchr(buffer + i, 10, filled - i) {
                let end = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                try deliver(lineStart, end)
                lineStart = end + 1
                i = lineStart
            }
            if lineStart > 0 {
                memmove(buffer, buffer + lineStart, filled - lineStart)
                filled -= lineStart
            }
        }
        if filled > 0 { try deliver(0, filled) }
        return reader.outcome
    }
}
