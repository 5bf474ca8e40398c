/// Masks personal data in reports (`--anonymize`): an IPv4 address keeps its first three octets
/// (`203.0.113.77` -> `203.0.113.0`), an IPv6 address its /48 prefix (`2001:db8:85a3::8a2e:370:7334` ->
/// `2001:db8:85a3::`), and anything that looks like an e-mail address is replaced by its SHA-256 prefix.
/// A visitor key `ip ua` is masked in its address part.
public enum Anonymizer {
    public static func visitor(_ key: String) -> String {
        guard let space = key.firstIndex(of: " ") else { return value(key) }
        return value(String(key[..<space])) + key[space...]
    }

    public static func value(_ text: String) -> String {
        if text.contains("@") { return "sha256:" + SHA256.hex(text.lowercased()).prefix(16) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }) {
            return parts[0 ..< 3].joined(separator: ".") + ".0"
        }
        if text.contains(":"), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) {
            let groups = expandIPv6(text)
            if groups.count == 8 { return groups[0 ..< 3].map { String($0, radix: 16) }.joined(separator: ":") + "::" }
        }
        return text
    }

    /// The eight 16-bit groups of an IPv6 address (`::` expanded); fewer when it is not one.
    static func expandIPv6(_ text: String) -> [UInt16] {
        let halves = text.components(separatedByString: "::")
        guard halves.count <= 2 else { return [] }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                if g.contains(".") { return out + [0, 0] }   // embedded IPv4: only the prefix matters here
                guard let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return [] }
        if halves.count == 1 { return head }
        guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return [] }
        return head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
