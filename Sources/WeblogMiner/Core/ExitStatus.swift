/// Process exit statuses, following BSD sysexits(3) so cron wrappers can tell failures apart.
public enum ExitStatus: Int32, Sendable, Comparable {
    case ok = 0
    /// `run --alert-exit`: the run succeeded and found a new anomaly (any failure outranks it).
    case alert = 1
    /// Bad command line (wrong option, out-of-range value, invalid pattern or format string).
    case usage = 64
    /// Input data was wrong: reject ratio exceeded, truncated or corrupt compressed input.
    case dataError = 65
    /// An input file could not be opened.
    case noInput = 66
    /// The input was read but holds too little to train a model on (e.g. too few conversions).
    case notEnoughData = 69
    /// An output file could not be created, or `--out` names something the tool will not replace.
    case cannotCreate = 73
    /// A read or write failed midway (disk full included).
    case ioError = 74
    /// `run`: another run holds the lock on the same state (try again later).
    case lockHeld = 75

    /// Precedence when several problems happen in one run: the most severe wins
    /// (lock held > I/O error > cannot create output > missing input > not enough data > data error > usage > ok).
    private var severity: Int {
        switch self {
        case .ok: 0
        case .alert: 1
        case .usage: 2
        case .dataError: 3
        case .notEnoughData: 4
        case .noInput: 5
        case .cannotCreate: 6
        case .ioError: 7
        case .lockHeld: 8
        }
    }

    public static func < (a: ExitStatus, b: ExitStatus) -> Bool { a.severity < b.severity }

    public static let helpText = """
        EXIT STATUS
          0   success
          1   run --alert-exit: success, and a new anomaly on a day this run read (anomalies.tsv)
          64  usage error (bad option or option value, format string or pattern)
          65  data error: too many malformed lines (--max-reject-ratio), or a truncated/corrupt .gz
          66  an input file could not be opened (the others are still processed)
          69  not enough data to train on (prospects: too few conversions to learn from)
          73  an output file could not be created, or run --out names something that is not a results directory
          74  I/O error while reading or writing (disk full included)
          75  run: another run holds the lock on the state
        """
}
