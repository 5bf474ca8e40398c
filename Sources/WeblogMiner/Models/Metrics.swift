/// Evaluation metrics for scores and predictions, matching scikit-learn's definitions so figures can be
/// compared with Python notebooks.
///
/// - `rocAUC`: area under the ROC curve, computed as the Mann-Whitney U statistic with tied scores
///   counted one half (equals sklearn `roc_auc_score`, which integrates the tie-collapsed curve).
/// - `averagePrecision`: sum over distinct thresholds of (R_n - R_{n-1}) * P_n, a step-wise PR-AUC
///   without interpolation (sklearn `average_precision_score`).
/// - `precisionAtK`: share of positives among the k highest scores (ties broken by row order).
/// - `calibration`: reliability table in equal-width probability bins (sklearn `calibration_curve`,
///   strategy "uniform": bins are (lower, upper], the first also takes 0; empty bins are left out).
///
/// Metrics that are undefined for the input (no positives, no negatives, empty input) return NaN
/// rather than trapping, so a report can show "n/a".
///
/// ```swift
/// let auc = Metrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])  // 0.75
/// let ap = Metrics.averagePrecision(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])
/// ```
public enum Metrics {
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double {
        precondition(scores.count == labels.count, "rocAUC: scores and labels differ in length")
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of positive ranks, ties sharing their average rank.
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for t in i ... j where labels[order[t]] { rankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }

    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double {
        precondition(scores.count == labels.count, "averagePrecision: scores and labels differ in length")
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard positives > 0 else { return .nan }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, seen = 0
        var previousRecall = 0.0, ap = 0.0
        var i = 0
        while i < order.count {
            // All rows sharing a score enter together: one threshold.
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] { truePositives += 1 }
                seen += 1
                i += 1
            }
            let recall = Double(truePositives) / Double(positives)
            let precision = Double(truePositives) / Double(seen)
            ap += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return ap
    }

    /// Precision among the `k` top-scored rows; k is clamped to the number of rows.
    public static func precisionAtK(scores: [Double], labels: [Bool], k: Int) -> Double {
        precondition(scores.count == labels.count, "precisionAtK: scores and labels differ in length")
        let k = min(k, scores.count)
        guard k > 0 else { return .nan }
        // Stable order: equal scores keep row order, so the result is deterministic.
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let hits = order.prefix(k).reduce(0) { $0 + (labels[$1] ? 1 : 0) }
        return Double(hits) / Double(k)
    }

    public struct CalibrationBin: Sendable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        public var meanPredicted: Double
        public var observedRate: Double
    }

    /// Equal-width bins on [0, 1]; scores outside are clamped into the end bins, NaN scores skipped.
    public static func calibration(scores: [Double], labels: [Bool], bins: Int = 10) -> [CalibrationBin] {
        precondition(scores.count == labels.count, "calibration: scores and labels differ in length")
        precondition(bins > 0, "calibration: bins must be positive")
        var counts = [Int](repeating: 0, count: bins)
        var sumPredicted = [Double](repeating: 0, count: bins)
        var sumPositive = [Int](repeating: 0, count: bins)
        // Edges as numpy.linspace computes them (i * step), so a score on an edge lands in the same
        // bin as in sklearn.
        let step = 1.0 / Double(bins)
        let edges = (0 ... bins).map { $0 == bins ? 1.0 : Double($0) * step }
        for (s, y) in zip(scores, labels) where !s.isNaN {
            // (lower, upper]: the number of inner edges below s (numpy.searchsorted, side left).
            var b = 0
            while b < bins - 1 && s > edges[b + 1] { b += 1 }
            counts[b] += 1
            sumPredicted[b] += s
            if y { sumPositive[b] += 1 }
        }
        return (0 ..< bins).compactMap { b in
            guard counts[b] > 0 else { return nil }
            let n = Double(counts[b])
            return CalibrationBin(lower: edges[b], upper: edges[b + 1], count: counts[b],
                                  meanPredicted: sumPredicted[b] / n, observedRate: Double(sumPositive[b]) / n)
        }
    }

    public static func meanAbsoluteError(_ predicted: [Double], _ actual: [Double]) -> Double {
        precondition(predicted.count == actual.count, "meanAbsoluteError: lengths differ")
        guard !predicted.isEmpty else { return .nan }
        return zip(predicted, actual).reduce(0.0) { $0 + abs($1.0 - $1.1) } / Double(predicted.count)
    }

    public static func medianAbsoluteError(_ predicted: [Double], _ actual: [Double]) -> Double {
        precondition(predicted.count == actual.count, "medianAbsoluteError: lengths differ")
        return median(zip(predicted, actual).map { abs($0 - $1) })
    }

    /// Median as numpy computes it: the mean of the two middle values for an even count. By
    /// selection (Hoare's quickselect, median-of-three pivots), not a full sort: boosting with the
    /// absolute loss takes a median per tree node.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        var a = values
        let m = a.count / 2
        let upper = select(&a, m)
        guard a.count % 2 == 0 else { return upper }
        // After selection every value left of m is <= a[m]: the lower middle is their maximum.
        var lower = -Double.infinity
        for i in 0 ..< m where a[i] > lower { lower = a[i] }
        return (lower + upper) / 2
    }

    /// Rearranges `a` so that a[k] holds the k-th smallest value, smaller-or-equal ones before it.
    static func select(_ a: inout [Double], _ k: Int) -> Double {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three as the pivot keeps sorted and reversed input linear.
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
