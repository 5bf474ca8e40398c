/// Histogram gradient-boosted decision trees, following scikit-learn's
/// HistGradientBoostingClassifier / HistGradientBoostingRegressor (itself after LightGBM).
///
/// The model is a sum of small regression trees on a raw score F(x) (log-odds for the logistic loss):
///
///     F(x) = baseline + Σ_m tree_m(x)
///
/// 1. Baseline: log-odds of the positive rate (logistic), mean (squared error), median (absolute error).
/// 2. Features are binned once by quantiles into ≤ maxBins bins plus a missing-value bin
///    (`FeatureBinner`).
/// 3. Each iteration computes per-row gradient g and hessian h of the loss at the current score
///    (logistic: g = p − y, h = p(1 − p); squared: g = F − y, h = 1; absolute: g = sign(F − y), h = 1;
///    normal AFT on log durations with right-censoring: `AFTObjective`, baseline the observed median)
///    and grows one tree on them best-first (`HistogramTreeGrower`): histograms with the subtraction
///    trick, gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), missing values sent to the better side,
///    Newton leaf values −G/(H+λ) times learningRate. For the absolute error, leaf values are then
///    replaced by learningRate × the median residual of the leaf's rows (as sklearn does: the
///    gradient only picks the splits).
/// 4. Early stopping (when `earlyStopping`): validationFraction of the rows (stratified by label for
///    the logistic loss) is held out before binning; training stops when none of the last
///    nIterNoChange iterations improved the held-out loss by more than 1e-7 over the loss
///    nIterNoChange + 1 iterations back. As in sklearn, the trees built so far are all kept.
///    sklearn's default 'auto' turns this on only above 10,000 rows; here the flag is on by default
///    at any size and is the caller's choice.
///
/// Deterministic for a given seed: the seed only picks the validation rows; histogram building is
/// split across cores by feature, and each feature's sums are added in a fixed order.
///
/// `contributions` are Saabas path attributions: walking a row down each tree, the change of node
/// value at every split is credited to the split's feature. Summed over trees, the contributions
/// plus `baseScore` (baseline + the root values) equal the row's raw score (log-odds).
///
/// ```swift
/// var model = GradientBoostedTrees()                  // logistic loss
/// model.maxIterations = 300
/// model.fit(train, bought)
/// let p = model.predictProbability(test)
/// let why = model.contributions(test, row: 0)         // log-odds per feature
///
/// var regressor = GradientBoostedTrees(loss: .absoluteError)
/// regressor.fit(train, secondsOnSite)
/// let predicted = regressor.predict(test)
/// ```
public struct GradientBoostedTrees: BinaryClassifier, Regressor, Sendable {
    /// `normalAFT`: censoring-aware regression on log durations (`AFTObjective`), fitted with
    /// `fit(_:logTimes:censored:)`; the score is the log of the predicted median.
    public enum Loss: Sendable { case logistic, squaredError, absoluteError, normalAFT }

    public var loss = Loss.logistic
    public var learningRate = 0.1
    public var maxIterations = 200
    public var maxLeafNodes = 31
    public var maxDepth: Int? = nil
    public var minSamplesLeaf = 20
    public var l2Regularization = 0.0
    /// Bins for non-missing values, 2...255; missing values get one more.
    public var maxBins = 255
    public var earlyStopping = true
    public var validationFraction = 0.1
    public var nIterNoChange = 10
    public var seed: UInt64 = 1
    /// σ of the normal AFT loss (spread of log durations around the score).
    public var aftSigma = 1.0

    /// Raw score before any tree: prior log-odds, mean or median.
    public private(set) var baseline = 0.0
    /// Held-out loss before the first tree and after each tree (empty without early stopping).
    public private(set) var validationLosses: [Double] = []
    var trees: [[TreeNode]] = []
    var featureCount = 0

    public init() {}
    public init(loss: Loss) { self.loss = loss }

    /// Trees in the fitted model (iterations actually run).
    public var treeCount: Int { trees.count }

    /// The score `contributions` start from: baseline plus every tree's root value.
    public var baseScore: Double { trees.reduce(baseline) { $0 + $1[0].value } }

    /// Total split gain per feature, normalized to sum to 1 (0 everywhere if no tree split).
    public var gainImportances: [Double] {
        var total = [Double](repeating: 0, count: featureCount)
        for tree in trees { for node in tree where node.feature >= 0 { total[Int(node.feature)] += node.gain } }
        let sum = total.reduce(0, +)
        return sum > 0 ? total.map { $0 / sum } : total
    }

    /// Fits the logistic loss on the labels; with a regression loss the labels are used as 0/1 targets.
    public mutating func fit(_ x: FeatureMatrix, _ y: [Bool]) {
        fitTargets(x, y.map { $0 ? 1 : 0 })
    }

    /// Fits a regression loss; with the logistic loss, targets above 0.5 count as positive.
    public mutating func fit(_ x: FeatureMatrix, _ y: [Double]) {
        fitTargets(x, loss == .logistic ? y.map { $0 > 0.5 ? 1 : 0 } : y)
    }

    /// Fits the normal AFT loss: `logTimes` are log durations, or for censored rows the log of a
    /// lower bound ("at least this long").
    public mutating func fit(_ x: FeatureMatrix, logTimes: [Double], censored: [Bool]) {
        precondition(loss == .normalAFT, "GradientBoostedTrees.fit(logTimes:censored:) needs loss .normalAFT")
        precondition(logTimes.count == censored.count, "GradientBoostedTrees.fit: \(logTimes.count) times but \(censored.count) censoring flags")
        fitTargets(x, logTimes, censored: censored)
    }

    private mutating func fitTargets(_ x: FeatureMatrix, _ y: [Double], censored: [Bool]? = nil) {
        precondition(x.rows == y.count, "GradientBoostedTrees.fit: \(x.rows) rows but \(y.count) targets")
        precondition(x.rows > 0, "GradientBoostedTrees.fit: no rows")
        featureCount = x.columns
        trees = []
        validationLosses = []
        let (trainRows, validRows) = holdOut(y)
        let binner = FeatureBinner(fitting: x, rows: trainRows, maxBins: maxBins)
        let trainBins = binner.transform(x, rows: trainRows)
        let validBins = binner.transform(x, rows: validRows)
        let yTrain = trainRows.map { y[$0] }, yValid = validRows.map { y[$0] }
        let cTrain = censored.map { c in trainRows.map { c[$0] } } ?? [Bool](repeating: false, count: trainRows.count)
        let cValid = censored.map { c in validRows.map { c[$0] } } ?? [Bool](repeating: false, count: validRows.count)
        let sigma = aftSigma
        let usesHessians = loss == .logistic || loss == .normalAFT
        let n = trainRows.count

        switch loss {
        case .logistic:
            // Clipped so a one-class training set gives a large but finite score.
            let rate = min(max(yTrain.reduce(0, +) / Double(n), 1e-15), 1 - 1e-15)
            baseline = log(rate / (1 - rate))
        case .squaredError: baseline = yTrain.reduce(0, +) / Double(n)
        case .absoluteError: baseline = Metrics.median(yTrain)
        case .normalAFT:
            let observed = zip(yTrain, cTrain).filter { !$0.1 }.map(\.0)
            baseline = Metrics.median(observed.isEmpty ? yTrain : observed)
        }
        var raw = [Double](repeating: baseline, count: n)
        var rawValid = [Double](repeating: baseline, count: validRows.count)
        let stopping = !validRows.isEmpty
        if stopping { validationLosses.append(meanLoss(yValid, rawValid, cValid)) }

        var gradients = [Double](repeating: 0, count: n)
        var hessians = [Double](repeating: 1, count: usesHessians ? n : 0)
        let parameters = HistogramTreeGrower.Parameters(
            maxLeafNodes: max(1, maxLeafNodes), maxDepth: maxDepth, minSamplesLeaf: max(1, minSamplesLeaf),
            l2: l2Regularization, shrinkage: learningRate)

        for _ in 0 ..< maxIterations {
            for i in 0 ..< n {
                switch loss {
                case .logistic:
                    let p = sigmoid(raw[i])
                    gradients[i] = p - yTrain[i]
                    hessians[i] = p * (1 - p)
                case .squaredError:
                    gradients[i] = raw[i] - yTrain[i]
                case .absoluteError:
                    gradients[i] = raw[i] > yTrain[i] ? 1 : (raw[i] < yTrain[i] ? -1 : 0)
                case .normalAFT:
                    (gradients[i], hessians[i]) = AFTObjective.gradientHessian(score: raw[i], logTime: yTrain[i], censored: cTrain[i], sigma: sigma)
                }
            }
            let grower = trainBins.withUnsafeBufferPointer { bp in
                gradients.withUnsafeBufferPointer { gp in
                    hessians.withUnsafeBufferPointer { hp in
                        let grower = HistogramTreeGrower(
                            bins: bp.baseAddress!, rows: n, binner: binner, gradients: gp.baseAddress!,
                            hessians: usesHessians ? hp.baseAddress! : nil, parameters: parameters)
                        grower.grow()
                        return grower
                    }
                }
            }
            var nodes = grower.nodes
            if loss == .absoluteError {
                // Median residual of each node's rows (internal nodes too, for path attributions).
                for k in nodes.indices {
                    let (start, count) = grower.ranges[k]
                    let residuals = (start ..< start + count).map { yTrain[Int(grower.partition[$0])] - raw[Int(grower.partition[$0])] }
                    nodes[k].value = learningRate * Metrics.median(residuals)
                }
            }
            for k in nodes.indices where nodes[k].feature < 0 {
                let (start, count) = grower.ranges[k]
                for j in start ..< start + count { raw[Int(grower.partition[j])] += nodes[k].value }
            }
            trees.append(nodes)
            if stopping {
                validBins.withUnsafeBufferPointer { vb in
                    for i in 0 ..< rawValid.count {
                        rawValid[i] += nodes[Self.leaf(nodes, bins: vb.baseAddress!, rows: rawValid.count, row: i, missingBin: binner.missingBin)].value
                    }
                }
                validationLosses.append(meanLoss(yValid, rawValid, cValid))
                if shouldStop() { break }
            }
            // A tree that cannot split means every later one would be the same single leaf.
            if nodes.count == 1 { break }
        }
    }

    /// Splits the rows into training and held-out validation rows (both in increasing order).
    private func holdOut(_ y: [Double]) -> (train: [Int], valid: [Int]) {
        let all = Array(0 ..< y.count)
        guard earlyStopping, validationFraction > 0, validationFraction < 1, nIterNoChange > 0 else { return (all, []) }
        var rng = SeededGenerator(seed: seed)
        var valid: [Int] = []
        if loss == .logistic {
            var positives = all.filter { y[$0] > 0.5 }, negatives = all.filter { y[$0] <= 0.5 }
            rng.shuffle(&positives)
            rng.shuffle(&negatives)
            valid += positives.prefix(Int((validationFraction * Double(positives.count)).rounded()))
            valid += negatives.prefix(Int((validationFraction * Double(negatives.count)).rounded()))
        } else {
            var shuffled = all
            rng.shuffle(&shuffled)
            valid = Array(shuffled.prefix(Int((validationFraction * Double(y.count)).rounded(.up))))
        }
        guard !valid.isEmpty, valid.count < y.count else { return (all, []) }
        var isValid = [Bool](repeating: false, count: y.count)
        for i in valid { isValid[i] = true }
        return (all.filter { !isValid[$0] }, all.filter { isValid[$0] })
    }

    /// sklearn's rule: stop when none of the last nIterNoChange losses beats the one before them by tol.
    private func shouldStop() -> Bool {
        let reference = nIterNoChange + 1
        guard validationLosses.count >= reference else { return false }
        let referenceLoss = validationLosses[validationLosses.count - reference] - 1e-7
        return !validationLosses.suffix(nIterNoChange).contains { $0 < referenceLoss }
    }

    private func meanLoss(_ y: [Double], _ raw: [Double], _ censored: [Bool]) -> Double {
        var total = 0.0
        for (i, (t, f)) in zip(y, raw).enumerated() {
            switch loss {
            case .logistic: total += softplus(f) - t * f
            case .squaredError: total += 0.5 * (t - f) * (t - f)
            case .absoluteError: total += abs(t - f)
            case .normalAFT: total += AFTObjective.loss(score: f, logTime: t, censored: censored[i], sigma: aftSigma)
            }
        }
        return total / Double(max(1, y.count))
    }

    /// Leaf reached by a binned row (column-major bins).
    @inline(__always)
    static func leaf(_ nodes: [TreeNode], bins: UnsafePointer<UInt8>, rows: Int, row: Int, missingBin: UInt8) -> Int {
        var k = 0
        while nodes[k].feature >= 0 {
            let node = nodes[k]
            let b = bins[Int(node.feature) * rows + row]
            let left = b == missingBin ? node.missingGoesLeft : b <= node.bin
            k = Int(left ? node.left : node.right)
        }
        return k
    }

    /// Child of an internal node for a raw feature row.
    @inline(__always)
    static func child(_ node: TreeNode, _ row: UnsafePointer<Double>) -> Int {
        let v = row[Int(node.feature)]
        let left = v.isNaN ? node.missingGoesLeft : v <= node.threshold
        return Int(left ? node.left : node.right)
    }

    /// Raw score of each row: log-odds for the logistic loss, the prediction otherwise.
    public func decisionFunction(_ x: FeatureMatrix) -> [Double] {
        precondition(x.columns == featureCount, "GradientBoostedTrees: expected \(featureCount) columns, got \(x.columns)")
        var out = [Double](repeating: baseline, count: x.rows)
        let tasks = x.rows * trees.count >= 100_000 ? onlineProcessorCount : 1
        let chunk = (x.rows + tasks - 1) / max(tasks, 1)
        out.withUnsafeMutableBufferPointer { op in
            x.values.withUnsafeBufferPointer { xp in
                parallelFor(tasks) { task in
                    for i in task * chunk ..< min(x.rows, (task + 1) * chunk) {
                        let row = xp.baseAddress! + i * x.columns
                        var score = baseline
                        for tree in trees {
                            var k = 0
                            while tree[k].feature >= 0 { k = Self.child(tree[k], row) }
                            score += tree[k].value
                        }
                        op[i] = score
                    }
                }
            }
        }
        return out
    }

    /// P(true) for the logistic loss; for regression losses, the predictions.
    public func predictProbability(_ x: FeatureMatrix) -> [Double] {
        let raw = decisionFunction(x)
        return loss == .logistic ? raw.map(sigmoid) : raw
    }

    /// Predictions for regression losses; P(true) for the logistic loss.
    public func predict(_ x: FeatureMatrix) -> [Double] {
        predictProbability(x)
    }

    public func contributions(_ x: FeatureMatrix, row: Int) -> [Double] {
        precondition(x.columns == featureCount, "GradientBoostedTrees: expected \(featureCount) columns, got \(x.columns)")
        var out = [Double](repeating: 0, count: featureCount)
        x.values.withUnsafeBufferPointer { xp in
            let r = xp.baseAddress! + row * x.columns
            for tree in trees {
                var k = 0
                while tree[k].feature >= 0 {
                    let next = Self.child(tree[k], r)
                    out[Int(tree[k].feature)] += tree[next].value - tree[k].value
                    k = next
                }
            }
        }
        return out
    }
}
