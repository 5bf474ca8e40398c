import Foundation

/// The result files of a run, computed from all sessions so far.
extension NightlyRun {
    /// Names of the TSV results, in report order; each becomes a table of results.sqlite.
    public static let resultFiles = ["sessions", "pages", "patterns", "rules", "links", "edges", "shortcuts", "unused_links", "exits", "prospects", "dwell"]

    /// `run`'s default pattern support: 1% of the sessions, and at least 2 (support 1 makes every
    /// subsequence of every session a pattern).
    public static func defaultSupport(sessions: Int) -> Int { max(2, PatternOptions.absoluteSupport("1%", sequences: sessions) ?? 1) }

    func writeResults(sessions: [Session], pages: ByteStringInterner, totals: [String: Int], into dir: AtomicDirectory, note: (String) -> Void) throws -> [String] {
        var notes: [String] = []
        func open(_ name: String) throws -> OutputStream { try OutputStream.open(dir.path(name)) }
        func stage(_ name: String) { options.onStage?(name) }
        stage("sessions and pages (\(sessions.count) sessions)")
        func name(_ id: Int32) -> String { String(decoding: pages.bytes(of: id), as: UTF8.self) }

        let sessionWriter = try SessionWriter(format: .tsv, to: try open("sessions.tsv"))
        for s in sessions { try sessionWriter.write(s, pages: pages) }
        try sessionWriter.finish(pages: pages)

        var pageStats = PageStatistics()
        var usage = UsageGraph()
        let history = VisitorHistory()
        for s in sessions {
            pageStats.add(s)
            usage.add(s)
            history.add(s)
        }
        try PageWriter.write(pageStats, pages: pages, format: .tsv, to: try open("pages.tsv"))

        stage("patterns and rules")
        // Patterns and rules, exactly as `sessions | patterns -` and `sessions | rules -` would give
        // with the same support, --max-length and --max-patterns.
        let db = SequenceDatabase(sequences: sessions.map { $0.views.map { name($0.page) } })
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
        if let text = mined.mining.capNote(options.maxPatterns, option: "--max-patterns") { notes.append(text) }

        stage("link structure")
        // Link structure.
        let site = try SiteLinks.load(directory: options.site, edgeList: options.siteEdges, style: options.siteFiles, cleaning: options.cleaning)
        let links = LinkAnalysis(usage: usage, sessionPages: pages, site: site, options: options.links)
        for (file, table) in [("links.tsv", links.pages), ("edges.tsv", links.edges), ("shortcuts.tsv", links.shortcuts),
                              ("unused_links.tsv", links.unused), ("exits.tsv", links.exits)] {
            let out = try open(file)
            try table.write(format: .tsv, to: out)
            try out.commit()
        }

        stage("customers")
        // Customers.
        var table: Registrations? = nil
        if let path = options.registrations {
            table = try Registrations.read(InputSpec(path), keyColumn: options.keyColumn, timeColumn: options.timeColumn)
        }
        let matcher = try options.conversion.map { try PageMapper(specs: [$0 + "=converted"]) }
        var joinOptions = CustomerJoin.Options()
        joinOptions.hashLogKeys = options.hashKeys
        joinOptions.visitorKeyIsUser = options.keyIsVisitor
        let join = CustomerJoin(history: history, registrations: table, conversion: matcher, pageNames: pages, options: joinOptions)
        var prospectRows = RecordTable(columns: ProspectTable.columns)
        var evaluation: ProspectScoring.Evaluation? = nil
        do {
            let scoring = ProspectScoring(options: options.prospects)
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

        stage("dwell")
        let dwell = DwellAnalysis(history: history, pageNames: pages, seed: options.prospects.seed)
        let dwellOut = try open("dwell.tsv")
        try dwell.table.write(format: .tsv, to: dwellOut)
        try dwellOut.commit()

        stage("summary, results.sqlite and report.html")
        // summary.json, results.sqlite, report.html.
        let summary = RunSummary(sessions: sessions, history: history, pages: pageStats, totals: totals, join: join, evaluation: evaluation,
                                 links: links.summary, dwell: dwell.report, patterns: mined.patterns, rules: mined.rules, title: options.title)
        let summaryOut = try open("summary.json")
        try summaryOut.write(summary.json)
        try summaryOut.commit()
        try ResultsDatabase.write(path: dir.path("results.sqlite"), tsvDirectory: dir.staging, tables: Self.resultFiles)
        let html = HTMLReport(directory: dir.staging, summary: summary, pageNames: pages, sessions: sessions, anonymize: options.anonymize, dwell: dwell).render()
        let reportOut = try open("report.html")
        try reportOut.write(html)
        try reportOut.commit()
        for n in notes { note(n) }
        return notes
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
