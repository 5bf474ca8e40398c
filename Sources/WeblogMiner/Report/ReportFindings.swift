/// What the top of the report says in sentences for one window: how the period changed against the
/// one before, the anomalies, the biggest funnel drop-off and where those visitors went, the strongest
/// shortcut and the unused link, broken links, the best channel, and the prospects with the model's
/// quality in words. Each finding links to the section that shows it. Read from the window's folder
/// (the same TSV files a user sees), so a sentence can always be checked against a file.
struct ReportFindings {
    struct Finding {
        var text: String
        /// The id of the section it links to.
        var section: String
    }

    let folder: String
    let summary: RunSummary
    let isMain: Bool
    /// Anomalies of the results this run replaces (`AnomalyTable.key`): the others are new.
    var published: Set<String> = []

    func findings() -> [Finding] {
        var out: [Finding] = []
        out += changes()
        if let f = anomalies() { out.append(f) }
        if let f = funnelDrop() { out.append(f) }
        if let f = bestChannel() { out.append(f) }
        if let f = shortcut() { out.append(f) }
        if let f = unusedLink() { out.append(f) }
        if let f = brokenLinks() { out.append(f) }
        if isMain, let f = prospects() { out.append(f) }
        return out
    }

    func rows(_ file: String, limit: Int = 100_000) -> [[String: String]] {
        guard let t = TSVTable.read(folder + "/" + file + ".tsv", rows: limit) else { return [] }
        return t.rows.map { row in Dictionary(uniqueKeysWithValues: t.header.enumerated().map { ($0.element, $0.offset < row.count ? row[$0.offset] : "") }) }
    }

    /// "Page views rose 25% to 6,506 (5,187 in the previous 7 days)."
    func changes() -> [Finding] {
        guard let before = summary.previous else {
            return [Finding(text: "\(ReportFormat.grouped(summary.pageViews)) page views in \(ReportFormat.grouped(summary.sessions)) sessions by \(ReportFormat.grouped(summary.visitors)) visitors; no earlier period to compare with yet.", section: "overview")]
        }
        let now = summary.figures
        let period = periodName
        var out: [Finding] = []
        func counted(_ name: String, _ a: Int, _ b: Int) {
            guard b > 0 else { return }
            let c = Double(a - b) / Double(b)
            let verb = abs(c) < 0.005 ? "held steady at" : c > 0 ? "rose \(ReportFormat.percent(c)) to" : "fell \(ReportFormat.percent(-c)) to"
            out.append(Finding(text: "\(name) \(verb) \(ReportFormat.grouped(a)) (\(ReportFormat.grouped(b)) in the previous \(period)).", section: "overview"))
        }
        counted("Page views", now.pageViews, before.pageViews)
        counted("Sessions", now.sessions, before.sessions)
        if now.conversions + before.conversions > 0 && before.sessions > 0 {
            out.append(Finding(text: "Conversion rate \(ReportFormat.percent(now.conversionRate)) (\(ReportFormat.points(now.conversionRate - before.conversionRate)) against \(ReportFormat.percent(before.conversionRate))); \(ReportFormat.grouped(now.conversions)) conversions.", section: "overview"))
        }
        if before.sessions > 0 {
            out.append(Finding(text: "Bounce rate \(ReportFormat.percent(now.bounceRate)) (\(ReportFormat.points(now.bounceRate - before.bounceRate))).", section: "overview"))
        }
        return out
    }

    var periodName: String {
        let n = Int(summary.days.upperBound - summary.days.lowerBound) + 1
        return n == 1 ? "day" : "\(n) days"
    }

    func anomalies() -> Finding? {
        let all = rows("anomalies")
        guard !all.isEmpty else { return nil }
        let site = all.filter { $0["scope"] == "site" }
        let fresh = all.filter { !published.contains("\($0["day"] ?? "")\t\(tsvEscape($0["scope"] ?? ""))\t\($0["metric"] ?? "")\t\($0["direction"] ?? "")") }
        // The newest of the new ones (site-wide first), else the latest.
        let first = fresh.last { $0["scope"] == "site" } ?? fresh.last ?? site.last ?? all.last!
        let metric = (first["metric"] ?? "").replacingOccurrences(of: "_", with: " ")
        let value = Double(first["value"] ?? "") ?? .nan, expected = Double(first["expected"] ?? "") ?? .nan
        let isRate = (first["metric"] ?? "").hasSuffix("rate") || (first["metric"] ?? "").hasSuffix("share")
        let show = isRate ? ReportFormat.percent : { ReportFormat.score($0) }
        let scope = first["scope"] == "site" ? "" : " of \(first["scope"] ?? "")"
        let news = fresh.isEmpty ? "none new since the last report" : "\(fresh.count) new since the last report"
        return Finding(text: "\(all.count) \(all.count == 1 ? "anomaly" : "anomalies") in this period (\(site.count) on the whole site; \(news)); \(fresh.isEmpty ? "the latest" : "the newest"): on \(first["day"] ?? "") the \(metric)\(scope) was \(show(value)) where \(show(expected)) was expected.", section: "anomalies")
    }

    func funnelDrop() -> Finding? {
        let steps = rows("funnels").filter { $0["level"] == "session" }
        // Only steps with a next step have drops (the last step's `dropped` is empty).
        guard let worst = steps.max(by: { (Int($0["dropped"] ?? "") ?? 0) < (Int($1["dropped"] ?? "") ?? 0) }),
              let reached = Int(worst["reached"] ?? ""), let dropped = Int(worst["dropped"] ?? ""), dropped > 0 else { return nil }
        var next: [String] = []
        for k in 1 ... 3 { if let p = worst["next_\(k)"], !p.isEmpty, let n = worst["next_\(k)_n"] { next.append("\(p) (\(ReportFormat.grouped(Int(n) ?? 0)))") } }
        return Finding(text: "Biggest funnel drop-off: in \u{201C}\(worst["funnel"] ?? "")\u{201D}, \(ReportFormat.grouped(dropped)) of \(ReportFormat.grouped(reached)) sessions (\(ReportFormat.percent(Double(dropped) / Double(max(reached, 1))))) did not go on from \(worst["page"] ?? "")" + (next.isEmpty ? "." : "; they went to \(next.joined(separator: ", ")).") , section: "funnels")
    }

    func bestChannel() -> Finding? {
        let channels = rows("audience").filter { $0["dimension"] == "channel" && (Int($0["sessions"] ?? "") ?? 0) >= 30 }
        let total = channels.reduce(0) { $0 + (Int($1["sessions"] ?? "") ?? 0) }
        let conversions = channels.reduce(0) { $0 + (Int($1["conversions"] ?? "") ?? 0) }
        guard total > 0, conversions > 0,
              let best = channels.max(by: { (Double($0["conversion_rate"] ?? "") ?? 0) < (Double($1["conversion_rate"] ?? "") ?? 0) }),
              let rate = Double(best["conversion_rate"] ?? ""), rate > 0 else { return nil }
        let overall = Double(conversions) / Double(total)
        return Finding(text: "Visitors from \(best["value"] ?? "") convert best: \(ReportFormat.percent(rate)) of their \(ReportFormat.grouped(Int(best["sessions"] ?? "") ?? 0)) sessions, \(ReportFormat.score(rate / overall))x the average of \(ReportFormat.percent(overall)).", section: "audience")
    }

    func shortcut() -> Finding? {
        guard let s = rows("shortcuts", limit: 1).first, let n = Int(s["sessions"] ?? ""), let saved = Int(s["clicks_saved"] ?? "") else { return nil }
        return Finding(text: "Strongest shortcut: \(ReportFormat.grouped(n)) sessions went from \(s["from"] ?? "") to \(s["to"] ?? "") in \(ReportFormat.score(Double(s["mean_clicks"] ?? "") ?? 0)) clicks on average (typically \(s["typical_path"] ?? "")); a direct link would save \(ReportFormat.grouped(saved)) clicks.", section: "links")
    }

    func unusedLink() -> Finding? {
        guard let u = rows("unused_links", limit: 1).first, let views = Int(u["from_views"] ?? ""), let follows = Int(u["follows"] ?? "") else { return nil }
        let how = follows == 0 ? "never followed" : "followed only \(ReportFormat.grouped(follows)) times"
        return Finding(text: "The link from \(u["from"] ?? "") to \(u["to"] ?? "") was \(how) in \(ReportFormat.grouped(views)) views of \(u["from"] ?? "").", section: "links")
    }

    func brokenLinks() -> Finding? {
        let errors = rows("errors")
        guard !errors.isEmpty else { return nil }
        let broken = errors.filter { $0["broken_link"] == "1" }
        let hits = errors.reduce(0) { $0 + (Int($1["hits"] ?? "") ?? 0) }
        var text = "\(ReportFormat.grouped(hits)) failed requests on \(ReportFormat.grouped(errors.count)) pages"
        if let b = broken.first {
            text += "; \(broken.count) broken \(broken.count == 1 ? "link" : "links") to fix, the first \(b["page"] ?? "") (\(b["status"] ?? ""), \(ReportFormat.grouped(Int(b["hits"] ?? "") ?? 0)) requests" + ((b["linked_from"] ?? "").isEmpty ? ")" : ", linked from \(b["linked_from"]!))")
        }
        return Finding(text: text + ".", section: "errors")
    }

    func prospects() -> Finding? {
        let ranked = rows("prospects")
        guard !ranked.isEmpty else { return nil }
        var text = "\(ReportFormat.grouped(ranked.count)) visitors ranked as potential customers"
        if let e = summary.evaluation, e.rocAUC.isFinite {
            // Lookalike models are checked on who is registered already, not on who converts later.
            let who = e.mode == "lookalike" ? "a registered user above an anonymous visitor" : "a future customer above a non-customer"
            text += "; the model ranks \(who) \(ReportFormat.percent(e.rocAUC)) of the time (ROC-AUC \(ReportFormat.score(e.rocAUC)), 50% would be chance)"
        }
        return Finding(text: text + ".", section: "customers")
    }
}
