import Foundation

/// The headline figures of a run: summary.json, and the numbers at the top of the report.
public struct RunSummary {
    public var title: String
    public var generatedAt: String
    public var first: Int64 = 0
    public var last: Int64 = 0
    public var hits = 0
    public var pageViews = 0
    public var visitors = 0
    public var sessions = 0
    public var pages = 0
    public var patterns = 0
    public var rules = 0
    public var totals: [String: Int]
    public var viewsByDay: [(day: String, views: Int)] = []
    public var viewsByHour = [Int](repeating: 0, count: 24)
    public var join: CustomerJoin.Coverage
    public var evaluation: ProspectScoring.Evaluation?
    public var links: LinkAnalysis.Summary
    public var dwell: DwellAnalysis.ModelReport

    init(sessions: [Session], history: VisitorHistory, pages: PageStatistics, totals: [String: Int], join: CustomerJoin,
         evaluation: ProspectScoring.Evaluation?, links: LinkAnalysis.Summary, dwell: DwellAnalysis.ModelReport, patterns: Int, rules: Int, title: String) {
        self.title = title
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        generatedAt = isoTime(Int64(now.tv_sec) * 1000)
        self.totals = totals
        self.join = join.coverage
        self.evaluation = evaluation
        self.links = links
        self.dwell = dwell
        self.patterns = patterns
        self.rules = rules
        hits = totals["hits"] ?? 0
        self.sessions = sessions.count
        visitors = history.visitors.count
        self.pages = pages.pages.values.filter { $0.views > 0 }.count
        var byDay: [Int64: Int] = [:]
        first = sessions.map(\.start).min() ?? 0
        last = sessions.map(\.end).max() ?? 0
        for s in sessions {
            for v in s.views where !v.inferred {
                pageViews += 1
                byDay[v.time / 86_400_000, default: 0] += 1
                viewsByHour[Int((v.time / 3_600_000) % 24)] += 1
            }
        }
        viewsByDay = byDay.sorted { $0.key < $1.key }.map { (String(isoTime($0.key * 86_400_000).prefix(10)), $0.value) }
    }

    public var json: String {
        func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
        var o = "{\"title\":\(jsonQuote(title)),\"generated_at\":\(jsonQuote(generatedAt)),\"first_view\":\(jsonQuote(isoTime(first))),\"last_view\":\(jsonQuote(isoTime(last)))"
        o += ",\"hits\":\(hits),\"page_views\":\(pageViews),\"visitors\":\(visitors),\"sessions\":\(sessions),\"pages\":\(pages),\"patterns\":\(patterns),\"rules\":\(rules)"
        o += ",\"cleaning\":{" + totals.sorted { $0.key < $1.key }.map { "\(jsonQuote($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        o += ",\"views_by_day\":[" + viewsByDay.map { "[\(jsonQuote($0.day)),\($0.views)]" }.joined(separator: ",") + "]"
        o += ",\"views_by_hour\":[" + viewsByHour.map(String.init).joined(separator: ",") + "]"
        o += ",\"links\":{\"ranked_nodes\":\(links.rankedNodes),\"ranked_edges\":\(links.rankedEdges),\"components\":\(links.components),\"link_source\":\(jsonQuote(links.linkSource)),\"links\":\(links.links),\"unreachable\":\(links.unreachable),\"shortcuts\":\(links.shortcuts),\"unused_links\":\(links.unusedLinks)}"
        o += ",\"join\":{\"registered_users\":\(join.registeredUsers),\"registered_users_seen\":\(join.registeredUsersSeen),\"visitors_linked\":\(join.visitorsLinked),\"sessions_linked\":\(join.sessionsLinked),\"visitors_without_key\":\(join.visitorsWithoutKey),\"visitors_unknown_key\":\(join.visitorsUnknownKey),\"visitors_ambiguous\":\(join.visitorsAmbiguous)}"
        if let e = evaluation {
            o += ",\"prospect_model\":{\"mode\":\(jsonQuote(e.mode)),\"roc_auc\":\(num(e.rocAUC)),\"pr_auc\":\(num(e.averagePrecision)),\"precision_at_k\":\(num(e.precisionAtK)),\"k\":\(e.k),\"train_rows\":\(e.trainRows),\"train_positives\":\(e.trainPositives),\"test_rows\":\(e.testRows),\"test_positives\":\(e.testPositives)}"
        } else {
            o += ",\"prospect_model\":null"
        }
        o += ",\"dwell_model\":{\"test_views\":\(dwell.testViews),\"mae_s\":\(num(dwell.modelMAE)),\"median_ae_s\":\(num(dwell.modelMedianAE)),\"page_median_mae_s\":\(num(dwell.pageMedianMAE)),\"global_median_mae_s\":\(num(dwell.globalMedianMAE))}"
        return o + "}\n"
    }
}
