/// The registration table: one registered user per row (id, registration time, any attributes), read
/// from CSV or TSV with a header. Column roles come from options or, when unambiguous, from the
/// header names (`user_id`, `registered_at`, ...).
public struct Registrations: Sendable {
    public struct User: Sendable {
        public var key: String
        public var registeredAt: Int64?
        public var attributes: [String: String]
    }

    public var users: [User] = []
    /// Key (as matched: lower-cased when hashed) -> index in `users`.
    public var index: [String: Int] = [:]
    public var keyColumn = ""
    public var timeColumn: String? = nil
    public var rowsWithoutKey = 0
    public var duplicateKeys = 0
    public var badTimes = 0

    public enum ReadError: Error, CustomStringConvertible {
        case empty(String)
        case noColumn(String, role: String, header: [String])
        case ambiguous(String, role: String, candidates: [String])
        /// More than `maxBadTimeShare` of the registration times could not be read.
        case unreadableTimes(String, column: String, count: Int, of: Int, example: String)

        public var description: String {
            switch self {
            case .empty(let file): "\(file): the registration table is empty (a header row is needed)"
            case .noColumn(let file, let role, let header): "\(file): no column named \(role) (columns: \(header.joined(separator: ", "))); give --\(role == "key" ? "key" : "registered-at") NAME"
            case .ambiguous(let file, let role, let candidates): "\(file): several columns could be the \(role) (\(candidates.joined(separator: ", "))); give --\(role == "key" ? "key" : "registered-at") NAME"
            case .unreadableTimes(let file, let column, let count, let total, let example):
                "\(file): \(count) of \(total) registration times in column \(column) cannot be read (e.g. '\(example)'); "
                    + "give their layout with --registered-at-format, e.g. '%d/%m/%Y %H:%M'"
            }
        }
    }

    static let keyNames = ["user_id", "userid", "user", "customer_id", "customerid", "account_id", "member_id", "uid", "id", "email_sha256", "email_hash", "email"]
    static let timeNames = ["registered_at", "registration_time", "registered", "signup_time", "signed_up_at", "created_at", "created", "signup_date", "registration_date", "joined_at"]

    public init() {}

    /// `keyColumn`/`timeColumn` nil: inferred from the header.
    /// Past this share of unreadable registration times the table is refused: conversions would be lost.
    public static let maxBadTimeShare = 0.05

    /// A header name as matched: lower case, spaces and hyphens as underscores (`Customer ID` is `customer_id`).
    static func normalized(_ name: String) -> String {
        String(name.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// `timeFormat`: the layout of the time column when none of the built-in forms reads it.
    public static func read(_ input: InputSpec, keyColumn: String?, timeColumn: String?, timeFormat: TimeFormat? = nil) throws -> Registrations {
        let text = String(decoding: try Decompressor.readAll(input).bytes, as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init)
        guard !lines.isEmpty else { throw ReadError.empty(input.displayName) }
        let headerLine = lines.removeFirst()
        let delimiter: Character = headerLine.contains("\t") ? "\t" : (headerLine.filter { $0 == ";" }.count > headerLine.filter { $0 == "," }.count ? ";" : ",")
        let header = splitCSV(headerLine, delimiter).map { $0.trimmingSpaces }
        let lower = header.map(normalized)
        func column(_ given: String?, _ names: [String], role: String, required: Bool) throws -> Int? {
            if let given {
                guard let i = lower.firstIndex(of: normalized(given)) ?? Int(given).map({ $0 - 1 }), i >= 0, i < header.count else {
                    throw ReadError.noColumn(input.displayName, role: given, header: header)
                }
                return i
            }
            for name in names { if let i = lower.firstIndex(of: name) { return i } }
            if required { throw ReadError.noColumn(input.displayName, role: role, header: header) }
            return nil
        }
        let keyIndex = try column(keyColumn, keyNames, role: "key", required: true)!
        let timeIndex = try column(timeColumn, timeNames, role: "registered_at", required: false)
        var result = Registrations()
        result.keyColumn = header[keyIndex]
        result.timeColumn = timeIndex.map { header[$0] }
        var timedRows = 0
        var badExample = ""
        for line in lines {
            let fields = splitCSV(line, delimiter)
            guard keyIndex < fields.count, !fields[keyIndex].trimmingSpaces.isEmpty else {
                result.rowsWithoutKey += 1
                continue
            }
            let key = fields[keyIndex].trimmingSpaces
            var time: Int64? = nil
            if let t = timeIndex, t < fields.count, !fields[t].isEmpty {
                let bytes = Array(fields[t].trimmingSpaces.utf8)
                timedRows += 1
                time = bytes.withUnsafeBufferPointer { b in
                    timeFormat.map { $0.parse(b.baseAddress!, 0, b.count) } ?? Timestamps.parseAny(b.baseAddress!, 0, b.count)
                }
                if time == nil {
                    result.badTimes += 1
                    if badExample.isEmpty { badExample = fields[t].trimmingSpaces }
                }
            }
            var attributes: [String: String] = [:]
            for (i, name) in header.enumerated() where i != keyIndex && i != timeIndex && i < fields.count { attributes[name] = fields[i] }
            if result.index[key] != nil {
                result.duplicateKeys += 1
                continue
            }
            result.index[key] = result.users.count
            result.users.append(User(key: key, registeredAt: time, attributes: attributes))
        }
        if result.badTimes > 0 && Double(result.badTimes) > maxBadTimeShare * Double(timedRows) {
            throw ReadError.unreadableTimes(input.displayName, column: result.timeColumn ?? "", count: result.badTimes, of: timedRows, example: badExample)
        }
        return result
    }

    /// Fields of one CSV line: double quotes around a field, `""` inside quotes.
    static func splitCSV(_ line: String, _ delimiter: Character) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    var lookahead = chars
                    if lookahead.next() == "\"" {
                        current.append("\"")
                        chars = lookahead
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else if c == delimiter {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
