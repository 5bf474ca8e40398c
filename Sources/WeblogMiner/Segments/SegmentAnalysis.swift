/// Visitor and session segments end to end: sequences capped to the most viewed pages, K chosen
/// and the mixture fitted (`SegmentSelection`), each segment described (`SegmentDescription`), and
/// the tables `segments` writes. `run` calls `SegmentAnalysis.sessions(_:pages:options:)`.
public struct SegmentAnalysis: Sendable {
    public struct Options: Sendable {
        /// Pages modelled on their own (the most viewed); the others are one state, `(other)`.
        public var maxPages = 200
        public var selection = SegmentSelection.Options()
        /// At most this many sequences (a seeded uniform sample) are used to choose K and fit the
        /// model, which then assigns every sequence: the cost of fitting stays bounded on any log
        /// (0: all).
        public var maxFitSequences = 50_000
        /// Conversion pages (PCRE2 over page names), for conversion rates of sessions from logs.
        public var conversion: String? = nil
        public init() {}
    }

    public var data: SegmentSequences
    /// How many sequences the model was fitted on (all, or the sample of `maxFitSequences`).
    public var fittedOn: Int
    public var selection: SegmentSelection
    public var description: SegmentDescription
    /// The name of each sequence in the assignments (session ids, or sequence numbers from 1).
    public var ids: [Int]

    public var model: MarkovMixture { selection.model }
    /// segments.tsv.
    public var table: RecordTable { SegmentTable.rows(description) }
    /// session_id, segment, probability: one row per session.
    public var assignmentTable: RecordTable { SegmentTable.assignments(description, ids: ids) }
    public var selectionTable: RecordTable { SegmentTable.selection(selection) }
    /// Segment of each session by session id (sessions with no view have none).
    public var segmentBySession: [Int: Int] {
        var m: [Int: Int] = [:]
        for (i, a) in description.assignments.enumerated() { if let a { m[ids[i]] = a } }
        return m
    }

    /// Segments of sessions from logs: conversion rates from `options.conversion`, entry channels,
    /// and whether each session's visitor converted in a later session.
    public static func sessions(_ sessions: [Session], pages: ByteStringInterner, options: Options = Options(),
                                progress: ((SegmentSelection.Candidate) -> Void)? = nil) throws -> SegmentAnalysis {
        let converts = try ConversionTest(pattern: options.conversion, pages: pages)
        let data = SegmentSequences(SequenceDatabase(sessions: sessions, pages: pages), maxPages: options.maxPages)
        var outcomes: SegmentDescription.Outcomes? = nil
        if converts.isEnabled {
            let converted = sessions.map { converts($0) }
            // The start of each visitor's last converting session.
            var lastConversion: [UInt64: Int64] = [:]
            for (s, c) in zip(sessions, converted) where c { lastConversion[s.visitorHash] = max(lastConversion[s.visitorHash] ?? .min, s.start) }
            let later = sessions.map { s in (lastConversion[s.visitorHash]).map { $0 > s.start } ?? false }
            outcomes = .init(converted: converted, laterConverts: later, channels: sessions.map { EntryChannel(of: $0).rawValue })
        } else {
            outcomes = nil
        }
        return try analyse(data, ids: sessions.map(\.id), outcomes: outcomes, options: options, progress: progress)
    }

    /// Segments of plain sequences (SPMF and the like): no channels and no conversions.
    public static func sequences(_ db: SequenceDatabase, options: Options = Options(), progress: ((SegmentSelection.Candidate) -> Void)? = nil) throws(NoData) -> SegmentAnalysis {
        let data = SegmentSequences(db, maxPages: options.maxPages)
        return try analyse(data, ids: (0 ..< db.count).map { $0 + 1 }, outcomes: nil, options: options, progress: progress)
    }

    /// Nothing to cluster: no sequence has a page view.
    public struct NoData: Error, CustomStringConvertible, Sendable {
        public var description: String { "no page views to cluster" }
    }

    static func analyse(_ data: SegmentSequences, ids: [Int], outcomes: SegmentDescription.Outcomes?, options: Options,
                        progress: ((SegmentSelection.Candidate) -> Void)?) throws(NoData) -> SegmentAnalysis {
        guard data.views > 0 else { throw NoData() }
        var sample: [Int]? = nil
        if options.maxFitSequences > 0 && data.count > options.maxFitSequences {
            var order = Array(0 ..< data.count)
            var rng = SeededGenerator(seed: options.selection.fitting.seed ^ 0x5A3B_1E)
            rng.shuffle(&order)
            sample = order.prefix(options.maxFitSequences).sorted()
        }
        let selection = SegmentSelection.select(data, options: options.selection, sample: sample, progress: progress)
        let description = SegmentDescription(model: selection.model, data: data, outcomes: outcomes)
        return SegmentAnalysis(data: data, fittedOn: sample?.count ?? data.count, selection: selection, description: description, ids: ids)
    }
}
