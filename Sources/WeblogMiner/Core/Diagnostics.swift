/// One-line messages on stderr, prefixed with the tool name so they stand out in cron mail.
/// With `json` set (`--log json`), every message is instead one JSON object per line:
/// `{"time":"…","event":"note|warning|error|…","message":"…"}`.
public enum Diagnostics {
    public static let toolName = "weblog-miner"

    /// Set once at start-up, before any thread that prints is started.
    nonisolated(unsafe) public static var json = false

    /// The same warning or error twice in one process (an input read again through the external
    /// sort) prints once.
    public static func warning(_ message: String) {
        if isFirst("warning: " + message) { json ? event("warning", message: message) : emit("warning: " + message) }
    }
    public static func error(_ message: String) {
        if isFirst("error: " + message) { json ? event("error", message: message) : emit("error: " + message) }
    }
    public static func note(_ message: String) { json ? event("note", message: message) : emit(message) }

    /// One JSON object: the time, the event name, the message, and any further fields (values as
    /// JSON text).
    public static func event(_ name: String, message: String? = nil, fields: [(String, String)] = []) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var line = "{\"time\":\(jsonQuote(isoTime(Int64(now.tv_sec) * 1000))),\"event\":\(jsonQuote(name))"
        if let message { line += ",\"message\":\(jsonQuote(message))" }
        for (key, value) in fields { line += ",\(jsonQuote(key)):\(value)" }
        raw(line + "}")
    }

    /// A line as it is (machine-readable logs).
    public static func raw(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// A note printed only the first time `key` comes up in this process (e.g. one detected-format
    /// note for 28 rotated files of the same format, not 28).
    public static func noteOnce(key: String, _ message: @autoclosure () -> String) {
        if isFirst(key) { note(message()) }
    }

    private static func isFirst(_ key: String) -> Bool { onceLock.locked { onceKeys.insert(key).inserted } }

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
