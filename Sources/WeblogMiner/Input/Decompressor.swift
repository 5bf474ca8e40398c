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
