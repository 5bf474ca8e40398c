import Foundation
import GRDB

/// `weblog-miner run`: every stage over the logs in one streaming pass (parse, clean, sessions),
/// then the in-memory steps (pages, patterns, rules, links, customers, dwell) over all sessions so
/// far, written into a fresh directory — TSV per result, summary.json, results.sqlite, report.html —
/// that replaces the previous results atomically. With a state store, only new log lines are read,
/// sessions still open at the end wait for the next run, and re-running on the same input changes
/// nothing.
public struct NightlyRun {
    public struct Options {
        public var ingest = IngestOptions()
        public var cleaning = CleaningOptions()
        public var sessions = SessionOptions()
        public var outDir = "weblog-results"
        /// nil: `OUT.state.sqlite` beside the output directory; "" : no state (a one-off run).
        public var statePath: String? = nil
        /// Start the state store afresh (after it was found damaged): every log given is read again.
        public var rebuildState = false
        /// nil: the default floor, `defaultSupport`.
        public var minSupport: String? = nil
        public var maxGap: Int? = nil
        public var maxLength: Int? = 8
        /// Most patterns published (the support is raised to keep no more; nil: no cap).
        public var maxPatterns: Int? = 50_000
        public var minConfidence = 0.5
        public var registrations: String? = nil
        public var keyColumn: String? = nil
        public var timeColumn: String? = nil
        public var hashKeys = false
        public var keyIsVisitor = false
        public var conversion: String? = nil
        public var site: String? = nil
        public var siteEdges: String? = nil
        public var siteFiles = SiteLinks.FileURLStyle.stripExtension
        public var links = LinkAnalysis.Options()
        public var prospects = ProspectScoring.Options()
        public var topProspects = 100
        public var anonymize = false
        public var title = "Web usage report"
        /// Told the name of each in-memory step as it starts (progress for terminals and `--log json`).
        public var onStage: (@Sendable (String) -> Void)? = nil
        public init() {}
    }

    public struct Outcome {
        public var status = ExitStatus.ok
        public var filesRead = 0
        public var filesSkipped = 0
        public var newSessions = 0
        public var totalSessions = 0
        public var outDir = ""
        public var notes: [String] = []
        /// False when the run failed before publishing (the previous results stand).
        public var published = true
    }

    public var options: Options
    public init(options: Options) { self.options = options }

    public func run(inputs: [InputSpec], note: (String) -> Void = { _ in }) throws -> Outcome {
        var outcome = Outcome()
        outcome.outDir = options.outDir
        let statePath = options.statePath ?? (Self.trimmed(options.outDir) + ".state.sqlite")
        let useState = !statePath.isEmpty
        // Refused before any work (and checked again when publishing): --out never destroys what
        // this tool did not make.
        let inputPaths = inputs.filter { !$0.isStandardInput }.map(\.path) + [statePath, options.registrations, options.siteEdges, options.site].compactMap { $0 }.filter { !$0.isEmpty }
        AtomicDirectory.removeLeftovers(of: try AtomicDirectory.checkTarget(options.outDir, inputs: inputPaths))
        let lock = useState ? try RunLock(path: statePath + ".lock") : nil
        defer { withExtendedLifetime(lock) {} }
        let store = useState ? try StateStore(path: statePath, rebuild: options.rebuildState) : nil
        let loaded = try store?.load() ?? StateStore.Loaded()

        // Which inputs are new, grown, or already read.
        var toRead: [InputSpec] = []
        var records: [StateStore.FileRecord?] = []
        for input in inputs {
            guard !input.isStandardInput, let found = StateStore.identify(input.path) else {
                toRead.append(input)
                records.append(nil)
                continue
            }
            var id = found.record
            if let seen = found.earlierRecord(among: loaded.files) {
                if seen.device == id.device && seen.inode == id.inode && seen.size == id.size || seen.head == id.head && seen.lines > 0 && seen.size == id.size {
                    outcome.filesSkipped += 1
                    continue
                }
                if seen.device == id.device && seen.inode == id.inode && id.size < seen.size && !found.isCompressed {
                    // Truncated in place (copytruncate) and written again: a new log under the old inode.
                    note("\(input.path) is shorter than when last read (\(id.size) < \(seen.size) bytes): read from the start")
                    toRead.append(input)
                    records.append(id)
                    continue
                }
                id.lines = seen.lines
                toRead.append(InputSpec(input.path, skipLines: seen.lines))
            } else {
                toRead.append(input)
            }
            records.append(id)
        }
        if useState && inputs.contains(where: \.isStandardInput) {
            note("standard input cannot be recognised by a later run: lines fed again are counted again (use files, or --no-state)")
        }
        if outcome.filesSkipped > 0 { note("\(outcome.filesSkipped) of \(inputs.count) log files already read by an earlier run: skipped") }

        // The streaming pass.
        var closed = loaded.closed
        let firstNew = closed.count
        var ingest = options.ingest
        // A line the server is still writing is read whole by the next run (the state records whole lines).
        ingest.holdBackPartialLastLine = useState
        let sessionRun = SessionRun(ingest: ingest, cleaning: options.cleaning, sessions: options.sessions)
        let report = try sessionRun.run(inputs: toRead, resume: loaded.snapshot, suspend: true, rewind: Rewind(possible: { true }, perform: { closed.removeSubrange(firstNew...) })) { session, _ in closed.append(session) }
        let snapshot = report.snapshot!
        outcome.filesRead = toRead.count
        outcome.newSessions = closed.count - firstNew
        outcome.status = report.ingest.status
        for (k, f) in report.ingest.files.enumerated() where records[k] != nil {
            records[k]!.lines += f.completeLines
            // Its last line was left for later: the next run must not take the file as fully read.
            if f.heldBackLine { records[k]!.size = -1 }
        }
        // Input that failed as a whole (nothing readable: unknown format, every line rejected, files
        // missing) publishes nothing: the previous results and the state stay as they are.
        if !toRead.isEmpty && report.ingest.records == 0 && outcome.status != .ok {
            note("nothing usable was read (exit \(outcome.status.rawValue)): the previous results in \(options.outDir) are unchanged")
            outcome.published = false
            return outcome
        }
        // For today's results, sessions still open count as they stand (robots' left out).
        var all = closed
        for o in snapshot.open where !Sessionizer.isRobotBehaviour(o, cleaning: options.cleaning) { all.append(o.session) }
        all.sort { $0.id < $1.id }
        outcome.totalSessions = all.count
        var totals = loaded.totals
        totals["next_session_id"] = nil
        let c = report.cleaning
        for (k, v) in [("hits", c.hits), ("dropped_static", c.droppedStatic), ("dropped_status", c.droppedStatus), ("dropped_method", c.droppedMethod),
                       ("robot_agent_hits", c.robotAgentHits), ("robots_txt_hits", c.robotsTxtHits), ("behaviour_hits", c.behaviourHits),
                       ("late_hits", c.lateHits), ("rejected_lines", report.ingest.rejects.values.reduce(0, +))] {
            totals[k, default: 0] += v
        }

        // Results into a fresh directory.
        let staging = try AtomicDirectory(target: options.outDir, inputs: inputPaths)
        do {
            let results = try writeResults(sessions: all, pages: snapshot.pages, totals: totals, into: staging, note: note)
            outcome.notes = results
            if getenv("WEBLOG_MINER_FAIL_BEFORE_PUBLISH") != nil {
                // Test hook: a failure at the worst moment (everything written, nothing published).
                throw AtomicDirectory.PublishError.cannotSwap(options.outDir, EIO)
            }
            if let store {
                try store.save(files: records.compactMap { $0 }, closed: Array(closed[firstNew...]), snapshot: snapshot,
                               previousPageCount: loaded.snapshot?.pages.count ?? 0, totals: totals) { try staging.publish() }
            } else {
                try staging.publish()
            }
        } catch {
            staging.discard()
            throw error
        }
        return outcome
    }

    static func trimmed(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}

extension ExitStatus {
    /// The status for an error that ended a command: a full disk or another SQLite I/O failure is an
    /// I/O error (74), a database that cannot be opened or created is 73, too little data to train
    /// on is 69; anything else is a data error (65).
    public init(for error: any Error) {
        switch error {
        case let e as OutputError: self = e.exitStatus
        case is InputError: self = .noInput
        case is AtomicDirectory.PublishError: self = .cannotCreate
        case let e as RunLock.LockError: self = e.exitStatus
        case is ProspectScoring.ScoringError: self = .notEnoughData
        case let e as DatabaseError:
            switch e.resultCode {
            case .SQLITE_FULL, .SQLITE_IOERR: self = .ioError
            case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM: self = .cannotCreate
            default: self = .dataError
            }
        default: self = .dataError
        }
    }
}
