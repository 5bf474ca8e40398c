/// Counts distinct 64-bit hashes in bounded memory: exactly up to `exactLimit` values, then with a
/// HyperLogLog sketch (2^14 registers, 16 KB, standard error about 0.8%). Used where only the number
/// matters (robot visitors removed), so that memory stays flat however long the log.
public struct DistinctCounter: Sendable {
    public static let exactLimit = 65_536
    private var exact: HashSet64? = HashSet64()
    private var registers: [UInt8] = []
    private static let precision = 14

    public init() {}

    /// True while the count is exact.
    public var isExact: Bool { exact != nil }

    /// Adds a hash; returns true if it was certainly new (only known while exact).
    @discardableResult
    public mutating func insert(_ h: UInt64) -> Bool {
        if exact != nil {
            let added = exact!.insert(h)
            if exact!.count > Self.exactLimit { switchToSketch() }
            return added
        }
        addToSketch(h)
        return false
    }

    public var count: Int {
        if let exact { return exact.count }
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        var estimate = alpha * m * m / sum
        if estimate <= 2.5 * m && zeros > 0 { estimate = m * log(m / Double(zeros)) }  // small-range correction
        return Int(estimate.rounded())
    }

    private mutating func switchToSketch() {
        registers = [UInt8](repeating: 0, count: 1 << Self.precision)
        for h in exact!.values { addToSketch(h) }
        exact = nil
    }

    private mutating func addToSketch(_ h: UInt64) {
        // Re-mix: the low bits already chose hash-table slots upstream.
        var x = h &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        let index = Int(x >> UInt64(64 - Self.precision))
        let rest = (x << UInt64(Self.precision)) | (1 << UInt64(Self.precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }
}
