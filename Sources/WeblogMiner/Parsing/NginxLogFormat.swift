/// Compiles nginx `log_format` strings into a `LogFormatProgram`.
///
/// Example: `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`.
/// Variables the record has no field for (`$upstream_addr`, `$http_x_forwarded_for`, ...) are read and ignored.
public enum NginxLogFormat {
    public static let combined = #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#

    public static func compile(_ format: String) throws(FormatCompileError) -> LogFormatProgram {
        let chars = Array(unquoteDirective(format).utf8)
        var builder = LogFormatBuilder()
        var literal: [UInt8] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == UInt8(ascii: "$") else {
                literal.append(c)
                i += 1
                continue
            }
            var nameStart = i + 1
            var nameEnd: Int
            if nameStart < chars.count && chars[nameStart] == UInt8(ascii: "{") {
                nameStart += 1
                guard let close = chars[nameStart...].firstIndex(of: UInt8(ascii: "}")) else {
                    throw FormatCompileError(message: "unclosed ${ in format at offset \(i)")
                }
                nameEnd = close
                i = close + 1
            } else {
                nameEnd = nameStart
                while nameEnd < chars.count, isNameByte(chars[nameEnd]) { nameEnd += 1 }
                i = nameEnd
            }
            guard nameEnd > nameStart else {
                literal.append(c)
                continue
            }
            let name = String(decoding: chars[nameStart ..< nameEnd], as: UTF8.self)
            if !literal.isEmpty { builder.literal(literal) }
            literal = []
            try builder.placeholder(slot(variable: name), name: "$" + name)
        }
        if !literal.isEmpty { builder.literal(literal) }
        return try builder.build()
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == UInt8(ascii: "_")
    }

    static func slot(variable: String) -> FormatSlot {
        switch variable.lowercased() {
        case "remote_addr", "realip_remote_addr": .client
        case "remote_user": .user
        case "time_local": .timeCLF
        case "time_iso8601": .timeISO
        case "msec": .timeEpoch
        case "request": .request
        case "request_method": .method
        case "request_uri": .uri
        case "uri", "document_uri": .path
        case "args", "query_string": .query
        case "server_protocol": .proto
        case "status": .status
        case "body_bytes_sent", "bytes_sent": .bytes
        case "http_referer": .referrer
        case "http_user_agent": .userAgent
        case "host", "server_name", "http_host": .vhost
        case "request_time": .durationSeconds
        default: .ignore
        }
    }

    /// Accepts a whole nginx.conf directive (`log_format main '...' '...';`) as well as the bare format.
    static func unquoteDirective(_ format: String) -> String {
        let trimmed = format.trimmingCharacters(in: " \t\n;")
        guard trimmed.hasPrefix("log_format ") else { return format }
        var out = ""
        var inQuote: Character? = nil
        for ch in trimmed {
            if let q = inQuote {
                if ch == q { inQuote = nil } else { out.append(ch) }
            } else if ch == "'" || ch == "\"" {
                inQuote = ch
            }
        }
        return out
    }
}
