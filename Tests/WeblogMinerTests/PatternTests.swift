import Foundation
import Testing
@testable import WeblogMiner

/// The five-session example of the patterns issue (pages A..D), minimum support 2 sessions; the
/// expected sets were produced by an independent implementation (SPMF) and are written out here.
@Suite struct PatternTests {
    static let db = SequenceDatabase(sequences: ["A B C D", "A B D", "B C D", "A C B D", "A A B"].map { $0.split(separator: " ").map(String.init) })

    static func mine(gap: Int? = nil, maxLength: Int? = nil, topK: Int? = nil, minSupport: Int = 2, threads: Int = 2) -> [String: Int] {
        var options = PatternOptions()
        options.minSupport = minSupport
        options.maxGap = gap
        options.maxLength = maxLength
        options.topK = topK
        options.threads = threads
        return render(PrefixSpan(database: db, options: options).mine())
    }

    static func render(_ patterns: [SequentialPattern]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: patterns.map { ($0.items.map { db.names[Int($0)] }.joined(), $0.support) })
    }

    static let all = ["A": 4, "B": 5, "C": 3, "D": 4, "AB": 4, "AC": 2, "AD": 3, "BC": 2, "BD": 4, "CD": 3, "ABD": 3, "ACD": 2, "BCD": 2]

    @Test func allPatterns() {
        #expect(Self.mine() == Self.all)
        #expect(Self.mine(threads: 1) == Self.all)
        #expect(Self.mine(minSupport: 1)["AA"] == 1)  // a session counts once: <A,A> has support 1
    }

    @Test func contiguousAndMaxGap() {
        #expect(Self.mine(gap: 1) == ["A": 4, "B": 5, "C": 3, "D": 4, "AB": 3, "BC": 2, "BD": 2, "CD": 2, "BCD": 2])
        var withoutAD = Self.all
        withoutAD["AD"] = nil
        #expect(Self.mine(gap: 2) == withoutAD)
    }

    @Test func closedAndMaximal() {
        var options = PatternOptions()
        options.minSupport = 2
        let patterns = PrefixSpan(database: Self.db, options: options).mine()
        #expect(Self.render(ClosedMaximal.closed(patterns)) == ["B": 5, "AB": 4, "BD": 4, "CD": 3, "ABD": 3, "ACD": 2, "BCD": 2])
        #expect(Self.render(ClosedMaximal.maximal(patterns)) == ["ABD": 3, "ACD": 2, "BCD": 2])
    }

    @Test func maxLengthAndTopK() {
        #expect(Self.mine(maxLength: 1) == ["A": 4, "B": 5, "C": 3, "D": 4])
        // Top 3 by support: B 5, then the four patterns with 4 (ties at the cut are kept).
        #expect(Self.mine(topK: 3) == ["B": 5, "A": 4, "D": 4, "AB": 4, "BD": 4])
    }

    @Test func minimumSupportAsShare() {
        #expect(PatternOptions.absoluteSupport("40%", sequences: 5) == 2)
        #expect(PatternOptions.absoluteSupport("5%", sequences: 31_790) == 1590)  // ceil(1589.5)
        #expect(PatternOptions.absoluteSupport("0.2%", sequences: 59_601) == 120)
        #expect(PatternOptions.absoluteSupport("12", sequences: 5) == 12)
        #expect(PatternOptions.absoluteSupport("lots", sequences: 5) == nil)
    }

    @Test func rulesByHand() {
        var options = PatternOptions()
        options.minSupport = 2
        let patterns = PrefixSpan(database: Self.db, options: options).mine()
        let rules = SequentialRules.rules(from: patterns, sequences: 5, minConfidence: 0.6)
        func name(_ r: SequentialRule) -> String { r.antecedent.map { Self.db.names[Int($0)] }.joined() + "=>" + Self.db.names[Int(r.consequent)] }
        let byName = Dictionary(uniqueKeysWithValues: rules.map { (name($0), $0) })
        // <A> => B: sup(AB) 4 / sup(A) 4 = 1.0; lift = 1.0 / (5/5) = 1.0.
        #expect(byName["A=>B"]?.confidence == 1.0 && byName["A=>B"]?.lift == 1.0)
        // <B> => D: 4/5 = 0.8; lift 0.8 / (4/5) = 1.0. <AB> => D: 3/4 = 0.75, lift 0.75/0.8.
        #expect(byName["B=>D"]?.confidence == 0.8)
        #expect(byName["AB=>D"]?.confidence == 0.75 && abs(byName["AB=>D"]!.lift - 0.9375) < 1e-12)
        // <A> => C: 2/4 = 0.5 is below 0.6.
        #expect(byName["A=>C"] == nil)
        #expect(rules.allSatisfy { $0.confidence >= 0.6 })
    }

    @Test func candidateCountingMatchesMining() {
        let candidates = SupportCounter.candidates(from: "A B D\nB C D\nA D\nZ A\n", db: Self.db)
        #expect(candidates.count == 3)  // Z is no page of this input
        #expect(SupportCounter.count(candidates, in: Self.db, maxGap: nil) == [3, 2, 3])
        // Contiguous: only session 2 has A B D adjacent; no session has A right before D.
        #expect(SupportCounter.count(candidates, in: Self.db, maxGap: 1) == [1, 2, 0])
        // One skipped step allowed: A B D in sessions 1, 2 and 4 (A C B D); A D only in A B D.
        #expect(SupportCounter.count(candidates, in: Self.db, maxGap: 2) == [3, 2, 1])
    }

    @Test func maximalForwardReferences() {
        let db = SequenceDatabase(sequences: [["A", "B", "C", "B", "D"], ["A", "B", "A", "C"], ["X"]])
        let split = MaximalForwardReferences.split(db)
        let paths = (0 ..< split.count).map { split.sequence($0).map { split.names[Int($0)] }.joined() }
        #expect(paths == ["ABC", "ABD", "AB", "AC", "X"])
    }

    @Test func readersForEveryInputShape() throws {
        let spmf = try SequenceDatabase.read("@CONVERTED_FROM_TEXT\n@ITEM=7=/home\n@ITEM=9=/cart\n# comment\n7 -1 9 -1 -2\n9 -1 -2\n")
        #expect(spmf.count == 2 && spmf.names == ["/home", "/cart"] && spmf.spmfNumbers == [7, 9])
        let seq = try SequenceDatabase.read("/a /b\n/b\n")
        #expect(seq.count == 2 && seq.names == ["/a", "/b"])
        let tsv = try SequenceDatabase.read("session_id\tvisitor\tpages\n1\tv\t/a /my%20page\n")
        #expect(tsv.names == ["/a", "/my page"])
        let jsonl = try SequenceDatabase.read(#"{"session_id":1,"pages":["/a","/b \"x\""],"dwell_s":[1,null]}"# + "\n")
        #expect(jsonl.names == ["/a", #"/b "x""#])
        #expect(throws: SequenceDatabase.ReadError.self) { try SequenceDatabase.read("1 2 -1 -2\n", format: .spmf) }
    }

    /// The byte reader of plain SPMF gives what the line reader gives, and leaves the rest to it.
    @Test func spmfByteReaderAgreesWithTheLineReader() throws {
        let texts = [
            "@CONVERTED_FROM_TEXT\n@ITEM=7=/home page\n@ITEM=9=\n@ITEM==x\n# c\n% c\n7 -1 9 -1 -2\n9 -1 -2\n",
            "1 -1 2 -1 -2\r\n\r\n3  -1 1 -1 -2\r\n   \n12 -1 -2",
            "5 -1 -2\n5 -1 5 -1 6 -1 -2\n",
        ]
        for text in texts {
            for detect in [true, false] {
                let fast = try #require(SequenceDatabase.plainSPMF(text, detect: detect))
                let lines = try SequenceDatabase.readByLines(text, format: detect ? .auto : .spmf, source: "t")
                #expect(fast.items == lines.items && fast.offsets == lines.offsets && fast.names == lines.names && fast.spmfNumbers == lines.spmfNumbers)
            }
        }
        // Not plain SPMF (several items in an itemset, a word, a sessions table, a first line without -2): the line reader decides.
        for text in ["1 2 -1 -2\n", "1 -1 x -1 -2\n", "session_id\tpages\n1\t1 -1 -2\n", "/a /b\n1 -1 -2\n", "1 -1 +2 -1 -2\n"] {
            #expect(SequenceDatabase.plainSPMF(text, detect: true) == nil)
        }
    }

    @Test func sessionsToPatternsThroughPipes() throws {
        let sample = Paths.fixture("access/apache-combined-2000.log.gz")
        let piped = try Tool.shell("$WM parse -q '\(sample)' | $WM sessions -q - | $WM patterns - --min-support 2 --max-gap 1")
        let direct = try Tool.shell("$WM sessions -q --output seq '\(sample)' | $WM patterns - --min-support 2 --max-gap 1")
        #expect(piped.status == 0 && piped.out == direct.out)
        #expect(piped.out.hasPrefix("pattern\tsupport\trelative_support\tlength\n/\t"))
    }

    /// A log given to `patterns` or `rules` is sessionized first: its words mined as items never
    /// ended on this 2,000-line log. Sequences, SPMF and sessions output are not taken for logs.
    @Test func aLogGivenToPatternsIsSessionizedFirst() throws {
        let sample = Paths.fixture("access/apache-combined-2000.log.gz")
        let direct = try Tool.shell("$WM patterns '\(sample)' --min-support 2")
        let piped = try Tool.shell("$WM sessions -q '\(sample)' | $WM patterns - --min-support 2")
        #expect(direct.status == 0 && direct.out == piped.out && direct.out.contains("/projects/xdotool/"), "\(direct.err)")
        #expect(direct.err.contains("a combined log, not sequences: mining the page sequences of its sessions"), "\(direct.err)")
        let rules = try Tool.shell("$WM rules '\(sample)' --min-support 2")
        let pipedRules = try Tool.shell("$WM sessions -q '\(sample)' | $WM rules - --min-support 2")
        #expect(rules.status == 0 && rules.out == pipedRules.out, "\(rules.err)")
        let dir = TemporaryDirectory()
        let inputs = [
            dir.write("seq.txt", "/a /b /c\n/a /c\n"),
            dir.write("spmf.txt", "1 -1 2 -1 -2\n2 -1 -2\n"),
            dir.write("tabs.txt", "/a\t/b\n/b\t/c\n"),
        ]
        for input in inputs { #expect(LogSniffer.logFormat(of: InputSpec(input)) == nil, "\(input)") }
        _ = try Tool.shell("$WM sessions -q '\(sample)' -o '\(dir.path)/s.tsv'")
        _ = try Tool.shell("$WM sessions -q --output jsonl '\(sample)' -o '\(dir.path)/s.jsonl'")
        #expect(LogSniffer.logFormat(of: InputSpec(dir.path + "/s.tsv")) == nil)
        #expect(LogSniffer.logFormat(of: InputSpec(dir.path + "/s.jsonl")) == nil)
        #expect(LogSniffer.logFormat(of: InputSpec(sample)) == "combined")
        // Standard input cannot be read twice: a log there is refused with the pipe to use.
        let piped2 = try Tool.shell("gzip -dc '\(sample)' | $WM patterns -")
        #expect(piped2.status == 65 && piped2.err.contains("standard input is a combined log, not sequences"), "\(piped2.err)")
    }
}
