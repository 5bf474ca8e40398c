import Foundation
import Testing
@testable import WeblogMiner

/// Click exports read as they are: their own sessions, an order column, and time layouts that the
/// built-in forms do not read.
@Suite struct TimeFormatTests {
    func read(_ pattern: String, _ text: String) throws -> Int64? {
        let format = try TimeFormat(pattern)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { format.parse($0.baseAddress!, 0, $0.count) }
    }

    @Test func layouts() throws {
        #expect(try read("%Y%m%d", "20170430") == utcMillis(2017, 4, 30))
        #expect(try read("%d.%m.%Y %H:%M:%S", "30.04.2017 13:05:09") == utcMillis(2017, 4, 30, 13, 5, 9))
        #expect(try read("%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700") == utcMillis(2000, 10, 10, 20, 55, 36))
        #expect(try read("%F %T.%f", "2016-05-09 08:00:01.25") == utcMillis(2016, 5, 9, 8, 0, 1, ms: 250))
        #expect(try read("%FT%T%z", "2016-05-09T08:00:01+02:00") == utcMillis(2016, 5, 9, 6, 0, 1))
        #expect(try read("%s", "1396437466.94") == 1_396_437_466_940)
        #expect(try read("%m/%d/%y %H:%M", "4/3/17 9:07") == utcMillis(2017, 4, 3, 9, 7))
        #expect(try read("%Y%m%d", "2017043") == utcMillis(2017, 4, 3))
        #expect(try read("%Y%m%d", "2017-04-30") == nil)
        #expect(try read("%Y%m%d", "201704301") == nil)  // a digit left over
        #expect(try read("%Y%m%d", "20171301") == nil)  // month 13
        #expect(throws: TimeFormat.Invalid.self) { try TimeFormat("%Y-%m-%q") }
        #expect(throws: TimeFormat.Invalid.self) { try TimeFormat("%H:%M") }  // no date
        #expect(throws: TimeFormat.Invalid.self) { try TimeFormat("%Y%") }
    }

    @Test func commandLineTimeFormat() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("dates.csv", "user,time,url\n" + (0 ..< 50).map { "u\($0 % 5),201704\(10 + $0 % 20),/p\($0 % 7)\n" }.joined())
        let r = try Tool.shell("$WM parse '\(file)' --time-format %Y%m%d -q")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("2017-04-10T00:00:00Z") && !r.out.contains("1970"), "\(r.out.prefix(300))")
        let bad = try Tool.shell("$WM parse '\(file)' --time-format '%Y%m%Q'")
        #expect(bad.status == 64 && bad.err.contains("unknown directive %Q"), "\(bad.err)")
    }
}

@Suite struct GivenSessionsTests {
    /// Sessions are the log's session ids (not cut by the timeout); the visitor is still --visitor.
    @Test func sessionsFromTheSessionColumn() throws {
        let dir = TemporaryDirectory()
        // Session 7 of user ann has a 2-hour pause; session 8 of ann and session 9 of bob overlap.
        let text = """
            session_id,user,url,time
            7,ann,/a,2016-05-09T08:00:00Z
            7,ann,/b,2016-05-09T10:00:00Z
            8,ann,/c,2016-05-09T10:01:00Z
            9,bob,/a,2016-05-09T10:01:30Z
            8,ann,/d,2016-05-09T10:02:00Z
            9,bob,/b,2016-05-09T10:03:00Z

            """
        let file = dir.write("export.csv", text)
        let r = try Tool.shell("$WM sessions '\(file)' --given-sessions --visitor user -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = r.out.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { "\($0[1]):\($0[9])" } == ["ann:/a /b", "ann:/c /d", "bob:/a /b"], "\(r.out)")
        // Without it, the visitor's hits are cut by the 30-minute timeout and merged across ids.
        let plain = try Tool.shell("$WM sessions '\(file)' --visitor user -q")
        let plainRows = plain.out.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false)[9] }
        #expect(plainRows == ["/a", "/b /c /d", "/a /b"], "\(plain.out)")
    }

    /// Dates only, the order within a session given by a step column, rows shuffled: with the
    /// column recognised by its name, each session's pages come in step order.
    @Test func orderColumnOrdersTiesAndDates() throws {
        let dir = TemporaryDirectory()
        var rows: [String] = []
        var expected: [String] = []
        var rng = SeededGenerator(seed: 5)
        for s in 1 ... 40 {
            let n = Int.random(in: 1 ... 12, using: &rng)
            let items = (0 ..< n).map { _ in "/i\(Int.random(in: 0 ..< 30, using: &rng))" }
            expected.append(items.joined(separator: " "))
            for (k, item) in items.enumerated() { rows.append("\(s);NA;\(item);2016-05-\(10 + s % 3);\(k + 1)\n") }
        }
        rows.shuffle(using: &rng)
        let file = dir.write("export.csv", "session_id;user_id;item_id;eventdate;step\n" + rows.joined())
        let r = try Tool.shell("$WM sessions '\(file)' --given-sessions -q")
        #expect(r.status == 0, "\(r.err)")
        let got = r.out.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[9]) }
        #expect(got.sorted() == expected.sorted())
        // NA is no user: nothing ties these sessions to a registered user.
        #expect(!r.out.contains("\tNA\t"))
    }
}
