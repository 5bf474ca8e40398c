import Foundation

/// Day partials (`UsagePartial`, one per day a session started on) as a text file that carries page
/// names, so that days computed anywhere combine: Spark partitions, other machines, other nights.
/// `pages --partial --by-day` writes one, `merge --kind days` merges several into one of the same form
/// (so merges compose), whose `--pages` is the pages table of all its days.
///
///     #weblog-miner days partial v1
///     timezone<TAB>UTC
///     page<TAB>0<TAB>/                     the pages used, numbered 0, 1, ... in byte order of name
///     page<TAB>1<TAB>/cart                 (TSV-escaped); the ids are those of the day lines
///     day<TAB>2026-03-02<TAB>BASE64        UsagePartial.encoded() of the day, days in order
///     end<TAB>1                            the number of day lines: a file cut short is refused
///
/// The same days give the same bytes whoever computed them and in whatever order (page ids by name,
/// visitor hashes and pairs sorted), so files can be compared as they are.
public struct DayPartials {
    public static let header = "#weblog-miner days partial v1"

    /// `SiteCalendar.name` of the zone the days are in.
    public let timezone: String
    /// The names of the page ids in `days`.
    public var pages: ByteStringInterner
    public private(set) var days: [Int32: UsagePartial] = [:]

    public init(timezone: String, pages: ByteStringInterner = ByteStringInterner(capacity: 256), days: [Int32: UsagePartial] = [:]) {
        self.timezone = timezone
        self.pages = pages
        self.days = days
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Adds a finished session (page ids of the sessionizer's table: set `pages` to it before
    /// writing) to the day of its first view, exactly as `run` adds it to its stored day.
    public mutating func add(_ s: Session, calendar: SiteCalendar, converts: Bool = false) {
        days[calendar.day(ofMillis: s.start), default: UsagePartial()].add(s, calendar: calendar, converts: converts)
    }

    /// Adds the requests counted while reading the logs (`CleaningCounts`, by day in this calendar):
    /// the error rate and robot share of each day. A day with requests but no session gets a partial.
    public mutating func add(requests: DailyRequests, errors: ErrorCounts) {
        for (d, c) in requests.days { days[d, default: UsagePartial()].requests += c }
        for (d, e) in errors.byDay() { days[d, default: UsagePartial()].errors.add(e) }
    }

    /// Adds another file's days (its pages renumbered into these): the same days merge exactly, since
    /// visitors are unions of hashes.
    public mutating func merge(_ other: DayPartials, source: String) throws(FormatError) {
        guard other.timezone == timezone else {
            throw FormatError(description: "\(source): its days are in time zone \(other.timezone), not \(timezone) as the first file's: days of different zones do not merge")
        }
        var newID = [Int32](repeating: 0, count: other.pages.count)
        for id in 0 ..< other.pages.count { newID[id] = pages.intern(other.pages.bytes(of: Int32(id))) }
        for (day, p) in other.days {
            // A day without visitor detail (past a store's retention) makes the merged day's visitors a sum.
            if !p.hasVisitorDetail { days[day, default: UsagePartial()].dropVisitorDetail() }
            days[day, default: UsagePartial()].merge(p.remapped(newID))
        }
    }

    /// All the days together (e.g. for the pages table of a window of days).
    public func merged() -> UsagePartial {
        var all = UsagePartial()
        for (_, p) in days.sorted(by: { $0.key < $1.key }) {
            if !p.hasVisitorDetail { all.dropVisitorDetail() }
            all.merge(p)
        }
        return all
    }

    /// The days a `run` state store keeps (its newest day lacks the sessions still open there), read
    /// under the store's run lock (`RunLock.LockError.busy` while a run works on it).
    public static func read(stateStore path: String) throws -> DayPartials {
        let lock = try RunLock(path: path + ".lock")
        defer { withExtendedLifetime(lock) {} }
        let store = try StateStore(path: path)
        let loaded = try store.load()
        guard loaded.undated.isEmpty else {
            throw FormatError(description: "\(path): a state store of an earlier version, whose sessions have no days yet: run this version's `run` on it once first")
        }
        return DayPartials(timezone: loaded.settings["timezone"] ?? SiteCalendar.utc.name, pages: loaded.snapshot?.pages ?? ByteStringInterner(),
                           days: try store.partials(loaded.days))
    }

    // MARK: - Text form

    public func write(to out: OutputStream) throws(OutputError) {
        var used = Set<Int32>()
        for p in days.values { used.formUnion(p.pages.pageIDs); used.formUnion(p.conversions.keys) }
        let order = used.sorted { pages.bytes(of: $0).lexicographicallyPrecedes(pages.bytes(of: $1)) }
        var newID = [Int32](repeating: -1, count: pages.count)
        for (i, id) in order.enumerated() { newID[Int(id)] = Int32(i) }
        var text = Array("\(Self.header)\ntimezone\t\(timezone)\n".utf8)
        for (i, id) in order.enumerated() {
            text += Array("page\t\(i)\t".utf8)
            ByteText.tsv(pages.bytes(of: id), &text)
            text.append(10)
        }
        try out.write(text)
        for (day, p) in days.sorted(by: { $0.key < $1.key }) {
            try out.write("day\t\(SiteCalendar.label(day))\t\(Data(p.remapped(newID).encoded()).base64EncodedString())\n")
        }
        try out.write("end\t\(days.count)\n")
        try out.commit()
    }

    /// Reads a file written by `write`; any damage is an error naming the file and line.
    public static func read(_ bytes: [UInt8], source: String) throws(FormatError) -> DayPartials {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first, first.elementsEqual(header.utf8) else {
            throw FormatError(description: "\(source): not a days partial (first line should be '\(header)'; make it with pages --partial --by-day)")
        }
        func bad(_ n: Int, _ what: String) -> FormatError { FormatError(description: "\(source):\(n): \(what)") }
        var result: DayPartials?
        var ended = false
        for (i, line) in lines.enumerated().dropFirst() {
            let n = i + 1
            let f = line.split(separator: 9, omittingEmptySubsequences: false)
            let kind = String(decoding: f[0], as: UTF8.self)
            if ended { throw bad(n, "a line after the end line") }
            if kind != "timezone" && result == nil { throw bad(n, "the timezone line should come first, after the header") }
            switch kind {
            case "timezone":
                guard result == nil, f.count == 2 else { throw bad(n, "malformed timezone line") }
                result = DayPartials(timezone: String(decoding: f[1], as: UTF8.self))
            case "page":
                guard result!.days.isEmpty else { throw bad(n, "a page line after the day lines") }
                guard f.count == 3, let id = Int(String(decoding: f[1], as: UTF8.self)), id == result!.pages.count else {
                    throw bad(n, "malformed page line (page ids go 0, 1, 2, ... in order)")
                }
                var name = Array(f[2])
                let length = name.withUnsafeMutableBufferPointer { DelimitedParser.unescapeTSV($0.baseAddress!, 0, $0.count) }
                guard result!.pages.intern(name[0 ..< length]) == Int32(id) else { throw bad(n, "page listed twice") }
            case "day":
                let label = f.count == 3 ? String(decoding: f[1], as: UTF8.self) : ""
                guard let day = SiteCalendar.day(label: label) else { throw bad(n, "malformed day line (day<TAB>YYYY-MM-DD<TAB>base64)") }
                guard result!.days[day] == nil else { throw bad(n, "day \(label) listed twice") }
                guard let data = Data(base64Encoded: Data(f[2])),
                      let partial = UsagePartial.decode([UInt8](data), pageCount: Int32(result!.pages.count)) else {
                    throw bad(n, "day \(label): damaged partial (not base64 of a day partial of this file's pages)")
                }
                result!.days[day] = partial
            case "end":
                guard f.count == 2, let count = Int(String(decoding: f[1], as: UTF8.self)) else { throw bad(n, "malformed end line") }
                guard count == result!.days.count else { throw bad(n, "the end line counts \(count) days but the file holds \(result!.days.count) (lines lost?)") }
                ended = true
            default:
                throw bad(n, "malformed line (expected timezone, page, day or end)")
            }
        }
        guard ended, let result else { throw bad(lines.count + 1, "the file ends before its end line (cut short?)") }
        return result
    }
}
