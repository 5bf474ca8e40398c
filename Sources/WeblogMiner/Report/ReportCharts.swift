/// The report's charts: inline SVG (or HTML bars) with axes, axis titles and value labels where they
/// fit, each in a `<figure class="chart">` whose caption and `aria-label` carry the figures as text.
/// Drawn at their natural size inside a box that scrolls sideways on a narrow screen, so labels stay
/// readable instead of shrinking with the page. Every label from a log is escaped here.
enum ReportCharts {
    static let h = HTMLReport.escape

    /// Vertical bars, one per label; `highlight`: labels drawn in the alert colour (flagged days).
    static func bars(_ values: [(label: String, value: Double)], caption: String, xAxis: String, yAxis: String,
                     format: (Double) -> String, highlight: Set<String> = []) -> String {
        guard !values.isEmpty else { return "<p class=\"muted\">(no data)</p>\n" }
        let maxValue = max(values.map(\.value).max() ?? 0, 1e-9)
        let n = values.count
        let longest = values.map(\.label.count).max() ?? 1
        // Few bars are as wide as their labels; many are thinner, with every k-th label.
        let gap = 6, bar = n <= 8 ? max(40, Int(Double(longest) * 6.4)) : n <= 16 ? 30 : n <= 31 ? 24 : 12
        let left = 64, top = 20, plot = 170, bottom = 52
        let width = left + n * (bar + gap) + 12, height = top + plot + bottom
        let every = max(1, Int((Double(longest) * 6.4 + 4) / Double(bar + gap)) + 1)
        let text = values.prefix(40).map { "\($0.label): \(format($0.value))" }.joined(separator: "; ") + (n > 40 ? "; ..." : "")
        var svg = "<figure class=\"chart\"><div class=\"scroll\"><svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(h(caption)): \(h(text))\">"
        // Axes with three ticks (0, half, max) and their titles.
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plot)\" class=\"axis\"/><line x1=\"\(left)\" y1=\"\(top + plot)\" x2=\"\(width - 6)\" y2=\"\(top + plot)\" class=\"axis\"/>"
        for f in [0.0, 0.5, 1.0] {
            let y = top + plot - Int(Double(plot) * f)
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" class=\"ytick\">\(h(format(maxValue * f)))</text>"
            if f > 0 { svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 6)\" y2=\"\(y)\" class=\"grid\"/>" }
        }
        svg += "<text x=\"12\" y=\"\(top + plot / 2)\" class=\"axis-label\" transform=\"rotate(-90 12 \(top + plot / 2))\">\(h(yAxis))</text>"
        svg += "<text x=\"\(left + (width - left) / 2)\" y=\"\(height - 6)\" class=\"axis-label\">\(h(xAxis))</text>"
        for (k, (label, v)) in values.enumerated() {
            let barHeight = Int(Double(plot) * v / maxValue)
            let x = left + 4 + k * (bar + gap)
            let cls = highlight.contains(label) ? "bar alert" : "bar"
            svg += "<g><title>\(h(label)): \(h(format(v)))</title><rect x=\"\(x)\" y=\"\(top + plot - barHeight)\" width=\"\(bar)\" height=\"\(barHeight)\" class=\"\(cls)\"/>"
            if bar >= 24 { svg += "<text x=\"\(x + bar / 2)\" y=\"\(top + plot - barHeight - 4)\" class=\"value\">\(h(format(v)))</text>" }
            if k % every == 0 { svg += "<text x=\"\(x + bar / 2)\" y=\"\(top + plot + 16)\" class=\"xtick\">\(h(label))</text>" }
            svg += "</g>"
        }
        svg += "</svg></div><figcaption>\(h(caption))</figcaption></figure>\n"
        return svg
    }

    /// One funnel: a bar per step as wide as the sessions reaching it, with the drop-off and where
    /// those who dropped went next.
    struct FunnelStep {
        var page: String
        var reached: Int
        var share: Double
        var dropped: Int
        var dropRate: Double
        var medianSeconds: Double?
        var next: [(page: String, count: Int)]
    }

    static func funnel(name: String, level: String, steps: [FunnelStep]) -> String {
        guard let first = steps.first, first.reached > 0 else { return "" }
        var out = "<figure class=\"chart funnel\"><div class=\"axis-label\">\(h(level)) reaching each step of \u{201C}\(h(name))\u{201D} (bar: share of step 1)</div><ol>"
        for (k, s) in steps.enumerated() {
            let width = max(1.0, (s.share * 100).rounded())
            out += "<li><div class=\"fstep\"><span class=\"fbar\" style=\"width:\(Int(width))%\"></span><span class=\"ftext\"><b>\(k + 1). \(h(s.page))</b> \(ReportFormat.grouped(s.reached)) (\(ReportFormat.percent(s.share)))"
            if k > 0, let m = s.medianSeconds { out += " · \(ReportFormat.duration(m)) from the step before" }
            out += "</span></div>"
            if k < steps.count - 1 && s.dropped > 0 {
                let next = s.next.map { "\(h($0.page)) \(ReportFormat.grouped($0.count))" }.joined(separator: ", ")
                out += "<div class=\"fdrop\">\u{2193} \(ReportFormat.grouped(s.dropped)) dropped (\(ReportFormat.percent(s.dropRate)))\(next.isEmpty ? "" : "; went to " + next)</div>"
            }
            out += "</li>"
        }
        return out + "</ol><figcaption>Funnel \(h(name)), \(h(level)) level</figcaption></figure>\n"
    }

    /// Paths as a flow: for each of the first `steps` views of a session a column of the busiest pages
    /// there (each page once per column), with "other" for the rest and "(exit)" for sessions that
    /// ended; bands as wide as the sessions that went from one node to the next.
    static func flow(_ sessions: [[String]], steps: Int = 3, perColumn: Int = 6) -> String {
        guard !sessions.isEmpty else { return "<p class=\"muted\">(no sessions)</p>\n" }
        let other = "(other pages)", exit = "(exit)"
        // Node names per column: top pages, then other, then exit.
        var columns: [[String]] = []
        var labelOf: [[String]] = []   // per session, its node in each column
        for c in 0 ..< steps {
            var counts: [String: Int] = [:]
            for s in sessions where s.count > c { counts[s[c], default: 0] += 1 }
            let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(perColumn).map(\.key)
            columns.append(top)
        }
        for s in sessions {
            var path: [String] = []
            for c in 0 ..< steps {
                if s.count > c { path.append(columns[c].contains(s[c]) ? s[c] : other) } else { path.append(exit); break }
            }
            labelOf.append(path)
        }
        var nodeCount: [[String: Int]] = Array(repeating: [:], count: steps)
        var bandCount: [[String: Int]] = Array(repeating: [:], count: steps)   // "a\u{1}b" from column c to c + 1
        for path in labelOf {
            for (c, node) in path.enumerated() { nodeCount[c][node, default: 0] += 1 }
            for c in 0 ..< path.count - 1 { bandCount[c][path[c] + "\u{1}" + path[c + 1], default: 0] += 1 }
        }
        for c in 0 ..< steps {
            columns[c] = columns[c].filter { nodeCount[c][$0] != nil }
            if nodeCount[c][other] != nil { columns[c].append(other) }
            if nodeCount[c][exit] != nil { columns[c].append(exit) }
        }
        let total = Double(sessions.count)
        let columnX = [16.0, 356.0, 696.0], nodeWidth = 14.0, plot = 420.0, gap = 8.0, top = 28.0
        let width = 1000
        var y: [[String: Double]] = Array(repeating: [:], count: steps)
        var heightOf: [[String: Double]] = Array(repeating: [:], count: steps)
        var bottom = 0.0
        for c in 0 ..< steps {
            var at = top
            for node in columns[c] {
                let hgt = max(3, plot * Double(nodeCount[c][node]!) / total)
                y[c][node] = at
                heightOf[c][node] = hgt
                at += hgt + gap
            }
            bottom = max(bottom, at)
        }
        let height = Int(bottom) + 10
        var summary: [String] = []
        var svg = "<figure class=\"chart\"><div class=\"scroll\"><svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"Flow of \(ReportFormat.grouped(sessions.count)) sessions over their first \(steps) page views\">"
        for c in 0 ..< steps {
            svg += "<text x=\"\(Int(columnX[c]))\" y=\"16\" class=\"axis-label start\">\(c == 0 ? "entry page" : c == 1 ? "2nd page" : "\(c + 1)rd page")</text>"
        }
        // Bands, stacked in node order at both ends.
        for c in 0 ..< steps - 1 {
            var outAt = y[c], inAt = y[c + 1]
            let bands = bandCount[c].map { (key: $0.key.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init), n: $0.value) }
                .sorted { (columns[c].firstIndex(of: $0.key[0])!, columns[c + 1].firstIndex(of: $0.key[1])!) < (columns[c].firstIndex(of: $1.key[0])!, columns[c + 1].firstIndex(of: $1.key[1])!) }
            for band in bands {
                let (a, b) = (band.key[0], band.key[1])
                let t = max(1, plot * Double(band.n) / total)
                let y0 = outAt[a]!, y1 = inAt[b]!
                outAt[a]! += t
                inAt[b]! += t
                let x0 = columnX[c] + nodeWidth, x1 = columnX[c + 1], mid = (x0 + x1) / 2
                let cls = b == exit ? "band exit" : "band"
                svg += "<path d=\"M\(Int(x0)),\(y0 + t / 2) C\(Int(mid)),\(y0 + t / 2) \(Int(mid)),\(y1 + t / 2) \(Int(x1)),\(y1 + t / 2)\" class=\"\(cls)\" stroke-width=\"\(String(format: "%.1f", t))\"><title>\(h(a)) \u{2192} \(h(b)): \(ReportFormat.grouped(band.n)) sessions</title></path>"
            }
        }
        for c in 0 ..< steps {
            for node in columns[c] {
                let n = nodeCount[c][node]!
                let (ny, nh) = (y[c][node]!, heightOf[c][node]!)
                let cls = node == exit ? "node exit" : node == other ? "node other" : "node"
                let short = node.count > 36 ? String(node.prefix(35)) + "\u{2026}" : node
                svg += "<g><title>\(h(node)): \(ReportFormat.grouped(n)) sessions</title><rect x=\"\(Int(columnX[c]))\" y=\"\(Int(ny))\" width=\"\(Int(nodeWidth))\" height=\"\(Int(nh))\" class=\"\(cls)\"/>"
                svg += "<text x=\"\(Int(columnX[c] + nodeWidth + 4))\" y=\"\(Int(ny + min(nh, 24) / 2 + 4))\" class=\"label\">\(h(short)) \(ReportFormat.grouped(n))</text></g>"
                if c == 0 { summary.append("\(node) \(ReportFormat.grouped(n))") }
            }
        }
        svg += "</svg></div><figcaption>Sessions by their first \(steps) pages: entries \(h(summary.joined(separator: ", "))); grey bands end the visit</figcaption></figure>\n"
        return svg
    }
}
