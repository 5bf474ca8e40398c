import Glibc

/// Whether an input is a web server or click log, from its first lines: commands that take other
/// input (`patterns` reads sequences) use it to build sessions from a log they are given instead
/// of mining its words.
public enum LogSniffer {
    /// The first lines of an input (up to 256 KiB, decompressed, a UTF-8 byte order mark dropped,
    /// the last line left out when it may be cut), or nil when it cannot be opened or is empty.
    static func sampleLines(_ input: InputSpec) -> [[UInt8]]? {
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
        return lines.map { $0.last == 13 ? Array($0.dropLast()) : $0 }
    }

    /// The detected log format of a file (`combined`, `jsonl`, ...) when at least half of its first
    /// lines read as hits with it; nil for anything else (sequences, SPMF, sessions output).
    public static func logFormat(of input: InputSpec) -> String? {
        guard !input.isStandardInput, let lines = sampleLines(input) else { return nil }
        return logFormat(sample: lines)
    }

    /// The same judgement on lines already read (standard input, which cannot be read twice).
    public static func logFormat(sample lines: [[UInt8]]) -> String? {
        let sample = Array(lines.filter { !$0.isEmpty }.prefix(64))
        guard !sample.isEmpty, let parser = FormatDetector.detect(sample: sample, configuration: ParserConfiguration()) else { return nil }
        var hits = 0
        for var line in sample {
            var record = LogRecord()
            if line.withUnsafeMutableBufferPointer({ parser.parse($0, into: &record) }) == .record { hits += 1 }
        }
        return hits * 2 >= sample.count ? parser.formatName : nil
    }
}
