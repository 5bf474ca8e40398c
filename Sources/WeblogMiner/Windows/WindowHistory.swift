/// What a night's windows are computed from: the day partials (the night's changed days in memory,
/// the others read from the state store when a window needs them), the sessions still open (by the
/// day they started, counted as they stand), and the finished sessions of a range of days (the
/// store's plus the night's). Nothing outside the windows' days is read.
public struct WindowHistory {
    public let calendar: SiteCalendar
    /// The newest day seen (every window ends on it) and the oldest with a partial.
    public let lastDay: Int32
    public let firstDay: Int32
    public let retainDays: Int
    private var partials: [Int32: UsagePartial]
    private let storedDays: Set<Int32>
    private let openByDay: [Int32: UsagePartial]
    private let open: [Session]
    private let newSessions: [Session]
    private let store: StateStore?
    private var fetched: (range: ClosedRange<Int32>, sessions: [Session])? = nil
    /// Aggregates already merged, by the days they cover (a short history gives 7d and 28d the same days).
    private var merged: [ClosedRange<Int32>: UsagePartial] = [:]

    public init(calendar: SiteCalendar, lastDay: Int32, firstDay: Int32, changed: [Int32: UsagePartial], storedDays: Set<Int32> = [], open: [Session],
                converts: ConversionTest, newSessions: [Session], retainDays: Int, store: StateStore?) {
        self.calendar = calendar
        self.lastDay = lastDay
        self.firstDay = firstDay
        self.retainDays = retainDays
        partials = changed
        self.storedDays = storedDays
        var byDay: [Int32: UsagePartial] = [:]
        for s in open { byDay[calendar.day(ofMillis: s.start), default: UsagePartial()].add(s, calendar: calendar, converts: converts(s)) }
        openByDay = byDay
        self.open = open
        self.newSessions = newSessions
        self.store = store
    }

    /// The days a window covers tonight.
    public func range(of window: ResultWindow) -> ClosedRange<Int32> { window.range(last: lastDay, first: firstDay) }

    /// The merged aggregates of a range of days, open sessions included.
    public mutating func aggregate(_ days: ClosedRange<Int32>) throws -> UsagePartial {
        let lo = max(days.lowerBound, firstDay), hi = days.upperBound
        guard lo <= hi else { return UsagePartial() }
        if let known = merged[lo ... hi] { return known }
        // Merged into a new partial (pages are shared objects: a day's own must stay as they are);
        // a single part is returned as it is (callers only read).
        var parts: [UsagePartial] = []
        let missing = (lo ... hi).filter { partials[$0] == nil && storedDays.contains($0) }
        if let store, !missing.isEmpty {
            for (d, p) in try store.partials(missing) { partials[d] = p }
        }
        for d in lo ... hi {
            if let p = partials[d] { parts.append(p) }
            if let p = openByDay[d] { parts.append(p) }
        }
        var result = parts.count == 1 ? parts[0] : UsagePartial()
        if parts.count > 1 { for p in parts { result.merge(p) } }
        merged[lo ... hi] = result
        return result
    }

    /// The sessions (finished, and open as they stand) that started in a range of days, by id. The
    /// first call should ask for the widest range: later ones within it are served from memory.
    public mutating func sessions(_ days: ClosedRange<Int32>) throws -> [Session] {
        if let fetched, fetched.range.contains(days.lowerBound), fetched.range.contains(days.upperBound) {
            return fetched.range == days ? fetched.sessions : fetched.sessions.filter { days.contains(calendar.day(ofMillis: $0.start)) }
        }
        var all = try store?.closedSessions(days: days) ?? []
        for s in newSessions where days.contains(calendar.day(ofMillis: s.start)) { all.append(s) }
        for s in open where days.contains(calendar.day(ofMillis: s.start)) { all.append(s) }
        all.sort { $0.id < $1.id }
        fetched = (days, all)
        return all
    }
}
