import ArgumentParser
import WeblogMiner

struct AnomaliesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "Deviation detection: days whose site metrics or busy pages leave their usual weekly pattern.",
        discussion: reflow("""
            Reads logs (same cleaning, session and segment options as `sessions`, e.g. --device mobile;
            sessions count on the day of their first view in --timezone; --since and --until choose the
            days reported, the days before still give the baseline), or with --days files of day partials (`pages --partial --by-day`,
            `merge --kind days`), or with --state the days a `run` state store keeps.

            Daily series: the site's views, sessions, visitors, bounce rate, with --conversion
            conversions and conversion rate, and from logs (or a state store) the error rate (share of
            all requests answered 4xx/5xx, robots' failures left out) and the robot share (requests by
            robot agents and robots.txt fetchers); each of the busiest pages' views, entries and exits. A day is
            flagged when it leaves a robust seasonal baseline: the median of the same weekday over the last
            4 weeks (days with fewer than 2 such weeks before them are not scored), with a scale of 1.4826
            x MAD but never below the noise of chance (Poisson for counts: sqrt(expected + 1) and 10% of
            expected; binomial for rates, 5% of the rate and 0.1 percentage point). Score = (value - expected) / scale;
            flagged at |score| >= --threshold for the site, --page-threshold for pages (which are many),
            and pages only on days with at least --min-page-volume of the metric (value or expected).
            A day inside the period without any session counts as zero: the site or its logging was down.

            Columns (TSV header / JSON keys):
            \(AnomalyTable.columns.map { "  \($0.name.padding(16))\($0.meaning)" }.joined(separator: "\n"))

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions
    @OptionGroup var output: RecordOutputOptions

    @Flag(help: "The files are day partials (`pages --partial --by-day`), not logs.")
    var days = false

    @Option(help: ArgumentHelp("Also the days of this `run` state store (repeatable; alone, no files are needed).", valueName: "file"))
    var state: [String] = []

    @Option(help: ArgumentHelp("The site's time zone for days (logs only; day partials carry theirs).", valueName: "zone"))
    var timezone = "UTC"

    @Option(help: ArgumentHelp("Pages that count as a conversion (PCRE2): adds conversions and conversion rate.", valueName: "regex"))
    var conversion: String?

    @Option(help: ArgumentHelp("Robust z-score at which a site metric is flagged.", valueName: "z"))
    var threshold = 4.0

    @Option(help: ArgumentHelp("Robust z-score at which a page metric is flagged.", valueName: "z"))
    var pageThreshold = 5.0

    @Option(help: ArgumentHelp("Pages are scored on days with at least this many views (entries, exits), or as many expected.", valueName: "n"))
    var minPageVolume = 30.0

    @Option(help: ArgumentHelp("Busiest pages scored (memory: one value per page and day).", valueName: "n"))
    var scoredPages = 500


    func validate() throws {
        try checkRange(threshold, 0.5 ... 1000, "--threshold")
        try checkRange(pageThreshold, 0.5 ... 1000, "--page-threshold")
        try checkRange(minPageVolume, 0 ... 1e12, "--min-page-volume")
        try checkRange(scoredPages, 0 ... 1_000_000, "--scored-pages")
        do { _ = try SiteCalendar(timezone) } catch { throw ValidationError("--timezone: \(error.description)") }
        if let conversion { do { _ = try PageMapper(specs: [conversion + "=converted"]) } catch { throw ValidationError("--conversion: \(error)") } }
        if days && input.files.isEmpty && state.isEmpty { throw ValidationError("--days: name the day partial files") }
    }

    func detector() -> AnomalyDetector {
        var o = AnomalyDetector.Options()
        o.siteThreshold = threshold
        o.pageThreshold = pageThreshold
        o.minimumPageVolume = minPageVolume
        o.maxPages = scoredPages
        o.conversions = conversion != nil
        return AnomalyDetector(options: o)
    }

    func run() throws {
        // --since / --until: the days reported (every day still gives its baseline).
        let calendar = try SiteCalendar(timezone)
        let first = try sessionOptions.segment.since.flatMap { try SegmentOptions.day($0, option: "--since", calendar: calendar) } ?? Int32.min
        let last = try sessionOptions.segment.until.flatMap { try SegmentOptions.day($0, option: "--until", calendar: calendar) } ?? Int32.max
        let report: ClosedRange<Int32>? = first == Int32.min && last == Int32.max ? nil : first ... max(first, last)
        if days || (!state.isEmpty && input.files.isEmpty) {
            let all = try loadDays(files: days ? input.files : [], stateStores: state) ?? DayPartials(timezone: timezone)
            let out = try CommandSupport.openOutput(output.outputFile)
            try CommandSupport.guardingOutput {
                try AnomalyTable.rows(detector().detect(all, report: report)).write(format: output.outputFormat, to: out)
                try out.commit()
                return .ok
            }
            return
        }
        let collected = DayPartialsBox(DayPartials(timezone: calendar.name), conversion: try conversion.map { try PageMapper(specs: [$0 + "=converted"]) })
        let finder = detector()
        let stores = state
        let format = output.outputFormat
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile, dayCalendar: calendar, segmentDays: false, afterRun: { run, out in
            // The days' requests (error rate, robot share) once the logs are read.
            var all = collected.value
            all.add(requests: run.cleaning.requests, errors: run.cleaning.errors)
            if let more = try loadDays(files: [], stateStores: stores) { try all.merge(more, source: stores.joined(separator: ", ")) }
            try AnomalyTable.rows(finder.detect(all, report: report)).write(format: format, to: out)
            try out.commit()
        }) { _ in
            ({ session, pages in collected.value.add(session, calendar: calendar, converts: collected.converts(session, pages)) },
             { pages in collected.value.pages = pages },
             Rewind(possible: { true }, perform: { collected.value = DayPartials(timezone: calendar.name) }))
        }
    }
}
