/// Reads just enough of an input to find its first timestamp (for ordering files before a merge).
enum FirstTimestamp {
    static func probe(_ input: InputSpec, configuration: ParserConfiguration) -> Int64? {
        guard let lines = LogSniffer.sampleLines(input) else { return nil }
        guard let parser = configuration.makeParser() ?? FormatDetector.detect(sample: Array(lines.prefix(64)), configuration: configuration) else { return nil }
        for var line in lines where !line.isEmpty {
            var record = LogRecord()
            let verdict = line.withUnsafeMutableBufferPointer { parser.parse($0, into: &record) }
            if verdict == .record { return record.epochMillis }
        }
        return nil
    }
}
