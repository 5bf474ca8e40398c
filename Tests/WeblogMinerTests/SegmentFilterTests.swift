import Foundation
import Testing
@testable import WeblogMiner

/// The segment filters every session command and `run` share: each one keeps the sessions the
/// audience table counts for that value, complements add up, and a store keeps one segment.
struct SegmentFilterTests {
    static var logs: String {
        let root = FileManager.default.currentDirectoryPath + "/fixtures/shop-sim/logs"
        return ["a/access.log-20260302.gz", "b/access.log-20260302.gz", "a/access.log-20260303.gz", "b/access.log-20260303.gz"].map { "'\(root)/\($0)'" }.joined(separator: " ")
    }

    func count(_ options: String) throws -> Int {
        let r = try Tool.shell("$WM sessions \(Self.logs) \(options) -q")
        #expect(r.status == 0, "\(options): \(r.err)")
        return r.out.split(separator: "\n").count - 1
    }

    @Test func filtersKeepTheirSegmentAndComplementsAddUp() throws {
        let all = try count("")
        #expect(all > 3000)
        // The audience table of all sessions says how many each filter must keep.
        let r = try Tool.shell("$WM audience \(Self.logs) -q")
        var audience: [String: Int] = [:]
        for line in r.out.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            audience["\(f[0]) \(f[1])"] = Int(f[2])
        }
        #expect(try count("--device mobile") == audience["device mobile"])
        #expect(try count("--channel search") == audience["channel search"])
        #expect(try count("--channel search,campaign") == audience["channel search"]! + audience["channel campaign"]!)
        #expect(try count("--new") == audience["visitor new"])
        #expect(try count("--returning") == audience["visitor returning"])
        #expect(try count("--device mobile") + count("--device desktop,tablet,unknown") == all)
        #expect(try count("--since 2026-03-03") + count("--until 2026-03-02") == all)
        #expect(try count("--since 2026-03-03 --until 2026-03-03") == count("--since 2026-03-03"))
        // Conditions together: both must hold.
        let both = try count("--device mobile --channel search")
        #expect(both > 0 && both < audience["device mobile"]! && both < audience["channel search"]!)
        // Entry page: every kept session starts on a product page.
        let entry = try Tool.shell("$WM sessions \(Self.logs) --entry-page '^/p/' -q")
        let rows = entry.out.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(!rows.isEmpty && rows.allSatisfy { $0[6].hasPrefix("/p/") })
        // The same filters reach the other session commands.
        let funnel = try Tool.shell("$WM funnels \(Self.logs) --device mobile --funnel '/ > /pricing' --level session -q")
        let mobileHome = try Tool.shell("$WM sessions \(Self.logs) --device mobile --output seq -q")
        let expected = mobileHome.out.split(separator: "\n").filter { $0.split(separator: " ").contains("/") }.count
        #expect(funnel.out.split(separator: "\n")[1].split(separator: "\t")[4] == Substring(String(expected)), "\(funnel.out)")
    }

    @Test func badFilterValuesAreUsageErrors() throws {
        for bad in ["--device phone", "--channel tv", "--since 2026-13-01", "--entry-page '('", "--new --returning", "--since 2026-03-03 --until 2026-03-02"] {
            let r = try Tool.shell("$WM sessions \(Self.logs) \(bad) -q")
            #expect(r.status == 64, "\(bad): \(r.err)")
        }
    }

    @Test func runKeepsOneSegmentPerStore() throws {
        let dir = TemporaryDirectory()
        // Without a store every session is finished at the end: the same as `sessions --device mobile`.
        var r = try Tool.shell("$WM run --no-state --out '\(dir.path)/once' --device mobile \(Self.logs) -q")
        #expect(r.status == 0, "\(r.err)")
        let sessions = try String(contentsOfFile: dir.path + "/once/sessions.tsv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(try sessions == count("--device mobile"))
        r = try Tool.shell("$WM run --out '\(dir.path)/out' --device mobile \(Self.logs) -q")
        #expect(r.status == 0, "\(r.err)")
        // Another segment on the same store: refused, with what to do.
        r = try Tool.shell("$WM run --out '\(dir.path)/out' \(Self.logs) -q")
        #expect(r.status == 64 && r.err.contains("segment"), "\(r.err)")
        r = try Tool.shell("$WM run --out '\(dir.path)/out' --device mobile \(Self.logs) -q")
        #expect(r.status == 0, "\(r.err)")
    }

    /// `run --returning` / `--new` night after night: the store remembers every visitor (of sessions in
    /// the segment or not), so the nights give what one run over all the logs gives, and `sessions
    /// --returning` too; a session still open at the end of a night is judged when it ends.
    @Test(arguments: ["--returning", "--new"]) func runKeepsNewOrReturningVisitorsAcrossNights(_ type: String) throws {
        let dir = TemporaryDirectory()
        let root = FileManager.default.currentDirectoryPath + "/fixtures/shop-sim/logs"
        let nights = [["a/access.log-20260302.gz", "b/access.log-20260302.gz"], ["a/access.log-20260303.gz", "b/access.log-20260303.gz"]]
            .map { $0.map { "'\(root)/\($0)'" }.joined(separator: " ") }
        var r = try Tool.shell("$WM run --no-state --out '\(dir.path)/once' \(type) \(Self.logs) -q")
        #expect(r.status == 0, "\(r.err)")
        let once = try String(contentsOfFile: dir.path + "/once/sessions.tsv", encoding: .utf8)
        #expect(once.split(separator: "\n").count - 1 == (try count(type)))
        r = try Tool.shell("$WM run --out '\(dir.path)/out' \(type) \(nights[0]) -q")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM run --out '\(dir.path)/out' \(type) \(nights[0]) \(nights[1]) -q")
        #expect(r.status == 0, "\(r.err)")
        // Session ids are given in the order sessions end, which differs when some stay open over a night:
        // compare the sessions without their ids.
        func withoutIDs(_ tsv: String) -> [String] { tsv.split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 1).last.map(String.init) ?? "" }.sorted() }
        #expect(withoutIDs(try String(contentsOfFile: dir.path + "/out/sessions.tsv", encoding: .utf8)) == withoutIDs(once))
        // Without the visitors of night 1, night 2 alone would count its first sessions as new.
        let alone = try Tool.shell("$WM sessions \(type) \(nights[1]) -q")
        #expect(withoutIDs(alone.out) != withoutIDs(try String(contentsOfFile: dir.path + "/out/1d/sessions.tsv", encoding: .utf8)))
    }
}
