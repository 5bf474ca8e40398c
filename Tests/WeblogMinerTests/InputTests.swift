import Foundation
import Testing
@testable import WeblogMiner

@Suite struct InputTests {
    static func logLines(_ range: Range<Int>) -> String {
        range.map { i in
            "10.0.0.\(i % 250) - - [02/Mar/2026:10:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60)) +0000] \"GET /page/\(i) HTTP/1.1\" 200 \(i) \"-\" \"agent \(i)\"\n"
        }.joined()
    }

    @Test func plainAndGzipGiveTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let text = Array(Self.logLines(0 ..< 5000).utf8)
        let plain = dir.write("a.log", text)
        let gz = dir.write("a.gz-without-suffix", gzip(text))
        #expect(try Decompressor.readAll(InputSpec(plain)).bytes == text)
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(gz))
        #expect(bytes == text)
        #expect(outcome == .complete)
    }

    @Test func multiMemberGzip() throws {
        let dir = TemporaryDirectory()
        let a = Array(Self.logLines(0 ..< 3000).utf8)
        let b = Array(Self.logLines(3000 ..< 6000).utf8)
        let file = dir.write("multi.gz", gzip(a) + gzip(b, level: 1))
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(file))
        #expect(bytes == a + b)
        #expect(outcome == .complete)
        let (sink, report, _) = try ingest([file])
        #expect(sink.records.count == 6000)
        #expect(report.status == .ok)
        #expect(sink.records.last?.line == 6000)
    }

    @Test func truncatedGzipKeepsCompleteLinesAndWarns() throws {
        let dir = TemporaryDirectory()
        let text = Array(Self.logLines(0 ..< 20000).utf8)
        let compressed = gzip(text)
        let cut = compressed.count / 2
        let file = dir.write("cut.gz", Array(compressed[0 ..< cut]))
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(file))
        #expect(outcome == .truncated(compressedOffset: Int64(cut)))
        #expect(bytes.count > 0 && bytes.count < text.count)
        #expect(Array(text[0 ..< bytes.count]) == bytes)  // a prefix, no garbage
        let completeLines = bytes.filter { $0 == 10 }.count
        let (sink, report, rejects) = try ingest([file])
        #expect(sink.records.count == completeLines)
        #expect(report.status == .dataError)
        #expect(report.files[0].outcome == .truncated(compressedOffset: Int64(cut)))
        // The fragment after the last newline is counted, not parsed.
        if bytes.last != 10 {
            #expect(rejects.counts[.truncatedLine] == 1)
            #expect(rejects.samples.first?.line == completeLines + 1)
        }
    }

    @Test func corruptGzipIsReportedWithOffset() throws {
        let dir = TemporaryDirectory()
        let text = Array(Self.logLines(0 ..< 20000).utf8)
        var compressed = gzip(text)
        for i in (compressed.count / 2) ..< (compressed.count / 2 + 64) { compressed[i] ^= 0x5A }
        let file = dir.write("bad.gz", compressed)
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(file))
        guard case .corrupt(let offset, _, _) = outcome else {
            Issue.record("expected corrupt, got \(outcome)")
            return
        }
        #expect(offset > 0 && offset <= Int64(compressed.count))
        #expect(bytes != text)
        let (_, report, _) = try ingest([file])
        #expect(report.status == .dataError)
    }

    @Test func trailingGarbageAndZeroPadding() throws {
        let dir = TemporaryDirectory()
        let text = Array(Self.logLines(0 ..< 10).utf8)
        let padded = dir.write("padded.gz", gzip(text) + [UInt8](repeating: 0, count: 512))
        #expect(try Decompressor.readAll(InputSpec(padded)).outcome == .complete)
        let garbage = dir.write("garbage.gz", gzip(text) + Array("junk".utf8))
        let (bytes, outcome) = try Decompressor.readAll(InputSpec(garbage))
        #expect(bytes == text)
        #expect(outcome == .trailingGarbage(compressedOffset: Int64(gzip(text).count)))
    }

    @Test func missingFileIsNamedAndOthersStillRead() throws {
        let dir = TemporaryDirectory()
        let good = dir.write("good.log", Self.logLines(0 ..< 5))
        let (sink, report, _) = try ingest([dir.path + "/missing.log", good])
        #expect(sink.records.count == 5)
        #expect(report.status == .noInput)
        #expect(report.files[0].openError?.contains("missing.log") == true)
        let (_, dirReport, _) = try ingest([dir.path])
        #expect(dirReport.status == .noInput)
    }

    @Test func crlfAndMissingFinalNewline() throws {
        let dir = TemporaryDirectory()
        let text = Self.logLines(0 ..< 3).replacingOccurrences(of: "\n", with: "\r\n")
        // "\r\n" is one Character in Swift: dropLast(1) removes the final line end only.
        let file = dir.write("crlf.log", String(text.dropLast(1)))
        let (sink, report, _) = try ingest([file])
        #expect(sink.records.count == 3)
        #expect(report.rejected == 0)
        #expect(sink.records[2].fields[.userAgent] == "agent 2")
    }

    @Test func overlongLinesAreRejectedNotBuffered() throws {
        let dir = TemporaryDirectory()
        let huge = "1.2.3.4 - - [02/Mar/2026:10:00:00 +0000] \"GET /" + String(repeating: "x", count: 300_000) + " HTTP/1.1\" 200 1 \"-\" \"a\"\n"
        let file = dir.write("long.log", Self.logLines(0 ..< 2) + huge + Self.logLines(2 ..< 4))
        let (sink, report, rejects) = try ingest([file]) {
            $0.batchSize = 64 * 1024
            $0.maxLineLength = 128 * 1024
            $0.maxRejectRatio = 1
        }
        #expect(sink.records.map(\.line) == [1, 2, 4, 5])
        #expect(rejects.counts == [.lineTooLong: 1])
        #expect(rejects.samples.first?.line == 3)
        #expect(report.status == .ok)
    }

    @Test func rejectRatioTurnsIntoDataError() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("mixed.log", Self.logLines(0 ..< 90) + String(repeating: "not a log line\n", count: 10))
        let (sink, report, rejects) = try ingest([file])
        #expect(sink.records.count == 90)
        #expect(rejects.total == 10)
        #expect(rejects.samples.count == 3)
        #expect(rejects.samples[0].line == 91)
        #expect(report.status == .dataError)  // 10% > 5%
        let (_, lenient, _) = try ingest([file]) { $0.maxRejectRatio = 0.2 }
        #expect(lenient.status == .ok)
    }

    @Test func tinyBatchesSplitLinesCorrectly() throws {
        // Batches far smaller than the data force many line carry-overs between batches.
        let dir = TemporaryDirectory()
        let text = Array(Self.logLines(0 ..< 3000).utf8)
        let file = dir.write("x.gz", gzip(text))
        let (sink, _, _) = try ingest([file]) {
            $0.batchSize = 1024
            $0.parseThreads = 1
        }
        #expect(sink.records.count == 3000)
        #expect(sink.records.map(\.fields[.path]) == (0 ..< 3000).map { "/page/\($0)" })
    }

    @Test func parallelParsingKeepsInputOrderAcrossFilesAndFormats() throws {
        // Several parse threads, tiny batches, and files of different formats (W3C is parsed in order,
        // CSV needs its header in every thread's copy): records must come out exactly in input order.
        let dir = TemporaryDirectory()
        let clf = dir.write("a.log.gz", gzip(Array(Self.logLines(0 ..< 2000).utf8)))
        var csv = "time,url,visitor\n"
        for i in 0 ..< 2000 { csv += "2026-03-02T10:00:00Z,/csv/\(i),v\(i % 7)\n" }
        let csvFile = dir.write("b.csv", csv)
        var w3c = "#Fields: date time c-ip cs-uri-stem sc-status\n"
        for i in 0 ..< 2000 {
            if i == 1000 { w3c += "#Fields: date time cs-uri-stem c-ip sc-status\n2026-03-02 10:00:00 /w3c/\(i) 1.1.1.1 200\n"; continue }
            w3c += i < 1000 ? "2026-03-02 10:00:00 1.1.1.1 /w3c/\(i) 200\n" : "2026-03-02 10:00:00 /w3c/\(i) 1.1.1.1 200\n"
        }
        let w3cFile = dir.write("c.log", w3c)
        let (sink, report, _) = try ingest([clf, csvFile, w3cFile]) {
            $0.batchSize = 2048
            $0.parseThreads = 3
        }
        #expect(report.rejected == 0)
        #expect(report.files.map(\.format) == ["combined", "csv", "w3c"])
        let paths = sink.records.compactMap { $0.fields[.path] }
        let expected = (0 ..< 2000).map { "/page/\($0)" } + (0 ..< 2000).map { "/csv/\($0)" } + (0 ..< 2000).map { "/w3c/\($0)" }
        #expect(paths == expected)
        #expect(sink.records[1999].line == 2000)
        #expect(sink.records[2000].line == 2)  // after the CSV header
        #expect(sink.records.last?.line == 2002)  // two #Fields lines in the W3C file
        #expect(sink.records.filter { $0.file == 2 }.allSatisfy { $0.fields[.client] == "1.1.1.1" })
    }
}
