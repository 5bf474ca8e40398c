/// What happened to each input and to the run as a whole.
public struct IngestReport: Sendable {
    public struct FileReport: Sendable {
        public var name: String
        public var format: String?
        public var formatWasDetected = false
        public var lines = 0
        public var records = 0
        public var rejected = 0
        public var skipped = 0
        public var blank = 0
        public var compressedBytes: Int64 = 0
        public var wasGzip = false
        public var outcome: InputOutcome = .complete
        public var openError: String?
        /// The file ended inside a line that was left unread (not counted in `lines`).
        public var heldBackLine = false
        /// The last line counted is the fragment of a truncated stream (rejected).
        public var truncatedFragment = false
        /// Lines read whole: where a later run continues.
        public var completeLines: Int { lines - (truncatedFragment ? 1 : 0) }
    }

    public var files: [FileReport]
    public var rejects: [RejectReason: Int] = [:]
    public var rejectSamples: [RejectLog.Sample] = []
    public var status: ExitStatus = .ok
    /// True when the output reader went away (`| head`) and ingest stopped early.
    public var outputClosed = false

    public var records: Int { files.reduce(0) { $0 + $1.records } }
    public var rejected: Int { files.reduce(0) { $0 + $1.rejected } }
    public var lines: Int { files.reduce(0) { $0 + $1.lines } }

    /// Rejected lines over lines that were meant to be hits (records + rejects).
    public var rejectRatio: Double {
        let attempted = records + rejected
        return attempted == 0 ? 0 : Double(rejected) / Double(attempted)
    }
}
