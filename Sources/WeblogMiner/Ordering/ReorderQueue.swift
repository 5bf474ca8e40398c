/// Hits waiting for the reorder window to pass, in (time, input order). Logs are nearly sorted, so a
/// new hit is almost always appended to a sorted run, or inserted a few places from its end; a hit
/// that belongs further back goes to a binary heap instead, so any disorder costs O(log n) per hit
/// (an insertion far back into the array made a shuffled input quadratic). The earliest hit is the
/// smaller of the run's head and the heap's top. Hits refer to their chunk by slot number; a chunk is
/// released once none of its hits is waiting, at the next removal, so the chunk of the hit just
/// removed stays alive while that hit is used.
struct ReorderQueue {
    private typealias Entry = (hit: Hit, slot: Int)
    private var hits: [Entry] = []
    private var head = 0
    private var heap: [Entry] = []
    private var chunks: [HitChunk] = []
    /// The same chunks, unretained: what the hot path hands out (no reference counting per hit).
    private var chunkRefs: [Unmanaged<HitChunk>] = []
    private var waiting: [Int] = []
    private var firstSlot = 0
    private var lastChunk: UnsafeMutableRawPointer? = nil

    var first: Hit? {
        if heap.isEmpty { return head < hits.count ? hits[head].hit : nil }
        if head < hits.count && !Self.less(heap[0].hit, hits[head].hit) { return hits[head].hit }
        return heap[0].hit
    }

    var count: Int { hits.count - head + heap.count }

    @inline(__always) static func less(_ a: Hit, _ b: Hit) -> Bool { a.time != b.time ? a.time < b.time : a.sequence < b.sequence }

    /// How far back from the end a hit is still inserted into the sorted run.
    private static let shortInsert = 16

    mutating func insert(_ hit: Hit, _ chunk: Unmanaged<HitChunk>) {
        if lastChunk != chunk.toOpaque() {
            lastChunk = chunk.toOpaque()
            chunks.append(chunk.takeUnretainedValue())
            chunkRefs.append(chunk)
            waiting.append(0)
        }
        let slot = firstSlot + chunks.count - 1
        waiting[chunks.count - 1] += 1
        var at = hits.count
        let floor = max(head, hits.count - Self.shortInsert)
        while at > floor && Self.less(hit, hits[at - 1].hit) { at -= 1 }
        if at == hits.count {
            hits.append((hit, slot))
        } else if at > floor || floor == head || !Self.less(hit, hits[floor - 1].hit) {
            hits.insert((hit, slot), at: at)  // its place is within the last few
        } else {
            pushHeap((hit, slot))
        }
    }

    /// The earliest hit and its chunk, valid until the next call.
    mutating func removeFirst() -> (Hit, Unmanaged<HitChunk>) {
        // Release chunks at the front that no waiting hit refers to (keep the newest: it may get more).
        while chunks.count > 1 && waiting[0] == 0 {
            chunks.removeFirst()
            chunkRefs.removeFirst()
            waiting.removeFirst()
            firstSlot += 1
        }
        let entry: Entry
        if !heap.isEmpty && (head >= hits.count || Self.less(heap[0].hit, hits[head].hit)) {
            entry = popHeap()
        } else {
            entry = hits[head]
            head += 1
            if head > 4096 && head * 2 > hits.count {
                hits.removeFirst(head)
                head = 0
            }
        }
        let index = entry.slot - firstSlot
        waiting[index] -= 1
        return (entry.hit, chunkRefs[index])
    }

    private mutating func pushHeap(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(heap[i].hit, heap[parent].hit) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popHeap() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                guard l < heap.count else { break }
                var m = l
                if l + 1 < heap.count && Self.less(heap[l + 1].hit, heap[l].hit) { m = l + 1 }
                guard Self.less(heap[m].hit, heap[i].hit) else { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
