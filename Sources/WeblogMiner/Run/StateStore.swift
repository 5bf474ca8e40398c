import Foundation
import GRDB

/// What a nightly run remembers (SQLite, one file): the log files already read (by device, inode
/// and a checksum of their head, so a rotated file is recognised under its new name, and with the
/// lines read, so a growing file is continued), every finished session, the sessions still open
/// at the end of the last run, the page names (stable ids) and the robots.txt fetchers. Results are
/// recomputed from the sessions, so running twice on the same input gives the same results.
public final class StateStore {
    private let queue: DatabaseQueue
    public let path: String

    public struct FileRecord: Sendable, Equatable {
        public var path: String
        public var device: Int64
        public var inode: Int64
        public var size: Int64
        /// SHA-256 of the first 64 KiB (as stored: compressed bytes for .gz).
        public var head: String
        public var lines: Int
    }

    public struct Loaded {
        public var files: [FileRecord] = []
        public var snapshot: Sessionizer.Snapshot? = nil
        public var closed: [Session] = []
        public var totals: [String: Int] = [:]
    }

    /// The layout this version writes; a store from a later version is refused, one from before
    /// versions existed (no `schema_version` row) is upgraded.
    public static let schemaVersion = 2

    /// A store that cannot be trusted: named, with what is wrong and what to do.
    public struct Damaged: Error, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String {
            "state store \(path) is damaged or not ours (\(problem)); nothing was changed. Run again with --rebuild-state to rebuild it from the logs given (every log is read again), or --no-state for a one-off run"
        }
    }

    /// Opens (or creates) the store. `rebuild`: an existing store is replaced by an empty one.
    public init(path: String, rebuild: Bool = false) throws {
        self.path = path
        var info = stat()
        let existed = lstat(path, &info) == 0 && info.st_size > 0
        if rebuild && existed {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        }
        // Personal data (raw addresses, user agents): created 0600, and one an earlier version left
        // readable by others (0644) is tightened (SQLite gives its journal the same mode).
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OutputError.cannotCreate(path: path, errno: errno) }
        var mode = stat()
        if fstat(fd, &mode) == 0 && (mode.st_mode & 0o077) != 0 && mode.st_uid == geteuid() { _ = fchmod(fd, 0o600) }
        close(fd)
        do {
            queue = try DatabaseQueue(path: path)
            try queue.write { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                let hadTables = !tables.isEmpty
                let ours = ["meta", "files", "pages", "sessions", "robots_txt"]
                if existed && !rebuild && hadTables, let missing = ours.first(where: { !tables.contains($0) }) {
                    // A store that holds something but lacks one of its tables lost history.
                    var rows = 0
                    for t in ours where tables.contains(t) { rows += try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t)") ?? 0 }
                    if rows > 0 { throw Damaged(path: path, problem: "table \(missing) is missing") }
                }
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS files(path TEXT NOT NULL, device INTEGER NOT NULL, inode INTEGER NOT NULL,
                        size INTEGER NOT NULL, head TEXT NOT NULL, lines INTEGER NOT NULL, processed_at TEXT NOT NULL,
                        PRIMARY KEY(device, inode));
                    CREATE TABLE IF NOT EXISTS pages(id INTEGER PRIMARY KEY, name BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS sessions(id INTEGER PRIMARY KEY, open INTEGER NOT NULL, visitor BLOB NOT NULL,
                        visitor_hash INTEGER NOT NULL, entry_referrer BLOB, user BLOB, several_users INTEGER NOT NULL,
                        views BLOB NOT NULL, last INTEGER NOT NULL, referrers INTEGER NOT NULL, entry_campaign INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE IF NOT EXISTS robots_txt(visitor_hash INTEGER PRIMARY KEY);
                    """)
                // Stores written before a column existed get it added, with its default.
                let columns = try db.columns(in: "sessions").map(\.name)
                if !columns.contains("entry_campaign") {
                    try db.execute(sql: "ALTER TABLE sessions ADD COLUMN entry_campaign INTEGER NOT NULL DEFAULT 0")
                }
                let version = try DatabaseValue.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
                if let version, !version.isNull {
                    guard let v = Int.fromDatabaseValue(version) else { throw Damaged(path: path, problem: "schema_version is not a number") }
                    if v > Self.schemaVersion { throw Damaged(path: path, problem: "written by a newer weblog-miner (schema \(v), this one reads \(Self.schemaVersion))") }
                }
                // Written only when it changes: opening a store must not touch it (a failed night leaves it byte for byte).
                if version.flatMap({ Int.fromDatabaseValue($0) }) != Self.schemaVersion {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", arguments: [Self.schemaVersion])
                }
            }
        } catch let damaged as Damaged {
            throw damaged
        } catch let error as DatabaseError {
            throw Damaged(path: path, problem: error.message ?? "\(error.resultCode)")
        }
        // Personal data (addresses, user agents): readable by its owner only.
        chmod(path, 0o600)
    }

    public func load() throws -> Loaded {
        do {
            return try queue.read { db in try loadChecked(db) }
        } catch let damaged as Damaged {
            throw damaged
        } catch let error as DatabaseError {
            throw Damaged(path: path, problem: error.message ?? "\(error.resultCode)")
        }
    }

    /// Reads everything, checking each value's type and that ids fit together (every view's page
    /// is a known page, session ids are below the next id): a damaged store is refused whole,
    /// never half-read.
    private func loadChecked(_ db: Database) throws -> Loaded {
        func bad(_ problem: String) -> Damaged { Damaged(path: path, problem: problem) }
        func int(_ row: Row, _ i: Int, _ what: String) throws -> Int64 {
            guard let v = Int64.fromDatabaseValue(row[i] as DatabaseValue) else { throw bad("\(what) is not an integer") }
            return v
        }
        func blob(_ row: Row, _ i: Int, _ what: String, optional: Bool = false) throws -> [UInt8]? {
            let value = row[i] as DatabaseValue
            if value.isNull {
                if optional { return nil }
                throw bad("\(what) is missing")
            }
            if let data = Data.fromDatabaseValue(value) { return [UInt8](data) }
            throw bad("\(what) has the wrong type")
        }
        func text(_ row: Row, _ i: Int, _ what: String) throws -> String {
            guard let v = String.fromDatabaseValue(row[i] as DatabaseValue) else { throw bad("\(what) is not text") }
            return v
        }
        var loaded = Loaded()
        for row in try Row.fetchAll(db, sql: "SELECT path, device, inode, size, head, lines FROM files") {
            let lines = try int(row, 5, "files.lines")
            guard lines >= 0 else { throw bad("files.lines is negative") }
            loaded.files.append(FileRecord(path: try text(row, 0, "files.path"), device: try int(row, 1, "files.device"), inode: try int(row, 2, "files.inode"),
                                           size: try int(row, 3, "files.size"), head: try text(row, 4, "files.head"), lines: Int(lines)))
        }
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") {
            loaded.totals[try text(row, 0, "meta.key")] = Int(try int(row, 1, "meta.value"))
        }
        loaded.totals["schema_version"] = nil
        let sessionCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions") ?? 0
        guard let nextID = loaded.totals["next_session_id"] else {
            if sessionCount > 0 || !loaded.files.isEmpty { throw bad("next_session_id is missing from meta") }
            return loaded
        }
        guard nextID >= 1 else { throw bad("next_session_id \(nextID) is not positive") }
        var pages = ByteStringInterner(capacity: 4096)
        var expectedID: Int64 = 0
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM pages ORDER BY id") {
            guard try int(row, 0, "pages.id") == expectedID else { throw bad("page ids are not 0 ... n-1 (page \(expectedID) is missing)") }
            _ = pages.intern(try blob(row, 1, "pages.name")!)
            expectedID += 1
        }
        let pageCount = Int32(pages.count)
        var open: [Sessionizer.Snapshot.OpenSession] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, open, visitor, visitor_hash, entry_referrer, user, several_users, views, last, referrers, entry_campaign FROM sessions ORDER BY id") {
            let id = try int(row, 0, "sessions.id")
            guard id >= 1 && id < nextID else { throw bad("session id \(id) is outside 1 ..< next_session_id \(nextID)") }
            guard let views = Self.decode(try blob(row, 7, "sessions.views")!, pageCount: pageCount) else {
                throw bad("session \(id): its views do not decode (a page id not in the page table, or a cut record)")
            }
            var s = Session(id: Int(id), visitor: try blob(row, 2, "sessions.visitor")!, visitorHash: UInt64(bitPattern: try int(row, 3, "sessions.visitor_hash")),
                            views: views, entryReferrer: try blob(row, 4, "sessions.entry_referrer", optional: true))
            s.user = try blob(row, 5, "sessions.user", optional: true)
            s.hasSeveralUsers = try int(row, 6, "sessions.several_users") != 0
            s.entryCampaign = try int(row, 10, "sessions.entry_campaign") != 0
            if try int(row, 1, "sessions.open") != 0 {
                open.append(.init(session: s, last: try int(row, 8, "sessions.last"), referrers: Int(try int(row, 9, "sessions.referrers"))))
            } else {
                loaded.closed.append(s)
            }
        }
        var robots: [UInt64] = []
        for row in try Row.fetchAll(db, sql: "SELECT visitor_hash FROM robots_txt") { robots.append(UInt64(bitPattern: try int(row, 0, "robots_txt.visitor_hash"))) }
        loaded.snapshot = Sessionizer.Snapshot(pages: pages, open: open, nextID: nextID, robotsTxtVisitors: robots)
        return loaded
    }

    /// Saves one run's work in a transaction and calls `publish` before committing: if publishing
    /// fails, nothing is saved, and the next run reads the same input again (results are the same).
    public func save(files: [FileRecord], closed: [Session], snapshot: Sessionizer.Snapshot, previousPageCount: Int,
                     totals: [String: Int], publish: () throws -> Void) throws {
        try queue.writeWithoutTransaction { db in
            try db.inTransaction {
                for f in files {
                    try db.execute(sql: "INSERT OR REPLACE INTO files(path, device, inode, size, head, lines, processed_at) VALUES (?, ?, ?, ?, ?, ?, datetime('now'))",
                                   arguments: [f.path, f.device, f.inode, f.size, f.head, f.lines])
                }
                for id in previousPageCount ..< snapshot.pages.count {
                    try db.execute(sql: "INSERT OR REPLACE INTO pages(id, name) VALUES (?, ?)", arguments: [id, Data(snapshot.pages.bytes(of: Int32(id)))])
                }
                try db.execute(sql: "DELETE FROM sessions WHERE open = 1")
                func insert(_ s: Session, open: Bool, last: Int64, referrers: Int) throws {
                    try db.execute(sql: "INSERT OR REPLACE INTO sessions(id, open, visitor, visitor_hash, entry_referrer, user, several_users, views, last, referrers, entry_campaign) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [s.id, open ? 1 : 0, Data(s.visitor), Int64(bitPattern: s.visitorHash), s.entryReferrer.map { Data($0) },
                                               s.user.map { Data($0) }, s.hasSeveralUsers ? 1 : 0, Self.encode(s.views), last, referrers, s.entryCampaign ? 1 : 0])
                }
                for s in closed { try insert(s, open: false, last: s.end, referrers: 0) }
                for o in snapshot.open { try insert(o.session, open: true, last: o.last, referrers: o.referrers) }
                for v in snapshot.robotsTxtVisitors {
                    try db.execute(sql: "INSERT OR IGNORE INTO robots_txt(visitor_hash) VALUES (?)", arguments: [Int64(bitPattern: v)])
                }
                var all = totals
                all["next_session_id"] = snapshot.nextID
                for (k, v) in all { try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [k, v]) }
                try publish()
                return .commit
            }
        }
    }

    /// Views as 17 bytes each: page i32, time i64, inferred u8, referrer i32 (little-endian).
    static func encode(_ views: [PageView]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(views.count * 17)
        for v in views {
            withUnsafeBytes(of: v.page.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: v.time.littleEndian) { bytes += $0 }
            bytes.append(v.inferred ? 1 : 0)
            withUnsafeBytes(of: v.referrer.littleEndian) { bytes += $0 }
        }
        return Data(bytes)
    }

    /// nil when the blob is not whole records, or names a page outside 0 ..< `pageCount`.
    static func decode(_ bytes: [UInt8], pageCount: Int32) -> [PageView]? {
        guard bytes.count % 17 == 0, !bytes.isEmpty else { return nil }
        var views: [PageView] = []
        views.reserveCapacity(bytes.count / 17)
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            var at = 0
            while at + 17 <= raw.count {
                let page = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self))
                let time = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: Int64.self))
                let inferred = raw[at + 12]
                let referrer = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 13, as: Int32.self))
                guard page >= 0 && page < pageCount, referrer >= -1 && referrer < pageCount, inferred <= 1 else { return false }
                views.append(PageView(page: page, time: time, inferred: inferred != 0, referrer: referrer))
                at += 17
            }
            return true
        }
        return ok ? views : nil
    }

    /// A log file as found now: device, inode, size and its first 64 KiB of content (decompressed,
    /// so a log that was rotated and then compressed is still recognised).
    public struct Found {
        public var record: FileRecord
        public var head: [UInt8]
        /// The file is compressed: its size on disk says nothing about its lines.
        public var isCompressed = false

        /// The record of the same log, if any: one whose content this file starts with (`head` is
        /// "BYTES:SHA256" over the first BYTES bytes, which also covers a log that was shorter then).
        /// One checksum per distinct length, not per record: a night may name dozens of rotated logs.
        /// A head shorter than `identifyingHead` bytes (an empty or nearly empty log) says nothing
        /// about which log it is: such a record is only the same file (device and inode) continued.
        public func earlierRecord(among records: [FileRecord]) -> FileRecord? {
            var digests: [Int: String] = [:]
            for seen in records {
                let parts = seen.head.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let n = Int(parts[0]), n <= head.count else { continue }
                if n < StateStore.identifyingHead && !(seen.device == record.device && seen.inode == record.inode) { continue }
                if digests[n] == nil { digests[n] = SHA256.hexDigest(head[..<n]) }
                if digests[n]! == parts[1] { return seen }
            }
            return nil
        }
    }

    /// Bytes of content that identify a log wherever it moves (a few lines: client, time, request).
    public static let identifyingHead = 256

    public static func identify(_ path: String) -> Found? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let reader = DecompressingReader(fd: fd)
        var head = [UInt8](repeating: 0, count: 65536)
        var filled = 0
        while filled < head.count {
            let n = head.withUnsafeMutableBufferPointer { reader.read(into: $0.baseAddress! + filled, capacity: $0.count - filled) }
            if n == 0 { break }
            filled += n
        }
        head.removeSubrange(filled...)
        let record = FileRecord(path: path, device: Int64(info.st_dev), inode: Int64(info.st_ino), size: Int64(info.st_size),
                                head: "\(head.count):" + SHA256.hexDigest(head[...]), lines: 0)
        return Found(record: record, head: head, isCompressed: reader.format != nil)
    }
}
