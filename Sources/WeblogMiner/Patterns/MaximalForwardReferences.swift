/// Maximal forward references (Chen, Park & Yu, "Efficient data mining for path traversal patterns",
/// 1996): a session is cut where the visitor moves backward (returns to a page already on the current
/// forward path); each maximal forward path becomes its own sequence. `A B C B D` gives `A B C` and
/// `A B D`.
public enum MaximalForwardReferences {
    public static func split(_ db: SequenceDatabase) -> SequenceDatabase {
        var out = SequenceDatabase()
        out.names = db.names
        out.spmfNumbers = db.spmfNumbers
        for s in 0 ..< db.count {
            var path: [Int32] = []
            var forward = true
            for item in db.sequence(s) {
                if let back = path.firstIndex(of: item) {
                    if forward { emit(path, into: &out) }
                    path.removeSubrange((back + 1)...)
                    forward = false
                } else {
                    path.append(item)
                    forward = true
                }
            }
            if forward && !path.isEmpty { emit(path, into: &out) }
        }
        return out
    }

    private static func emit(_ path: [Int32], into db: inout SequenceDatabase) {
        db.items += path
        db.offsets.append(db.items.count)
    }
}
