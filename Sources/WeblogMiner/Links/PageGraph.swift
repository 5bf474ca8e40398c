/// A directed, weighted graph over page ids `0 ..< nodeCount` in compressed sparse rows, both ways:
/// out-edges (for hubs, degrees, reachability, components) and in-edges (PageRank and authorities pull
/// from them, so each node is written by one thread only). Parallel edges are merged (weights added);
/// self-loops (page reloads) are kept. Unweighted graphs store no weights at all.
public struct PageGraph: Sendable {
    public let nodeCount: Int
    public let outOffsets: [Int]
    public let outTargets: [Int32]
    public let inOffsets: [Int]
    public let inSources: [Int32]
    /// Edge weights in out-edge order and in in-edge order; nil when every weight is 1. Single
    /// precision halves the memory of big weighted graphs; counts are exact up to 2^24 and the
    /// sums and scores are kept in double precision.
    public let outWeights: [Float]?
    public let inWeights: [Float]?
    /// Sum of the weights leaving each node (0: dangling).
    public let outWeightSums: [Double]

    public var edgeCount: Int { outTargets.count }

    /// Builds the graph from parallel arrays of edges (`weights` nil: every edge counts 1; repeated
    /// edges still add up unless `unweighted`, which turns every distinct edge into weight 1).
    public init(nodeCount: Int, from: [Int32], to: [Int32], weights: [Double]? = nil, unweighted: Bool = false) {
        self.init(nodeCount: nodeCount, edges: EdgeBuffer(from: from, to: to, weights: weights), unweighted: unweighted)
    }

    /// Edges on their way into a graph. The graph empties the buffer as soon as the edges are sorted
    /// into rows, which keeps the peak memory of a 10M-edge graph near its final size.
    public final class EdgeBuffer {
        public var from: [Int32]
        public var to: [Int32]
        public var weights: [Double]?
        public init(from: [Int32] = [], to: [Int32] = [], weights: [Double]? = nil) {
            self.from = from
            self.to = to
            self.weights = weights
        }
    }

    public init(nodeCount: Int, edges: EdgeBuffer, unweighted: Bool = false) {
        precondition(edges.from.count == edges.to.count && (edges.weights == nil || edges.weights!.count == edges.from.count))
        self.nodeCount = nodeCount
        // Counting sort by source, then each row sorted by target and merged.
        var offsets = [Int](repeating: 0, count: nodeCount + 1)
        for f in edges.from { offsets[Int(f) + 1] += 1 }
        for i in 0 ..< nodeCount { offsets[i + 1] += offsets[i] }
        var cursor = offsets
        let edgeCount = edges.from.count
        var targets = [Int32](repeating: 0, count: edgeCount)
        // Weights are held only when given (an unweighted 10M-edge graph saves 160 MB).
        var rowWeights = edges.weights == nil ? [] : [Double](repeating: 1, count: edgeCount)
        edges.from.withUnsafeBufferPointer { from in
            edges.to.withUnsafeBufferPointer { to in
                for e in 0 ..< edgeCount {
                    let f = Int(from[e])
                    targets[cursor[f]] = to[e]
                    if let weights = edges.weights { rowWeights[cursor[f]] = weights[e] }
                    cursor[f] += 1
                }
            }
        }
        edges.from = []
        edges.to = []
        edges.weights = nil
        cursor = []
        // glibc keeps the freed edge arrays in its heap; hand them back so the rows built next do
        // not stack on top of them (a 10M-edge graph peaked 130 MB higher without this).
        ProcessSetup.returnFreedMemory()
        var outOffsets = [Int](repeating: 0, count: nodeCount + 1)
        var outTargets: [Int32] = []
        outTargets.reserveCapacity(targets.count)
        var outW: [Float] = []
        var sums = [Double](repeating: 0, count: nodeCount)
        var allOne = true
        var row: [(Int32, Double)] = []
        for u in 0 ..< nodeCount {
            let range = offsets[u] ..< offsets[u + 1]
            if !range.isEmpty {
                row.removeAll(keepingCapacity: true)
                for k in range { row.append((targets[k], rowWeights.isEmpty ? 1 : rowWeights[k])) }
                row.sort { $0.0 < $1.0 }
                var k = 0
                while k < row.count {
                    let v = row[k].0
                    var w = 0.0
                    while k < row.count && row[k].0 == v {
                        w += row[k].1
                        k += 1
                    }
                    if unweighted { w = 1 }
                    if w != 1 && allOne {
                        allOne = false
                        outW = [Float](repeating: 1, count: outTargets.count)
                        outW.reserveCapacity(targets.count)
                    }
                    outTargets.append(v)
                    if !allOne { outW.append(Float(w)) }
                    sums[u] += w
                }
            }
            outOffsets[u + 1] = outTargets.count
        }
        targets = []
        rowWeights = []
        // In-edges: another counting sort; rows come out sorted by source as sources are visited in order.
        var inOffsets = [Int](repeating: 0, count: nodeCount + 1)
        for v in outTargets { inOffsets[Int(v) + 1] += 1 }
        for i in 0 ..< nodeCount { inOffsets[i + 1] += inOffsets[i] }
        var inCursor = inOffsets
        var inSources = [Int32](repeating: 0, count: outTargets.count)
        var inW = allOne ? [] : [Float](repeating: 0, count: outTargets.count)
        for u in 0 ..< nodeCount {
            for k in outOffsets[u] ..< outOffsets[u + 1] {
                let v = Int(outTargets[k])
                inSources[inCursor[v]] = Int32(u)
                if !allOne { inW[inCursor[v]] = outW[k] }
                inCursor[v] += 1
            }
        }
        self.outOffsets = outOffsets
        self.outTargets = outTargets
        self.inOffsets = inOffsets
        self.inSources = inSources
        outWeights = allOne ? nil : outW
        inWeights = allOne ? nil : inW
        outWeightSums = sums
    }

    @inline(__always) public func outEdges(_ u: Int) -> Range<Int> { outOffsets[u] ..< outOffsets[u + 1] }
    @inline(__always) public func inEdges(_ v: Int) -> Range<Int> { inOffsets[v] ..< inOffsets[v + 1] }
    public func outDegree(_ u: Int) -> Int { outOffsets[u + 1] - outOffsets[u] }
    public func inDegree(_ v: Int) -> Int { inOffsets[v + 1] - inOffsets[v] }

    public func hasEdge(_ u: Int32, _ v: Int32) -> Bool {
        var lo = outOffsets[Int(u)], hi = outOffsets[Int(u) + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if outTargets[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < outOffsets[Int(u) + 1] && outTargets[lo] == v
    }

    public func weight(at outIndex: Int) -> Double { outWeights.map { Double($0[outIndex]) } ?? 1 }

    /// Nodes reachable from `start` along out-edges (breadth-first).
    public func reachable(from start: Int) -> [Bool] {
        var seen = [Bool](repeating: false, count: nodeCount)
        guard start >= 0 && start < nodeCount else { return seen }
        var queue = [start]
        seen[start] = true
        var head = 0
        while head < queue.count {
            let u = queue[head]
            head += 1
            for k in outEdges(u) where !seen[Int(outTargets[k])] {
                seen[Int(outTargets[k])] = true
                queue.append(Int(outTargets[k]))
            }
        }
        return seen
    }

    /// Splits `0 ..< nodeCount` into `parts` contiguous ranges of about equal edge work (plus one
    /// unit per node) by the given row offsets, so each thread of an iteration does a similar share.
    func balancedRanges(_ parts: Int, offsets: [Int]) -> [Range<Int>] {
        guard parts > 1, nodeCount > 0 else { return [0 ..< nodeCount] }
        let total = offsets[nodeCount] + nodeCount
        var ranges: [Range<Int>] = []
        var start = 0
        for p in 1 ... parts {
            let goal = total * p / parts
            var end = start
            if p == parts {
                end = nodeCount
            } else {
                while end < nodeCount && offsets[end] + end < goal { end += 1 }
            }
            ranges.append(start ..< end)
            start = end
        }
        return ranges
    }
}
