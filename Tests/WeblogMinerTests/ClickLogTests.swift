import Testing
@testable import WeblogMiner

@Suite struct ClickLogTests {

    /// Reads a fixture of `formats/` with detection: it must be taken for `format`, with no line
    /// rejected and `count` records; returns them.
    func readFixture(_ name: String, as format: String, count: Int) throws -> [(record: LogRecord, fields: [TextField: String], file: Int, line: Int)] {
        let (sink, report, _) = try ingest([Paths.fixture("formats/" + name)])
        #expect(report.files[0].format == format)
        #expect(report.rejected == 0)
        #expect(sink.records.count == count)
        return sink.records
    }

    /// A record's time, status and text fields (nil: the field is absent).
    func expectRecord(_ r: (record: LogRecord, fields: [TextField: String], file: Int, line: Int), millis: Int64, status: Int,
                      _ fields: [TextField: String?], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.record.epochMillis == millis, sourceLocation: sourceLocation)
        #expect(Int(r.record.status) == status, sourceLocation: sourceLocation)
        for (field, value) in fields { #expect(r.fields[field] == value, "\(field)", sourceLocation: sourceLocation) }
    }
    @Test func w3cFieldsChangeMidFile() throws {
        let records = try readFixture("iis-w3c.log", as: "w3c", count: 3)
        let first = records[0]
        #expect(first.record.epochMillis == utcMillis(2026, 3, 2, 0, 0, 1))
        #expect(first.fields[.userAgent] == "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
        #expect(first.fields[.query] == nil)
        #expect(first.record.durationMicros == 15_000)
        let second = records[1]
        #expect(second.fields[.user] == "alice")
        #expect(second.fields[.query] == "cat=4&page=2")
        #expect(second.fields[.referrer] == "https://shop.example.com/index.html")
        // After the second #Fields: directive the columns are different.
        let third = records[2]
        #expect(third.fields[.client] == "2001:db8::1")
        #expect(third.fields[.method] == "POST")
        #expect(third.fields[.vhost] == "shop.example.com")
        #expect(third.record.status == 302)
        #expect(third.line == 11)
    }

    @Test func jsonLinesWithSynonymsAndEscapes() throws {
        let records = try readFixture("clicks.jsonl", as: "jsonl", count: 3)
        #expect(records[0].record.epochMillis == 1_772_409_600_123)
        #expect(records[0].fields[.visitor] == "c-1")
        #expect(records[0].fields[.path] == "/home")
        #expect(records[1].record.epochMillis == utcMillis(2026, 3, 1, 23, 0, 5, ms: 500))
        #expect(records[1].fields[.vhost] == "shop.example.com")
        #expect(records[1].fields[.path] == "/p/10")
        #expect(records[1].fields[.query] == "color=red")
        #expect(records[2].fields[.path] == "/café/😀")
        #expect(records[2].fields[.userAgent] == #"Bot "quoted""#)
    }

    /// Caddy and other servers log nested JSON: keys below the top are named by their path
    /// (`request.uri`), and a list's first string is its value (Caddy's headers).
    @Test func nestedJSONAccessLogIsReadWithoutOptions() throws {
        let records = try readFixture("caddy.jsonl", as: "jsonl", count: 3)
        expectRecord(records[0], millis: 1_733_500_000_123, status: 200,
                     [.client: "203.0.113.5", .method: "GET", .path: "/products", .query: "id=3", .vhost: "example.com",
                      .userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", .referrer: "https://www.google.com/"])
        #expect(records[2].fields[.userAgent] == "curl/8.0" && records[2].fields[.referrer] == nil)
        // Explicit dotted keys work too, and deeper nesting than the limit is skipped, not misread.
        let parser = JSONLinesParser(mapping: try FieldMapping(specs: ["url=a.b.page"]))
        let p = parse(parser, #"{"ts":1733500000,"a":{"b":{"page":"/x","list":[{"k":"v"},"y"]}},"z":[1,"w"]}"#)
        #expect(p.verdict == .record && p[.path] == "/x")
        let deeper = JSONLinesParser(mapping: try FieldMapping(specs: ["url=a.b.c.d.page"]))
        let deep = parse(deeper, #"{"ts":1733500000,"a":{"b":{"c":{"d":{"page":"/no"}}}}}"#)
        #expect(deep.verdict == .record && deep[.path] == nil)
    }

    /// AWS load balancer logs are recognised without options: the client without its port, the path
    /// of the absolute request target, the balancer's status; `http://host` alone is the page `/`.
    @Test func awsLoadBalancerLogIsReadWithoutOptions() throws {
        let records = try readFixture("aws-alb.log", as: "alb", count: 3)
        expectRecord(records[0], millis: 1_530_570_180_186, status: 200, [.client: "192.168.131.39", .path: "/", .userAgent: "curl/7.46.0"])
        #expect(records[1].fields[.path] == "/products/3" && records[1].fields[.query] == "ref=mail")
        #expect(records[2].fields[.path] == "/missing" && records[2].record.status == 404)
        // Absolute targets in any server's request line, with and without a path or a query.
        let combined = try apache(ApacheLogFormat.combined)
        for (target, path, query) in [("http://h.example", "/", nil), ("HTTPS://h.example:443?a=1", "/", "a=1"),
                                      ("http://h.example/x/y?b", "/x/y", "b"), ("/plain?c", "/plain", "c"), ("httpx://h/z", "httpx://h/z", nil)] {
            let line = #"1.2.3.4 - - [02/Jul/2018:22:23:00 +0000] "GET "# + target + #" HTTP/1.1" 200 5 "-" "ua""#
            let p = parse(combined, line)
            #expect(p.verdict == .record && p[.path] == path && p[.query] == query, "\(target)")
        }
    }

    /// Cloudflare's Logpush names its fields its own way and writes times in epoch nanoseconds.
    @Test func cloudflareLogIsReadWithoutOptions() throws {
        let records = try readFixture("cloudflare.jsonl", as: "jsonl", count: 2)
        expectRecord(records[0], millis: 1_733_500_000_000, status: 200,
                     [.client: "203.0.113.7", .path: "/shop", .query: "id=1", .method: "GET", .vhost: "example.com",
                      .referrer: "https://www.google.com/", .userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"])
        #expect(records[1].record.epochMillis == 1_733_500_060_000)
    }

    @Test func jsonExplicitMappingAndRejects() throws {
        let parser = JSONLinesParser(mapping: try FieldMapping(specs: ["time=when", "visitor=vid", "url=u"]))
        let p = parse(parser, #"{"when":"2026-03-02T10:00:00Z","vid":"x","u":"/a","time":"garbage"}"#)
        #expect(p.verdict == .record)
        #expect(p[.visitor] == "x")
        #expect(parse(parser, #"{"vid":"x"}"#).verdict == .reject(.missingTime))
        #expect(parse(parser, #"{"when": 12"#).verdict == .reject(.invalidJSON))
        #expect(parse(parser, #"not json"#).verdict == .reject(.invalidJSON))
        #expect(parse(parser, #"{"when":"yesterday"}"#).verdict == .reject(.badTime))
        #expect(throws: FormatCompileError.self) { try FieldMapping(specs: ["colour=x"]) }
        #expect(throws: FormatCompileError.self) { try FieldMapping(specs: ["time"]) }
    }

    @Test func csvWithQuotesAndSynonyms() throws {
        let records = try readFixture("clicks.csv", as: "csv", count: 3)
        #expect(records[0].fields[.visitor] == "v1")
        #expect(records[0].fields[.userAgent] == "Mozilla/5.0 (X11; Linux x86_64)")
        #expect(records[1].fields[.userAgent] == #"Agent with "quotes", and comma"#)
        #expect(records[1].fields[.query] == "q=a%2Cb")
        #expect(records[2].record.status == 404)
        #expect(records[2].fields[.userAgent] == nil)
        #expect(records[0].line == 2)
    }

    /// The column names of analytics exports (GA4 flattened to CSV, Snowplow, Matomo) are known:
    /// GA4's event_timestamp (microseconds) wins over its event_date (a day written as 20231201).
    @Test func analyticsExportColumnNamesAreKnown() throws {
        let ga4 = DelimitedParser(delimiter: UInt8(ascii: ","), mapping: FieldMapping())
        #expect(parse(ga4, "event_date,event_timestamp,event_name,user_pseudo_id,page_location,page_referrer").verdict == .skip)
        let hit = parse(ga4, "20231201,1701388800123456,page_view,123.456,https://shop.example/p/1?x=2,https://www.google.com/")
        #expect(hit.verdict == .record)
        #expect(hit.record.epochMillis == utcMillis(2023, 12, 1, 0, 0, 0, ms: 123))
        #expect(hit[.visitor] == "123.456" && hit[.path] == "/p/1" && hit[.query] == "x=2" && hit[.referrer] == "https://www.google.com/")
        let snowplow = DelimitedParser(delimiter: 9, mapping: FieldMapping())
        #expect(parse(snowplow, "collector_tstamp\tdomain_userid\tdomain_sessionid\tuser_ipaddress\tpage_url\tuseragent").verdict == .skip)
        let event = parse(snowplow, "2023-12-01 10:00:00.000\tdu-1\tds-9\t203.0.113.5\thttps://shop.example/a\tMozilla/5.0")
        #expect(event.verdict == .record && event[.visitor] == "du-1" && event[.session] == "ds-9" && event[.client] == "203.0.113.5" && event[.path] == "/a")
        let matomo = DelimitedParser(delimiter: UInt8(ascii: ","), mapping: FieldMapping())
        #expect(parse(matomo, "idVisit,idVisitor,serverTimestamp,url").verdict == .skip)
        let view = parse(matomo, "42,9f3a,1701424800,/shop/a")
        #expect(view.verdict == .record && view[.session] == "42" && view[.visitor] == "9f3a" && view.record.epochMillis == 1_701_424_800_000)
    }

    @Test func dateAndStepExportIsRecognisedByItsColumnNames() throws {
        // DIGINETICA's layout: a date column (eventdate) and an order within the session (timeframe).
        let records = try readFixture("diginetica-style.csv", as: "delimited ';'", count: 1)
        #expect(records[0].record.epochMillis == utcMillis(2016, 5, 9))
        #expect(records[0].record.order == 526309)
        #expect(records[0].fields[.session] == "1")
        #expect(records[0].fields[.user] == nil)  // NA: no user
        #expect(records[0].fields[.path] == "81766")
        // An explicit mapping still wins.
        let (mapped, mappedReport, _) = try ingest([Paths.fixture("formats/diginetica-style.csv")]) {
            $0.parser.mapping = try! FieldMapping(specs: ["time=eventdate", "url=item_id", "user=session_id"])
            $0.parser.format = .delimited(UInt8(ascii: ";"))
        }
        #expect(mappedReport.rejected == 0)
        #expect(mapped.records.count == 1)
        #expect(mapped.records[0].fields[.user] == "1")
    }

    @Test func csvWithoutHeaderByColumnNumber() throws {
        let parser = DelimitedParser(delimiter: UInt8(ascii: ","), hasHeader: false,
                                     mapping: try FieldMapping(specs: ["client=1", "time=2", "request=3", "status=4"]))
        let p = parse(parser, "10.128.2.1,[29/Nov/2017:06:58:55,GET /login.php HTTP/1.1,200,,,,")
        #expect(p.verdict == .record)
        #expect(p[.client] == "10.128.2.1")
        #expect(p[.path] == "/login.php")
        #expect(p.time == utcMillis(2017, 11, 29, 6, 58, 55))
        #expect(parse(parser, "chmod:,cannot,'a.out':,No,directory,,").verdict == .reject(.badTime))
        #expect(parse(parser, "a,\"unclosed").verdict == .reject(.badQuoting))
    }

    @Test func tsvEscapesAreDecoded() {
        let parser = DelimitedParser(delimiter: 9, mapping: FieldMapping())
        _ = parse(parser, "time\tpath\tuser_agent")
        let p = parse(parser, "2026-03-02T10:00:00Z\t/a\\tb\tx\\\\y\\nz")
        #expect(p[.path] == "/a\tb")
        #expect(p[.userAgent] == "x\\y\nz")
    }
}
