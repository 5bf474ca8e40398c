/// The expected value of a day from the same weekday of the weeks before (robust to one odd week), and
/// how far the day's value is from it.
///
/// Method: the baseline is the values of the same weekday over the last `weeks` weeks; with fewer than
/// `minimumPoints` of them (a site's first two weeks) the day is not scored: a baseline of mixed
/// weekdays would flag every weekend of a site whose weekends are quiet. Expected = their median;
/// scale = max(1.4826 x MAD, a noise floor), where the floor is what chance alone gives a day: for
/// counts, Poisson noise sqrt(expected + 1) and 10% of expected; for rates, binomial noise
/// sqrt(p (1 - p) / n) of the day's denominator, 5% of the rate and a tenth of a percentage point. Score = (value -
/// expected) / scale: a robust z-score. The floors keep a quiet history (MAD 0 from four equal values)
/// from turning every small wiggle into an alarm.
public struct SeasonalBaseline: Sendable {
    public var weeks = 4
    public var minimumPoints = 2

    public init(weeks: Int = 4, minimumPoints: Int = 2) {
        self.weeks = weeks
        self.minimumPoints = minimumPoints
    }

    public enum Kind: Sendable { case count, rate }

    public struct Score: Sendable, Equatable {
        public var expected: Double
        public var scale: Double
        public var score: Double
        /// Days the baseline used.
        public var points: Int
    }

    /// `value(d)`: the series on day d (nil: before the series starts, not a day of zero).
    /// `denominator`: for rates, how many the day's rate is over (sessions), for the noise floor.
    public func score(day: Int32, kind: Kind, denominator: Double = 0, value: (Int32) -> Double?) -> Score? {
        guard let x = value(day) else { return nil }
        let points = (1 ... max(1, weeks)).compactMap { value(day - Int32(7 * $0)) }
        guard points.count >= max(1, minimumPoints) else { return nil }
        let expected = Self.median(points)
        let mad = Self.median(points.map { abs($0 - expected) })
        let floor: Double
        switch kind {
        case .count:
            floor = max((expected + 1).squareRoot(), 0.1 * expected)
        case .rate:
            let p = min(max(expected, 0), 1)
            floor = max(denominator > 0 ? (p * (1 - p) / denominator).squareRoot() : 0, 0.05 * p, 0.001)
        }
        let scale = max(1.4826 * mad, floor)
        return Score(expected: expected, scale: scale, score: (x - expected) / scale, points: points.count)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
