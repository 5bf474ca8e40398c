/// Two-parameter Weibull distribution fitted by maximum likelihood with right-censoring, the model
/// Liu, White & Dumais ("Understanding web browsing behaviors through Weibull analysis of dwell
/// time", SIGIR 2010) use for page dwell times. Shape < 1 means "negative aging": the longer a visitor
/// has stayed, the less likely they are to leave now (screen-and-glean browsing).
///
/// Density f(x) = (k/λ)(x/λ)^(k-1) exp(-(x/λ)^k). A censored value c (the visit ended, or the log
/// did, before we saw the page being left) contributes the survival exp(-(c/λ)^k) instead. With d
/// observed values the log-likelihood is
///
///     ℓ(k, λ) = d ln k − d k ln λ + (k − 1) Σ_obs ln x − Σ_all (x/λ)^k.
///
/// For a fixed shape k, λ has a closed form: λ^k = Σ_all x^k / d. Substituting it leaves a profile
/// likelihood in k alone whose derivative
///
///     g(k) = d/k + Σ_obs ln x − d · Σ_all x^k ln x / Σ_all x^k
///
/// is strictly decreasing, so the MLE is its single root. It is found by Newton's method, kept inside a
/// bracket [lo, hi] with g(lo) > 0 > g(hi) and falling back to bisection whenever a Newton step leaves
/// it. The data are divided by their maximum first, so x^k cannot overflow for large k.
///
/// Values that are zero, negative, NaN or infinite are skipped (a Weibull has support x > 0, and a
/// zero dwell time is a logging artefact); `observed` and `censored` count only the values used.
/// The fit is nil when fewer than 2 observed values remain or they are all equal (the likelihood
/// then grows without bound as k → ∞), even if censored values are present.
///
/// Uncertainty of the shape: the profile likelihood's curvature at the MLE, −g'(k̂) = d/k̂² + d·Var_w(ln x)
/// (weights x^k̂), is the observed information for k with λ profiled out, so se(k̂) = 1/√(−g'(k̂)). The
/// 95% interval is taken on ln k (k̂·exp(±1.96·se/k̂)), which keeps it positive and matches the skew of
/// the likelihood for small samples.
///
/// ```swift
/// let dwell = [3.1, 12.0, 45.2, 7.7, 130.0]       // seconds on page
/// let stillOpen = [60.0]                          // last page of a session: censored
/// if let w = WeibullFit.fit(observed: dwell, censored: stillOpen) {
///     print(w.shape, w.scale, w.median)
/// }
/// ```
public struct WeibullFit: Sendable, Equatable {
    public var shape: Double
    public var scale: Double
    public var logLikelihood: Double
    public var observed: Int
    public var censored: Int
    /// Standard error of the shape from the observed (profile) information; 0 when built by hand.
    public var shapeStandardError = 0.0

    /// 95% confidence interval of the shape (Wald on ln k).
    public var shapeInterval: (low: Double, high: Double) {
        let spread = exp(1.959964 * shapeStandardError / shape)
        return (shape / spread, shape * spread)
    }

    public init(shape: Double, scale: Double, logLikelihood: Double, observed: Int, censored: Int) {
        self.shape = shape
        self.scale = scale
        self.logLikelihood = logLikelihood
        self.observed = observed
        self.censored = censored
    }

    public var median: Double { scale * pow(log(2.0), 1 / shape) }

    /// nil when there are fewer than 2 observed values or all observed values are equal.
    public static func fit(observed: [Double], censored: [Double] = []) -> WeibullFit? {
        let obs = observed.filter { $0 > 0 && $0.isFinite }
        let cen = censored.filter { $0 > 0 && $0.isFinite }
        guard obs.count >= 2, let lo = obs.min(), let hi = obs.max(), lo < hi else { return nil }
        let m = max(hi, cen.max() ?? 0)
        // Logs of the scaled values (all <= 0); observed first, then censored.
        let u = (obs + cen).map { log($0 / m) }
        let d = Double(obs.count)
        let sumObservedLog = u.prefix(obs.count).reduce(0, +)

        // g(k) and g'(k) of the profile likelihood.
        func score(_ k: Double) -> (g: Double, dg: Double) {
            var s0 = 0.0, s1 = 0.0, s2 = 0.0
            for v in u {
                let w = exp(k * v)
                s0 += w
                s1 += w * v
                s2 += w * v * v
            }
            let mean = s1 / s0
            let variance = max(0, s2 / s0 - mean * mean)
            return (d / k + sumObservedLog - d * mean, -d / (k * k) - d * variance)
        }

        // Bracket the root: g → +∞ as k → 0 and g(∞) = Σ_obs ln(x/m) < 0.
        var low = 1.0, high = 1.0
        while score(low).g <= 0 {
            low /= 2
            if low < 1e-12 { return nil }
        }
        while score(high).g >= 0 {
            high *= 2
            if high > 1e12 { return nil }
        }
        var k = (low + high) / 2
        for _ in 0 ..< 200 {
            let (g, dg) = score(k)
            if g == 0 { break }
            if g > 0 { low = k } else { high = k }
            var next = k - g / dg
            // Newton outside the bracket (or stalled): bisect instead.
            if !(next > low && next < high) { next = (low + high) / 2 }
            let converged = abs(next - k) <= 1e-13 * k
            k = next
            if converged || high - low <= 1e-14 * k { break }
        }

        let s0 = u.reduce(0.0) { $0 + exp(k * $1) }
        let scale = m * pow(s0 / d, 1 / k)
        var logL = d * log(k) - d * k * log(scale)
        for x in obs { logL += (k - 1) * log(x) }
        for x in obs + cen { logL -= pow(x / scale, k) }
        var fit = WeibullFit(shape: k, scale: scale, logLikelihood: logL, observed: obs.count, censored: cen.count)
        fit.shapeStandardError = 1 / (-score(k).dg).squareRoot()
        return fit
    }
}
