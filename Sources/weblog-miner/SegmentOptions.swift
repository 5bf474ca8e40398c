import ArgumentParser
import Glibc
import WeblogMiner

/// The segment filters every command that reads sessions takes (and `run`): one syntax, documented
/// once here and in the README ("Segments as filters").
struct SegmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only sessions that start on or after this day (YYYY-MM-DD, in --timezone where the command has one, else UTC). anomalies: the first day reported.", valueName: "day"))
    var since: String?

    @Option(help: ArgumentHelp("Only sessions that start on or before this day: YYYY-MM-DD, yesterday, or newest (no limit). run: the day every window ends on (default newest).", valueName: "day"))
    var until: String?

    @Option(name: .customLong("device"), help: ArgumentHelp("Only these device classes: desktop, mobile, tablet, unknown (comma-separated or repeated).", valueName: "list"))
    var devices: [String] = []

    @Option(name: .customLong("channel"), help: ArgumentHelp("Only sessions entering by these channels: direct, search, social, referral, campaign, email, internal.", valueName: "list"))
    var channels: [String] = []

    @Option(help: ArgumentHelp("Only sessions whose first page matches this PCRE2 pattern (page names after --map).", valueName: "regex"))
    var entryPage: String?

    @Flag(help: "Only returning visitors' sessions (from a visitor's second session in the input).")
    var returning = false

    @Flag(name: .customLong("new"), help: "Only new visitors' sessions (each visitor's first session in the input).")
    var newVisitors = false

    /// A day option: a date, `yesterday` (in the calendar's zone) or `newest` (nil).
    static func day(_ text: String, option: String, calendar: SiteCalendar) throws -> Int32? {
        switch text.lowercased() {
        case "newest": return nil
        case "yesterday":
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return calendar.day(ofMillis: Int64(now.tv_sec) * 1000) - 1
        default:
            guard let day = SiteCalendar.day(label: text) else { throw ValidationError("\(option) must be a date YYYY-MM-DD, yesterday or newest (got '\(text)')") }
            return day
        }
    }

    static func words<T: RawRepresentable & CaseIterable>(_ lists: [String], _ option: String, as: T.Type) throws -> Set<T> where T.RawValue == String {
        var result: Set<T> = []
        for word in lists.flatMap({ $0.split(separator: ",") }) {
            let w = word.filter { $0 != " " }.lowercased()
            guard let v = T(rawValue: w) else { throw ValidationError("\(option): '\(word)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))") }
            result.insert(v)
        }
        return result
    }

    /// The filter (nil when no condition is given). `withDays`: false where the days mean something
    /// else (run's window end, anomalies' report start).
    func filter(calendar: SiteCalendar = .utc, withDays: Bool = true) throws -> SegmentFilter? {
        if returning && newVisitors { throw ValidationError("--returning and --new exclude each other") }
        let f = SegmentFilter()
        f.calendar = calendar
        if withDays {
            f.since = try since.flatMap { try Self.day($0, option: "--since", calendar: calendar) }
            f.until = try until.flatMap { try Self.day($0, option: "--until", calendar: calendar) }
            if let a = f.since, let b = f.until, a > b { throw ValidationError("--since \(since!) is after --until \(until!)") }
        }
        f.devices = try Self.words(devices, "--device", as: Device.self)
        f.channels = try Self.words(channels, "--channel", as: EntryChannel.self)
        if let entryPage {
            do { f.entryPage = try PageMapper(specs: [entryPage + "=entry"]) } catch { throw ValidationError("--entry-page: \(error)") }
        }
        f.visitorType = returning ? .returning : newVisitors ? .new : nil
        return f.isEmpty ? nil : f
    }
}
