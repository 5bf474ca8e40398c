/// Which frequent patterns a search delivers.
public enum PatternCondensation: Sendable {
    /// Every frequent pattern.
    case all
    /// Only closed patterns: no pattern one item longer that contains it has the same support.
    case closed
    /// Only maximal patterns: no frequent pattern one item longer contains it.
    case maximal
}

/// BIDE's checks (Wang & Han, ICDE 2004) for patterns of one item per step, done on a prefix's
/// pseudo-projection (the end of the prefix's first instance in each sequence containing it), so
/// closed and maximal patterns are found during the search instead of by filtering every pattern.
///
/// For a prefix e1..en contained in a sequence, its first instance ends e1..ei at f1 < .. < fn (the
/// leftmost embedding); its last-in-last instance puts ei at li, the latest position that still has
/// e(i+1)..en after it; its last-in-first instance puts en at fn and ei at the latest ei before e(i+1).
/// Inserting an item x before ei gives a pattern the sequence contains exactly when x occurs between
/// f(i-1) and li (the i-th maximum period); x in every sequence's i-th period (between f(i-1) and
/// the last-in-first ei: the semi-maximum period) moreover lies in the maximum period of every
/// extension of the prefix, so no extension can be closed: the whole subtree is pruned (BackScan).
/// A maximal pattern is closed, so the same pruning serves both. The insertion checks prove one
/// candidate at a time: the search uses them once its candidates outgrow their memory budget
/// (`CondensedSelection` chooses among them otherwise).
struct ClosureCheck {
    private let items: UnsafeMutablePointer<Int32>
    private let offsets: UnsafeMutablePointer<Int>
    private let db: PackedSequences
    /// Per item: in how many of the sequences seen so far it was found (candidates of an insertion).
    private var counts: [Int32]
    private var touched: [Int32] = []
    /// The candidates left after the first sequences (see `itemInEveryPeriod`).
    private var survivors: [Int32] = []
    /// Per (position before which it is inserted, item), at i * itemCount + item: in how many
    /// sequences it was found, and the last sequence (ordinal + 1) that counted it.
    private var pairCounts: [Int32] = []
    private var pairSeen: [Int32] = []
    private var pairsTouched: [Int] = []
    /// Per sequence of the projection (ordinal j, prefix length n): the i-th period is
    /// [starts[j*n+i], semiEnds[j*n+i]) (semi-maximum) or [starts[j*n+i], maxEnds[j*n+i]) (maximum)
    /// in the item array. Computed when first asked for, shared by the checks of a node: valid
    /// where the sequence's stamp is the node's.
    private var starts: [Int32] = []
    private var semiEnds: [Int32] = []
    private var maxEnds: [Int32] = []
    private var startsStamp: [UInt32] = []
    private var semiStamp: [UInt32] = []
    private var maxStamp: [UInt32] = []
    private var node: UInt32 = 0
    /// Per item: the node at which it was found in every sequence of the projection (`present`)
    /// or missing from one (`absent`).
    private var present: [UInt32]
    private var absent: [UInt32]

    /// Per item: the number of sequences containing it (an item in fewer than a prefix's support
    /// cannot lie in a period of every sequence containing the prefix).
    private let itemSupport: [Int]

    init(db: PackedSequences) {
        self.db = db
        itemSupport = db.support
        items = db.items
        offsets = db.offsets
        counts = [Int32](repeating: 0, count: db.itemCount)
        present = [UInt32](repeating: 0, count: db.itemCount)
        absent = [UInt32](repeating: 0, count: db.itemCount)
    }

    /// The periods a check looks at: up to the last-in-first (semi-maximum) or last-in-last
    /// (maximum) instance of the next prefix item.
    enum Period { case semiMaximum, maximum }

    /// Starts the checks of another prefix (forgets the instances of the previous one).
    mutating func begin(_ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>) {
        node &+= 1
        if node == 0 {
            // Wrapped: no stamp may look current.
            for k in startsStamp.indices { startsStamp[k] = 0; semiStamp[k] = 0; maxStamp[k] = 0 }
            for x in present.indices { present[x] = 0; absent[x] = 0 }
            node = 1
        }
        let total = projection.count, size = total * prefix.count
        if startsStamp.count < total {
            let more = max(total, 2 * startsStamp.count) - startsStamp.count
            startsStamp += repeatElement(0, count: more)
            semiStamp += repeatElement(0, count: more)
            maxStamp += repeatElement(0, count: more)
        }
        if starts.count < size {
            let more = max(size, 2 * starts.count) - starts.count
            starts += repeatElement(0, count: more)
            semiEnds += repeatElement(0, count: more)
            maxEnds += repeatElement(0, count: more)
        }
    }

    /// Items the checks looked at since the counter was last read (about what they cost, in the
    /// unit of the search's counting: items scanned).
    var work = 0

    /// When BackScan runs: where what it is expected to save, the share of prefixes it prunes times
    /// the counting its children would cost, is at least what it costs (running averages, in items
    /// scanned); and on one prefix in 64 whatever the estimate, to follow the data. On sparse data
    /// (BMS2) it prunes small subtrees and mostly stays off; on kosarak and BMS-WebView-1 it prunes
    /// subtrees of thousands of patterns and runs nearly everywhere; on MSNBC it never prunes.
    struct Throttle {
        private var share = 0.5
        private var cost = 0.0
        private var tick = 0

        mutating func due(childWork: Double) -> Bool {
            tick &+= 1
            return share * childWork >= cost || tick & 63 == 0
        }

        mutating func record(pruned: Bool, work: Int) {
            share = share * 0.99 + (pruned ? 0.01 : 0)
            cost = cost * 0.99 + Double(work) * 0.01
        }
    }

    /// BackScan: some item lies in the i-th semi-maximum period of every sequence, for some i;
    /// then neither the prefix nor any extension of it is closed.
    mutating func prunes(_ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>) -> Bool {
        // Sequences come shortest first (`PackedSequences`): the candidates are the fewest there.
        return itemInEveryPeriod(prefix, projection, .semiMaximum)
    }

    /// Backward extension: an item inserted before some prefix item keeps the support.
    mutating func hasEqualSupportInsertion(_ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>) -> Bool {
        return itemInEveryPeriod(prefix, projection, .maximum)
    }

    /// An item inserted before some prefix item gives a pattern with at least `minSupport`.
    /// Counts (position, item) pairs over all positions at once, sequence by sequence: on dense
    /// data some pair reaches the support after a few hundred sequences, whatever the position.
    mutating func hasFrequentInsertion(_ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>, minSupport: Int) -> Bool {
        let n = prefix.count, total = projection.count, width = itemSupport.count
        if pairCounts.count < n * width {
            pairCounts += repeatElement(0, count: n * width - pairCounts.count)
            pairSeen += repeatElement(0, count: n * width - pairSeen.count)
        }
        defer {
            for key in pairsTouched {
                pairCounts[key] = 0
                pairSeen[key] = 0
            }
            pairsTouched.removeAll(keepingCapacity: true)
        }
        var best: Int32 = 0
        let probeAfter = 6
        for j in 0 ..< total {
            // No pair can still reach minSupport in the sequences left.
            if Int(best) + (total - j) < minSupport { return false }
            if j == probeAfter && probe(prefix, projection, counted: j, minSupport: minSupport) { return true }
            let stamp = Int32(j + 1)
            for i in 0 ..< n {
                let (from, to) = period(j, i, prefix, projection, .maximum)
                let base = i * width
                var k = from
                while k < to {
                    let item = Int(items[k])
                    let key = base + item
                    if pairSeen[key] != stamp && itemSupport[item] >= minSupport {
                        pairSeen[key] = stamp
                        if pairCounts[key] == 0 { pairsTouched.append(key) }
                        pairCounts[key] += 1
                        if pairCounts[key] > best {
                            best = pairCounts[key]
                            if Int(best) >= minSupport { return true }
                        }
                    }
                    k += 1
                }
            }
        }
        return false
    }

    /// Where a prefix has a frequent insertion, it is mostly a popular item found in the first few
    /// sequences' periods: the pairs found in all of the first `counted` are tested on the others
    /// one by one (`fits`, no instances or periods), up to minSupport or until too few are left.
    /// If none gets there, counting all pairs goes on (their counts are kept).
    private func probe(_ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>, counted: Int, minSupport: Int) -> Bool {
        let width = itemSupport.count, total = projection.count
        var tried = 0
        for key in pairsTouched where pairCounts[key] == Int32(counted) {
            let i = key / width, x = Int32(key % width)
            var hits = counted
            for q in counted ..< total {
                if hits + (total - q) < minSupport { break }
                if fits(x, before: i, prefix, projection[q], .maximum) {
                    hits += 1
                    if hits >= minSupport { return true }
                }
            }
            tried += 1
            if tried == 3 { break }
        }
        return false
    }

    /// Some item occurs in the i-th period of every sequence of the projection, for some i.
    /// Candidates are the first sequence's items, narrowed sequence by sequence: most checks end
    /// after a few sequences. Those left after `listedAfter` sequences are mostly items found in
    /// nearly every sequence (a site's popular pages), which survive tens of sequences and then die
    /// where they are missing from the sequence altogether: the per-item sequence lists find such a
    /// sequence without computing instances and periods for the ones before it. The few left after
    /// that are tested one by one on the remaining sequences (`fits`), which needs no instances either.
    private mutating func itemInEveryPeriod(_ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>, _ kind: Period) -> Bool {
        let n = prefix.count, total = projection.count
        let listedAfter = 2
        for i in 0 ..< n {
            var alive = 0
            for r in 0 ..< total {
                if r == listedAfter {
                    survivors.removeAll(keepingCapacity: true)
                    for t in touched.indices {
                        let item = Int(touched[t])
                        guard counts[item] == Int32(r) else { continue }
                        if inEverySequence(item, projection, from: r) { survivors.append(Int32(item)) } else { counts[item] = -1 }
                    }
                    alive = survivors.count
                    if alive == 0 { break }
                    work += (total - r) * alive
                    if alive <= 4 {
                        work += (total - r) * alive * 4 * n
                        clearCounts()
                        if survivors.contains(where: { x in (r ..< total).allSatisfy { fits(x, before: i, prefix, projection[$0], kind) } }) { return true }
                        alive = 0
                        break
                    }
                }
                let (from, to) = period(r, i, prefix, projection, kind)
                work += to - from + n
                let stamp = Int32(r), next = Int32(r + 1)
                alive = 0
                var k = from
                while k < to {
                    let item = Int(items[k])
                    if counts[item] == stamp && (r > 0 || (itemSupport[item] >= total && absent[item] != node)) {
                        if r == 0 { touched.append(Int32(item)) }
                        counts[item] = next
                        alive += 1
                    }
                    k += 1
                }
                if alive == 0 { break }
            }
            clearCounts()
            if alive > 0 { return true }
        }
        return false
    }

    /// x lies in the i-th period of the sequence where the prefix's first instance ends at `p`:
    /// the sequence contains the prefix with x inserted before its i-th item (maximum period), with
    /// that first instance ending at the prefix's own first end (semi-maximum: inserting x moves no
    /// end). The leftmost embedding decides both, in one scan from the sequence's start.
    @inline(__always)
    private func fits(_ x: Int32, before i: Int, _ prefix: [Int32], _ p: Projection, _ kind: Period) -> Bool {
        let limit = kind == .semiMaximum ? Int(p.position) + 1 : offsets[Int(p.sequence) + 1]
        var k = offsets[Int(p.sequence)]
        for m in 0 ... prefix.count {
            let e = m < i ? prefix[m] : (m == i ? x : prefix[m - 1])
            while k < limit && items[k] != e { k += 1 }
            if k == limit { return false }
            k += 1
        }
        return true
    }

    /// `item`, found in the first r sequences' periods, is in every sequence of the projection
    /// (remembered for the node).
    private mutating func inEverySequence(_ item: Int, _ projection: UnsafeBufferPointer<Projection>, from r: Int) -> Bool {
        if present[item] == node { return true }
        if absent[item] == node { return false }
        // Both lists ascend: gallop through the item's list to each sequence of the projection.
        let ids = db.sequencesWith
        var low = db.listStarts[item]
        let end = db.listStarts[item + 1]
        for q in r ..< projection.count {
            let s = projection[q].sequence
            if low < end && ids[low] < s {
                var step = 1
                while low + step < end && ids[low + step] < s { low += step; step <<= 1 }
                var high = min(low + step, end)  // ids[low] < s, and ids[high] >= s or high == end
                while high - low > 1 {
                    let mid = (low + high) / 2
                    if ids[mid] < s { low = mid } else { high = mid }
                }
                low = high
            }
            if low == end || ids[low] != s {
                absent[item] = node
                return false
            }
            low += 1
        }
        // The sequences before r had the item in a period: it is in all of them.
        present[item] = node
        return true
    }

    private mutating func clearCounts() {
        for item in touched { counts[Int(item)] = 0 }
        touched.removeAll(keepingCapacity: true)
    }

    /// The i-th period of the j-th sequence of the projection, computing its sequence's instances
    /// the first time they are asked for at this node.
    @inline(__always)
    private mutating func period(_ j: Int, _ i: Int, _ prefix: [Int32], _ projection: UnsafeBufferPointer<Projection>, _ kind: Period) -> (Int, Int) {
        let n = prefix.count
        if startsStamp[j] != node {
            firstInstance(j, prefix, projection[j])
            startsStamp[j] = node
        }
        switch kind {
        case .semiMaximum:
            if semiStamp[j] != node {
                Self.backwards(from: Int(projection[j].position), j, prefix, items, into: &semiEnds)
                semiStamp[j] = node
            }
            return (Int(starts[j * n + i]), Int(semiEnds[j * n + i]))
        case .maximum:
            if maxStamp[j] != node {
                // The last en of the sequence.
                var last = offsets[Int(projection[j].sequence) + 1] - 1
                while items[last] != prefix[n - 1] { last -= 1 }
                Self.backwards(from: last, j, prefix, items, into: &maxEnds)
                maxStamp[j] = node
            }
            return (Int(starts[j * n + i]), Int(maxEnds[j * n + i]))
        }
    }

    /// First instance: period i starts after f(i-1) (the sequence's start for i = 0).
    private mutating func firstInstance(_ j: Int, _ prefix: [Int32], _ p: Projection) {
        let n = prefix.count, base = j * n
        var k = offsets[Int(p.sequence)]
        do {
            starts.withUnsafeMutableBufferPointer { starts in
                for i in 0 ..< n {
                    starts[base + i] = Int32(k)
                    let e = prefix[i]
                    while items[k] != e { k += 1 }
                    k += 1
                }
            }
        }
    }

    /// The instance that puts en at `position` and each earlier ei at the latest ei before e(i+1):
    /// last-in-first from fn, last-in-last from the sequence's last en.
    private static func backwards(from position: Int, _ j: Int, _ prefix: [Int32], _ items: UnsafeMutablePointer<Int32>, into ends: inout [Int32]) {
        let n = prefix.count, base = j * n
        var position = position
        do {
            ends.withUnsafeMutableBufferPointer { ends in
                ends[base + n - 1] = Int32(position)
                for i in stride(from: n - 2, through: 0, by: -1) {
                    let e = prefix[i]
                    position -= 1
                    while items[position] != e { position -= 1 }
                    ends[base + i] = Int32(position)
                }
            }
        }
    }
}
