/// Session rules (combinable) and how several inputs are merged.
public struct SessionOptions: Sendable {
    public var visitorKey = VisitorKey.auto
    /// A gap longer than this ends the session (a gap of exactly this length does not). Milliseconds.
    public var timeoutMillis: Int64 = 30 * 60 * 1000
    /// Sessions longer than this are cut (0 = no limit). Milliseconds.
    public var maxDurationMillis: Int64 = 0
    /// A hit whose referrer is an internal page not seen in the open session starts a new session.
    public var referrerRule = false
    /// Insert the pages a visitor went back through (cached, so unlogged) when the referrer is an
    /// earlier page of the session than the previous one (Cooley et al. 1999); marked as inferred.
    public var pathCompletion = false
    /// Hits may arrive this much out of time order (across and within files). Milliseconds.
    public var reorderWindowMillis: Int64 = 120 * 1000
    /// Sessions are the log's own session ids (click exports): no timeout cuts (a session id idle
    /// for `givenSessionIdleMillis` is closed, to bound memory); the visitor is still `visitorKey`.
    public var givenSessions = false
    public static let givenSessionIdleMillis: Int64 = 7 * 86_400_000
    /// Distinct page names kept; views of further new names count as "(other)".
    public var maxPages = 100_000
    /// What to do with input that is not in time order.
    public var order = InputOrder.auto

    public init() {}
}

/// How input that is not in time order (beyond the reorder window) is read.
public enum InputOrder: String, CaseIterable, Sendable {
    /// Stream while in order; at the first hit out of order, read again through the external sort
    /// (files), or, when that is not possible (standard input, output already written), count the
    /// late hits and fail.
    case auto
    /// Always through the external sort (any order, also from standard input; output at the end).
    case sort
    /// Never sort: late hits are counted and left out.
    case stream
}

/// One page view of a session.
public struct PageView: Sendable, Equatable {
    public var page: Int32
    /// Request time; for inferred views, the time of the view that revealed them.
    public var time: Int64
    public var inferred: Bool
    /// The internal page named by the request's referrer (-1: none, or from outside the site). The
    /// referrer graph (referrer page -> requested page) is the observed link graph without a site export.
    public var referrer: Int32 = -1

    public init(page: Int32, time: Int64, inferred: Bool, referrer: Int32 = -1) {
        self.page = page
        self.time = time
        self.inferred = inferred
        self.referrer = referrer
    }
}

/// A finished session.
public struct Session: Sendable {
    public var id: Int
    public var visitor: [UInt8]
    public var visitorHash: UInt64
    public var views: [PageView]
    /// Referrer of the first view when it came from outside the site.
    public var entryReferrer: [UInt8]?
    /// The first authenticated user seen in the session (a login ties the visitor to a user).
    public var user: [UInt8]? = nil
    /// Hits of the session carried more than one distinct user (shared device): the link is ambiguous.
    public var hasSeveralUsers = false
    /// The first view was a campaign landing (utm_ parameters in its query).
    public var entryCampaign = false
    static let empty = Session(id: 0, visitor: [], visitorHash: 0, views: [], entryReferrer: nil)
    public var start: Int64 { views.first?.time ?? 0 }
    public var end: Int64 { views.last?.time ?? 0 }

    /// Dwell of each view in milliseconds: time to the next observed view; nil for the last view
    /// (censored: the visitor left, we never see for how long) and for inferred views.
    public var dwellMillis: [Int64?] {
        var result = [Int64?](repeating: nil, count: views.count)
        var nextObserved: Int64? = nil
        for i in stride(from: views.count - 1, through: 0, by: -1) {
            guard !views[i].inferred else { continue }
            if let next = nextObserved { result[i] = next - views[i].time }
            nextObserved = views[i].time
        }
        return result
    }

    public var observedViews: Int { views.reduce(0) { $0 + ($1.inferred ? 0 : 1) } }
}
