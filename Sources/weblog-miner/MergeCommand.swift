import Foundation
import ArgumentParser
import WeblogMiner

/// Combines results computed on parts of the data (Spark partitions split by visitor) exactly.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine partial results of parts of the data into the whole: pages partials, day partials or edge counts.",
        discussion: reflow("""
            --kind pages: files written by `pages --partial` (each from the sessions of a disjoint group of
            visitors) become the `pages` table, exactly as `pages` over all the data would give it (counts and
            sums add, dwell histograms add so medians stay exact, transitions add).

            --kind days: files written by `pages --partial --by-day` (or by this merge: merges compose), each
            from any sessions (parts split by visitor, other machines, other nights), become one days partial
            file: the same days merge exactly (counts add, dwell histograms add, distinct visitors are unions
            of visitor hashes, so visitors in several files count once; the files should hold different
            sessions, a session in two files counts twice). With --pages (and --output tsv|jsonl), the output
            is instead the `pages` table of all the files' days together, as `pages` over their sessions gives
            it. The files' time zones (`--timezone` of pages --by-day) must be the same. A damaged or cut-short
            file is refused whole (exit 65, file and line named). Day files carry no cleaning counts (conversions
            when `pages --by-day` had --conversion). --state FILE adds the days a `run` state store keeps
            (with its cleaning and conversion counts; its newest day lacks the sessions still open there).

            --kind edges: lines from<TAB>to<TAB>count (with or without a header; e.g. `links --table edges`
            output, of which only kind=transition rows are taken when a kind column exists) are summed per
            edge; single-field lines (isolated pages) are kept. The output feeds `links --edges`.

            EXAMPLES
              weblog-miner merge --kind pages part-*.partial > pages.tsv
              weblog-miner merge --kind days cluster.days local.days -o all.days
              weblog-miner merge --kind days --pages all.days > pages.tsv
              weblog-miner merge --kind days --state results.state.sqlite cluster.days -o all.days
              weblog-miner merge --kind edges edges-*.tsv | weblog-miner links --edges - --output jsonl

            \(ExitStatus.helpText)
            """)
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case pages, days, edges }

    @Argument(help: ArgumentHelp("Partial files ('-' for standard input).", valueName: "file"))
    var files: [String] = []

    @Option(help: ArgumentHelp("What the files hold: pages (partials of `pages --partial`), days (of `pages --partial --by-day`) or edges.", valueName: "kind"))
    var kind: Kind

    @Flag(help: "With --kind days: write the pages table of all the days together instead of a days partial.")
    var pages = false

    @Option(help: ArgumentHelp("With --kind days: also the days of this `run` state store (repeatable).", valueName: "file"))
    var state: [String] = []

    func validate() throws {
        if pages && kind != .days { throw ValidationError("--pages goes with --kind days") }
        if !state.isEmpty && kind != .days { throw ValidationError("--state goes with --kind days") }
    }

    @OptionGroup var output: RecordOutputOptions

    func run() throws {
        ignoreBrokenPipeSignal()
        let inputs = files.isEmpty ? ["-"] : files
        if kind == .days { return try mergeDays(files.isEmpty && !state.isEmpty ? [] : inputs) }
        var texts: [(String, String)] = []
        for f in inputs {
            guard let text = readText(f) else {
                Diagnostics.error("cannot read \(f)")
                throw ExitCode(ExitStatus.noInput.rawValue)
            }
            texts.append((f, text))
        }
        let out = try CommandSupport.openOutput(output.outputFile)
        try CommandSupport.guardingOutput {
            switch kind {
            case .pages:
                var stats = PageStatistics()
                var names = ByteStringInterner(capacity: 1024)
                for (f, text) in texts {
                    do {
                        try stats.addPartial(text, source: f, names: &names)
                    } catch {
                        Diagnostics.error("\(error)")
                        throw ExitCode(ExitStatus.dataError.rawValue)
                    }
                }
                try PageWriter.write(stats, pages: names, format: output.outputFormat, to: out)
            case .edges, .days:
                try out.write(EdgeList.mergeCounts(texts.map(\.1)))
                try out.commit()
            }
            return .ok
        }
    }

    func mergeDays(_ inputs: [String]) throws {
        let all = try loadDays(files: inputs, stateStores: state)
        let out = try CommandSupport.openOutput(output.outputFile)
        try CommandSupport.guardingOutput {
            if pages {
                try PageWriter.write(all!.merged().pages, pages: all!.pages, format: output.outputFormat, to: out)
            } else {
                try all!.write(to: out)
            }
            return .ok
        }
    }
}

/// Day partials from files (`pages --partial --by-day`, `merge --kind days`) and `run` state stores,
/// merged into one; errors are reported on one line with the exit status that fits.
func loadDays(files: [String], stateStores: [String]) throws -> DayPartials? {
    var all: DayPartials?
    for path in stateStores {
        guard FileManager.default.fileExists(atPath: path) else {
            Diagnostics.error("no state store at \(path)")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        do {
            let days = try DayPartials.read(stateStore: path)
            if all == nil { all = DayPartials(timezone: days.timezone) }
            try all!.merge(days, source: path)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(((error as? RunLock.LockError)?.exitStatus ?? .dataError).rawValue)
        }
    }
    for f in files {
        guard let (bytes, _) = try? Decompressor.readAll(InputSpec(f)) else {
            Diagnostics.error("cannot read \(f)")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        do {
            let days = try DayPartials.read(bytes, source: f)
            if all == nil { all = DayPartials(timezone: days.timezone) }
            try all!.merge(days, source: f)
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }
    return all
}
