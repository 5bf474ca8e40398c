/// Requests the server answered with 4xx or 5xx, by day, status, page and the internal page whose link
/// led there (from the request's referrer): what `errors` lists, and where broken links are. Counted on
/// the parse side (the failed requests are left out of sessions); robots' requests are not counted
/// (their probes of pages that never existed say nothing of the site's links). The day (in
/// `CleaningOptions.calendar`) lets `run` keep them with each day's partial and list a window's.
///
/// Memory: at most `maxKeys` distinct (day, status, page, referrer) keys; past it further keys are
/// counted under the page `(other)` of their day and status.
public struct ErrorCounts: Sendable {
    public struct Key: Hashable, Sendable {
        public var day: Int32 = 0
        public var status: Int
        public var page: [UInt8]
        /// The internal page that linked here (empty: no referrer, or another site).
        public var referrer: [UInt8]
    }

    public private(set) var counts: [Key: Int] = [:]
    public static let maxKeys = 20_000
    public static let other = Array("(other)".utf8)

    public init() {}

    public var isEmpty: Bool { counts.isEmpty }

    mutating func add(_ key: Key, _ n: Int = 1) {
        if counts[key] == nil && counts.count >= Self.maxKeys {
            counts[Key(day: key.day, status: key.status, page: Self.other, referrer: []), default: 0] += n
        } else {
            counts[key, default: 0] += n
        }
    }

    public mutating func add(_ other: ErrorCounts) {
        for (k, n) in other.counts { add(k, n) }
    }

    /// The counts of each day.
    public func byDay() -> [Int32: ErrorCounts] {
        var days: [Int32: ErrorCounts] = [:]
        for (k, n) in counts { days[k.day, default: ErrorCounts()].counts[k, default: 0] += n }
        return days
    }

    // MARK: - Stored form (inside a day partial)

    func encode(into w: inout BinaryWriter) {
        w.unsigned(UInt64(counts.count))
        // Sorted: equal counts give equal bytes.
        for (k, n) in counts.sorted(by: { Self.precedes($0.key, $1.key) }) {
            w.signed(Int64(k.day)); w.int(k.status); w.data(k.page); w.data(k.referrer); w.int(n)
        }
    }

    private static func precedes(_ a: Key, _ b: Key) -> Bool {
        if a.day != b.day { return a.day < b.day }
        if a.status != b.status { return a.status < b.status }
        if a.page != b.page { return a.page.lexicographicallyPrecedes(b.page) }
        return a.referrer.lexicographicallyPrecedes(b.referrer)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryReader.Malformed) -> ErrorCounts {
        var e = ErrorCounts()
        for _ in 0 ..< (try r.count(minBytes: 5)) {
            guard let day = Int32(exactly: try r.signed()) else { throw BinaryReader.Malformed() }
            let status = try r.int()
            let key = Key(day: day, status: status, page: try r.data(), referrer: try r.data())
            e.add(key, try r.int())
        }
        return e
    }
}
