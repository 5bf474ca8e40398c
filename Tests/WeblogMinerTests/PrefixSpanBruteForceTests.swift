import Foundation
import Testing
@testable import WeblogMiner

/// Every frequent pattern by enumeration, against the miner on random databases: the children's
/// projections scattered from the counting pass (`Worker.countFree`), the infrequent items dropped
/// and the sequences reordered shortest first (`PackedSequences`) must change no pattern or support.
@Suite struct PrefixSpanBruteForceTests {
    /// `pattern` occurs in `sequence` with at most `gap` steps between consecutive items.
    static func contains(_ sequence: [Int32], _ pattern: [Int32], gap: Int?) -> Bool {
        // Ends of the embeddings of pattern[0 ... i] (all of them when the gap is bounded).
        var ends = sequence.indices.filter { sequence[$0] == pattern[0] }
        for item in pattern.dropFirst() {
            guard let gap else {
                guard let first = ends.min(), let next = sequence[(first + 1)...].firstIndex(of: item) else { return false }
                ends = [next]
                continue
            }
            ends = sequence.indices.filter { k in sequence[k] == item && ends.contains { $0 < k && k - $0 <= gap } }
        }
        return !ends.isEmpty
    }

    static func bruteForce(_ db: SequenceDatabase, minSupport: Int, gap: Int?) -> [[Int32]: Int] {
        let sequences = (0 ..< db.count).map { Array(db.sequence($0)) }
        var found: [[Int32]: Int] = [:]
        var level: [[Int32]] = [[]]
        while !level.isEmpty {
            var next: [[Int32]] = []
            for prefix in level {
                for item in 0 ..< Int32(db.itemCount) {
                    let pattern = prefix + [item]
                    let support = sequences.filter { contains($0, pattern, gap: gap) }.count
                    if support >= minSupport {
                        found[pattern] = support
                        next.append(pattern)
                    }
                }
            }
            level = next
        }
        return found
    }

    @Test func miningEqualsEnumerationOnRandomDatabases() {
        var rng = SeededGenerator(seed: 77)
        for _ in 0 ..< 300 {
            // A skewed alphabet: the later letters are rare, so some items are dropped as infrequent.
            let alphabet = Int.random(in: 2 ... 6, using: &rng)
            let sequences = (0 ..< Int.random(in: 1 ... 9, using: &rng)).map { _ in
                (0 ..< Int.random(in: 0 ... 7, using: &rng)).map { _ in
                    String(UnicodeScalar(UInt8(65 + min(Int.random(in: 0 ..< alphabet, using: &rng), Int.random(in: 0 ..< alphabet, using: &rng)))))
                }
            }
            let db = SequenceDatabase(sequences: sequences)
            let minSupport = Int.random(in: 1 ... 3, using: &rng)
            for gap in [nil, 1, 2] as [Int?] {
                let want = Self.bruteForce(db, minSupport: minSupport, gap: gap)
                for threads in [1, 2] {
                    var options = PatternOptions()
                    options.minSupport = minSupport
                    options.maxGap = gap
                    options.threads = threads
                    let got = Dictionary(uniqueKeysWithValues: PrefixSpan(database: db, options: options).mine().map { ($0.items, $0.support) })
                    #expect(got == want, "\(sequences) support \(minSupport) gap \(String(describing: gap))")
                    if got != want { return }
                }
            }
        }
    }
}
