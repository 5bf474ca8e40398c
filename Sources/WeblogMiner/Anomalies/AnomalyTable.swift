/// The rows of `anomalies` (and run's anomalies.tsv).
public enum AnomalyTable {
    public static let columns: [RecordTable.Column] = [
        .init("day", "the day, YYYY-MM-DD in the site's time zone"),
        .init("scope", "site, or the page"),
        .init("metric", "views, sessions, visitors, bounce_rate, conversions, conversion_rate (site); views, entries, exits (pages)"),
        .init("value", "the day's value"),
        .init("expected", "the baseline's median"),
        .init("score", "robust z-score: (value - expected) / scale"),
        .init("direction", "up or down"),
        .init("baseline_days", "same weekdays of the last 4 weeks the baseline used (at least 2)"),
    ]

    public static func rows(_ anomalies: [AnomalyDetector.Anomaly]) -> RecordTable {
        var table = RecordTable(columns: columns)
        func r(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
        for a in anomalies {
            table.append([.text(SiteCalendar.label(a.day)), .text(a.scope), .text(a.metric), .real(r(a.value)), .real(r(a.expected)), .real((a.score * 100).rounded() / 100),
                          .text(a.direction), .int(a.baselineDays)])
        }
        return table
    }

    /// What makes an anomaly the same one on another night: its day, scope, metric and direction.
    public static func key(_ a: AnomalyDetector.Anomaly) -> String { "\(SiteCalendar.label(a.day))\t\(tsvEscape(a.scope))\t\(a.metric)\t\(a.direction)" }

    /// The keys of an anomalies.tsv written before (none when there is no such file).
    public static func keys(ofPublished path: String) -> Set<String> {
        guard let bytes = try? Decompressor.readAll(InputSpec(path)).0 else { return [] }
        var keys: Set<String> = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            if f.count >= 7 { keys.insert("\(f[0])\t\(f[1])\t\(f[2])\t\(f[6])") }
        }
        return keys
    }
}
