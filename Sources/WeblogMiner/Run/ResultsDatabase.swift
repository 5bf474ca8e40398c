import Foundation
import GRDB

/// results.sqlite: one table per TSV result, same name and columns (documented in each command's
/// --help and in the README), typed INTEGER, REAL or TEXT by their content, so site owners can ask
/// `sqlite3 results.sqlite 'SELECT page, views FROM pages ORDER BY views DESC LIMIT 10'`.
public enum ResultsDatabase {
    public static func write(path: String, tsvDirectory: String, tables: [String]) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for name in tables {
                guard let table = TSVTable.read(tsvDirectory + "/" + name + ".tsv") else { continue }
                let types = table.header.indices.map { column -> String in
                    let values = table.rows.compactMap { $0.count > column && !$0[column].isEmpty ? $0[column] : nil }
                    if !values.isEmpty && values.allSatisfy({ Int64($0) != nil }) { return "INTEGER" }
                    if !values.isEmpty && values.allSatisfy({ Double($0) != nil }) { return "REAL" }
                    return "TEXT"
                }
                let columns = zip(table.header, types).map { "\"\($0.0)\" \($0.1)" }.joined(separator: ", ")
                try db.execute(sql: "CREATE TABLE \"\(name)\" (\(columns))")
                let placeholders = Array(repeating: "?", count: table.header.count).joined(separator: ", ")
                let statement = try db.makeStatement(sql: "INSERT INTO \"\(name)\" VALUES (\(placeholders))")
                for row in table.rows {
                    var values: [DatabaseValueConvertible?] = []
                    for (k, type) in types.enumerated() {
                        let cell = k < row.count ? row[k] : ""
                        if cell.isEmpty { values.append(nil); continue }
                        switch type {
                        case "INTEGER": values.append(Int64(cell))
                        case "REAL": values.append(Double(cell))
                        default: values.append(cell)
                        }
                    }
                    try statement.execute(arguments: StatementArguments(values))
                }
            }
        }
    }
}

/// A TSV result read back: header and rows, with `\t \n \r \\` unescaped.
public struct TSVTable {
    public var header: [String]
    public var rows: [[String]]

    public static func read(_ path: String) -> TSVTable? {
        guard let (bytes, _) = try? Decompressor.readAll(InputSpec(path)) else { return nil }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, !first.isEmpty else { return nil }
        let header = first.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        var rows: [[String]] = []
        for line in lines.dropFirst() where !line.isEmpty {
            rows.append(line.split(separator: "\t", omittingEmptySubsequences: false).map { unescape($0) })
        }
        return TSVTable(header: header, rows: rows)
    }

    static func unescape(_ cell: Substring) -> String {
        guard cell.contains("\\") else { return String(cell) }
        var out = ""
        var escaped = false
        for ch in cell {
            if escaped {
                switch ch {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "0": out.append("\0")
                default: out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        return out
    }

    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }
}
