/// JSON lines click logs and JSON access logs: one object per line; keys are matched to roles by
/// `--field` or by the built-in synonyms (`time`/`timestamp`/`ts`, `url`/`page`, `visitor`/`cookie_id`,
/// Caddy's `request.uri`, ...); keys of nested objects are named by their path (`request.uri`).
/// Strings are unescaped in place (\uXXXX to UTF-8); an array's first string is its value.
public final class JSONLinesParser: LineParser {
    public let formatName = "jsonl"
    private let keys: [(key: [UInt8], role: FieldRole, rank: Int)]
    private var bestRank = [Int](repeating: Int.max, count: FieldRole.allCases.count)
    private var pending: [(role: FieldRole, start: Int, end: Int)] = []
    /// The keys of the objects being read, in lower case, each followed by a dot (`request.headers.`).
    private var path: [UInt8] = []
    /// The paths (lower case, dot-ended) that lead to a known key: only these objects are read key
    /// by key; any other nested object is skipped in one scan, as before nesting was read.
    private let objectPaths: Set<[UInt8]>

    private let mapping: FieldMapping

    public init(mapping: FieldMapping) {
        self.mapping = mapping
        keys = mapping.keyTable()
        var paths = Set<[UInt8]>()
        for entry in keys {
            let key = entry.key.map(Self.lowered)
            for (i, byte) in key.enumerated() where byte == UInt8(ascii: ".") { paths.insert(Array(key[...i])) }
        }
        objectPaths = paths
    }

    /// ASCII upper case to lower case (paths are matched in lower case).
    @inline(__always) private static func lowered(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }

    public func copyForWorker() -> (any LineParser)? { JSONLinesParser(mapping: mapping) }

    public func parse(_ line: LineBuffer, into record: inout LogRecord) -> LineVerdict {
        guard let p = line.baseAddress else { return .reject(.invalidJSON) }
        let n = line.count
        let i = skipSpace(p, 0, n)
        guard i < n, p[i] == UInt8(ascii: "{") else { return .reject(.invalidJSON) }
        for k in bestRank.indices { bestRank[k] = Int.max }
        pending.removeAll(keepingCapacity: true)
        path.removeAll(keepingCapacity: true)
        let afterEmpty = skipSpace(p, i + 1, n)
        if afterEmpty < n && p[afterEmpty] == UInt8(ascii: "}") { return .reject(.missingTime) }
        guard object(p, i, n, depth: 0) != nil else { return .reject(.invalidJSON) }
        // Assign after the whole object is read, so the best-ranked key for each role wins.
        for item in pending where isBest(item) {
            if let reason = FieldMapping.assign(item.role, p, item.start, item.end, into: &record, timeFormat: mapping.timeFormat) { return .reject(reason) }
        }
        return record.epochMillis == LogRecord.noTime ? .reject(.missingTime) : .record
    }

    /// Objects nested this deep are still read (Caddy's `request.headers.User-Agent`); deeper ones are skipped.
    private static let maxDepth = 3

    /// Reads the object at p[i] (`{`), noting values whose key (dotted below the top level, as in
    /// `request.uri`) has a role. An array's first string is its value (headers in Caddy's logs are
    /// lists). Returns the index after the closing `}`, nil when the JSON is broken.
    private func object(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ n: Int, depth: Int) -> Int? {
        var i = start + 1
        i = skipSpace(p, i, n)
        if i < n && p[i] == UInt8(ascii: "}") { return i + 1 }
        while true {
            i = skipSpace(p, i, n)
            guard i < n, p[i] == FieldDecoding.quote, let (keyStart, keyEnd, afterKey) = string(p, i, n) else { return nil }
            i = skipSpace(p, afterKey, n)
            guard i < n, p[i] == UInt8(ascii: ":") else { return nil }
            i = skipSpace(p, i + 1, n)
            guard i < n else { return nil }
            var valueStart = i
            var valueEnd = i
            var isNull = false
            if p[i] == FieldDecoding.quote {
                guard let (s, e, after) = string(p, i, n) else { return nil }
                valueStart = s
                valueEnd = e
                i = after
            } else if p[i] == UInt8(ascii: "{") {
                isNull = true
                // The object's path, read key by key when it leads to a known key, else skipped.
                let saved = path.count
                for k in keyStart ..< keyEnd { path.append(Self.lowered(p[k])) }
                path.append(UInt8(ascii: "."))
                let after = depth < Self.maxDepth && objectPaths.contains(path) ? object(p, i, n, depth: depth + 1) : skipNested(p, i, n)
                path.removeSubrange(saved...)
                guard let after else { return nil }
                i = after
            } else if p[i] == UInt8(ascii: "[") {
                let first = skipSpace(p, i + 1, n)
                if first < n && p[first] == FieldDecoding.quote {
                    guard let (s, e, after) = string(p, first, n), let end = skipNested(p, after, n, depth: 1) else { return nil }
                    valueStart = s
                    valueEnd = e
                    i = end
                } else {
                    guard let after = skipNested(p, i, n) else { return nil }
                    i = after
                    isNull = true
                }
            } else {
                while i < n, p[i] != UInt8(ascii: ","), p[i] != UInt8(ascii: "}"), p[i] != FieldDecoding.space, p[i] != 9 { i += 1 }
                valueEnd = i
                if valueEnd - valueStart == 4 && p[valueStart] == UInt8(ascii: "n") { isNull = true }
            }
            if !isNull, let (role, rank) = lookup(p, keyStart, keyEnd), rank < bestRank[roleIndex(role)] {
                bestRank[roleIndex(role)] = rank
                pending.append((role, valueStart, valueEnd))
            }
            i = skipSpace(p, i, n)
            guard i < n else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard p[i] == UInt8(ascii: "}") else { return nil }
            return i + 1
        }
    }

    private func isBest(_ item: (role: FieldRole, start: Int, end: Int)) -> Bool {
        // Later entries for a role always have a better rank (they were only appended when better).
        !pending.contains { $0.role == item.role && $0.start > item.start }
    }

    @inline(__always) private func roleIndex(_ role: FieldRole) -> Int { FieldRole.allCases.firstIndex(of: role)! }

    /// The role of the key p[start..<end] under the current path (compared case-insensitively).
    private func lookup(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> (FieldRole, Int)? {
        let prefix = path.count
        let length = prefix + end - start
        @inline(__always) func byte(_ k: Int) -> UInt8 { k < prefix ? path[k] : p[start + k - prefix] }
        var best: (FieldRole, Int)? = nil
        for entry in keys where entry.key.count == length {
            let same = entry.key.withUnsafeBufferPointer { k in
                (0 ..< length).allSatisfy { (byte($0) | 0x20) == (k[$0] | 0x20) }
            }
            if same && (best == nil || entry.rank < best!.1) { best = (entry.role, entry.rank) }
        }
        return best
    }

    @inline(__always) private func skipSpace(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var i = i
        while i < n && (p[i] == FieldDecoding.space || p[i] == 9) { i += 1 }
        return i
    }

    /// Skips a nested object or array, honouring strings; returns the index after it. `depth` 1
    /// starts inside an already opened one.
    private func skipNested(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ n: Int, depth: Int = 0) -> Int? {
        var depth = depth
        var k = i
        while k < n {
            switch p[k] {
            case FieldDecoding.quote:
                var j = k + 1
                while j < n && p[j] != FieldDecoding.quote { j += p[j] == FieldDecoding.backslash ? 2 : 1 }
                guard j < n else { return nil }
                k = j
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return k + 1 }
            default: break
            }
            k += 1
        }
        return nil
    }

    /// Decodes the string starting at the quote p[i] in place. Returns (start, end, index after closing quote).
    private func string(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ n: Int) -> (Int, Int, Int)? {
        let start = i + 1
        var r = start
        var w = start
        while r < n {
            let b = p[r]
            if b == FieldDecoding.quote { return (start, w, r + 1) }
            if b != FieldDecoding.backslash {
                p[w] = b
                w += 1
                r += 1
                continue
            }
            guard r + 1 < n else { return nil }
            let e = p[r + 1]
            r += 2
            switch e {
            case UInt8(ascii: "n"): p[w] = 10
            case UInt8(ascii: "t"): p[w] = 9
            case UInt8(ascii: "r"): p[w] = 13
            case UInt8(ascii: "b"): p[w] = 8
            case UInt8(ascii: "f"): p[w] = 12
            case UInt8(ascii: "u"):
                guard var scalar = hex4(p, r, n) else { return nil }
                r += 4
                if scalar >= 0xD800 && scalar < 0xDC00, r + 6 <= n, p[r] == FieldDecoding.backslash, p[r + 1] == UInt8(ascii: "u"),
                    let low = hex4(p, r + 2, n), low >= 0xDC00 && low < 0xE000
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    r += 6
                }
                if scalar >= 0xD800 && scalar < 0xE000 { scalar = 0xFFFD }
                w = writeUTF8(UInt32(scalar), p, w)
                continue
            default: p[w] = e  // \" \\ \/
            }
            w += 1
        }
        return nil
    }

    private func hex4(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        guard i + 4 <= n else { return nil }
        var v = 0
        for k in 0 ..< 4 {
            let c = p[i + k]
            let d: Int
            switch c {
            case 48 ... 57: d = Int(c) - 48
            case 65 ... 70: d = Int(c) - 55
            case 97 ... 102: d = Int(c) - 87
            default: return nil
            }
            v = v * 16 + d
        }
        return v
    }

    /// UTF-8 of a scalar is never longer than its \u escape (6 or 12 bytes), so this stays in place.
    private func writeUTF8(_ s: UInt32, _ p: UnsafeMutablePointer<UInt8>, _ w: Int) -> Int {
        switch s {
        case 0 ..< 0x80:
            p[w] = UInt8(s)
            return w + 1
        case 0x80 ..< 0x800:
            p[w] = UInt8(0xC0 | (s >> 6))
            p[w + 1] = UInt8(0x80 | (s & 0x3F))
            return w + 2
        case 0x800 ..< 0x10000:
            p[w] = UInt8(0xE0 | (s >> 12))
            p[w + 1] = UInt8(0x80 | ((s >> 6) & 0x3F))
            p[w + 2] = UInt8(0x80 | (s & 0x3F))
            return w + 3
        default:
            p[w] = UInt8(0xF0 | (s >> 18))
            p[w + 1] = UInt8(0x80 | ((s >> 12) & 0x3F))
            p[w + 2] = UInt8(0x80 | ((s >> 6) & 0x3F))
            p[w + 3] = UInt8(0x80 | (s & 0x3F))
            return w + 4
        }
    }
}
