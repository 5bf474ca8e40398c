/// The shapes every model in this folder shares, scikit-learn style: configure with properties,
/// `fit` on a `FeatureMatrix` and labels or targets, then predict on matrices with the same columns.
///
/// ```swift
/// var model = GradientBoostedTrees()             // or LogisticRegression()
/// model.fit(train, labels)
/// let p = model.predictProbability(test)         // P(label == true) per row
/// let why = model.contributions(test, row: 0)    // log-odds moved by each feature
/// ```

/// A model of P(y == true | x).
public protocol BinaryClassifier {
    mutating func fit(_ x: FeatureMatrix, _ y: [Bool])
    func predictProbability(_ x: FeatureMatrix) -> [Double]
    /// How much each feature moved this row's score (log-odds units) away from the base score;
    /// sums (plus the base) to the row's log-odds. For reasons shown to users.
    func contributions(_ x: FeatureMatrix, row: Int) -> [Double]
}

/// A model of a real-valued target.
public protocol Regressor {
    mutating func fit(_ x: FeatureMatrix, _ y: [Double])
    func predict(_ x: FeatureMatrix) -> [Double]
}

/// Logistic function, written so neither branch overflows.
@inline(__always)
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}

/// log(1 + exp(z)) without overflow, for log-loss.
@inline(__always)
func softplus(_ z: Double) -> Double {
    z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
}
