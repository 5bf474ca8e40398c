/// Hubs and authorities (Kleinberg 1999) by power iteration: authority = sum of the hub scores of
/// the pages linking in, hub = sum of the authority scores of the pages linked to, both weighted by
/// edge weight and normalised to sum 1 — the dominant singular vectors of the adjacency matrix, as
/// networkx.hits computes them. When the top singular value is shared (e.g. two identical
/// components), the answer is not unique; starting from uniform hubs gives the symmetric one.
///
///     let graph = PageGraph(nodeCount: 3, from: [0, 0], to: [1, 2])
///     HITS().fit(graph)   // hubs [1, 0, 0], authorities [0, 0.5, 0.5]
public struct HITS: Sendable {
    /// Stop when the L1 change of the hub vector between two iterations is below this.
    public var tolerance = 1e-10
    public var maxIterations = 1000
    public var weighted = true
    public var threads = min(2, onlineProcessorCount)

    public init() {}

    public struct Result: Sendable {
        public var hubs: [Double]
        public var authorities: [Double]
        public var iterations: Int
        public var converged: Bool
    }

    public func fit(_ graph: PageGraph) -> Result {
        let n = graph.nodeCount
        var hubs = [Double](repeating: n == 0 ? 0 : 1 / Double(n), count: n)
        var authorities = [Double](repeating: 0, count: n)
        guard n > 0, graph.edgeCount > 0 else {
            return Result(hubs: [Double](repeating: 0, count: n), authorities: authorities, iterations: 0, converged: true)
        }
        let inW = weighted ? graph.inWeights : nil
        let outW = weighted ? graph.outWeights : nil
        let inRanges = graph.balancedRanges(threads, offsets: graph.inOffsets)
        let outRanges = graph.balancedRanges(threads, offsets: graph.outOffsets)
        var next = [Double](repeating: 0, count: n)
        var iterations = 0
        var change = Double.infinity
        while iterations < maxIterations && !(change < tolerance) {
            iterations += 1
            Self.multiply(into: &authorities, from: hubs, ranges: inRanges, offsets: graph.inOffsets, neighbours: graph.inSources, weights: inW)
            Self.normalize(&authorities)
            Self.multiply(into: &next, from: authorities, ranges: outRanges, offsets: graph.outOffsets, neighbours: graph.outTargets, weights: outW)
            Self.normalize(&next)
            change = zip(next, hubs).reduce(0) { $0 + abs($1.0 - $1.1) }
            swap(&hubs, &next)
        }
        // Authorities from the final hubs, so the pair is consistent (h = A a, a = A^T h up to scale).
        Self.multiply(into: &authorities, from: hubs, ranges: inRanges, offsets: graph.inOffsets, neighbours: graph.inSources, weights: inW)
        Self.normalize(&authorities)
        return Result(hubs: hubs, authorities: authorities, iterations: iterations, converged: change < tolerance)
    }

    /// result[i] = sum over the row of i of weight * source[neighbour], rows split across threads.
    private static func multiply(into result: inout [Double], from source: [Double], ranges: [Range<Int>],
                                 offsets: [Int], neighbours: [Int32], weights: [Float]?) {
        source.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { result in
                parallelFor(ranges.count) { part in
                    for i in ranges[part] {
                        var sum = 0.0
                        if let weights {
                            for k in offsets[i] ..< offsets[i + 1] { sum += source[Int(neighbours[k])] * Double(weights[k]) }
                        } else {
                            for k in offsets[i] ..< offsets[i + 1] { sum += source[Int(neighbours[k])] }
                        }
                        result[i] = sum
                    }
                }
            }
        }
    }

    private static func normalize(_ v: inout [Double]) {
        let total = v.reduce(0, +)
        guard total > 0 else { return }
        for i in v.indices { v[i] /= total }
    }
}
