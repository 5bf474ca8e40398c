/// Byte searches for the per-field hot path. Fields are short (a few to a few hundred bytes), where a
/// call into libc's memchr costs more than the search itself; these scan 8 bytes at a time inline.
enum ByteSearch {
    @inline(__always) static func broadcast(_ b: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(b) }

    /// Index of the first `byte` in p[from..<end], or nil.
    @inline(__always)
    static func find(_ byte: UInt8, in p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        let pattern = broadcast(byte)
        let raw = UnsafeRawPointer(p)
        while i + 8 <= end {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
            // High bit set in each byte of x that is zero (exact for the lowest one on little-endian).
            let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            if p[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Index of the first `a` or `b` in p[from..<end], or nil.
    @inline(__always)
    static func find(_ a: UInt8, or b: UInt8, in p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        let pa = broadcast(a)
        let pb = broadcast(b)
        let raw = UnsafeRawPointer(p)
        while i + 8 <= end {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let x = w ^ pa
            let y = w ^ pb
            let found = ((x &- 0x0101_0101_0101_0101) & ~x | (y &- 0x0101_0101_0101_0101) & ~y) & 0x8080_8080_8080_8080
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            if p[i] == a || p[i] == b { return i }
            i += 1
        }
        return nil
    }

    /// Number of `byte`s in p[0..<count] (exact per-byte zero test, then popcount).
    static func count(_ byte: UInt8, in p: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var n = 0
        var i = 0
        let pattern = broadcast(byte)
        let raw = UnsafeRawPointer(p)
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        while i + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
            let t = ~(((x & low7) &+ low7) | x | low7)
            n += t.nonzeroBitCount
            i += 8
        }
        while i < count {
            if p[i] == byte { n += 1 }
            i += 1
        }
        return n
    }
}
