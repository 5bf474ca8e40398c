import Foundation
import Testing
@testable import WeblogMiner

/// The report's numbers as people read them, worked out by hand.
struct ReportFormatTests {
    @Test func ratesDurationsCountsAndScores() {
        #expect(ReportFormat.percent(0.3036) == "30.4%" && ReportFormat.percent(0.0171) == "1.71%" && ReportFormat.percent(1) == "100%")
        #expect(ReportFormat.percent(0.00004) == "<0.01%" && ReportFormat.percent(0) == "0%")
        #expect(ReportFormat.change(0.2543) == "+25.4%" && ReportFormat.change(-0.5) == "-50%")
        #expect(ReportFormat.points(0.0042) == "+0.42 pt" && ReportFormat.points(-0.0206) == "-2.06 pt")
        #expect(ReportFormat.duration(4.26) == "4.3 s" && ReportFormat.duration(45) == "45 s" && ReportFormat.duration(83) == "1 min 23 s")
        #expect(ReportFormat.duration(120) == "2 min" && ReportFormat.duration(3720) == "1 h 2 min" && ReportFormat.duration(7200) == "2 h")
        #expect(ReportFormat.grouped(1_234_567) == "1,234,567" && ReportFormat.grouped(-1000) == "-1,000" && ReportFormat.grouped(999) == "999")
        // PageRank as printed before: 0.36327857910752487 and 5.46e-05.
        #expect(ReportFormat.score(0.36327857910752487) == "0.363" && ReportFormat.score(5.46e-05) == "<0.001")
        #expect(ReportFormat.score(36.52) == "36.5" && ReportFormat.score(2.1252) == "2.13" && ReportFormat.score(1234.5) == "1,235")
    }

    @Test func cellsFollowTheirColumnAndTimesTheSiteZone() throws {
        let utc = SiteCalendar.utc, tokyo = try SiteCalendar("+09:00")
        #expect(ReportFormat.cell("0.3036", column: "exit_rate", calendar: utc) == ("30.4%", true))
        #expect(ReportFormat.cell("71", column: "median_s_from_previous", calendar: utc) == ("1 min 11 s", true))
        #expect(ReportFormat.cell("4069", column: "views", calendar: utc) == ("4,069", true))
        #expect(ReportFormat.cell("/p/:id", column: "page", calendar: utc) == ("/p/:id", false))
        #expect(ReportFormat.cell("2026-03-03T23:26:30Z", column: "last_seen", calendar: utc) == ("2026-03-03 23:26", false))
        #expect(ReportFormat.cell("2026-03-03T23:26:30Z", column: "last_seen", calendar: tokyo) == ("2026-03-04 08:26", false))
        #expect(ReportFormat.parseISO("2026-03-03T23:26:30.250Z") == ReportFormat.parseISO("2026-03-03T23:26:30Z"))
        #expect(ReportFormat.parseISO("yesterday") == nil)
    }
}

/// The report's findings on the shop sample, each against the TSV or JSON file it is read from.
struct ReportFindingsTests {
    @Test func theDemosFindingsSayWhatItsFilesHold() throws {
        let dir = TemporaryDirectory()
        let shop = Paths.fixture("shop-sim")
        let logs = ["a", "b"].flatMap { s in ["02", "03"].map { "'\(shop)/logs/\(s)/access.log-202603\($0).gz'" } }.joined(separator: " ")
        let r = try Tool.shell("$WM run -q --no-state --out '\(dir.path)/out' --site-host shop.example.com --site '\(shop)/site' --registrations '\(shop)/registrations.csv' --conversion '^/signup/thanks$' --map '^/p/[0-9]+$=/p/:id' --map '^/blog/.+$=/blog/:post' \(logs)")
        #expect(r.status == 0, "\(r.err)")
        let report = try String(contentsOfFile: dir.path + "/out/report.html", encoding: .utf8)
        // 1d: page views against the day before, from 1d/summary.json.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/1d/summary.json"))) as! [String: Any]
        let views = summary["page_views"] as! Int, before = summary["page_views_prev"] as! Int
        let change = Double(views - before) / Double(before)
        #expect(report.contains("Page views rose \(ReportFormat.percent(change)) to \(ReportFormat.grouped(views)) (\(ReportFormat.grouped(before)) in the previous day)."), "\(views) \(before)")
        // The strongest shortcut of the main window, from 28d/shortcuts.tsv's first row.
        let shortcut = try String(contentsOfFile: dir.path + "/out/28d/shortcuts.tsv", encoding: .utf8).split(separator: "\n")[1].split(separator: "\t").map(String.init)
        #expect(report.contains("Strongest shortcut: \(ReportFormat.grouped(Int(shortcut[2])!)) sessions went from \(shortcut[0]) to \(shortcut[1])"), "\(shortcut)")
        // Every finding links to a section of the page, and the 1-day window is shown first (it has a day before it).
        #expect(report.components(separatedBy: "\u{2192}</a></li>").count > 5)
        #expect(report.contains("data-window=\"1d\" aria-pressed=\"true\"") && report.contains("<div class=\"window-block\" data-window=\"28d\" hidden>"))
        for id in ["findings", "overview", "funnels", "audience", "errors", "anomalies", "segments", "paths", "links", "customers", "dwell", "pages"] {
            #expect(report.contains("<section id=\"\(id)\">"), "\(id)")
        }
        // Every table has its own id, and every filter and Show all button names one of them.
        func matches(_ pattern: String) -> [String] {
            let re = try! NSRegularExpression(pattern: pattern)
            return re.matches(in: report, range: NSRange(report.startIndex..., in: report)).map { String(report[Range($0.range(at: 1), in: report)!]) }
        }
        let ids = matches(#"<table [^>]*id="([^"]+)""#)
        #expect(ids.count > 10 && Set(ids).count == ids.count, "\(ids)")
        #expect(Set(matches(#"data-table="([^"]+)""#)).isSubset(of: Set(ids)))
        // Numbers for people: no PageRank with 17 digits, rates as percentages.
        #expect(report.range(of: #">[0-9]+\.[0-9]{5,}<"#, options: .regularExpression) == nil)
    }
}
