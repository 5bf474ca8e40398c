/// One input named on the command line: a file path, or standard input (`-`).
public struct InputSpec: Sendable, Hashable {
    public let path: String
    /// Lines at the start that an earlier run already read (a log that has grown since): skipped,
    /// and line numbers continue after them.
    public var skipLines = 0

    public init(_ path: String) { self.path = path }

    public init(_ path: String, skipLines: Int) {
        self.path = path
        self.skipLines = skipLines
    }

    public static let standardInput = InputSpec("-")

    public var isStandardInput: Bool { path == "-" }

    /// The name used in messages and in each record's `source` field.
    public var displayName: String { isStandardInput ? "<stdin>" : path }

    /// Opens the input for reading. Throws `InputError.cannotOpen` with errno.
    func open() throws(InputError) -> Int32 {
        if isStandardInput {
            // Someone typing at a terminal, perhaps by mistake: say what is happening.
            if isatty(0) != 0 {
                Diagnostics.noteOnce(key: "stdin-terminal", "reading log lines from standard input (Ctrl-D to end); give files to read them instead")
            }
            return 0
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .cannotOpen(path: displayName, errno: errno) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: displayName, errno: EISDIR)
        }
        return fd
    }

    /// A regular file: it can be read a second time (standard input and pipes cannot).
    public var isRereadable: Bool { regularFileSize != nil }

    /// Size in bytes for regular files (used for progress), nil otherwise.
    var regularFileSize: Int64? {
        if isStandardInput { return nil }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }
}

public enum InputError: Error, Sendable {
    case cannotOpen(path: String, errno: Int32)

    public var message: String {
        switch self {
        case .cannotOpen(let path, let code): "cannot open \(path): \(errnoDescription(code))"
        }
    }
}

/// How reading one input ended.
public enum InputOutcome: Sendable, Equatable {
    case complete
    /// The compressed stream ended before its end marker (file cut short, e.g. copied while being written).
    case truncated(compressedOffset: Int64, format: CompressionFormat = .gzip)
    /// The compressed data is damaged; nothing after the offset could be read.
    case corrupt(compressedOffset: Int64, reason: String, format: CompressionFormat = .gzip)
    /// Bytes after the last compressed stream that are not another stream of the same format.
    case trailingGarbage(compressedOffset: Int64, format: CompressionFormat = .gzip)
    case readFailed(errno: Int32)

    public var isComplete: Bool { self == .complete }

    /// The warning to print for an incomplete input, or nil.
    public func warning(for name: String) -> String? {
        switch self {
        case .complete: nil
        case .truncated(let offset, let format):
            "\(name): truncated \(format) stream at compressed byte offset \(offset); kept every complete line before it"
        case .corrupt(let offset, let reason, let format):
            "\(name): corrupt \(format) data at compressed byte offset \(offset) (\(reason)); kept every complete line before it"
        case .trailingGarbage(let offset, let format):
            "\(name): ignored trailing bytes after the last \(format) \(format.streamName) at compressed byte offset \(offset)"
        case .readFailed(let code):
            "\(name): read error: \(errnoDescription(code)); kept what was read before it"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .complete: .ok
        case .truncated, .corrupt, .trailingGarbage: .dataError
        case .readFailed: .ioError
        }
    }
}
