import Foundation
import Testing
@testable import WeblogMiner

/// Failed requests by page, with the links that led there.
struct ErrorTests {
    @Test func brokenLinksFromReferrersAndTheSiteExport() throws {
        let dir = TemporaryDirectory()
        let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        func line(_ s: Int, _ path: String, _ status: Int, _ ref: String, agent: String? = nil) -> String {
            "1.1.1.\(s % 7) - - [10/Oct/2024:13:00:\(String(format: "%02d", s)) +0000] \"GET \(path) HTTP/1.1\" \(status) 10 \"\(ref)\" \"\(agent ?? ua)\"\n"
        }
        let log = dir.write("a.log", [
            line(1, "/a", 200, "-"),
            line(2, "/missing", 404, "https://shop.example.com/a"),
            line(3, "/missing", 404, "https://shop.example.com/a"),
            line(4, "/missing", 404, "https://shop.example.com/b?x=1"),
            line(5, "/missing", 404, "https://elsewhere.org/"),
            line(6, "/gone", 500, "-"),
            line(7, "/p/12", 410, "-"),
            line(8, "/wp-login.php", 404, "-", agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
            line(9, "/moved", 301, "https://shop.example.com/a"),
        ].joined())
        let edges = dir.write("edges.tsv", "/b\t/missing\n/c\t/p/12\n/a\t/b\n")
        let r = try Tool.shell("$WM errors '\(log)' --site-host shop.example.com --site-edges '\(edges)' --map '^/p/[0-9]+$=/p/:id' -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["status", "page", "hits", "from_internal", "linked_from", "site_links_from", "broken_link"])
        // The robot's probe and the redirect are not errors; referrers of other sites are not links of this one.
        #expect(rows.count == 4, "\(r.out)")
        #expect(rows[1] == ["404", "/missing", "4", "3", "/a (2), /b (1)", "/b", "1"])
        // The export names pages as sessions do (/p/12 mapped): /c links to it, so it is a link to fix.
        #expect(rows.contains(["410", "/p/:id", "1", "0", "", "/c", "1"]))
        #expect(rows.contains(["500", "/gone", "1", "0", "", "", "0"]))
        // Without the export the site column is empty (null); JSON lines too.
        let j = try Tool.shell("$WM errors '\(log)' --site-host shop.example.com --output jsonl -q")
        #expect(j.out.split(separator: "\n").first?.contains("\"site_links_from\":null") == true, "\(j.out)")
        // run lists the failed requests of the logs it reads, as the command does.
        let run = try Tool.shell("$WM run --no-state --site-host shop.example.com --site-edges '\(edges)' --map '^/p/[0-9]+$=/p/:id' --out '\(dir.path)/out' '\(log)' -q")
        #expect(run.status == 0, "\(run.err)")
        #expect(try String(contentsOfFile: dir.path + "/out/errors.tsv", encoding: .utf8) == r.out)
    }

    @Test func theLimitOnDistinctKeysHolds() {
        var e = ErrorCounts()
        for i in 0 ..< ErrorCounts.maxKeys + 50 { e.add(ErrorCounts.Key(status: 404, page: Array("/p\(i)".utf8), referrer: [])) }
        #expect(e.counts.count == ErrorCounts.maxKeys + 1)
        #expect(e.counts[ErrorCounts.Key(status: 404, page: ErrorCounts.other, referrer: [])] == 50)
    }
}
