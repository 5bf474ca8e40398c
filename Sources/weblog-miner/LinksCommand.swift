import ArgumentParser
import WeblogMiner

struct LinksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "Link structure and usage: PageRank, HITS, components, unused links, shortcut suggestions, exit hot spots.",
        discussion: reflow("""
            Builds the usage graph from the sessions of the logs (same cleaning and session options as
            `sessions`) and, with --site DIR (an HTML export or mirror) or --site-edges FILE, the site's link
            graph; without either, the referrer graph (referrer page -> requested page) stands in for the
            links. PageRank (damping 0.85, dangling pages spread uniformly, weighted by transition counts)
            and HITS run on the usage graph (--rank-on links: on the link graph). --edges FILE ranks any
            graph given as from<TAB>to[<TAB>weight] lines instead of logs.

            EXAMPLES
              weblog-miner links logs/*.gz --site-host shop.example.com --site site/ --table shortcuts
              weblog-miner links logs/*.gz --table edges --output jsonl
              weblog-miner links logs/*.gz --output dot --top 40 | dot -Tsvg > pages.svg
              weblog-miner links --edges graph.tsv --output jsonl

            --table pages (default):
            \(RecordTable.help(LinkAnalysis.pageColumns))

            --table edges (the usage graph, with entries from referrer domains, exits and links):
            \(RecordTable.help(LinkAnalysis.edgeColumns))

            --table shortcuts (A -> ... -> B taken by several sessions, no direct link; Srikant & Yang 2001):
            \(RecordTable.help(LinkAnalysis.shortcutColumns))

            --table unused (links followed by at most --max-follow-rate of their page's views):
            \(RecordTable.help(LinkAnalysis.unusedColumns))

            --table exits (exit hot spots):
            \(RecordTable.help(LinkAnalysis.exitColumns))

            --output dot or graphml writes the top --top pages by PageRank and the edges among them.

            \(ExitStatus.helpText)
            """)
    )

    enum Table: String, ExpressibleByArgument, CaseIterable { case pages, edges, shortcuts, unused, exits }
    enum Output: String, ExpressibleByArgument, CaseIterable { case tsv, jsonl, dot, graphml }

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions

    @OptionGroup var site: SiteCLIOptions

    @Option(help: ArgumentHelp("Rank a plain edge list (from<TAB>to[<TAB>weight]) instead of logs; only --table pages applies.", valueName: "file"))
    var edges: String?

    @Option(help: ArgumentHelp("Which table to write: pages, edges, shortcuts, unused, exits.", valueName: "table"))
    var table: Table = .pages

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var outputFile: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("Output format: tsv, jsonl, dot or graphml.", valueName: "format"))
    var outputFormat: Output = .tsv

    @Option(help: ArgumentHelp("Graph to rank: usage (page -> next page transitions) or links (the link graph).", valueName: "usage|links"))
    var rankOn: LinkAnalysis.RankedGraph = .usage

    @Option(help: "PageRank damping factor (chance of following a link rather than jumping anywhere).")
    var damping = 0.85

    @Option(help: ArgumentHelp("Stop iterating when the scores change by less than this (L1 norm).", valueName: "x"))
    var tolerance = 1e-10

    @Option(help: ArgumentHelp("Most power iterations for PageRank and HITS.", valueName: "n"))
    var maxIterations = 1000

    @Flag(help: "Every edge counts 1 (default: weighted by transition counts or edge-list weights).")
    var unweighted = false

    @Option(help: ArgumentHelp("The home page, for reachability.", valueName: "page"))
    var home = "/"

    @Option(help: ArgumentHelp("Back-navigation views from --path-completion: mark (back_step edges), include (as transitions) or exclude.", valueName: "mode"))
    var backSteps: UsageGraph.BackSteps = .mark

    @Option(help: ArgumentHelp("Longest detour considered for a shortcut, in clicks.", valueName: "n"))
    var maxDetour = 4

    @Option(help: ArgumentHelp("Suggest a shortcut only when at least this many sessions took the detour.", valueName: "n"))
    var minShortcutSessions = 2

    @Option(help: ArgumentHelp("--table unused lists links followed by at most this share of their page's views.", valueName: "rate"))
    var maxFollowRate = 0.01

    @Option(help: ArgumentHelp("Pages in DOT/GraphML output (highest PageRank first).", valueName: "n"))
    var top = 50

    func validate() throws {
        guard damping > 0 && damping < 1 else { throw ValidationError("--damping must be between 0 and 1 (exclusive)") }
        guard tolerance > 0 && tolerance <= 1 else { throw ValidationError("--tolerance must be above 0 and at most 1") }
        try checkRange(maxIterations, 1 ... 1_000_000, "--max-iterations")
        try checkRange(maxDetour, 2 ... 100, "--max-detour")
        try checkRange(minShortcutSessions, 1 ... 1_000_000_000, "--min-shortcut-sessions")
        try checkRange(maxFollowRate, 0 ... 1, "--max-follow-rate")
        try checkRange(top, 1 ... 1_000_000_000, "--top")
        if edges != nil {
            if !input.files.isEmpty { throw ValidationError("--edges ranks an edge list instead of logs: leave out the log files") }
            if table != .pages { throw ValidationError("--edges gives only --table pages (the other tables need logs)") }
        }
    }

    var options: LinkAnalysis.Options {
        var o = LinkAnalysis.Options()
        o.rankOn = rankOn
        o.pageRank.damping = damping
        o.pageRank.tolerance = tolerance
        o.pageRank.maxIterations = maxIterations
        o.pageRank.weighted = !unweighted
        o.hits.tolerance = tolerance
        o.hits.maxIterations = maxIterations
        o.hits.weighted = !unweighted
        o.home = home
        o.maxFollowRate = maxFollowRate
        o.minShortcutSessions = minShortcutSessions
        return o
    }

    func run() throws {
        ignoreBrokenPipeSignal()
        if let edges { return try rankEdgeList(edges) }
        let (cleaning, _) = try sessionOptions.build()
        let siteLinks = try CommandSupport.readingInput(malformedIsData: false) {
            try SiteLinks.load(directory: site.site, edgeList: site.siteEdges, style: site.siteFiles, cleaning: cleaning)
        }
        if let s = siteLinks, !input.quiet { Diagnostics.note(s.summary) }
        let usage = UsageGraphBox()
        usage.value.backSteps = backSteps
        usage.value.shortcutMaxSteps = maxDetour
        try runSessions(input: input, options: sessionOptions, outputFile: outputFile) { out in
            ({ session, _ in usage.value.add(session) },
             { pages in
                let analysis = LinkAnalysis(usage: usage.value, sessionPages: pages, site: siteLinks, options: options)
                try write(analysis, to: out)
             },
             Rewind(possible: { true }, perform: {
                usage.value = UsageGraph()
                usage.value.backSteps = backSteps
                usage.value.shortcutMaxSteps = maxDetour
             }))
        }
    }

    private func rankEdgeList(_ path: String) throws {
        let out = try CommandSupport.openOutput(outputFile)
        let result = try CommandSupport.readingInput(malformedIsData: false) { try EdgeList.read(InputSpec(path), unweighted: unweighted) }
        var status = result.outcome.exitStatus
        if let warning = result.outcome.warning(for: InputSpec(path).displayName) { Diagnostics.warning(warning) }
        if result.malformed > 0, let first = result.firstMalformed {
            Diagnostics.warning("\(path): \(result.malformed) malformed lines skipped (need from<TAB>to[<TAB>weight >= 0]); first at line \(first.line): \(first.text)")
            status = max(status, .dataError)
        }
        try CommandSupport.guardingOutput {
            let analysis = LinkAnalysis(edgeList: result.graph, names: result.names, options: options)
            try write(analysis, to: out)
            return status
        }
    }

    private func write(_ analysis: LinkAnalysis, to out: OutputStream) throws {
        let s = analysis.summary
        if !input.quiet {
            var note = "links: \(s.pages) pages; ranked \(rankOn == .usage && edges == nil ? "usage" : "link") graph \(s.rankedNodes) nodes, \(s.rankedEdges) edges"
            note += "; PageRank \(s.pageRankIterations) iterations (\(seconds(s.pageRankSeconds)) s), HITS \(s.hitsIterations) (\(seconds(s.hitsSeconds)) s); \(s.components) strongly connected components (largest \(s.largestComponent))"
            if edges == nil { note += "; link graph from \(s.linkSource): \(s.links) links, \(s.unreachable) pages unreachable from \(home); \(s.shortcuts) shortcut suggestions, \(s.unusedLinks) rarely used links" }
            Diagnostics.note(note)
        }
        if !s.pageRankConverged { Diagnostics.warning("PageRank did not converge within \(maxIterations) iterations (raise --max-iterations or --tolerance)") }
        if !s.hitsConverged { Diagnostics.warning("HITS did not converge within \(maxIterations) iterations (raise --max-iterations or --tolerance)") }
        switch outputFormat {
        case .dot, .graphml:
            try GraphExport.write(analysis, top: top, format: outputFormat == .dot ? .dot : .graphml, to: out)
        case .tsv, .jsonl:
            let format: RecordOutputFormat = outputFormat == .tsv ? .tsv : .jsonl
            let chosen: RecordTable
            switch table {
            case .pages: chosen = analysis.pages
            case .edges: chosen = analysis.edges
            case .shortcuts: chosen = analysis.shortcuts
            case .unused: chosen = analysis.unused
            case .exits: chosen = analysis.exits
            }
            try chosen.write(format: format, to: out)
        }
        try out.commit()
    }
}

private func seconds(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 1000) }

final class UsageGraphBox {
    var value = UsageGraph()
}

/// The site's own link graph, shared by `links` and `run`.
struct SiteCLIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory of the site's HTML files (export or mirror): its <a href> links form the link graph.", valueName: "dir"))
    var site: String?

    @Option(help: ArgumentHelp("The site's links as from<TAB>to lines (paths or URLs), instead of --site.", valueName: "file"))
    var siteEdges: String?

    @Option(help: ArgumentHelp("How exported file names map to URLs: strip (pricing.html is /pricing) or keep (/pricing.html).", valueName: "strip|keep"))
    var siteFiles: SiteLinks.FileURLStyle = .stripExtension

    func validate() throws {
        if site != nil && siteEdges != nil { throw ValidationError("give --site or --site-edges, not both") }
    }
}

extension LinkAnalysis.RankedGraph: ExpressibleByArgument {}
extension UsageGraph.BackSteps: ExpressibleByArgument {}
extension SiteLinks.FileURLStyle: ExpressibleByArgument {}
