/// Dense row-major feature matrix, the input of every model in this folder; NaN marks a missing value.
///
/// Row-major because features arrive one row (session, visitor) at a time; models that want columns
/// (the tree binner) transpose once at fit time.
///
/// ```swift
/// var x = FeatureMatrix(names: ["pages", "seconds"])
/// x.append(row: [3, 41.5])
/// x.append(row: [1, .nan])           // dwell time unknown
/// let firstRow = x.selecting(rows: [0])
/// ```
public struct FeatureMatrix: Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]
    public var names: [String]

    public init(rows: Int, columns: Int, values: [Double], names: [String]) {
        precondition(values.count == rows * columns, "FeatureMatrix: values.count must be rows * columns")
        precondition(names.isEmpty || names.count == columns, "FeatureMatrix: one name per column")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.names = names
    }

    /// An empty matrix with these columns; add rows with `append(row:)`.
    public init(names: [String]) {
        self.init(rows: 0, columns: names.count, values: [], names: names)
    }

    public mutating func append(row: [Double]) {
        precondition(row.count == columns, "FeatureMatrix.append: row has \(row.count) values, expected \(columns)")
        values.append(contentsOf: row)
        rows += 1
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The given rows, in the given order (repeats allowed: bootstrap samples, folds).
    public func selecting(rows indices: [Int]) -> FeatureMatrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for r in indices {
            precondition(r >= 0 && r < rows, "FeatureMatrix.selecting: row \(r) out of range")
            out.append(contentsOf: values[r * columns ..< (r + 1) * columns])
        }
        return FeatureMatrix(rows: indices.count, columns: columns, values: out, names: names)
    }

    /// One column as an array (a copy).
    public func column(_ c: Int) -> [Double] {
        (0 ..< rows).map { values[$0 * columns + c] }
    }
}
