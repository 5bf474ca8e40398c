/// What the customer steps keep of each finished session, per visitor: times, pages, dwell, entry
/// channel and the authenticated user. Held in memory after the streaming pass (it grows with
/// visitors and their page views, not with raw hits).
public final class VisitorHistory {
    public struct SessionSummary: Sendable {
        public var start: Int64
        public var end: Int64
        /// Observed page views (ids in the session page table) and their times.
        public var pages: [Int32]
        public var times: [Int64]
        /// Dwell of each view in seconds (to the millisecond); -1 for the last view (censored).
        public var dwell: [Double]
        public var channel: EntryChannel
        public var user: String?
        public var severalUsers: Bool
    }

    public struct Visitor: Sendable {
        public var key: String
        public var device: Device
        public var browser: Browser = .other
        public var sessions: [SessionSummary] = []
    }

    public private(set) var visitors: [Visitor] = []
    private var index: [String: Int] = [:]
    public private(set) var firstTime = Int64.max
    public private(set) var lastTime = Int64.min

    public init() {}

    /// Forgets every session (the input is read again in time order).
    public func reset() {
        visitors = []
        index = [:]
        firstTime = .max
        lastTime = .min
    }

    /// Renumbers every session's pages (`map[old id]` is the new id): a history read in another run,
    /// whose page table differs, joined to this run's ids (`dwell --train ... --test ...`).
    public func remapPages(_ map: [Int32]) {
        for i in visitors.indices {
            for j in visitors[i].sessions.indices {
                visitors[i].sessions[j].pages = visitors[i].sessions[j].pages.map { map[Int($0)] }
            }
        }
    }

    /// `userAgent`: taken from an `ip ua` visitor key when the key has that shape.
    public func add(_ session: Session) {
        let observed = session.views.filter { !$0.inferred }
        guard let first = observed.first, let last = observed.last else { return }
        let key = String(decoding: session.visitor, as: UTF8.self)
        let dwellMillis = session.dwellMillis
        var dwell: [Double] = []
        for (i, v) in session.views.enumerated() where !v.inferred {
            // Milliseconds kept (as `pages` does): whole seconds made `dwell` medians differ from `pages`.
            dwell.append(dwellMillis[i].map { Double($0) / 1000 } ?? -1)
        }
        let summary = SessionSummary(
            start: first.time, end: last.time, pages: observed.map(\.page), times: observed.map(\.time), dwell: dwell,
            channel: EntryChannel(of: session), user: session.user.map { String(decoding: $0, as: UTF8.self) },
            severalUsers: session.hasSeveralUsers)
        if let i = index[key] {
            visitors[i].sessions.append(summary)
        } else {
            index[key] = visitors.count
            let ua = key.firstIndex(of: " ").map { String(key[key.index(after: $0)...]) } ?? ""
            visitors.append(Visitor(key: key, device: Device(userAgent: ua), browser: Browser(userAgent: ua), sessions: [summary]))
        }
        firstTime = min(firstTime, first.time)
        lastTime = max(lastTime, last.time)
    }
}

/// Where a session came from: a campaign landing (utm_ parameters), else by the external referrer
/// of its first view.
public enum EntryChannel: String, Sendable, CaseIterable {
    case direct, search, social, referral, campaign, email, `internal`

    static let searchHosts = ["google.", "bing.", "duckduckgo.", "yahoo.", "baidu.", "yandex.", "ecosia.", "qwant.", "startpage."]
    static let socialHosts = ["facebook.", "fb.", "t.co", "twitter.", "x.com", "linkedin.", "lnkd.in", "instagram.", "reddit.", "pinterest.", "youtube.", "tiktok.", "mastodon"]
    /// Web mail: a link followed from a message (checked before search: mail.yahoo.com is mail).
    static let mailHosts = ["mail.", "webmail.", "outlook.live.com", "outlook.office", "gmx.", "web.de", "proton.me"]

    /// A session's channel: a campaign landing (utm_ parameters), else its entry referrer: from a page
    /// of the site itself (a visit resumed after the timeout) is internal, none is direct.
    init(of session: Session) {
        if session.entryCampaign {
            self = .campaign
        } else if session.entryReferrer == nil, let first = session.views.first(where: { !$0.inferred }), first.referrer >= 0 {
            self = .internal
        } else {
            self = EntryChannel(referrer: session.entryReferrer)
        }
    }

    init(referrer: [UInt8]?) {
        guard let referrer, !referrer.isEmpty else {
            self = .direct
            return
        }
        let host = TextBytes(UsageGraph.domain(of: referrer))
        if Self.mailNeedles.contains(where: { host.hasPrefix($0) || host.contains($0) && $0.last != UInt8(ascii: ".") }) {
            self = .email
        } else if Self.searchNeedles.contains(where: { host.contains($0) }) {
            self = .search
        } else if Self.socialNeedles.contains(where: { host.bytes == $0.name || host.hasSuffix($0.dotted) || host.contains($0.withDot) || host.hasPrefix($0.name) }) {
            self = .social
        } else {
            self = .referral
        }
    }

    // The host lists as bytes, for a search per session without Foundation.
    private static let searchNeedles = searchHosts.map { Array($0.utf8) }
    private static let mailNeedles = mailHosts.map { Array($0.utf8) }
    private static let socialNeedles = socialHosts.map { (name: Array($0.utf8), dotted: Array(("." + $0).utf8), withDot: Array(($0 + ".").utf8)) }
}

/// Browser family from the user agent (order matters: Edge and Opera also say Chrome, Chrome also
/// says Safari).
public enum Browser: String, Sendable, CaseIterable {
    case edge, opera, samsung, ie, chrome, firefox, safari, other

    init(userAgent text: String) {
        let ua = TextBytes(text)
        if ua.contains("Edg/") || ua.contains("Edge/") || ua.contains("EdgA/") || ua.contains("EdgiOS/") { self = .edge }
        else if ua.contains("OPR/") || ua.contains("Opera") { self = .opera }
        else if ua.contains("SamsungBrowser/") { self = .samsung }
        else if ua.contains("MSIE ") || ua.contains("Trident/") { self = .ie }
        else if ua.contains("Chrome/") || ua.contains("CriOS/") { self = .chrome }
        else if ua.contains("Firefox/") || ua.contains("FxiOS/") { self = .firefox }
        else if ua.contains("Safari/") { self = .safari }
        else { self = .other }
    }
}

/// Device class from the user agent (when the visitor key carries one).
public enum Device: String, Sendable, CaseIterable {
    case desktop, mobile, tablet, unknown

    init(userAgent text: String) {
        let ua = TextBytes(text)
        if ua.isEmpty { self = .unknown; return }
        if ua.contains("iPad") || ua.contains("Tablet") || (ua.contains("Android") && !ua.contains("Mobile")) {
            self = .tablet
        } else if ua.contains("Mobi") || ua.contains("iPhone") || ua.contains("Android") {
            self = .mobile
        } else {
            self = .desktop
        }
    }
}

/// A text's bytes, searched without Foundation (whose `contains` on user agents and referrer hosts
/// was a tenth of a night's run).
struct TextBytes {
    let bytes: [UInt8]
    init(_ text: String) { bytes = Array(text.utf8) }
    var isEmpty: Bool { bytes.isEmpty }

    func contains(_ needle: StaticString) -> Bool {
        contains(UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount))
    }

    func contains(_ needle: [UInt8]) -> Bool { needle.withUnsafeBufferPointer { contains($0) } }

    func contains(_ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = needle.count
        guard n > 0 else { return true }
        guard bytes.count >= n else { return false }
        for i in 0 ... bytes.count - n where bytes[i] == needle[0] {
            var k = 1
            while k < n && bytes[i + k] == needle[k] { k += 1 }
            if k == n { return true }
        }
        return false
    }

    func hasPrefix(_ p: [UInt8]) -> Bool { bytes.count >= p.count && bytes[..<p.count].elementsEqual(p) }
    func hasSuffix(_ p: [UInt8]) -> Bool { bytes.count >= p.count && bytes[(bytes.count - p.count)...].elementsEqual(p) }
}
