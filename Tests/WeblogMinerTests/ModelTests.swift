import Testing
@testable import WeblogMiner

/// Reference numbers come from Python (scipy 1.17, scikit-learn 1.9), computed once and written here;
/// the scripts are quoted next to each test.
@Suite struct ModelTests {
    static func close(_ a: Double, _ b: Double, relative: Double) -> Bool {
        abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)
    }

    // MARK: Weibull

    static let dwell = [3.2, 7.5, 12.1, 1.8, 25.0, 44.3, 5.6, 9.9, 15.2, 2.4, 61.0, 18.7]
    static let stillOpen = [30.0, 8.0, 90.0, 20.5]

    /// c, _, s = scipy.stats.weibull_min.fit(dwell, floc=0); ll = weibull_min.logpdf(dwell, c, 0, s).sum()
    @Test func weibullUncensoredMatchesScipy() throws {
        let w = try #require(WeibullFit.fit(observed: Self.dwell))
        #expect(Self.close(w.shape, 1.0226314607319358, relative: 1e-4))
        #expect(Self.close(w.scale, 17.397524127963287, relative: 1e-4))
        #expect(Self.close(w.logLikelihood, -46.15123308902221, relative: 1e-4))
        #expect(w.observed == 12 && w.censored == 0)
        #expect(Self.close(w.median, w.scale * pow(log(2.0), 1 / w.shape), relative: 1e-12))

        // rng = np.random.default_rng(7); weibull_min.rvs(2.3, scale=40, size=15, random_state=rng).round(2)
        let peaked = [39.67, 57.18, 47.64, 22.09, 25.56, 54.86, 4.09, 50.66, 49.0, 32.74, 25.69, 24.58, 23.5, 31.78, 34.3]
        let v = try #require(WeibullFit.fit(observed: peaked))
        #expect(Self.close(v.shape, 2.5807389869919737, relative: 1e-4))
        #expect(Self.close(v.scale, 39.01310914201267, relative: 1e-4))
        #expect(Self.close(v.logLikelihood, -61.60806255474545, relative: 1e-4))
    }

    /// data = scipy.stats.CensoredData(uncensored=dwell, right=stillOpen); weibull_min.fit(data, floc=0);
    /// ll = logpdf(dwell).sum() + logsf(stillOpen).sum()
    @Test func weibullCensoredMatchesScipy() throws {
        let w = try #require(WeibullFit.fit(observed: Self.dwell, censored: Self.stillOpen))
        #expect(Self.close(w.shape, 0.8770212125743231, relative: 1e-4))
        #expect(Self.close(w.scale, 29.075055998423743, relative: 1e-4))
        #expect(Self.close(w.logLikelihood, -52.47377693321112, relative: 1e-4))
        #expect(w.observed == 12 && w.censored == 4)
    }

    @Test func weibullSkipsNonPositiveAndDegenerateInput() throws {
        let clean = try #require(WeibullFit.fit(observed: Self.dwell, censored: Self.stillOpen))
        let dirty = try #require(WeibullFit.fit(observed: Self.dwell + [0, -1, .nan], censored: Self.stillOpen + [0]))
        #expect(dirty == clean)
        #expect(WeibullFit.fit(observed: [5]) == nil)
        #expect(WeibullFit.fit(observed: [5, 5, 5], censored: [9]) == nil)
        #expect(WeibullFit.fit(observed: [0, 0, 3]) == nil)
    }

    // MARK: Metrics

    static let scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.55, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.2, 0.1]
    static let labels = [1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0].map { $0 == 1 }

    /// sklearn.metrics.roc_auc_score / average_precision_score; precision@k from a stable argsort.
    @Test func rankingMetricsMatchSklearn() {
        #expect(Self.close(Metrics.rocAUC(scores: Self.scores, labels: Self.labels), 0.7604166666666667, relative: 1e-12))
        #expect(Self.close(Metrics.averagePrecision(scores: Self.scores, labels: Self.labels), 0.6973905723905723, relative: 1e-12))
        #expect(Metrics.precisionAtK(scores: Self.scores, labels: Self.labels, k: 1) == 1.0)
        #expect(Metrics.precisionAtK(scores: Self.scores, labels: Self.labels, k: 4) == 0.75)
        #expect(Self.close(Metrics.precisionAtK(scores: Self.scores, labels: Self.labels, k: 6), 2.0 / 3, relative: 1e-12))
        #expect(Metrics.precisionAtK(scores: Self.scores, labels: Self.labels, k: 10) == 0.5)
        #expect(Metrics.rocAUC(scores: [0.1, 0.2], labels: [true, true]).isNaN)
        #expect(Metrics.rocAUC(scores: [0.3, 0.3, 0.3], labels: [true, false, false]) == 0.5)
    }

    /// prob_true, prob_pred = sklearn.calibration.calibration_curve(labels, scores, n_bins=5)
    @Test func calibrationMatchesSklearn() {
        let bins = Metrics.calibration(scores: Self.scores, labels: Self.labels, bins: 5)
        let observed = [0.0, 0.5, 0.4, 0.6666666666666666, 1.0]
        let predicted = [0.16666666666666666, 0.35, 0.53, 0.7666666666666666, 0.9]
        #expect(bins.count == 5)
        for (k, bin) in bins.enumerated() {
            #expect(Self.close(bin.observedRate, observed[k], relative: 1e-12) || bin.observedRate == observed[k])
            #expect(Self.close(bin.meanPredicted, predicted[k], relative: 1e-12))
        }
        #expect(bins.map(\.count) == [3, 2, 5, 3, 1])
    }

    @Test func absoluteErrors() {
        // numpy: np.median(np.abs([1, 2, 3, 4] - [1.5, 2, 5, 3])) = 0.75
        #expect(Metrics.medianAbsoluteError([1.5, 2, 5, 3], [1, 2, 3, 4]) == 0.75)
        #expect(Metrics.meanAbsoluteError([1.5, 2, 5, 3], [1, 2, 3, 4]) == 0.875)
    }

    @Test func stratifiedFoldsBalanceLabels() {
        let labels = (0 ..< 103).map { $0 % 7 == 0 }
        let folds = CrossValidation.stratifiedFolds(labels: labels, k: 5, seed: 3)
        #expect(folds == CrossValidation.stratifiedFolds(labels: labels, k: 5, seed: 3))
        #expect(folds != CrossValidation.stratifiedFolds(labels: labels, k: 5, seed: 4))
        let sizes = (0 ..< 5).map { f in folds.filter { $0 == f }.count }
        let positives = (0 ..< 5).map { f in folds.indices.filter { folds[$0] == f && labels[$0] }.count }
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(positives.max()! - positives.min()! <= 1)
    }

    // MARK: Logistic regression

    /// rng = np.random.default_rng(7) after the Weibull sample above;
    /// X = (rng.normal(size=(30,3)).round(2) * [1, 5, 0.2] + [0, 10, 1]).round(2)
    static let lrX: [[Double]] = [
        [0.7, 3.3, 0.91], [-1.9, 3.55, 0.63], [-0.24, 3.65, 1.05], [0.16, 9.05, 0.5], [-0.54, 9.75, 1.02],
        [-1.53, 7.6, 0.8], [-0.81, 15.3, 0.84], [-0.03, 14.4, 0.88], [-0.11, 10.55, 1.01], [-1.23, 10.4, 1.27],
        [-1.55, 14.3, 1.02], [-0.64, 20.0, 1.15], [-1.2, 10.35, 1.12], [-0.19, 13.4, 0.99], [0.67, 17.2, 0.86],
        [0.2, 7.7, 1.03], [-1.19, 7.1, 0.96], [0.9, 15.75, 0.74], [-0.79, 13.25, 0.6], [-0.46, 9.5, 1.25],
        [0.69, 8.35, 0.93], [-0.25, 17.6, 0.91], [-0.3, 11.75, 0.98], [-0.2, 4.45, 1.0], [-0.44, 15.85, 1.13],
        [-0.02, 13.35, 0.93], [1.05, 9.95, 1.12], [-1.29, 11.75, 0.66], [-2.04, 8.5, 0.82], [0.16, 21.2, 0.83],
    ]
    static let lrY = [1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0].map { $0 == 1 }

    /// Z = StandardScaler().fit_transform(X); LogisticRegression(C=1/l2, tol=1e-12, max_iter=10000).fit(Z, y)
    @Test(arguments: [
        (1.0, -1.4112477945862247, [1.2903688991978817, -1.0212840954226383, -0.0291258045106276]),
        (0.25, -1.651038302771479, [1.728308617626768, -1.376359080146205, -0.05887062371790303]),
    ])
    func logisticRegressionMatchesSklearn(l2: Double, intercept: Double, coefficients: [Double]) {
        var x = FeatureMatrix(names: ["a", "b", "c"])
        for row in Self.lrX { x.append(row: row) }
        var model = LogisticRegression()
        model.l2 = l2
        model.fit(x, Self.lrY)
        #expect(Self.close(model.intercept, intercept, relative: 1e-6))
        for j in 0 ..< 3 { #expect(Self.close(model.coefficients[j], coefficients[j], relative: 1e-6)) }
        // Contributions plus the base score give the log-odds.
        let p = model.predictProbability(x)
        for row in [0, 7, 29] {
            let logit = model.baseScore + model.contributions(x, row: row).reduce(0, +)
            #expect(abs(sigmoid(logit) - p[row]) < 1e-12)
        }
    }

    // MARK: Gradient boosting

    /// Two informative features with an interaction (x1 matters differently on each side of
    /// x0 = 0.5), three noise features, 5% label noise.
    static func planted(_ n: Int, seed: UInt64, missingX0: Double = 0) -> (FeatureMatrix, [Bool]) {
        var rng = SeededGenerator(seed: seed)
        var x = FeatureMatrix(names: ["x0", "x1", "noise2", "noise3", "noise4"])
        var y: [Bool] = []
        for _ in 0 ..< n {
            var row = (0 ..< 5).map { _ in rng.nextDouble() }
            var label = row[0] > 0.5 ? row[1] > 0.4 : row[1] > 0.85
            if rng.nextDouble() < missingX0 {
                // Missing x0 is itself informative: such visitors mostly convert.
                row[0] = .nan
                label = rng.nextDouble() < 0.9
            }
            if rng.nextDouble() < 0.05 { label.toggle() }
            x.append(row: row)
            y.append(label)
        }
        return (x, y)
    }

    @Test func boostingLearnsPlantedInteraction() {
        let (train, yTrain) = Self.planted(2000, seed: 11)
        let (test, yTest) = Self.planted(1000, seed: 12)
        var model = GradientBoostedTrees()
        model.maxIterations = 100
        model.fit(train, yTrain)
        let p = model.predictProbability(test)
        #expect(Metrics.rocAUC(scores: p, labels: yTest) > 0.9)

        // Path attributions: x0 and x1 dominate, and they add up to the log-odds.
        var meanAbs = [Double](repeating: 0, count: 5)
        for row in 0 ..< 200 {
            let c = model.contributions(test, row: row)
            for j in 0 ..< 5 { meanAbs[j] += abs(c[j]) / 200 }
            let logit = model.baseScore + c.reduce(0, +)
            #expect(abs(sigmoid(logit) - p[row]) < 1e-9)
        }
        let noise = meanAbs[2...].max()!
        #expect(meanAbs[0] > 4 * noise && meanAbs[1] > 4 * noise)
        #expect(model.gainImportances[0] + model.gainImportances[1] > 0.8)
    }

    @Test func boostingUsesMissingValues() {
        let (train, yTrain) = Self.planted(2000, seed: 21, missingX0: 0.15)
        let (test, yTest) = Self.planted(1000, seed: 22, missingX0: 0.15)
        var model = GradientBoostedTrees()
        model.maxIterations = 100
        model.fit(train, yTrain)
        let p = model.predictProbability(test)
        #expect(Metrics.rocAUC(scores: p, labels: yTest) > 0.9)
        let missingRows = (0 ..< test.rows).filter { test[$0, 0].isNaN }
        #expect(missingRows.count > 100)
        let meanMissing = missingRows.reduce(0.0) { $0 + p[$1] } / Double(missingRows.count)
        #expect(meanMissing > 0.75)
    }

    @Test func boostingIsDeterministic() {
        let (train, yTrain) = Self.planted(600, seed: 5)
        var a = GradientBoostedTrees(), b = GradientBoostedTrees()
        a.maxIterations = 30
        b.maxIterations = 30
        a.fit(train, yTrain)
        b.fit(train, yTrain)
        #expect(a.predictProbability(train) == b.predictProbability(train))
        #expect(a.validationLosses == b.validationLosses)
    }

    /// y = 10 sin(3 x0) + 5 x1 x2 + N(0, 0.5²) with two noise features.
    static func plantedRegression(_ n: Int, seed: UInt64) -> (FeatureMatrix, [Double]) {
        var rng = SeededGenerator(seed: seed)
        var x = FeatureMatrix(names: ["x0", "x1", "x2", "noise3", "noise4"])
        var y: [Double] = []
        for _ in 0 ..< n {
            let row = (0 ..< 5).map { _ in rng.nextDouble() }
            x.append(row: row)
            y.append(10 * sin(3 * row[0]) + 5 * row[1] * row[2] + 0.5 * rng.nextGaussian())
        }
        return (x, y)
    }

    @Test(arguments: [GradientBoostedTrees.Loss.squaredError, .absoluteError])
    func boostingRegressionBeatsBaseline(loss: GradientBoostedTrees.Loss) {
        let (train, yTrain) = Self.plantedRegression(2000, seed: 31)
        let (test, yTest) = Self.plantedRegression(1000, seed: 32)
        var model = GradientBoostedTrees(loss: loss)
        model.maxIterations = 100
        model.fit(train, yTrain)
        let predicted = model.predict(test)
        let constant = [Double](repeating: loss == .squaredError ? yTrain.reduce(0, +) / Double(yTrain.count) : Metrics.median(yTrain),
                                count: yTest.count)
        let ours = Metrics.meanAbsoluteError(predicted, yTest)
        let baseline = Metrics.meanAbsoluteError(constant, yTest)
        #expect(ours < 0.3 * baseline)

        // With every row used for training and no trees, the model is the baseline itself.
        var constantModel = GradientBoostedTrees(loss: loss)
        constantModel.earlyStopping = false
        constantModel.maxIterations = 0
        constantModel.fit(train, yTrain)
        #expect(abs(constantModel.baseline - constant[0]) < 1e-9)
        #expect(constantModel.predict(test).allSatisfy { abs($0 - constant[0]) < 1e-9 })
    }

    @Test func degenerateInputsDoNotTrap() {
        let (x, _) = Self.planted(100, seed: 9)
        var oneClass = GradientBoostedTrees()
        oneClass.fit(x, [Bool](repeating: false, count: 100))
        #expect(oneClass.predictProbability(x).allSatisfy { $0 < 1e-6 })
        var tiny = GradientBoostedTrees()
        tiny.fit(x.selecting(rows: [0, 1, 2]), [true, false, true])
        #expect(tiny.predictProbability(x).count == 100)
        var constant = FeatureMatrix(names: ["c"])
        for _ in 0 ..< 50 { constant.append(row: [1]) }
        var lr = LogisticRegression()
        lr.fit(constant, (0 ..< 50).map { $0 % 5 == 0 })
        #expect(abs(lr.coefficients[0]) < 1e-12)
        #expect(abs(sigmoid(lr.intercept) - 0.2) < 1e-9)
    }

    /// _BinMapper(n_bins=256).fit(v).bin_thresholds_ for v_i = ((37 i) mod 1000) / 7, i < 1000, and
    /// for 0...9 repeated with a NaN (sklearn maps 4.5 to bin 4, NaN to bin 255).
    @Test func binningMatchesSklearn() {
        var x = FeatureMatrix(names: ["v"])
        for i in 0 ..< 1000 { x.append(row: [Double((i * 37) % 1000) / 7]) }
        let binner = FeatureBinner(fitting: x, rows: Array(0 ..< 1000), maxBins: 255)
        let t = binner.thresholds[0]
        #expect(t.count == 254)
        #expect(Self.close(t[0], 0.42857142857142855, relative: 1e-12))
        #expect(t[1] == 1.0)
        #expect(Self.close(t[100], 56.57142857142857, relative: 1e-12))
        #expect(Self.close(t[253], 142.28571428571428, relative: 1e-12))

        var small = FeatureMatrix(names: ["v"])
        for i in 0 ..< 100 { small.append(row: [Double(i % 10)]) }
        small.append(row: [.nan])
        let b2 = FeatureBinner(fitting: small, rows: Array(0 ..< 101), maxBins: 255)
        #expect(b2.thresholds[0] == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5])
        #expect(b2.hasMissing == [true])
        let probe = FeatureMatrix(rows: 5, columns: 1, values: [0, 4.5, 5, .nan, 100], names: ["v"])
        #expect(b2.transform(probe, rows: Array(0 ..< 5)) == [0, 4, 5, 255, 9])
    }

    @Test func medianBySelectionEqualsMedianBySorting() {
        var rng = SeededGenerator(seed: 9)
        for n in [1, 2, 3, 4, 5, 10, 11, 100, 101, 1000] {
            for duplicates in [false, true] {
                let values = (0 ..< n).map { _ in duplicates ? Double(rng.nextInt(below: 5)) : rng.nextDouble() * 100 - 50 }
                let s = values.sorted()
                let expected = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                #expect(Metrics.median(values) == expected, "n \(n)")
            }
        }
        #expect(Metrics.median(Array(stride(from: 1000.0, to: 0, by: -1))) == 500.5)   // reversed input
        #expect(Metrics.median([]).isNaN)
    }
}
