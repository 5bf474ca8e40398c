/// The page sequences the segment model is fitted on: page ids made dense over the `maxPages` most
/// viewed pages (ties by name), every other page folded into one state named `(other)`, so that the
/// model's transition matrices stay K x P x P whatever the site's size.
public struct SegmentSequences: Sendable {
    /// State names: the kept pages, most viewed first, then `(other)` when pages were folded.
    public private(set) var names: [String] = []
    /// All sequences end to end, as state ids.
    public private(set) var items: [Int32] = []
    public private(set) var offsets: [Int] = [0]
    /// Distinct pages folded into `(other)`, and their views.
    public private(set) var foldedPages = 0
    public private(set) var foldedViews = 0

    public static let otherName = "(other)"

    public var count: Int { offsets.count - 1 }
    public var states: Int { names.count }
    public var views: Int { items.count }
    public func sequence(_ i: Int) -> ArraySlice<Int32> { items[offsets[i] ..< offsets[i + 1]] }

    /// From a sequence database (SPMF, `sessions` output, sessions in memory). Empty sequences stay
    /// (as empty), so that sequence numbers keep matching the input's.
    public init(_ db: SequenceDatabase, maxPages: Int) {
        precondition(maxPages >= 1)
        var views = [Int](repeating: 0, count: db.itemCount)
        for item in db.items { views[Int(item)] += 1 }
        let byViews = (0 ..< db.itemCount).filter { views[$0] > 0 }
            .sorted { views[$0] != views[$1] ? views[$0] > views[$1] : db.names[$0] < db.names[$1] }
        let kept = byViews.prefix(maxPages)
        var state = [Int32](repeating: -1, count: db.itemCount)
        for (i, page) in kept.enumerated() {
            state[page] = Int32(i)
            names.append(db.names[page])
        }
        if byViews.count > kept.count {
            let other = Int32(names.count)
            names.append(Self.otherName)
            for page in byViews.dropFirst(kept.count) {
                state[page] = other
                foldedPages += 1
                foldedViews += views[page]
            }
        }
        items.reserveCapacity(db.items.count)
        offsets.reserveCapacity(db.count + 1)
        for s in 0 ..< db.count {
            for item in db.sequence(s) { items.append(state[Int(item)]) }
            offsets.append(items.count)
        }
    }

    /// From sequences of state ids over the given names (tests, synthetic data).
    public init(names: [String], sequences: [[Int]]) {
        self.names = names
        for seq in sequences {
            for x in seq {
                precondition(x >= 0 && x < names.count)
                items.append(Int32(x))
            }
            offsets.append(items.count)
        }
    }

    /// The state of a page name (nil when it is not modelled on its own).
    public func state(named name: String) -> Int? { names.firstIndex(of: name) }
}

/// Sequences for fitting: the distinct non-empty sequences of a selection, each with the number of
/// times it occurs (web sessions repeat a lot: on MSNBC, a third of the sessions are one page), so
/// that an EM step costs distinct sequences, not sessions.
public struct WeightedSequences: Sendable {
    public private(set) var items: [Int32] = []
    public private(set) var offsets: [Int] = [0]
    public private(set) var weights: [Double] = []
    /// Page views of the selection (weighted), for likelihoods per page view.
    public private(set) var views = 0.0
    /// Non-empty sequences of the selection (weighted).
    public private(set) var total = 0.0

    public var count: Int { weights.count }
    public func sequence(_ i: Int) -> ArraySlice<Int32> { items[offsets[i] ..< offsets[i + 1]] }

    /// The non-empty sequences among `indices` (all when nil), merged when equal, in order of first
    /// appearance.
    public init(_ data: SegmentSequences, indices: [Int]? = nil) {
        var index: [ArraySlice<Int32>: Int] = [:]
        for i in indices ?? Array(0 ..< data.count) {
            let seq = data.sequence(i)
            guard !seq.isEmpty else { continue }
            views += Double(seq.count)
            total += 1
            if let known = index[seq] {
                weights[known] += 1
            } else {
                index[seq] = weights.count
                items.append(contentsOf: seq)
                offsets.append(items.count)
                weights.append(1)
            }
        }
    }
}
