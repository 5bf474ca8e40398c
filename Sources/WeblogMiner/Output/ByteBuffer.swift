/// A growable in-memory byte buffer: formatters write into one per batch on worker threads, and the
/// writer thread copies the finished buffers to the output in input order.
public final class ByteBuffer: @unchecked Sendable {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var capacity: Int
    public private(set) var count = 0

    public init(capacity: Int = 64 * 1024) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    public func removeAll() { count = 0 }

    /// Makes room for at least `needed` more bytes; `body` writes them and returns how many it used.
    @inline(__always)
    public func reserve(_ needed: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if capacity - count < needed { grow(to: count + needed) }
        count += body(base + count)
    }

    public func append(_ bytes: [UInt8]) {
        reserve(bytes.count) { p in
            bytes.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
            return bytes.count
        }
    }

    private func grow(to minimum: Int) {
        var size = capacity * 2
        while size < minimum { size *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = size
    }

    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}
