import GRDB

/// The `segment` column of results.sqlite's `sessions` table: each session's visitor segment, from
/// `session_segments` (the models' thread assigns segments after sessions.tsv is written, so the TSV
/// keeps the shape of `sessions` output and the join is made here, once both tables are in). The
/// segments are the main window's; a session of a shorter window is one of its sessions (same id).
enum SessionSegmentColumn {
    static func add(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            guard try db.tableExists("sessions"), try db.tableExists("session_segments") else { return }
            try db.execute(sql: "ALTER TABLE sessions ADD COLUMN segment INTEGER")
            try db.execute(sql: "CREATE INDEX session_segments_by_id ON session_segments (session_id)")
            try db.execute(sql: """
                UPDATE sessions SET segment = (SELECT g.segment FROM session_segments g
                                               WHERE g.session_id = sessions.session_id)
                """)
        }
    }
}
