/// A frequent sequential pattern: items in order, and the number of sequences containing it.
public struct SequentialPattern: Sendable, Hashable {
    public var items: [Int32]
    public var support: Int

    public init(items: [Int32], support: Int) {
        self.items = items
        self.support = support
    }
}

/// A pattern as the search finds it: with the support of its prefix (the pattern without its last
/// item; 0 for a single item), which is what a next-page rule needs.
public struct FoundPattern: Sendable {
    public var pattern: SequentialPattern
    public var prefixSupport: Int
}

/// What a search did: the threshold finally used, and whether --top-k or the pattern cap raised it.
public struct MiningOutcome: Sendable, Equatable {
    /// The support asked for.
    public var requestedSupport: Int
    /// The support the delivered patterns have at least (raised by --top-k or `maxPatterns`).
    public var usedSupport: Int
    /// Patterns handed to the sink.
    public var delivered: Int
    /// `maxPatterns` was exceeded at `requestedSupport`: more than that many patterns exist there.
    public var capped: Bool
    /// The sink asked to stop: the delivered patterns are not all of them.
    public var stopped: Bool
    /// Closed or maximal: the candidates outgrew their memory budget, so each was proved on its
    /// sequences instead of chosen after the search (the same patterns, found more slowly).
    public var condensedOverBudget = false

    /// What the cap did, for the user: nil when it did not act.
    public func capNote(_ cap: Int?, option: String) -> String? {
        guard capped, let cap else { return nil }
        return "patterns: more than \(HTMLReport.grouped(cap)) at support \(requestedSupport); kept \(HTMLReport.grouped(delivered)) at support \(usedSupport) (\(option) \(HTMLReport.grouped(cap)))"
    }
}

/// Options shared by the pattern miners.
public struct PatternOptions: Sendable {
    /// Minimum number of sequences that must contain a pattern.
    public var minSupport = 1
    /// Longest pattern mined (nil: no limit).
    public var maxLength: Int? = nil
    /// Largest step between consecutive pattern items (1 = contiguous paths; nil: any gap).
    public var maxGap: Int? = nil
    /// Keep only the k patterns of highest support (the threshold rises as mining proceeds).
    public var topK: Int? = nil
    /// Keep at most this many patterns: the support is raised, during the search, to the smallest
    /// value at which no more than this many patterns remain (no ties kept beyond the cap). This
    /// bounds time and memory as well as output: the search prunes below the rising threshold.
    public var maxPatterns: Int? = nil
    /// All patterns, or only the closed or maximal ones.
    public var condensation = PatternCondensation.all
    public var threads = IngestOptions.defaultParseThreads
    /// Closed or maximal: bytes of candidates kept in memory for the selection after the search, all
    /// threads together (past it, candidates are proved one by one: same output, slower).
    public var condensedBudget = 64 << 20
    /// Maximal: bytes of the index of item pairs that narrows the containment tests (default: the
    /// candidates' budget); past it the index of single items serves alone (the same output).
    var maximalPairBudget: Int? = nil

    public init() {}

    /// `--min-support` as a count (`120`) or a share (`5%`, `0.05`): absolute = ceil(p x N).
    /// nil for anything else, including 0, 0%, negative values, shares above 100% and NaN.
    public static func absoluteSupport(_ text: String, sequences: Int) -> Int? {
        if text.hasSuffix("%"), let p = Double(text.dropLast()), p > 0, p <= 100 {
            return max(1, Int((p / 100 * Double(sequences) - 1e-9).rounded(.up)))
        }
        if let n = Int(text), n >= 1 { return n }
        if let p = Double(text), p > 0, p < 1 { return max(1, Int((p * Double(sequences) - 1e-9).rounded(.up))) }
        return nil
    }

    /// The usage message for a `--min-support` value `absoluteSupport` refuses.
    public static func supportError(_ text: String) -> String {
        "--min-support '\(text)' must be a count of at least 1 (120), a share above 0% and at most 100% (5%), or a fraction in (0, 1) (0.05)"
    }
}

/// PrefixSpan (Pei et al. 2001) with pseudo-projection: a projected database is a list of
/// (sequence, position) pairs into the one contiguous item array, never a copy of suffixes.
/// With a maximum gap every end position of the prefix is kept (the first is no longer enough).
/// Threads take subtrees from a shared queue (first items, then subtrees handed over on demand:
/// `SearchQueue`); the output is the same set in any case.
///
/// Patterns stream to a sink as they are found (in batches, in no particular order), so memory does
/// not grow with their number; only --top-k and `maxPatterns` keep patterns back, and only those at
/// or above the current threshold (at most `maxPatterns`; for top-k, the k best and their ties).
public struct PrefixSpan {
    public let database: SequenceDatabase
    public let options: PatternOptions
    /// Patterns a thread gathers before handing them to the sink.
    public var batchSize = 4096

    public init(database: SequenceDatabase, options: PatternOptions) {
        self.database = database
        self.options = options
    }

    /// All frequent patterns (support >= minSupport), or the top k, in memory.
    public func mine() -> [SequentialPattern] {
        var all: [SequentialPattern] = []
        mine { batch in
            all.append(contentsOf: batch.lazy.map(\.pattern))
            return true
        }
        return all
    }

    /// Closed and maximal patterns are found by pruning the search (`ClosureCheck`'s BackScan) and
    /// choosing among its candidates at the end (`CondensedSelection`) when there is
    /// no gap limit, length limit, top-k or cap; otherwise the complete set is filtered afterwards
    /// (`ClosedMaximal`): with those limits a pattern's one-longer super-patterns may not be mined.
    public var prunesCondensation: Bool {
        options.maxGap == nil && options.maxLength == nil && options.topK == nil && options.maxPatterns == nil
    }

    /// Streams the patterns to `sink`, one batch at a time (never two calls at once); a sink that
    /// returns false stops the search.
    @discardableResult
    public func mine(into sink: ([FoundPattern]) -> Bool) -> MiningOutcome {
        if options.condensation != .all && !prunesCondensation { return mineThenFilter(into: sink) }
        return withoutActuallyEscaping(sink) { sink in
            let options = self.options
            let db = PackedSequences(database, minSupport: options.minSupport, keepEveryItem: options.maxGap != nil, listSequences: options.condensation != .all)
            var roots = Self.rootProjections(db, everyOccurrence: options.maxGap != nil)
            // Best supported first: the largest subtrees start at once, and with top-k or a cap the
            // threshold rises sooner.
            let support = db.support
            let frequentRoots = (0 ..< db.itemCount).filter { support[$0] >= options.minSupport }
                .sorted { support[$0] != support[$1] ? support[$0] > support[$1] : $0 < $1 }
            let queue = SearchQueue(frequentRoots.map { item in
                SearchTask(prefix: [Int32(item)], support: support[item], prefixSupport: 0, projection: roots[item])
            })
            roots = []
            let shared = SharedResults(options: options, sink: UncheckedSink(call: sink))
            let threads = max(1, options.threads)
            let candidates = options.condensation == .all ? nil
                : CondensedSelection(condensation: options.condensation, budget: options.condensedBudget / threads,
                                     pairBudget: options.maximalPairBudget ?? options.condensedBudget)
            let done = BlockingQueue<Int>(capacity: threads)
            let batchSize = max(1, self.batchSize)
            for _ in 0 ..< threads {
                startThread {
                    var worker = Worker(db: db, options: options, shared: shared, queue: queue, batchSize: batchSize)
                    worker.candidates = candidates
                    while !worker.stopped, let task = queue.take() {
                        task.projection.withUnsafeBufferPointer { projection in
                            worker.grow(prefix: task.prefix, support: task.support, prefixSupport: task.prefixSupport, projection: projection, allowed: Worker.everyItem, allowedCount: frequentRoots.count)
                        }
                        queue.finished()
                    }
                    if worker.stopped { queue.cancel() }
                    worker.flush()
                    candidates?.hand(worker.kept)
                    worker.deallocate()
                    done.push(1)
                }
            }
            for _ in 0 ..< threads { _ = done.pop() }
            candidates?.select(db: db, minSupport: options.minSupport, threads: threads, batchSize: batchSize) { !shared.add($0).stop }
            var outcome = shared.finish()
            outcome.condensedOverBudget = candidates?.isOverflowed ?? false
            return outcome
        }
    }

    /// Closed or maximal patterns by filtering the complete set (in memory).
    private func mineThenFilter(into sink: ([FoundPattern]) -> Bool) -> MiningOutcome {
        var all = options
        all.condensation = .all
        var everything = PrefixSpan(database: database, options: all)
        everything.batchSize = batchSize
        var found: [SequentialPattern] = []
        var outcome = everything.mine { batch in
            found.append(contentsOf: batch.lazy.map(\.pattern))
            return true
        }
        found = options.condensation == .closed ? ClosedMaximal.closed(found) : ClosedMaximal.maximal(found)
        outcome.delivered = 0
        var start = 0
        while start < found.count && !outcome.stopped {
            let end = min(found.count, start + max(1, batchSize))
            outcome.delivered += end - start
            outcome.stopped = !sink(found[start ..< end].map { FoundPattern(pattern: $0, prefixSupport: 0) })
            start = end
        }
        return outcome
    }

    /// Number of sequences containing each item (the support of each one-item pattern).
    public func itemSupport() -> [Int] { PackedSequences(database, minSupport: 1, keepEveryItem: true).support }

    /// For each item, where it occurs: first occurrence per sequence, or every occurrence when
    /// gaps are bounded.
    private static func rootProjections(_ db: PackedSequences, everyOccurrence: Bool) -> [[Projection]] {
        var projections = db.support.map { support in
            var projection: [Projection] = []
            if !everyOccurrence { projection.reserveCapacity(support) }
            return projection
        }
        var lastSeen = [Int32](repeating: -1, count: db.itemCount)
        for s in 0 ..< db.count {
            for k in db.offsets[s] ..< db.offsets[s + 1] {
                let item = Int(db.items[k])
                if lastSeen[item] != Int32(s) || everyOccurrence {
                    lastSeen[item] = Int32(s)
                    projections[item].append(Projection(sequence: Int32(s), position: Int32(k)))
                }
            }
        }
        return projections
    }
}

/// Where a prefix ends in one sequence: the index (in the item array) of its last item.
struct Projection {
    var sequence: Int32
    var position: Int32
}

/// The depth-first search of one thread.
private struct Worker {
    let db: PackedSequences
    let options: PatternOptions
    let shared: SharedResults
    let queue: SearchQueue
    let batchSize: Int
    /// Per item, allocated once per thread (no allocation or uniqueness check per node): its count at
    /// the current node, the last sequence that counted it, and where its next child entry goes
    /// (-1: not a frequent extension).
    let counts: UnsafeMutablePointer<Int32>
    let lastSeen: UnsafeMutablePointer<Int32>
    let slots: UnsafeMutablePointer<Int32>
    /// Items counted at the current node.
    let touched: UnsafeMutablePointer<Int32>
    /// Per item: the stamp of the deepest node on the current path that has it as a frequent
    /// extension (`everyItem` at the top), so a child counts only its parent's extensions.
    let marks: UnsafeMutablePointer<Int>
    var nextStamp = Worker.everyItem
    static let everyItem = 1
    /// The counting pass's first occurrence of each item after the prefix, per sequence: scattered
    /// into the children's projections afterwards, instead of one scan of the projection per
    /// extension. At most one entry per item occurrence (one projection entry per sequence).
    let foundItems: UnsafeMutablePointer<Int32>
    let foundAt: UnsafeMutablePointer<Projection>
    /// The children's projections, one block per node, reused across the search.
    var arena = ProjectionArena()
    /// Found patterns not yet handed over, and the threshold as of the last hand-over.
    var batch: [FoundPattern] = []
    var threshold: Int
    var stopped = false
    /// Closed or maximal: the checks that prune the search and select what is delivered.
    var closure: ClosureCheck?
    /// Closed or maximal: where candidates are chosen after the search (nil: none), and this
    /// thread's candidates, kept until its budget is spent (then each is proved during the search).
    var candidates: CondensedSelection?
    var kept = CondensedSelection.Store()
    private var keeping = true
    var backScan = ClosureCheck.Throttle()

    /// Subtrees at least this large (sequences) are handed to a waiting thread rather than searched here.
    static let handOverSize = 16

    init(db: PackedSequences, options: PatternOptions, shared: SharedResults, queue: SearchQueue, batchSize: Int) {
        self.db = db
        self.options = options
        self.shared = shared
        self.queue = queue
        self.batchSize = batchSize
        threshold = options.minSupport
        let width = max(1, db.itemCount)
        counts = .allocate(capacity: width)
        counts.initialize(repeating: 0, count: width)
        lastSeen = .allocate(capacity: width)
        lastSeen.initialize(repeating: -1, count: width)
        slots = .allocate(capacity: width)
        slots.initialize(repeating: -1, count: width)
        touched = .allocate(capacity: width)
        marks = .allocate(capacity: width)
        marks.initialize(repeating: Self.everyItem, count: width)
        let found = options.maxGap == nil ? max(1, db.total) : 1
        foundItems = .allocate(capacity: found)
        foundAt = .allocate(capacity: found)
        if options.condensation != .all { closure = ClosureCheck(db: db) }
    }

    mutating func deallocate() {
        for p in [counts, lastSeen, slots, touched, foundItems] { p.deallocate() }
        foundAt.deallocate()
        marks.deallocate()
        arena.deallocate()
    }

    mutating func flush() {
        guard !batch.isEmpty else { return }
        (threshold, stopped) = shared.add(batch)
        batch.removeAll(keepingCapacity: true)
    }

    /// Keeps a candidate for the selection after the search; false once this thread's budget is
    /// spent or another thread's was (the candidate is then proved here, as are, at the end, all kept).
    private mutating func keepCandidate(_ prefix: [Int32], support: Int, prefixSupport: Int, _ projection: UnsafeBufferPointer<Projection>) -> Bool {
        guard keeping, let candidates else { return false }
        if kept.bytes + prefix.count * 4 > candidates.budget || (kept.entries.count & 4095 == 4095 && candidates.isOverflowed) {
            candidates.overflow()
            keeping = false
            return false
        }
        let sequences = options.condensation == .closed ? CondensedSelection.sequenceKey(projection) : 0
        kept.add(prefix, support: support, prefixSupport: prefixSupport, sequences: sequences)
        return true
    }

    /// Hands a pattern over (in batches).
    private mutating func emit(_ prefix: [Int32], support: Int, prefixSupport: Int) {
        batch.append(FoundPattern(pattern: SequentialPattern(items: prefix, support: support), prefixSupport: prefixSupport))
        if batch.count >= batchSize { flush() }
    }

    /// `allowed`: with free gaps, only items whose mark is this can extend the prefix (the parent's
    /// `allowedCount` frequent extensions: prefix + y is in no more sequences than parent + y).
    mutating func grow(prefix: [Int32], support: Int, prefixSupport: Int, projection: UnsafeBufferPointer<Projection>, allowed: Int, allowedCount: Int) {
        let condensation = options.condensation
        if condensation == .all {
            emit(prefix, support: support, prefixSupport: prefixSupport)
            if stopped { return }
            if let maxLength = options.maxLength, prefix.count >= maxLength { return }
        }
        let minSupport = threshold
        let free = options.maxGap == nil
        if condensation != .all { closure!.begin(prefix, projection) }
        // Count, once per sequence, the items that can extend the prefix.
        let (touchedCount, foundCount, scanned) = free ? countFree(projection, allowed: allowed, allowedCount: allowedCount) : countInWindows(projection)
        var extensions: [(item: Int32, support: Int)] = []
        for t in 0 ..< touchedCount {
            let item = Int(touched[t])
            if Int(counts[item]) >= minSupport { extensions.append((Int32(item), Int(counts[item]))) }
            counts[item] = 0
            lastSeen[item] = -1
        }
        // BackScan: a prefix with an item in every semi-maximum period is neither closed nor
        // maximal, nor is any extension of it, so its subtree is skipped. The checks and the
        // selection are exact without it: it only saves work, so it runs after counting, on
        // prefixes with extensions, where it is expected to save more than it costs (`Throttle`).
        if condensation != .all && !extensions.isEmpty
            && backScan.due(childWork: Double(extensions.reduce(0) { $0 + $1.support }) * Double(scanned) / Double(max(1, projection.count)))
        {
            closure!.work = 0
            let pruned = closure!.prunes(prefix, projection)
            backScan.record(pruned: pruned, work: closure!.work)
            if pruned { return }
        }
        if condensation != .all {
            // A candidate: no forward extension with its support (closed), or none at all (maximal).
            let candidate = condensation == .closed ? !extensions.contains(where: { $0.support == support }) : extensions.isEmpty
            if candidate && !keepCandidate(prefix, support: support, prefixSupport: prefixSupport, projection) {
                let keep: Bool
                if condensation == .closed {
                    keep = !closure!.hasEqualSupportInsertion(prefix, projection)
                } else {
                    // An insertion with the prefix's support is frequent: one check covers both (an
                    // equal-support check first would prove such an insertion on every sequence, where
                    // counting stops once some insertion reaches minSupport).
                    keep = !closure!.hasFrequentInsertion(prefix, projection, minSupport: minSupport)
                }
                if keep { emit(prefix, support: support, prefixSupport: prefixSupport) }
            }
        }
        if stopped || extensions.isEmpty { return }
        if options.topK == nil && options.maxPatterns == nil {
            extensions.sort { $0.item < $1.item }
        } else {
            // Best supported first: the threshold rises sooner, so less of the search is wasted.
            extensions.sort { $0.support != $1.support ? $0.support > $1.support : $0.item < $1.item }
        }
        let mark = arena.mark
        defer { arena.release(to: mark) }
        var block: UnsafeMutablePointer<Projection>? = nil
        if free {
            // One block for all children, in the order of `extensions`; each child's entries stay
            // in sequence order.
            var total = 0
            for (item, childSupport) in extensions {
                slots[Int(item)] = Int32(total)
                total += childSupport
            }
            let children = arena.take(total)
            for m in 0 ..< foundCount {
                let item = Int(foundItems[m])
                let slot = slots[item]
                if slot >= 0 {
                    children[Int(slot)] = foundAt[m]
                    slots[item] = slot + 1
                }
            }
            for (item, _) in extensions { slots[Int(item)] = -1 }
            block = children
        }
        // The children count only this node's extensions; the marks are the parent's again afterwards.
        var stamp = Self.everyItem
        if free {
            nextStamp += 1
            stamp = nextStamp
            for (item, _) in extensions { marks[Int(item)] = stamp }
        }
        defer { if free { for (item, _) in extensions { marks[Int(item)] = allowed } } }
        let mayHandOver = projection.count >= Self.handOverSize
        var start = 0
        for (item, childSupport) in extensions {
            defer { start += childSupport }
            guard childSupport >= threshold && !stopped else { continue }
            let childPrefix = prefix + [item]
            if let block {
                let child = UnsafeBufferPointer(start: block + start, count: childSupport)
                if mayHandOver && childSupport >= Self.handOverSize && queue.hungry {
                    queue.give(SearchTask(prefix: childPrefix, support: childSupport, prefixSupport: support, projection: Array(child)))
                } else {
                    grow(prefix: childPrefix, support: childSupport, prefixSupport: support, projection: child, allowed: stamp, allowedCount: extensions.count)
                }
            } else {
                let child = project(projection, on: item, support: childSupport)
                if mayHandOver && childSupport >= Self.handOverSize && queue.hungry {
                    queue.give(SearchTask(prefix: childPrefix, support: childSupport, prefixSupport: support, projection: child))
                } else {
                    child.withUnsafeBufferPointer { grow(prefix: childPrefix, support: childSupport, prefixSupport: support, projection: $0, allowed: stamp, allowedCount: extensions.count) }
                }
            }
        }
    }

    /// Gaps free: counts each item after the prefix once per sequence and records its first
    /// occurrence there (the child's projection entry if the item turns out frequent).
    /// A sequence's scan stops once it has met every allowed item (dense data: few items, long
    /// sequences).
    private func countFree(_ projection: UnsafeBufferPointer<Projection>, allowed: Int, allowedCount: Int) -> (touched: Int, found: Int, scanned: Int) {
        let items = db.items, offsets = db.offsets
        var touchedCount = 0, found = 0, scanned = 0
        for p in projection {
            let sequence = p.sequence
            var k = Int(p.position) + 1
            let to = offsets[Int(sequence) + 1]
            var met = 0
            while k < to {
                let item = Int(items[k])
                if lastSeen[item] != sequence && marks[item] == allowed {
                    met += 1
                    lastSeen[item] = sequence
                    if counts[item] == 0 {
                        touched[touchedCount] = Int32(item)
                        touchedCount += 1
                    }
                    counts[item] += 1
                    foundItems[found] = Int32(item)
                    foundAt[found] = Projection(sequence: sequence, position: Int32(k))
                    found += 1
                    if met == allowedCount { break }
                }
                k += 1
            }
            scanned += k - Int(p.position)
        }
        return (touchedCount, found, scanned)
    }

    /// Gaps bounded: counts each item within the gap of some end of the prefix, once per sequence.
    private func countInWindows(_ projection: UnsafeBufferPointer<Projection>) -> (touched: Int, found: Int, scanned: Int) {
        let items = db.items
        var touchedCount = 0
        for p in projection {
            let (from, to) = window(p)
            var k = from
            while k < to {
                let item = Int(items[k])
                if lastSeen[item] != p.sequence {
                    lastSeen[item] = p.sequence
                    if counts[item] == 0 {
                        touched[touchedCount] = Int32(item)
                        touchedCount += 1
                    }
                    counts[item] += 1
                }
                k += 1
            }
        }
        return (touchedCount, 0, 0)
    }

    /// The item positions that may follow a prefix ending at `p` (gaps bounded).
    @inline(__always) private func window(_ p: Projection) -> (Int, Int) {
        let end = db.offsets[Int(p.sequence) + 1]
        return (Int(p.position) + 1, min(end, Int(p.position) + options.maxGap! + 1))
    }

    /// Gaps bounded: every end position of prefix + item within the gap of a previous end, without
    /// duplicates.
    private func project(_ projection: UnsafeBufferPointer<Projection>, on item: Int32, support: Int) -> [Projection] {
        var result: [Projection] = []
        result.reserveCapacity(support)
        let items = db.items
        var lastSequence: Int32 = -1
        var lastPosition: Int32 = -1
        for p in projection {
            let (from, to) = window(p)
            var k = from
            while k < to {
                if items[k] == item && (p.sequence != lastSequence || Int32(k) > lastPosition) {
                    result.append(Projection(sequence: p.sequence, position: Int32(k)))
                    lastSequence = p.sequence
                    lastPosition = Int32(k)
                }
                k += 1
            }
        }
        return result
    }
}

/// The sink, callable from the worker threads (calls are serialised by `SharedResults`).
private struct UncheckedSink: @unchecked Sendable {
    let call: ([FoundPattern]) -> Bool
}

/// Patterns found by all threads. Without top-k or a cap each batch goes straight to the sink.
/// With them, a histogram of the supports kept so far gives the threshold: for top-k the highest
/// support s with at least k patterns at s or above (ties kept), for the cap the lowest s with at
/// most `maxPatterns` patterns at s or above. Both only rise as patterns are found, every pattern at
/// or above the final threshold is found (its prefixes have at least its support, so none is pruned),
/// and the final threshold is exact: it does not depend on the search order.
private final class SharedResults: @unchecked Sendable {
    private let monitor = Monitor()
    private var sink: UncheckedSink?  // dropped by finish(): it must not outlive mine(into:)
    private let topK: Int?
    private let cap: Int?
    private let requested: Int
    private var minimum: Int
    private let ranked: Bool  // top-k or a cap: patterns are kept back and counted
    private var histogram: [Int: Int] = [:]  // kept patterns per support (only supports seen: memory as the kept patterns)
    private var atOrAbove = 0  // kept patterns with support >= minimum
    private var kept: [FoundPattern] = []
    private var delivered = 0
    private var capped = false
    private var stopped = false

    init(options: PatternOptions, sink: UncheckedSink) {
        self.sink = sink
        topK = options.topK
        cap = options.maxPatterns
        requested = options.minSupport
        minimum = options.minSupport
        ranked = topK != nil || cap != nil
    }

    /// Takes a batch; returns the threshold now in force and whether to stop.
    func add(_ batch: [FoundPattern]) -> (threshold: Int, stop: Bool) {
        monitor.locked {
            guard !stopped else { return (minimum, true) }
            guard ranked else {
                delivered += batch.count
                if !sink!.call(batch) { stopped = true }
                return (minimum, stopped)
            }
            for f in batch where f.pattern.support >= minimum {
                kept.append(f)
                histogram[f.pattern.support, default: 0] += 1
                atOrAbove += 1
            }
            let before = minimum
            if let k = topK {
                while atOrAbove - histogram[minimum, default: 0] >= k { raise() }
            }
            if let cap, atOrAbove > cap {
                capped = true
                while atOrAbove > cap { raise() }
            }
            if minimum > before && kept.count > 2 * atOrAbove + 4096 { kept.removeAll { $0.pattern.support < minimum } }
            return (minimum, false)
        }
    }

    private func raise() {
        atOrAbove -= histogram.removeValue(forKey: minimum) ?? 0
        minimum += 1
    }

    /// Hands over what top-k or the cap kept back, and says what was done.
    func finish() -> MiningOutcome {
        monitor.locked {
            if ranked && !stopped {
                let final = kept.filter { $0.pattern.support >= minimum }
                kept = []
                var start = 0
                while start < final.count && !stopped {
                    let end = min(final.count, start + 4096)
                    delivered += end - start
                    if !sink!.call(Array(final[start ..< end])) { stopped = true }
                    start = end
                }
            }
            sink = nil
            return MiningOutcome(requestedSupport: requested, usedSupport: minimum, delivered: delivered, capped: capped, stopped: stopped)
        }
    }
}


