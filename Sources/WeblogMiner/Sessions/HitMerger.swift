/// Reads several inputs at once and yields their hits in time order: each file is parsed and cleaned
/// on its own threads; the merger takes the earliest head among the open files (k-way merge) and a
/// bounded reorder window smooths the small time steps back inside each file. Files are opened lazily
/// in order of their first timestamp, so daily rotations are read one after another while the logs
/// of several servers for the same day are read side by side.
final class HitMerger {
    private struct Source {
        let index: Int
        let queue: BlockingQueue<HitChunk?>
        var chunk: HitChunk?
        /// The chunk before `chunk`, kept alive until the next one is used up: its last hit may still be
        /// on its way into the reorder queue, which holds hits' chunks from there on.
        var retired: HitChunk?
        var position = 0
    }

    private let inputs: [InputSpec]
    private let ingest: IngestOptions
    private let cleaning: CleaningOptions
    private let visitorKey: VisitorKey
    private let window: Int64
    private let rejectWriter: LockedOutput?
    private var sources: [Source] = []
    private var order: [Int] = []
    private var nextToOpen = 0
    private var firstTimes: [Int64]
    private let results = ResultSlots()
    private var pending = ReorderQueue()
    private var sequence = 0
    private var maxSeen = Int64.min
    private var lastReleased = Int64.min
    private var lastReleasedSequence = Int.min
    var counts = CleaningCounts()

    private let givenSessions: Bool

    init(inputs: [InputSpec], ingest: IngestOptions, cleaning: CleaningOptions, visitorKey: VisitorKey, givenSessions: Bool = false,
         windowMillis: Int64, rejectWriter: LockedOutput?) {
        self.givenSessions = givenSessions
        self.inputs = inputs
        var ingest = ingest
        if inputs.count > 1 {
            ingest.parseThreads = 1  // several files run side by side
        } else {
            // One input: 4 MB batches measured ~5% faster than 1 MB on the 2-core bench (fewer
            // hand-offs per hit between reader, parse threads, file thread and merger), for ~40 MB
            // more peak memory. Side by side, files keep 1 MB each so memory stays near one file's.
            // A size the caller chose (tests use tiny batches) is kept.
            if ingest.batchSize == IngestOptions().batchSize { ingest.batchSize = 4 << 20 }
        }
        self.ingest = ingest
        self.cleaning = cleaning
        self.visitorKey = visitorKey
        window = windowMillis
        self.rejectWriter = rejectWriter
        let parser = ingest.parser
        let firstTimes = inputs.map { $0.isStandardInput || inputs.count == 1 ? Int64.min : (FirstTimestamp.probe($0, configuration: parser) ?? Int64.min) }
        self.firstTimes = firstTimes
        order = Array(inputs.indices).sorted { (firstTimes[$0], $0) < (firstTimes[$1], $1) }
    }

    /// How hits that arrive later than the reorder window are handled.
    enum Ordering {
        /// Counted as late and left out.
        case stream
        /// Streamed while in order; at the first late hit, when `rewind` is possible, the file threads
        /// are stopped, the consumer rewound and the run ends with `Restart` (the caller then runs again
        /// with `.sort`); else the hit is counted as late.
        case speculative(rewind: Rewind)
        /// Every hit goes through the external sort first (any order; output starts at the end).
        case sort
    }

    /// Thrown by a speculative run at the first hit out of order beyond the window.
    struct Restart: Error {}

    var ordering: Ordering = .stream
    /// Hits that went through the external sort (sort mode).
    private(set) var sortedHits = 0
    /// Late hits by input (index into the inputs), for the summary.
    private(set) var lateByInput: [Int: Int] = [:]
    private let cancelled = CancelFlag()
    /// Inputs whose file thread was started.
    private var started: [Int] = []

    /// Calls `body` with every page view and robot marker in time order; returns per-file reports.
    func run(_ body: (Hit, HitChunk) throws -> Void) throws -> [IngestReport] {
        if case .sort = ordering { return try runSorted(body) }
        while true {
            openDueFiles()
            guard let (h, chunk, input) = takeNumbered() else { break }
            if (h.time, h.sequence) < (lastReleased, lastReleasedSequence) {
                if case .speculative(let rewind) = ordering {
                    if rewind.possible() {
                        cancel()
                        rewind.perform()
                        throw Restart()
                    }
                    ordering = .stream
                }
                counts.lateHits += 1
                lateByInput[input, default: 0] += 1
                continue
            }
            pending.insert(h, chunk)
            if h.time > maxSeen { maxSeen = h.time }
            while let next = pending.first, next.time <= maxSeen &- window {
                let (released, owner) = pending.removeFirst()
                lastReleased = released.time
                lastReleasedSequence = released.sequence
                try owner._withUnsafeGuaranteedRef { try body(released, $0) }
            }
        }
        while let _ = pending.first {
            let (released, owner) = pending.removeFirst()
            lastReleased = released.time
            lastReleasedSequence = released.sequence
            try owner._withUnsafeGuaranteedRef { try body(released, $0) }
        }
        return results.reports(count: inputs.count)
    }

    /// The earliest hit with its tie-break set (order column, then arrival), its chunk and input.
    private func takeNumbered() -> (Hit, Unmanaged<HitChunk>, Int)? {
        guard var (hit, chunk, input) = takeEarliest() else { return nil }
        hit.sequence = Self.tieBreak(order: hit.sequence, arrival: sequence)
        sequence += 1
        return (hit, chunk, input)
    }

    /// Equal times are ordered by the order column, then by input order (the order column clamped
    /// to 31 bits, the input order kept in the low 32: both fit one integer comparison).
    @inline(__always) static func tieBreak(order: Int, arrival: Int) -> Int {
        order == 0 ? arrival : (min(max(order, 0), Int(Int32.max)) << 32) | (arrival & 0xFFFF_FFFF)
    }

    /// Every hit into the external sort, then out in order.
    private func runSorted(_ body: (Hit, HitChunk) throws -> Void) throws -> [IngestReport] {
        let sorter = ExternalHitSorter()
        while true {
            openDueFiles()
            guard let (h, chunk, _) = takeNumbered() else { break }
            try sorter.add(h, chunk.takeUnretainedValue())
        }
        sortedHits = sorter.count
        try sorter.drain(body)
        return results.reports(count: inputs.count)
    }

    /// Stops the file threads of an abandoned run and waits until they have: each ends at its next
    /// batch (so nothing more is written to the shared rejects file), and their queues are drained so
    /// that none stays blocked. A source whose queue already gave its end is not drained again.
    private func cancel() {
        cancelled.set()
        let queues = sources.filter { $0.chunk != nil }.map(\.queue)
        sources.removeAll()
        nextToOpen = order.count
        startThread {
            for q in queues { while q.pop() != nil {} }
        }
        results.wait(for: started)
    }

    /// Opens files whose first hit is due: when nothing is open, or their start is within the window
    /// of the earliest open head.
    private func openDueFiles() {
        while nextToOpen < order.count {
            let index = order[nextToOpen]
            if !sources.isEmpty {
                let frontier = sources.compactMap { headTime($0) }.min() ?? Int64.max
                if firstTimes[index] != Int64.min && firstTimes[index] > frontier &+ window { return }
            }
            start(index)
            nextToOpen += 1
        }
    }

    private func headTime(_ source: Source) -> Int64? {
        guard let chunk = source.chunk, source.position < chunk.hits.count else { return nil }
        return chunk.hits[source.position].time
    }

    private func start(_ index: Int) {
        started.append(index)
        let queue = BlockingQueue<HitChunk?>(capacity: 4)
        let input = inputs[index]
        let ingest = self.ingest
        let cleaning = self.cleaning
        let visitorKey = self.visitorKey
        let givenSessions = self.givenSessions
        let results = self.results
        let writer = rejectWriter
        let cancelled = self.cancelled
        startThread {
            let encoder = HitEncoder(cleaning: cleaning, visitorKey: visitorKey, givenSessions: givenSessions)
            var rejects = (try? RejectLog(sharedWriter: writer)) ?? (try! RejectLog())
            var records = 0
            var expectedHits = 0
            let pipeline = IngestPipeline(inputs: [input], options: ingest)
            pipeline.cancel = cancelled
            let report = (try? pipeline.run(formatting: encoder, rejects: &rejects) { (buffer: ByteBuffer) throws(OutputError) in
                if cancelled.isSet { throw .closed }
                // Room for about as many hits as the last chunk had: the array is filled without regrowing.
                let chunk = HitChunk.decode(buffer, recordCount: 0, expectedHits: expectedHits, calendar: cleaning.calendar)
                expectedHits = chunk.hits.count + chunk.hits.count / 8
                queue.push(chunk)
            }) ?? IngestReport(files: [])
            records = report.records
            // Hits counted once, at the end (per-batch record counts stay with the pipeline).
            let trailer = HitChunk()
            trailer.counts.hits = records
            queue.push(trailer)
            queue.push(nil)
            results.store(report, at: index)
        }
        var source = Source(index: index, queue: queue)
        advance(&source)
        sources.append(source)
    }

    /// Moves to the next hit, fetching chunks as needed; chunk counts are added once per chunk.
    private func advance(_ source: inout Source) {
        // The used-up chunk may hold the hit just taken: keep it until the next advance.
        if source.chunk != nil { source.retired = source.chunk }
        while source.chunk == nil || source.position >= source.chunk!.hits.count {
            guard let next = source.queue.pop() else {
                source.chunk = nil
                return
            }
            counts.add(next.counts)
            source.chunk = next
            source.position = 0
        }
    }

    /// The earliest head among the open files. The chunk comes unretained (no reference counting per
    /// hit): its source keeps it alive (as `retired` once used up) until the reorder queue holds it.
    private func takeEarliest() -> (Hit, Unmanaged<HitChunk>, Int)? {
        var best: Int? = nil
        var bestTime = Int64.max
        var k = 0
        while k < sources.count {
            if sources[k].chunk == nil {
                sources.remove(at: k)
                openDueFiles()
                continue
            }
            let t = sources[k].chunk!.hits[sources[k].position].time
            if best == nil || t < bestTime {
                best = k
                bestTime = t
            }
            k += 1
        }
        guard let b = best else {
            if nextToOpen < order.count {
                openDueFiles()
                return takeEarliest()
            }
            return nil
        }
        let chunk = Unmanaged.passUnretained(sources[b].chunk!)
        let hit = sources[b].chunk!.hits[sources[b].position]
        let input = sources[b].index
        sources[b].position += 1
        if sources[b].position >= sources[b].chunk!.hits.count { advance(&sources[b]) }
        return (hit, chunk, input)
    }
}

/// How the consumer of a session run forgets what it received (the input is then read again in
/// time order): `possible` asks every output, `perform` rewinds them all.
public struct Rewind {
    public var possible: () -> Bool
    public var perform: () -> Void
    public init(possible: @escaping () -> Bool, perform: @escaping () -> Void) {
        self.possible = possible
        self.perform = perform
    }
}

/// Set once, read by other threads.
final class CancelFlag: @unchecked Sendable {
    private let monitor = Monitor()
    private var value = false
    func set() { monitor.locked { value = true } }
    var isSet: Bool { monitor.locked { value } }
}

/// Reports of the per-file threads.
final class ResultSlots: @unchecked Sendable {
    private let monitor = Monitor()
    private var reports: [Int: IngestReport] = [:]

    func store(_ report: IngestReport, at index: Int) {
        monitor.locked {
            reports[index] = report
            monitor.broadcast()
        }
    }

    /// Blocks until the file threads of these inputs have ended.
    func wait(for indices: [Int]) {
        monitor.locked {
            while !indices.allSatisfy({ reports[$0] != nil }) { monitor.wait() }
        }
    }

    func reports(count: Int) -> [IngestReport] {
        monitor.locked {
            while reports.count < count { monitor.wait() }
            return (0 ..< count).map { reports[$0]! }
        }
    }
}

