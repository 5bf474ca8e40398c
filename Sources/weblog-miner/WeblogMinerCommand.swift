import ArgumentParser
import Glibc
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
        version: ToolVersion.current,
        subcommands: [RunCommand.self, InitCommand.self, ParseCommand.self, StatsCommand.self, SessionsCommand.self, PagesCommand.self, FunnelsCommand.self, SegmentsCommand.self, AudienceCommand.self, ErrorsCommand.self, AnomaliesCommand.self, PatternsCommand.self, RulesCommand.self, LinksCommand.self, ProspectsCommand.self, DwellCommand.self, MergeCommand.self, CatCommand.self]
    )

    static func main() {
        ProcessSetup.tuneMalloc()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", !commandNames.contains(first) {
            usageError(unknownCommandMessage(first), usage: usageString(), help: "weblog-miner --help")
        }
        if arguments.first == "run" {
            if zip(arguments, arguments.dropFirst()).contains(where: { $0 == "--log" && $1 == "json" }) || arguments.contains("--log=json") {
                Diagnostics.json = true
            }
            do {
                arguments = try RunCommand.expandConfig(arguments)
            } catch {
                fail(error)
            }
        }
        do {
            var command = try parseAsRoot(arguments)
            do {
                try command.run()
            } catch let error as ValidationError {
                // Thrown while running: the usage of the subcommand, not of the whole tool.
                let type = Swift.type(of: command)
                let name = type.configuration.commandName ?? type._commandName
                usageError(error.message, usage: usageString(for: type), help: "weblog-miner help \(name)")
            }
        } catch {
            fail(error)
        }
    }

    static var commandNames: [String] { configuration.subcommands.map { $0.configuration.commandName ?? $0._commandName } }

    /// "unknown command 'statz'; did you mean `stats`?" (the closest command by edit distance, if close).
    static func unknownCommandMessage(_ word: String) -> String {
        let scored = commandNames.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        var message = "unknown command '\(word)'"
        if let (name, distance) = scored, distance <= max(1, min(3, name.count / 2)) { message += "; did you mean `\(name)`?" }
        return message + " (commands: \(commandNames.joined(separator: ", ")))"
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0 ... b.count)
        for i in 1 ... a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1 ... b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// A usage error in ArgumentParser's layout (or one JSON event with --log json); exit 64.
    static func usageError(_ message: String, usage: String, help: String) -> Never {
        if Diagnostics.json {
            Diagnostics.error(message)
        } else {
            let text = "Error: \(message)\nUsage: \(usage)\n  See '\(help)' for more information.\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        }
        Glibc.exit(ExitStatus.usage.rawValue)
    }

    /// ArgumentParser's handling of an error, but one JSON event instead of text with --log json.
    static func fail(_ error: Error) -> Never {
        let code = exitCode(for: error)
        if Diagnostics.json && code != .success {
            let message = self.message(for: error)
            if !message.isEmpty { Diagnostics.error(message) }
            Glibc.exit(code.rawValue)
        }
        exit(withError: error)
    }
}
