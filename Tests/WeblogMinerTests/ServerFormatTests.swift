import Testing
@testable import WeblogMiner

@Suite struct ServerFormatTests {
    let combined = try! apache(ApacheLogFormat.combined)
    let common = try! apache(ApacheLogFormat.common)

    @Test func combinedLine() {
        let p = parse(combined, #"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png?a=1&b=2 HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)""#)
        #expect(p.verdict == .record)
        #expect(p[.client] == "83.149.9.216")
        #expect(p[.user] == nil)
        #expect(p[.method] == "GET")
        #expect(p[.path] == "/presentations/logstash-monitorama-2013/images/kibana-search.png")
        #expect(p[.query] == "a=1&b=2")
        #expect(p[.proto] == "HTTP/1.1")
        #expect(p.record.status == 200)
        #expect(p.record.bytes == 203023)
        #expect(p[.referrer] == "http://semicomplete.com/presentations/logstash-monitorama-2013/")
        #expect(p[.userAgent] == "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)")
        #expect(p.time == utcMillis(2015, 5, 17, 10, 5, 3))
    }

    @Test func escapedQuotesInsideUserAgent() {
        let p = parse(combined, #"1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 5 "-" "Mozilla \"quoted\" and \\ backslash""#)
        #expect(p.verdict == .record)
        #expect(p[.user] == "bob")
        #expect(p[.referrer] == nil)
        #expect(p[.userAgent] == #"Mozilla "quoted" and \ backslash"#)
    }

    @Test func ipv6Client() {
        let p = parse(combined, #"2001:db8:85a3::8a2e:370:7334 - - [02/Mar/2026:13:55:36 +0000] "GET / HTTP/2.0" 304 - "-" "curl/8""#)
        #expect(p[.client] == "2001:db8:85a3::8a2e:370:7334")
        #expect(p.record.bytes == 0)  // %b "-" means no body
        #expect(p.record.status == 304)
    }

    @Test func tenKilobyteURL() {
        let long = "/" + String(repeating: "a", count: 10_000)
        let p = parse(combined, "1.2.3.4 - - [02/Mar/2026:13:55:36 +0000] \"GET \(long)?q=1 HTTP/1.1\" 414 0 \"-\" \"x\"")
        #expect(p.verdict == .record)
        #expect(p[.path] == long)
        #expect(p[.query] == "q=1")
    }

    @Test func nulByteAndInvalidUTF8AreKeptAsBytes() {
        var line = Array(#"1.2.3.4 - - [02/Mar/2026:13:55:36 +0000] "GET /a"#.utf8)
        line += [0x00, 0xFF, 0xC3]
        line += Array(#"b HTTP/1.1" 200 1 "-" "ua"#.utf8) + [0xE9] + Array("\"".utf8)
        let p = parse(combined, line)
        #expect(p.verdict == .record)
        var copy = line
        let pathBytes = copy.withUnsafeMutableBufferPointer { Array($0.bytes(p.record.path)) }
        #expect(pathBytes == Array("/a".utf8) + [0x00, 0xFF, 0xC3] + Array("b".utf8))
    }

    @Test func requestVariants() {
        // HTTP/0.9 style request without protocol (NASA 1995 log has these).
        let nasa = parse(common, #"columbia.acc.brad.ac.uk - - [01/Aug/1995:00:34:55 -0400] "GET /ksc.html" 200 7280"#)
        #expect(nasa.verdict == .record)
        #expect(nasa[.path] == "/ksc.html")
        #expect(nasa[.proto] == nil)
        // A request line of "-" (e.g. a 408 timeout) is a valid hit without method or path.
        let timeout = parse(common, #"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "-" 408 -"#)
        #expect(timeout.verdict == .record)
        #expect(timeout[.method] == nil && timeout[.path] == nil)
        #expect(timeout.record.status == 408)
        // Spaces inside the URL survive: the protocol is taken from the last space.
        let spaced = parse(common, #"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "GET /a b.html HTTP/1.0" 404 -"#)
        #expect(spaced[.path] == "/a b.html")
        #expect(spaced[.proto] == "HTTP/1.0")
    }

    @Test(arguments: [
        ("", RejectReason.formatMismatch),
        ("garbage", .formatMismatch),
        (#"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "GET / HTTP/1.0" 200"#, .formatMismatch),  // bytes missing
        (#"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "GET / HTTP/1.0 200 5"#, .badQuoting),  // unclosed quote
        (#"1.2.3.4 - - [01/Aug/1995:99:34:55 -0400] "GET / HTTP/1.0" 200 5"#, .badTime),
        (#"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "GET / HTTP/1.0" OK 5"#, .badStatus),
        (#"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "GET / HTTP/1.0" 200 5k"#, .badNumber),
    ])
    func malformedCommonLines(line: String, reason: RejectReason) {
        #expect(parse(common, line).verdict == .reject(reason))
    }

    @Test func commonAcceptsExtraTrailingFieldsButDetectionPrefersWholeLine() {
        let line = #"1.2.3.4 - - [01/Aug/1995:00:34:55 -0400] "GET / HTTP/1.0" 200 5 "http://r/" "ua""#
        #expect(parse(common, line).verdict == .record)
        #expect(common.consumedWholeLine == false)
        let detected = FormatDetector.detect(sample: [Array(line.utf8)], configuration: ParserConfiguration())
        #expect(detected?.formatName == "combined")
    }

    @Test func customApacheFormatWithDurationAndVhost() throws {
        let parser = try apache(#"%v %h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D %{X-Forwarded-For}i"#)
        let p = parse(parser, #"shop.example.com 10.0.0.1 - - [02/Mar/2026:13:55:36 +0100] "POST /cart HTTP/1.1" 302 0 "-" "ua" 1534 203.0.113.9"#)
        #expect(p.verdict == .record)
        #expect(p[.vhost] == "shop.example.com")
        #expect(p.record.durationMicros == 1534)
        #expect(p.time == utcMillis(2026, 3, 2, 12, 55, 36))
    }

    @Test func apacheDirectiveLineAndPathQueryPair() throws {
        let parser = try apache(#"LogFormat "%h %t %U%q %>s %{ms}T" short"#)
        let p = parse(parser, "1.2.3.4 [02/Mar/2026:13:55:36 +0000] /search?q=x 200 12")
        #expect(p.verdict == .record)
        #expect(p[.path] == "/search")
        #expect(p[.query] == "q=x")
        #expect(p.record.durationMicros == 12_000)
    }

    @Test func compileErrors() {
        #expect(throws: FormatCompileError.self) { try ApacheLogFormat.compile("%h%u") }
        #expect(throws: FormatCompileError.self) { try ApacheLogFormat.compile("%{Referer") }
        #expect(throws: FormatCompileError.self) { try ApacheLogFormat.compile("no placeholders") }
        #expect(throws: FormatCompileError.self) { try NginxLogFormat.compile("$remote_addr$status") }
        #expect(throws: FormatCompileError.self) { try LogFormat.parse("nonsense") }
    }

    @Test func nginxDefaultCombined() throws {
        let parser = try nginx(NginxLogFormat.combined)
        let p = parse(parser, #"93.180.71.3 - - [17/May/2015:08:05:32 +0000] "GET /downloads/product_1 HTTP/1.1" 304 0 "-" "Debian APT-HTTP/1.3 (0.8.16~exp12ubuntu10.21)""#)
        #expect(p.verdict == .record)
        #expect(p[.client] == "93.180.71.3")
        #expect(p[.path] == "/downloads/product_1")
        #expect(p[.userAgent] == "Debian APT-HTTP/1.3 (0.8.16~exp12ubuntu10.21)")
        #expect(p.time == utcMillis(2015, 5, 17, 8, 5, 32))
    }

    @Test func nginxCustomFormatWithHexEscapes() throws {
        let parser = try nginx(#"log_format timed '$host $remote_addr [$time_iso8601] "$request" $status $body_bytes_sent $request_time "$http_user_agent" "$http_x_forwarded_for"';"#)
        let p = parse(parser, #"shop.example.com 10.1.1.1 [2026-03-02T13:55:36+00:00] "GET /p/1?x=2 HTTP/2.0" 200 512 0.250 "Agent \x22X\x22" "-""#)
        #expect(p.verdict == .record)
        #expect(p[.vhost] == "shop.example.com")
        #expect(p.record.durationMicros == 250_000)
        #expect(p[.userAgent] == #"Agent "X""#)
        #expect(p[.query] == "x=2")
        #expect(p.time == utcMillis(2026, 3, 2, 13, 55, 36))
    }

    @Test func nginxMsec() throws {
        let parser = try nginx("$msec $remote_addr $request_uri $status")
        let p = parse(parser, "1772459736.125 10.0.0.1 /a?b 200")
        #expect(p.time == 1_772_459_736_125)
        #expect(p[.path] == "/a" && p[.query] == "b")
    }

    @Test func vhostCombined() throws {
        let parser = try apache(ApacheLogFormat.vhostCombined)
        let p = parse(parser, #"www.example.com:443 1.2.3.4 - - [02/Mar/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "ua""#)
        #expect(p.verdict == .record)
        #expect(p[.vhost] == "www.example.com")
        let detected = FormatDetector.detect(sample: [Array(#"www.example.com:443 1.2.3.4 - - [02/Mar/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "ua""#.utf8)], configuration: ParserConfiguration())
        #expect(detected?.formatName == "vhost_combined")
    }
}
