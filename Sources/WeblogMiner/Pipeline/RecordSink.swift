/// Receives every record of an ingest run, in input order, on the parsing thread.
public protocol RecordSink {
    /// `line` holds the record's text fields; it is only valid during the call.
    mutating func accept(_ record: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError)
}

/// Turns records into output bytes without shared state, so parse workers can run it in parallel
/// (each on its own copy); the pipeline then writes the per-batch buffers in input order.
public protocol RecordFormatter: Sendable {
    mutating func format(_ record: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int, into out: ByteBuffer)
    /// Called on each thread's own copy before use (to make private copies of shared state).
    mutating func prepareForThread()
    /// Whether `format` needs line numbers (the reader then counts lines ahead of the parse threads).
    static var needsLineNumbers: Bool { get }
}

extension RecordFormatter {
    public mutating func prepareForThread() {}
    public static var needsLineNumbers: Bool { true }
}

/// The formatter of pipelines that only feed a sink.
public struct NoFormatter: RecordFormatter {
    public init() {}
    public func format(_ record: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int, into out: ByteBuffer) {}
}
