import ArgumentParser
import WeblogMiner

/// Cleaning and session options shared by `sessions` and `pages`.
struct SessionCLIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Visitor key: auto (click-log visitor/session field, else ip+ua), ip+ua, ip, user, cookie, session.", valueName: "key"))
    var visitor: VisitorKey = .auto

    @Option(help: ArgumentHelp("Inactivity timeout: a longer gap starts a new session (exactly this long does not). Units s, m, h; plain numbers are minutes.", valueName: "duration"))
    var timeout = "30m"

    @Option(help: ArgumentHelp("Cut sessions longer than this (default: no limit).", valueName: "duration"))
    var maxDuration: String?

    @Flag(help: "Referrer rule: a hit whose referrer is a page of the site not seen in the open session starts a new session.")
    var referrerRule = false

    @Flag(help: "Path completion: insert the pages a visitor went back through when the referrer is an earlier page of the session (marked inferred).")
    var pathCompletion = false

    @Option(help: ArgumentHelp("How far hits may arrive out of time order and still be put back in place while streaming; input more out of order is sorted (see --order).", valueName: "duration"))
    var reorderWindow = "120s"

    @Option(help: ArgumentHelp("Input not in time order: auto (stream; at the first hit out of order read the files again through an external sort), sort (always sort first: any order, also standard input), stream (never sort: late hits are counted and left out).", valueName: "auto|sort|stream"))
    var order: InputOrder = .auto

    @Flag(help: "Sessions are the log's own session column (click exports): no timeout cuts; --visitor still names the visitor (e.g. cookie or user).")
    var givenSessions = false

    @Option(name: .customLong("site-host"), help: ArgumentHelp("Host name of the site (repeatable): referrers from it are internal pages. The log's vhost counts too.", valueName: "host"))
    var siteHosts: [String] = []

    @Option(name: .customLong("keep-param"), help: ArgumentHelp("Query parameter kept in page names (repeatable; '*' keeps the whole query). Others are dropped.", valueName: "name"))
    var keptParameters: [String] = []

    @Option(name: .customLong("map"), help: ArgumentHelp("Page mapping rule PATTERN=REPLACEMENT (PCRE2, repeatable, first match wins, $1 for groups), e.g. '^/product/[0-9]+$=/product/:id'.", valueName: "rule"))
    var maps: [String] = []

    @Option(help: ArgumentHelp("File of mapping rules, one PATTERN=REPLACEMENT (or PATTERN<TAB>REPLACEMENT) per line, applied after --map rules.", valueName: "file"))
    var mapFile: String?

    @Flag(help: "Keep static resources (images, CSS, JS, fonts, ...).")
    var keepStatic = false

    @Option(help: ArgumentHelp("Static resource extensions, comma-separated (replaces the built-in list).", valueName: "list"))
    var staticExt: String?

    @Flag(help: "Keep failed requests (by default only 2xx and 304 count as page views).")
    var keepFailed = false

    @Flag(help: "Keep robots (turns off the user-agent, robots.txt and behaviour rules).")
    var keepRobots = false

    @Option(help: ArgumentHelp("More robot user-agent patterns, one per line: a substring (any case) or `re:` and a case-sensitive PCRE2 regular expression.", valueName: "file"))
    var robotPatterns: String?

    @Option(help: ArgumentHelp("Behaviour rule: sessions with more page views than this within 60 s are robots (0 = off).", valueName: "n"))
    var maxViewsPerMinute = 30

    @Option(help: ArgumentHelp("Distinct pages kept (memory bound); views of further new pages are named (other), with a warning.", valueName: "n"))
    var maxPages = 100_000

    @OptionGroup(title: "Segment (which sessions)") var segment: SegmentOptions

    @Flag(help: "Use paths as logged (no percent-decoding, // collapse or index.html folding).")
    var noNormalize = false

    func validate() throws {
        _ = try segment.filter()
        _ = try Duration(parsing: timeout, option: "--timeout")
        _ = try maxDuration.map { try Duration(parsing: $0, option: "--max-duration") }
        _ = try Duration(parsing: reorderWindow, option: "--reorder-window", defaultUnit: 1000)
        try checkRange(maxViewsPerMinute, 0 ... 1_000_000, "--max-views-per-minute")
        try checkRange(maxPages, 1 ... 100_000_000, "--max-pages")
    }

    func build() throws -> (CleaningOptions, SessionOptions) {
        var cleaning = CleaningOptions()
        var sessions = SessionOptions()
        sessions.visitorKey = visitor
        sessions.timeoutMillis = try Duration(parsing: timeout, option: "--timeout").millis
        sessions.maxDurationMillis = try maxDuration.map { try Duration(parsing: $0, option: "--max-duration").millis } ?? 0
        sessions.reorderWindowMillis = try Duration(parsing: reorderWindow, option: "--reorder-window", defaultUnit: 1000).millis
        sessions.order = order
        guard maxPages >= 1 && maxPages <= 100_000_000 else { throw ValidationError("--max-pages must be between 1 and 100000000") }
        sessions.maxPages = maxPages
        if givenSessions {
            sessions.givenSessions = true
            sessions.timeoutMillis = SessionOptions.givenSessionIdleMillis
            sessions.maxDurationMillis = 0
        }
        sessions.referrerRule = referrerRule
        sessions.pathCompletion = pathCompletion
        cleaning.siteHosts = Set(siteHosts.map { $0.lowercased() })
        cleaning.keptParameters = keptParameters
        cleaning.dropStatic = !keepStatic
        if let staticExt { cleaning.staticExtensions = Set(staticExt.split(separator: ",").map { String($0.filter { $0 != " " && $0 != "." }).lowercased() }) }
        cleaning.dropFailed = !keepFailed
        if keepRobots {
            cleaning.dropRobotAgents = false
            cleaning.dropRobotsTxtFetchers = false
            cleaning.maxViewsPerMinute = 0
            cleaning.robotMinViewsWithoutReferrer = 0
        } else {
            cleaning.maxViewsPerMinute = maxViewsPerMinute
        }
        if givenSessions {
            // An export's sessions are the site's own (robots already left out), and their times are
            // often dates only: the behaviour rules would judge made-up timings.
            cleaning.maxViewsPerMinute = 0
            cleaning.robotMinViewsWithoutReferrer = 0
        }
        if let robotPatterns {
            guard let text = readText(robotPatterns) else { throw ValidationError("cannot read --robot-patterns \(robotPatterns)") }
            let extra = RobotPatterns.parse(text)
            if let message = RobotPatterns.firstInvalid(extra) { throw ValidationError("--robot-patterns \(robotPatterns): \(message)") }
            cleaning.robotPatterns += extra
        }
        cleaning.normalizeURLs = !noNormalize
        var specs = maps
        if let mapFile {
            guard let text = readText(mapFile) else { throw ValidationError("cannot read --map-file \(mapFile)") }
            specs += PageMapper.specs(fromFile: text)
        }
        if !specs.isEmpty {
            do {
                cleaning.pageMap = try PageMapper(specs: specs)
            } catch {
                throw ValidationError(error.description)
            }
        }
        return (cleaning, sessions)
    }
}

extension VisitorKey: ExpressibleByArgument {}
extension SessionOutputFormat: ExpressibleByArgument {}

/// `30m`, `1800s`, `2h`, `500ms`; a plain number takes the default unit. Finite, not negative, and at
/// most 100 years (36500d): anything else is a usage error naming the range, never a trap.
struct Duration {
    static let maxMillis: Int64 = 36_500 * 86_400_000
    let millis: Int64

    init(parsing text: String, option: String, defaultUnit: Int64 = 60_000, minimumMillis: Int64 = 0) throws {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        var parsed: (Double, Int64)? = nil
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let v = Double(text.dropLast(suffix.count)) {
                parsed = (v, scale)
                break
            }
        }
        if parsed == nil, let v = Double(text) { parsed = (v, defaultUnit) }
        guard let (value, scale) = parsed else { throw ValidationError("\(option): '\(text)' is not a duration (e.g. 30m, 90s, 2h)") }
        let millis = value * Double(scale)
        let lowest = minimumMillis == 0 ? "0" : minimumMillis % 1000 == 0 ? "\(minimumMillis / 1000)s" : "\(minimumMillis)ms"
        guard millis.isFinite, millis >= Double(minimumMillis), millis <= Double(Self.maxMillis) else {
            throw ValidationError("\(option): '\(text)' is out of range: give a duration from \(lowest) to 36500d (e.g. 30m, 90s, 2h)")
        }
        self.millis = Int64(millis)
    }
}

func readText(_ path: String) -> String? {
    guard let (bytes, _) = try? Decompressor.readAll(InputSpec(path)) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Clean hits and cut them into visitor sessions (one session per line).",
        discussion: reflow("""
            Cleaning (each step on by default, each switchable): static resources, failed requests, HEAD and
            OPTIONS are dropped; robots are removed by user agent (shipped lists: crawler-user-agents, COUNTER-Robots), by fetching
            /robots.txt (from that request on), and by behaviour (too many views per minute; 100+ views without
            any referrer). URLs are percent-decoded, '//' collapsed, index.html folded to its directory, and
            query strings dropped except --keep-param. What each rule removed is summarised on stderr.

            Several inputs (servers, rotations) are merged by time; lines may be out of order by up to
            --reorder-window. Sessions are written as they close, so memory holds only open sessions.

            TSV columns (JSONL keys; pages, dwell_s and inferred become arrays):
            \(SessionWriter.columns.map { "  \($0.name.padding(16))\($0.meaning)" }.joined(separator: "\n"))

            --output seq writes page sequences only, --output spmf the SPMF sequence format with @ITEM names.

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var outputFile: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("Output format: tsv, jsonl, seq or spmf.", valueName: "format"))
    var outputFormat: SessionOutputFormat = .tsv

    func run() throws {
        try runSessions(input: input, options: sessionOptions, outputFile: outputFile) { out in
            let writer = try SessionWriter(format: outputFormat, to: out)
            return ({ session, pages in try writer.write(session, pages: pages) }, { pages in try writer.finish(pages: pages) },
                    Rewind(possible: { writer.canRewind }, perform: { writer.rewind() }))
        }
    }
}

struct PagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pages",
        abstract: "Per-page statistics over the sessions: views, visitors, entries, exits, bounce, dwell, neighbours.",
        discussion: reflow("""
            Takes the same cleaning and session options as `sessions`.

            Columns (TSV header / JSON keys):
            \(PageWriter.columns.map { "  \($0.name.padding(20))\($0.meaning)" }.joined(separator: "\n"))

            Dwell is the time to the next view of the same session; a session's last view has none observed
            (censored) and is left out of the dwell figures, never given a made-up value.

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions

    @OptionGroup var output: RecordOutputOptions

    @Flag(help: "Write mergeable partial statistics instead (for parts of the data split by visitor); combine them with `merge --kind pages`.")
    var partial = false

    @Flag(help: "With --partial: one partial per day (the day of each session's first view, as `run` keeps them), with page names; combine them with `merge --kind days`.")
    var byDay = false

    @Option(help: ArgumentHelp("With --by-day: the site's time zone, as for `run`.", valueName: "zone"))
    var timezone: String?

    @Option(help: ArgumentHelp("With --by-day: pages that count as a conversion (PCRE2), as for `run`.", valueName: "regex"))
    var conversion: String?

    func validate() throws {
        if byDay && !partial { throw ValidationError("--by-day goes with --partial") }
        if (timezone != nil || conversion != nil) && !byDay { throw ValidationError("--timezone and --conversion go with --partial --by-day") }
        _ = try siteCalendar()
        _ = try conversionPages()
    }

    func conversionPages() throws -> PageMapper? {
        do { return try conversion.map { try PageMapper(specs: [$0 + "=converted"]) } } catch { throw ValidationError("--conversion: \(error)") }
    }

    func siteCalendar() throws -> SiteCalendar {
        do { return try SiteCalendar(timezone ?? "UTC") } catch { throw ValidationError("--timezone: \(error.description)") }
    }

    func run() throws {
        let stats = PageStatisticsBox()
        let calendar = try siteCalendar()
        let days = DayPartialsBox(DayPartials(timezone: calendar.name), conversion: try conversionPages())
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile) { out in
            ({ session, pages in if byDay { days.value.add(session, calendar: calendar, converts: days.converts(session, pages)) } else { stats.value.add(session) } },
             { pages in
                if byDay {
                    days.value.pages = pages
                    try days.value.write(to: out)
                } else if partial {
                    try stats.value.writePartial(pages: pages, to: out)
                } else {
                    try PageWriter.write(stats.value, pages: pages, format: output.outputFormat, to: out)
                }
             },
             Rewind(possible: { true }, perform: { stats.value = PageStatistics(); days.value = DayPartials(timezone: calendar.name) }))
        }
    }
}

final class PageStatisticsBox {
    var value = PageStatistics()
}

final class DayPartialsBox {
    var value: DayPartials
    private let test: ConversionTest
    init(_ value: DayPartials, conversion: PageMapper?) {
        self.value = value
        test = ConversionTest(mapper: conversion, pages: ByteStringInterner())
    }

    /// `--conversion` against the sessionizer's page table, which grows as sessions come.
    func converts(_ s: Session, _ pages: ByteStringInterner) -> Bool { test(s, pages: pages) }
}

/// The shared body of `sessions` and `pages`: options, outputs, the run, the summary, the exit status.
/// `makeConsumer` gets the output and returns what to do with each session and at the end.
func runSessions(input: InputOptions, options: SessionCLIOptions, outputFile: String?, dayCalendar: SiteCalendar = .utc, segmentDays: Bool = true,
                 afterRun: ((SessionRun.Report, OutputStream) throws -> Void)? = nil,
                 makeConsumer: (OutputStream) throws -> (each: (Session, ByteStringInterner) throws -> Void, finish: (ByteStringInterner) throws -> Void,
                                                         rewind: Rewind)) throws {
    ignoreBrokenPipeSignal()
    let ingest = try input.ingestOptions()
    var (cleaning, sessions) = try options.build()
    // Failed requests and request counts by day in the command's calendar.
    cleaning.calendar = dayCalendar
    let out = try CommandSupport.openOutput(outputFile)
    let rejectsFile = try input.rejects.map { try CommandSupport.openOutput($0) }
    try CommandSupport.guardingOutput {
        try rejectsFile?.write("file\tline\treason\ttext\n")
        let consumer = try makeConsumer(out)
        // The segment's sessions only (`--device mobile --channel campaign ...`).
        // Made anew when the input is read again in time order (it remembers the visitors seen).
        var segment = try options.segment.filter(calendar: dayCalendar, withDays: segmentDays)
        var each = consumer.each
        if segment != nil { each = { session, pages in if segment!.accepts(session, pages: pages) { try consumer.each(session, pages) } } }
        let report = try SessionRun(ingest: ingest, cleaning: cleaning, sessions: sessions)
            .run(inputs: input.inputs, rejectsOutput: rejectsFile, rewind: Rewind(possible: { consumer.rewind.possible() && (rejectsFile?.canRewind ?? true) }, perform: {
                consumer.rewind.perform()
                segment = try? options.segment.filter(calendar: dayCalendar, withDays: segmentDays)
                if let rejectsFile, rejectsFile.rewind() { try? rejectsFile.write("file\tline\treason\ttext\n") }
            }), each)
        try consumer.finish(report.pages)
        try afterRun?(report, out)
        try rejectsFile?.commit()
        if !input.quiet { Diagnostics.note(report.cleaning.summary + "; \(report.sessions) sessions") }
        return report.ingest.status
    }
}
extension InputOrder: ExpressibleByArgument {}
