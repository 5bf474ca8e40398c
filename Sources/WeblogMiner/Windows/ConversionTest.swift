/// Whether a session reached a conversion page (`--conversion PATTERN`), matched once per page id.
public final class ConversionTest {
    private let mapper: PageMapper?
    private let pages: ByteStringInterner
    private var known: [Int32: Bool] = [:]

    public convenience init(pattern: String?, pages: ByteStringInterner) throws {
        self.init(mapper: try pattern.map { try PageMapper(specs: [$0 + "=converted"]) }, pages: pages)
    }

    public init(mapper: PageMapper?, pages: ByteStringInterner) {
        self.mapper = mapper
        self.pages = pages
    }

    public var isEnabled: Bool { mapper != nil }

    public func isConversion(_ page: Int32) -> Bool { isConversion(page, in: pages) }

    /// With the sessionizer's page table as it stands now: it grows while sessions stream in, and ids
    /// never change their names, so what is known stays known and new ids are named from `current`.
    public func isConversion(_ page: Int32, in current: ByteStringInterner) -> Bool {
        guard let mapper else { return false }
        if let k = known[page] { return k }
        var name = Array(current.bytes(of: page))
        let hit = mapper.map(&name) == .mapped
        known[page] = hit
        return hit
    }

    public func callAsFunction(_ s: Session, pages current: ByteStringInterner) -> Bool {
        mapper != nil && s.views.contains { !$0.inferred && isConversion($0.page, in: current) }
    }

    public func callAsFunction(_ s: Session) -> Bool {
        mapper != nil && s.views.contains { !$0.inferred && isConversion($0.page) }
    }
}
