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
        let lines = PatternLines(db: db, format: format)
        for p in sorted(patterns) { try lines.write(p.items, support: p.support, to: out) }
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

/// Pattern lines written with a cursor into one reused buffer: each item's text (TSV token, JSON
/// string or SPMF number) is made once, so a line costs no String (patterns can number millions).
final class PatternLines {
    private let format: PatternOutputFormat
    private let sequences: Double
    private let line = ByteBuffer(capacity: 4096)
    /// Item i's text is texts[starts[i] ..< starts[i + 1]].
    private var texts: [UInt8] = []
    private var starts: [Int] = [0]

    init(db: SequenceDatabase, format: PatternOutputFormat) {
        self.format = format
        sequences = Double(max(1, db.count))
        for i in 0 ..< db.itemCount {
            let item = Int32(i)
            // The same texts as the String writers (rules) make: tsvEscape per token equals escaping the joined line.
            switch format {
            case .tsv: texts += Array(tsvEscape(PatternWriter.token(db, item)).utf8)
            case .jsonl: texts += Array(jsonQuote(db.names[i]).utf8)
            case .spmf: texts += Array("\(PatternWriter.spmfNumber(db, item)) -1".utf8)
            }
            starts.append(texts.count)
        }
    }

    func write<C: Collection<Int32>>(_ items: C, support: Int, to out: OutputStream) throws(OutputError) {
        var bound = 96
        for item in items { bound += starts[Int(item) + 1] - starts[Int(item)] + 1 }
        let relative = Double(support) / sequences
        line.removeAll()
        texts.withUnsafeBufferPointer { texts in
            line.reserve(bound) { p in
                var c = ByteCursor(p)
                func putItems(separator: UInt8) {
                    var first = true
                    for item in items {
                        if !first { c.put(separator) }
                        first = false
                        c.put(UnsafeBufferPointer(rebasing: texts[starts[Int(item)] ..< starts[Int(item) + 1]]))
                    }
                }
                switch format {
                case .tsv:
                    putItems(separator: 32)
                    c.put(9)
                    c.putInt(Int64(support))
                    c.put(9)
                    c.putFixed4(relative)
                    c.put(9)
                    c.putInt(Int64(items.count))
                    c.put(10)
                case .jsonl:
                    c.put("{\"pattern\":[")
                    putItems(separator: 44)
                    c.put("],\"support\":")
                    c.putInt(Int64(support))
                    c.put(",\"relative_support\":")
                    c.putFixed4(relative)
                    c.put(",\"length\":")
                    c.putInt(Int64(items.count))
                    c.put("}\n")
                case .spmf:
                    putItems(separator: 32)
                    c.put(" #SUP: ")
                    c.putInt(Int64(support))
                    c.put(10)
                }
                return c.position
            }
        }
        try out.write(line.bytes)
    }
}
