import Foundation
import Testing
@testable import WeblogMiner

/// Closed and maximal patterns found by pruning the search (`ClosureCheck`), against hand-solved
/// databases and against filtering the complete frequent set (`ClosedMaximal`) on random ones.
@Suite struct CondensedPatternTests {
    static func database(_ sequences: [String]) -> SequenceDatabase {
        SequenceDatabase(sequences: sequences.map { $0.split(separator: " ").map(String.init) })
    }

    static func mine(_ db: SequenceDatabase, _ condensation: PatternCondensation, minSupport: Int, threads: Int = 2, budget: Int? = nil,
                     pairBudget: Int? = nil) -> [String: Int] {
        var options = PatternOptions()
        options.minSupport = minSupport
        options.condensation = condensation
        options.threads = threads
        if let budget { options.condensedBudget = budget }
        options.maximalPairBudget = pairBudget
        let miner = PrefixSpan(database: db, options: options)
        #expect(miner.prunesCondensation)
        return render(miner.mine(), db)
    }

    static func render(_ patterns: [SequentialPattern], _ db: SequenceDatabase) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: patterns.map { ($0.items.map { db.names[Int($0)] }.joined(), $0.support) })
    }

    @Test func theFiveSessionExample() {
        let db = PatternTests.db
        #expect(Self.mine(db, .closed, minSupport: 2) == ["B": 5, "AB": 4, "BD": 4, "CD": 3, "ABD": 3, "ACD": 2, "BCD": 2])
        #expect(Self.mine(db, .maximal, minSupport: 2) == ["ABD": 3, "ACD": 2, "BCD": 2])
        #expect(Self.mine(db, .closed, minSupport: 2, threads: 1) == Self.mine(db, .closed, minSupport: 2, threads: 2))
    }

    /// X comes before the first A (and the first B) of every sequence: BackScan prunes A's subtree.
    @Test func anItemBeforeEveryFirstOccurrence() {
        let db = Self.database(["X A B", "X A B", "X B A"])
        #expect(Self.mine(db, .closed, minSupport: 2) == ["XA": 3, "XB": 3, "XAB": 2])
        #expect(Self.mine(db, .maximal, minSupport: 2) == ["XAB": 2])
        // Every sequence is X A B: only the whole sequence is closed, and maximal.
        let same = Self.database(["X A B", "X A B"])
        #expect(Self.mine(same, .closed, minSupport: 1) == ["XAB": 2])
        #expect(Self.mine(same, .maximal, minSupport: 1) == ["XAB": 2])
    }

    /// Revisits: <A, A> and <B, A> are closed beside <A>; the insertion check must look past the
    /// first instance (A in "A B A" can be preceded by B only in its last occurrence).
    @Test func repeatedItems() {
        let db = Self.database(["A B A", "A A", "B A"])
        #expect(Self.mine(db, .closed, minSupport: 2) == ["A": 3, "AA": 2, "BA": 2])
        #expect(Self.mine(db, .maximal, minSupport: 2) == ["AA": 2, "BA": 2])
        // A, B, AB, BA, BB and BAB all have support 2: only BAB is closed. <A> is not pruned (its
        // first A opens "A B A B A"), but B fits before the last A of both sequences.
        let long = Self.database(["A B A B A", "B A B"])
        #expect(Self.mine(long, .closed, minSupport: 2) == ["BAB": 2])
        #expect(Self.mine(long, .maximal, minSupport: 2) == ["BAB": 2])
    }

    /// Random databases over few items (many repeats, many equal supports): the pruned search gives
    /// exactly the filtered complete set, with one thread and with two. A wrong prune (e.g. using
    /// the maximum period for BackScan) or a wrong insertion check fails here within a few cases.
    @Test func prunedEqualsFilteredOnRandomDatabases() {
        var rng = SeededGenerator(seed: 18)
        let cases = max(200, (Int(ProcessInfo.processInfo.environment["WEBLOG_FUZZ_COUNT"] ?? "") ?? 1500) / 2)
        for _ in 0 ..< cases {
            let alphabet = Int.random(in: 2 ... 5, using: &rng)
            let sequences = (0 ..< Int.random(in: 1 ... 10, using: &rng)).map { _ in
                (0 ..< Int.random(in: 0 ... 8, using: &rng)).map { _ in String(UnicodeScalar(UInt8(65 + Int.random(in: 0 ..< alphabet, using: &rng)))) }
            }
            let db = SequenceDatabase(sequences: sequences)
            let minSupport = Int.random(in: 1 ... 3, using: &rng)
            var options = PatternOptions()
            options.minSupport = minSupport
            let all = PrefixSpan(database: db, options: options).mine()
            let closed = Self.render(ClosedMaximal.closed(all), db)
            let maximal = Self.render(ClosedMaximal.maximal(all), db)
            // Candidates chosen after the search (default budget), every candidate proved during the
            // search (budget 1), and both in one search (a budget spent part way).
            for (threads, budget) in [(1, nil), (2, nil), (2, 1), (1, 150), (2, 300)] as [(Int, Int?)] {
                let pruned = Self.mine(db, .closed, minSupport: minSupport, threads: threads, budget: budget)
                #expect(pruned == closed, "closed \(sequences) support \(minSupport) budget \(budget ?? -1)")
                let prunedMaximal = Self.mine(db, .maximal, minSupport: minSupport, threads: threads, budget: budget)
                #expect(prunedMaximal == maximal, "maximal \(sequences) support \(minSupport) budget \(budget ?? -1)")
                if pruned != closed || prunedMaximal != maximal { return }
            }
        }
    }

    /// A database with thousands of candidates of one length: the maximal ones are tested side by
    /// side there (levels of 64 or more), and must still equal the filtered complete set.
    @Test func largeDatabaseMatchesTheFilteredSet() {
        var rng = SeededGenerator(seed: 7)
        let sequences = (0 ..< 400).map { _ in
            (0 ..< Int.random(in: 4 ... 12, using: &rng)).map { _ in String(UnicodeScalar(UInt8(65 + Int.random(in: 0 ..< 7, using: &rng)))) }
        }
        let db = SequenceDatabase(sequences: sequences)
        var options = PatternOptions()
        options.minSupport = 12
        let all = PrefixSpan(database: db, options: options).mine()
        #expect(all.count > 1000)
        for threads in [1, 2] {
            #expect(Self.mine(db, .maximal, minSupport: 12, threads: threads) == Self.render(ClosedMaximal.maximal(all), db))
            #expect(Self.mine(db, .closed, minSupport: 12, threads: threads) == Self.render(ClosedMaximal.closed(all), db))
            // Without the pair index, and with one dropped part way.
            for pairBudget in [0, 2_000] {
                #expect(Self.mine(db, .maximal, minSupport: 12, threads: threads, pairBudget: pairBudget) == Self.render(ClosedMaximal.maximal(all), db))
            }
        }
    }

    /// Candidates past their budget are proved one by one, and the outcome says so (the command
    /// turns it into a note); within it they are chosen after the search.
    @Test func candidatesPastTheBudgetAreProvedAndSaid() {
        var options = PatternOptions()
        options.minSupport = 2
        for condensation in [PatternCondensation.closed, .maximal] {
            options.condensation = condensation
            options.condensedBudget = 64 << 20
            var within: [String: Int] = [:]
            let kept = PrefixSpan(database: PatternTests.db, options: options).mine { batch in
                for f in batch { within[f.pattern.items.map { PatternTests.db.names[Int($0)] }.joined()] = f.pattern.support }
                return true
            }
            #expect(!kept.condensedOverBudget)
            options.condensedBudget = 1
            var past: [String: Int] = [:]
            let proved = PrefixSpan(database: PatternTests.db, options: options).mine { batch in
                for f in batch { past[f.pattern.items.map { PatternTests.db.names[Int($0)] }.joined()] = f.pattern.support }
                return true
            }
            #expect(proved.condensedOverBudget)
            #expect(past == within && !within.isEmpty)
        }
    }

    /// The maximal selection's pair index stops growing at its budget and is dropped; containment is
    /// still found through the single items.
    @Test func thePairIndexIsBounded() {
        var store = CondensedSelection.Store()
        store.add([1, 2, 3, 4, 5, 6], support: 2, prefixSupport: 2, sequences: 0)
        store.add([7, 8, 9, 10, 11, 12], support: 2, prefixSupport: 2, sequences: 0)
        store.add([2, 4, 6], support: 2, prefixSupport: 2, sequences: 0)
        var index = CondensedSelection.MaximalIndex(itemCount: 16, pairBudget: 100)
        index.add(store, 0)
        #expect(index.usesPairs)
        index.add(store, 1)
        #expect(!index.usesPairs)
        #expect(index.covers(store, 2))
    }

    /// With a gap or length limit the set is filtered after mining (pruning would not be exact there).
    @Test func limitsFallBackToFiltering() {
        var options = PatternOptions()
        options.minSupport = 2
        options.maxLength = 2
        let all = PrefixSpan(database: PatternTests.db, options: options).mine()
        options.condensation = .closed
        let miner = PrefixSpan(database: PatternTests.db, options: options)
        #expect(!miner.prunesCondensation)
        #expect(Self.render(miner.mine(), PatternTests.db) == Self.render(ClosedMaximal.closed(all), PatternTests.db))
    }
}

/// The progress line of a long search: drawn after its delay with the patterns found so far, and
/// cleared by `finish` before the command writes anything else.
@Suite struct MiningProgressTests {
    final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [String] = []
        func add(_ s: String) { lock.lock(); parts.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return parts }
    }

    @Test func drawsTheCountThenClearsTheLine() {
        let captured = Captured()
        let progress = MiningProgress(delay: 0, interval: 0.01) { captured.add($0) }
        progress.add(1_234)
        progress.add(1_000)
        Thread.sleep(forTimeInterval: 0.2)
        progress.finish()
        let parts = captured.all
        #expect(parts.contains { $0.contains("mining: 2,234 patterns found") })
        #expect(parts.last == "\r\u{1B}[K")
    }

    @Test func aShortSearchShowsNothing() {
        let captured = Captured()
        let progress = MiningProgress(delay: 5) { captured.add($0) }
        progress.add(10)
        progress.finish()
        #expect(captured.all.isEmpty)
    }
}
