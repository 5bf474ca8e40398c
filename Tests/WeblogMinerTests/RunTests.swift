import Foundation
import Testing
@testable import WeblogMiner

/// The nightly job as cron runs it: incremental runs over rotated logs equal one run over all of
/// them, re-running changes nothing, a failed or killed run leaves the previous results, a second
/// run at the same time is refused, and pipes give the same patterns.
@Suite(.serialized) struct RunTests {
    static let shop = Paths.fixture("shop-sim")
    static let day1 = "'\(shop)/logs/a/access.log-20260302.gz' '\(shop)/logs/b/access.log-20260302.gz'"
    static let day2 = "'\(shop)/logs/a/access.log-20260303.gz' '\(shop)/logs/b/access.log-20260303.gz'"
    static let common = "-q --site-host shop.example.com --site '\(shop)/site' --registrations '\(shop)/registrations.csv' --conversion '^/signup/thanks$' --map '^/p/[0-9]+$=/p/:id'"
    /// Results that must match exactly (summary.json and report.html carry the time they were made).
    static let compared = ["sessions", "pages", "patterns", "rules", "links", "edges", "shortcuts", "unused_links", "exits", "prospects", "dwell"]

    static func read(_ dir: String, _ name: String) -> String {
        (try? String(contentsOfFile: dir + "/" + name + ".tsv", encoding: .utf8)) ?? "<missing \(name)>"
    }

    @Test func dayByDayEqualsOneRunAndRerunsChangeNothing() throws {
        let dir = TemporaryDirectory()
        let a = dir.path + "/a", b = dir.path + "/b"
        var r = try Tool.shell("$WM run --out '\(a)' \(Self.day1) \(Self.common)")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM run --out '\(a)' \(Self.day1) \(Self.day2) \(Self.common)")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM run --out '\(b)' \(Self.day1) \(Self.day2) \(Self.common)")
        #expect(r.status == 0, "\(r.err)")
        for name in Self.compared {
            let x = Self.read(a, name), y = Self.read(b, name)
            #expect(x == y, "\(name).tsv differs between day-by-day and one run")
        }
        #expect(Self.read(a, "sessions").split(separator: "\n").count > 3000)
        // Again on the same input: every file is known, the results stay the same.
        let before = Self.compared.map { Self.read(a, $0) }
        r = try Tool.shell("$WM run --out '\(a)' \(Self.day1) \(Self.day2) \(Self.common.replacingOccurrences(of: "-q ", with: ""))")
        #expect(r.status == 0 && r.err.contains("4 of 4 log files already read"), "\(r.err)")
        #expect(Self.compared.map { Self.read(a, $0) } == before)
        // The database holds the same rows as the TSV files.
        let count = try Tool.shell("python3 -c \"import sqlite3; print(sqlite3.connect('\(a)/results.sqlite').execute(\\\"select count(*) from sessions where window = '28d'\\\").fetchone()[0])\"")
        #expect(Int(count.out.trimmingCharacters(in: .whitespacesAndNewlines)) == Self.read(a, "sessions").split(separator: "\n").count - 1)
    }

    @Test func failedOrKilledRunLeavesThePreviousResults() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        var r = try Tool.shell("$WM run --out '\(out)' \(Self.day1) \(Self.common)")
        #expect(r.status == 0, "\(r.err)")
        let before = Self.compared.map { Self.read(out, $0) } + [try String(contentsOfFile: out + "/report.html", encoding: .utf8)]
        // A failure after everything was written, just before publishing (test hook).
        r = try Tool.shell("WEBLOG_MINER_FAIL_BEFORE_PUBLISH=1 $WM run --out '\(out)' \(Self.day1) \(Self.day2) \(Self.common)")
        #expect(r.status != 0 && r.err.contains("previous results are unchanged"), "\(r.status) \(r.err)")
        #expect(Self.compared.map { Self.read(out, $0) } + [try String(contentsOfFile: out + "/report.html", encoding: .utf8)] == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["out", "out.state.sqlite", "out.state.sqlite.lock"])
        // Killed in the middle of reading (a pipe that delivers a log, then stalls): the previous results
        // stay, and the lock goes with the process.
        let big = dir.write("big.log", InputTests.logLines(0 ..< 40_000))
        r = try Tool.shell("(cat '\(big)'; sleep 6) 2>/dev/null | $WM run --out '\(out)' - -q & pid=$!; sleep 2; kill -9 $(pgrep -P $$ -f 'weblog-miner run' || echo $pid) 2>/dev/null; wait $pid; echo killed=$?")
        #expect(r.out.contains("killed=137"), "the run ended before it could be killed: \(r.out) \(r.err)")
        #expect(Self.compared.map { Self.read(out, $0) } + [try String(contentsOfFile: out + "/report.html", encoding: .utf8)] == before)
        // The next run completes, with both days.
        r = try Tool.shell("$WM run --out '\(out)' \(Self.day1) \(Self.day2) \(Self.common)")
        #expect(r.status == 0, "\(r.err)")
        let one = dir.path + "/one"
        _ = try Tool.shell("$WM run --out '\(one)' \(Self.day1) \(Self.day2) \(Self.common)")
        #expect(Self.read(out, "sessions") == Self.read(one, "sessions"))
    }

    @Test func secondRunAtTheSameTimeIsRefused() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let r = try Tool.shell("touch '\(out).state.sqlite.lock'; flock '\(out).state.sqlite.lock' sleep 3 & sleep 0.5; $WM run --out '\(out)' \(Self.day1) -q; echo status=$?")
        #expect(r.out.contains("status=75"), "\(r.out)")
        #expect(r.err.contains("another weblog-miner run"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func pipesGiveTheSamePatternsAsRun() throws {
        let dir = TemporaryDirectory()
        let log = Paths.fixture("access/apache-combined-2000.log.gz")
        let r = try Tool.shell("$WM run --no-state -q --min-support 1% --max-length 0 --max-patterns 0 --out '\(dir.path)/out' '\(log)' && $WM parse -q '\(log)' | $WM sessions -q - | $WM patterns - > '\(dir.path)/piped.tsv'")
        #expect(r.status == 0, "\(r.err)")
        let piped = try String(contentsOfFile: dir.path + "/piped.tsv", encoding: .utf8)
        #expect(piped == Self.read(dir.path + "/out", "patterns"))
        #expect(piped.split(separator: "\n").count > 5)
    }

    @Test func configFileFromInit() throws {
        let dir = TemporaryDirectory()
        let config = """
            out: \(dir.path)/out
            no-state: true
            logs:
              - \(Paths.fixture("access/site-visits.log"))
            site_host: [www.example.com]
            site: \(Paths.fixture("site"))
            title: From a config file
            """
        let path = dir.write("c.yaml", config)
        var r = try Tool.shell("$WM run --config '\(path)' -q")
        #expect(r.status == 0, "\(r.err)")
        #expect(try String(contentsOfFile: dir.path + "/out/report.html", encoding: .utf8).contains("<title>From a config file</title>"))
        #expect(Self.read(dir.path + "/out", "shortcuts").contains("/docs/install"))
        // The example `init` writes is a working configuration: only the paths need changing, and
        // the command line's logs and --out win over the file's.
        r = try Tool.shell("cd '\(dir.path)' && $WM init -o example.yaml && $WM run --config example.yaml --no-state -q --out '\(dir.path)/from-init' '\(Paths.fixture("access/site-visits.log"))'")
        #expect(r.status == 0, "\(r.err)")
        #expect(try String(contentsOfFile: dir.path + "/from-init/report.html", encoding: .utf8).contains("<title>Web usage report</title>"))
        // www.example.com from the example's site-host list makes the fixture's referrers internal.
        #expect(Self.read(dir.path + "/from-init", "edges").contains("\tlink\t"))
    }

    @Test func stateFromAnEarlierVersionIsUpgraded() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        // The sessions table as the first release wrote it, without the entry_campaign column.
        let make = "import sqlite3; c = sqlite3.connect('\(out).state.sqlite'); c.execute('CREATE TABLE sessions(id INTEGER PRIMARY KEY, open INTEGER NOT NULL, visitor BLOB NOT NULL, visitor_hash INTEGER NOT NULL, entry_referrer BLOB, user BLOB, several_users INTEGER NOT NULL, views BLOB NOT NULL, last INTEGER NOT NULL, referrers INTEGER NOT NULL)'); c.commit()"
        let r = try Tool.shell("python3 -c \"\(make)\" && $WM run -q --out '\(out)' '\(Paths.fixture("access/site-visits.log"))'")
        #expect(r.status == 0, "\(r.err)")
        #expect(Self.read(out, "sessions").split(separator: "\n").count == 47)
    }
}
