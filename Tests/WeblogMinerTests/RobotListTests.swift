import CPCRE2
import Foundation
import Testing
@testable import WeblogMiner

/// The shipped robot list (crawler-user-agents + COUNTER-Robots + the hand-kept patterns): crawlers the
/// old hand-kept list missed are robots, ordinary browsers are not, and the matcher's literal
/// pre-filter and PCRE2 patterns give the verdicts the list's format promises.
@Suite struct RobotListTests {
    static func isRobot(_ ua: String, _ patterns: [String] = RobotPatterns.builtIn) -> Bool {
        var matcher = RobotMatcher(patterns: patterns)
        return Array(ua.utf8).withUnsafeBufferPointer { matcher.isRobot($0) }
    }

    /// Instances given by crawler-user-agents and COUNTER-Robots for patterns the 139 hand-kept
    /// substrings did not cover (plain strings, and true regular expressions: anchored, classes).
    static let crawlersTheOldListMissed = [
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6439.0 Mobile Safari/537.36 +https://sitebulb.com",
        "Feed Image Audit -- App",
        "CheckHost (https://check-host.net/)",
        "Datafeedwatch/2.1.x",
        "Mozilla/5.0 (compatible; Nitro-; +https://www.nitropack.io/)",
        "github-camo (c006e452)",
        "Mozilla/5.0 (compatible; Poduptime; +fediverse.observer)",
        "Discourse Forum Onebox v3.3.0.beta1-dev",
        "Pcore-HTTP/v0.40.3",
        "Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)",
        "Feedbin - 1 subscribers",
        "Xenu Link Sleuth/1.3.8",
        "Mozilla/5.0 (compatible; SiteExplorer/1.0b; +http://siteexplorer.info/)",
        "Mozilla/5.0 (compatible; Embedly/0.2; snap; +http://support.embed.ly/)",
        "HTTP_Request2/2.1.1 (http://pear.php.net/package/http_request2) PHP/5.3.2-1ubuntu4.19",
        "Mozilla/5.0 (compatible; Genieo/1.0 http://www.genieo.com/webfilter.html)",
        "Mozilla/5.0 (WhatsMyIP.org Text_to_Code_Ratio_Tool) http://whatsmyip.org/ua",
        "air.ai/scanning Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (compatible;Impact.com Agent) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 5.1) brokenlinkcheck.com/1.2",
        "Owler (ows.eu/owler)",
        "BW/1.1; bit.ly/3eZNDnO",  // ^BW\/
        "Mozilla/5.0 Gecko/20100115 Firefox/3.6",  // ^Mozilla\/5.0(\s|\+)Gecko\/20100115(\s|\+)Firefox\/3.6$
        "Mozilla/4.0",  // ^Mozilla.4\.0$
        "aria2/1.36.0",  // aria2\/\d
        "Fetch API Request",  // Fetch(\s|\+)API(\s|\+)Request
        "Mozilla/3.0 (compatible; Indy Library)",
    ]

    /// Desktop and mobile browsers of 2025/2026, and the ordinary-browser agents of the real logs that
    /// imported patterns matched before they were left out (Thunderbird's Lightning, Lynx, Safari's own fetches).
    static let browsers = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.6943.89 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/133.0.6943.84 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:135.0) Gecko/20100101 Firefox/135.0",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0",
        "Mozilla/5.0 (Android 14; Mobile; rv:135.0) Gecko/135.0 Firefox/135.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/135.0 Mobile/15E148 Safari/605.1.15",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPad; CPU OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36 EdgA/133.0.0.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/133.0.3065.54 Mobile/15E148 Safari/605.1.15",
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 OPR/117.0.0.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 YaBrowser/25.2.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
        "Mozilla/5.0 (X11; Linux x86_64; rv:24.0) Gecko/20100101 Thunderbird/24.2.0 Lightning/2.6.4",
        "Lynx/2.8.7rel.2 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/1.0.1f",
        "Safari/9537.73.11 CFNetwork/673.0.3 Darwin/13.0.0 (x86_64) (MacBookPro8%2C1)",
        "MobileSafari/9537.53 CFNetwork/672.0.8 Darwin/14.0.0",
        "Mozilla/5.0 (Linux; U; Android 2.3.6; en-us; Pioneer_P1 Build/GRK39F) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1",
    ]

    @Test func crawlersFromTheImportedListsAreRobots() {
        for ua in Self.crawlersTheOldListMissed {
            #expect(Self.isRobot(ua), "\(ua)")
        }
        // And the hand-kept families still are.
        for ua in ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0", "python-requests/2.31.0", "Wget/1.21"] {
            #expect(Self.isRobot(ua), "\(ua)")
        }
    }

    @Test func ordinaryBrowsersAreNotRobots() {
        for ua in Self.browsers {
            #expect(!Self.isRobot(ua), "\(ua)")
        }
    }

    /// Every line of the shipped list matches what it says: each substring in any case, each plain
    /// `re:` string exactly and case-sensitively (so the pre-filter loses none of the ~1,000 lines).
    @Test func everyLiteralLineMatchesAndOnlyInItsCase() {
        var checked = 0
        for line in RobotPatterns.builtIn {
            if line.hasPrefix(RobotPatterns.regexPrefix) {
                guard let bytes = RobotPatternSet.literalText(String(line.dropFirst(3))) else { continue }
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(Self.isRobot("Mozilla/5.0 (x) " + text + " y"), "\(line)")
                checked += 1
            } else {
                #expect(Self.isRobot("Mozilla/5.0 (x) " + line.uppercased() + " y"), "\(line)")
                checked += 1
            }
        }
        #expect(checked > 500)
        #expect(RobotPatternSet.builtIn.invalid.isEmpty, "\(RobotPatternSet.builtIn.invalid)")
        #expect(RobotPatterns.firstInvalid(RobotPatterns.builtIn) == nil)
    }

    @Test func formatOfTheList() {
        let patterns = RobotPatterns.parse("# comment\nSomeBot\n  spaced  \r\nre:^Exact\\/\\d \nre:NING\\/\nre:a(b|c)d\n\nre:")
        #expect(patterns == ["somebot", "spaced", "re:^Exact\\/\\d ", "re:NING\\/", "re:a(b|c)d"])
        #expect(Self.isRobot("x SOMEBOT y", patterns))  // plain: any case
        #expect(Self.isRobot("Exact/1 z", patterns))  // anchored regex, its trailing space kept
        #expect(!Self.isRobot("Exact/1", patterns))
        #expect(!Self.isRobot("x Exact/1 z", patterns))  // anchored: only at the start
        #expect(Self.isRobot("NING/1.0", patterns))
        #expect(!Self.isRobot("Lightning/2.6.4", patterns))  // re: is case-sensitive
        #expect(Self.isRobot("xxacdxx", patterns))
        #expect(!Self.isRobot("xxaddxx", patterns))
        #expect(!Self.isRobot("so", patterns))  // shorter than any pattern's key
        #expect(Self.isRobot("ab", ["ab"]))  // patterns shorter than the 3-byte key
        #expect(Self.isRobot("xAB", ["re:AB"]) && !Self.isRobot("xab", ["re:AB"]))
        #expect(RobotPatterns.firstInvalid(["re:a(b"])?.contains("re:a(b") == true)
    }

    /// The string a regex is gated behind is one every match contains, and the gated verdict is PCRE2's.
    @Test func gatedRegexesGiveThePlainVerdicts() {
        #expect(RobotPatternSet.requiredLiteral("AdsBot-Google([^-]|$)") == Array("AdsBot-Google".utf8))
        #expect(RobotPatternSet.requiredLiteral("Current[\\s\\S]*RSS Reader") == Array("RSS Reader".utf8))
        #expect(RobotPatternSet.requiredLiteral("abc+d\\.?xyzw{2}") == Array("abc".utf8))
        #expect(RobotPatternSet.requiredLiteral("Automaton|Newsify Feed Fetcher") == nil)
        #expect(RobotPatternSet.requiredLiteral("(?i)somebot") == nil)
        #expect(RobotPatternSet.requiredLiteral("(sistrix|SISTRIX) [cC]rawler") == Array("rawler".utf8))
        let subjects = Self.crawlersTheOldListMissed + Self.browsers + ["AdsBot-Google", "AdsBot-Google-Mobile", "Current RSS Reader",
                                                                          "x SISTRIX Crawler", "x SISTRIX crawler", "x sistrix Crawler"]
        var gated = 0
        for line in RobotPatterns.builtIn where line.hasPrefix(RobotPatterns.regexPrefix) {
            let source = String(line.dropFirst(3))
            guard RobotPatternSet.literalText(source) == nil, !source.hasPrefix("^"), let required = RobotPatternSet.requiredLiteral(source),
                  case .success(let code) = RobotPatternSet.compile(source, jit: false) else { continue }
            gated += 1
            let text = String(decoding: required, as: UTF8.self)
            for subject in subjects + ["x " + text + " y", text, text.uppercased()] {
                let bytes = Array(subject.utf8)
                let data = pcre2_match_data_create_8(1, nil)
                let direct = pcre2_match_8(code, bytes, bytes.count, 0, 0, data, nil) >= 0
                pcre2_match_data_free_8(data)
                #expect(Self.isRobot(subject, [line]) == direct, "\(line) on \(subject)")
            }
            pcre2_code_free_8(code)
        }
        #expect(gated > 30)
    }

    @Test func invalidUserPatternIsAUsageError() throws {
        let dir = TemporaryDirectory()
        let log = dir.write("a.log", InputTests.logLines(0 ..< 3))
        let list = dir.write("robots.txt", "re:([unclosed\n")
        let result = try Tool.shell("$WM sessions -q --robot-patterns '\(list)' '\(log)' -o /dev/null")
        #expect(result.status == 64)
        #expect(result.err.contains("re:([unclosed"))
    }
}
