/// Joins usage and structure: ranks pages (PageRank, HITS) on the usage graph or the link graph,
/// finds components, reachability from the home page, links (almost) never followed, detours that
/// a direct link would shorten (Srikant & Yang, WWW 2001) and exit hot spots, as result tables.
public struct LinkAnalysis {
    public enum RankedGraph: String, Sendable, CaseIterable {
        /// Page -> next page transitions, weighted by count.
        case usage
        /// The site's links (export or edge list), else the referrer graph.
        case links
    }

    public struct Options: Sendable {
        public var rankOn = RankedGraph.usage
        public var pageRank = PageRank()
        public var hits = HITS()
        public var home = "/"
        /// Links followed by at most this share of their source page's views are reported as unused.
        public var maxFollowRate = 0.01
        /// Source pages need this many views before their links can be called unused.
        public var minSourceViews = 1
        /// Detours taken by fewer sessions are not suggested as shortcuts.
        public var minShortcutSessions = 2
        public init() {}
    }

    public struct Summary: Sendable {
        public var pages = 0
        public var rankedNodes = 0
        public var rankedEdges = 0
        public var components = 0
        public var largestComponent = 0
        public var pageRankIterations = 0
        public var pageRankConverged = true
        public var hitsIterations = 0
        public var hitsConverged = true
        public var pageRankSeconds = 0.0
        public var hitsSeconds = 0.0
        public var linkSource = "none"
        public var links = 0
        public var unreachable = 0
        public var shortcuts = 0
        public var unusedLinks = 0
    }

    public var names: [String] = []
    public var summary = Summary()
    public var pages = RecordTable(columns: LinkAnalysis.pageColumns)
    public var edges = RecordTable(columns: LinkAnalysis.edgeColumns)
    public var shortcuts = RecordTable(columns: LinkAnalysis.shortcutColumns)
    public var unused = RecordTable(columns: LinkAnalysis.unusedColumns)
    public var exits = RecordTable(columns: LinkAnalysis.exitColumns)
    /// The ranked graph and its scores, for DOT and GraphML.
    public var graph: PageGraph
    public var pageRank: [Double] = []

    public static let pageColumns: [RecordTable.Column] = [
        .init("page", "page name"),
        .init("pagerank", "PageRank on the ranked graph (sums to 1; empty if the page is not in it)"),
        .init("hub", "HITS hub score (sums to 1)"),
        .init("authority", "HITS authority score (sums to 1)"),
        .init("in_degree", "distinct pages leading to it in the ranked graph"),
        .init("out_degree", "distinct pages it leads to in the ranked graph"),
        .init("views", "page views in sessions"),
        .init("entries", "sessions that start on it"),
        .init("exits", "sessions that end on it"),
        .init("exit_rate", "exits / views"),
        .init("component", "strongly connected component of the ranked graph (1 = largest)"),
        .init("in_links", "links to it on the site (link graph)"),
        .init("out_links", "links from it on the site (link graph)"),
        .init("reachable", "1 if it can be reached from the home page by links, 0 if not (empty: no link graph)"),
    ]
    public static let edgeColumns: [RecordTable.Column] = [
        .init("from", "page, or the referrer domain for entries ((none): no external referrer)"),
        .init("to", "page, or (exit)"),
        .init("count", "how often: clicks for transitions, sessions for entries and exits, follows for links"),
        .init("probability", "transition/exit: count / (transitions + exits of from), the Markov next-page chance; entry: share of the domain's sessions"),
        .init("kind", "transition, back_step (inferred by path completion), entry, exit, or link (site link or observed referrer link)"),
        .init("linked", "for transitions: 1 if the site links from -> to, 0 if not (empty: no link graph)"),
    ]
    public static let shortcutColumns: [RecordTable.Column] = [
        .init("from", "page where the detour starts"),
        .init("to", "page it reaches"),
        .init("sessions", "sessions that went from -> ... -> to through other pages, with no direct link"),
        .init("mean_clicks", "mean clicks they needed (a direct link needs 1)"),
        .init("clicks_saved", "clicks a direct link would have saved over all those sessions"),
        .init("typical_path", "a common path taken (pages joined by ' > ')"),
    ]
    public static let unusedColumns: [RecordTable.Column] = [
        .init("from", "page with the link"),
        .init("to", "link target"),
        .init("follows", "transitions from -> to in sessions"),
        .init("from_views", "views of the page with the link"),
        .init("follow_rate", "follows / from_views"),
    ]
    public static let exitColumns: [RecordTable.Column] = [
        .init("page", "page where sessions end"),
        .init("exits", "sessions that ended there"),
        .init("views", "views of the page"),
        .init("exit_rate", "exits / views"),
        .init("top_paths", "most frequent last pages before leaving ('a > b > page (n)', up to 3, '; '-separated)"),
    ]

    /// `usage`/`sessionPages`: the accumulated sessions and their page names (nil: no logs).
    public init(usage: UsageGraph?, sessionPages: ByteStringInterner?, site: SiteLinks?, options: Options) {
        var interner = ByteStringInterner(capacity: 1024)
        var sessionToNode: [Int32: Int32] = [:]
        if let usage, let sessionPages {
            // Viewed pages first, so the usage graph is the prefix 0 ..< viewed of the node ids.
            for id in usage.views.keys.sorted() { sessionToNode[id] = interner.intern(Array(sessionPages.bytes(of: id))) }
        }
        let viewedCount = interner.count
        func node(_ sessionPage: Int32) -> Int32 {
            if let n = sessionToNode[sessionPage] { return n }
            let n = interner.intern(Array(sessionPages!.bytes(of: sessionPage)))
            sessionToNode[sessionPage] = n
            return n
        }
        // The link graph: the site's, else the links visitors were seen to follow (referrers).
        var linkFrom: [Int32] = [], linkTo: [Int32] = [], linkWeight: [Double] = []
        if let site {
            summary.linkSource = "site"
            for p in site.pages { _ = interner.intern(p) }
            for l in site.links {
                linkFrom.append(interner.intern(l.from))
                linkTo.append(interner.intern(l.to))
                linkWeight.append(1)
            }
        } else if let usage {
            summary.linkSource = "referrers"
            for (key, n) in usage.referrerEdges {
                let (a, b) = UsageGraph.unpair(key)
                guard a != b else { continue }
                linkFrom.append(node(a))
                linkTo.append(node(b))
                linkWeight.append(Double(n))
            }
        }
        let nodeCount = interner.count
        for id in 0 ..< nodeCount { names.append(String(decoding: interner.bytes(of: Int32(id)), as: UTF8.self)) }
        let linkGraph = PageGraph(nodeCount: nodeCount, from: linkFrom, to: linkTo, weights: linkWeight)
        let hasLinks = site != nil || !linkFrom.isEmpty
        summary.links = linkGraph.edgeCount

        // Usage per node.
        var views = [Int](repeating: 0, count: nodeCount), entries = views, exitCount = views
        var transitionFrom: [Int32] = [], transitionTo: [Int32] = [], transitionCount: [Double] = []
        var outTotal = [Int](repeating: 0, count: nodeCount)
        if let usage {
            for (p, n) in usage.views { views[Int(node(p))] = n }
            for (p, n) in usage.entries { entries[Int(node(p))] = n }
            for (p, n) in usage.exits {
                exitCount[Int(node(p))] = n
                outTotal[Int(node(p))] += n
            }
            for (key, n) in usage.transitions.sorted(by: { $0.key < $1.key }) {
                let (a, b) = UsageGraph.unpair(key)
                transitionFrom.append(node(a))
                transitionTo.append(node(b))
                transitionCount.append(Double(n))
                outTotal[Int(node(a))] += n
            }
        }

        // The ranked graph.
        switch options.rankOn {
        case .usage:
            graph = PageGraph(nodeCount: viewedCount, from: transitionFrom, to: transitionTo, weights: transitionCount)
        case .links:
            graph = linkGraph
        }
        let (rank, hits, rankSeconds, hitsSeconds) = Self.measure(graph, options)
        let components = StronglyConnectedComponents.fit(graph)
        pageRank = rank.scores
        summary.pageRankSeconds = rankSeconds
        summary.hitsSeconds = hitsSeconds
        summary.pages = nodeCount
        summary.rankedNodes = graph.nodeCount
        summary.rankedEdges = graph.edgeCount
        summary.components = components.count
        summary.largestComponent = components.sizes.first ?? 0
        summary.pageRankIterations = rank.iterations
        summary.pageRankConverged = rank.converged
        summary.hitsIterations = hits.iterations
        summary.hitsConverged = hits.converged

        let homeID = interner.find(options.home).map(Int.init)
        let reachable = hasLinks ? homeID.map { linkGraph.reachable(from: $0) } : nil

        // Pages, by PageRank then name; rows are made while writing.
        let rankedCount = graph.nodeCount
        let order = Self.order(nodeCount, names) { $0 < rankedCount ? rank.scores[$0] : -1 }
        if let reachable { summary.unreachable = reachable.reduce(0) { $0 + ($1 ? 0 : 1) } }
        let names = names, graph = graph, component = components.component
        pages = RecordTable(columns: Self.pageColumns, count: nodeCount) { i in
            let v = Int(order[i])
            let ranked = v < rankedCount
            return [
                .text(names[v]),
                ranked ? .real(rank.scores[v]) : .null, ranked ? .real(hits.hubs[v]) : .null, ranked ? .real(hits.authorities[v]) : .null,
                ranked ? .int(graph.inDegree(v)) : .null, ranked ? .int(graph.outDegree(v)) : .null,
                .int(views[v]), .int(entries[v]), .int(exitCount[v]), views[v] > 0 ? .real(Self.round4(Double(exitCount[v]) / Double(views[v]))) : .null,
                ranked ? .int(component[v]) : .null,
                hasLinks ? .int(linkGraph.inDegree(v)) : .null, hasLinks ? .int(linkGraph.outDegree(v)) : .null,
                reachable.map { .int($0[v] ? 1 : 0) } ?? .null,
            ]
        }

        guard let usage else { return }
        // Edges: transitions (most frequent first), back-steps, entries, exits, links.
        var transitionRows: [(Int32, Int32, Int)] = zip(zip(transitionFrom, transitionTo), transitionCount).map { ($0.0, $0.1, Int($1)) }
        transitionRows.sort { $0.2 != $1.2 ? $0.2 > $1.2 : ($0.0 != $1.0 ? names[Int($0.0)] < names[Int($1.0)] : names[Int($0.1)] < names[Int($1.1)]) }
        var follows: [UInt64: Int] = [:]
        for (a, b, n) in transitionRows {
            follows[UsageGraph.pair(a, b)] = n
            let linked: FieldValue = site != nil ? .int(linkGraph.hasEdge(a, b) ? 1 : 0) : .null
            edges.append([.text(names[Int(a)]), .text(names[Int(b)]), .int(n), .real(Self.round4(Double(n) / Double(outTotal[Int(a)]))), .text("transition"), linked])
        }
        for (key, n) in usage.backStepEdges.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            let (a, b) = UsageGraph.unpair(key)
            edges.append([.text(names[Int(node(a))]), .text(names[Int(node(b))]), .int(n), .null, .text("back_step"), .null])
        }
        for (domain, targets) in usage.entryDomains.sorted(by: { $0.key < $1.key }) {
            let total = targets.values.reduce(0, +)
            for (p, n) in targets.sorted(by: { $0.value != $1.value ? $0.value > $1.value : names[Int(node($0.key))] < names[Int(node($1.key))] }) {
                edges.append([.text(domain), .text(names[Int(node(p))]), .int(n), .real(Self.round4(Double(n) / Double(total))), .text("entry"), .null])
            }
        }
        for v in (0 ..< nodeCount).filter({ exitCount[$0] > 0 }).sorted(by: { exitCount[$0] != exitCount[$1] ? exitCount[$0] > exitCount[$1] : names[$0] < names[$1] }) {
            edges.append([.text(names[v]), .text("(exit)"), .int(exitCount[v]), .real(Self.round4(Double(exitCount[v]) / Double(outTotal[v]))), .text("exit"), .null])
        }
        for u in 0 ..< nodeCount {
            for k in linkGraph.outEdges(u) {
                let v = linkGraph.outTargets[k]
                let n = site != nil ? follows[UsageGraph.pair(Int32(u), v)] ?? 0 : Int(linkGraph.weight(at: k))
                edges.append([.text(names[u]), .text(names[Int(v)]), .int(n), .null, .text("link"), .null])
            }
        }

        // Links (almost) never followed, on the busiest pages first.
        if hasLinks {
            var rows: [(Int, Int32, Int)] = []
            for u in 0 ..< nodeCount where views[u] >= max(1, options.minSourceViews) {
                for k in linkGraph.outEdges(u) {
                    let v = linkGraph.outTargets[k]
                    let n = follows[UsageGraph.pair(Int32(u), v)] ?? 0
                    if Double(n) <= options.maxFollowRate * Double(views[u]) { rows.append((u, v, n)) }
                }
            }
            rows.sort { $0.2 != $1.2 ? $0.2 < $1.2 : (views[$0.0] != views[$1.0] ? views[$0.0] > views[$1.0] : (names[$0.0] != names[$1.0] ? names[$0.0] < names[$1.0] : names[Int($0.1)] < names[Int($1.1)])) }
            for (u, v, n) in rows {
                unused.append([.text(names[u]), .text(names[Int(v)]), .int(n), .int(views[u]), .real(Self.round4(Double(n) / Double(views[u])))])
            }
            summary.unusedLinks = rows.count
        }

        // Shortcuts: detours with no direct link (site links, else links seen followed).
        var candidates: [(Int32, Int32, UsageGraph.Detour)] = []
        for (key, detour) in usage.detours where detour.sessions >= options.minShortcutSessions {
            let (a, b) = UsageGraph.unpair(key)
            let na = node(a), nb = node(b)
            if linkGraph.hasEdge(na, nb) { continue }
            // A page the site never links to (a form's result such as /signup/thanks) needs no link.
            if site != nil && linkGraph.inDegree(Int(nb)) == 0 { continue }
            if site == nil && follows[UsageGraph.pair(na, nb)] != nil { continue }
            candidates.append((na, nb, detour))
        }
        candidates.sort { x, y in
            let sx = x.2.steps - x.2.sessions, sy = y.2.steps - y.2.sessions
            if x.2.sessions != y.2.sessions { return x.2.sessions > y.2.sessions }
            if sx != sy { return sx > sy }
            return names[Int(x.0)] != names[Int(y.0)] ? names[Int(x.0)] < names[Int(y.0)] : names[Int(x.1)] < names[Int(y.1)]
        }
        for (a, b, d) in candidates {
            let path = d.typicalPath.map { names[Int(node($0))] }.joined(separator: " > ")
            shortcuts.append([.text(names[Int(a)]), .text(names[Int(b)]), .int(d.sessions), .real(Self.round4(Double(d.steps) / Double(d.sessions))), .int(d.steps - d.sessions), .text(path)])
        }
        summary.shortcuts = candidates.count

        // Exit hot spots with the paths that lead there.
        var pathsByExit: [Int32: [(UsageGraph.ExitPath, Int)]] = [:]
        for (p, n) in usage.exitPaths { pathsByExit[node(p.exit), default: []].append((p, n)) }
        for v in (0 ..< nodeCount).filter({ exitCount[$0] > 0 }).sorted(by: { exitCount[$0] != exitCount[$1] ? exitCount[$0] > exitCount[$1] : names[$0] < names[$1] }) {
            func label(_ p: UsageGraph.ExitPath) -> String {
                [p.before2, p.before1, p.exit].filter { $0 >= 0 }.map { names[Int(node($0))] }.joined(separator: " > ")
            }
            let top = (pathsByExit[Int32(v)] ?? []).map { (label($0.0), $0.1) }
                .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(3)
            exits.append([.text(names[v]), .int(exitCount[v]), .int(views[v]), .real(Self.round4(Double(exitCount[v]) / Double(max(1, views[v])))),
                          .text(top.map { "\($0.0) (\($0.1))" }.joined(separator: "; "))])
        }
    }

    /// Ranks a plain edge list (`from<TAB>to[<TAB>weight]`) on its own: the pages table only.
    public init(edgeList: PageGraph, names: [String], options: Options) {
        self.names = names
        graph = edgeList
        let (rank, hits, rankSeconds, hitsSeconds) = Self.measure(graph, options)
        let components = StronglyConnectedComponents.fit(graph)
        pageRank = rank.scores
        summary = Summary(pages: names.count, rankedNodes: graph.nodeCount, rankedEdges: graph.edgeCount, components: components.count,
                          largestComponent: components.sizes.first ?? 0, pageRankIterations: rank.iterations, pageRankConverged: rank.converged,
                          hitsIterations: hits.iterations, hitsConverged: hits.converged, pageRankSeconds: rankSeconds, hitsSeconds: hitsSeconds, linkSource: "edges")
        let homeID = names.firstIndex(of: options.home)
        let reachable = homeID.map { edgeList.reachable(from: $0) }
        let order = Self.order(edgeList.nodeCount, names) { rank.scores[$0] }
        if let reachable { summary.unreachable = reachable.reduce(0) { $0 + ($1 ? 0 : 1) } }
        let graph = edgeList, component = components.component
        pages = RecordTable(columns: Self.pageColumns, count: graph.nodeCount) { i in
            let v = Int(order[i])
            return [
                .text(names[v]), .real(rank.scores[v]), .real(hits.hubs[v]), .real(hits.authorities[v]),
                .int(graph.inDegree(v)), .int(graph.outDegree(v)), .null, .null, .null, .null,
                .int(component[v]), .int(graph.inDegree(v)), .int(graph.outDegree(v)),
                reachable.map { .int($0[v] ? 1 : 0) } ?? .null,
            ]
        }
    }

    /// Node ids by score (highest first), ties by name.
    private static func order(_ count: Int, _ names: [String], score: (Int) -> Double) -> [Int32] {
        var order = (0 ..< Int32(count)).map { $0 }
        order.sort { a, b in
            let sa = score(Int(a)), sb = score(Int(b))
            return sa != sb ? sa > sb : names[Int(a)] < names[Int(b)]
        }
        return order
    }

    private static func measure(_ graph: PageGraph, _ options: Options) -> (PageRank.Result, HITS.Result, Double, Double) {
        let t0 = monotonicSeconds()
        let rank = options.pageRank.fit(graph)
        let t1 = monotonicSeconds()
        let hits = options.hits.fit(graph)
        return (rank, hits, t1 - t0, monotonicSeconds() - t1)
    }

    public static func round4(_ x: Double) -> Double { (x * 10000).rounded() / 10000 }
}
