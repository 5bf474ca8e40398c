import Foundation
import Testing
@testable import WeblogMiner

/// Input as it really comes (issue "messy real inputs"): out of time order, with a bogus timestamp,
/// rotated beside empty files, read while a line is being written, unreadable after a good night,
/// robots.txt asked for with a 404. Nothing may be lost silently or counted twice.
@Suite(.serialized) struct MessyInputTests {
    /// A click export sorted by session id (as YooChoose ships): every session's clicks are in time
    /// order, but the sessions overlap in time, so the file as a whole is far out of order.
    static func sessionSortedExport(sessions: Int = 300) -> (text: String, clicks: Int, timeSorted: String) {
        var rows: [(session: Int, item: Int, time: Double)] = []
        var rng = SeededGenerator(seed: 7)
        for s in 1 ... sessions {
            let start = 1_396_000_000.0 + Double(Int.random(in: 0 ..< 86_400 * 3, using: &rng))
            var t = start
            for _ in 0 ..< Int.random(in: 1 ... 8, using: &rng) {
                rows.append((s, Int.random(in: 214_000_000 ..< 214_000_400, using: &rng), t))
                t += Double(Int.random(in: 5 ..< 900, using: &rng)) + 0.25
            }
        }
        func render(_ r: [(session: Int, item: Int, time: Double)]) -> String {
            "SessionId\tItemId\tTime\n" + r.map { "\($0.session)\t\($0.item)\t\($0.time)\n" }.joined()
        }
        // Stable sort by time: ties keep the session order, as the external sort does.
        let byTime = rows.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return (render(rows), rows.count, render(byTime))
    }

    @Test func sessionSortedClickExportIsSortedNotDropped() throws {
        let dir = TemporaryDirectory()
        let export = Self.sessionSortedExport()
        let file = dir.write("clicks.tsv", export.text)
        let sorted = dir.write("sorted.tsv", export.timeSorted)
        let reference = try Tool.shell("$WM sessions '\(sorted)' -o '\(dir.path)/reference.tsv'")
        #expect(reference.status == 0 && reference.err.contains("late (beyond reorder window) 0"), "\(reference.err)")
        var r = try Tool.shell("$WM sessions '\(file)' -o '\(dir.path)/out.tsv'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("input not in time order: sorted \(export.clicks) hits"), "\(r.err)")
        #expect(r.err.contains("-> \(export.clicks) page views") && r.err.contains("late (beyond reorder window) 0"), "\(r.err)")
        let expected = try String(contentsOfFile: dir.path + "/reference.tsv", encoding: .utf8)
        #expect(try String(contentsOfFile: dir.path + "/out.tsv", encoding: .utf8) == expected)
        // Tiny sort runs: many spilled runs merged from temporary files give the same sessions.
        r = try Tool.shell("WEBLOG_MINER_SORT_RUN_BYTES=2048 $WM sessions '\(file)' -q > '\(dir.path)/spilled.tsv'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try String(contentsOfFile: dir.path + "/spilled.tsv", encoding: .utf8) == expected)
        // Standard input cannot be read twice: with --order sort it is sorted first ...
        r = try Tool.shell("cat '\(file)' | $WM sessions - --order sort -q")
        #expect(r.status == 0 && r.out == expected, "\(r.err)")
        // ... and without, what comes too late is never silent: counted, named, exit 65.
        r = try Tool.shell("cat '\(file)' | $WM sessions - > /dev/null")
        #expect(r.status == 65, "\(r.err)")
        #expect(r.err.contains("left out") && r.err.contains("--order sort"), "\(r.err)")
        // The nightly job reads the same export in full.
        r = try Tool.shell("$WM run --no-state --out '\(dir.path)/run' '\(file)' -q")
        #expect(r.status == 0, "\(r.err)")
        let runSessions = try String(contentsOfFile: dir.path + "/run/sessions.tsv", encoding: .utf8)
        #expect(runSessions.split(separator: "\n").count == expected.split(separator: "\n").count)
    }

    /// Hits without a page (a JSON log whose URL key is not known) are counted and named; past the
    /// reject ratio the run fails. Hits without the visitor key the user chose are only noted.
    @Test func hitsWithoutAPageAreNeverLeftOutSilently() throws {
        let dir = TemporaryDirectory()
        let lines = (0 ..< 100).map { i in
            i % 2 == 0 ? #"{"ts":\#(1_733_500_000 + i),"client":"1.2.3.\#(i % 3)","link":"/p\#(i)"}"# : #"{"ts":\#(1_733_500_000 + i),"client":"1.2.3.\#(i % 3)","url":"/p\#(i)"}"#
        }
        let half = dir.write("half.jsonl", lines.joined(separator: "\n") + "\n")
        var r = try Tool.shell("$WM sessions '\(half)' -o /dev/null")
        #expect(r.status == 65, "\(r.err)")
        #expect(r.err.contains("50 of 100 hits (50.00%) have no page (URL or path) and were left out; name the field with --field url=NAME"), "\(r.err)")
        #expect(r.err.contains("without a page 50"), "\(r.err)")
        r = try Tool.shell("$WM run --no-state --out '\(dir.path)/out' '\(half)' -q")
        #expect(r.status == 65, "\(r.err)")
        // The way out that the message names.
        let linked = dir.write("linked.jsonl", lines.map { $0.replacingOccurrences(of: "\"url\"", with: "\"link\"") }.joined(separator: "\n") + "\n")
        r = try Tool.shell("$WM sessions '\(linked)' -q -o /dev/null")
        #expect(r.status == 65, "\(r.err)")
        r = try Tool.shell("$WM sessions --field url=link '\(linked)' -q -o /dev/null")
        #expect(r.status == 0, "\(r.err)")
        // One in a hundred: said, and the run goes on.
        let one = dir.write("one.jsonl", lines.enumerated().map { $0.offset % 2 == 1 || $0.offset == 0 ? $0.element : $0.element.replacingOccurrences(of: "link", with: "url") }.joined(separator: "\n") + "\n")
        r = try Tool.shell("$WM sessions '\(one)' -o /dev/null")
        #expect(r.status == 0 && r.err.contains("warning: 1 of 100 hits (1.00%) have no page"), "\(r.err)")
        // --visitor user leaves out anonymous hits by choice: noted, exit 0.
        r = try Tool.shell("$WM sessions --visitor user '\(one)' -o /dev/null")
        #expect(r.status == 0 && r.err.contains("99 of 100 hits (99.00%) have no visitor key (--visitor user)"), "\(r.err)")
    }

    /// Excel and other Windows tools start text with a byte order mark: a UTF-8 mark is dropped (the
    /// header's first name is found), UTF-16 text is named with the way to convert it.
    @Test func aByteOrderMarkDoesNotHideTheHeader() throws {
        let dir = TemporaryDirectory()
        let rows = "time,visitor,url\r\n2024-12-06T10:00:00Z,v1,/a\r\n2024-12-06T10:00:10Z,v1,/b\r\n"
        let csv = dir.path + "/excel.csv"
        FileManager.default.createFile(atPath: csv, contents: Data([0xEF, 0xBB, 0xBF]) + Data(rows.utf8))
        var r = try Tool.shell("$WM sessions '\(csv)' -q")
        #expect(r.status == 0 && r.out.contains("\tv1\t") && r.out.contains("/a /b"), "\(r.err)")
        let json = dir.path + "/bom.jsonl"
        FileManager.default.createFile(atPath: json, contents: Data([0xEF, 0xBB, 0xBF]) + Data(#"{"ts":1733500000,"url":"/a","visitor":"x"}"#.utf8 + [10]))
        r = try Tool.shell("$WM sessions '\(json)' -q")
        #expect(r.status == 0 && r.out.contains("\tx\t"), "\(r.err)")
        let utf16 = dir.path + "/powershell.csv"
        FileManager.default.createFile(atPath: utf16, contents: rows.data(using: .utf16LittleEndian).map { Data([0xFF, 0xFE]) + $0 })
        r = try Tool.shell("$WM sessions '\(utf16)' -o /dev/null")
        #expect(r.status == 65 && r.err.contains("powershell.csv: UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8"), "\(r.err)")
    }

    /// Exports shipped without a header row (YooChoose's clicks.dat: session,time,item,category;
    /// Taobao's user,item,category,behaviour,time) are read without options: the time column is
    /// found by its content, the first other column is the session, the second the page, and the
    /// guess is named. The result equals the same columns named by hand.
    @Test func headerlessExportsAreGuessedAndTheGuessIsNamed() throws {
        let dir = TemporaryDirectory()
        let yoochoose = dir.write("clicks.dat", (1 ... 40).map { s in
            (0 ..< 3).map { k in "\(s),2014-04-0\(1 + s % 7)T10:\(10 + k * 7):0\(s % 10).\(100 + s)Z,\(214_536_500 + (s * 7 + k) % 23),0\n" }.joined()
        }.joined())
        var r = try Tool.shell("$WM sessions '\(yoochoose)' -o '\(dir.path)/guessed.tsv'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("without a header row, columns guessed as time=2, session=1 (also the visitor), url=3"), "\(r.err)")
        #expect(r.err.contains("-> 120 page views"), "\(r.err)")
        r = try Tool.shell("$WM sessions --format csv --no-header --field time=2 --field session=1 --field url=3 '\(yoochoose)' -q -o '\(dir.path)/named.tsv'")
        #expect(r.status == 0, "\(r.err)")
        let named = try String(contentsOfFile: dir.path + "/named.tsv", encoding: .utf8)
        #expect(try String(contentsOfFile: dir.path + "/guessed.tsv", encoding: .utf8) == named && named.contains("214536"))
        // Epoch seconds last, ids first (Taobao's shape): the ids are not taken for times.
        let taobao = dir.write("UserBehavior.csv", (0 ..< 30).map { i in "\(1000 + i % 5),\(2_268_318 + i),4\(i % 3),pv,\(1_511_544_070 + i * 60)\n" }.joined())
        r = try Tool.shell("$WM sessions '\(taobao)' -q")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.split(separator: "\n").count == 6 && r.out.contains("2268318"), "\(r.out)")
        // An access log saved as CSV (as ../shared/data/access/weblog.csv): the request line gives the
        // page, the addresses the visitor, the status column the failed requests.
        let saved = dir.write("weblog.csv", (0 ..< 30).map { i in
            "10.128.2.\(i % 4),[29/Nov/2017:06:\(10 + i):0\(i % 10),GET /p\(i % 7).php HTTP/1.1,\(i % 9 == 0 ? 404 : 200),,,\n"
        }.joined())
        r = try Tool.shell("$WM sessions '\(saved)' -o '\(dir.path)/saved-guessed.tsv'")
        #expect(r.status == 0 && r.err.contains("columns guessed as time=2, request=3, client=1, status=4"), "\(r.err)")
        #expect(r.err.contains("failed status 4"), "\(r.err)")
        r = try Tool.shell("$WM sessions --format csv --no-header --field client=1 --field time=2 --field request=3 --field status=4 '\(saved)' -q -o '\(dir.path)/saved-named.tsv'")
        let savedNamed = try String(contentsOfFile: dir.path + "/saved-named.tsv", encoding: .utf8)
        #expect(r.status == 0 && savedNamed.contains("/p1.php"), "\(r.err)")
        #expect(try String(contentsOfFile: dir.path + "/saved-guessed.tsv", encoding: .utf8) == savedNamed)
        // Two columns that both read as times, and nothing else: still refused, with the way out.
        let ambiguous = dir.write("two.csv", (0 ..< 5).map { "\(1_511_544_070 + $0),\(1_511_544_170 + $0),x\n" }.joined())
        r = try Tool.shell("$WM sessions '\(ambiguous)' -q")
        #expect(r.status == 65 && r.err.contains("cannot detect the log format") && r.err.contains("--no-header --field time=N"), "\(r.err)")
    }

    @Test func rejectsAreListedOnceWhenTheInputIsReadAgainSorted() throws {
        // Two files out of order with bad lines: the streaming pass is abandoned and the files read
        // again through the sort; the rejects file lists each bad line once.
        let dir = TemporaryDirectory()
        var paths: [String] = []
        for f in 0 ..< 2 {
            var lines = Self.orderedLines(f * 3000 ..< f * 3000 + 3000).split(separator: "\n").map { String($0) + "\n" }
            var rng = SeededGenerator(seed: UInt64(f + 1))
            lines.shuffle(using: &rng)
            for k in stride(from: 7, to: lines.count, by: 97) { lines[k] = "garbage line \(f)-\(k)\n" }
            paths.append(dir.write("part\(f).log", lines.joined()))
        }
        let r = try Tool.shell("$WM sessions '\(paths[0])' '\(paths[1])' --rejects '\(dir.path)/rejects.tsv' -o '\(dir.path)/s.tsv'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("input not in time order: sorted"), "\(r.err)")
        let rejects = try String(contentsOfFile: dir.path + "/rejects.tsv", encoding: .utf8).split(separator: "\n")
        let expected = 2 * stride(from: 7, to: 3000, by: 97).underestimatedCount
        #expect(rejects.first == "file\tline\treason\ttext")
        #expect(rejects.count - 1 == expected, "\(rejects.count - 1) rejects listed, \(expected) expected")
        #expect(Set(rejects).count == rejects.count, "a reject listed twice")
    }

    @Test func aSortWithoutRoomForItsTemporaryFilesFailsClearly() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("clicks.tsv", Self.sessionSortedExport().text)
        let r = try Tool.shell("TMPDIR='\(dir.path)/missing' WEBLOG_MINER_SORT_RUN_BYTES=2048 $WM sessions '\(file)' -o '\(dir.path)/out.tsv' --order sort")
        #expect(r.status == 74, "\(r.status) \(r.err)")
        #expect(r.err.contains("external sort") && r.err.contains("TMPDIR"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/out.tsv"))
    }

    @Test func largeReorderWindowGivesTheSortedResult() throws {
        // Every hit within the window: the reorder queue itself puts a fully shuffled log in order.
        let dir = TemporaryDirectory()
        var lines = InputTests.logLines(0 ..< 3000).split(separator: "\n").map { String($0) + "\n" }
        let inOrder = dir.write("in-order.log", lines.joined())
        var rng = SeededGenerator(seed: 3)
        lines.shuffle(using: &rng)
        let shuffled = dir.write("shuffled.log", lines.joined())
        let a = try Tool.shell("$WM sessions '\(inOrder)' -q")
        let b = try Tool.shell("$WM sessions '\(shuffled)' --reorder-window 2h --order stream -q")
        #expect(a.status == 0 && b.status == 0, "\(b.err)")
        #expect(a.out == b.out)
        #expect(a.out.split(separator: "\n").count > 100)
    }

    @Test func oneFutureTimestampIsRejectedAndDoesNotMoveTime() throws {
        let dir = TemporaryDirectory()
        let lines = InputTests.logLines(0 ..< 2000).split(separator: "\n").map { String($0) + "\n" }
        let clean = dir.write("clean.log", lines.joined())
        var bad = lines
        bad.insert("10.9.9.9 - - [02/Mar/2035:10:00:00 +0000] \"GET /future HTTP/1.1\" 200 1 \"-\" \"agent x\"\n", at: 100)
        let broken = dir.write("broken.log", bad.joined())
        let a = try Tool.shell("$WM sessions '\(clean)' -q")
        let b = try Tool.shell("$WM sessions '\(broken)' --rejects '\(dir.path)/rejects.tsv'")
        #expect(b.status == 0, "\(b.err)")
        #expect(a.out == b.out, "the 2035 line changed the sessions")
        let rejects = try String(contentsOfFile: dir.path + "/rejects.tsv", encoding: .utf8)
        #expect(rejects.contains("broken.log\t101\tbad_time"), "\(rejects)")
        #expect(b.err.contains("bad_time 1"), "\(b.err)")
    }

    @Test func datesReadAsEpochSecondsAreImplausibleAndNamed() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("dates.csv", "user,time,url\n" + (0 ..< 50).map { "u\($0 % 5),201704\(10 + $0 % 20),/p\($0 % 7)\n" }.joined())
        let r = try Tool.shell("$WM sessions '\(file)' > /dev/null")
        #expect(r.status == 65, "\(r.err)")
        #expect(r.err.contains("bad_time") && r.err.contains("--time-format"), "\(r.err)")
    }

    @Test func robotsTxtWithA404StillMarksARobot() throws {
        let dir = TemporaryDirectory()
        var text = "10.1.1.1 - - [02/Mar/2026:10:00:00 +0000] \"GET /robots.txt HTTP/1.1\" 404 0 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0\"\n"
        for i in 1 ... 5 { text += "10.1.1.1 - - [02/Mar/2026:10:00:0\(i) +0000] \"GET /page\(i) HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0\"\n" }
        text += "10.2.2.2 - - [02/Mar/2026:10:00:09 +0000] \"GET /page1 HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\"\n"
        let file = dir.write("robots.log", text)
        let r = try Tool.shell("$WM sessions '\(file)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("robots.txt fetchers 6 hits/1 visitors"), "\(r.err)")
        #expect(r.out.split(separator: "\n").count == 2)  // header + the browser's session
    }

    // MARK: - The nightly job's state

    /// Combined lines one second apart from 10:00:00 (in time order however many), one visitor per line.
    static func orderedLines(_ range: Range<Int>) -> String {
        range.map { i in
            let t = 10 * 3600 + i
            return "10.0.\(i / 250 % 250).\(i % 250) - - [02/Mar/2026:\(String(format: "%02d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)) +0000] \"GET /page/\(i % 40) HTTP/1.1\" 200 \(i) \"-\" \"agent \(i % 7)\"\n"
        }.joined()
    }

    static func hits(_ out: String) throws -> Int {
        let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
        guard let range = summary.range(of: #""hits":\s*[0-9]+"#, options: .regularExpression) else { return -1 }
        return Int(summary[range].split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) ?? -1
    }

    @Test func rotationBesideAnEmptyFileIsNotCountedTwice() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        // The always-empty file named first: the store lists its record before the real log's.
        let vhosts = dir.write("other_vhosts_access.log", "")
        let log = dir.write("access.log", InputTests.logLines(0 ..< 3000))
        var r = try Tool.shell("$WM run -q --out '\(out)' '\(vhosts)' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        let once = try Self.hits(out)
        #expect(once == 3000)
        // logrotate: access.log -> access.log.1, a new empty access.log.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        dir.write("access.log", "")
        r = try Tool.shell("$WM run -q --out '\(out)' '\(log)' '\(log).1' '\(vhosts)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.hits(out) == once, "a rotated file was read again")
        // The new access.log fills up: only its lines are new.
        try InputTests.logLines(3000 ..< 3500).write(toFile: log, atomically: false, encoding: .utf8)
        r = try Tool.shell("$WM run -q --out '\(out)' '\(log)' '\(log).1' '\(vhosts)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.hits(out) == 3500)
    }

    /// Overlapping globs, a link and an identical copy name the same log several times in one night:
    /// it is read once, and the run says so.
    @Test func theSameLogNamedTwiceInOneNightIsReadOnce() throws {
        let dir = TemporaryDirectory()
        let log = dir.write("access.log", InputTests.logLines(0 ..< 3000))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link.log", withDestinationPath: log)
        try FileManager.default.copyItem(atPath: log, toPath: dir.path + "/copy.log")
        // A log that differs in its last line only is another log.
        let other = dir.write("other.log", InputTests.logLines(0 ..< 2999) + InputTests.logLines(5000 ..< 5001))
        for noState in ["", "--no-state"] {
            let out = dir.path + "/out" + noState
            let r = try Tool.shell("$WM run \(noState) --out '\(out)' '\(log)' '\(log)' '\(dir.path)/link.log' '\(dir.path)/copy.log'")
            #expect(r.status == 0, "\(r.err)")
            #expect(try Self.hits(out) == 3000, "a log named several times was read more than once")
            #expect(r.err.contains("copy.log is the same log as \(log) (identical content): read once"), "\(r.err)")
            #expect(r.err.contains("link.log is the same log as \(log) (the same file): read once"), "\(r.err)")
            #expect(r.err.contains("1 log files read, 0 already done, 3 named twice"), "\(r.err)")
        }
        var r = try Tool.shell("$WM run -q --no-state --out '\(dir.path)/two' '\(log)' '\(other)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.hits(dir.path + "/two") == 6000)
        // The commands without state read a file named twice once too.
        r = try Tool.shell("$WM pages '\(log)' '\(dir.path)/link.log' -o /dev/null")
        #expect(r.status == 0 && r.err.contains("link.log is the same file as \(log): read once") && r.err.contains("3000 hits ->"), "\(r.err)")
    }

    /// One nightly run of `log` into `out`: its exit status, and the hits read so far by all runs.
    static func night(_ out: String, _ log: String, status: Int32 = 0, hits: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Tool.shell("$WM run -q --out '\(out)' '\(log)'")
        #expect(r.status == status, "\(r.err)", sourceLocation: sourceLocation)
        if let hits { #expect(try Self.hits(out) == hits, sourceLocation: sourceLocation) }
    }

    /// The results of incremental runs in `out` equal one run over the whole `log` (made in `whole`).
    static func expectSameAsOneRun(_ out: String, _ whole: String, _ log: String) throws {
        let r = try Tool.shell("$WM run -q --no-state --out '\(whole)' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try String(contentsOfFile: out + "/sessions.tsv", encoding: .utf8) == String(contentsOfFile: whole + "/sessions.tsv", encoding: .utf8))
    }

    @Test func aLineBeingWrittenIsReadWholeNextTime() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out", whole = dir.path + "/whole"
        let full = Self.orderedLines(0 ..< 2000)
        let cut = full.index(full.endIndex, offsetBy: -30)  // inside the last line
        let log = dir.write("access.log", String(full[..<cut]))
        try Self.night(out, log, hits: 1999)
        try full.write(toFile: log, atomically: false, encoding: .utf8)
        try Self.night(out, log, hits: 2000)
        try Self.expectSameAsOneRun(out, whole, log)
    }

    @Test func aFinishedFileWithoutAFinalNewlineIsReadWhole() throws {
        // Not written to for hours: its last line is complete, only the newline is missing.
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let full = Self.orderedLines(0 ..< 500)
        let log = dir.write("export.log", String(full.dropLast()))
        var r = try Tool.shell("touch -d '3 hours ago' '\(log)' && $WM run -q --out '\(out)' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.hits(out) == 500)
        r = try Tool.shell("$WM run --out '\(out)' '\(log)'")
        #expect(r.status == 0 && r.err.contains("1 of 1 log files already read"), "\(r.err)")
        #expect(try Self.hits(out) == 500)
    }

    @Test func aGzipBeingWrittenIsContinuedWhenComplete() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out", whole = dir.path + "/whole"
        let bytes = gzip(Array(Self.orderedLines(0 ..< 20_000).utf8))
        let gz = dir.write("access.log.gz", Array(bytes[0 ..< bytes.count * 6 / 10]))
        try Self.night(out, gz, status: 65)  // a truncated .gz is a data error
        let partial = try Self.hits(out)
        #expect(partial > 1000 && partial < 20_000)
        dir.write("access.log.gz", bytes)
        try Self.night(out, gz, hits: 20_000)
        try Self.expectSameAsOneRun(out, whole, gz)
    }

    @Test func aFileTruncatedInPlaceIsReadFromTheStart() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let log = dir.write("access.log", Self.orderedLines(0 ..< 3000))
        var r = try Tool.shell("$WM run -q --out '\(out)' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        // Truncated in place and written again with a head like the old one (a replayed log, a
        // restored backup): same inode and same first 64 KiB, but shorter than the lines read.
        let handle = FileHandle(forWritingAtPath: log)!
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(Self.orderedLines(0 ..< 1000).utf8))
        try handle.close()
        r = try Tool.shell("$WM run --out '\(out)' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("shorter than when last read"), "\(r.err)")
        #expect(try Self.hits(out) == 4000, "\(r.err)")
    }

    @Test func anUnreadableNightDoesNotReplaceGoodResults() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let good = dir.write("good.log", InputTests.logLines(0 ..< 2000))
        var r = try Tool.shell("$WM run -q --out '\(out)' '\(good)'")
        #expect(r.status == 0, "\(r.err)")
        let report = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        var rng = SeededGenerator(seed: 9)
        let junk = dir.write("junk.log", (0 ..< 20_000).map { _ in UInt8.random(in: 0 ... 255, using: &rng) })
        r = try Tool.shell("$WM run --out '\(out)' '\(junk)'")
        #expect(r.status == 65, "\(r.err)")
        #expect(r.err.contains("unchanged"), "\(r.err)")
        #expect(try String(contentsOfFile: out + "/report.html", encoding: .utf8) == report)
        r = try Tool.shell("$WM run --out '\(out)' '\(dir.path)/missing.log'")
        #expect(r.status == 66, "\(r.err)")
        #expect(try String(contentsOfFile: out + "/report.html", encoding: .utf8) == report)
    }
}

/// A damaged state store is refused with one clear error (exit 65) that names it, never a crash and
/// never a silent loss of history; `--rebuild-state` rebuilds it from the logs.
@Suite(.serialized) struct StateStoreDamageTests {
    static let damages: [(name: String, sql: String)] = [
        ("random bytes in a views blob", "UPDATE sessions SET views = randomblob(40) WHERE id = (SELECT min(id) FROM sessions)"),
        ("views of a page that is not there", "UPDATE sessions SET views = x'ffffff7f0000000000000000000000000000' WHERE id = (SELECT min(id) FROM sessions)"),
        ("pages deleted", "DELETE FROM pages"),
        ("a value of the wrong type", "UPDATE sessions SET last = 'yesterday' WHERE id = (SELECT min(id) FROM sessions)"),
        ("views stored as text", "UPDATE sessions SET views = 'abc' WHERE id = (SELECT min(id) FROM sessions)"),
        ("the next id deleted", "DELETE FROM meta WHERE key = 'next_session_id'"),
        ("the sessions table dropped", "DROP TABLE sessions"),
        ("a negative next id", "UPDATE meta SET value = -5 WHERE key = 'next_session_id'"),
        ("a session id beyond the next id", "UPDATE sessions SET id = 999999 WHERE id = (SELECT max(id) FROM sessions)"),
        ("a newer schema", "UPDATE meta SET value = 99 WHERE key = 'schema_version'"),
        ("a day's aggregates damaged", "UPDATE days SET partial = randomblob(30)"),
        ("a day's aggregates cut", "UPDATE days SET partial = substr(partial, 1, length(partial) - 3)"),
        ("the days table dropped", "DROP TABLE days"),
    ]

    /// Stores written by earlier versions (68daa16: no schema version; c158ee7: schema 2, sessions
    /// without days; 428ee26: day aggregates of format 2, without request counts) are read and
    /// upgraded in place: day 1 is known, day 2 is added, the results equal one run over both days,
    /// and every session now has a day and every day its aggregates.
    @Test(arguments: ["68daa16", "c158ee7", "428ee26"]) func aStoreOfAnEarlierVersionIsUpgraded(_ commit: String) throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out", clean = dir.path + "/clean"
        let shop = Paths.fixture("shop-sim")
        let logs = ["a/access.log-20260302.gz", "b/access.log-20260302.gz", "a/access.log-20260303.gz", "b/access.log-20260303.gz"]
            .map { "'\(shop)/logs/\($0)'" }.joined(separator: " ")
        let options = "--site-host shop.example.com --map '^/p/[0-9]+$=/p/:id' --min-support 5%"
        var r = try Tool.shell("gzip -dc '\(Paths.fixture("state/shop-day1-\(commit).state.sqlite.gz"))' > '\(out).state.sqlite' && $WM run --out '\(out)' \(logs) \(options)")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("2 of 4 log files already read"), "\(r.err)")
        r = try Tool.shell("$WM run -q --no-state --out '\(clean)' \(logs) \(options)")
        #expect(r.status == 0, "\(r.err)")
        for name in ["sessions", "pages", "patterns", "1d/pages", "1d/patterns", "7d/pages"] {
            #expect(try String(contentsOfFile: out + "/\(name).tsv", encoding: .utf8) == String(contentsOfFile: clean + "/\(name).tsv", encoding: .utf8), "\(name).tsv")
        }
        func sql(_ query: String) throws -> String {
            try Tool.shell("python3 -c \"import sqlite3; print(*sqlite3.connect('\(out).state.sqlite').execute(\\\"\(query)\\\").fetchone())\"").out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try sql("select value from meta where key = 'schema_version'") == "\(StateStore.schemaVersion)")
        #expect(try sql("select count(*) from sessions where open = 0 and day is null") == "0")
        #expect(try sql("select count(*) from days") == "2")
    }

    @Test func everyDamageIsRefusedClearlyAndRebuildRestores() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out", clean = dir.path + "/clean"
        let day1 = dir.write("day1.log", MessyInputTests.orderedLines(0 ..< 1500))
        let day2 = dir.write("day2.log", MessyInputTests.orderedLines(1500 ..< 3000))
        var r = try Tool.shell("$WM run -q --no-state --out '\(clean)' '\(day1)' '\(day2)'")
        #expect(r.status == 0, "\(r.err)")
        let expected = try String(contentsOfFile: clean + "/sessions.tsv", encoding: .utf8)
        let state = out + ".state.sqlite"
        for damage in Self.damages {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: state)
            r = try Tool.shell("$WM run -q --out '\(out)' '\(day1)'")
            #expect(r.status == 0, "\(r.err)")
            let report = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
            r = try Tool.shell("python3 -c \"import sqlite3; c = sqlite3.connect('\(state)'); c.execute(\\\"\(damage.sql)\\\"); c.commit()\"")
            #expect(r.status == 0, "\(damage.name): \(r.err)")
            r = try Tool.shell("$WM run -q --out '\(out)' '\(day1)' '\(day2)'")
            #expect(r.status == 65, "\(damage.name): exit \(r.status) \(r.err)")
            #expect(r.err.contains("state store \(state) is damaged") && r.err.contains("--rebuild-state"), "\(damage.name): \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(damage.name): one line expected: \(r.err)")
            #expect(try String(contentsOfFile: out + "/report.html", encoding: .utf8) == report, "\(damage.name): the results changed")
            r = try Tool.shell("$WM run -q --out '\(out)' '\(day1)' '\(day2)' --rebuild-state")
            #expect(r.status == 0, "\(damage.name): \(r.err)")
            #expect(try String(contentsOfFile: out + "/sessions.tsv", encoding: .utf8) == expected, "\(damage.name): rebuilt results differ")
        }
        // Not a database at all.
        try Data((0 ..< 4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: state))
        r = try Tool.shell("$WM run -q --out '\(out)' '\(day1)' '\(day2)'")
        #expect(r.status == 65 && r.err.contains("is damaged"), "\(r.err)")
        r = try Tool.shell("$WM run -q --out '\(out)' '\(day1)' '\(day2)' --rebuild-state")
        #expect(r.status == 0, "\(r.err)")
        #expect(try String(contentsOfFile: out + "/sessions.tsv", encoding: .utf8) == expected)
    }
}

@Suite struct DwellUnitsTests {
    /// `dwell` and `pages` give a page the same median dwell: both keep milliseconds.
    @Test func dwellAgreesWithPagesToTheMillisecond() throws {
        let dir = TemporaryDirectory()
        var rng = SeededGenerator(seed: 2)
        var text = "time,visitor,url\n"
        var t: Int64 = 1_700_000_000_000
        for s in 0 ..< 60 {
            t += 3_600_000
            var u = t
            for k in 0 ..< 5 {
                text += "\(u),v\(s),/p\(k)\n"
                u += Int64.random(in: 500 ... 5000, using: &rng)
            }
        }
        let file = dir.write("dwell.csv", text)
        let pages = try Tool.shell("$WM pages '\(file)' -q"), dwell = try Tool.shell("$WM dwell '\(file)' -q")
        #expect(pages.status == 0 && dwell.status == 0, "\(pages.err) \(dwell.err)")
        func medians(_ tsv: String, column: String) -> [String: String] {
            let rows = tsv.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let c = rows[0].firstIndex(of: column)!
            return Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0[c]) })
        }
        let a = medians(pages.out, column: "median_dwell_s"), b = medians(dwell.out, column: "median_dwell_s")
        #expect(a.count == 5 && a["/p4"] == "", "\(a)")
        for page in ["/p0", "/p1", "/p2", "/p3"] {
            #expect(a[page] == b[page], "\(page): pages \(a[page] ?? "-") dwell \(b[page] ?? "-")")
            #expect(a[page]?.contains(".") == true)
        }
    }
}

/// Memory bounded by design: page names are cut, distinct pages capped, match-limit hits named.
@Suite struct BoundedNamesTests {
    @Test func longNamesAreCutAndPagesCapped() throws {
        let dir = TemporaryDirectory()
        let long = "/" + String(repeating: "é", count: 3000)  // 6,001 bytes, two per character
        var text = ""
        for i in 0 ..< 50 {
            let path = i == 0 ? long : "/page\(i)"
            text += "10.0.0.\(i) - - [02/Mar/2026:10:00:\(String(format: "%02d", i)) +0000] \"GET \(path) HTTP/1.1\" 200 1 \"-\" \"agent\"\n"
        }
        let file = dir.write("long.log", text)
        var r = try Tool.shell("$WM sessions '\(file)' -q --output seq")
        #expect(r.status == 0, "\(r.err)")
        let first = r.out.split(separator: "\n")[0]
        #expect(first.utf8.count <= 1024 && first.hasSuffix("...") && first.hasPrefix("/éé"), "\(first.utf8.count) bytes")
        #expect(String(first).unicodeScalars.allSatisfy { $0 == "/" || $0 == "é" || $0 == "." }, "cut inside a character")
        r = try Tool.shell("$WM pages '\(file)' --max-pages 10")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("more than 10 distinct pages: 40 views"), "\(r.err)")
        let rows = r.out.split(separator: "\n").dropFirst()
        #expect(rows.count == 11 && rows.contains { $0.hasPrefix("(other)\t40\t") }, "\(r.out)")
        r = try Tool.shell("$WM pages '\(file)' --max-pages 0")
        #expect(r.status == 64, "\(r.err)")
    }

    @Test func matchLimitHitsAreWarnedWithTheRule() throws {
        let dir = TemporaryDirectory()
        let text = (0 ..< 200).map { i in
            "10.0.0.\(i % 250) - - [02/Mar/2026:10:00:\(String(format: "%02d", i % 60)) +0000] \"GET /\(String(repeating: "a", count: 40 + i % 20))b HTTP/1.1\" 200 1 \"-\" \"a\(i)\"\n"
        }.joined()
        let file = dir.write("redos.log", text)
        let r = try Tool.shell("$WM sessions '\(file)' --map '^/(?:(a+)+c|a*b)$=/x' -o /dev/null")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("--map rule '^/(?:(a+)+c|a*b)$' hit PCRE2's match limit on 200 page names"), "\(r.err)")
    }
}

@Suite struct OutputOverInputTests {
    /// `-o` naming one of the inputs would replace the log with its own results: refused, log kept.
    @Test func anInputIsNeverTheOutput() throws {
        let dir = TemporaryDirectory()
        let text = InputTests.logLines(0 ..< 100)
        let log = dir.write("a.log", text)
        for command in ["parse", "sessions", "pages", "stats"] {
            let r = try Tool.shell("cd '\(dir.path)' && $WM \(command) a.log -o ./a.log")
            #expect(r.status == 73, "\(command): \(r.status) \(r.err)")
            #expect(r.err.contains("also an input"), "\(command): \(r.err)")
            #expect(try String(contentsOfFile: log, encoding: .utf8) == text, "\(command) replaced its input")
        }
        let ok = try Tool.shell("cd '\(dir.path)' && $WM parse a.log -o b.tsv -q")
        #expect(ok.status == 0, "\(ok.err)")
    }
}
