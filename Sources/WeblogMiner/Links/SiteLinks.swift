import Glibc

/// The site's own link graph: from a directory of HTML files (a static export or a mirror) or from an
/// edge list (`from<TAB>to`, paths or URLs). Targets are resolved against their page (or `<base>`),
/// then named like log pages (normalisation and mapping), so both graphs share page names.
public struct SiteLinks: Sendable {
    /// Pages of the site (every exported file, and every internal link target).
    public var pages: [String] = []
    /// Distinct links between different pages.
    public var links: [(from: String, to: String)] = []
    public var filesRead = 0
    public var externalLinks = 0
    /// mailto:, javascript:, tel:, data: and links to the page itself.
    public var ignoredLinks = 0

    public init() {}

    /// How exported file names become URLs: `pricing.html` is `/pricing` (`.stripExtension`, like
    /// most static-site exports) or `/pricing.html` (`.keepExtension`, like a wget mirror).
    public enum FileURLStyle: String, Sendable, CaseIterable {
        case stripExtension = "strip"
        case keepExtension = "keep"
    }

    static let htmlExtensions = [".html", ".htm", ".xhtml", ".shtml"]

    /// The link graph the user named: a site directory, else an edge list, else none.
    public static func load(directory: String?, edgeList: String?, style: FileURLStyle, cleaning: CleaningOptions) throws -> SiteLinks? {
        let namer = PageNamer(cleaning: cleaning)
        if let directory { return try read(directory: directory, namer: namer, siteHosts: cleaning.siteHosts, style: style) }
        if let edgeList { return try read(edgeList: InputSpec(edgeList), namer: namer) }
        return nil
    }

    /// What was read, for a note on stderr.
    public var summary: String {
        "site: \(filesRead) files, \(pages.count) pages, \(links.count) links (\(externalLinks) external, \(ignoredLinks) self/mailto/script links ignored)"
    }

    /// Reads every HTML file under `directory`. `siteHosts`: absolute links to these hosts are internal.
    public static func read(directory: String, namer: PageNamer, siteHosts: Set<String>, style: FileURLStyle = .stripExtension) throws(InputError) -> SiteLinks {
        var files: [String] = []
        try listFiles(directory, relative: "", into: &files)
        files.sort()
        var site = SiteLinks()
        // URL path of each exported file, to map `x.html` links onto the file's page.
        var fileURL: [String: String] = [:]
        for f in files { fileURL["/" + f] = url(ofFile: f, style: style) }
        var pageSet = Set<String>()
        var linkSet = Set<String>()
        for f in files {
            let spec = InputSpec(directory + "/" + f)
            let bytes: [UInt8]
            do {
                bytes = try Decompressor.readAll(spec).bytes
            } catch let error as InputError {
                throw error
            } catch {
                throw InputError.cannotOpen(path: spec.path, errno: EIO)
            }
            site.filesRead += 1
            let pageURL = url(ofFile: f, style: style)
            let from = namer.name(of: pageURL)
            if pageSet.insert(from).inserted { site.pages.append(from) }
            let found = HTMLLinkExtractor.links(in: bytes)
            let base = found.base.flatMap { resolve($0, against: pageURL, siteHosts: siteHosts) } ?? pageURL
            for href in found.hrefs {
                guard let target = resolve(href, against: base, siteHosts: siteHosts) else {
                    if isExternal(href) { site.externalLinks += 1 } else { site.ignoredLinks += 1 }
                    continue
                }
                let pathOnly = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
                let mapped = fileURL[pathOnly].map { $0 + target.dropFirst(pathOnly.count) } ?? target
                let to = namer.name(of: mapped)
                guard to != from else {
                    site.ignoredLinks += 1
                    continue
                }
                if pageSet.insert(to).inserted { site.pages.append(to) }
                if linkSet.insert(from + "\t" + to).inserted { site.links.append((from, to)) }
            }
        }
        return site
    }

    /// Reads `from<TAB>to` lines (paths or http(s) URLs; `#` comments and a `from	to` header skipped).
    public static func read(edgeList input: InputSpec, namer: PageNamer) throws -> SiteLinks {
        var site = SiteLinks()
        var pageSet = Set<String>()
        var linkSet = Set<String>()
        _ = try Decompressor.forEachLine(input) { line, number in
            let text = String(decoding: line, as: UTF8.self)
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2, !text.hasPrefix("#") else { return }
            if number == 1 && fields[0] == "from" { return }
            guard let a = resolve(String(fields[0]), against: "/", siteHosts: nil),
                  let b = resolve(String(fields[1]), against: "/", siteHosts: nil) else { return }
            let from = namer.name(of: a), to = namer.name(of: b)
            for p in [from, to] where pageSet.insert(p).inserted { site.pages.append(p) }
            if from != to && linkSet.insert(from + "\t" + to).inserted { site.links.append((from, to)) }
        }
        return site
    }

    /// `p/1000.html` -> `/p/1000`; `blog/index.html` -> `/blog/`.
    static func url(ofFile file: String, style: FileURLStyle) -> String {
        var path = "/" + file
        for index in ["index.html", "index.htm"] where path.hasSuffix("/" + index) { return String(path.dropLast(index.count)) }
        if style == .stripExtension, let ext = htmlExtensions.first(where: { path.hasSuffix($0) }) { path.removeLast(ext.count) }
        return path
    }

    static func isExternal(_ href: String) -> Bool {
        let lower = href.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("//")
    }

    /// Resolves `href` against the page path `base` (RFC 3986, paths only): returns an absolute path
    /// with its query, or nil for other schemes, fragments of the same page and other hosts.
    /// `siteHosts` nil: any host counts as the site (edge lists name only the site's own pages).
    static func resolve(_ href: String, against base: String, siteHosts: Set<String>?) -> String? {
        var ref = Substring(href)
        if let hash = ref.firstIndex(of: "#") { ref = ref[..<hash] }
        if ref.isEmpty { return nil }
        let lower = ref.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("//") {
            let afterScheme = lower.hasPrefix("//") ? ref.dropFirst(2) : ref[ref.index(ref.firstIndex(of: ":")!, offsetBy: 3)...]
            let hostEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
            var host = afterScheme[..<hostEnd].lowercased()
            if let at = host.lastIndex(of: "@") { host = String(host[host.index(after: at)...]) }
            if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
            if let siteHosts, !siteHosts.contains(host) { return nil }
            let rest = afterScheme[hostEnd...]
            return rest.hasPrefix("?") || rest.isEmpty ? "/" + rest : String(rest)
        }
        // Any other scheme (mailto:, javascript:, tel:, data:, ftp:) is no page of the site.
        if let colon = ref.firstIndex(of: ":"), !ref[..<colon].contains("/"), !ref[..<colon].contains("?") { return nil }
        let queryStart = ref.firstIndex(of: "?")
        let refPath = ref[..<(queryStart ?? ref.endIndex)]
        let query = queryStart.map { ref[$0...] } ?? ""
        var path: String
        if refPath.hasPrefix("/") {
            path = String(refPath)
        } else if refPath.isEmpty {
            path = String(base.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        } else {
            let basePath = base.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let dir = basePath[...(basePath.lastIndex(of: "/") ?? basePath.startIndex)]
            path = String(dir) + refPath
        }
        return removeDotSegments(path) + query
    }

    /// `/a/./b/../c` -> `/a/c` (RFC 3986 section 5.2.4); never climbs above the root.
    static func removeDotSegments(_ path: String) -> String {
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (k, s) in segments.enumerated() {
            let last = k == segments.count - 1
            if s == "." {
                if last { out.append("") }
            } else if s == ".." {
                if !out.isEmpty { out.removeLast() }
                if last { out.append("") }
            } else {
                out.append(s)
            }
        }
        return "/" + out.joined(separator: "/")
    }

    private static func listFiles(_ root: String, relative: String, into files: inout [String]) throws(InputError) {
        let path = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(path) else { throw InputError.cannotOpen(path: path, errno: errno) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            let rel = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard stat(root + "/" + rel, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try listFiles(root, relative: rel, into: &files)
            } else if htmlExtensions.contains(where: { name.lowercased().hasSuffix($0) }) {
                files.append(rel)
            }
        }
    }
}
