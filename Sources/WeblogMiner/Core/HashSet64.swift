/// A set of 64-bit hashes (open addressing), for counting distinct byte strings without storing them.
/// Counts are exact unless two distinct strings share a 64-bit hash: for a million distinct strings
/// the chance of that is below 1 in 30 million.
public struct HashSet64: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    public private(set) var count = 0
    /// 0 marks an empty slot, so the (rare) hash 0 is tracked on the side.
    private var hasZero = false

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Adds a hash; returns true if it was new.
    @discardableResult
    public mutating func insert(_ h: UInt64) -> Bool {
        if h == 0 {
            if hasZero { return false }
            hasZero = true
            count += 1
            return true
        }
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry == h { return false }
            if entry == 0 { break }
            slot = (slot + 1) & mask
        }
        slots[slot] = h
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    /// Every hash in the set.
    public var values: [UInt64] { slots.filter { $0 != 0 } + (hasZero ? [0] : []) }

    public func contains(_ h: UInt64) -> Bool {
        if h == 0 { return hasZero }
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry == h { return true }
            if entry == 0 { return false }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for h in old where h != 0 {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = h
        }
    }
}
