/// W3C extended log format as written by IIS and others: `#Fields:` names the space-separated columns,
/// and may change mid-file (IIS writes a new directive block when settings change or on restart).
public final class W3CExtendedParser: LineParser {
    public let formatName = "w3c"

    enum Column {
        case ignore, date, time, dateTime
        case role(FieldRole)
        /// IIS writes spaces in these as `+`.
        case plusEncoded(FieldRole)
    }

    private var columns: [Column] = []
    private var starts: [Int] = []
    private var ends: [Int] = []

    public init() {}

    public func copyForWorker() -> (any LineParser)? { nil }

    public func parse(_ line: LineBuffer, into record: inout LogRecord) -> LineVerdict {
        guard let p = line.baseAddress, line.count > 0 else { return .reject(.formatMismatch) }
        if p[0] == UInt8(ascii: "#") {
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("#Fields:") {
                columns = text.dropFirst("#Fields:".count).split(separator: " ").map { Self.column(String($0)) }
            }
            return .skip
        }
        guard !columns.isEmpty else { return .reject(.formatMismatch) }
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var i = 0
        let n = line.count
        while i < n {
            while i < n && (p[i] == FieldDecoding.space || p[i] == 9) { i += 1 }
            if i >= n { break }
            let s = i
            while i < n && p[i] != FieldDecoding.space && p[i] != 9 { i += 1 }
            starts.append(s)
            ends.append(i)
        }
        guard starts.count == columns.count else { return .reject(.formatMismatch) }
        var date: (Int, Int)? = nil
        var time: (Int, Int)? = nil
        for (c, column) in columns.enumerated() {
            let s = starts[c]
            var e = ends[c]
            switch column {
            case .ignore: break
            case .date: date = (s, e)
            case .time: time = (s, e)
            case .dateTime:
                guard let t = Timestamps.parseAny(p, s, e) else { return .reject(.badTime) }
                record.epochMillis = t
            case .role(let role):
                if let reason = FieldMapping.assign(role, p, s, e, into: &record) { return .reject(reason) }
            case .plusEncoded(let role):
                for k in s ..< e where p[k] == UInt8(ascii: "+") { p[k] = FieldDecoding.space }
                if e - s == 1 && p[s] == FieldDecoding.dash { e = s }
                if let reason = FieldMapping.assign(role, p, s, e, into: &record) { return .reject(reason) }
            }
        }
        if let (ds, de) = date, let (ts, te) = time {
            guard de - ds == 10, let day = Timestamps.parseISO(p, ds, de), te - ts >= 8,
                p[ts + 2] == UInt8(ascii: ":"), p[ts + 5] == UInt8(ascii: ":"),
                let hh = Timestamps.number(p, ts, 2), let mm = Timestamps.number(p, ts + 3, 2), let ss = Timestamps.number(p, ts + 6, 2),
                hh < 24, mm < 60, ss <= 60
            else { return .reject(.badTime) }
            let (millis, _) = Timestamps.fraction(p, ts + 8, te)
            // W3C extended times are UTC by definition.
            record.epochMillis = day + Int64((hh * 3600 + mm * 60 + ss) * 1000 + millis)
        }
        return record.epochMillis == LogRecord.noTime ? .reject(.missingTime) : .record
    }

    static func column(_ name: String) -> Column {
        switch name.lowercased() {
        case "date": .date
        case "time": .time
        case "datetime": .dateTime
        case "c-ip": .role(.client)
        case "cs-username": .role(.user)
        case "cs-method": .role(.method)
        case "cs-uri-stem": .role(.path)
        case "cs-uri-query": .role(.query)
        case "cs-uri": .role(.url)
        case "sc-status": .role(.status)
        case "sc-bytes": .role(.bytes)
        case "time-taken": .role(.durationMillis)
        case "cs-version": .role(.proto)
        case "cs-host", "s-sitename-host": .role(.vhost)
        case "cs(user-agent)": .plusEncoded(.userAgent)
        case "cs(referer)", "cs(referrer)": .role(.referrer)
        default: .ignore
        }
    }
}
