/// One-line messages on stderr, prefixed with the tool name so they stand out in cron mail.
public enum Diagnostics {
    public static let toolName = "weblog-miner"

    public static func warning(_ message: String) { emit("warning: " + message) }
    public static func error(_ message: String) { emit("error: " + message) }
    public static func note(_ message: String) { emit(message) }

    private static func emit(_ message: String) {
        let line = toolName + ": " + message + "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// True when stderr is an interactive terminal (progress display is only shown then).
    public static var stderrIsTerminal: Bool { isatty(2) != 0 }
}

/// errno as readable text.
public func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}
