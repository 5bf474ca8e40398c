/// The rows of `funnels` (and run's funnels.tsv): one per funnel, level and step.
public enum FunnelTable {
    public static let columns: [RecordTable.Column] = [
        .init("funnel", "the funnel's name"),
        .init("level", "session (steps within one session) or visitor (steps across a visitor's sessions)"),
        .init("step", "step number, from 1"),
        .init("page", "the step: a page name, or re:PATTERN"),
        .init("reached", "sessions (visitors) that reached this step in order"),
        .init("entered", "of those, how many entered the funnel here (all at step 1 unless --open)"),
        .init("share_of_first", "reached / reached at step 1"),
        .init("continued", "reached the next step (empty for the last step)"),
        .init("dropped", "reached this step but not the next (empty for the last step)"),
        .init("drop_rate", "dropped / reached"),
        .init("median_s_from_previous", "median seconds from the view that completed the previous step"),
        .init("next_1", "where those who dropped here went next: most frequent page after their last step view, or (exit)"),
        .init("next_1_n", "how many went there"),
        .init("next_2", "second most frequent"),
        .init("next_2_n", "how many went there"),
        .init("next_3", "third most frequent"),
        .init("next_3_n", "how many went there"),
    ]

    public static let exitName = "(exit)"

    public static func rows(_ analyses: [FunnelAnalysis], pages: ByteStringInterner, levels: [FunnelAnalysis.Level] = FunnelAnalysis.Level.allCases) -> RecordTable {
        var table = RecordTable(columns: columns)
        for analysis in analyses {
            for level in levels {
                let c = analysis.counts(level)
                let n = analysis.definition.steps.count
                for k in 0 ..< n {
                    let last = k == n - 1
                    let reached = c.reached[k]
                    var row: [FieldValue] = [.text(analysis.definition.name), .text(level.rawValue), .int(k + 1), .text(analysis.definition.steps[k].text),
                                             .int(reached), .int(c.entered[k]),
                                             c.reached[0] > 0 ? .real(rounded(Double(reached) / Double(c.reached[0]))) : .null]
                    if last {
                        row += [.null, .null, .null]
                    } else {
                        // Those who stopped here are those whose way ended at this step.
                        let dropped = c.topNext(step: k, limit: Int.max).reduce(0) { $0 + $1.count }
                        row += [.int(reached - dropped), .int(dropped), reached > 0 ? .real(rounded(Double(dropped) / Double(reached))) : .null]
                    }
                    row.append(c.medianSeconds(step: k).map { .real(rounded($0)) } ?? .null)
                    // Most frequent first; ties by name, so the order does not depend on page ids.
                    let top = (last ? [] : c.topNext(step: k, limit: Int.max))
                        .map { (name: $0.page == FunnelAnalysis.exitPage ? exitName : pages.string(of: $0.page), count: $0.count) }
                        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
                    for i in 0 ..< 3 {
                        if i < top.count {
                            row += [.text(top[i].name), .int(top[i].count)]
                        } else {
                            row += [.null, .null]
                        }
                    }
                    table.append(row)
                }
            }
        }
        return table
    }

    private static func rounded(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
}
