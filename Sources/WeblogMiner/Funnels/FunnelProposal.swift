/// A funnel proposed from the data when the site names a conversion but no funnel: the most frequent
/// path into the conversion, built backwards one step at a time. Among the sessions that convert, the
/// pages viewed before the first conversion view are read back from it (repeats of the same page
/// folded); the step before the current path's first step is the page most of them viewed there. A
/// step is added while at least `minShare` of the converting sessions still follow the whole path, up
/// to `maxSteps` steps with the conversion.
public enum FunnelProposal {
    public static func propose(sessions: [Session], pages: ByteStringInterner, isConversion: (Int32) -> Bool,
                               maxSteps: Int = 4, minShare: Double = 0.1) -> FunnelDefinition? {
        // Each converting session's pages before its first conversion, nearest first.
        var paths: [[Int32]] = []
        var conversionPages: [Int32: Int] = [:]
        for s in sessions {
            let views = s.views.filter { !$0.inferred }
            guard let c = views.firstIndex(where: { isConversion($0.page) }) else { continue }
            conversionPages[views[c].page, default: 0] += 1
            var back: [Int32] = []
            for v in views[..<c].reversed() where back.last != v.page && !isConversion(v.page) {
                back.append(v.page)
                if back.count >= maxSteps { break }
            }
            paths.append(back)
        }
        guard let conversion = conversionPages.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key, !paths.isEmpty else { return nil }
        let floor = max(1, Int((Double(paths.count) * minShare).rounded(.up)))
        var chosen: [Int32] = []  // nearest first
        var following = paths
        while chosen.count + 1 < maxSteps {
            let depth = chosen.count
            var counts: [Int32: Int] = [:]
            for p in following where p.count > depth { counts[p[depth], default: 0] += 1 }
            guard let best = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }), best.value >= floor else { break }
            chosen.append(best.key)
            following = following.filter { $0.count > depth && $0[depth] == best.key }
        }
        guard !chosen.isEmpty else { return nil }
        let steps = (chosen.reversed() + [conversion]).map { FunnelDefinition.Step.page(pages.string(of: $0)) }
        return FunnelDefinition(name: "proposed", steps: steps)
    }
}
