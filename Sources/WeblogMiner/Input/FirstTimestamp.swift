/// Reads just enough of an input to find its first timestamp (for ordering files before a merge).
enum FirstTimestamp {
    static func probe(_ input: InputSpec, configuration: ParserConfiguration) -> Int64? {
        guard let fd = try? input.open() else { return nil }
        defer { close(fd) }
        let reader = DecompressingReader(fd: fd)
        let capacity = 256 * 1024
        var buffer = [UInt8](repeating: 0, count: capacity)
        let n = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0.baseAddress!, capacity: capacity) }
        guard n > 0 else { return nil }
        let mark = buffer.withUnsafeBufferPointer { ByteOrderMark.utf8Length($0.baseAddress!, count: n) }
        var lines = buffer[mark ..< n].split(separator: 10, omittingEmptySubsequences: false).map { Array($0) }
        if n == capacity { lines.removeLast() }  // possibly cut off
        lines = lines.map { $0.last == 13 ? Array($0.dropLast()) : $0 }
        guard let parser = configuration.makeParser() ?? FormatDetector.detect(sample: Array(lines.prefix(64)), configuration: configuration) else { return nil }
        for var line in lines where !line.isEmpty {
            var record = LogRecord()
            let verdict = line.withUnsafeMutableBufferPointer { parser.parse($0, into: &record) }
            if verdict == .record { return record.epochMillis }
        }
        return nil
    }
}
