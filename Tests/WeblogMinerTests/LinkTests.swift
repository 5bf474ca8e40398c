import Foundation
import Testing
@testable import WeblogMiner

/// PageRank, HITS and components on small graphs worked out by hand (or, where marked, with
/// networkx 3.6.1, an independent implementation); HTML link extraction and URL resolution on
/// imperfect markup; detour counting for shortcut suggestions.
@Suite struct LinkTests {
    /// Graph over named nodes a, b, c, ... from "a>b" edge strings (with optional ":weight").
    static func graph(_ nodes: Int, _ edges: [String]) -> PageGraph {
        var from: [Int32] = [], to: [Int32] = [], weights: [Double] = []
        for e in edges {
            let parts = e.split(separator: ":")
            let ends = parts[0].split(separator: ">")
            from.append(Int32(ends[0].unicodeScalars.first!.value - 97))
            to.append(Int32(ends[1].unicodeScalars.first!.value - 97))
            weights.append(parts.count > 1 ? Double(parts[1])! : 1)
        }
        return PageGraph(nodeCount: nodes, from: from, to: to, weights: weights)
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-9) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func pageRankCycleIsUniform() {
        let r = PageRank().fit(Self.graph(3, ["a>b", "b>c", "c>a"]))
        #expect(Self.close(r.scores, [1.0 / 3, 1.0 / 3, 1.0 / 3]))
        #expect(r.converged)
    }

    @Test func pageRankDanglingNode() {
        // a -> b, b dangling. By hand: x_a = .075 + .425 x_b, x_b = .075 + .425 x_b + .85 x_a
        // gives x_b = .13875 / .21375 and x_a = 1 - x_b.
        let r = PageRank().fit(Self.graph(2, ["a>b"]))
        let xb = 0.13875 / 0.21375
        #expect(Self.close(r.scores, [1 - xb, xb]))
    }

    @Test func pageRankSelfLoopWeightsAndIsolatedNode() {
        // Reload a -> a (weight 2), a -> b, b -> a; c isolated (dangling). Isolated node by hand:
        // x_c = .05 / (1 - .85 / 3); the others from networkx 3.6.1 (pagerank, tol 1e-14).
        let g = Self.graph(3, ["a>a:2", "a>b", "b>a"])
        let r = PageRank().fit(g)
        #expect(Self.close(r.scores, [0.670492298399273, 0.2597402597402601, 0.05 / (1 - 0.85 / 3)]))
        #expect(abs(r.scores.reduce(0, +) - 1) < 1e-12)
        // Unweighted: the reload counts like any link.
        var unweighted = PageRank()
        unweighted.weighted = false
        #expect(!Self.close(unweighted.fit(g).scores, r.scores, 1e-3))
        // The same graph with both threads or one.
        var single = PageRank()
        single.threads = 1
        #expect(Self.close(single.fit(g).scores, r.scores, 1e-15))
    }

    @Test func pageRankDisconnectedComponents() {
        let g = Self.graph(4, ["a>b", "b>a", "c>d", "d>c"])
        #expect(Self.close(PageRank().fit(g).scores, [0.25, 0.25, 0.25, 0.25]))
        let scc = StronglyConnectedComponents.fit(g)
        #expect(scc.count == 2)
        #expect(scc.component == [1, 1, 2, 2])
    }

    @Test func parallelEdgesAddUp() {
        let g = PageGraph(nodeCount: 2, from: [0, 0, 1], to: [1, 1, 0])
        #expect(g.edgeCount == 2)
        #expect(g.outWeights == [2, 1])
        let u = PageGraph(nodeCount: 2, from: [0, 0, 1], to: [1, 1, 0], unweighted: true)
        #expect(u.outWeights == nil)
    }

    @Test func hitsByHand() {
        // a -> c, b -> c, b -> d. Hubs: top eigenvector of A A^T = [[1,1],[1,2]], (1, golden ratio);
        // authorities A^T h: c = h_a + h_b, d = h_b. Normalised to sum 1.
        let phi = (1 + 5.0.squareRoot()) / 2
        let r = HITS().fit(Self.graph(4, ["a>c", "b>c", "b>d"]))
        #expect(Self.close(r.hubs, [1 / (1 + phi), phi / (1 + phi), 0, 0], 1e-8))
        #expect(Self.close(r.authorities, [0, 0, (1 + phi) / (1 + 2 * phi), phi / (1 + 2 * phi)], 1e-8))
        // Star: one hub, equal authorities.
        let star = HITS().fit(Self.graph(3, ["a>b", "a>c"]))
        #expect(Self.close(star.hubs, [1, 0, 0]) && Self.close(star.authorities, [0, 0.5, 0.5]))
    }

    @Test func hitsSelfLoopMatchesNetworkx() {
        // networkx 3.6.1 hits on a -> a (2), a -> b, b -> a: 1/sqrt(2) and 1 - 1/sqrt(2) for both.
        let r = HITS().fit(Self.graph(3, ["a>a:2", "a>b", "b>a"]))
        #expect(Self.close(r.hubs, [0.7071067811865476, 0.2928932188134525, 0], 1e-8))
        #expect(Self.close(r.authorities, [0.7071067811865475, 0.2928932188134524, 0], 1e-8))
    }

    @Test func componentsAndReachability() {
        // a <-> b -> c <-> d, e alone: {a,b} and {c,d} size 2, e size 1.
        let g = Self.graph(5, ["a>b", "b>a", "b>c", "c>d", "d>c"])
        let scc = StronglyConnectedComponents.fit(g)
        #expect(scc.sizes == [2, 2, 1])
        #expect(scc.component == [1, 1, 2, 2, 3])
        #expect(g.reachable(from: 2) == [false, false, true, true, false])
        #expect(g.hasEdge(1, 2) && !g.hasEdge(2, 1))
    }

    @Test func longChainDoesNotOverflow() {
        let n = 200_000
        let g = PageGraph(nodeCount: n, from: (0 ..< Int32(n - 1)).map { $0 }, to: (1 ..< Int32(n)).map { $0 })
        #expect(StronglyConnectedComponents.fit(g).count == n)
    }

    @Test func extractsLinksFromImperfectHTML() {
        let html = """
            <!doctype html><HTML><head><base href="/docs/"><style>a { x: "<a href='/style'>" }</style></head>
            <body><A CLASS=nav HREF=/one>1</A> <a id='x' href = 'two.html' >2</a><a name=anchor>no href</a>
            <!-- <a href="/commented">x</a> --><script>document.write('<a href="/scripted">')</script>
            <a href="/q?a=1&amp;b=2#frag">q</a><a title="a > b" href="/after-gt">t</a><p>Unclosed <b>markup
            <a href="mailto:x@example.com">m</a><a href="  /spaced  ">s</a><a href="/x&#47;y">e</a>
            """
        let links = HTMLLinkExtractor.links(in: Array(html.utf8))
        #expect(links.base == "/docs/")
        #expect(links.hrefs == ["/one", "two.html", "/q?a=1&b=2#frag", "/after-gt", "mailto:x@example.com", "/spaced", "/x/y"])
    }

    @Test func resolvesRelativeAndAbsoluteLinks() {
        let hosts: Set<String> = ["www.example.com"]
        func r(_ href: String, _ base: String = "/docs/intro") -> String? { SiteLinks.resolve(href, against: base, siteHosts: hosts) }
        #expect(r("setup") == "/docs/setup")
        #expect(r("../pricing") == "/pricing")
        #expect(r("../../../x") == "/x")
        #expect(r("./a/./b/../c") == "/docs/a/c")
        #expect(r("/abs?x=1") == "/abs?x=1")
        #expect(r("?page=2") == "/docs/intro?page=2")
        #expect(r("#top") == nil)
        #expect(r("http://WWW.Example.com:8080/p?q") == "/p?q")
        #expect(r("https://www.example.com") == "/")
        #expect(r("//www.example.com/x") == "/x")
        #expect(r("https://other.org/x") == nil)
        #expect(r("mailto:a@b.c") == nil && r("javascript:void(0)") == nil && r("tel:123") == nil)
        #expect(r("x", "/docs/") == "/docs/x")
        #expect(SiteLinks.url(ofFile: "docs/index.html", style: .stripExtension) == "/docs/")
        #expect(SiteLinks.url(ofFile: "p/1000.html", style: .stripExtension) == "/p/1000")
        #expect(SiteLinks.url(ofFile: "p/1000.html", style: .keepExtension) == "/p/1000.html")
    }

    static func session(_ pages: [Int32], inferred: Set<Int> = []) -> Session {
        let views = pages.enumerated().map { PageView(page: $1, time: Int64($0) * 1000, inferred: inferred.contains($0)) }
        return Session(id: 1, visitor: [], visitorHash: 1, views: views, entryReferrer: nil)
    }

    @Test func detoursCountOncePerSessionFromTheLastOccurrence() {
        var usage = UsageGraph()
        // 0 -> 1 -> 2: a detour 0 => 2 of 2 clicks.
        usage.add(Self.session([0, 1, 2]))
        // 0 -> 1 -> 0 -> 2: the visitor got to 2 straight from 0 the second time: no 0 => 2 detour,
        // but 1 => 2 (through 0). Repeats in one session count once.
        usage.add(Self.session([0, 1, 0, 2, 1, 0, 2]))
        #expect(usage.detours[UsageGraph.pair(0, 2)]?.sessions == 1)
        #expect(usage.detours[UsageGraph.pair(1, 2)]?.sessions == 1)
        #expect(usage.detours[UsageGraph.pair(0, 2)]?.typicalPath == [0, 1, 2])
        // Longer than the limit: not counted.
        var short = UsageGraph()
        short.shortcutMaxSteps = 2
        short.add(Self.session([0, 1, 2, 3]))
        #expect(short.detours[UsageGraph.pair(0, 3)] == nil && short.detours[UsageGraph.pair(0, 2)] != nil)
        #expect(usage.transitions[UsageGraph.pair(0, 1)] == 2 && usage.exits[2] == 2 && usage.entries[0] == 2)
    }

    @Test func backStepsMarkedIncludedOrExcluded() {
        // Path completion: 0 1 2, then back through 1 (inferred) to 0 (inferred), then 3.
        let s = Self.session([0, 1, 2, 1, 0, 3], inferred: [3, 4])
        var marked = UsageGraph()
        marked.add(s)
        #expect(marked.backStepEdges[UsageGraph.pair(2, 1)] == 1 && marked.backStepEdges[UsageGraph.pair(1, 0)] == 1)
        #expect(marked.transitions[UsageGraph.pair(0, 3)] == 1 && marked.transitions[UsageGraph.pair(2, 3)] == nil)
        var excluded = UsageGraph()
        excluded.backSteps = .exclude
        excluded.add(s)
        #expect(excluded.transitions[UsageGraph.pair(2, 3)] == 1 && excluded.backStepEdges.isEmpty)
        var included = UsageGraph()
        included.backSteps = .include
        included.add(s)
        #expect(included.transitions[UsageGraph.pair(2, 1)] == 1 && included.backStepEdges.isEmpty)
        #expect(marked.views[1] == 1)   // inferred views are not views
    }

    @Test func edgeListCommandRanksAGraph() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("g.tsv", "from\tto\tweight\n/\t/a\t2\n/a\t/\t1\n/a\t/b\t1\nbad\t\n/b\t/\tx\n")
        let r = try Tool.shell("$WM links --edges '\(path)' --output jsonl")
        #expect(r.status == 65)   // malformed lines are reported, not silently dropped
        #expect(r.err.contains("2 malformed lines") && r.err.contains("line 5"))
        let rows = r.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.count == 3)
        #expect(Set(rows.map { $0["page"] as! String }) == ["/", "/a", "/b"])
        for key in ["pagerank", "hub", "authority", "in_degree", "out_degree"] { #expect(rows[0][key] != nil) }
        let total = rows.map { $0["pagerank"] as! Double }.reduce(0, +)
        #expect(abs(total - 1) < 1e-9)
        let b = rows.first { $0["page"] as! String == "/b" }!
        #expect(b["reachable"] as? Int == 1 && b["in_degree"] as? Int == 1 && b["out_degree"] as? Int == 0)
    }
}

/// The fixture site (fixtures/site, 13 pages written with deliberate gaps) against its visit log:
/// the expected results are worked out in fixtures/site/EXPECTED.md by hand and by an independent
/// Python program; the tool's shortcut rule (nearest earlier A, no page the site never links to)
/// is the one documented there.
@Suite(.serialized) struct LinkFixtureTests {
    static let args = "'\(Paths.fixture("access/site-visits.log"))' --site '\(Paths.fixture("site"))' --site-host www.example.com -q"

    static func table(_ name: String) throws -> [[String: String]] {
        let r = try Tool.shell("$WM links \(args) --table \(name)")
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func siteLinkGraphHas39Links() throws {
        let links = try Self.table("edges").filter { $0["kind"] == "link" }
        #expect(links.count == 39)
        // Only in a comment or a script: not links.
        #expect(!links.contains { $0["from"] == "/" && $0["to"] == "/signup" })
        #expect(!links.contains { $0["from"] == "/docs/install" && $0["to"] == "/docs/config" })
        // <base href> on /blog/launch: install.html is /docs/install.
        #expect(links.contains { $0["from"] == "/blog/launch" && $0["to"] == "/docs/install" })
    }

    @Test func shortcutSuggestions() throws {
        let rows = try Self.table("shortcuts").map { "\($0["from"]!) -> \($0["to"]!) \($0["sessions"]!)" }
        #expect(Array(rows.prefix(6)) == ["/ -> /signup 11", "/ -> /docs/install 11", "/docs/install -> /docs/config 8",
                                          "/ -> /docs/faq 6", "/ -> /docs/config 5", "/features -> /signup 5"])
        #expect(!rows.contains { $0.contains("-> /thanks ") })   // reached by a form, not by links
    }

    @Test func neverUsedLinksUnreachablePagesAndExits() throws {
        let unused = Set(try Self.table("unused").filter { $0["follows"] == "0" }.map { "\($0["from"]!) -> \($0["to"]!)" })
        #expect(unused == ["/blog/ -> /", "/blog/launch -> /", "/contact -> /", "/contact -> /docs/faq", "/docs/ -> /",
                           "/docs/config -> /docs/", "/docs/faq -> /features", "/features -> /", "/pricing -> /", "/signup -> /", "/thanks -> /"])
        let pages = try Self.table("pages")
        #expect(Set(pages.filter { $0["reachable"] == "0" }.map { $0["page"]! }) == ["/legacy", "/thanks"])
        let exits = try Self.table("exits").map { "\($0["page"]!) \($0["exits"]!)" }
        #expect(exits == ["/signup 9", "/docs/config 7", "/contact 6", "/docs/faq 6", "/docs/install 5", "/thanks 5",
                          "/ 3", "/features 2", "/blog/ 1", "/docs/ 1", "/pricing 1"])
    }

    @Test func dotAndGraphMLAreWellFormed() throws {
        let dot = try Tool.shell("$WM links \(Self.args) --output dot --top 5")
        #expect(dot.status == 0 && dot.out.hasPrefix("digraph pages {") && dot.out.hasSuffix("}\n"))
        #expect(dot.out.split(separator: "\n").filter { $0.contains("[label=") }.count == 5)
        let xml = try Tool.shell("$WM links \(Self.args) --output graphml | python3 -c 'import sys, xml.dom.minidom; d = xml.dom.minidom.parse(sys.stdin); print(len(d.getElementsByTagName(\"node\")))'")
        #expect(xml.status == 0 && xml.out.trimmingCharacters(in: .whitespacesAndNewlines) == "13")
    }
}
