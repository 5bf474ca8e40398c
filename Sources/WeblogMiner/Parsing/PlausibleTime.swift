import Glibc

/// The span of timestamps a web log can hold: from 1990 (the web's first year) to one day after the
/// moment this run started (clocks a little ahead, time zones). Anything outside is a bogus stamp.
public enum PlausibleTime {
    /// 1990-01-01T00:00:00Z.
    public static let earliest: Int64 = 631_152_000_000
    /// Now plus one day, fixed when first used so that a run judges every line alike.
    public static let latest: Int64 = (Int64(time(nil)) + 86_400) * 1000

    @inline(__always) public static func contains(_ millis: Int64) -> Bool { millis >= earliest && millis <= latest }

    /// A hint when most rejected times were readable but implausible.
    public static let hint = "times before 1990 or after tomorrow are rejected as bad_time; if the time column is a date such as 20170430 or 30.04.2017, give --time-format (e.g. --time-format %Y%m%d)"
}
