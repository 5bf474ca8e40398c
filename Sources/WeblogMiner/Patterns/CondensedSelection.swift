/// Closed and maximal patterns chosen once the search is over, among the candidates it kept, instead
/// of proving each candidate on its sequences (`ClosureCheck`'s insertion checks) during the search.
///
/// The search keeps, for closed, every prefix without a forward extension of the same support, and
/// for maximal, every prefix without a frequent forward extension (a leaf). Of those:
/// - a candidate P is not closed exactly when a longer closed candidate with the same support contains
///   it: an equal-support super-pattern of P lies inside some closed one C (the largest such), C has
///   no equal-support forward extension, and BackScan never prunes C or a prefix of C, so C is a
///   candidate. Equal support and containment mean the same sequences, so candidates are grouped by
///   support and a key of their sequence set, and tested only within their group;
/// - a leaf L is not maximal exactly when a longer maximal leaf contains it (the same argument with
///   "frequent" for "equal support"); leaves are taken longest first and tested against the maximal
///   ones found so far that hold L's rarest item or pair (the patterns of one length side by side).
/// Both tests run on candidates only (a few per group or per item) and need no sequence.
///
/// Memory is bounded: each thread keeps at most `budget` bytes of candidates. Past it the search goes
/// back to proving each candidate during the search, and the candidates kept so far are proved the
/// same way at the end (their projections recomputed from the sequences): the output is the same.
/// The maximal selection's index of item pairs has a budget too; past it, the index of single items
/// (at most the candidates' items) serves alone.
final class CondensedSelection: @unchecked Sendable {
    /// One thread's candidates: their items end to end, and per candidate where they are.
    struct Store {
        var items: [Int32] = []
        var entries: [Entry] = []

        struct Entry {
            var start: Int
            var length: Int32
            var support: Int32
            var prefixSupport: Int32
            /// Key of the set of sequences containing the candidate (closed only).
            var sequences: UInt64
        }

        mutating func add(_ prefix: [Int32], support: Int, prefixSupport: Int, sequences: UInt64) {
            entries.append(Entry(start: items.count, length: Int32(prefix.count), support: Int32(support), prefixSupport: Int32(prefixSupport), sequences: sequences))
            items.append(contentsOf: prefix)
        }

        func pattern(_ e: Entry) -> ArraySlice<Int32> { items[e.start ..< e.start + Int(e.length)] }

        /// Memory held (items and entries).
        var bytes: Int { items.count * MemoryLayout<Int32>.stride + entries.count * MemoryLayout<Entry>.stride }
    }

    let condensation: PatternCondensation
    /// Bytes of candidates a thread may keep.
    let budget: Int
    /// Bytes of the maximal selection's pair index.
    let pairBudget: Int
    private let monitor = Monitor()
    private var overflowed = false
    private var stores: [Store] = []

    init(condensation: PatternCondensation, budget: Int, pairBudget: Int) {
        self.condensation = condensation
        self.budget = max(1, budget)
        self.pairBudget = pairBudget
    }

    /// Whether some thread went past its budget (then every candidate kept is proved one by one).
    var isOverflowed: Bool { monitor.locked { overflowed } }

    func overflow() { monitor.locked { overflowed = true } }

    /// A thread's candidates at the end of its search.
    func hand(_ store: Store) { monitor.locked { stores.append(store) } }

    /// A key of the set of sequences in a projection (one entry per sequence, ascending): equal sets
    /// give equal keys. It reads five entries, not all: patterns of different sets that share a key
    /// only share a group, where containment and support tell them apart.
    @inline(__always) static func sequenceKey(_ projection: UnsafeBufferPointer<Projection>) -> UInt64 {
        let n = projection.count
        guard n > 0 else { return 0 }
        var h = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
        @inline(__always) func mix(_ k: Int) { h = (h ^ UInt64(UInt32(bitPattern: projection[k].sequence))) &* 0x0000_0100_0000_01b3 }
        mix(0)
        mix(n / 4)
        mix(n / 2)
        mix(3 * n / 4)
        mix(n - 1)
        return h ^ (h >> 29)
    }

    /// The chosen patterns, in batches of up to `batchSize`, to `deliver` (false stops).
    func select(db: PackedSequences, minSupport: Int, threads: Int, batchSize: Int, deliver: ([FoundPattern]) -> Bool) {
        var batch: [FoundPattern] = []
        var stopped = false
        func emit(_ items: ArraySlice<Int32>, _ e: Store.Entry) {
            guard !stopped else { return }
            batch.append(FoundPattern(pattern: SequentialPattern(items: Array(items), support: Int(e.support)), prefixSupport: Int(e.prefixSupport)))
            if batch.count >= batchSize {
                stopped = !deliver(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        // Taken out: the selection's joined store is then the only copy.
        var stores = monitor.locked {
            defer { self.stores = [] }
            return self.stores
        }
        if isOverflowed {
            var check = ClosureCheck(db: db)
            for store in stores {
                for e in store.entries {
                    let prefix = Array(store.pattern(e))
                    let projection = Self.projection(of: prefix, in: db)
                    let keep = projection.withUnsafeBufferPointer { projection in
                        check.begin(prefix, projection)
                        return condensation == .closed ? !check.hasEqualSupportInsertion(prefix, projection)
                            : !check.hasFrequentInsertion(prefix, projection, minSupport: minSupport)
                    }
                    if keep { emit(store.pattern(e), e) }
                }
            }
        } else if condensation == .closed {
            selectClosed(Self.joined(&stores), emit)
        } else {
            selectMaximal(Self.joined(&stores), itemCount: db.itemCount, threads: threads, emit)
        }
        if !stopped && !batch.isEmpty { _ = deliver(batch) }
    }

    /// The threads' candidates in one store (the first grows; each other is freed once copied).
    private static func joined(_ stores: inout [Store]) -> Store {
        guard !stores.isEmpty else { return Store() }
        var all = stores.removeFirst()
        while !stores.isEmpty {
            let store = stores.removeFirst()
            let shift = all.items.count
            all.items += store.items
            for var e in store.entries {
                e.start += shift
                all.entries.append(e)
            }
        }
        return all
    }

    private func selectClosed(_ store: Store, _ emit: (ArraySlice<Int32>, Store.Entry) -> Void) {
        // Groups by support and sequence-set key (both in one key: a collision only puts patterns
        // of other supports side by side, told apart below), longest first within a group.
        let entries = store.entries
        var order: [(key: UInt64, length: Int32, index: Int32)] = entries.indices.map { k in
            (entries[k].sequences ^ (UInt64(UInt32(bitPattern: entries[k].support)) &* 0x9E37_79B9_7F4A_7C15), entries[k].length, Int32(k))
        }
        order.sort { $0.key != $1.key ? $0.key < $1.key : $0.length > $1.length }
        var closedInGroup: [Int32] = []
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && order[end].key == order[start].key { end += 1 }
            if end == start + 1 {
                let e = entries[Int(order[start].index)]
                emit(store.pattern(e), e)
            } else {
                closedInGroup.removeAll(keepingCapacity: true)
                for o in order[start ..< end] {
                    let e = entries[Int(o.index)]
                    let p = store.pattern(e)
                    let covered = closedInGroup.contains { q in
                        let qe = entries[Int(q)]
                        return qe.support == e.support && qe.length > e.length && Self.isSubsequence(p, of: store.pattern(qe))
                    }
                    if !covered {
                        closedInGroup.append(o.index)
                        emit(p, e)
                    }
                }
            }
            start = end
        }
    }

    private func selectMaximal(_ store: Store, itemCount: Int, threads: Int, _ emit: (ArraySlice<Int32>, Store.Entry) -> Void) {
        let entries = store.entries
        let order = entries.indices.sorted { entries[$0].length > entries[$1].length }
        var index = MaximalIndex(itemCount: itemCount, pairBudget: pairBudget)
        // Level by level, longest first: a pattern can only lie inside a longer one, so the patterns
        // of one length are tested side by side against the index of the longer maximal ones, then
        // those found maximal join the index.
        var covered: [Bool] = []
        var start = 0
        while start < order.count {
            var end = start
            while end < order.count && entries[order[end]].length == entries[order[start]].length { end += 1 }
            covered = [Bool](repeating: false, count: end - start)
            let parts = end - start >= 64 ? max(1, threads) : 1
            covered.withUnsafeMutableBufferPointer { covered in
                parallelFor(parts) { part in
                    var k = start + part
                    while k < end {
                        covered[k - start] = index.covers(store, order[k])
                        k += parts
                    }
                }
            }
            for k in start ..< end where !covered[k - start] {
                let e = entries[order[k]]
                emit(store.pattern(e), e)
                index.add(store, order[k])
            }
            start = end
        }
    }

    /// The maximal patterns found so far, by each item they hold and by each ordered pair of items
    /// they hold (x somewhere before y): a pattern inside one of them has its items and pairs there
    /// too, and its rarest pair usually leaves a handful of patterns to test.
    struct MaximalIndex {
        var byItem: [[Int32]]
        var byPair: [UInt64: Int] = [:]
        var pairLists: [[Int32]] = []
        var seen = Set<Int32>()
        /// Bytes the pair index may hold (about: 4 per list entry, 32 per distinct pair); past them
        /// it is dropped and the single items serve alone.
        let pairBudget: Int
        private var pairBytes = 0
        private(set) var usesPairs = true

        init(itemCount: Int, pairBudget: Int) {
            byItem = [[Int32]](repeating: [], count: itemCount)
            self.pairBudget = pairBudget
        }

        /// Whether a longer maximal pattern contains candidate `k` (reads only: safe side by side).
        func covers(_ store: Store, _ k: Int) -> Bool {
            let e = store.entries[k]
            let p = store.pattern(e)
            var rarest = Int(p[p.startIndex])
            for x in p where byItem[Int(x)].count < byItem[rarest].count { rarest = Int(x) }
            func inside(_ m: Int32) -> Bool {
                let qe = store.entries[Int(m)]
                return qe.length > e.length && CondensedSelection.isSubsequence(p, of: store.pattern(qe))
            }
            if byItem[rarest].count <= 16 || p.count == 1 || !usesPairs { return byItem[rarest].contains(where: inside) }
            var shortest = -1
            for i in p.indices {
                for j in (i + 1) ..< p.endIndex {
                    guard let list = byPair[CondensedSelection.pair(p[i], p[j])] else { return false }
                    if shortest < 0 || pairLists[list].count < pairLists[shortest].count { shortest = list }
                }
            }
            return shortest >= 0 && pairLists[shortest].contains(where: inside)
        }

        mutating func add(_ store: Store, _ k: Int) {
            let p = store.pattern(store.entries[k])
            let id = Int32(k)
            seen.removeAll(keepingCapacity: true)
            for x in p where seen.insert(x).inserted { byItem[Int(x)].append(id) }
            guard usesPairs else { return }
            pairBytes += 2 * p.count * p.count
            if pairBytes > pairBudget {
                usesPairs = false
                byPair = [:]
                pairLists = []
                return
            }
            for i in p.indices {
                for j in (i + 1) ..< p.endIndex {
                    let key = CondensedSelection.pair(p[i], p[j])
                    if let list = byPair[key] {
                        if pairLists[list].last != id { pairLists[list].append(id) }
                    } else {
                        byPair[key] = pairLists.count
                        pairLists.append([id])
                        pairBytes += 32
                    }
                }
            }
        }
    }

    @inline(__always) fileprivate static func pair(_ x: Int32, _ y: Int32) -> UInt64 { UInt64(UInt32(bitPattern: x)) << 32 | UInt64(UInt32(bitPattern: y)) }

    @inline(__always) static func isSubsequence(_ p: ArraySlice<Int32>, of q: ArraySlice<Int32>) -> Bool {
        var i = p.startIndex
        for x in q where i < p.endIndex && x == p[i] { i += 1 }
        return i == p.endIndex
    }

    /// Where the pattern's first instance ends in each sequence containing it (the projection the
    /// search had), from the per-item sequence lists.
    static func projection(of pattern: [Int32], in db: PackedSequences) -> [Projection] {
        var result: [Projection] = []
        guard let first = pattern.first else { return result }
        for at in db.listStarts[Int(first)] ..< db.listStarts[Int(first) + 1] {
            let s = Int(db.sequencesWith[at])
            var k = db.offsets[s]
            let end = db.offsets[s + 1]
            var matched = 0
            var last = -1
            while k < end && matched < pattern.count {
                if db.items[k] == pattern[matched] {
                    matched += 1
                    last = k
                }
                k += 1
            }
            if matched == pattern.count { result.append(Projection(sequence: Int32(s), position: Int32(last))) }
        }
        return result
    }
}
