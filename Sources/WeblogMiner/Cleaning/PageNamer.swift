/// Turns a URL path (and query) into a page name the way sessions do — normalisation, kept query
/// parameters, then the page mapping rules — so pages from a site export or an edge list line up
/// with pages from the logs.
public struct PageNamer {
    let normalizer: URLNormalizer
    var mapper: PageMapper?

    public init(cleaning: CleaningOptions) {
        normalizer = URLNormalizer(normalize: cleaning.normalizeURLs, keptParameters: cleaning.keptParameters)
        mapper = cleaning.pageMap
    }

    /// A private copy for another thread (PCRE2 match data is per thread).
    func copy() -> PageNamer {
        var c = self
        c.mapper = mapper?.copy()
        return c
    }

    /// Writes the page name into `out`; true when a mapping rule hit PCRE2's match limit (the name
    /// is then left unmapped).
    func name(path: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>?, into out: inout [UInt8]) -> Bool {
        if path.first == UInt8(ascii: "/") {
            normalizer.page(path: path, query: query, into: &out)
        } else {
            // Click logs name pages by id (`81766`): keep them as they are.
            out.removeAll(keepingCapacity: true)
            out.append(contentsOf: path)
        }
        if let mapper { return mapper.map(&out) == .limitExceeded }
        return false
    }

    /// The mapping rule that last hit PCRE2's match limit.
    var lastLimitRule: Int { mapper?.lastLimitRule ?? 0 }

    /// Whether `name(path:query:)` would give `path` itself (no mapping rules, nothing to normalise,
    /// no kept query parameter): the caller can then use the path as it is.
    @inline(__always)
    func leavesUnchanged(path: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>?) -> Bool {
        guard mapper == nil else { return false }
        return path.first != UInt8(ascii: "/") || normalizer.leavesUnchanged(path: path, query: query)
    }

    /// The page name of a path given as text (`/pricing?x=1`), splitting off the query and fragment.
    public func name(of url: String) -> String {
        var bytes = Array(url.utf8)
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { bytes.removeSubrange(hash...) }
        var out: [UInt8] = []
        let question = bytes.firstIndex(of: UInt8(ascii: "?"))
        bytes.withUnsafeBufferPointer { b in
            let path = UnsafeBufferPointer(rebasing: b[..<(question ?? b.count)])
            let query = question.map { UnsafeBufferPointer(rebasing: b[($0 + 1)...]) }
            _ = name(path: path, query: query, into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
