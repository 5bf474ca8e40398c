/// Deviation detection over daily series: the site's views, sessions, visitors, bounce rate, (with a
/// conversion page) conversions and conversion rate, and (with request counts: read from logs, or
/// kept by `run`) the error rate (4xx/5xx share of requests, robots' failures left out) and robot
/// share of requests; and each busy page's views, entries and exits. A
/// day is flagged when its value leaves the seasonal baseline (`SeasonalBaseline`) by more than the
/// threshold, in robust z-scores.
///
/// Days come from day partials (`run`'s store, `pages --partial --by-day`, or sessions read here): a
/// day inside the series without sessions is a day of zero (the site or its logging was down), days
/// before the first are not days at all. Memory: one value per day and series; pages are the
/// `maxPages` busiest of the period.
public struct AnomalyDetector {
    public struct Options: Sendable {
        /// |score| at or above which a site metric is flagged.
        public var siteThreshold = 4.0
        /// Pages are many, so their bar is higher (fewer alarms by chance).
        public var pageThreshold = 5.0
        /// A page is scored on days where its value or expected value reaches this (views, ...).
        public var minimumPageVolume = 30.0
        public var maxPages = 500
        public var conversions = false
        public var baseline = SeasonalBaseline()
        public init() {}
    }

    public struct Anomaly: Sendable, Equatable {
        public var day: Int32
        /// `site`, or a page name.
        public var scope: String
        public var metric: String
        public var value: Double
        public var expected: Double
        public var score: Double
        public var baselineDays: Int
        public var direction: String { score >= 0 ? "up" : "down" }
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Anomalies on the days `report` (all scored days when nil), busiest deviation first within a day.
    public func detect(_ days: DayPartials, report: ClosedRange<Int32>? = nil) -> [Anomaly] {
        guard let first = days.days.keys.min(), let last = days.days.keys.max() else { return [] }
        let span = first ... last
        let wanted = report.map { r in max(r.lowerBound, first) ... max(min(r.upperBound, last), max(r.lowerBound, first)) } ?? span
        func partial(_ d: Int32) -> UsagePartial? { span.contains(d) ? (days.days[d] ?? UsagePartial()) : nil }
        var found: [Anomaly] = []

        // Site metrics: (name, kind, value of a day, denominator of a rate).
        typealias Metric = (name: String, kind: SeasonalBaseline.Kind, value: (UsagePartial) -> Double?, denominator: (UsagePartial) -> Double)
        var metrics: [Metric] = [
            ("views", .count, { Double($0.pageViews) }, { _ in 0 }),
            ("sessions", .count, { Double($0.sessions) }, { _ in 0 }),
            ("visitors", .count, { Double($0.visitors) }, { _ in 0 }),
            ("bounce_rate", .rate, { $0.sessions == 0 ? nil : Double($0.pages.pages.values.reduce(0) { $0 + $1.bounces }) / Double($0.sessions) }, { Double($0.sessions) }),
        ]
        // Of all requests read (partials made from sessions alone have none, and are not scored on them).
        if days.days.values.contains(where: { $0.requests.requests > 0 }) {
            metrics += [
                ("error_rate", .rate, { $0.requests.requests == 0 ? nil : Double($0.requests.failed) / Double($0.requests.requests) }, { Double($0.requests.requests) }),
                ("robot_share", .rate, { $0.requests.requests == 0 ? nil : Double($0.requests.robot) / Double($0.requests.requests) }, { Double($0.requests.requests) }),
            ]
        }
        if options.conversions {
            metrics += [
                ("conversions", .count, { Double($0.convertedSessions) }, { _ in 0 }),
                ("conversion_rate", .rate, { $0.sessions == 0 ? nil : Double($0.convertedSessions) / Double($0.sessions) }, { Double($0.sessions) }),
            ]
        }
        // Each day's partial is read once per metric: cache the site series.
        for m in metrics {
            var series: [Int32: Double] = [:]
            var denominators: [Int32: Double] = [:]
            for d in span {
                let p = partial(d)!
                series[d] = m.value(p)
                denominators[d] = m.denominator(p)
            }
            for d in wanted {
                guard let s = options.baseline.score(day: d, kind: m.kind, denominator: denominators[d] ?? 0, value: { series[$0] }),
                      abs(s.score) >= options.siteThreshold else { continue }
                found.append(Anomaly(day: d, scope: "site", metric: m.name, value: series[d]!, expected: s.expected, score: s.score, baselineDays: s.points))
            }
        }

        // Pages: the busiest of the period, views / entries / exits per day.
        var totals: [Int32: Int] = [:]
        for (_, p) in days.days { for (id, page) in p.pages.pages { totals[id, default: 0] += page.views } }
        let busiest = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(options.maxPages).map(\.key)
        for id in busiest {
            let name = days.pages.string(of: id)
            for (metric, value) in [("views", { (p: PageStatistics.Page) in p.views }), ("entries", { $0.entries }), ("exits", { $0.exits })] as [(String, (PageStatistics.Page) -> Int)] {
                var series: [Int32: Double] = [:]
                for d in span { series[d] = Double(days.days[d]?.pages.pages[id].map(value) ?? 0) }
                for d in wanted {
                    guard let s = options.baseline.score(day: d, kind: .count, value: { series[$0] }),
                          max(series[d]!, s.expected) >= options.minimumPageVolume, abs(s.score) >= options.pageThreshold else { continue }
                    found.append(Anomaly(day: d, scope: name, metric: metric, value: series[d]!, expected: s.expected, score: s.score, baselineDays: s.points))
                }
            }
        }
        return found.sorted { $0.day != $1.day ? $0.day < $1.day : abs($0.score) != abs($1.score) ? abs($0.score) > abs($1.score) : ($0.scope, $0.metric) < ($1.scope, $1.metric) }
    }
}
