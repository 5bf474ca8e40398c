import ArgumentParser
import WeblogMiner

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Summarise logs: records, rejects by reason, time span, distinct clients, top statuses.",
        discussion: reflow("""
            JSON keys: lines, records, rejected, rejects_by_reason, first_time, last_time, distinct_clients,
            bytes, out_of_order (records earlier than the one before), statuses, methods, files.

            \(ExitStatus.helpText)
            """)
    )

    enum SummaryFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var input: InputOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var outputFile: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("Summary format: text or json.", valueName: "text|json"))
    var outputFormat: SummaryFormat = .text

    @Option(help: "How many statuses and methods to list.")
    var top = 10

    func validate() throws { try checkRange(top, 0 ... 1_000_000, "--top") }

    func run() throws {
        ignoreBrokenPipeSignal()
        let options = try input.ingestOptions()
        let out = try CommandSupport.openOutput(outputFile)
        let rejectsFile = try input.rejects.map { try CommandSupport.openOutput($0) }
        try CommandSupport.guardingOutput {
            var rejects = try RejectLog(writer: rejectsFile)
            var stats = LogStats()
            let report = try IngestPipeline(inputs: input.inputs, options: options)
                .run(formatting: StatsFormatter(), rejects: &rejects) { buffer in stats.absorb(buffer) }
            let summary = StatsReport(stats: stats, ingest: report, top: top)
            try out.write(outputFormat == .json ? summary.json : summary.text)
            try out.commit()
            try rejects.commit()
            return report.status
        }
    }
}
