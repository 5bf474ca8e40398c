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

    /// The order of pattern output: by support (highest first), then by length, then by the items.
    static func precedes<C: Collection<Int32>>(_ a: C, _ aSupport: Int, _ b: C, _ bSupport: Int) -> Bool {
        aSupport != bSupport ? aSupport > bSupport : a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
    }

    /// The order of rule output: by confidence (highest first), then by support, then by the pages.
    static func precedes<C: Collection<Int32>>(rule a: C, _ aSupport: Int, _ aAntecedentSupport: Int, _ b: C, _ bSupport: Int, _ bAntecedentSupport: Int) -> Bool {
        let ca = Double(aSupport) / Double(aAntecedentSupport), cb = Double(bSupport) / Double(bAntecedentSupport)
        return ca != cb ? ca > cb : aSupport != bSupport ? aSupport > bSupport : a.lexicographicallyPrecedes(b)
    }

    /// Sorted by support (highest first), then by length, then by the items.
    public static func sorted(_ patterns: [SequentialPattern]) -> [SequentialPattern] {
        patterns.sorted { precedes($0.items, $0.support, $1.items, $1.support) }
    }

    public static func write(_ patterns: [SequentialPattern], db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        try writePatternHeader(db: db, format: format, to: out)
        for p in sorted(patterns) { try writePattern(p.items, support: p.support, db: db, format: format, to: out) }
        try out.commit()
    }

    public static func write(_ rules: [SequentialRule], db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        try writeRuleHeader(db: db, format: format, to: out)
        for r in rules { try writeRule(r.antecedent, r.consequent, support: r.support, antecedentSupport: r.antecedentSupport, confidence: r.confidence, lift: r.lift, db: db, format: format, to: out) }
        try out.commit()
    }

    static func writePatternHeader(db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        switch format {
        case .tsv: try out.write(patternColumns.map(\.name).joined(separator: "\t") + "\n")
        case .jsonl: break
        case .spmf: try writeItemNames(db, to: out)
        }
    }

    static func writePattern<C: Collection<Int32>>(_ items: C, support: Int, db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        let n = Double(max(1, db.count))
        switch format {
        case .tsv:
            let pattern = tsvEscape(items.map { token(db, $0) }.joined(separator: " "))
            try out.write("\(pattern)\t\(support)\t\(String(format4: Double(support) / n))\t\(items.count)\n")
        case .jsonl:
            let names = items.map { jsonQuote(db.names[Int($0)]) }.joined(separator: ",")
            try out.write("{\"pattern\":[\(names)],\"support\":\(support),\"relative_support\":\(String(format4: Double(support) / n)),\"length\":\(items.count)}\n")
        case .spmf:
            try out.write(items.map { "\(spmfNumber(db, $0)) -1" }.joined(separator: " ") + " #SUP: \(support)\n")
        }
    }

    static func writeRuleHeader(db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        switch format {
        case .tsv: try out.write(ruleColumns.map(\.name).joined(separator: "\t") + "\n")
        case .jsonl: break
        case .spmf: try writeItemNames(db, to: out)
        }
    }

    static func writeRule<C: Collection<Int32>>(_ antecedent: C, _ consequent: Int32, support: Int, antecedentSupport: Int, confidence: Double, lift: Double,
                                                db: SequenceDatabase, format: PatternOutputFormat, to out: OutputStream) throws(OutputError) {
        switch format {
        case .tsv:
            let a = tsvEscape(antecedent.map { token(db, $0) }.joined(separator: " "))
            try out.write("\(a)\t\(tsvEscape(token(db, consequent)))\t\(support)\t\(antecedentSupport)\t\(String(format4: confidence))\t\(String(format4: lift))\n")
        case .jsonl:
            let a = antecedent.map { jsonQuote(db.names[Int($0)]) }.joined(separator: ",")
            try out.write("{\"antecedent\":[\(a)],\"consequent\":\(jsonQuote(db.names[Int(consequent)])),\"support\":\(support),\"antecedent_support\":\(antecedentSupport),\"confidence\":\(String(format4: confidence)),\"lift\":\(String(format4: lift))}\n")
        case .spmf:
            let a = antecedent.map { "\(spmfNumber(db, $0))" }.joined(separator: ",")
            try out.write("\(a) ==> \(spmfNumber(db, consequent)) #SUP: \(support) #CONF: \(String(format4: confidence))\n")
        }
    }

    /// Names for SPMF numbers, when they are not just the numbers themselves.
    private static func writeItemNames(_ db: SequenceDatabase, to out: OutputStream) throws(OutputError) {
        guard db.spmfNumbers == nil || db.names.indices.contains(where: { db.names[$0] != String(spmfNumber(db, Int32($0))) }) else { return }
        try out.write("@CONVERTED_FROM_TEXT\n")
        for i in db.names.indices { try out.write("@ITEM=\(spmfNumber(db, Int32(i)))=\(db.names[i])\n") }
    }
}
