/// Chooses a parser for an input by trying the candidates on its first lines.
public enum FormatDetector {
    /// Server formats tried in order; on equal scores the earlier (more specific) one wins.
    static let serverFormats: [(name: String, format: String)] = [
        ("vhost_combined", ApacheLogFormat.vhostCombined),
        ("combined", ApacheLogFormat.combined),
        ("common", ApacheLogFormat.common),
        ("alb", ApacheLogFormat.awsALB),
        ("elb", ApacheLogFormat.awsELB),
    ]

    /// Returns a parser for the sample lines, or nil if none fits at least half of them.
    public static func detect(sample lines: [[UInt8]], configuration: ParserConfiguration) -> (any LineParser)? {
        let nonEmpty = lines.filter { !$0.isEmpty }
        guard let first = nonEmpty.first else { return nil }
        if first.first == UInt8(ascii: "#") && nonEmpty.contains(where: { $0.starts(with: Array("#Fields:".utf8)) }) {
            return W3CExtendedParser()
        }
        if first.drop(while: { $0 == 32 || $0 == 9 }).first == UInt8(ascii: "{") {
            return JSONLinesParser(mapping: configuration.mapping)
        }
        var best: (parser: LogFormatParser, score: Int)? = nil
        for candidate in serverFormats {
            guard let program = try? ApacheLogFormat.compile(candidate.format) else { continue }
            let parser = LogFormatParser(program: program, name: candidate.name)
            var score = 0
            for line in nonEmpty {
                var copy = line
                var record = LogRecord()
                let verdict = copy.withUnsafeMutableBufferPointer { parser.parse($0, into: &record) }
                if verdict == .record { score += parser.consumedWholeLine ? 2 : 1 }
            }
            if score > (best?.score ?? 0) { best = (parser, score) }
        }
        if let best, best.score >= nonEmpty.count {
            return best.parser
        }
        if let delimited = detectDelimited(header: first, configuration: configuration) { return delimited }
        if let best, best.score > 0 { return best.parser }
        return HeaderlessGuess.parser(sample: nonEmpty, configuration: configuration)
    }

    /// `--delimiter`, else the most frequent of tab, comma, semicolon and pipe in `line`.
    static func delimiter(of line: [UInt8], configuration: ParserConfiguration) -> UInt8? {
        let candidates: [UInt8] = configuration.delimiter.map { [$0] } ?? [9, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|")]
        return candidates.max { a, b in line.count(where: { $0 == a }) < line.count(where: { $0 == b }) }
    }

    /// A header line naming a time column (or, without a header, a time column given with --field), split by the most frequent of tab, comma, semicolon, pipe.
    static func detectDelimited(header: [UInt8], configuration: ParserConfiguration) -> DelimitedParser? {
        guard let delimiter = delimiter(of: header, configuration: configuration), header.contains(delimiter) || configuration.delimiter != nil else { return nil }
        let parser = DelimitedParser(delimiter: delimiter, hasHeader: configuration.hasHeader, mapping: configuration.mapping)
        var copy = header
        var record = LogRecord()
        _ = copy.withUnsafeMutableBufferPointer { parser.parse($0, into: &record) }
        // With a header, it must name a time column; without one (--no-header), --field time=N must.
        guard configuration.hasHeader ? parser.columnRoles.contains(.time) : configuration.mapping.explicit[.time] != nil else { return nil }
        // A fresh parser: the caller feeds it the header line again.
        return DelimitedParser(delimiter: delimiter, hasHeader: configuration.hasHeader, mapping: configuration.mapping)
    }
}
