/// A block of decompressed bytes holding only whole lines (the last one may lack its newline
/// at the end of a file). Batches are recycled through a pool so steady-state ingest allocates nothing.
final class LineBatch: @unchecked Sendable {
    private(set) var buffer: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Doubles the buffer, keeping its content (for lines longer than a batch).
    func grow(to newCapacity: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity = newCapacity
    }

    var freeSpace: Int { capacity - count }
}

/// What the reading thread tells the parsing thread, in input order.
enum IngestEvent: @unchecked Sendable {
    case beginFile(index: Int)
    case batch(index: Int, LineBatch)
    /// A line longer than the limit was skipped (counted as one rejected line).
    case overlongLine(index: Int)
    /// The input ended inside a line because the stream was truncated or corrupt.
    case partialLine(index: Int, byteCount: Int)
    case endFile(index: Int, outcome: InputOutcome, compressedBytes: Int64, wasGzip: Bool)
    case cannotOpen(index: Int, InputError)
    case finished
}
