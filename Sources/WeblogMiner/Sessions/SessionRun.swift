import Glibc

/// Everything `sessions` and `pages` share: read and merge the inputs, clean, sessionize, and hand
/// each finished session to the caller, then report what was read and removed.
public struct SessionRun {
    public var ingest: IngestOptions
    public var cleaning: CleaningOptions
    public var sessions: SessionOptions

    public init(ingest: IngestOptions, cleaning: CleaningOptions, sessions: SessionOptions) {
        self.ingest = ingest
        self.cleaning = cleaning
        self.sessions = sessions
    }

    public struct Report: Sendable {
        public var ingest: IngestReport
        public var cleaning: CleaningCounts
        public var sessions = 0
        /// Page names by id.
        public var pages: ByteStringInterner
        /// With `suspend`: what continues in the next run (open sessions are then not handed out).
        public var snapshot: Sessionizer.Snapshot? = nil
    }

    /// `body` receives each session and the page-name table (ids in `PageView.page`). `rewind` says,
    /// at the first hit out of order, whether every output can forget the sessions received so far
    /// and does so; the inputs are then read again through the external sort.
    public func run(inputs: [InputSpec], rejectsOutput: OutputStream? = nil, resume: Sessionizer.Snapshot? = nil, suspend: Bool = false,
                    rewind: Rewind? = nil,
                    _ body: @escaping (Session, ByteStringInterner) throws -> Void) throws -> Report {
        let inputs = Self.distinct(inputs)
        // One lock for the rejects file, shared by every file thread of both passes.
        let rejects = rejectsOutput.map { LockedOutput($0) }
        switch sessions.order {
        case .sort:
            return try pass(inputs: inputs, ordering: .sort, rejects: rejects, resume: resume, suspend: suspend, body)
        case .stream:
            return try pass(inputs: inputs, ordering: .stream, rejects: rejects, resume: resume, suspend: suspend, body)
        case .auto where sessions.givenSessions:
            // Exports with their own sessions come grouped by session, never in time order: streaming
            // them first would only be abandoned at the first late hit, so they are sorted from the start
            // (which also lets standard input through).
            return try pass(inputs: inputs, ordering: .sort, rejects: rejects, resume: resume, suspend: suspend, body)
        case .auto:
            let rereadable = !inputs.isEmpty && inputs.allSatisfy { $0.isRereadable }
            let guarded = Rewind(possible: { rereadable && (rewind?.possible() ?? false) }, perform: { rewind?.perform() })
            do {
                return try pass(inputs: inputs, ordering: .speculative(rewind: guarded), rejects: rejects, resume: resume, suspend: suspend, body)
            } catch is HitMerger.Restart {
                return try pass(inputs: inputs, ordering: .sort, rejects: rejects, resume: resume, suspend: suspend, body)
            }
        }
    }

    private func pass(inputs: [InputSpec], ordering: HitMerger.Ordering, rejects: LockedOutput?, resume: Sessionizer.Snapshot?, suspend: Bool,
                      _ body: @escaping (Session, ByteStringInterner) throws -> Void) throws -> Report {
        let merger = HitMerger(inputs: inputs, ingest: ingest, cleaning: cleaning, visitorKey: sessions.visitorKey, givenSessions: sessions.givenSessions,
                               windowMillis: sessions.reorderWindowMillis, rejectWriter: rejects)
        merger.ordering = ordering
        var count = 0
        var sessionizer: Sessionizer! = nil
        sessionizer = Sessionizer(options: sessions, cleaning: cleaning) { session in
            count += 1
            try body(session, sessionizer.pages)
        }
        if let resume { sessionizer.resume(from: resume) }
        let reports = try merger.run { hit, chunk in try sessionizer.add(hit, chunk) }
        var snapshot: Sessionizer.Snapshot? = nil
        if suspend {
            snapshot = sessionizer.suspend()
        } else {
            try sessionizer.finish()
        }
        var cleaningCounts = merger.counts
        cleaningCounts.lateHits = merger.counts.lateHits
        cleaningCounts.sortedHits = merger.sortedHits
        let s = sessionizer.counts
        cleaningCounts.pageViews = s.pageViews
        cleaningCounts.robotAgentHits = s.robotAgentHits
        cleaningCounts.robotAgentVisitors = s.robotAgentVisitors
        cleaningCounts.robotsTxtHits = s.robotsTxtHits
        cleaningCounts.robotsTxtVisitors = s.robotsTxtVisitors
        cleaningCounts.behaviourHits = s.behaviourHits
        cleaningCounts.behaviourSessions = s.behaviourSessions
        cleaningCounts.otherPageNames = s.otherPageNames
        if s.otherPageNames > 0 {
            Diagnostics.warning("more than \(sessions.maxPages) distinct pages: \(s.otherPageNames) views and referrers of further pages are named \(Sessionizer.otherPage); "
                                + "map ids in paths to one page (--map '^/product/[0-9]+$=/product/:id') or raise --max-pages")
        }
        var ingestReport = IngestReport.combine(reports, maxRejectRatio: ingest.maxRejectRatio)
        if merger.sortedHits > 0 && !ingest.quiet {
            let how = sessions.order == .sort ? "--order sort" : sessions.givenSessions ? "--given-sessions sorts exports grouped by session" : nil
            Diagnostics.note(how.map { "sorted \(merger.sortedHits) hits by time (\($0))" }
                             ?? "input not in time order: sorted \(merger.sortedHits) hits (external sort)")
        }
        if cleaningCounts.mapLimitHits > 0 {
            let rule = cleaning.pageMap?.rules.indices.contains(cleaningCounts.mapLimitRule) == true ? cleaning.pageMap!.rules[cleaningCounts.mapLimitRule].pattern : "?"
            Diagnostics.warning("--map rule '\(rule)' hit PCRE2's match limit on \(cleaningCounts.mapLimitHits) page names (left unmapped); "
                                + "rewrite it without nested repetition such as (a+)+, which backtracks exponentially")
        }
        if cleaningCounts.lateHits > 0 {
            let where_ = merger.lateByInput.sorted { $0.key < $1.key }.map { "\(inputs[$0.key].displayName) \($0.value)" }.joined(separator: ", ")
            let attempted = max(1, cleaningCounts.lateHits + s.pageViews + s.robotAgentHits + s.robotsTxtHits + s.behaviourHits)
            let share = Double(cleaningCounts.lateHits) / Double(attempted)
            let how = inputs.contains(where: \.isStandardInput) ? "give the files instead of standard input, or --order sort" : "use --order sort (or a larger --reorder-window)"
            let message = "input not in time order: \(cleaningCounts.lateHits) hits came later than the reorder window and were left out (\(where_)); \(how)"
            if share > Self.maxLateShare {
                Diagnostics.error(message)
                ingestReport.status = max(ingestReport.status, .dataError)
            } else {
                Diagnostics.warning(message)
            }
        }
        reportMissingFields(cleaningCounts, &ingestReport)
        return Report(ingest: ingestReport, cleaning: cleaningCounts, sessions: count, pages: sessionizer.pages, snapshot: snapshot)
    }

    /// Hits left out because a field is missing are never silent: named on stderr, and when they
    /// pass the reject ratio the run fails (exit 65), as unreadable lines do. Hits without the
    /// visitor key the user chose (`--visitor user`: anonymous hits) are a choice, only noted.
    private func reportMissingFields(_ counts: CleaningCounts, _ report: inout IngestReport) {
        let total = max(1, counts.hits)
        func percent(_ n: Int) -> String { String(format2: 100 * Double(n) / Double(total)) + "%" }
        if counts.droppedNoPage > 0 {
            let what = sessions.givenSessions ? "no page (URL or path) or no session" : "no page (URL or path)"
            let message = "\(counts.droppedNoPage) of \(counts.hits) hits (\(percent(counts.droppedNoPage))) have \(what) and were left out; "
                + "name the field with --field url=NAME" + (sessions.givenSessions ? " or --field session=NAME" : "")
            if Double(counts.droppedNoPage) / Double(total) > ingest.maxRejectRatio {
                Diagnostics.error(message)
                report.status = max(report.status, .dataError)
            } else if !ingest.quiet {
                Diagnostics.warning(message)
            }
        }
        if counts.droppedNoVisitor > 0 {
            let message = "\(counts.droppedNoVisitor) of \(counts.hits) hits (\(percent(counts.droppedNoVisitor))) have no visitor key (--visitor \(sessions.visitorKey.rawValue)) and were left out"
            if sessions.visitorKey == .auto && Double(counts.droppedNoVisitor) / Double(total) > ingest.maxRejectRatio {
                Diagnostics.error(message + "; name a client, visitor or session field with --field client=NAME, --field visitor=NAME or --field session=NAME")
                report.status = max(report.status, .dataError)
            } else if !ingest.quiet {
                Diagnostics.note(message)
            }
        }
    }

    /// A file named twice (overlapping globs, a link to it) is read once, with a warning: its hits
    /// would otherwise count twice.
    static func distinct(_ inputs: [InputSpec]) -> [InputSpec] {
        struct FileID: Hashable { var device: UInt64, inode: UInt64 }
        var seen: [FileID: String] = [:]
        return inputs.filter { input in
            var info = stat()
            guard !input.isStandardInput, stat(input.path, &info) == 0 else { return true }
            let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if let same = seen[id] {
                Diagnostics.warning("\(input.path) is the same file as \(same): read once")
                return false
            }
            seen[id] = input.path
            return true
        }
    }

    /// Leaving out more than this share of hits for time reasons fails the run (exit 65).
    public static let maxLateShare = 0.001
}

extension IngestReport {
    /// One report for several files read separately (status, counts, samples, reject ratio check).
    static func combine(_ reports: [IngestReport], maxRejectRatio: Double) -> IngestReport {
        var combined = IngestReport(files: reports.flatMap(\.files))
        for r in reports {
            combined.status = max(combined.status, r.status)
            for (reason, n) in r.rejects { combined.rejects[reason, default: 0] += n }
            combined.rejectSamples += r.rejectSamples
        }
        return combined
    }
}
