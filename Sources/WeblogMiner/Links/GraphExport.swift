/// Writes the top pages of a ranked graph (by PageRank) and the edges among them as Graphviz DOT or
/// GraphML, for Graphviz and Gephi users; the cut keeps big sites readable.
public enum GraphExport {
    public enum Format: String, Sendable { case dot, graphml }

    public static func write(_ analysis: LinkAnalysis, top: Int, format: Format, to out: OutputStream) throws(OutputError) {
        let graph = analysis.graph
        let n = graph.nodeCount
        let chosen = (0 ..< n).sorted { analysis.pageRank[$0] != analysis.pageRank[$1] ? analysis.pageRank[$0] > analysis.pageRank[$1] : analysis.names[$0] < analysis.names[$1] }.prefix(top)
        var keep = [Bool](repeating: false, count: n)
        for v in chosen { keep[v] = true }
        let ordered = chosen.sorted()
        switch format {
        case .dot:
            try out.write("digraph pages {\n  node [shape=box, style=filled, fillcolor=\"#dbe9f6\"];\n")
            for v in ordered {
                try out.write("  n\(v) [label=\(dotQuote(analysis.names[v])), pagerank=\(analysis.pageRank[v])];\n")
            }
            for u in ordered {
                for k in graph.outEdges(u) where keep[Int(graph.outTargets[k])] {
                    try out.write("  n\(u) -> n\(graph.outTargets[k]) [weight=\(FieldValue.real(graph.weight(at: k)).rendered)];\n")
                }
            }
            try out.write("}\n")
        case .graphml:
            try out.write("""
                <?xml version="1.0" encoding="UTF-8"?>
                <graphml xmlns="http://graphml.graphdrawing.org/xmlns">
                  <key id="page" for="node" attr.name="page" attr.type="string"/>
                  <key id="pagerank" for="node" attr.name="pagerank" attr.type="double"/>
                  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>
                  <graph id="pages" edgedefault="directed">

                """)
            for v in ordered {
                try out.write("    <node id=\"n\(v)\"><data key=\"page\">\(xmlEscape(analysis.names[v]))</data><data key=\"pagerank\">\(analysis.pageRank[v])</data></node>\n")
            }
            for u in ordered {
                for k in graph.outEdges(u) where keep[Int(graph.outTargets[k])] {
                    try out.write("    <edge source=\"n\(u)\" target=\"n\(graph.outTargets[k])\"><data key=\"weight\">\(FieldValue.real(graph.weight(at: k)).rendered)</data></edge>\n")
                }
            }
            try out.write("  </graph>\n</graphml>\n")
        }
    }

    static func dotQuote(_ s: String) -> String {
        "\"" + s.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"").replacingOccurrences("\n", "\\n") + "\""
    }

    /// Text for XML content and attributes; control characters XML 1.0 forbids become U+FFFD.
    public static func xmlEscape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
