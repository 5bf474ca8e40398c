/// `--output` of `sessions`.
public enum SessionOutputFormat: String, CaseIterable, Sendable {
    /// One session per line with a header row.
    case tsv
    /// One JSON object per session, pages and dwell times as arrays.
    case jsonl
    /// Page names only, space-separated, one session per line (input for pattern miners).
    case seq
    /// SPMF sequence format (`1 -1 2 -1 -2`) with an `@ITEM=id=page` dictionary, for SPMF and friends.
    case spmf
}

/// Writes sessions in one of the formats above. SPMF needs its dictionary first, so its sequences are
/// kept in a temporary file until the end.
public final class SessionWriter {
    public static let columns: [(name: String, meaning: String)] = [
        ("session_id", "sequential number, in order of session start"),
        ("visitor", "visitor key (client and user agent by default)"),
        ("start", "time of the first view, ISO 8601 UTC"),
        ("end", "time of the last view"),
        ("duration_s", "end - start in seconds (0 for one-view sessions)"),
        ("views", "page views logged (inferred back-steps not counted)"),
        ("entry_page", "first page"),
        ("exit_page", "last page"),
        ("entry_referrer", "external referrer of the first view, if any"),
        ("pages", "the page sequence, space-separated (spaces inside names as %20)"),
        ("dwell_s", "seconds on each page, to the next view; '-' where not observed (the last view is censored)"),
        ("inferred", "1 for back-steps inserted by --path-completion, else 0, per page"),
    ]

    private let format: SessionOutputFormat
    private let out: OutputStream
    private var scratch: [UInt8] = []
    private var spmfBody: OutputStream?
    private var spmfPath: String?
    private var spmfItems: [Int32: Int] = [:]
    private var spmfOrder: [Int32] = []

    public init(format: SessionOutputFormat, to out: OutputStream) throws(OutputError) {
        self.format = format
        self.out = out
        switch format {
        case .tsv: try out.write(Self.columns.map(\.name).joined(separator: "\t") + "\n")
        case .spmf:
            let path = "/tmp/.weblog-miner-spmf-\(getpid()).tmp"
            spmfPath = path
            spmfBody = try OutputStream.open(path)
        default: break
        }
    }

    /// A page name as one token of a space-separated sequence: spaces become %20, TSV specials escaped.
    private func appendToken(_ id: Int32, pages: ByteStringInterner, to line: inout [UInt8]) {
        ByteText.tsv(pages.bytes(of: id), &line, spaceAsPercent: true)
    }

    private func sequence(_ s: Session, pages: ByteStringInterner) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(s.views.count * 24)
        for (k, v) in s.views.enumerated() {
            if k > 0 { line.append(32) }
            appendToken(v.page, pages: pages, to: &line)
        }
        return line
    }

    public func write(_ s: Session, pages: ByteStringInterner) throws(OutputError) {
        func name(_ id: Int32) -> String { String(decoding: pages.bytes(of: id), as: UTF8.self) }
        let dwell = s.dwellMillis
        switch format {
        case .seq:
            try out.write(sequence(s, pages: pages) + [10])
        case .spmf:
            var line = ""
            for v in s.views {
                let item: Int
                if let known = spmfItems[v.page] {
                    item = known
                } else {
                    item = spmfItems.count + 1
                    spmfItems[v.page] = item
                    spmfOrder.append(v.page)
                }
                line += "\(item) -1 "
            }
            try spmfBody!.write(line + "-2\n")
        case .tsv:
            // Built as bytes in a reused buffer: this runs once per session on the ordered thread.
            var line = scratch
            line.removeAll(keepingCapacity: true)
            defer { scratch = line }
            func field<C: Collection<UInt8>>(_ bytes: C) {
                ByteText.tsv(bytes, &line)
                line.append(9)
            }
            ByteText.int(Int64(s.id), &line)
            line.append(9)
            field(s.visitor)
            ByteText.iso(s.start, &line)
            line.append(9)
            ByteText.iso(s.end, &line)
            line.append(9)
            ByteText.seconds(s.end - s.start, &line)
            line.append(9)
            ByteText.int(Int64(s.observedViews), &line)
            line.append(9)
            field(pages.bytes(of: s.views.first!.page))
            field(pages.bytes(of: s.views.last!.page))
            field(s.entryReferrer ?? [])
            for (k, v) in s.views.enumerated() {
                if k > 0 { line.append(32) }
                appendToken(v.page, pages: pages, to: &line)
            }
            line.append(9)
            for (k, d) in dwell.enumerated() {
                if k > 0 { line.append(32) }
                if let d { ByteText.seconds(d, &line) } else { line.append(45) }
            }
            line.append(9)
            for (k, v) in s.views.enumerated() {
                if k > 0 { line.append(32) }
                line.append(v.inferred ? 49 : 48)
            }
            line.append(10)
            try out.write(line)
        case .jsonl:
            var o = "{\"session_id\":\(s.id),\"visitor\":\(jsonQuote(String(decoding: s.visitor, as: UTF8.self)))"
            o += ",\"start\":\"\(isoTime(s.start))\",\"end\":\"\(isoTime(s.end))\",\"duration_s\":\(seconds(s.end - s.start))"
            o += ",\"views\":\(s.observedViews),\"entry_page\":\(jsonQuote(name(s.views.first!.page))),\"exit_page\":\(jsonQuote(name(s.views.last!.page)))"
            o += ",\"entry_referrer\":" + (s.entryReferrer.map { jsonQuote(String(decoding: $0, as: UTF8.self)) } ?? "null")
            o += ",\"pages\":[" + s.views.map { jsonQuote(name($0.page)) }.joined(separator: ",") + "]"
            o += ",\"dwell_s\":[" + dwell.map { $0.map(seconds) ?? "null" }.joined(separator: ",") + "]"
            o += ",\"inferred\":[" + s.views.map { $0.inferred ? "true" : "false" }.joined(separator: ",") + "]}\n"
            try out.write(o)
        }
    }

    /// Completes the output (SPMF: dictionary, then the sequences).
    public func finish(pages: ByteStringInterner) throws(OutputError) {
        if format == .spmf, let body = spmfBody, let path = spmfPath {
            try body.commit()
            try out.write("@CONVERTED_FROM_TEXT\n")
            for (k, page) in spmfOrder.enumerated() {
                try out.write("@ITEM=\(k + 1)=\(String(decoding: pages.bytes(of: page), as: UTF8.self).replacingOccurrences("\n", " "))\n")
            }
            let fd = open(path, O_RDONLY)
            if fd >= 0 {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    try out.write(Array(buffer[0 ..< n]))
                }
                close(fd)
            }
            unlink(path)
        }
        try out.commit()
    }
}

/// Seconds with up to three decimals, trailing zeros dropped (`12`, `0.5`).
func seconds(_ millis: Int64) -> String {
    var bytes: [UInt8] = []
    ByteText.seconds(millis, &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

public func isoTime(_ millis: Int64) -> String {
    var bytes: [UInt8] = []
    ByteText.iso(millis, &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

func tsvEscape(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\\" || $0 == "\r" }) else { return s }
    var out = ""
    for u in s.unicodeScalars {
        switch u {
        case "\t": out += "\\t"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\\": out += "\\\\"
        default: out.unicodeScalars.append(u)
        }
    }
    return out
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard contains(target) else { return self }
        return components(separatedByString: target).joined(separator: replacement)
    }

    func components(separatedByString separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: separator) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

/// Numbers and times appended as bytes (no String per value).
enum ByteText {
    /// A TSV value: tab, newline, carriage return and backslash escaped (and spaces as %20 for tokens
    /// of a space-separated sequence).
    static func tsv<C: Collection<UInt8>>(_ bytes: C, _ out: inout [UInt8], spaceAsPercent: Bool = false) {
        // Most values need no escape: check, then copy them in one go.
        let plain = bytes.withContiguousStorageIfAvailable { b in
            for c in b where c == 9 || c == 10 || c == 13 || c == 92 || (c == 32 && spaceAsPercent) { return false }
            return true
        }
        if plain == true {
            out.append(contentsOf: bytes)
            return
        }
        for b in bytes {
            switch b {
            case 32 where spaceAsPercent: out += [37, 50, 48]
            case 9: out += [92, 116]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            case 92: out += [92, 92]
            default: out.append(b)
            }
        }
    }

    static func int(_ value: Int64, _ out: inout [UInt8]) {
        if value < 0 { out.append(45) }
        var v = value.magnitude
        // Digits right to left into a stack buffer, then one append (not one per digit).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(48 + v % 10)
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at...]))
        }
    }

    /// Same text as `seconds(_:)`: whole seconds, or up to three decimals without trailing zeros.
    static func seconds(_ millis: Int64, _ out: inout [UInt8]) {
        if millis < 0 && millis > -1000 { out.append(45) }
        int(millis / 1000, &out)
        var frac = Int(abs(millis % 1000))
        guard frac != 0 else { return }
        out.append(46)
        var digits = 3
        while frac % 10 == 0 {
            frac /= 10
            digits -= 1
        }
        let start = out.count
        for _ in 0 ..< digits {
            out.append(UInt8(48 + frac % 10))
            frac /= 10
        }
        out[start...].reverse()
    }

    /// Same text as `isoTime(_:)`.
    static func iso(_ millis: Int64, _ out: inout [UInt8]) {
        let s = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - s * 1000)
        let days = s >= 0 ? s / 86400 : (s - 86399) / 86400
        let sod = Int(s - days * 86400)
        let (y, m, d) = Timestamps.civilFromDays(Int(days))
        func two(_ v: Int) {
            out.append(UInt8(48 + v / 10))
            out.append(UInt8(48 + v % 10))
        }
        int(Int64(y), &out)
        out.append(45)
        two(m)
        out.append(45)
        two(d)
        out.append(84)
        two(sod / 3600)
        out.append(58)
        two(sod / 60 % 60)
        out.append(58)
        two(sod % 60)
        if ms != 0 {
            out.append(46)
            out.append(UInt8(48 + ms / 100))
            two(ms % 100)
        }
        out.append(90)
    }
}
