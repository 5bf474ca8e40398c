import ArgumentParser
import WeblogMiner

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Normalise log lines into one record per hit (TSV or JSON lines).",
        discussion: reflow("""
            Output columns (TSV header row / JSON keys), absent values empty (TSV) or null (JSON):
            \(HitWriter.columns.map { "  \($0.name.padding(12))\($0.meaning)" }.joined(separator: "\n"))

            TSV escapes tab, newline, carriage return, backslash and NUL inside values as \\t \\n \\r \\\\ \\0,
            and keeps other bytes (including invalid UTF-8) unchanged; JSON replaces invalid UTF-8 with U+FFFD.
            Escaped quotes in quoted log fields (\\" and nginx's \\x22) are decoded.

            Malformed lines never stop the run: they are counted by reason, summarised on stderr (with the
            first file:line) and, with --rejects FILE, listed one per line.

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions

    @OptionGroup var output: RecordOutputOptions

    func run() throws {
        ignoreBrokenPipeSignal()
        let options = try input.ingestOptions()
        let out = try CommandSupport.openOutput(output.outputFile)
        let rejectsFile = try input.rejects.map { try CommandSupport.openOutput($0) }
        try CommandSupport.guardingOutput {
            var rejects = try RejectLog(writer: rejectsFile)
            let pipeline = IngestPipeline(inputs: input.inputs, options: options)
            let writer = HitWriter(format: output.outputFormat, sourceNames: pipeline.inputs.map(\.displayName))
            try writer.writeHeader(to: out)
            let report = try pipeline.run(formatting: writer, to: out, rejects: &rejects)
            if report.outputClosed { return .ok }
            try out.commit()
            try rejects.commit()
            return report.status
        }
    }
}

extension RecordOutputFormat: ExpressibleByArgument {}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}
