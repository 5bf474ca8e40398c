import Foundation
import GRDB

/// `weblog-miner run`: every stage over the logs in one streaming pass (parse, clean, sessions),
/// then the results of each window (the last day, 7 days, 28 days by default: pages and headline
/// figures merged from day partials, with the previous period beside them; patterns, rules and
/// links over the window's sessions; prospects and dwell over the main window), written into a
/// fresh directory — one folder per window, TSV per result, summary.json, results.sqlite,
/// report.html — that replaces the previous results atomically. With a state store, only new log
/// lines are read, sessions still open at the end wait for the next run, re-running on the same
/// input changes nothing, and a night's cost follows its new lines and its windows, not the history.
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
        /// `--registered-at-format`.
        public var registrationTimeFormat: TimeFormat? = nil
        /// The table of `registrations` when the caller has read it already (checked before the
        /// night's logs are read); else it is read from the path.
        public var registrationTable: Registrations? = nil
        public var hashKeys = false
        public var keyIsVisitor = false
        public var conversion: String? = nil
        /// Funnels counted in every window (funnels.tsv); none given: one proposed from `conversion`.
        public var funnels: [FunnelDefinition] = []
        public var openFunnels = false
        /// Only this segment's sessions are kept (one segment per state store).
        public var segment: SegmentFilter? = nil
        public var site: String? = nil
        public var siteEdges: String? = nil
        public var siteFiles = SiteLinks.FileURLStyle.stripExtension
        public var links = LinkAnalysis.Options()
        public var prospects = ProspectScoring.Options()
        public var topProspects = 100
        public var anonymize = false
        public var title = "Web usage report"
        public var windows = ResultWindow.defaults
        public var calendar = SiteCalendar.utc
        /// Days of finished sessions kept in the state store (their aggregates are kept for ever).
        public var retainDays = 90
        /// The day every window ends on: nil, the newest day seen; else this day (e.g. yesterday,
        /// when the logs are rotated in the morning and today is only begun).
        public var windowEnd: Int32? = nil
        /// Told the name of each in-memory step as it starts (progress for terminals and `--log json`).
        public var onStage: (@Sendable (String) -> Void)? = nil
        public init() {}
    }

    public struct Outcome {
        public var status = ExitStatus.ok
        public var filesRead = 0
        public var filesSkipped = 0
        /// Inputs that name a log already named tonight (read once).
        public var filesDuplicate = 0
        public var newSessions = 0
        public var totalSessions = 0
        public var outDir = ""
        public var notes: [String] = []
        /// Anomalies not in the results published before, in words (for `--alert-exit`).
        public var newAnomalies: [String] = []
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
        var tonight: [StateStore.FileRecord] = []
        for input in inputs {
            guard !input.isStandardInput, let found = StateStore.identify(input.path) else {
                toRead.append(input)
                records.append(nil)
                continue
            }
            var id = found.record
            // The same log named twice tonight (overlapping globs, a link, an identical copy) is read once.
            if let same = tonight.first(where: { $0.device == id.device && $0.inode == id.inode
                    || $0.size == id.size && $0.head == id.head && found.head.count >= StateStore.identifyingHead }) {
                note("\(input.path) is the same log as \(same.path) (\(same.device == id.device && same.inode == id.inode ? "the same file" : "identical content")): read once")
                outcome.filesDuplicate += 1
                continue
            }
            tonight.append(id)
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

        if let zone = loaded.settings["timezone"], zone != options.calendar.name {
            throw SettingMismatch(path: statePath, what: "counts days in time zone \(zone)", fix: "--timezone \(zone)")
        }
        let segmentName = options.segment?.description ?? "all sessions"
        if !loaded.days.isEmpty && (loaded.settings["segment"] ?? "all sessions") != segmentName {
            throw SettingMismatch(path: statePath, what: "keeps the segment '\(loaded.settings["segment"] ?? "all sessions")', not '\(segmentName)'",
                                  fix: "the same segment options (or another --state for this segment)")
        }

        // The streaming pass.
        var closed: [Session] = []
        var ingest = options.ingest
        // A line the server is still writing is read whole by the next run (the state records whole lines).
        ingest.holdBackPartialLastLine = useState
        var cleaning = options.cleaning
        cleaning.calendar = options.calendar
        let sessionRun = SessionRun(ingest: ingest, cleaning: cleaning, sessions: options.sessions)
        let segment = options.segment
        // New or returning visitors: those the store remembers are returning from their first session
        // here; the night's visitors (every finished session's) are remembered for the next nights.
        let visitorTypes = segment?.visitorType != nil
        let remembered = visitorTypes ? try store?.visitors() ?? [] : []
        segment?.remember(remembered)
        var visitorsSeen: [UInt64: Int64] = [:]
        let rewind = Rewind(possible: { true }, perform: {
            closed.removeAll()
            visitorsSeen.removeAll()
            segment?.reset(remembering: remembered)
        })
        let report = try sessionRun.run(inputs: toRead, resume: loaded.snapshot, suspend: true, rewind: rewind) { session, pages in
            if visitorTypes { visitorsSeen[session.visitorHash] = max(visitorsSeen[session.visitorHash] ?? .min, session.end) }
            if segment?.accepts(session, pages: pages) ?? true { closed.append(session) }
        }
        let snapshot = report.snapshot!
        outcome.filesRead = toRead.count
        outcome.newSessions = closed.count
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
        var totals = loaded.totals
        totals["next_session_id"] = nil
        let c = report.cleaning
        let nightCounts = [("hits", c.hits), ("dropped_static", c.droppedStatic), ("dropped_status", c.droppedStatus), ("dropped_method", c.droppedMethod),
                           ("robot_agent_hits", c.robotAgentHits), ("robots_txt_hits", c.robotsTxtHits), ("behaviour_hits", c.behaviourHits),
                           ("late_hits", c.lateHits), ("rejected_lines", report.ingest.rejects.values.reduce(0, +)),
                           ("dropped_no_page", c.droppedNoPage), ("dropped_no_visitor", c.droppedNoVisitor)]
        for (k, v) in nightCounts { totals[k, default: 0] += v }

        // Days: the new finished sessions (and, on the first run after an upgrade, every finished
        // session of the old store) go into the partials of the days they started on.
        let calendar = options.calendar
        let converts = try ConversionTest(pattern: options.conversion, pages: snapshot.pages)
        // Open sessions are judged again when they end: their visitors are not remembered yet.
        let open = snapshot.open.filter { !Sessionizer.isRobotBehaviour($0, cleaning: options.cleaning) }.map(\.session)
            .filter { segment?.accepts($0, pages: snapshot.pages, remember: false) ?? true }
        let dated = (loaded.undated + closed).map { (session: $0, day: calendar.day(ofMillis: $0.start)) }
        var changed = try store?.partials(Set(dated.map(\.day))) ?? [:]
        for (s, day) in dated { changed[day, default: UsagePartial()].add(s, calendar: calendar, converts: converts(s)) }
        // The night's requests and failed requests go to the days they were made on (of all requests,
        // whatever the segment); a day may have requests and no session at all (an outage).
        let errorsByDay = c.errors.byDay()
        let requestDays = Set(c.requests.days.keys).union(errorsByDay.keys).subtracting(changed.keys)
        if !requestDays.isEmpty, let stored = try store?.partials(requestDays) { changed.merge(stored) { current, _ in current } }
        for (d, counts) in c.requests.days { changed[d, default: UsagePartial()].requests += counts }
        for (d, e) in errorsByDay { changed[d, default: UsagePartial()].errors.add(e) }
        // The newest day seen (of a session, else of any request) ends every window; the night's
        // cleaning counts are kept under it. With nothing dated at all, the days known, else today.
        let newestSession = (dated.map(\.session.end) + open.map(\.end)).max().map { calendar.day(ofMillis: $0) }
        let newest = newestSession ?? c.requests.days.keys.max()
        let storedLast = loaded.totals["last_day"].map { Int32(clamping: $0) }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seen = [newest, storedLast].compactMap { $0 }.max()
        let lastDay = seen ?? calendar.day(ofMillis: Int64(now.tv_sec) * 1000)
        if let seen {
            totals["last_day"] = Int(seen)
            if changed[seen] == nil, let stored = try store?.partials([seen])[seen] { changed[seen] = stored }
            for (k, v) in nightCounts where v > 0 { changed[seen, default: UsagePartial()].cleaning[k, default: 0] += v }
        }
        // (Before the first session the night's counts are in the all-time totals only.)
        // Sessions still open belong to the day they started, which may have no finished session yet.
        let knownDays = Set(loaded.days).union(changed.keys).union(open.map { calendar.day(ofMillis: $0.start) })
        // Sessions are needed at least as long as the longest window (the command line checks it too).
        let retainDays = max(options.retainDays, options.windows.compactMap(\.days).max() ?? 1)
        let windowEnd = options.windowEnd ?? lastDay
        var history = WindowHistory(calendar: calendar, lastDay: windowEnd, firstDay: knownDays.min() ?? windowEnd, changed: changed, storedDays: Set(loaded.days),
                                    open: open, converts: converts,
                                    newSessions: dated.map(\.session), retainDays: retainDays, store: store)

        // Results into a fresh directory.
        let staging = try AtomicDirectory(target: options.outDir, inputs: inputPaths)
        do {
            let results = try writeResults(history: &history, pages: snapshot.pages, totals: totals, into: staging, note: note)
            outcome.notes = results.notes
            outcome.totalSessions = results.mainSessions.count
            // New: not in the results published before (a day's anomaly is told once, even when the
            // day's last sessions finish the next night).
            let told = AnomalyTable.keys(ofPublished: options.outDir + "/anomalies.tsv")
            outcome.newAnomalies = results.anomalies.filter { !told.contains(AnomalyTable.key($0)) }.map { "\(SiteCalendar.label($0.day)) \($0.scope) \($0.metric) \($0.direction) (\($0.value) against \($0.expected))" }
            if getenv("WEBLOG_MINER_FAIL_BEFORE_PUBLISH") != nil {
                // Test hook: a failure at the worst moment (everything written, nothing published).
                throw AtomicDirectory.PublishError.cannotSwap(options.outDir, EIO)
            }
            if let store {
                var days = StateStore.DayChanges()
                days.partials = changed
                days.settings = ["timezone": calendar.name, "segment": segmentName]
                days.retainFrom = lastDay - Int32(retainDays) + 1
                days.visitors = visitorsSeen.mapValues { calendar.day(ofMillis: $0) }
                try store.save(files: records.compactMap { $0 }, closed: dated, snapshot: snapshot,
                               previousPageCount: loaded.snapshot?.pages.count ?? 0, totals: totals, days: days) { try staging.publish() }
            } else {
                try staging.publish()
            }
        } catch {
            staging.discard()
            throw error
        }
        return outcome
    }

    /// A run whose options contradict what the state store was built with.
    public struct SettingMismatch: Error, CustomStringConvertible {
        public var path: String
        public var what: String
        public var fix: String
        public var description: String {
            "state store \(path) \(what): run with \(fix), or with --rebuild-state to rebuild it from the logs given under the new setting"
        }
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
        case is NightlyRun.SettingMismatch: self = .usage
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
