import Foundation
import Testing
@testable import WeblogMiner

/// Day partials merge exactly, and windows, time zones and their lists behave as documented.
@Suite struct UsagePartialTests {
    static func session(_ id: Int, visitor: UInt64, at start: Int64, pages: [Int32]) -> Session {
        let views = pages.enumerated().map { PageView(page: $0.element, time: start + Int64($0.offset) * 40_000, inferred: false, referrer: -1) }
        // A well-mixed hash, as the sessionizer's (structured values would collide in the pair hash).
        var h = visitor &+ 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return Session(id: id, visitor: Array("v\(visitor)".utf8), visitorHash: h ^ (h >> 31), views: views, entryReferrer: nil)
    }

    /// Sessions of 3 days from overlapping visitors: merging the days' partials (stored and read
    /// back) gives what one partial over all sessions gives, distinct visitors included.
    @Test func daysMergeIntoTheWhole() throws {
        var rng = SeededGenerator(seed: 5)
        var whole = UsagePartial()
        var days: [UsagePartial] = [UsagePartial(), UsagePartial(), UsagePartial()]
        for id in 1 ... 300 {
            let day = id % 3
            let s = Self.session(id, visitor: UInt64.random(in: 1 ... 40, using: &rng), at: Int64(day) * 86_400_000 + Int64(id) * 60_000,
                                 pages: (0 ..< Int.random(in: 1 ... 6, using: &rng)).map { _ in Int32.random(in: 0 ..< 9, using: &rng) })
            whole.add(s, calendar: .utc, converts: id % 7 == 0)
            days[day].add(s, calendar: .utc, converts: id % 7 == 0)
        }
        var merged = UsagePartial()
        for d in days { merged.merge(try #require(UsagePartial.decode(d.encoded(), pageCount: 9))) }
        #expect(merged.visitors == whole.visitors && merged.visitors < days.map(\.visitors).reduce(0, +))
        #expect(merged.sessions == 300 && merged.pageViews == whole.pageViews && merged.convertedSessions == whole.convertedSessions)
        #expect(merged.viewsByHour == whole.viewsByHour && merged.viewsByDay == whole.viewsByDay && merged.durationMillis == whole.durationMillis)
        #expect(merged.conversions == whole.conversions && merged.channels == whole.channels && merged.channels["direct"] == 300)
        for (id, p) in whole.pages.pages {
            let m = try #require(merged.pages.pages[id])
            let got: [Int] = [m.views, m.visitors, m.sessions, m.entries, m.exits, m.bounces, m.dwellCount]
            let expected: [Int] = [p.views, p.visitors, p.sessions, p.entries, p.exits, p.bounces, p.dwellCount]
            #expect(got == expected)
            #expect(m.dwellHistogram == p.dwellHistogram && m.medianDwellMillis == p.medianDwellMillis)
        }
        #expect(merged.pages.transitions == whole.pages.transitions)
    }

    /// A stored day that gets more sessions later (a late file) does not count its visitors twice.
    @Test func aStoredDayTakesMoreSessions() throws {
        var day = UsagePartial()
        day.add(Self.session(1, visitor: 7, at: 0, pages: [1, 2]), calendar: .utc)
        var again = try #require(UsagePartial.decode(day.encoded(), pageCount: 3))
        again.add(Self.session(2, visitor: 7, at: 3_600_000, pages: [2]), calendar: .utc)
        #expect(again.visitors == 1 && again.pages.pages[2]!.visitors == 1 && again.pages.pages[2]!.sessions == 2)
    }

    /// Past retention a day keeps its counts; its visitors are then added per day (an upper bound).
    @Test func withoutDetailVisitorsAdd() throws {
        var a = UsagePartial(), b = UsagePartial()
        a.add(Self.session(1, visitor: 7, at: 0, pages: [1]), calendar: .utc)
        b.add(Self.session(2, visitor: 7, at: 86_400_000, pages: [1]), calendar: .utc)
        a.dropVisitorDetail()
        let stored = try #require(UsagePartial.decode(a.encoded(), pageCount: 2))
        #expect(!stored.hasVisitorDetail && stored.visitors == 1 && stored.pages.pages[1]!.views == 1)
        var merged = UsagePartial()
        merged.merge(stored)
        merged.merge(b)
        #expect(merged.visitors == 2 && merged.pages.pages[1]!.visitors == 2 && merged.pageViews == 2)
    }

    @Test func damagedBytesAreRefused() {
        var p = UsagePartial()
        p.add(Self.session(1, visitor: 3, at: 0, pages: [0, 1, 2]), calendar: .utc)
        let bytes = p.encoded()
        #expect(UsagePartial.decode(bytes, pageCount: 3) != nil)
        #expect(UsagePartial.decode(bytes, pageCount: 2) == nil)  // a page not in the table
        #expect(UsagePartial.decode(Array(bytes.dropLast(3)), pageCount: 3) == nil)
        #expect(UsagePartial.decode(bytes + [0], pageCount: 3) == nil)
        var rng = SeededGenerator(seed: 1)
        for _ in 0 ..< 200 {
            var damaged = bytes
            damaged[Int.random(in: 0 ..< damaged.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
            _ = UsagePartial.decode(damaged, pageCount: 3)  // never traps
        }
    }
}

@Suite struct ResultWindowTests {
    @Test func listsParse() throws {
        #expect(try ResultWindow.parse("1d,7d,28d") == ResultWindow.defaults)
        #expect(try ResultWindow.parse("2w, all").map(\.name) == ["14d", "all"])
        for bad in ["", "0d", "7", "7x", "7d,1w", "-1d", "99999999999999999999d", "all,all"] {
            #expect(throws: ResultWindow.BadList.self, "\(bad)") { try ResultWindow.parse(bad) }
        }
        #expect(ResultWindow.main(of: try ResultWindow.parse("7d,all,28d,1d")).name == "28d")
        #expect(ResultWindow.main(of: try ResultWindow.parse("all")).name == "all")
    }

    @Test func calendarDatesHaveDayNumbers() {
        #expect(SiteCalendar.day(year: 1970, month: 1, day: 1) == 0)
        #expect(SiteCalendar.day(year: 2026, month: 3, day: 29) == SiteCalendar.utc.day(ofMillis: utcMillis(2026, 3, 29)))
        #expect(SiteCalendar.day(year: 2000, month: 2, day: 29) == SiteCalendar.utc.day(ofMillis: utcMillis(2000, 2, 29)))
        #expect(SiteCalendar.day(year: 2026, month: 2, day: 29) == nil && SiteCalendar.day(year: 2026, month: 4, day: 31) == nil)
    }

    @Test func rangesEndOnTheNewestDay() {
        let w = ResultWindow(name: "7d", days: 7)
        #expect(w.range(last: 100, first: 0) == 94 ... 100)
        #expect(w.previous(last: 100) == 87 ... 93)
        #expect(ResultWindow(name: "all", days: nil).range(last: 100, first: 3) == 3 ... 100)
    }

    @Test func daysFollowTheSiteTimeZone() throws {
        let paris = try SiteCalendar("Europe/Paris")
        // 22:30 UTC on 29 March 2026 is 00:30 on the 30th in Paris (summer time began that morning).
        let t = utcMillis(2026, 3, 29, 22, 30)
        #expect(SiteCalendar.label(paris.day(ofMillis: t)) == "2026-03-30" && paris.dayAndHour(ofMillis: t).hour == 0)
        #expect(SiteCalendar.label(SiteCalendar.utc.day(ofMillis: t)) == "2026-03-29")
        // In winter Paris is one hour ahead: 22:30 UTC on 10 January is 23:30 the same day.
        let winter = paris.dayAndHour(ofMillis: utcMillis(2026, 1, 10, 22, 30))
        #expect(winter.day == SiteCalendar.utc.day(ofMillis: utcMillis(2026, 1, 10)) && winter.hour == 23)
        let india = try SiteCalendar("+05:30")
        #expect(india.dayAndHour(ofMillis: utcMillis(2026, 1, 10, 19, 0)).hour == 0)
        #expect(SiteCalendar.label(SiteCalendar.utc.day(ofMillis: -1)) == "1969-12-31")
        for bad in ["Mars/Olympus", "+25:00", "+1:99", "+abc"] {
            #expect(throws: SiteCalendar.UnknownZone.self, "\(bad)") { try SiteCalendar(bad) }
        }
    }
}

/// `run` night after night, as cron calls it: the windows equal one-off runs over their days'
/// files, the previous period is the one before, retention deletes old sessions but keeps the
/// days' aggregates, and the store's settings are kept.
@Suite(.serialized) struct NightlyWindowTests {
    /// Day `d` (0 = 2026-01-01) of a shop whose sessions stay within 09:00-21:00 (none crosses
    /// midnight), visitors drawn from a pool so that many come back on other days.
    static func dayLog(_ d: Int) -> String {
        var rng = SeededGenerator(seed: UInt64(100 + d))
        var lines: [(Int, String)] = []
        let months = ["Jan", "Feb", "Mar"]
        let date = Calendar(identifier: .gregorian).date(byAdding: .day, value: d, to: Date(timeIntervalSince1970: 1_767_225_600))!
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        for _ in 0 ..< 40 + d % 5 * 6 {
            let visitor = Int.random(in: 0 ..< 150, using: &rng)
            var t = 9 * 3600 + Int.random(in: 0 ..< 11 * 3600, using: &rng)
            var page = Int.random(in: 0 ..< 4, using: &rng)
            for _ in 0 ..< Int.random(in: 1 ... 6, using: &rng) {
                let stamp = String(format: "%02d/%@/2026:%02d:%02d:%02d +0000", c.day!, months[c.month! - 1], t / 3600, t / 60 % 60, t % 60)
                lines.append((t, "10.1.\(visitor / 100).\(visitor % 100) - - [\(stamp)] \"GET /p/\(page) HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (agent \(visitor % 9))\"\n"))
                t += Int.random(in: 5 ... 240, using: &rng)
                page = (page + Int.random(in: 1 ... 3, using: &rng)) % 12
            }
        }
        return lines.sorted { $0.0 < $1.0 }.map(\.1).joined()
    }

    static func columns(_ path: String, _ count: Int) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).prefix(count).joined(separator: "\t") }
    }

    static func table(_ path: String) throws -> [String: [String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var rows: [String: [String: String]] = [:]
        for row in lines.dropFirst() { rows[row[0]] = Dictionary(uniqueKeysWithValues: zip(lines[0], row)) }
        return rows
    }

    static func sql(_ db: String, _ query: String) throws -> String {
        let r = try Tool.shell("python3 -c \"import sqlite3; print(*sqlite3.connect('\(db)').execute(\\\"\(query)\\\").fetchone())\"")
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func thirtyNightsOfWindows() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let files = (0 ..< 30).map { dir.write("access.log-2026\(String(format: "%04d", $0))", Self.dayLog($0)) }
        func quoted(_ range: Range<Int>) -> String { files[range].map { "'\($0)'" }.joined(separator: " ") }
        let options = "--windows 1d,7d,28d,all --retain 28d"
        for night in 1 ... 30 {
            let r = try Tool.shell("$WM run -q --out '\(out)' \(options) \(quoted(0 ..< night))")
            try #require(r.status == 0, "night \(night): \(r.err)")
        }
        // Each window against a one-off run over its days' files.
        for (window, days) in [("1d", 1), ("7d", 7), ("28d", 28)] {
            let clean = dir.path + "/clean-\(window)"
            let r = try Tool.shell("$WM run -q --no-state --out '\(clean)' \(quoted((30 - days) ..< 30))")
            try #require(r.status == 0, "\(r.err)")
            #expect(try Self.columns(out + "/\(window)/pages.tsv", 15) == Self.columns(clean + "/\(window)/pages.tsv", 15), "\(window)/pages.tsv")
            for name in ["patterns", "rules", "edges"] {
                #expect(try String(contentsOfFile: out + "/\(window)/\(name).tsv", encoding: .utf8) == String(contentsOfFile: clean + "/\(window)/\(name).tsv", encoding: .utf8), "\(window)/\(name).tsv")
            }
            // The previous period: the same figures over the days just before.
            let before = dir.path + "/before-\(window)"
            let b = try Tool.shell("$WM run -q --no-state --out '\(before)' \(quoted(max(0, 30 - 2 * days) ..< (30 - days)))")
            try #require(b.status == 0, "\(b.err)")
            let now = try Self.table(out + "/\(window)/pages.tsv"), then = try Self.table(before + "/\(window)/pages.tsv")
            for (page, row) in now {
                #expect(row["views_prev"] == (then[page]?["views"] ?? "0"), "\(window) \(page)")
                #expect(row["entries_prev"] == (then[page]?["entries"] ?? "0"), "\(window) \(page)")
            }
        }
        // The top level is the main window's (28d), as before windows existed.
        #expect(try String(contentsOfFile: out + "/pages.tsv", encoding: .utf8) == String(contentsOfFile: out + "/28d/pages.tsv", encoding: .utf8))
        // Retention: the sessions of the last 28 days are kept, the aggregates of all 30.
        let state = out + ".state.sqlite"
        let days = try Self.sql(state, "SELECT count(*), sum(detailed), max(day) - min(day) FROM days")
        #expect(days == "30 28 29", "\(days)")
        let span = try Self.sql(state, "SELECT max(day) - min(day) FROM sessions WHERE open = 0")
        #expect(Int(span).map { $0 <= 27 } == true, "\(span)")
        // All-time aggregates are the sum of the days: views, sessions, entries, exits equal one run over all 30 files.
        let all = dir.path + "/all"
        let r = try Tool.shell("$WM run -q --no-state --out '\(all)' --windows all \(quoted(0 ..< 30))")
        try #require(r.status == 0, "\(r.err)")
        let kept = try Self.table(out + "/all/pages.tsv"), whole = try Self.table(all + "/all/pages.tsv")
        #expect(kept.count == whole.count)
        for (page, row) in whole {
            for column in ["views", "sessions", "entries", "exits", "median_dwell_s"] { #expect(kept[page]?[column] == row[column], "\(page) \(column)") }
        }
        // A rerun on the same files changes nothing.
        let before = try String(contentsOfFile: out + "/7d/pages.tsv", encoding: .utf8)
        let again = try Tool.shell("$WM run -q --out '\(out)' \(options) \(quoted(0 ..< 30))")
        #expect(again.status == 0, "\(again.err)")
        #expect(try String(contentsOfFile: out + "/7d/pages.tsv", encoding: .utf8) == before)
        // results.sqlite: every window's rows, told apart by the window column.
        let views = try Self.sql(out + "/results.sqlite", "SELECT count(DISTINCT window) FROM pages")
        #expect(views == "4", "\(views)")
    }

    /// A night with no session at all (a log of static files and robots only) publishes empty
    /// windows, with and without state, and the next night goes on from there.
    @Test func aNightWithoutSessionsIsFine() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let assets = (0 ..< 50).map { "10.9.0.\($0 % 7) - - [05/Jan/2026:10:\(String(format: "%02d", $0)):00 +0000] \"GET /static/app\($0).css HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"\n" }.joined()
        let robots = (0 ..< 20).map { "10.9.1.1 - - [05/Jan/2026:11:\(String(format: "%02d", $0)):00 +0000] \"GET /p/\($0) HTTP/1.1\" 200 10 \"-\" \"Googlebot/2.1 (+http://www.google.com/bot.html)\"\n" }.joined()
        let quiet = dir.write("quiet.log", assets + robots)
        var r = try Tool.shell("$WM run -q --no-state --out '\(dir.path)/once' '\(quiet)'")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM run -q --out '\(out)' '\(quiet)'")
        #expect(r.status == 0, "\(r.err)")
        let summary = try String(contentsOfFile: out + "/1d/summary.json", encoding: .utf8)
        #expect(summary.contains("\"sessions\":0"), "\(summary)")
        #expect(summary.range(of: #""cleaning_all_time":\{[^}]*"hits":70"#, options: .regularExpression) != nil, "\(summary)")
        // The first day has no previous period: no zeros to compare with.
        #expect(summary.contains("\"sessions_prev\":null") && summary.contains("\"bounce_rate_change\":null"), "\(summary)")
        let day = dir.write("day.log", Self.dayLog(5))
        r = try Tool.shell("$WM run -q --out '\(out)' '\(quiet)' '\(day)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try String(contentsOfFile: out + "/1d/pages.tsv", encoding: .utf8).split(separator: "\n").count > 5)
    }

    /// `--until DAY` ends every window on that day: 1d is that whole day even when later days follow.
    @Test func windowsEndWhereTold() throws {
        let dir = TemporaryDirectory()
        let files = (0 ..< 5).map { dir.write("access.log-\($0)", Self.dayLog($0)) }.map { "'\($0)'" }
        var r = try Tool.shell("$WM run -q --out '\(dir.path)/out' --until 2026-01-03 \(files.joined(separator: " "))")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM run -q --no-state --out '\(dir.path)/day' \(files[2])")
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.columns(dir.path + "/out/1d/pages.tsv", 15) == Self.columns(dir.path + "/day/1d/pages.tsv", 15))
        let summary = try String(contentsOfFile: dir.path + "/out/1d/summary.json", encoding: .utf8)
        #expect(summary.contains("\"from\":\"2026-01-03\",\"to\":\"2026-01-03\""), "\(summary)")
        for bad in ["2026-02-30", "tomorrow", "2026-1-3x"] {
            let b = try Tool.shell("$WM run -q --no-state --out '\(dir.path)/bad' --until \(bad) \(files[0])")
            #expect(b.status == 64 && b.err.contains("--until"), "\(bad): \(b.err)")
        }
    }

    @Test func theTimeZoneOfAStoreIsKept() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let day0 = dir.write("day0.log", Self.dayLog(0)), day1 = dir.write("day1.log", Self.dayLog(1))
        var r = try Tool.shell("$WM run -q --out '\(out)' --timezone Europe/Paris '\(day0)'")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM run -q --out '\(out)' '\(day0)' '\(day1)'")
        #expect(r.status == 64, "\(r.err)")
        #expect(r.err.contains("time zone Europe/Paris") && r.err.contains("--timezone Europe/Paris"), "\(r.err)")
        r = try Tool.shell("$WM run -q --out '\(out)' --timezone Europe/Paris '\(day0)' '\(day1)'")
        #expect(r.status == 0, "\(r.err)")
        for (bad, says) in [("--windows 0d", "'0d' is not a window"), ("--windows 7d,7d", "7d is listed twice"), ("--timezone Nowhere/Land", "unknown time zone"),
                            ("--retain 3d", "shorter than the 28d window"), ("--retain=-1d", "--retain must be"), ("--retain 7d --windows 28d", "shorter than the 28d window")] {
            let b = try Tool.shell("$WM run -q --out '\(out)' \(bad) '\(day0)'")
            #expect(b.status == 64 && b.err.hasPrefix("Error: ") && b.err.contains(says), "\(bad): \(b.status) \(b.err)")
        }
    }
}
