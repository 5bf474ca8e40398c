/// Features of a visitor at a snapshot time, computed only from page views before the snapshot (so
/// nothing that happens at or after a conversion can leak into training): RFM-style counts, time
/// on site, dwell, entry channels, device, time of day, the most viewed pages of the site and its
/// most frequent navigation paths (contiguous sequential patterns).
public struct ProspectFeatures {
    public private(set) var names: [String] = []
    private var topPages: [Int32] = []
    private var patterns: [[Int32]] = []
    private let pageNames: ByteStringInterner
    static let basicNames = [
        "sessions", "page_views", "views_per_session", "mean_session_minutes", "active_days", "tenure_days",
        "recency_days", "sessions_last_3_days", "mean_dwell_s", "median_dwell_s", "bounce_share",
    ] + EntryChannel.allCases.map { "channel_" + $0.rawValue } + [
        "device_mobile", "device_tablet", "device_desktop", "daytime_share", "max_views_in_session",
    ] + Browser.allCases.map { "browser_" + $0.rawValue }

    /// Chooses the page and pattern features from the views before `snapshot` and before each
    /// visitor's cutoff (its conversion; `Int64.min` leaves a visitor out), so pages seen only by
    /// customers cannot even become a column.
    public init(history: VisitorHistory, snapshot: Int64, pageNames: ByteStringInterner, cutoffs: [Int64]? = nil, topPageCount: Int = 40, patternCount: Int = 20) {
        self.pageNames = pageNames
        var pageViews: [Int32: Int] = [:]
        var sequences: [[String]] = []
        for (i, v) in history.visitors.enumerated() {
            let limit = min(snapshot, cutoffs?[i] ?? Int64.max)
            for s in v.sessions where s.start < limit {
                var seq: [String] = []
                for (k, p) in s.pages.enumerated() where s.times[k] < limit {
                    pageViews[p, default: 0] += 1
                    seq.append(String(p))
                }
                if seq.count >= 2 { sequences.append(seq) }
            }
        }
        topPages = pageViews.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(topPageCount).map(\.key)
        // Frequent contiguous paths of 2-3 pages (PrefixSpan, max gap 1), the most supported first.
        if !sequences.isEmpty {
            let db = SequenceDatabase(sequences: sequences)
            var options = PatternOptions()
            options.minSupport = max(2, sequences.count / 200)
            options.maxGap = 1
            options.maxLength = 3
            let found = PrefixSpan(database: db, options: options).mine().filter { $0.items.count >= 2 }
            patterns = found.sorted { $0.support != $1.support ? $0.support > $1.support : $0.items.lexicographicallyPrecedes($1.items) }
                .prefix(patternCount).map { $0.items.map { Int32(db.names[Int($0)])! } }
        }
        names = Self.basicNames + topPages.map { "views:" + name($0) } + patterns.map { "pattern:" + $0.map(name).joined(separator: " > ") }
    }

    private func name(_ page: Int32) -> String { String(decoding: pageNames.bytes(of: page), as: UTF8.self) }

    /// The feature row of `visitor` from its views before `snapshot`; nil when it had none.
    public func row(_ visitor: VisitorHistory.Visitor, before snapshot: Int64) -> [Double]? {
        let day = 86_400_000.0
        var sessions = 0, views = 0, bounces = 0, recent = 0, daytime = 0, maxViews = 0
        var minutes = 0.0, first = Int64.max, last = Int64.min
        var days = Set<Int64>()
        var dwell: [Double] = []
        var channels = [Double](repeating: 0, count: EntryChannel.allCases.count)
        var pageCounts = [Int32: Int]()
        var patternCounts = [Int](repeating: 0, count: patterns.count)
        for s in visitor.sessions where s.start < snapshot {
            let n = s.times.firstIndex { $0 >= snapshot } ?? s.times.count
            guard n > 0 else { continue }
            sessions += 1
            views += n
            maxViews = max(maxViews, n)
            if n == 1 { bounces += 1 }
            minutes += Double(s.times[n - 1] - s.start) / 60_000
            first = min(first, s.start)
            last = max(last, s.times[n - 1])
            if Double(snapshot - s.start) <= 3 * day { recent += 1 }
            let hour = (s.start / 3_600_000) % 24
            if hour >= 8 && hour < 18 { daytime += 1 }
            for t in s.times[..<n] { days.insert(t / 86_400_000) }
            // A dwell is known only when the next view is also before the snapshot.
            for k in 0 ..< max(0, n - 1) where s.dwell[k] >= 0 { dwell.append(Double(s.dwell[k])) }
            channels[EntryChannel.allCases.firstIndex(of: s.channel)!] += 1
            for p in s.pages[..<n] { pageCounts[p, default: 0] += 1 }
            let path = Array(s.pages[..<n])
            for (j, pattern) in patterns.enumerated() where Self.containsContiguous(path, pattern) { patternCounts[j] += 1 }
        }
        guard sessions > 0 else { return nil }
        dwell.sort()
        let median = dwell.isEmpty ? Double.nan : (dwell.count % 2 == 1 ? dwell[dwell.count / 2] : (dwell[dwell.count / 2 - 1] + dwell[dwell.count / 2]) / 2)
        var row: [Double] = [
            Double(sessions), Double(views), Double(views) / Double(sessions), minutes / Double(sessions), Double(days.count),
            Double(last - first) / day, Double(snapshot - last) / day, Double(recent),
            dwell.isEmpty ? .nan : dwell.reduce(0, +) / Double(dwell.count), median, Double(bounces) / Double(sessions),
        ]
        row += channels.map { $0 / Double(sessions) }
        row += [visitor.device == .mobile ? 1 : 0, visitor.device == .tablet ? 1 : 0, visitor.device == .desktop ? 1 : 0]
        row += [Double(daytime) / Double(sessions), Double(maxViews)]
        row += Browser.allCases.map { visitor.browser == $0 ? 1 : 0 }
        row += topPages.map { Double(pageCounts[$0] ?? 0) }
        row += patternCounts.map(Double.init)
        return row
    }

    static func containsContiguous(_ path: [Int32], _ pattern: [Int32]) -> Bool {
        guard path.count >= pattern.count else { return false }
        for i in 0 ... (path.count - pattern.count) where path[i] == pattern[0] {
            if path[i ..< i + pattern.count].elementsEqual(pattern) { return true }
        }
        return false
    }

    /// The feature and its value in words, for the reasons shown next to a prospect.
    public func phrase(_ feature: Int, _ value: Double) -> String {
        let name = names[feature]
        if value.isNaN { return name.hasSuffix("dwell_s") ? "no time per page observed yet (one-page visits)" : "no \(name) yet" }
        func n(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format4: (x * 10).rounded() / 10) }
        if name.hasPrefix("views:") { return "viewed \(name.dropFirst(6)) \(value == 1 ? "once" : "\(n(value)) times")" }
        if name.hasPrefix("pattern:") { return "path \(name.dropFirst(8)) in \(n(value)) session\(value == 1 ? "" : "s")" }
        switch name {
        case "sessions": return "\(n(value)) sessions"
        case "page_views": return "\(n(value)) page views"
        case "views_per_session": return "\(n(value)) pages per session"
        case "mean_session_minutes": return "\(n(value)) minutes per session"
        case "active_days": return "active on \(n(value)) days"
        case "tenure_days": return "visiting for \(n(value)) days"
        case "recency_days": return "last visit \(n(value)) days ago"
        case "sessions_last_3_days": return "\(n(value)) sessions in the last 3 days"
        case "mean_dwell_s": return "\(n(value)) s mean time per page"
        case "median_dwell_s": return "\(n(value)) s median time per page"
        case "bounce_share": return "\(n(value * 100))% one-page sessions"
        case "daytime_share": return "\(n(value * 100))% of sessions in daytime"
        case "max_views_in_session": return "up to \(n(value)) pages in a session"
        default:
            if name.hasPrefix("channel_") { return "\(n(value * 100))% of sessions from \(name.dropFirst(8))" }
            if name.hasPrefix("device_") { return value > 0 ? "on \(name.dropFirst(7))" : "not on \(name.dropFirst(7))" }
            if name.hasPrefix("browser_") { return value > 0 ? "uses \(name.dropFirst(8))" : "does not use \(name.dropFirst(8))" }
            return "\(name) = \(n(value))"
        }
    }
}
