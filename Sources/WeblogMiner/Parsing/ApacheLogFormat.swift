/// Compiles Apache httpd `LogFormat` strings (mod_log_config) into a `LogFormatProgram`.
///
/// Example: `%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D`.
/// Placeholders the record has no field for (`%A`, `%P`, `%{X-Foo}i`, ...) are read and ignored.
public enum ApacheLogFormat {
    public static let common = #"%h %l %u %t \"%r\" %>s %b"#
    public static let combined = #"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""#
    public static let vhostCombined = #"%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\""#
    /// AWS Application Load Balancer access logs (type, ISO time, balancer, client:port, target:port,
    /// three durations, balancer and target status, bytes received and sent, request, user agent,
    /// then fields that are read and ignored). The request target is absolute (`http://host:80/path`).
    public static let awsALB = #"%A %{iso}t %A %h:%{remote}p %A %A %A %A %>s %A %A %B \"%r\" \"%{User-Agent}i\""#
    /// Classic AWS Elastic Load Balancer access logs: the same without the leading type.
    public static let awsELB = #"%{iso}t %A %h:%{remote}p %A %A %A %A %>s %A %A %B \"%r\" \"%{User-Agent}i\""#

    public static func compile(_ format: String) throws(FormatCompileError) -> LogFormatProgram {
        let chars = Array(unquoteDirective(format).utf8)
        var builder = LogFormatBuilder()
        var literal: [UInt8] = []
        var i = 0
        func flush() {
            if !literal.isEmpty { builder.literal(literal) }
            literal = []
        }
        while i < chars.count {
            let c = chars[i]
            if c == UInt8(ascii: "\\") && i + 1 < chars.count {
                // Escapes as written inside httpd.conf's quoted LogFormat argument.
                switch chars[i + 1] {
                case UInt8(ascii: "t"): literal.append(9)
                case UInt8(ascii: "n"): literal.append(10)
                default: literal.append(chars[i + 1])
                }
                i += 2
                continue
            }
            guard c == UInt8(ascii: "%") else {
                literal.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < chars.count else { throw FormatCompileError(message: "format ends with a lone %") }
            if chars[i] == UInt8(ascii: "%") {
                literal.append(c)
                i += 1
                continue
            }
            // Modifiers: status conditions (%400,501{..}i, %!200..), and < > for original/final request.
            while i < chars.count, chars[i] == UInt8(ascii: "<") || chars[i] == UInt8(ascii: ">") || chars[i] == UInt8(ascii: "!")
                || chars[i] == UInt8(ascii: ",") || (chars[i] >= 48 && chars[i] <= 57)
            {
                i += 1
            }
            var argument: String? = nil
            if i < chars.count && chars[i] == UInt8(ascii: "{") {
                guard let close = chars[i...].firstIndex(of: UInt8(ascii: "}")) else {
                    throw FormatCompileError(message: "unclosed %{ in format at offset \(i)")
                }
                argument = String(decoding: chars[(i + 1) ..< close], as: UTF8.self)
                i = close + 1
            }
            guard i < chars.count else { throw FormatCompileError(message: "format ends inside a % directive") }
            let letter = Character(UnicodeScalar(chars[i]))
            i += 1
            let name = "%" + (argument.map { "{\($0)}" } ?? "") + String(letter)
            flush()
            if letter == "t" && argument == nil {
                // %t writes the time in brackets.
                builder.literal([UInt8(ascii: "[")])
                try builder.placeholder(.timeCLF, name: name)
                builder.literal([UInt8(ascii: "]")])
                continue
            }
            try builder.placeholder(slot(letter: letter, argument: argument), name: name)
        }
        flush()
        return try builder.build()
    }

    static func slot(letter: Character, argument: String?) -> FormatSlot {
        switch letter {
        case "h", "a": return .client
        case "u": return .user
        case "r": return .request
        case "m": return .method
        case "U": return .path
        case "q": return .query
        case "H": return .proto
        case "s": return .status
        case "b", "B", "O": return .bytes
        case "v", "V": return .vhost
        case "p": return argument == nil || argument == "canonical" || argument == "local" ? .port : .ignore
        case "D": return .durationMicros
        case "T":
            switch argument?.lowercased() {
            case "ms": return .durationMillis
            case "us": return .durationMicros
            default: return .durationSeconds
            }
        case "i":
            switch argument?.lowercased() {
            case "referer", "referrer": return .referrer
            case "user-agent": return .userAgent
            case "host": return .vhost
            default: return .ignore
            }
        case "t":
            var spec = argument ?? ""
            for prefix in ["begin:", "end:"] where spec.hasPrefix(prefix) { spec.removeFirst(prefix.count) }
            switch spec {
            case "sec", "msec", "usec": return .timeEpoch
            case "msec_frac", "usec_frac": return .ignore
            default: return .timeAny
            }
        default: return .ignore
        }
    }

    /// Accepts a whole httpd.conf line (`LogFormat "..." name`) as well as the bare format.
    static func unquoteDirective(_ format: String) -> String {
        let trimmed = format.trimmingCharacters(in: " \t")
        guard trimmed.lowercased().hasPrefix("logformat ") else { return format }
        let rest = trimmed.dropFirst("logformat ".count).trimmingCharacters(in: " \t")
        guard rest.first == "\"" else { return String(rest) }
        var out = ""
        var escaped = false
        for ch in rest.dropFirst() {
            if escaped {
                out.append("\\")
                out.append(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "\"" {
                break
            } else {
                out.append(ch)
            }
        }
        return out
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
