/// Per-page statistics accumulated from finished sessions: views, unique visitors, sessions, entries,
/// exits, bounces, dwell (uncensored views only: exact median from a histogram of observed values),
/// and the most frequent previous and next pages. Memory grows with pages and page pairs, not hits.
public struct PageStatistics {
    /// A class, so updating a page does not copy its dwell histogram.
    public final class Page {
        public var views = 0
        public var inferredViews = 0
        public var visitors = 0
        public var sessions = 0
        public var entries = 0
        public var exits = 0
        public var bounces = 0
        public var dwellCount = 0
        public var dwellSum: Int64 = 0
        /// Observed dwell values (ms) and how often each occurred.
        public var dwellHistogram: [Int64: Int] = [:]

        public init() {}

        public var exitRate: Double { views == 0 ? 0 : Double(exits) / Double(views) }
        public var bounceRate: Double { entries == 0 ? 0 : Double(bounces) / Double(entries) }
        public var meanDwellMillis: Double? { dwellCount == 0 ? nil : Double(dwellSum) / Double(dwellCount) }

        /// The median of observed dwell times (mean of the two middle values for an even count).
        public var medianDwellMillis: Double? { dwellHistogram.median(count: dwellCount) }
    }

    public private(set) var pages: [Int32: Page] = [:]
    /// Observed transitions page -> next page (inferred steps excluded), with counts.
    public private(set) var transitions: [UInt64: Int] = [:]
    private var pageVisitors = HashSet64()
    /// `visitorPairs` were read back without their set (a stored day only merged into windows never
    /// needs it): built on the first session or pairs added.
    private var pairSetPending = false
    /// Distinct (page, visitor) pairs in the order first seen, kept when `keepsVisitorPairs`: the
    /// distinct visitors of several days together are the union of their days' pairs.
    public private(set) var visitorPairs: [VisitorPair] = []
    public var keepsVisitorPairs = false

    public struct VisitorPair: Equatable, Sendable {
        public var page: Int32
        public var visitor: UInt64
    }

    public init() {}

    @inline(__always) static func pair(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    public mutating func add(_ s: Session) {
        buildPendingPairSet()
        let observed = s.views.filter { !$0.inferred }
        guard let first = observed.first, let last = observed.last else { return }
        let dwell = s.dwellMillis
        var seenInSession = Set<Int32>()
        for (i, v) in s.views.enumerated() {
            let p: Page
            if let existing = pages[v.page] {
                p = existing
            } else {
                p = Page()
                pages[v.page] = p
            }
            if v.inferred {
                p.inferredViews += 1
                continue
            }
            p.views += 1
            if let d = dwell[i] {
                p.dwellCount += 1
                p.dwellSum += d
                p.dwellHistogram[d, default: 0] += 1
            }
            if seenInSession.insert(v.page).inserted {
                p.sessions += 1
                if pageVisitors.insert(hashPair(s.visitorHash, v.page)) {
                    p.visitors += 1
                    if keepsVisitorPairs { visitorPairs.append(VisitorPair(page: v.page, visitor: s.visitorHash)) }
                }
            }
        }
        pages[first.page]!.entries += 1
        pages[last.page]!.exits += 1
        if observed.count == 1 { pages[first.page]!.bounces += 1 }
        for k in 1 ..< max(1, observed.count) { transitions[Self.pair(observed[k - 1].page, observed[k].page), default: 0] += 1 }
    }

    /// The statistics of a page, created empty when new.
    mutating func page(_ id: Int32) -> Page {
        if let p = pages[id] { return p }
        let p = Page()
        pages[id] = p
        return p
    }

    mutating func addTransition(_ key: UInt64, _ count: Int) { transitions[key, default: 0] += count }

    /// Adds another part's statistics. Distinct visitors come from its visitor pairs when it kept
    /// them (exact: a visitor seen in both parts counts once); without them its per-page counts are
    /// added (exact only when the parts' visitors are disjoint, an upper bound otherwise).
    public mutating func merge(_ other: PageStatistics) {
        for (id, o) in other.pages {
            let p = page(id)
            p.views += o.views; p.inferredViews += o.inferredViews; p.sessions += o.sessions
            p.entries += o.entries; p.exits += o.exits; p.bounces += o.bounces
            p.dwellCount += o.dwellCount; p.dwellSum += o.dwellSum
            for (value, n) in o.dwellHistogram { p.dwellHistogram[value, default: 0] += n }
            if !other.keepsVisitorPairs { p.visitors += o.visitors }
        }
        for (key, n) in other.transitions { transitions[key, default: 0] += n }
        if other.keepsVisitorPairs { addVisitorPairs(other.visitorPairs) }
    }

    /// Pairs read back from a stored part: counted once each, and kept when `keepsVisitorPairs`.
    mutating func addVisitorPairs(_ pairs: [VisitorPair], counting: Bool = true) {
        buildPendingPairSet()
        for pair in pairs where pageVisitors.insert(hashPair(pair.visitor, pair.page)) {
            if counting { page(pair.page).visitors += 1 }
            if keepsVisitorPairs { visitorPairs.append(pair) }
        }
    }

    /// Pairs of a stored part, known without counting them again; their set is built when needed.
    mutating func restoreVisitorPairs(_ pairs: [VisitorPair]) {
        visitorPairs = pairs
        pairSetPending = true
    }

    private mutating func buildPendingPairSet() {
        guard pairSetPending else { return }
        pairSetPending = false
        pageVisitors = HashSet64(capacity: visitorPairs.count)
        for pair in visitorPairs { _ = pageVisitors.insert(hashPair(pair.visitor, pair.page)) }
    }

    /// Forgets the visitor pairs (a day past the retention window keeps its per-page counts only).
    mutating func dropVisitorPairs() {
        keepsVisitorPairs = false
        visitorPairs = []
        pageVisitors = HashSet64()
        pairSetPending = false
    }

    private func hashPair(_ visitor: UInt64, _ page: Int32) -> UInt64 {
        var h = visitor ^ (UInt64(UInt32(bitPattern: page)) &* 0x9E37_79B9_7F4A_7C15)
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 29)
    }

    /// For each page, its most frequent previous and next page (ties: the name that sorts first, so
    /// the answer does not depend on the order pages were first seen: merged partials agree).
    public func topNeighbours(names: ByteStringInterner) -> (previous: [Int32: (Int32, Int)], next: [Int32: (Int32, Int)]) {
        var previous: [Int32: (Int32, Int)] = [:]
        var next: [Int32: (Int32, Int)] = [:]
        func before(_ a: Int32, _ b: Int32) -> Bool { names.bytes(of: a).lexicographicallyPrecedes(names.bytes(of: b)) }
        for (key, n) in transitions {
            let from = Int32(bitPattern: UInt32(key >> 32))
            let to = Int32(bitPattern: UInt32(key & 0xFFFF_FFFF))
            if let cur = next[from], cur.1 > n || (cur.1 == n && !before(to, cur.0)) {} else { next[from] = (to, n) }
            if let cur = previous[to], cur.1 > n || (cur.1 == n && !before(from, cur.0)) {} else { previous[to] = (from, n) }
        }
        return (previous, next)
    }
}

/// Writes `pages` output.
public enum PageWriter {
    public static let columns: [(name: String, meaning: String)] = [
        ("page", "page name after cleaning and mapping"),
        ("views", "page views (inferred back-steps not counted)"),
        ("visitors", "distinct visitors who viewed it"),
        ("sessions", "sessions that contain it"),
        ("entries", "sessions that start on it"),
        ("exits", "sessions that end on it"),
        ("exit_rate", "exits / views"),
        ("bounce_rate", "one-view sessions / entries"),
        ("median_dwell_s", "median seconds to the next view, over views that have a next view"),
        ("mean_dwell_s", "mean of the same"),
        ("dwell_views", "how many views have an observed dwell (the others are last views: censored)"),
        ("top_previous", "most frequent page viewed just before it"),
        ("top_previous_count", "how often"),
        ("top_next", "most frequent page viewed just after it"),
        ("top_next_count", "how often"),
    ]

    /// The columns `run` adds: conversions, and the previous period beside each compared figure.
    public static let comparisonColumns: [(name: String, meaning: String)] = [
        ("conversions", "sessions through the page that reached a --conversion page"),
        ("views_prev", "views in the previous period of the same length"), ("views_change", "(views - views_prev) / views_prev; empty when views_prev is 0"),
        ("entries_prev", "entries in the previous period"), ("entries_change", "relative change of entries"),
        ("exits_prev", "exits in the previous period"), ("exits_change", "relative change of exits"),
        ("bounce_rate_prev", "bounce rate in the previous period"), ("bounce_rate_change", "bounce_rate - bounce_rate_prev"),
        ("conversions_prev", "conversions in the previous period"), ("conversions_change", "relative change of conversions"),
    ]

    public static func write(_ stats: PageStatistics, pages: ByteStringInterner, format: RecordOutputFormat, to out: OutputStream,
                             comparison: PageComparison? = nil) throws(OutputError) {
        let (previous, next) = stats.topNeighbours(names: pages)
        func name(_ id: Int32) -> String { String(decoding: pages.bytes(of: id), as: UTF8.self) }
        func rate(_ x: Double) -> String { String(format4: x) }
        let extra = comparison == nil ? [] : comparisonColumns.map(\.name)
        if format == .tsv { try out.write((columns.map(\.name) + extra).joined(separator: "\t") + "\n") }
        let ordered = stats.pages.sorted { $0.value.views != $1.value.views ? $0.value.views > $1.value.views : name($0.key) < name($1.key) }
        for (id, p) in ordered where p.views > 0 {
            let median = p.medianDwellMillis.map { String(format4: $0 / 1000) }
            let mean = p.meanDwellMillis.map { String(format4: $0 / 1000) }
            let prev = previous[id], nxt = next[id]
            if format == .tsv {
                var fields: [String] = [tsvEscape(name(id)), String(p.views), String(p.visitors), String(p.sessions)]
                fields += [String(p.entries), String(p.exits), rate(p.exitRate), rate(p.bounceRate)]
                fields += [median ?? "", mean ?? "", String(p.dwellCount)]
                let prevName: String = prev.map { tsvEscape(name($0.0)) } ?? ""
                let prevCount: String = prev.map { String($0.1) } ?? ""
                let nextName: String = nxt.map { tsvEscape(name($0.0)) } ?? ""
                let nextCount: String = nxt.map { String($0.1) } ?? ""
                fields += [prevName, prevCount, nextName, nextCount]
                if let comparison { fields += comparison.cells(id, p).map { $0 ?? "" } }
                try out.write(fields.joined(separator: "\t") + "\n")
            } else {
                var o = "{\"page\":\(jsonQuote(name(id))),\"views\":\(p.views),\"visitors\":\(p.visitors),\"sessions\":\(p.sessions)"
                o += ",\"entries\":\(p.entries),\"exits\":\(p.exits),\"exit_rate\":\(rate(p.exitRate)),\"bounce_rate\":\(rate(p.bounceRate))"
                o += ",\"median_dwell_s\":\(median ?? "null"),\"mean_dwell_s\":\(mean ?? "null"),\"dwell_views\":\(p.dwellCount)"
                o += ",\"top_previous\":\(prev.map { jsonQuote(name($0.0)) } ?? "null"),\"top_previous_count\":\(prev.map { "\($0.1)" } ?? "null")"
                o += ",\"top_next\":\(nxt.map { jsonQuote(name($0.0)) } ?? "null"),\"top_next_count\":\(nxt.map { "\($0.1)" } ?? "null")"
                if let comparison {
                    for (column, cell) in zip(extra, comparison.cells(id, p)) { o += ",\"\(column)\":\(cell ?? "null")" }
                }
                o += "}\n"
                try out.write(o)
            }
        }
        try out.commit()
    }
}

extension String {
    /// Up to four decimals, trailing zeros dropped, without Foundation.
    public init(format4 value: Double) {
        guard value.isFinite else {
            self = value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf")
            return
        }
        let scaled = Int64((value * 10000).rounded())
        let whole = scaled / 10000
        var frac = String(abs(scaled % 10000)).leftPadded(4)
        while frac.last == "0" { frac.removeLast() }
        let sign = value < 0 && whole == 0 && scaled != 0 ? "-" : ""
        self = frac.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(frac)"
    }
}

/// A page's figures beside those of the previous period (`run`'s windows).
public struct PageComparison {
    public var conversions: [Int32: Int]
    public var previous: PageStatistics?
    public var previousConversions: [Int32: Int]

    public init(conversions: [Int32: Int], previous: PageStatistics?, previousConversions: [Int32: Int]) {
        self.conversions = conversions
        self.previous = previous
        self.previousConversions = previousConversions
    }

    /// The comparison cells of one page, in `PageWriter.comparisonColumns` order (nil: empty).
    func cells(_ id: Int32, _ p: PageStatistics.Page) -> [String?] {
        let conv = conversions[id] ?? 0
        guard let previous else { return [String(conv)] + Array(repeating: nil, count: 10) }
        let before = previous.pages[id] ?? PageStatistics.Page()
        let convBefore = previousConversions[id] ?? 0
        func count(_ now: Int, _ then: Int) -> [String?] { [String(then), then == 0 ? nil : String(format4: Double(now - then) / Double(then))] }
        return [String(conv)] + count(p.views, before.views) + count(p.entries, before.entries) + count(p.exits, before.exits)
            + (before.entries == 0 ? [nil, nil] : [String(format4: before.bounceRate), String(format4: p.bounceRate - before.bounceRate)]) + count(conv, convBefore)
    }
}
