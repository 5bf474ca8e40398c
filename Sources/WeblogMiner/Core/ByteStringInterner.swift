/// Maps byte strings to dense integer ids (0, 1, 2, ...) and back, storing each distinct string once.
///
/// Open addressing over a flat arena: no Swift `String` or per-key allocation, so interning clients,
/// pages or visitor keys costs a hash and a memcmp. Memory grows with the number of *distinct* keys.
public struct ByteStringInterner {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]  // string i is arena[offsets[i] ..< offsets[i+1]]
    private var hashes: [UInt64] = []
    private var slots: [Int32]  // -1 = empty, else id
    private var mask: Int

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// Number of distinct strings interned.
    public var count: Int { hashes.count }

    /// Returns the id of the string, adding it if new.
    @discardableResult
    public mutating func intern(_ base: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
        let h = hashBytes(base, length)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[slot]
            if id < 0 { break }
            if hashes[Int(id)] == h && equals(Int(id), base, length) { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(hashes.count)
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: base, count: length))
        offsets.append(arena.count)
        slots[slot] = id
        if hashes.count * 2 > slots.count { grow() }
        return id
    }

    public mutating func intern(_ bytes: some Collection<UInt8>) -> Int32 {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { intern($0.baseAddress ?? emptyBytePointer, $0.count) }
    }

    public mutating func intern(_ string: String) -> Int32 { intern(Array(string.utf8)) }

    /// Looks a string up without adding it.
    public func find(_ base: UnsafePointer<UInt8>, _ length: Int) -> Int32? {
        let h = hashBytes(base, length)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[slot]
            if id < 0 { return nil }
            if hashes[Int(id)] == h && equals(Int(id), base, length) { return id }
            slot = (slot + 1) & mask
        }
    }

    public func bytes(of id: Int32) -> ArraySlice<UInt8> {
        arena[offsets[Int(id)] ..< offsets[Int(id) + 1]]
    }

    public func string(of id: Int32) -> String {
        String(decoding: bytes(of: id), as: UTF8.self)
    }

    private func equals(_ id: Int, _ base: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let start = offsets[id]
        guard offsets[id + 1] - start == length else { return false }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, base, length) == 0 }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for (id, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}

/// A valid pointer for zero-length byte buffers.
nonisolated(unsafe) public let emptyBytePointer: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()
