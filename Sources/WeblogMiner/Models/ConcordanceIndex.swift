/// Harrell's concordance index for right-censored durations, as lifelines' `concordance_index`
/// (Harrell et al. 1982): over the comparable pairs, the share whose predicted durations are in the
/// same order as the actual ones, tied predictions counting one half.
///
/// A pair (i, j) is comparable when the shorter one is observed: t_i < t_j with i observed (j observed
/// or censored at t_j), or t_i = t_j with i observed and j censored (j outlived i). A censored row is
/// only known to last at least its time, so it is never the shorter one. 0.5 is chance (a constant
/// prediction scores exactly 0.5), 1 a perfect ordering.
///
/// O(n log n): rows are taken by decreasing time; a Fenwick tree over the ranks of the predictions
/// counts, for each observed row, the later rows predicted longer (concordant) or equal (tied).
///
/// ```swift
/// let c = ConcordanceIndex.harrell(predicted: [3, 1, 2], times: [30, 5, 12], censored: [false, false, true])
/// ```
public enum ConcordanceIndex {
    public struct Result: Sendable {
        public var concordant = 0.0
        public var tied = 0.0
        public var comparable = 0.0
        /// NaN when no pair is comparable.
        public var index: Double { comparable > 0 ? (concordant + 0.5 * tied) / comparable : .nan }
    }

    public static func harrell(predicted: [Double], times: [Double], censored: [Bool]) -> Double {
        count(predicted: predicted, times: times, censored: censored).index
    }

    public static func count(predicted: [Double], times: [Double], censored: [Bool]) -> Result {
        precondition(predicted.count == times.count && times.count == censored.count, "ConcordanceIndex: lengths differ")
        let n = predicted.count
        var result = Result()
        guard n > 1 else { return result }
        // Ranks of the predictions, equal predictions sharing a rank (1-based for the tree).
        let byPrediction = (0 ..< n).sorted { predicted[$0] < predicted[$1] }
        var rank = [Int](repeating: 0, count: n)
        var distinct = 0
        for (k, i) in byPrediction.enumerated() {
            if k == 0 || predicted[i] != predicted[byPrediction[k - 1]] { distinct += 1 }
            rank[i] = distinct
        }
        var tree = [Double](repeating: 0, count: distinct + 1)
        var perRank = [Double](repeating: 0, count: distinct + 1)
        var inserted = 0.0
        func add(_ r: Int) {
            var k = r
            while k <= distinct { tree[k] += 1; k += k & -k }
            perRank[r] += 1
            inserted += 1
        }
        func atMost(_ r: Int) -> Double {
            var k = r, s = 0.0
            while k > 0 { s += tree[k]; k -= k & -k }
            return s
        }
        let byTime = (0 ..< n).sorted { times[$0] > times[$1] }
        var g = 0
        while g < n {
            var end = g
            while end + 1 < n && times[byTime[end + 1]] == times[byTime[g]] { end += 1 }
            let group = byTime[g ... end]
            // Censored rows at this time outlived the observed rows at the same time.
            for i in group where censored[i] { add(rank[i]) }
            for i in group where !censored[i] {
                let longer = inserted - atMost(rank[i])
                let equal = perRank[rank[i]]
                result.concordant += longer
                result.tied += equal
                result.comparable += inserted
            }
            for i in group where !censored[i] { add(rank[i]) }
            g = end + 1
        }
        return result
    }
}
