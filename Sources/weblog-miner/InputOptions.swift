import ArgumentParser
import WeblogMiner

/// Options shared by every subcommand that reads logs.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Log files, gzip or plain (detected by content). '-' or none: standard input.", valueName: "file"))
    var files: [String] = []

    @Option(help: ArgumentHelp(
        "Log format: auto (default), common, combined, vhost_combined, alb (AWS load balancer), elb, w3c, jsonl, csv, tsv, an Apache LogFormat string ('%h %l %u %t \"%r\" %>s %b') or an nginx log_format string ('$remote_addr - ...').",
        valueName: "format"))
    var format = "auto"

    @Option(name: .customLong("field"), help: ArgumentHelp(
        "For JSON/CSV/TSV click logs: which column or key holds a field, as ROLE=NAME (repeatable), e.g. --field time=ts --field visitor=cookie_id --field url=page. Roles: \(FieldRole.allCases.map(\.rawValue).joined(separator: ", ")). Without a header, NAME is a 1-based column number. Common names (timestamp, ip, referer, ...) are recognised without this.",
        valueName: "role=name"))
    var fields: [String] = []

    @Option(help: ArgumentHelp("Layout of the time column of click logs when none of the built-in forms (CLF, ISO 8601, epoch) reads it, strftime style: %Y %y %m %d %H %M %S %f %z %b %s %F %T, e.g. %Y%m%d or '%d.%m.%Y %H:%M:%S'. A missing zone is UTC.", valueName: "layout"))
    var timeFormat: String?

    @Option(help: ArgumentHelp("Column delimiter for delimited click logs (a single character, or 'tab').", valueName: "char"))
    var delimiter: String?

    @Flag(help: "Delimited click logs have no header row (use --field ROLE=N).")
    var noHeader = false

    @Option(help: ArgumentHelp("Write every rejected line (file, line, reason, text) to this TSV file.", valueName: "file"))
    var rejects: String?

    @Option(help: ArgumentHelp("Fail with exit status 65 when more than this share of lines is rejected.", valueName: "ratio"))
    var maxRejectRatio = 0.05

    @Flag(name: .shortAndLong, help: "No progress display and no notes on stderr (warnings and errors still print).")
    var quiet = false

    func validate() throws {
        try checkRange(maxRejectRatio, 0 ... 1, "--max-reject-ratio")
        _ = try ingestOptions()
    }

    /// The files named, or standard input when none is (the command line's convention, not the library's:
    /// there, no inputs means nothing to read).
    var inputs: [InputSpec] { files.isEmpty ? [.standardInput] : files.map(InputSpec.init) }

    func ingestOptions() throws -> IngestOptions {
        var options = IngestOptions()
        do {
            options.parser.format = try LogFormat.parse(format)
            options.parser.mapping = try FieldMapping(specs: fields)
        } catch {
            throw ValidationError(error.message)
        }
        do {
            options.parser.mapping.timeFormat = try timeFormat.map { try TimeFormat($0) }
        } catch {
            throw ValidationError("\(error)")
        }
        if let delimiter {
            let value = delimiter.lowercased() == "tab" || delimiter == "\\t" ? "\t" : delimiter
            guard value.utf8.count == 1, let byte = value.utf8.first else {
                throw ValidationError("--delimiter must be a single character (or 'tab')")
            }
            options.parser.delimiter = byte
            if case .auto = options.parser.format { options.parser.format = .delimited(byte) }
        }
        options.parser.hasHeader = !noHeader
        options.maxRejectRatio = maxRejectRatio
        options.quiet = quiet
        return options
    }
}

/// A numeric option outside its range is a usage error (64) that names the range (NaN is never
/// inside one).
func checkRange<T: Comparable>(_ value: T?, _ range: ClosedRange<T>, _ option: String) throws {
    guard let value, !range.contains(value) else { return }
    throw ValidationError("\(option) must be from \(range.lowerBound) to \(range.upperBound) (got \(value))")
}

/// Device and inode of an existing regular file (the same file under any name).
func fileIdentity(_ path: String) -> [UInt64]? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return [UInt64(info.st_dev), UInt64(info.st_ino)]
}

/// Opens outputs, turning failures into the documented exit statuses.
enum CommandSupport {
    /// Reads a side input (registrations, a feature table, an edge list, ...): one that cannot be read
    /// exits 66, one that is malformed (`malformedIsData`) 65, each with its one-line error.
    static func readingInput<T>(malformedIsData: Bool = true, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as InputError {
            Diagnostics.error(error.message)
            throw ExitCode(ExitStatus.noInput.rawValue)
        } catch where malformedIsData {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }

    static func openOutput(_ path: String?) throws -> OutputStream {
        if let path, path != "-", let id = fileIdentity(path),
            CommandLine.arguments.dropFirst().filter({ fileIdentity($0) == id }).count >= 2
        {
            // Named once as the output and again as an input (`parse a.log -o a.log`): the atomic
            // rename would replace the input with its own results.
            Diagnostics.error("refusing to write \(path): it is also an input of this command (choose another output file)")
            throw ExitCode(ExitStatus.cannotCreate.rawValue)
        }
        do {
            return try OutputStream.open(path)
        } catch {
            Diagnostics.error(error.message)
            throw ExitCode(error.exitStatus.rawValue)
        }
    }

    /// Runs `body`; a closed pipe ends the command quietly with status 0, other output errors
    /// exit with their status.
    static func guardingOutput(_ body: () throws -> ExitStatus) throws {
        let status: ExitStatus
        do {
            status = try body()
        } catch let error as OutputError {
            if case .closed = error { throw ExitCode.success }
            Diagnostics.error(error.message)
            throw ExitCode(error.exitStatus.rawValue)
        }
        if status != .ok { throw ExitCode(status.rawValue) }
    }
}

extension Error {
    var message: String {
        if let e = self as? FormatCompileError { return e.message }
        return "\(self)"
    }
}

/// Help text with prose paragraphs joined into single lines, so the help printer wraps them to the
/// terminal; indented lines (tables, examples) and blank lines are kept as they are.
func reflow(_ text: String) -> String {
    var out: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        let isProse = !line.isEmpty && !line.hasPrefix(" ") && line.uppercased() != line
        if isProse, let last = out.last, !last.isEmpty, !last.hasPrefix(" "), last.uppercased() != last {
            out[out.count - 1] = last + " " + line
        } else {
            out.append(line)
        }
    }
    return out.joined(separator: "\n")
}

/// `-o FILE` and `--output tsv|jsonl`: how every command that writes records writes them.
struct RecordOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically: temporary file, then rename) instead of standard output.", valueName: "file"))
    var outputFile: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("Output format: tsv (header row) or jsonl.", valueName: "tsv|jsonl"))
    var outputFormat: RecordOutputFormat = .tsv
}
