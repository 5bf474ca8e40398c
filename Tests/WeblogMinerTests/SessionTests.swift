import Foundation
import Testing
@testable import WeblogMiner

/// Hand-built logs whose sessions are worked out by hand in the comments.
@Suite struct SessionTests {
    /// A combined-format line on 2 March 2026 at `time` (HH:MM:SS, UTC).
    static func hit(_ ip: String, _ time: String, _ path: String, status: Int = 200, ref: String = "-", ua: String = "Mozilla/5.0 (X11)", method: String = "GET") -> String {
        "\(ip) - - [02/Mar/2026:\(time) +0000] \"\(method) \(path) HTTP/1.1\" \(status) 100 \"\(ref)\" \"\(ua)\"\n"
    }

    struct Result {
        var sessions: [(visitor: String, pages: [String], inferred: [Bool], dwell: [Int64?], start: Int64)]
        var report: SessionRun.Report
        var stats: PageStatistics
    }

    static func run(_ files: [String], configure: (inout SessionOptions, inout CleaningOptions) -> Void = { _, _ in }) throws -> Result {
        let dir = TemporaryDirectory()
        let paths = files.enumerated().map { dir.write("f\($0.offset).log", $0.element) }
        var sessions = SessionOptions()
        var cleaning = CleaningOptions()
        configure(&sessions, &cleaning)
        var ingest = IngestOptions()
        ingest.quiet = true
        ingest.showProgress = false
        var collected: [(visitor: String, pages: [String], inferred: [Bool], dwell: [Int64?], start: Int64)] = []
        var stats = PageStatistics()
        let report = try SessionRun(ingest: ingest, cleaning: cleaning, sessions: sessions).run(inputs: paths.map(InputSpec.init)) { s, pages in
            collected.append((String(decoding: s.visitor, as: UTF8.self), s.views.map { pages.string(of: $0.page) }, s.views.map(\.inferred), s.dwellMillis, s.start))
            stats.add(s)
        }
        return Result(sessions: collected, report: report, stats: stats)
    }

    @Test func timeoutEdgeIsExclusive() throws {
        // Gap of exactly 30:00 stays in the session; 30:01 starts a new one.
        let log = Self.hit("1.1.1.1", "10:00:00", "/a") + Self.hit("1.1.1.1", "10:30:00", "/b") + Self.hit("1.1.1.1", "11:00:01", "/c")
        let r = try Self.run([log])
        #expect(r.sessions.map(\.pages) == [["/a", "/b"], ["/c"]])
        #expect(r.sessions[0].dwell == [1_800_000, nil])  // the last view is censored
        #expect(r.sessions[1].dwell == [nil])
    }

    @Test func maximumDuration() throws {
        // Views every 10 minutes for an hour; with a 25-minute cap: 0,10,20 | 30,40,50 | 60.
        let log = (0 ... 6).map { Self.hit("2.2.2.2", String(format: "1%d:%02d:00", $0 == 6 ? 1 : 0, ($0 * 10) % 60), "/p\($0)") }.joined()
        let r = try Self.run([log]) { s, _ in s.maxDurationMillis = 25 * 60_000 }
        #expect(r.sessions.map(\.pages) == [["/p0", "/p1", "/p2"], ["/p3", "/p4", "/p5"], ["/p6"]])
    }

    @Test func referrerRule() throws {
        // /c's referrer /x is a page of the site not seen in the open session: new session there.
        let site = "http://shop.example.com"
        let log = Self.hit("3.3.3.3", "10:00:00", "/a", ref: "https://www.google.com/")
            + Self.hit("3.3.3.3", "10:01:00", "/b", ref: site + "/a")
            + Self.hit("3.3.3.3", "10:02:00", "/c", ref: site + "/x")
            + Self.hit("3.3.3.3", "10:03:00", "/d", ref: site + "/c")
        let plain = try Self.run([log]) { _, c in c.siteHosts = ["shop.example.com"] }
        #expect(plain.sessions.map(\.pages) == [["/a", "/b", "/c", "/d"]])
        let r = try Self.run([log]) { s, c in
            s.referrerRule = true
            c.siteHosts = ["shop.example.com"]
        }
        #expect(r.sessions.map(\.pages) == [["/a", "/b"], ["/c", "/d"]])
    }

    @Test func pathCompletionInsertsBackSteps() throws {
        // A -> B -> C, then D with referrer A: the visitor went back C -> B -> A from cache.
        // Completed path: A B C [B A] D (Cooley, Mobasher & Srivastava 1999).
        let site = "http://shop.example.com"
        let log = Self.hit("4.4.4.4", "10:00:00", "/A") + Self.hit("4.4.4.4", "10:00:10", "/B", ref: site + "/A")
            + Self.hit("4.4.4.4", "10:00:20", "/C", ref: site + "/B") + Self.hit("4.4.4.4", "10:00:50", "/D", ref: site + "/A")
        let r = try Self.run([log]) { s, c in
            s.pathCompletion = true
            c.siteHosts = ["shop.example.com"]
        }
        #expect(r.sessions.map(\.pages) == [["/A", "/B", "/C", "/B", "/A", "/D"]])
        #expect(r.sessions[0].inferred == [false, false, false, true, true, false])
        // Dwell of C runs to D's request (inferred views have none observed).
        #expect(r.sessions[0].dwell == [10_000, 10_000, 30_000, nil, nil, nil])
        #expect(r.stats.pages.values.reduce(0) { $0 + $1.views } == 4)
    }

    @Test func outOfOrderLinesInsideAndBeyondTheWindow() throws {
        // 10:00:30 arrives after 10:01:00 (30 s late, inside the 120 s window): put back in place.
        // 10:00:10 arrives after 10:05:00 (beyond the window): counted as late and left out.
        let log = Self.hit("5.5.5.5", "10:00:00", "/a") + Self.hit("5.5.5.5", "10:01:00", "/c") + Self.hit("5.5.5.5", "10:00:30", "/b")
            + Self.hit("6.6.6.6", "10:05:00", "/z") + Self.hit("5.5.5.5", "10:00:10", "/late")
        let r = try Self.run([log])
        #expect(r.sessions.first { $0.visitor.hasPrefix("5.5.5.5") }?.pages == ["/a", "/b", "/c"])
        #expect(r.report.cleaning.lateHits == 1)
        #expect(!r.sessions.contains { $0.pages.contains("/late") })
    }

    @Test func twoServersInterleaved() throws {
        // One visitor's requests alternate between two servers' logs; merged by time they form one session.
        let a = Self.hit("7.7.7.7", "10:00:00", "/1") + Self.hit("7.7.7.7", "10:02:00", "/3") + Self.hit("8.8.8.8", "12:00:00", "/x")
        let b = Self.hit("7.7.7.7", "10:01:00", "/2") + Self.hit("7.7.7.7", "10:03:00", "/4")
        let r = try Self.run([a, b])
        #expect(r.sessions.map(\.pages) == [["/1", "/2", "/3", "/4"], ["/x"]])
        // Rotated files given in the wrong order are still read by time.
        let day1 = Self.hit("9.9.9.9", "10:00:00", "/d1")
        let day2 = "9.9.9.9 - - [03/Mar/2026:10:00:00 +0000] \"GET /d2 HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0 (X11)\"\n"
        let rotated = try Self.run([day2, day1])
        #expect(rotated.sessions.map(\.pages) == [["/d1"], ["/d2"]])
    }

    @Test func robotsByEachRule() throws {
        // A person: kept.
        var log = Self.hit("10.0.0.5", "09:59:00", "/home")
        // User agent on the list.
        log += Self.hit("10.0.0.1", "10:00:00", "/a", ua: "Mozilla/5.0 (compatible; Googlebot/2.1)")
        // Fetches /robots.txt after one page: that open session and everything after are dropped.
        log += Self.hit("10.0.0.2", "10:00:00", "/a") + Self.hit("10.0.0.2", "10:00:05", "/robots.txt") + Self.hit("10.0.0.2", "10:00:10", "/b")
        // 31 views within one minute.
        for k in 0 ..< 31 { log += Self.hit("10.0.0.3", "10:01:\(String(format: "%02d", k))", "/fast\(k)") }
        // 100 views, one every 2 minutes (under the rate), never a referrer.
        for k in 0 ..< 100 { log += Self.hit("10.0.0.4", String(format: "%02d:%02d:00", 11 + k * 2 / 60, k * 2 % 60), "/slow\(k)") }
        let r = try Self.run([log])
        #expect(r.sessions.map(\.visitor) == ["10.0.0.5 Mozilla/5.0 (X11)"])
        #expect(r.report.cleaning.robotAgentHits == 1 && r.report.cleaning.robotAgentVisitors == 1)
        #expect(r.report.cleaning.robotsTxtVisitors == 1 && r.report.cleaning.robotsTxtHits == 3)
        #expect(r.report.cleaning.behaviourSessions == 2 && r.report.cleaning.behaviourHits == 131)
        let kept = try Self.run([log]) { _, c in
            c.dropRobotAgents = false
            c.dropRobotsTxtFetchers = false
            c.maxViewsPerMinute = 0
            c.robotMinViewsWithoutReferrer = 0
        }
        #expect(kept.sessions.count == 5)
    }

    @Test func cleaningDropsStaticFailedAndHead() throws {
        let log = Self.hit("1.2.3.4", "10:00:00", "/page") + Self.hit("1.2.3.4", "10:00:01", "/style.CSS") + Self.hit("1.2.3.4", "10:00:02", "/missing", status: 404)
            + Self.hit("1.2.3.4", "10:00:03", "/head", method: "HEAD") + Self.hit("1.2.3.4", "10:00:04", "/cached", status: 304)
            + Self.hit("1.2.3.4", "10:00:05", "/moved", status: 301)
        let r = try Self.run([log])
        #expect(r.sessions.map(\.pages) == [["/page", "/cached"]])
        #expect(r.report.cleaning.droppedStatic == 1)
        #expect(r.report.cleaning.droppedStatus == 2)
        #expect(r.report.cleaning.droppedMethod == 1)
    }

    /// Every request read is counted on its day in the site's calendar: kept or dropped, a robot's (by
    /// agent or robots.txt) as a robot's, and 4xx/5xx as failed unless a robot made it.
    @Test func requestsAreCountedByDayInTheSiteCalendar() throws {
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        // At +02:00, 21:59:59 UTC is 2 March and 22:00:00 UTC is 3 March.
        let log = Self.hit("1.2.3.4", "21:00:00", "/page") + Self.hit("1.2.3.4", "21:00:01", "/style.css") + Self.hit("1.2.3.4", "21:00:02", "/missing", status: 404)
            + Self.hit("9.9.9.9", "21:59:59", "/gone", status: 404, ua: bot) + Self.hit("1.2.3.4", "22:00:00", "/head", method: "HEAD")
            + Self.hit("1.2.3.4", "22:00:01", "/boom", status: 503) + Self.hit("9.9.9.9", "22:00:02", "/p", ua: bot)
            + Self.hit("5.5.5.5", "22:00:03", "/robots.txt", status: 404) + Self.hit("1.2.3.4", "22:00:04", "/moved", status: 301)
        let r = try Self.run([log]) { _, c in c.calendar = try! SiteCalendar("+02:00") }
        let march2 = SiteCalendar.day(year: 2026, month: 3, day: 2)!
        #expect(r.report.cleaning.requests.days == [
            march2: .init(requests: 4, failed: 1, robot: 1),
            march2 + 1: .init(requests: 5, failed: 1, robot: 2),
        ])
        // The failed requests carry their day; the robot's 404 is not among them.
        #expect(Set(r.report.cleaning.errors.counts.keys.map { "\($0.day - march2) \($0.status) \(String(decoding: $0.page, as: UTF8.self))" }) == ["0 404 /missing", "1 503 /boom"])
        // In UTC all nine are on 2 March.
        let utc = try Self.run([log])
        #expect(utc.report.cleaning.requests.days == [march2: .init(requests: 9, failed: 2, robot: 3)])
    }

    @Test func mappingRulesAndNormalisation() throws {
        let log = Self.hit("1.2.3.4", "10:00:00", "/product/123?color=red&utm_source=x") + Self.hit("1.2.3.4", "10:00:10", "//blog//2025/./my%20post/../index.html")
            + Self.hit("1.2.3.4", "10:00:20", "/Product/9") + Self.hit("1.2.3.4", "10:00:30", "/a%2Fb")
        let r = try Self.run([log]) { _, c in
            c.pageMap = try! PageMapper(specs: ["^/product/[0-9]+$=/product/:id", "^/blog/([0-9]{4})/.*$=/blog/$1"])
            c.keptParameters = ["color"]
        }
        // Query kept only for `color`, so the product rule (anchored at $) does not match that one.
        #expect(r.sessions[0].pages == ["/product/123?color=red", "/blog/2025", "/Product/9", "/a%2Fb"])
        let mapped = try Self.run([log]) { _, c in c.pageMap = try! PageMapper(specs: ["^/product/[0-9]+$=/product/:id"]) }
        #expect(mapped.sessions[0].pages.first == "/product/:id")
    }

    /// Page names are copied straight from the line when naming would leave the path as it is: that
    /// shortcut must agree with building the name, for every option mix.
    @Test func unchangedPathsAreTheirOwnNames() throws {
        let paths = ["/", "/a", "/a/b/", "/a//b", "/a/./b", "/a/../b", "/x/index.html", "/x/Index.HTM", "/p%20q", "/.hidden", "/a/..",
                     "81766", "/products/123", "/a.b/c", "/index.html5"]
        let queries: [String?] = [nil, "", "color=red", "utm_source=x&color=blue", "x=1"]
        var shortcuts = 0
        for normalize in [true, false] {
            for kept in [[], ["color"], ["*"]] {
                for mapped in [false, true] {
                    var c = CleaningOptions()
                    c.normalizeURLs = normalize
                    c.keptParameters = kept
                    if mapped { c.pageMap = try PageMapper(specs: ["^/products/[0-9]+$=/products/:id"]) }
                    let namer = PageNamer(cleaning: c)
                    for path in paths {
                        for query in queries {
                            let pathBytes = Array(path.utf8)
                            func check(_ p: UnsafeBufferPointer<UInt8>, _ q: UnsafeBufferPointer<UInt8>?) {
                                var built: [UInt8] = []
                                _ = namer.name(path: p, query: q, into: &built)
                                guard namer.leavesUnchanged(path: p, query: q) else { return }
                                shortcuts += 1
                                #expect(built == pathBytes, "\(path) ? \(query ?? "nil") normalize \(normalize) kept \(kept) mapped \(mapped)")
                            }
                            pathBytes.withUnsafeBufferPointer { p in
                                if let query { Array(query.utf8).withUnsafeBufferPointer { check(p, $0) } } else { check(p, nil) }
                            }
                        }
                    }
                }
            }
        }
        // Taken for most plain paths, but not for every case without mapping rules (index files, dot
        // segments, kept queries), and never with them.
        let unmappedCases = 2 * 3 * paths.count * queries.count
        #expect(shortcuts > 200 && shortcuts < unmappedCases)
    }

    @Test func invalidAndPathologicalPatterns() throws {
        #expect(throws: PageMapper.CompileError.self) { try PageMapper(specs: ["^/a(b=/x"]) }
        do {
            _ = try PageMapper(specs: ["^/a(b=/x"])
        } catch {
            #expect(error.description.contains("offset 5"))  // where PCRE2 finds the parenthesis missing
        }
        // Catastrophic backtracking is cut off by the match limit instead of hanging.
        let mapper = try PageMapper(specs: ["^(a|aa)+$=/x"])
        var page = Array(String(repeating: "a", count: 64).utf8) + [UInt8(ascii: "b")]
        let start = monotonicSeconds()
        #expect(mapper.map(&page) == .limitExceeded)
        #expect(monotonicSeconds() - start < 5)
    }

    @Test func pageStatisticsByHand() throws {
        // Sessions: [/a /b /a] (dwell 10, 20, -), [/a] (bounce), [/b /a] (dwell 40, -) from three visitors.
        let log = Self.hit("1.0.0.1", "10:00:00", "/a") + Self.hit("1.0.0.1", "10:00:10", "/b") + Self.hit("1.0.0.1", "10:00:30", "/a")
            + Self.hit("1.0.0.2", "10:00:00", "/a") + Self.hit("1.0.0.3", "10:00:00", "/b") + Self.hit("1.0.0.3", "10:00:40", "/a")
        let r = try Self.run([log])
        let pages = try #require(Optional(r.report.pages))
        let a = r.stats.pages[pages.find("/a")!]!
        let b = r.stats.pages[pages.find("/b")!]!
        #expect((a.views, a.visitors, a.sessions, a.entries, a.exits, a.bounces) == (4, 3, 3, 2, 3, 1))
        #expect((b.views, b.visitors, b.sessions, b.entries, b.exits, b.bounces) == (2, 2, 2, 1, 0, 0))
        #expect(a.dwellCount == 1 && a.medianDwellMillis == 10_000)  // only the first /a of session 1 has a next view
        #expect(b.dwellCount == 2 && b.medianDwellMillis == 30_000 && b.meanDwellMillis == 30_000)
        #expect(a.exitRate == 0.75 && a.bounceRate == 0.5)
        let (previous, next) = r.stats.topNeighbours(names: pages)
        #expect(next[pages.find("/b")!]?.0 == pages.find("/a") && next[pages.find("/b")!]?.1 == 2)
        #expect(previous[pages.find("/a")!]?.1 == 2)
    }
}

@Suite struct DistinctCounterTests {
    @Test func exactThenBoundedEstimate() {
        var counter = DistinctCounter()
        for i in 0 ..< 1000 { counter.insert(hashBytes([UInt8](String(i).utf8), String(i).utf8.count)) }
        for i in 0 ..< 1000 { counter.insert(hashBytes([UInt8](String(i).utf8), String(i).utf8.count)) }
        #expect(counter.isExact && counter.count == 1000)
        for i in 1000 ..< 300_000 { counter.insert(hashBytes([UInt8](String(i).utf8), String(i).utf8.count)) }
        #expect(!counter.isExact)
        let error = abs(Double(counter.count) - 300_000) / 300_000
        #expect(error < 0.03, "estimate \(counter.count) off by \(error)")
    }
}

@Suite struct ByteTextTests {
    @Test func bytesMatchTheStringFormatters() {
        for millis: Int64 in [0, 1, 999, 1000, 1500, 1_230, 61_010, 1_800_000, 804_571_201_000, 1_772_409_600_123, -1, -500, -1500, 12_345_678_901] {
            var seconds: [UInt8] = []
            ByteText.seconds(millis, &seconds)
            let expected = (millis < 0 ? "-" : "") + "\(abs(millis) / 1000)" + (abs(millis) % 1000 == 0 ? "" : "." + String(String(format3: abs(millis) % 1000).reversed().drop(while: { $0 == "0" }).reversed()))
            #expect(String(decoding: seconds, as: UTF8.self) == expected, "\(millis)")
            if millis >= 0 {
                var iso: [UInt8] = []
                ByteText.iso(millis, &iso)
                #expect(String(decoding: iso, as: UTF8.self) == isoTime(millis), "\(millis)")
            }
        }
        var n: [UInt8] = []
        ByteText.int(-42, &n)
        #expect(n == Array("-42".utf8))
    }
}

extension String {
    /// Three digits with leading zeros (test helper).
    init(format3 value: Int64) {
        self = value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)"
    }
}
