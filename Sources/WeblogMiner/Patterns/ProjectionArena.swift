/// A search thread's memory for projected databases, used as a stack: a node takes one block for all
/// its children's projections and gives it back when its subtree is done. Blocks come from chunks
/// that never move (a parent's block stays valid while its children take theirs) and are kept for
/// the rest of the search, so after the first few nodes the search allocates nothing.
struct ProjectionArena {
    private var chunks: [(base: UnsafeMutablePointer<Projection>, capacity: Int)] = []
    /// The chunk blocks are taken from, and how much of it is taken.
    private var current = -1
    private var used = 0
    static let chunkSize = 1 << 18

    /// Where the stack stands: give it back to `release(to:)` to free everything taken since.
    struct Mark { fileprivate var chunk: Int, used: Int }

    var mark: Mark { Mark(chunk: current, used: used) }

    /// `count` contiguous slots, valid until the stack is released below them.
    mutating func take(_ count: Int) -> UnsafeMutablePointer<Projection> {
        if current < 0 || used + count > chunks[current].capacity {
            // The next chunk if it is large enough, else a new one in its place (a block never spans two).
            current += 1
            used = 0
            if current < chunks.count && chunks[current].capacity < count {
                chunks[current].base.deallocate()
                chunks.remove(at: current)
            }
            if current == chunks.count {
                let capacity = max(count, Self.chunkSize)
                chunks.insert((UnsafeMutablePointer<Projection>.allocate(capacity: capacity), capacity), at: current)
            }
        }
        let block = chunks[current].base + used
        used += count
        return block
    }

    mutating func release(to mark: Mark) {
        current = mark.chunk
        used = mark.used
    }

    /// Frees every chunk (the arena is not used afterwards).
    mutating func deallocate() {
        for chunk in chunks { chunk.base.deallocate() }
        chunks = []
        current = -1
        used = 0
    }
}
