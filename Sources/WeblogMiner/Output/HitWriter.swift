/// Formats normalised hits (the output of `parse`) as TSV or JSON lines. Runs on the parse workers,
/// one copy each, formatting into per-batch buffers.
public struct HitWriter: RecordFormatter {
    /// Output columns, in order. Documented in `parse --help`.
    public static let columns: [(name: String, meaning: String)] = [
        ("time", "request time, ISO 8601 in UTC (milliseconds when the log has them)"),
        ("epoch", "the same as Unix seconds (with a fraction when the log has milliseconds)"),
        ("client", "client address or host name (%h, $remote_addr, c-ip)"),
        ("user", "authenticated user (%u), empty when '-'"),
        ("method", "HTTP method"),
        ("path", "path of the requested URL, as logged (not decoded)"),
        ("query", "query string without '?'"),
        ("protocol", "HTTP protocol, e.g. HTTP/1.1"),
        ("status", "HTTP status code"),
        ("bytes", "response size in bytes ('-' in the log counts as 0)"),
        ("referrer", "Referer header"),
        ("user_agent", "User-Agent header"),
        ("vhost", "virtual host / server name"),
        ("duration_us", "time to serve the request, microseconds"),
        ("visitor", "visitor id of click logs (cookie, device)"),
        ("session", "session id given by click logs"),
        ("source", "input file and line number, FILE:LINE"),
    ]

    private let json: Bool
    /// Input names as raw bytes, made safe for TSV and JSON once; never freed (a handful, process-long).
    private let sourceNames: [RawBytes]
    /// `YYYY-MM-DDTHH:MM:SS` of the last second written (consecutive lines share it).
    private var cachedSecond = Int64.min
    private var cachedTime: (UInt64, UInt64, UInt64) = (0, 0, 0)

    public init(format: RecordOutputFormat, sourceNames: [String]) {
        json = format == .jsonl
        // Names are written raw into TSV and JSON strings: make them safe once here.
        self.sourceNames = sourceNames.map { name in
            let bytes = Array(String(name.map { $0 == "\t" || $0 == "\n" || $0 == "\"" || $0 == "\\" ? "_" : $0 }).utf8)
            let base = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
            base.initialize(from: bytes, count: bytes.count)
            return RawBytes(base: base, count: bytes.count)
        }
    }

    public func writeHeader(to out: OutputStream) throws(OutputError) {
        guard !json else { return }
        try out.write(Self.columns.map(\.name).joined(separator: "\t") + "\n")
    }

    public mutating func format(_ r: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int, into out: ByteBuffer) {
        let name = sourceNames[fileIndex]
        // Worst case: every byte escaped (6x in JSON), plus keys, numbers and the source name.
        let bound = line.count * (json ? 6 : 2) + name.count + 512
        if r.epochMillis != LogRecord.noTime { updateTimeCache(r.epochMillis) }
        let json = self.json
        let cachedTime = self.cachedTime
        do {
            out.reserve(bound) { start in
                var c = ByteCursor(start)
                let p = UnsafePointer(line.baseAddress ?? UnsafeMutablePointer(mutating: emptyBytePointer))
                @inline(__always) func key(_ k: StaticString) {
                    if json { c.put(k) } else if c.position > 0 { c.put(9) }
                }
                @inline(__always) func text(_ k: StaticString, _ f: FieldRef) {
                    key(k)
                    if f.count >= 0 {
                        if json { c.putJSONString(p + Int(f.start), Int(f.count)) } else { c.putTSV(p + Int(f.start), Int(f.count)) }
                    } else if json {
                        c.put("null")
                    }
                }
                @inline(__always) func number(_ k: StaticString, _ v: Int64) {
                    key(k)
                    if v >= 0 { c.putInt(v) } else if json { c.put("null") }
                }
                key("{\"time\":")
                if r.epochMillis != LogRecord.noTime {
                    let millis = Int(r.epochMillis - (r.epochMillis >= 0 ? r.epochMillis / 1000 : (r.epochMillis - 999) / 1000) * 1000)
                    if json { c.put(34) }
                    withUnsafeBytes(of: cachedTime) { c.put($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 19) }
                    if millis != 0 { c.putMillis(millis) }
                    c.put(UInt8(ascii: "Z"))
                    if json { c.put(34) }
                    key(",\"epoch\":")
                    let seconds = r.epochMillis >= 0 ? r.epochMillis / 1000 : (r.epochMillis - 999) / 1000
                    c.putInt(seconds)
                    if millis != 0 { c.putMillis(millis) }
                } else {
                    if json { c.put("null") }
                    key(",\"epoch\":")
                    if json { c.put("null") }
                }
                text(",\"client\":", r.client)
                text(",\"user\":", r.user)
                text(",\"method\":", r.method)
                text(",\"path\":", r.path)
                text(",\"query\":", r.query)
                text(",\"protocol\":", r.proto)
                number(",\"status\":", Int64(r.status))
                number(",\"bytes\":", r.bytes)
                text(",\"referrer\":", r.referrer)
                text(",\"user_agent\":", r.userAgent)
                text(",\"vhost\":", r.vhost)
                number(",\"duration_us\":", r.durationMicros)
                text(",\"visitor\":", r.visitor)
                text(",\"session\":", r.session)
                if r.origin.isPresent {
                    text(",\"source\":", r.origin)
                } else {
                    key(",\"source\":")
                    if json { c.put(34) }
                    c.put(name.base, name.count)
                    c.put(UInt8(ascii: ":"))
                    c.putInt(Int64(lineNumber))
                    if json { c.put(34) }
                }
                if json { c.put(UInt8(ascii: "}")) }
                c.put(10)
                return c.position
            }
        }
    }

    private mutating func updateTimeCache(_ millis: Int64) {
        let second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        guard second != cachedSecond else { return }
        cachedSecond = second
        let days = second >= 0 ? second / 86400 : (second - 86399) / 86400
        let secOfDay = Int(second - days * 86400)
        let (y, m, d) = Timestamps.civilFromDays(Int(days))
        withUnsafeMutableBytes(of: &cachedTime) { raw in
            func put(_ v: Int, _ at: Int, _ width: Int) {
                var v = v
                for k in stride(from: at + width - 1, through: at, by: -1) {
                    raw[k] = UInt8(48 + v % 10)
                    v /= 10
                }
            }
            put(max(0, min(y, 9999)), 0, 4)
            raw[4] = UInt8(ascii: "-")
            put(m, 5, 2)
            raw[7] = UInt8(ascii: "-")
            put(d, 8, 2)
            raw[10] = UInt8(ascii: "T")
            put(secOfDay / 3600, 11, 2)
            raw[13] = UInt8(ascii: ":")
            put(secOfDay / 60 % 60, 14, 2)
            raw[16] = UInt8(ascii: ":")
            put(secOfDay % 60, 17, 2)
        }
    }
}

/// Immutable bytes at a fixed address, shared read-only between threads.
struct RawBytes: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt8>
    let count: Int
}
