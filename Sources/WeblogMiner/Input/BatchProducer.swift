/// The reading side of ingest: opens each input in turn, decompresses it and cuts the stream into
/// batches of whole lines on its own thread, numbering lines and choosing each file's parser, so that
/// inflate, parsing and output overlap on separate cores.
final class BatchProducer: @unchecked Sendable {
    let inputs: [InputSpec]
    let send: @Sendable (IngestEvent) -> Void
    let pool: BlockingQueue<LineBatch>
    let maxLineLength: Int
    /// Number lines here (only needed when formatters write line numbers on the worker threads).
    let numberLines: Bool
    /// Picks the parser of a file from its first batch.
    let chooseParser: @Sendable (LineBatch) -> FileParser?
    /// Leave a last line without its newline unread (nightly runs: it is read whole next time).
    var holdBackPartialLastLine = false
    /// Total compressed bytes read so far, for progress display (read racily; only informative).
    nonisolated(unsafe) var bytesRead: Int64 = 0

    init(inputs: [InputSpec], pool: BlockingQueue<LineBatch>, maxLineLength: Int, numberLines: Bool,
         chooseParser: @escaping @Sendable (LineBatch) -> FileParser?, send: @escaping @Sendable (IngestEvent) -> Void) {
        self.inputs = inputs
        self.pool = pool
        self.maxLineLength = maxLineLength
        self.numberLines = numberLines
        self.chooseParser = chooseParser
        self.send = send
    }

    /// Set when the run that reads is abandoned (the input is read again in time order): reading stops.
    var cancel: CancelFlag? = nil

    func run() {
        for (index, input) in inputs.enumerated() {
            if cancel?.isSet == true { return }  // nobody listens any more
            let fd: Int32
            do {
                fd = try input.open()
            } catch {
                send(.cannotOpen(index: index, error))
                continue
            }
            var reader = FileReader(producer: self, index: index)
            reader.read(fd: fd)
            if !input.isStandardInput { close(fd) }
        }
        send(.finished)
    }

    /// State while reading one file.
    private struct FileReader {
        let producer: BatchProducer
        let index: Int
        var nextLineNumber = 1
        var parser: FileParser? = nil
        var started = false

        init(producer: BatchProducer, index: Int) {
            self.producer = producer
            self.index = index
        }

        mutating func read(fd: Int32) {
            let reader = DecompressingReader(fd: fd)
            var batch = takeBatch()
            var skippingOverlong = false
            let skip = producer.inputs[index].skipLines
            if skip > 0 {
                var left = skip
                while left > 0 {
                    let n = reader.read(into: batch.buffer, capacity: batch.capacity)
                    if n == 0 { break }
                    var at = 0
                    while left > 0, at < n, let nl = memchr(batch.buffer + at, 0x0A, n - at) {
                        at = nl.assumingMemoryBound(to: UInt8.self) - batch.buffer + 1
                        left -= 1
                    }
                    if left == 0 {
                        memmove(batch.buffer, batch.buffer + at, n - at)
                        batch.count = n - at
                    }
                }
                nextLineNumber = skip - left + 1
            }
            let minRead = 16 * 1024
            let base = producer.bytesRead
            // The first bytes of the file are checked for a byte order mark once there are three.
            var markChecked = skip > 0
            while true {
                if let cancel = producer.cancel, cancel.isSet {
                    producer.pool.push(batch)
                    return
                }
                if batch.freeSpace < minRead {
                    if let last = lastNewline(in: batch) {
                        batch = ship(batch, upTo: last + 1)
                    } else if batch.capacity < producer.maxLineLength {
                        batch.grow(to: min(batch.capacity * 2, producer.maxLineLength))
                    } else {
                        // One line fills the largest buffer we allow: reject it and skip to its end.
                        rejectLine(.lineTooLong)
                        batch.count = 0
                        skippingOverlong = true
                    }
                }
                let start = batch.count
                let n = reader.read(into: batch.buffer + start, capacity: batch.freeSpace)
                if n == 0 { break }
                producer.bytesRead = base + reader.compressedBytesRead
                if skippingOverlong {
                    guard let nl = memchr(batch.buffer + start, 0x0A, n) else { continue }
                    let after = nl.assumingMemoryBound(to: UInt8.self) + 1 - batch.buffer
                    let keep = start + n - after
                    memmove(batch.buffer, batch.buffer + after, keep)
                    batch.count = keep
                    skippingOverlong = false
                } else {
                    batch.count = start + n
                }
                if !markChecked && batch.count >= 3 {
                    markChecked = true
                    let mark = ByteOrderMark.utf8Length(batch.buffer, count: batch.count)
                    if mark > 0 {
                        memmove(batch.buffer, batch.buffer + mark, batch.count - mark)
                        batch.count -= mark
                    } else if ByteOrderMark.isUTF16(batch.buffer, count: batch.count) {
                        let name = producer.inputs[index].displayName
                        Diagnostics.error("\(name): UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 '\(name)' > converted.csv)")
                    }
                }
            }
            producer.bytesRead = base + reader.compressedBytesRead
            let outcome = reader.outcome
            if batch.count > 0 && !skippingOverlong {
                let endsInsideLine = batch.buffer[batch.count - 1] != 0x0A
                if endsInsideLine && !outcome.isComplete {
                    // The final fragment of a damaged stream is not a real line: count it, do not parse it.
                    let complete = lastNewline(in: batch).map { $0 + 1 } ?? 0
                    batch.count = complete
                    if complete > 0 { emit(batch) } else { producer.pool.push(batch) }
                    rejectLine(.truncatedLine)
                } else if endsInsideLine && producer.holdBackPartialLastLine && reader.format == nil && Self.isBeingWritten(fd) {
                    // The server may be writing this line right now: it is read, whole, next time.
                    let complete = lastNewline(in: batch).map { $0 + 1 } ?? 0
                    batch.count = complete
                    if complete > 0 { emit(batch) } else { producer.pool.push(batch) }
                    producer.send(.heldBackLine(index: index))
                } else {
                    emit(batch)
                }
            } else {
                producer.pool.push(batch)
            }
            producer.send(.endFile(index: index, outcome: outcome, compressedBytes: reader.compressedBytesRead, wasGzip: reader.isGzip))
        }

        /// A plain file changed within the last 10 minutes: a last line without its newline may be
        /// half written. An older file (a finished export, a rotated log) just lacks the final newline.
        private static func isBeingWritten(_ fd: Int32) -> Bool {
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
            return Int(time(nil)) - Int(info.st_mtim.tv_sec) < 600
        }

        private func takeBatch() -> LineBatch {
            let batch = producer.pool.pop()
            batch.count = 0
            return batch
        }

        private mutating func rejectLine(_ reason: RejectReason) {
            producer.send(.rejectLine(index: index, reason: reason))
            nextLineNumber += 1
        }

        private func lastNewline(in batch: LineBatch) -> Int? {
            // Lines are short, so the last newline is near the end: a backward scan beats a forward memchr.
            var i = batch.count - 1
            while i >= 0 {
                if batch.buffer[i] == 0x0A { return i }
                i -= 1
            }
            return nil
        }

        /// Sends bytes [0, cut) on and returns a fresh batch holding the rest.
        private mutating func ship(_ batch: LineBatch, upTo cut: Int) -> LineBatch {
            let next = takeBatch()
            let rest = batch.count - cut
            if next.capacity < rest { next.grow(to: batch.capacity) }
            if rest > 0 { next.buffer.update(from: batch.buffer + cut, count: rest) }
            next.count = rest
            batch.count = cut
            emit(batch)
            return next
        }

        /// Numbers the batch's lines if asked, picks the file's parser on its first batch, and sends it.
        private mutating func emit(_ batch: LineBatch) {
            batch.fileIndex = index
            batch.resetResults()
            if producer.numberLines {
                var lines = ByteSearch.count(0x0A, in: batch.buffer, batch.count)
                if batch.count > 0 && batch.buffer[batch.count - 1] != 0x0A { lines += 1 }  // no final newline
                batch.firstLineNumber = nextLineNumber
                nextLineNumber += lines
            }
            if !started {
                started = true
                parser = producer.chooseParser(batch)
                producer.send(.beginFile(index: index, parser: parser))
            }
            batch.fileParser = parser
            producer.send(.batch(batch))
        }
    }
}
