import Foundation

/// What each cluster of a fitted mixture is, in figures and in words: its sessions (each sequence
/// goes to its most probable cluster), the pages it views, how its sessions begin, its most frequent
/// and its most probable paths, and, when the sequences are sessions from logs, its entry channels
/// and conversion rates against the overall rates. Segments are numbered from 1 by size (largest
/// first).
public struct SegmentDescription: Sendable {
    /// Per-sequence facts known only for sessions from logs (same order as the sequences).
    public struct Outcomes: Sendable {
        /// The session reached a conversion page.
        public var converted: [Bool]
        /// The session's visitor converted in a later session (one that started after this one).
        public var laterConverts: [Bool]
        /// Entry channel of each session.
        public var channels: [String]
        public init(converted: [Bool], laterConverts: [Bool], channels: [String]) {
            self.converted = converted
            self.laterConverts = laterConverts
            self.channels = channels
        }
    }

    public struct Segment: Sendable {
        public var number: Int
        /// The model's cluster index.
        public var cluster: Int
        public var sessions: Int
        public var share: Double
        public var mixtureWeight: Double
        public var meanViews: Double
        /// Pages by share of the segment's views, with that share and its ratio to the page's share
        /// of all views.
        public var topPages: [(name: String, share: Double, lift: Double)]
        public var entryPages: [(name: String, share: Double)]
        /// Most frequent whole sessions of the segment.
        public var typicalPaths: [(pages: [String], sessions: Int)]
        /// Most probable whole sessions of at most four pages under the cluster's chain.
        public var likelyPaths: [(pages: [String], probability: Double)]
        public var channels: [(name: String, share: Double)]
        public var conversions: Int?
        public var conversionRate: Double?
        public var conversionLift: Double?
        /// Of the segment's sessions that did not convert, the share whose visitor converted in a
        /// later session (they come back and buy), and its ratio to the same share over all sessions.
        public var laterConversionRate: Double?
        public var laterConversionLift: Double?
        public var text: String
    }

    public var segments: [Segment]
    /// Segment number of each sequence (nil for an empty one), and its posterior probability.
    public var assignments: [Int?]
    public var probabilities: [Double]
    public var overallConversionRate: Double?
    public var overallLaterConversionRate: Double?

    public init(model: MarkovMixture, data: SegmentSequences, outcomes: Outcomes? = nil) {
        let K = model.clusters, S = data.states
        var cluster = [Int](repeating: -1, count: data.count)
        var probabilities = [Double](repeating: 0, count: data.count)
        var members = [Int](repeating: 0, count: K)
        var j = [Double](repeating: 0, count: K)
        for i in 0 ..< data.count {
            let x = data.sequence(i)
            guard !x.isEmpty else { continue }
            model.jointLogLikelihoods(x, into: &j)
            var best = 0
            for k in 1 ..< K where j[k] > j[best] { best = k }
            cluster[i] = best
            probabilities[i] = exp(j[best] - logSumExp(j))
            members[best] += 1
        }
        // Clusters no sequence prefers (a small weight spread thin) are left out.
        let order = (0 ..< K).filter { members[$0] > 0 }.sorted { members[$0] != members[$1] ? members[$0] > members[$1] : $0 < $1 }
        var number = [Int](repeating: 0, count: K)
        for (n, k) in order.enumerated() { number[k] = n + 1 }
        assignments = cluster.map { $0 < 0 ? nil : number[$0] }
        self.probabilities = probabilities

        // Counts per cluster.
        let assigned = members.reduce(0, +)
        var views = [[Int]](repeating: [Int](repeating: 0, count: S), count: K)
        var entries = [[Int]](repeating: [Int](repeating: 0, count: S), count: K)
        var allViews = [Int](repeating: 0, count: S)
        var paths = [[ArraySlice<Int32>: Int]](repeating: [:], count: K)
        var conversions = [Int](repeating: 0, count: K), later = [Int](repeating: 0, count: K), notConverted = [Int](repeating: 0, count: K)
        var channels = [[String: Int]](repeating: [:], count: K)
        for i in 0 ..< data.count where cluster[i] >= 0 {
            let k = cluster[i], x = data.sequence(i)
            for s in x { views[k][Int(s)] += 1; allViews[Int(s)] += 1 }
            entries[k][Int(x.first!)] += 1
            paths[k][x, default: 0] += 1
            if let outcomes {
                if outcomes.converted[i] { conversions[k] += 1 }
                if !outcomes.converted[i] {
                    notConverted[k] += 1
                    if outcomes.laterConverts[i] { later[k] += 1 }
                }
                channels[k][outcomes.channels[i], default: 0] += 1
            }
        }
        let totalViews = max(1, allViews.reduce(0, +))
        let overall: Double? = outcomes == nil ? nil : Double(conversions.reduce(0, +)) / Double(max(1, assigned))
        let overallLater: Double? = outcomes == nil ? nil : Double(later.reduce(0, +)) / Double(max(1, notConverted.reduce(0, +)))
        overallConversionRate = overall
        overallLaterConversionRate = overallLater
        let names = data.names

        /// States with a count, most first (ties by name), at most `limit`.
        func ranked(_ counts: [Int], limit: Int) -> [Int] {
            let used: [Int] = (0 ..< S).filter { counts[$0] > 0 }
            let sorted: [Int] = used.sorted { (a: Int, b: Int) -> Bool in counts[a] != counts[b] ? counts[a] > counts[b] : names[a] < names[b] }
            return Array(sorted.prefix(limit))
        }
        var made: [Segment] = []
        for k in order {
            let n = members[k]
            let kViews = max(1, views[k].reduce(0, +))
            var top: [(name: String, share: Double, lift: Double)] = []
            for s in ranked(views[k], limit: 5) {
                let share = Double(views[k][s]) / Double(kViews)
                top.append((names[s], share, share / (Double(allViews[s]) / Double(totalViews))))
            }
            var entry: [(name: String, share: Double)] = []
            for s in ranked(entries[k], limit: 3) { entry.append((names[s], Double(entries[k][s]) / Double(max(1, n)))) }
            let frequent: [(key: ArraySlice<Int32>, value: Int)] = paths[k].sorted { (a, b) -> Bool in
                a.value != b.value ? a.value > b.value : Array(a.key).lexicographicallyPrecedes(Array(b.key))
            }
            var typical: [(pages: [String], sessions: Int)] = []
            for p in frequent.prefix(3) { typical.append((p.key.map { names[Int($0)] }, p.value)) }
            var likely: [(pages: [String], probability: Double)] = []
            for p in Self.likelyPaths(model, cluster: k, limit: 3) { likely.append((p.path.map { names[$0] }, p.probability)) }
            let byChannel: [(key: String, value: Int)] = channels[k].sorted { (a, b) -> Bool in a.value != b.value ? a.value > b.value : a.key < b.key }
            var channelShares: [(name: String, share: Double)] = []
            for c in byChannel { channelShares.append((c.key, Double(c.value) / Double(max(1, n)))) }
            let rate: Double? = outcomes == nil ? nil : Double(conversions[k]) / Double(max(1, n))
            let lrate: Double? = outcomes == nil || notConverted[k] == 0 ? nil : Double(later[k]) / Double(notConverted[k])
            var seg = Segment(number: number[k], cluster: k, sessions: n, share: Double(n) / Double(max(1, assigned)),
                              mixtureWeight: model.weight(k), meanViews: Double(views[k].reduce(0, +)) / Double(max(1, n)),
                              topPages: top, entryPages: entry, typicalPaths: typical, likelyPaths: likely,
                              channels: channelShares, conversions: outcomes == nil ? nil : conversions[k], conversionRate: rate,
                              conversionLift: Self.ratio(rate, overall), laterConversionRate: lrate,
                              laterConversionLift: Self.ratio(lrate, overallLater), text: "")
            seg.text = Self.words(seg)
            made.append(seg)
        }
        segments = made
    }

    static func ratio(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, b > 0 else { return nil }
        return a / b
    }

    /// The most probable whole sessions of 1 to `maxLength` pages under cluster k's chain (beam search
    /// keeping the 64 most probable prefixes of each length).
    public static func likelyPaths(_ model: MarkovMixture, cluster k: Int, maxLength: Int = 4, limit: Int = 3) -> [(path: [Int], probability: Double)] {
        let S = model.states
        var complete: [(path: [Int], probability: Double)] = []
        var beam: [(path: [Int], p: Double)] = (0 ..< S).map { ([$0], model.initial(k, $0)) }
        for length in 1 ... maxLength {
            beam.sort { $0.p != $1.p ? $0.p > $1.p : $0.path.lexicographicallyPrecedes($1.path) }
            beam = Array(beam.prefix(64))
            for b in beam { complete.append((b.path, b.p * model.transition(k, from: b.path.last!, to: S))) }
            guard length < maxLength else { break }
            var next: [(path: [Int], p: Double)] = []
            for b in beam {
                for t in 0 ..< S { next.append((b.path + [t], b.p * model.transition(k, from: b.path.last!, to: t))) }
            }
            beam = next
        }
        complete.sort { $0.probability != $1.probability ? $0.probability > $1.probability : $0.path.lexicographicallyPrecedes($1.path) }
        return Array(complete.prefix(limit))
    }

    public static func percent(_ v: Double) -> String {
        let p = v * 100
        if p == 0 { return "0%" }
        if p < 1 { return String(format: "%.2f%%", p) }
        if p < 10 { return String(format: "%.1f%%", p) }
        return String(format: "%.0f%%", p)
    }

    public static func path(_ pages: [String], max: Int = 6) -> String {
        pages.count <= max ? pages.joined(separator: " > ") : pages.prefix(max).joined(separator: " > ") + " > ... (\(pages.count) pages)"
    }

    /// One sentence or so per segment, e.g. "31% of sessions, 1.3 pages on average; mostly
    /// /blog/:slug (72% of views, 3.1x its share of all views); typically /blog/:slug; entering at
    /// /blog/:slug (88%); conversion 0.12% (0.05x the overall rate); mostly from search (61%)".
    static func words(_ s: Segment) -> String {
        var parts: [String] = []
        parts.append("\(percent(s.share)) of sessions, \(String(format: "%.1f", s.meanViews)) pages on average")
        if let first = s.topPages.first {
            var t = "mostly \(first.name) (\(percent(first.share)) of views"
            if first.lift >= 1.5 { t += String(format: ", %.1fx its share of all views", first.lift) }
            t += ")"
            if s.topPages.count > 1 && s.topPages[1].share >= 0.1 { t += " and \(s.topPages[1].name) (\(percent(s.topPages[1].share)))" }
            parts.append(t)
        }
        if let p = s.typicalPaths.first { parts.append("typically \(path(p.pages, max: 5))") }
        if let e = s.entryPages.first { parts.append("entering at \(e.name) (\(percent(e.share)))") }
        if let rate = s.conversionRate {
            var t = "conversion \(percent(rate))"
            if let lift = s.conversionLift { t += String(format: " (%.2fx the overall rate)", lift) }
            if let v = s.laterConversionRate, let lift = s.laterConversionLift {
                t += "; \(percent(v)) of the others come back and convert later" + String(format: " (%.2fx)", lift)
            }
            parts.append(t)
        }
        if let c = s.channels.first { parts.append("mostly from \(c.name) (\(percent(c.share)))") }
        return parts.joined(separator: "; ")
    }
}
