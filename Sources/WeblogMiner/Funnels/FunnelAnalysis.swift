/// Counts how far sessions and visitors get through a funnel.
///
/// A session reaches step k when it viewed steps 1..k in that order, other pages allowed in between
/// (GA4's "indirectly followed by"): the earliest view of step 1, then the earliest later view of step
/// 2, and so on (taking the earliest match never reaches fewer steps). With `open`, a session enters at
/// the first funnel step it views, whichever that is (the lowest when one page is several steps), and
/// is followed in order from there. Visitor-level funnels follow the same rule over a visitor's
/// sessions in time order, so steps may lie in different sessions.
///
/// Per step: how many reached it, how many entered there, the median time from the view that
/// completed the previous step, and where those who stopped there went next (the page after their
/// last matched view in that session, or the exit). Inferred views (path completion) are not views
/// a visitor was seen making, and are skipped.
///
/// Memory: per step a histogram of times and of next pages; per visitor who entered the funnel one
/// small record (visitor level only).
public final class FunnelAnalysis {
    public enum Level: String, Sendable, CaseIterable {
        case session, visitor
    }

    /// One visitor's (or the current session's) way through the funnel.
    struct Progress {
        /// Step entered at; -1 before entering.
        var start = -1
        /// The next step to match (the steps before it, from `start`, are reached).
        var next = 0
        var lastTime: Int64 = 0
        /// The page after the last matched view (-1: none yet, -2: the session ended there).
        var after: Int32 = -1
        var awaitingNext = false
    }

    /// Totals of one level.
    public struct Counts: Sendable {
        public var reached: [Int]
        public var entered: [Int]
        /// Milliseconds from the previous step's view, per step.
        var times: [[Int64: Int]]
        var timeCounts: [Int]
        /// Where those who stopped at a step went next: page id, or `FunnelAnalysis.exitPage`.
        var next: [[Int32: Int]]

        init(steps: Int) {
            reached = Array(repeating: 0, count: steps)
            entered = Array(repeating: 0, count: steps)
            times = Array(repeating: [:], count: steps)
            timeCounts = Array(repeating: 0, count: steps)
            next = Array(repeating: [:], count: steps)
        }

        public func medianSeconds(step k: Int) -> Double? { times[k].median(count: timeCounts[k]).map { $0 / 1000 } }

        /// The most frequent next pages of those who stopped at step k (exit as `exitPage`).
        public func topNext(step k: Int, limit: Int = 3) -> [(page: Int32, count: Int)] {
            next[k].sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map { ($0.key, $0.value) }
        }
    }

    public static let exitPage: Int32 = -2

    public let definition: FunnelDefinition
    public let open: Bool
    private let steps: FunnelSteps
    public private(set) var sessions: Counts
    private var visitorCounts: Counts
    private var visitors: [UInt64: Progress] = [:]

    public init(_ definition: FunnelDefinition, open: Bool = false) throws(FunnelDefinition.ParseError) {
        self.definition = definition
        self.open = open
        steps = try FunnelSteps(definition)
        sessions = Counts(steps: definition.steps.count)
        visitorCounts = Counts(steps: definition.steps.count)
    }

    /// Adds a session. A visitor's sessions must come in time order (as sessions close, or sorted).
    public func add(_ session: Session, pages: ByteStringInterner) {
        var own = Progress()
        var visitor = visitors[session.visitorHash] ?? Progress()
        for view in session.views where !view.inferred {
            let bits = steps.steps(of: view.page, in: pages)
            advance(&own, page: view.page, time: view.time, bits: bits, counts: &sessions)
            advance(&visitor, page: view.page, time: view.time, bits: bits, counts: &visitorCounts)
        }
        // The session ends: whoever awaited a next page left.
        if own.awaitingNext { own.after = Self.exitPage; own.awaitingNext = false }
        if visitor.awaitingNext { visitor.after = Self.exitPage; visitor.awaitingNext = false }
        finish(own, counts: &sessions)
        if visitor.start >= 0 { visitors[session.visitorHash] = visitor }
    }

    private func advance(_ p: inout Progress, page: Int32, time: Int64, bits: UInt32, counts: inout Counts) {
        let n = definition.steps.count
        if p.awaitingNext {
            p.after = page
            p.awaitingNext = false
        }
        guard bits != 0 else { return }
        if p.start < 0 {
            // Entering: step 1 only, or (open) the lowest step this page is.
            let k = open ? bits.trailingZeroBitCount : (bits & 1 != 0 ? 0 : -1)
            guard k >= 0 && k < n else { return }
            p.start = k
            p.next = k + 1
            p.lastTime = time
            p.awaitingNext = true
            counts.entered[k] += 1
            counts.reached[k] += 1
            return
        }
        guard p.next < n, bits & (1 << UInt32(p.next)) != 0 else { return }
        let k = p.next
        counts.reached[k] += 1
        counts.times[k][time - p.lastTime, default: 0] += 1
        counts.timeCounts[k] += 1
        p.next = k + 1
        p.lastTime = time
        p.awaitingNext = true
    }

    /// Where a finished way through the funnel stopped: its next page counts for its last step.
    private func finish(_ p: Progress, counts: inout Counts) {
        guard p.start >= 0, p.next < definition.steps.count else { return }
        counts.next[p.next - 1][p.after, default: 0] += 1
    }

    /// The totals of a level (visitor level: as the visitors stand after every session added).
    public func counts(_ level: Level) -> Counts {
        switch level {
        case .session: return sessions
        case .visitor:
            var c = visitorCounts
            for (_, p) in visitors { finish(p, counts: &c) }
            return c
        }
    }
}
