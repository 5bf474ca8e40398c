/// Small byte-level helpers shared by the line parsers.
enum FieldDecoding {
    static let dash = UInt8(ascii: "-")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let questionMark = UInt8(ascii: "?")

    /// A text field: a lone `-` (the logs' "no value") or nothing at all means absent.
    @inline(__always)
    static func text(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> FieldRef {
        if end - start == 1 && p[start] == dash { return .absent }
        return FieldRef(start, end)
    }

    /// Decodes the escapes Apache and nginx write inside quoted fields (`\"`, `\\`, `\x22`, `\x5C`),
    /// in place; returns the new end. Other `\xhh` sequences stay as written (they stand for
    /// control bytes the server refused to log raw).
    static func unescapeQuoted(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        guard ByteSearch.find(backslash, in: p, from: start, end: end) != nil else { return end }
        var r = start
        var w = start
        while r < end {
            let b = p[r]
            if b == backslash && r + 1 < end {
                let n = p[r + 1]
                if n == quote || n == backslash {
                    p[w] = n
                    w += 1
                    r += 2
                    continue
                }
                if n == UInt8(ascii: "x") && r + 3 < end {
                    let h1 = p[r + 2] | 0x20
                    let h2 = p[r + 3] | 0x20
                    if h1 == UInt8(ascii: "2") && h2 == UInt8(ascii: "2") {
                        p[w] = quote
                        w += 1
                        r += 4
                        continue
                    }
                    if h1 == UInt8(ascii: "5") && h2 == UInt8(ascii: "c") {
                        p[w] = backslash
                        w += 1
                        r += 4
                        continue
                    }
                }
            }
            p[w] = b
            w += 1
            r += 1
        }
        return w
    }

    /// An unsigned decimal integer filling [start, end); nil if empty or not all digits.
    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard end > start, end - start <= 18 else { return nil }
        var value: Int64 = 0
        for i in start ..< end {
            let d = Int64(p[i]) &- 48
            guard d >= 0 && d <= 9 else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// A decimal number with optional fraction, scaled by `scale` (e.g. seconds -> microseconds).
    static func scaledDecimal(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, scale: Int64) -> Int64? {
        var i = start
        var whole: Int64 = 0
        var digits = 0
        while i < end, p[i] >= 48 && p[i] <= 57 {
            guard digits < 15 else { return nil }
            whole = whole * 10 + Int64(p[i] - 48)
            digits += 1
            i += 1
        }
        var result = whole * scale
        if i < end && p[i] == UInt8(ascii: ".") {
            i += 1
            var unit = scale / 10
            var fractionDigits = 0
            while i < end, p[i] >= 48 && p[i] <= 57 {
                result += Int64(p[i] - 48) * unit
                unit /= 10
                fractionDigits += 1
                i += 1
            }
            digits += fractionDigits
        }
        return i == end && digits > 0 ? result : nil
    }

    /// Splits a request line `METHOD URI PROTOCOL` into the record's method, path, query and protocol.
    /// `-` (no request) leaves them absent; HTTP/0.9 lines have no protocol. URIs with spaces survive
    /// because the protocol is taken from the last space.
    @inline(__always)
    static func splitRequest(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into record: inout LogRecord) {
        guard end > start, !(end - start == 1 && p[start] == dash) else { return }
        guard let methodEnd = ByteSearch.find(space, in: p, from: start, end: end) else {
            record.method = FieldRef(start, end)
            return
        }
        record.method = FieldRef(start, methodEnd)
        var uriStart = methodEnd + 1
        while uriStart < end && p[uriStart] == space { uriStart += 1 }
        var uriEnd = end
        var at = end - 1
        // The protocol is almost always 8 bytes (`HTTP/1.1`): when those hold no space and a space
        // precedes them, that space is the last one, found without the byte-by-byte walk back.
        if end - 9 >= uriStart && p[end - 9] == space
            && !ByteSearch.hasByte(space, in: UnsafeRawPointer(p + end - 8).loadUnaligned(as: UInt64.self))
        {
            at = end - 9
        }
        while at >= uriStart && p[at] != space { at -= 1 }
        if at >= uriStart {
            if end - at > 5 && p[at + 1] == UInt8(ascii: "H") && p[at + 2] == UInt8(ascii: "T") {
                record.proto = FieldRef(at + 1, end)
                uriEnd = at
            }
        }
        splitURI(p, uriStart, uriEnd, into: &record)
    }

    /// Where the authority starts in `http://` or `https://` (any case) at `start`; nil otherwise.
    @inline(__always)
    static func absoluteFormAuthority(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard end - start >= 8, p[start] | 0x20 == UInt8(ascii: "h"), p[start + 1] | 0x20 == UInt8(ascii: "t"),
              p[start + 2] | 0x20 == UInt8(ascii: "t"), p[start + 3] | 0x20 == UInt8(ascii: "p") else { return nil }
        var k = start + 4
        if p[k] | 0x20 == UInt8(ascii: "s") { k += 1 }
        guard end - k >= 3, p[k] == UInt8(ascii: ":"), p[k + 1] == UInt8(ascii: "/"), p[k + 2] == UInt8(ascii: "/") else { return nil }
        return k + 3
    }

    /// `path?query` into path and query (query without its `?`). An absolute-form target
    /// (`http://host:80/path?query`: proxies, load balancers such as AWS ALB) gives its path too;
    /// with no path after the host, the path is `/` (the second slash of `//`).
    @inline(__always)
    static func splitURI(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into record: inout LogRecord) {
        guard end > start else { return }
        var start = start
        if p[start] != UInt8(ascii: "/"), let authority = absoluteFormAuthority(p, start, end) {
            var k = authority
            while k < end && p[k] != UInt8(ascii: "/") && p[k] != questionMark { k += 1 }
            if k == end || p[k] == questionMark {
                record.path = FieldRef(authority - 1, authority)
                if k < end { record.query = FieldRef(k + 1, end) }
                return
            }
            start = k
        }
        if let at = ByteSearch.find(questionMark, in: p, from: start, end: end) {
            record.path = FieldRef(start, at)
            record.query = FieldRef(at + 1, end)
        } else {
            record.path = FieldRef(start, end)
        }
    }
}
