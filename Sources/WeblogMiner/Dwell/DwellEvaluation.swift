/// Evaluates a `DwellModel` on later (test) views against three baselines: the global median, the
/// page's median and the page's Weibull median, all learnt from the training views.
///
/// - MAE and median absolute error, seconds, over test views with an observed dwell (a censored view
///   has no true value to compare with).
/// - Harrell's C-index (`ConcordanceIndex`) over all test views: observed dwells and censored last
///   views (those with a lower bound enter as censored at it; those without one are never the shorter
///   of a pair and so add nothing). A constant prediction (the global median) scores 0.5.
public enum DwellEvaluation {
    public static func evaluate(_ views: [DwellView], testRows: [Int], model: DwellModel) -> DwellAnalysis.ModelReport {
        var r = DwellAnalysis.ModelReport()
        r.trainViews = model.trainViews
        r.testViews = testRows.count
        r.modelKind = model.kind.rawValue
        r.boosterKind = model.boosterKind.rawValue
        r.fallback = model.fallback
        r.trainSeconds = model.trainSeconds
        r.comparisonSeconds = model.comparisonSeconds
        r.validationPageMedianMAE = model.validationPageMedianMAE
        r.validationGlobalMedianMAE = model.validationGlobalMedianMAE
        r.validationModelMAE = model.validationMAE.map(\.mae).min() ?? .nan
        guard !testRows.isEmpty else { return r }
        let boosted = model.boostedScores(views, rows: testRows).map(DwellEncoder.seconds)
        let used = model.fallback != nil ? model.predictMedians(views, rows: testRows) : boosted
        let e = model.encoder
        let global = testRows.map { _ in e.globalMedian }
        let page = testRows.map { e.pageMedianPrediction(views[$0]) }
        let weibull = testRows.map { e.pageWeibullPrediction(views[$0]) }
        let observed = testRows.indices.filter { !views[testRows[$0]].censored }
        r.observedTestViews = observed.count
        let actual = observed.map { views[testRows[$0]].dwell }
        func errors(_ p: [Double]) -> (Double, Double) {
            let q = observed.map { p[$0] }
            return (Metrics.meanAbsoluteError(q, actual), Metrics.medianAbsoluteError(q, actual))
        }
        (r.modelMAE, r.modelMedianAE) = errors(boosted)
        (r.predictionMAE, r.predictionMedianAE) = errors(used)
        (r.globalMedianMAE, r.globalMedianMedianAE) = errors(global)
        (r.pageMedianMAE, r.pageMedianMedianAE) = errors(page)
        (r.pageWeibullMAE, r.pageWeibullMedianAE) = errors(weibull)
        let times = testRows.map { views[$0].dwell }, censored = testRows.map { views[$0].censored }
        r.cIndex = ConcordanceIndex.harrell(predicted: boosted, times: times, censored: censored)
        r.globalMedianCIndex = ConcordanceIndex.harrell(predicted: global, times: times, censored: censored)
        r.pageMedianCIndex = ConcordanceIndex.harrell(predicted: page, times: times, censored: censored)
        r.pageWeibullCIndex = ConcordanceIndex.harrell(predicted: weibull, times: times, censored: censored)
        return r
    }
}

extension DwellAnalysis.ModelReport {
    /// The `dwell --report` JSON object.
    public var json: String {
        func num(_ x: Double) -> String { x.isFinite ? String(format4: x) : "null" }
        func str(_ s: String?) -> String { s.map(jsonQuote) ?? "null" }
        var fields: [(String, String)] = [
            ("model", str(modelKind)), ("boosted_model", str(boosterKind)), ("fallback", str(fallback)),
            ("train_views", String(trainViews)), ("test_views", String(testViews)), ("test_views_observed", String(observedTestViews)),
            ("model_mae", num(modelMAE)), ("model_median_ae", num(modelMedianAE)),
            ("prediction_mae", num(predictionMAE)), ("prediction_median_ae", num(predictionMedianAE)),
            ("page_median_mae", num(pageMedianMAE)), ("page_median_median_ae", num(pageMedianMedianAE)),
            ("global_median_mae", num(globalMedianMAE)), ("global_median_median_ae", num(globalMedianMedianAE)),
            ("page_weibull_mae", num(pageWeibullMAE)), ("page_weibull_median_ae", num(pageWeibullMedianAE)),
            ("c_index", num(cIndex)), ("page_median_c_index", num(pageMedianCIndex)),
            ("page_weibull_c_index", num(pageWeibullCIndex)), ("global_median_c_index", num(globalMedianCIndex)),
            ("beats_page_median", pageMedianMAE.isFinite && modelMAE.isFinite ? String(modelMAE < pageMedianMAE) : "null"),
            ("mae_reduction_vs_page_median", pageMedianMAE > 0 && modelMAE.isFinite ? num(1 - modelMAE / pageMedianMAE) : "null"),
            ("validation_model_mae", num(validationModelMAE)), ("validation_page_median_mae", num(validationPageMedianMAE)), ("validation_global_median_mae", num(validationGlobalMedianMAE)),
            ("train_seconds", num(trainSeconds)), ("train_comparison_seconds", num(comparisonSeconds)),
            ("weibull_min_observed", String(DwellAnalysis.minimumWeibullViews)), ("weibull_pages", String(weibullPages)),
            ("weibull_pages_too_few_views", String(weibullPagesTooFew)), ("weibull_share_shape_below_1", num(weibullShareShapeBelowOne)),
            ("liu_white_dumais_share_shape_below_1", "0.985"),
        ]
        fields.append(("suggestions", "[" + suggestions.map { str($0) }.joined(separator: ",") + "]"))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
    }
}
