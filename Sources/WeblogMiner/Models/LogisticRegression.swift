/// L2-penalized logistic regression fitted by Newton's method (iteratively reweighted least squares).
///
/// Features are standardized internally with the training mean and (population) standard deviation;
/// missing values (NaN) are replaced by the training mean, i.e. 0 after standardizing, so a missing
/// value contributes nothing. Constant columns get scale 1 (like sklearn's StandardScaler).
///
/// Objective, with z the standardized features, w the coefficients and b the (unpenalized) intercept:
///
///     Σ_i logloss(y_i, b + w·z_i) + (l2 / 2) ‖w‖²
///
/// which is exactly scikit-learn's `LogisticRegression(C: 1 / l2)` on `StandardScaler` output
/// (sklearn minimizes C Σ logloss + ½‖w‖²; divide by C). The penalty is on the summed, not the mean,
/// loss, so its relative weight shrinks as the training set grows, as in sklearn. The default l2 = 1
/// is sklearn's default C = 1.
///
/// Newton step: solve (ZᵀWZ + l2·I′) Δ = ∇ with W = diag(p(1 − p)) by Cholesky, then halve the
/// step until the objective decreases. With a handful of features the (p+1)² system is tiny, and
/// Newton converges in ~10 iterations where gradient methods need hundreds.
///
/// `contributions` are w_j · z_j: the log-odds moved by feature j relative to a row at the training
/// mean; the base score is the intercept.
///
/// ```swift
/// var model = LogisticRegression()
/// model.l2 = 0.5                                  // = sklearn C = 2
/// model.fit(x, converted)
/// let p = model.predictProbability(x)
/// print(model.intercept, model.coefficients)      // on standardized features
/// ```
public struct LogisticRegression: BinaryClassifier, Sendable {
    public var l2 = 1.0
    public var maxIterations = 200

    /// Coefficients on standardized features (after fit).
    public private(set) var coefficients: [Double] = []
    /// Intercept, also the base score of `contributions`.
    public private(set) var intercept = 0.0
    /// Training means and scales used to standardize.
    public private(set) var means: [Double] = []
    public private(set) var scales: [Double] = []
    /// Newton iterations used by the last fit.
    public private(set) var iterations = 0

    public init() {}

    public var baseScore: Double { intercept }

    public mutating func fit(_ x: FeatureMatrix, _ y: [Bool]) {
        precondition(x.rows == y.count, "LogisticRegression.fit: \(x.rows) rows but \(y.count) labels")
        let n = x.rows, p = x.columns
        // Standardization statistics over non-missing values.
        means = [Double](repeating: 0, count: p)
        scales = [Double](repeating: 1, count: p)
        for j in 0 ..< p {
            var sum = 0.0, count = 0
            for i in 0 ..< n where !x[i, j].isNaN { sum += x[i, j]; count += 1 }
            let mean = count > 0 ? sum / Double(count) : 0
            var ss = 0.0
            for i in 0 ..< n where !x[i, j].isNaN { ss += (x[i, j] - mean) * (x[i, j] - mean) }
            let sd = count > 0 ? (ss / Double(count)).squareRoot() : 0
            means[j] = mean
            scales[j] = sd > 1e-12 * max(1, abs(mean)) ? sd : 1
        }
        // Design matrix with a leading column of ones for the intercept.
        let q = p + 1
        var z = [Double](repeating: 0, count: n * q)
        for i in 0 ..< n {
            z[i * q] = 1
            for j in 0 ..< p { z[i * q + j + 1] = standardized(x[i, j], j) }
        }
        let target = y.map { $0 ? 1.0 : 0.0 }

        func objective(_ w: [Double]) -> Double {
            var loss = 0.0
            for i in 0 ..< n {
                var eta = 0.0
                for j in 0 ..< q { eta += z[i * q + j] * w[j] }
                // logloss = softplus(eta) - y * eta
                loss += softplus(eta) - target[i] * eta
            }
            for j in 1 ..< q { loss += 0.5 * l2 * w[j] * w[j] }
            return loss
        }

        var w = [Double](repeating: 0, count: q)
        // Start the intercept at the prior log-odds: one Newton step fewer, and safe when one class is rare.
        let rate = min(max(target.reduce(0, +) / Double(max(n, 1)), 1e-12), 1 - 1e-12)
        w[0] = log(rate / (1 - rate))
        var current = objective(w)
        iterations = 0
        for _ in 0 ..< maxIterations {
            iterations += 1
            var gradient = [Double](repeating: 0, count: q)
            var hessian = [Double](repeating: 0, count: q * q)
            // Raw buffers: without bounds checks the inner loop vectorizes (the same sums, in the same order).
            z.withUnsafeBufferPointer { zb in
                hessian.withUnsafeMutableBufferPointer { hb in
                    gradient.withUnsafeMutableBufferPointer { gb in
                        let zp = zb.baseAddress!, hp = hb.baseAddress!, gp = gb.baseAddress!
                        for i in 0 ..< n {
                            let row = zp + i * q
                            var eta = 0.0
                            for j in 0 ..< q { eta += row[j] * w[j] }
                            let mu = sigmoid(eta)
                            let r = mu - target[i], h = max(mu * (1 - mu), 1e-16)
                            for a in 0 ..< q {
                                let za = row[a]
                                gp[a] += r * za
                                let hz = h * za
                                let out = hp + a * q
                                for b in 0 ... a { out[b] += hz * row[b] }
                            }
                        }
                    }
                }
            }
            for a in 1 ..< q {
                gradient[a] += l2 * w[a]
                hessian[a * q + a] += l2
            }
            for a in 0 ..< q { for b in 0 ..< a { hessian[b * q + a] = hessian[a * q + b] } }
            // Converged: the gradient is negligible next to the size of the loss sum.
            if gradient.reduce(0.0, { max($0, abs($1)) }) <= 1e-12 * max(1, Double(n)) { break }
            let step = choleskySolve(hessian, gradient, q)
            // Damped step: halve until the objective does not increase.
            var t = 1.0, accepted = false
            while t > 1e-10 {
                let candidate = zip(w, step).map { $0 - t * $1 }
                let value = objective(candidate)
                if value <= current {
                    let improvement = current - value
                    w = candidate
                    current = value
                    accepted = true
                    if improvement <= 1e-15 * max(1, abs(value)) { t = 0 }
                    break
                }
                t /= 2
            }
            if !accepted || t == 0 { break }
        }
        intercept = w[0]
        coefficients = Array(w[1...])
    }

    @inline(__always)
    private func standardized(_ v: Double, _ j: Int) -> Double {
        v.isNaN ? 0 : (v - means[j]) / scales[j]
    }

    /// Log-odds of each row.
    public func decisionFunction(_ x: FeatureMatrix) -> [Double] {
        precondition(x.columns == coefficients.count, "LogisticRegression: expected \(coefficients.count) columns, got \(x.columns)")
        return (0 ..< x.rows).map { i in
            var eta = intercept
            for j in 0 ..< x.columns { eta += coefficients[j] * standardized(x[i, j], j) }
            return eta
        }
    }

    public func predictProbability(_ x: FeatureMatrix) -> [Double] {
        decisionFunction(x).map(sigmoid)
    }

    public func contributions(_ x: FeatureMatrix, row: Int) -> [Double] {
        precondition(x.columns == coefficients.count, "LogisticRegression: expected \(coefficients.count) columns, got \(x.columns)")
        return (0 ..< x.columns).map { coefficients[$0] * standardized(x[row, $0], $0) }
    }
}

/// Solves A x = b for a symmetric positive (semi)definite n×n A by Cholesky, adding a small ridge
/// when A is singular (unpenalized separable data, constant columns).
func choleskySolve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
    let trace = (0 ..< n).reduce(0.0) { $0 + a[$1 * n + $1] }
    var jitter = 0.0
    while true {
        var l = [Double](repeating: 0, count: n * n)
        var ok = true
        outer: for i in 0 ..< n {
            for j in 0 ... i {
                var s = a[i * n + j] + (i == j ? jitter : 0)
                for k in 0 ..< j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    if !(s > 0) { ok = false; break outer }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        if ok {
            var y = b
            for i in 0 ..< n {
                for k in 0 ..< i { y[i] -= l[i * n + k] * y[k] }
                y[i] /= l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                for k in (i + 1) ..< n { y[i] -= l[k * n + i] * y[k] }
                y[i] /= l[i * n + i]
            }
            return y
        }
        jitter = jitter == 0 ? 1e-10 * max(trace, 1) : jitter * 10
    }
}
