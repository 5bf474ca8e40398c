/// One value of a result row; `.null` is an absent value (empty in TSV, null in JSON).
public enum FieldValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case real(Double)
    case null

    /// Shortest text that reads back as the same Double (PageRank values need every digit).
    var rendered: String {
        switch self {
        case .text(let s): s
        case .int(let v): String(v)
        case .real(let v): v.isFinite ? (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)") : ""
        case .null: ""
        }
    }
}

/// A result table with named, documented columns, written as TSV (header row) or JSON lines: the
/// one shape every record-writing subcommand shares.
public struct RecordTable {
    public struct Column: Sendable {
        public var name: String
        public var meaning: String
        public init(_ name: String, _ meaning: String) {
            self.name = name
            self.meaning = meaning
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[FieldValue]] = []
    /// Rows made on demand while writing (for tables as long as the graph: a million pages would
    /// otherwise hold some 400 MB of boxed values).
    private var lazyRows: (count: Int, row: (Int) -> [FieldValue])? = nil

    public init(columns: [Column]) { self.columns = columns }

    public init(columns: [Column], count: Int, row: @escaping (Int) -> [FieldValue]) {
        self.columns = columns
        lazyRows = (count, row)
    }

    public var count: Int { lazyRows?.count ?? rows.count }

    public func row(_ i: Int) -> [FieldValue] { lazyRows.map { $0.row(i) } ?? rows[i] }

    public mutating func append(_ row: [FieldValue]) {
        precondition(lazyRows == nil, "rows are made on demand")
        precondition(row.count == columns.count, "row has \(row.count) fields for \(columns.count) columns")
        rows.append(row)
    }

    /// Column help for `--help` texts.
    public static func help(_ columns: [Column], indent: Int = 2) -> String {
        let width = (columns.map(\.name.count).max() ?? 0) + 2
        return columns.map { String(repeating: " ", count: indent) + $0.name + String(repeating: " ", count: max(1, width - $0.name.count)) + $0.meaning }.joined(separator: "\n")
    }

    public func write(format: RecordOutputFormat, to out: OutputStream) throws(OutputError) {
        switch format {
        case .tsv:
            try out.write(columns.map(\.name).joined(separator: "\t") + "\n")
            for i in 0 ..< count { try out.write(row(i).map { tsvEscape($0.rendered) }.joined(separator: "\t") + "\n") }
        case .jsonl:
            for i in 0 ..< count {
                let row = row(i)
                var line = "{"
                for (k, value) in row.enumerated() {
                    if k > 0 { line += "," }
                    line += jsonQuote(columns[k].name) + ":"
                    switch value {
                    case .text(let s): line += jsonQuote(s)
                    case .null: line += "null"
                    case .real(let v) where !v.isFinite: line += "null"
                    default: line += value.rendered
                    }
                }
                try out.write(line + "}\n")
            }
        }
    }
}
