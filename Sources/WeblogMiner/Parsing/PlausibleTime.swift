import Glibc

/// The span of timestamps a web log can hold: from 1990 (the web's first year) to one day after the
/// moment this run started (clocks a little ahead, time zones). Anything outside is a bogus stamp.
public enum PlausibleTime {
    /// 1990-01-01T00:00:00Z.
    public static let earliest: Int64 = 631_152_000_000
    /// Now plus one day, fixed when first used so that a run judges every line alike.
    public static let latest: Int64 = (Int64(time(nil)) + 86_400) * 1000

    @inline(__always) public static func contains(_ millis: Int64) -> Bool { millis >= earliest && millis <= latest }

    /// A hint when most rejected lines have a time that is unreadable or implausible.
    public static let hint = "times that cannot be read, or that read as before 1990 or after tomorrow, are rejected as bad_time; "
        + "give the time column's layout with --time-format (e.g. '%d/%m/%Y %H:%M:%S', or %Y%m%d for dates such as 20170430)"
}
