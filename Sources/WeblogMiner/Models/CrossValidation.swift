/// Stratified k-fold assignment: every fold gets (nearly) the same share of positive rows, so each
/// test fold's AUC is measured on the same class balance as the whole table.
///
/// Each class is shuffled with a `SeededGenerator` and dealt round-robin to folds; the negatives are
/// dealt starting at the fold after the last positive, so fold sizes differ by at most one.
///
/// ```swift
/// let fold = CrossValidation.stratifiedFolds(labels: y, k: 5, seed: 7)
/// let testRows = fold.indices.filter { fold[$0] == 0 }
/// let trainRows = fold.indices.filter { fold[$0] != 0 }
/// ```
public enum CrossValidation {
    /// Fold (0..<k) of each row, stratified by label, shuffled with a seeded generator.
    public static func stratifiedFolds(labels: [Bool], k: Int, seed: UInt64 = 1) -> [Int] {
        precondition(k > 0, "stratifiedFolds: k must be positive")
        var rng = SeededGenerator(seed: seed)
        var positives = labels.indices.filter { labels[$0] }
        var negatives = labels.indices.filter { !labels[$0] }
        rng.shuffle(&positives)
        rng.shuffle(&negatives)
        var fold = [Int](repeating: 0, count: labels.count)
        var next = 0
        for row in positives + negatives {
            fold[row] = next
            next = (next + 1) % k
        }
        return fold
    }
}
