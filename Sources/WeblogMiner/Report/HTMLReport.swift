/// report.html: one self-contained file (inline CSS, JS and SVG, nothing fetched when viewed),
/// findings first, readable on a phone and on a desktop. Every string that came from a log is
/// HTML-escaped where it is written (`h`); the page's script only sorts and filters existing rows and
/// switches which window's figures are shown (attributes, never markup), and the figures it embeds are
/// JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped, so a crafted URL, referrer or user agent renders
/// as inert text.
///
/// The top shows every window (1 day, 7 days, 28 days, ...) switchable without reloading: its headline
/// figures beside the previous period's, and its findings in sentences (`ReportFindings`). The sections
/// below are the main window's: funnels, channels and devices, errors, anomalies, segments, paths,
/// link structure, customers, dwell and pages. Numbers are written for people (`ReportFormat`).
public struct HTMLReport {
    /// One window's folder and headline figures.
    public struct Window {
        public var name: String
        public var folder: String
        public var summary: RunSummary
    }

    let directory: String
    let summary: RunSummary
    let windows: [Window]
    let pageNames: ByteStringInterner
    let sessions: [Session]
    let anonymize: Bool
    let dwell: DwellAnalysis
    let calendar: SiteCalendar
    let conversionPages: Set<String>
    /// The anomalies of the results this run replaces: the findings tell the new ones.
    let publishedAnomalies: Set<String>
    /// Numbers the tables of the page (ids for their filter and Show all buttons).
    private let tableCount = Counter()

    final class Counter {
        private var n = 0
        func next() -> Int { n += 1; return n }
    }

    init(directory: String, summary: RunSummary, windows: [Window] = [], pageNames: ByteStringInterner, sessions: [Session], anonymize: Bool,
         dwell: DwellAnalysis, calendar: SiteCalendar = .utc, conversionPages: Set<String> = [], publishedAnomalies: Set<String> = []) {
        self.publishedAnomalies = publishedAnomalies
        self.directory = directory
        self.summary = summary
        self.windows = windows.isEmpty ? [Window(name: summary.window, folder: directory, summary: summary)] : windows
        self.pageNames = pageNames
        self.sessions = sessions
        self.anonymize = anonymize
        self.dwell = dwell
        self.calendar = calendar
        self.conversionPages = conversionPages
    }

    /// Text for HTML content and attribute values (the XML escaping of GraphML serves both).
    public static func escape(_ s: String) -> String { GraphExport.xmlEscape(s) }
    let h = HTMLReport.escape

    /// JSON made safe inside a <script> element: no `<`, `>`, `&` or line separators left in it.
    public static func scriptSafeJSON(_ json: String) -> String {
        var out = ""
        for u in json.unicodeScalars {
            switch u {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Grouped thousands (used by messages outside the report too).
    static func grouped(_ n: Int) -> String { ReportFormat.grouped(n) }

    func name(_ id: Int32) -> String { String(decoding: pageNames.bytes(of: id), as: UTF8.self) }

    static let sections: [(id: String, title: String)] = [
        ("findings", "Findings"), ("overview", "Overview"), ("funnels", "Funnels"), ("audience", "Channels and devices"),
        ("errors", "Errors"), ("anomalies", "Anomalies"), ("segments", "Segments"), ("paths", "Paths"), ("links", "Links"),
        ("customers", "Customers"), ("dwell", "Dwell"), ("pages", "Pages"),
    ]

    public func render() -> String {
        let s = summary
        let period = s.first < s.last ? "\(ReportFormat.localTime(s.first, calendar)) to \(ReportFormat.localTime(s.last, calendar))" : "\(SiteCalendar.label(s.days.lowerBound)) to \(SiteCalendar.label(s.days.upperBound))"
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(s.title))</title>
            <style>\(Self.css)</style></head>
            <body>
            <header><h1>\(h(s.title))</h1><p class="muted">\(h(period)) · times in \(h(calendar.name)) · generated \(h(s.generatedAt)) by weblog-miner</p>
            <nav>\(Self.sections.map { "<a href=\"#\($0.id)\">\(h($0.title))</a>" }.joined(separator: " "))</nav></header>
            <main>

            """
        html += findingsSection()
        html += overview()
        html += funnelsSection()
        html += audienceSection()
        html += errorsSection()
        html += anomaliesSection()
        html += segmentsSection()
        html += paths()
        html += linksSection()
        html += customers()
        html += dwellSection()
        html += section("pages", "Pages", intro: "Views, entries, exits, bounce and time on page (\(windowName(s))). Click a column to sort.",
                        table("pages", columns: ["page", "views", "views_change", "visitors", "entries", "exits", "exit_rate", "bounce_rate", "conversions", "median_dwell_s", "top_next"], limit: 100, filter: true,
                              minor: ["visitors", "entries", "exits", "conversions", "top_next"]))
        html += """
            </main>
            <script type="application/json" id="data">\(Self.scriptSafeJSON(s.json.trimmingSpaces))</script>
            <script>\(Self.script)</script>
            </body></html>

            """
        return html
    }

    func windowName(_ s: RunSummary) -> String {
        let n = Int(s.days.upperBound - s.days.lowerBound) + 1
        return (n == 1 ? "the day \(SiteCalendar.label(s.days.upperBound))" : "the \(n) days \(SiteCalendar.label(s.days.lowerBound)) to \(SiteCalendar.label(s.days.upperBound))")
    }

    func section(_ id: String, _ title: String, intro: String, _ body: String) -> String {
        "<section id=\"\(id)\"><h2>\(h(title))</h2><p class=\"muted\">\(h(intro))</p>\n\(body)</section>\n"
    }

    // MARK: - Findings and headline figures, per window

    /// The window shown first: the shortest with a period before it to compare with (what changed
    /// since yesterday), else the main one.
    var firstShown: String {
        windows.filter { $0.summary.previous != nil }.min { $0.summary.days.count < $1.summary.days.count }?.name ?? summary.window
    }

    func findingsSection() -> String {
        let shown = firstShown
        var body = "<div class=\"switch\" role=\"group\" aria-label=\"Window\">"
        for w in windows {
            let main = w.name == shown
            body += "<button type=\"button\" data-window=\"\(h(w.name))\" aria-pressed=\"\(main)\">\(h(label(of: w)))</button>"
        }
        body += "</div>\n"
        for w in windows {
            body += "<div class=\"window-block\" data-window=\"\(h(w.name))\"\(w.name == shown ? "" : " hidden")>"
            body += "<p class=\"muted\">\(h(windowName(w.summary)))" + (w.summary.previousDays.map { ", compared with \(SiteCalendar.label($0.lowerBound)) to \(SiteCalendar.label($0.upperBound))" } ?? "") + "</p>"
            body += headlineCards(w.summary)
            let found = ReportFindings(folder: w.folder, summary: w.summary, isMain: w.name == summary.window, published: publishedAnomalies).findings()
            var items = ""
            for f in found {
                let title = Self.sections.first { $0.id == f.section }?.title ?? f.section
                items += "<li>\(h(f.text)) <a href=\"#\(f.section)\">\(h(title)) \u{2192}</a></li>"
            }
            body += "<ul class=\"findings\">" + items + "</ul></div>\n"
        }
        return section("findings", "Findings", intro: "What changed and what to look at, in sentences; each links to its section. Switch the period here.", body)
    }

    func label(of w: Window) -> String {
        let n = Int(w.summary.days.upperBound - w.summary.days.lowerBound) + 1
        return n == 1 ? "1 day" : "\(n) days"
    }

    func headlineCards(_ s: RunSummary) -> String {
        let now = s.figures, before = s.previous
        func card(_ label: String, _ value: String, _ previous: String?, _ change: String?) -> String {
            var c = "<div class=\"card\"><b>\(h(value))</b><span>\(h(label))</span>"
            if let previous { c += "<small>\(h(change.map { $0 + " · " } ?? ""))was \(h(previous))</small>" } else { c += "<small>no previous period</small>" }
            return c + "</div>"
        }
        func count(_ label: String, _ a: Int, _ b: Int?) -> String {
            card(label, ReportFormat.grouped(a), b.map(ReportFormat.grouped), b.flatMap { $0 > 0 ? ReportFormat.change(Double(a - $0) / Double($0)) : nil })
        }
        func rate(_ label: String, _ a: Double, _ b: Double?, sessions: Int?) -> String {
            card(label, ReportFormat.percent(a), b.map(ReportFormat.percent), b.flatMap { sessions ?? 0 > 0 ? ReportFormat.points(a - $0) : nil })
        }
        var out = "<div class=\"cards\">"
        out += count("page views", now.pageViews, before?.pageViews)
        out += count("sessions", now.sessions, before?.sessions)
        out += count("visitors", now.visitors, before?.visitors)
        out += rate("bounce rate", now.bounceRate, before?.bounceRate, sessions: before?.sessions)
        out += card("mean session", ReportFormat.duration(now.meanSessionSeconds), before.map { ReportFormat.duration($0.meanSessionSeconds) },
                    before.flatMap { $0.meanSessionSeconds > 0 ? ReportFormat.change((now.meanSessionSeconds - $0.meanSessionSeconds) / $0.meanSessionSeconds) : nil })
        if now.conversions > 0 || (before?.conversions ?? 0) > 0 {
            out += count("conversions", now.conversions, before?.conversions)
            out += rate("conversion rate", now.conversionRate, before?.conversionRate, sessions: before?.sessions)
        }
        return out + "</div>\n"
    }

    // MARK: - Tables

    /// A table from one of the main window's TSV results (escaped cell by cell, numbers written for
    /// people), sortable, optionally filterable; on a phone its rows become cards.
    func table(_ file: String, columns: [String]? = nil, limit: Int, filter: Bool = false, rows select: (([String: String]) -> Bool)? = nil,
               order: (([String: String], [String: String]) -> Bool)? = nil, atMost: (column: String, rows: Int)? = nil,
               minor: Set<String> = [], empty: String = "(none)") -> String {
        guard let t = TSVTable.read(directory + "/" + file + ".tsv", rows: select == nil && order == nil ? limit : 200_000) else {
            return "<p class=\"muted\">(no \(h(file)) results)</p>\n"
        }
        let wanted = (columns ?? t.header).compactMap { c in t.header.firstIndex(of: c).map { (c, $0) } }
        var rows = t.rows.map { row in (row, Dictionary(uniqueKeysWithValues: t.header.enumerated().map { ($0.element, $0.offset < row.count ? row[$0.offset] : "") })) }
        if let select { rows = rows.filter { select($0.1) } }
        if let order { rows.sort { order($0.1, $1.1) } }
        if let atMost {
            // At most n rows per value of a column (e.g. rules into the same page: the strongest few).
            var seen: [String: Int] = [:]
            rows = rows.filter { row in
                let key = row.1[atMost.column] ?? ""
                seen[key, default: 0] += 1
                return seen[key]! <= atMost.rows
            }
        }
        if rows.isEmpty { return "<p class=\"muted\">\(h(empty))</p>\n" }
        // Unique per table (a file may give several: audience by dimension, patterns and single pages),
        // so a filter or Show all acts on its own table; the same on every run.
        let id = "t-\(file)-\(tableCount.next())"
        var out = filter ? "<input class=\"filter\" type=\"search\" placeholder=\"Filter rows\" data-table=\"\(id)\" aria-label=\"Filter \(h(file))\">\n" : ""
        out += "<div class=\"scroll\"><table class=\"sortable cards-on-phone\" id=\"\(id)\"><thead><tr>"
        // Minor columns are left out on a phone, where each row becomes a card.
        for (c, _) in wanted { out += "<th\(minor.contains(c) ? " class=\"minor\"" : "")>\(h(c.replacingOccurrences(of: "_", with: " ")))</th>" }
        out += "</tr></thead><tbody>\n"
        for (row, _) in rows.prefix(limit) {
            out += "<tr>"
            for (c, k) in wanted {
                let raw = k < row.count ? row[k] : ""
                let (text, numeric) = c.hasSuffix("_change") ? changeCell(raw) : ReportFormat.cell(raw, column: c, calendar: calendar)
                let sortKey = Double(raw).map { " data-sort=\"\($0)\"" } ?? ""
                let classes = (numeric ? ["n"] : []) + (minor.contains(c) ? ["minor"] : [])
                // Long page names may break after a slash (escaped first: the <wbr> is ours).
                let shown = numeric ? h(text) : h(text).replacingOccurrences(of: "/", with: "/<wbr>")
                out += "<td data-label=\"\(h(c.replacingOccurrences(of: "_", with: " ")))\"\(sortKey)\(classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"")>\(shown)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody></table></div>\n"
        let shown = min(limit, rows.count)
        if shown > Self.phoneRows {
            out += "<button type=\"button\" class=\"more\" data-table=\"\(id)\">Show all \(shown) rows</button>\n"
        }
        let total = select == nil ? t.totalRows : rows.count
        if total > limit { out += "<p class=\"muted\">First \(limit) of \(ReportFormat.grouped(total)) rows; all of them are in \(h(file)).tsv and results.sqlite.</p>\n" }
        return out
    }

    /// Rows of a table shown on a phone before "Show all" (each row is a card there).
    static let phoneRows = 5

    func changeCell(_ raw: String) -> (String, Bool) {
        guard let x = Double(raw) else { return (raw, false) }
        return (ReportFormat.change(x), true)
    }

    // MARK: - Sections

    func overview() -> String {
        let s = summary
        var body = ""
        if s.viewsByDay.count >= 2 {
            body += ReportCharts.bars(s.viewsByDay.map { ($0.day, Double($0.views)) }, caption: "Page views by day", xAxis: "day (\(calendar.name))", yAxis: "page views",
                                      format: { ReportFormat.grouped(Int($0.rounded())) })
        }
        body += ReportCharts.bars((0 ..< 24).map { (String($0), Double(s.viewsByHour[$0])) }, caption: "Page views by hour of the day", xAxis: "hour of the day (\(calendar.name))",
                                  yAxis: "page views", format: { ReportFormat.grouped(Int($0.rounded())) })
        body += "<h3>Cleaning</h3><div class=\"scroll\"><table><tbody>"
        let labels = [("hits", "hits read"), ("dropped_static", "static resources"), ("dropped_status", "failed requests"), ("dropped_method", "HEAD/OPTIONS"),
                      ("robot_agent_hits", "robots by user agent"), ("robots_txt_hits", "robots.txt fetchers"), ("behaviour_hits", "robots by behaviour"),
                      ("late_hits", "later than the reorder window"), ("rejected_lines", "malformed lines"),
                      ("dropped_no_page", "without a page"), ("dropped_no_visitor", "without a visitor key")]
        let shownWhenPresent: Set = ["dropped_no_page", "dropped_no_visitor"]
        for (key, label) in labels where !shownWhenPresent.contains(key) || (s.totals[key] ?? 0) > 0 { body += "<tr><td>\(h(label))</td><td class=\"n\">\(ReportFormat.grouped(s.totals[key] ?? 0))</td></tr>" }
        body += "</tbody></table></div>\n"
        return section("overview", "Overview", intro: "Traffic over \(windowName(s)), and what cleaning removed before sessions were built.", body)
    }

    func funnelsSection() -> String {
        guard let t = TSVTable.read(directory + "/funnels.tsv") else { return section("funnels", "Funnels", intro: "No funnel results.", "") }
        let rows = t.rows.map { row in Dictionary(uniqueKeysWithValues: t.header.enumerated().map { ($0.element, $0.offset < row.count ? row[$0.offset] : "") }) }
        var body = ""
        var order: [String] = []
        for r in rows where !order.contains(r["funnel"]! + "\t" + r["level"]!) { order.append(r["funnel"]! + "\t" + r["level"]!) }
        for key in order {
            let parts = key.split(separator: "\t").map(String.init)
            let steps = rows.filter { $0["funnel"] == parts[0] && $0["level"] == parts[1] }.map { r in
                ReportCharts.FunnelStep(page: r["page"] ?? "", reached: Int(r["reached"] ?? "") ?? 0, share: Double(r["share_of_first"] ?? "") ?? 0,
                                        dropped: Int(r["dropped"] ?? "") ?? 0, dropRate: Double(r["drop_rate"] ?? "") ?? 0,
                                        medianSeconds: Double(r["median_s_from_previous"] ?? ""),
                                        next: (1 ... 3).compactMap { k in r["next_\(k)"].flatMap { $0.isEmpty ? nil : ($0, Int(r["next_\(k)_n"] ?? "") ?? 0) } })
            }
            body += ReportCharts.funnel(name: parts[0], level: parts[1] == "session" ? "Sessions" : "Visitors", steps: steps)
        }
        if body.isEmpty { body = "<p class=\"muted\">No funnel: give one with --funnel, or a conversion page (--conversion) for a proposed one.</p>\n" }
        return section("funnels", "Funnels", intro: "Sessions (and visitors, across their sessions) that viewed each step in order, other pages allowed between; where those who dropped went next.", body)
    }

    func audienceSection() -> String {
        var body = ""
        for (dimension, title) in [("channel", "Entry channels"), ("device", "Devices"), ("visitor", "New and returning visitors"), ("browser", "Browsers"), ("os", "Operating systems")] {
            let part = table("audience", columns: ["value", "sessions", "share", "visitors", "bounce_rate", "engagement_rate", "median_duration_s", "conversions", "conversion_rate"],
                             limit: 12, rows: { $0["dimension"] == dimension }, minor: ["visitors", "engagement_rate", "median_duration_s", "conversions"])
            if part.contains("<table") { body += "<h3>\(h(title))</h3>\n" + part }
        }
        body += referrersTable()
        return section("audience", "Channels and devices", intro: "Where sessions came from and on what, with bounce, engagement (GA4: over 10 s, 2+ views or a conversion) and conversions.", body)
    }

    /// The sites whose links brought sessions in (the host of the entry referrer), with the channel of
    /// the first such session (a campaign landing from a site is a campaign).
    func referrersTable(limit: Int = 10) -> String {
        var count: [String: (sessions: Int, channel: EntryChannel)] = [:]
        for s in sessions {
            guard let r = s.entryReferrer, !r.isEmpty else { continue }
            let host = UsageGraph.domain(of: r)
            count[host, default: (0, EntryChannel(of: s))].sessions += 1
        }
        guard !count.isEmpty else { return "" }
        let top = count.sorted { $0.value.sessions != $1.value.sessions ? $0.value.sessions > $1.value.sessions : $0.key < $1.key }.prefix(limit)
        var out = "<h3>Referring sites</h3>\n<div class=\"scroll\"><table class=\"cards-on-phone\"><thead><tr><th>site</th><th>channel</th><th>sessions</th><th>share</th></tr></thead><tbody>"
        for (host, v) in top {
            out += "<tr><td data-label=\"site\">\(h(host))</td><td data-label=\"channel\">\(v.channel.rawValue)</td><td data-label=\"sessions\" class=\"n\">\(ReportFormat.grouped(v.sessions))</td>"
            out += "<td data-label=\"share\" class=\"n\">\(ReportFormat.percent(Double(v.sessions) / Double(max(sessions.count, 1))))</td></tr>"
        }
        return out + "</tbody></table></div>\n"
    }

    func errorsSection() -> String {
        let body = table("errors", columns: ["status", "page", "hits", "from_internal", "linked_from", "site_links_from", "broken_link"], limit: 30,
                         order: { ($0["broken_link"] ?? "", Int($0["hits"] ?? "") ?? 0) > ($1["broken_link"] ?? "", Int($1["hits"] ?? "") ?? 0) },
                         minor: ["from_internal", "site_links_from"], empty: "No request failed in this period.")
        return section("errors", "Errors and broken links", intro: "Pages that answered 4xx or 5xx (robots' requests left out), broken links to fix first (broken link 1: a page of the site links there).", body)
    }

    func anomaliesSection() -> String {
        var flagged: [String] = []
        if let t = TSVTable.read(directory + "/anomalies.tsv"), let scope = t.header.firstIndex(of: "scope") {
            for row in t.rows where scope < row.count && row[scope] == "site" { flagged.append(row[0]) }
        }
        var body = ""
        if summary.viewsByDay.count >= 2 {
            body += ReportCharts.bars(summary.viewsByDay.map { ($0.day, Double($0.views)) }, caption: "Page views by day; days with a site anomaly in red",
                                      xAxis: "day (\(calendar.name))", yAxis: "page views", format: { ReportFormat.grouped(Int($0.rounded())) }, highlight: Set(flagged))
        }
        body += table("anomalies", limit: 50, minor: ["baseline_days"], empty: "No anomaly in this period (a day is scored once two of the same weekday came before it).")
        return section("anomalies", "Anomalies", intro: "Days whose figures left their usual weekly pattern (the same weekday of the 4 weeks before): value, expected value and a robust z-score.", body)
    }

    func segmentsSection() -> String {
        let body = table("segments", columns: ["segment", "sessions", "share", "mean_pages", "description", "typical_paths", "conversion_rate", "conversion_lift"], limit: 12,
                         minor: ["mean_pages", "typical_paths", "conversion_lift"], empty: "No segments this time.")
        return section("segments", "Segments", intro: "Groups of sessions that navigate alike (a mixture of Markov chains), each with its typical paths and how it converts.", body)
    }

    func paths() -> String {
        let sequences = sessions.map { $0.views.filter { !$0.inferred }.map { name($0.page) } }.filter { !$0.isEmpty }
        var body = "<h3>Flow over the first three pages</h3>\n" + ReportCharts.flow(sequences)
        // Patterns worth reading: two pages or more, those ending on a conversion page first.
        let converting = conversionPages
        body += "<h3>Frequent navigation patterns</h3>\n" + table("patterns", columns: ["pattern", "support", "relative_support", "length"], limit: 25, filter: true,
            rows: { (Int($0["length"] ?? "") ?? 0) >= 2 },
            order: { a, b in
                let ca = converting.contains(String((a["pattern"] ?? "").split(separator: " ").last ?? "")), cb = converting.contains(String((b["pattern"] ?? "").split(separator: " ").last ?? ""))
                return ca != cb ? ca : (Int(a["support"] ?? "") ?? 0) > (Int(b["support"] ?? "") ?? 0)
            })
        body += "<details><summary>Single pages (the most viewed)</summary>\n" + table("patterns", columns: ["pattern", "support", "relative_support"], limit: 15, rows: { $0["length"] == "1" }) + "</details>\n"
        body += "<h3>Next-page rules, strongest first (at most 3 into the same page)</h3>\n" + table("rules", limit: 25, filter: true,
            rows: { (Double($0["lift"] ?? "") ?? 0) > 1.2 },
            order: { a, b in
                let ca = converting.contains(a["consequent"] ?? ""), cb = converting.contains(b["consequent"] ?? "")
                return ca != cb ? ca : (Double(a["lift"] ?? "") ?? 0) > (Double(b["lift"] ?? "") ?? 0)
            }, atMost: ("consequent", 3), minor: ["antecedent_support"])
        return section("paths", "Navigation paths", intro: "How visitors move: where they enter, go next and leave; the page sequences many sessions share (rules into a conversion page first, then by lift: how much more likely the next page is after the pages before).", body)
    }

    func linksSection() -> String {
        var body = "<h3>Shortcut suggestions</h3><p class=\"muted\">Detours many sessions took where the site has no direct link.</p>\n" + table("shortcuts", limit: 15, minor: ["mean_clicks"])
        body += "<h3>Links (almost) never followed</h3>\n" + table("unused_links", limit: 15, minor: ["follow_rate"])
        body += "<h3>Exit hot spots</h3>\n" + table("exits", limit: 15, minor: ["views"])
        body += "<h3>Pages by PageRank</h3>\n" + table("links", columns: ["page", "pagerank", "hub", "authority", "in_degree", "out_degree", "views", "reachable"], limit: 20,
                                                          minor: ["hub", "authority", "in_degree", "out_degree", "reachable"])
        let l = summary.links
        let intro = "Link graph from \(l.linkSource): \(ReportFormat.grouped(l.links)) links, \(ReportFormat.grouped(l.unreachable)) pages unreachable from the home page; usage graph of \(ReportFormat.grouped(l.rankedNodes)) pages and \(ReportFormat.grouped(l.rankedEdges)) transitions."
        return section("links", "Link structure", intro: intro, body)
    }

    func customers() -> String {
        let j = summary.join
        var body = "<div class=\"cards\"><div class=\"card\"><b>\(ReportFormat.grouped(j.registeredUsersSeen))</b><span>registered users seen (of \(ReportFormat.grouped(j.registeredUsers)))</span></div>"
        body += "<div class=\"card\"><b>\(ReportFormat.grouped(j.visitorsLinked))</b><span>visitors linked</span></div><div class=\"card\"><b>\(ReportFormat.grouped(j.sessionsLinked))</b><span>sessions linked</span></div></div>\n"
        if let e = summary.evaluation {
            let how = e.mode == "lookalike" ? "cross-validated: logged-in users against anonymous visitors" : "trained at \(ReportFormat.localTime(e.trainSnapshot, calendar)), tested on conversions after \(ReportFormat.localTime(e.testSnapshot, calendar))"
            let who = e.mode == "lookalike" ? "a registered user above an anonymous visitor" : "a future customer above a non-customer"
            body += "<p>How good the ranking is (\(h(how))): it puts \(who) <b>\(ReportFormat.percent(e.rocAUC))</b> of the time (ROC-AUC; 50% is chance). "
            body += "Of its top \(e.k), \(ReportFormat.percent(e.precisionAtK)) did convert; precision over all cut-offs (PR-AUC) \(ReportFormat.score(e.averagePrecision)) where chance gives \(ReportFormat.percent(Double(e.testPositives) / Double(max(e.testRows, 1)))). \(ReportFormat.grouped(e.testRows)) visitors tested, \(ReportFormat.grouped(e.testPositives)) converted.</p>\n"
            let bins = e.calibration.filter { $0.count > 0 }
            if !bins.isEmpty {
                body += "<details><summary>Calibration: predicted against observed conversion</summary><div class=\"scroll\"><table><thead><tr><th>predicted</th><th>observed</th><th>visitors</th></tr></thead><tbody>"
                for b in bins { body += "<tr><td class=\"n\">\(ReportFormat.percent(b.meanPredicted))</td><td class=\"n\">\(ReportFormat.percent(b.observedRate))</td><td class=\"n\">\(ReportFormat.grouped(b.count))</td></tr>" }
                body += "</tbody></table></div></details>\n"
            }
        } else {
            body += "<p class=\"muted\">No registered or logged-in users and no conversion pages: no prospects this time.</p>\n"
        }
        body += "<h3>Top prospects</h3>\n" + prospectsTable(limit: 25)
        return section("customers", "Potential customers", intro: "Visitors who have not registered, ranked by how much they behave like those who did, with the reasons in words.", body)
    }

    /// Prospects with a readable visitor: the address masked, the browser and OS family instead of the
    /// agent, times in the site's zone, and only the reasons that say something.
    func prospectsTable(limit: Int) -> String {
        guard let t = TSVTable.read(directory + "/prospects.tsv", rows: limit), !t.rows.isEmpty else { return "<p class=\"muted\">(none)</p>\n" }
        func col(_ row: [String], _ name: String) -> String { t.header.firstIndex(of: name).map { $0 < row.count ? row[$0] : "" } ?? "" }
        var out = "<div class=\"scroll\"><table class=\"sortable cards-on-phone\"><thead><tr><th>rank</th><th>visitor</th><th>score</th><th>sessions</th><th>first seen</th><th>last seen</th><th>why</th></tr></thead><tbody>\n"
        for row in t.rows {
            let visitor = readableVisitor(col(row, "visitor"))
            let reasons = col(row, "reasons").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.contains(" 0 days") && !$0.hasPrefix("0 ") }
            let first = ReportFormat.parseISO(col(row, "first_seen")).map { ReportFormat.localTime($0, calendar) } ?? col(row, "first_seen")
            let last = ReportFormat.parseISO(col(row, "last_seen")).map { ReportFormat.localTime($0, calendar) } ?? col(row, "last_seen")
            out += "<tr><td data-label=\"rank\" class=\"n\">\(h(col(row, "rank")))</td><td data-label=\"visitor\">\(h(visitor))</td>"
            out += "<td data-label=\"score\" class=\"n\">\(h(Double(col(row, "score")).map(ReportFormat.score) ?? ""))</td><td data-label=\"sessions\" class=\"n\">\(h(col(row, "sessions")))</td>"
            out += "<td data-label=\"first seen\">\(h(first))</td><td data-label=\"last seen\">\(h(last))</td><td data-label=\"why\">\(h(reasons.joined(separator: "; ")))</td></tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }

    /// "81.179.x.x · Safari on macOS" from an `ip ua` visitor key (a pseudonym stays as it is).
    func readableVisitor(_ key: String) -> String {
        guard !anonymize, let space = key.firstIndex(of: " ") else { return key }
        let address = String(key[..<space])
        let masked: String
        if address.contains(":") {
            masked = address.split(separator: ":", omittingEmptySubsequences: false).prefix(2).joined(separator: ":") + ":…"
        } else {
            let parts = address.split(separator: ".")
            masked = parts.count == 4 ? "\(parts[0]).\(parts[1]).x.x" : address
        }
        let agent = UserAgentClass(userAgent: String(key[key.index(after: space)...]))
        return "\(masked) · \(agent.browser.rawValue) on \(agent.os.rawValue), \(agent.device.rawValue)"
    }

    func dwellSection() -> String {
        var bins = [Double](repeating: 0, count: 9)
        let edges = [5, 10, 30, 60, 120, 300, 600, 1800]
        let labels = ["<5s", "5-10s", "10-30s", "30-60s", "1-2m", "2-5m", "5-10m", "10-30m", "30m+"]
        for s in sessions {
            for d in s.dwellMillis.compactMap({ $0 }) { bins[edges.firstIndex { Int(d / 1000) < $0 } ?? 8] += 1 }
        }
        var body = ReportCharts.bars(Array(zip(labels, bins)), caption: "Time on page of observed views (a session's last view is censored: its time is unknown)",
                                     xAxis: "time on page", yAxis: "views", format: { ReportFormat.grouped(Int($0.rounded())) })
        let r = dwell.report
        func sec(_ x: Double) -> String { ReportFormat.duration(x) }
        if r.modelMAE.isFinite && r.pageMedianMAE.isFinite {
            let better = r.modelMAE < r.pageMedianMAE
            let margin = abs(r.pageMedianMAE - r.modelMAE) / max(r.pageMedianMAE, 1e-9)
            body += "<p>Predicting how long a later view lasts: the model is off by \(sec(r.modelMAE)) on average, each page's median by \(sec(r.pageMedianMAE)), "
            body += "so the model is \(better ? "better by \(ReportFormat.percent(margin))" : "<b>worse</b> by \(ReportFormat.percent(margin))"); "
            body += "the one median of all pages is off by \(sec(r.globalMedianMAE)). Ranking views by how long they last (C-index, 50% is chance): model \(ReportFormat.percent(r.cIndex)), page median \(ReportFormat.percent(r.pageMedianCIndex)).</p>\n"
        }
        if let fallback = r.fallback { body += "<p>The model is not used: \(h(fallback)).</p>\n" }
        if r.weibullPages > 0 {
            body += "<p>On \(ReportFormat.percent(r.weibullShareShapeBelowOne)) of the \(r.weibullPages) pages with at least \(DwellAnalysis.minimumWeibullViews) observed views, most visitors leave quickly and the rest stay long (Weibull shape below 1, as on 98.5% of 205,873 URLs in Liu, White &amp; Dumais 2010).</p>\n"
        }
        if !r.suggestions.isEmpty {
            body += "<h3>To lengthen stays</h3>\n<ol>" + r.suggestions.prefix(5).map { "<li>\(h($0))</li>" }.joined() + "</ol>\n"
        }
        if !dwell.longest.isEmpty {
            body += "<p>Longest stays: " + dwell.longest.map { "\(h($0.page)) (\(sec($0.medianSeconds)))" }.joined(separator: ", ")
            body += ". Shortest: " + dwell.shortest.map { "\(h($0.page)) (\(sec($0.medianSeconds)))" }.joined(separator: ", ") + ".</p>\n"
        }
        body += "<h3>Time on page per page</h3>\n" + table("dwell", columns: ["page", "views", "median_dwell_s", "mean_dwell_s", "weibull_shape", "weibull_median_s", "exit_rate"], limit: 25)
        return section("dwell", "Dwell time", intro: "How long visitors stay on each page, and how well it can be predicted.", body)
    }

    static let css = """
        *{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2530;background:#f6f7f9}
        header{background:#1f3a5f;color:#fff;padding:16px 20px}header h1{margin:0 0 4px;font-size:1.4em;overflow-wrap:anywhere}header .muted{color:#c9d6e8}
        nav a{color:#fff;margin-right:12px;text-decoration:none;font-weight:600;display:inline-block}main{max-width:1100px;margin:0 auto;padding:8px 14px 40px}
        section{background:#fff;border-radius:8px;padding:14px 16px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-wrap:anywhere;min-width:0}
        h2{margin:0 0 4px;font-size:1.25em}h3{font-size:1.02em;margin:18px 0 6px}.muted{color:#5b6675;margin:0 0 8px}
        .switch{display:flex;gap:6px;flex-wrap:wrap;margin:6px 0 10px}.switch button{font:inherit;padding:5px 12px;border:1px solid #3b73b9;background:#fff;color:#1f3a5f;border-radius:16px;cursor:pointer}
        .switch button[aria-pressed=true]{background:#3b73b9;color:#fff}
        .cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:10px}.card{background:#eef3f9;border-radius:6px;padding:8px 12px;min-width:130px;flex:1 1 130px}
        .card b{display:block;font-size:1.3em}.card span{color:#5b6675;font-size:.9em;display:block}.card small{color:#5b6675;display:block}
        ul.findings{padding-left:20px;margin:6px 0}ul.findings li{margin:4px 0}ul.findings a{white-space:nowrap}
        .scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-size:.9em}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e7ec;overflow-wrap:anywhere;word-break:break-word;vertical-align:top}
        th{cursor:pointer;background:#f0f2f5;position:sticky;top:0;overflow-wrap:normal;word-break:normal}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        input.filter{margin:4px 0 8px;padding:6px 8px;width:100%;max-width:360px;border:1px solid #c5ccd6;border-radius:4px}
        figure.chart{margin:8px 0 14px}figure.chart figcaption{color:#5b6675;font-size:.85em}figure.chart svg{display:block;max-width:none}
        .bar{fill:#3b73b9}.bar.alert{fill:#c0392b}.axis{stroke:#5b6675}.grid{stroke:#e3e7ec}
        .xtick,.value{font-size:10px;text-anchor:middle;fill:#1d2530}.ytick{font-size:10px;text-anchor:end;fill:#5b6675}
        .axis-label{font-size:11px;text-anchor:middle;fill:#5b6675;color:#5b6675}.axis-label.start{text-anchor:start}
        .node{fill:#3b73b9}.node.exit{fill:#9aa5b1}.node.other{fill:#b5c7de}.label{font-size:12px;fill:#1d2530}
        .band{fill:none;stroke:#3b73b9;stroke-opacity:.22}.band.exit{stroke:#9aa5b1;stroke-opacity:.3}
        .funnel ol{list-style:none;padding:0;margin:6px 0}.fstep{position:relative;background:#f0f2f5;border-radius:4px;min-height:28px}
        .fbar{position:absolute;left:0;top:0;bottom:0;background:#b5cbe6;border-radius:4px}.ftext{position:relative;display:block;padding:4px 8px}
        .fdrop{color:#8a3b12;font-size:.9em;padding:3px 8px 8px}
        details{margin:8px 0}summary{cursor:pointer;color:#1f3a5f}
        @media (max-width:600px){body{font-size:14px}main{padding:4px 8px 30px}section{padding:10px}th,td{padding:3px 5px}
          table.cards-on-phone thead{display:none}table.cards-on-phone tr{display:block;border-bottom:1px solid #c5ccd6;padding:4px 0}
          table.cards-on-phone td{display:flex;gap:8px;border:0;padding:1px 4px;text-align:left;white-space:normal}
          table.cards-on-phone td::before{content:attr(data-label);flex:0 0 38%;color:#5b6675;font-size:.9em}
          table.cards-on-phone td.n{text-align:left}.minor{display:none}
          table.cards-on-phone:not(.expanded) tbody tr:nth-child(n+6){display:none}button.more{display:inline-block}}
        button.more{display:none;font:inherit;margin:4px 0 8px;padding:4px 10px;border:1px solid #3b73b9;background:#fff;color:#1f3a5f;border-radius:4px}
        """

    /// Sorting, filtering and the window switch: they reorder rows and set attributes, never write markup.
    static let script = """
        (function(){
          function key(td){if(!td)return '';var s=td.getAttribute('data-sort');if(s!==null)return parseFloat(s);return td.textContent.toLowerCase();}
          document.querySelectorAll('table.sortable').forEach(function(table){
            table.querySelectorAll('th').forEach(function(th,i){
              th.addEventListener('click',function(){
                var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);var asc=th.getAttribute('data-order')!=='asc';
                rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
                rows.forEach(function(r){body.appendChild(r);});th.setAttribute('data-order',asc?'asc':'desc');
              });
            });
          });
          document.querySelectorAll('input.filter').forEach(function(input){
            input.addEventListener('input',function(){
              var table=document.getElementById(input.getAttribute('data-table'));var q=input.value.toLowerCase();
              Array.prototype.forEach.call(table.tBodies[0].rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});
            });
          });
          document.querySelectorAll('button.more').forEach(function(button){
            button.addEventListener('click',function(){document.getElementById(button.getAttribute('data-table')).classList.add('expanded');button.style.display='none';});
          });
          document.querySelectorAll('.switch button').forEach(function(button){
            button.addEventListener('click',function(){
              var w=button.getAttribute('data-window');
              document.querySelectorAll('.switch button').forEach(function(b){b.setAttribute('aria-pressed',String(b===button));});
              document.querySelectorAll('.window-block').forEach(function(block){if(block.getAttribute('data-window')===w){block.removeAttribute('hidden');}else{block.setAttribute('hidden','');}});
            });
          });
          var data=JSON.parse(document.getElementById('data').textContent);
          document.documentElement.setAttribute('data-sessions',String(data.sessions));
        })();
        """
}
