import Foundation
import Testing
@testable import WeblogMiner

/// Deviation detection: the baseline worked out by hand, and the command and `run` on a log whose
/// traffic is flat but for one planted day.
struct AnomalyTests {
    @Test func theBaselineIsTheSameWeekdaysMedianWithNoiseFloors() throws {
        let b = SeasonalBaseline()
        // Same weekday 1..4 weeks back: 100, 110, 90, 400 (one odd week): median 105, MAD 10.
        let series: [Int32: Double] = [100: 150, 93: 100, 86: 110, 79: 90, 72: 400, 99: 5000]
        let s = try #require(b.score(day: 100, kind: .count, value: { series[$0] }))
        #expect(s.expected == 105 && s.points == 4)
        // 1.4826 x 10 = 14.826 > sqrt(106) = 10.3 and > 10% of 105.
        #expect(abs(s.scale - 14.826) < 1e-9)
        #expect(abs(s.score - 45 / 14.826) < 1e-9)
        // Equal history (MAD 0): the Poisson floor, sqrt(expected + 1), or 10% of expected.
        let flat: [Int32: Double] = [100: 130, 93: 99, 86: 99]
        let f = try #require(b.score(day: 100, kind: .count, value: { flat[$0] }))
        #expect(f.scale == 10 && f.score == 3.1)
        let big: [Int32: Double] = [100: 1300, 93: 1000, 86: 1000]
        #expect(b.score(day: 100, kind: .count, value: { big[$0] })?.scale == 100)
        // Rates: binomial noise of the day's denominator, 5% of the rate, at least 0.001.
        let rates: [Int32: Double] = [100: 0.05, 93: 0.1, 86: 0.1]
        let r = try #require(b.score(day: 100, kind: .rate, denominator: 100, value: { rates[$0] }))
        #expect(abs(r.scale - 0.03) < 1e-12)
        #expect(abs((b.score(day: 100, kind: .rate, denominator: 0, value: { rates[$0] })?.scale ?? 0) - 0.005) < 1e-12)
        // Fewer than two same weekdays before: not scored; no value that day: not scored.
        let young: [Int32: Double] = [100: 5, 93: 1, 99: 1, 98: 1]
        #expect(b.score(day: 100, kind: .count, value: { young[$0] }) == nil)
        #expect(b.score(day: 101, kind: .count, value: { series[$0] }) == nil)
    }

    /// Days 0..<days of `sessions(d)` one-view sessions on "/" (and every third on "/p"), none crossing midnight.
    static func log(days: Range<Int>, sessions: (Int) -> Int) -> String {
        var text = ""
        let base = 1_767_571_200  // 2026-01-05T00:00:00Z, a Monday
        for d in days {
            let n = sessions(d)
            for i in 0 ..< n {
                let t = Date(timeIntervalSince1970: TimeInterval(base + d * 86_400 + i * (80_000 / n)))
                let f = DateFormatter()
                f.locale = Locale(identifier: "en_US_POSIX")
                f.timeZone = TimeZone(identifier: "UTC")
                f.dateFormat = "dd/MMM/yyyy:HH:mm:ss"
                let path = i % 3 == 0 ? "/p" : "/"
                text += "10.\(d).\(i / 250).\(i % 250) - - [\(f.string(from: t)) +0000] \"GET \(path) HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\"\n"
            }
        }
        return text
    }

    @Test func aPlantedDayIsFlaggedAndNothingElse() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("a.log", Self.log(days: 0 ..< 22) { $0 == 21 ? 300 : 99 })
        let r = try Tool.shell("$WM anomalies '\(file)' -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["day", "scope", "metric", "value", "expected", "score", "direction", "baseline_days"])
        let flagged = rows.dropFirst()
        #expect(!flagged.isEmpty && flagged.allSatisfy { $0[0] == "2026-01-26" && $0[6] == "up" }, "\(r.out)")
        #expect(flagged.contains { $0[1] == "site" && $0[2] == "sessions" && $0[3] == "300" && $0[4] == "99" })
        #expect(flagged.contains { $0[1] == "/" && $0[2] == "views" })
        // The same from day partials, and nothing with a bar above the spike's score.
        let days = try Tool.shell("$WM pages --partial --by-day '\(file)' -q -o '\(dir.path)/a.days'")
        #expect(days.status == 0, "\(days.err)")
        let fromDays = try Tool.shell("$WM anomalies --days '\(dir.path)/a.days' -q")
        #expect(fromDays.status == 0 && fromDays.out == r.out, "\(fromDays.err)")
        let high = try Tool.shell("$WM anomalies '\(file)' --threshold 1000 --page-threshold 1000 -q")
        #expect(high.out.split(separator: "\n").count == 1)
        let bad = try Tool.shell("$WM anomalies '\(file)' --threshold -3 -q")
        #expect(bad.status == 64, "\(bad.err)")
    }

    @Test func runAlertsOnANewAnomalyOnly() throws {
        let dir = TemporaryDirectory()
        let before = dir.write("d0-20.log", Self.log(days: 0 ..< 21) { _ in 99 })
        let spike = dir.write("d21.log", Self.log(days: 21 ..< 22) { _ in 300 })
        let after = dir.write("d22.log", Self.log(days: 22 ..< 23) { _ in 99 })
        let out = "\(dir.path)/out"
        var r = try Tool.shell("$WM run --out '\(out)' --alert-exit '\(before)'")
        #expect(r.status == 0 && !r.err.contains("new anomalies"), "\(r.err)")
        r = try Tool.shell("$WM run --out '\(out)' --alert-exit '\(before)' '\(spike)'")
        #expect(r.status == 1 && r.err.contains("new anomalies") && r.err.contains("2026-01-26 site sessions up"), "\(r.err)")
        let table = try String(contentsOfFile: out + "/anomalies.tsv", encoding: .utf8)
        #expect(table.contains("2026-01-26\tsite\tsessions\t300\t99\t"))
        #expect(try String(contentsOfFile: out + "/28d/anomalies.tsv", encoding: .utf8) == table)
        #expect(try String(contentsOfFile: out + "/7d/anomalies.tsv", encoding: .utf8) == table)
        #expect(try String(contentsOfFile: out + "/1d/anomalies.tsv", encoding: .utf8) == table)
        // The next night is ordinary: the spike stays in the table, but it is not new.
        r = try Tool.shell("$WM run --out '\(out)' --alert-exit '\(before)' '\(spike)' '\(after)'")
        #expect(r.status == 0 && !r.err.contains("new anomalies"), "\(r.err)")
        let next = try String(contentsOfFile: out + "/anomalies.tsv", encoding: .utf8)
        #expect(next.contains("2026-01-26\tsite\tsessions"))
        #expect(try String(contentsOfFile: out + "/1d/anomalies.tsv", encoding: .utf8).split(separator: "\n").count == 1)
        // Without --alert-exit the night that finds one still exits 0, and says so.
        let quiet = "\(dir.path)/out2"
        r = try Tool.shell("$WM run --no-state --out '\(quiet)' '\(before)' '\(spike)'")
        #expect(r.status == 0 && r.err.contains("new anomalies"), "\(r.err)")
    }

    /// `log(days:)` with, on every day, `failed(d)` requests answered 500 and `robot(d)` requests by a crawler.
    static func log(days: Range<Int>, failed: (Int) -> Int, robot: (Int) -> Int) -> String {
        var text = log(days: days) { _ in 99 }
        let base = 1_767_571_200
        for d in days {
            for i in 0 ..< failed(d) {
                text += "10.\(d).9.\(i % 250) - - [\(stamp(base + d * 86_400 + 600 + i))] \"GET /checkout HTTP/1.1\" 500 10 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\"\n"
            }
            for i in 0 ..< robot(d) {
                text += "66.249.66.1 - - [\(stamp(base + d * 86_400 + 900 + i))] \"GET /p HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)\"\n"
            }
        }
        return text
    }

    static func stamp(_ seconds: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "dd/MMM/yyyy:HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))) + " +0000"
    }

    /// The error rate and robot share: counted per day from every request read (kept or dropped), so
    /// a checkout answering 500 or a crawler storm, which sessions do not show, is flagged; `run`
    /// keeps the counts with its days and flags the same, and a robot's failures are not errors.
    @Test func failedRequestsAndRobotsMakeTheirOwnSeries() throws {
        let dir = TemporaryDirectory()
        // Day 21 (2026-01-26): 40 failed checkouts; day 22: a crawler storm of 300 pages (10 on other days).
        let file = dir.write("a.log", Self.log(days: 0 ..< 23, failed: { $0 == 21 ? 40 : 1 }, robot: { $0 == 22 ? 300 : 10 }))
        let r = try Tool.shell("$WM anomalies '\(file)' -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = r.out.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        // 99 page views + 1 failed + 10 robot requests on an ordinary day: 1/110 and 10/110; on the
        // planted days 40/(99 + 40 + 10) and 300/(99 + 1 + 300).
        #expect(rows.contains { $0[0] == "2026-01-26" && $0[1] == "site" && $0[2] == "error_rate" && $0[3] == "0.2685" && $0[4] == "0.0091" && $0[6] == "up" }, "\(r.out)")
        #expect(rows.contains { $0[0] == "2026-01-27" && $0[1] == "site" && $0[2] == "robot_share" && $0[3] == "0.75" && $0[4] == "0.0909" && $0[6] == "up" }, "\(r.out)")
        // Nothing else on the site: sessions are the same every day.
        #expect(rows.filter { $0[1] == "site" }.count == 2, "\(r.out)")
        // Day partials made from sessions alone have no request counts: those series are not scored.
        _ = try Tool.shell("$WM pages --partial --by-day '\(file)' -q -o '\(dir.path)/a.days'")
        let fromDays = try Tool.shell("$WM anomalies --days '\(dir.path)/a.days' -q")
        #expect(fromDays.status == 0 && !fromDays.out.contains("error_rate") && !fromDays.out.contains("robot_share"), "\(fromDays.out)")
        // run keeps them with its days: the same rows, in two nights.
        let first = dir.write("first.log", Self.log(days: 0 ..< 21, failed: { _ in 1 }, robot: { _ in 10 }))
        let second = dir.write("second.log", Self.log(days: 21 ..< 23, failed: { $0 == 21 ? 40 : 1 }, robot: { $0 == 22 ? 300 : 10 }))
        let out = "\(dir.path)/out"
        var run = try Tool.shell("$WM run --out '\(out)' '\(first)' -q")
        #expect(run.status == 0, "\(run.err)")
        run = try Tool.shell("$WM run --out '\(out)' '\(first)' '\(second)' -q")
        #expect(run.status == 0, "\(run.err)")
        let table = try String(contentsOfFile: out + "/anomalies.tsv", encoding: .utf8)
        for metric in ["error_rate", "robot_share"] {
            let mine = r.out.split(separator: "\n").filter { $0.contains("\tsite\t\(metric)\t") }
            #expect(!mine.isEmpty && mine.allSatisfy { table.contains(String($0)) }, "\(table)")
        }
        // Errors are kept by day: each window lists its own (1d: the newest day's one failure).
        let oneDay = try String(contentsOfFile: out + "/1d/errors.tsv", encoding: .utf8)
        #expect(oneDay.contains("500\t/checkout\t1\t"), "\(oneDay)")
        let week = try String(contentsOfFile: out + "/7d/errors.tsv", encoding: .utf8)
        #expect(week.contains("500\t/checkout\t46\t"), "\(week)")   // days 16-20 one each, 40, then 1
    }
}

