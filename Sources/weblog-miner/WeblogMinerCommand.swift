import ArgumentParser
import WeblogMiner

@main
struct WeblogMinerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weblog-miner",
        abstract: "Web usage mining from raw access and click logs (.gz or plain).",
        discussion: reflow("""
            Reads Apache/nginx access logs, W3C/IIS logs and JSON/CSV click logs, gzip-compressed or not,
            from files or standard input ('-'), and turns them into records, statistics, visitor sessions,
            page statistics, and navigation patterns and rules.

            EXAMPLES
              weblog-miner stats access.log.gz
              weblog-miner parse access.log-*.gz -o hits.tsv
              zcat big.gz | weblog-miner parse - --output jsonl | head
              weblog-miner sessions logs/*/access.log-*.gz -o sessions.tsv
              weblog-miner sessions x.gz | weblog-miner patterns - --max-gap 1

            \(ExitStatus.helpText)
            """),
        subcommands: [RunCommand.self, InitCommand.self, ParseCommand.self, StatsCommand.self, SessionsCommand.self, PagesCommand.self, PatternsCommand.self, RulesCommand.self, LinksCommand.self, ProspectsCommand.self, DwellCommand.self, MergeCommand.self, CatCommand.self]
    )

    static func main() {
        ProcessSetup.tuneMalloc()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "run" {
            do {
                arguments = try RunCommand.expandConfig(arguments)
            } catch {
                Self.exit(withError: error)
            }
        }
        Self.main(arguments)
    }
}
