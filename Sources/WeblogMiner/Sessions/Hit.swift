/// A cleaned page view (or a robot marker) on its way from a file's parser to the sessionizer.
/// Text lives in the chunk's arena, so hits cross threads in blocks without per-hit allocation.
struct Hit {
    enum Kind: UInt8 { case pageView, robotAgent, robotsTxt }
    enum ReferrerKind: UInt8 { case none, internalPage, external }

    var time: Int64
    var kind: Kind
    var referrerKind: ReferrerKind
    var visitorHash: UInt64
    var visitor: Range<Int32>
    var page: Range<Int32>
    var referrer: Range<Int32>
    /// The authenticated user (`%u`, or a click log's user field); empty when anonymous.
    var user: Range<Int32> = 0 ..< 0
    /// The request carried campaign parameters (utm_...).
    var campaign = false
    /// Tie-break for equal times: the order column (if any), then input order. Set from the order
    /// column when decoded; the merger adds the input order.
    var sequence: Int = 0
}

final class HitChunk: @unchecked Sendable {
    var hits: [Hit] = []
    /// The text of the hits (raw storage: read once per hit on the merge thread, where an array
    /// property would be retained for every access).
    private(set) var arena = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)
    /// Cleaning counts of the records that became this chunk (added up by the sessionizer).
    var counts = CleaningCounts()

    init() {}

    /// A chunk holding a copy of `bytes` as its arena.
    init(copying bytes: UnsafeBufferPointer<UInt8>) {
        arena = .allocate(capacity: bytes.count)
        _ = arena.initialize(from: bytes)
    }

    /// A chunk that owns `buffer` (allocated by the caller) as its arena.
    init(adopting buffer: UnsafeMutableBufferPointer<UInt8>) {
        arena = buffer
    }

    deinit { arena.deallocate() }

    func bytes(_ r: Range<Int32>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena.baseAddress.map { UnsafePointer($0 + Int(r.lowerBound)) } ?? emptyBytePointer, count: r.count)
    }
}

/// Which field identifies a visitor.
public enum VisitorKey: String, CaseIterable, Sendable {
    /// Visitor field of click logs if present, else session field, else client + user agent.
    case auto
    /// Client address plus user agent (Cooley, Mobasher & Srivastava 1999): the default for access logs.
    case ipUA = "ip+ua"
    case ip
    /// The authenticated user (%u); hits without one are left out.
    case user
    /// The visitor/cookie field of click logs.
    case cookie
    /// The session field of click logs.
    case session
}
