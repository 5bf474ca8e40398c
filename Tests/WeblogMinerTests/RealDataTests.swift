import Foundation
import Testing
@testable import WeblogMiner

/// Parses the real logs in ../shared/data/access (skipped where that folder is absent).
/// Expected counts were established independently by scripts/check-real-data.py, which reads the
/// same files with Python regular expressions written from the Apache/nginx format definitions
/// (CI runs that script too, so the two implementations are compared on every run):
/// - apache_logs: 10,000 lines, 1 malformed (line 8,899 ends inside the quoted user agent);
/// - nginx_logs: 28,021 lines, all valid (the README says so);
/// - nasa.log: 20,000 lines, all valid CLF (36 have HTTP/0.9 requests without protocol);
/// - nasa_1995*.tsv: header + 9,999 rows each;
/// - weblog.csv: 16,062 lines, the 273 stray shell messages the README mentions are rejected.
@Suite(.enabled(if: Paths.sharedData != nil, "needs ../shared/data")) struct RealDataTests {
    func run(_ name: String, configure: (inout IngestOptions) -> Void = { _ in }) throws -> (CollectingSink, IngestReport, RejectLog) {
        try ingest([Paths.sharedData! + "/access/" + name]) { configure(&$0) }
    }

    @Test func apacheCombined() throws {
        let (sink, report, rejects) = try run("apache_logs.gz")
        #expect(report.files[0].format == "combined")
        #expect(report.lines == 10_000)
        #expect(sink.records.count == 9_999)
        #expect(rejects.counts == [.badQuoting: 1])
        #expect(rejects.samples.first?.line == 8_899)
        #expect(Set(sink.records.compactMap { $0.fields[.client] }).count == 1_753)
        #expect(report.status == .ok)
    }

    @Test func nginxCombined() throws {
        let (sink, report, _) = try run("nginx_logs.txt.gz")
        #expect(report.lines == 28_021)
        #expect(sink.records.count == 28_021)
        let statuses = Dictionary(grouping: sink.records, by: { $0.record.status }).mapValues(\.count)
        #expect(statuses[404] == 18_326)
        #expect(statuses[304] == 7_345)
        #expect(statuses[200] == 2_220)
    }

    @Test func nasaCommonLogFormat() throws {
        let (sink, report, _) = try run("nasa.log.gz")
        #expect(report.files[0].format == "common")
        #expect(sink.records.count == 20_000)
        #expect(sink.records.filter { $0.fields[.proto] == nil }.count == 36)
        #expect(sink.records.first?.record.epochMillis == utcMillis(1995, 8, 1, 4, 0, 1))
        #expect(sink.records.last?.record.epochMillis == utcMillis(1995, 8, 1, 14, 59, 29))
    }

    @Test func nasaTSVConversion() throws {
        let (sink, report, _) = try run("nasa_19950801.tsv.gz")
        #expect(report.files[0].format == "tsv")
        #expect(sink.records.count == 9_999)
        #expect(report.rejected == 0)
        #expect(sink.records[0].fields[.client] == "in24.inetnebr.com")
        #expect(sink.records[0].record.epochMillis == 807_249_601_000)
        // The same first request as the raw CLF file.
        let (clf, _, _) = try run("nasa.log.gz")
        for k in 0 ..< 100 {
            #expect(sink.records[k].record.epochMillis == clf.records[k].record.epochMillis)
            #expect(sink.records[k].fields[.path] == clf.records[k].fields[.path])
        }
    }

    @Test func ruetWeblogCSVWithoutHeader() throws {
        let (sink, report, rejects) = try run("weblog.csv.gz") {
            $0.parser.format = .delimited(UInt8(ascii: ","))
            $0.parser.hasHeader = false
            $0.parser.mapping = try! FieldMapping(specs: ["client=1", "time=2", "request=3", "status=4"])
        }
        #expect(report.lines == 16_062)
        #expect(sink.records.count == 15_789)
        #expect(rejects.counts == [.badTime: 273])
    }
}
