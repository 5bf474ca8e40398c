/// Which steps of a funnel each page is: a bit per step, worked out once per page id (patterns run
/// once per distinct page, not per view). The page table grows while sessions stream in, so ids past
/// the cache are looked up when first seen.
final class FunnelSteps {
    let definition: FunnelDefinition
    private let patterns: [PageMapper?]
    private var known: [UInt32] = []
    private var resolved: [Bool] = []

    init(_ definition: FunnelDefinition) throws(FunnelDefinition.ParseError) {
        self.definition = definition
        var patterns: [PageMapper?] = []
        for step in definition.steps {
            switch step {
            case .page:
                patterns.append(nil)
            case .pattern(let p):
                do {
                    patterns.append(try PageMapper(specs: [p + "=step"]))
                } catch {
                    throw FunnelDefinition.ParseError(description: "funnel '\(definition.name)': \(error.description)")
                }
            }
        }
        self.patterns = patterns
    }

    /// The steps `page` stands for, as a bit set (bit k: step k).
    func steps(of page: Int32, in pages: ByteStringInterner) -> UInt32 {
        let id = Int(page)
        guard id >= 0 else { return 0 }
        if id < known.count && resolved[id] { return known[id] }
        if id >= known.count {
            known += [UInt32](repeating: 0, count: id + 1 - known.count)
            resolved += [Bool](repeating: false, count: id + 1 - resolved.count)
        }
        let name = Array(pages.bytes(of: page))
        var bits: UInt32 = 0
        for (k, step) in definition.steps.enumerated() {
            switch step {
            case .page(let wanted):
                if name.elementsEqual(wanted.utf8) { bits |= 1 << UInt32(k) }
            case .pattern:
                var subject = name
                if patterns[k]!.map(&subject) == .mapped { bits |= 1 << UInt32(k) }
            }
        }
        known[id] = bits
        resolved[id] = true
        return bits
    }
}
