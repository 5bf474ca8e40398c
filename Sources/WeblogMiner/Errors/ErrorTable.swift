/// The rows of `errors` (and run's errors.tsv): one per failed page and status, with the internal
/// pages whose links led there (from the requests' referrers) and, with the site's export, the pages
/// whose HTML links to it: broken links the owner can fix.
public enum ErrorTable {
    public static let columns: [RecordTable.Column] = [
        .init("status", "HTTP status (4xx, 5xx)"),
        .init("page", "the page as sessions name it (after --map)"),
        .init("hits", "failed requests (robots' left out)"),
        .init("from_internal", "of those, requests whose referrer was a page of the site"),
        .init("linked_from", "the internal pages that led there, most requests first (up to 5, 'page (n)')"),
        .init("site_links_from", "with --site: pages of the site export that link to it (up to 5, and how many in all)"),
        .init("broken_link", "1 when a page of the site links here (referrers or export) and the status is 4xx: a link to fix"),
    ]

    public static func rows(_ errors: ErrorCounts, site: SiteLinks? = nil) -> RecordTable {
        struct Row { var hits = 0; var fromSite = 0; var from: [String: Int] = [:] }
        var byPage: [String: Row] = [:]
        for (key, n) in errors.counts {
            let id = "\(key.status)\t" + String(decoding: key.page, as: UTF8.self)
            var row = byPage[id] ?? Row()
            row.hits += n
            if !key.referrer.isEmpty {
                row.fromSite += n
                row.from[String(decoding: key.referrer, as: UTF8.self), default: 0] += n
            }
            byPage[id] = row
        }
        var linking: [String: [String]] = [:]
        if let site { for l in site.links { linking[l.to, default: []].append(l.from) } }
        var table = RecordTable(columns: columns)
        let sorted = byPage.sorted { $0.value.hits != $1.value.hits ? $0.value.hits > $1.value.hits : $0.key < $1.key }
        for (id, row) in sorted {
            let parts = id.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let status = Int(parts[0])!, page = String(parts[1])
            let from = row.from.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            let siteFrom = (linking[page] ?? []).sorted()
            let siteText: FieldValue = site == nil ? .null : .text(siteFrom.prefix(5).joined(separator: ", ") + (siteFrom.count > 5 ? " (\(siteFrom.count) in all)" : ""))
            let broken = status < 500 && (row.fromSite > 0 || !siteFrom.isEmpty)
            table.append([.int(status), .text(page), .int(row.hits), .int(row.fromSite), .text(from), siteText, .int(broken ? 1 : 0)])
        }
        return table
    }
}
