import ArgumentParser
import WeblogMiner

struct ErrorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "errors",
        abstract: "Pages that answer 4xx or 5xx, and the links that lead there: broken links to fix.",
        discussion: reflow("""
            Takes the same cleaning options as `sessions` (page names are made as for page views: give the
            same --map rules). Every request answered 4xx or 5xx counts, except robots' (by user agent): a
            crawler's probes of pages that never existed say nothing of the site's links. A request whose
            referrer is a page of the site (--site-host, or the log's vhost) names the page whose link
            led there; with --site (the site's HTML export) or --site-edges, the pages whose HTML links to
            the failed page are listed too. A 4xx page linked from the site is a broken link.

            Columns (TSV header / JSON keys):
            \(ErrorTable.columns.map { "  \($0.name.padding(18))\($0.meaning)" }.joined(separator: "\n"))

            Memory: at most \(ErrorCounts.maxKeys) distinct (status, page, linking page) keys; further ones are
            counted under the page (other).

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions
    @OptionGroup var site: SiteCLIOptions
    @OptionGroup var output: RecordOutputOptions

    func run() throws {
        let (cleaning, _) = try sessionOptions.build()
        let siteLinks: SiteLinks?
        do {
            siteLinks = try SiteLinks.load(directory: site.site, edgeList: site.siteEdges, style: site.siteFiles, cleaning: cleaning)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile, afterRun: { report, out in
            try ErrorTable.rows(report.cleaning.errors, site: siteLinks).write(format: output.outputFormat, to: out)
            try out.commit()
        }) { _ in
            ({ _, _ in }, { _ in }, Rewind(possible: { true }, perform: {}))
        }
    }
}
