import ArgumentParser
import WeblogMiner
import Yams
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The nightly job: every stage over the logs, results published atomically into one directory with an HTML report.",
        discussion: reflow("""
            Reads the logs once (parse, clean, sessions) and computes its results for windows: the last day,
            7 days and 28 days by default (--windows), each ending on the newest day seen (days in --timezone).
            Each window has a folder in --out DIR (1d/, 7d/, 28d/) with summary.json, sessions.tsv, pages.tsv,
            patterns.tsv, rules.tsv, links.tsv, edges.tsv, shortcuts.tsv, unused_links.tsv and exits.tsv;
            pages.tsv and summary.json carry the previous period's values beside the window's (_prev, _change).
            The main window (the longest, 28d by default) also gets prospects.tsv, dwell.tsv and report.html
            (self-contained, open it in any browser), and its files are also at the top of DIR. results.sqlite
            holds every window's rows, one table per TSV file with a first column `window`. The new results
            replace the old in one atomic rename: a crash, kill or full disk leaves the previous ones intact.

            State (default OUT.state.sqlite, --no-state for a one-off run): log files already read are
            recognised by content (also after rotation and compression) and skipped, a grown file is read
            from where it stopped, sessions still open at the end continue in the next run, every day keeps
            mergeable aggregates (finished sessions are kept for --retain days, aggregates for ever), so
            `run day1.gz` then `run day1.gz day2.gz` gives the same results as `run day1.gz day2.gz`, and
            running again on the same input changes nothing. A lock stops two runs on the same state.

            A YAML file given with --config supplies defaults for any long option (keys as the option names,
            with - or _); `weblog-miner init` writes a commented example. Command-line options win.

            EXAMPLES
              weblog-miner run --out /var/www/stats /var/log/apache2/access.log*
              weblog-miner run --config /etc/weblog-miner.yaml
              weblog-miner run --out results logs/a/*.gz logs/b/*.gz --site site/ --registrations users.csv
              weblog-miner run --out stats --windows 1d,7d,28d,all --timezone Europe/Paris --retain 120d access.log*

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions

    @Option(help: ArgumentHelp("A YAML file of option defaults (see `weblog-miner init`).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Results directory (replaced atomically): new, empty, or the results of an earlier run (marked by a .weblog-miner-results file); anything else is refused (exit 73). A symbolic link is followed.", valueName: "dir"))
    var out: String = "weblog-results"

    @Option(help: ArgumentHelp("State store (SQLite). Default: OUT.state.sqlite.", valueName: "file"))
    var state: String?

    @Flag(help: "Do not read or write a state store: results from exactly the logs given.")
    var noState = false

    @Flag(help: "Start the state store afresh (e.g. after it was reported damaged): every log given is read again.")
    var rebuildState = false

    @OptionGroup var customer: CustomerCLIOptions

    @OptionGroup var site: SiteCLIOptions

    @Option(help: ArgumentHelp("Pattern minimum support: a count or a share of sessions (default: 1% of sessions, at least 2).", valueName: "n|p%"))
    var minSupport: String?

    @Option(help: ArgumentHelp("Largest step between pattern pages (1 = contiguous paths).", valueName: "n"))
    var maxGap: Int?

    @Option(help: ArgumentHelp("Longest pattern (0: no limit).", valueName: "n"))
    var maxLength = 8

    @Option(help: ArgumentHelp("Most patterns (and so rules) published: past it the support is raised to keep no more, with a note (0: no cap).", valueName: "n"))
    var maxPatterns = 50_000

    @Option(help: ArgumentHelp("Rule minimum confidence.", valueName: "c"))
    var minConfidence = 0.5

    @Option(name: .customLong("funnel"), help: ArgumentHelp("A funnel counted in every window (funnels.tsv), NAME: STEP > STEP > ... as for `funnels` (repeatable). None given and a --conversion: the most frequent path into it is proposed.", valueName: "spec"))
    var funnels: [String] = []

    @Flag(help: "Funnels are open: sessions and visitors may enter at any step.")
    var openFunnels = false

    @Flag(help: "Exit 1 (after publishing) when anomalies.tsv has an anomaly on a day this run read: a cron job's alert.")
    var alertExit = false

    @Option(help: ArgumentHelp("Prospects in prospects.tsv (0: all).", valueName: "n"))
    var topProspects = 100

    @Flag(help: "Mask addresses and e-mail addresses in prospects.")
    var anonymize = false

    @Option(help: ArgumentHelp("Report title.", valueName: "text"))
    var title = "Web usage report"

    @Option(help: ArgumentHelp("Result windows, each in its own folder of --out (1d/, 7d/, ...) with the previous period beside every figure: Nd or Nw ending on the newest day seen, or all (every day kept). The longest is also written at the top level and gets prospects, dwell and the report.", valueName: "list"))
    var windows = "1d,7d,28d"

    @Option(help: ArgumentHelp("The site's time zone, for days and hours: UTC, an offset such as +02:00, or a zone name such as Europe/Paris. Fixed for a state store (change it with --rebuild-state).", valueName: "zone"))
    var timezone = "UTC"


    @Option(help: ArgumentHelp("Days of finished sessions the state store keeps (at least the longest window); older days live on as aggregates (pages, visitors, hours, cleaning counts).", valueName: "Nd"))
    var retain = "90d"

    @Option(help: ArgumentHelp("Messages on stderr: text, or json (one JSON object per line, for cron and log collectors).", valueName: "text|json"))
    var log = "text"

    func validate() throws {
        guard log == "text" || log == "json" else { throw ValidationError("--log must be text or json") }
        if log == "json" { Diagnostics.json = true }
        // The options before the files: `--retain= FILE` takes FILE as the value, and the error should say so.
        if let minSupport, PatternOptions.absoluteSupport(minSupport, sequences: 1) == nil { throw ValidationError(PatternOptions.supportError(minSupport)) }
        if out.isEmpty { throw ValidationError("--out needs a directory name") }
        try checkRange(maxGap, 1 ... 1_000_000, "--max-gap")
        try checkRange(maxLength, 0 ... 1_000_000, "--max-length")
        try checkRange(maxPatterns, 0 ... 1_000_000_000, "--max-patterns")
        try checkRange(minConfidence, 0 ... 1, "--min-confidence")
        try checkRange(topProspects, 0 ... 1_000_000_000, "--top-prospects")
        let list = try parsedWindows()
        _ = try parsedFunnels()
        _ = try parsedTimezone()
        _ = try windowEnd()
        _ = try runSegment()
        let kept = try retainDays()
        if let longest = list.compactMap(\.days).max(), kept < longest {
            throw ValidationError("--retain \(retain) is shorter than the \(longest)d window: its sessions would be gone before it is computed")
        }
        if input.files.isEmpty { throw ValidationError("name the log files to read (or - for standard input)") }
    }

    func parsedFunnels() throws -> [FunnelDefinition] {
        do { return try FunnelDefinition.parseAll(funnels) } catch { throw ValidationError("--funnel: \(error.description)") }
    }

    func parsedWindows() throws -> [ResultWindow] {
        do { return try ResultWindow.parse(windows) } catch { throw ValidationError(error.description) }
    }

    func parsedTimezone() throws -> SiteCalendar {
        do { return try SiteCalendar(timezone) } catch { throw ValidationError("--timezone: \(error.description)") }
    }

    /// The segment a run keeps: --device, --channel, --entry-page, --new/--returning (visitors seen
    /// before: the store remembers every visitor for --retain days of absence) and --since (sessions
    /// from that day on); --until is the windows' end.
    func runSegment() throws -> SegmentFilter? {
        let segment = sessionOptions.segment
        let calendar = try parsedTimezone()
        let filter = try segment.filter(calendar: calendar, withDays: false) ?? SegmentFilter()
        filter.since = try segment.since.flatMap { try SegmentOptions.day($0, option: "--since", calendar: calendar) }
        return filter.isEmpty ? nil : filter
    }

    /// nil: the newest day seen. --until (a segment option of every session command) is here the day
    /// every window ends on: newest (the newest day in the logs), yesterday (for logs rotated in the
    /// morning, so that 1d is a whole day), or a date.
    func windowEnd() throws -> Int32? {
        let calendar = try parsedTimezone()
        return try sessionOptions.segment.until.flatMap { try SegmentOptions.day($0, option: "--until", calendar: calendar) }
    }

    func retainDays() throws -> Int {
        let text = retain.lowercased()
        let digits = text.hasSuffix("d") ? String(text.dropLast()) : text
        guard let n = Int(digits), n >= 1, n <= 36_600 else { throw ValidationError("--retain must be a number of days such as 90d (1 to 36600)") }
        return n
    }

    func emit(_ message: String, event: String = "note") {
        if log == "json" {
            Diagnostics.event(event, message: message)
        } else if !input.quiet {
            Diagnostics.note(message)
        }
    }

    func run() throws {
        ignoreBrokenPipeSignal()
        var options = NightlyRun.Options()
        options.ingest = try input.ingestOptions()
        if log == "json" { options.ingest.showProgress = false }
        (options.cleaning, options.sessions) = try sessionOptions.build()
        options.segment = try runSegment()
        options.outDir = out
        options.statePath = noState ? "" : state
        options.rebuildState = rebuildState
        options.minSupport = minSupport
        options.maxGap = maxGap
        options.maxLength = maxLength == 0 ? nil : maxLength
        options.maxPatterns = maxPatterns == 0 ? nil : maxPatterns
        options.minConfidence = minConfidence
        options.registrations = customer.registrations
        options.keyColumn = customer.key
        options.timeColumn = customer.registeredAt
        options.registrationTimeFormat = try customer.registrationTimeFormat
        // A table that cannot be used is refused now, not after the night's logs are read.
        options.registrationTable = try customer.readRegistrations()
        options.hashKeys = customer.hash != nil
        options.keyIsVisitor = customer.keyIsVisitor
        options.conversion = customer.conversion
        options.funnels = try parsedFunnels()
        options.openFunnels = openFunnels
        options.site = site.site
        options.siteEdges = site.siteEdges
        options.siteFiles = site.siteFiles
        options.topProspects = topProspects
        options.anonymize = anonymize
        options.title = title
        options.windows = try parsedWindows()
        options.calendar = try parsedTimezone()
        options.retainDays = try retainDays()
        options.windowEnd = try windowEnd()
        if log == "json" {
            // With the memory in use as the stage starts (for cron logs and the memory benchmarks).
            // And the seconds since the run started, so that each stage's cost is the difference to the next.
            let started = Date()
            options.onStage = { stage in
                Diagnostics.event("stage", fields: [("stage", jsonQuote(stage)), ("rss_mb", String(residentMegabytes())),
                                                    ("elapsed_s", String(format: "%.3f", Date().timeIntervalSince(started)))])
            }
        } else if !input.quiet && Diagnostics.stderrIsTerminal {
            options.onStage = { stage in Diagnostics.note("stage: " + stage) }
        }
        let outcome: NightlyRun.Outcome
        do {
            outcome = try NightlyRun(options: options).run(inputs: input.inputs) { emit($0) }
        } catch {
            // One line, once (in --log json mode a JSON "error" event).
            let message = (error as? RunLock.LockError)?.description ?? (error as? OutputError)?.message ?? (error as? InputError)?.message
                ?? (error as? AtomicDirectory.PublishError)?.description ?? "\(error)"
            Diagnostics.error(message)
            throw ExitCode(ExitStatus(for: error).rawValue)
        }
        guard outcome.published else { throw ExitCode(max(outcome.status, .dataError).rawValue) }
        let twice = outcome.filesDuplicate > 0 ? ", \(outcome.filesDuplicate) named twice" : ""
        emit("\(outcome.filesRead) log files read, \(outcome.filesSkipped) already done\(twice); \(outcome.newSessions) new sessions, \(outcome.totalSessions) in all; results in \(outcome.outDir)/ (open \(outcome.outDir)/report.html)", event: "done")
        if outcome.status != .ok { throw ExitCode(outcome.status.rawValue) }
        if !outcome.newAnomalies.isEmpty {
            let shown = outcome.newAnomalies.prefix(5).joined(separator: "; ") + (outcome.newAnomalies.count > 5 ? "; ..." : "")
            emit("\(outcome.newAnomalies.count) new anomalies: \(shown)", event: "anomalies")
            if alertExit { throw ExitCode(ExitStatus.alert.rawValue) }
        }
    }

    /// `--config FILE`: its keys become options placed before the command line's own, which win.
    static func expandConfig(_ arguments: [String]) throws -> [String] {
        guard let k = arguments.firstIndex(of: "--config"), k + 1 < arguments.count else { return arguments }
        let path = arguments[k + 1]
        guard let text = readText(path) else { throw ValidationError("cannot read --config \(path)") }
        let node: Any?
        do {
            node = try Yams.load(yaml: text)
        } catch {
            throw ValidationError("\(path): not valid YAML: \(error)")
        }
        guard let map = node as? [String: Any] else { throw ValidationError("\(path): expected key: value lines") }
        var extra: [String] = []
        var logs: [String] = []
        for (rawKey, value) in map.sorted(by: { $0.key < $1.key }) {
            let key = rawKey.split(separator: "_", omittingEmptySubsequences: false).joined(separator: "-")
            if key == "logs" || key == "files" {
                logs += (value as? [Any])?.map { "\($0)" } ?? ["\(value)"]
                continue
            }
            switch value {
            case let flag as Bool: if flag { extra.append("--" + key) }
            case let list as [Any]: for v in list { extra += ["--" + key, "\(v)"] }
            default: extra += ["--" + key, "\(value)"]
            }
        }
        var rest = arguments
        rest.removeSubrange(k ... k + 1)
        // Logs from the file only when the command line names none.
        let commandLineNamesLogs = rest.dropFirst().contains { !$0.hasPrefix("-") } || rest.contains("-")
        return [rest[0]] + extra + Array(rest.dropFirst()) + (commandLineNamesLogs ? [] : logs)
    }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented example configuration for `weblog-miner run --config`.")

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var outputFile: String?

    static let example = """
        # weblog-miner run --config weblog-miner.yaml
        # Keys are the long options of `weblog-miner run` (see `weblog-miner run --help`); - or _ both work.
        # Options given on the command line win over this file.

        # Where results go (replaced atomically each night) and the state that makes runs incremental.
        out: /var/www/weblog-report
        # state: /var/lib/weblog-miner/state.sqlite

        # The logs: every rotated file may be named every night; files already read are skipped.
        logs:
          - /var/log/apache2/access.log
          - /var/log/apache2/access.log.1
        # format: combined

        # The site itself: referrers from these hosts are internal pages.
        site-host:
          - www.example.com
        # The site's HTML export, for links that exist but are not used and shortcut suggestions.
        # site: /srv/www/html

        # Page mapping: many URLs, one page.
        map:
          - '^/product/[0-9]+$=/product/:id'

        # Result windows (a folder each, with the previous period beside every figure), the site's
        # time zone for days and hours, and how long finished sessions are kept (aggregates: for ever).
        windows: 1d,7d,28d
        # timezone: Europe/Paris
        # retain: 90d

        # Sessions.
        timeout: 30m
        # path-completion: true

        # Patterns and rules.
        # min-support: 1%      # default: 1% of sessions, at least 2
        # max-length: 8
        # max-patterns: 50000  # the support rises past it (0: no cap)
        # max-gap: 1
        min-confidence: 0.5

        # Customers: registrations (user id, registration time, ...) and conversion pages.
        # registrations: /srv/exports/registrations.csv
        # conversion: '^/checkout/thanks'

        # Funnels (funnels.tsv in every window): steps are page names (after map) or re:PATTERN.
        # Without any, a funnel into the conversion pages is proposed from the most frequent paths.
        # funnel:
        #   - 'checkout: /product/:id > /cart > /checkout > /checkout/thanks'
        # open-funnels: true
        # anonymize: true

        title: Web usage report
        """

    func run() throws {
        let out = try CommandSupport.openOutput(outputFile)
        try CommandSupport.guardingOutput {
            try out.write(Self.example + "\n")
            try out.commit()
            return .ok
        }
    }
}
