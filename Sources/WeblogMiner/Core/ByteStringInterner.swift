/// Maps byte strings to dense integer ids (0, 1, 2, ...) and back, storing each distinct string once.
///
/// Open addressing over a flat arena: no Swift `String` or per-key allocation, so interning clients,
/// pages or visitor keys costs a hash, one probe and a byte compare. Each slot packs a 32-bit hash tag
/// with the id, so a miss rarely touches the arena. Memory grows with the number of *distinct* keys.
public struct ByteStringInterner: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]  // string i is arena[offsets[i] ..< offsets[i+1]]
    private var slots: [UInt64]  // 0 = empty, else (tag << 32) | (id + 1)
    private var mask: Int

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Number of distinct strings interned.
    public var count: Int { offsets.count - 1 }

    @inline(__always) private static func tag(_ h: UInt64) -> UInt64 { h >> 32 }

    /// Returns the id of the string, adding it if new.
    @discardableResult
    public mutating func intern(_ base: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
        let h = hashBytes(base, length)
        let tag = Self.tag(h)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry >> 32 == tag {
                let id = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if equals(id, base, length) { return Int32(id) }
            }
            slot = (slot + 1) & mask
        }
        let id = count
        arena.append(contentsOf: UnsafeBufferPointer(start: base, count: length))
        offsets.append(arena.count)
        slots[slot] = (tag << 32) | UInt64(id + 1)
        if count * 2 > slots.count { grow() }
        return Int32(id)
    }

    public mutating func intern(_ bytes: some Collection<UInt8>) -> Int32 {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { intern($0.baseAddress ?? emptyBytePointer, $0.count) }
    }

    public mutating func intern(_ string: String) -> Int32 { intern(Array(string.utf8)) }

    /// Looks a string up without adding it.
    public func find(_ base: UnsafePointer<UInt8>, _ length: Int) -> Int32? {
        let h = hashBytes(base, length)
        let tag = Self.tag(h)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry >> 32 == tag {
                let id = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if equals(id, base, length) { return Int32(id) }
            }
            slot = (slot + 1) & mask
        }
    }

    public func find(_ string: String) -> Int32? {
        let bytes = Array(string.utf8)
        return bytes.withUnsafeBufferPointer { find($0.baseAddress ?? emptyBytePointer, $0.count) }
    }

    public func bytes(of id: Int32) -> ArraySlice<UInt8> {
        arena[offsets[Int(id)] ..< offsets[Int(id) + 1]]
    }

    public func string(of id: Int32) -> String {
        String(decoding: bytes(of: id), as: UTF8.self)
    }

    @inline(__always)
    private func equals(_ id: Int, _ base: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let start = offsets[id]
        guard offsets[id + 1] - start == length else { return false }
        return arena.withUnsafeBufferPointer { a in
            let p = a.baseAddress! + start
            for k in 0 ..< length where p[k] != base[k] { return false }
            return true
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var bigger = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        arena.withUnsafeBufferPointer { a in
            for id in 0 ..< count {
                let h = hashBytes(a.baseAddress! + offsets[id], offsets[id + 1] - offsets[id])
                var slot = Int(truncatingIfNeeded: h) & newMask
                while bigger[slot] != 0 { slot = (slot + 1) & newMask }
                bigger[slot] = (Self.tag(h) << 32) | UInt64(id + 1)
            }
        }
        slots = bigger
        mask = newMask
    }
}

/// A valid pointer for zero-length byte buffers.
nonisolated(unsafe) public let emptyBytePointer: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()
