/// Requests per day of the site's calendar (`CleaningOptions.calendar`): all requests read, those
/// answered 4xx/5xx (robots' left out, as in the errors table) and those made by robots (by user agent
/// or a robots.txt fetch). The anomaly detector watches their ratios, the daily error rate and robot
/// share, which session counts cannot show: a checkout answering 500 or a crawler storm.
///
/// Counted as the encoded hits are read back (every record the cleaning saw, kept or dropped), so a
/// day's counts add up across nights. Memory: one entry per day the input spans.
public struct DailyRequests: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var requests = 0
        public var failed = 0
        public var robot = 0
        public init(requests: Int = 0, failed: Int = 0, robot: Int = 0) {
            self.requests = requests
            self.failed = failed
            self.robot = robot
        }
        public var isEmpty: Bool { requests == 0 && failed == 0 && robot == 0 }
        public static func += (a: inout Counts, b: Counts) {
            a.requests += b.requests
            a.failed += b.failed
            a.robot += b.robot
        }
    }

    public private(set) var days: [Int32: Counts] = [:]

    public init() {}

    public mutating func add(day: Int32, _ counts: Counts) {
        guard !counts.isEmpty else { return }
        days[day, default: Counts()] += counts
    }

    public mutating func add(_ other: DailyRequests) {
        for (d, c) in other.days { add(day: d, c) }
    }
}

/// The calendar day of a time, remembered per quarter hour: every time zone's offset and daylight
/// saving change falls on a quarter hour, and hits come mostly in time order, so most lookups are one
/// division and a comparison.
struct DayOfTime {
    let calendar: SiteCalendar
    private var quarter = Int64.min
    private var day: Int32 = 0

    init(calendar: SiteCalendar) { self.calendar = calendar }

    @inline(__always) mutating func callAsFunction(_ millis: Int64) -> Int32 {
        // Records without a time are rejected before cleaning; the guard keeps the division from trapping.
        guard millis != LogRecord.noTime else { return Int32.min }
        let q = SiteCalendar.floorDiv(millis, 900_000)
        if q != quarter {
            quarter = q
            day = calendar.day(ofMillis: q * 900_000)
        }
        return day
    }
}
