/// Dwell time per page and a model that predicts it. A view's dwell is the time to the next view of
/// its session; the last view of a session has none observed (censored). Per page, a Weibull
/// distribution is fitted by maximum likelihood (Liu, White & Dumais, SIGIR 2010: dwell times are
/// Weibull, mostly with shape < 1, "screen and glean"). Server logs give no lower bound for a
/// censored last view (the visitor may have left at once), so those views are counted but add
/// nothing to the likelihood; a lower bound, where a log has one, would enter as right-censoring.
/// The predictor (gradient-boosted trees on log dwell, absolute loss: a median) uses page, position
/// in the session, entry channel, hour, device and the visitor's history, and is compared on later
/// sessions with two baselines: the global median and the page's median.
public struct DwellAnalysis {
    public static let columns: [RecordTable.Column] = [
        .init("page", "page name"),
        .init("views", "page views"),
        .init("dwell_views", "views with an observed dwell (a next view in the session)"),
        .init("censored_views", "last views of sessions: dwell not observed"),
        .init("median_dwell_s", "median observed dwell, seconds"),
        .init("mean_dwell_s", "mean observed dwell, seconds"),
        .init("weibull_shape", "Weibull shape k by maximum likelihood (< 1: most leave quickly, the rest stay long)"),
        .init("weibull_scale_s", "Weibull scale, seconds"),
        .init("weibull_median_s", "median of the fitted Weibull, seconds"),
        .init("exit_rate", "share of its views that end the session"),
    ]

    public struct ModelReport: Sendable {
        public var trainViews = 0
        public var testViews = 0
        public var modelMAE = Double.nan
        public var modelMedianAE = Double.nan
        public var globalMedianMAE = Double.nan
        public var globalMedianMedianAE = Double.nan
        public var pageMedianMAE = Double.nan
        public var pageMedianMedianAE = Double.nan
    }

    public var table: RecordTable
    public var report = ModelReport()
    /// Pages with at least `minViews` observed dwells, longest and shortest median first.
    public var longest: [(page: String, medianSeconds: Double)] = []
    public var shortest: [(page: String, medianSeconds: Double)] = []

    public init(history: VisitorHistory, pageNames: ByteStringInterner, minViews: Int = 20, seed: UInt64 = 1) {
        struct PageTally { var views = 0; var exits = 0; var dwell: [Double] = [] }
        var tallies: [Int32: PageTally] = [:]
        for v in history.visitors {
            for s in v.sessions {
                for (k, p) in s.pages.enumerated() {
                    tallies[p, default: PageTally()].views += 1
                    if k == s.pages.count - 1 { tallies[p]!.exits += 1 }
                    if s.dwell[k] >= 0 { tallies[p]!.dwell.append(Double(s.dwell[k])) }
                }
            }
        }
        func name(_ p: Int32) -> String { String(decoding: pageNames.bytes(of: p), as: UTF8.self) }
        var table = RecordTable(columns: Self.columns)
        var medians: [(String, Double)] = []
        for (p, t) in tallies.sorted(by: { $0.value.views != $1.value.views ? $0.value.views > $1.value.views : name($0.key) < name($1.key) }) {
            let sorted = t.dwell.sorted()
            let median = Self.median(sorted)
            // Zero-second dwells (two hits in the same second) carry no duration: left out of the fit.
            let fit = WeibullFit.fit(observed: sorted.filter { $0 > 0 })
            table.append([
                .text(name(p)), .int(t.views), .int(t.dwell.count), .int(t.views - t.dwell.count),
                median.map { .real(LinkAnalysis.round4($0)) } ?? .null, t.dwell.isEmpty ? .null : .real(LinkAnalysis.round4(t.dwell.reduce(0, +) / Double(t.dwell.count))),
                fit.map { .real(LinkAnalysis.round4($0.shape)) } ?? .null, fit.map { .real(LinkAnalysis.round4($0.scale)) } ?? .null,
                fit.map { .real(LinkAnalysis.round4($0.median)) } ?? .null, .real(LinkAnalysis.round4(Double(t.exits) / Double(t.views))),
            ])
            if t.dwell.count >= minViews, let median { medians.append((name(p), median)) }
        }
        self.table = table
        let byMedian = medians.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        longest = byMedian.prefix(5).map { (page: $0.0, medianSeconds: $0.1) }
        shortest = byMedian.reversed().prefix(5).map { (page: $0.0, medianSeconds: $0.1) }
        report = Self.evaluateModel(history: history, seed: seed)
    }

    static func median(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Most recent views the model is evaluated on (its cost stays bounded however long the window).
    public static let maxModelViews = 100_000

    /// Trains on the earlier 70% of sessions (by start), tests on the later 30%, over the most recent
    /// `maxModelViews` views with an observed dwell.
    static func evaluateModel(history: VisitorHistory, seed: UInt64) -> ModelReport {
        struct ViewRow { var start: Int64; var page: Int32; var features: [Double]; var dwell: Double }
        // The latest sessions holding `maxModelViews` observed dwells: rows are built for those only.
        var order: [(start: Int64, visitor: Int, session: Int)] = []
        for (i, v) in history.visitors.enumerated() { for (j, s) in v.sessions.enumerated() { order.append((s.start, i, j)) } }
        order.sort { $0.start < $1.start }
        var from = order.count, views = 0
        while from > 0 && views < maxModelViews {
            from -= 1
            let s = history.visitors[order[from].visitor].sessions[order[from].session]
            views += s.dwell.lazy.filter { $0 > 0 }.count
        }
        var chosen = Set<Int>()
        for o in order[from...] { chosen.insert(o.visitor << 20 | o.session) }
        var rows: [ViewRow] = []
        for (i, v) in history.visitors.enumerated() {
            let sessions = v.sessions.enumerated().sorted { $0.element.start < $1.element.start }
            for (n, (j, s)) in sessions.enumerated() where j < 1 << 20 && chosen.contains(i << 20 | j) {
                for k in s.pages.indices where s.dwell[k] > 0 {
                    let hour = Double((s.times[k] / 3_600_000) % 24)
                    rows.append(ViewRow(start: s.start, page: s.pages[k], features: [
                        Double(k), Double(s.pages.count), Double(EntryChannel.allCases.firstIndex(of: s.channel)!),
                        hour, Double(Device.allCases.firstIndex(of: v.device)!), Double(n),
                        k > 0 && s.dwell[k - 1] > 0 ? log(Double(s.dwell[k - 1])) : .nan,
                    ], dwell: Double(s.dwell[k])))
                }
            }
        }
        var report = ModelReport()
        guard rows.count >= 50 else { return report }
        rows.sort { $0.start < $1.start }
        if rows.count > maxModelViews { rows.removeFirst(rows.count - maxModelViews) }
        let cut = rows.count * 7 / 10
        let train = rows[..<cut], test = rows[cut...]
        report.trainViews = train.count
        report.testViews = test.count
        // Page medians of log dwell from the training part (target encoding: the page, as a number).
        var byPage: [Int32: [Double]] = [:]
        for r in train { byPage[r.page, default: []].append(r.dwell) }
        let pageMedian = byPage.mapValues { median($0.sorted())! }
        let globalMedian = median(train.map(\.dwell).sorted())!
        func matrix(_ part: ArraySlice<ViewRow>) -> FeatureMatrix {
            var m = FeatureMatrix(names: ["page_median_log_s", "position", "session_views", "channel", "hour", "device", "visitor_sessions_before", "previous_dwell_log_s"])
            for r in part { m.append(row: [pageMedian[r.page].map { log($0) } ?? .nan] + r.features) }
            return m
        }
        var model = GradientBoostedTrees(loss: .absoluteError)
        model.seed = seed
        model.fit(matrix(train), train.map { log($0.dwell) })
        let predicted = model.predict(matrix(test)).map { exp($0) }
        let actual = test.map(\.dwell)
        report.modelMAE = Metrics.meanAbsoluteError(predicted, actual)
        report.modelMedianAE = Metrics.medianAbsoluteError(predicted, actual)
        let global = [Double](repeating: globalMedian, count: actual.count)
        report.globalMedianMAE = Metrics.meanAbsoluteError(global, actual)
        report.globalMedianMedianAE = Metrics.medianAbsoluteError(global, actual)
        let perPage = test.map { pageMedian[$0.page] ?? globalMedian }
        report.pageMedianMAE = Metrics.meanAbsoluteError(perPage, actual)
        report.pageMedianMedianAE = Metrics.medianAbsoluteError(perPage, actual)
        return report
    }
}
