import Foundation
import Testing
@testable import WeblogMiner

/// Planted dwell data: sessions whose dwell depends on the page, the position in the session and the
/// entry channel, with the last view of every session censored (and sessions cut by the end of the
/// log), read through `VisitorHistory` as the commands read logs.
struct PlantedDwell {
    static let pageBase: [Double] = [8, 15, 25, 40, 60, 90, 120, 20, 35, 70]   // median seconds
    /// Multipliers of the median by entry channel (direct, search, social, referral, campaign).
    static let channelFactor: [Double] = [1.0, 0.3, 0.5, 1.6, 0.8]
    static let referrers: [[UInt8]?] = [nil, Array("https://www.google.com/search?q=x".utf8), Array("https://t.co/x1".utf8),
                                        Array("https://blog.example.org/post".utf8), nil]
    /// Each view deeper in the session: the median times this.
    static let positionFactor = 0.8
    static let sigma = 0.35

    var history = VisitorHistory()
    var pages = ByteStringInterner()
    /// `drift`: from this share of the sessions on, the channel and position effects turn around
    /// (a change the model cannot have learnt: the validation must catch it).
    init(sessions: Int, seed: UInt64 = 7, visitors: Int = 1500, drift: Double? = nil) {
        var rng = SeededGenerator(seed: seed)
        for (i, _) in Self.pageBase.enumerated() { _ = pages.intern("/page\(i)") }
        let t0: Int64 = 1_772_409_600_000   // 2026-03-02 00:00 UTC
        let days = 10
        let end = t0 + Int64(days) * 86_400_000
        var starts = (0 ..< sessions).map { _ in t0 + Int64(rng.nextDouble() * Double(days) * 86_400_000) }
        starts.sort()
        for (n, start) in starts.enumerated() {
            let visitor = rng.nextInt(below: visitors)
            let channel = rng.nextInt(below: 5)
            let length = 1 + rng.nextInt(below: 7)
            var views: [PageView] = []
            var t = start
            var factor = Self.channelFactor[channel], deeper = Self.positionFactor
            if let drift, Double(n) >= drift * Double(sessions) {
                factor = 1 / (factor * factor)
                deeper = 1.5
            }
            for k in 0 ..< length {
                let page = Int32(rng.nextInt(below: Self.pageBase.count))
                guard t < end else { break }
                views.append(PageView(page: page, time: t, inferred: false))
                let median = Self.pageBase[Int(page)] * factor * pow(deeper, Double(k))
                let dwell = median * exp(Self.sigma * rng.nextGaussian())
                t += Int64(dwell * 1000) + 1
            }
            guard !views.isEmpty else { continue }
            var s = Session(id: n, visitor: Array("10.0.\(visitor / 250).\(visitor % 250) Mozilla/5.0 (Windows NT 10.0)".utf8), visitorHash: UInt64(visitor),
                            views: views, entryReferrer: Self.referrers[channel])
            s.entryCampaign = channel == 4
            history.add(s)
        }
    }
}

@Suite struct DwellModelTests {
    // MARK: AFT loss

    @Test func aftGradientsMatchFiniteDifferences() {
        for censored in [false, true] {
            for (f, y) in [(1.0, 2.0), (3.0, 1.0), (0.0, 0.0), (-2.0, 9.0), (2.0, -4.0)] {
                let sigma = 0.7, h = 1e-5
                let (g, hess) = AFTObjective.gradientHessian(score: f, logTime: y, censored: censored, sigma: sigma)
                let l = { (x: Double) in AFTObjective.loss(score: x, logTime: y, censored: censored, sigma: sigma) }
                let numericG = (l(f + h) - l(f - h)) / (2 * h)
                let numericH = (l(f + h) - 2 * l(f) + l(f - h)) / (h * h)
                #expect(abs(g - numericG) < 1e-4 * max(1, abs(g)), "gradient f=\(f) y=\(y) censored=\(censored): \(g) vs \(numericG)")
                #expect(abs(hess - max(numericH, AFTObjective.minHessian)) < 2e-3 * max(1, abs(hess)), "hessian f=\(f) y=\(y) censored=\(censored): \(hess) vs \(numericH)")
            }
        }
        // A censored row never pulls the score down, and far below its bound it pushes hard.
        let (g, _) = AFTObjective.gradientHessian(score: 0, logTime: 20, censored: true, sigma: 1)
        #expect(g < -19 && g.isFinite)
        #expect(AFTObjective.gradientHessian(score: 5, logTime: 0, censored: true, sigma: 1).0 < 0)
    }

    /// log T = x + noise, censored at random: boosting with the AFT loss on every row recovers the
    /// median; the absolute loss on the observed rows only is biased low (long stays are the censored ones).
    @Test func aftBoostingCorrectsCensoringBias() {
        var rng = SeededGenerator(seed: 3)
        var x = FeatureMatrix(names: ["x"])
        var y: [Double] = [], censored: [Bool] = [], truth: [Double] = []
        for _ in 0 ..< 6000 {
            let v = rng.nextDouble() * 4
            let t = v + 0.8 * rng.nextGaussian()
            let c = v - 0.5 + 1.5 * rng.nextDouble()   // a censoring time near the median
            x.append(row: [v])
            truth.append(v)
            y.append(min(t, c))
            censored.append(c < t)
        }
        var aft = GradientBoostedTrees(loss: .normalAFT)
        aft.aftSigma = 0.8
        aft.fit(x, logTimes: y, censored: censored)
        let observedRows = censored.indices.filter { !censored[$0] }
        var naive = GradientBoostedTrees(loss: .absoluteError)
        naive.fit(x.selecting(rows: observedRows), observedRows.map { y[$0] })
        let aftError = Metrics.meanAbsoluteError(aft.predict(x), truth)
        let naiveError = Metrics.meanAbsoluteError(naive.predict(x), truth)
        #expect(censored.filter { $0 }.count > 1500)
        #expect(aftError < 0.15, "AFT error \(aftError)")
        #expect(aftError < 0.5 * naiveError, "AFT \(aftError) vs observed-only \(naiveError)")
    }

    // MARK: C-index

    @Test func concordanceMatchesPairCounting() {
        var rng = SeededGenerator(seed: 11)
        for trial in 0 ..< 20 {
            let n = 5 + rng.nextInt(below: 60)
            // Few distinct values: ties in times and predictions.
            let times = (0 ..< n).map { _ in Double(rng.nextInt(below: 12)) }
            let predicted = (0 ..< n).map { _ in Double(rng.nextInt(below: 8)) }
            let censored = (0 ..< n).map { _ in rng.nextInt(below: 3) == 0 }
            var concordant = 0.0, comparable = 0.0
            for i in 0 ..< n where !censored[i] {
                for j in 0 ..< n where j != i {
                    guard times[i] < times[j] || (times[i] == times[j] && censored[j]) else { continue }
                    comparable += 1
                    concordant += predicted[j] > predicted[i] ? 1 : predicted[j] == predicted[i] ? 0.5 : 0
                }
            }
            let c = ConcordanceIndex.harrell(predicted: predicted, times: times, censored: censored)
            if comparable == 0 { #expect(c.isNaN) } else { #expect(abs(c - concordant / comparable) < 1e-12, "trial \(trial)") }
        }
        #expect(ConcordanceIndex.harrell(predicted: [1, 2, 3], times: [1, 2, 3], censored: [false, false, false]) == 1)
        #expect(ConcordanceIndex.harrell(predicted: [3, 2, 1], times: [1, 2, 3], censored: [false, false, false]) == 0)
        #expect(ConcordanceIndex.harrell(predicted: [7, 7, 7], times: [1, 2, 3], censored: [false, true, false]) == 0.5)
    }

    // MARK: Weibull interval and minimum

    /// 95% intervals of the shape cover the true shape about 95% of the time (300 samples of 60).
    @Test func weibullShapeIntervalCoverage() throws {
        var rng = SeededGenerator(seed: 5)
        var covered = 0
        let k = 0.7, scale = 40.0, trials = 300
        for _ in 0 ..< trials {
            let sample = (0 ..< 60).map { _ in scale * pow(-log(1 - rng.nextDouble()), 1 / k) }
            let fit = try #require(WeibullFit.fit(observed: sample))
            let (low, high) = fit.shapeInterval
            #expect(low < fit.shape && fit.shape < high)
            if low <= k && k <= high { covered += 1 }
        }
        let share = Double(covered) / Double(trials)
        #expect(share > 0.9 && share < 0.99, "coverage \(share)")
    }

    @Test func weibullNeedsThirtyObservedDwells() {
        let values = (1 ... 40).map { Double($0) * 1.7 }
        #expect(DwellAnalysis.weibull(observed: Array(values.prefix(29))) == nil)
        #expect(DwellAnalysis.weibull(observed: Array(values.prefix(29)) + [0, 0, 0]) == nil)   // zero dwells do not count
        #expect(DwellAnalysis.weibull(observed: Array(values.prefix(30))) != nil)
    }

    // MARK: The model on planted data

    @Test func recoversPlantedEffectsAndBeatsBaselines() throws {
        let planted = PlantedDwell(sessions: 6000)
        let analysis = DwellAnalysis(history: planted.history, pageNames: planted.pages, seed: 1)
        let r = analysis.report
        #expect(r.fallback == nil, "\(r.fallback ?? "")")
        #expect(r.testViews > 3000 && r.observedTestViews > 2000)
        // > 20% below the per-page median's MAE, and a better ordering than every baseline.
        #expect(r.modelMAE < 0.8 * r.pageMedianMAE, "model \(r.modelMAE) page median \(r.pageMedianMAE)")
        #expect(r.modelMAE < r.pageWeibullMAE && r.modelMAE < r.globalMedianMAE)
        #expect(r.cIndex > r.pageMedianCIndex + 0.05, "C model \(r.cIndex) page median \(r.pageMedianCIndex)")
        #expect(r.cIndex > r.pageWeibullCIndex + 0.05 && r.cIndex > r.globalMedianCIndex + 0.05)
        #expect(abs(r.globalMedianCIndex - 0.5) < 1e-9)

        // Directions: predicted medians relative to the page's planted base, by channel and position.
        let model = try #require(analysis.model)
        var views = DwellFeatures.views(train: planted.history)
        DwellFeatures.timeSplit(&views)
        let rows = views.indices.filter { views[$0].isTest }
        let predicted = model.predictMedians(views, rows: rows)
        func mean(_ keep: (DwellView) -> Bool) -> Double {
            let picked = rows.indices.filter { keep(views[rows[$0]]) }.map { log(predicted[$0] / PlantedDwell.pageBase[Int(views[rows[$0]].page)]) }
            return picked.reduce(0, +) / Double(picked.count)
        }
        let byChannel = (0 ..< 5).map { c in mean { Int($0.channel) == c } }
        // search (0.3) < social (0.5) < campaign (0.8) < direct (1.0) < referral (1.6)
        #expect(byChannel[1] < byChannel[2] && byChannel[2] < byChannel[4] && byChannel[4] < byChannel[0] && byChannel[0] < byChannel[3], "\(byChannel)")
        let first = mean { $0.position == 0 }, third = mean { $0.position == 2 }, fifth = mean { $0.position == 4 }
        #expect(first > third && third > fifth, "\(first) \(third) \(fifth)")
        // Roughly the planted size: search vs direct ln(0.3) = -1.2; two positions deeper ln(0.64) = -0.45.
        #expect(abs((byChannel[1] - byChannel[0]) - log(0.3)) < 0.35)
        #expect(abs((third - first) - 2 * log(PlantedDwell.positionFactor)) < 0.3)

        // Suggestions name the short-stay channel.
        #expect(r.suggestions.contains { $0.contains("who came from search") }, "\(r.suggestions.prefix(3))")
        // Exits: P(stay > 30 s) per page follows the page's planted base.
        let column = analysis.table.columns.firstIndex { $0.name == "exit_p_stay_over_30s" }!
        let pageColumn = analysis.table.columns.firstIndex { $0.name == "page" }!
        var byPage: [String: Double] = [:]
        for row in analysis.table.rows { if case .text(let p) = row[pageColumn], case .real(let v) = row[column] { byPage[p] = v } }
        let byBase = PlantedDwell.pageBase.indices.sorted { PlantedDwell.pageBase[$0] < PlantedDwell.pageBase[$1] }.map { "/page\($0)" }
        #expect(byBase.map { byPage[$0] ?? .nan } == byBase.map { byPage[$0] ?? .nan }.sorted(), "\(byPage)")
        #expect(try #require(byPage["/page0"]) < 0.1 && (try #require(byPage["/page6"])) > 0.5, "\(byPage)")
    }

    /// A model trained before a change does worse than the page medians on the latest training views:
    /// it is not used, and predictions come from a per-page baseline. Views are independent (no
    /// session, no visitor history): only page and channel carry information, and the channel effect
    /// turns around for the latest 20% (the validation views).
    @Test func fallsBackWhenTheModelLosesOnValidation() throws {
        var rng = SeededGenerator(seed: 9)
        var views: [DwellView] = []
        let n = 6000
        for i in 0 ..< n {
            let page = rng.nextInt(below: PlantedDwell.pageBase.count), channel = rng.nextInt(below: 5)
            var factor = PlantedDwell.channelFactor[channel]
            if i >= n * 8 / 10 { factor = 1 / (factor * factor) }
            let t = Int64(1_772_409_600_000) + Int64(i) * 60_000
            views.append(DwellView(
                time: t, sessionStart: t, visitor: Int32(i), page: Int32(page), previous: -1, position: 0, viewsBefore: 0,
                sessionsBefore: 0, channel: UInt8(channel), device: 0, hour: UInt8(rng.nextInt(below: 24)), weekday: 0,
                visitorMedianBefore: .nan, previousDwell: .nan,
                dwell: PlantedDwell.pageBase[page] * factor * exp(0.3 * rng.nextGaussian()), censored: false, isTest: false))
        }
        let model = DwellModel(views: views, trainRows: Array(views.indices), seed: 1)
        let fallback = try #require(model.fallback)
        #expect(fallback.contains("did not beat the per-page median"), "\(fallback)")
        #expect(model.kind == .pageWeibull || model.kind == .pageMedian)
        let rows = Array(views.indices.prefix(50))
        let expected = rows.map { model.kind == .pageWeibull ? model.encoder.pageWeibullPrediction(views[$0]) : model.encoder.pageMedianPrediction(views[$0]) }
        #expect(model.predictMedians(views, rows: rows) == expected)
        let report = DwellEvaluation.evaluate(views, testRows: Array(views.indices.suffix(500)), model: model)
        #expect(report.json.contains("\"fallback\":\"on the validation views"))
        #expect(report.predictionMAE != report.modelMAE)

        // The same views without the turn: the model is used.
        var steady = views
        for i in steady.indices where i >= n * 8 / 10 {
            let f = PlantedDwell.channelFactor[Int(steady[i].channel)]
            steady[i].dwell *= f * f * f   // back from 1/f² to f
        }
        #expect(DwellModel(views: steady, trainRows: Array(steady.indices), seed: 1).fallback == nil)
    }

    /// Dwell that nothing the log shows predicts, on many pages with a few views each (as YooChoose's
    /// items): the per-page medians are noise, so the model gets far below them on the validation views
    /// but not below the global median, which predicts; the reason names all three baselines.
    @Test func fallsBackToTheGlobalMedianWhenPagesAreNoise() throws {
        var rng = SeededGenerator(seed: 5)
        var views: [DwellView] = []
        for i in 0 ..< 6000 {
            let t = Int64(1_772_409_600_000) + Int64(i) * 60_000
            views.append(DwellView(
                time: t, sessionStart: t, visitor: Int32(i), page: Int32(rng.nextInt(below: 2000)), previous: -1, position: 0, viewsBefore: 0,
                sessionsBefore: 0, channel: UInt8(rng.nextInt(below: 5)), device: 0, hour: UInt8(rng.nextInt(below: 24)), weekday: 0,
                visitorMedianBefore: .nan, previousDwell: .nan, dwell: 40 * exp(1.2 * rng.nextGaussian()), censored: false, isTest: false))
        }
        let model = DwellModel(views: views, trainRows: Array(views.indices), seed: 1)
        let fallback = try #require(model.fallback)
        #expect(model.kind == .globalMedian, "\(fallback)")
        #expect(model.validationGlobalMedianMAE < model.validationPageMedianMAE)
        #expect(fallback.contains("the global median did best there"), "\(fallback)")
        #expect(model.predictMedians(views, rows: [0, 1, 2]) == [model.encoder.globalMedian, model.encoder.globalMedian, model.encoder.globalMedian])
        let p = model.survival(views, rows: [0], threshold: 30)[0]
        #expect(p > 0 && p < 1)
    }

    /// `run` keeps the compared candidate (no refit on all training views): it is still the model
    /// that predicts on planted data, well below the per-page median, with its own trees.
    @Test func theComparedCandidateIsKeptWithoutRefit() throws {
        let planted = PlantedDwell(sessions: 4000, seed: 11)
        let refitted = DwellAnalysis(history: planted.history, pageNames: planted.pages, seed: 1)
        let kept = DwellAnalysis(history: planted.history, pageNames: planted.pages, seed: 1, refit: false)
        let r = kept.report
        #expect(r.fallback == nil, "\(r.fallback ?? "")")
        #expect(r.modelMAE < 0.8 * r.pageMedianMAE, "model \(r.modelMAE) page median \(r.pageMedianMAE)")
        #expect(r.boosterKind == refitted.report.boosterKind && r.validationModelMAE == refitted.report.validationModelMAE)
        #expect(r.modelMAE != refitted.report.modelMAE)
    }

    /// A later period read separately: the test history's page ids are joined by name, and visitors
    /// of both periods keep their earlier sessions as history.
    @Test func trainOnOnePeriodTestOnAnother() throws {
        let early = PlantedDwell(sessions: 4000, seed: 21)
        let late = PlantedDwell(sessions: 1500, seed: 22)
        // The later run numbered its pages in another order.
        var pages = early.pages
        var lateNames = ByteStringInterner()
        for i in (0 ..< PlantedDwell.pageBase.count).reversed() { _ = lateNames.intern("/page\(i)") }
        let remap = (0 ..< PlantedDwell.pageBase.count).map { old in lateNames.find("/page\(old)")! }
        late.history.remapPages(remap.map { Int32($0) })   // now numbered as lateNames
        var back = [Int32](repeating: 0, count: lateNames.count)
        for id in 0 ..< lateNames.count { back[id] = pages.intern(lateNames.bytes(of: Int32(id))) }
        late.history.remapPages(back)
        let analysis = DwellAnalysis(history: early.history, pageNames: pages, seed: 1, test: late.history)
        let r = analysis.report
        #expect(r.trainViews > 8000 && r.testViews > 3000)
        #expect(r.modelMAE < 0.8 * r.pageMedianMAE, "model \(r.modelMAE) page median \(r.pageMedianMAE)")
        let json = r.json
        for key in ["model_mae", "page_median_mae", "global_median_mae", "page_weibull_mae", "c_index", "test_views", "model_median_ae", "page_median_c_index", "fallback"] {
            #expect(json.contains("\"\(key)\":"), "\(key)")
        }
        _ = try JSONSerialization.jsonObject(with: Data(json.utf8))
    }
}

/// The command on logs from `scripts/gen-dwell-log.py` (planted effects, censored last views): two
/// periods read separately, the report's keys and figures, the table's new columns.
@Suite struct DwellCommandTests {
    @Test func trainTestReportOnPlantedLogs() throws {
        let dir = TemporaryDirectory()
        let gen = Paths.repository + "/scripts/gen-dwell-log.py"
        let setup = try Tool.shell("""
            python3 '\(gen)' --views 40000 --days 10 > '\(dir.path)/train.log' && \
            python3 '\(gen)' --views 8000 --days 2 --start 2026-03-12 --seed 2 > '\(dir.path)/test.log'
            """)
        #expect(setup.status == 0, "\(setup.err)")
        let r = try Tool.shell("$WM dwell -q --site-host shop.example.com --train '\(dir.path)/train.log' --test '\(dir.path)/test.log' --report '\(dir.path)/r.json' -o '\(dir.path)/dwell.tsv' --predictions '\(dir.path)/p.tsv'")
        #expect(r.status == 0, "\(r.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/r.json"))) as? [String: Any])
        for key in ["model_mae", "page_median_mae", "global_median_mae", "page_weibull_mae", "c_index", "test_views", "model_median_ae",
                    "page_median_median_ae", "page_median_c_index", "page_weibull_c_index", "global_median_c_index", "fallback", "train_seconds"] {
            #expect(report.keys.contains(key), "\(key)")
        }
        #expect(report["fallback"] is NSNull)
        let model = try #require(report["model_mae"] as? Double), page = try #require(report["page_median_mae"] as? Double)
        #expect(model < 0.8 * page, "model \(model) page median \(page)")
        let c = try #require(report["c_index"] as? Double), cPage = try #require(report["page_median_c_index"] as? Double)
        #expect(c > cPage + 0.05)
        #expect(try #require(report["train_views"] as? Int) > 35000 && (try #require(report["test_views"] as? Int)) > 7000)
        let tsv = try String(contentsOfFile: dir.path + "/dwell.tsv", encoding: .utf8)
        let header = tsv.split(separator: "\n").first.map { $0.split(separator: "\t").map(String.init) } ?? []
        #expect(header.prefix(10) == ["page", "views", "dwell_views", "censored_views", "median_dwell_s", "mean_dwell_s", "weibull_shape", "weibull_scale_s", "weibull_median_s", "exit_rate"])
        #expect(header.contains("exit_p_stay_over_30s") && header.contains("suggestions") && header.contains("weibull_shape_low"))
        #expect(tsv.contains("who came from search"))

        // Per test view: the prediction, and for last views P(stay > 30 s), higher where the planted
        // median is longer (/page6: 120 s against /page0: 8 s).
        let rows = try String(contentsOfFile: dir.path + "/p.tsv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["time", "page", "position", "channel", "dwell_s", "censored", "at_least_s", "predicted_median_s", "p_stay_over_30s"])
        #expect(rows.count - 1 == (try #require(report["test_views"] as? Int)))
        func meanStay(_ page: String) -> Double {
            let p = rows.dropFirst().filter { $0[1] == page && $0[5] == "1" }.compactMap { Double($0[8]) }
            return p.reduce(0, +) / Double(p.count)
        }
        #expect(meanStay("/page0") < 0.2 && meanStay("/page6") > 0.6, "\(meanStay("/page0")) \(meanStay("/page6"))")

        // --train without --test is a usage error.
        let usage = try Tool.shell("$WM dwell -q --train '\(dir.path)/train.log' -o /dev/null")
        #expect(usage.status == 64)
    }

    /// A click export's own sessions (--given-sessions) are closed by the export, not still open at its
    /// end: no last view gets a made-up lower bound (the 7-day idle close once gave bounds of days,
    /// and Weibull shapes of 0.17 on YooChoose).
    @Test func givenSessionsHaveNoCensoringBounds() throws {
        let dir = TemporaryDirectory()
        let sample = Paths.fixture("clicks/yoochoose-sample.tsv")
        let r = try Tool.shell("$WM dwell -q --given-sessions '\(sample)' --predictions '\(dir.path)/p.tsv' -o /dev/null")
        #expect(r.status == 0, "\(r.err)")
        let rows = try String(contentsOfFile: dir.path + "/p.tsv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let censored = rows.filter { $0[5] == "1" }
        #expect(!censored.isEmpty)
        #expect(censored.allSatisfy { $0[6] == "0" }, "\(censored.prefix(3))")
    }
}
