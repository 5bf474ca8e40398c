/// Byte-level writers for the output formats: TSV escaping, JSON strings, numbers and timestamps.
public enum TextEncoding {
    /// Writes a field for TSV: tab, newline, carriage return, backslash and NUL become `\t \n \r \\ \0`.
    @inline(__always)
    public static func writeTSV(_ bytes: UnsafeBufferPointer<UInt8>, to out: OutputStream) throws(OutputError) {
        var clean = true
        for b in bytes where b == 9 || b == 10 || b == 13 || b == 92 || b == 0 {
            clean = false
            break
        }
        if clean { return try out.write(bytes) }
        for b in bytes {
            switch b {
            case 9: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "t"))
            case 10: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "n"))
            case 13: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "r"))
            case 92: try out.write(byte: 92); try out.write(byte: 92)
            case 0: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "0"))
            default: try out.write(byte: b)
            }
        }
    }

    /// Writes a JSON string with quotes. Invalid UTF-8 becomes U+FFFD (JSON text must be UTF-8);
    /// TSV keeps such bytes unchanged.
    public static func writeJSONString(_ bytes: UnsafeBufferPointer<UInt8>, to out: OutputStream) throws(OutputError) {
        try out.write(byte: 34)
        var plain = true
        for b in bytes where b < 0x20 || b == 34 || b == 92 || b >= 0x80 {
            plain = false
            break
        }
        if plain {
            try out.write(bytes)
        } else {
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b < 0x80 {
                    switch b {
                    case 34: try out.write(byte: 92); try out.write(byte: 34)
                    case 92: try out.write(byte: 92); try out.write(byte: 92)
                    case 10: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "n"))
                    case 9: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "t"))
                    case 13: try out.write(byte: 92); try out.write(byte: UInt8(ascii: "r"))
                    case 0 ..< 0x20:
                        try out.write("\\u00")
                        try out.write(byte: hexDigit(b >> 4))
                        try out.write(byte: hexDigit(b & 15))
                    default: try out.write(byte: b)
                    }
                    i += 1
                    continue
                }
                let length = validUTF8Length(bytes, i)
                if length == 0 {
                    try out.write("\u{FFFD}")
                    i += 1
                } else {
                    for k in 0 ..< length { try out.write(byte: bytes[i + k]) }
                    i += length
                }
            }
        }
        try out.write(byte: 34)
    }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    /// Length of the well-formed UTF-8 sequence starting at i, or 0 if it is not one.
    static func validUTF8Length(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let b0 = s[i]
        let n = s.count
        func cont(_ k: Int) -> Bool { k < n && s[k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2 ... 0xDF: return cont(i + 1) ? 2 : 0
        case 0xE0:
            return i + 1 < n && s[i + 1] >= 0xA0 && s[i + 1] <= 0xBF && cont(i + 2) ? 3 : 0
        case 0xE1 ... 0xEC, 0xEE ... 0xEF: return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED: return i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F && cont(i + 2) ? 3 : 0
        case 0xF0: return i + 1 < n && s[i + 1] >= 0x90 && s[i + 1] <= 0xBF && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1 ... 0xF3: return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4: return i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x8F && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: return 0
        }
    }

    /// Decimal digits of a non-negative or negative integer.
    @inline(__always)
    public static func writeInt(_ value: Int64, to out: OutputStream) throws(OutputError) {
        try out.reserve(24) { p in
            var v = value.magnitude
            var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return withUnsafeMutableBytes(of: &tmp) { raw in
                var k = 24
                repeat {
                    k -= 1
                    raw[k] = UInt8(48 + v % 10)
                    v /= 10
                } while v > 0
                var w = 0
                if value < 0 {
                    p[w] = UInt8(ascii: "-")
                    w += 1
                }
                for j in k ..< 24 {
                    p[w] = raw[j]
                    w += 1
                }
                return w
            }
        }
    }
}

/// Formats epoch milliseconds as ISO 8601 UTC (`2000-10-10T20:55:36Z`, or `.123Z` with milliseconds),
/// caching the last second since consecutive log lines share it.
public struct ISOTimeFormatter {
    private var cachedSecond = Int64.min
    private var cached = [UInt8](repeating: 0, count: 19)

    public init() {}

    public mutating func write(_ millis: Int64, to out: OutputStream) throws(OutputError) {
        let second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = Int(millis - second * 1000)
        if second != cachedSecond {
            cachedSecond = second
            let days = second >= 0 ? second / 86400 : (second - 86399) / 86400
            let secOfDay = Int(second - days * 86400)
            let (y, m, d) = Timestamps.civilFromDays(Int(days))
            func put(_ v: Int, _ at: Int, _ width: Int) {
                var v = v
                for k in stride(from: at + width - 1, through: at, by: -1) {
                    cached[k] = UInt8(48 + v % 10)
                    v /= 10
                }
            }
            put(max(0, min(y, 9999)), 0, 4)
            cached[4] = UInt8(ascii: "-")
            put(m, 5, 2)
            cached[7] = UInt8(ascii: "-")
            put(d, 8, 2)
            cached[10] = UInt8(ascii: "T")
            put(secOfDay / 3600, 11, 2)
            cached[13] = UInt8(ascii: ":")
            put(secOfDay / 60 % 60, 14, 2)
            cached[16] = UInt8(ascii: ":")
            put(secOfDay % 60, 17, 2)
        }
        try out.write(cached)
        if fraction != 0 {
            try out.write(byte: UInt8(ascii: "."))
            try out.write(byte: UInt8(48 + fraction / 100))
            try out.write(byte: UInt8(48 + fraction / 10 % 10))
            try out.write(byte: UInt8(48 + fraction % 10))
        }
        try out.write(byte: UInt8(ascii: "Z"))
    }
}
