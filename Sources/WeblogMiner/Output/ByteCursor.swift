/// Writes bytes at a raw pointer. Formatters reserve a worst-case size in the output buffer first,
/// then fill it with these non-throwing, non-allocating calls (no per-byte function boundaries).
struct ByteCursor {
    let base: UnsafeMutablePointer<UInt8>
    var position = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always) mutating func put(_ b: UInt8) {
        base[position] = b
        position += 1
    }

    @inline(__always) mutating func put(_ p: UnsafePointer<UInt8>, _ count: Int) {
        (base + position).update(from: p, count: count)
        position += count
    }

    @inline(__always) mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let b = bytes.baseAddress, bytes.count > 0 { put(b, bytes.count) }
    }

    @inline(__always) mutating func put(_ s: StaticString) {
        put(s.utf8Start, s.utf8CodeUnitCount)
    }

    /// Decimal integer.
    @inline(__always) mutating func putInt(_ value: Int64) {
        if value < 0 { put(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits = 1
        var t = v
        while t >= 10 {
            t /= 10
            digits += 1
        }
        var k = position + digits - 1
        repeat {
            base[k] = UInt8(48 + v % 10)
            v /= 10
            k -= 1
        } while v > 0
        position += digits
    }

    /// A share with at most four decimals, trailing zeros dropped (`0.25`, `1`): the text of
    /// `String(format4:)` for finite values from 0 up. Needs 25 bytes.
    @inline(__always) mutating func putFixed4(_ value: Double) {
        guard value.isFinite && value >= 0 else {
            for b in String(format4: value).utf8 { put(b) }
            return
        }
        let scaled = Int64((value * 10000).rounded())
        putInt(scaled / 10000)
        putFraction(Int(scaled % 10000), digits: 4)
    }

    /// Seconds from milliseconds: whole seconds, or up to three decimals without trailing zeros
    /// (`12`, `0.5`, `-1.5`). Needs 25 bytes.
    @inline(__always) mutating func putSeconds(_ millis: Int64) {
        if millis < 0 && millis > -1000 { put(UInt8(ascii: "-")) }
        putInt(millis / 1000)
        putFraction(Int(abs(millis % 1000)), digits: 3)
    }

    /// `.` and `value` as a fraction of `digits` decimals, its trailing zeros dropped; nothing for 0.
    @inline(__always) mutating func putFraction(_ value: Int, digits: Int) {
        guard value != 0 else { return }
        put(UInt8(ascii: "."))
        var fraction = value, digits = digits
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var k = position + digits - 1
        for _ in 0 ..< digits {
            base[k] = UInt8(48 + fraction % 10)
            fraction /= 10
            k -= 1
        }
        position += digits
    }

    /// ISO 8601 UTC, with milliseconds when not zero: `2026-03-02T08:15:00Z`, `...00.250Z`. Needs 40 bytes.
    mutating func putISO(_ millis: Int64) {
        let s = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - s * 1000)
        let days = s >= 0 ? s / 86400 : (s - 86399) / 86400
        let sod = Int(s - days * 86400)
        let (y, m, d) = Timestamps.civilFromDays(Int(days))
        putInt(Int64(y))
        put(UInt8(ascii: "-"))
        putTwoDigits(m)
        put(UInt8(ascii: "-"))
        putTwoDigits(d)
        put(UInt8(ascii: "T"))
        putTwoDigits(sod / 3600)
        put(UInt8(ascii: ":"))
        putTwoDigits(sod / 60 % 60)
        put(UInt8(ascii: ":"))
        putTwoDigits(sod % 60)
        if ms != 0 { putMillis(ms) }
        put(UInt8(ascii: "Z"))
    }

    @inline(__always) mutating func putTwoDigits(_ v: Int) {
        put(UInt8(48 + v / 10))
        put(UInt8(48 + v % 10))
    }

    /// Three-digit millisecond fraction `.123`.
    @inline(__always) mutating func putMillis(_ millis: Int) {
        put(UInt8(ascii: "."))
        put(UInt8(48 + millis / 100))
        put(UInt8(48 + millis / 10 % 10))
        put(UInt8(48 + millis % 10))
    }

    /// Length of the prefix of p[0..<count] that needs no escaping, 8 bytes at a time: for TSV no byte
    /// below 0x0E and no backslash; for JSON also no quote, no byte below 0x20 and nothing non-ASCII.
    @inline(__always) static func plainPrefix(_ p: UnsafePointer<UInt8>, _ count: Int, json: Bool) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let below: UInt64 = json ? 0x20 : 0x0E
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = w ^ (ones &* 92)
            var special = ((w &- ones &* below) & ~w) | ((b &- ones) & ~b)
            if json {
                let q = w ^ (ones &* 34)
                special |= ((q &- ones) & ~q) | w
            }
            if special & high != 0 { break }
            i += 8
        }
        return i
    }

    /// A TSV field: tab, newline, carriage return, backslash and NUL escaped. Needs 2x the input, 3x
    /// with `spaceAsPercent` (spaces as %20: a token of a space-separated list inside a field).
    @inline(__always) mutating func putTSV(_ p: UnsafePointer<UInt8>, _ count: Int, spaceAsPercent: Bool = false) {
        var i = spaceAsPercent ? 0 : Self.plainPrefix(p, count, json: false)
        if i > 0 { put(p, i) }
        while i < count {
            let b = p[i]
            if b == 32 && spaceAsPercent {
                put(37); put(50); put(48)
            } else if b > 92 || (b != 92 && b > 13) {
                base[position] = b
                position += 1
            } else {
                switch b {
                case 9: put(92); put(UInt8(ascii: "t"))
                case 10: put(92); put(UInt8(ascii: "n"))
                case 13: put(92); put(UInt8(ascii: "r"))
                case 92: put(92); put(92)
                case 0: put(92); put(UInt8(ascii: "0"))
                default: put(b)
                }
            }
            i += 1
        }
    }

    /// A JSON string with its quotes; invalid UTF-8 becomes U+FFFD. Needs 6x the input plus 2.
    mutating func putJSONString(_ p: UnsafePointer<UInt8>, _ count: Int) {
        put(34)
        let bytes = UnsafeBufferPointer(start: p, count: count)
        var i = Self.plainPrefix(p, count, json: true)
        if i > 0 { put(p, i) }
        while i < count {
            let b = p[i]
            if b >= 0x20 && b < 0x80 && b != 34 && b != 92 {
                base[position] = b
                position += 1
                i += 1
                continue
            }
            if b < 0x80 {
                switch b {
                case 34: put(92); put(34)
                case 92: put(92); put(92)
                case 10: put(92); put(UInt8(ascii: "n"))
                case 9: put(92); put(UInt8(ascii: "t"))
                case 13: put(92); put(UInt8(ascii: "r"))
                default:
                    put("\\u00")
                    put(TextEncoding.hexDigit(b >> 4))
                    put(TextEncoding.hexDigit(b & 15))
                }
                i += 1
                continue
            }
            let length = TextEncoding.validUTF8Length(bytes, i)
            if length == 0 {
                put(0xEF); put(0xBF); put(0xBD)
                i += 1
            } else {
                put(p + i, length)
                i += length
            }
        }
        put(34)
    }
}
