/// Threads that parse (and, for `parse`, format) batches in parallel. Each keeps its own copy of
/// every file's parser and of the formatter; batches of sequential formats (W3C) pass through unparsed.
final class ParseWorkers<F: RecordFormatter>: @unchecked Sendable {
    private let queue: BlockingQueue<(Int, IngestEvent)?>
    private let done: ReorderBuffer
    private let formatter: F
    private let formatting: Bool
    private let count: Int

    init(count: Int, queue: BlockingQueue<(Int, IngestEvent)?>, done: ReorderBuffer, formatter: F, formatting: Bool) {
        self.count = count
        self.queue = queue
        self.done = done
        self.formatter = formatter
        self.formatting = formatting
    }

    func start() {
        for _ in 0 ..< count { startThread { self.work() } }
    }

    /// Tells every worker to stop once the queue is drained.
    func stop() {
        for _ in 0 ..< count { queue.push(nil) }
    }

    private func work() {
        // Decompression is the one stage that cannot be split: let the reader thread win the CPU
        // when workers and reader compete, so the pipeline runs at inflate speed.
        if getenv("WEBLOG_MINER_NO_NICE") == nil {
            // On Linux, nice values are per thread: who = 0 means the calling thread.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
        }
        var formatter = self.formatter
        formatter.prepareForThread()
        // Files are read one after another, so one cached parser copy (for the current file) suffices.
        var copy: (fileIndex: Int, parser: any LineParser)? = nil
        while let (sequence, event) = queue.pop() {
            if case .batch(let batch) = event {
                if let fileParser = batch.fileParser, fileParser.parallel {
                    if copy?.fileIndex != batch.fileIndex {
                        copy = (batch.fileIndex, fileParser.prototype.copyForWorker()!)
                    }
                    batch.parse(with: copy!.parser, formatter: &formatter, formatting: formatting)
                } else if batch.fileParser == nil {
                    batch.parse(with: nil, formatter: &formatter, formatting: formatting)
                }
            }
            done.put(event, sequence: sequence)
        }
    }
}
