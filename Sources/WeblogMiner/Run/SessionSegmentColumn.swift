import GRDB

/// The `segment` column of results.sqlite's `sessions` table: each session's visitor segment, from
/// `session_segments` (the models' thread assigns segments after sessions.tsv is written, so the TSV
/// keeps the shape of `sessions` output; the sessions table is written once the segments are, with
/// the column bound beside each row). The segments are the main window's; a session of a shorter
/// window is one of its sessions (same id).
enum SessionSegmentColumn {
    /// The column, read from the main window's session_segments.tsv (none if it is missing).
    static func column(assignments path: String) -> ResultsDatabase.JoinedColumn? {
        var values: [Int64: Int64] = [:]
        var idColumn = -1, segmentColumn = -1
        guard (try? Decompressor.forEachLine(InputSpec(path), { line, number in
            if number == 1 {
                let header = TSVTable.cells(line)
                idColumn = header.firstIndex(of: "session_id") ?? -1
                segmentColumn = header.firstIndex(of: "segment") ?? -1
                return
            }
            var k = 0
            var id: Int64? = nil, segment: Int64? = nil
            ResultsDatabase.forEachCell(line) { cell in
                if k == idColumn { id = ResultsDatabase.parseInteger(cell) }
                if k == segmentColumn { segment = ResultsDatabase.parseInteger(cell) }
                k += 1
            }
            if let id, let segment { values[id] = segment }
        })) != nil, idColumn >= 0, segmentColumn >= 0 else { return nil }
        return ResultsDatabase.JoinedColumn(table: "sessions", name: "segment", key: "session_id", values: values)
    }

    /// Session-level questions join the two tables by id.
    static func index(path: String) throws {
        let queue = try ResultsDatabase.open(path)
        try queue.write { db in
            guard try db.tableExists("session_segments") else { return }
            try db.execute(sql: "CREATE INDEX session_segments_by_id ON session_segments (session_id)")
        }
    }
}
