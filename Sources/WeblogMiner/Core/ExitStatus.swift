/// Process exit statuses, following BSD sysexits(3) so cron wrappers can tell failures apart.
public enum ExitStatus: Int32, Sendable, Comparable {
    case ok = 0
    /// Bad command line (wrong option, invalid pattern or format string).
    case usage = 64
    /// Input data was wrong: reject ratio exceeded, truncated or corrupt compressed input.
    case dataError = 65
    /// An input file could not be opened.
    case noInput = 66
    /// An output file could not be created.
    case cannotCreate = 73
    /// A read or write failed midway.
    case ioError = 74

    /// Precedence when several problems happen in one run: the most severe wins
    /// (I/O error > cannot create output > missing input > data error > usage > ok).
    private var severity: Int {
        switch self {
        case .ok: 0
        case .usage: 1
        case .dataError: 2
        case .noInput: 3
        case .cannotCreate: 4
        case .ioError: 5
        }
    }

    public static func < (a: ExitStatus, b: ExitStatus) -> Bool { a.severity < b.severity }

    public static let helpText = """
        EXIT STATUS
          0   success
          64  usage error (bad option, format string or pattern)
          65  data error: too many malformed lines (--max-reject-ratio), or a truncated/corrupt .gz
          66  an input file could not be opened (the others are still processed)
          73  an output file could not be created
          74  I/O error while reading or writing
        """
}
