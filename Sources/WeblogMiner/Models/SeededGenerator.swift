/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
/// a 64-bit seeded generator, so that shuffles, folds and validation splits are the same on every
/// run and every platform for a given seed.
///
/// The standard library's `shuffle(using:)` may change its algorithm between releases, so models use
/// the `shuffle(_:)` here (Fisher-Yates) and `nextInt(below:)`, whose outputs are fixed by this file.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// var rows = Array(0 ..< 10)
/// rng.shuffle(&rows)
/// let u = rng.nextDouble()          // in [0, 1)
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in 0 ..< bound (Lemire's multiply-shift; the tiny bias is irrelevant here and keeps
    /// the sequence a pure function of the seed).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Fisher-Yates shuffle in place.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { a.swapAt(i, j) }
        }
    }

    /// A standard normal draw (Box-Muller), for synthetic data and tests.
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextDouble(), 0x1p-60)
        let u2 = nextDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
