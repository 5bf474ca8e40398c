/// Which hits count as page views, and how URLs become page names. Every step can be switched off.
public struct CleaningOptions: Sendable {
    /// Hits whose path ends in one of these extensions are resources, not page views.
    public var staticExtensions: Set<String> = CleaningOptions.defaultStaticExtensions
    public var dropStatic = true
    /// Keep only successful requests: 2xx and 304 (a revalidated page is still a view).
    public var dropFailed = true
    /// HEAD and OPTIONS fetch no page a person sees.
    public var droppedMethods: Set<String> = ["HEAD", "OPTIONS"]
    /// Robots by user agent (substrings in any case, or `re:` regular expressions; see RobotPatterns).
    public var robotPatterns: [String] = RobotPatterns.builtIn
    public var dropRobotAgents = true
    /// Visitors that fetch /robots.txt are robots (from that request on, including their open session).
    public var dropRobotsTxtFetchers = true
    /// A session with more page views than this within any 60 seconds is a robot's (0 = off).
    public var maxViewsPerMinute = 30
    /// A session this long without a single referrer is a robot's (0 = off).
    public var robotMinViewsWithoutReferrer = 100
    /// URL normalisation: percent-decoding, `//` collapse, `index.html` -> `/`.
    public var normalizeURLs = true
    /// Query parameters kept in page names (all others are dropped); `*` keeps the whole query.
    public var keptParameters: [String] = []
    /// Page mapping rules, applied in order; the first that matches wins.
    public var pageMap: PageMapper? = nil
    /// Host names of the site itself: referrers from them are internal pages.
    public var siteHosts: Set<String> = []
    /// The days that failed requests and request counts are kept by (`run`'s and `anomalies`' --timezone).
    public var calendar = SiteCalendar.utc

    public init() {}

    public static let defaultStaticExtensions: Set<String> = [
        "css", "js", "mjs", "map", "json", "xml", "txt",
        "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff",
        "woff", "woff2", "ttf", "otf", "eot",
        "mp3", "mp4", "webm", "ogg", "wav", "avi", "mov", "m4a",
        "pdf", "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "exe", "msi", "dmg", "iso", "deb", "rpm", "apk",
        "swf", "flv", "xbm", "class", "jar",
    ]
}

/// What cleaning removed, per rule: hits, and distinct visitors where a rule marks visitors.
public struct CleaningCounts: Sendable {
    public var hits = 0
    public var pageViews = 0
    public var droppedMethod = 0
    public var droppedStatus = 0
    public var droppedStatic = 0
    /// Hits without a page (no URL or path; no session with --given-sessions).
    public var droppedNoPage = 0
    /// Hits without the fields of the visitor key.
    public var droppedNoVisitor = 0
    public var robotAgentHits = 0
    public var robotsTxtHits = 0
    public var behaviourHits = 0
    public var robotAgentVisitors = 0
    public var robotsTxtVisitors = 0
    public var behaviourSessions = 0
    /// Hits older than the reorder window: counted and left out, never misplaced.
    public var lateHits = 0
    /// Hits put in order by the external sort (input not in time order).
    public var sortedHits = 0
    public var mapLimitHits = 0
    /// Page and referrer names past the distinct-page limit, counted as "(other)".
    public var otherPageNames = 0
    /// The first --map rule (by number) that hit the limit.
    public var mapLimitRule = Int.max
    /// Failed requests (4xx, 5xx) by page and linking page.
    public var errors = ErrorCounts()
    /// Requests, failed requests and robots' requests per day.
    public var requests = DailyRequests()

    public init() {}

    mutating func add(_ other: CleaningCounts) {
        hits += other.hits
        pageViews += other.pageViews
        droppedMethod += other.droppedMethod
        droppedStatus += other.droppedStatus
        droppedStatic += other.droppedStatic
        droppedNoPage += other.droppedNoPage
        droppedNoVisitor += other.droppedNoVisitor
        robotAgentHits += other.robotAgentHits
        robotsTxtHits += other.robotsTxtHits
        behaviourHits += other.behaviourHits
        robotAgentVisitors += other.robotAgentVisitors
        robotsTxtVisitors += other.robotsTxtVisitors
        behaviourSessions += other.behaviourSessions
        lateHits += other.lateHits
        mapLimitHits += other.mapLimitHits
        otherPageNames += other.otherPageNames
        mapLimitRule = min(mapLimitRule, other.mapLimitRule)
        if !other.errors.isEmpty { errors.add(other.errors) }
        requests.add(other.requests)
    }

    /// One line for stderr.
    public var summary: String {
        "cleaning: \(hits) hits -> \(pageViews) page views; removed: static \(droppedStatic), failed status \(droppedStatus), "
            + "method \(droppedMethod), robot agents \(robotAgentHits) hits/\(robotAgentVisitors) visitors, "
            + "robots.txt fetchers \(robotsTxtHits) hits/\(robotsTxtVisitors) visitors, "
            + "robot behaviour \(behaviourHits) hits/\(behaviourSessions) sessions, late (beyond reorder window) \(lateHits)"
            + (droppedNoPage > 0 ? ", without a page \(droppedNoPage)" : "")
            + (droppedNoVisitor > 0 ? ", without a visitor key \(droppedNoVisitor)" : "")
    }
}
