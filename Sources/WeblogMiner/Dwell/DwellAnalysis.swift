/// Dwell time per page and a model that predicts it. A view's dwell is the time to the next view of
/// its session; the last view of a session has none observed (censored; see `DwellView` for when it has
/// a lower bound). Per page, a Weibull distribution is fitted by maximum likelihood where the page has
/// at least `minimumWeibullViews` observed dwells (Liu, White & Dumais, SIGIR 2010: dwell times are
/// Weibull, 98.5% of 205,873 URLs with shape < 1, "screen and glean"), with a 95% interval for the shape.
///
/// The predictor (`DwellModel`: boosted trees with a censoring-aware AFT loss or the absolute loss,
/// the better on a time-based validation; the per-page Weibull when neither beats the per-page median)
/// is trained on the earlier period and evaluated on the later one (`DwellEvaluation`): the later
/// `test` history when given, else the sessions starting after 70% of the views. `StaySuggestions`
/// turns what shortens stays into ranked advice per page.
public struct DwellAnalysis {
    /// Fewer observed (non-zero) dwells than this: no Weibull fit for the page (shown as such). With
    /// fewer, a maximum-likelihood shape is mostly noise (two observations gave shapes like 13).
    public static let minimumWeibullViews = 30
    /// P(stay > threshold) is reported for last views at this threshold unless told otherwise.
    public static let defaultThreshold = 30.0

    public static func columns(threshold: Double = defaultThreshold) -> [RecordTable.Column] {
        let t = thresholdLabel(threshold)
        return [
            .init("page", "page name"),
            .init("views", "page views"),
            .init("dwell_views", "views with an observed dwell (a next view in the session)"),
            .init("censored_views", "last views of sessions: dwell not observed"),
            .init("median_dwell_s", "median observed dwell, seconds"),
            .init("mean_dwell_s", "mean observed dwell, seconds"),
            .init("weibull_shape", "Weibull shape k by maximum likelihood (< 1: most leave quickly, the rest stay long); empty with fewer than \(minimumWeibullViews) observed dwells"),
            .init("weibull_scale_s", "Weibull scale, seconds"),
            .init("weibull_median_s", "median of the fitted Weibull, seconds"),
            .init("exit_rate", "share of its views that end the session"),
            .init("weibull_shape_low", "95% confidence interval of the shape, lower end (observed information, on ln k)"),
            .init("weibull_shape_high", "95% confidence interval of the shape, upper end"),
            .init("weibull_fit", "fit, or why not (fewer than \(minimumWeibullViews) observed dwells, all equal)"),
            .init("predicted_median_s", "median over the page's views of the model's predicted median dwell, seconds"),
            .init("exit_p_stay_over_\(t)s", "last views: mean predicted probability that the visitor stayed longer than \(t) s"),
            .init("shortens", "the circumstance that shortens stays most (lowest median against the highest, same factor)"),
            .init("lengthens", "the circumstance under which visitors stay longest"),
            .init("suggestions", "ranked suggestions to lengthen the stay, in words (seconds at stake first)"),
        ]
    }
    public static let columns = columns()

    public struct ModelReport: Sendable {
        public var trainViews = 0
        /// All test views (observed and censored); MAE is over `observedTestViews`.
        public var testViews = 0
        public var observedTestViews = 0
        public var modelKind: String?
        public var boosterKind: String?
        public var fallback: String?
        public var trainSeconds = Double.nan
        public var comparisonSeconds = Double.nan
        /// The boosted model's error (whether or not it predicts); `prediction*`: what predicts.
        public var modelMAE = Double.nan
        public var modelMedianAE = Double.nan
        public var predictionMAE = Double.nan
        public var predictionMedianAE = Double.nan
        public var globalMedianMAE = Double.nan
        public var globalMedianMedianAE = Double.nan
        public var pageMedianMAE = Double.nan
        public var pageMedianMedianAE = Double.nan
        public var pageWeibullMAE = Double.nan
        public var pageWeibullMedianAE = Double.nan
        public var cIndex = Double.nan
        public var globalMedianCIndex = Double.nan
        public var pageMedianCIndex = Double.nan
        public var pageWeibullCIndex = Double.nan
        public var validationModelMAE = Double.nan
        public var validationPageMedianMAE = Double.nan
        public var validationGlobalMedianMAE = Double.nan
        public var weibullPages = 0
        public var weibullPagesTooFew = 0
        public var weibullShareShapeBelowOne = Double.nan
        /// The top suggestions over all pages, in words.
        public var suggestions: [String] = []
    }

    public var table: RecordTable
    public var report = ModelReport()
    public var model: DwellModel?
    /// Per test view (when asked for): what the model predicts and what happened.
    public var predictions: RecordTable?

    public static func predictionColumns(threshold: Double = defaultThreshold) -> [RecordTable.Column] {
        let t = thresholdLabel(threshold)
        return [
            .init("time", "view time, epoch milliseconds"),
            .init("page", "page name"),
            .init("position", "0-based position in the session"),
            .init("channel", "entry channel of the session"),
            .init("dwell_s", "observed dwell, seconds (empty for a session's last view)"),
            .init("censored", "1: the session's last view (dwell not observed)"),
            .init("at_least_s", "last views: lower bound of the dwell (the log ended while the session could go on), else 0"),
            .init("predicted_median_s", "predicted median dwell, seconds (what predicts: the model, or the fallback)"),
            .init("p_stay_over_\(t)s", "predicted probability of staying longer than \(t) s"),
        ]
    }

    static func thresholdLabel(_ threshold: Double) -> String {
        threshold == threshold.rounded() && abs(threshold) < 1e15 ? String(Int64(threshold)) : String(format4: threshold)
    }
    /// Pages with at least `minViews` observed dwells, longest and shortest median first.
    public var longest: [(page: String, medianSeconds: Double)] = []
    public var shortest: [(page: String, medianSeconds: Double)] = []

    /// Most recent training views the model is fitted on (its cost stays bounded however long the
    /// window); `run` keeps the default, `dwell --max-views` raises it.
    public static let maxModelViews = 100_000

    /// The Weibull fit of a page's dwells, nil below `minimumWeibullViews` observed (non-zero) dwells.
    /// Zero-second dwells (two hits in the same second) carry no duration and are left out.
    public static func weibull(observed: [Double], censored: [Double] = []) -> WeibullFit? {
        let positive = observed.filter { $0 > 0 }
        guard positive.count >= minimumWeibullViews else { return nil }
        return WeibullFit.fit(observed: positive, censored: censored.filter { $0 > 0 })
    }

    /// `history`: the training period (and the test period too when `test` is nil: the later 30% of
    /// views by session start are then the test). `openMillis`: the session timeout. `refit`: see
    /// `DwellModel.init` (`run` passes false).
    public init(history: VisitorHistory, pageNames: ByteStringInterner, minViews: Int = 20, seed: UInt64 = 1,
                test: VisitorHistory? = nil, threshold: Double = defaultThreshold, maxViews: Int = maxModelViews,
                openMillis: Int64 = 30 * 60 * 1000, keepPredictions: Bool = false, refit: Bool = true) {
        func name(_ p: Int32) -> String { String(decoding: pageNames.bytes(of: p), as: UTF8.self) }
        var views = DwellFeatures.views(train: history, test: test, openMillis: openMillis)
        if test == nil { DwellFeatures.timeSplit(&views) }
        var trainRows = views.indices.filter { !views[$0].isTest }
        let testRows = views.indices.filter { views[$0].isTest }
        if trainRows.count > maxViews {
            trainRows.sort { views[$0].time < views[$1].time }
            trainRows.removeFirst(trainRows.count - maxViews)
        }
        var report = ModelReport()
        var predicted = [Double](repeating: .nan, count: views.count)
        var boosted = [Double](repeating: .nan, count: views.count)
        var exitSurvival = [Double](repeating: .nan, count: views.count)
        if trainRows.count >= 50 {
            let model = DwellModel(views: views, trainRows: trainRows, seed: seed, refit: refit)
            report = DwellEvaluation.evaluate(views, testRows: testRows, model: model)
            let all = Array(views.indices)
            // One pass of the boosted model over every view: its medians (also in a fallback, where
            // suggestions need its per-view view of the data to confirm a group's direction), what
            // predicts, and P(stay > threshold) for last views.
            let scores = model.boostedScores(views, rows: all)
            for i in all { boosted[i] = DwellEncoder.seconds(scores[i]) }
            predicted = model.fallback == nil ? boosted : model.predictMedians(views, rows: all)
            let exits = all.filter { views[$0].censored }
            if model.fallback == nil {
                let y = DwellEncoder.logTime(threshold)
                for i in exits { exitSurvival[i] = AFTObjective.survival(logTime: y, score: scores[i], sigma: model.sigma) }
            } else {
                for (i, p) in zip(exits, model.survival(views, rows: exits, threshold: threshold)) { exitSurvival[i] = p }
            }
            self.model = model
            if keepPredictions {
                let survival: [Double]
                if model.fallback == nil {
                    let y = DwellEncoder.logTime(threshold)
                    survival = testRows.map { AFTObjective.survival(logTime: y, score: scores[$0], sigma: model.sigma) }
                } else {
                    survival = model.survival(views, rows: testRows, threshold: threshold)
                }
                var table = RecordTable(columns: Self.predictionColumns(threshold: threshold))
                for (k, i) in testRows.enumerated() {
                    let v = views[i]
                    table.append([
                        .int(Int(v.time)), .text(name(v.page)), .int(Int(v.position)), .text(EntryChannel.allCases[Int(v.channel)].rawValue),
                        v.censored ? .null : .real(LinkAnalysis.round4(v.dwell)), .int(v.censored ? 1 : 0),
                        .real(v.censored ? LinkAnalysis.round4(v.dwell) : 0), .real(LinkAnalysis.round4(predicted[i])), .real(LinkAnalysis.round4(survival[k])),
                    ])
                }
                predictions = table
            }
        } else {
            report.trainViews = trainRows.count
            report.testViews = testRows.count
            report.fallback = "too few views to train a model (\(trainRows.count) training views)"
        }

        // The per-page table describes the training period (all sessions when there is no test history).
        let described = test == nil ? Array(views.indices) : trainRows.isEmpty ? [] : Array(views.indices.filter { !views[$0].isTest })
        struct PageTally { var views = 0; var exits = 0; var dwell: [Double] = []; var bounds: [Double] = []; var predicted: [Double] = []; var exitSurvival: [Double] = [] }
        var tallies: [Int32: PageTally] = [:]
        for i in described {
            let v = views[i]
            tallies[v.page, default: PageTally()].views += 1
            if v.censored {
                tallies[v.page]!.exits += 1
                if v.dwell > 0 { tallies[v.page]!.bounds.append(v.dwell) }
                if exitSurvival[i].isFinite { tallies[v.page]!.exitSurvival.append(exitSurvival[i]) }
            } else {
                tallies[v.page]!.dwell.append(v.dwell)
            }
            if predicted[i].isFinite { tallies[v.page]!.predicted.append(predicted[i]) }
        }
        let effects = StaySuggestions.effects(described.map { views[$0] }, predicted: described.map { boosted[$0] }, pageNames: name)
        var table = RecordTable(columns: Self.columns(threshold: threshold))
        var medians: [(String, Double)] = []
        var fitted = 0, tooFew = 0, belowOne = 0
        for (p, t) in tallies.sorted(by: { $0.value.views != $1.value.views ? $0.value.views > $1.value.views : name($0.key) < name($1.key) }) {
            let median = t.dwell.isEmpty ? nil : Metrics.median(t.dwell)
            let positive = t.dwell.filter { $0 > 0 }.count
            let fit = Self.weibull(observed: t.dwell, censored: t.bounds)
            let status: String
            if let fit {
                status = "fit"
                fitted += 1
                if fit.shape < 1 { belowOne += 1 }
            } else if positive < Self.minimumWeibullViews {
                status = "too few views (\(positive) < \(Self.minimumWeibullViews))"
                tooFew += 1
            } else {
                status = "no fit (all dwells equal)"
            }
            func r(_ x: Double?) -> FieldValue { x.map { $0.isFinite ? .real(LinkAnalysis.round4($0)) : .null } ?? .null }
            let pageEffects = effects[p] ?? []
            let shortest = pageEffects.first
            let strongest = pageEffects.max { $0.longMedian / max($0.shortMedian, 0.5) < $1.longMedian / max($1.shortMedian, 0.5) }
            table.append([
                .text(name(p)), .int(t.views), .int(t.dwell.count), .int(t.views - t.dwell.count),
                r(median), t.dwell.isEmpty ? .null : r(t.dwell.reduce(0, +) / Double(t.dwell.count)),
                r(fit?.shape), r(fit?.scale), r(fit?.median), r(Double(t.exits) / Double(t.views)),
                r(fit?.shapeInterval.low), r(fit?.shapeInterval.high), .text(status),
                r(t.predicted.isEmpty ? nil : Metrics.median(t.predicted)),
                r(t.exitSurvival.isEmpty ? nil : t.exitSurvival.reduce(0, +) / Double(t.exitSurvival.count)),
                shortest.map { .text("\($0.factor): \($0.short) (\(StaySuggestions.Effect.seconds($0.shortMedian)))") } ?? .null,
                strongest.map { .text("\($0.factor): \($0.long) (\(StaySuggestions.Effect.seconds($0.longMedian)))") } ?? .null,
                pageEffects.isEmpty ? .null : .text(pageEffects.prefix(3).enumerated().map { "\($0.offset + 1). \($0.element.sentence(pageName: name(p)))" }.joined(separator: " ")),
            ])
            if t.dwell.count >= minViews, let median { medians.append((name(p), median)) }
        }
        self.table = table
        report.weibullPages = fitted
        report.weibullPagesTooFew = tooFew
        report.weibullShareShapeBelowOne = fitted > 0 ? Double(belowOne) / Double(fitted) : .nan
        report.suggestions = effects.values.flatMap { $0 }.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.page < $1.page }
            .prefix(10).map { $0.sentence(pageName: name($0.page)) }
        self.report = report
        let byMedian = medians.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        longest = byMedian.prefix(5).map { (page: $0.0, medianSeconds: $0.1) }
        shortest = byMedian.reversed().prefix(5).map { (page: $0.0, medianSeconds: $0.1) }
    }
}
