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
/// A maximal pattern is closed, so the same pruning serves both.
struct ClosureCheck {
    private let items: [Int32]
    private let offsets: [Int]
    /// Per item: in how many of the sequences seen so far it was found (candidates of an insertion).
    private var counts: [Int32]
    /// Per item: the last sequence (ordinal + 1) that counted it.
    private var seen: [Int32]
    private var touched: [Int32] = []
    /// Per sequence of the projection (ordinal j, prefix length n): the i-th period is
    /// [starts[j*n+i], ends[j*n+i]) in the item array. Computed only as far as the checks get.
    private var starts: [Int32] = []
    private var ends: [Int32] = []
    private var ready = 0

    init(db: SequenceDatabase) {
        items = db.items
        offsets = db.offsets
        counts = [Int32](repeating: 0, count: db.itemCount)
        seen = [Int32](repeating: 0, count: db.itemCount)
    }

    /// The periods a check looks at: up to the last-in-first (semi-maximum) or last-in-last
    /// (maximum) instance of the next prefix item.
    enum Period { case semiMaximum, maximum }

    /// BackScan: some item lies in the i-th semi-maximum period of every sequence, for some i;
    /// then neither the prefix nor any extension of it is closed.
    mutating func prunes(_ prefix: [Int32], _ projection: [Projection]) -> Bool {
        itemInEveryPeriod(prefix, projection, .semiMaximum)
    }

    /// Backward extension: an item inserted before some prefix item keeps the support.
    mutating func hasEqualSupportInsertion(_ prefix: [Int32], _ projection: [Projection]) -> Bool {
        itemInEveryPeriod(prefix, projection, .maximum)
    }

    /// An item inserted before some prefix item gives a pattern with at least `minSupport`.
    mutating func hasFrequentInsertion(_ prefix: [Int32], _ projection: [Projection], minSupport: Int) -> Bool {
        let n = prefix.count, total = projection.count
        ready = 0
        defer { clearCounts() }
        for i in 0 ..< n {
            var best: Int32 = 0
            for j in 0 ..< total {
                // No item can still reach minSupport in the sequences left.
                if Int(best) + (total - j) < minSupport { break }
                let (from, to) = period(j, i, prefix, projection, .maximum)
                let stamp = Int32(j + 1)
                var k = from
                while k < to {
                    let item = Int(items[k])
                    if seen[item] != stamp {
                        seen[item] = stamp
                        if counts[item] == 0 { touched.append(Int32(item)) }
                        counts[item] += 1
                        if counts[item] > best {
                            best = counts[item]
                            if Int(best) >= minSupport { return true }
                        }
                    }
                    k += 1
                }
            }
            clearCounts()
        }
        return false
    }

    /// Some item occurs in the i-th period of every sequence of the projection, for some i.
    /// Candidates are the first sequence's items, narrowed sequence by sequence: most checks end
    /// after a few sequences.
    private mutating func itemInEveryPeriod(_ prefix: [Int32], _ projection: [Projection], _ kind: Period) -> Bool {
        let n = prefix.count, total = projection.count
        ready = 0
        for i in 0 ..< n {
            var alive = 0
            for j in 0 ..< total {
                let (from, to) = period(j, i, prefix, projection, kind)
                let stamp = Int32(j), next = Int32(j + 1)
                alive = 0
                var k = from
                while k < to {
                    let item = Int(items[k])
                    if counts[item] == stamp {
                        if j == 0 { touched.append(Int32(item)) }
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

    private mutating func clearCounts() {
        for item in touched {
            counts[Int(item)] = 0
            seen[Int(item)] = 0
        }
        touched.removeAll(keepingCapacity: true)
    }

    /// The i-th period of the j-th sequence of the projection, computing its sequence's instances
    /// the first time it is asked for (checks go through sequences in order).
    @inline(__always)
    private mutating func period(_ j: Int, _ i: Int, _ prefix: [Int32], _ projection: [Projection], _ kind: Period) -> (Int, Int) {
        let n = prefix.count
        if j == ready {
            computeInstances(j, prefix, projection[j], kind)
            ready += 1
        }
        return (Int(starts[j * n + i]), Int(ends[j * n + i]))
    }

    private mutating func computeInstances(_ j: Int, _ prefix: [Int32], _ p: Projection, _ kind: Period) {
        let n = prefix.count
        if starts.count < (j + 1) * n {
            starts.append(contentsOf: repeatElement(0, count: (j + 1) * n - starts.count))
            ends.append(contentsOf: repeatElement(0, count: (j + 1) * n - ends.count))
        }
        let s = Int(p.sequence)
        let base = j * n
        // First instance: period i starts after f(i-1) (the sequence's start for i = 0).
        var k = offsets[s]
        for i in 0 ..< n {
            starts[base + i] = Int32(k)
            while items[k] != prefix[i] { k += 1 }
            k += 1
        }
        // Last-in-first (from fn) or last-in-last (from the sequence's last en) instance, backwards.
        var position: Int
        switch kind {
        case .semiMaximum:
            position = Int(p.position)
        case .maximum:
            position = offsets[s + 1] - 1
            while items[position] != prefix[n - 1] { position -= 1 }
        }
        ends[base + n - 1] = Int32(position)
        for i in stride(from: n - 2, through: 0, by: -1) {
            position -= 1
            while items[position] != prefix[i] { position -= 1 }
            ends[base + i] = Int32(position)
        }
    }
}
