/// Partials into another page table: page ids are local to whoever interned the names (a Spark
/// partition, another machine, a state store), so combining partials of several tables renumbers
/// each into one shared table first (`DayPartials`).
extension PageStatistics {
    /// The same statistics with page `i` as `newID[i]`; `newID` must be one-to-one on the pages used.
    /// The visitor pairs are kept (and re-hashed) under their new ids.
    public func remapped(_ newID: [Int32]) -> PageStatistics {
        var r = PageStatistics()
        r.keepsVisitorPairs = keepsVisitorPairs
        for (id, p) in pages {
            let q = r.page(newID[Int(id)])
            q.views = p.views; q.inferredViews = p.inferredViews; q.visitors = p.visitors; q.sessions = p.sessions
            q.entries = p.entries; q.exits = p.exits; q.bounces = p.bounces
            q.dwellCount = p.dwellCount; q.dwellSum = p.dwellSum; q.dwellHistogram = p.dwellHistogram
        }
        for (key, n) in transitions {
            r.addTransition(Self.pair(newID[Int(UInt32(key >> 32))], newID[Int(UInt32(key & 0xFFFF_FFFF))]), n)
        }
        if keepsVisitorPairs {
            r.addVisitorPairs(visitorPairs.map { VisitorPair(page: newID[Int($0.page)], visitor: $0.visitor) }, counting: false)
        }
        return r
    }

    /// Every page id the statistics refer to (pages, transitions, visitor pairs).
    public var pageIDs: Set<Int32> {
        var ids = Set(pages.keys)
        for key in transitions.keys { ids.insert(Int32(bitPattern: UInt32(key >> 32))); ids.insert(Int32(bitPattern: UInt32(key & 0xFFFF_FFFF))) }
        for pair in visitorPairs { ids.insert(pair.page) }
        return ids
    }
}

extension UsagePartial {
    /// The same partial with page `i` as `newID[i]` (one-to-one on the pages used).
    public func remapped(_ newID: [Int32]) -> UsagePartial {
        var r = self
        r.pages = pages.remapped(newID)
        r.conversions = Dictionary(uniqueKeysWithValues: conversions.map { (newID[Int($0.key)], $0.value) })
        return r
    }
}
