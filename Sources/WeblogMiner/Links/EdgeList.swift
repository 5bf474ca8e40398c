/// Reads a graph given as lines `from<TAB>to[<TAB>weight]` (any extra columns ignored; `#` comments
/// and a header row starting `from<TAB>to` skipped). Repeated edges add their weights; a missing
/// weight counts 1. Streams the file: memory holds the names and the edges, not the text.
public enum EdgeList {
    public struct Result {
        public var graph: PageGraph
        public var names: [String]
        public var lines = 0
        /// Lines without two fields or with a weight that is not a number >= 0.
        public var malformed = 0
        public var firstMalformed: (line: Int, text: String)? = nil
        public var outcome = InputOutcome.complete
    }

    public static func read(_ input: InputSpec, unweighted: Bool = false) throws -> Result {
        var interner = ByteStringInterner(capacity: 1 << 16)
        var from: [Int32] = [], to: [Int32] = [], weights: [Double] = []
        var anyWeight = false
        var lines = 0, malformed = 0
        var firstMalformed: (Int, String)? = nil
        let outcome = try Decompressor.forEachLine(input) { line, number in
            lines = number
            guard let base = line.baseAddress, line.count > 0, line[0] != UInt8(ascii: "#") else { return }
            var tabs: [Int] = []
            for i in 0 ..< line.count where line[i] == 9 {
                tabs.append(i)
                if tabs.count == 3 { break }
            }
            let fieldEnd = { (k: Int) in k < tabs.count ? tabs[k] : line.count }
            guard tabs.count >= 1, tabs[0] > 0, fieldEnd(1) > tabs[0] + 1 else {
                malformed += 1
                if firstMalformed == nil { firstMalformed = (number, String(decoding: line.prefix(200), as: UTF8.self)) }
                return
            }
            if number == 1 && tabs[0] == 4 && line.prefix(5).elementsEqual("from\t".utf8) { return }
            var weight = 1.0
            if tabs.count >= 2 {
                let text = String(decoding: UnsafeBufferPointer(rebasing: line[(tabs[1] + 1) ..< fieldEnd(2)]), as: UTF8.self)
                guard let w = Double(text), w >= 0, w.isFinite else {
                    malformed += 1
                    if firstMalformed == nil { firstMalformed = (number, String(decoding: line.prefix(200), as: UTF8.self)) }
                    return
                }
                weight = w
                if w != 1 { anyWeight = true }
            }
            from.append(interner.intern(base, tabs[0]))
            to.append(interner.intern(base + tabs[0] + 1, fieldEnd(1) - tabs[0] - 1))
            if anyWeight && weights.count < from.count - 1 { weights = [Double](repeating: 1, count: from.count - 1) }
            if anyWeight { weights.append(weight) }
        }
        let graph = PageGraph(nodeCount: interner.count, from: from, to: to, weights: anyWeight ? weights : nil, unweighted: unweighted)
        let names = (0 ..< interner.count).map { String(decoding: interner.bytes(of: Int32($0)), as: UTF8.self) }
        var result = Result(graph: graph, names: names, lines: lines, malformed: malformed, outcome: outcome)
        result.firstMalformed = firstMalformed.map { (line: $0.0, text: $0.1) }
        return result
    }
}
