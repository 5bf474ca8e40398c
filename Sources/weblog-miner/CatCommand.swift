import ArgumentParser
import WeblogMiner

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Decompress inputs to standard output, like zcat (the I/O floor that benchmarks compare against).",
        discussion: reflow("""
            Uses the same reader as every other subcommand: gzip detected by content, multi-member streams,
            plain text passed through; truncated or corrupt input gives what was readable, a warning and
            exit status 65.

            \(ExitStatus.helpText)
            """)
    )

    @Argument(help: ArgumentHelp("Files, gzip or plain. '-' or none: standard input.", valueName: "file"))
    var files: [String] = []

    func run() throws {
        ignoreBrokenPipeSignal()
        let out = OutputStream.standardOutput()
        try CommandSupport.guardingOutput {
            try Decompressor.copy(files.isEmpty ? [.standardInput] : files.map(InputSpec.init), to: out)
        }
    }
}
