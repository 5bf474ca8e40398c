/// The usage graph, accumulated one finished session at a time: page -> next page transitions,
/// back-steps inferred by path completion, external referrer domains -> entry pages, page -> exit,
/// the referrer graph (referrer page -> requested page: the links visitors were seen to follow), and
/// the tallies behind shortcut suggestions and exit paths. Memory grows with pages and page pairs.
public struct UsageGraph {
    /// What to do with the back-navigation views that path completion inserts.
    public enum BackSteps: String, Sendable, CaseIterable {
        /// Kept apart as `back_step` edges; the click after them counts from the page gone back to.
        case mark
        /// Counted as ordinary transitions.
        case include
        /// Left out: transitions join the observed views only.
        case exclude
    }

    public var backSteps = BackSteps.mark
    /// Longest detour (in clicks) considered for a shortcut: A -> ... -> B with at most this many steps.
    public var shortcutMaxSteps = 4

    public private(set) var transitions: [UInt64: Int] = [:]
    public private(set) var backStepEdges: [UInt64: Int] = [:]
    public private(set) var referrerEdges: [UInt64: Int] = [:]
    /// Entry referrer domain ("(none)" without an external referrer) -> entry page -> sessions.
    public private(set) var entryDomains: [String: [Int32: Int]] = [:]
    public private(set) var views: [Int32: Int] = [:]
    public private(set) var entries: [Int32: Int] = [:]
    public private(set) var exits: [Int32: Int] = [:]
    public private(set) var detours: [UInt64: Detour] = [:]
    public private(set) var exitPaths: [ExitPath: Int] = [:]
    public private(set) var sessions = 0
    private var seenPairs = Set<UInt64>()

    public init() {}

    /// Sessions that went from A to B through intermediate pages, and a typical path between them.
    public struct Detour: Sendable {
        public var sessions = 0
        /// Sum over sessions of the clicks from A to B (the shortest occurrence in each session).
        public var steps = 0
        /// A majority vote (Boyer & Moore) over the paths taken: the most common path when one
        /// path is taken by more than half of the sessions, else one of the frequent ones.
        public var typicalPath: [Int32] = []
        var votes = 0

        mutating func add(path: ArraySlice<Int32>) {
            sessions += 1
            steps += path.count - 1
            if votes == 0 {
                typicalPath = Array(path)
                votes = 1
            } else if typicalPath.elementsEqual(path) {
                votes += 1
            } else {
                votes -= 1
            }
        }
    }

    /// The last pages of a session: up to two pages before the exit page (-1 where the session was shorter).
    public struct ExitPath: Hashable, Sendable {
        public var before2: Int32
        public var before1: Int32
        public var exit: Int32
    }

    @inline(__always) public static func pair(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }
    @inline(__always) public static func unpair(_ key: UInt64) -> (Int32, Int32) {
        (Int32(bitPattern: UInt32(key >> 32)), Int32(bitPattern: UInt32(key & 0xFFFF_FFFF)))
    }

    public mutating func add(_ session: Session) {
        let observed = session.views.filter { !$0.inferred }
        guard let first = observed.first, let last = observed.last else { return }
        sessions += 1
        for v in observed {
            views[v.page, default: 0] += 1
            if v.referrer >= 0 { referrerEdges[Self.pair(v.referrer, v.page), default: 0] += 1 }
        }
        entries[first.page, default: 0] += 1
        exits[last.page, default: 0] += 1
        entryDomains[Self.domain(of: session.entryReferrer), default: [:]][first.page, default: 0] += 1
        let n = observed.count
        exitPaths[ExitPath(before2: n >= 3 ? observed[n - 3].page : -1, before1: n >= 2 ? observed[n - 2].page : -1, exit: last.page), default: 0] += 1

        let path = backSteps == .exclude ? observed : session.views
        for k in path.indices.dropFirst() {
            let key = Self.pair(path[k - 1].page, path[k].page)
            if path[k].inferred && backSteps == .mark {
                backStepEdges[key, default: 0] += 1
            } else {
                transitions[key, default: 0] += 1
            }
        }
        countDetours(path.map(\.page))
    }

    /// For each page B and each earlier page A within `shortcutMaxSteps` clicks (2 or more), with no
    /// other A or B in between: one detour A -> B for this session (its shortest occurrence).
    private mutating func countDetours(_ pages: [Int32]) {
        guard pages.count >= 3 else { return }
        seenPairs.removeAll(keepingCapacity: true)
        var between: [Int32] = []
        for j in 2 ..< pages.count {
            let b = pages[j]
            between.removeAll(keepingCapacity: true)
            var i = j - 1
            while i >= 0 && j - i <= shortcutMaxSteps {
                let a = pages[i]
                if a == b { break }   // B was reached before: later paths start from there
                if !between.contains(a) {
                    if j - i >= 2 && seenPairs.insert(Self.pair(a, b)).inserted {
                        detours[Self.pair(a, b), default: Detour()].add(path: pages[i ... j])
                    }
                    between.append(a)
                }
                i -= 1
            }
        }
    }

    /// `https://www.google.com/search?q=x` -> `www.google.com`; other referrers keep their scheme.
    static func domain(of referrer: [UInt8]?) -> String {
        guard let referrer, !referrer.isEmpty else { return "(none)" }
        // Bytes, not String searching: this runs for every session, several times.
        var schemeEnd: Int? = nil
        if referrer.count >= 3 {
            for i in 0 ... referrer.count - 3 where referrer[i] == 58 && referrer[i + 1] == 47 && referrer[i + 2] == 47 {
                schemeEnd = i + 3
                break
            }
        }
        guard let start = schemeEnd else {
            let text = String(decoding: referrer, as: UTF8.self)
            return text.count > 40 ? String(text.prefix(40)) : text
        }
        var end = start
        while end < referrer.count && referrer[end] != 47 && referrer[end] != 63 && referrer[end] != 35 { end += 1 }
        var host = Array(referrer[start ..< end])
        if let colon = host.lastIndex(of: 58) { host.removeSubrange(colon...) }
        // Lower case as String.lowercased() gives it (ASCII fast path; anything else through String).
        if host.allSatisfy({ $0 < 128 }) {
            for k in host.indices where host[k] >= 65 && host[k] <= 90 { host[k] += 32 }
            return host.isEmpty ? "(none)" : String(decoding: host, as: UTF8.self)
        }
        let text = String(decoding: referrer[start ..< end], as: UTF8.self).lowercased()
        let h = text.lastIndex(of: ":").map { String(text[..<$0]) } ?? text
        return h.isEmpty ? "(none)" : h
    }
}
