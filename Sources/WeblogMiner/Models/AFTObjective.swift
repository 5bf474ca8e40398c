#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Normal accelerated-failure-time (AFT) loss for gradient boosting on log durations, as XGBoost's
/// `survival:aft` with `aft_loss_distribution = normal` (Barnwal, Cho & Hocking, 2022).
///
/// The model says log T = F(x) + σ·Z with Z standard normal, so F(x) is the log of the median
/// duration. A row is either observed (y = log t) or right-censored (the duration is at least t, y =
/// log t: "at least this long"). Negative log-likelihood of one row, with z = (y − F) / σ:
///
///     observed:  ½ z² + ln σ + ½ ln 2π                 dℓ/dF = −z/σ        d²ℓ/dF² = 1/σ²
///     censored:  −ln S(z),  S = 1 − Φ                   dℓ/dF = −λ(z)/σ     d²ℓ/dF² = λ(λ − z)/σ²
///
/// where λ(z) = φ(z)/S(z) is the inverse Mills ratio (computed through erfc, and by its asymptotic
/// expansion far in the tail, so it stays finite). A censored row pushes F up (longer) until the
/// model gives its lower bound a fair survival probability; it never pulls F down.
///
/// ```swift
/// let (g, h) = AFTObjective.gradientHessian(score: 3.2, logTime: 2.7, censored: true, sigma: 0.9)
/// let p = AFTObjective.survival(logTime: log(31), score: 3.2, sigma: 0.9)   // P(T > 30 s), y = log(1 + t)
/// ```
public enum AFTObjective {
    static let logSqrt2Pi = 0.5 * log(2 * Double.pi)
    /// Smallest hessian handed to the tree grower (a censored row far below its bound has ~0).
    static let minHessian = 1e-6

    /// P(Z > z) for a standard normal Z.
    @inline(__always)
    public static func standardSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// φ(z)/S(z), the hazard of the standard normal.
    @inline(__always)
    static func inverseMills(_ z: Double) -> Double {
        if z > 8 {
            // Asymptotic: λ(z) ≈ z + 1/z − 2/z³ (erfc underflows relative precision out here).
            return z + 1 / z - 2 / (z * z * z)
        }
        let s = standardSurvival(z)
        let phi = exp(-0.5 * z * z - logSqrt2Pi)
        return phi / max(s, 1e-300)
    }

    /// Gradient and hessian of the row's negative log-likelihood with respect to the score F.
    @inline(__always)
    public static func gradientHessian(score f: Double, logTime y: Double, censored: Bool, sigma: Double) -> (Double, Double) {
        let z = (y - f) / sigma
        if !censored { return (-z / sigma, 1 / (sigma * sigma)) }
        let lambda = inverseMills(z)
        return (-lambda / sigma, max(lambda * (lambda - z) / (sigma * sigma), minHessian))
    }

    /// Negative log-likelihood of one row.
    public static func loss(score f: Double, logTime y: Double, censored: Bool, sigma: Double) -> Double {
        let z = (y - f) / sigma
        if !censored { return 0.5 * z * z + log(sigma) + logSqrt2Pi }
        let s = standardSurvival(z)
        if s > 1e-300 { return -log(s) }
        // Far tail: −ln S ≈ ½z² + ln z + ½ ln 2π.
        return 0.5 * z * z + log(z) + logSqrt2Pi
    }

    /// P(log T > y) under the model with score F.
    public static func survival(logTime y: Double, score f: Double, sigma: Double) -> Double {
        standardSurvival((y - f) / sigma)
    }
}
