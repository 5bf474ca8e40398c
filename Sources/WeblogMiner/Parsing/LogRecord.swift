/// A byte range inside the line being parsed; `count < 0` means the field is absent (`-` or missing).
public struct FieldRef: Sendable, Equatable {
    public var start: Int32
    public var count: Int32

    public static let absent = FieldRef(start: 0, count: -1)
    /// Present but empty.
    public static let empty = FieldRef(start: 0, count: 0)

    @inline(__always) public init(start: Int32, count: Int32) {
        self.start = start
        self.count = count
    }

    @inline(__always) init(_ start: Int, _ end: Int) {
        self.start = Int32(truncatingIfNeeded: start)
        self.count = Int32(truncatingIfNeeded: end - start)
    }

    @inline(__always) public var isPresent: Bool { count >= 0 }
}

/// The text fields of a normalised hit, in output order.
public enum TextField: Int, CaseIterable, Sendable {
    case client, user, method, path, query, proto, referrer, userAgent, vhost, visitor, session, origin
}

/// One normalised hit. Text fields point into the line buffer (parsers decode escapes in place),
/// so parsing a line allocates nothing; numbers are already converted.
public struct LogRecord: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z, or `LogRecord.noTime`.
    public var epochMillis: Int64 = LogRecord.noTime
    public var status: Int32 = -1
    public var bytes: Int64 = -1
    public var durationMicros: Int64 = -1
    public var client = FieldRef.absent
    public var user = FieldRef.absent
    public var method = FieldRef.absent
    public var path = FieldRef.absent
    public var query = FieldRef.absent
    public var proto = FieldRef.absent
    public var referrer = FieldRef.absent
    public var userAgent = FieldRef.absent
    public var vhost = FieldRef.absent
    /// Visitor id of click logs (cookie, device id).
    public var visitor = FieldRef.absent
    /// Session id when the log already has one (click logs).
    public var session = FieldRef.absent
    /// `file:line` carried over when re-reading our own TSV output.
    public var origin = FieldRef.absent

    public static let noTime = Int64.min
    /// The order column of click exports (0 when there is none): ties of equal times are put in this order.
    public var order: Int64 = 0

    public init() {}

    public subscript(field: TextField) -> FieldRef {
        get {
            switch field {
            case .client: client
            case .user: user
            case .method: method
            case .path: path
            case .query: query
            case .proto: proto
            case .referrer: referrer
            case .userAgent: userAgent
            case .vhost: vhost
            case .visitor: visitor
            case .session: session
            case .origin: origin
            }
        }
        set {
            switch field {
            case .client: client = newValue
            case .user: user = newValue
            case .method: method = newValue
            case .path: path = newValue
            case .query: query = newValue
            case .proto: proto = newValue
            case .referrer: referrer = newValue
            case .userAgent: userAgent = newValue
            case .vhost: vhost = newValue
            case .visitor: visitor = newValue
            case .session: session = newValue
            case .origin: origin = newValue
            }
        }
    }
}

/// A line handed to a parser: mutable so escapes can be decoded in place (decoding only shrinks).
public typealias LineBuffer = UnsafeMutableBufferPointer<UInt8>

extension UnsafeMutableBufferPointer where Element == UInt8 {
    /// The bytes of a field (empty for absent fields).
    @inline(__always) public func bytes(_ field: FieldRef) -> UnsafeBufferPointer<UInt8> {
        guard field.count > 0, let base = baseAddress else { return UnsafeBufferPointer(start: emptyBytePointer, count: 0) }
        return UnsafeBufferPointer(start: base + Int(field.start), count: Int(field.count))
    }

    public func string(_ field: FieldRef) -> String? {
        field.isPresent ? String(decoding: bytes(field), as: UTF8.self) : nil
    }
}

/// Why a line was not turned into a record. Raw values are the names shown in reports.
public enum RejectReason: String, CaseIterable, Sendable, Comparable {
    case formatMismatch = "format_mismatch"
    case badTime = "bad_time"
    case missingTime = "missing_time"
    case badStatus = "bad_status"
    case badNumber = "bad_number"
    case invalidJSON = "invalid_json"
    case badQuoting = "bad_quoting"
    case lineTooLong = "line_too_long"
    case truncatedLine = "truncated_line"
    case unknownFormat = "unknown_format"

    public static func < (a: RejectReason, b: RejectReason) -> Bool { a.rawValue < b.rawValue }

    public var explanation: String {
        switch self {
        case .formatMismatch: "line does not have the layout of the log format"
        case .badTime: "timestamp unreadable or implausible (before 1990 or after tomorrow)"
        case .missingTime: "no timestamp field"
        case .badStatus: "status is not a number"
        case .badNumber: "bytes or duration is not a number"
        case .invalidJSON: "not a JSON object"
        case .badQuoting: "unbalanced quotes"
        case .lineTooLong: "line longer than the limit"
        case .truncatedLine: "last line of a truncated or corrupt stream"
        case .unknownFormat: "format of the file could not be detected"
        }
    }
}

/// What a parser made of one line.
public enum LineVerdict: Sendable, Equatable {
    case record
    /// A line that carries no hit: header, `#` directive, comment.
    case skip
    case reject(RejectReason)
}

/// Parses lines of one input. One instance per file: some formats keep state (W3C `#Fields:`, CSV header).
public protocol LineParser: AnyObject {
    /// Short name of the format, shown when it was auto-detected.
    var formatName: String { get }
    /// Fills `record` (which arrives reset) from `line`.
    func parse(_ line: LineBuffer, into record: inout LogRecord) -> LineVerdict
    /// An independent parser in the same state, for another thread; nil when lines must be parsed in
    /// order by one parser (W3C: a `#Fields:` line changes how the following lines read).
    func copyForWorker() -> (any LineParser)?
}
