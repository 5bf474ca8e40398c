import Foundation
import GRDB
import GRDBSQLite

/// results.sqlite: one table per TSV result, same name and columns (documented in each command's
/// --help and in the README) after a first column `window` (1d, 7d, 28d, ...: which folder the row
/// is from), typed INTEGER, REAL or TEXT by their content, so site owners can ask
/// `sqlite3 results.sqlite "SELECT page, views FROM pages WHERE window = '28d' ORDER BY views DESC LIMIT 10"`.
public enum ResultsDatabase {
    /// SQLite copies the bytes (the C macro, which Swift does not import).
    static let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    enum ColumnType { case integer, real, text }

    /// results.sqlite is written in the run's staging directory and published by rename, so a crash
    /// never leaves a half-written file where readers look: no rollback journal and no fsync while it
    /// is filled (they cost more than the rows on a night of half a million sessions).
    static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// For a file that is not published yet (see `open`: no journal). Streams each TSV twice (column
    /// types, then rows), so even a large sessions.tsv is never held
    /// in memory whole; cells are read as bytes and bound straight into one prepared statement (a
    /// night's windows hold hundreds of thousands of rows). `windows`: (name, folder) of each
    /// window's TSV files.
    ///
    /// `joined`: integer columns added at the end of a table's rows, looked up by the row's integer
    /// key (the sessions' segments, which come from another table, go in with the rows instead of an
    /// UPDATE that would rewrite every row).
    public static func write(path: String, windows: [(name: String, directory: String)], tables: [String], joined: [JoinedColumn] = []) throws {
        let queue = try open(path)
        try queue.write { db in
            for name in tables {
                // Prospects and dwell exist in the main window only.
                let files = windows.map { ($0.name, InputSpec($0.directory + "/" + name + ".tsv")) }.filter { access($0.1.path, F_OK) == 0 }
                var header: [String] = []
                var isInteger: [Bool] = [], isReal: [Bool] = [], seen: [Bool] = []
                for (_, file) in files {
                    _ = try Decompressor.forEachLine(file, { line, number in
                        if number == 1 {
                            if header.isEmpty {
                                header = TSVTable.cells(line)
                                isInteger = Array(repeating: true, count: header.count)
                                isReal = isInteger
                                seen = Array(repeating: false, count: header.count)
                            }
                            return
                        }
                        var k = 0
                        forEachCell(line) { cell in
                            defer { k += 1 }
                            guard k < header.count, !cell.isEmpty else { return }
                            seen[k] = true
                            if isInteger[k] && parseInteger(cell) == nil { isInteger[k] = false }
                            if isReal[k] && !isInteger[k] && parseReal(cell) == nil { isReal[k] = false }
                        }
                    })
                }
                guard !header.isEmpty else { continue }
                let types: [ColumnType] = header.indices.map { !seen[$0] ? .text : isInteger[$0] ? .integer : isReal[$0] ? .real : .text }
                let join = joined.first { $0.table == name }
                let joinKey = join.flatMap { j in header.firstIndex(of: j.key).flatMap { types[$0] == .integer ? $0 : nil } }
                let allNames = header + (join != nil ? [join!.name] : [])
                var columns = zip(header, types).map { "\"\($0.0)\" \($0.1 == .integer ? "INTEGER" : $0.1 == .real ? "REAL" : "TEXT")" }.joined(separator: ", ")
                if let join { columns += ", \"\(join.name)\" INTEGER" }
                try db.execute(sql: "CREATE TABLE \"\(name)\" (\"window\" TEXT, \(columns))")
                let placeholders = Array(repeating: "?", count: allNames.count + 1).joined(separator: ", ")
                let statement = try db.makeStatement(sql: "INSERT INTO \"\(name)\" VALUES (\(placeholders))")
                let raw = statement.sqliteStatement
                var inserted: [(device: UInt64, inode: UInt64, window: String)] = []
                for (window, file) in files {
                    // Windows of the same days share their session files (hard links): rows copied inside SQLite.
                    var info = stat()
                    let known = stat(file.path, &info) == 0 ? (UInt64(info.st_dev), UInt64(info.st_ino)) : (0, 0)
                    if known.1 != 0, let same = inserted.first(where: { $0.device == known.0 && $0.inode == known.1 }) {
                        let names = allNames.map { "\"\($0)\"" }.joined(separator: ", ")
                        try db.execute(sql: "INSERT INTO \"\(name)\" SELECT ?, \(names) FROM \"\(name)\" WHERE \"window\" = ?", arguments: [window, same.window])
                        continue
                    }
                    inserted.append((known.0, known.1, window))
                    _ = try Decompressor.forEachLine(file) { line, number in
                        guard number > 1, !line.isEmpty else { return }
                        sqlite3_reset(raw)
                        sqlite3_clear_bindings(raw)
                        sqlite3_bind_text(raw, 1, window, -1, SQLITE_TRANSIENT)
                        var k = 0
                        var key: Int64? = nil
                        forEachCell(line) { cell in
                            defer { k += 1 }
                            guard k < types.count, !cell.isEmpty else { return }
                            if k == joinKey { key = parseInteger(cell) }
                            let at = Int32(k + 2)
                            switch types[k] {
                            case .integer: sqlite3_bind_int64(raw, at, parseInteger(cell)!)
                            case .real: sqlite3_bind_double(raw, at, parseReal(cell)!)
                            case .text:
                                if cell.contains(92) {
                                    sqlite3_bind_text(raw, at, TSVTable.unescape(Substring(String(decoding: cell, as: UTF8.self))), -1, SQLITE_TRANSIENT)
                                } else {
                                    cell.withMemoryRebound(to: CChar.self) { _ = sqlite3_bind_text(raw, at, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
                                }
                            }
                        }
                        if let join, let key, let value = join.values[key] { sqlite3_bind_int64(raw, Int32(header.count + 2), value) }
                        let rc = sqlite3_step(raw)
                        guard rc == SQLITE_DONE else {
                            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                        }
                    }
                }
                sqlite3_reset(raw)
            }
        }
    }

    /// An INTEGER column `name` added to `table`: `values[key]` for the row's `key` column (NULL
    /// when missing).
    public struct JoinedColumn {
        public var table: String
        public var name: String
        public var key: String
        public var values: [Int64: Int64]
    }

    static func forEachCell(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        var start = 0
        for i in 0 ... line.count where i == line.count || line[i] == 9 {
            try body(UnsafeBufferPointer(rebasing: line[start ..< i]))
            start = i + 1
        }
    }

    /// A decimal integer that fits Int64 (optional sign, digits only), as `Int64(String)` reads it.
    static func parseInteger(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if cell.first == 45 || cell.first == 43 { negative = cell.first == 45; i = 1 }
        guard i < cell.count else { return nil }
        var value: Int64 = 0
        while i < cell.count {
            let d = cell[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            value = a
            i += 1
        }
        return value
    }

    /// A number as `Double(String)` reads it (nan and inf included).
    static func parseReal(_ cell: UnsafeBufferPointer<UInt8>) -> Double? {
        Double(String(decoding: cell, as: UTF8.self))
    }
}

/// A TSV result read back: header and rows, with `\t \n \r \\` unescaped.
public struct TSVTable {
    public var header: [String]
    public var rows: [[String]]
    /// Rows in the file (more than `rows` when read with a limit).
    public var totalRows: Int

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
        totalRows = rows.count
    }

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

    /// The header and at most `rows` first rows (the report shows the top of each table; patterns
    /// and rules may hold tens of thousands).
    /// `totalRows` counts them all.
    public static func read(_ path: String, rows limit: Int) -> TSVTable? {
        var header: [String]? = nil
        var rows: [[String]] = []
        var total = 0
        guard (try? Decompressor.forEachLine(InputSpec(path), { line, number in
            if number == 1 {
                header = cells(line)
                return
            }
            guard !line.isEmpty else { return }
            total += 1
            if rows.count < limit { rows.append(cells(line)) }
        })) != nil, let header, !(header.count == 1 && header[0].isEmpty) else { return nil }
        var table = TSVTable(header: header, rows: rows)
        table.totalRows = total
        return table
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
