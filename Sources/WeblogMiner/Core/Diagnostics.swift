/// One-line messages on stderr, prefixed with the tool name so they stand out in cron mail.
public enum Diagnostics {
    public static let toolName = "weblog-miner"

    /// The same warning or error twice in one process (an input read again through the external
    /// sort) prints once.
    public static func warning(_ message: String) { noteOnce(key: "warning: " + message, "warning: " + message) }
    public static func error(_ message: String) { noteOnce(key: "error: " + message, "error: " + message) }
    public static func note(_ message: String) { emit(message) }

    /// A line as it is (machine-readable logs).
    public static func raw(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// A note printed only the first time `key` comes up in this process (e.g. one detected-format
    /// note for 28 rotated files of the same format, not 28).
    public static func noteOnce(key: String, _ message: @autoclosure () -> String) {
        let first = onceLock.locked { onceKeys.insert(key).inserted }
        if first { emit(message()) }
    }

    private static let onceLock = Monitor()
    private final class KeySet: @unchecked Sendable {
        var keys = Set<String>()
        func insert(_ k: String) -> (inserted: Bool, memberAfterInsert: String) { keys.insert(k) }
    }
    private static let onceKeys = KeySet()

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
