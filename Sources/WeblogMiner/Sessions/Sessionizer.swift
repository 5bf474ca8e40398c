/// Cuts each visitor's time-ordered page views into sessions (timeout, maximum duration, referrer
/// rule, optional path completion) and removes robot sessions by behaviour. Sessions are handed out
/// as they close; memory holds only the open ones (plus page names and the robot visitors seen).
public final class Sessionizer {
    /// A class, so that appending a view does not copy the session's arrays.
    private final class Open {
        var session: Session
        var last: Int64
        var referrers = 0

        init(session: Session, last: Int64, referrers: Int) {
            self.session = session
            self.last = last
            self.referrers = referrers
        }
    }

    public let options: SessionOptions
    private let robotMinViewsWithoutReferrer: Int
    private let maxViewsPerMinute: Int
    public private(set) var pages = ByteStringInterner(capacity: 4096)
    private var open = HashMap64<Open>()
    private var robotsTxtVisitors = HashSet64()
    private var robotAgentVisitors = DistinctCounter()
    private var nextID = 1
    private var lastSweep = Int64.min
    /// (time, visitor) of every accepted view in time order: the sessions that may expire, oldest
    /// first. Entries whose session moved on since are skipped when they reach the front.
    private var expiry: [(time: Int64, visitor: UInt64)] = []
    private var expiryHead = 0
    private var now = Int64.min
    public internal(set) var counts = CleaningCounts()
    private let emit: (Session) throws -> Void

    public init(options: SessionOptions, cleaning: CleaningOptions, emit: @escaping (Session) throws -> Void) {
        self.options = options
        robotMinViewsWithoutReferrer = cleaning.robotMinViewsWithoutReferrer
        maxViewsPerMinute = cleaning.maxViewsPerMinute
        self.emit = emit
    }

    func add(_ hit: Hit, _ chunk: HitChunk) throws {
        now = hit.time
        if lastSweep == Int64.min || now &- lastSweep >= min(options.timeoutMillis, 60_000) {
            try sweep()
            lastSweep = now
        }
        switch hit.kind {
        case .robotAgent:
            counts.robotAgentHits += 1
            robotAgentVisitors.insert(hit.visitorHash)
            return
        case .robotsTxt:
            counts.robotsTxtHits += 1
            if robotsTxtVisitors.insert(hit.visitorHash) {
                counts.robotsTxtVisitors += 1
                // Its open session goes too: a robot's session, whatever it fetched before. A session
                // that had already timed out ended before the fetch and is closed as usual.
                if let current = open.removeValue(forKey: hit.visitorHash) {
                    if hit.time - current.last > options.timeoutMillis {
                        try close(current)
                    } else {
                        counts.robotsTxtHits += current.session.observedViews
                    }
                }
            }
            return
        case .pageView:
            break
        }
        if robotsTxtVisitors.contains(hit.visitorHash) {
            counts.robotsTxtHits += 1
            return
        }
        let pageBytes = chunk.bytes(hit.page)
        let page = pageID(pageBytes)
        var referrerPage: Int32? = nil
        if hit.referrerKind == .internalPage {
            referrerPage = pageID(chunk.bytes(hit.referrer))
        }

        if let current = open[hit.visitorHash] {
            var startNew = hit.time - current.last > options.timeoutMillis
            if !startNew && options.maxDurationMillis > 0 && hit.time - current.session.start > options.maxDurationMillis { startNew = true }
            if !startNew && options.referrerRule, let ref = referrerPage, !current.session.views.contains(where: { $0.page == ref }) { startNew = true }
            if !startNew {
                if options.pathCompletion, let ref = referrerPage, let last = current.session.views.last, last.page != ref,
                    let back = current.session.views.lastIndex(where: { $0.page == ref })
                {
                    // The visitor went back (from cache) through these pages to `ref`, then clicked.
                    var k = current.session.views.count - 2
                    while k >= back {
                        current.session.views.append(PageView(page: current.session.views[k].page, time: hit.time, inferred: true))
                        k -= 1
                    }
                }
                current.session.views.append(PageView(page: page, time: hit.time, inferred: false, referrer: referrerPage ?? -1))
                if !hit.user.isEmpty { Self.noteUser(hit, chunk, in: &current.session) }
                current.last = hit.time
                expiry.append((hit.time, hit.visitorHash))
                if hit.referrerKind != .none { current.referrers += 1 }
                return
            }
            open.removeValue(forKey: hit.visitorHash)
            try close(current)
        }
        let visitor = Array(chunk.bytes(hit.visitor))
        let entryReferrer = hit.referrerKind == .external ? Array(chunk.bytes(hit.referrer)) : nil
        var views: [PageView] = []
        views.reserveCapacity(8)  // most sessions have a few views: one allocation instead of three
        views.append(PageView(page: page, time: hit.time, inferred: false, referrer: referrerPage ?? -1))
        var session = Session(id: nextID, visitor: visitor, visitorHash: hit.visitorHash, views: views, entryReferrer: entryReferrer)
        nextID += 1
        session.entryCampaign = hit.campaign
        if !hit.user.isEmpty { Self.noteUser(hit, chunk, in: &session) }
        open[hit.visitorHash] = Open(session: session, last: hit.time, referrers: hit.referrerKind == .none ? 0 : 1)
        expiry.append((hit.time, hit.visitorHash))
    }

    /// The page's id; past `maxPages` distinct pages, a new name becomes "(other)": the page table
    /// is kept for the whole run (and in the nightly state), so its size must have a bound.
    @inline(__always) private func pageID(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        if pages.count < options.maxPages { return pages.intern(bytes.baseAddress!, bytes.count) }
        if let id = pages.find(bytes.baseAddress!, bytes.count) { return id }
        counts.otherPageNames += 1
        if otherPageID < 0 { otherPageID = pages.intern(Self.otherPage) }
        return otherPageID
    }

    /// The id of "(other)", once the page table is full (-1 before).
    private var otherPageID: Int32 = -1

    /// The page name of views beyond the distinct-page limit.
    public static let otherPage = "(other)"

    private static func noteUser(_ hit: Hit, _ chunk: HitChunk, in session: inout Session) {
        let user = chunk.bytes(hit.user)
        if let known = session.user {
            if !known.elementsEqual(user) { session.hasSeveralUsers = true }
        } else {
            session.user = Array(user)
        }
    }

    /// Closes sessions idle for longer than the timeout, in order of their start.
    private func sweep() throws {
        var expired: [Open] = []
        while expiryHead < expiry.count, now - expiry[expiryHead].time > options.timeoutMillis {
            let (time, visitor) = expiry[expiryHead]
            expiryHead += 1
            if let session = open[visitor], session.last == time {
                open.removeValue(forKey: visitor)
                expired.append(session)
            }
        }
        if expiryHead > 4096 && expiryHead * 2 > expiry.count {
            expiry.removeFirst(expiryHead)
            expiryHead = 0
        }
        for item in expired.sorted(by: { $0.session.id < $1.session.id }) { try close(item) }
    }

    /// Closes every open session (end of input).
    func finish() throws {
        counts.robotAgentVisitors = robotAgentVisitors.count
        let rest = open.values.sorted { $0.session.id < $1.session.id }
        open.removeAll()
        for item in rest { try close(item) }
    }

    /// What a nightly run carries to the next one: the sessions still open at the end of the input
    /// (they may go on in tomorrow's log), the page names (so ids stay stable), the next session
    /// number and the robots.txt fetchers.
    public struct Snapshot: Sendable {
        public struct OpenSession: Sendable {
            public var session: Session
            public var last: Int64
            public var referrers: Int
            public init(session: Session, last: Int64, referrers: Int) {
                self.session = session
                self.last = last
                self.referrers = referrers
            }
        }
        public var pages: ByteStringInterner
        public var open: [OpenSession]
        public var nextID: Int
        public var robotsTxtVisitors: [UInt64]
        public init(pages: ByteStringInterner, open: [OpenSession], nextID: Int, robotsTxtVisitors: [UInt64]) {
            self.pages = pages
            self.open = open
            self.nextID = nextID
            self.robotsTxtVisitors = robotsTxtVisitors
        }
    }

    /// Continues from a snapshot of an earlier run.
    func resume(from snapshot: Snapshot) {
        pages = snapshot.pages
        nextID = snapshot.nextID
        for v in snapshot.robotsTxtVisitors { _ = robotsTxtVisitors.insert(v) }
        for o in snapshot.open.sorted(by: { $0.last < $1.last }) {
            open[o.session.visitorHash] = Open(session: o.session, last: o.last, referrers: o.referrers)
            expiry.append((o.last, o.session.visitorHash))
        }
    }

    /// Ends the input without closing the open sessions: they are handed back for the next run.
    /// `robotSessionsDropped`: open sessions that already look like robots are counted and dropped.
    func suspend() -> Snapshot {
        counts.robotAgentVisitors = robotAgentVisitors.count
        let rest = open.values.sorted { $0.session.id < $1.session.id }
        open.removeAll()
        return Snapshot(pages: pages, open: rest.map { Snapshot.OpenSession(session: $0.session, last: $0.last, referrers: $0.referrers) },
                        nextID: nextID, robotsTxtVisitors: robotsTxtVisitors.values)
    }

    /// Whether a session that is still open would be dropped as a robot's if it ended now.
    public static func isRobotBehaviour(_ open: Snapshot.OpenSession, cleaning: CleaningOptions) -> Bool {
        isRobotBehaviour(open.session, referrers: open.referrers, minViewsWithoutReferrer: cleaning.robotMinViewsWithoutReferrer,
                         maxViewsPerMinute: cleaning.maxViewsPerMinute)
    }

    private func close(_ item: Open) throws {
        // Moved out once, then only borrowed: the open entry is gone, and each read of a class's
        // struct property would copy it (retaining each of its arrays).
        var session = Session.empty
        swap(&session, &item.session)
        let views = session.observedViews
        if Self.isRobotBehaviour(session, referrers: item.referrers, minViewsWithoutReferrer: robotMinViewsWithoutReferrer,
                                 maxViewsPerMinute: maxViewsPerMinute)
        {
            counts.behaviourSessions += 1
            counts.behaviourHits += views
            return
        }
        counts.pageViews += views
        try emit(session)
    }

    /// The two limits, not the whole options (copying those per session retains each of their sets).
    private static func isRobotBehaviour(_ session: Session, referrers: Int, minViewsWithoutReferrer: Int, maxViewsPerMinute: Int) -> Bool {
        let views = session.views.contains(where: \.inferred) ? session.views.filter { !$0.inferred } : session.views
        if minViewsWithoutReferrer > 0 && views.count >= minViewsWithoutReferrer && referrers == 0 { return true }
        if maxViewsPerMinute > 0 && views.count > maxViewsPerMinute {
            var first = 0
            for last in views.indices {
                while views[last].time - views[first].time >= 60_000 { first += 1 }
                if last - first + 1 > maxViewsPerMinute { return true }
            }
        }
        return false
    }
}
