import Foundation

/// The rows of `segments` (segments.tsv): one per segment, largest first; and the assignments
/// table: one row per session (or sequence) with its segment.
public enum SegmentTable {
    public static let columns: [RecordTable.Column] = [
        .init("segment", "segment number, 1 = the most sessions"),
        .init("sessions", "sessions whose most probable cluster this is"),
        .init("share", "sessions / all sessions"),
        .init("mixture_weight", "the cluster's weight in the fitted mixture (its expected share)"),
        .init("mean_pages", "page views per session"),
        .init("description", "the segment in words"),
        .init("top_pages", "most viewed pages: share of the segment's views (x ratio to the page's share of all views)"),
        .init("entry_pages", "most frequent first pages: share of the segment's sessions"),
        .init("typical_paths", "most frequent whole sessions (sessions)"),
        .init("likely_paths", "most probable whole sessions of up to 4 pages under the cluster's Markov chain (probability)"),
        .init("channels", "entry channels: share of the segment's sessions (logs only)"),
        .init("conversions", "sessions that reached a --conversion page (logs only)"),
        .init("conversion_rate", "conversions / sessions"),
        .init("conversion_lift", "conversion_rate / the rate over all sessions (enrichment)"),
        .init("later_conversion_rate", "of the segment's sessions without a conversion, the share whose visitor converts in a later session"),
        .init("later_conversion_lift", "later_conversion_rate / the same share over all sessions (enrichment)"),
    ]

    public static let assignmentColumns: [RecordTable.Column] = [
        .init("session_id", "the session's id as `sessions` prints it (with --sequences: the sequence's number in the input, from 1)"),
        .init("segment", "its segment (empty for an empty sequence)"),
        .init("probability", "posterior probability of that segment's cluster"),
    ]

    public static func rows(_ d: SegmentDescription) -> RecordTable {
        var table = RecordTable(columns: columns)
        let pct = SegmentDescription.percent
        for s in d.segments {
            table.append([
                .int(s.number), .int(s.sessions), .real(rounded(s.share)), .real(rounded(s.mixtureWeight)), .real(rounded(s.meanViews)),
                .text(s.text),
                .text(s.topPages.map { "\($0.name) \(pct($0.share)) (\(String(format: "%.2f", $0.lift))x)" }.joined(separator: ", ")),
                .text(s.entryPages.map { "\($0.name) \(pct($0.share))" }.joined(separator: ", ")),
                .text(s.typicalPaths.map { "\(SegmentDescription.path($0.pages)) (\($0.sessions))" }.joined(separator: "; ")),
                .text(s.likelyPaths.map { "\(SegmentDescription.path($0.pages)) (\(pct($0.probability)))" }.joined(separator: "; ")),
                s.channels.isEmpty ? .null : .text(s.channels.prefix(5).map { "\($0.name) \(pct($0.share))" }.joined(separator: ", ")),
                s.conversions.map { .int($0) } ?? .null,
                s.conversionRate.map { .real(rounded($0)) } ?? .null,
                s.conversionLift.map { .real(rounded($0)) } ?? .null,
                s.laterConversionRate.map { .real(rounded($0)) } ?? .null,
                s.laterConversionLift.map { .real(rounded($0)) } ?? .null,
            ])
        }
        return table
    }

    /// `ids[i]` names sequence i.
    public static func assignments(_ d: SegmentDescription, ids: [Int]) -> RecordTable {
        RecordTable(columns: assignmentColumns, count: d.assignments.count) { i in
            [.int(ids[i]), d.assignments[i].map { .int($0) } ?? .null, d.assignments[i] == nil ? .null : .real(rounded(d.probabilities[i]))]
        }
    }

    /// The candidates compared when choosing K (`--selection FILE`, and stderr).
    public static let selectionColumns: [RecordTable.Column] = [
        .init("clusters", "K"),
        .init("train_ll_per_view", "log-likelihood per page view of the sequences fitted on (nats)"),
        .init("heldout_ll_per_view", "log-likelihood per page view of the held-out sequences (criterion held-out)"),
        .init("bic", "BIC = -2 log L + parameters x ln(sequences) (criterion bic)"),
        .init("parameters", "free parameters of the mixture"),
        .init("iterations", "EM iterations of the retained start"),
        .init("chosen", "1 for the K kept"),
    ]

    public static func selection(_ s: SegmentSelection) -> RecordTable {
        var table = RecordTable(columns: selectionColumns)
        for c in s.candidates {
            table.append([.int(c.clusters), .real(round6(c.trainPerView)), c.heldOutPerView.map { .real(round6($0)) } ?? .null,
                          c.bic.map { .real(($0 * 100).rounded() / 100) } ?? .null, .int(c.parameters), .int(c.iterations),
                          .int(c.clusters == s.chosen ? 1 : 0)])
        }
        return table
    }

    private static func rounded(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
    private static func round6(_ v: Double) -> Double { (v * 1_000_000).rounded() / 1_000_000 }
}
