/// Options for reading logs.
public struct IngestOptions: Sendable {
    public var parser = ParserConfiguration()
    /// Fail (exit 65) when rejected lines exceed this share of the lines meant as hits.
    public var maxRejectRatio = 0.05
    /// Suppress notes (detected formats) and progress; warnings and errors still print.
    public var quiet = false
    /// Progress line on stderr; by default only when stderr is a terminal.
    public var showProgress = Diagnostics.stderrIsTerminal
    /// Bytes of decompressed text per batch (sessions use 4 MB for one input: see `HitMerger`).
    public var batchSize = 1 << 20
    /// Threads parsing batches besides the reader; defaults to the number of cores.
    public var parseThreads = IngestOptions.defaultParseThreads

    /// The number of cores, or WEBLOG_MINER_THREADS when set.
    public static var defaultParseThreads: Int {
        if let text = getenv("WEBLOG_MINER_THREADS"), let n = Int(String(cString: text)), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
    /// Leave a last line without its newline unread (the nightly run reads it whole next time).
    public var holdBackPartialLastLine = false
    /// Longer lines are rejected as `line_too_long` instead of growing memory without bound.
    public var maxLineLength = 16 << 20

    public init() {}

    /// Batches alive at once (reading, parsing, waiting to be consumed): this bounds memory.
    var batchesInFlight: Int { 2 * parseThreads + 2 }
}

/// Streams inputs through decompression (reader thread), parsing (worker threads) and an ordered
/// final stage on the calling thread, which feeds a sink or writes formatted output in input order.
/// Memory is bounded by the batches in flight plus what the sink keeps.
public final class IngestPipeline {
    public let inputs: [InputSpec]
    public let options: IngestOptions
    /// Stops reading when set (an abandoned run).
    var cancel: CancelFlag? = nil

    public init(inputs: [InputSpec], options: IngestOptions) {
        self.inputs = inputs
        self.options = options
    }

    /// Feeds every record, in input order, to `sink`.
    public func run<S: RecordSink>(into sink: inout S, rejects: inout RejectLog) throws(OutputError) -> IngestReport {
        try run(formatter: NoFormatter(), formatting: false, rejects: &rejects) { (batch: LineBatch) throws(OutputError) in
            let base = batch.firstLineNumber
            for entry in batch.entries {
                let line = LineBuffer(start: batch.buffer + Int(entry.start), count: Int(entry.length))
                try sink.accept(entry.record, line: line, fileIndex: batch.fileIndex, lineNumber: base + Int(entry.lineIndex))
            }
        }
    }

    /// Formats every record with copies of `formatter` on the parse threads and writes the result to
    /// `out` in input order.
    public func run<F: RecordFormatter>(formatting formatter: F, to out: OutputStream, rejects: inout RejectLog) throws(OutputError) -> IngestReport {
        try run(formatter: formatter, formatting: true, rejects: &rejects) { (batch: LineBatch) throws(OutputError) in
            try out.write(batch.output.bytes)
        }
    }

    /// Formats on the parse threads and hands each batch's formatted bytes to `consume`, in input order.
    public func run<F: RecordFormatter>(formatting formatter: F, rejects: inout RejectLog,
                                        consume: (ByteBuffer) throws(OutputError) -> Void) throws(OutputError) -> IngestReport {
        try run(formatter: formatter, formatting: true, rejects: &rejects) { (batch: LineBatch) throws(OutputError) in
            try consume(batch.output)
        }
    }

    private func run<F: RecordFormatter>(formatter: F, formatting: Bool, rejects: inout RejectLog,
                                         consume: (LineBatch) throws(OutputError) -> Void) throws(OutputError) -> IngestReport {
        let work = BlockingQueue<(Int, IngestEvent)?>(capacity: options.batchesInFlight + 16)
        let pool = BlockingQueue<LineBatch>(capacity: options.batchesInFlight + 1)
        for _ in 0 ..< options.batchesInFlight { pool.push(LineBatch(capacity: options.batchSize)) }
        let done = ReorderBuffer()
        let workers = ParseWorkers(count: options.parseThreads, queue: work, done: done, formatter: formatter, formatting: formatting)
        let sequencer = Sequencer(queue: work)
        let configuration = options.parser
        let producer = BatchProducer(inputs: inputs, pool: pool, maxLineLength: options.maxLineLength, numberLines: formatting && F.needsLineNumbers,
                                     chooseParser: { Self.chooseParser(batch: $0, configuration: configuration) },
                                     send: { sequencer.send($0) })
        producer.holdBackPartialLastLine = options.holdBackPartialLastLine
        producer.cancel = cancel
        workers.start()
        startThread { producer.run() }

        var report = IngestReport(files: inputs.map { IngestReport.FileReport(name: $0.displayName) })
        var progress = options.showProgress && !options.quiet ? ProgressDisplay(totalBytes: inputs.compactMap(\.regularFileSize).reduce(0, +)) : nil
        var sequentialFormatter = formatter
        sequentialFormatter.prepareForThread()
        // Lines seen so far per file: the ordered stage numbers lines (the reader only does when formatting).
        var linesSeen = [Int](repeating: 0, count: inputs.count)
        defer { workers.stop() }
        do {
            loop: while true {
                switch done.takeNext() {
                case .beginFile(let index, let parser):
                    report.files[index].format = parser?.prototype.formatName ?? "unknown"
                    report.files[index].formatWasDetected = parser?.detected ?? false
                    progress?.clear()
                    if let parser, parser.detected, !options.quiet {
                        Diagnostics.noteOnce(key: "format " + parser.prototype.formatName,
                                             "\(inputs[index].displayName): format \(parser.prototype.formatName) (detected; use --format to override; not repeated for other files in this format)")
                    } else if parser == nil {
                        Diagnostics.error("\(inputs[index].displayName): cannot detect the log format; give --format (\(LogFormat.namedFormats), or a LogFormat string), "
                                          + "or for a CSV/TSV click export name its time column (--field time=NAME, without a header row --no-header --field time=N)")
                    }
                case .batch(let batch):
                    defer { pool.push(batch) }
                    batch.firstLineNumber = linesSeen[batch.fileIndex] + 1
                    if !batch.isParsed {
                        // Formats that must be read in order (W3C) are parsed here, by one parser.
                        batch.parse(with: batch.fileParser?.prototype, formatter: &sequentialFormatter, formatting: formatting)
                    }
                    let name = inputs[batch.fileIndex].displayName
                    linesSeen[batch.fileIndex] += batch.lineCount
                    for reject in batch.rejects {
                        let text = UnsafeBufferPointer(start: batch.buffer + Int(reject.start), count: Int(reject.length))
                        try rejects.add(reject.reason, file: name, line: batch.firstLineNumber + Int(reject.lineIndex), text: text)
                    }
                    try consume(batch)
                    var file = report.files[batch.fileIndex]
                    file.lines += batch.lineCount
                    file.records += batch.recordCount
                    file.rejected += batch.rejects.count
                    file.skipped += batch.skippedLines
                    file.blank += batch.blankLines
                    report.files[batch.fileIndex] = file
                    progress?.update(bytes: producer.bytesRead, lines: report.lines)
                case .rejectLine(let index, let reason):
                    if reason == .truncatedLine { report.files[index].truncatedFragment = true }
                    linesSeen[index] += 1
                    report.files[index].lines += 1
                    report.files[index].rejected += 1
                    try rejects.add(reason, file: inputs[index].displayName, line: linesSeen[index], text: UnsafeBufferPointer(start: emptyBytePointer, count: 0))
                case .heldBackLine(let index):
                    report.files[index].heldBackLine = true
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
            // `| head` closed the pipe: stop quietly. The other threads end with the process.
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

    /// The configured parser, or one detected from the first lines of the batch.
    static func chooseParser(batch: LineBatch, configuration: ParserConfiguration) -> FileParser? {
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
        let explicit = configuration.makeParser()
        guard let parser = explicit ?? FormatDetector.detect(sample: sample, configuration: configuration) else { return nil }
        // Let stateful parsers see the first lines (CSV header) before copies are made for the workers.
        if parser.copyForWorker() != nil, let first = sample.first(where: { !$0.isEmpty }) {
            var header = first
            var record = LogRecord()
            _ = header.withUnsafeMutableBufferPointer { parser.parse($0, into: &record) }
        }
        return FileParser(parser, detected: explicit == nil)
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
        if let badTimes = report.rejects[.badTime], badTimes * 2 > rejected { Diagnostics.warning(PlausibleTime.hint) }
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
    precondition(rc == 0, "cannot start a thread")
    pthread_detach(thread)
}
