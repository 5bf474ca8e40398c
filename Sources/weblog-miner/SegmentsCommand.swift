import ArgumentParser
import WeblogMiner

struct SegmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segments",
        abstract: "Segments of sessions by how they navigate: a mixture of Markov chains fitted by EM, each segment described in words.",
        discussion: reflow("""
            Reads logs (with the same cleaning and session options as `sessions`; give the --map rules that
            group pages, e.g. --map '^/p/[0-9]+$=/p/:id') or, with --sequences FILE, page sequences: SPMF
            (`1 -1 2 -1 -2`, e.g. MSNBC), `sessions` output, or one space-separated sequence per line.

            The model is Cadez, Heckerman, Meek, Smyth & White (2003): a mixture of first-order Markov
            chains, each cluster with a distribution of first pages and a transition matrix whose rows
            include the end of the session. It is fitted by EM (in log space, over distinct sequences with
            their counts, on both cores), with --smoothing pseudo-counts per cell (MAP under a Dirichlet
            prior) and --restarts seeded starts (K sessions drawn k-means++ style, each the seed of a
            cluster) of which the best after 10 iterations is run to convergence. Only the --model-pages most viewed pages are states of their own; the others are
            folded into one state, (other), so memory is K x P x P (P <= 200 by default: 3 MB per cluster).

            K, the number of segments, is chosen among --clusters (default 1-10) by --criterion:
              held-out  (default) 20% of the sequences (--held-out) are set aside
                        (seeded); each K is fitted on the rest and scored by the
                        held-out log-likelihood per page view; the best wins, a
                        smaller K within 0.001 nats per view of it preferred; the
                        chosen K is then fitted on all sequences. The candidates'
                        figures are noted on stderr and written by --selection.
              bic       -2 log L + parameters x ln(sequences), fitted on all
                        sequences (parameters grow as K P^2: with many pages BIC
                        chooses few segments).
            --clusters 4 fixes K.

            Each session goes to its most probable segment; segments are numbered by size (a cluster that is
            no session's most probable one is left out). With
            --conversion REGEX (logs only) each segment gets its conversion rate and its enrichment
            (rate / overall rate), and, of its sessions that did not convert, the share whose visitor
            converts in a later session (visitors who come back and buy or register) with its enrichment.

            Columns (TSV header / JSON keys):
            \(RecordTable.help(SegmentTable.columns))

            --assignments FILE (same --output format):
            \(RecordTable.help(SegmentTable.assignmentColumns))

            --selection FILE:
            \(RecordTable.help(SegmentTable.selectionColumns))

            Cost: at most --fit-sample sessions (50,000) are used to choose K and fit the mixture (a
            seeded sample); every session is then assigned to a segment and described.

            RFM segments of registered customers (--registrations FILE --rfm FILE, with --key,
            --registered-at, --hash, --key-is-visitor as for `prospects`): visitors are tied to registered
            users by a login in any of their sessions (or --key-is-visitor); every user seen gets recency
            (days from their last session to the newest view), frequency (sessions) and monetary
            (sessions reaching a --conversion page), each scored 1-5 by quintile (5 best; equal values
            share a score), and a segment: champions R>=4 F>=4 M>=4; loyal F>=4 R>=3; new R>=4 F<=2;
            promising R>=4; at risk R<=2 and F>=3 or M>=3; hibernating R<=2; need attention the rest.
            Columns:
            \(RecordTable.help(RFMSegments.columns))

            Memory: every session's page sequence is held (as `patterns` holds its sequences), plus the
            model (K x P x P numbers, four copies while fitting).

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions
    @OptionGroup var output: RecordOutputOptions

    @Option(help: ArgumentHelp("Read page sequences from this file instead of logs ('-': standard input): SPMF, `sessions` output, or one sequence per line; .gz is fine.", valueName: "file"))
    var sequences: String?

    @Option(help: ArgumentHelp("With --sequences: auto, spmf, seq, sessions.", valueName: "format"))
    var inputFormat: SequenceDatabase.InputFormat = .auto

    @Option(help: ArgumentHelp("Candidate numbers of segments: a range (1-10), a list (2,4,8) or one number (fixes K).", valueName: "k"))
    var clusters = "1-10"

    @Option(help: ArgumentHelp("How K is chosen: held-out (log-likelihood of held-out sequences) or bic.", valueName: "criterion"))
    var criterion: SegmentCriterion = .heldOut

    @Option(help: ArgumentHelp("Share of the sequences held out to choose K.", valueName: "share"))
    var heldOut = 0.2

    @Option(help: ArgumentHelp("Pages modelled on their own (the most viewed); the others are one state, (other).", valueName: "n"))
    var modelPages = 200

    @Option(help: ArgumentHelp("Choose K and fit on at most this many sessions (a seeded sample); every session is then assigned (0: all).", valueName: "n"))
    var fitSample = SegmentAnalysis.Options().maxFitSequences

    @Option(help: ArgumentHelp("Random starts of EM per K.", valueName: "n"))
    var restarts = 5

    @Option(help: ArgumentHelp("Pseudo-count added to every initial and transition cell (Dirichlet prior; 1 = Laplace).", valueName: "alpha"))
    var smoothing = 0.1

    @Option(help: ArgumentHelp("Most EM iterations per fit.", valueName: "n"))
    var maxIterations = 300

    @Option(help: ArgumentHelp("EM stops when an iteration raises the log posterior by less than this share of it.", valueName: "x"))
    var tolerance = MarkovMixture.Options().tolerance

    @Option(help: ArgumentHelp("Seed of the random starts and of the held-out split.", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup var customer: CustomerCLIOptions

    @Option(help: ArgumentHelp("With --registrations: write RFM segments of the registered users seen (recency, frequency, conversions as monetary) to this file.", valueName: "file"))
    var rfm: String?

    var conversion: String? { customer.conversion }

    @Option(help: ArgumentHelp("Write each session's segment to this file (session_id, segment, probability).", valueName: "file"))
    var assignments: String?

    @Option(help: ArgumentHelp("Write the candidates compared when choosing K to this file (TSV).", valueName: "file"))
    var selection: String?

    func validate() throws {
        _ = try candidates()
        try checkRange(heldOut, 0.01 ... 0.9, "--held-out")
        try checkRange(modelPages, 1 ... 2000, "--model-pages")
        try checkRange(restarts, 1 ... 1000, "--restarts")
        try checkRange(fitSample, 0 ... 1_000_000_000, "--fit-sample")
        try checkRange(smoothing, 1e-6 ... 1000, "--smoothing")
        try checkRange(maxIterations, 1 ... 100_000, "--max-iterations")
        try checkRange(tolerance, 0 ... 0.1, "--tolerance")
        if sequences != nil && !input.files.isEmpty { throw ValidationError("give log files or --sequences FILE, not both") }
        if sequences != nil && conversion != nil { throw ValidationError("--conversion needs sessions from logs (sequences carry no conversions)") }
        if rfm != nil && customer.registrations == nil { throw ValidationError("--rfm needs --registrations FILE (the registered users)") }
        if customer.registrations != nil && rfm == nil { throw ValidationError("--registrations is for RFM segments: give --rfm FILE too") }
        if rfm != nil && sequences != nil { throw ValidationError("--rfm needs sessions from logs") }
        if let conversion { do { _ = try PageMapper(specs: [conversion + "=converted"]) } catch { throw ValidationError("--conversion: \(error)") } }
    }

    func candidates() throws -> [Int] {
        let spec = clusters.replacingOccurrences(of: " ", with: "")
        var result: [Int] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1 ... 2).contains(bounds.count), let lo = Int(bounds[0]), let hi = Int(bounds.last!), lo >= 1, hi >= lo, hi <= 100 else {
                throw ValidationError("--clusters: '\(clusters)' is not a number, range or list of numbers from 1 to 100 (e.g. 1-10, 2,4,8, 4)")
            }
            result += Array(lo ... hi)
        }
        return result
    }

    func options() throws -> SegmentAnalysis.Options {
        var o = SegmentAnalysis.Options()
        o.maxPages = modelPages
        o.maxFitSequences = fitSample
        o.conversion = conversion
        o.selection.candidates = try candidates()
        o.selection.criterion = criterion
        o.selection.heldOutShare = heldOut
        o.selection.fitting.restarts = restarts
        o.selection.fitting.smoothing = smoothing
        o.selection.fitting.maxIterations = maxIterations
        o.selection.fitting.tolerance = tolerance
        o.selection.fitting.seed = seed
        return o
    }

    func progress(_ c: SegmentSelection.Candidate) {
        guard !input.quiet else { return }
        var t = "K=\(c.clusters): log-likelihood per page view \(fmt(c.trainPerView)) (fitted)"
        if let h = c.heldOutPerView { t += ", \(fmt(h)) (held out)" }
        if let b = c.bic { t += ", BIC \(String(format: "%.1f", b))" }
        Diagnostics.note(t + ", \(c.iterations) iterations")
    }

    private func fmt(_ v: Double) -> String { String(format: "%.4f", v) }

    func write(_ analysis: SegmentAnalysis, to out: OutputStream) throws {
        if !input.quiet {
            let s = analysis.selection
            var t = "\(s.chosen) segments (\(s.criterion.rawValue)) over \(analysis.data.count) sequences, \(analysis.data.states) page states"
            if analysis.fittedOn < analysis.data.count { t += " (fitted on a sample of \(analysis.fittedOn))" }
            if analysis.data.foldedPages > 0 { t += " (\(analysis.data.foldedPages) pages, \(analysis.data.foldedViews) views folded into \(SegmentSequences.otherName))" }
            Diagnostics.note(t)
        }
        try analysis.table.write(format: output.outputFormat, to: out)
        if let assignments {
            let file = try CommandSupport.openOutput(assignments)
            try analysis.assignmentTable.write(format: output.outputFormat, to: file)
            try file.commit()
        }
        if let selection {
            let file = try CommandSupport.openOutput(selection)
            try analysis.selectionTable.write(format: .tsv, to: file)
            try file.commit()
        }
        try out.commit()
    }

    func run() throws {
        let options = try options()
        if let sequences {
            ignoreBrokenPipeSignal()
            let db = try loadSequences(sequences)
            let out = try CommandSupport.openOutput(output.outputFile)
            try CommandSupport.guardingOutput {
                let analysis: SegmentAnalysis
                do {
                    analysis = try SegmentAnalysis.sequences(db, options: options, progress: progress)
                } catch {
                    Diagnostics.error("\(sequences): \(error)")
                    return .notEnoughData
                }
                try write(analysis, to: out)
                return .ok
            }
            return
        }
        let kept = KeptSessions()
        var failed = false
        let registrations = try readRegistrations()
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile) { out in
            ({ session, _ in kept.sessions.append(session) },
             { pages in
                let analysis: SegmentAnalysis
                do {
                    analysis = try SegmentAnalysis.sessions(kept.sessions, pages: pages, options: options, progress: progress)
                } catch let error as SegmentAnalysis.NoData {
                    Diagnostics.error(error.description)
                    failed = true
                    return
                }
                try write(analysis, to: out)
                if let rfm, let table = registrations {
                    let result = RFMSegments(sessions: kept.sessions, pages: pages, registrations: table, join: joinOptions(),
                                             conversion: try conversion.map { try PageMapper(specs: [$0 + "=converted"]) },
                                             navigation: analysis.description.assignments)
                    if !input.quiet { Diagnostics.note(result.joinSummary); Diagnostics.note(result.summary) }
                    let file = try CommandSupport.openOutput(rfm)
                    try result.table.write(format: output.outputFormat, to: file)
                    try file.commit()
                }
             },
             Rewind(possible: { true }, perform: { kept.sessions = [] }))
        }
        if failed { throw ExitCode(ExitStatus.notEnoughData.rawValue) }
    }

    func joinOptions() -> CustomerJoin.Options {
        var o = CustomerJoin.Options()
        o.hashLogKeys = customer.hash != nil
        o.visitorKeyIsUser = customer.keyIsVisitor
        return o
    }

    func readRegistrations() throws -> Registrations? { try customer.readRegistrations() }

    func loadSequences(_ path: String) throws -> SequenceDatabase {
        let spec = InputSpec(path)
        let text: String
        do {
            let (bytes, outcome) = try Decompressor.readAll(spec)
            if let warning = outcome.warning(for: spec.displayName) { Diagnostics.warning(warning) }
            text = String(decoding: bytes, as: UTF8.self)
        } catch let error as InputError {
            Diagnostics.error(error.message)
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        do {
            return try SequenceDatabase.read(text, format: inputFormat, source: spec.displayName)
        } catch {
            Diagnostics.error(error.description)
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }
}

extension SegmentCriterion: ExpressibleByArgument {}

/// The sessions `segments` clusters, forgotten when the input is read again in time order.
final class KeptSessions {
    var sessions: [Session] = []
}
