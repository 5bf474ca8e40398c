/// Quantile binning of features into at most 255 integer bins plus one bin for missing values, the
/// first step of histogram gradient boosting (scikit-learn `_BinMapper`, LightGBM). Trees then split
/// on bin indices, so finding a split costs O(bins) per feature instead of O(rows), and the data
/// shrink to one byte per value.
///
/// Per feature, over the training rows' non-missing values:
/// - at most `maxBins` distinct values: one bin per value, thresholds at the midpoints between
///   consecutive distinct values;
/// - otherwise thresholds at the quantiles i / maxBins (i = 1 ..< maxBins), each computed like
///   numpy's `percentile(method: "averaged_inverted_cdf")` (what sklearn 1.9 uses); repeated
///   quantiles are merged.
///
/// A value v goes to the bin b with thresholds[b-1] < v <= thresholds[b] (the number of thresholds
/// below v), so "bin <= b" in a tree is "v <= thresholds[b]" on raw values. NaN goes to bin
/// `missingBin` (= maxBins), shared by all features. sklearn subsamples 200,000 rows to find the
/// quantiles; here all training rows are used (a sort per feature), which is exact and deterministic.
///
/// ```swift
/// let binner = FeatureBinner(fitting: x, rows: Array(0 ..< x.rows), maxBins: 255)
/// let bins = binner.transform(x, rows: Array(0 ..< x.rows))   // column-major, bins[f * rows + i]
/// ```
struct FeatureBinner: Sendable {
    /// Upper edges of the non-missing bins of each feature; the last bin has no upper edge.
    var thresholds: [[Double]]
    /// Whether the feature had a missing value among the training rows.
    var hasMissing: [Bool]
    var missingBin: UInt8

    init(fitting x: FeatureMatrix, rows: [Int], maxBins: Int) {
        precondition(maxBins >= 2 && maxBins <= 255, "maxBins must be in 2...255")
        missingBin = UInt8(maxBins)
        var thresholds = [[Double]](repeating: [], count: x.columns)
        var hasMissing = [Bool](repeating: false, count: x.columns)
        thresholds.withUnsafeMutableBufferPointer { tp in
            hasMissing.withUnsafeMutableBufferPointer { mp in
                parallelFor(min(x.columns, onlineProcessorCount)) { task in
                    var f = task
                    while f < x.columns {
                        (tp[f], mp[f]) = Self.fitFeature(x, f, rows, maxBins)
                        f += onlineProcessorCount
                    }
                }
            }
        }
        self.thresholds = thresholds
        self.hasMissing = hasMissing
    }

    private static func fitFeature(_ x: FeatureMatrix, _ f: Int, _ rows: [Int], _ maxBins: Int) -> ([Double], Bool) {
        var column = [Double]()
        column.reserveCapacity(rows.count)
        var missing = false
        for r in rows {
            let v = x[r, f]
            if v.isNaN { missing = true } else { column.append(v) }
        }
        column.sort()
        var distinct = [Double]()
        for v in column where distinct.last != v { distinct.append(v) }
        var edges = [Double]()
        if distinct.count <= maxBins {
            for i in 0 ..< max(0, distinct.count - 1) { edges.append((distinct[i] + distinct[i + 1]) * 0.5) }
        } else {
            // numpy percentile(method: "averaged_inverted_cdf") at linspace(0, 100, maxBins + 1)[1 ..< maxBins],
            // with numpy's floating-point steps so thresholds agree bit for bit in the usual cases.
            let count = column.count
            let step = 100.0 / Double(maxBins)
            for i in 1 ..< maxBins {
                let virtual = Double(count) * ((Double(i) * step) / 100) - 1
                let previous = virtual.rounded(.down)
                let lower = column[min(max(Int(previous), 0), count - 1)]
                let upper = column[min(max(Int(previous) + 1, 0), count - 1)]
                // On an exact jump of the empirical CDF, average the two order statistics.
                let m = virtual == previous ? upper - (upper - lower) * 0.5 : upper
                if edges.last != m { edges.append(m) }
            }
        }
        // An infinite edge would make "v <= edge" true for +inf data only by accident; keep them finite.
        edges = edges.map { min(max($0, -Double.greatestFiniteMagnitude), Double.greatestFiniteMagnitude) }.filter { !$0.isNaN }
        return (edges, missing)
    }

    var featureCount: Int { thresholds.count }

    /// Number of non-missing bins of feature f.
    func nonMissingBins(_ f: Int) -> Int { thresholds[f].count + 1 }

    @inline(__always)
    static func bin(_ v: Double, _ edges: UnsafeBufferPointer<Double>) -> Int {
        var lo = 0, hi = edges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if v <= edges[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Bins of the given rows, column-major: result[f * rows.count + k] is row rows[k], feature f.
    func transform(_ x: FeatureMatrix, rows: [Int]) -> [UInt8] {
        precondition(x.columns == featureCount, "FeatureBinner: expected \(featureCount) columns, got \(x.columns)")
        let n = rows.count
        var out = [UInt8](repeating: 0, count: n * featureCount)
        let tasks = min(featureCount, onlineProcessorCount)
        out.withUnsafeMutableBufferPointer { op in
            x.values.withUnsafeBufferPointer { xp in
                parallelFor(n * featureCount >= 50_000 ? tasks : 1) { task in
                    var f = task
                    let step = n * featureCount >= 50_000 ? tasks : 1
                    while f < featureCount {
                        thresholds[f].withUnsafeBufferPointer { edges in
                            let column = op.baseAddress! + f * n
                            for k in 0 ..< n {
                                let v = xp[rows[k] * x.columns + f]
                                column[k] = v.isNaN ? missingBin : UInt8(Self.bin(v, edges))
                            }
                        }
                        f += step
                    }
                }
            }
        }
        return out
    }
}
