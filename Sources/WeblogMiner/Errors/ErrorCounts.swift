/// Requests the server answered with 4xx or 5xx, by status, page and the internal page whose link led
/// there (from the request's referrer): what `errors` lists, and where broken links are. Counted on the
/// parse side (the failed requests are left out of sessions); robots' requests are not counted (their
/// probes of pages that never existed say nothing of the site's links).
///
/// Memory: at most `maxKeys` distinct (status, page, referrer) keys; past it further keys are counted
/// under the page `(other)`.
public struct ErrorCounts: Sendable {
    public struct Key: Hashable, Sendable {
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
            counts[Key(status: key.status, page: Self.other, referrer: []), default: 0] += n
        } else {
            counts[key, default: 0] += n
        }
    }

    mutating func add(_ other: ErrorCounts) {
        for (k, n) in other.counts { add(k, n) }
    }
}
