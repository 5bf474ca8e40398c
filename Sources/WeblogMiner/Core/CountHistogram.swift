/// Exact medians from a histogram of values (value -> how often), as page dwell and funnel step
/// times keep them: memory follows the distinct values, and histograms of several parts add.
extension Dictionary where Key == Int64, Value == Int {
    /// The median of `count` values (the mean of the two middle ones for an even count); nil when empty.
    func median(count: Int) -> Double? {
        guard count > 0 else { return nil }
        let sorted = self.sorted { $0.key < $1.key }
        func value(at rank: Int) -> Int64 {
            var seen = 0
            for (v, n) in sorted {
                seen += n
                if seen > rank { return v }
            }
            return sorted.last!.key
        }
        if count % 2 == 1 { return Double(value(at: count / 2)) }
        return (Double(value(at: count / 2 - 1)) + Double(value(at: count / 2))) / 2
    }
}
