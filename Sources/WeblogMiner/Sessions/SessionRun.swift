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

    /// `body` receives each session and the page-name table (ids in `PageView.page`).
    public func run(inputs: [InputSpec], rejectsOutput: OutputStream? = nil, resume: Sessionizer.Snapshot? = nil, suspend: Bool = false,
                    _ body: @escaping (Session, ByteStringInterner) throws -> Void) throws -> Report {
        let merger = HitMerger(inputs: inputs, ingest: ingest, cleaning: cleaning, visitorKey: sessions.visitorKey,
                               windowMillis: sessions.reorderWindowMillis, rejectWriter: rejectsOutput)
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
        let s = sessionizer.counts
        cleaningCounts.pageViews = s.pageViews
        cleaningCounts.robotAgentHits = s.robotAgentHits
        cleaningCounts.robotAgentVisitors = s.robotAgentVisitors
        cleaningCounts.robotsTxtHits = s.robotsTxtHits
        cleaningCounts.robotsTxtVisitors = s.robotsTxtVisitors
        cleaningCounts.behaviourHits = s.behaviourHits
        cleaningCounts.behaviourSessions = s.behaviourSessions
        return Report(ingest: IngestReport.combine(reports, maxRejectRatio: ingest.maxRejectRatio), cleaning: cleaningCounts, sessions: count,
                      pages: sessionizer.pages, snapshot: snapshot)
    }
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
