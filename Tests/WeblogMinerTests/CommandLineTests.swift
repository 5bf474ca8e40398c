import Foundation
import Testing
@testable import WeblogMiner

/// Runs the built `weblog-miner` binary as a user would.
enum Tool {
    static let binary: String = {
        // WEBLOG_MINER_BIN runs the command-line tests against another build (e.g. to see a new test fail on an old one).
        if let other = ProcessInfo.processInfo.environment["WEBLOG_MINER_BIN"] { return other }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0 ..< 4 {
            let candidate = dir.appendingPathComponent("weblog-miner").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return Paths.repository + "/.build/debug/weblog-miner"
    }()

    /// Runs a shell command line with `$WM` set to the binary; returns status, stdout, stderr.
    static func shell(_ script: String) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-o", "pipefail", "-c", script]
        var env = ProcessInfo.processInfo.environment
        env["WM"] = binary
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

@Suite(.serialized) struct CommandLineTests {
    let sample = Paths.fixture("access/apache-combined-2000.log.gz")

    @Test func headEndsQuietly() throws {
        let r = try Tool.shell("$WM parse '\(sample)' | head -n 2")
        #expect(r.status == 0)
        #expect(r.err.contains("format combined"))
        #expect(!r.err.contains("error"))
        #expect(r.out.split(separator: "\n").count == 2)
    }

    @Test func headEndsQuietlyOnManyBatches() throws {
        // Several megabytes: the reader and parse threads are still busy when the pipe closes.
        let dir = TemporaryDirectory()
        let log = dir.write("big.log", InputTests.logLines(0 ..< 60_000))
        for command in ["parse", "stats --output json", "sessions"] {
            let r = try Tool.shell("timeout 60 $WM \(command) -q '\(log)' | head -n 1")
            #expect(r.status == 0, "\(command) exited \(r.status)")
            #expect(r.err.isEmpty, "\(command) said \(r.err)")
        }
    }

    @Test func stdinAndDashAndJSONStats() throws {
        let r = try Tool.shell("zcat '\(sample)' | $WM stats --output json -q -")
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        #expect(json["lines"] as? Int == 2000)
        #expect(json["records"] as? Int == 2000)
        #expect(json["distinct_clients"] as? Int != nil)
    }

    @Test func exitStatuses() throws {
        let dir = TemporaryDirectory()
        #expect(try Tool.shell("$WM parse --no-such-option x").status == 64)
        #expect(try Tool.shell("$WM parse --format '%h%u' x").status == 64)
        let missing = try Tool.shell("$WM stats -q '\(dir.path)/missing.gz' '\(sample)'")
        #expect(missing.status == 66)
        #expect(missing.err.contains("missing.gz"))
        #expect(missing.out.contains("records      2,000"))
        #expect(try Tool.shell("$WM parse -q '\(sample)' -o '\(dir.path)/no/dir/out.tsv'").status == 73)
        let cut = dir.path + "/cut.gz"
        _ = try Tool.shell("head -c 20000 '\(sample)' > '\(cut)'")
        let truncated = try Tool.shell("$WM parse -q '\(cut)' -o '\(dir.path)/out.tsv'")
        #expect(truncated.status == 65)
        #expect(truncated.err.contains("truncated gzip stream at compressed byte offset 20000"))
        // What was readable is still published.
        let rows = try String(contentsOfFile: dir.path + "/out.tsv", encoding: .utf8).split(separator: "\n").count
        #expect(rows > 1)
        #expect(try Tool.shell("$WM parse -q '\(cut)' --rejects '\(dir.path)/rej.tsv' > /dev/null; cat '\(dir.path)/rej.tsv'").out.contains("truncated_line"))
    }

    @Test func rejectsFileAndSummary() throws {
        let dir = TemporaryDirectory()
        let log = dir.write("x.log", InputTests.logLines(0 ..< 99) + "oops\n")
        let r = try Tool.shell("$WM parse -q --format combined '\(log)' --rejects '\(dir.path)/rejects.tsv' -o /dev/null")
        #expect(r.status == 0)
        #expect(r.err.contains("rejected 1 of 100 lines (1.00%): format_mismatch 1; first at \(log):100"))
        let rejects = try String(contentsOfFile: dir.path + "/rejects.tsv", encoding: .utf8)
        #expect(rejects == "file\tline\treason\ttext\n\(log)\t100\tformat_mismatch\toops\n")
        #expect(try Tool.shell("$WM parse -q --max-reject-ratio 0.001 '\(log)' -o /dev/null").status == 65)
    }

    @Test func catDecompressesLikeZcat() throws {
        let r = try Tool.shell("cmp <($WM cat '\(sample)') <(zcat '\(sample)') && echo same")
        #expect(r.out == "same\n")
    }

    @Test func helpDocumentsColumnsAndExitCodes() throws {
        let r = try Tool.shell("$WM parse --help")
        #expect(r.status == 0)
        for column in HitWriter.columns { #expect(r.out.contains(column.name)) }
        #expect(r.out.contains("65"))
        #expect(r.out.contains("--rejects"))
    }

    @Test func sessionsThroughAPipeEqualDirect() throws {
        let direct = try Tool.shell("$WM sessions -q '\(sample)'")
        let piped = try Tool.shell("$WM parse -q '\(sample)' | $WM sessions -q -")
        #expect(direct.status == 0 && piped.status == 0)
        #expect(direct.out.split(separator: "\n").count > 100)
        #expect(piped.out == direct.out)
        let pages = try Tool.shell("$WM parse -q '\(sample)' | $WM pages -q - --output jsonl | head -n 1")
        let first = try JSONSerialization.jsonObject(with: Data(pages.out.utf8)) as! [String: Any]
        #expect(first["page"] as? String == "/")  // the most viewed page once feed readers are removed
    }

    @Test func sessionOutputFormats() throws {
        let seq = try Tool.shell("$WM sessions -q --output seq '\(sample)' | head -n 1")
        #expect(seq.out == "/blog/geekery/ssl-latency.html\n")
        let spmf = try Tool.shell("$WM sessions -q --output spmf '\(sample)'")
        let lines = spmf.out.split(separator: "\n")
        #expect(lines.first == "@CONVERTED_FROM_TEXT")
        #expect(lines[1] == "@ITEM=1=/blog/geekery/ssl-latency.html")
        let sequences = lines.filter { !$0.hasPrefix("@") }
        #expect(sequences.first == "1 -1 -2")
        #expect(sequences.allSatisfy { $0.hasSuffix("-2") })
        #expect(try Tool.shell("$WM sessions --map '^/a(b=/x' '\(sample)'").status == 64)
        let summary = try Tool.shell("$WM sessions '\(sample)' -o /dev/null")
        #expect(summary.err.contains("cleaning: 2000 hits"))
    }
}
