import Foundation
import Testing
@testable import WeblogMiner

/// Day partials as text with page names (`pages --partial --by-day`, `merge --kind days`): they read
/// back as written, days of parts of the data merge into the days of the whole, and they equal the
/// days `run` keeps in its state store.
@Suite(.serialized) struct DayPartialTests {
    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    /// Page names with TSV specials and invalid UTF-8, three days of sessions, conversions: every
    /// figure and every name comes back, and writing what was read gives the same bytes.
    @Test func textRoundTripKeepsEveryFigure() throws {
        var names = ByteStringInterner()
        let raw: [[UInt8]] = [Array("/".utf8), Array("/a\tb".utf8), Array("/back\\slash".utf8), [0x2F, 0xFF, 0xFE, 0x00], Array("/new\nline".utf8), Array("/unused".utf8)]
        for n in raw { _ = names.intern(n) }
        var days = DayPartials(timezone: "UTC")
        var rng = SeededGenerator(seed: 9)
        for id in 1 ... 240 {
            let s = UsagePartialTests.session(id, visitor: UInt64.random(in: 1 ... 30, using: &rng), at: Int64(id % 3) * 86_400_000 + Int64(id) * 60_000,
                                              pages: (0 ..< Int.random(in: 1 ... 5, using: &rng)).map { _ in Int32.random(in: 0 ..< 5, using: &rng) })
            days.add(s, calendar: .utc, converts: id % 5 == 0)
        }
        days.pages = names
        let dir = TemporaryDirectory()
        let path = dir.path + "/a.days"
        try days.write(to: OutputStream.open(path))
        let text = Self.bytes(path)
        let back = try DayPartials.read(text, source: path)
        #expect(back.timezone == "UTC" && back.days.keys.sorted() == days.days.keys.sorted() && back.days.count == 3)
        #expect(back.pages.count == 5)  // the unused page is not listed
        let newID: [Int32] = (0 ..< Int32(names.count)).map { id in
            Array(names.bytes(of: id)).withUnsafeBufferPointer { back.pages.find($0.baseAddress!, $0.count) } ?? -1
        }
        #expect(newID[..<5].allSatisfy { $0 >= 0 } && newID[5] == -1)
        for (day, original) in days.days {
            let read = try #require(back.days[day])
            let same = read.encoded() == original.remapped(newID).encoded()
            #expect(same, "day \(day) differs")
            #expect(read.visitors == original.visitors && read.sessions == original.sessions && read.pageViews == original.pageViews)
            #expect(read.viewsByHour == original.viewsByHour && read.durationMillis == original.durationMillis)
            #expect(read.pages.visitorPairs.count == original.pages.visitorPairs.count && read.visitorHashes.count == original.visitors)
            for (id, p) in original.pages.pages {
                let q = try #require(read.pages.pages[newID[Int(id)]])
                let got: [Int] = [q.views, q.visitors, q.entries, q.exits, q.bounces], expected: [Int] = [p.views, p.visitors, p.entries, p.exits, p.bounces]
                #expect(got == expected)
                #expect(q.medianDwellMillis == p.medianDwellMillis && q.dwellHistogram == p.dwellHistogram)
                #expect(read.conversions[newID[Int(id)]] == original.conversions[id])
            }
            #expect(read.conversions.values.reduce(0, +) > 0 || original.conversions.isEmpty)
        }
        let again = dir.path + "/b.days"
        try back.write(to: OutputStream.open(again))
        let same = Self.bytes(again) == text
        #expect(same, "writing what was read changed the file")
    }

    /// The sample log split into three groups of visitors (by client address): their day files
    /// merged are the day file of the whole log byte for byte (views, distinct visitors, dwell
    /// histograms and so medians), and the pages table of the merged days is `pages` of the log.
    /// Merging a file with a part of itself counts that part's visitors once (unions, not sums).
    @Test func daysOfVisitorGroupsMergeIntoTheWhole() throws {
        let dir = TemporaryDirectory()
        let log = Paths.fixture("access/apache-combined-2000.log.gz")
        var r = try MergeTests.splitByClient(log, into: dir.path)
        #expect(r.status == 0, "\(r.err)")
        let zone = "--timezone +09:00"
        r = try Tool.shell("""
            cd '\(dir.path)' && for p in part-*.log; do $WM pages -q --partial --by-day \(zone) $p -o $p.days || exit 1; done
            $WM merge --kind days part-*.days -o merged.days && $WM pages -q --partial --by-day \(zone) '\(log)' -o direct.days \
              && $WM merge --kind days merged.days -o again.days && $WM merge --kind days --pages merged.days -o merged-pages.tsv \
              && $WM pages -q '\(log)' -o direct-pages.tsv && $WM merge --kind days --pages direct.days part-0.log.days -o overlap.tsv \
              && $WM merge --kind days --pages part-0.log.days -o part0.tsv && ls part-*.days | wc -l
            """)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let direct = Self.bytes(dir.path + "/direct.days")
        let mergedEqual = Self.bytes(dir.path + "/merged.days") == direct, againEqual = Self.bytes(dir.path + "/again.days") == direct
        #expect(mergedEqual, "merged.days differs from direct.days")
        #expect(againEqual, "again.days differs from direct.days")
        let days = try DayPartials.read(direct, source: "direct.days")
        #expect(days.days.count == 2 && days.timezone == "+09:00")
        let pages = try String(contentsOfFile: dir.path + "/direct-pages.tsv", encoding: .utf8)
        #expect(try String(contentsOfFile: dir.path + "/merged-pages.tsv", encoding: .utf8) == pages)
        #expect(pages.split(separator: "\n").count > 50)
        // The whole merged with one of its parts: the same visitors, more views.
        func table(_ name: String) throws -> [String: [String]] {
            let rows = try String(contentsOfFile: dir.path + "/" + name, encoding: .utf8).split(separator: "\n").dropFirst()
            return Dictionary(uniqueKeysWithValues: rows.map { row in let f = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init); return (f[0], f) })
        }
        let whole = try table("direct-pages.tsv"), overlap = try table("overlap.tsv"), part = try table("part0.tsv")
        #expect(!part.isEmpty && overlap.count == whole.count)
        // Columns 1 and 2: views and visitors.
        let wrongVisitors = whole.filter { overlap[$0.key]?[2] != $0.value[2] }.keys.sorted()
        let wrongViews = whole.filter { Int(overlap[$0.key]?[1] ?? "") != Int($0.value[1])! + Int(part[$0.key]?[1] ?? "0")! }.keys.sorted()
        #expect(wrongVisitors.isEmpty, "visitors differ: \(wrongVisitors.prefix(5))")
        #expect(wrongViews.isEmpty, "views are not the sums: \(wrongViews.prefix(5))")
    }

    /// `pages --partial --by-day` gives each day exactly the partial `run` stores for it, as `merge
    /// --kind days --state` reads it out of the store (the newest day is left out: it holds the sessions
    /// still open and the night's cleaning counts), but for the request counts that only run keeps.
    @Test func daysEqualTheDaysRunStores() throws {
        let dir = TemporaryDirectory()
        let log = Paths.fixture("access/apache-combined-2000.log.gz")
        var r = try Tool.shell("""
            cd '\(dir.path)' && $WM run -q --out out --state st.sqlite --timezone=+09:00 --conversion '^/blog/geekery/' '\(log)' \
              && $WM pages -q --partial --by-day --timezone=+09:00 --conversion '^/blog/geekery/' '\(log)' -o by-day.days \
              && $WM merge --kind days --state st.sqlite -o store.days
            """)
        #expect(r.status == 0, "\(r.err)")
        let mine = try DayPartials.read(Self.bytes(dir.path + "/by-day.days"), source: "by-day.days")
        let stored = try DayPartials.read(Self.bytes(dir.path + "/store.days"), source: "store.days")
        #expect(stored.days.count == 2 && mine.days.keys.sorted() == stored.days.keys.sorted() && stored.timezone == "+09:00")
        // Besides, run keeps each day's requests and failed requests from the logs it reads (sessions alone do not give them).
        #expect(stored.days.values.allSatisfy { $0.requests.requests > 0 } && mine.days.values.allSatisfy { $0.requests.requests == 0 && $0.errors.isEmpty })
        #expect(stored.days.values.contains { !$0.errors.isEmpty })
        func canonical(_ d: DayPartials, _ day: Int32) throws -> [UInt8] {
            var partial = try #require(d.days[day])
            partial.requests = DailyRequests.Counts()
            partial.errors = ErrorCounts()
            let one = DayPartials(timezone: d.timezone, pages: d.pages, days: [day: partial])
            let path = dir.path + "/one.days"
            try one.write(to: OutputStream.open(path))
            return Self.bytes(path)
        }
        let compared = try #require(stored.days.keys.min())
        #expect((stored.days[compared]?.convertedSessions ?? 0) > 0 && stored.days[compared]?.conversions.isEmpty == false)
        for day in stored.days.keys.sorted().dropLast() {
            let same = try canonical(mine, day) == canonical(stored, day)
            #expect(same, "\(SiteCalendar.label(day)) differs from the day run stored")
        }
        // While a run holds the store's lock, its days are not read half-written.
        let lock = try RunLock(path: dir.path + "/st.sqlite.lock")
        r = try Tool.shell("$WM merge --kind days --state '\(dir.path)/st.sqlite'")
        #expect(r.status == 75 && r.err.contains("another weblog-miner run is working on this state"), "\(r.err)")
        withExtendedLifetime(lock) {}
        r = try Tool.shell("$WM merge --kind days --state '\(dir.path)/none.sqlite'")
        #expect(r.status == 66 && r.err.contains("no state store at"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/none.sqlite"))
    }

    /// Damaged files are refused (exit 65) with the file and line named, never merged in part.
    @Test func damagedDayFilesAreRefused() throws {
        let dir = TemporaryDirectory()
        let log = Paths.fixture("access/apache-combined-2000.log.gz")
        var r = try Tool.shell("cd '\(dir.path)' && $WM pages -q --partial --by-day '\(log)' -o good.days && $WM pages -q --partial --by-day --timezone Europe/Paris '\(log)' -o paris.days")
        #expect(r.status == 0, "\(r.err)")
        let good = try String(contentsOfFile: dir.path + "/good.days", encoding: .utf8)
        var lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.last == "")
        lines.removeLast()
        let firstDay = try #require(lines.firstIndex { $0.hasPrefix("day\t") })
        let pageLine = try #require(lines.firstIndex { $0.hasPrefix("page\t1\t") })
        func variant(_ name: String, _ edit: (inout [String]) -> Void) -> String {
            var l = lines
            edit(&l)
            return dir.write(name, Array((l.joined(separator: "\n") + "\n").utf8))
        }
        let cases: [(String, String)] = [
            (variant("header.days") { $0[0] = "#weblog-miner pages partial v1" }, "header.days: not a days partial"),
            (variant("b64.days") { $0[firstDay] = $0[firstDay].replacingOccurrences(of: "A", with: "!") }, "b64.days:\(firstDay + 1): day "),
            (variant("bytes.days") { l in
                var f = l[firstDay].split(separator: "\t").map(String.init)
                var b = [UInt8](Data(base64Encoded: f[2])!)
                b.removeLast(4)
                f[2] = Data(b).base64EncodedString()
                l[firstDay] = f.joined(separator: "\t")
            }, "bytes.days:\(firstDay + 1): day "),
            (variant("cut.days") { $0.removeLast() }, "cut.days:\(lines.count): the file ends before its end line"),
            (variant("lost.days") { $0.remove(at: firstDay) }, "lost.days:\(lines.count - 1): the end line counts 2 days but the file holds 1"),
            (variant("twice.days") { $0[pageLine] = $0[pageLine - 1].replacingOccurrences(of: "page\t0\t", with: "page\t1\t") }, "twice.days:\(pageLine + 1): page listed twice"),
            (variant("label.days") { $0[firstDay] = $0[firstDay].replacingOccurrences(of: "-05-", with: "-13-") }, "label.days:\(firstDay + 1): malformed day line"),
            (variant("junk.days") { $0.insert("pages\t3", at: 2) }, "junk.days:3: malformed line"),
        ]
        for (file, message) in cases {
            try? FileManager.default.removeItem(atPath: dir.path + "/out.days")
            r = try Tool.shell("$WM merge --kind days '\(dir.path)/good.days' '\(file)' -o '\(dir.path)/out.days'")
            #expect(r.status == 65 && r.err.contains(message), "\(message): exit \(r.status), \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/out.days"))
        }
        r = try Tool.shell("$WM merge --kind days '\(dir.path)/good.days' '\(dir.path)/paris.days'")
        #expect(r.status == 65 && r.err.contains("paris.days: its days are in time zone Europe/Paris, not UTC"), "\(r.err)")
        r = try Tool.shell("$WM pages -q --by-day '\(log)'")
        #expect(r.status == 64 && r.err.contains("--by-day goes with --partial"), "\(r.err)")
        r = try Tool.shell("$WM pages -q --partial --by-day --timezone Mars/Olympus '\(log)'")
        #expect(r.status == 64 && r.err.contains("unknown time zone"), "\(r.err)")
    }
}
