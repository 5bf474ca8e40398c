/// Cleaning on the parse side: keeps page views (drops static resources, failed requests, HEAD and
/// OPTIONS), marks robot agents and robots.txt fetches, builds visitor keys and page names. It runs on
/// the parse threads (one copy each) and writes hits in a compact binary form into each batch's
/// buffer; `HitChunk.decode` turns a buffer back into hits on the merge side.
struct HitEncoder: RecordFormatter, @unchecked Sendable {
    enum Tag: UInt8 {
        case pageView = 0, robotAgent = 1, robotsTxt = 2
        /// A dropped record: the tag and its time (i64), for the requests per day.
        case droppedMethod = 10, droppedStatus = 11, droppedStatic = 12, droppedNoPage = 13
        /// A mapping rule hit PCRE2's match limit: the rule's number (u8); not a record of its own.
        case mapLimit = 14
        /// A 4xx/5xx request: time i64, status u16, page and internal referrer page lengths u16, then
        /// their bytes. Followed by the record's `droppedStatus`.
        case failedRequest = 15
        /// A failed request by a robot agent: counted as a dropped status and a robot's request.
        case droppedStatusByRobot = 16
        /// No visitor key (e.g. --visitor user on a hit without a user).
        case droppedNoVisitor = 17
    }

    private let cleaning: CleaningOptions
    private let visitorKey: VisitorKey
    /// Sessions are the log's session ids (`--given-sessions`).
    private let givenSessions: Bool
    /// Of the record being encoded: its order column, and with given sessions the session id's hash.
    private var order: Int64 = 0
    private var groupHash: UInt64? = nil
    private var namer: PageNamer
    private var robots: RobotMatcher
    private var page: [UInt8] = []
    private var referrerPage: [UInt8] = []
    /// The visitor key of the record being encoded: one or two fields (the second after a space).
    private var key = VisitorKeyParts()
    /// Static extensions packed little-endian into integers (extensions have at most 8 bytes), then
    /// mixed by an odd multiplier (a bijection) so the set's slots spread: no SipHash per hit.
    private let staticExtensions: HashSet64
    private let droppedMethods: [[UInt8]]
    private let siteHosts: [[UInt8]]

    init(cleaning: CleaningOptions, visitorKey: VisitorKey, givenSessions: Bool = false) {
        self.cleaning = cleaning
        self.visitorKey = visitorKey
        self.givenSessions = givenSessions
        namer = PageNamer(cleaning: cleaning)
        robots = RobotMatcher(patterns: cleaning.robotPatterns)
        var extensions = HashSet64(capacity: cleaning.staticExtensions.count)
        for ext in cleaning.staticExtensions {
            let bytes = Array(ext.lowercased().utf8)
            if bytes.count <= 8 { extensions.insert(Self.pack(bytes[...]) &* Self.mixer) }
        }
        staticExtensions = extensions
        droppedMethods = cleaning.droppedMethods.map { Array($0.uppercased().utf8) }
        siteHosts = cleaning.siteHosts.map { Array($0.lowercased().utf8) }
    }

    static var needsLineNumbers: Bool { false }

    /// PCRE2 match data is per thread.
    mutating func prepareForThread() { namer = namer.copy() }

    mutating func format(_ r: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int, into out: ByteBuffer) {
        // Crawlers ask for robots.txt whether or not it exists (404) and with HEAD too: the fetch marks
        // a robot whatever its method and status.
        let isRobotsTxt = cleaning.dropRobotsTxtFetchers && r.path.count == 11 && line.bytes(r.path).elementsEqual(Self.robotsTxt)
        if !isRobotsTxt {
            if r.method.count > 0 && !droppedMethods.isEmpty {
                let method = line.bytes(r.method)
                if droppedMethods.contains(where: { $0.count == method.count && $0.elementsEqual(method) }) { return tag(.droppedMethod, r.epochMillis, out) }
            }
            if cleaning.dropFailed && r.status >= 0 && !((r.status >= 200 && r.status < 300) || r.status == 304) {
                if r.status >= 400 && r.status <= 599 && r.path.count > 0 && !failed(r, line: line, out) { return tag(.droppedStatusByRobot, r.epochMillis, out) }
                return tag(.droppedStatus, r.epochMillis, out)
            }
        }
        guard r.path.count > 0 else { return tag(.droppedNoPage, r.epochMillis, out) }
        let path = line.bytes(r.path)
        // Most hits are resources: drop them before any per-visitor work.
        if !isRobotsTxt && cleaning.dropStatic && isStatic(path) { return tag(.droppedStatic, r.epochMillis, out) }
        guard let parts = visitorKeyParts(r) else { return tag(.droppedNoVisitor, r.epochMillis, out) }
        key = parts
        order = r.order
        if givenSessions {
            guard r.session.count > 0 else { return tag(.droppedNoPage, r.epochMillis, out) }
            let session = line.bytes(r.session)
            groupHash = hashBytes(session.baseAddress!, session.count)
        }
        if cleaning.dropRobotAgents && r.userAgent.count > 0 && robots.isRobot(line.bytes(r.userAgent)) {
            return Self.write(.robotAgent, r.epochMillis, .none, out, line: line, key: key, order: order, groupHash: groupHash)
        }
        if isRobotsTxt { return Self.write(.robotsTxt, r.epochMillis, .none, out, line: line, key: key, order: order, groupHash: groupHash) }
        // Swap the scratch buffers out and back (a copy would make every mutation reallocate).
        var page: [UInt8] = []
        swap(&page, &self.page)
        defer { swap(&page, &self.page) }
        // Most paths are their own page name: then the name is copied from the line, not built.
        let query = r.query.count > 0 ? line.bytes(r.query) : nil
        let pageIsPath = namer.leavesUnchanged(path: path, query: query)
        if !pageIsPath && makePage(path: path, query: query, into: &page) { limitTag(out) }
        var referrerKind = Hit.ReferrerKind.none
        var referrer = UnsafeBufferPointer<UInt8>(start: emptyBytePointer, count: 0)
        var referrerPage: [UInt8] = []
        swap(&referrerPage, &self.referrerPage)
        defer { swap(&referrerPage, &self.referrerPage) }
        var referrerPageInLine: UnsafeBufferPointer<UInt8>? = nil
        if r.referrer.count > 0 {
            let raw = line.bytes(r.referrer)
            if let parts = URLNormalizer.splitReferrer(raw), isSiteHost(UnsafeBufferPointer(rebasing: raw[parts.host]), vhost: r.vhost.count > 0 ? line.bytes(r.vhost) : nil) {
                let pathPart = UnsafeBufferPointer(rebasing: raw[parts.path])
                let refPath = pathPart.isEmpty ? UnsafeBufferPointer(start: Self.slash, count: 1) : pathPart
                let refQuery = parts.query.map { UnsafeBufferPointer(rebasing: raw[$0]) }
                if namer.leavesUnchanged(path: refPath, query: refQuery) {
                    referrerPageInLine = refPath
                } else if makePage(path: refPath, query: refQuery, into: &referrerPage) {
                    limitTag(out)
                }
                referrerKind = .internalPage
            } else {
                referrerKind = .external
                referrer = raw
            }
        }
        let key = self.key, order = self.order, groupHash = self.groupHash
        page.withUnsafeBufferPointer { builtPage in
            referrerPage.withUnsafeBufferPointer { builtReferrerPage in
                let pageBytes = pageIsPath ? path : builtPage
                let refPageBytes = referrerPageInLine ?? builtReferrerPage
                // The authenticated user travels with the hit: it ties sessions to registered users.
                // A campaign landing (utm_ parameters) is remembered even though the query is dropped.
                let campaign = r.query.count > 0 && Self.hasCampaignParameter(line.bytes(r.query))
                Self.write(.pageView, r.epochMillis, referrerKind, out, line: line, key: key, order: order, groupHash: groupHash, page: pageBytes, referrer: referrerKind == .internalPage ? refPageBytes : referrer, campaign: campaign,
                      user: r.user.count > 0 ? line.bytes(r.user) : UnsafeBufferPointer(start: emptyBytePointer, count: 0))
            }
        }
    }

    /// Records a 4xx/5xx request (not a robot's) for the errors table: its page name and, when the
    /// referrer is a page of the site, that page's name (both named as page views are). False for a
    /// robot's request, which is not recorded.
    private mutating func failed(_ r: LogRecord, line: LineBuffer, _ out: ByteBuffer) -> Bool {
        if r.userAgent.count > 0 && robots.isRobot(line.bytes(r.userAgent)) { return false }
        var page: [UInt8] = []
        swap(&page, &self.page)
        defer { swap(&page, &self.page) }
        _ = makePage(path: line.bytes(r.path), query: r.query.count > 0 ? line.bytes(r.query) : nil, into: &page)
        var referrerPage: [UInt8] = []
        swap(&referrerPage, &self.referrerPage)
        defer { swap(&referrerPage, &self.referrerPage) }
        referrerPage.removeAll(keepingCapacity: true)
        if r.referrer.count > 0 {
            let raw = line.bytes(r.referrer)
            if let parts = URLNormalizer.splitReferrer(raw), isSiteHost(UnsafeBufferPointer(rebasing: raw[parts.host]), vhost: r.vhost.count > 0 ? line.bytes(r.vhost) : nil) {
                let pathPart = UnsafeBufferPointer(rebasing: raw[parts.path])
                let refPath = pathPart.isEmpty ? UnsafeBufferPointer(start: Self.slash, count: 1) : pathPart
                _ = makePage(path: refPath, query: parts.query.map { UnsafeBufferPointer(rebasing: raw[$0]) }, into: &referrerPage)
            }
        }
        let pageCount = min(page.count, Self.maxNameBytes), referrerCount = min(referrerPage.count, Self.maxNameBytes)
        out.reserve(15 + pageCount + referrerCount) { p in
            p[0] = Tag.failedRequest.rawValue
            UnsafeMutableRawPointer(p).storeBytes(of: r.epochMillis, toByteOffset: 1, as: Int64.self)
            UnsafeMutableRawPointer(p).storeBytes(of: UInt16(r.status), toByteOffset: 9, as: UInt16.self)
            UnsafeMutableRawPointer(p).storeBytes(of: UInt16(pageCount), toByteOffset: 11, as: UInt16.self)
            UnsafeMutableRawPointer(p).storeBytes(of: UInt16(referrerCount), toByteOffset: 13, as: UInt16.self)
            page.withUnsafeBufferPointer { (p + 15).update(from: $0.baseAddress ?? emptyBytePointer, count: pageCount) }
            referrerPage.withUnsafeBufferPointer { (p + 15 + pageCount).update(from: $0.baseAddress ?? emptyBytePointer, count: referrerCount) }
            return 15 + pageCount + referrerCount
        }
        return true
    }

    /// A mapping rule hit PCRE2's match limit: the tag and the rule's number.
    private func limitTag(_ out: ByteBuffer) {
        out.reserve(2) { p in
            p[0] = Tag.mapLimit.rawValue
            p[1] = UInt8(clamping: namer.lastLimitRule)
            return 2
        }
    }

    private func tag(_ t: Tag, _ time: Int64, _ out: ByteBuffer) {
        out.reserve(9) { p in
            p[0] = t.rawValue
            UnsafeMutableRawPointer(p).storeBytes(of: time, toByteOffset: 1, as: Int64.self)
            return 9
        }
    }

    /// tag u8, time i64, referrer kind u8, visitor hash u64, lengths u32 x4, order i64, then visitor,
    /// page, referrer and user bytes. The visitor key is written straight from the line and hashed where it lies.
    static let headerSize = 42

    /// Static, with the record's key, order and group hash as arguments: called from inside the
    /// page-buffer closures, a method would copy the whole encoder (retaining each of its arrays) per hit.
    private static func write(_ t: Tag, _ time: Int64, _ referrerKind: Hit.ReferrerKind, _ out: ByteBuffer, line: LineBuffer,
                              key: VisitorKeyParts, order: Int64, groupHash: UInt64?,
                       page: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: emptyBytePointer, count: 0),
                       referrer: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: emptyBytePointer, count: 0),
                       campaign: Bool = false,
                       user: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: emptyBytePointer, count: 0)) {
        let first = line.bytes(key.first)
        let second = key.second.map { line.bytes($0) }
        let keyCount = first.count + (second.map { 1 + $0.count } ?? 0)
        let total = Self.headerSize + keyCount + page.count + referrer.count + user.count + 4 * Self.marker.count
        out.reserve(total) { p in
            let raw = UnsafeMutableRawPointer(p)
            p[0] = t.rawValue
            raw.storeBytes(of: time, toByteOffset: 1, as: Int64.self)
            p[9] = referrerKind.rawValue | (campaign ? 0x80 : 0)
            raw.storeBytes(of: order, toByteOffset: 34, as: Int64.self)
            var at = Self.headerSize
            func put(_ b: UnsafeBufferPointer<UInt8>) {
                if b.count > 0 { (p + at).update(from: b.baseAddress!, count: b.count) }
                at += b.count
            }
            /// A name longer than `maxNameBytes` is cut (at a UTF-8 boundary) and marked: names are
            /// kept per page and per session, so their length must not grow memory without bound.
            func putName(_ b: UnsafeBufferPointer<UInt8>, lengthAt offset: Int) {
                let start = at
                if b.count <= Self.maxNameBytes {
                    put(b)
                } else {
                    put(UnsafeBufferPointer(rebasing: b[..<Self.keptLength(b.baseAddress!)]))
                    Self.marker.withUnsafeBufferPointer { put($0) }
                }
                raw.storeBytes(of: UInt32(at - start), toByteOffset: offset, as: UInt32.self)
            }
            put(first)
            if let second {
                p[at] = UInt8(ascii: " ")
                at += 1
                put(second)
            }
            // Given sessions: hits are grouped by the log's session id (the visitor key is kept as the visitor).
            // The hash covers the whole key; only the copy kept for display is cut.
            raw.storeBytes(of: groupHash ?? hashBytes(p + Self.headerSize, keyCount), toByteOffset: 10, as: UInt64.self)
            if keyCount > Self.maxNameBytes {
                at = Self.headerSize + Self.keptLength(p + Self.headerSize)
                Self.marker.withUnsafeBufferPointer { put($0) }
            }
            raw.storeBytes(of: UInt32(at - Self.headerSize), toByteOffset: 18, as: UInt32.self)
            putName(page, lengthAt: 22)
            putName(referrer, lengthAt: 26)
            putName(user, lengthAt: 30)
            return at
        }
    }

    /// Longest page name, referrer, user or visitor key kept, in bytes (longer ones end in `marker`).
    static let maxNameBytes = 1024
    static let marker: [UInt8] = Array("...".utf8)

    /// Bytes kept of a name longer than `maxNameBytes`: room for the marker, backed off to the start
    /// of a UTF-8 character.
    @inline(__always) static func keptLength(_ name: UnsafePointer<UInt8>) -> Int {
        var n = maxNameBytes - marker.count
        while n > 0 && name[n] & 0xC0 == 0x80 { n -= 1 }
        return n
    }

    private static let robotsTxt: [UInt8] = Array("/robots.txt".utf8)

    /// `utm_source=`, `utm_medium=`, ... anywhere in the query (campaign tagging).
    static func hasCampaignParameter(_ query: UnsafeBufferPointer<UInt8>) -> Bool {
        guard query.count >= 4 else { return false }
        for i in 0 ... (query.count - 4) where query[i] == UInt8(ascii: "u") && (i == 0 || query[i - 1] == UInt8(ascii: "&")) {
            if query[i + 1] == UInt8(ascii: "t") && query[i + 2] == UInt8(ascii: "m") && query[i + 3] == UInt8(ascii: "_") { return true }
        }
        return false
    }

    nonisolated(unsafe) private static let slash: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: UInt8(ascii: "/"))
        return UnsafePointer(p)
    }()

    /// Builds a page name; true when a mapping rule hit PCRE2's match limit.
    private func makePage(path: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>?, into out: inout [UInt8]) -> Bool {
        namer.name(path: path, query: query, into: &out)
    }

    /// `host` as logged; site hosts are lower case, and the vhost is compared without case too.
    private func isSiteHost(_ host: UnsafeBufferPointer<UInt8>, vhost: UnsafeBufferPointer<UInt8>?) -> Bool {
        @inline(__always) func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }
        if siteHosts.contains(where: { $0.count == host.count && zip($0, host).allSatisfy { $0 == lower($1) } }) { return true }
        if let vhost, vhost.count == host.count, zip(vhost, host).allSatisfy({ lower($0) == lower($1) }) { return true }
        return false
    }

    private func isStatic(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = path.count - 1
        while i >= 0 && path[i] != UInt8(ascii: ".") && path[i] != UInt8(ascii: "/") { i -= 1 }
        guard i >= 0, path[i] == UInt8(ascii: "."), path.count - i - 1 <= 8 else { return false }
        return staticExtensions.contains(Self.pack(path[(i + 1)...]) &* Self.mixer)
    }

    private static let mixer: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Up to 8 bytes, lower-cased, as one integer (no allocation per hit).
    @inline(__always)
    private static func pack<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for b in bytes {
            value |= UInt64(b >= 65 && b <= 90 ? b | 0x20 : b) << shift
            shift += 8
        }
        return value
    }

    /// The fields that make the visitor key; nil when the chosen key field is missing.
    private func visitorKeyParts(_ r: LogRecord) -> VisitorKeyParts? {
        func one(_ f: FieldRef) -> VisitorKeyParts? { f.count > 0 ? VisitorKeyParts(first: f) : nil }
        // Client and user agent, `client ua` (the agent left out when absent, the space kept).
        func clientAndAgent() -> VisitorKeyParts? {
            r.client.count > 0 ? VisitorKeyParts(first: r.client, second: r.userAgent.count > 0 ? r.userAgent : .empty) : nil
        }
        switch visitorKey {
        case .ip: return one(r.client)
        case .user: return one(r.user)
        case .cookie: return one(r.visitor)
        case .session: return one(r.session)
        case .ipUA: return clientAndAgent()
        case .auto:
            if r.visitor.count > 0 { return one(r.visitor) }
            if r.session.count > 0 { return one(r.session) }
            return clientAndAgent()
        }
    }
}

/// A visitor key as it lies in the line: one field, or two joined by a space.
struct VisitorKeyParts {
    var first = FieldRef.absent
    var second: FieldRef? = nil
}

extension HitChunk {
    /// Reads hits written by `HitEncoder` (copying the bytes, since the batch buffer is reused).
    static func decode(_ buffer: ByteBuffer, recordCount: Int, expectedHits: Int = 0, calendar: SiteCalendar = .utc) -> HitChunk {
        let chunk = HitChunk(copying: buffer.bytes)
        chunk.counts.hits = recordCount
        chunk.hits.reserveCapacity(expectedHits)
        do {
            let b = UnsafeBufferPointer(chunk.arena)
            let raw = UnsafeRawPointer(b.baseAddress ?? emptyBytePointer)
            var at = 0
            // Requests per day: counted into the current day's counts, moved to the table when the day changes.
            var dayOf = DayOfTime(calendar: calendar)
            var day = Int32.min
            var today = DailyRequests.Counts()
            @inline(__always) func count(_ time: Int64, failed: Int = 0, robot: Int = 0, request: Int = 1) {
                let d = dayOf(time)
                if d != day {
                    chunk.counts.requests.add(day: day, today)
                    day = d
                    today = DailyRequests.Counts()
                }
                today.requests += request
                today.failed += failed
                today.robot += robot
            }
            while at < b.count {
                let tag = HitEncoder.Tag(rawValue: b[at])!
                switch tag {
                case .droppedMethod, .droppedStatus, .droppedStatic, .droppedNoPage, .droppedNoVisitor, .droppedStatusByRobot:
                    switch tag {
                    case .droppedMethod: chunk.counts.droppedMethod += 1
                    case .droppedStatic: chunk.counts.droppedStatic += 1
                    case .droppedNoPage: chunk.counts.droppedNoPage += 1
                    case .droppedNoVisitor: chunk.counts.droppedNoVisitor += 1
                    default: chunk.counts.droppedStatus += 1
                    }
                    count(raw.loadUnaligned(fromByteOffset: at + 1, as: Int64.self), robot: tag == .droppedStatusByRobot ? 1 : 0)
                    at += 9
                    continue
                case .mapLimit:
                    chunk.counts.mapLimitHits += 1
                    chunk.counts.mapLimitRule = min(chunk.counts.mapLimitRule, Int(b[at + 1]))
                    at += 2
                    continue
                case .failedRequest:
                    let time = raw.loadUnaligned(fromByteOffset: at + 1, as: Int64.self)
                    let status = Int(raw.loadUnaligned(fromByteOffset: at + 9, as: UInt16.self))
                    let pageCount = Int(raw.loadUnaligned(fromByteOffset: at + 11, as: UInt16.self))
                    let referrerCount = Int(raw.loadUnaligned(fromByteOffset: at + 13, as: UInt16.self))
                    let page = Array(b[(at + 15) ..< (at + 15 + pageCount)])
                    let referrer = Array(b[(at + 15 + pageCount) ..< (at + 15 + pageCount + referrerCount)])
                    // The request itself is counted with the droppedStatus that follows.
                    count(time, failed: 1, request: 0)
                    chunk.counts.errors.add(ErrorCounts.Key(day: day, status: status, page: page, referrer: referrer))
                    at += 15 + pageCount + referrerCount
                    continue
                case .pageView, .robotAgent, .robotsTxt: break
                }
                let time = raw.loadUnaligned(fromByteOffset: at + 1, as: Int64.self)
                count(time, robot: tag == .pageView ? 0 : 1)
                let referrerKind = Hit.ReferrerKind(rawValue: b[at + 9] & 0x7F)!
                let campaign = b[at + 9] & 0x80 != 0
                let hash = raw.loadUnaligned(fromByteOffset: at + 10, as: UInt64.self)
                let keyLength = Int(raw.loadUnaligned(fromByteOffset: at + 18, as: UInt32.self))
                let pageLength = Int(raw.loadUnaligned(fromByteOffset: at + 22, as: UInt32.self))
                let referrerLength = Int(raw.loadUnaligned(fromByteOffset: at + 26, as: UInt32.self))
                let userLength = Int(raw.loadUnaligned(fromByteOffset: at + 30, as: UInt32.self))
                let order = raw.loadUnaligned(fromByteOffset: at + 34, as: Int64.self)
                let k = Int32(at + HitEncoder.headerSize)
                let p = k + Int32(keyLength)
                let r = p + Int32(pageLength)
                let u = r + Int32(referrerLength)
                let kind: Hit.Kind = tag == .pageView ? .pageView : tag == .robotAgent ? .robotAgent : .robotsTxt
                chunk.hits.append(Hit(time: time, kind: kind, referrerKind: referrerKind, visitorHash: hash,
                                      visitor: k ..< p, page: p ..< r, referrer: r ..< u, user: u ..< u + Int32(userLength), campaign: campaign,
                                      sequence: Int(truncatingIfNeeded: order)))
                at = Int(u) + userLength
            }
            chunk.counts.requests.add(day: day, today)
        }
        return chunk
    }
}
