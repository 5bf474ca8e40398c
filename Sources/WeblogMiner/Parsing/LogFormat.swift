/// The `--format` choice: a named layout, a server format string, or automatic detection.
public enum LogFormat: Sendable, Equatable {
    case auto
    case program(LogFormatProgram, name: String)
    case w3c
    case jsonLines
    case delimited(UInt8)

    public static let namedFormats = "auto, common, combined, vhost_combined, alb, elb, w3c, jsonl, csv, tsv"

    /// Reads a `--format` value: a name above, an Apache `LogFormat` string (with `%`), an nginx
    /// `log_format` string (with `$`), or either with an explicit `apache:` / `nginx:` prefix.
    public static func parse(_ value: String) throws(FormatCompileError) -> LogFormat {
        switch value.lowercased() {
        case "auto", "": return .auto
        case "common", "clf": return .program(try ApacheLogFormat.compile(ApacheLogFormat.common), name: "common")
        case "combined", "nginx": return .program(try ApacheLogFormat.compile(ApacheLogFormat.combined), name: "combined")
        case "vhost_combined": return .program(try ApacheLogFormat.compile(ApacheLogFormat.vhostCombined), name: "vhost_combined")
        case "alb", "aws_alb": return .program(try ApacheLogFormat.compile(ApacheLogFormat.awsALB), name: "alb")
        case "elb", "aws_elb": return .program(try ApacheLogFormat.compile(ApacheLogFormat.awsELB), name: "elb")
        case "w3c", "iis": return .w3c
        case "json", "jsonl", "ndjson": return .jsonLines
        case "csv": return .delimited(UInt8(ascii: ","))
        case "tsv": return .delimited(9)
        default: break
        }
        if value.hasPrefix("apache:") { return .program(try ApacheLogFormat.compile(String(value.dropFirst(7))), name: "apache format") }
        if value.hasPrefix("nginx:") { return .program(try NginxLogFormat.compile(String(value.dropFirst(6))), name: "nginx format") }
        if value.contains("%") { return .program(try ApacheLogFormat.compile(value), name: "apache format") }
        if value.contains("$") { return .program(try NginxLogFormat.compile(value), name: "nginx format") }
        throw FormatCompileError(message: "unknown --format '\(value)': use one of \(namedFormats), or an Apache LogFormat / nginx log_format string")
    }
}

/// How lines of an input are read: format plus the click-log options.
public struct ParserConfiguration: Sendable {
    public var format: LogFormat
    public var mapping: FieldMapping
    /// Overrides the delimiter of `csv`/`tsv` and of auto-detected delimited input.
    public var delimiter: UInt8?
    public var hasHeader: Bool

    public init(format: LogFormat = .auto, mapping: FieldMapping = FieldMapping(), delimiter: UInt8? = nil, hasHeader: Bool = true) {
        self.format = format
        self.mapping = mapping
        self.delimiter = delimiter
        self.hasHeader = hasHeader
    }

    /// A parser for a format that was given explicitly (nil for `.auto`).
    public func makeParser() -> (any LineParser)? {
        switch format {
        case .auto: nil
        case .program(let program, let name): LogFormatParser(program: program, name: name)
        case .w3c: W3CExtendedParser()
        case .jsonLines: JSONLinesParser(mapping: mapping)
        case .delimited(let d): DelimitedParser(delimiter: delimiter ?? d, hasHeader: hasHeader, mapping: mapping)
        }
    }
}
