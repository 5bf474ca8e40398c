/// Sequences of items (pages) as one contiguous integer array with offsets: the memory-lean layout the
/// miners work on. Item ids are dense (0..<itemCount); `names` gives each its page name, and
/// `spmfNumbers` its number in an SPMF input, so output can use the input's own numbering.
public struct SequenceDatabase: Sendable {
    public var items: [Int32] = []
    public var offsets: [Int] = [0]
    public var names: [String] = []
    public var spmfNumbers: [Int]? = nil

    public init() {}

    public var count: Int { offsets.count - 1 }
    public var itemCount: Int { names.count }

    public func sequence(_ s: Int) -> ArraySlice<Int32> { items[offsets[s] ..< offsets[s + 1]] }

    /// Builds a database from sequences of names (ids in order of first appearance).
    public init(sequences: [[String]]) {
        var ids: [String: Int32] = [:]
        for seq in sequences {
            for name in seq {
                let id: Int32
                if let known = ids[name] {
                    id = known
                } else {
                    id = Int32(names.count)
                    ids[name] = id
                    names.append(name)
                }
                items.append(id)
            }
            offsets.append(items.count)
        }
    }

    /// The page sequences of sessions (inferred back-steps included, as `sessions` prints them),
    /// ids in order of first appearance as from names, without a string per view.
    public init(sessions: [Session], pages: ByteStringInterner) {
        var ids: [Int32: Int32] = [:]
        for s in sessions {
            for v in s.views {
                let id: Int32
                if let known = ids[v.page] {
                    id = known
                } else {
                    id = Int32(names.count)
                    ids[v.page] = id
                    names.append(String(decoding: pages.bytes(of: v.page), as: UTF8.self))
                }
                items.append(id)
            }
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

    private static func readSPMF(_ lines: [Substring], source: String) throws(ReadError) -> SequenceDatabase {
        var db = SequenceDatabase()
        var named: [Int: String] = [:]
        var dense: [Int: Int32] = [:]
        var numbers: [Int] = []
        for (n, line) in lines.enumerated() {
            if line.hasPrefix("@ITEM=") {
                let parts = line.dropFirst(6).split(separator: "=", maxSplits: 1)
                if parts.count == 2, let number = Int(parts[0]) { named[number] = String(parts[1]) }
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
                    let id: Int32
                    if let known = dense[value] {
                        id = known
                    } else {
                        id = Int32(numbers.count)
                        dense[value] = id
                        numbers.append(value)
                    }
                    db.items.append(id)
                }
            }
            db.offsets.append(db.items.count)
        }
        db.names = numbers.map { named[$0] ?? String($0) }
        db.spmfNumbers = numbers
        return db
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
