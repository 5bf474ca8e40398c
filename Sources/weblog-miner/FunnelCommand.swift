import ArgumentParser
import WeblogMiner

struct FunnelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funnels",
        abstract: "How far sessions and visitors get through funnels (e.g. a checkout), where they drop out and where they go instead.",
        discussion: reflow("""
            Takes the same cleaning and session options as `sessions` (give the same --map rules the funnel's
            page names use).

            A funnel is NAME: STEP > STEP > ..., e.g.
              --funnel 'checkout: /p/:id > /cart > /checkout > /checkout/thanks'
            A step is a page name as sessions name it (after --map), or a PCRE2 pattern written re:PATTERN
            or starting with ^ (e.g. '^/blog/'). A session reaches step k when it viewed steps 1..k in that
            order, other pages allowed in between (GA4's "indirectly followed by"). With --open a session
            may enter at any step: at the first funnel step it views, and is followed in order from there.
            The visitor level follows the same rule over all of a visitor's sessions, in time order.

            With --conversion and no --funnel, a funnel is proposed: the most frequent path into the
            conversion page, built backwards while at least 10% of converting sessions follow it (the
            sessions are then held in memory, as `patterns` holds its sequences).

            Columns (TSV header / JSON keys):
            \(FunnelTable.columns.map { "  \($0.name.padding(24))\($0.meaning)" }.joined(separator: "\n"))

            Memory: per step a histogram of step times and of next pages; at the visitor level one small
            record per visitor who entered a funnel.

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions
    @OptionGroup var output: RecordOutputOptions

    @Option(name: .customLong("funnel"), help: ArgumentHelp("A funnel, NAME: STEP > STEP > ... (repeatable).", valueName: "spec"))
    var funnels: [String] = []

    @Flag(help: "Open funnels: sessions and visitors may enter at any step.")
    var open = false

    @Option(help: ArgumentHelp("Levels to report: session, visitor or both.", valueName: "level"))
    var level: FunnelLevelChoice = .both

    @Option(help: ArgumentHelp("Without --funnel: propose a funnel into the pages this PCRE2 pattern matches (e.g. '^/signup/thanks$').", valueName: "regex"))
    var conversion: String?

    func validate() throws {
        if funnels.isEmpty && conversion == nil { throw ValidationError("give a funnel (--funnel 'checkout: /cart > /checkout > /checkout/thanks'), or --conversion REGEX to have one proposed") }
        if !funnels.isEmpty && conversion != nil { throw ValidationError("--conversion proposes a funnel when none is given: give --funnel or --conversion, not both") }
        _ = try definitions()
        if let conversion { do { _ = try PageMapper(specs: [conversion + "=converted"]) } catch { throw ValidationError("--conversion: \(error)") } }
    }

    func definitions() throws -> [FunnelDefinition] {
        do { return try FunnelDefinition.parseAll(funnels) } catch { throw ValidationError("--funnel: \(error.description)") }
    }

    func run() throws {
        let definitions = try definitions()
        let open = self.open
        let state = try FunnelRunState(make: { try definitions.map { try FunnelAnalysis($0, open: open) } })
        let conversionTest = try conversion.map { try PageMapper(specs: [$0 + "=converted"]) }
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile) { out in
            ({ session, pages in
                for a in state.analyses { a.add(session, pages: pages) }
                if let conversionTest { state.kept.addIfConverting(session, pages: pages, mapper: conversionTest) }
             },
             { pages in
                let converting = state.kept
                var all = state.analyses
                if conversionTest != nil {
                    let test = ConversionTest(mapper: conversionTest, pages: pages)
                    if let proposal = FunnelProposal.propose(sessions: converting.sessions, pages: pages, isConversion: test.isConversion) {
                        Diagnostics.note("proposed funnel: \(proposal.steps.map(\.text).joined(separator: " > ")) (from \(converting.sessions.count) converting sessions)")
                        let a = try FunnelAnalysis(proposal, open: open)
                        for s in converting.all { a.add(s, pages: pages) }
                        all = [a]
                    } else {
                        Diagnostics.warning("no funnel proposed: no session reached a page matching --conversion after viewing another page")
                    }
                }
                try FunnelTable.rows(all, pages: pages, levels: level.levels).write(format: output.outputFormat, to: out)
                try out.commit()
             },
             // Input out of order is read again sorted: everything counted so far is forgotten.
             Rewind(possible: { true }, perform: { state.reset() }))
        }
    }
}

enum FunnelLevelChoice: String, ExpressibleByArgument, CaseIterable {
    case session, visitor, both
    var levels: [FunnelAnalysis.Level] {
        switch self {
        case .session: [.session]
        case .visitor: [.visitor]
        case .both: [.session, .visitor]
        }
    }
}

/// What `funnels` has counted, made anew when the input is read again in time order.
final class FunnelRunState {
    private let make: () throws -> [FunnelAnalysis]
    var analyses: [FunnelAnalysis]
    var kept = SessionList()
    init(make: @escaping () throws -> [FunnelAnalysis]) throws {
        self.make = make
        analyses = try make()
    }
    func reset() {
        analyses = (try? make()) ?? []
        kept = SessionList()
    }
}

/// Sessions kept for a proposed funnel: every session (it is counted over all of them), but the
/// proposal looks at the converting ones only.
final class SessionList {
    var all: [Session] = []
    var sessions: [Session] = []
    private var test: ConversionTest?

    func addIfConverting(_ s: Session, pages: ByteStringInterner, mapper: PageMapper) {
        if test == nil { test = ConversionTest(mapper: mapper, pages: ByteStringInterner()) }
        all.append(s)
        if test!(s, pages: pages) { sessions.append(s) }
    }
}
