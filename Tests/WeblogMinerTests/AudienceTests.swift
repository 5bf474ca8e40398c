import Foundation
import Testing
@testable import WeblogMiner

/// Channels, devices, browsers, operating systems and the audience table.
struct AudienceTests {
    static var fixtures: String { FileManager.default.currentDirectoryPath + "/fixtures" }

    @Test func userAgentsOfATableLabelledByHand() throws {
        let text = try String(contentsOfFile: Self.fixtures + "/user-agents/labelled.tsv", encoding: .utf8)
        var rows = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() where !line.isEmpty || rows > 0 {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4 else { continue }
            rows += 1
            let c = UserAgentClass(userAgent: f[3])
            #expect(c.device.rawValue == f[0], "device of \(f[3])")
            #expect(c.browser.rawValue == f[1], "browser of \(f[3])")
            #expect(c.os.rawValue == f[2], "os of \(f[3])")
        }
        #expect(rows >= 40)
        // From a visitor key: the agent after the address; other keys carry none.
        #expect(UserAgentClass(visitorKey: Array("1.2.3.4 Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile Safari/604.1".utf8)).device == .mobile)
        #expect(UserAgentClass(visitorKey: Array("cookie-123".utf8)).device == .unknown)
    }

    /// The distinct agents of the real logs: what share stays unknown (reported; bounded).
    @Test func realAgentsAreMostlyKnown() throws {
        let dir = FileManager.default.currentDirectoryPath + "/../shared/data/access"
        guard FileManager.default.fileExists(atPath: dir + "/apache_logs.gz") else { return }
        let r = try Tool.shell("(zcat '\(dir)/apache_logs.gz'; zcat '\(dir)/nginx_logs.txt.gz') | awk -F'\"' '{print $6}' | sort -u")
        let agents = r.out.split(separator: "\n").map(String.init)
        #expect(agents.count > 500)
        // Robots are removed before sessions: judge the browsers only.
        var robots = RobotMatcher(patterns: CleaningOptions().robotPatterns)
        let browsers = agents.filter { a in !a.isEmpty && a != "-" && !Array(a.utf8).withUnsafeBufferPointer { robots.isRobot($0) } }
        func shares(_ list: [String]) -> (os: Double, browser: Double) {
            let classes = list.map { UserAgentClass(userAgent: $0) }
            return (Double(classes.filter { $0.os == .other }.count) / Double(classes.count), Double(classes.filter { $0.browser == .other }.count) / Double(classes.count))
        }
        // Agents that say they are browsers, against the rest (tools such as Chef, Java, curl: "other" is right).
        let browserLike = browsers.filter { $0.hasPrefix("Mozilla/") || $0.hasPrefix("Opera/") }
        let all = shares(browsers), like = shares(browserLike)
        print("real agents: \(agents.count) distinct, \(browsers.count) not robots: os other \(all.os), browser other \(all.browser); "
              + "\(browserLike.count) browser-like: os other \(like.os), browser other \(like.browser)")
        #expect(like.os < 0.03 && like.browser < 0.03, "\(like)")
    }

    static func session(_ views: [(String, Int64)], visitor: String, hash: UInt64, pages: inout ByteStringInterner, referrer: String? = nil,
                        campaign: Bool = false, internalReferrer: Bool = false) -> Session {
        var s = Session(id: 1, visitor: Array(visitor.utf8), visitorHash: hash,
                        views: views.map { PageView(page: pages.intern($0.0), time: $0.1, inferred: false) }, entryReferrer: referrer.map { Array($0.utf8) })
        s.entryCampaign = campaign
        if internalReferrer { s.views[0].referrer = pages.intern("/") }
        return s
    }

    @Test func entryChannels() {
        var pages = ByteStringInterner()
        func channel(_ referrer: String?, campaign: Bool = false, internalReferrer: Bool = false) -> EntryChannel {
            EntryChannel(of: Self.session([("/a", 0)], visitor: "v", hash: 1, pages: &pages, referrer: referrer, campaign: campaign, internalReferrer: internalReferrer))
        }
        #expect(channel(nil) == .direct)
        #expect(channel(nil, internalReferrer: true) == .internal)
        #expect(channel("https://www.google.com/search?q=x") == .search)
        #expect(channel("https://mail.google.com/mail/u/0/") == .email)
        #expect(channel("https://outlook.live.com/mail/inbox") == .email)
        #expect(channel("https://mail.yahoo.com/d/folders/1") == .email)
        #expect(channel("https://t.co/abc") == .social)
        #expect(channel("https://blog.example.org/post") == .referral)
        #expect(channel("https://www.google.com/", campaign: true) == .campaign)
    }

    @Test func theBreakdownCountedByHand() throws {
        var pages = ByteStringInterner()
        let phone = "1.1.1.1 Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1"
        let desk = "2.2.2.2 Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
        let a = AudienceBreakdown()
        // Phone: a bounce of one view (not engaged), then 2 views in 5 s (engaged), converting.
        a.add(Self.session([("/", 0)], visitor: phone, hash: 1, pages: &pages, referrer: "https://www.bing.com/"), converts: false)
        a.add(Self.session([("/", 100_000), ("/buy", 105_000)], visitor: phone, hash: 1, pages: &pages), converts: true)
        // Desktop: one view converting (engaged by the conversion alone), direct.
        a.add(Self.session([("/buy", 0)], visitor: desk, hash: 2, pages: &pages), converts: true)
        let t = a.table()
        func row(_ d: String, _ v: String) -> [FieldValue]? { (0 ..< t.count).map { t.row($0) }.first { $0[0] == .text(d) && $0[1] == .text(v) } }
        let mobile = try #require(row("device", "mobile"))
        #expect(mobile[2] == .int(2) && mobile[4] == .int(1) && mobile[5] == .real(0.5) && mobile[6] == .int(1) && mobile[8] == .real(2.5) && mobile[9] == .int(1))
        let desktop = try #require(row("device", "desktop"))
        #expect(desktop[2] == .int(1) && desktop[5] == .real(1) && desktop[6] == .int(1) && desktop[10] == .real(1))
        #expect(row("browser", "safari")?[2] == .int(2) && row("browser", "firefox")?[2] == .int(1))
        #expect(row("os", "ios")?[2] == .int(2) && row("os", "windows")?[2] == .int(1))
        #expect(row("channel", "search")?[2] == .int(1) && row("channel", "direct")?[2] == .int(2))
        #expect(row("visitor", "new")?[2] == .int(2) && row("visitor", "returning")?[2] == .int(1))
        #expect(row("visitor", "returning")?[3] == .real(0.3333))
    }

    @Test func theCommand() throws {
        let dir = TemporaryDirectory()
        let ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"
        let log = dir.write("a.log", """
            1.1.1.1 - - [10/Oct/2024:13:00:00 +0000] "GET /?utm_source=n&utm_campaign=x HTTP/1.1" 200 10 "-" "\(ua)"
            1.1.1.1 - - [10/Oct/2024:13:00:20 +0000] "GET /thanks HTTP/1.1" 200 10 "-" "\(ua)"

            """)
        let r = try Tool.shell("$WM audience '\(log)' --conversion '^/thanks$' --by channel,device --output jsonl -q")
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"dimension\":\"channel\",\"value\":\"campaign\",\"sessions\":1") && lines[0].contains("\"conversion_rate\":1"), "\(lines[0])")
        #expect(lines[1].contains("\"value\":\"mobile\"") && lines[1].contains("\"median_duration_s\":20"), "\(lines[1])")
        let bad = try Tool.shell("$WM audience '\(log)' --by planet -q")
        #expect(bad.status == 64 && bad.err.contains("planet"), "\(bad.err)")
    }

    @Test func runWritesTheSameTable() throws {
        let dir = TemporaryDirectory()
        let root = Self.fixtures + "/shop-sim/logs"
        let logs = "'\(root)/a/access.log-20260302.gz' '\(root)/b/access.log-20260302.gz'"
        var r = try Tool.shell("$WM run --no-state --conversion '^/checkout/thanks$' --out '\(dir.path)/out' \(logs) -q")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM audience --conversion '^/checkout/thanks$' \(logs) -q")
        #expect(r.status == 0 && r.out.split(separator: "\n").count > 10, "\(r.err)")
        #expect(try String(contentsOfFile: dir.path + "/out/audience.tsv", encoding: .utf8) == r.out)
        #expect(try String(contentsOfFile: dir.path + "/out/1d/audience.tsv", encoding: .utf8) == r.out)
    }
}
