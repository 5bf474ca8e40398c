/// Finds the `href` of every `<a>` (and the `<base href>`) in imperfect HTML without building a DOM:
/// tags and attribute names in any case, values double-, single- or un-quoted, other attributes
/// before href; comments, `<script>` and `<style>` bodies are skipped; character references in
/// the value are decoded (`&amp;`, `&#47;`, `&#x2F;`).
///
///     HTMLLinkExtractor.links(in: Array("<A class=x HREF='/a?b=1&amp;c=2'>".utf8)).hrefs   // ["/a?b=1&c=2"]
public enum HTMLLinkExtractor {
    public struct Links: Sendable, Equatable {
        public var hrefs: [String] = []
        public var base: String? = nil
    }

    public static func links(in html: [UInt8]) -> Links {
        var result = Links()
        let n = html.count
        var i = 0
        while i < n {
            guard html[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            if starts(html, i + 1, "!--") {
                i = find(html, "-->", from: i + 4).map { $0 + 3 } ?? n
                continue
            }
            let (name, nameEnd) = tagName(html, i + 1)
            switch name {
            case "script", "style":
                // Their bodies are not markup: `<a href>` inside a script string is no link.
                i = findCaseInsensitive(html, "</" + name, from: nameEnd) ?? n
            case "a", "base":
                var href: String? = nil
                i = attributes(html, from: nameEnd) { attr, value in
                    if attr == "href" && href == nil { href = value }
                }
                if let href {
                    if name == "a" { result.hrefs.append(href) } else if result.base == nil { result.base = href }
                }
            default:
                i = attributes(html, from: nameEnd) { _, _ in }
            }
        }
        return result
    }

    /// Lower-cased tag name at `i` (empty for `</x>`, `<!doctype>` and stray `<`) and where it ends.
    private static func tagName(_ h: [UInt8], _ start: Int) -> (String, Int) {
        var i = start
        while i < h.count, isNameByte(h[i]) { i += 1 }
        return (String(decoding: h[start ..< i].map { $0 | 0x20 }, as: UTF8.self), i)
    }

    @inline(__always) private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57)
    }

    @inline(__always) private static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 12 }

    /// Reads `name=value` pairs up to the closing `>` (quotes respected); returns the position after it.
    private static func attributes(_ h: [UInt8], from start: Int, _ body: (String, String) -> Void) -> Int {
        var i = start
        let n = h.count
        while i < n {
            while i < n && (isSpace(h[i]) || h[i] == UInt8(ascii: "/")) { i += 1 }
            if i >= n { return n }
            if h[i] == UInt8(ascii: ">") { return i + 1 }
            let nameStart = i
            while i < n && !isSpace(h[i]) && h[i] != UInt8(ascii: "=") && h[i] != UInt8(ascii: ">") && h[i] != UInt8(ascii: "/") { i += 1 }
            let name = String(decoding: h[nameStart ..< i].map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
            while i < n && isSpace(h[i]) { i += 1 }
            guard i < n, h[i] == UInt8(ascii: "=") else {
                if i == nameStart { i += 1 }   // a stray byte: step over it
                continue
            }
            i += 1
            while i < n && isSpace(h[i]) { i += 1 }
            guard i < n else { return n }
            let value: ArraySlice<UInt8>
            if h[i] == UInt8(ascii: "\"") || h[i] == UInt8(ascii: "'") {
                let quote = h[i]
                let end = h[(i + 1)...].firstIndex(of: quote) ?? n
                value = h[(i + 1) ..< end]
                i = min(n, end + 1)
            } else {
                let valueStart = i
                while i < n && !isSpace(h[i]) && h[i] != UInt8(ascii: ">") { i += 1 }
                value = h[valueStart ..< i]
            }
            body(name, decodeReferences(value))
        }
        return n
    }

    /// Decodes the character references that occur in URLs; unknown ones are kept as written.
    static func decodeReferences(_ v: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = v.startIndex
        while i < v.endIndex {
            if v[i] == UInt8(ascii: "&"), let semi = v[i ..< min(v.endIndex, i + 10)].firstIndex(of: UInt8(ascii: ";")) {
                let entity = String(decoding: v[(i + 1) ..< semi], as: UTF8.self)
                var scalar: UInt32? = nil
                switch entity.lowercased() {
                case "amp": scalar = 38
                case "quot": scalar = 34
                case "apos": scalar = 39
                case "lt": scalar = 60
                case "gt": scalar = 62
                default:
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                        scalar = UInt32(entity.dropFirst(2), radix: 16)
                    } else if entity.hasPrefix("#") {
                        scalar = UInt32(entity.dropFirst())
                    }
                }
                if let scalar, let u = Unicode.Scalar(scalar) {
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                    i = semi + 1
                    continue
                }
            }
            out.append(v[i])
            i += 1
        }
        // Whitespace around a URL in an attribute is not part of it (HTML strips it too).
        while let f = out.first, isSpace(f) { out.removeFirst() }
        while let l = out.last, isSpace(l) { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    private static func starts(_ h: [UInt8], _ at: Int, _ s: String) -> Bool {
        let b = Array(s.utf8)
        return at + b.count <= h.count && h[at ..< at + b.count].elementsEqual(b)
    }

    private static func find(_ h: [UInt8], _ s: String, from: Int) -> Int? {
        let b = Array(s.utf8)
        guard b.count > 0, from <= h.count - b.count else { return nil }
        for i in from ... (h.count - b.count) where h[i] == b[0] && h[i ..< i + b.count].elementsEqual(b) { return i }
        return nil
    }

    private static func findCaseInsensitive(_ h: [UInt8], _ s: String, from: Int) -> Int? {
        let b = Array(s.utf8)
        guard b.count > 0, from <= h.count - b.count else { return nil }
        outer: for i in from ... (h.count - b.count) {
            for k in 0 ..< b.count where (h[i + k] >= 65 && h[i + k] <= 90 ? h[i + k] | 0x20 : h[i + k]) != b[k] { continue outer }
            return i
        }
        return nil
    }
}
