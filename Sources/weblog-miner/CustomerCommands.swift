import ArgumentParser
import WeblogMiner

struct ProspectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prospects",
        abstract: "Potential customers: visitors who have not registered, ranked by how much they behave like those who did.",
        discussion: reflow("""
            Sessions are built as in `sessions` (same options). Visitors are tied to registered users by the
            authenticated-user field (%u, or a click log's user column): a login ties the visitor key for its
            other sessions too; --key-is-visitor when the visitor/cookie key itself is the user id; --hash sha256
            when the table holds SHA-256 hashes of lower-cased keys (e-mail addresses). A conversion is the
            registration time or the first view of a page matching --conversion (PCRE2).

            No leakage: at a snapshot time S, features come only from views before S, and the label is
            "converts within --horizon after S". Time-based validation trains at end - 2 x horizon and tests at
            end - horizon (ROC-AUC, PR-AUC, precision at k, calibration on stderr and in --report); the final
            model scores every visitor never tied to a user. Features: sessions, views, time per session,
            active days, tenure, recency, dwell, bounce share, entry channels, device, daytime share, the
            site's most viewed pages and most frequent paths (contiguous patterns).

            With --features FILE --label COL the command instead cross-validates on a ready feature table
            (--cv K folds, stratified) and writes one out-of-fold score per data row.

            Columns (--output tsv or jsonl):
            \(RecordTable.help(ProspectsCommand.columns))

            --features mode columns: row (0-based data row), fold, score (out-of-fold probability), label.

            \(ExitStatus.helpText)
            """)
    )

    static var columns: [RecordTable.Column] { ProspectTable.columns }

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions

    @OptionGroup var customer: CustomerCLIOptions

    @Option(help: ArgumentHelp("Model: auto (the better on the time-based validation), gbdt (gradient-boosted trees) or logistic (L2 logistic regression).", valueName: "model"))
    var model: ProspectScoring.ModelKind = .auto

    @Option(help: ArgumentHelp("Label window after a snapshot (default: a quarter of the log's time span).", valueName: "duration"))
    var horizon: String?

    @Option(help: ArgumentHelp("Write at most this many prospects (0: all).", valueName: "n"))
    var top = 100

    @Flag(help: "Mask addresses (IPv4 last octet, IPv6 beyond /48) and e-mail addresses in the output.")
    var anonymize = false

    @Option(help: ArgumentHelp("Write the join coverage and model quality as JSON to this file.", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp("Cross-validate on a ready feature table instead of logs.", valueName: "file"))
    var features: String?

    @Option(help: ArgumentHelp("Label column of --features (true/false, yes/no, 1/0).", valueName: "column"))
    var label: String?

    @Option(help: ArgumentHelp("Folds for --features cross-validation.", valueName: "k"))
    var cv = 5

    @Option(help: "Random seed (folds, boosting).")
    var seed: UInt64 = 1

    @OptionGroup var output: RecordOutputOptions

    func validate() throws {
        if features != nil && label == nil { throw ValidationError("--features needs --label COLUMN") }
        if features != nil && !input.files.isEmpty { throw ValidationError("--features reads a feature table instead of logs: leave out the log files") }
        try checkRange(cv, 2 ... 100, "--cv")
        try checkRange(top, 0 ... 1_000_000_000, "--top")
        _ = try horizon.map { try Duration(parsing: $0, option: "--horizon", defaultUnit: 86_400_000, minimumMillis: 1000) }
    }

    func run() throws {
        ignoreBrokenPipeSignal()
        if let features, let label { return try crossValidate(features, label: label) }
        var joinOptions = CustomerJoin.Options()
        joinOptions.hashLogKeys = customer.hash != nil
        joinOptions.visitorKeyIsUser = customer.keyIsVisitor
        let table: Registrations?
        table = try customer.readRegistrations()
        if let t = table, !input.quiet {
            Diagnostics.note("registrations: \(t.users.count) users (key \(t.keyColumn), time \(t.timeColumn ?? "none"))\(t.duplicateKeys > 0 ? ", \(t.duplicateKeys) duplicate keys skipped" : "")\(t.badTimes > 0 ? ", \(t.badTimes) unreadable times" : "")")
        }
        let matcher: PageMapper?
        do {
            matcher = try customer.conversion.map { try PageMapper(specs: [$0 + "=converted"]) }
        } catch {
            throw ValidationError("--conversion: \(error)")
        }
        var options = ProspectScoring.Options()
        options.model = model
        options.seed = seed
        if let horizon { options.horizonMillis = try Duration(parsing: horizon, option: "--horizon", defaultUnit: 86_400_000, minimumMillis: 1000).millis }
        let history = VisitorHistory()
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile) { out in
            ({ session, _ in history.add(session) },
             { pages in
                let join = CustomerJoin(history: history, registrations: table, conversion: matcher, pageNames: pages, options: joinOptions)
                if !input.quiet { Diagnostics.note(join.summary) }
                let (evaluation, prospects): (ProspectScoring.Evaluation, [ProspectScoring.Prospect])
                do {
                    let scoring = ProspectScoring(options: options)
                    let hasConversionTimes = join.status.contains { if case .converted = $0 { return true } else { return false } }
                    if !hasConversionTimes && table == nil && matcher == nil {
                        (evaluation, prospects) = try scoring.runLookalike(history: history, join: join, pageNames: pages)
                    } else {
                        do {
                            (evaluation, prospects) = try scoring.run(history: history, join: join, pageNames: pages)
                        } catch let error as ProspectScoring.ScoringError {
                            if !input.quiet { Diagnostics.note("\(error); falling back to the lookalike model") }
                            (evaluation, prospects) = try scoring.runLookalike(history: history, join: join, pageNames: pages)
                        }
                    }
                } catch {
                    // Too few conversions to learn from: 69 (not enough data), not 65 (malformed input).
                    Diagnostics.error("\(error)")
                    throw ExitCode(ExitStatus(for: error).rawValue)
                }
                if !input.quiet { Diagnostics.note(Self.describe(evaluation, model: model)) }
                if let report { try writeReport(report, join: join, evaluation: evaluation) }
                let rows = ProspectTable.rows(prospects, history: history, top: top, anonymize: anonymize)
                try rows.write(format: output.outputFormat, to: out)
                try out.commit()
             },
             Rewind(possible: { true }, perform: { history.reset() }))
        }
    }

    static func describe(_ e: ProspectScoring.Evaluation, model: ProspectScoring.ModelKind) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format4: x) }
        var s: String
        if e.mode == "lookalike" {
            s = "lookalike mode, converted or logged-in visitors (their views before converting) vs anonymous visitors. model \(e.model), \(e.folds)-fold cross-validated over \(e.trainRows) visitors (\(e.trainPositives) logged in): "
            s += "ROC-AUC \(f(e.rocAUC)), PR-AUC \(f(e.averagePrecision)), precision at \(e.k) \(f(e.precisionAtK)); \(e.model == "gbdt" ? "logistic" : "gbdt") ROC-AUC \(f(e.otherModelAUC))"
            return s
        }
        s = "model \(e.model)\(model == .auto ? " (auto: the better on the validation)" : ""), horizon \(f(Double(e.horizonMillis) / 86_400_000)) days: trained at \(isoTime(e.trainSnapshot)) (\(e.trainRows) visitors, \(e.trainPositives) converted within the horizon), "
        s += "tested at \(isoTime(e.testSnapshot)) (\(e.testRows) visitors, \(e.testPositives) converted): ROC-AUC \(f(e.rocAUC)), PR-AUC \(f(e.averagePrecision)), precision at \(e.k) \(f(e.precisionAtK)); \(e.model == "gbdt" ? "logistic" : "gbdt") ROC-AUC \(f(e.otherModelAUC))"
        if !e.calibration.isEmpty {
            s += "\ncalibration (predicted -> observed, count): " + e.calibration.filter { $0.count > 0 }.map { "\(f($0.meanPredicted)) -> \(f($0.observedRate)) (\($0.count))" }.joined(separator: ", ")
        }
        return s
    }

    private func writeReport(_ path: String, join: CustomerJoin, evaluation e: ProspectScoring.Evaluation) throws {
        let out = try CommandSupport.openOutput(path)
        let c = join.coverage
        func num(_ x: Double) -> String { x.isNaN ? "null" : "\(x)" }
        var json = "{\"join\":{\"registered_users\":\(c.registeredUsers),\"registered_users_seen\":\(c.registeredUsersSeen),\"visitors\":\(c.visitors),\"visitors_linked\":\(c.visitorsLinked)"
        json += ",\"sessions\":\(c.sessions),\"sessions_linked\":\(c.sessionsLinked),\"sessions_with_user\":\(c.sessionsWithUser),\"visitors_without_key\":\(c.visitorsWithoutKey)"
        json += ",\"visitors_unknown_key\":\(c.visitorsUnknownKey),\"visitors_ambiguous\":\(c.visitorsAmbiguous),\"visitors_registered_before\":\(c.visitorsRegisteredBefore)"
        json += ",\"conversions_by_registration\":\(c.conversionsByRegistration),\"conversions_by_page\":\(c.conversionsByPage)}"
        json += ",\"model\":{\"kind\":\(jsonQuote(e.model)),\"mode\":\(jsonQuote(e.mode)),\"horizon_days\":\(Double(e.horizonMillis) / 86_400_000),\"train_snapshot\":\(jsonQuote(isoTime(e.trainSnapshot))),\"test_snapshot\":\(jsonQuote(isoTime(e.testSnapshot)))"
        json += ",\"train_rows\":\(e.trainRows),\"train_positives\":\(e.trainPositives),\"test_rows\":\(e.testRows),\"test_positives\":\(e.testPositives)"
        json += ",\"roc_auc\":\(num(e.rocAUC)),\"pr_auc\":\(num(e.averagePrecision)),\"precision_at_k\":\(num(e.precisionAtK)),\"k\":\(e.k),\"other_model_roc_auc\":\(num(e.otherModelAUC))"
        json += ",\"calibration\":[" + e.calibration.map { "{\"lower\":\($0.lower),\"upper\":\($0.upper),\"count\":\($0.count),\"mean_predicted\":\(num($0.meanPredicted)),\"observed_rate\":\(num($0.observedRate))}" }.joined(separator: ",") + "]}}\n"
        try out.write(json)
        try out.commit()
    }

    private func crossValidate(_ path: String, label: String) throws {
        let table = try CommandSupport.readingInput { try FeatureTable.read(InputSpec(path), label: label) }
        let out = try CommandSupport.openOutput(output.outputFile)
        try CommandSupport.guardingOutput {
            let (folds, scores) = table.crossValidate(k: cv, model: model, seed: seed)
            let auc = Metrics.rocAUC(scores: scores, labels: table.labels)
            if !input.quiet {
                Diagnostics.note("\(table.labels.count) rows, \(table.matrix.columns) features, \(table.labels.filter { $0 }.count) positive; \(cv)-fold out-of-fold ROC-AUC \(String(format4: auc)), PR-AUC \(String(format4: Metrics.averagePrecision(scores: scores, labels: table.labels))) (\(model.rawValue))")
            }
            var rows = RecordTable(columns: [.init("row", ""), .init("fold", ""), .init("score", ""), .init("label", "")])
            for i in scores.indices { rows.append([.int(i), .int(folds[i]), .real(scores[i]), .int(table.labels[i] ? 1 : 0)]) }
            try rows.write(format: output.outputFormat, to: out)
            try out.commit()
            return .ok
        }
    }
}

struct DwellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dwell",
        abstract: "Dwell time per page (Weibull fits), a dwell predictor evaluated on later data, and advice that lengthens stays.",
        discussion: reflow("""
            Sessions are built as in `sessions` (same options). A view's dwell is the time to the next view of
            its session; a session's last view is censored (not observed) and never given a made-up value: it
            has a lower bound only when the log ended less than the session timeout after it.
            Per page: a Weibull distribution fitted by maximum likelihood where the page has at least \(DwellAnalysis.minimumWeibullViews)
            observed dwells, with a 95% interval for the shape (shape < 1: most visitors leave quickly while
            the rest stay long; Liu, White & Dumais found it on 98.5% of pages).
            The predictor: gradient-boosted trees on ln(1 + dwell) with a censoring-aware normal AFT loss or the
            absolute loss (the better on the latest 20% of training views), from the page and its fitted
            distribution, the previous page, position, views so far, time since the session start, entry channel,
            device, hour, weekday and the visitor's earlier sessions. It is trained on --train files and tested on
            --test files (a later period), or by default on the sessions before and after 70% of the views, against
            the global median, the page's median and the page's Weibull median: mean and median absolute error on
            observed test views, Harrell's C-index on all test views (--report FILE: JSON). When the model does not
            beat the per-page median by 2% on the latest 20% of training views, predictions come from the per-page
            Weibull (or the per-page median, if the Weibull did worse there) and stderr and the report say why. --predictions FILE: per test view, the predicted median and P(stay >
            --threshold) beside the observed dwell or the censoring of a last view.
            Per page: the circumstances (channel, previous page, position, device, hour, first visit) under which
            visitors leave soonest, as ranked suggestions in words.

            Columns (--output tsv or jsonl):
            \(RecordTable.help(DwellAnalysis.columns))

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions

    @OptionGroup var output: RecordOutputOptions

    @Option(help: "Random seed (boosting).")
    var seed: UInt64 = 1

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Log files of the training period (then --test is required; the positional files are not read).", valueName: "file"))
    var train: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Log files of a later period to evaluate on (default: the sessions after 70% of the views).", valueName: "file"))
    var test: [String] = []

    @Option(help: ArgumentHelp("Write the evaluation (MAE, median error, C-index of the model and the baselines, fallback) as JSON to this file.", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp("Write one row per test view (page, position, channel, observed dwell or censoring, predicted median, P(stay > --threshold)) as TSV to this file.", valueName: "file"))
    var predictions: String?

    @Option(help: ArgumentHelp("Seconds: P(stay longer) is reported for last views at this threshold.", valueName: "seconds"))
    var threshold = DwellAnalysis.defaultThreshold

    @Option(help: ArgumentHelp("Most recent training views the model is fitted on.", valueName: "n"))
    var maxViews = 2_000_000

    func validate() throws {
        if !train.isEmpty && test.isEmpty { throw ValidationError("--train needs --test (the later period to evaluate on)") }
        if !train.isEmpty && !input.files.isEmpty { throw ValidationError("give the logs either as --train/--test files or positionally, not both") }
        if !(threshold > 0 && threshold <= 31_536_000) { throw ValidationError("--threshold must be a number of seconds above 0 and at most a year") }
        if maxViews < 100 { throw ValidationError("--max-views must be at least 100") }
    }

    func run() throws {
        ignoreBrokenPipeSignal()
        let ingest = try input.ingestOptions()
        let (cleaning, sessions) = try sessionOptions.build()
        let out = try CommandSupport.openOutput(output.outputFile)
        let reportOut = try report.map { try CommandSupport.openOutput($0) }
        let predictionsOut = try predictions.map { try CommandSupport.openOutput($0) }
        try CommandSupport.guardingOutput {
            func collect(_ specs: [InputSpec]) throws -> (VisitorHistory, ByteStringInterner, ExitStatus) {
                let history = VisitorHistory()
                let r = try SessionRun(ingest: ingest, cleaning: cleaning, sessions: sessions)
                    .run(inputs: specs, rewind: Rewind(possible: { true }, perform: { history.reset() })) { s, _ in history.add(s) }
                if !input.quiet { Diagnostics.note(r.cleaning.summary + "; \(r.sessions) sessions") }
                return (history, r.pages, r.ingest.status)
            }
            let trainSpecs = train.isEmpty ? input.inputs : train.map(InputSpec.init)
            var (history, pages, status) = try collect(trainSpecs)
            var later: VisitorHistory?
            if !test.isEmpty {
                let (testHistory, testPages, testStatus) = try collect(test.map(InputSpec.init))
                // The test run numbered its pages itself: renumber them onto the training run's table.
                var map = [Int32](repeating: 0, count: testPages.count)
                for id in 0 ..< testPages.count { map[id] = pages.intern(testPages.bytes(of: Int32(id))) }
                testHistory.remapPages(map)
                later = testHistory
                if testStatus != .ok { status = testStatus }
            }
            // A last view is censored at the log's end only if its session could still be open then: with
            // the export's own sessions (--given-sessions, closed after 7 idle days only to bound memory)
            // nothing says so, and a bound of days would be made up.
            let analysis = DwellAnalysis(history: history, pageNames: pages, seed: seed, test: later, threshold: threshold,
                                         maxViews: maxViews, openMillis: sessions.givenSessions ? 0 : sessions.timeoutMillis,
                                         keepPredictions: predictions != nil)
            if !input.quiet { Diagnostics.note(Self.describe(analysis)) }
            if let fallback = analysis.report.fallback { Diagnostics.warning("dwell model not used: \(fallback) (predictions: \(analysis.report.modelKind ?? "none"))") }
            let r = analysis.report
            if r.modelMAE.isFinite, r.pageMedianMAE.isFinite, !(r.modelMAE < r.pageMedianMAE) {
                Diagnostics.warning("on the test views the model's MAE \(DwellModel.format(r.modelMAE)) s does not beat the per-page median's \(DwellModel.format(r.pageMedianMAE)) s")
            }
            try analysis.table.write(format: output.outputFormat, to: out)
            if let reportOut {
                try reportOut.write(analysis.report.json)
                try reportOut.commit()
            }
            if let predictionsOut {
                try (analysis.predictions ?? RecordTable(columns: DwellAnalysis.predictionColumns(threshold: threshold))).write(format: .tsv, to: predictionsOut)
                try predictionsOut.commit()
            }
            try out.commit()
            return status
        }
    }

    static func describe(_ a: DwellAnalysis) -> String {
        let r = a.report
        func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format4: (x * 10).rounded() / 10) }
        func c(_ x: Double) -> String { x.isNaN ? "n/a" : String(format4: (x * 1000).rounded() / 1000) }
        var s = "dwell model (\(r.boosterKind ?? "none"), trained in \(f(r.trainSeconds)) s): \(r.trainViews) views to train, \(r.testViews) later views to test (\(r.observedTestViews) with an observed dwell); mean / median absolute error, s: "
        s += "model \(f(r.modelMAE)) / \(f(r.modelMedianAE)), page median \(f(r.pageMedianMAE)) / \(f(r.pageMedianMedianAE)), page Weibull \(f(r.pageWeibullMAE)) / \(f(r.pageWeibullMedianAE)), global median \(f(r.globalMedianMAE)) / \(f(r.globalMedianMedianAE))"
        s += "\nC-index: model \(c(r.cIndex)), page median \(c(r.pageMedianCIndex)), page Weibull \(c(r.pageWeibullCIndex)), global median \(c(r.globalMedianCIndex))"
        s += "\nWeibull fits: \(r.weibullPages) pages with >= \(DwellAnalysis.minimumWeibullViews) observed dwells (\(r.weibullPagesTooFew) with fewer: no fit); shape < 1 on \(r.weibullShareShapeBelowOne.isNaN ? "n/a" : String(format4: (r.weibullShareShapeBelowOne * 1000).rounded() / 10) + "%") of them (Liu, White & Dumais 2010: 98.5%)"
        if !a.longest.isEmpty {
            s += "\nlongest median dwell: " + a.longest.map { "\($0.page) \(f($0.medianSeconds)) s" }.joined(separator: ", ")
            s += "\nshortest median dwell: " + a.shortest.map { "\($0.page) \(f($0.medianSeconds)) s" }.joined(separator: ", ")
        }
        if !r.suggestions.isEmpty {
            s += "\nto lengthen stays:\n" + r.suggestions.prefix(5).enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        }
        return s
    }
}

extension ProspectScoring.ModelKind: ExpressibleByArgument {}

/// Registration table and conversion options shared by `prospects` and `run`.
struct CustomerCLIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Registration table (CSV/TSV with a header): user id, registration time, attributes.", valueName: "file"))
    var registrations: String?

    @Option(help: ArgumentHelp("Column of the user key in the registration table (default: user_id, id, email_sha256, ...).", valueName: "column"))
    var key: String?

    @Option(help: ArgumentHelp("Column of the registration time (default: registered_at, created_at, ...).", valueName: "column"))
    var registeredAt: String?

    @Option(help: ArgumentHelp("Layout of the registration times when none of the built-in forms (ISO 8601, CLF, epoch) reads them, strftime style as --time-format, e.g. '%d/%m/%Y %H:%M'.", valueName: "layout"))
    var registeredAtFormat: String?

    /// --registered-at-format, compiled (a usage error when it is not a layout).
    var registrationTimeFormat: TimeFormat? {
        get throws {
            do { return try registeredAtFormat.map { try TimeFormat($0) } } catch { throw ValidationError("--registered-at-format: \(error)") }
        }
    }

    @Option(help: ArgumentHelp("The table's keys are hashed: sha256 of the lower-cased log value.", valueName: "sha256"))
    var hash: String?

    @Flag(help: "The visitor key (cookie/user column of a click log) is the user id.")
    var keyIsVisitor = false

    @Option(help: ArgumentHelp("Pages that count as a conversion (PCRE2), e.g. '^/checkout/thanks'.", valueName: "regex"))
    var conversion: String?

    func validate() throws {
        if let hash, hash.lowercased() != "sha256" { throw ValidationError("--hash supports sha256 only") }
        _ = try registrationTimeFormat
    }
}

extension CustomerCLIOptions {
    /// The registration table of --registrations (nil without it); one line and the fitting exit status
    /// when it cannot be read (66) or is malformed (65).
    func readRegistrations() throws -> Registrations? {
        guard let path = registrations else { return nil }
        let format = try registrationTimeFormat
        return try CommandSupport.readingInput { try Registrations.read(InputSpec(path), keyColumn: key, timeColumn: registeredAt, timeFormat: format) }
    }
}
