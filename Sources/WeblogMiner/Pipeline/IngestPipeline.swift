/// Options for reading logs.
public struct IngestOptions: Sendable {
    public var parser = ParserConfiguration()
    /// Fail (exit 65) when rejected lines exceed this share of the lines meant as hits.
    public var maxRejectRatio = 0.05
    /// Suppress notes (detected formats) and progress; warnings and errors still print.
    public var quiet = false
    /// Progress line on stderr; by default only when stderr is a terminal.
    public var showProgress = Diagnostics.stderrIsTerminal
    public var batchSize = 1 << 20
    public var batchesInFlight = 4
    /// Longer lines are rejected as `line_too_long` instead of growing memory without bound.
    public var maxLineLength = 16 << 20

    public init() {}
}

/// Streams inputs through decompression (reader thread) and parsing (calling thread) into a sink.
/// Memory is bounded by `batchesInFlight x batchSize` plus what the sink keeps.
public final class IngestPipeline {
    public let inputs: [InputSpec]
    public let options: IngestOptions

    public init(inputs: [InputSpec], options: IngestOptions) {
        self.inputs = inputs.isEmpty ? [.standardInput] : inputs
        self.options = options
    }

    /// Runs the whole ingest. Output errors other than a closed pipe are thrown.
    public func run<S: RecordSink>(into sink: inout S, rejects: inout RejectLog) throws(OutputError) -> IngestReport {
        let events = BlockingQueue<IngestEvent>(capacity: options.batchesInFlight + 16)
        let pool = BlockingQueue<LineBatch>(capacity: options.batchesInFlight + 1)
        for _ in 0 ..< options.batchesInFlight { pool.push(LineBatch(capacity: options.batchSize)) }
        let producer = BatchProducer(inputs: inputs, events: events, pool: pool, maxLineLength: options.maxLineLength)
        startThread { producer.run() }

        var report = IngestReport(files: inputs.map { IngestReport.FileReport(name: $0.displayName) })
        var progress = options.showProgress && !options.quiet ? ProgressDisplay(totalBytes: inputs.compactMap(\.regularFileSize).reduce(0, +)) : nil
        var parser: (any LineParser)? = nil
        var lineNumber = 0
        var record = LogRecord()
        do {
            loop: while true {
                switch events.pop() {
                case .beginFile(let index):
                    lineNumber = 0
                    parser = options.parser.makeParser()
                    if let parser { report.files[index].format = parser.formatName }
                case .batch(let index, let batch):
                    defer { pool.push(batch) }
                    if parser == nil && report.files[index].format == nil {
                        parser = detectFormat(batch: batch, file: &report.files[index])
                    }
                    try consume(batch: batch, index: index, parser: parser, lineNumber: &lineNumber, record: &record,
                                sink: &sink, rejects: &rejects, report: &report)
                    progress?.update(bytes: producer.bytesRead, lines: report.lines)
                case .overlongLine(let index):
                    lineNumber += 1
                    report.files[index].lines += 1
                    report.files[index].rejected += 1
                    try rejects.add(.lineTooLong, file: inputs[index].displayName, line: lineNumber, text: UnsafeBufferPointer(start: emptyBytePointer, count: 0))
                case .partialLine(let index, _):
                    lineNumber += 1
                    report.files[index].lines += 1
                    report.files[index].rejected += 1
                    try rejects.add(.truncatedLine, file: inputs[index].displayName, line: lineNumber, text: UnsafeBufferPointer(start: emptyBytePointer, count: 0))
                case .endFile(let index, let outcome, let compressedBytes, let wasGzip):
                    report.files[index].outcome = outcome
                    report.files[index].compressedBytes = compressedBytes
                    report.files[index].wasGzip = wasGzip
                    if let warning = outcome.warning(for: inputs[index].displayName) {
                        progress?.clear()
                        Diagnostics.warning(warning)
                        report.status = max(report.status, outcome.exitStatus)
                    }
                case .cannotOpen(let index, let error):
                    progress?.clear()
                    Diagnostics.error(error.message)
                    report.files[index].openError = error.message
                    report.status = max(report.status, .noInput)
                case .finished:
                    break loop
                }
            }
        } catch .closed {
            // `| head` closed the pipe: stop reading quietly. The reader thread ends with the process.
            progress?.clear()
            report.outputClosed = true
            return report
        }
        progress?.clear()
        report.rejects = rejects.counts
        report.rejectSamples = rejects.samples
        summarizeRejects(&report)
        return report
    }

    private func detectFormat(batch: LineBatch, file: inout IngestReport.FileReport) -> (any LineParser)? {
        var sample: [[UInt8]] = []
        var p = batch.buffer
        let end = batch.buffer + batch.count
        while p < end && sample.count < 64 {
            let nl = memchr(p, 0x0A, end - p).map { $0.assumingMemoryBound(to: UInt8.self) } ?? end
            var length = nl - p
            if length > 0 && p[length - 1] == 13 { length -= 1 }
            sample.append(Array(UnsafeBufferPointer(start: p, count: length)))
            p = nl + 1
        }
        let parser = FormatDetector.detect(sample: sample, configuration: options.parser)
        if let parser {
            file.format = parser.formatName
            file.formatWasDetected = true
            if !options.quiet { Diagnostics.note("\(file.name): format \(parser.formatName) (detected; use --format to override)") }
        } else {
            file.format = "unknown"
            Diagnostics.error("\(file.name): cannot detect the log format; give --format (\(LogFormat.namedFormats), or a LogFormat string)")
        }
        return parser
    }

    @inline(__always)
    private func consume<S: RecordSink>(batch: LineBatch, index: Int, parser: (any LineParser)?, lineNumber: inout Int,
                                        record: inout LogRecord, sink: inout S, rejects: inout RejectLog,
                                        report: inout IngestReport) throws(OutputError) {
        var p = batch.buffer
        let end = batch.buffer + batch.count
        var lines = 0, records = 0, rejected = 0, skipped = 0, blank = 0
        defer {
            report.files[index].lines += lines
            report.files[index].records += records
            report.files[index].rejected += rejected
            report.files[index].skipped += skipped
            report.files[index].blank += blank
        }
        while p < end {
            let nl = memchr(p, 0x0A, end - p).map { $0.assumingMemoryBound(to: UInt8.self) } ?? end
            var length = nl - p
            lineNumber += 1
            lines += 1
            if length > 0 && p[length - 1] == 13 { length -= 1 }
            let line = LineBuffer(start: p, count: length)
            p = nl + 1
            if length == 0 {
                blank += 1
                continue
            }
            guard let parser else {
                rejected += 1
                try rejects.add(.unknownFormat, file: inputs[index].displayName, line: lineNumber, text: UnsafeBufferPointer(line))
                continue
            }
            record = LogRecord()
            switch parser.parse(line, into: &record) {
            case .record:
                records += 1
                try sink.accept(record, line: line, fileIndex: index, lineNumber: lineNumber)
            case .skip:
                skipped += 1
            case .reject(let reason):
                rejected += 1
                // Re-read the original bytes? Parsers may have decoded escapes in place; the excerpt
                // is still the line as far as a reader is concerned.
                try rejects.add(reason, file: inputs[index].displayName, line: lineNumber, text: UnsafeBufferPointer(line))
            }
        }
    }

    private func summarizeRejects(_ report: inout IngestReport) {
        let rejected = report.rejected
        guard rejected > 0 else { return }
        let attempted = report.records + rejected
        let percent = String(format2: report.rejectRatio * 100)
        var message = "rejected \(rejected) of \(attempted) lines (\(percent)%): \(breakdown(report.rejects))"
        if let first = report.rejectSamples.first {
            message += "; first at \(first.file):\(first.line) (\(first.reason.rawValue))"
        }
        Diagnostics.warning(message)
        if report.rejectRatio > options.maxRejectRatio {
            Diagnostics.error("reject ratio \(percent)% exceeds --max-reject-ratio \(options.maxRejectRatio); use --rejects FILE to see every rejected line")
            report.status = max(report.status, .dataError)
        }
    }

    private func breakdown(_ counts: [RejectReason: Int]) -> String {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    }
}

extension String {
    /// Two decimals without Foundation.
    init(format2 value: Double) {
        let scaled = Int((value * 100).rounded())
        let whole = scaled / 100
        let frac = scaled % 100
        self = "\(whole)." + (frac < 10 ? "0" : "") + "\(frac)"
    }
}

/// Runs `body` on a new detached POSIX thread.
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { arg in
        let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    precondition(rc == 0, "cannot start reader thread")
    pthread_detach(thread)
}
