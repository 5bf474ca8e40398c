/// Next-page rules from frequent patterns: for P = <x1 ... xn, y> with n >= 1, the rule
/// <x1 ... xn> => y says "after visiting x1..xn in this order (with the same gap rule as the
/// patterns), the visitor goes on to y". confidence = sup(P) / sup(<x1..xn>), lift = confidence /
/// (sup(<y>) / N). The antecedent is ordered and the consequent is the next page: what next-page
/// recommendation needs (SPMF's RuleGrowth mines unordered antecedent and consequent sets instead).
public struct SequentialRule: Sendable, Hashable {
    public var antecedent: [Int32]
    public var consequent: Int32
    public var support: Int
    public var antecedentSupport: Int
    public var confidence: Double
    public var lift: Double
}

public enum SequentialRules {
    /// Rules from a complete set of frequent patterns over `sequences` sequences.
    public static func rules(from patterns: [SequentialPattern], sequences: Int, minConfidence: Double) -> [SequentialRule] {
        var support: [[Int32]: Int] = [:]
        for p in patterns { support[p.items] = p.support }
        var result: [SequentialRule] = []
        for p in patterns where p.items.count >= 2 {
            let antecedent = Array(p.items.dropLast())
            let consequent = p.items.last!
            guard let a = support[antecedent], let c = support[[consequent]], a > 0 else { continue }
            let confidence = Double(p.support) / Double(a)
            guard confidence >= minConfidence else { continue }
            let lift = confidence / (Double(c) / Double(sequences))
            result.append(SequentialRule(antecedent: antecedent, consequent: consequent, support: p.support, antecedentSupport: a, confidence: confidence, lift: lift))
        }
        result.sort { PatternWriter.precedes(rule: $0.antecedent + [$0.consequent], $0.support, $0.antecedentSupport, $1.antecedent + [$1.consequent], $1.support, $1.antecedentSupport) }
        return result
    }
}

/// Exact support of given candidate patterns (the counting half of two-phase SON mining on partitions).
public enum SupportCounter {
    /// Candidates from text: one per line, pages space-separated (our TSV's first column) or SPMF
    /// `1 -1 2 -1 #SUP: n`. Candidates naming a page this input lacks cannot occur: they are skipped.
    public static func candidates(from text: String, db: SequenceDatabase) -> [[Int32]] {
        var byName: [String: Int32] = [:]
        for (i, name) in db.names.enumerated() { byName[name] = Int32(i) }
        if let numbers = db.spmfNumbers { for (i, n) in numbers.enumerated() { byName[String(n)] = Int32(i) } }
        var result: [[Int32]] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("@") && !line.hasPrefix("pattern\t") {
            let text = line.split(separator: "#").first.map(String.init) ?? ""
            let firstColumn = text.split(separator: "\t").first.map(String.init) ?? ""
            let tokens = firstColumn.split(separator: " ").map(String.init).filter { $0 != "-1" && $0 != "-2" && !$0.isEmpty }
            let ids = tokens.map { byName[$0.replacingOccurrences("%20", " ")] ?? -1 }
            if !ids.isEmpty && !ids.contains(-1) { result.append(ids) }
        }
        return result
    }

    public static func count(_ candidates: [[Int32]], in db: SequenceDatabase, maxGap: Int?) -> [Int] {
        candidates.map { candidate in
            var n = 0
            for s in 0 ..< db.count where contains(db.sequence(s), candidate, maxGap: maxGap) { n += 1 }
            return n
        }
    }

    /// Whether `pattern` occurs in `sequence` with consecutive items at most `maxGap` apart.
    public static func contains(_ sequence: ArraySlice<Int32>, _ pattern: [Int32], maxGap: Int?) -> Bool {
        guard let first = pattern.first else { return true }
        guard let gap = maxGap else {
            var k = 0
            for item in sequence where item == pattern[k] {
                k += 1
                if k == pattern.count { return true }
            }
            return false
        }
        // Bounded gaps: try every start; extend depth-first over allowed positions.
        let s = Array(sequence)
        func extend(_ at: Int, _ k: Int) -> Bool {
            if k == pattern.count { return true }
            var j = at + 1
            while j < s.count && j <= at + gap {
                if s[j] == pattern[k] && extend(j, k + 1) { return true }
                j += 1
            }
            return false
        }
        for (i, item) in s.enumerated() where item == first {
            if extend(i, 1) { return true }
        }
        return false
    }
}
