/// PageRank by power iteration (Page, Brin, Motwani & Winograd 1999), with the conventions of
/// networkx.pagerank: a node passes its score along its out-edges in proportion to their weights,
/// dangling nodes (no out-edges) spread theirs uniformly over all nodes, and the teleport share
/// (1 - damping) is uniform. Scores sum to 1.
///
///     let graph = PageGraph(nodeCount: 3, from: [0, 1, 2], to: [1, 2, 0])
///     PageRank().fit(graph).scores   // [1/3, 1/3, 1/3]
public struct PageRank: Sendable {
    public var damping = 0.85
    /// Stop when the L1 change between two iterations is below this.
    public var tolerance = 1e-10
    public var maxIterations = 1000
    /// false: every edge counts 1 whatever its weight.
    public var weighted = true
    public var threads = min(2, onlineProcessorCount)

    public init() {}

    public struct Result: Sendable {
        public var scores: [Double]
        public var iterations: Int
        public var converged: Bool
        /// L1 change of the last iteration.
        public var change: Double
    }

    public func fit(_ graph: PageGraph) -> Result {
        let n = graph.nodeCount
        guard n > 0 else { return Result(scores: [], iterations: 0, converged: true, change: 0) }
        let weights = weighted ? graph.inWeights : nil
        // 1 / out-weight per source: each iteration then needs one multiply per edge.
        var inverseOut = [Double](repeating: 0, count: n)
        for u in 0 ..< n {
            let total = weighted ? graph.outWeightSums[u] : Double(graph.outDegree(u))
            if total > 0 { inverseOut[u] = 1 / total }
        }
        var x = [Double](repeating: 1 / Double(n), count: n)
        var next = [Double](repeating: 0, count: n)
        var share = [Double](repeating: 0, count: n)
        let ranges = graph.balancedRanges(threads, offsets: graph.inOffsets)
        var iterations = 0
        var change = Double.infinity
        while iterations < maxIterations && !(change < tolerance) {
            iterations += 1
            var dangling = 0.0
            for u in 0 ..< n {
                share[u] = x[u] * inverseOut[u]
                if inverseOut[u] == 0 { dangling += x[u] }
            }
            let base = (1 - damping) / Double(n) + damping * dangling / Double(n)
            var partialChange = [Double](repeating: 0, count: ranges.count)
            share.withUnsafeBufferPointer { share in
                x.withUnsafeBufferPointer { x in
                    next.withUnsafeMutableBufferPointer { next in
                        partialChange.withUnsafeMutableBufferPointer { partial in
                            parallelFor(ranges.count) { part in
                                var local = 0.0
                                for v in ranges[part] {
                                    var sum = 0.0
                                    if let weights {
                                        for k in graph.inEdges(v) { sum += share[Int(graph.inSources[k])] * Double(weights[k]) }
                                    } else {
                                        for k in graph.inEdges(v) { sum += share[Int(graph.inSources[k])] }
                                    }
                                    let value = base + damping * sum
                                    local += abs(value - x[v])
                                    next[v] = value
                                }
                                partial[part] = local
                            }
                        }
                    }
                }
            }
            change = partialChange.reduce(0, +)
            swap(&x, &next)
        }
        let total = x.reduce(0, +)
        if total > 0 { for i in 0 ..< n { x[i] /= total } }
        return Result(scores: x, iterations: iterations, converged: change < tolerance, change: change)
    }
}
