/// Cleaning on the parse side: keeps page views (drops static resources, failed requests, HEAD and
/// OPTIONS), marks robot agents and robots.txt fetches, builds visitor keys and page names, and hands
/// hits on in chunks. One per input file, on that file's thread.
struct HitExtractor: RecordSink {
    private let cleaning: CleaningOptions
    private let visitorKey: VisitorKey
    private let normalizer: URLNormalizer
    private let mapper: PageMapper?
    private var robots: RobotMatcher
    private let output: BlockingQueue<HitChunk?>
    private var chunk = HitChunk()
    private let chunkSize = 4096
    /// Scratch buffers, copied out and back so their capacity is reused.
    private var page: [UInt8] = []
    private var referrerPage: [UInt8] = []
    private var key: [UInt8] = []
    private let staticExtensions: Set<[UInt8]>
    private let droppedMethods: [[UInt8]]
    private let siteHosts: [[UInt8]]

    init(cleaning: CleaningOptions, visitorKey: VisitorKey, output: BlockingQueue<HitChunk?>) {
        self.cleaning = cleaning
        self.visitorKey = visitorKey
        normalizer = URLNormalizer(normalize: cleaning.normalizeURLs, keptParameters: cleaning.keptParameters)
        mapper = cleaning.pageMap?.copy()
        robots = RobotMatcher(patterns: cleaning.robotPatterns)
        self.output = output
        staticExtensions = Set(cleaning.staticExtensions.map { Array($0.lowercased().utf8) })
        droppedMethods = cleaning.droppedMethods.map { Array($0.uppercased().utf8) }
        siteHosts = cleaning.siteHosts.map { Array($0.lowercased().utf8) }
    }

    mutating func accept(_ r: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError) {
        chunk.counts.hits += 1
        if r.method.count > 0 && !droppedMethods.isEmpty {
            let method = line.bytes(r.method)
            if droppedMethods.contains(where: { $0.elementsEqual(method) }) {
                chunk.counts.droppedMethod += 1
                return
            }
        }
        if cleaning.dropFailed && r.status >= 0 && !((r.status >= 200 && r.status < 300) || r.status == 304) {
            chunk.counts.droppedStatus += 1
            return
        }
        guard r.path.count > 0 else {
            chunk.counts.droppedNoPage += 1
            return
        }
        let path = line.bytes(r.path)
        guard buildVisitorKey(r, line) else {
            chunk.counts.droppedNoPage += 1
            return
        }
        let visitorHash = hashBytes(key.withUnsafeBufferPointer { $0.baseAddress ?? emptyBytePointer }, key.count)
        let ua = line.bytes(r.userAgent)
        if cleaning.dropRobotAgents && r.userAgent.count > 0 && robots.isRobot(ua) {
            emit(Hit(time: r.epochMillis, kind: .robotAgent, referrerKind: .none, visitorHash: visitorHash, visitor: chunk.store(key), page: 0 ..< 0, referrer: 0 ..< 0))
            return
        }
        if cleaning.dropRobotsTxtFetchers && path.elementsEqual("/robots.txt".utf8) {
            emit(Hit(time: r.epochMillis, kind: .robotsTxt, referrerKind: .none, visitorHash: visitorHash, visitor: chunk.store(key), page: 0 ..< 0, referrer: 0 ..< 0))
            return
        }
        if cleaning.dropStatic && isStatic(path) {
            chunk.counts.droppedStatic += 1
            return
        }
        var page = self.page
        if makePage(path: path, query: r.query.count > 0 ? line.bytes(r.query) : nil, into: &page) { chunk.counts.mapLimitHits += 1 }
        var referrerKind = Hit.ReferrerKind.none
        var referrer: Range<Int32> = 0 ..< 0
        if r.referrer.count > 0 {
            let raw = line.bytes(r.referrer)
            if let parts = URLNormalizer.splitReferrer(raw), isSiteHost(parts.host, vhost: r.vhost.count > 0 ? line.bytes(r.vhost) : nil) {
                let refPath = UnsafeBufferPointer(rebasing: raw[parts.path])
                let refQuery = parts.query.map { UnsafeBufferPointer(rebasing: raw[$0]) }
                var referrerPage = self.referrerPage
                if makePage(path: refPath.isEmpty ? UnsafeBufferPointer(start: slash, count: 1) : refPath, query: refQuery, into: &referrerPage) {
                    chunk.counts.mapLimitHits += 1
                }
                referrerKind = .internalPage
                referrer = chunk.store(referrerPage)
            } else {
                referrerKind = .external
                referrer = chunk.store(raw)
            }
        }
        emit(Hit(time: r.epochMillis, kind: .pageView, referrerKind: referrerKind, visitorHash: visitorHash,
                 visitor: chunk.store(key), page: chunk.store(page), referrer: referrer))
    }

    private let slash: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: UInt8(ascii: "/"))
        return UnsafePointer(p)
    }()

    /// Builds a page name; true when a mapping rule hit PCRE2's match limit.
    private func makePage(path: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>?, into out: inout [UInt8]) -> Bool {
        if path.first == UInt8(ascii: "/") {
            normalizer.page(path: path, query: query, into: &out)
        } else {
            // Click logs name pages by id (`81766`): keep them as they are.
            out.removeAll(keepingCapacity: true)
            out.append(contentsOf: path)
        }
        if let mapper { return mapper.map(&out) == .limitExceeded }
        return false
    }

    private func isSiteHost(_ host: [UInt8], vhost: UnsafeBufferPointer<UInt8>?) -> Bool {
        if siteHosts.contains(where: { $0 == host }) { return true }
        if let vhost, vhost.count == host.count, zip(vhost, host).allSatisfy({ ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }) { return true }
        return false
    }

    private func isStatic(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = path.count - 1
        while i >= 0 && path[i] != UInt8(ascii: ".") && path[i] != UInt8(ascii: "/") { i -= 1 }
        guard i >= 0, path[i] == UInt8(ascii: "."), path.count - i - 1 <= 8 else { return false }
        let ext = path[(i + 1)...].map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        return staticExtensions.contains(ext)
    }

    /// Fills `key`; false when the chosen key field is missing.
    private mutating func buildVisitorKey(_ r: LogRecord, _ line: LineBuffer) -> Bool {
        key.removeAll(keepingCapacity: true)
        func add(_ f: FieldRef) { if f.count > 0 { key.append(contentsOf: line.bytes(f)) } }
        switch visitorKey {
        case .ip: add(r.client)
        case .user: add(r.user)
        case .cookie: add(r.visitor)
        case .session: add(r.session)
        case .ipUA:
            add(r.client)
            key.append(UInt8(ascii: " "))
            add(r.userAgent)
            return r.client.count > 0
        case .auto:
            if r.visitor.count > 0 {
                add(r.visitor)
            } else if r.session.count > 0 {
                add(r.session)
            } else {
                add(r.client)
                key.append(UInt8(ascii: " "))
                add(r.userAgent)
                return r.client.count > 0
            }
        }
        return !key.isEmpty
    }

    private mutating func emit(_ hit: Hit) {
        chunk.hits.append(hit)
        if chunk.hits.count >= chunkSize { flush() }
    }

    /// Sends the current chunk on (also at the end of the file, with its counts).
    mutating func flush() {
        output.push(chunk)
        chunk = HitChunk()
    }
}
