/// The meaning of a column (CSV/TSV) or key (JSON lines) in a click log.
public enum FieldRole: String, CaseIterable, Sendable {
    case time, client, user, visitor, session, url, path, query, method
    case proto = "protocol"
    case status, bytes, referrer
    case userAgent = "user_agent"
    case vhost
    case duration
    case durationMillis = "duration_ms"
    case durationMicros = "duration_us"
    case request
    case source
    /// Position of the hit within its session or day (a step number, a millisecond offset): orders
    /// hits whose times are equal, e.g. exports that give only a date.
    case order

    /// Column/key names recognised without a `--field` option, best first (compared case-insensitively).
    /// Our own `parse` output uses the first name of each role, so it reads back without options.
    public var synonyms: [String] {
        switch self {
        case .time: ["time", "timestamp", "@timestamp", "ts", "datetime", "date_time", "event_time", "eventtime", "epoch", "time_local",
                     "event_timestamp", "collector_tstamp", "hit_time_gmt", "servertimestamp", "server_time",
                     "eventdate", "event_date", "date", "time_iso8601", "startutc", "edgestarttimestamp"]
        case .client: ["client", "ip", "client_ip", "clientip", "remote_addr", "remote_host", "host", "c-ip", "clienthost",
                       "request.client_ip", "request.remote_ip", "httprequest.remoteip", "user_ipaddress", "ip_address"]
        case .user: ["user", "remote_user", "username", "user_name", "user_id", "userid"]
        case .visitor: ["visitor", "visitor_id", "visitorid", "cookie", "cookie_id", "client_id", "device_id", "uid",
                        "user_pseudo_id", "fullvisitorid", "domain_userid", "idvisitor"]
        case .session: ["session", "session_id", "sessionid", "sid", "domain_sessionid", "idvisit"]
        case .url: ["url", "uri", "request_uri", "page", "page_url", "item", "item_id", "itemid", "requestpath",
                    "request.uri", "httprequest.requesturl", "page_location", "page_path", "pagepath", "clientrequesturi", "clientrequestpath"]
        case .path: ["path"]
        case .query: ["query", "query_string", "args"]
        case .method: ["method", "request_method", "requestmethod", "request.method", "httprequest.requestmethod", "clientrequestmethod"]
        case .proto: ["protocol", "server_protocol", "requestprotocol", "request.proto", "httprequest.protocol", "clientrequestprotocol"]
        case .status: ["status", "status_code", "response", "sc-status", "downstreamstatus", "httprequest.status", "edgeresponsestatus"]
        case .bytes: ["bytes", "size", "body_bytes_sent", "bytes_sent", "response_size", "edgeresponsebytes"]
        case .referrer: ["referrer", "referer", "http_referer", "request_referer", "request.headers.referer", "httprequest.referer", "page_referrer", "clientrequestreferer"]
        case .userAgent: ["user_agent", "useragent", "http_user_agent", "agent", "ua", "request_user-agent",
                          "request.headers.user-agent", "httprequest.useragent", "clientrequestuseragent"]
        case .vhost: ["vhost", "virtual_host", "server_name", "request.host", "clientrequesthost"]
        case .duration: ["duration", "request_time", "elapsed"]
        case .durationMillis: ["duration_ms", "time_taken", "latency_ms"]
        case .durationMicros: ["duration_us", "duration_micros"]
        case .request: ["request"]
        case .source: ["source"]
        case .order: ["order", "step", "seq", "sequence", "position", "timeframe", "step_number"]
        }
    }

    /// Roles whose presence makes a header look like a click log we can read.
    static let essential: [FieldRole] = [.time]
}

/// `--field role=column` choices plus the built-in synonyms.
public struct FieldMapping: Sendable {
    /// Explicit choices: role -> column name (or 1-based column number when the input has no header).
    public var explicit: [FieldRole: String] = [:]
    /// `--time-format`: how the time column is read (nil: the built-in forms).
    public var timeFormat: TimeFormat? = nil

    public init() {}

    /// Reads `--field` values like `time=ts`.
    public init(specs: [String]) throws(FormatCompileError) {
        for spec in specs {
            guard let eq = spec.firstIndex(of: "=") else {
                throw FormatCompileError(message: "--field '\(spec)' must be ROLE=COLUMN, e.g. time=ts")
            }
            let roleName = spec[..<eq].lowercased().replacingDashes()
            guard let role = FieldRole(rawValue: roleName) else {
                let roles = FieldRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw FormatCompileError(message: "--field: unknown role '\(roleName)' (roles: \(roles))")
            }
            explicit[role] = String(spec[spec.index(after: eq)...])
        }
    }

    /// For each column of a header, its role (nil = ignored). Explicit choices win over synonyms;
    /// among synonyms the earlier name wins, so `time` beats `epoch`.
    public func resolve(header: [String]) -> [FieldRole?] {
        var columns = [FieldRole?](repeating: nil, count: header.count)
        let lowered = header.map { $0.lowercased() }
        var taken = Set<Int>()
        for (role, column) in explicit {
            if let index = lowered.firstIndex(of: column.lowercased()) ?? Int(column).map({ $0 - 1 }),
                index >= 0 && index < columns.count
            {
                columns[index] = role
                taken.insert(index)
            }
        }
        for role in FieldRole.allCases where explicit[role] == nil {
            for name in role.synonyms {
                if let index = lowered.firstIndex(of: name), !taken.contains(index) {
                    columns[index] = role
                    taken.insert(index)
                    break
                }
            }
        }
        return columns
    }

    /// Columns by 1-based position, for inputs without a header (only explicit choices apply).
    public func resolve(columnCount: Int) -> [FieldRole?] {
        var columns = [FieldRole?](repeating: nil, count: columnCount)
        for (role, column) in explicit {
            if let n = Int(column), n >= 1 && n <= columnCount { columns[n - 1] = role }
        }
        return columns
    }

    /// Key -> role list for JSON objects: explicit keys, then every synonym of the other roles.
    /// The rank orders candidates for one role (lower wins) when a line has several.
    func keyTable() -> [(key: [UInt8], role: FieldRole, rank: Int)] {
        var table: [(key: [UInt8], role: FieldRole, rank: Int)] = []
        for (role, column) in explicit { table.append((Array(column.utf8), role, 0)) }
        for role in FieldRole.allCases where explicit[role] == nil {
            for (rank, name) in role.synonyms.enumerated() { table.append((Array(name.utf8), role, rank + 1)) }
        }
        return table
    }

    /// Stores a value in the record according to its role; returns the reason if the value is unusable.
    @inline(__always)
    static func assign(_ role: FieldRole, _ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int, into record: inout LogRecord,
                       timeFormat: TimeFormat? = nil) -> RejectReason? {
        if end <= start { return nil }
        let isDash = end - start == 1 && p[start] == FieldDecoding.dash
        switch role {
        case .time:
            if let timeFormat {
                guard let t = timeFormat.parse(p, start, end) else { return .badTime }
                record.epochMillis = t
                return nil
            }
            guard let t = Timestamps.parseAny(p, start, end) else { return .badTime }
            record.epochMillis = t
        case .order:
            if isDash { return nil }
            guard let v = FieldDecoding.integer(p, start, end) else { return .badNumber }
            record.order = v
        case .client: record.client = FieldDecoding.text(p, start, end)
        case .user: if !isMissingMarker(p, start, end) { record.user = FieldDecoding.text(p, start, end) }
        case .visitor: if !isMissingMarker(p, start, end) { record.visitor = FieldDecoding.text(p, start, end) }
        case .session: record.session = FieldDecoding.text(p, start, end)
        case .method: record.method = FieldDecoding.text(p, start, end)
        case .proto: record.proto = FieldDecoding.text(p, start, end)
        case .referrer: record.referrer = FieldDecoding.text(p, start, end)
        case .userAgent: record.userAgent = FieldDecoding.text(p, start, end)
        case .vhost: record.vhost = FieldDecoding.text(p, start, end)
        case .source: record.origin = FieldDecoding.text(p, start, end)
        case .path: if !isDash { record.path = FieldRef(start, end) }
        case .query: if !isDash { record.query = FieldRef(start, end) }
        case .request: FieldDecoding.splitRequest(p, start, end, into: &record)
        case .url:
            if isDash { return nil }
            var s = start
            // Absolute URLs: the host goes to vhost (unless given), the rest is path and query.
            if let afterScheme = schemeEnd(p, start, end) {
                var h = afterScheme
                while h < end && p[h] != UInt8(ascii: "/") && p[h] != FieldDecoding.questionMark { h += 1 }
                if !record.vhost.isPresent && h > afterScheme { record.vhost = FieldRef(afterScheme, h) }
                s = h
            }
            FieldDecoding.splitURI(p, s, end, into: &record)
        case .status:
            if isDash { return nil }
            guard let v = FieldDecoding.integer(p, start, end), v < 1000 else { return .badStatus }
            record.status = Int32(v)
        case .bytes:
            if isDash {
                record.bytes = 0
                return nil
            }
            guard let v = FieldDecoding.integer(p, start, end) else { return .badNumber }
            record.bytes = v
        case .duration, .durationMillis, .durationMicros:
            if isDash { return nil }
            let scale: Int64 = role == .duration ? 1_000_000 : role == .durationMillis ? 1000 : 1
            guard let v = FieldDecoding.scaledDecimal(p, start, end, scale: scale) else { return .badNumber }
            record.durationMicros = v
        }
        return nil
    }

    /// `NA`, `null`, `None`: how exports write an absent user (DIGINETICA's `user_id` is mostly `NA`).
    private static func isMissingMarker(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let n = end - start
        guard n == 2 || n == 4 else { return false }
        let lower = (0 ..< n).map { p[start + $0] | 0x20 }
        return lower == [110, 97] || lower == [110, 117, 108, 108] || lower == [110, 111, 110, 101]
    }

    /// Index after `http://` or `https://`, if the value starts with one.
    private static func schemeEnd(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        let n = end - start
        guard n >= 8, p[start] | 0x20 == UInt8(ascii: "h"), p[start + 1] | 0x20 == UInt8(ascii: "t"),
            p[start + 2] | 0x20 == UInt8(ascii: "t"), p[start + 3] | 0x20 == UInt8(ascii: "p")
        else { return nil }
        var i = start + 4
        if p[i] | 0x20 == UInt8(ascii: "s") { i += 1 }
        guard i + 3 <= end, p[i] == UInt8(ascii: ":"), p[i + 1] == UInt8(ascii: "/"), p[i + 2] == UInt8(ascii: "/") else { return nil }
        return i + 3
    }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
