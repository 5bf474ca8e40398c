/// CSV / TSV / `;`-separated click logs with a field mapping.
///
/// - CSV quoting (RFC 4180: `"a ""b"" c"`) is decoded in place.
/// - In tab-separated input, backslash escapes (`\t`, `\n`, `\r`, `\\`, `\0`) are decoded, which is
///   how our own `parse` output escapes, so `weblog-miner parse ... | weblog-miner sessions -` round-trips.
/// - With a header (default) columns are matched by name; without, `--field role=N` picks 1-based columns.
public final class DelimitedParser: LineParser {
    public let formatName: String
    private let delimiter: UInt8
    private let hasHeader: Bool
    private let mapping: FieldMapping
    private var columns: [FieldRole?] = []
    private var sawHeader = false
    private var starts: [Int] = []
    private var ends: [Int] = []
    /// The header line as read, so that copies (and concatenated files) skip it wherever it appears.
    private var headerLine: [UInt8]? = nil

    /// `name`: the format's name in notes and the summary (by default from the delimiter).
    public init(delimiter: UInt8, hasHeader: Bool = true, mapping: FieldMapping, name: String? = nil) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.mapping = mapping
        formatName = name ?? Self.name(of: delimiter)
    }

    /// `tsv`, `csv` or `delimited ';'`.
    static func name(of delimiter: UInt8) -> String {
        switch delimiter {
        case 9: "tsv"
        case UInt8(ascii: ","): "csv"
        default: "delimited '\(Character(UnicodeScalar(delimiter)))'"
        }
    }

    /// The role of each column, known after the header (or the first line without one).
    public var columnRoles: [FieldRole?] { columns }

    public func copyForWorker() -> (any LineParser)? {
        let copy = DelimitedParser(delimiter: delimiter, hasHeader: hasHeader, mapping: mapping, name: formatName)
        copy.columns = columns
        copy.sawHeader = sawHeader
        copy.headerLine = headerLine
        return copy
    }

    public func parse(_ line: LineBuffer, into record: inout LogRecord) -> LineVerdict {
        guard let p = line.baseAddress else { return .reject(.formatMismatch) }
        if let headerLine, headerLine.count == line.count, headerLine.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p, line.count) == 0 }) {
            return .skip
        }
        let original = sawHeader || !hasHeader ? nil : Array(line)
        guard split(p, line.count) else { return .reject(.badQuoting) }
        if !sawHeader {
            sawHeader = true
            if hasHeader {
                headerLine = original
                let names = zip(starts, ends).map { String(decoding: UnsafeBufferPointer(start: p + $0, count: $1 - $0), as: UTF8.self) }
                columns = mapping.resolve(header: names.map { $0.trimmingCharacters(in: " ") })
                return .skip
            }
            columns = mapping.resolve(columnCount: starts.count)
        }
        let n = min(starts.count, columns.count)
        for c in 0 ..< n {
            guard let role = columns[c] else { continue }
            if let reason = FieldMapping.assign(role, p, starts[c], ends[c], into: &record, timeFormat: mapping.timeFormat) { return .reject(reason) }
        }
        if record.epochMillis == LogRecord.noTime {
            return starts.count < columns.count && columns[starts.count...].contains(.time) ? .reject(.formatMismatch) : .reject(.missingTime)
        }
        return .record
    }

    /// Cuts the line into fields, decoding quotes/escapes in place. False on an unclosed quote.
    private func split(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var i = 0
        let quote = FieldDecoding.quote
        while true {
            if i < count && p[i] == quote && delimiter != 9 {
                // Quoted CSV field: "" stands for one quote; decode by moving bytes left.
                var r = i + 1
                var w = i
                var closed = false
                while r < count {
                    if p[r] == quote {
                        if r + 1 < count && p[r + 1] == quote {
                            p[w] = quote
                            w += 1
                            r += 2
                            continue
                        }
                        closed = true
                        r += 1
                        break
                    }
                    p[w] = p[r]
                    w += 1
                    r += 1
                }
                guard closed else { return false }
                starts.append(i)
                ends.append(w)
                // Skip anything up to the delimiter (tolerates `"a" ,`).
                while r < count && p[r] != delimiter { r += 1 }
                if r >= count { return true }
                i = r + 1
                continue
            }
            let fieldEnd = ByteSearch.find(delimiter, in: p, from: i, end: count) ?? count
            starts.append(i)
            ends.append(delimiter == 9 ? Self.unescapeTSV(p, i, fieldEnd) : fieldEnd)
            if fieldEnd >= count { return true }
            i = fieldEnd + 1
        }
    }

    /// Decodes `\t \n \r \\ \0` in place; returns the new end.
    static func unescapeTSV(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        guard end > start, ByteSearch.find(FieldDecoding.backslash, in: p, from: start, end: end) != nil else { return end }
        var r = start
        var w = start
        while r < end {
            if p[r] == FieldDecoding.backslash && r + 1 < end {
                let decoded: UInt8?
                switch p[r + 1] {
                case UInt8(ascii: "t"): decoded = 9
                case UInt8(ascii: "n"): decoded = 10
                case UInt8(ascii: "r"): decoded = 13
                case UInt8(ascii: "0"): decoded = 0
                case FieldDecoding.backslash: decoded = FieldDecoding.backslash
                default: decoded = nil
                }
                if let decoded {
                    p[w] = decoded
                    w += 1
                    r += 2
                    continue
                }
            }
            p[w] = p[r]
            w += 1
            r += 1
        }
        return w
    }
}
