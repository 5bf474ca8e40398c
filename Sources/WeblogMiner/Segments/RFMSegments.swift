import Foundation

/// RFM segments of registered customers (recency, frequency, monetary; Hughes 1994): visitors are tied
/// to the registration table as `prospects` ties them (`CustomerJoin`: a login in any session, or the
/// visitor key itself), and every registered user seen in the logs gets
///
/// - recency: days from the start of the user's last session to the end of the data (the newest view),
/// - frequency: the user's sessions,
/// - monetary: the user's sessions that reached a conversion page (purchases with
///   `--conversion '^/checkout/thanks$'`; the logs carry no order values),
///
/// each scored 1-5 by quintile of rank among the users (5 = most recent, most frequent, most
/// conversions; equal values share a score: the share of users with a smaller value, times 5, plus 1),
/// and a named segment from the scores:
///
///     champions    R >= 4, F >= 4, M >= 4
///     loyal        F >= 4, R >= 3 (not champions)
///     new          R >= 4, F <= 2
///     promising    R >= 4 (the others)
///     at risk      R <= 2, F >= 3 or M >= 3
///     hibernating  R <= 2 (the others)
///     need attention  R = 3 (the others)
///
/// `navigation_segment` is the user's most frequent navigation segment (`SegmentDescription`) over
/// their sessions, when given.
public struct RFMSegments: Sendable {
    public struct Customer: Sendable {
        public var user: String
        public var sessions: Int
        public var lastSeen: Int64
        public var recencyDays: Double
        public var conversions: Int
        public var r = 0, f = 0, m = 0
        public var segment = ""
        public var navigationSegment: Int?
    }

    public var customers: [Customer]
    public var joinSummary: String

    public static let columns: [RecordTable.Column] = [
        .init("user", "the registered user's key (as in the registration table)"),
        .init("sessions", "frequency: the user's sessions in the logs"),
        .init("last_seen", "start of the user's last session (UTC)"),
        .init("recency_days", "days from last_seen to the newest view in the logs"),
        .init("conversions", "monetary: the user's sessions that reached a --conversion page"),
        .init("r", "recency score 1-5 (5 = most recent fifth)"),
        .init("f", "frequency score 1-5"),
        .init("m", "monetary score 1-5"),
        .init("rfm", "the three scores, e.g. 545"),
        .init("rfm_segment", "champions, loyal, new, promising, at risk, hibernating, need attention (rules in `segments --help`)"),
        .init("navigation_segment", "the user's most frequent navigation segment (segments.tsv)"),
    ]

    /// Quintile scores: 1 + floor(5 x (values smaller than v) / n), so equal values share a score.
    public static func scores(_ values: [Double]) -> [Int] {
        let sorted = values.sorted()
        let n = Double(values.count)
        return values.map { v in
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            return min(5, 1 + Int(5 * Double(lo) / n))
        }
    }

    public static func segmentName(r: Int, f: Int, m: Int) -> String {
        if r >= 4 && f >= 4 && m >= 4 { return "champions" }
        if f >= 4 && r >= 3 { return "loyal" }
        if r >= 4 && f <= 2 { return "new" }
        if r >= 4 { return "promising" }
        if r <= 2 && (f >= 3 || m >= 3) { return "at risk" }
        if r <= 2 { return "hibernating" }
        return "need attention"
    }

    /// `navigation`: segment of each session (same order as `sessions`), if known.
    public init(sessions: [Session], pages: ByteStringInterner, registrations: Registrations, join options: CustomerJoin.Options,
                conversion: PageMapper?, navigation: [Int?]? = nil) {
        let history = VisitorHistory()
        var byVisitor: [String: [Int]] = [:]
        for (i, s) in sessions.enumerated() {
            history.add(s)
            byVisitor[String(decoding: s.visitor, as: UTF8.self), default: []].append(i)
        }
        let join = CustomerJoin(history: history, registrations: registrations, conversion: nil, pageNames: pages, options: options)
        joinSummary = join.summary
        let converts = ConversionTest(mapper: conversion, pages: pages)
        var perUser: [Int: [Int]] = [:]
        for (v, visitor) in history.visitors.enumerated() {
            guard let row = join.registration[v] else { continue }
            perUser[row, default: []] += byVisitor[visitor.key] ?? []
        }
        let end = history.lastTime
        var customers: [Customer] = []
        for (row, indices) in perUser.sorted(by: { $0.key < $1.key }) {
            let last = indices.map { sessions[$0].start }.max() ?? end
            var nav: Int? = nil
            if let navigation {
                var counts: [Int: Int] = [:]
                for i in indices { if let s = navigation[i] { counts[s, default: 0] += 1 } }
                nav = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
            }
            customers.append(Customer(user: registrations.users[row].key, sessions: indices.count, lastSeen: last,
                                      recencyDays: Double(end - last) / 86_400_000, conversions: indices.filter { converts(sessions[$0]) }.count,
                                      navigationSegment: nav))
        }
        let r = Self.scores(customers.map { -$0.recencyDays })
        let f = Self.scores(customers.map { Double($0.sessions) })
        let m = Self.scores(customers.map { Double($0.conversions) })
        for i in customers.indices {
            customers[i].r = r[i]
            customers[i].f = f[i]
            customers[i].m = m[i]
            customers[i].segment = Self.segmentName(r: r[i], f: f[i], m: m[i])
        }
        // Best first: by scores, then by user.
        self.customers = customers.sorted { ($0.r + $0.f + $0.m, $1.user) > ($1.r + $1.f + $1.m, $0.user) }
    }

    public var table: RecordTable {
        var t = RecordTable(columns: Self.columns)
        for c in customers {
            t.append([.text(c.user), .int(c.sessions), .text(isoTime(c.lastSeen)), .real((c.recencyDays * 1000).rounded() / 1000),
                      .int(c.conversions), .int(c.r), .int(c.f), .int(c.m), .text("\(c.r)\(c.f)\(c.m)"), .text(c.segment),
                      c.navigationSegment.map { .int($0) } ?? .null])
        }
        return t
    }

    /// "champions 40, loyal 12, ..." in the order of the rules.
    public var summary: String {
        let order = ["champions", "loyal", "new", "promising", "at risk", "hibernating", "need attention"]
        var counts: [String: Int] = [:]
        for c in customers { counts[c.segment, default: 0] += 1 }
        return "RFM: \(customers.count) registered users seen: " + order.compactMap { n in counts[n].map { "\(n) \($0)" } }.joined(separator: ", ")
    }
}
