/// A ready feature table (CSV/TSV with a header; `prospects --features FILE --label COL`): numeric
/// columns as they are, TRUE/FALSE and yes/no as 1/0, month names as 1-12, other text as category
/// codes in order of first appearance; empty, NA and NaN cells are missing.
public struct FeatureTable {
    public var matrix: FeatureMatrix
    public var labels: [Bool]
    public var labelColumn: String

    public enum ReadError: Error, CustomStringConvertible {
        case empty(String)
        case noLabel(String, String, [String])
        case badLabel(String, row: Int, String)
        public var description: String {
            switch self {
            case .empty(let f): "\(f): no header row"
            case .noLabel(let f, let c, let header): "\(f): no column \(c) (columns: \(header.joined(separator: ", ")))"
            case .badLabel(let f, let row, let v): "\(f): data row \(row): label '\(v)' is not true/false, yes/no or 1/0"
            }
        }
    }

    static let months = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]

    public static func read(_ input: InputSpec, label: String) throws -> FeatureTable {
        let text = String(decoding: try Decompressor.readAll(input).bytes, as: UTF8.self)
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init)
        guard !lines.isEmpty else { throw ReadError.empty(input.displayName) }
        let headerLine = lines.removeFirst()
        let delimiter: Character = headerLine.contains("\t") ? "\t" : (headerLine.filter { $0 == ";" }.count > headerLine.filter { $0 == "," }.count ? ";" : ",")
        let header = Registrations.splitCSV(headerLine, delimiter).map(\.trimmingSpaces)
        guard let labelIndex = header.firstIndex(where: { $0.lowercased() == label.lowercased() }) else {
            throw ReadError.noLabel(input.displayName, label, header)
        }
        let featureColumns = header.indices.filter { $0 != labelIndex }
        var categories = [[String: Double]](repeating: [:], count: header.count)
        var matrix = FeatureMatrix(names: featureColumns.map { header[$0] })
        var labels: [Bool] = []
        for (r, line) in lines.enumerated() {
            let fields = Registrations.splitCSV(line, delimiter)
            let raw = labelIndex < fields.count ? fields[labelIndex].trimmingSpaces.lowercased() : ""
            switch raw {
            case "true", "yes", "1", "1.0", "y", "t": labels.append(true)
            case "false", "no", "0", "0.0", "n", "f": labels.append(false)
            default: throw ReadError.badLabel(input.displayName, row: r, raw)
            }
            var row: [Double] = []
            for c in featureColumns {
                let cell = c < fields.count ? fields[c].trimmingSpaces : ""
                row.append(value(cell, column: c, categories: &categories))
            }
            matrix.append(row: row)
        }
        return FeatureTable(matrix: matrix, labels: labels, labelColumn: header[labelIndex])
    }

    static func value(_ cell: String, column: Int, categories: inout [[String: Double]]) -> Double {
        let lower = cell.lowercased()
        if cell.isEmpty || lower == "na" || lower == "nan" || lower == "null" { return .nan }
        if let v = Double(cell) { return v }
        switch lower {
        case "true", "yes": return 1
        case "false", "no": return 0
        default: break
        }
        if let m = months[lower] { return Double(m) }
        if let code = categories[column][cell] { return code }
        let code = Double(categories[column].count)
        categories[column][cell] = code
        return code
    }

    /// Out-of-fold probabilities from `k`-fold stratified cross-validation.
    public func crossValidate(k: Int, model: ProspectScoring.ModelKind, seed: UInt64) -> (folds: [Int], scores: [Double]) {
        let folds = CrossValidation.stratifiedFolds(labels: labels, k: k, seed: seed)
        var scores = [Double](repeating: .nan, count: labels.count)
        for f in 0 ..< k {
            let train = labels.indices.filter { folds[$0] != f }
            let test = labels.indices.filter { folds[$0] == f }
            var m = ProspectScoring(options: { var o = ProspectScoring.Options(); o.seed = seed; return o }()).makeModel(model)
            m.fit(matrix.selecting(rows: train), train.map { labels[$0] })
            let p = m.predictProbability(matrix.selecting(rows: test))
            for (j, i) in test.enumerated() { scores[i] = p[j] }
        }
        return (folds, scores)
    }
}
