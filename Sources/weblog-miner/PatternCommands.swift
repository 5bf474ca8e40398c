import ArgumentParser
import WeblogMiner

/// Options shared by `patterns` and `rules`.
struct PatternCLIOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Sequences: `weblog-miner sessions` output (TSV or JSONL), SPMF files, or one space-separated sequence per line; or log files, whose sessions are built first with the default options; .gz is fine. '-' or none: standard input.", valueName: "file"))
    var files: [String] = []

    @Option(help: ArgumentHelp("Input format: auto, spmf, seq, sessions.", valueName: "format"))
    var inputFormat: SequenceDatabase.InputFormat = .auto

    @Option(help: ArgumentHelp("Minimum support: a count of sequences (120) or a share (5%, 0.05); absolute = ceil(p x N).", valueName: "n|p%"))
    var minSupport = "1%"

    @Option(help: ArgumentHelp("Longest pattern (pages).", valueName: "n"))
    var maxLength: Int?

    @Option(help: ArgumentHelp("Largest step between consecutive pattern pages: 1 = contiguous navigation paths (frequent traversal paths).", valueName: "n"))
    var maxGap: Int?

    @Flag(help: "Only closed patterns (no longer pattern containing it has the same support).")
    var closed = false

    @Flag(help: "Only maximal patterns (no longer frequent pattern contains it).")
    var maximal = false

    @Option(help: ArgumentHelp("Only the k patterns of highest support (ties at the k-th support are kept).", valueName: "k"))
    var topK: Int?

    @Option(help: ArgumentHelp("At most n patterns: the support is raised, during the search, to the lowest value that keeps no more (a note says which).", valueName: "n"))
    var maxPatterns: Int?

    @Option(name: .customLong("require"), help: ArgumentHelp("Keep only patterns containing this page (repeatable).", valueName: "page"))
    var required: [String] = []

    @Option(name: .customLong("exclude"), help: ArgumentHelp("Drop patterns containing this page (repeatable).", valueName: "page"))
    var excluded: [String] = []

    @Flag(help: "Cut sequences at backward moves first (maximal forward references, Chen, Park & Yu 1996).")
    var forwardReferences = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var outputFile: String?

    @Flag(help: "Write each result as it is found, in the search's order (varies between runs with several threads), instead of sorted: output starts at once and needs no temporary sort files.")
    var unsorted = false

    @Option(name: .customLong("output"), help: ArgumentHelp("Output format: tsv, jsonl or spmf (`1 -1 2 -1 #SUP: 4`).", valueName: "format"))
    var outputFormat: PatternOutputFormat = .tsv

    func validate() throws {
        try checkRange(maxGap, 1 ... 1_000_000, "--max-gap")
        try checkRange(maxLength, 1 ... 1_000_000, "--max-length")
        try checkRange(topK, 1 ... 1_000_000_000, "--top-k")
        try checkRange(maxPatterns, 1 ... 1_000_000_000, "--max-patterns")
        if PatternOptions.absoluteSupport(minSupport, sequences: 1) == nil { throw ValidationError(PatternOptions.supportError(minSupport)) }
        if closed && maximal { throw ValidationError("choose --closed or --maximal, not both") }
    }

    func loadDatabase() throws -> SequenceDatabase {
        if inputFormat == .auto, let log = files.lazy.compactMap({ file in LogSniffer.logFormat(of: InputSpec(file)).map { (file, $0) } }).first {
            return try sessionsOfLogs(named: log)
        }
        var text = ""
        for input in (files.isEmpty ? ["-"] : files) {
            do {
                let (bytes, outcome) = try Decompressor.readAll(InputSpec(input))
                if let warning = outcome.warning(for: InputSpec(input).displayName) { Diagnostics.warning(warning) }
                text += String(decoding: bytes, as: UTF8.self)
                if !text.hasSuffix("\n") { text += "\n" }
            } catch let error as InputError {
                Diagnostics.error(error.message)
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
        }
        if inputFormat == .auto, files.isEmpty || files.contains("-"),
           let format = LogSniffer.logFormat(sample: text.utf8.split(separator: 10, maxSplits: 64, omittingEmptySubsequences: false).prefix(64).map { Array($0) }) {
            Diagnostics.error("standard input is a \(format) log, not sequences: build its sessions first (... | weblog-miner sessions - | weblog-miner patterns -)")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
        var db: SequenceDatabase
        do {
            db = try SequenceDatabase.read(text, format: inputFormat, source: files.first ?? "<stdin>")
        } catch {
            Diagnostics.error(error.description)
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
        if forwardReferences { db = MaximalForwardReferences.split(db) }
        return db
    }

    /// Logs given where sequences are expected: their sessions are built first, with the default
    /// cleaning and session options (a log's words mined as items would never end on a dense log).
    func sessionsOfLogs(named log: (file: String, format: String)) throws -> SequenceDatabase {
        Diagnostics.note("\(log.file): a \(log.format) log, not sequences: mining the page sequences of its sessions (default cleaning, 30-minute timeout; "
                         + "for other options: weblog-miner sessions [options] LOGS | weblog-miner patterns -, or rules -)")
        var input = try InputOptions.parse([])
        input.files = files
        let (cleaning, sessionOptions) = try SessionCLIOptions.parse([]).build()
        var sessions: [Session] = []
        let report = try SessionRun(ingest: try input.ingestOptions(), cleaning: cleaning, sessions: sessionOptions)
            .run(inputs: input.inputs, rewind: Rewind(possible: { true }, perform: { sessions.removeAll() })) { session, _ in sessions.append(session) }
        Diagnostics.note(report.cleaning.summary + "; \(report.sessions) sessions")
        guard report.ingest.status == .ok else { throw ExitCode(report.ingest.status.rawValue) }
        var db = SequenceDatabase(sessions: sessions, pages: report.pages)
        if forwardReferences { db = MaximalForwardReferences.split(db) }
        return db
    }

    func patternOptions(_ db: SequenceDatabase) throws -> PatternOptions {
        guard let support = PatternOptions.absoluteSupport(minSupport, sequences: db.count) else {
            throw ValidationError(PatternOptions.supportError(minSupport))
        }
        var options = PatternOptions()
        options.minSupport = support
        options.maxLength = maxLength
        options.maxGap = maxGap
        options.topK = topK
        options.maxPatterns = maxPatterns
        return options
    }

    /// --require and --exclude.
    func filter(_ db: SequenceDatabase) -> ([Int32]) -> Bool {
        let requiredIDs = required.map { name in db.names.firstIndex(of: name).map(Int32.init) ?? -1 }
        let excludedIDs = Set(excluded.compactMap { name in db.names.firstIndex(of: name).map(Int32.init) })
        return { items in requiredIDs.allSatisfy(items.contains) && !items.contains(where: excludedIDs.contains) }
    }

    /// Most patterns --closed and --maximal compare in memory (about 100 bytes each).
    static let closedLimit = 10_000_000

    /// Mines into the output (sorted; memory independent of the number of patterns, except for
    /// --closed and --maximal with --max-gap, --max-length, --top-k or --max-patterns, which compare
    /// the complete set in memory, up to `closedLimit`; without them the search finds them itself).
    func export(_ db: SequenceDatabase, patterns: OutputStream? = nil, rules: OutputStream? = nil, minConfidence: Double = 0.5) throws {
        var options = try patternOptions(db)
        let keep = filter(db)
        if closed || maximal { options.condensation = closed ? .closed : .maximal }
        if (closed || maximal) && !PrefixSpan(database: db, options: options).prunesCondensation {
            options.condensation = .all
            var all: [SequentialPattern] = []
            let progress = Diagnostics.stderrIsTerminal ? MiningProgress() : nil
            let outcome = PrefixSpan(database: db, options: options).mine { batch in
                progress?.add(batch.count)
                all.append(contentsOf: batch.lazy.map(\.pattern))
                return all.count <= Self.closedLimit
            }
            progress?.finish()
            if outcome.stopped {
                Diagnostics.error("--\(closed ? "closed" : "maximal") compares every frequent pattern in memory: more than \(Self.closedLimit) at support \(outcome.usedSupport); raise --min-support or set --max-length")
                throw ExitCode(ExitStatus.usage.rawValue)
            }
            note(outcome)
            all = closed ? ClosedMaximal.closed(all) : ClosedMaximal.maximal(all)
            try CommandSupport.guardingOutput {
                try PatternWriter.write(all.filter { keep($0.items) }, db: db, format: outputFormat, to: patterns!)
                return .ok
            }
            return
        }
        var job = PatternExport()
        job.format = outputFormat
        job.patterns = patterns
        job.rules = rules
        job.minConfidence = minConfidence
        job.keep = keep
        job.sorted = !unsorted
        job.showProgress = Diagnostics.stderrIsTerminal
        try CommandSupport.guardingOutput {
            note(try job.run(db: db, options: options).mining)
            return .ok
        }
    }

    private func note(_ outcome: MiningOutcome) {
        if let text = outcome.capNote(maxPatterns, option: "--max-patterns") { Diagnostics.note(text) }
        if outcome.condensedOverBudget {
            Diagnostics.note("--\(closed ? "closed" : "maximal"): the candidates passed their memory budget (64 MB), so each was proved on its sequences instead (the same patterns, more slowly); a higher --min-support keeps them within it")
        }
    }
}

extension SequenceDatabase.InputFormat: ExpressibleByArgument {}
extension PatternOutputFormat: ExpressibleByArgument {}

struct PatternsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patterns",
        abstract: "Frequent sequential navigation patterns (PrefixSpan with pseudo-projection).",
        discussion: reflow("""
            Support is the number of sequences (sessions) that contain the pattern as a subsequence (gaps
            allowed; --max-gap 1 for contiguous paths); a session counts once however often it repeats it.

            TSV columns (JSON keys; `pattern` is an array there):
            \(PatternWriter.patternColumns.map { "  \($0.name.padding(18))\($0.meaning)" }.joined(separator: "\n"))

            Memory does not grow with the number of patterns: they are sorted (by support, then length)
            through temporary files in $TMPDIR that are deleted as they are made; --unsorted writes them as
            found instead. --top-k keeps the k best (and ties) in memory, --max-patterns at most n.
            --closed and --maximal prune the search (BIDE's checks) and stream like the others; with
            --max-gap, --max-length, --top-k or --max-patterns they compare the whole frequent set in
            memory instead (up to 10,000,000 patterns, about 100 bytes each; past that a usage error
            asks for a higher --min-support).

            --count FILE counts the exact support of the candidate patterns in FILE (one per line, pages
            space-separated, or SPMF `1 -1 2 -1`) in the input: the counting phase of two-phase (SON) mining.

            EXAMPLES
              weblog-miner sessions access.log.gz | weblog-miner patterns - --min-support 2%
              weblog-miner patterns MSNBC.txt --min-support 5% --maximal --output spmf

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var options: PatternCLIOptions

    @Option(help: ArgumentHelp("Count the support of these candidate patterns instead of mining.", valueName: "file"))
    var count: String?

    func run() throws {
        ignoreBrokenPipeSignal()
        let db = try options.loadDatabase()
        let out = try CommandSupport.openOutput(options.outputFile)
        guard let count else { return try options.export(db, patterns: out) }
        let patterns = try countCandidates(count, db: db)
        try CommandSupport.guardingOutput {
            try PatternWriter.write(patterns, db: db, format: options.outputFormat, to: out)
            return .ok
        }
    }

    private func countCandidates(_ path: String, db: SequenceDatabase) throws -> [SequentialPattern] {
        guard let (bytes, _) = try? Decompressor.readAll(InputSpec(path)) else {
            Diagnostics.error("cannot open \(path)")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        let candidates = SupportCounter.candidates(from: String(decoding: bytes, as: UTF8.self), db: db)
        let supports = SupportCounter.count(candidates, in: db, maxGap: options.maxGap)
        return zip(candidates, supports).map { SequentialPattern(items: $0.0, support: $0.1) }
    }
}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Next-page rules X => y from frequent patterns, with confidence and lift.",
        discussion: reflow("""
            For each frequent pattern <x1 ... xn, y>, the rule <x1 ... xn> => y: after visiting x1..xn in
            this order, the visitor goes on to y. confidence = sup(<x1..xn, y>) / sup(<x1..xn>);
            lift = confidence / (sup(<y>) / N). The antecedent is ordered and the consequent is one next
            page, which is what next-page recommendation needs (SPMF's RuleGrowth mines unordered sets).

            TSV columns (JSON keys):
            \(PatternWriter.ruleColumns.map { "  \($0.name.padding(20))\($0.meaning)" }.joined(separator: "\n"))

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var options: PatternCLIOptions

    @Option(help: ArgumentHelp("Minimum confidence, 0..1 or a percentage.", valueName: "c"))
    var minConfidence = "0.5"

    /// `--min-confidence`: 0..1 or a percentage.
    var confidence: Double {
        get throws {
            let c: Double
            if minConfidence.hasSuffix("%"), let p = Double(minConfidence.dropLast()) { c = p / 100 } else if let v = Double(minConfidence) { c = v } else {
                throw ValidationError("--min-confidence '\(minConfidence)' is not a number")
            }
            try checkRange(c, 0 ... 1, "--min-confidence (as a share)")
            return c
        }
    }

    func validate() throws { _ = try confidence }

    func run() throws {
        ignoreBrokenPipeSignal()
        let confidence = try confidence
        let db = try options.loadDatabase()
        let out = try CommandSupport.openOutput(options.outputFile)
        var all = options
        all.closed = false
        all.maximal = false
        try all.export(db, rules: out, minConfidence: confidence)
    }
}
