/// Strongly connected components (Tarjan 1972), iterative so a long chain of pages cannot overflow
/// the stack. Components are numbered 1, 2, ... by size, largest first (ties: smallest node id first).
///
///     let graph = PageGraph(nodeCount: 4, from: [0, 1, 2], to: [1, 0, 3])
///     StronglyConnectedComponents.fit(graph).component   // [1, 1, 2, 3]
public enum StronglyConnectedComponents {
    public struct Result: Sendable {
        /// Component number of each node.
        public var component: [Int]
        public var sizes: [Int]
        public var count: Int { sizes.count }
    }

    public static func fit(_ graph: PageGraph) -> Result {
        let n = graph.nodeCount
        var index = [Int](repeating: -1, count: n)
        var lowLink = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = []
        var raw = [Int](repeating: -1, count: n)
        var rawCount = 0
        var nextIndex = 0
        // Explicit call stack: (node, next out-edge position).
        var calls: [(node: Int, edge: Int)] = []
        for root in 0 ..< n where index[root] < 0 {
            calls.append((root, graph.outOffsets[root]))
            index[root] = nextIndex
            lowLink[root] = nextIndex
            nextIndex += 1
            stack.append(root)
            onStack[root] = true
            while let (u, edge) = calls.last {
                if edge < graph.outOffsets[u + 1] {
                    calls[calls.count - 1].edge += 1
                    let v = Int(graph.outTargets[edge])
                    if index[v] < 0 {
                        index[v] = nextIndex
                        lowLink[v] = nextIndex
                        nextIndex += 1
                        stack.append(v)
                        onStack[v] = true
                        calls.append((v, graph.outOffsets[v]))
                    } else if onStack[v] {
                        lowLink[u] = min(lowLink[u], index[v])
                    }
                    continue
                }
                calls.removeLast()
                if let parent = calls.last { lowLink[parent.node] = min(lowLink[parent.node], lowLink[u]) }
                if lowLink[u] == index[u] {
                    while let w = stack.popLast() {
                        onStack[w] = false
                        raw[w] = rawCount
                        if w == u { break }
                    }
                    rawCount += 1
                }
            }
        }
        // Renumber by size (largest first), then by smallest member.
        var sizes = [Int](repeating: 0, count: rawCount)
        var smallest = [Int](repeating: Int.max, count: rawCount)
        for v in 0 ..< n {
            sizes[raw[v]] += 1
            smallest[raw[v]] = min(smallest[raw[v]], v)
        }
        let order = (0 ..< rawCount).sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : smallest[$0] < smallest[$1] }
        var number = [Int](repeating: 0, count: rawCount)
        for (k, c) in order.enumerated() { number[c] = k + 1 }
        return Result(component: raw.map { number[$0] }, sizes: order.map { sizes[$0] })
    }
}
