/// The aggregates of a set of finished sessions that merge exactly: a day's is kept in the state
/// store for every day (long after its raw sessions are gone), and a window's (the last 7 days, ...)
/// is the merge of its days'. Page counts, dwell histograms (exact medians), transitions, hours and
/// cleaning counts add; distinct visitors (per page and in all) are unions of visitor hashes, kept
/// while the day is within the retention window and summed per day after (`hasVisitorDetail`).
///
/// A session belongs to the day of its first view in the site's time zone, so a window holds the
/// sessions that started in it (one that crosses the window's first midnight is left out whole).
public struct UsagePartial {
    public var pages = PageStatistics()
    /// Per page: sessions through it that reached a conversion page (`--conversion`).
    public var conversions: [Int32: Int] = [:]
    public var sessions = 0
    public var convertedSessions = 0
    public var pageViews = 0
    /// Sum of session durations (first to last observed view), for the mean.
    public var durationMillis: Int64 = 0
    /// Distinct visitors: `visitorHashes` while detailed, else the sum of the days' counts.
    public private(set) var visitors = 0
    private var visitorSet = HashSet64()
    /// Hashes read back without their set: built when a session is added.
    private var visitorSetPending = false
    public private(set) var visitorHashes: [UInt64] = []
    public var hasVisitorDetail = true
    /// Page views by hour of the day and by day, in the site's time zone.
    public var viewsByHour = [Int](repeating: 0, count: 24)
    public var viewsByDay: [Int32: Int] = [:]
    public var first = Int64.max
    public var last = Int64.min
    /// Cleaning counts of the nights whose newest hit fell on this day.
    public var cleaning: [String: Int] = [:]
    /// Sessions by entry channel (direct, search, social, referral, campaign).
    public var channels: [String: Int] = [:]
    /// The day's requests, failed requests and robots' requests (of every request read, whatever
    /// the segment: `run` adds them from the nights' logs; partials made from sessions alone have none).
    public var requests = DailyRequests.Counts()
    /// The day's failed requests (4xx/5xx, robots' left out), by status, page and linking page.
    public var errors = ErrorCounts()

    public init() { pages.keepsVisitorPairs = true }

    /// Adds one finished session. `converts`: it viewed a conversion page.
    public mutating func add(_ s: Session, calendar: SiteCalendar, converts: Bool = false) {
        let observed = s.views.filter { !$0.inferred }
        guard !observed.isEmpty else { return }
        pages.add(s)
        sessions += 1
        if converts {
            convertedSessions += 1
            for p in Set(observed.map(\.page)) { conversions[p, default: 0] += 1 }
        }
        durationMillis += observed.last!.time - observed.first!.time
        first = min(first, observed.first!.time)
        last = max(last, observed.last!.time)
        for v in observed {
            pageViews += 1
            let (day, hour) = calendar.dayAndHour(ofMillis: v.time)
            viewsByHour[hour] += 1
            viewsByDay[day, default: 0] += 1
        }
        addVisitor(s.visitorHash)
        channels[EntryChannel(of: s).rawValue, default: 0] += 1
    }

    private mutating func addVisitor(_ h: UInt64) {
        if visitorSetPending {
            visitorSetPending = false
            visitorSet = HashSet64(capacity: visitorHashes.count)
            for known in visitorHashes { _ = visitorSet.insert(known) }
        }
        if visitorSet.insert(h) {
            visitors += 1
            if hasVisitorDetail { visitorHashes.append(h) }
        }
    }

    /// Adds another partial (another day, or the sessions still open).
    public mutating func merge(_ other: UsagePartial) {
        pages.merge(other.pages)
        for (p, n) in other.conversions { conversions[p, default: 0] += n }
        sessions += other.sessions
        convertedSessions += other.convertedSessions
        pageViews += other.pageViews
        durationMillis += other.durationMillis
        if other.hasVisitorDetail {
            for h in other.visitorHashes { addVisitor(h) }
        } else {
            visitors += other.visitors
        }
        for h in 0 ..< 24 { viewsByHour[h] += other.viewsByHour[h] }
        for (d, n) in other.viewsByDay { viewsByDay[d, default: 0] += n }
        first = min(first, other.first)
        last = max(last, other.last)
        for (k, n) in other.cleaning { cleaning[k, default: 0] += n }
        for (k, n) in other.channels { channels[k, default: 0] += n }
        requests += other.requests
        if !other.errors.isEmpty { errors.add(other.errors) }
    }

    /// Past the retention window a day keeps its counts but not the visitor hashes behind them.
    public mutating func dropVisitorDetail() {
        hasVisitorDetail = false
        visitorHashes = []
        visitorSet = HashSet64()
        visitorSetPending = false
        pages.dropVisitorPairs()
    }

    // MARK: - Stored form

    /// 3 added the requests and errors (a version 2 partial reads with none).
    static let formatVersion: UInt64 = 3

    public func encoded() -> [UInt8] {
        var w = BinaryWriter(reserving: 4096 + pages.visitorPairs.count * 10 + visitorHashes.count * 8)
        w.unsigned(Self.formatVersion)
        w.int(sessions); w.int(convertedSessions); w.int(pageViews); w.signed(durationMillis)
        w.int(visitors); w.unsigned(hasVisitorDetail ? 1 : 0)
        w.signed(first); w.signed(last)
        for n in viewsByHour { w.int(n) }
        w.unsigned(UInt64(viewsByDay.count))
        for (d, n) in viewsByDay.sorted(by: { $0.key < $1.key }) { w.signed(Int64(d)); w.int(n) }
        w.unsigned(UInt64(cleaning.count))
        for (k, n) in cleaning.sorted(by: { $0.key < $1.key }) { w.data(Array(k.utf8)); w.int(n) }
        w.unsigned(UInt64(channels.count))
        for (k, n) in channels.sorted(by: { $0.key < $1.key }) { w.data(Array(k.utf8)); w.int(n) }
        w.int(requests.requests); w.int(requests.failed); w.int(requests.robot)
        errors.encode(into: &w)
        w.unsigned(UInt64(pages.pages.count))
        for (id, p) in pages.pages.sorted(by: { $0.key < $1.key }) {
            w.signed(Int64(id))
            for n in [p.views, p.inferredViews, p.visitors, p.sessions, p.entries, p.exits, p.bounces, p.dwellCount, conversions[id] ?? 0] { w.int(n) }
            w.signed(p.dwellSum)
            w.unsigned(UInt64(p.dwellHistogram.count))
            for (value, n) in p.dwellHistogram.sorted(by: { $0.key < $1.key }) { w.signed(value); w.int(n) }
        }
        w.unsigned(UInt64(pages.transitions.count))
        for (key, n) in pages.transitions.sorted(by: { $0.key < $1.key }) { w.unsigned(key); w.int(n) }
        w.unsigned(UInt64(pages.visitorPairs.count))
        // Pairs and hashes sorted: equal partials give equal bytes, whatever order their sessions came in.
        for pair in pages.visitorPairs.sorted(by: { $0.page != $1.page ? $0.page < $1.page : $0.visitor < $1.visitor }) { w.signed(Int64(pair.page)); w.hash(pair.visitor) }
        w.unsigned(UInt64(visitorHashes.count))
        for h in visitorHashes.sorted() { w.hash(h) }
        return w.bytes
    }

    /// nil when the bytes are not a partial of this format, or name a page outside 0 ..< `pageCount`.
    public static func decode(_ bytes: [UInt8], pageCount: Int32) -> UsagePartial? {
        var r = BinaryReader(bytes)
        var p = UsagePartial()
        func page(_ v: Int64) throws(BinaryReader.Malformed) -> Int32 {
            guard v >= 0 && v < Int64(pageCount) else { throw BinaryReader.Malformed() }
            return Int32(v)
        }
        do {
            let version = try r.unsigned()
            guard version == formatVersion || version == 2 else { return nil }
            p.sessions = try r.int(); p.convertedSessions = try r.int(); p.pageViews = try r.int(); p.durationMillis = try r.signed()
            let visitors = try r.int()
            let detailed = try r.unsigned() == 1
            p.first = try r.signed(); p.last = try r.signed()
            for h in 0 ..< 24 { p.viewsByHour[h] = try r.int() }
            for _ in 0 ..< (try r.count(minBytes: 2)) {
                let d = try r.signed()
                guard let day = Int32(exactly: d) else { return nil }
                p.viewsByDay[day] = try r.int()
            }
            for _ in 0 ..< (try r.count(minBytes: 2)) {
                let key = String(decoding: try r.data(), as: UTF8.self)
                p.cleaning[key] = try r.int()
            }
            for _ in 0 ..< (try r.count(minBytes: 2)) {
                let key = String(decoding: try r.data(), as: UTF8.self)
                p.channels[key] = try r.int()
            }
            if version >= 3 {
                p.requests = DailyRequests.Counts(requests: try r.int(), failed: try r.int(), robot: try r.int())
                p.errors = try ErrorCounts.decode(from: &r)
            }
            for _ in 0 ..< (try r.count(minBytes: 12)) {
                let id = try page(try r.signed())
                let s = p.pages.page(id)
                s.views = try r.int(); s.inferredViews = try r.int(); s.visitors = try r.int(); s.sessions = try r.int()
                s.entries = try r.int(); s.exits = try r.int(); s.bounces = try r.int(); s.dwellCount = try r.int()
                let converted = try r.int()
                if converted > 0 { p.conversions[id] = converted }
                s.dwellSum = try r.signed()
                for _ in 0 ..< (try r.count(minBytes: 2)) {
                    let value = try r.signed()
                    s.dwellHistogram[value] = try r.int()
                }
            }
            for _ in 0 ..< (try r.count(minBytes: 2)) {
                let key = try r.unsigned()
                _ = try page(Int64(key >> 32)); _ = try page(Int64(key & 0xFFFF_FFFF))
                p.pages.addTransition(key, try r.int())
            }
            var pairs: [PageStatistics.VisitorPair] = []
            for _ in 0 ..< (try r.count(minBytes: 9)) { pairs.append(.init(page: try page(try r.signed()), visitor: try r.hash())) }
            var hashes: [UInt64] = []
            for _ in 0 ..< (try r.count(minBytes: 8)) { hashes.append(try r.hash()) }
            guard r.isAtEnd else { return nil }
            if detailed {
                // Known again without counting (a later night may add sessions to this day); the sets
                // behind them are built only then.
                p.pages.restoreVisitorPairs(pairs)
                guard hashes.count == visitors else { return nil }
                p.visitorHashes = hashes
                p.visitors = visitors
                p.visitorSetPending = true
            } else {
                p.dropVisitorDetail()
                p.visitors = visitors
            }
        } catch {
            return nil
        }
        return p
    }
}
