/// Reads a graph given as lines `from<TAB>to[<TAB>weight]` (any extra columns ignored; `#` comments
/// and a header row starting `from<TAB>to` skipped); a line with one field names a page without
/// edges (an isolated node, e.g. a page viewed only in one-page sessions). Repeated edges add their
/// weights; a missing weight counts 1. Streams the file: memory holds the names and the edges, not the text.
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

    /// Sums edge counts from several parts: lines `from<TAB>to<TAB>count` (a header row is skipped;
    /// with a `kind` column, as `links --table edges` writes, only transitions count) and keeps the
    /// single-field lines (isolated pages). Returns `from<TAB>to<TAB>count` lines, sorted, then the pages.
    public static func mergeCounts(_ texts: [String]) -> String {
        var counts: [String: Double] = [:]
        var nodes = Set<String>()
        for text in texts {
            var kindColumn: Int? = nil
            for (k, line) in text.split(separator: "\n").enumerated() {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false)
                if k == 0 && f.first == "from" {
                    kindColumn = f.firstIndex(of: "kind")
                    continue
                }
                if f.count == 1 {
                    nodes.insert(String(f[0]))
                    continue
                }
                if let kc = kindColumn, kc < f.count, f[kc] != "transition" { continue }
                counts[String(f[0]) + "\t" + String(f[1]), default: 0] += f.count >= 3 ? Double(f[2]) ?? 1 : 1
            }
        }
        var out = "from\tto\tcount\n"
        for key in counts.keys.sorted() { out += key + "\t" + FieldValue.real(counts[key]!).rendered + "\n" }
        for n in nodes.sorted() { out += n + "\n" }
        return out
    }

    public static func read(_ input: InputSpec, unweighted: Bool = false) throws -> Result {
        var interner = ByteStringInterner(capacity: 1 << 16)
        let edges = PageGraph.EdgeBuffer()
        var weights: [Double] = []
        var anyWeight = false
        var lines = 0, malformed = 0
        var firstMalformed: (Int, String)? = nil
        let outcome = try Decompressor.forEachLine(input) { line, number in
            lines = number
            guard let base = line.baseAddress, line.count > 0, line[0] != UInt8(ascii: "#") else { return }
            // The first three tab positions (no per-line allocation: files have ten million lines).
            var tab0 = -1, tab1 = -1, tab2 = -1
            if let p = memchr(base, 9, line.count) {
                tab0 = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if let q = memchr(base + tab0 + 1, 9, line.count - tab0 - 1) {
                    tab1 = base.distance(to: q.assumingMemoryBound(to: UInt8.self))
                    if let r = memchr(base + tab1 + 1, 9, line.count - tab1 - 1) { tab2 = base.distance(to: r.assumingMemoryBound(to: UInt8.self)) }
                }
            }
            if tab0 < 0 {
                _ = interner.intern(base, line.count)
                return
            }
            let toEnd = tab1 >= 0 ? tab1 : line.count
            guard tab0 > 0, toEnd > tab0 + 1 else {
                malformed += 1
                if firstMalformed == nil { firstMalformed = (number, String(decoding: line.prefix(200), as: UTF8.self)) }
                return
            }
            if number == 1 && tab0 == 4 && line.prefix(5).elementsEqual("from\t".utf8) { return }
            var weight = 1.0
            if tab1 >= 0 {
                let text = String(decoding: UnsafeBufferPointer(rebasing: line[(tab1 + 1) ..< (tab2 >= 0 ? tab2 : line.count)]), as: UTF8.self)
                guard let w = Double(text), w >= 0, w.isFinite else {
                    malformed += 1
                    if firstMalformed == nil { firstMalformed = (number, String(decoding: line.prefix(200), as: UTF8.self)) }
                    return
                }
                weight = w
                if w != 1 { anyWeight = true }
            }
            edges.from.append(interner.intern(base, tab0))
            edges.to.append(interner.intern(base + tab0 + 1, toEnd - tab0 - 1))
            if anyWeight && weights.count < edges.from.count - 1 { weights = [Double](repeating: 1, count: edges.from.count - 1) }
            if anyWeight { weights.append(weight) }
        }
        if anyWeight {
            edges.weights = weights
            weights = []
        }
        let graph = PageGraph(nodeCount: interner.count, edges: edges, unweighted: unweighted)
        let names = (0 ..< interner.count).map { String(decoding: interner.bytes(of: Int32($0)), as: UTF8.self) }
        var result = Result(graph: graph, names: names, lines: lines, malformed: malformed, outcome: outcome)
        result.firstMalformed = firstMalformed.map { (line: $0.0, text: $0.1) }
        return result
    }
}
