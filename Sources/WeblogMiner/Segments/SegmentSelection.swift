import Foundation

/// How many clusters: every candidate K is fitted and the best by the criterion is kept.
///
/// - `heldOut` (default): the sequences are split at random (seeded) into a training part and a
///   held-out part (`heldOutShare`, 20%); each K is fitted on the training part and scored by the
///   log-likelihood of the held-out part per page view (natural log; the end of each session counts
///   in the likelihood, not as a view). The largest score wins, except that a smaller K within
///   `tolerance` nats per view of it is preferred (fewer, larger segments for a difference nobody
///   could see). The chosen K is then fitted again on all sequences.
/// - `bic`: each K is fitted on all sequences and scored by BIC = -2 log L + p ln N (N sequences,
///   p = `MarkovMixture.parameterCount`); the smallest wins. With many pages p is large (K S^2), so
///   BIC chooses few clusters: prefer held-out likelihood when pages are many.
public enum SegmentCriterion: String, Sendable, CaseIterable {
    case heldOut = "held-out"
    case bic
}

public struct SegmentSelection: Sendable {
    public struct Candidate: Sendable {
        public var clusters: Int
        /// Log-likelihood per page view of the data each K was fitted on.
        public var trainPerView: Double
        /// Log-likelihood per page view of the held-out sequences (nil under BIC).
        public var heldOutPerView: Double?
        public var bic: Double?
        public var parameters: Int
        public var iterations: Int
    }

    public var criterion: SegmentCriterion
    public var candidates: [Candidate]
    public var chosen: Int
    /// The model fitted with the chosen K on all sequences.
    public var fit: MarkovMixture.Fit
    public var model: MarkovMixture { fit.model }

    public struct Options: Sendable {
        public var candidates = Array(1 ... 10)
        public var criterion = SegmentCriterion.heldOut
        public var heldOutShare = 0.2
        /// Nats per page view within which a smaller K is preferred (held-out criterion).
        public var tolerance = 0.001
        public var fitting = MarkovMixture.Options()
        public init() {}
    }

    /// The held-out split: indices of the training and held-out sequences (seeded shuffle).
    public static func split(count: Int, heldOutShare: Double, seed: UInt64) -> (train: [Int], heldOut: [Int]) {
        var order = Array(0 ..< count)
        var rng = SeededGenerator(seed: seed ^ 0x5EED_5E95)
        rng.shuffle(&order)
        let h = Int((Double(count) * heldOutShare).rounded())
        return (order.dropFirst(h).sorted(), order.prefix(h).sorted())
    }

    /// Fits every candidate and keeps the best. With a single candidate nothing is compared: it is
    /// fitted on all sequences (and, under held-out, still scored on the split for the report).
    /// `sample`: the sequences to fit on (all when nil); the model still describes all of them.
    public static func select(_ data: SegmentSequences, options: Options = Options(), sample: [Int]? = nil,
                              progress: ((Candidate) -> Void)? = nil) -> SegmentSelection {
        let candidates = Array(Set(options.candidates.filter { $0 >= 1 })).sorted()
        precondition(!candidates.isEmpty)
        let pool = sample ?? Array(0 ..< data.count)
        let all = WeightedSequences(data, indices: pool)
        let S = max(1, data.states)
        var scored: [Candidate] = []
        var fits: [Int: MarkovMixture.Fit] = [:]
        switch options.criterion {
        case .heldOut:
            let (trainIdx, testIdx) = split(count: pool.count, heldOutShare: options.heldOutShare, seed: options.fitting.seed)
            let train = WeightedSequences(data, indices: trainIdx.map { pool[$0] })
            let test = WeightedSequences(data, indices: testIdx.map { pool[$0] })
            for k in candidates {
                let f = MarkovMixture.fit(train, states: S, clusters: k, options: options.fitting)
                let c = Candidate(clusters: k, trainPerView: f.logLikelihood / max(1, train.views),
                                  heldOutPerView: test.views > 0 ? f.model.logLikelihood(test) / test.views : nil,
                                  bic: nil, parameters: f.model.parameterCount, iterations: f.iterations)
                scored.append(c)
                progress?(c)
            }
            let best = scored.compactMap(\.heldOutPerView).max()
            let chosen = best.flatMap { b in scored.first { ($0.heldOutPerView ?? -.infinity) >= b - options.tolerance }?.clusters } ?? candidates[0]
            let fit = MarkovMixture.fit(all, states: S, clusters: chosen, options: options.fitting)
            return SegmentSelection(criterion: .heldOut, candidates: scored, chosen: chosen, fit: fit)
        case .bic:
            for k in candidates {
                let f = MarkovMixture.fit(all, states: S, clusters: k, options: options.fitting)
                let bic = -2 * f.logLikelihood + Double(f.model.parameterCount) * log(max(1, all.total))
                let c = Candidate(clusters: k, trainPerView: f.logLikelihood / max(1, all.views), heldOutPerView: nil, bic: bic,
                                  parameters: f.model.parameterCount, iterations: f.iterations)
                scored.append(c)
                fits[k] = f
                progress?(c)
            }
            let chosen = scored.min { $0.bic! < $1.bic! }!.clusters
            return SegmentSelection(criterion: .bic, candidates: scored, chosen: chosen, fit: fits[chosen]!)
        }
    }
}
