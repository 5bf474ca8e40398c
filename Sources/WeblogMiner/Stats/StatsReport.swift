/// Renders `stats` as text for people or JSON for scripts.
public struct StatsReport {
    public let stats: LogStats
    public let ingest: IngestReport
    public var top = 10

    public init(stats: LogStats, ingest: IngestReport, top: Int = 10) {
        self.stats = stats
        self.ingest = ingest
        self.top = top
    }

    private func iso(_ millis: Int64) -> String { isoTime(millis) }

    public var text: String {
        var out = ""
        out += "lines        \(formatCount(ingest.lines))\n"
        out += "records      \(formatCount(stats.records))\n"
        out += "rejected     \(formatCount(ingest.rejected))"
        if ingest.rejected > 0 {
            out += " (" + ingest.rejects.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ") + ")"
        }
        out += "\n"
        if stats.records > 0 {
            out += "first        \(iso(stats.firstTime))\n"
            out += "last         \(iso(stats.lastTime))\n"
            let hours = Double(stats.lastTime - stats.firstTime) / 3_600_000
            out += "span         \(String(format2: hours)) hours\n"
        }
        out += "clients      \(formatCount(stats.distinctClients)) distinct\n"
        out += "bytes        \(formatCount(Int(stats.totalBytes)))\n"
        out += "out of order \(formatCount(stats.backwardSteps)) lines earlier than the line before\n"
        out += "statuses    " + stats.topStatuses(top).map { " \($0.status) \(formatCount($0.count))" }.joined(separator: ",") + "\n"
        out += "methods     " + stats.topMethods(top).map { " \($0.method) \(formatCount($0.count))" }.joined(separator: ",") + "\n"
        if ingest.files.count > 1 || ingest.files.contains(where: { !$0.outcome.isComplete }) {
            for f in ingest.files {
                out += "file         \(f.name): \(f.format ?? "-"), \(formatCount(f.lines)) lines, \(formatCount(f.records)) records, \(formatCount(f.rejected)) rejected"
                if let w = f.outcome.warning(for: f.name) { out += " [\(w)]" }
                if let e = f.openError { out += " [\(e)]" }
                out += "\n"
            }
        }
        return out
    }

    public var json: String {
        var fields: [(String, String)] = [
            ("lines", "\(ingest.lines)"),
            ("records", "\(stats.records)"),
            ("rejected", "\(ingest.rejected)"),
            ("rejects_by_reason", "{" + ingest.rejects.sorted { $0.key < $1.key }.map { "\"\($0.key.rawValue)\":\($0.value)" }.joined(separator: ",") + "}"),
            ("first_time", stats.records > 0 ? "\"\(iso(stats.firstTime))\"" : "null"),
            ("last_time", stats.records > 0 ? "\"\(iso(stats.lastTime))\"" : "null"),
            ("distinct_clients", "\(stats.distinctClients)"),
            ("bytes", "\(stats.totalBytes)"),
            ("out_of_order", "\(stats.backwardSteps)"),
            ("statuses", "{" + stats.topStatuses(top).map { "\"\($0.status)\":\($0.count)" }.joined(separator: ",") + "}"),
            ("methods", "{" + stats.topMethods(top).map { "\(jsonQuote($0.method)):\($0.count)" }.joined(separator: ",") + "}"),
        ]
        let files = ingest.files.map { f in
            "{\"file\":\(jsonQuote(f.name)),\"format\":\(f.format.map(jsonQuote) ?? "null"),\"lines\":\(f.lines),\"records\":\(f.records),\"rejected\":\(f.rejected),\"complete\":\(f.outcome.isComplete && f.openError == nil)}"
        }
        fields.append(("files", "[" + files.joined(separator: ",") + "]"))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
    }
}

/// A JSON string literal for short texts built outside the hot path.
public func jsonQuote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 {
                out += "\\u00" + String(u.value, radix: 16).leftPadded(2)
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
