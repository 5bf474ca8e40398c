/// The reading side of ingest: opens each input in turn, decompresses it and cuts the stream into
/// batches of whole lines, on its own thread, so that inflate and parsing use both cores.
final class BatchProducer: @unchecked Sendable {
    let inputs: [InputSpec]
    let events: BlockingQueue<IngestEvent>
    let pool: BlockingQueue<LineBatch>
    let maxLineLength: Int
    /// Total compressed bytes read so far, for progress display (read racily; only informative).
    nonisolated(unsafe) var bytesRead: Int64 = 0

    init(inputs: [InputSpec], events: BlockingQueue<IngestEvent>, pool: BlockingQueue<LineBatch>, maxLineLength: Int) {
        self.inputs = inputs
        self.events = events
        self.pool = pool
        self.maxLineLength = maxLineLength
    }

    func run() {
        for (index, input) in inputs.enumerated() {
            let fd: Int32
            do {
                fd = try input.open()
            } catch {
                events.push(.cannotOpen(index: index, error))
                continue
            }
            events.push(.beginFile(index: index))
            readFile(index: index, fd: fd)
            if !input.isStandardInput { close(fd) }
        }
        events.push(.finished)
    }

    private func readFile(index: Int, fd: Int32) {
        let reader = DecompressingReader(fd: fd)
        var batch = pool.pop()
        batch.count = 0
        var skippingOverlong = false
        let minRead = 16 * 1024
        let base = bytesRead
        while true {
            if batch.freeSpace < minRead {
                if let last = lastNewline(in: batch) {
                    batch = ship(batch, upTo: last + 1, index: index)
                } else if batch.capacity < maxLineLength {
                    batch.grow(to: min(batch.capacity * 2, maxLineLength))
                } else {
                    // One line fills the largest buffer we allow: drop it and skip to its end.
                    events.push(.overlongLine(index: index))
                    batch.count = 0
                    skippingOverlong = true
                }
            }
            let start = batch.count
            let n = reader.read(into: batch.buffer + start, capacity: batch.freeSpace)
            if n == 0 { break }
            bytesRead = base + reader.compressedBytesRead
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
        }
        bytesRead = base + reader.compressedBytesRead
        let outcome = reader.outcome
        if batch.count > 0 && !skippingOverlong {
            let endsInsideLine = batch.buffer[batch.count - 1] != 0x0A
            if endsInsideLine && !outcome.isComplete {
                // The final fragment of a damaged stream is not a real line: count it, do not parse it.
                let complete = lastNewline(in: batch).map { $0 + 1 } ?? 0
                let fragment = batch.count - complete
                batch.count = complete
                if complete > 0 {
                    events.push(.batch(index: index, batch))
                } else {
                    pool.push(batch)
                }
                events.push(.partialLine(index: index, byteCount: fragment))
            } else {
                events.push(.batch(index: index, batch))
            }
        } else {
            pool.push(batch)
        }
        events.push(.endFile(index: index, outcome: outcome, compressedBytes: reader.compressedBytesRead, wasGzip: reader.isGzip))
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
    private func ship(_ batch: LineBatch, upTo cut: Int, index: Int) -> LineBatch {
        let next = pool.pop()
        let rest = batch.count - cut
        next.count = 0
        if next.capacity < rest { next.grow(to: batch.capacity) }
        if rest > 0 { (next.buffer).update(from: batch.buffer + cut, count: rest) }
        next.count = rest
        batch.count = cut
        events.push(.batch(index: index, batch))
        return next
    }
}
