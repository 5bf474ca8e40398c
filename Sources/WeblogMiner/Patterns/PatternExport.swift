/// Mining straight to sorted files: patterns and rules from one search, in `PatternWriter`'s order
/// (patterns by support, rules by confidence), through external sorts, so memory does not depend on
/// how many patterns there are. A rule <x1..xn> => y comes from the pattern <x1..xn, y> and the
/// support of its prefix, which the search hands over with it.
public struct PatternExport {
    public var format: PatternOutputFormat = .tsv
    /// Patterns to write (nil: none).
    public var patterns: OutputStream? = nil
    /// Rules to write (nil: none), with their minimum confidence.
    public var rules: OutputStream? = nil
    public var minConfidence = 0.5
    /// Only patterns (and rules whose pattern, antecedent then consequent) this accepts.
    public var keep: ([Int32]) -> Bool = { _ in true }
    /// Memory for each sort before it spills to temporary files.
    public var sortBufferBytes = 48 << 20
    /// false: write each pattern as it is found (the search's order, which varies between runs with
    /// several threads): output starts at once and needs no temporary space.
    public var sorted = true
    /// A progress line on stderr while mining (`MiningProgress`; for a terminal).
    public var showProgress = false

    public struct Result: Sendable {
        public var patterns = 0
        public var rules = 0
        public var mining: MiningOutcome
    }

    public init() {}

    /// Mines `db` and writes (and commits) the outputs.
    public func run(db: SequenceDatabase, options: PatternOptions) throws(OutputError) -> Result {
        let miner = PrefixSpan(database: db, options: options)
        let itemSupport = rules == nil ? [] : miner.itemSupport()
        // Pattern records: support, items. Rule records: support, antecedent support, items.
        let patternSort = ExternalSorter(bufferBytes: sortBufferBytes) { a, b in PatternWriter.precedes(a[1...], Int(a[0]), b[1...], Int(b[0])) }
        let ruleSort = ExternalSorter(bufferBytes: sortBufferBytes) { a, b in
            PatternWriter.precedes(rule: a[2...], Int(a[0]), Int(a[1]), b[2...], Int(b[0]), Int(b[1]))
        }
        let n = Double(db.count)
        func writeRule(_ items: Slice<ExternalSorter.Record>, support: Int, antecedentSupport: Int, to out: OutputStream) throws(OutputError) {
            let consequent = items.last!
            let confidence = Double(support) / Double(antecedentSupport)
            let lift = confidence / (Double(itemSupport[Int(consequent)]) / n)
            try PatternWriter.writeRule(items.dropLast(), consequent, support: support, antecedentSupport: antecedentSupport, confidence: confidence, lift: lift,
                                        db: db, format: format, to: out)
        }
        let patternLines = PatternLines(db: db, format: format)
        if let out = patterns { try PatternWriter.writePatternHeader(db: db, format: format, to: out) }
        if let out = rules { try PatternWriter.writeRuleHeader(db: db, format: format, to: out) }
        var failure: OutputError? = nil
        var written = (patterns: 0, rules: 0)
        let progress = showProgress ? MiningProgress() : nil
        let outcome = miner.mine { batch in
            progress?.add(batch.count)
            do throws(OutputError) {
                for f in batch where keep(f.pattern.items) {
                    let p = f.pattern
                    if let out = patterns {
                        if sorted {
                            try patternSort.add { w in
                                w.append(Int32(p.support))
                                w.append(contentsOf: p.items)
                            }
                        } else {
                            try patternLines.write(p.items, support: p.support, to: out)
                            written.patterns += 1
                        }
                    }
                    if let out = rules, p.items.count >= 2 && Double(p.support) / Double(f.prefixSupport) >= minConfidence {
                        let record = [Int32(p.support), Int32(f.prefixSupport)] + p.items
                        if sorted {
                            try ruleSort.add { $0.append(contentsOf: record) }
                        } else {
                            try record.withUnsafeBufferPointer { (r) throws(OutputError) in try writeRule(r[2...], support: p.support, antecedentSupport: f.prefixSupport, to: out) }
                            written.rules += 1
                        }
                    }
                }
                return true
            } catch {
                failure = error
                return false
            }
        }
        progress?.finish()
        if let failure { throw failure }
        if let out = patterns {
            try patternSort.finish { r throws(OutputError) in try patternLines.write(r[1...], support: Int(r[0]), to: out) }
            try out.commit()
        }
        if let out = rules {
            try ruleSort.finish { r throws(OutputError) in try writeRule(r[2...], support: Int(r[0]), antecedentSupport: Int(r[1]), to: out) }
            try out.commit()
        }
        return Result(patterns: patternSort.count + written.patterns, rules: ruleSort.count + written.rules, mining: outcome)
    }
}
