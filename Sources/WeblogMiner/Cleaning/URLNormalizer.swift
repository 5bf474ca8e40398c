/// Turns a requested path (and query) into a page name: percent-decoding, `//` collapse, `.`/`..`
/// segments resolved, `index.html` and friends reduced to their directory, and the query dropped
/// except the parameters the user keeps.
struct URLNormalizer {
    let normalize: Bool
    let keptParameters: [[UInt8]]
    let keepWholeQuery: Bool
    static let indexNames: [[UInt8]] = ["index.html", "index.htm", "index.php", "index.shtml", "index.asp", "default.htm", "default.html", "default.asp", "default.aspx"].map { Array($0.utf8) }

    init(normalize: Bool, keptParameters: [String]) {
        self.normalize = normalize
        keepWholeQuery = keptParameters.contains("*")
        self.keptParameters = keptParameters.filter { $0 != "*" }.map { Array($0.utf8) }
    }

    /// Writes the page name for `path`/`query` into `out` (replacing its content).
    func page(path: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>?, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        guard normalize else {
            out.append(contentsOf: path)
            appendQuery(query, to: &out)
            return
        }
        if isAlreadyNormal(path) {
            // Most paths need no change: copy them without building segments.
            out.append(contentsOf: path)
            appendQuery(query, to: &out)
            return
        }
        // Percent-decoding, except for bytes that would change the path's structure (/ ? # %).
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var i = 0
        while i < path.count {
            let b = path[i]
            if b == UInt8(ascii: "%"), i + 2 < path.count, let h = hex(path[i + 1]), let l = hex(path[i + 2]) {
                let v = h << 4 | l
                if v != UInt8(ascii: "/") && v != UInt8(ascii: "?") && v != UInt8(ascii: "#") && v != UInt8(ascii: "%") && v != 0 {
                    decoded.append(v)
                    i += 3
                    continue
                }
            }
            decoded.append(b)
            i += 1
        }
        // Segments: collapse empty ones (//), resolve . and ..
        var segments: [ArraySlice<UInt8>] = []
        let endsWithSlash = decoded.last == UInt8(ascii: "/")
        for segment in decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.count == 1 && segment.first == UInt8(ascii: ".") { continue }
            if segment.count == 2 && segment.elementsEqual([46, 46]) {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var directory = endsWithSlash
        if let last = segments.last, Self.indexNames.contains(where: { $0.elementsEqual(last.lazy.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }) }) {
            segments.removeLast()
            directory = true
        }
        out.append(UInt8(ascii: "/"))
        for (k, segment) in segments.enumerated() {
            out.append(contentsOf: segment)
            if k < segments.count - 1 || directory { out.append(UInt8(ascii: "/")) }
        }
        if out.count > 1 && out.last == UInt8(ascii: "/") && out[out.count - 2] == UInt8(ascii: "/") { out.removeLast() }
        appendQuery(query, to: &out)
    }

    /// Whether `page(path:query:)` would write `path` unchanged (see `appendQuery`, `isAlreadyNormal`).
    @inline(__always)
    func leavesUnchanged(path: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>?) -> Bool {
        let queryDropped = query == nil || query!.isEmpty || (!keepWholeQuery && keptParameters.isEmpty)
        return queryDropped && (!normalize || isAlreadyNormal(path))
    }

    /// No `%`, no empty, `.` or `..` segment, and a last segment that is no index file name.
    private func isAlreadyNormal(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard path.first == UInt8(ascii: "/") else { return false }
        var segmentStart = 1
        for i in 0 ..< path.count {
            let b = path[i]
            if b == UInt8(ascii: "%") { return false }
            if b == UInt8(ascii: "/") && i > 0 {
                let length = i - segmentStart
                if length == 0 { return false }  // "//"
                if path[segmentStart] == UInt8(ascii: "."), length <= 2, length == 1 || path[segmentStart + 1] == UInt8(ascii: ".") { return false }
                segmentStart = i + 1
            }
        }
        let lastLength = path.count - segmentStart
        if lastLength > 0 && path[segmentStart] == UInt8(ascii: ".") && lastLength <= 2 && (lastLength == 1 || path[segmentStart + 1] == UInt8(ascii: ".")) { return false }
        if lastLength >= 9 && lastLength <= 12 {
            let last = UnsafeBufferPointer(rebasing: path[segmentStart...])
            if Self.indexNames.contains(where: { $0.elementsEqual(last.lazy.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }) }) { return false }
        }
        return true
    }

    private func appendQuery(_ query: UnsafeBufferPointer<UInt8>?, to out: inout [UInt8]) {
        guard let query, query.count > 0, keepWholeQuery || !keptParameters.isEmpty else { return }
        if keepWholeQuery {
            out.append(UInt8(ascii: "?"))
            out.append(contentsOf: query)
            return
        }
        var first = true
        for param in query.split(separator: UInt8(ascii: "&")) {
            let name = param.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false).first ?? param
            guard keptParameters.contains(where: { $0.elementsEqual(name) }) else { continue }
            out.append(first ? UInt8(ascii: "?") : UInt8(ascii: "&"))
            out.append(contentsOf: param)
            first = false
        }
    }

    private func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48 ... 57: c - 48
        case 65 ... 70: c - 55
        case 97 ... 102: c - 87
        default: nil
        }
    }

    /// Splits an absolute referrer `scheme://host[:port]/path?query` into its lower-cased host (port
    /// dropped) and the path and query; nil for anything else (`-`, `android-app://`, garbage).
    /// The host comes back as a range of `r` (as logged, not lower-cased): no allocation per referrer.
    static func splitReferrer(_ r: UnsafeBufferPointer<UInt8>) -> (host: Range<Int>, path: Range<Int>, query: Range<Int>?)? {
        // Only http(s): check the scheme in place (this runs for every page view with a referrer).
        let colon: Int
        if r.count > 7 && r[0] | 0x20 == 104 && r[1] | 0x20 == 116 && r[2] | 0x20 == 116 && r[3] | 0x20 == 112 {
            colon = r[4] == 58 ? 4 : (r[4] | 0x20 == 115 && r[5] == 58 ? 5 : -1)
        } else {
            colon = -1
        }
        guard colon > 0, colon + 2 < r.count, r[colon + 1] == 47, r[colon + 2] == 47 else { return nil }
        let hostStart = colon + 3
        var i = hostStart
        while i < r.count && r[i] != 47 && r[i] != 63 && r[i] != 35 { i += 1 }
        var hostEnd = i
        if let portColon = r[hostStart ..< hostEnd].lastIndex(of: UInt8(ascii: ":")) { hostEnd = portColon }
        var pathEnd = i
        while pathEnd < r.count && r[pathEnd] != 63 && r[pathEnd] != 35 { pathEnd += 1 }
        var query: Range<Int>? = nil
        if pathEnd < r.count && r[pathEnd] == 63 {
            var q = pathEnd + 1
            while q < r.count && r[q] != 35 { q += 1 }
            query = (pathEnd + 1) ..< q
        }
        return (hostStart ..< hostEnd, i ..< pathEnd, query)
    }
}
