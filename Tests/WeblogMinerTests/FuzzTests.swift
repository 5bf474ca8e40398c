import Foundation
import PropertyBased
import Testing
@testable import WeblogMiner

/// Property-based robustness: random and mutated input must never crash a parser or the gzip reader,
/// and parsed fields must always lie inside the line. Iterations: WEBLOG_FUZZ_COUNT (default 1500).
@Suite struct FuzzTests {
    static let count = Int(ProcessInfo.processInfo.environment["WEBLOG_FUZZ_COUNT"] ?? "") ?? 1500

    static func parsers() -> [any LineParser] {
        let w3c = W3CExtendedParser()
        _ = parse(w3c, "#Fields: date time c-ip cs-method cs-uri-stem sc-status cs(User-Agent)")
        let csv = DelimitedParser(delimiter: UInt8(ascii: ","), mapping: FieldMapping())
        _ = parse(csv, "time,url,ip,status,bytes")
        let tsv = DelimitedParser(delimiter: 9, mapping: FieldMapping())
        _ = parse(tsv, "time\tpath\tclient\tstatus")
        return [
            try! apache(ApacheLogFormat.combined), try! apache(ApacheLogFormat.common), try! apache(ApacheLogFormat.vhostCombined),
            try! nginx(#"$host $remote_addr [$time_iso8601] "$request" $status $body_bytes_sent $request_time "$http_user_agent""#),
            w3c, JSONLinesParser(mapping: FieldMapping()), csv, tsv,
        ]
    }

    static let seeds: [String] = [
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.0" 200 5 "http://r/" "Mozilla \"x\"""#,
        #"h:80 1.2.3.4 - u [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 - "-" "-""#,
        #"h 1.2.3.4 [2000-10-10T13:55:36Z] "GET /x HTTP/1.1" 200 1 0.5 "ua \x22q\x22""#,
        "2026-03-02 00:00:01 1.2.3.4 GET /a 200 Mozilla+x",
        #"{"time":"2026-03-02T00:00:01Z","url":"/a\u00e9","status":200,"x":{"y":[1,"}"]}}"#,
        #"2026-03-02T00:00:01Z,"/a,""b""",1.2.3.4,200,5"#,
        "2026-03-02T00:00:01Z\t/a\\tb\t1.2.3.4\t200",
    ]

    /// Checks that every field of a record lies inside the line.
    static func check(_ parser: any LineParser, _ bytes: [UInt8]) {
        var copy = bytes
        copy.withUnsafeMutableBufferPointer { buf in
            var record = LogRecord()
            if parser.parse(buf, into: &record) == .record {
                for f in TextField.allCases where record[f].isPresent {
                    let r = record[f]
                    #expect(r.start >= 0 && Int(r.start) + Int(r.count) <= bytes.count, "field \(f) out of bounds")
                }
            }
        }
    }

    @Test func randomBytesNeverCrashAParser() async {
        let parsers = Self.parsers()
        await propertyCheck(count: Self.count, input: Gen<UInt8>.value(in: 0 ... 255).array(of: 0 ... 300)) { bytes in
            for parser in parsers { Self.check(parser, bytes) }
        }
    }

    @Test func mutatedLinesNeverCrashAParser() async {
        let parsers = Self.parsers()
        let mutation = Gen<Int>.value(in: 0 ... 10_000).array(of: 1 ... 8)
        await propertyCheck(count: Self.count, input: Gen.element(of: Self.seeds), mutation) { seed, edits in
            var bytes = Array((seed ?? "").utf8)
            let interesting: [UInt8] = [0, 9, 10, 13, 32, 34, 35, 44, 45, 58, 91, 92, 93, 123, 125, 0xC3, 0xFF]
            for e in edits {
                let at = e % max(1, bytes.count)
                switch e % 4 {
                case 0: bytes[at] = interesting[e % interesting.count]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(interesting[e % interesting.count], at: at)
                default: bytes = Array(bytes[0 ..< at])
                }
                if bytes.isEmpty { break }
            }
            for parser in parsers { Self.check(parser, bytes) }
        }
    }

    /// The standard layouts run unrolled: each must give exactly what the generic loop over the same
    /// program gives (verdict, every field, numbers, whether the whole line was used), also for
    /// mutated and hostile lines.
    @Test func unrolledLayoutsAgreeWithTheGenericLoop() async throws {
        let formats = [ApacheLogFormat.combined, ApacheLogFormat.common, ApacheLogFormat.vhostCombined]
        let pairs = try formats.map { f in
            let program = try ApacheLogFormat.compile(f)
            return (LogFormatParser(program: program, name: "u"), LogFormatParser(program: program, name: "g", unrolled: false))
        }
        let lines = Self.seeds + [
            #"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a b" c HTTP/1.0" 200 2326 "http://x/"y" "Mo\zilla "q" x""#,
            #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" - - "-" "a" extra fields"#,
            #"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /" HTTP/1.0" 2000 5 "r" "u""#,
            #"shop:443 1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /p?x=1 HTTP/2.0" 304 0 "-" "ua""#,
        ]
        let mutation = Gen<Int>.value(in: 0 ... 10_000).array(of: 0 ... 6)
        await propertyCheck(count: Self.count, input: Gen.element(of: lines), mutation) { seed, edits in
            var bytes = Array((seed ?? "").utf8)
            let interesting: [UInt8] = [9, 32, 34, 45, 58, 91, 92, 93, 63, 48, 0xC3]
            for e in edits where !bytes.isEmpty {
                let at = e % bytes.count
                switch e % 3 {
                case 0: bytes[at] = interesting[e % interesting.count]
                case 1: bytes.remove(at: at)
                default: bytes.insert(interesting[e % interesting.count], at: at)
                }
            }
            for (unrolled, generic) in pairs {
                var a = bytes
                var b = bytes
                var ra = LogRecord()
                var rb = LogRecord()
                let va = a.withUnsafeMutableBufferPointer { unrolled.parse($0, into: &ra) }
                let vb = b.withUnsafeMutableBufferPointer { generic.parse($0, into: &rb) }
                #expect(va == vb, "\(String(decoding: bytes, as: UTF8.self))")
                #expect(a == b)
                guard va == .record else { continue }
                #expect(unrolled.consumedWholeLine == generic.consumedWholeLine)
                #expect(ra.epochMillis == rb.epochMillis && ra.status == rb.status && ra.bytes == rb.bytes)
                for f in TextField.allCases { #expect(ra[f] == rb[f], "\(f) of \(String(decoding: bytes, as: UTF8.self))") }
            }
        }
    }

    /// The SSE2/SWAR byte searches against a plain loop, at every offset and length around the
    /// 16- and 8-byte steps, with the bytes placed mid-page (the last step loads a whole 16 bytes) and
    /// ending exactly at a page end (it must not: SWAR and byte steps take over).
    @Test func byteSearchMatchesAPlainScan() {
        let page = 4096
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 3 * page, alignment: page)
        defer { raw.deallocate() }
        let count = 80
        for placement in [page + 1000, 2 * page - count] {
            let p = (raw + placement).assumingMemoryBound(to: UInt8.self)
            p.initialize(repeating: 0x61, count: count)
            for target in [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 72, 75, 79] {
                p[target] = 0x22
                if target + 5 < count { p[target + 5] = 0x5C }
                let b = UnsafeBufferPointer(start: p, count: count)
                for from in 0 ..< 40 {
                    for end in from ... count {
                        let one = (from ..< end).first { b[$0] == 0x22 }
                        let two = (from ..< end).first { b[$0] == 0x22 || b[$0] == 0x5C }
                        #expect(ByteSearch.find(0x22, in: p, from: from, end: end) == one)
                        #expect(ByteSearch.find(0x22, or: 0x5C, in: p, from: from, end: end) == two)
                    }
                }
                p[target] = 0x61
                if target + 5 < count { p[target + 5] = 0x61 }
            }
        }
    }

    /// Lines built from random parts parse back to exactly those parts.
    @Test func generatedCombinedLinesRoundTrip() async {
        let parser = try! apache(ApacheLogFormat.combined)
        let text = Gen<Int>.value(in: 0 ... 94).array(of: 1 ... 60).map { codes in
            String(codes.map { Character(UnicodeScalar(UInt8(32 + $0))) })
        }
        await propertyCheck(count: Self.count, input: Gen<Int>.value(in: 0 ... 1), text, text, Gen<Int>.value(in: 100 ... 599), Gen<Int64>.value(in: 0 ... 1 << 40)) {
            ipv6, rawPath, ua, status, bytes in
            let client = ipv6 == 1 ? "2001:db8::\(status)" : "10.\(status % 256).0.1"
            let path = "/" + rawPath.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "?", with: "_")
            // Apache escapes " and \ inside quoted fields.
            let escapedUA = ua.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let escapedPath = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let line = "\(client) - - [02/Mar/2026:13:55:36 +0000] \"GET \(escapedPath)?q=1 HTTP/1.1\" \(status) \(bytes) \"-\" \"\(escapedUA)\""
            let p = parse(parser, line)
            #expect(p.verdict == .record)
            #expect(p[.client] == client)
            #expect(p[.path] == path)
            #expect(p[.query] == "q=1")
            #expect(p.record.status == Int32(status))
            #expect(p.record.bytes == bytes)
            #expect(p[.userAgent] == (ua == "-" ? nil : ua))
        }
    }

    @Test func truncatedAndDamagedGzipNeverCrashes() async throws {
        let dir = TemporaryDirectory()
        let text = Array(InputTests.logLines(0 ..< 400).utf8)
        let compressed = gzip(text)
        await propertyCheck(count: max(50, Self.count / 10), input: Gen<Int>.value(in: 0 ... compressed.count), Gen<Int>.value(in: 0 ... 255).array(of: 0 ... 4)) {
            cut, noise in
            var bytes = Array(compressed[0 ..< cut])
            for (k, n) in noise.enumerated() where !bytes.isEmpty { bytes[(n * 7919 + k) % bytes.count] ^= UInt8(n) }
            let file = dir.write("f\(cut).gz", bytes)
            let (out, outcome) = try Decompressor.readAll(InputSpec(file))
            // Under two bytes there is no gzip magic (1f 8b): the file is read as plain text (nothing, or
            // the byte 1f) and is complete, so only longer cuts are compared with the original.
            if noise.isEmpty && cut >= 2 {
                // Without damage the output is always a prefix of the original.
                #expect(Array(text[0 ..< min(out.count, text.count)]) == out)
                #expect((outcome == .complete) == (cut == compressed.count))
            }
            _ = try ingest([file])
        }
    }
}
