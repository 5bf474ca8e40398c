import Foundation
import Testing
@testable import WeblogMiner

/// Results of parts of the data, split by visitor (as Spark partitions are), combine into exactly the
/// results over all of it.
@Suite(.serialized) struct MergeTests {
    /// Three parts part-0.log ... part-2.log by a hash of the client address: every visitor's hits stay in one part.
    static func splitByClient(_ log: String, into dir: String) throws -> (status: Int32, out: String, err: String) {
        try Tool.shell("$WM cat '\(log)' | awk -v d='\(dir)' '{ n = 0; for (i = 1; i <= length($1); i++) n += index(\"0123456789.abcdef:\", substr($1, i, 1)); print > (d \"/part-\" (n % 3) \".log\") }'")
    }

    @Test func pagePartialsMergeExactly() throws {
        let dir = TemporaryDirectory()
        let log = Paths.fixture("access/apache-combined-2000.log.gz")
        var r = try Self.splitByClient(log, into: dir.path)
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("cd '\(dir.path)' && for p in part-*.log; do $WM pages -q --partial $p > $p.partial || exit 1; done; $WM merge --kind pages part-*.partial > merged.tsv && $WM pages -q '\(log)' > direct.tsv && ls part-*.log | wc -l")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let merged = try String(contentsOfFile: dir.path + "/merged.tsv", encoding: .utf8)
        let direct = try String(contentsOfFile: dir.path + "/direct.tsv", encoding: .utf8)
        #expect(merged == direct)
        #expect(direct.split(separator: "\n").count > 50)
        // A file that is not a partial is refused with a clear message.
        r = try Tool.shell("$WM merge --kind pages '\(dir.path)/direct.tsv'")
        #expect(r.status == 65 && r.err.contains("not a pages partial"))
    }

    @Test func edgeCountsMergeAndRankWithIsolatedPages() throws {
        let dir = TemporaryDirectory()
        let a = dir.write("a.tsv", "from\tto\tcount\tprobability\tkind\tlinked\n/\t/x\t2\t0.5\ttransition\t\nsearch.com\t/\t3\t1\tentry\t\n")
        let b = dir.write("b.tsv", "/\t/x\t1\n/x\t/\t4\n/lonely\n")
        let r = try Tool.shell("$WM merge --kind edges '\(a)' '\(b)' | tee '\(dir.path)/m.tsv' | $WM links --edges - -q --output jsonl")
        #expect(r.status == 0, "\(r.err)")
        let merged = try String(contentsOfFile: dir.path + "/m.tsv", encoding: .utf8)
        #expect(merged == "from\tto\tcount\n/\t/x\t3\n/x\t/\t4\n/lonely\n")
        let rows = r.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.count == 3)
        let lonely = rows.first { $0["page"] as? String == "/lonely" }!
        // An isolated page: teleport share plus its share of the dangling mass (here none dangles but it).
        #expect(lonely["in_degree"] as? Int == 0 && lonely["out_degree"] as? Int == 0)
        #expect(abs(rows.map { $0["pagerank"] as! Double }.reduce(0, +) - 1) < 1e-9)
    }
}
