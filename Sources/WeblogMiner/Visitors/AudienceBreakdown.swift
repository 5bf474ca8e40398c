/// Sessions broken down by who came and how: entry channel, device class, browser, operating system,
/// and new or returning visitor. Per value: sessions, distinct visitors, bounce rate, engaged sessions
/// (GA4's definition: longer than 10 s, or 2+ page views, or a conversion), median session duration and
/// conversions.
///
/// A visitor is `returning` from its second session in the data given (a window's sessions in `run`).
/// Device, browser and OS come from the user agent in the visitor key (`ip+ua`, the default for access
/// logs); with other keys they are `unknown`/`other`. Memory: per value a set of visitor hashes and a
/// histogram of durations in whole seconds; the values are few (fixed lists).
public final class AudienceBreakdown {
    public enum Dimension: String, Sendable, CaseIterable {
        case channel, device, browser, os, visitor
    }

    /// A class: updated in place (a struct in a dictionary would copy its visitor set per session).
    final class Group {
        var sessions = 0
        var visitors = HashSet64()
        var bounces = 0
        var engaged = 0
        var conversions = 0
        var durations: [Int64: Int] = [:]
    }

    public let dimensions: [Dimension]
    private var groups: [Dimension: [String: Group]] = [:]
    private var seen = HashSet64()
    private var agents: [UInt64: UserAgentClass] = [:]
    public private(set) var sessions = 0

    public init(dimensions: [Dimension] = Dimension.allCases) {
        self.dimensions = dimensions
    }

    /// Engaged as GA4 counts it: longer than 10 s, 2+ page views, or a conversion.
    public static let engagedMillis: Int64 = 10_000

    /// Adds a session; a visitor's sessions in time order (as sessions close, or sorted).
    public func add(_ session: Session, converts: Bool) {
        let observed = session.views.filter { !$0.inferred }
        guard let first = observed.first, let last = observed.last else { return }
        sessions += 1
        let duration = last.time - first.time
        let returning = !seen.insert(session.visitorHash)
        var agent = agents[session.visitorHash]
        if agent == nil && dimensions.contains(where: { $0 == .device || $0 == .browser || $0 == .os }) {
            agent = UserAgentClass(visitorKey: session.visitor)
            agents[session.visitorHash] = agent
        }
        for d in dimensions {
            let value: String
            switch d {
            case .channel: value = EntryChannel(of: session).rawValue
            case .device: value = agent!.device.rawValue
            case .browser: value = agent!.browser.rawValue
            case .os: value = agent!.os.rawValue
            case .visitor: value = returning ? "returning" : "new"
            }
            let g: Group
            if let known = groups[d]?[value] {
                g = known
            } else {
                g = Group()
                groups[d, default: [:]][value] = g
            }
            g.sessions += 1
            _ = g.visitors.insert(session.visitorHash)
            if observed.count == 1 { g.bounces += 1 }
            if duration > Self.engagedMillis || observed.count >= 2 || converts { g.engaged += 1 }
            if converts { g.conversions += 1 }
            g.durations[duration / 1000, default: 0] += 1
        }
    }

    public static let columns: [RecordTable.Column] = [
        .init("dimension", "channel (direct, search, social, referral, campaign, email, internal), device (desktop, mobile, tablet, unknown), browser, os, visitor (new, returning)"),
        .init("value", "the channel, device class, browser or OS family, new or returning"),
        .init("sessions", "sessions"),
        .init("share", "share of all sessions"),
        .init("visitors", "distinct visitors"),
        .init("bounce_rate", "share of sessions with one page view"),
        .init("engaged_sessions", "sessions longer than 10 s, or with 2+ page views, or a conversion (GA4)"),
        .init("engagement_rate", "engaged_sessions / sessions"),
        .init("median_duration_s", "median session duration, first to last view, whole seconds"),
        .init("conversions", "sessions that reached a conversion page (--conversion)"),
        .init("conversion_rate", "conversions / sessions"),
    ]

    /// One row per dimension and value, the largest first within a dimension.
    public func table() -> RecordTable {
        var table = RecordTable(columns: Self.columns)
        func r(_ v: Double) -> FieldValue { .real((v * 10_000).rounded() / 10_000) }
        for d in dimensions {
            for (value, g) in (groups[d] ?? [:]).sorted(by: { $0.value.sessions != $1.value.sessions ? $0.value.sessions > $1.value.sessions : $0.key < $1.key }) {
                let n = Double(g.sessions)
                table.append([.text(d.rawValue), .text(value), .int(g.sessions), r(n / Double(max(sessions, 1))), .int(g.visitors.count),
                              r(Double(g.bounces) / n), .int(g.engaged), r(Double(g.engaged) / n),
                              g.durations.median(count: g.sessions).map { .real($0) } ?? .null, .int(g.conversions), r(Double(g.conversions) / n)])
            }
        }
        return table
    }
}
