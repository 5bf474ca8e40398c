/// Scores visitors who have not converted by how much their behaviour so far resembles that of
/// visitors who converted soon after. Snapshot design, so no feature ever sees the conversion:
/// at a snapshot time S, each visitor not yet converted gets features from its views before S and
/// the label "converts within the horizon after S". Validation is by time: train at S1 = end - 2h,
/// test at S2 = end - h (later visitors and later conversions); the final model is trained at S2 and
/// scores every never-converted visitor at the end of the data.
public struct ProspectScoring {
    public enum ModelKind: String, Sendable, CaseIterable {
        case gbdt, logistic
        /// The better of the two on the time-based validation (forecast mode; gbdt in lookalike mode).
        case auto
    }

    public struct Options: Sendable {
        public var model = ModelKind.auto
        /// Label window after a snapshot; nil: a quarter of the data's time span.
        public var horizonMillis: Int64? = nil
        public var seed: UInt64 = 1
        public var reasons = 3
        /// Most rows one model is fitted on: beyond it a uniform sample (seeded), so a fit costs
        /// the same however many visitors a window holds (scores and evaluation still cover all).
        public var maxTrainRows = 20_000
        /// In lookalike mode, also fit the other model in every fold, for `otherModelAUC` only (there
        /// it chooses nothing). `run`, which does not show that figure, turns it off: it was the
        /// costliest fit of the night (logistic regression, 5 folds).
        public var lookalikeComparison = true
        public init() {}
    }

    public struct Evaluation: Sendable {
        /// "forecast" (snapshots, time-based validation) or "lookalike" (customers vs the rest,
        /// cross-validated: without conversion times there is nothing to forecast).
        public var mode = "forecast"
        /// The model that made the scores (with `auto`, the one that validated better).
        public var model = "gbdt"
        public var folds = 0
        public var trainSnapshot: Int64 = 0
        public var testSnapshot: Int64 = 0
        public var horizonMillis: Int64 = 0
        public var trainRows = 0
        public var trainPositives = 0
        public var testRows = 0
        public var testPositives = 0
        public var rocAUC = Double.nan
        public var averagePrecision = Double.nan
        public var precisionAtK = Double.nan
        public var k = 0
        /// The other model on the same split, for comparison.
        public var otherModelAUC = Double.nan
        public var calibration: [Metrics.CalibrationBin] = []
    }

    public struct Prospect: Sendable {
        public var visitor: Int
        public var score: Double
        public var reasons: [String]
    }

    public enum ScoringError: Error, CustomStringConvertible {
        case tooFewConversions(Int, snapshot: Int64)
        public var description: String {
            switch self {
            case .tooFewConversions(let n, let at):
                "only \(n) conversions after the training snapshot \(isoTime(at)): too few to learn from (give a registration table, --conversion, or a longer log)"
            }
        }
    }

    public var options: Options
    public init(options: Options) { self.options = options }

    public func run(history: VisitorHistory, join: CustomerJoin, pageNames: ByteStringInterner) throws -> (Evaluation, [Prospect]) {
        let end = history.lastTime + 1
        let horizon = options.horizonMillis ?? max(3_600_000, (history.lastTime - history.firstTime) / 4)
        var evaluation = Evaluation()
        evaluation.horizonMillis = horizon
        evaluation.trainSnapshot = end - 2 * horizon
        evaluation.testSnapshot = end - horizon

        // Time-based validation.
        let cutoffs = join.status.map { status -> Int64 in
            switch status {
            case .anonymous: Int64.max
            case .converted(let at): at
            case .customer, .ambiguous: Int64.min
            }
        }
        let evalFeatures = ProspectFeatures(history: history, snapshot: evaluation.trainSnapshot, pageNames: pageNames, cutoffs: cutoffs)
        let (trainX, trainY, _) = dataset(history, join, evalFeatures, snapshot: evaluation.trainSnapshot, horizon: horizon)
        let (testX, testY, _) = dataset(history, join, evalFeatures, snapshot: evaluation.testSnapshot, horizon: horizon)
        evaluation.trainRows = trainY.count
        evaluation.trainPositives = trainY.filter { $0 }.count
        evaluation.testRows = testY.count
        evaluation.testPositives = testY.filter { $0 }.count
        guard evaluation.trainPositives >= 5 else { throw ScoringError.tooFewConversions(evaluation.trainPositives, snapshot: evaluation.trainSnapshot) }
        var chosen: ModelKind = options.model == .logistic ? .logistic : .gbdt
        let (fitX, fitY) = bounded(trainX, trainY)
        var model = makeModel(chosen)
        model.fit(fitX, fitY)
        if evaluation.testPositives > 0 && evaluation.testPositives < testY.count {
            var scores = model.predictProbability(testX)
            let otherKind: ModelKind = chosen == .gbdt ? .logistic : .gbdt
            var other = makeModel(otherKind)
            other.fit(fitX, fitY)
            let otherScores = other.predictProbability(testX)
            evaluation.rocAUC = Metrics.rocAUC(scores: scores, labels: testY)
            evaluation.otherModelAUC = Metrics.rocAUC(scores: otherScores, labels: testY)
            if options.model == .auto && evaluation.otherModelAUC > evaluation.rocAUC {
                // Model selection on later visitors: the simpler or the richer model, whichever generalised.
                swap(&evaluation.rocAUC, &evaluation.otherModelAUC)
                scores = otherScores
                chosen = otherKind
                model = other
            }
            evaluation.averagePrecision = Metrics.averagePrecision(scores: scores, labels: testY)
            evaluation.k = max(1, evaluation.testPositives)
            evaluation.precisionAtK = Metrics.precisionAtK(scores: scores, labels: testY, k: evaluation.k)
            evaluation.calibration = Metrics.calibration(scores: scores, labels: testY)
        }
        evaluation.model = chosen.rawValue

        // The validated model, trained once, scores everyone not converted at the end (features as
        // of the end: the same columns it was trained on).
        let final = model
        let scoringFeatures = evalFeatures
        var candidates: [Int] = []
        var rows = FeatureMatrix(names: scoringFeatures.names)
        for (i, v) in history.visitors.enumerated() where join.status[i] == .anonymous {
            guard let row = scoringFeatures.row(v, before: end) else { continue }
            rows.append(row: row)
            candidates.append(i)
        }
        let scores = candidates.isEmpty ? [] : final.predictProbability(rows)
        var prospects: [Prospect] = []
        for (r, i) in candidates.enumerated() {
            let contributions = final.contributions(rows, row: r)
            let top = contributions.indices.filter { contributions[$0] > 0 }.sorted { contributions[$0] > contributions[$1] }.prefix(options.reasons)
            prospects.append(Prospect(visitor: i, score: scores[r], reasons: top.map { scoringFeatures.phrase($0, rows[r, $0]) }))
        }
        prospects.sort { $0.score != $1.score ? $0.score > $1.score : history.visitors[$0.visitor].key < history.visitors[$1.visitor].key }
        return (evaluation, prospects)
    }

    /// Without enough conversions to forecast (no conversion times, or too short a log): which
    /// anonymous visitors behave like those who converted or are known users? Converted visitors
    /// contribute only their views before converting; the features that measure time to the end of
    /// the data (recency, the last 3 days) are left out, since they would tell converters apart by
    /// when their history was cut. 5-fold stratified cross-validation; prospects get out-of-fold
    /// scores, so no visitor is scored by a model that saw it.
    public func runLookalike(history: VisitorHistory, join: CustomerJoin, pageNames: ByteStringInterner, folds k: Int = 5) throws -> (Evaluation, [Prospect]) {
        let end = history.lastTime + 1
        var evaluation = Evaluation()
        evaluation.mode = "lookalike"
        evaluation.model = options.model == .logistic ? "logistic" : "gbdt"
        evaluation.folds = k
        evaluation.testSnapshot = end
        let cutoffs = join.status.map { status -> Int64 in
            if case .converted(let at) = status { return at }
            return status == .ambiguous ? Int64.min : Int64.max
        }
        let features = ProspectFeatures(history: history, snapshot: end, pageNames: pageNames, cutoffs: cutoffs)
        let timeRelative = ["recency_days", "sessions_last_3_days"].compactMap { features.names.firstIndex(of: $0) }
        var x = FeatureMatrix(names: features.names)
        var y: [Bool] = []
        var who: [Int] = []
        for (i, v) in history.visitors.enumerated() {
            let label: Bool
            var cut = end
            switch join.status[i] {
            case .anonymous: label = false
            case .customer: label = true
            case .converted(let at):
                label = true
                cut = at
            case .ambiguous: continue
            }
            guard var row = features.row(v, before: cut) else { continue }
            for k in timeRelative { row[k] = .nan }
            x.append(row: row)
            y.append(label)
            who.append(i)
        }
        evaluation.trainRows = y.count
        evaluation.trainPositives = y.filter { $0 }.count
        evaluation.testRows = y.count
        evaluation.testPositives = evaluation.trainPositives
        guard evaluation.trainPositives >= k && evaluation.trainPositives < y.count - k else {
            throw ScoringError.tooFewConversions(evaluation.trainPositives, snapshot: end)
        }
        let foldOf = CrossValidation.stratifiedFolds(labels: y, k: k, seed: options.seed)
        var scores = [Double](repeating: .nan, count: y.count)
        var otherScores = scores
        var reasons = [[String]](repeating: [], count: y.count)
        for f in 0 ..< k {
            let train = boundedRows(y.indices.filter { foldOf[$0] != f }), test = y.indices.filter { foldOf[$0] == f }
            // Only the rows a model is fitted on are copied out (not the whole training part).
            let fitX = x.selecting(rows: train), fitY = train.map { y[$0] }, testX = x.selecting(rows: test)
            var model = makeModel(options.model)
            model.fit(fitX, fitY)
            let p = model.predictProbability(testX)
            var q = [Double](repeating: .nan, count: test.count)
            if options.lookalikeComparison {
                var other = makeModel(options.model == .logistic ? .gbdt : .logistic)
                other.fit(fitX, fitY)
                q = other.predictProbability(testX)
            }
            for (j, i) in test.enumerated() {
                scores[i] = p[j]
                otherScores[i] = q[j]
                if !y[i] {
                    let c = model.contributions(testX, row: j)
                    reasons[i] = c.indices.filter { c[$0] > 0 }.sorted { c[$0] > c[$1] }.prefix(options.reasons).map { features.phrase($0, testX[j, $0]) }
                }
            }
        }
        evaluation.rocAUC = Metrics.rocAUC(scores: scores, labels: y)
        evaluation.averagePrecision = Metrics.averagePrecision(scores: scores, labels: y)
        evaluation.k = max(1, evaluation.trainPositives)
        evaluation.precisionAtK = Metrics.precisionAtK(scores: scores, labels: y, k: evaluation.k)
        evaluation.calibration = Metrics.calibration(scores: scores, labels: y)
        if options.lookalikeComparison { evaluation.otherModelAUC = Metrics.rocAUC(scores: otherScores, labels: y) }
        var prospects = y.indices.filter { !y[$0] }.map { Prospect(visitor: who[$0], score: scores[$0], reasons: reasons[$0]) }
        prospects.sort { $0.score != $1.score ? $0.score > $1.score : history.visitors[$0.visitor].key < history.visitors[$1.visitor].key }
        return (evaluation, prospects)
    }

    /// Rows for visitors seen before `snapshot` and not converted (nor customers) by then; label:
    /// converts within `horizon` after it.
    func dataset(_ history: VisitorHistory, _ join: CustomerJoin, _ features: ProspectFeatures, snapshot: Int64, horizon: Int64) -> (FeatureMatrix, [Bool], [Int]) {
        var x = FeatureMatrix(names: features.names)
        var y: [Bool] = []
        var who: [Int] = []
        for (i, v) in history.visitors.enumerated() {
            let label: Bool
            switch join.status[i] {
            case .anonymous: label = false
            case .converted(let at):
                guard at >= snapshot else { continue }   // already converted: not a prospect any more
                label = at < snapshot + horizon
            case .customer, .ambiguous: continue
            }
            guard let row = features.row(v, before: snapshot) else { continue }
            x.append(row: row)
            y.append(label)
            who.append(i)
        }
        return (x, y, who)
    }

    /// At most `maxTrainRows` rows: a seeded uniform sample (in the original order) beyond it.
    func bounded(_ x: FeatureMatrix, _ y: [Bool]) -> (FeatureMatrix, [Bool]) {
        guard x.rows > options.maxTrainRows, options.maxTrainRows > 0 else { return (x, y) }
        let keep = boundedRows(Array(0 ..< x.rows))
        return (x.selecting(rows: keep), keep.map { y[$0] })
    }

    /// At most `maxTrainRows` of these row numbers: a seeded uniform sample, in their order.
    func boundedRows(_ rows: [Int]) -> [Int] {
        guard rows.count > options.maxTrainRows, options.maxTrainRows > 0 else { return rows }
        var rng = SeededGenerator(seed: options.seed &+ 0x5A17)
        var order = rows
        for i in 0 ..< options.maxTrainRows { order.swapAt(i, Int.random(in: i ..< order.count, using: &rng)) }
        return order[..<options.maxTrainRows].sorted()
    }

    func makeModel(_ kind: ModelKind) -> any BinaryClassifier {
        switch kind {
        case .gbdt, .auto:
            var m = GradientBoostedTrees()
            m.seed = options.seed
            return m
        case .logistic:
            return LogisticRegression()
        }
    }
}
