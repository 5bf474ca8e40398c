import Foundation
import PropertyBased
import Testing
@testable import WeblogMiner

/// Issue 14, the outputs side: `--out` never destroys, the lock never writes through a link,
/// leftovers of killed processes are removed, private state stays private, no option value traps,
/// exit statuses and messages that tell what happened. Every test runs the real binary
/// (WEBLOG_MINER_UNDER_TEST names another binary, e.g. one built from an older commit, to check
/// that these tests fail there).
@Suite(.serialized) struct SafetyTests {
    static let log = Paths.fixture("access/site-visits.log")

    static func sh(_ script: String) throws -> (status: Int32, out: String, err: String) {
        // No crash backtracer: it can hold the output pipes open long after a trap.
        try Tool.shell("export SWIFT_BACKTRACE=enable=no; WM=\"${WEBLOG_MINER_UNDER_TEST:-$WM}\"; " + script)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    static func isSymlink(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType) == .typeSymbolicLink
    }
    static func mode(_ path: String) -> Int {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_mode & 0o777) : -1
    }

    /// The pid of a process that has ended (and been reaped).
    static func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    // MARK: finding 3: --out never destroys

    @Test func outRefusesADirectoryItDidNotWrite() throws {
        let dir = TemporaryDirectory()
        let mine = dir.path + "/mine"
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: false)
        _ = dir.write("mine/thesis.txt", "precious\n")
        let r = try Self.sh("$WM run -q --no-state --out '\(mine)' '\(Self.log)'")
        #expect(r.status == 73, "\(r.err)")
        #expect(r.err.contains("refusing to replace") && r.err.contains("did not write"), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 1, "one line: \(r.err)")
        #expect((try? String(contentsOfFile: mine + "/thesis.txt", encoding: .utf8)) == "precious\n")
    }

    @Test func outRefusesAnInputFile() throws {
        let dir = TemporaryDirectory()
        let copy = dir.path + "/access.log"
        try FileManager.default.copyItem(atPath: Self.log, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let r = try Self.sh("$WM run -q --no-state --out '\(copy)' '\(copy)'")
        #expect(r.status == 73, "\(r.err)")
        #expect(r.err.contains("input file"), "\(r.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        // Nor a results directory that holds an input.
        let logs = dir.path + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: Self.log, toPath: logs + "/a.log")
        let inside = try Self.sh("$WM run -q --no-state --out '\(logs)' '\(logs)/a.log'")
        #expect(inside.status == 73, "\(inside.err)")
        #expect(Self.exists(logs + "/a.log"))
    }

    @Test func outSymlinkIsFollowedNeverReplaced() throws {
        let dir = TemporaryDirectory()
        let real = dir.path + "/real", link = dir.path + "/link"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        for _ in 0 ..< 2 {
            let r = try Self.sh("$WM run -q --no-state --out '\(link)' '\(Self.log)'")
            #expect(r.status == 0, "\(r.err)")
            #expect(Self.isSymlink(link), "the link stays a link")
            #expect(Self.exists(real + "/report.html") && Self.exists(real + "/" + AtomicDirectory.marker))
        }
        // A link to nothing is refused.
        let dangling = dir.path + "/dangling"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir.path + "/nowhere")
        let r = try Self.sh("$WM run -q --no-state --out '\(dangling)' '\(Self.log)'")
        #expect(r.status == 73, "\(r.err)")
        #expect(Self.isSymlink(dangling) && !Self.exists(dir.path + "/nowhere"))
    }

    @Test func outTakesAnEmptyDirectoryItsOwnResultsAndThoseOfEarlierVersions() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        var r = try Self.sh("$WM run -q --no-state --out '\(out)' '\(Self.log)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(Self.exists(out + "/" + AtomicDirectory.marker), "every results directory carries the marker")
        r = try Self.sh("$WM run -q --no-state --out '\(out)' '\(Self.log)'")
        #expect(r.status == 0, "\(r.err)")
        // Results of a version before the marker (and before window folders): only result files,
        // report.html and summary.json among them.
        try FileManager.default.removeItem(atPath: out + "/" + AtomicDirectory.marker)
        for window in ["1d", "7d", "28d"] { try FileManager.default.removeItem(atPath: out + "/" + window) }
        r = try Self.sh("$WM run -q --no-state --out '\(out)' '\(Self.log)'")
        #expect(r.status == 0, "\(r.err)")
        // ... but not with a file of someone else's in it.
        try FileManager.default.removeItem(atPath: out + "/" + AtomicDirectory.marker)
        _ = dir.write("out/notes.txt", "mine\n")
        r = try Self.sh("$WM run -q --no-state --out '\(out)' '\(Self.log)'")
        #expect(r.status == 73, "\(r.err)")
        #expect(Self.exists(out + "/notes.txt"))
    }

    // MARK: finding 4 and 9: the lock

    @Test func lockSymlinkIsRefusedAndNeverWrittenThrough() throws {
        let dir = TemporaryDirectory()
        let victim = dir.write("victim.txt", "keep me\n")
        let out = dir.path + "/out"
        try FileManager.default.createSymbolicLink(atPath: out + ".state.sqlite.lock", withDestinationPath: victim)
        let r = try Self.sh("$WM run -q --out '\(out)' '\(Self.log)'")
        #expect(r.status == 73, "\(r.err)")
        #expect(r.err.contains("symbolic link"), "\(r.err)")
        #expect((try? String(contentsOfFile: victim, encoding: .utf8)) == "keep me\n")
        #expect(!Self.exists(out))
    }

    @Test func lockThatCannotBeCreatedIs73AndAHeldLockIs75Once() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let missing = try Self.sh("$WM run -q --out '\(out)' --state '\(dir.path)/no/such/dir/state.sqlite' '\(Self.log)'")
        #expect(missing.status == 73, "\(missing.err)")
        #expect(missing.err.contains("cannot create the lock file"), "\(missing.err)")
        let held = try Self.sh("touch '\(out).state.sqlite.lock'; flock '\(out).state.sqlite.lock' sleep 3 & sleep 0.5; $WM run --out '\(out)' '\(Self.log)'; echo status=$?; wait")
        #expect(held.out.contains("status=75"), "\(held.out) \(held.err)")
        #expect(held.err.components(separatedBy: "another weblog-miner run").count == 2, "the message once: \(held.err)")
    }

    // MARK: finding 8: leftovers of killed processes

    @Test func leftoversOfDeadProcessesAreRemovedByTheNextWriter() throws {
        let dir = TemporaryDirectory()
        let dead = try Self.deadPID(), alive = getpid()
        let out = dir.path + "/out"
        for pid in [dead, alive] {
            try FileManager.default.createDirectory(atPath: "\(out).tmp-\(pid)", withIntermediateDirectories: false)
            _ = dir.write("out.tmp-\(pid)/sessions.tsv", "half\n")
            _ = dir.write(".hits.tsv.tmp-\(pid)", "half\n")
        }
        var r = try Self.sh("$WM run -q --no-state --out '\(out)' '\(Self.log)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(!Self.exists("\(out).tmp-\(dead)"), "the staging directory of a killed run is removed")
        #expect(Self.exists("\(out).tmp-\(alive)"), "that of a running process is kept")
        r = try Self.sh("$WM parse -q '\(Self.log)' -o '\(dir.path)/hits.tsv'")
        #expect(r.status == 0, "\(r.err)")
        #expect(!Self.exists("\(dir.path)/.hits.tsv.tmp-\(dead)"), "the temporary file of a killed writer is removed")
        #expect(Self.exists("\(dir.path)/.hits.tsv.tmp-\(alive)"))
        #expect(Self.exists("\(dir.path)/hits.tsv"))
    }

    // MARK: finding 10: permissions

    @Test func stateIsPrivateAndResultsAreReadable() throws {
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let r = try Self.sh("umask 022; $WM run -q --out '\(out)' '\(Self.log)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(Self.mode(out + ".state.sqlite") == 0o600)
        #expect(Self.mode(out + ".state.sqlite.lock") == 0o600)
        #expect(Self.mode(out) == 0o755)
        #expect(Self.mode(out + "/report.html") == 0o644 && Self.mode(out + "/sessions.tsv") == 0o644)
        // A store an earlier version left readable by everyone is tightened.
        chmod(out + ".state.sqlite", 0o644)
        _ = try Self.sh("umask 022; $WM run -q --out '\(out)' '\(Self.log)'")
        #expect(Self.mode(out + ".state.sqlite") == 0o600)
    }

    // MARK: finding 9: exit statuses

    @Test func sqliteFailingToWriteIsAnIOError() throws {
        // Files may not grow beyond 40 KB (SIGXFSZ ignored, so writes fail): the TSVs fit, results.sqlite does not.
        let dir = TemporaryDirectory()
        let out = dir.path + "/out"
        let r = try Self.sh("trap '' XFSZ; ulimit -f 40; $WM run -q --no-state --out '\(out)' '\(Self.log)'")
        #expect(r.status == 74, "\(r.err)")
        #expect(r.err.contains("SQLite"), "\(r.err)")
        #expect(!Self.exists(out), "nothing published")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "no staging directory left")
    }

    @Test func sqliteDiskFullIsAnIOError() throws {
        // A real full disk: a 128 KB tmpfs (where this machine lets us mount one). results.sqlite's star
        // schema is written beside the windows' TSVs, so either SQLite or a TSV is the first to find it full.
        let dir = TemporaryDirectory()
        let disk = dir.path + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
        guard try Self.sh("mount -t tmpfs -o size=128k tmpfs '\(disk)' 2>/dev/null").status == 0 else { return }
        defer { _ = try? Self.sh("umount '\(disk)'") }
        let r = try Self.sh("$WM run -q --no-state --out '\(disk)/out' '\(Self.log)'")
        #expect(r.status == 74, "\(r.err)")
        #expect(r.err.contains("disk is full") || r.err.contains("No space left on device"), "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk).isEmpty, "nothing published, no staging directory left")
    }

    @Test func tooFewConversionsIsNotEnoughData() throws {
        let r = try Self.sh("$WM prospects -q '\(Self.log)' > /dev/null")
        #expect(r.status == 69, "\(r.err)")
        #expect(r.err.contains("too few to learn from"), "\(r.err)")
        let help = try Self.sh("$WM prospects --help")
        #expect(help.out.contains("69  not enough data"))
    }

    // MARK: finding 10: the command line

    @Test func unknownCommandSuggestsTheClosest() throws {
        let r = try Self.sh("$WM statz f")
        #expect(r.status == 64)
        #expect(r.err.contains("did you mean `stats`?"), "\(r.err)")
        #expect(!r.err.contains("unexpected argument"), "\(r.err)")
    }

    @Test func usageErrorsShowTheSubcommandsUsage() throws {
        // Thrown while running (the support needs the sequence count), not while parsing.
        let r = try Self.sh("printf 'a b\\n' | $WM patterns - --min-support lots")
        #expect(r.status == 64, "\(r.err)")
        #expect(r.err.contains("Usage: weblog-miner patterns"), "\(r.err)")
        let s = try Self.sh("$WM sessions --timeout soon '\(Self.log)'")
        #expect(s.status == 64, "\(s.err)")
        #expect(s.err.contains("Usage: weblog-miner sessions"), "\(s.err)")
    }

    @Test func versionComesFromTheOneConstant() throws {
        let r = try Self.sh("$WM --version")
        #expect(r.status == 0)
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == ToolVersion.current)
    }

    @Test func standardInputFromATerminalIsAnnounced() throws {
        // `script` gives the command a terminal; Ctrl-D ends the input.
        let r = try Self.sh("command -v script >/dev/null || { echo no-script; exit 0; }; (sleep 1; printf '\\004') | script -qec \"$WM stats -q\" /dev/null")
        if r.out.contains("no-script") { return }
        #expect(r.out.contains("reading log lines from standard input (Ctrl-D to end)"), "\(r.out)")
        let piped = try Self.sh("printf '' | $WM stats -q")
        #expect(!piped.err.contains("reading log lines"), "no hint when the input is not a terminal")
    }

    @Test func logJSONMakesEveryMessageJSON() throws {
        let dir = TemporaryDirectory()
        // One malformed line: an ingest warning; the format note; stage events; the done event.
        let log = dir.write("access.log", (try String(contentsOfFile: Self.log, encoding: .utf8)) + "this is not a log line\n")
        let r = try Self.sh("$WM run --log json --no-state --out '\(dir.path)/out' '\(log)'")
        #expect(r.status == 0, "\(r.err)")
        let lines = r.err.split(separator: "\n")
        #expect(lines.count >= 3)
        var events: [String] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not JSON: \(line)")
            if let e = object?["event"] as? String { events.append(e) }
        }
        #expect(events.contains("warning") && events.contains("note") && events.contains("done"), "\(events)")
        // Errors too, including those of the command line.
        let bad = try Self.sh("$WM run --log json --no-state --out '\(dir.path)/out' --timeout forever '\(log)'")
        #expect(bad.status == 64)
        #expect(bad.err.split(separator: "\n").allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "\(bad.err)")
    }

    // MARK: finding 5: no option value traps

    /// The four traps found: each a usage error that names the range.
    @Test func hugeDurationsAreUsageErrors() throws {
        for (command, option, value) in [("sessions", "--timeout", "1e400"), ("sessions", "--reorder-window", "1e300s"),
                                         ("sessions", "--max-duration", "1e19s"), ("prospects", "--horizon", "1e400")] {
            let r = try Self.sh("$WM \(command) -q \(option) \(value) '\(Self.log)' > /dev/null")
            #expect(r.status == 64, "\(command) \(option) \(value): \(r.status) \(r.err)")
            #expect(r.err.contains(option) && r.err.contains("36500d"), "\(r.err)")
        }
    }

    /// Every numeric option of every subcommand.
    static let numericOptions: [(command: String, options: [String])] = {
        let input = ["--max-reject-ratio"]
        let session = input + ["--timeout", "--max-duration", "--reorder-window", "--max-views-per-minute", "--max-pages"]
        let pattern = ["--min-support", "--max-length", "--max-gap", "--top-k", "--max-patterns"]
        return [
            ("stats", input + ["--top"]),
            ("parse", input),
            ("sessions", session),
            ("pages", session),
            ("links", session + ["--damping", "--tolerance", "--max-iterations", "--max-detour", "--min-shortcut-sessions", "--max-follow-rate", "--top"]),
            ("prospects", session + ["--horizon", "--top", "--cv", "--seed"]),
            ("dwell", session + ["--seed", "--threshold", "--max-views"]),
            ("run", session + ["--min-support", "--max-gap", "--max-length", "--max-patterns", "--min-confidence", "--top-prospects", "--retain"]),
            ("funnels", session),
            ("audience", session),
            ("errors", session),
            ("anomalies", session + ["--threshold", "--page-threshold", "--min-page-volume", "--scored-pages"]),
            ("segments", session + ["--held-out", "--model-pages", "--fit-sample", "--restarts", "--smoothing", "--max-iterations", "--tolerance", "--seed"]),
            ("patterns", pattern),
            ("rules", pattern + ["--min-confidence"]),
        ]
    }()

    static let extremes = ["1e400", "-1e400", "1e300", "1e19", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                           "18446744073709551615", "-1", "-0", "0", "nan", "inf", "-inf", "", "1e-400", "4294967296",
                           "1e19s", "1e300h", "1e400%", "nan%", "-5%", "1e16d", "0x7fffffffffffffff"]

    /// A value: one of the extremes, or a random number with a random exponent and unit.
    static let values = zip(Gen<Int>.value(in: 0 ... 3 * extremes.count), Gen<Int>.value(in: -9 ... 9), Gen<Int>.value(in: -500 ... 500), Gen<Int>.value(in: 0 ... 6))
        .map { pick, mantissa, exponent, unit -> String in
            if pick < 2 * extremes.count { return extremes[pick % extremes.count] }
            return "\(mantissa)e\(exponent)" + ["", "", "s", "h", "d", "ms", "%"][unit]
        }

    /// The command line for one value: the option as `--name=value` (so negatives and empty values
    /// reach the option), on a small input, output discarded.
    static func commandLine(_ command: String, _ option: String?, _ value: String, in dir: String, sessions: String, small: String) -> String {
        let assignment = option.map { "'\($0)=\(value)'" } ?? ""
        switch command {
        case "patterns", "rules": return "$WM \(command) \(assignment) '\(sessions)' > /dev/null"
        case "run": return "$WM run -q --no-state --out '\(dir)/out' \(assignment) '\(small)'"
        case "funnels": return "$WM funnels -q --funnel '/ > /x' \(assignment) '\(small)' > /dev/null"
        default: return "$WM \(command) -q \(assignment) '\(small)' > /dev/null"
        }
    }

    @Test func noNumericOptionValueEverTraps() async throws {
        let dir = TemporaryDirectory()
        let small = dir.write("small.log", (try String(contentsOfFile: Self.log, encoding: .utf8)).split(separator: "\n").prefix(40).joined(separator: "\n") + "\n")
        let sessions = dir.path + "/sessions.tsv"
        _ = try Self.sh("$WM sessions -q '\(small)' -o '\(sessions)'")
        let perOption = max(3, (Int(ProcessInfo.processInfo.environment["WEBLOG_FUZZ_COUNT"] ?? "") ?? 1500) / 500)
        for (command, options) in Self.numericOptions {
            // What the command exits with on this input with every option at its default (prospects: 69, too few conversions).
            let baseline = try Self.sh(Self.commandLine(command, nil, "", in: dir.path, sessions: sessions, small: small)).status
            #expect(baseline == 0 || baseline == 69, "\(command) with defaults: \(baseline)")
            for option in options {
                await propertyCheck(count: perOption, input: Self.values) { value in
                    let r = try Self.sh(Self.commandLine(command, option, value, in: dir.path, sessions: sessions, small: small))
                    #expect(r.status == 64 || r.status == baseline, "\(command) \(option)=\(value): status \(r.status) \(r.err.suffix(300))")
                    if r.status == 64 { #expect(r.err.contains(option) || r.err.contains("min-support"), "\(command) \(option)=\(value): \(r.err)") }
                }
            }
        }
    }
}

/// The README's examples, run on the real files they name (found by name under ../shared/data, as
/// they are or with .gz; examples naming files that are not there are left out).
@Suite(.enabled(if: Paths.sharedData != nil, "needs ../shared/data")) struct ReadmeExampleTests {
    /// Command lines of the ```sh blocks that start with `weblog-miner`.
    static func examples() throws -> [String] {
        let text = try String(contentsOfFile: Paths.repository + "/README.md", encoding: .utf8)
        var inBlock = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inBlock = line.hasPrefix("```sh") && !inBlock; continue }
            if inBlock && line.hasPrefix("weblog-miner ") { lines.append(String(line)) }
        }
        return lines
    }

    /// Words split at spaces outside quotes (quotes kept).
    static func words(_ line: String) -> [String] {
        var words: [String] = [], current = "", quote: Character? = nil
        for c in line {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
                current.append(c)
            } else if c == " " {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static let directories: [String] = {
        var all = [Paths.sharedData!]
        let enumerator = FileManager.default.enumerator(atPath: Paths.sharedData!)
        while let p = enumerator?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: Paths.sharedData! + "/" + p, isDirectory: &isDir), isDir.boolValue { all.append(Paths.sharedData! + "/" + p) }
        }
        return all
    }()

    static func matches(_ pattern: String) -> Bool {
        var g = glob_t()
        defer { globfree(&g) }
        return glob(pattern, 0, nil, &g) == 0 && g.gl_pathc > 0
    }

    /// The example with its files replaced by real paths, or nil when one of them is not in the shared data.
    static func resolved(_ line: String) -> String? {
        // Options whose values are not input files (outputs are written in the working directory).
        let valueOptions: Set = ["--site-host", "--map", "--format", "--field", "--min-support", "--min-confidence", "--label", "--cv",
                                 "--output", "--table", "--top", "--max-gap", "--kind", "--keep-param", "-o", "--report", "--rejects"]
        var out: [String] = []
        var previous = ""
        for word in words(line) {
            defer { previous = word }
            if word == "weblog-miner" { out.append("$WM"); continue }
            let looksLikeFile = !word.hasPrefix("-") && !word.hasPrefix("'") && !word.hasPrefix("\"") && !word.contains("=") && !word.contains("%")
                && (word.contains(".") || word.contains("/") || word.contains("*"))
            guard looksLikeFile, !valueOptions.contains(previous), word != "|" else { out.append(word); continue }
            guard !word.hasPrefix("/"), let dir = directories.first(where: { matches($0 + "/" + word) || matches($0 + "/" + word + ".gz") }) else { return nil }
            out.append(matches(dir + "/" + word) ? dir + "/" + word : dir + "/" + word + ".gz")
        }
        return out.joined(separator: " ")
    }

    @Test func examplesRunOnTheRealFilesTheyName() throws {
        let dir = TemporaryDirectory()
        var ran: [String] = []
        for example in try Self.examples() {
            guard let command = Self.resolved(example) else { continue }
            let r = try SafetyTests.sh("cd '\(dir.path)' && \(command) > /dev/null")
            #expect(r.status == 0, "README example `\(example)` as `\(command)`: status \(r.status)\n\(r.err.suffix(600))")
            ran.append(example)
        }
        #expect(ran.contains { $0.contains("weblog.csv --no-header") }, "the CSV example runs: \(ran)")
        #expect(ran.count >= 4, "\(ran)")
    }
}
