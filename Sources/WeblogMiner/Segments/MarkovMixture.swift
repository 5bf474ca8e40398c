import Foundation

/// A mixture of first-order Markov chains over page sequences, fitted by EM, as Cadez, Heckerman,
/// Meek, Smyth & White ("Model-based clustering and visualization of navigation patterns on a web
/// site", Data Mining and Knowledge Discovery 7, 2003) did on MSNBC's page categories.
///
/// Cluster k has a weight pi_k, an initial-page distribution init_k(s) and a transition matrix
/// T_k(s, t) over the S states plus an end state (the session ends after s), so that
///
///     p(x | k) = init_k(x_1) * T_k(x_1, x_2) * ... * T_k(x_n, end)
///     p(x)     = sum_k pi_k p(x | k)
///
/// is a proper distribution over sequences of any length and likelihoods of sequences of different
/// lengths compare. Estimates are MAP under symmetric Dirichlet priors: every initial and transition
/// cell gets `smoothing` pseudo-counts (Laplace when 1; the default 0.1 suits sparse rows over up to
/// 200 pages), each weight one. EM maximises the log posterior, which never decreases from one
/// iteration to the next (`Fit.objectives`).
///
/// Everything is in log space; the E-step uses log-sum-exp per sequence, so long sessions cannot
/// underflow. It runs over distinct sequences with their counts (`WeightedSequences`), cut into a
/// fixed number of chunks summed in a fixed order: results do not depend on the number of threads.
///
/// Restarts: `restarts` seeded starts (K sequences drawn k-means++ style, `seededStart`), each run
/// for `warmupIterations`; the best by log posterior is run to convergence (short-run EM starts,
/// Biernacki, Celeux & Govaert 2003): most of the benefit of several starts at a fraction of the cost.
public struct MarkovMixture: Sendable {
    public let clusters: Int
    public let states: Int
    /// log pi_k.
    public private(set) var logWeights: [Double]
    /// log init_k(s) at s * K + k.
    public private(set) var logInitial: [Double]
    /// log T_k(s, t) at (s * (S + 1) + t) * K + k; t == S is the end state.
    public private(set) var logTransitions: [Double]

    public var endState: Int { states }

    public struct Options: Sendable {
        public var smoothing = 0.1
        public var restarts = 5
        public var warmupIterations = 10
        public var maxIterations = 300
        /// Stop when an iteration raises the log posterior by less than this share of its size.
        public var tolerance = 1e-6
        public var seed: UInt64 = 1
        public init() {}
    }

    public struct Fit: Sendable {
        public var model: MarkovMixture
        /// Log-likelihood of the fitting data under `model`.
        public var logLikelihood: Double
        /// Log posterior (log-likelihood + log prior) after each iteration of the chosen start.
        public var objectives: [Double]
        public var iterations: Int { objectives.count }
        /// Which start won (0-based).
        public var start: Int
    }

    /// A model from probabilities: weights[k], initial[k][s], transitions[k][s][t] with t == S the end.
    /// Rows are normalised; zeros become -infinity in log space.
    public init(weights: [Double], initial: [[Double]], transitions: [[[Double]]]) {
        clusters = weights.count
        states = initial.first?.count ?? 0
        precondition(clusters > 0 && initial.count == clusters && transitions.count == clusters)
        let K = clusters, S = states, E = states + 1
        let wsum = weights.reduce(0, +)
        logWeights = weights.map { log($0 / wsum) }
        logInitial = [Double](repeating: 0, count: S * K)
        logTransitions = [Double](repeating: 0, count: S * E * K)
        for k in 0 ..< K {
            precondition(initial[k].count == S && transitions[k].count == S)
            let isum = initial[k].reduce(0, +)
            for s in 0 ..< S {
                logInitial[s * K + k] = log(initial[k][s] / isum)
                precondition(transitions[k][s].count == E)
                let rsum = transitions[k][s].reduce(0, +)
                for t in 0 ..< E { logTransitions[(s * E + t) * K + k] = log(transitions[k][s][t] / rsum) }
            }
        }
    }

    private init(clusters: Int, states: Int) {
        self.clusters = clusters
        self.states = states
        logWeights = [Double](repeating: 0, count: clusters)
        logInitial = [Double](repeating: 0, count: states * clusters)
        logTransitions = [Double](repeating: 0, count: states * (states + 1) * clusters)
    }

    public func weight(_ k: Int) -> Double { exp(logWeights[k]) }
    public func initial(_ k: Int, _ s: Int) -> Double { exp(logInitial[s * clusters + k]) }
    /// T_k(from, to); `to == states` is the end of the session.
    public func transition(_ k: Int, from s: Int, to t: Int) -> Double { exp(logTransitions[(s * (states + 1) + t) * clusters + k]) }

    /// Free parameters: K - 1 weights, K (S - 1) initial, K S S transitions (S + 1 outcomes per row).
    public var parameterCount: Int { (clusters - 1) + clusters * (states - 1) + clusters * states * states }

    /// log pi_k + log p(x | k) for every cluster, into `out` (K values). `x` must not be empty.
    public func jointLogLikelihoods(_ x: ArraySlice<Int32>, into out: inout [Double]) {
        let K = clusters, E = states + 1
        logWeights.withUnsafeBufferPointer { lw in
            logInitial.withUnsafeBufferPointer { li in
                logTransitions.withUnsafeBufferPointer { lt in
                    out.withUnsafeMutableBufferPointer { o in
                        Self.joint(x, K: K, E: E, lw: lw, li: li, lt: lt, out: o)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func joint(_ x: ArraySlice<Int32>, K: Int, E: Int, lw: UnsafeBufferPointer<Double>, li: UnsafeBufferPointer<Double>,
                              lt: UnsafeBufferPointer<Double>, out: UnsafeMutableBufferPointer<Double>) {
        var prev = Int(x[x.startIndex])
        let ib = prev * K
        for k in 0 ..< K { out[k] = lw[k] + li[ib + k] }
        for i in x.indices.dropFirst() {
            let cur = Int(x[i])
            let b = (prev * E + cur) * K
            for k in 0 ..< K { out[k] += lt[b + k] }
            prev = cur
        }
        let b = (prev * E + E - 1) * K
        for k in 0 ..< K { out[k] += lt[b + k] }
    }

    /// log p(x) (0 for an empty sequence).
    public func logLikelihood(_ x: ArraySlice<Int32>) -> Double {
        guard !x.isEmpty else { return 0 }
        var j = [Double](repeating: 0, count: clusters)
        jointLogLikelihoods(x, into: &j)
        return logSumExp(j)
    }

    /// p(k | x) for every cluster (the weights for an empty sequence).
    public func posterior(_ x: ArraySlice<Int32>) -> [Double] {
        guard !x.isEmpty else { return logWeights.map { exp($0) } }
        var j = [Double](repeating: 0, count: clusters)
        jointLogLikelihoods(x, into: &j)
        let m = logSumExp(j)
        return j.map { exp($0 - m) }
    }

    /// Total weighted log-likelihood of the data.
    public func logLikelihood(_ data: WeightedSequences) -> Double {
        var total = 0.0
        var j = [Double](repeating: 0, count: clusters)
        for i in 0 ..< data.count {
            jointLogLikelihoods(data.sequence(i), into: &j)
            total += data.weights[i] * logSumExp(j)
        }
        return total
    }

    /// log prior of the parameters under the Dirichlet priors (up to a constant).
    func logPrior(smoothing: Double) -> Double {
        var p = logWeights.reduce(0, +)
        if smoothing > 0 { p += smoothing * (logInitial.reduce(0, +) + logTransitions.reduce(0, +)) }
        return p
    }

    // MARK: Fitting

    /// Expected counts: weights, initial and transition cells in the model's layout.
    struct Counts {
        var weights: [Double]
        var initial: [Double]
        var transitions: [Double]
        init(clusters K: Int, states S: Int) {
            weights = [Double](repeating: 0, count: K)
            initial = [Double](repeating: 0, count: S * K)
            transitions = [Double](repeating: 0, count: S * (S + 1) * K)
        }
    }

    /// The MAP model given expected counts.
    static func maximise(_ c: Counts, clusters K: Int, states S: Int, smoothing alpha: Double) -> MarkovMixture {
        var m = MarkovMixture(clusters: K, states: S)
        let E = S + 1
        let n = c.weights.reduce(0, +)
        for k in 0 ..< K { m.logWeights[k] = log((c.weights[k] + 1) / (n + Double(K))) }
        var rowSum = [Double](repeating: 0, count: K)
        for k in 0 ..< K { rowSum[k] = 0 }
        for s in 0 ..< S { for k in 0 ..< K { rowSum[k] += c.initial[s * K + k] } }
        for s in 0 ..< S { for k in 0 ..< K { m.logInitial[s * K + k] = log((c.initial[s * K + k] + alpha) / (rowSum[k] + Double(S) * alpha)) } }
        let logAlpha = log(alpha)
        c.transitions.withUnsafeBufferPointer { ct in
            m.logTransitions.withUnsafeMutableBufferPointer { lt in
                for s in 0 ..< S {
                    for k in 0 ..< K { rowSum[k] = 0 }
                    for t in 0 ..< E { for k in 0 ..< K { rowSum[k] += ct[(s * E + t) * K + k] } }
                    for k in 0 ..< K { rowSum[k] = log(rowSum[k] + Double(E) * alpha) }
                    for t in 0 ..< E {
                        let b = (s * E + t) * K
                        // Most cells of a large matrix have no count: no log for those.
                        for k in 0 ..< K { lt[b + k] = (ct[b + k] == 0 ? logAlpha : log(ct[b + k] + alpha)) - rowSum[k] }
                    }
                }
            }
        }
        // A cell with no count and no smoothing is log 0 = -inf: allowed (a zero probability), but a
        // row with no count at all would be 0/0; give it a uniform row instead.
        if alpha == 0 {
            for i in m.logInitial.indices where m.logInitial[i].isNaN { m.logInitial[i] = -log(Double(S)) }
            for i in m.logTransitions.indices where m.logTransitions[i].isNaN { m.logTransitions[i] = -log(Double(E)) }
        }
        return m
    }

    /// Chunks of the data for the parallel E-step: fixed by the data's size, not the machine.
    static func chunks(_ n: Int) -> [Range<Int>] {
        let c = max(1, min(4, n / 500))
        return (0 ..< c).map { i in (i * n / c) ..< ((i + 1) * n / c) }
    }

    /// Doubles of scratch space `expectedCounts` needs (one set of counts per chunk).
    static func workspaceSize(_ data: WeightedSequences, clusters K: Int, states S: Int) -> Int {
        (K + S * K + S * (S + 1) * K) * chunks(data.count).count
    }

    /// One E-step: expected counts under this model, and the data's log-likelihood under it.
    /// `workspace` (at least `workspaceSize` doubles), when given, is reused instead of allocating
    /// (a 200-page model's counts are megabytes: fresh pages every iteration cost more than the sums).
    func expectedCounts(_ data: WeightedSequences, workspace: UnsafeMutableBufferPointer<Double>? = nil) -> (Counts, Double) {
        let K = clusters, S = states, E = S + 1
        let parts = Self.chunks(data.count)
        let partSize = K + S * K + S * E * K
        let owned = workspace == nil
        let buffer = workspace.map { UnsafeMutableBufferPointer(rebasing: $0[0 ..< partSize * parts.count]) }
            ?? UnsafeMutableBufferPointer<Double>.allocate(capacity: partSize * parts.count)
        buffer.initialize(repeating: 0)
        defer { if owned { buffer.deallocate() } }
        var logLik = [Double](repeating: 0, count: parts.count)
        logLik.withUnsafeMutableBufferPointer { ll in
            logWeights.withUnsafeBufferPointer { lw in
                logInitial.withUnsafeBufferPointer { li in
                    logTransitions.withUnsafeBufferPointer { lt in
                        parallelFor(parts.count) { p in
                            let base = buffer.baseAddress! + p * partSize
                            let cw = base, ci = base + K, ctr = base + K + S * K
                            let j = UnsafeMutableBufferPointer<Double>.allocate(capacity: K)
                            defer { j.deallocate() }
                            var total = 0.0
                            for i in parts[p] {
                                let x = data.sequence(i)
                                let w = data.weights[i]
                                Self.joint(x, K: K, E: E, lw: lw, li: li, lt: lt, out: j)
                                var m = -Double.infinity
                                for k in 0 ..< K { m = max(m, j[k]) }
                                var sum = 0.0
                                for k in 0 ..< K { j[k] = exp(j[k] - m); sum += j[k] }
                                total += w * (m + log(sum))
                                let scale = w / sum
                                for k in 0 ..< K { j[k] *= scale; cw[k] += j[k] }
                                var prev = Int(x[x.startIndex])
                                for k in 0 ..< K { ci[prev * K + k] += j[k] }
                                for idx in x.indices.dropFirst() {
                                    let cur = Int(x[idx])
                                    let b = (prev * E + cur) * K
                                    for k in 0 ..< K { ctr[b + k] += j[k] }
                                    prev = cur
                                }
                                let b = (prev * E + E - 1) * K
                                for k in 0 ..< K { ctr[b + k] += j[k] }
                            }
                            ll[p] = total
                        }
                    }
                }
            }
        }
        var counts = Counts(clusters: K, states: S)
        for p in 0 ..< parts.count {
            let base = p * partSize
            for k in 0 ..< K { counts.weights[k] += buffer[base + k] }
            for i in 0 ..< S * K { counts.initial[i] += buffer[base + K + i] }
            counts.transitions.withUnsafeMutableBufferPointer { t in
                for i in 0 ..< S * E * K { t[i] += buffer[base + K + S * K + i] }
            }
        }
        return (counts, logLik.reduce(0, +))
    }

    /// A seeded start, as k-means++ (Arthur & Vassilvitskii 2007) seeds k-means: K distinct sequences
    /// are drawn, the first in proportion to its count, each next one in proportion to count x D^2,
    /// D being the sequence's smallest negative log-likelihood per step under the chains of the seeds
    /// drawn so far (each seed's own counts, smoothed); cluster k starts as the chain of seed k.
    /// Random assignments of sequences to clusters (the textbook start) give K near-identical
    /// clusters, from which EM often lets one cluster take everything.
    static func seededStart(_ data: WeightedSequences, clusters K: Int, states S: Int, smoothing: Double, rng: inout SeededGenerator) -> MarkovMixture {
        func draw(_ w: [Double]) -> Int {
            let total = w.reduce(0, +)
            guard total > 0 else { return rng.nextInt(below: w.count) }
            var u = rng.nextDouble() * total
            for (i, v) in w.enumerated() {
                u -= v
                if u < 0 { return i }
            }
            return w.lastIndex { $0 > 0 } ?? 0
        }
        func counts(of seeds: [Int], clusters: Int) -> Counts {
            var c = Counts(clusters: clusters, states: S)
            let E = S + 1
            for (k, i) in seeds.enumerated() {
                let x = data.sequence(i)
                c.weights[k] += 1
                var prev = Int(x[x.startIndex])
                c.initial[prev * clusters + k] += 1
                for idx in x.indices.dropFirst() {
                    let cur = Int(x[idx])
                    c.transitions[(prev * E + cur) * clusters + k] += 1
                    prev = cur
                }
                c.transitions[(prev * E + E - 1) * clusters + k] += 1
            }
            return c
        }
        var seeds = [draw(data.weights)]
        var distance = [Double](repeating: .infinity, count: data.count)
        while seeds.count < K {
            let chain = maximise(counts(of: [seeds.last!], clusters: 1), clusters: 1, states: S, smoothing: smoothing)
            for i in 0 ..< data.count {
                let x = data.sequence(i)
                distance[i] = min(distance[i], -chain.logLikelihood(x) / Double(x.count + 1))
            }
            var w = (0 ..< data.count).map { data.weights[$0] * distance[$0] * distance[$0] }
            for s in seeds { w[s] = 0 }
            seeds.append(draw(w))
        }
        return maximise(counts(of: seeds, clusters: K), clusters: K, states: S, smoothing: smoothing)
    }

    /// Fits K clusters over S states (every item of `data` must be below S).
    public static func fit(_ data: WeightedSequences, states S: Int, clusters K: Int, options: Options = Options()) -> Fit {
        precondition(K >= 1 && S >= 1)
        let alpha = options.smoothing
        var rng = SeededGenerator(seed: options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(K))
        let starts = K == 1 ? 1 : max(1, options.restarts)
        var best: (model: MarkovMixture, objectives: [Double], start: Int)? = nil
        for start in 0 ..< starts {
            var model = seededStart(data, clusters: K, states: S, smoothing: alpha, rng: &rng)
            var objectives: [Double] = []
            let warmup = starts == 1 ? options.maxIterations : min(options.warmupIterations, options.maxIterations)
            _ = iterate(&model, data, smoothing: alpha, iterations: warmup, tolerance: options.tolerance, objectives: &objectives)
            if best == nil || (objectives.last ?? -.infinity) > (best!.objectives.last ?? -.infinity) {
                best = (model, objectives, start)
            }
        }
        var (model, objectives, start) = best!
        if starts > 1 {
            _ = iterate(&model, data, smoothing: alpha, iterations: options.maxIterations - objectives.count, tolerance: options.tolerance, objectives: &objectives)
        }
        return Fit(model: model, logLikelihood: model.logLikelihood(data), objectives: objectives, start: start)
    }

    /// EM iterations until converged or `iterations` done; appends the log posterior of each model
    /// it measures (the E-step measures it). On convergence `model` is the last one measured;
    /// otherwise it is one M-step further. Returns whether it converged.
    @discardableResult
    static func iterate(_ model: inout MarkovMixture, _ data: WeightedSequences, smoothing: Double, iterations: Int, tolerance: Double, objectives: inout [Double]) -> Bool {
        guard iterations > 0 else { return false }
        let workspace = UnsafeMutableBufferPointer<Double>.allocate(capacity: workspaceSize(data, clusters: model.clusters, states: model.states))
        defer { workspace.deallocate() }
        for _ in 0 ..< iterations {
            let (counts, logLik) = model.expectedCounts(data, workspace: workspace)
            let objective = logLik + model.logPrior(smoothing: smoothing)
            let previous = objectives.last
            objectives.append(objective)
            if let previous, objective - previous <= tolerance * abs(objective) { return true }
            model = maximise(counts, clusters: model.clusters, states: model.states, smoothing: smoothing)
        }
        return false
    }
}

/// log(sum(exp(v))) without overflow or underflow.
func logSumExp(_ v: [Double]) -> Double {
    guard let m = v.max(), m > -.infinity else { return -.infinity }
    if m == .infinity { return .infinity }
    var s = 0.0
    for x in v { s += exp(x - m) }
    return m + log(s)
}
