import Foundation
import Testing
@testable import WeblogMiner

/// The README's three OLAP queries on run's star schema give the figures of the TSV results.
struct StarSchemaTests {
    /// The SQL block of the README's star-schema section, split into its statements.
    static func readmeQueries() throws -> [String] {
        let readme = try String(contentsOfFile: FileManager.default.currentDirectoryPath + "/README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "### The star schema").map { readme[$0.upperBound...] })
        let block = try #require(section.range(of: "```sql\n").flatMap { start in section[start.upperBound...].range(of: "```").map { section[start.upperBound ..< $0.lowerBound] } })
        return block.split(separator: ";").map { $0.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: " ") }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static func rows(_ db: String, _ query: String) throws -> [[String]] {
        let script = "import sqlite3,sys\nfor r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print('\\t'.join(str(x) for x in r))"
        let r = try Tool.shell("python3 -c \"\(script)\" '\(db)' \"\(query)\"")
        #expect(r.status == 0, "\(r.err)")
        return r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func theReadmeQueriesAgreeWithTheTables() throws {
        let queries = try Self.readmeQueries()
        #expect(queries.count == 3)
        let dir = TemporaryDirectory()
        let root = FileManager.default.currentDirectoryPath + "/fixtures/shop-sim/logs"
        let logs = ["a/access.log-20260302.gz", "b/access.log-20260302.gz", "a/access.log-20260303.gz", "b/access.log-20260303.gz"].map { "'\(root)/\($0)'" }.joined(separator: " ")
        var r = try Tool.shell("$WM run --no-state --conversion '^/checkout/thanks$' --out '\(dir.path)/out' \(logs) -q")
        #expect(r.status == 0, "\(r.err)")
        let db = dir.path + "/out/results.sqlite"
        var audience: [String: [String]] = [:]
        for line in try String(contentsOfFile: dir.path + "/out/audience.tsv", encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            audience[f[0] + " " + f[1]] = f
        }
        // 1. Sessions by channel, summed over the weeks: audience.tsv's sessions per channel.
        var byChannel: [String: Int] = [:]
        for row in try Self.rows(db, queries[0]) { byChannel[row[1], default: 0] += Int(row[3])! }
        #expect(!byChannel.isEmpty)
        for (channel, n) in byChannel { #expect(audience["channel " + channel]?[2] == String(n), "\(channel)") }
        // 2. One month here: the conversion rate per device is audience.tsv's.
        let rates = try Self.rows(db, queries[1])
        #expect(rates.count == 2 && rates.allSatisfy { $0[1] == "2026-03" })
        for row in rates { #expect(Double(audience["device " + row[0]]![10]) == Double(row[2]), "\(row)") }
        // 3. Top pages of mobile visitors: `pages --device mobile` over the same logs.
        r = try Tool.shell("$WM pages --device mobile \(logs) -q")
        var pages: [(name: String, views: Int)] = []
        for line in r.out.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            pages.append((String(f[0]), Int(f[1])!))
        }
        pages.sort { $0.views != $1.views ? $0.views > $1.views : $0.name < $1.name }
        let top: [[String]] = pages.prefix(5).map { [$0.name, String($0.views)] }
        #expect(try Self.rows(db, queries[2]) == top)
        // The dimensions: every view's keys are known, dwell is empty exactly for the censored views.
        #expect(try Self.rows(db, "SELECT count(*) FROM fact_page_view f LEFT JOIN dim_page p USING (page_key) LEFT JOIN dim_date d USING (date_key) LEFT JOIN dim_visitor v USING (visitor_key) WHERE p.page IS NULL OR d.date IS NULL OR v.visitor IS NULL") == [["0"]])
        #expect(try Self.rows(db, "SELECT count(*) FROM fact_page_view WHERE (dwell_s IS NULL) != (censored = 1)") == [["0"]])
        #expect(try Self.rows(db, "SELECT count(DISTINCT session_id), sum(censored) FROM fact_page_view") == [["3362", "3362"]])
        #expect(try Self.rows(db, "SELECT week, weekday_name FROM dim_date ORDER BY date_key") == [["2026-W10", "Monday"], ["2026-W10", "Tuesday"]])
        // run's segments: every session of the main window has one (session_segments joins on session_id).
        #expect(try Self.rows(db, "SELECT count(*), count(DISTINCT s.session_id) FROM session_segments s JOIN (SELECT DISTINCT session_id FROM fact_page_view) f USING (session_id)") == [["3362", "3362"]])
        #expect(try Self.rows(db, "SELECT sum(sessions) FROM segments") == [["3362"]])
    }

    @Test func pagesCarryTheSiteExportsLinks() throws {
        let dir = TemporaryDirectory()
        let root = FileManager.default.currentDirectoryPath + "/fixtures/shop-sim/logs"
        let edges = dir.write("edges.tsv", "/\t/cart\n/pricing\t/cart\n/cart\t/checkout\n")
        var r = try Tool.shell("$WM run --no-state --site-edges '\(edges)' --out '\(dir.path)/out' '\(root)/a/access.log-20260302.gz' -q")
        #expect(r.status == 0, "\(r.err)")
        let db = dir.path + "/out/results.sqlite"
        #expect(try Self.rows(db, "SELECT in_site, site_links_in, site_links_out FROM dim_page WHERE page = '/cart'") == [["1", "2", "1"]])
        #expect(try Self.rows(db, "SELECT in_site, site_links_in, site_links_out FROM dim_page WHERE page = '/features'") == [["0", "0", "0"]])
        r = try Tool.shell("$WM run --no-state --out '\(dir.path)/plain' '\(root)/a/access.log-20260302.gz' -q")
        #expect(try Self.rows(dir.path + "/plain/results.sqlite", "SELECT count(*) FROM dim_page WHERE in_site IS NOT NULL") == [["0"]])
    }

    @Test func isoWeeks() {
        // 2026-01-01 is a Thursday (week 1); 2027-01-01 a Friday (week 53 of 2026); 2024-12-30 a Monday (2025-W01).
        #expect(StarSchema.isoWeek(SiteCalendar.day(year: 2026, month: 1, day: 1)!) == "2026-W01")
        #expect(StarSchema.isoWeek(SiteCalendar.day(year: 2027, month: 1, day: 1)!) == "2026-W53")
        #expect(StarSchema.isoWeek(SiteCalendar.day(year: 2024, month: 12, day: 30)!) == "2025-W01")
        #expect(StarSchema.isoWeek(SiteCalendar.day(year: 2026, month: 3, day: 2)!) == "2026-W10")
    }
}
