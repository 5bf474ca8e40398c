/// Counts malformed lines by reason, keeps a few samples of each for the summary, and optionally
/// writes every one (file, line, reason, text) to a `--rejects` file.
public struct RejectLog {
    public struct Sample: Sendable {
        public let file: String
        public let line: Int
        public let reason: RejectReason
        public let text: String
    }

    public private(set) var counts: [RejectReason: Int] = [:]
    public private(set) var samples: [Sample] = []
    public var samplesPerReason = 3
    /// Longest excerpt kept of a rejected line.
    public var excerptLength = 300
    private let writer: LockedOutput?

    public init(writer: OutputStream? = nil) throws(OutputError) {
        self.writer = writer.map { LockedOutput($0) }
        try writer?.write("file\tline\treason\ttext\n")
    }

    /// For several files read at once: each thread has its own log, all writing to one file.
    init(sharedWriter: LockedOutput?) throws(OutputError) {
        writer = sharedWriter
    }

    public var total: Int { counts.values.reduce(0, +) }

    public mutating func add(_ reason: RejectReason, file: String, line: Int, text: UnsafeBufferPointer<UInt8>) throws(OutputError) {
        let seen = counts[reason, default: 0]
        counts[reason] = seen + 1
        let excerpt = UnsafeBufferPointer(rebasing: text.prefix(excerptLength))
        if seen < samplesPerReason {
            samples.append(Sample(file: file, line: line, reason: reason, text: String(decoding: excerpt, as: UTF8.self)))
        }
        if let writer {
            let prefix = file.replacingTabs() + "\t" + String(line) + "\t" + reason.rawValue + "\t"
            try writer.locked { (out: OutputStream) throws(OutputError) in
                try out.write(prefix)
                try TextEncoding.writeTSV(text, to: out)
                try out.write(byte: 10)
            }
        }
    }

    public func commit() throws(OutputError) { try writer?.stream.commit() }

    /// `bad_time 3, format_mismatch 1`, largest first.
    public var breakdown: String {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    }
}

extension String {
    func replacingTabs() -> String { String(map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
}

/// An output stream shared by threads, one writer at a time.
final class LockedOutput: @unchecked Sendable {
    let stream: OutputStream
    private let monitor = Monitor()

    init(_ stream: OutputStream) { self.stream = stream }

    func locked(_ body: (OutputStream) throws(OutputError) -> Void) throws(OutputError) {
        var failure: OutputError? = nil
        monitor.locked {
            do throws(OutputError) { try body(stream) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
