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

    /// The store holds raw addresses and user agents (personal data): it is created 0600, and one
    /// left readable by others (an earlier version made it 0644) is tightened to 0600.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OutputError.cannotCreate(path: path, errno: errno) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & 0o077) != 0 && info.st_uid == geteuid() { _ = fchmod(fd, 0o600) }
        close(fd)
        queue = try DatabaseQueue(path: path)
        try queue.write { db in
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
        }
    }

    public func load() throws -> Loaded {
        try queue.read { db in
            var loaded = Loaded()
            for row in try Row.fetchAll(db, sql: "SELECT path, device, inode, size, head, lines FROM files") {
                loaded.files.append(FileRecord(path: row[0], device: row[1], inode: row[2], size: row[3], head: row[4], lines: row[5]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") { loaded.totals[row[0]] = row[1] }
            guard let nextID = loaded.totals["next_session_id"] else { return loaded }
            var pages = ByteStringInterner(capacity: 4096)
            for row in try Row.fetchAll(db, sql: "SELECT name FROM pages ORDER BY id") {
                let name: Data = row[0]
                _ = pages.intern([UInt8](name))
            }
            var open: [Sessionizer.Snapshot.OpenSession] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, open, visitor, visitor_hash, entry_referrer, user, several_users, views, last, referrers, entry_campaign FROM sessions ORDER BY id") {
                let visitor: Data = row[2]
                let referrer: Data? = row[4]
                let user: Data? = row[5]
                let blob: Data = row[7]
                var s = Session(id: row[0], visitor: [UInt8](visitor), visitorHash: UInt64(bitPattern: row[3]), views: Self.decode(blob),
                                entryReferrer: referrer.map { [UInt8]($0) })
                s.user = user.map { [UInt8]($0) }
                s.hasSeveralUsers = (row[6] as Int) != 0
                s.entryCampaign = (row[10] as Int) != 0
                if (row[1] as Int) != 0 {
                    open.append(.init(session: s, last: row[8], referrers: row[9]))
                } else {
                    loaded.closed.append(s)
                }
            }
            let robots = try Int64.fetchAll(db, sql: "SELECT visitor_hash FROM robots_txt").map { UInt64(bitPattern: $0) }
            loaded.snapshot = Sessionizer.Snapshot(pages: pages, open: open, nextID: nextID, robotsTxtVisitors: robots)
            return loaded
        }
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

    static func decode(_ data: Data) -> [PageView] {
        let bytes = [UInt8](data)
        var views: [PageView] = []
        views.reserveCapacity(bytes.count / 17)
        bytes.withUnsafeBytes { raw in
            var at = 0
            while at + 17 <= raw.count {
                let page = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self))
                let time = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: Int64.self))
                let inferred = raw[at + 12] != 0
                let referrer = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 13, as: Int32.self))
                views.append(PageView(page: page, time: time, inferred: inferred, referrer: referrer))
                at += 17
            }
        }
        return views
    }

    /// A log file as found now: device, inode, size and its first 64 KiB of content (decompressed,
    /// so a log that was rotated and then compressed is still recognised).
    public struct Found {
        public var record: FileRecord
        public var head: [UInt8]

        /// The record of the same log, if any: one whose content this file starts with (`head` is
        /// "BYTES:SHA256" over the first BYTES bytes, which also covers a log that was shorter then).
        /// One checksum per distinct length, not per record: a night may name dozens of rotated logs.
        public func earlierRecord(among records: [FileRecord]) -> FileRecord? {
            var digests: [Int: String] = [:]
            for seen in records {
                let parts = seen.head.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let n = Int(parts[0]), n <= head.count else { continue }
                if digests[n] == nil { digests[n] = SHA256.hexDigest(head[..<n]) }
                if digests[n]! == parts[1] { return seen }
            }
            return nil
        }
    }

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
        return Found(record: record, head: head)
    }
}
