import Foundation
import GRDB

/// results.sqlite: one table per TSV result, same name and columns (documented in each command's
/// --help and in the README) after a first column `window` (1d, 7d, 28d, ...: which folder the row
/// is from), typed INTEGER, REAL or TEXT by their content, so site owners can ask
/// `sqlite3 results.sqlite "SELECT page, views FROM pages WHERE window = '28d' ORDER BY views DESC LIMIT 10"`.
public enum ResultsDatabase {
    /// Streams each TSV twice (column types, then rows), so even a large sessions.tsv is never held
    /// in memory whole. `windows`: (name, folder) of each window's TSV files.
    public static func write(path: String, windows: [(name: String, directory: String)], tables: [String]) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for name in tables {
                // Prospects and dwell exist in the main window only.
                let files = windows.map { ($0.name, InputSpec($0.directory + "/" + name + ".tsv")) }.filter { access($0.1.path, F_OK) == 0 }
                var header: [String] = []
                var isInteger: [Bool] = [], isReal: [Bool] = [], seen: [Bool] = []
                for (_, file) in files {
                    _ = try? Decompressor.forEachLine(file, { line, number in
                        let cells = TSVTable.cells(line)
                        if number == 1 {
                            if header.isEmpty {
                                header = cells
                                isInteger = Array(repeating: true, count: cells.count)
                                isReal = isInteger
                                seen = Array(repeating: false, count: cells.count)
                            }
                            return
                        }
                        for (k, cell) in cells.enumerated() where k < header.count && !cell.isEmpty {
                            seen[k] = true
                            if isInteger[k] && Int64(cell) == nil { isInteger[k] = false }
                            if isReal[k] && Double(cell) == nil { isReal[k] = false }
                        }
                    })
                }
                guard !header.isEmpty else { continue }
                let types = header.indices.map { !seen[$0] ? "TEXT" : isInteger[$0] ? "INTEGER" : isReal[$0] ? "REAL" : "TEXT" }
                let columns = zip(header, types).map { "\"\($0.0)\" \($0.1)" }.joined(separator: ", ")
                try db.execute(sql: "CREATE TABLE \"\(name)\" (\"window\" TEXT, \(columns))")
                let placeholders = Array(repeating: "?", count: header.count + 1).joined(separator: ", ")
                let statement = try db.makeStatement(sql: "INSERT INTO \"\(name)\" VALUES (\(placeholders))")
                for (window, file) in files {
                  _ = try Decompressor.forEachLine(file) { line, number in
                    guard number > 1, !line.isEmpty else { return }
                    let row = TSVTable.cells(line)
                    var values: [DatabaseValueConvertible?] = [window]
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

    /// The unescaped cells of one line.
    static func cells(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
        line.split(separator: 9, omittingEmptySubsequences: false).map { field in
            field.contains(92) ? unescape(Substring(String(decoding: field, as: UTF8.self))) : String(decoding: field, as: UTF8.self)
        }
    }

    static func unescape(_ cell: Substring) -> String {
        guard cell.utf8.contains(92) else { return String(cell) }
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
