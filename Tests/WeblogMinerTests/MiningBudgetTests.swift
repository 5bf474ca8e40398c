import Foundation
import Testing
@testable import WeblogMiner

/// Mining that cannot explode: patterns stream to a sink as they are found, a cap raises the support
/// during the search (exactly: the lowest support that keeps at most the cap), `run` has a default
/// budget, the sorted output goes through an external sort, and a support of 0 is refused.
@Suite(.serialized) struct MiningBudgetTests {
    /// 10 sessions, session i visits pages 0 ... 8+i in order: every subsequence of a session is a
    /// pattern, with the support given by its highest page; 2^18 patterns at support 1.
    static let growing = SequenceDatabase(sequences: (0 ..< 10).map { i in (0 ... 8 + i).map { "/p\($0)" } })

    static func mine(_ db: SequenceDatabase, minSupport: Int, maxPatterns: Int? = nil, maxLength: Int? = nil) -> ([SequentialPattern], MiningOutcome) {
        var options = PatternOptions()
        options.minSupport = minSupport
        options.maxPatterns = maxPatterns
        options.maxLength = maxLength
        var found: [SequentialPattern] = []
        let outcome = PrefixSpan(database: db, options: options).mine { batch in
            found.append(contentsOf: batch.map(\.pattern))
            return true
        }
        return (found, outcome)
    }

    @Test func capRaisesTheSupportToTheLowestThatKeepsAtMostTheCap() {
        let (kept, outcome) = Self.mine(Self.growing, minSupport: 1, maxPatterns: 1000)
        #expect(outcome.capped)
        #expect(kept.count <= 1000 && kept.count == outcome.delivered)
        #expect(outcome.requestedSupport == 1 && outcome.usedSupport > 1)
        // Exactly the patterns at the raised support (an uncapped search there gives the same set) ...
        let (exact, plain) = Self.mine(Self.growing, minSupport: outcome.usedSupport)
        #expect(!plain.capped && plain.usedSupport == outcome.usedSupport)
        #expect(Set(exact) == Set(kept))
        // ... and one support lower there would be too many.
        let (_, lower) = Self.mine(Self.growing, minSupport: outcome.usedSupport - 1, maxPatterns: 1000)
        #expect(lower.capped)
        #expect(outcome.capNote(1000, option: "--max-patterns") == "patterns: more than 1,000 at support 1; kept \(HTMLReport.grouped(kept.count)) at support \(outcome.usedSupport) (--max-patterns 1,000)")
        // Under the cap nothing changes and no note is due.
        let (all, small) = Self.mine(Self.growing, minSupport: 10, maxPatterns: 1000)
        #expect(!small.capped && small.usedSupport == 10 && all.count == 511)
        #expect(small.capNote(1000, option: "--max-patterns") == nil)
    }

    @Test func capWithTiesAtTheTopKeepsNothingRatherThanMoreThanTheCap() {
        // One sequence of 12 distinct pages, twice: 4095 patterns, all with support 2.
        let db = SequenceDatabase(sequences: [[String]](repeating: (0 ..< 12).map { "/q\($0)" }, count: 2))
        let (kept, outcome) = Self.mine(db, minSupport: 1, maxPatterns: 100)
        #expect(kept.isEmpty && outcome.capped && outcome.usedSupport == 3)
    }

    @Test func patternsReachTheSinkWhileTheSearchIsStillRunning() {
        // 2^20 - 1 patterns; the sink stops the search at its first batch.
        let db = SequenceDatabase(sequences: [[String]](repeating: (0 ..< 20).map { "/r\($0)" }, count: 2))
        var options = PatternOptions()
        options.minSupport = 1
        var miner = PrefixSpan(database: db, options: options)
        miner.batchSize = 100
        var calls = 0, received = 0
        let outcome = miner.mine { batch in
            calls += 1
            received += batch.count
            return false
        }
        #expect(calls == 1)
        #expect(received > 0 && received <= 100)
        #expect(outcome.stopped && outcome.delivered == received)
    }

    @Test func externalSortSpillsAndMergesInRounds() throws {
        // A buffer of 1024 words: about 200 sorted runs, so the merge takes two rounds (64 at a time).
        var rng = SeededGenerator(seed: 7)
        let records = (0 ..< 40_000).map { _ in (0 ..< Int(rng.next() % 6)).map { _ in Int32(rng.next() % 50) } }
        let sorter = ExternalSorter(bufferBytes: 4096) { a, b in a.lexicographicallyPrecedes(b) }
        for r in records { try sorter.add { $0.append(contentsOf: r) } }
        var out: [[Int32]] = []
        try sorter.finish { out.append(Array($0)) }
        #expect(sorter.count == records.count)
        #expect(out == records.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func streamedOutputEqualsTheInMemoryWritersWhenSpilling() throws {
        let db = Self.growing
        var options = PatternOptions()
        options.minSupport = 2
        let dir = TemporaryDirectory()
        var job = PatternExport()
        job.patterns = try OutputStream.open(dir.path + "/streamed-patterns.tsv")
        job.rules = try OutputStream.open(dir.path + "/streamed-rules.tsv")
        job.minConfidence = 0.3
        job.sortBufferBytes = 64 << 10  // far less than the 130,000 patterns: many spilled runs
        let result = try job.run(db: db, options: options)
        let patterns = PrefixSpan(database: db, options: options).mine()
        let rules = SequentialRules.rules(from: patterns, sequences: db.count, minConfidence: 0.3)
        try PatternWriter.write(patterns, db: db, format: .tsv, to: OutputStream.open(dir.path + "/patterns.tsv"))
        try PatternWriter.write(rules, db: db, format: .tsv, to: OutputStream.open(dir.path + "/rules.tsv"))
        #expect(result.patterns == patterns.count && result.patterns > 100_000)
        #expect(result.rules == rules.count && result.rules > 1000)
        for name in ["patterns", "rules"] {
            let a = try String(contentsOfFile: dir.path + "/streamed-\(name).tsv", encoding: .utf8)
            let b = try String(contentsOfFile: dir.path + "/\(name).tsv", encoding: .utf8)
            #expect(a == b, "\(name)")
        }
    }

    @Test(arguments: ["0%", "0", "-1", "-5%", "101%", "nan", "nan%", "inf", "1e400", "0.0"])
    func zeroNegativeOrNonsenseSupportIsAUsageError(_ value: String) throws {
        let dir = TemporaryDirectory()
        let input = dir.write("s.txt", "/a /b\n/a /c\n")
        for command in ["patterns", "rules"] {
            let r = try Tool.shell("$WM \(command) --min-support '\(value)' '\(input)'")
            #expect(r.status == 64, "\(command) --min-support \(value): \(r.status) \(r.out)")
            #expect(r.err.contains("--min-support"), "\(r.err)")
        }
        let r = try Tool.shell("$WM run --no-state -q --min-support '\(value)' --out '\(dir.path)/out' '\(Paths.fixture("access/nasa-clf-500.log"))'")
        #expect(r.status == 64, "run --min-support \(value): \(r.status)")
    }

    /// A log of one visitor, 10 sessions two hours apart; session i views /p0 ... /p(8+i), one a
    /// minute: 2^18 patterns at support 1, about 100,000 up to length 8.
    static func explodingLog() -> String {
        var lines: [String] = []
        for i in 0 ..< 10 {
            for k in 0 ... 8 + i {
                let minutes = i * 120 + k
                let time = String(format: "01/Mar/2026:%02d:%02d:00 +0000", minutes / 60, minutes % 60)
                lines.append("10.0.0.1 - - [\(time)] \"GET /p\(k) HTTP/1.1\" 200 100 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\"")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `run` on `explodingLog()` with these options: stderr and the rows of patterns.tsv and rules.tsv.
    static func runOnExplodingLog(_ options: String) throws -> (err: String, patterns: [Substring], rules: [Substring], summary: String) {
        let dir = TemporaryDirectory()
        let log = dir.write("access.log", explodingLog())
        let r = try Tool.shell("$WM run --no-state \(options) --out '\(dir.path)/out' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        func rows(_ name: String) throws -> [Substring] {
            Array(try String(contentsOfFile: dir.path + "/out/\(name).tsv", encoding: .utf8).split(separator: "\n").dropFirst())
        }
        return (r.err, try rows("patterns"), try rows("rules"), try String(contentsOfFile: dir.path + "/out/summary.json", encoding: .utf8))
    }

    @Test func runPublishesAtMostTheCapAndSaysWhichSupportItUsed() throws {
        let (err, patterns, rules, summary) = try Self.runOnExplodingLog("--max-patterns 5000")
        #expect(patterns.count > 0 && patterns.count <= 5000)
        #expect(rules.count <= 5000)
        #expect(err.contains("patterns: more than 5,000 at support 2; kept \(HTMLReport.grouped(patterns.count)) at support "), "\(err)")
        // Default length bound: nothing longer than 8 pages.
        #expect(patterns.allSatisfy { Int($0.split(separator: "\t")[3])! <= 8 })
        #expect(summary.contains("\"patterns\":\(patterns.count)"), "\(summary.prefix(400))")
    }

    @Test func runDefaultsMakeSupportOneImpossibleAndCapTheOutput() throws {
        let (_, rows, _, _) = try Self.runOnExplodingLog("-q")
        #expect(rows.count <= 50_000 && rows.count > 0)
        #expect(rows.allSatisfy { Int($0.split(separator: "\t")[1])! >= 2 })
        #expect(NightlyRun.defaultSupport(sessions: 10) == 2 && NightlyRun.defaultSupport(sessions: 1000) == 10 && NightlyRun.defaultSupport(sessions: 1001) == 11)
    }
}
