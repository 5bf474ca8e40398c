/// `--output` of `patterns` and `rules`.
public enum PatternOutputFormat: String, CaseIterable, Sendable {
    case tsv, jsonl, spmf
}

/// Writes patterns and rules with page names (TSV, JSON lines) or in SPMF's syntax.
public enum PatternWriter {
    public static let patternColumns: [(name: String, meaning: String)] = [
        ("pattern", "the pages in order, space-separated (spaces inside names as %20)"),
        ("support", "number of sequences (sessions) that contain the pattern, gaps allowed unless --max-gap"),
        ("relative_support", "support / number of sequences"),
        ("length", "number of pages"),
    ]

    public static let ruleColumns: [(name: String, meaning: String)] = [
        ("antecedent", "pages visited first, in order"),
        ("consequent", "the page visited next"),
        ("support", "sequences containing antecedent then consequent"),
        ("antecedent_support", "sequences containing the antecedent"),
        ("confidence", "support / antecedent_support"),
        ("lift", "confidence / share of sequences containing the consequent"),
    ]

    static func token(_ db: SequenceDatabase, _ item: Int32) -> String {
        let name = db.names[Int(item)]
        return name.contains(" ") ? name.replacingOccurrences(" ", "%20") : name
    }

    static func spmfNumber(_ db: SequenceDatabase, _ item: Int32) -> Int { db.spmfNumbers?[Int(item)] ?? Int(item) + 1 }

    /// Sorted by support (highest first), then by length, then by the items.
    public static func sorted(_ patterns: [SequentialPattern]) -> [SequentialPattern] {
        patterns.sorted { a, b in
            a.support != b.support ? a.support > b.support : a.items.count != b.items.count ? a.items.count < b.items.count : a.items.lexicographicallyPrecedes(b.items)
        }
    }

    public static func write(_ patterns: [SequentialPattern], db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        let n = Double(max(1, db.count))
        switch format {
        case .tsv:
            try out.write(patternColumns.map(\.name).joined(separator: "\t") + "\n")
            for p in sorted(patterns) {
                let pattern = tsvEscape(p.items.map { token(db, $0) }.joined(separator: " "))
                try out.write("\(pattern)\t\(p.support)\t\(String(format4: Double(p.support) / n))\t\(p.items.count)\n")
            }
        case .jsonl:
            for p in sorted(patterns) {
                let names = p.items.map { jsonQuote(db.names[Int($0)]) }.joined(separator: ",")
                try out.write("{\"pattern\":[\(names)],\"support\":\(p.support),\"relative_support\":\(String(format4: Double(p.support) / n)),\"length\":\(p.items.count)}\n")
            }
        case .spmf:
            try writeItemNames(db, to: out)
            for p in sorted(patterns) {
                try out.write(p.items.map { "\(spmfNumber(db, $0)) -1" }.joined(separator: " ") + " #SUP: \(p.support)\n")
            }
        }
        try out.commit()
    }

    public static func write(_ rules: [SequentialRule], db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        switch format {
        case .tsv:
            try out.write(ruleColumns.map(\.name).joined(separator: "\t") + "\n")
            for r in rules {
                let a = tsvEscape(r.antecedent.map { token(db, $0) }.joined(separator: " "))
                try out.write("\(a)\t\(tsvEscape(token(db, r.consequent)))\t\(r.support)\t\(r.antecedentSupport)\t\(String(format4: r.confidence))\t\(String(format4: r.lift))\n")
            }
        case .jsonl:
            for r in rules {
                let a = r.antecedent.map { jsonQuote(db.names[Int($0)]) }.joined(separator: ",")
                try out.write("{\"antecedent\":[\(a)],\"consequent\":\(jsonQuote(db.names[Int(r.consequent)])),\"support\":\(r.support),\"antecedent_support\":\(r.antecedentSupport),\"confidence\":\(String(format4: r.confidence)),\"lift\":\(String(format4: r.lift))}\n")
            }
        case .spmf:
            try writeItemNames(db, to: out)
            for r in rules {
                let a = r.antecedent.map { "\(spmfNumber(db, $0))" }.joined(separator: ",")
                try out.write("\(a) ==> \(spmfNumber(db, r.consequent)) #SUP: \(r.support) #CONF: \(String(format4: r.confidence))\n")
            }
        }
        try out.commit()
    }

    /// Names for SPMF numbers, when they are not just the numbers themselves.
    private static func writeItemNames(_ db: SequenceDatabase, to out: OutputStream) throws(OutputError) {
        guard db.spmfNumbers == nil || db.names.indices.contains(where: { db.names[$0] != String(spmfNumber(db, Int32($0))) }) else { return }
        try out.write("@CONVERTED_FROM_TEXT\n")
        for i in db.names.indices { try out.write("@ITEM=\(spmfNumber(db, Int32(i)))=\(db.names[i])\n") }
    }
}
