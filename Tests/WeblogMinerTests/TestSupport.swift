import CZlib
import Foundation
import Testing
@testable import WeblogMiner

/// A parsed line with its fields as strings, for readable expectations.
struct Parsed {
    var verdict: LineVerdict
    var record: LogRecord
    var fields: [TextField: String]

    subscript(_ f: TextField) -> String? { fields[f] }
    var time: Int64 { record.epochMillis }
}

func parse(_ parser: any LineParser, _ bytes: [UInt8]) -> Parsed {
    var copy = bytes
    var record = LogRecord()
    var fields: [TextField: String] = [:]
    let verdict = copy.withUnsafeMutableBufferPointer { buf -> LineVerdict in
        let v = parser.parse(buf, into: &record)
        for f in TextField.allCases where record[f].isPresent { fields[f] = buf.string(record[f]) }
        return v
    }
    return Parsed(verdict: verdict, record: record, fields: fields)
}

func parse(_ parser: any LineParser, _ text: String) -> Parsed { parse(parser, Array(text.utf8)) }

func apache(_ format: String) throws -> LogFormatParser {
    LogFormatParser(program: try ApacheLogFormat.compile(format), name: "test")
}

func nginx(_ format: String) throws -> LogFormatParser {
    LogFormatParser(program: try NginxLogFormat.compile(format), name: "test")
}

/// Epoch milliseconds of a UTC date, computed with Foundation's calendar (an independent reference).
func utcMillis(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0, ms: Int = 0) -> Int64 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
    return Int64(date.timeIntervalSince1970) * 1000 + Int64(ms)
}

/// gzip-compresses bytes with zlib (one member).
func gzip(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 64)
    var input = data
    let produced = input.withUnsafeMutableBufferPointer { inBuf in
        out.withUnsafeMutableBufferPointer { outBuf -> Int in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = UInt32(outBuf.count)
            let rc = deflate(&stream, Z_FINISH)
            precondition(rc == Z_STREAM_END)
            return outBuf.count - Int(stream.avail_out)
        }
    }
    deflateEnd(&stream)
    return Array(out[0 ..< produced])
}

/// A temporary directory removed at the end of the test.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "weblog-miner-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }

    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }
}

/// Collects records as strings through the real pipeline.
struct CollectingSink: RecordSink {
    var records: [(record: LogRecord, fields: [TextField: String], file: Int, line: Int)] = []
    mutating func accept(_ record: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError) {
        var fields: [TextField: String] = [:]
        for f in TextField.allCases where record[f].isPresent { fields[f] = line.string(record[f]) }
        records.append((record, fields, fileIndex, lineNumber))
    }
}

func ingest(_ paths: [String], configure: (inout IngestOptions) -> Void = { _ in }) throws -> (CollectingSink, IngestReport, RejectLog) {
    var options = IngestOptions()
    options.quiet = true
    options.showProgress = false
    configure(&options)
    var sink = CollectingSink()
    var rejects = try RejectLog()
    let report = try IngestPipeline(inputs: paths.map(InputSpec.init), options: options).run(into: &sink, rejects: &rejects)
    return (sink, report, rejects)
}

/// The repository root (for fixtures) and the sibling shared data folder, if present.
enum Paths {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static func fixture(_ name: String) -> String { repository + "/fixtures/" + name }
    static let sharedData: String? = {
        let path = repository + "/../shared/data"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()
}
