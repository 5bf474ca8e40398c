/// Byte-level helpers for the output formats: TSV escaping (streamed) and UTF-8 validation for JSON.
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
}
