/// "Lengthen the stay": per page, the circumstances under which visitors leave it soonest or stay
/// longest, ranked, in words.
///
/// For each page with at least `minimumPageViews` observed dwells, its views are grouped by one factor at
/// a time (entry channel, previous page, position in the session, device, time of day, first or
/// returning visit). Groups with at least `minimumGroupViews` observed dwells are compared by their
/// observed median dwell; the shortest group of a factor against its longest gives an effect, kept
/// only when the model's predicted medians for the two groups point the same way (so an effect is one
/// the model learnt, not noise in a small group) and the ratio is at least `minimumRatio`. Effects are
/// ranked by seconds at stake (zero-second dwells, two requests in the same second, are left out): the short group's views × (long median − short median). Each comes with
/// its group's exit rate (share of its views that end the session).
public enum StaySuggestions {
    public static let minimumPageViews = 30
    public static let minimumGroupViews = 10
    public static let minimumRatio = 1.25

    public struct Effect: Sendable {
        public var page: Int32
        public var factor: String
        public var short: String
        public var long: String
        public var shortMedian: Double
        public var longMedian: Double
        public var shortViews: Int
        public var shortExitRate: Double
        public var advice: String
        /// Seconds at stake: the short group's views × the difference of medians.
        public var weight: Double

        public func sentence(pageName: String) -> String {
            let ratio = longMedian / max(shortMedian, 0.5)
            let x = ratio >= 10 ? String(Int(ratio.rounded())) : String(format4: (ratio * 10).rounded() / 10)
            return "visitors \(short) leave \(pageName) after \(Self.seconds(shortMedian)) median, \(x)x faster than those \(long) (\(Self.seconds(longMedian))); \(Int((shortExitRate * 100).rounded()))% of their views end the visit: \(advice)"
        }

        static func seconds(_ s: Double) -> String { s >= 100 ? "\(Int(s.rounded())) s" : "\(String(format4: (s * 10).rounded() / 10)) s" }
    }

    /// Effects per page, strongest first. `predicted`: the model's median per view (seconds).
    public static func effects(_ views: [DwellView], predicted: [Double], pageNames: @escaping (Int32) -> String) -> [Int32: [Effect]] {
        var byPage: [Int32: [Int]] = [:]
        for (i, v) in views.enumerated() { byPage[v.page, default: []].append(i) }
        typealias Factor = (name: String, describe: (Int64) -> String, advice: (Int64) -> String)
        let channels = EntryChannel.allCases, devices = Device.allCases
        // In the order of `key(_:_:)`.
        let factors: [Factor] = [
            ("channel", { "who came from \(channelName(channels[Int($0)]))" },
             { "make the page answer what \(channelName(channels[Int($0)])) visitors were promised (title, first screen)" }),
            ("previous page", { $0 < 0 ? "entering the site here" : "coming from \(pageNames(Int32($0)))" },
             { $0 < 0 ? "make it a better landing page (what is here, where to go next) for visitors entering here" : "check that the link from \(pageNames(Int32($0))) sets the right expectation" }),
            ("position", { ["seeing it first in their visit", "seeing it 2nd-3rd in their visit", "seeing it 4th-9th in their visit", "seeing it 10 or more views into their visit"][Int($0)] },
             { $0 == 0 ? "give first-time arrivals a clear next step" : "offer a shortcut to what visitors look for this deep in a visit" }),
            ("device", { "on \(devices[Int($0)].rawValue)" }, { "check the page's layout and speed on \(devices[Int($0)].rawValue)" }),
            ("time of day", { ["at night (0-6 h UTC)", "in the morning (6-12 h UTC)", "in the afternoon (12-18 h UTC)", "in the evening (18-24 h UTC)"][Int($0)] },
             { _ in "time campaigns and content for the hours when visitors stay" }),
            ("visit", { $0 == 0 ? "on their first visit" : "returning" },
             { $0 == 0 ? "explain the page to first-time visitors" : "show returning visitors what changed" }),
        ]
        struct Group { var key: Int64; var dwell: [Double] = []; var predicted: [Double] = []; var views = 0; var exits = 0 }
        // The group of a key: factors whose keys are bytes use a table (reset after each page), the
        // previous page a dictionary; both reused (`run` passes every view of its window, so this is
        // one look-up per view, page and factor).
        var byteSlot = [Int](repeating: -1, count: 256)
        var slot: [Int64: Int] = [:]
        var out: [Int32: [Effect]] = [:]
        for (page, rows) in byPage {
            guard rows.lazy.filter({ !views[$0].censored }).count >= minimumPageViews else { continue }
            var effects: [Effect] = []
            for (f, factor) in factors.enumerated() {
                var groups: [Group] = []
                slot.removeAll(keepingCapacity: true)
                for r in rows {
                    let k = Self.key(f, views[r])
                    let g: Int
                    if f != 1 {
                        if byteSlot[Int(k)] < 0 { byteSlot[Int(k)] = groups.count; groups.append(Group(key: k)) }
                        g = byteSlot[Int(k)]
                    } else if let known = slot[k] {
                        g = known
                    } else {
                        g = groups.count
                        slot[k] = g
                        groups.append(Group(key: k))
                    }
                    groups[g].views += 1
                    if views[r].censored { groups[g].exits += 1; continue }
                    // A zero-second dwell (two requests in the same second) is an artefact, not a stay.
                    let dwell = views[r].dwell
                    if dwell <= 0 { continue }
                    groups[g].dwell.append(dwell)
                    if predicted[r].isFinite { groups[g].predicted.append(predicted[r]) }
                }
                if f != 1 { for g in groups { byteSlot[Int(g.key)] = -1 } }
                let usable = groups.filter { $0.dwell.count >= minimumGroupViews && !$0.predicted.isEmpty }
                    .map { (key: $0.key, group: $0, median: Metrics.median($0.dwell), model: Metrics.median($0.predicted)) }
                    .sorted { $0.median != $1.median ? $0.median < $1.median : $0.key < $1.key }
                guard let s = usable.first, let l = usable.last, s.key != l.key else { continue }
                guard l.median >= minimumRatio * max(s.median, 0.5), s.model < l.model else { continue }
                effects.append(Effect(
                    page: page, factor: factor.name, short: factor.describe(s.key), long: factor.describe(l.key), shortMedian: s.median,
                    longMedian: l.median, shortViews: s.group.views, shortExitRate: Double(s.group.exits) / Double(s.group.views),
                    advice: factor.advice(s.key), weight: Double(s.group.views) * (l.median - s.median)))
            }
            if !effects.isEmpty { out[page] = effects.sorted { $0.weight > $1.weight } }
        }
        return out
    }

    /// A view's group under factor `f` (channel, previous page, position, device, time of day, visit):
    /// every factor but the previous page (1) gives a byte.
    @inline(__always) static func key(_ f: Int, _ v: borrowing DwellView) -> Int64 {
        switch f {
        case 0: return Int64(v.channel)
        case 1: return Int64(v.previous)
        case 2: return Int64(positionBucket(v.position))
        case 3: return Int64(v.device)
        case 4: return Int64(v.hour / 6)
        default: return v.sessionsBefore == 0 ? 0 : 1
        }
    }

    static func positionBucket(_ p: Int32) -> Int { p == 0 ? 0 : p < 3 ? 1 : p < 9 ? 2 : 3 }

    static func channelName(_ c: EntryChannel) -> String {
        switch c {
        case .direct: return "direct visits"
        case .search: return "search"
        case .social: return "social media"
        case .referral: return "other sites' links"
        case .campaign: return "campaigns"
        case .email: return "e-mail links"
        case .internal: return "a resumed visit"
        }
    }
}
