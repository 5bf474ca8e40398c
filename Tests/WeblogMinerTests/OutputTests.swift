import Foundation
import Testing
@testable import WeblogMiner

@Suite struct OutputTests {
    /// Runs `parse` on one line through HitWriter into a file and returns the text.
    func render(_ line: [UInt8], format: RecordOutputFormat) throws -> String {
        let dir = TemporaryDirectory()
        let path = dir.path + "/out"
        let out = try OutputStream.open(path)
        var writer = HitWriter(format: format, sourceNames: ["in\tput.log"])
        try writer.writeHeader(to: out)
        let buffer = ByteBuffer()
        var copy = line
        let parser = try apache(ApacheLogFormat.combined)
        var record = LogRecord()
        try copy.withUnsafeMutableBufferPointer { buf in
            #expect(parser.parse(buf, into: &record) == .record)
            writer.format(record, line: buf, fileIndex: 0, lineNumber: 7, into: buffer)
        }
        try out.write(buffer.bytes)
        try out.commit()
        return String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self)
    }

    @Test func tsvEscapesAndHeader() throws {
        let line = Array(#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a%09b HTTP/1.0" 200 5 "-" "tab\#tin\\ua""#.utf8)
        let text = try render(line, format: .tsv)
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[0] == "time\tepoch\tclient\tuser\tmethod\tpath\tquery\tprotocol\tstatus\tbytes\treferrer\tuser_agent\tvhost\tduration_us\tvisitor\tsession\tsource")
        let cells = rows[1].split(separator: "\t", omittingEmptySubsequences: false)
        #expect(cells.count == 17)
        #expect(cells[0] == "2000-10-10T20:55:36Z")
        #expect(cells[1] == "971211336")
        #expect(cells[11] == #"tab\tin\\ua"#)
        #expect(cells[16] == "in_put.log:7")
    }

    @Test func jsonlIsValidJSONEvenForHostileBytes() throws {
        var line = Array(#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /x"#.utf8)
        line += [0xFF, 0x00, 0x01] + Array(#"é HTTP/1.0" 200 5 "-" "q\"uote \\ back""#.utf8)
        let text = try render(line, format: .jsonl)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(object["path"] as? String == "/x\u{FFFD}\u{0}\u{1}é")
        #expect(object["user_agent"] as? String == #"q"uote \ back"#)
        #expect(object["referrer"] is NSNull)
        #expect(object["status"] as? Int == 200)
        #expect(object["epoch"] as? Int == 971_211_336)
        #expect(object["source"] as? String == "in_put.log:7")
        #expect(Set(object.keys) == Set(HitWriter.columns.map(\.name)))
    }

    @Test func atomicOutputLeavesNoTemporaryFileAndOldContentUntilCommit() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("result.tsv", "old\n")
        do {
            let out = try OutputStream.open(path)
            try out.write("new\n")
            try out.flush()
            #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "old\n")
            // Dropped without commit: the old file stays and the temporary file is removed.
        }
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["result.tsv"])
        let out = try OutputStream.open(path)
        try out.write("new\n")
        try out.commit()
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "new\n")
        #expect(throws: OutputError.self) { try OutputStream.open(dir.path + "/no/such/dir/x.tsv") }
    }

    @Test func parseOutputReadsBackAsTheSameRecords() throws {
        // parse -> TSV -> read again (auto-detected as our own TSV) gives identical fields.
        let dir = TemporaryDirectory()
        let input = dir.write("in.log", InputTests.logLines(0 ..< 50) + #"9.9.9.9 - u [10/Oct/2000:13:55:36 -0700] "GET /t\#tab?x=\\y HTTP/1.0" 200 - "ref" "ua \"q\"""# + "\n")
        let (original, _, _) = try ingest([input])
        let tsv = dir.path + "/hits.tsv"
        let out = try OutputStream.open(tsv)
        let writer = HitWriter(format: .tsv, sourceNames: [input])
        try writer.writeHeader(to: out)
        var rejects = try RejectLog()
        var options = IngestOptions()
        options.quiet = true
        options.showProgress = false
        _ = try IngestPipeline(inputs: [InputSpec(input)], options: options).run(formatting: writer, to: out, rejects: &rejects)
        try out.commit()
        let (reread, report, _) = try ingest([tsv])
        #expect(report.files[0].format == "tsv")
        #expect(report.rejected == 0)
        #expect(reread.records.count == original.records.count)
        for (a, b) in zip(original.records, reread.records) {
            var expected = a.fields
            expected[.origin] = "\(input):\(a.line)"
            #expect(b.fields == expected)
            #expect(b.record.epochMillis == a.record.epochMillis)
            #expect(b.record.status == a.record.status)
            #expect(b.record.bytes == a.record.bytes)
        }
    }
}
