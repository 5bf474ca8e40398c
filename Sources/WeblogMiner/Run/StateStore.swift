import Foundation
import GRDB

/// What a nightly run remembers (SQLite, one file): the log files already read (by device, inode
/// and a checksum of their head, so a rotated file is recognised under its new name, and with the
/// lines read, so a growing file is continued), the finished sessions of the retention window (by
/// the day they started), one `UsagePartial` per day for every day ever seen (kept after the day's
/// sessions are gone), the sessions still open at the end of the last run, the page names (stable
/// ids) and the robots.txt fetchers. A night reads only what its windows need: the partials of
/// their days and the sessions of the mining windows, never all history.
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
        /// Finished sessions not yet given a day (all of them in a store of schema 2 or before): the
        /// run assigns their days and builds those days' partials, which upgrades the store.
        public var undated: [Session] = []
        public var totals: [String: Int] = [:]
        /// The days that have a partial.
        public var days: [Int32] = []
        public var settings: [String: String] = [:]
    }

    /// The layout this version writes; a store from a later version is refused, one from an earlier
    /// version (2: sessions without days; none: before versions existed) is upgraded by the next
    /// run that saves (in its transaction, so a failed night leaves the old store as it was).
    public static let schemaVersion = 3
    /// The version found when opened (0: none recorded).
    public private(set) var storedVersion = 0

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
        var found = 0
        do {
            queue = try DatabaseQueue(path: path)
            try queue.write { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                let hadTables = !tables.isEmpty
                let version = tables.contains("meta") ? try DatabaseValue.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") : nil
                var ours = ["meta", "files", "pages", "sessions", "robots_txt"]
                if let v = version.flatMap({ Int.fromDatabaseValue($0) }), v >= 3 { ours += ["days", "settings"] }
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
                        views BLOB NOT NULL, last INTEGER NOT NULL, referrers INTEGER NOT NULL, entry_campaign INTEGER NOT NULL DEFAULT 0, day INTEGER);
                    CREATE TABLE IF NOT EXISTS robots_txt(visitor_hash INTEGER PRIMARY KEY);
                    CREATE TABLE IF NOT EXISTS days(day INTEGER PRIMARY KEY, detailed INTEGER NOT NULL, partial BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS visitors(visitor_hash INTEGER PRIMARY KEY, last_day INTEGER NOT NULL);
                    """)
                // Stores written before a column existed get it added, with its default.
                let columns = try db.columns(in: "sessions").map(\.name)
                if !columns.contains("entry_campaign") {
                    try db.execute(sql: "ALTER TABLE sessions ADD COLUMN entry_campaign INTEGER NOT NULL DEFAULT 0")
                }
                if !columns.contains("day") { try db.execute(sql: "ALTER TABLE sessions ADD COLUMN day INTEGER") }
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS sessions_by_day ON sessions(day)")
                if let version, !version.isNull {
                    guard let v = Int.fromDatabaseValue(version) else { throw Damaged(path: path, problem: "schema_version is not a number") }
                    if v > Self.schemaVersion { throw Damaged(path: path, problem: "written by a newer weblog-miner (schema \(v), this one reads \(Self.schemaVersion))") }
                    found = v
                }
                if !hadTables {
                    // A new store is of this version from the start.
                    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", arguments: [Self.schemaVersion])
                    found = Self.schemaVersion
                }
            }
            storedVersion = found
        } catch let damaged as Damaged {
            throw damaged
        } catch let error as DatabaseError {
            throw Damaged(path: path, problem: error.message ?? "\(error.resultCode)")
        }
        // Personal data (addresses, user agents): readable by its owner only.
        chmod(path, 0o600)
    }

    public func load() throws -> Loaded {
        try guarded { try queue.read { db in try loadChecked(db) } }
    }

    /// Reads everything, checking each value's type and that ids fit together (every view's page
    /// is a known page, session ids are below the next id): a damaged store is refused whole,
    /// never half-read.
    /// A column's value of the expected type, or the damage named.
    private func int(_ row: Row, _ i: Int, _ what: String) throws -> Int64 {
        guard let v = Int64.fromDatabaseValue(row[i] as DatabaseValue) else { throw Damaged(path: path, problem: "\(what) is not an integer") }
        return v
    }

    private func blob(_ row: Row, _ i: Int, _ what: String, optional: Bool = false) throws -> [UInt8]? {
        let value = row[i] as DatabaseValue
        if value.isNull {
            if optional { return nil }
            throw Damaged(path: path, problem: "\(what) is missing")
        }
        if let data = Data.fromDatabaseValue(value) { return [UInt8](data) }
        throw Damaged(path: path, problem: "\(what) has the wrong type")
    }

    private func loadChecked(_ db: Database) throws -> Loaded {
        func bad(_ problem: String) -> Damaged { Damaged(path: path, problem: problem) }
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
        // Open sessions now; finished ones when a window asks for their days (`closedSessions`), except
        // those without a day (a store from before days), which the upgrade needs all of.
        var open: [Sessionizer.Snapshot.OpenSession] = []
        for row in try Row.fetchAll(db, sql: "SELECT \(Self.sessionColumns) FROM sessions WHERE open != 0 OR day IS NULL ORDER BY id") {
            let (s, isOpen, last, referrers) = try decodeSession(row, nextID: nextID, pageCount: pageCount)
            if isOpen { open.append(.init(session: s, last: last, referrers: referrers)) } else { loaded.undated.append(s) }
        }
        if let maxID = try Int64.fetchOne(db, sql: "SELECT max(id) FROM sessions"), maxID >= nextID {
            throw bad("session id \(maxID) is outside 1 ..< next_session_id \(nextID)")
        }
        for row in try Row.fetchAll(db, sql: "SELECT day FROM days ORDER BY day") {
            guard let d = Int32.fromDatabaseValue(row[0] as DatabaseValue) else { throw bad("days.day is not a day number") }
            loaded.days.append(d)
        }
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM settings") { loaded.settings[try text(row, 0, "settings.key")] = try text(row, 1, "settings.value") }
        self.pageCount = pageCount
        self.nextID = nextID
        var robots: [UInt64] = []
        for row in try Row.fetchAll(db, sql: "SELECT visitor_hash FROM robots_txt") { robots.append(UInt64(bitPattern: try int(row, 0, "robots_txt.visitor_hash"))) }
        loaded.snapshot = Sessionizer.Snapshot(pages: pages, open: open, nextID: nextID, robotsTxtVisitors: robots)
        return loaded
    }

    private var pageCount: Int32 = 0
    private var nextID = 1
    private static let sessionColumns = "id, open, visitor, visitor_hash, entry_referrer, user, several_users, views, last, referrers, entry_campaign, day"

    /// One row of `sessions`, every value's type and every id checked.
    private func decodeSession(_ row: Row, nextID: Int, pageCount: Int32) throws -> (Session, open: Bool, last: Int64, referrers: Int) {
        func bad(_ problem: String) -> Damaged { Damaged(path: path, problem: problem) }
        func int(_ i: Int, _ what: String) throws -> Int64 { try self.int(row, i, what) }
        func blob(_ i: Int, _ what: String, optional: Bool = false) throws -> [UInt8]? { try self.blob(row, i, what, optional: optional) }
        let id = try int(0, "sessions.id")
        guard id >= 1 && id < nextID else { throw bad("session id \(id) is outside 1 ..< next_session_id \(nextID)") }
        guard let views = Self.decode(try blob(7, "sessions.views")!, pageCount: pageCount) else {
            throw bad("session \(id): its views do not decode (a page id not in the page table, or a cut record)")
        }
        var s = Session(id: Int(id), visitor: try blob(2, "sessions.visitor")!, visitorHash: UInt64(bitPattern: try int(3, "sessions.visitor_hash")),
                        views: views, entryReferrer: try blob(4, "sessions.entry_referrer", optional: true))
        s.user = try blob(5, "sessions.user", optional: true)
        s.hasSeveralUsers = try int(6, "sessions.several_users") != 0
        s.entryCampaign = try int(10, "sessions.entry_campaign") != 0
        return (s, try int(1, "sessions.open") != 0, try int(8, "sessions.last"), Int(try int(9, "sessions.referrers")))
    }

    /// The finished sessions that started in `days` (after `load`), by id.
    public func closedSessions(days: ClosedRange<Int32>) throws -> [Session] {
        try guarded {
            try queue.read { db in
                // A cursor: one row at a time, never every row's blobs at once beside the sessions.
                var out: [Session] = []
                let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.sessionColumns) FROM sessions WHERE open = 0 AND day BETWEEN ? AND ? ORDER BY id",
                                               arguments: [days.lowerBound, days.upperBound])
                while let row = try rows.next() { out.append(try decodeSession(row, nextID: nextID, pageCount: pageCount).0) }
                return out
            }
        }
    }

    /// The stored partials of these days (after `load`); days without one are absent.
    public func partials(_ days: some Sequence<Int32>) throws -> [Int32: UsagePartial] {
        try guarded {
            try queue.read { db in
                var out: [Int32: UsagePartial] = [:]
                let statement = try db.makeStatement(sql: "SELECT partial FROM days WHERE day = ?")
                for day in days {
                    guard let value = try DatabaseValue.fetchOne(statement, arguments: [day]) else { continue }
                    guard let data = Data.fromDatabaseValue(value), let p = UsagePartial.decode([UInt8](data), pageCount: pageCount) else {
                        throw Damaged(path: path, problem: "the aggregates of \(SiteCalendar.label(day)) do not decode")
                    }
                    out[day] = p
                }
                return out
            }
        }
    }

    /// The visitors seen within the retention window (kept by runs whose segment is new or returning
    /// visitors: a visitor is returning when seen before, within --retain days of absence).
    public func visitors() throws -> [UInt64] {
        try guarded {
            try queue.read { db in
                try Int64.fetchAll(db, sql: "SELECT visitor_hash FROM visitors").map { UInt64(bitPattern: $0) }
            }
        }
    }

    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let damaged as Damaged {
            throw damaged
        } catch let error as DatabaseError {
            throw Damaged(path: path, problem: error.message ?? "\(error.resultCode)")
        }
    }

    /// One night's changes besides the sessions: the partials of the days it touched (whole, as
    /// they now stand), the settings the days depend on, and the retention cut.
    public struct DayChanges {
        public var partials: [Int32: UsagePartial] = [:]
        public var settings: [String: String] = [:]
        /// Finished sessions that started before this day are deleted, and the partials of those
        /// days lose their visitor detail (nil: keep everything).
        public var retainFrom: Int32? = nil
        /// Visitors seen this night (every finished session's, in or out of the segment), with the
        /// day of their last view; forgotten after the retention window.
        public var visitors: [UInt64: Int32] = [:]
        public init() {}
    }

    /// Saves one run's work in a transaction and calls `publish` before committing: if publishing
    /// fails, nothing is saved, and the next run reads the same input again (results are the same).
    /// `closed`: the finished sessions to write, each with the day it started.
    public func save(files: [FileRecord], closed: [(session: Session, day: Int32)], snapshot: Sessionizer.Snapshot, previousPageCount: Int,
                     totals: [String: Int], days: DayChanges, publish: () throws -> Void) throws {
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
                // One prepared statement for every session: a night writes tens of thousands.
                let insertSession = try db.makeStatement(sql: "INSERT OR REPLACE INTO sessions(id, open, visitor, visitor_hash, entry_referrer, user, several_users, views, last, referrers, entry_campaign, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                func insert(_ s: Session, open: Bool, last: Int64, referrers: Int, day: Int32?) throws {
                    try insertSession.execute(arguments: [s.id, open ? 1 : 0, Data(s.visitor), Int64(bitPattern: s.visitorHash), s.entryReferrer.map { Data($0) },
                                                          s.user.map { Data($0) }, s.hasSeveralUsers ? 1 : 0, Self.encode(s.views), last, referrers, s.entryCampaign ? 1 : 0, day])
                }
                for (s, day) in closed { try insert(s, open: false, last: s.end, referrers: 0, day: day) }
                for o in snapshot.open { try insert(o.session, open: true, last: o.last, referrers: o.referrers, day: nil) }
                let savePartial = try db.makeStatement(sql: "INSERT OR REPLACE INTO days(day, detailed, partial) VALUES (?, ?, ?)")
                for (day, p) in days.partials { try savePartial.execute(arguments: [day, p.hasVisitorDetail ? 1 : 0, Data(p.encoded())]) }
                for (k, v) in days.settings { try db.execute(sql: "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", arguments: [k, v]) }
                let saveVisitor = try db.makeStatement(sql: "INSERT INTO visitors(visitor_hash, last_day) VALUES (?, ?) ON CONFLICT(visitor_hash) DO UPDATE SET last_day = max(last_day, excluded.last_day)")
                for (v, day) in days.visitors { try saveVisitor.execute(arguments: [Int64(bitPattern: v), day]) }
                if let cut = days.retainFrom {
                    // Past the retention window: raw sessions go, their days live on as aggregates.
                    try db.execute(sql: "DELETE FROM sessions WHERE open = 0 AND day < ?", arguments: [cut])
                    try db.execute(sql: "DELETE FROM visitors WHERE last_day < ?", arguments: [cut])
                    let old = try Row.fetchAll(db, sql: "SELECT day, partial FROM days WHERE detailed != 0 AND day < ?", arguments: [cut])
                    for row in old {
                        let day: Int32 = row[0]
                        guard let data = Data.fromDatabaseValue(row[1] as DatabaseValue), var p = UsagePartial.decode([UInt8](data), pageCount: Int32(snapshot.pages.count)) else {
                            throw Damaged(path: path, problem: "the aggregates of \(SiteCalendar.label(day)) do not decode")
                        }
                        p.dropVisitorDetail()
                        try savePartial.execute(arguments: [day, 0, Data(p.encoded())])
                    }
                }
                for v in snapshot.robotsTxtVisitors {
                    try db.execute(sql: "INSERT OR IGNORE INTO robots_txt(visitor_hash) VALUES (?)", arguments: [Int64(bitPattern: v)])
                }
                var all = totals
                all["next_session_id"] = snapshot.nextID
                all["schema_version"] = Self.schemaVersion
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
