/// Which sessions a command looks at: "mobile visitors from campaigns last week". Every condition given
/// must hold; each list condition holds when any of its values does.
///
/// - days: the session's first view on or after `since` and on or before `until` (days in the calendar's
///   time zone);
/// - device classes and entry channels (`UserAgentClass`, `EntryChannel`);
/// - entry page: the session's first page matches a PCRE2 pattern;
/// - new or returning visitor: returning from the visitor's second session in the input, or from the
///   first when the visitor is remembered from before (`run`'s store); every session counts for that,
///   also those other conditions leave out.
public final class SegmentFilter {
    public enum VisitorType: String, Sendable { case new, returning }

    public var since: Int32?
    public var until: Int32?
    public var devices: Set<Device> = []
    public var channels: Set<EntryChannel> = []
    public var entryPage: PageMapper?
    public var visitorType: VisitorType?
    public var calendar = SiteCalendar.utc
    private var seen = HashSet64()
    private var entryMatches: [Int32: Bool] = [:]

    public init() {}

    public var isEmpty: Bool { since == nil && until == nil && devices.isEmpty && channels.isEmpty && entryPage == nil && visitorType == nil }

    /// The conditions in one canonical line (kept with a state store: a store holds one segment).
    public var description: String {
        var parts: [String] = []
        if let since { parts.append("since \(SiteCalendar.label(since))") }
        if let until { parts.append("until \(SiteCalendar.label(until))") }
        if !devices.isEmpty { parts.append("device " + devices.map(\.rawValue).sorted().joined(separator: ",")) }
        if !channels.isEmpty { parts.append("channel " + channels.map(\.rawValue).sorted().joined(separator: ",")) }
        if let entryPage { parts.append("entry page " + entryPage.rules.map(\.pattern).joined(separator: ",")) }
        if let visitorType { parts.append(visitorType.rawValue + " visitors") }
        return parts.isEmpty ? "all sessions" : parts.joined(separator: "; ")
    }

    /// Visitors seen before the input (`run`: the visitors its state store remembers): their first
    /// session here is a returning visitor's.
    public func remember(_ visitors: some Sequence<UInt64>) {
        for v in visitors { _ = seen.insert(v) }
    }

    /// Forgets the visitors seen (the input is read again from its start), keeping `visitors`.
    public func reset(remembering visitors: some Sequence<UInt64>) {
        seen = HashSet64()
        remember(visitors)
    }

    /// Whether the session belongs to the segment. Call it once per session, in time order per visitor.
    /// `remember` false: a session still open, judged again when it ends (its visitor is not yet seen).
    public func accepts(_ s: Session, pages: ByteStringInterner, remember: Bool = true) -> Bool {
        let returning = remember ? !seen.insert(s.visitorHash) : seen.contains(s.visitorHash)
        guard let first = s.views.first(where: { !$0.inferred }) else { return false }
        if since != nil || until != nil {
            let day = calendar.day(ofMillis: first.time)
            if let since, day < since { return false }
            if let until, day > until { return false }
        }
        if let visitorType, (visitorType == .returning) != returning { return false }
        if !channels.isEmpty && !channels.contains(EntryChannel(of: s)) { return false }
        if !devices.isEmpty && !devices.contains(UserAgentClass(visitorKey: s.visitor).device) { return false }
        if let entryPage {
            if let known = entryMatches[first.page] {
                if !known { return false }
            } else {
                var name = Array(pages.bytes(of: first.page))
                let hit = entryPage.map(&name) == .mapped
                entryMatches[first.page] = hit
                if !hit { return false }
            }
        }
        return true
    }
}
