/// Sequences of items (pages) as one contiguous integer array with offsets: the memory-lean layout the
/// miners work on. Item ids are dense (0..<itemCount); `names` gives each its page name, and
/// `spmfNumbers` its number in an SPMF input, so output can use the input's own numbering.
public struct SequenceDatabase: Sendable {
    public var items: [Int32] = []
    public var offsets: [Int] = [0]
    public var names: [String] = []
    public var spmfNumbers: [Int]? = nil

    public init() {}

    /// The dense id of `key`: ids in order of first appearance (a new one is announced to `added`).
    @inline(__always)
    static func id<Key: Hashable>(of key: Key, in ids: inout [Key: Int32], added: (Key) -> Void) -> Int32 {
        if let known = ids[key] { return known }
        let id = Int32(ids.count)
        ids[key] = id
        added(key)
        return id
    }

    public var count: Int { offsets.count - 1 }
    public var itemCount: Int { names.count }

    public func sequence(_ s: Int) -> ArraySlice<Int32> { items[offsets[s] ..< offsets[s + 1]] }

    /// Builds a database from sequences of names (ids in order of first appearance).
    public init(sequences: [[String]]) {
        var ids: [String: Int32] = [:]
        for seq in sequences {
            for name in seq { items.append(Self.id(of: name, in: &ids) { names.append($0) }) }
            offsets.append(items.count)
        }
    }

    /// The page sequences of sessions (inferred back-steps included, as `sessions` prints them),
    /// ids in order of first appearance as from names, without a string per view.
    public init(sessions: [Session], pages: ByteStringInterner) {
        var ids: [Int32: Int32] = [:]
        for s in sessions {
            for v in s.views { items.append(Self.id(of: v.page, in: &ids) { names.append(String(decoding: pages.bytes(of: $0), as: UTF8.self)) }) }
            offsets.append(items.count)
        }
    }

    public enum InputFormat: String, CaseIterable, Sendable {
        case auto
        /// SPMF: `1 -1 2 -1 -2`, comments `#`, `%`, `@`, and `@ITEM=id=name` names.
        case spmf
        /// One sequence per line, tokens separated by spaces.
        case seq
        /// `weblog-miner sessions` output (TSV with its header, or JSON lines): the `pages` column.
        case sessions
    }

    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads a whole text (small compared with logs: one line per session).
    public static func read(_ text: String, format: InputFormat = .auto, source: String = "input") throws(ReadError) -> SequenceDatabase {
        if format == .spmf || format == .auto, let db = plainSPMF(text, detect: format == .auto) { return db }
        return try readByLines(text, format: format, source: source)
    }

    /// The reader of every format, line by line.
    static func readByLines(_ text: String, format: InputFormat, source: String) throws(ReadError) -> SequenceDatabase {
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        var format = format
        if format == .auto {
            let first = lines.first { !$0.hasPrefix("#") && !$0.hasPrefix("%") && !$0.hasPrefix("@") } ?? ""
            if lines.first?.hasPrefix("session_id\t") == true || first.hasPrefix("{") {
                format = .sessions
            } else if first.hasSuffix("-2") || first.contains(" -1 ") || lines.contains(where: { $0.hasPrefix("@CONVERTED_FROM_TEXT") || $0.hasPrefix("@ITEM=") }) {
                format = .spmf
            } else {
                format = .seq
            }
        }
        switch format {
        case .spmf: return try readSPMF(lines, source: source)
        case .sessions: return try readSessions(lines, source: source)
        default: return SequenceDatabase(sequences: lines.filter { !$0.hasPrefix("#") }.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) })
        }
    }

    /// SPMF read from the bytes, without a String per line or token (reading was a fifth of a
    /// mining run). nil for anything but plain SPMF (with `detect`: unless the first sequence ends
    /// in -2): the line reader then decides, and words the errors.
    static func plainSPMF(_ text: String, detect: Bool) -> SequenceDatabase? {
        var text = text
        return text.withUTF8 { bytes -> SequenceDatabase? in
            var built = SPMFBuilder()
            var firstLine = true, sawSequence = false
            var start = 0
            let count = bytes.count
            while start < count {
                var end = start
                while end < count && bytes[end] != 10 { end += 1 }
                let next = end + 1
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                defer { start = next }
                guard end > start else { continue }
                let line = UnsafeBufferPointer(rebasing: bytes[start ..< end])
                if line.contains(13) { return nil }
                if firstLine && detect && line.starts(with: "session_id\t".utf8) { return nil }
                firstLine = false
                let head = line[0]
                if head == UInt8(ascii: "@") {
                    if line.starts(with: "@ITEM=".utf8) {
                        let rest = line[6...]
                        // As the line reader: a number, '=', a name that is not empty.
                        guard let equals = rest.firstIndex(of: UInt8(ascii: "=")), equals + 1 < rest.endIndex else { continue }
                        if let number = Int(String(decoding: rest[..<equals], as: UTF8.self)) {
                            built.named[number] = String(decoding: rest[(equals + 1)...], as: UTF8.self)
                        }
                    }
                    continue
                }
                if head == UInt8(ascii: "#") || head == UInt8(ascii: "%") { continue }
                if detect && !sawSequence && !(line.count >= 2 && line[line.count - 2] == UInt8(ascii: "-") && line[line.count - 1] == UInt8(ascii: "2")) { return nil }
                sawSequence = true
                // Tokens: items (digits), -1 (end of itemset), -2 (end of sequence), single spaces or more.
                var k = 0
                var itemsInItemset = 0
                while k < line.count {
                    if line[k] == 32 {
                        k += 1
                        continue
                    }
                    var negative = false
                    if line[k] == UInt8(ascii: "-") {
                        negative = true
                        k += 1
                    }
                    var value = 0, digits = 0
                    while k < line.count && line[k] != 32 {
                        let d = Int(line[k]) - 48
                        guard d >= 0 && d <= 9 && digits < 18 else { return nil }
                        value = value * 10 + d
                        digits += 1
                        k += 1
                    }
                    guard digits > 0 else { return nil }
                    if negative {
                        guard value == 1 || value == 2 else { return nil }
                        if value == 1 { itemsInItemset = 0 }
                        continue
                    }
                    itemsInItemset += 1
                    guard itemsInItemset == 1 else { return nil }
                    built.append(item: value)
                }
                built.endSequence()
            }
            return built.finish()
        }
    }

    private static func readSPMF(_ lines: [Substring], source: String) throws(ReadError) -> SequenceDatabase {
        var built = SPMFBuilder()
        for (n, line) in lines.enumerated() {
            if line.hasPrefix("@ITEM=") {
                let parts = line.dropFirst(6).split(separator: "=", maxSplits: 1)
                if parts.count == 2, let number = Int(parts[0]) { built.named[number] = String(parts[1]) }
                continue
            }
            if line.hasPrefix("#") || line.hasPrefix("%") || line.hasPrefix("@") { continue }
            var itemsInItemset = 0
            for token in line.split(separator: " ") {
                guard let value = Int(token) else {
                    throw ReadError(description: "\(source):\(n + 1): '\(token)' is not an SPMF item")
                }
                switch value {
                case -1: itemsInItemset = 0
                case -2: break
                default:
                    guard value >= 0 else { throw ReadError(description: "\(source):\(n + 1): negative item \(value)") }
                    itemsInItemset += 1
                    guard itemsInItemset == 1 else {
                        throw ReadError(description: "\(source):\(n + 1): itemsets of several items are not supported (one page per step)")
                    }
                    built.append(item: value)
                }
            }
            built.endSequence()
        }
        return built.finish()
    }

    /// A database from SPMF item numbers: dense ids in order of first appearance, names from
    /// `@ITEM=` lines or the numbers themselves.
    private struct SPMFBuilder {
        var db = SequenceDatabase()
        var named: [Int: String] = [:]
        var dense: [Int: Int32] = [:]
        var numbers: [Int] = []

        mutating func append(item value: Int) { db.items.append(SequenceDatabase.id(of: value, in: &dense) { numbers.append($0) }) }

        mutating func endSequence() { db.offsets.append(db.items.count) }

        func finish() -> SequenceDatabase {
            var db = self.db
            db.names = numbers.map { named[$0] ?? String($0) }
            db.spmfNumbers = numbers
            return db
        }
    }

    private static func readSessions(_ lines: [Substring], source: String) throws(ReadError) -> SequenceDatabase {
        var sequences: [[String]] = []
        if lines.first?.hasPrefix("session_id\t") == true {
            let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false)
            guard let column = header.firstIndex(of: "pages") else { throw ReadError(description: "\(source): no pages column") }
            for line in lines.dropFirst() {
                let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard column < cells.count else { continue }
                sequences.append(cells[column].split(separator: " ").map { String($0).replacingOccurrences("%20", " ") })
            }
        } else {
            for line in lines {
                guard let start = line.firstRange(of: "\"pages\":[") else { continue }
                let rest = line[start.upperBound...]
                guard let end = rest.firstIndex(of: "]") else { continue }
                // Page names are JSON strings; decode the few escapes our writer emits.
                var names: [String] = []
                var current = ""
                var inString = false
                var escaped = false
                for ch in rest[..<end] {
                    if escaped {
                        current.append(ch == "n" ? "\n" : ch == "t" ? "\t" : ch)
                        escaped = false
                    } else if ch == "\\" && inString {
                        escaped = true
                    } else if ch == "\"" {
                        if inString { names.append(current); current = "" }
                        inString.toggle()
                    } else if inString {
                        current.append(ch)
                    }
                }
                sequences.append(names)
            }
        }
        return SequenceDatabase(sequences: sequences)
    }
}
