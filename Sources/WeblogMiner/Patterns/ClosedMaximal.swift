/// Closed and maximal patterns among a complete set of frequent patterns.
///
/// A pattern is closed if no pattern one item longer that contains it (as a subsequence) has the same
/// support, and maximal if no pattern one item longer contains it at all. One item longer suffices:
/// support never grows along a chain of super-patterns, so an equal-support super-pattern at any
/// length implies one at length + 1. Each candidate super-pattern is found by deleting one item.
public enum ClosedMaximal {
    public static func closed(_ patterns: [SequentialPattern]) -> [SequentialPattern] {
        filter(patterns) { sub, sup in sub.support == sup.support }
    }

    public static func maximal(_ patterns: [SequentialPattern]) -> [SequentialPattern] {
        filter(patterns) { _, _ in true }
    }

    /// Keeps the patterns for which no one-longer super-pattern satisfies `covers`.
    private static func filter(_ patterns: [SequentialPattern], covers: (SequentialPattern, SequentialPattern) -> Bool) -> [SequentialPattern] {
        var index: [[Int32]: Int] = [:]
        for (i, p) in patterns.enumerated() { index[p.items] = i }
        var covered = [Bool](repeating: false, count: patterns.count)
        for q in patterns where q.items.count > 1 {
            for k in 0 ..< q.items.count {
                var sub = q.items
                sub.remove(at: k)
                if let i = index[sub], covers(patterns[i], q) { covered[i] = true }
            }
        }
        return patterns.enumerated().filter { !covered[$0.offset] }.map(\.element)
    }
}
