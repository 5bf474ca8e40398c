/// Receives every record of an ingest run, in input order, on the parsing thread.
public protocol RecordSink {
    /// `line` holds the record's text fields; it is only valid during the call.
    mutating func accept(_ record: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError)
}

/// A sink that counts and drops records (for tests and timing).
public struct CountingSink: RecordSink {
    public private(set) var count = 0
    public init() {}
    public mutating func accept(_ record: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError) {
        count += 1
    }
}
