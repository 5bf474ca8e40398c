import Foundation

/// The headline figures of one window: summary.json, and the numbers at the top of the report.
/// Each figure carries the previous period's value (`_prev`) and the change (`_change`: relative
/// for counts, (now - before) / before, null when before is 0; a difference for rates).
public struct RunSummary {
    public var title: String
    public var generatedAt: String
    public var window: String
    public var days: ClosedRange<Int32>
    public var first: Int64 = 0
    public var last: Int64 = 0
    public var figures: Figures
    public var previousDays: ClosedRange<Int32>?
    public var previous: Figures?
    public var patterns = 0
    public var rules = 0
    /// The window's cleaning counts (kept per night, under the day of its newest hit).
    public var cleaning: [String: Int]
    /// Cleaning counts of every night so far (also those before windows existed).
    public var allTime: [String: Int]
    public var viewsByDay: [(day: String, views: Int)] = []
    public var viewsByHour = [Int](repeating: 0, count: 24)
    public var links: LinkAnalysis.Summary
    /// The models' figures: in the main window only (where prospects and dwell are computed).
    public var models: Models? = nil

    public struct Models {
        public var join: CustomerJoin.Coverage
        public var evaluation: ProspectScoring.Evaluation?
        public var dwell: DwellAnalysis.ModelReport
    }

    /// The figures a period is compared on.
    public struct Figures {
        public var hits = 0
        public var pageViews = 0
        public var visitors = 0
        public var sessions = 0
        public var pages = 0
        public var bounceRate = 0.0
        public var meanSessionSeconds = 0.0
        public var conversions = 0
        public var conversionRate = 0.0
        /// Sessions by entry channel.
        public var channels: [String: Int] = [:]

        init(_ p: UsagePartial) {
            channels = p.channels
            hits = p.cleaning["hits"] ?? 0
            pageViews = p.pageViews
            visitors = p.visitors
            sessions = p.sessions
            pages = p.pages.pages.values.filter { $0.views > 0 }.count
            let bounces = p.pages.pages.values.reduce(0) { $0 + $1.bounces }
            bounceRate = p.sessions == 0 ? 0 : Double(bounces) / Double(p.sessions)
            meanSessionSeconds = p.sessions == 0 ? 0 : Double(p.durationMillis) / Double(p.sessions) / 1000
            conversions = p.convertedSessions
            conversionRate = p.sessions == 0 ? 0 : Double(p.convertedSessions) / Double(p.sessions)
        }

        /// (name, value, is a rate) in summary.json order.
        var named: [(String, Double, Bool)] {
            [("hits", Double(hits), false), ("page_views", Double(pageViews), false), ("visitors", Double(visitors), false),
             ("sessions", Double(sessions), false), ("pages", Double(pages), false), ("bounce_rate", bounceRate, true),
             ("mean_session_s", meanSessionSeconds, false), ("conversions", Double(conversions), false), ("conversion_rate", conversionRate, true)]
        }
    }

    // Kept for the report, which reads these names.
    public var hits: Int { figures.hits }
    public var pageViews: Int { figures.pageViews }
    public var visitors: Int { figures.visitors }
    public var sessions: Int { figures.sessions }
    public var pages: Int { figures.pages }
    public var totals: [String: Int] { cleaning }
    public var join: CustomerJoin.Coverage { models?.join ?? CustomerJoin.Coverage() }
    public var evaluation: ProspectScoring.Evaluation? { models?.evaluation }
    public var dwell: DwellAnalysis.ModelReport { models?.dwell ?? DwellAnalysis.ModelReport() }

    init(window: ResultWindow, range: ClosedRange<Int32>, current: UsagePartial, previousRange: ClosedRange<Int32>?, previous: UsagePartial?,
         allTime: [String: Int], links: LinkAnalysis.Summary, patterns: Int, rules: Int, title: String) {
        self.title = title
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        generatedAt = isoTime(Int64(now.tv_sec) * 1000)
        self.window = window.name
        days = range
        figures = Figures(current)
        previousDays = previousRange
        self.previous = previous.map(Figures.init)
        cleaning = current.cleaning
        self.allTime = allTime
        self.links = links
        self.patterns = patterns
        self.rules = rules
        if current.sessions > 0 {
            first = current.first
            last = current.last
        }
        viewsByDay = current.viewsByDay.sorted { $0.key < $1.key }.map { (SiteCalendar.label($0.key), $0.value) }
        viewsByHour = current.viewsByHour
    }

    /// The change from `before` to `now` (nil: no base to compare with).
    public static func change(_ now: Double, _ before: Double, isRate: Bool) -> Double? {
        if isRate { return now - before }
        return before == 0 ? nil : (now - before) / before
    }

    public var json: String {
        func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
        func figure(_ x: Double, _ isRate: Bool) -> String { isRate || x != x.rounded() ? String(format4: x) : String(Int64(x)) }
        var o = "{\"title\":\(jsonQuote(title)),\"generated_at\":\(jsonQuote(generatedAt)),\"window\":\(jsonQuote(window))"
        o += ",\"from\":\(jsonQuote(SiteCalendar.label(days.lowerBound))),\"to\":\(jsonQuote(SiteCalendar.label(days.upperBound)))"
        o += ",\"first_view\":\(jsonQuote(isoTime(first))),\"last_view\":\(jsonQuote(isoTime(last)))"
        for (k, (name, value, isRate)) in figures.named.enumerated() {
            o += ",\"\(name)\":\(figure(value, isRate))"
            if let previous {
                let before = previous.named[k].1
                // A rate of no sessions is no rate: nothing to compare with.
                let change = isRate && previous.sessions == 0 ? nil : Self.change(value, before, isRate: isRate)
                o += ",\"\(name)_prev\":\(figure(before, isRate)),\"\(name)_change\":\(change.map { String(format4: $0) } ?? "null")"
            } else {
                o += ",\"\(name)_prev\":null,\"\(name)_change\":null"
            }
        }
        // Sessions by entry channel, each with the previous period's count.
        let channelNames = EntryChannel.allCases.map(\.rawValue)
        o += ",\"channels\":{" + channelNames.map { name in
            let now = figures.channels[name] ?? 0
            guard let previous else { return "\(jsonQuote(name)):{\"sessions\":\(now),\"sessions_prev\":null,\"sessions_change\":null}" }
            let before = previous.channels[name] ?? 0
            return "\(jsonQuote(name)):{\"sessions\":\(now),\"sessions_prev\":\(before),\"sessions_change\":\(Self.change(Double(now), Double(before), isRate: false).map { String(format4: $0) } ?? "null")}"
        }.joined(separator: ",") + "}"
        if let previousDays {
            o += ",\"previous_from\":\(jsonQuote(SiteCalendar.label(previousDays.lowerBound))),\"previous_to\":\(jsonQuote(SiteCalendar.label(previousDays.upperBound)))"
        }
        o += ",\"patterns\":\(patterns),\"rules\":\(rules)"
        o += ",\"cleaning\":{" + cleaning.sorted { $0.key < $1.key }.map { "\(jsonQuote($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        o += ",\"cleaning_all_time\":{" + allTime.filter { $0.key != "last_day" }.sorted { $0.key < $1.key }.map { "\(jsonQuote($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        o += ",\"views_by_day\":[" + viewsByDay.map { "[\(jsonQuote($0.day)),\($0.views)]" }.joined(separator: ",") + "]"
        o += ",\"views_by_hour\":[" + viewsByHour.map(String.init).joined(separator: ",") + "]"
        o += ",\"links\":{\"ranked_nodes\":\(links.rankedNodes),\"ranked_edges\":\(links.rankedEdges),\"components\":\(links.components),\"link_source\":\(jsonQuote(links.linkSource)),\"links\":\(links.links),\"unreachable\":\(links.unreachable),\"shortcuts\":\(links.shortcuts),\"unused_links\":\(links.unusedLinks)}"
        guard let models else { return o + ",\"join\":null,\"prospect_model\":null,\"dwell_model\":null}\n" }
        let join = models.join
        o += ",\"join\":{\"registered_users\":\(join.registeredUsers),\"registered_users_seen\":\(join.registeredUsersSeen),\"visitors_linked\":\(join.visitorsLinked),\"sessions_linked\":\(join.sessionsLinked),\"visitors_without_key\":\(join.visitorsWithoutKey),\"visitors_unknown_key\":\(join.visitorsUnknownKey),\"visitors_ambiguous\":\(join.visitorsAmbiguous)}"
        if let e = models.evaluation {
            o += ",\"prospect_model\":{\"mode\":\(jsonQuote(e.mode)),\"roc_auc\":\(num(e.rocAUC)),\"pr_auc\":\(num(e.averagePrecision)),\"precision_at_k\":\(num(e.precisionAtK)),\"k\":\(e.k),\"train_rows\":\(e.trainRows),\"train_positives\":\(e.trainPositives),\"test_rows\":\(e.testRows),\"test_positives\":\(e.testPositives)}"
        } else {
            o += ",\"prospect_model\":null"
        }
        let dwell = models.dwell
        o += ",\"dwell_model\":{\"test_views\":\(dwell.testViews),\"mae_s\":\(num(dwell.modelMAE)),\"median_ae_s\":\(num(dwell.modelMedianAE)),\"page_median_mae_s\":\(num(dwell.pageMedianMAE)),\"global_median_mae_s\":\(num(dwell.globalMedianMAE)),\"page_weibull_mae_s\":\(num(dwell.pageWeibullMAE)),\"c_index\":\(num(dwell.cIndex)),\"page_median_c_index\":\(num(dwell.pageMedianCIndex)),\"model\":\(dwell.modelKind.map(jsonQuote) ?? "null"),\"fallback\":\(dwell.fallback.map(jsonQuote) ?? "null")}"
        return o + "}\n"
    }
}
