/// How the report writes numbers and times for a reader rather than a program: rates as percentages,
/// durations as "1 min 23 s", counts with grouped thousands, scores to three significant digits (and
/// never more than three decimals), times in the site's time zone. The TSV files keep full precision.
enum ReportFormat {
    static func grouped(_ n: Int) -> String { formatCount(n) }

    /// A share in 0...1 as a percentage: three significant digits, at most two decimals.
    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let p = x * 100
        if p == 0 { return "0%" }
        if abs(p) < 0.01 { return p > 0 ? "<0.01%" : "-<0.01%" }
        let decimals = abs(p) >= 10 ? 1 : 2
        return trimmed(p, decimals: abs(p) >= 100 ? 0 : decimals) + "%"
    }

    /// A relative change (0.25: +25%).
    static func change(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        return (x > 0 ? "+" : "") + percent(x)
    }

    /// A change of a rate, in percentage points.
    static func points(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let p = x * 100
        return (p > 0 ? "+" : "") + trimmed(p, decimals: abs(p) >= 10 ? 1 : 2) + " pt"
    }

    /// Seconds as "45 s", "1 min 23 s", "2 h 5 min"; under 10 s with one decimal.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "n/a" }
        if seconds < 0 { return "-" + duration(-seconds) }
        if seconds < 10 { return trimmed(seconds, decimals: 1) + " s" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60) min" : "\(s / 60) min \(s % 60) s" }
        let m = (s + 30) / 60
        return m % 60 == 0 ? "\(m / 60) h" : "\(m / 60) h \(m % 60) min"
    }

    /// A score or ratio: three significant digits, at most three decimals ("<0.001" below that).
    static func score(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        if x == 0 { return "0" }
        if abs(x) < 0.001 { return x > 0 ? "<0.001" : "-<0.001" }
        if abs(x) >= 1000 { return grouped(Int(x.rounded())) }
        let decimals = abs(x) >= 100 ? 0 : abs(x) >= 10 ? 1 : abs(x) >= 1 ? 2 : 3
        return trimmed(x, decimals: decimals)
    }

    /// Fixed decimals, without trailing zeros.
    static func trimmed(_ x: Double, decimals: Int) -> String {
        var s = String(format: "%.\(decimals)f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// "2026-03-03 23:26" in the site's time zone.
    static func localTime(_ millis: Int64, _ calendar: SiteCalendar) -> String {
        let (day, minute) = calendar.dayAndMinute(ofMillis: millis)
        return SiteCalendar.label(day) + " " + String(format: "%02d:%02d", minute / 60, minute % 60)
    }

    /// Millis of "YYYY-MM-DDTHH:MM:SS(.sss)Z" as the TSV files write times; nil for anything else.
    static func parseISO(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u.last == 90 else { return nil }
        func n(_ r: Range<Int>) -> Int? { Int(String(decoding: u[r], as: UTF8.self)) }
        guard let y = n(0 ..< 4), let mo = n(5 ..< 7), let d = n(8 ..< 10), let h = n(11 ..< 13), let mi = n(14 ..< 16), let sec = n(17 ..< 19),
              let day = SiteCalendar.day(year: y, month: mo, day: d) else { return nil }
        return Int64(day) * 86_400_000 + Int64(h * 3_600_000 + mi * 60_000 + sec * 1000)
    }

    /// How a result column is shown, by its name (the columns of the TSV results, see each command's --help).
    enum Kind { case text, count, percent, duration, score, time }

    static func kind(of column: String) -> Kind {
        switch column {
        case "share", "relative_support", "confidence", "probability", "share_of_first", "mixture_weight",
             "exit_p_stay_over_30s":
            return .percent
        case "first_seen", "last_seen", "start", "end":
            return .time
        case "pagerank", "hub", "authority", "score", "lift", "mean_clicks", "mean_pages", "conversion_lift", "later_conversion_lift":
            return .score
        default:
            if column.hasSuffix("_rate") { return .percent }
            if column.hasSuffix("_s") || column.hasSuffix("_s_from_previous") { return .duration }
            if column.hasPrefix("weibull_shape") { return .score }
            return .count
        }
    }

    /// A TSV cell as shown, and whether it is a number (right-aligned).
    static func cell(_ value: String, column: String, calendar: SiteCalendar) -> (text: String, numeric: Bool) {
        let kind = kind(of: column)
        if kind == .time, let t = parseISO(value) { return (localTime(t, calendar), false) }
        guard let x = Double(value), x.isFinite, !value.isEmpty else { return (value, false) }
        switch kind {
        case .percent: return (percent(x), true)
        case .duration: return (duration(x), true)
        case .score: return (score(x), true)
        case .count, .text, .time:
            if x == x.rounded() && abs(x) < 1e15 { return (grouped(Int(x)), true) }
            return (score(x), true)
        }
    }
}
