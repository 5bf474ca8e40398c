/// A block of decompressed bytes holding only whole lines (the last one may lack its newline at the
/// end of a file), plus what parsing made of it. Batches are recycled through a pool, so steady-state
/// ingest allocates nothing.
final class LineBatch: @unchecked Sendable {
    private(set) var buffer: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    // Set by the reader.
    var fileIndex = 0
    /// Line number (1-based, within its file) of the first line; set by the reader only when the
    /// formatter needs line numbers before the ordered stage (the `source` column of `parse`).
    var firstLineNumber = 1
    /// Lines in the batch, counted while parsing.
    var lineCount = 0
    /// The parser for this file (nil: format unknown, every line is rejected).
    var fileParser: FileParser?

    // Set by whoever parses the batch (a parse worker, or the ordered stage for sequential formats).
    var isParsed = false
    var entries: [ParsedLine] = []
    var rejects: [RejectedLine] = []
    var blankLines = 0
    var skippedLines = 0
    var recordCount = 0
    /// Formatted output of the batch, when the pipeline formats in parallel.
    let output = ByteBuffer()

    init(capacity: Int) {
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Grows the buffer, keeping its content (for lines longer than a batch).
    func grow(to newCapacity: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity = newCapacity
    }

    var freeSpace: Int { capacity - count }

    func resetResults() {
        isParsed = false
        entries.removeAll(keepingCapacity: true)
        rejects.removeAll(keepingCapacity: true)
        blankLines = 0
        skippedLines = 0
        recordCount = 0
        output.removeAll()
    }

    /// Splits the lines and parses them; with a formatter, formats records instead of keeping them.
    func parse<F: RecordFormatter>(with parser: (any LineParser)?, formatter: inout F, formatting: Bool) {
        var p = buffer
        let end = buffer + count
        var lineIndex: Int32 = 0
        var record = LogRecord()
        while p < end {
            let nl = memchr(p, 0x0A, end - p).map { $0.assumingMemoryBound(to: UInt8.self) } ?? end
            var length = nl - p
            if length > 0 && p[length - 1] == 13 { length -= 1 }
            let start = Int32(truncatingIfNeeded: p - buffer)
            let line = LineBuffer(start: p, count: length)
            p = nl + 1
            defer { lineIndex += 1 }
            if length == 0 {
                blankLines += 1
                continue
            }
            guard let parser else {
                rejects.append(RejectedLine(lineIndex: lineIndex, reason: .unknownFormat, start: start, length: Int32(length)))
                continue
            }
            record = LogRecord()
            switch parser.parse(line, into: &record) {
            case .record:
                if record.epochMillis != LogRecord.noTime && !PlausibleTime.contains(record.epochMillis) {
                    // A bogus stamp (a clock far in the future, a date read as epoch seconds) would move
                    // time for every later hit: it is left out with its file and line instead.
                    rejects.append(RejectedLine(lineIndex: lineIndex, reason: .badTime, start: start, length: Int32(length)))
                    continue
                }
                recordCount += 1
                if formatting {
                    formatter.format(record, line: line, fileIndex: fileIndex, lineNumber: firstLineNumber + Int(lineIndex), into: output)
                } else {
                    entries.append(ParsedLine(record: record, start: start, length: Int32(length), lineIndex: lineIndex))
                }
            case .skip:
                skippedLines += 1
            case .reject(let reason):
                rejects.append(RejectedLine(lineIndex: lineIndex, reason: reason, start: start, length: Int32(length)))
            }
        }
        lineCount = Int(lineIndex)
        isParsed = true
    }
}

/// A record with the place of its line in the batch.
struct ParsedLine {
    var record: LogRecord
    var start: Int32
    var length: Int32
    /// 0-based index of the line within its batch.
    var lineIndex: Int32
}

struct RejectedLine {
    var lineIndex: Int32
    var reason: RejectReason
    var start: Int32
    var length: Int32
}

/// The parser chosen for one input, shared by the threads that parse it.
final class FileParser: @unchecked Sendable {
    let prototype: any LineParser
    let detected: Bool
    /// False for formats whose lines must be parsed in order by one parser (W3C).
    let parallel: Bool

    init(_ parser: any LineParser, detected: Bool) {
        prototype = parser
        self.detected = detected
        parallel = parser.copyForWorker() != nil
    }
}

/// What the reading thread tells the rest of the pipeline, in input order.
enum IngestEvent: @unchecked Sendable {
    /// Sent with (before) the file's first batch, once its format is known.
    case beginFile(index: Int, parser: FileParser?)
    case batch(LineBatch)
    /// A line that could not be handed over whole (too long, or cut off by a damaged stream).
    case rejectLine(index: Int, reason: RejectReason)
    /// The file ended inside a line that was left unread (`IngestOptions.holdBackPartialLastLine`).
    case heldBackLine(index: Int)
    case endFile(index: Int, outcome: InputOutcome, compressedBytes: Int64, wasGzip: Bool)
    case cannotOpen(index: Int, InputError)
    case finished
}
