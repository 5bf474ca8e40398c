import Foundation
import Testing
@testable import WeblogMiner

/// The cursor writers of JSON lines (sessions) and pattern lines give, byte for byte, what the String
/// formulas they replaced gave, for names that need escaping.
@Suite struct JSONLWriterTests {
    static let hostile = ["/plain", "/a \"quoted\" b", "/tab\there", "/back\\slash", "/ctl\u{01}x", "/caf\u{e9}/\u{1F600}", "/new\nline"]

    static func written(_ body: (WeblogMiner.OutputStream) throws -> Void) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jsonl-writer-\(getpid())-\(UUID().uuidString)").path
        defer { unlink(path) }
        let out = try WeblogMiner.OutputStream.open(path)
        try body(out)
        try out.commit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func sessionLinesAsTheStringWriterMadeThem() throws {
        var pages = ByteStringInterner()
        let ids = Self.hostile.map { pages.intern($0) }
        let t0: Int64 = 1_772_438_400_250
        let views = ids.enumerated().map { k, id in PageView(page: id, time: t0 + Int64(k) * 1_500, inferred: k == 2) }
        let sessions = [
            Session(id: 7, visitor: Array("1.2.3.4 Mozilla \"x\"\\y".utf8), visitorHash: 1, views: views, entryReferrer: Array("https://search/?q=\"a\"".utf8)),
            Session(id: 8, visitor: Array("v".utf8), visitorHash: 2, views: [views[1]], entryReferrer: nil),
        ]
        let text = try Self.written { out in
            let writer = try SessionWriter(format: .jsonl, to: out)
            for s in sessions { try writer.write(s, pages: pages) }
            try writer.finish(pages: pages)
        }
        func name(_ id: Int32) -> String { String(decoding: pages.bytes(of: id), as: UTF8.self) }
        // The formula of the String writer this replaced.
        let expected = sessions.map { s in
            var o = "{\"session_id\":\(s.id),\"visitor\":\(jsonQuote(String(decoding: s.visitor, as: UTF8.self)))"
            o += ",\"start\":\"\(isoTime(s.start))\",\"end\":\"\(isoTime(s.end))\",\"duration_s\":\(seconds(s.end - s.start))"
            o += ",\"views\":\(s.observedViews),\"entry_page\":\(jsonQuote(name(s.views.first!.page))),\"exit_page\":\(jsonQuote(name(s.views.last!.page)))"
            o += ",\"entry_referrer\":" + (s.entryReferrer.map { jsonQuote(String(decoding: $0, as: UTF8.self)) } ?? "null")
            o += ",\"pages\":[" + s.views.map { jsonQuote(name($0.page)) }.joined(separator: ",") + "]"
            o += ",\"dwell_s\":[" + s.dwellMillis.map { $0.map(seconds) ?? "null" }.joined(separator: ",") + "]"
            return o + ",\"inferred\":[" + s.views.map { $0.inferred ? "true" : "false" }.joined(separator: ",") + "]}\n"
        }.joined()
        #expect(text == expected)
    }

    @Test func patternLinesAsTheStringWriterMadeThem() throws {
        let db = SequenceDatabase(sequences: [Self.hostile, Array(Self.hostile.reversed())])
        let patterns: [(items: [Int32], support: Int)] = [([0], 2), ([1, 2, 3], 1), ([4, 5, 6, 0], 2), ([6], 1)]
        for format in PatternOutputFormat.allCases {
            let text = try Self.written { out in
                let lines = PatternLines(db: db, format: format)
                for p in patterns { try lines.write(p.items, support: p.support, to: out) }
            }
            let n = Double(db.count)
            let expected = patterns.map { p in
                switch format {
                case .tsv:
                    let pattern = tsvEscape(p.items.map { PatternWriter.token(db, $0) }.joined(separator: " "))
                    return "\(pattern)\t\(p.support)\t\(String(format4: Double(p.support) / n))\t\(p.items.count)\n"
                case .jsonl:
                    let names = p.items.map { jsonQuote(db.names[Int($0)]) }.joined(separator: ",")
                    return "{\"pattern\":[\(names)],\"support\":\(p.support),\"relative_support\":\(String(format4: Double(p.support) / n)),\"length\":\(p.items.count)}\n"
                case .spmf:
                    return p.items.map { "\(PatternWriter.spmfNumber(db, $0)) -1" }.joined(separator: " ") + " #SUP: \(p.support)\n"
                }
            }.joined()
            #expect(text == expected, "\(format)")
        }
    }

    @Test func sharesWithFourDecimalsAsFormat4() {
        for value in [0.0, 1, 0.5, 0.25, 0.125, 0.00004, 0.00005, 0.0001, 0.1234, 0.99996, 1.0 / 3, 2.5, 123.45678, 1e-12] {
            let text = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
                var c = ByteCursor(buffer.baseAddress!)
                c.putFixed4(value)
                return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: c.position), as: UTF8.self)
            }
            #expect(text == String(format4: value), "\(value)")
        }
    }
}
