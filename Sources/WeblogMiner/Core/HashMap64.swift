/// A map from already-hashed 64-bit keys to objects (open addressing, linear probing). Keys come from
/// `hashBytes`, so they are used as they are: no second hash per lookup, as `Dictionary` would do.
struct HashMap64<Value: AnyObject> {
    private var keys: [UInt64]
    /// nil marks an empty slot (so every key, 0 included, can be stored).
    private var entries: [Value?]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        entries = Array(repeating: nil, count: size)
        mask = size - 1
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(of key: UInt64) -> (slot: Int, found: Bool) {
        var slot = Int(truncatingIfNeeded: key) & mask
        while entries[slot] != nil {
            if keys[slot] == key { return (slot, true) }
            slot = (slot + 1) & mask
        }
        return (slot, false)
    }

    subscript(key: UInt64) -> Value? {
        get {
            let (slot, found) = slot(of: key)
            return found ? entries[slot] : nil
        }
        set {
            guard let newValue else {
                removeValue(forKey: key)
                return
            }
            let (slot, found) = slot(of: key)
            entries[slot] = newValue
            if found { return }
            keys[slot] = key
            count += 1
            if count * 2 > keys.count { grow() }
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: UInt64) -> Value? {
        var (hole, found) = slot(of: key)
        guard found else { return nil }
        let removed = entries[hole]
        entries[hole] = nil
        count -= 1
        // Backward shift: move later entries of the probe run into the hole, so lookups never need
        // tombstones.
        var next = (hole + 1) & mask
        while entries[next] != nil {
            let home = Int(truncatingIfNeeded: keys[next]) & mask
            // Move when the entry's home is not in (hole, next] (cyclically).
            if (next - home) & mask >= (next - hole) & mask {
                keys[hole] = keys[next]
                entries[hole] = entries[next]
                entries[next] = nil
                hole = next
            }
            next = (next + 1) & mask
        }
        return removed
    }

    /// Every value, in no particular order.
    var values: [Value] { entries.compactMap { $0 } }

    mutating func removeAll() {
        for k in entries.indices { entries[k] = nil }
        count = 0
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldEntries = entries
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        entries = Array(repeating: nil, count: oldKeys.count * 2)
        mask = keys.count - 1
        for k in oldKeys.indices {
            guard let value = oldEntries[k] else { continue }
            var slot = Int(truncatingIfNeeded: oldKeys[k]) & mask
            while entries[slot] != nil { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[k]
            entries[slot] = value
        }
    }
}
