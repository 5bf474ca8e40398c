/// report.html: one self-contained file (inline CSS, JS and SVG, nothing fetched when viewed),
/// readable on a phone. Every string that came from a log is HTML-escaped where it is written;
/// the page's script only sorts and filters existing rows (through textContent), and the figures it
/// embeds are JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped, so a crafted URL, referrer or user
/// agent renders as inert text.
public struct HTMLReport {
    let directory: String
    let summary: RunSummary
    let pageNames: ByteStringInterner
    let sessions: [Session]
    let anonymize: Bool
    let dwell: DwellAnalysis

    init(directory: String, summary: RunSummary, pageNames: ByteStringInterner, sessions: [Session], anonymize: Bool, dwell: DwellAnalysis) {
        self.directory = directory
        self.summary = summary
        self.pageNames = pageNames
        self.sessions = sessions
        self.anonymize = anonymize
        self.dwell = dwell
    }

    /// Text for HTML content and attribute values (the XML escaping of GraphML serves both).
    public static func escape(_ s: String) -> String { GraphExport.xmlEscape(s) }

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

    func name(_ id: Int32) -> String { String(decoding: pageNames.bytes(of: id), as: UTF8.self) }

    public func render() -> String {
        let h = Self.escape
        let s = summary
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(s.title))</title>
            <style>\(Self.css)</style></head>
            <body>
            <header><h1>\(h(s.title))</h1><p class="muted">\(h(isoTime(s.first))) to \(h(isoTime(s.last))) · generated \(h(s.generatedAt)) by weblog-miner</p>
            <nav><a href="#overview">Overview</a> <a href="#pages">Pages</a> <a href="#paths">Paths</a> <a href="#links">Links</a> <a href="#customers">Customers</a> <a href="#dwell">Dwell</a></nav></header>
            <main>

            """
        html += overview()
        html += section("pages", "Pages", intro: "Views, entries, exits, bounce and time on page. Click a column to sort.",
                        table("pages", columns: ["page", "views", "visitors", "entries", "exits", "exit_rate", "bounce_rate", "median_dwell_s", "top_next"], limit: 200, filter: true))
        html += paths()
        html += linksSection()
        html += customers()
        html += dwellSection()
        html += """
            </main>
            <script type="application/json" id="data">\(Self.scriptSafeJSON(s.json.trimmingSpaces))</script>
            <script>\(Self.script)</script>
            </body></html>

            """
        return html
    }

    func section(_ id: String, _ title: String, intro: String, _ body: String) -> String {
        "<section id=\"\(id)\"><h2>\(Self.escape(title))</h2><p class=\"muted\">\(Self.escape(intro))</p>\n\(body)</section>\n"
    }

    /// A table from one of the TSV results (escaped cell by cell), sortable, optionally filterable.
    func table(_ file: String, columns: [String]? = nil, limit: Int, filter: Bool = false) -> String {
        guard let t = TSVTable.read(directory + "/" + file + ".tsv", rows: limit) else { return "<p class=\"muted\">(no \(Self.escape(file)) results)</p>\n" }
        let wanted = (columns ?? t.header).compactMap { c in t.column(c).map { (c, $0) } }
        if t.rows.isEmpty { return "<p class=\"muted\">(none)</p>\n" }
        var out = filter ? "<input class=\"filter\" type=\"search\" placeholder=\"Filter rows\" data-table=\"t-\(file)\" aria-label=\"Filter \(Self.escape(file))\">\n" : ""
        out += "<div class=\"scroll\"><table class=\"sortable\" id=\"t-\(file)\"><thead><tr>"
        for (c, _) in wanted { out += "<th>\(Self.escape(c.replacingOccurrences("_", " ")))</th>" }
        out += "</tr></thead><tbody>\n"
        for row in t.rows.prefix(limit) {
            out += "<tr>"
            for (_, k) in wanted {
                let cell = k < row.count ? row[k] : ""
                let numeric = Double(cell) != nil
                out += numeric ? "<td class=\"n\">\(Self.escape(cell))</td>" : "<td>\(Self.escape(cell))</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody></table></div>\n"
        if t.totalRows > limit { out += "<p class=\"muted\">First \(limit) of \(t.totalRows) rows; all of them are in \(Self.escape(file)).tsv and results.sqlite.</p>\n" }
        return out
    }

    func overview() -> String {
        let s = summary
        func card(_ label: String, _ value: Int) -> String { "<div class=\"card\"><b>\(Self.grouped(value))</b><span>\(Self.escape(label))</span></div>" }
        var body = "<div class=\"cards\">" + card("hits read", s.hits) + card("page views", s.pageViews) + card("visitors", s.visitors)
        body += card("sessions", s.sessions) + card("pages", s.pages) + "</div>\n"
        let series = s.viewsByDay.count >= 2 ? s.viewsByDay.map { ($0.day, $0.views) } : (0 ..< 24).map { (String($0) + "h", s.viewsByHour[$0]) }
        body += "<h3>Page views by \(s.viewsByDay.count >= 2 ? "day" : "hour of day (UTC)")</h3>\n" + Self.barChart(series)
        if s.viewsByDay.count >= 2 { body += "<h3>Page views by hour of day (UTC)</h3>\n" + Self.barChart((0 ..< 24).map { (String($0) + "h", s.viewsByHour[$0]) }) }
        body += "<h3>Cleaning</h3><div class=\"scroll\"><table><tbody>"
        let labels = [("hits", "hits read"), ("dropped_static", "static resources"), ("dropped_status", "failed requests"), ("dropped_method", "HEAD/OPTIONS"),
                      ("robot_agent_hits", "robots by user agent"), ("robots_txt_hits", "robots.txt fetchers"), ("behaviour_hits", "robots by behaviour"),
                      ("late_hits", "later than the reorder window"), ("rejected_lines", "malformed lines")]
        for (key, label) in labels { body += "<tr><td>\(Self.escape(label))</td><td class=\"n\">\(Self.grouped(s.totals[key] ?? 0))</td></tr>" }
        body += "</tbody></table></div>\n"
        return section("overview", "Overview", intro: "What the logs held, and what cleaning removed before sessions were built.", body)
    }

    func paths() -> String {
        var body = "<h3>Flow from entry pages (top paths, first three pages)</h3>\n" + flowDiagram()
        body += "<h3>Frequent navigation patterns</h3>\n" + table("patterns", limit: 100, filter: true)
        body += "<h3>Next-page rules</h3>\n" + table("rules", limit: 100, filter: true)
        return section("paths", "Navigation paths", intro: "How visitors move: where they enter and go next, the page sequences many sessions share, and the rules that predict the next page.", body)
    }

    func linksSection() -> String {
        var body = "<h3>Pages by PageRank</h3>\n" + table("links", columns: ["page", "pagerank", "hub", "authority", "in_degree", "out_degree", "views", "reachable"], limit: 25)
        body += "<h3>Shortcut suggestions</h3><p class=\"muted\">Detours many sessions took where the site has no direct link.</p>\n" + table("shortcuts", limit: 30)
        body += "<h3>Links (almost) never followed</h3>\n" + table("unused_links", limit: 30)
        body += "<h3>Exit hot spots</h3>\n" + table("exits", limit: 20)
        let l = summary.links
        let intro = "Link graph from \(l.linkSource): \(l.links) links, \(l.unreachable) pages unreachable from the home page; usage graph of \(l.rankedNodes) pages and \(l.rankedEdges) transitions in \(l.components) strongly connected components."
        return section("links", "Link structure", intro: intro, body)
    }

    func customers() -> String {
        let j = summary.join
        var body = "<div class=\"cards\"><div class=\"card\"><b>\(Self.grouped(j.registeredUsersSeen))</b><span>registered users seen (of \(Self.grouped(j.registeredUsers)))</span></div>"
        body += "<div class=\"card\"><b>\(Self.grouped(j.visitorsLinked))</b><span>visitors linked</span></div><div class=\"card\"><b>\(Self.grouped(j.sessionsLinked))</b><span>sessions linked</span></div></div>\n"
        if let e = summary.evaluation {
            func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format4: x) }
            let how = e.mode == "lookalike" ? "cross-validated, logged-in users against anonymous visitors" : "trained at \(isoTime(e.trainSnapshot)), tested on later conversions at \(isoTime(e.testSnapshot))"
            body += "<p>Model quality (\(Self.escape(how))): ROC-AUC <b>\(f(e.rocAUC))</b>, PR-AUC \(f(e.averagePrecision)), precision at \(e.k) \(f(e.precisionAtK)); \(e.testRows) visitors, \(e.testPositives) converted.</p>\n"
            if !e.calibration.isEmpty {
                body += "<div class=\"scroll\"><table><thead><tr><th>predicted</th><th>observed</th><th>visitors</th></tr></thead><tbody>"
                for b in e.calibration where b.count > 0 { body += "<tr><td class=\"n\">\(f(b.meanPredicted))</td><td class=\"n\">\(f(b.observedRate))</td><td class=\"n\">\(b.count)</td></tr>" }
                body += "</tbody></table></div>\n"
            }
        } else {
            body += "<p class=\"muted\">No registered or logged-in users and no conversion pages: no prospects this time.</p>\n"
        }
        body += "<h3>Top prospects</h3>\n" + table("prospects", columns: ["rank", "visitor", "score", "sessions", "page_views", "last_seen", "reasons"], limit: 25)
        return section("customers", "Potential customers", intro: "Visitors who have not registered, ranked by how much they behave like those who did, with the reasons in words.", body)
    }

    func dwellSection() -> String {
        var bins = [Int](repeating: 0, count: 9)
        let edges = [5, 10, 30, 60, 120, 300, 600, 1800]
        let labels = ["<5s", "5-10s", "10-30s", "30-60s", "1-2m", "2-5m", "5-10m", "10-30m", "30m+"]
        for s in sessions {
            for d in s.dwellMillis.compactMap({ $0 }) {
                let sec = Int(d / 1000)
                bins[edges.firstIndex { sec < $0 } ?? 8] += 1
            }
        }
        var body = "<h3>Time on page (observed views; last views of sessions are censored)</h3>\n" + Self.barChart(Array(zip(labels, bins)))
        let r = dwell.report
        func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format4: (x * 10).rounded() / 10) }
        func c(_ x: Double) -> String { x.isNaN ? "n/a" : String(format4: (x * 1000).rounded() / 1000) }
        body += "<p>Predicting the dwell of later views: mean absolute error \(f(r.modelMAE)) s with the model, \(f(r.pageMedianMAE)) s with each page's median, \(f(r.pageWeibullMAE)) s with each page's Weibull median, \(f(r.globalMedianMAE)) s with the global median; C-index \(c(r.cIndex)) (page median \(c(r.pageMedianCIndex))).</p>\n"
        if let fallback = r.fallback { body += "<p>The model is not used: \(Self.escape(fallback)).</p>\n" }
        if r.weibullPages > 0 {
            body += "<p>Weibull shape below 1 on \(f(r.weibullShareShapeBelowOne * 100))% of the \(r.weibullPages) pages with at least \(DwellAnalysis.minimumWeibullViews) observed dwells (Liu, White &amp; Dumais 2010: 98.5% of 205,873 URLs); \(r.weibullPagesTooFew) pages with fewer have no fit.</p>\n"
        }
        if !r.suggestions.isEmpty {
            body += "<h3>To lengthen stays</h3>\n<ol>" + r.suggestions.prefix(5).map { "<li>\(Self.escape($0))</li>" }.joined() + "</ol>\n"
        }
        if !dwell.longest.isEmpty {
            body += "<p>Longest stays: " + dwell.longest.map { "\(Self.escape($0.page)) (\(f($0.medianSeconds)) s)" }.joined(separator: ", ")
            body += ". Shortest: " + dwell.shortest.map { "\(Self.escape($0.page)) (\(f($0.medianSeconds)) s)" }.joined(separator: ", ") + ".</p>\n"
        }
        body += "<h3>Weibull fits per page</h3>\n" + table("dwell", limit: 40)
        return section("dwell", "Dwell time", intro: "How long visitors stay on each page. A Weibull shape below 1 means most leave quickly while the rest stay long.", body)
    }

    /// Columns of entry page -> second page -> third page, boxes sized by sessions.
    func flowDiagram() -> String {
        var first: [Int32: Int] = [:], second: [UInt64: Int] = [:], third: [String: Int] = [:]
        for s in sessions {
            let p = s.views.filter { !$0.inferred }.map(\.page)
            guard let a = p.first else { continue }
            first[a, default: 0] += 1
            if p.count > 1 { second[UsageGraph.pair(a, p[1]), default: 0] += 1 }
            if p.count > 2 { third["\(a) \(p[1]) \(p[2])", default: 0] += 1 }
        }
        let entries = first.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
        guard !entries.isEmpty else { return "<p class=\"muted\">(no sessions)</p>" }
        let total = Double(entries.reduce(0) { $0 + $1.value })
        let width = 900.0, columnX = [10.0, 330.0, 650.0], boxWidth = 230.0, height = 420.0
        var svg = "<div class=\"scroll\"><svg class=\"flow\" viewBox=\"0 0 \(Int(width)) \(Int(height) + 20)\" role=\"img\" aria-label=\"Flow of sessions from their entry pages\">"
        var y0 = 10.0
        var y1 = 10.0
        var y2 = 10.0
        for (a, n) in entries {
            let h0 = max(14, height * 0.8 * Double(n) / total)
            svg += box(columnX[0], y0, boxWidth, h0, name(a), n)
            let nexts = second.filter { Int32(bitPattern: UInt32($0.key >> 32)) == a }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(2)
            var yy = y0
            for (key, m) in nexts {
                let b = Int32(bitPattern: UInt32(key & 0xFFFF_FFFF))
                let h1 = max(12, h0 * Double(m) / Double(n))
                svg += link(columnX[0] + boxWidth, yy + h1 / 2, columnX[1], y1 + h1 / 2, thickness: h1)
                yy += h1
                svg += box(columnX[1], y1, boxWidth, h1, name(b), m)
                let thirds = third.filter { $0.key.hasPrefix("\(a) \(b) ") }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(1)
                for (k3, c3) in thirds {
                    let cId = Int32(k3.split(separator: " ")[2])!
                    let h2 = max(10, h1 * Double(c3) / Double(m))
                    svg += link(columnX[1] + boxWidth, y1 + h2 / 2, columnX[2], y2 + h2 / 2, thickness: h2)
                    svg += box(columnX[2], y2, boxWidth, h2, name(cId), c3)
                    y2 += max(h2, 14) + 6
                }
                y1 += max(h1, 14) + 6
            }
            y0 += max(h0, yy - y0) + 10
        }
        svg += "</svg></div>\n"
        let finalHeight = Int(max(y0, y1, y2)) + 10
        return svg.replacingOccurrences("viewBox=\"0 0 \(Int(width)) \(Int(height) + 20)\"", "width=\"\(Int(width))\" height=\"\(finalHeight)\" viewBox=\"0 0 \(Int(width)) \(finalHeight)\"")
    }

    func box(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ label: String, _ n: Int) -> String {
        let short = label.count > 34 ? String(label.prefix(33)) + "…" : label
        return "<g><title>\(Self.escape(label)): \(n) sessions</title><rect x=\"\(Int(x))\" y=\"\(Int(y))\" width=\"\(Int(w))\" height=\"\(Int(max(h, 12)))\" rx=\"3\" class=\"node\"/>"
            + "<text x=\"\(Int(x) + 6)\" y=\"\(Int(y) + 12)\" class=\"label\">\(Self.escape(short)) (\(n))</text></g>"
    }

    func link(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, thickness: Double) -> String {
        let mid = (x0 + x1) / 2
        return "<path d=\"M\(Int(x0)),\(Int(y0)) C\(Int(mid)),\(Int(y0)) \(Int(mid)),\(Int(y1)) \(Int(x1)),\(Int(y1))\" class=\"edge\" stroke-width=\"\(Int(max(2, thickness)))\"/>"
    }

    static func barChart(_ values: [(String, Int)]) -> String {
        let maxValue = max(1, values.map(\.1).max() ?? 1)
        let barWidth = 28, gap = 6, height = 160
        let width = values.count * (barWidth + gap) + 10
        // Natural size (scaled down, never up): a two-day chart must not fill the page.
        var svg = "<div class=\"scroll\"><svg class=\"chart\" width=\"\(width)\" height=\"\(height + 40)\" viewBox=\"0 0 \(width) \(height + 40)\" role=\"img\" aria-label=\"bar chart\">"
        for (k, (label, v)) in values.enumerated() {
            let h = Int(Double(height) * Double(v) / Double(maxValue))
            let x = 5 + k * (barWidth + gap)
            svg += "<g><title>\(escape(label)): \(v)</title><rect x=\"\(x)\" y=\"\(height - h + 10)\" width=\"\(barWidth)\" height=\"\(h)\" class=\"bar\"/>"
            svg += "<text x=\"\(x + barWidth / 2)\" y=\"\(height + 24)\" class=\"tick\">\(escape(label.count > 5 ? String(label.suffix(5)) : label))</text></g>"
        }
        return svg + "</svg></div>\n"
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    static let css = """
        *{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2530;background:#f6f7f9}
        header{background:#1f3a5f;color:#fff;padding:16px 20px}header h1{margin:0 0 4px;font-size:1.4em}header .muted{color:#c9d6e8}
        nav a{color:#fff;margin-right:12px;text-decoration:none;font-weight:600}main{max-width:1100px;margin:0 auto;padding:8px 14px 40px}
        section{background:#fff;border-radius:8px;padding:14px 16px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        h2{margin:0 0 4px;font-size:1.25em}h3{font-size:1.02em;margin:18px 0 6px}.muted{color:#5b6675;margin:0 0 8px}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#eef3f9;border-radius:6px;padding:8px 12px;min-width:120px;flex:1 1 120px}
        .card b{display:block;font-size:1.3em}.card span{color:#5b6675;font-size:.9em}
        .scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-size:.9em}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e7ec;overflow-wrap:anywhere;word-break:break-word;vertical-align:top}
        th{cursor:pointer;background:#f0f2f5;position:sticky;top:0;white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        input.filter{margin:4px 0 8px;padding:6px 8px;width:100%;max-width:360px;border:1px solid #c5ccd6;border-radius:4px}
        svg{max-width:100%;height:auto;display:block}.bar{fill:#3b73b9}.tick{font-size:10px;text-anchor:middle;fill:#5b6675}
        .node{fill:#dbe7f5;stroke:#3b73b9}.label{font-size:11px;fill:#1d2530}.edge{fill:none;stroke:#3b73b9;stroke-opacity:.25}
        @media (max-width:600px){body{font-size:14px}th,td{padding:3px 5px}}
        """

    /// Sorting and filtering only: they read and reorder existing rows, never write markup.
    static let script = """
        (function(){
          function key(td){var t=td?td.textContent:'';var n=parseFloat(t);return isNaN(n)||!/^-?[0-9.e+-]+$/.test(t)?t.toLowerCase():n;}
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
          var data=JSON.parse(document.getElementById('data').textContent);
          document.documentElement.setAttribute('data-sessions',String(data.sessions));
        })();
        """
}
