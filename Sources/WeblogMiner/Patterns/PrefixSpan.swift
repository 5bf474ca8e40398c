/// A frequent sequential pattern: items in order, and the number of sequences containing it.
public struct SequentialPattern: Sendable, Hashable {
    public var items: [Int32]
    public var support: Int

    public init(items: [Int32], support: Int) {
        self.items = items
        self.support = support
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
    public var threads = IngestOptions.defaultParseThreads

    public init() {}

    /// `--min-support` as a count (`120`) or a share (`5%`, `0.05`): absolute = ceil(p x N).
    public static func absoluteSupport(_ text: String, sequences: Int) -> Int? {
        if text.hasSuffix("%"), let p = Double(text.dropLast()), p >= 0, p <= 100 {
            return max(1, Int((p / 100 * Double(sequences) - 1e-9).rounded(.up)))
        }
        if let n = Int(text), n >= 1 { return n }
        if let p = Double(text), p > 0, p < 1 { return max(1, Int((p * Double(sequences) - 1e-9).rounded(.up))) }
        return nil
    }
}

/// PrefixSpan (Pei et al. 2001) with pseudo-projection: a projected database is a list of
/// (sequence, position) pairs into the one contiguous item array, never a copy of suffixes.
/// With a maximum gap every end position of the prefix is kept (the first is no longer enough).
/// The search is split by first item across threads; the output is the same set in any case.
public struct PrefixSpan {
    public let database: SequenceDatabase
    public let options: PatternOptions

    public init(database: SequenceDatabase, options: PatternOptions) {
        self.database = database
        self.options = options
    }

    /// All frequent patterns (support >= minSupport), or the top k.
    public func mine() -> [SequentialPattern] {
        let db = database
        let options = self.options
        let roots = rootProjections()
        let frequentRoots = (0 ..< db.itemCount).filter { roots.support[$0] >= options.minSupport }
        let shared = SharedResults(topK: options.topK, minSupport: options.minSupport)
        let next = Counter()
        let threads = max(1, min(options.threads, frequentRoots.count))
        let done = BlockingQueue<Int>(capacity: threads)
        for _ in 0 ..< threads {
            startThread {
                var worker = Worker(db: db, options: options, shared: shared)
                while let k = next.take(below: frequentRoots.count) {
                    let item = frequentRoots[k]
                    worker.grow(prefix: [Int32(item)], support: roots.support[item], projection: roots.projections[item])
                }
                done.push(1)
            }
        }
        for _ in 0 ..< threads { _ = done.pop() }
        return shared.patterns
    }

    /// For each item: its support and where it occurs (first occurrence per sequence, or every
    /// occurrence when gaps are bounded).
    private func rootProjections() -> (support: [Int], projections: [[Projection]]) {
        let db = database
        var support = [Int](repeating: 0, count: db.itemCount)
        var projections = [[Projection]](repeating: [], count: db.itemCount)
        var lastSeen = [Int32](repeating: -1, count: db.itemCount)
        let everyOccurrence = options.maxGap != nil
        db.items.withUnsafeBufferPointer { items in
            for s in 0 ..< db.count {
                for k in db.offsets[s] ..< db.offsets[s + 1] {
                    let item = Int(items[k])
                    if lastSeen[item] != Int32(s) {
                        lastSeen[item] = Int32(s)
                        support[item] += 1
                        projections[item].append(Projection(sequence: Int32(s), position: Int32(k)))
                    } else if everyOccurrence {
                        projections[item].append(Projection(sequence: Int32(s), position: Int32(k)))
                    }
                }
            }
        }
        return (support, projections)
    }
}

/// Where a prefix ends in one sequence: the index (in the item array) of its last item.
struct Projection {
    var sequence: Int32
    var position: Int32
}

/// The depth-first search of one thread.
private struct Worker {
    let db: SequenceDatabase
    let options: PatternOptions
    let shared: SharedResults
    var counts: [Int]
    var lastSeen: [Int32]

    init(db: SequenceDatabase, options: PatternOptions, shared: SharedResults) {
        self.db = db
        self.options = options
        self.shared = shared
        counts = [Int](repeating: 0, count: db.itemCount)
        lastSeen = [Int32](repeating: -1, count: db.itemCount)
    }

    mutating func grow(prefix: [Int32], support: Int, projection: [Projection]) {
        shared.add(SequentialPattern(items: prefix, support: support))
        if let maxLength = options.maxLength, prefix.count >= maxLength { return }
        let minSupport = shared.threshold
        // Count, once per sequence, the items that can extend the prefix.
        var touched: [Int32] = []
        db.items.withUnsafeBufferPointer { items in
            for p in projection {
                let (from, to) = window(p)
                var k = from
                while k < to {
                    let item = Int(items[k])
                    if lastSeen[item] != p.sequence {
                        lastSeen[item] = p.sequence
                        if counts[item] == 0 { touched.append(Int32(item)) }
                        counts[item] += 1
                    }
                    k += 1
                }
            }
        }
        var extensions: [(item: Int32, support: Int)] = []
        for item in touched {
            if counts[Int(item)] >= minSupport { extensions.append((item, counts[Int(item)])) }
            counts[Int(item)] = 0
            lastSeen[Int(item)] = -1
        }
        extensions.sort { $0.item < $1.item }
        for (item, support) in extensions where support >= shared.threshold {
            grow(prefix: prefix + [item], support: support, projection: project(projection, on: item))
        }
    }

    /// The item positions that may follow a prefix ending at `p`.
    @inline(__always) private func window(_ p: Projection) -> (Int, Int) {
        let end = db.offsets[Int(p.sequence) + 1]
        let from = Int(p.position) + 1
        if let gap = options.maxGap { return (from, min(end, Int(p.position) + gap + 1)) }
        return (from, end)
    }

    private func project(_ projection: [Projection], on item: Int32) -> [Projection] {
        var result: [Projection] = []
        db.items.withUnsafeBufferPointer { items in
            if options.maxGap == nil {
                // Leftmost occurrence after the prefix: enough when gaps are free.
                var last: Int32 = -1
                for p in projection where p.sequence != last {
                    let (from, to) = window(p)
                    var k = from
                    while k < to {
                        if items[k] == item {
                            result.append(Projection(sequence: p.sequence, position: Int32(k)))
                            last = p.sequence
                            break
                        }
                        k += 1
                    }
                }
            } else {
                // Every end position within the gap of every previous end, without duplicates.
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
            }
        }
        return result
    }
}

/// Patterns found by all threads; with top-k, the support threshold rises to the k-th best so far.
private final class SharedResults: @unchecked Sendable {
    private let monitor = Monitor()
    private var found: [SequentialPattern] = []
    private let topK: Int?
    private var heap: [Int] = []  // supports of the current top k (min-heap)
    private var minimum: Int

    init(topK: Int?, minSupport: Int) {
        self.topK = topK
        minimum = minSupport
    }

    var threshold: Int { monitor.locked { minimum } }

    func add(_ pattern: SequentialPattern) {
        monitor.locked {
            found.append(pattern)
            guard let k = topK else { return }
            heap.append(pattern.support)
            heap.sort()
            if heap.count > k { heap.removeFirst() }
            if heap.count == k { minimum = max(minimum, heap[0]) }
        }
    }

    var patterns: [SequentialPattern] {
        monitor.locked {
            var result = found.filter { $0.support >= minimum }
            if let k = topK {
                result.sort { $0.support != $1.support ? $0.support > $1.support : $0.items.lexicographicallyPrecedes($1.items) }
                // Keep ties with the k-th support, so the answer does not depend on search order.
                if result.count > k { let cut = result[k - 1].support; result = result.filter { $0.support >= cut } }
            }
            return result
        }
    }
}

/// Hands out 0, 1, 2, ... to threads.
final class Counter: @unchecked Sendable {
    private let monitor = Monitor()
    private var value = 0

    func take(below limit: Int) -> Int? {
        monitor.locked {
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
