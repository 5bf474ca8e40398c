import Foundation

/// The result files of a run: one folder per window, the main window's files also at the top.
extension NightlyRun {
    /// Names of the TSV results, in report order; each becomes a table of results.sqlite.
    public static let resultFiles = ["sessions", "pages", "patterns", "rules", "links", "edges", "shortcuts", "unused_links", "exits", "funnels", "audience", "anomalies", "errors", "segments", "session_segments", "prospects", "dwell"]
    /// The files computed from a window's sessions (the rest come from its aggregates, or the models).
    static let sessionFiles = ["sessions", "patterns", "rules", "links", "edges", "shortcuts", "unused_links", "exits", "funnels", "audience"]

    /// `run`'s default pattern support: 1% of the sessions, and at least 2 (support 1 makes every
    /// subsequence of every session a pattern).
    public static func defaultSupport(sessions: Int) -> Int { max(2, PatternOptions.absoluteSupport("1%", sequences: sessions) ?? 1) }

    struct Written {
        var notes: [String] = []
        /// The main window's models, trained while the other windows are written.
        var models: BackgroundJob<TrainedModels>? = nil
        /// The main window's segments, assigned before the other models.
        var segments: BackgroundJob<Void>? = nil
        /// The star schema of the main window's views, written into results.sqlite while the windows
        /// are computed (the database's other tables follow once it is done).
        var starSchema: BackgroundJob<Void>? = nil
        var mainSummary: RunSummary? = nil
        /// Every window's headline figures, for the report's window switch.
        var summaries: [HTMLReport.Window] = []
        var mainSessions: [Session] = []
        /// Anomalies on the main window's days (anomalies.tsv).
        var anomalies: [AnomalyDetector.Anomaly] = []
        /// The funnel proposed from the main window (written first) when a conversion but no funnel is given.
        var proposedFunnels: [FunnelDefinition]? = nil
    }

    /// What `trainModels` gives the main window.
    struct TrainedModels {
        var dwell: DwellAnalysis
        var figures: RunSummary.Models
        var notes: [String]
    }

    func writeResults(history: inout WindowHistory, pages: ByteStringInterner, totals: [String: Int],
                      into dir: AtomicDirectory, note: (String) -> Void) throws -> Written {
        var written = Written()
        do {
            try writeWindows(history: &history, pages: pages, totals: totals, into: dir, note: note, written: &written)
            return written
        } catch {
            // The segments', models' and star schema's threads may still be writing into the staging
            // directory: done before it is discarded.
            _ = try? written.segments?.value()
            _ = try? written.models?.value()
            _ = try? written.starSchema?.value()
            throw error
        }
    }

    private func writeWindows(history: inout WindowHistory, pages: ByteStringInterner, totals: [String: Int],
                              into dir: AtomicDirectory, note: (String) -> Void,
                              written: inout Written) throws {
        let main = ResultWindow.main(of: options.windows)
        // Sessions exist for the retention window only: a longer window mines what is kept.
        let kept = history.lastDay - Int32(history.retainDays) + 1
        func sessionRange(_ w: ResultWindow) -> ClosedRange<Int32> {
            let r = history.range(of: w)
            let lo = max(r.lowerBound, kept, history.firstDay)
            return lo <= r.upperBound ? lo ... r.upperBound : r.upperBound ... r.upperBound
        }
        // The widest range first: one read of the store serves every window.
        let ranges = options.windows.map(sessionRange)
        _ = try history.sessions(ranges.map(\.lowerBound).min()! ... ranges.map(\.upperBound).max()!)
        let site = try SiteLinks.load(directory: options.site, edgeList: options.siteEdges, style: options.siteFiles, cleaning: options.cleaning)
        var done: [(range: ClosedRange<Int32>, folder: String, figures: SessionFigures)] = []
        // The main window first, so the others can share its session files when they hold the same days.
        for window in [main] + options.windows.filter({ $0 != main }) {
            let folder = window.name
            guard mkdir(dir.path(folder), 0o755) == 0 else { throw OutputError.cannotCreate(path: dir.path(folder), errno: errno) }
            let range = sessionRange(window)
            let same = done.first { $0.range == range }.map { ($0.folder, $0.figures) }
            let figures = try writeWindow(window, isMain: window == main, history: &history, sessions: range, sameAs: same, site: site,
                                          pages: pages, totals: totals, into: dir, folder: folder, written: &written)
            written.notes += figures.notes.filter { !written.notes.contains($0) }
            done.append((range, folder, figures))
        }
        // Deviations over the days of the longest bounded window, against the 4 weeks before each.
        options.onStage?("anomalies")
        let mainRange = history.range(of: main)
        var days: [Int32: UsagePartial] = [:]
        for d in max(history.firstDay, mainRange.lowerBound - 28) ... mainRange.upperBound { days[d] = try history.aggregate(d ... d) }
        var detectorOptions = AnomalyDetector.Options()
        detectorOptions.conversions = options.conversion != nil
        written.anomalies = AnomalyDetector(options: detectorOptions).detect(DayPartials(timezone: history.calendar.name, pages: pages, days: days), report: mainRange)
        for window in options.windows {
            let range = history.range(of: window)
            let out = try OutputStream.open(dir.path(window.name + "/anomalies.tsv"))
            try AnomalyTable.rows(written.anomalies.filter { range.contains($0.day) }).write(format: .tsv, to: out)
            try out.commit()
        }
        // results.sqlite while the models train: the sessions once the segments are assigned (each
        // session carries its segment), the models' tables once they are done.
        options.onStage?("results.sqlite")
        try written.starSchema?.value()
        let modelFiles = ["prospects", "dwell"]
        let segmentFiles = ["segments", "session_segments"]
        let databaseWindows = options.windows.map { ($0.name, dir.path($0.name)) }
        try ResultsDatabase.write(path: dir.path("results.sqlite"), windows: databaseWindows,
                                  tables: Self.resultFiles.filter { !modelFiles.contains($0) && !segmentFiles.contains($0) && $0 != "sessions" })
        try written.segments?.value()
        let segmentColumn = SessionSegmentColumn.column(assignments: dir.path(main.name + "/session_segments.tsv"))
        try ResultsDatabase.write(path: dir.path("results.sqlite"), windows: databaseWindows, tables: ["sessions"] + segmentFiles, joined: segmentColumn.map { [$0] } ?? [])
        try SessionSegmentColumn.index(path: dir.path("results.sqlite"))
        options.onStage?("customers and dwell")
        let models = try written.models!.value()
        written.notes += models.notes
        var summary = written.mainSummary!
        summary.models = models.figures
        let summaryOut = try OutputStream.open(dir.path(main.name + "/summary.json"))
        try summaryOut.write(summary.json)
        try summaryOut.commit()
        try ResultsDatabase.write(path: dir.path("results.sqlite"), windows: databaseWindows, tables: modelFiles)
        options.onStage?("report.html")
        // The windows in the order given, the main one with its models.
        let windows = options.windows.compactMap { w in written.summaries.first { $0.name == w.name } }.map { $0.name == main.name ? HTMLReport.Window(name: $0.name, folder: $0.folder, summary: summary) : $0 }
        let converts = try ConversionTest(pattern: options.conversion, pages: pages)
        let conversionPages = Set((0 ..< Int32(pages.count)).filter { converts.isConversion($0) }.map { String(decoding: pages.bytes(of: $0), as: UTF8.self) })
        let report = HTMLReport(directory: dir.path(main.name), summary: summary, windows: windows, pageNames: pages, sessions: written.mainSessions, anonymize: options.anonymize,
                                dwell: models.dwell, calendar: history.calendar, conversionPages: conversionPages,
                                publishedAnomalies: AnomalyTable.keys(ofPublished: options.outDir + "/anomalies.tsv"))
        let reportOut = try OutputStream.open(dir.path(main.name + "/report.html"))
        try reportOut.write(report.render())
        try reportOut.commit()
        options.onStage?("top level")
        // The top level: the main window's files, as before windows existed.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir.path(main.name))) ?? [] {
            guard link(dir.path(main.name + "/" + entry), dir.path(entry)) == 0 else { throw OutputError.cannotCreate(path: dir.path(entry), errno: errno) }
        }
        for n in written.notes { note(n) }
    }

    /// The funnels given, else (with a conversion pattern) the one proposed from the main window's
    /// sessions, used for every window so that they compare.
    private func funnelDefinitions(sessions: [Session], pages: ByteStringInterner, written: inout Written) throws -> [FunnelDefinition] {
        if !options.funnels.isEmpty { return options.funnels }
        if let proposed = written.proposedFunnels { return proposed }
        var proposed: [FunnelDefinition] = []
        if options.conversion != nil {
            let test = try ConversionTest(pattern: options.conversion, pages: pages)
            if let p = FunnelProposal.propose(sessions: sessions, pages: pages, isConversion: test.isConversion) {
                proposed = [p]
                written.notes.append("proposed funnel (no --funnel given): \(p.steps.map(\.text).joined(separator: " > "))")
            }
        }
        written.proposedFunnels = proposed
        return proposed
    }

    /// What a window's sessions gave, for a window of the same days to reuse.
    struct SessionFigures {
        var notes: [String] = []
        var patterns = 0
        var rules = 0
        var links = LinkAnalysis.Summary()
    }

    /// One window's folder. `sameAs`: a folder already written for the same days, whose session
    /// files are linked instead of computed again (only the comparisons differ).
    private func writeWindow(_ window: ResultWindow, isMain: Bool, history: inout WindowHistory, sessions sessionDays: ClosedRange<Int32>,
                             sameAs: (folder: String, figures: SessionFigures)?, site: SiteLinks?, pages: ByteStringInterner, totals: [String: Int],
                             into dir: AtomicDirectory, folder: String, written: inout Written) throws -> SessionFigures {
        var figures = SessionFigures()
        var notes: [String] = []
        func open(_ name: String) throws -> OutputStream { try OutputStream.open(dir.path(folder + "/" + name)) }
        func stage(_ name: String) { options.onStage?("\(window.name): \(name)") }
        stage("pages and comparisons")
        let range = history.range(of: window)
        let current = try history.aggregate(range)
        // No previous period before the first day seen: nothing to compare with (not zeros).
        let previousRange = window.previous(last: history.lastDay).flatMap { $0.upperBound >= history.firstDay ? $0 : nil }
        let previous = try previousRange.map { try history.aggregate($0) }
        try PageWriter.write(current.pages, pages: pages, format: .tsv, to: try open("pages.tsv"),
                             comparison: PageComparison(conversions: current.conversions, previous: previous?.pages, previousConversions: previous?.conversions ?? [:]))
        // Failed requests made in the window (kept with each day's partial).
        let errorsOut = try open("errors.tsv")
        try ErrorTable.rows(current.errors, site: site).write(format: .tsv, to: errorsOut)
        try errorsOut.commit()

        if let sameAs {
            for file in Self.sessionFiles {
                guard link(dir.path(sameAs.folder + "/" + file + ".tsv"), dir.path(folder + "/" + file + ".tsv")) == 0 else {
                    throw OutputError.cannotCreate(path: dir.path(folder + "/" + file + ".tsv"), errno: errno)
                }
            }
            figures = sameAs.figures
        } else {
            let sessions = try history.sessions(sessionDays)
            if isMain {
                written.mainSessions = sessions
                let run = self
                let segments = BackgroundJob { try run.trainSegments(sessions: sessions, pages: pages, folder: folder, into: dir) }
                written.segments = segments
                written.models = BackgroundJob {
                    _ = try? segments.value()   // one model at a time beside the windows (2 cores are common)
                    return try run.trainModels(sessions: sessions, pages: pages, folder: folder, into: dir)
                }
                let calendar = history.calendar, options = self.options
                written.starSchema = BackgroundJob {
                    try StarSchema.write(path: dir.path("results.sqlite"), sessions: sessions, pages: pages, calendar: calendar,
                                         converts: try ConversionTest(pattern: options.conversion, pages: pages), anonymize: options.anonymize, site: site)
                }
            }
            stage("sessions (\(sessions.count))")
            let sessionWriter = try SessionWriter(format: .tsv, to: try open("sessions.tsv"))
            for s in sessions { try sessionWriter.write(s, pages: pages) }
            try sessionWriter.finish(pages: pages)

            stage("patterns and rules")
            // Patterns and rules, exactly as `sessions | patterns -` and `sessions | rules -` would give
            // with the same support, --max-length and --max-patterns.
            let db = SequenceDatabase(sessions: sessions, pages: pages)
            var patternOptions = PatternOptions()
            patternOptions.minSupport = options.minSupport.flatMap { PatternOptions.absoluteSupport($0, sequences: db.count) } ?? Self.defaultSupport(sessions: db.count)
            patternOptions.maxGap = options.maxGap
            patternOptions.maxLength = options.maxLength
            patternOptions.maxPatterns = options.maxPatterns
            var mining = PatternExport()
            mining.patterns = try open("patterns.tsv")
            mining.rules = try open("rules.tsv")
            mining.minConfidence = options.minConfidence
            let mined = try mining.run(db: db, options: patternOptions)
            if let text = mined.mining.capNote(options.maxPatterns, option: "--max-patterns") { notes.append("\(window.name): " + text) }
            figures.patterns = mined.patterns
            figures.rules = mined.rules

            stage("link structure")
            var usage = UsageGraph()
            for s in sessions { usage.add(s) }
            let links = LinkAnalysis(usage: usage, sessionPages: pages, site: site, options: options.links)
            for (file, table) in [("links.tsv", links.pages), ("edges.tsv", links.edges), ("shortcuts.tsv", links.shortcuts),
                                  ("unused_links.tsv", links.unused), ("exits.tsv", links.exits)] {
                let out = try open(file)
                try table.write(format: .tsv, to: out)
                try out.commit()
            }
            figures.links = links.summary

            stage("funnels")
            let funnels = try funnelDefinitions(sessions: sessions, pages: pages, written: &written)
            let analyses = try funnels.map { try FunnelAnalysis($0, open: options.openFunnels) }
            for s in sessions { for a in analyses { a.add(s, pages: pages) } }
            let funnelsOut = try open("funnels.tsv")
            try FunnelTable.rows(analyses, pages: pages).write(format: .tsv, to: funnelsOut)
            try funnelsOut.commit()

            stage("audience")
            let audience = AudienceBreakdown()
            let converts = try ConversionTest(pattern: options.conversion, pages: pages)
            for s in sessions { audience.add(s, converts: converts(s)) }
            let audienceOut = try open("audience.tsv")
            try audience.table().write(format: .tsv, to: audienceOut)
            try audienceOut.commit()
            figures.notes = notes
        }

        var summary = RunSummary(window: window, range: range, current: current, previousRange: previousRange, previous: previous,
                                 allTime: totals, links: figures.links, patterns: figures.patterns, rules: figures.rules, title: options.title)
        written.summaries.append(HTMLReport.Window(name: window.name, folder: dir.path(folder), summary: summary))
        if isMain {
            // Written when its models are done (they train while the other windows are written).
            written.mainSummary = summary
            figures.notes = notes
            return figures
        }
        let summaryOut = try open("summary.json")
        try summaryOut.write(summary.json)
        try summaryOut.commit()
        figures.notes = notes
        return figures
    }

    /// Prospects and dwell, over the main window's sessions only (the models are the costly part),
    /// on a thread of their own: no progress messages from here.
    private func trainModels(sessions: [Session], pages: ByteStringInterner, folder: String, into dir: AtomicDirectory) throws -> TrainedModels {
        var notes: [String] = []
        func open(_ name: String) throws -> OutputStream { try OutputStream.open(dir.path(folder + "/" + name)) }
        let history = VisitorHistory()
        for s in sessions { history.add(s) }
        var table: Registrations? = nil
        if let read = options.registrationTable {
            table = read
        } else if let path = options.registrations {
            table = try Registrations.read(InputSpec(path), keyColumn: options.keyColumn, timeColumn: options.timeColumn, timeFormat: options.registrationTimeFormat)
        }
        let matcher = try options.conversion.map { try PageMapper(specs: [$0 + "=converted"]) }
        var joinOptions = CustomerJoin.Options()
        joinOptions.hashLogKeys = options.hashKeys
        joinOptions.visitorKeyIsUser = options.keyIsVisitor
        let join = CustomerJoin(history: history, registrations: table, conversion: matcher, pageNames: pages, options: joinOptions)
        var prospectRows = RecordTable(columns: ProspectTable.columns)
        var evaluation: ProspectScoring.Evaluation? = nil
        do {
            var scoringOptions = options.prospects
            scoringOptions.lookalikeComparison = false   // its figure is not in run's results
            let scoring = ProspectScoring(options: scoringOptions)
            let hasTimes = join.status.contains { if case .converted = $0 { return true } else { return false } }
            let hasCustomers = join.status.contains(.customer)
            if hasTimes || table != nil || matcher != nil {
                let result: (ProspectScoring.Evaluation, [ProspectScoring.Prospect])
                do {
                    result = try scoring.run(history: history, join: join, pageNames: pages)
                } catch let error as ProspectScoring.ScoringError {
                    notes.append("prospects: \(error); falling back to the lookalike model")
                    result = try scoring.runLookalike(history: history, join: join, pageNames: pages)
                }
                evaluation = result.0
                prospectRows = ProspectTable.rows(result.1, history: history, top: options.topProspects, anonymize: options.anonymize)
            } else if hasCustomers {
                let (e, p) = try scoring.runLookalike(history: history, join: join, pageNames: pages)
                evaluation = e
                prospectRows = ProspectTable.rows(p, history: history, top: options.topProspects, anonymize: options.anonymize)
            } else {
                notes.append("prospects: no registered or logged-in users and no --conversion pages: nothing to learn from (prospects.tsv is empty)")
            }
        } catch {
            notes.append("prospects: \(error)")
        }
        let prospectsOut = try open("prospects.tsv")
        try prospectRows.write(format: .tsv, to: prospectsOut)
        try prospectsOut.commit()

        // The compared candidate is kept (no refit on all views): one fit fewer a night.
        let dwell = DwellAnalysis(history: history, pageNames: pages, seed: options.prospects.seed, refit: false)
        let dwellOut = try open("dwell.tsv")
        try dwell.table.write(format: .tsv, to: dwellOut)
        try dwellOut.commit()
        return TrainedModels(dwell: dwell, figures: RunSummary.Models(join: join.coverage, evaluation: evaluation, dwell: dwell.report), notes: notes)
    }

    /// Visitor segments over the main window's sessions (segments.tsv and session_segments.tsv), on a
    /// thread of their own before the other models: results.sqlite's sessions carry each session's
    /// segment, so the sessions table waits for these only.
    private func trainSegments(sessions: [Session], pages: ByteStringInterner, folder: String, into dir: AtomicDirectory) throws {
        func open(_ name: String) throws -> OutputStream { try OutputStream.open(dir.path(folder + "/" + name)) }
        // Visitor segments: a mixture of Markov chains over the main window's sessions, on a bounded
        // sample (every session is still assigned) with a short list of candidate sizes and 3 starts:
        // a fixed cost per night (K 1-8 with 5 starts on 20,000 sessions made the models' thread the
        // night's critical path, about 8 s of a 14 s night on the nightly bench).
        var segmentOptions = SegmentAnalysis.Options()
        segmentOptions.conversion = options.conversion
        segmentOptions.maxFitSequences = 5_000
        segmentOptions.selection.candidates = [1, 2, 3, 4, 6]
        segmentOptions.selection.fitting.restarts = 3
        let segmentsOut = try open("segments.tsv"), assignmentsOut = try open("session_segments.tsv")
        if let segments = try? SegmentAnalysis.sessions(sessions, pages: pages, options: segmentOptions) {
            try segments.table.write(format: .tsv, to: segmentsOut)
            try segments.assignmentTable.write(format: .tsv, to: assignmentsOut)
        } else {
            try RecordTable(columns: SegmentTable.columns).write(format: .tsv, to: segmentsOut)
            try RecordTable(columns: SegmentTable.assignmentColumns).write(format: .tsv, to: assignmentsOut)
        }
        try segmentsOut.commit()
        try assignmentsOut.commit()
    }
}

/// The prospects table shared by `prospects` and `run`.
public enum ProspectTable {
    public static let columns: [RecordTable.Column] = [
        .init("rank", "1 = most likely to convert"),
        .init("visitor", "visitor key (address masked with --anonymize)"),
        .init("score", "model probability of converting within the horizon"),
        .init("sessions", "sessions seen"),
        .init("page_views", "page views seen"),
        .init("first_seen", "first view (UTC)"),
        .init("last_seen", "last view (UTC)"),
        .init("reasons", "the features that raised the score most, in words ('; '-separated)"),
    ]

    public static func rows(_ prospects: [ProspectScoring.Prospect], history: VisitorHistory, top: Int, anonymize: Bool) -> RecordTable {
        var rows = RecordTable(columns: columns)
        for (rank, p) in prospects.prefix(top == 0 ? prospects.count : top).enumerated() {
            let v = history.visitors[p.visitor]
            let views = v.sessions.reduce(0) { $0 + $1.pages.count }
            rows.append([.int(rank + 1), .text(anonymize ? Anonymizer.visitor(v.key) : v.key), .real((p.score * 1_000_000).rounded() / 1_000_000),
                         .int(v.sessions.count), .int(views), .text(isoTime(v.sessions.map(\.start).min()!)),
                         .text(isoTime(v.sessions.map(\.end).max()!)), .text(p.reasons.joined(separator: "; "))])
        }
        return rows
    }
}
