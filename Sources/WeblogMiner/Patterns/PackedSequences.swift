/// The sequences as the pattern search reads them: one item array and offsets in memory that stays
/// put (read through pointers by every thread), shortest sequences first, and without the items
/// that are not frequent when gaps are free.
///
/// Dropping infrequent items changes no pattern, support or check: they are in no frequent pattern,
/// cannot be inserted into one with its support (closed) or with `minSupport` (maximal), and the
/// frequent items keep their order. With a gap limit positions count, so every item stays.
/// Shortest first: a projection lists its sequences in this order, so the closure checks, which
/// narrow their candidates sequence by sequence, start with the fewest items and end sooner.
final class PackedSequences: @unchecked Sendable {
    let items: UnsafeMutablePointer<Int32>
    /// Sequence s is items[offsets[s] ..< offsets[s + 1]].
    let offsets: UnsafeMutablePointer<Int>
    let count: Int
    let itemCount: Int
    /// Number of sequences containing each item (0 for a dropped item).
    let support: [Int]
    /// With `listSequences`: the sequences containing item x, ascending, are
    /// sequencesWith[listStarts[x] ..< listStarts[x + 1]] (what the closure checks use to find a
    /// sequence without a candidate item quickly).
    let listStarts: UnsafeMutablePointer<Int>
    let sequencesWith: UnsafeMutablePointer<Int32>

    init(_ db: SequenceDatabase, minSupport: Int, keepEveryItem: Bool, listSequences: Bool = false) {
        var support = [Int](repeating: 0, count: db.itemCount)
        var lastSeen = [Int](repeating: -1, count: db.itemCount)
        for s in 0 ..< db.count {
            for k in db.offsets[s] ..< db.offsets[s + 1] where lastSeen[Int(db.items[k])] != s {
                lastSeen[Int(db.items[k])] = s
                support[Int(db.items[k])] += 1
            }
        }
        let keep = support.map { keepEveryItem || $0 >= minSupport }
        var lengths = [Int](repeating: 0, count: db.count)
        var total = 0
        for s in 0 ..< db.count {
            for k in db.offsets[s] ..< db.offsets[s + 1] where keep[Int(db.items[k])] { lengths[s] += 1 }
            total += lengths[s]
        }
        let order = (0 ..< db.count).sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
        items = .allocate(capacity: max(1, total))
        offsets = .allocate(capacity: db.count + 1)
        var at = 0
        offsets[0] = 0
        for (rank, s) in order.enumerated() {
            for k in db.offsets[s] ..< db.offsets[s + 1] where keep[Int(db.items[k])] {
                items[at] = db.items[k]
                at += 1
            }
            offsets[rank + 1] = at
        }
        count = db.count
        itemCount = db.itemCount
        let kept = zip(support, keep).map { $1 ? $0 : 0 }
        self.support = kept
        listStarts = .allocate(capacity: listSequences ? db.itemCount + 1 : 1)
        listStarts[0] = 0
        sequencesWith = .allocate(capacity: listSequences ? max(1, kept.reduce(0, +)) : 1)
        if listSequences {
            for x in 0 ..< db.itemCount { listStarts[x + 1] = listStarts[x] + kept[x] }
            var next = (0 ..< db.itemCount).map { listStarts[$0] }
            var seen = [Int32](repeating: -1, count: db.itemCount)
            for s in 0 ..< db.count {
                for k in offsets[s] ..< offsets[s + 1] where seen[Int(items[k])] != Int32(s) {
                    let x = Int(items[k])
                    seen[x] = Int32(s)
                    sequencesWith[next[x]] = Int32(s)
                    next[x] += 1
                }
            }
        }
    }

    /// Item occurrences in all sequences.
    var total: Int { offsets[count] }

    deinit {
        items.deallocate()
        offsets.deallocate()
        listStarts.deallocate()
        sequencesWith.deallocate()
    }
}
