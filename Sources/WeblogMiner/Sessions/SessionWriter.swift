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
    private let line = ByteBuffer(capacity: 4096)
    /// Page names escaped for TSV, as sequence tokens (spaces as %20) and as fields, by page id.
    private var tokens = EscapedNames(spaceAsPercent: true)
    private var names = EscapedNames(spaceAsPercent: false)
    /// Page names as JSON strings (with their quotes), by page id.
    private var quoted = EscapedNames(json: true)
    private var spmfBody: OutputStream?
    private var spmfPath: String?
    private var spmfItems: [Int32: Int] = [:]
    private var spmfOrder: [Int32] = []

    public init(format: SessionOutputFormat, to out: OutputStream) throws(OutputError) {
        self.format = format
        self.out = out
        try start()
    }

    /// Whether what was written can still be forgotten (it has not left the process).
    public var canRewind: Bool { out.canRewind && (spmfBody?.canRewind ?? true) }

    /// Forgets what was written (the input is read again in time order); see `canRewind`.
    public func rewind() {
        out.rewind()
        spmfBody?.rewind()
        tokens = EscapedNames(spaceAsPercent: true)
        names = EscapedNames(spaceAsPercent: false)
        quoted = EscapedNames(json: true)
        spmfItems = [:]
        spmfOrder = []
        try? start(reopen: false)
    }

    private func start(reopen: Bool = true) throws(OutputError) {
        switch format {
        case .tsv: try out.write(Self.columns.map(\.name).joined(separator: "\t") + "\n")
        case .spmf:
            guard reopen else { break }
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
            try writeTSV(s, pages: pages)
        case .jsonl:
            try writeJSON(s, pages: pages)
        }
    }

    /// One JSON line, written like the TSV row: a cursor into the reused buffer, page names quoted
    /// once per page id, other strings escaped in place.
    private func writeJSON(_ s: Session, pages: ByteStringInterner) throws(OutputError) {
        let views = s.views
        var pageBytes = 0
        for v in views { pageBytes += quoted.lookup(v.page, pages).count + 1 }
        let referrerCount = s.entryReferrer?.count ?? 0
        let bound = 300 + 6 * s.visitor.count + 6 * referrerCount + 2 * pageBytes + 32 * views.count
        line.removeAll()
        line.reserve(bound) { p in
            var c = ByteCursor(p)
            c.put("{\"session_id\":")
            c.putInt(Int64(s.id))
            c.put(",\"visitor\":")
            s.visitor.withUnsafeBufferPointer { c.putJSONString($0.baseAddress ?? emptyBytePointer, $0.count) }
            c.put(",\"start\":\"")
            c.putISO(s.start)
            c.put("\",\"end\":\"")
            c.putISO(s.end)
            c.put("\",\"duration_s\":")
            c.putSeconds(s.end - s.start)
            c.put(",\"views\":")
            c.putInt(Int64(s.observedViews))
            c.put(",\"entry_page\":")
            c.put(quoted.lookup(views.first!.page, pages))
            c.put(",\"exit_page\":")
            c.put(quoted.lookup(views.last!.page, pages))
            c.put(",\"entry_referrer\":")
            if let referrer = s.entryReferrer {
                referrer.withUnsafeBufferPointer { c.putJSONString($0.baseAddress ?? emptyBytePointer, $0.count) }
            } else {
                c.put("null")
            }
            c.put(",\"pages\":[")
            for (k, v) in views.enumerated() {
                if k > 0 { c.put(44) }
                c.put(quoted.lookup(v.page, pages))
            }
            c.put("],\"dwell_s\":[")
            Self.putDwell(views, separator: 44, missing: "null", &c)
            c.put("],\"inferred\":[")
            for (k, v) in views.enumerated() {
                if k > 0 { c.put(44) }
                if v.inferred { c.put("true") } else { c.put("false") }
            }
            c.put("]}\n")
            return c.position
        }
        try out.write(line.bytes)
    }

    /// Dwell: time to the next observed view; `missing` for inferred views and the censored last one.
    private static func putDwell(_ views: [PageView], separator: UInt8, missing: StaticString, _ c: inout ByteCursor) {
        var next = 0
        for k in views.indices {
            if k > 0 { c.put(separator) }
            if next <= k { next = k + 1 }
            while next < views.count && views[next].inferred { next += 1 }
            if views[k].inferred || next == views.count {
                c.put(missing)
            } else {
                c.putSeconds(views[next].time - views[k].time)
            }
        }
    }

    /// One TSV row, written with a cursor into a reused buffer: this runs once per session on the
    /// thread that merges and sessionizes, the one that sets the pace.
    private func writeTSV(_ s: Session, pages: ByteStringInterner) throws(OutputError) {
        let views = s.views
        // Every name is looked up (and cached) before any pointer is kept: adding a name may move an arena.
        var sequenceBytes = 0
        for v in views { sequenceBytes += tokens.lookup(v.page, pages).count + 1 }
        _ = names.lookup(views.first!.page, pages)
        _ = names.lookup(views.last!.page, pages)
        let first = names.lookup(views.first!.page, pages)
        let last = names.lookup(views.last!.page, pages)
        let referrerCount = s.entryReferrer?.count ?? 0
        let bound = 200 + 2 * s.visitor.count + first.count + last.count + 2 * referrerCount + sequenceBytes + 28 * views.count
        line.removeAll()
        line.reserve(bound) { p in
            var c = ByteCursor(p)
            c.putInt(Int64(s.id))
            c.put(9)
            s.visitor.withUnsafeBufferPointer { c.putTSV($0.baseAddress ?? emptyBytePointer, $0.count) }
            c.put(9)
            c.putISO(s.start)
            c.put(9)
            c.putISO(s.end)
            c.put(9)
            c.putSeconds(s.end - s.start)
            c.put(9)
            c.putInt(Int64(s.observedViews))
            c.put(9)
            c.put(first)
            c.put(9)
            c.put(last)
            c.put(9)
            s.entryReferrer?.withUnsafeBufferPointer { c.putTSV($0.baseAddress ?? emptyBytePointer, $0.count) }
            c.put(9)
            for (k, v) in views.enumerated() {
                if k > 0 { c.put(32) }
                c.put(tokens.lookup(v.page, pages))
            }
            c.put(9)
            Self.putDwell(views, separator: 32, missing: "-", &c)
            c.put(9)
            for (k, v) in views.enumerated() {
                if k > 0 { c.put(32) }
                c.put(v.inferred ? 49 : 48)
            }
            c.put(10)
            return c.position
        }
        try out.write(line.bytes)
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

/// Page names escaped once per page id (an interner only grows, so an id's name never changes; a
/// writer serves one interner).
struct EscapedNames {
    let spaceAsPercent: Bool
    /// JSON strings with their quotes instead of TSV text.
    let json: Bool
    private let arena = ByteBuffer(capacity: 1 << 16)
    private var offsets: [Int] = []  // start of each id's text in the arena, -1 unknown
    private var lengths: [Int32] = []
    private var scratch: [UInt8] = []

    init(spaceAsPercent: Bool) {
        self.spaceAsPercent = spaceAsPercent
        json = false
    }

    init(json: Bool) {
        spaceAsPercent = false
        self.json = json
    }

    @inline(__always)
    mutating func lookup(_ id: Int32, _ pages: ByteStringInterner) -> UnsafeBufferPointer<UInt8> {
        let i = Int(id)
        if i >= offsets.count || offsets[i] < 0 { add(i, pages) }
        return UnsafeBufferPointer(start: arena.base + offsets[i], count: Int(lengths[i]))
    }

    private mutating func add(_ i: Int, _ pages: ByteStringInterner) {
        if i >= offsets.count {
            offsets += repeatElement(-1, count: i + 1 - offsets.count)
            lengths += repeatElement(0, count: i + 1 - lengths.count)
        }
        scratch.removeAll(keepingCapacity: true)
        if json {
            ByteText.json(pages.bytes(of: Int32(i)), &scratch)
        } else {
            ByteText.tsv(pages.bytes(of: Int32(i)), &scratch, spaceAsPercent: spaceAsPercent)
        }
        offsets[i] = arena.count
        lengths[i] = Int32(scratch.count)
        arena.append(scratch)
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
    /// A TSV value: tab, newline, carriage return, backslash and NUL escaped (and spaces as %20 for
    /// tokens of a space-separated sequence), as `ByteCursor.putTSV` writes it.
    static func tsv<C: Collection<UInt8>>(_ bytes: C, _ out: inout [UInt8], spaceAsPercent: Bool = false) {
        let array = Array(bytes)
        array.withUnsafeBufferPointer { b in
            viaCursor(&out, max(1, 3 * b.count)) { $0.putTSV(b.baseAddress ?? emptyBytePointer, b.count, spaceAsPercent: spaceAsPercent) }
        }
    }

    /// A JSON string with its quotes, as `ByteCursor.putJSONString` writes it.
    static func json<C: Collection<UInt8>>(_ bytes: C, _ out: inout [UInt8]) {
        let array = Array(bytes)
        array.withUnsafeBufferPointer { b in
            viaCursor(&out, 6 * b.count + 2) { $0.putJSONString(b.baseAddress ?? emptyBytePointer, b.count) }
        }
    }

    static func int(_ value: Int64, _ out: inout [UInt8]) { viaCursor(&out, 21) { $0.putInt(value) } }

    /// Same text as `seconds(_:)`: whole seconds, or up to three decimals without trailing zeros.
    static func seconds(_ millis: Int64, _ out: inout [UInt8]) { viaCursor(&out, 25) { $0.putSeconds(millis) } }

    /// Same text as `isoTime(_:)`.
    static func iso(_ millis: Int64, _ out: inout [UInt8]) { viaCursor(&out, 40) { $0.putISO(millis) } }

    private static func viaCursor(_ out: inout [UInt8], _ capacity: Int, _ body: (inout ByteCursor) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var cursor = ByteCursor(buffer.baseAddress!)
            body(&cursor)
            out.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: cursor.position))
        }
    }
}
