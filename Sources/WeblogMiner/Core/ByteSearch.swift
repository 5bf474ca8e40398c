#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Byte searches for the per-field hot path. Fields are short (a few to a few hundred bytes), where a
/// call into libc's memchr costs more than the search itself; these scan inline, 16 bytes a step with
/// SSE2 (part of every x86-64 CPU), and 8 bytes a step (SWAR) elsewhere and for a tail at a page end.
enum ByteSearch {
    @inline(__always) static func broadcast(_ b: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(b) }

    /// Whether 16 bytes from `p` stay inside p's 4 KB page. The last, partial step of a search loads a
    /// whole 16 bytes there and masks off those past the end: bytes that are never used, read from a
    /// page that is mapped (p itself is in it), so the load cannot fault. This spares the byte-by-byte
    /// tail, which short fields (paths, numbers) always ran into.
    @inline(__always) static func fitsInPage(_ p: UnsafePointer<UInt8>) -> Bool { UInt(bitPattern: p) & 4095 <= 4096 - 16 }

    /// Index of the first `byte` in p[from..<end], or nil.
    @inline(__always)
    static func find(_ byte: UInt8, in p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        #if arch(x86_64)
        let vector = _mm_set1_epi8(CChar(bitPattern: byte))
        while i + 16 <= end {
            let v = _mm_loadu_si128(UnsafeRawPointer(p + i).assumingMemoryBound(to: __m128i.self))
            let mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, vector))
            if mask != 0 { return i + Int(mask.trailingZeroBitCount) }
            i += 16
        }
        if i < end && Self.fitsInPage(p + i) {
            let v = _mm_loadu_si128(UnsafeRawPointer(p + i).assumingMemoryBound(to: __m128i.self))
            let mask = Int(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vector))) & ((1 << (end - i)) - 1)
            return mask != 0 ? i + mask.trailingZeroBitCount : nil
        }
        #endif
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
        #if arch(x86_64)
        let va = _mm_set1_epi8(CChar(bitPattern: a))
        let vb = _mm_set1_epi8(CChar(bitPattern: b))
        while i + 16 <= end {
            let v = _mm_loadu_si128(UnsafeRawPointer(p + i).assumingMemoryBound(to: __m128i.self))
            let mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)))
            if mask != 0 { return i + Int(mask.trailingZeroBitCount) }
            i += 16
        }
        if i < end && Self.fitsInPage(p + i) {
            let v = _mm_loadu_si128(UnsafeRawPointer(p + i).assumingMemoryBound(to: __m128i.self))
            let mask = Int(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)))) & ((1 << (end - i)) - 1)
            return mask != 0 ? i + mask.trailingZeroBitCount : nil
        }
        #endif
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

    /// Whether any of the 8 bytes of `word` is `byte`.
    @inline(__always) static func hasByte(_ byte: UInt8, in word: UInt64) -> Bool {
        let x = word ^ broadcast(byte)
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
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
