/// Timestamp readers for the layouts found in web logs, all returning UTC epoch milliseconds.
/// Hand-written: DateFormatter and regexes were 60-270x too slow for the per-line path.
public enum Timestamps {
    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    @inline(__always)
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// (year, month, day) of days since the epoch (H. Hinnant's civil_from_days).
    @inline(__always)
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inline(__always) static func digit(_ b: UInt8) -> Int? {
        let d = Int(b) &- 48
        return d >= 0 && d <= 9 ? d : nil
    }

    /// Reads `count` digits at p[i...]; nil if any is not a digit.
    @inline(__always)
    static func number(_ p: UnsafePointer<UInt8>, _ i: Int, _ count: Int) -> Int? {
        var value = 0
        for k in 0 ..< count {
            guard let d = digit(p[i + k]) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// Month from its English three-letter abbreviation, any case.
    @inline(__always)
    static func month(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        let key = (UInt32(p[i] | 0x20) << 16) | (UInt32(p[i + 1] | 0x20) << 8) | UInt32(p[i + 2] | 0x20)
        switch key {
        case 0x6A_616E: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6D_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6D_6179: return 5  // may
        case 0x6A_756E: return 6  // jun
        case 0x6A_756C: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6F_6374: return 10  // oct
        case 0x6E_6F76: return 11  // nov
        case 0x64_6563: return 12  // dec
        default: return nil
        }
    }

    @inline(__always)
    static func epochMillis(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int, offsetSeconds: Int) -> Int64? {
        guard month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Int64(seconds) * 1000 + Int64(millis)
    }

    /// Optional `.fff...` fraction at p[i]; returns milliseconds and the index after it.
    @inline(__always)
    static func fraction(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (millis: Int, next: Int) {
        guard i < end && (p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",")) else { return (0, i) }
        var j = i + 1
        var millis = 0
        var digits = 0
        while j < end, let d = digit(p[j]) {
            if digits < 3 { millis = millis * 10 + d }
            digits += 1
            j += 1
        }
        while digits < 3 && digits > 0 {
            millis *= 10
            digits += 1
        }
        return (millis, j)
    }

    /// Zone designator at p[i..<end]: nothing (UTC), `Z`, `+hh`, `+hhmm` or `+hh:mm`; nil if malformed.
    @inline(__always)
    static func zoneOffset(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int? {
        var i = i
        while i < end && p[i] == UInt8(ascii: " ") { i += 1 }
        if i == end { return 0 }
        if p[i] == UInt8(ascii: "Z") || p[i] == UInt8(ascii: "z") { return i + 1 == end ? 0 : nil }
        // `UTC` or `GMT` written out, as BigQuery and many databases print timestamps.
        if end - i == 3 {
            let zone = (p[i] | 0x20, p[i + 1] | 0x20, p[i + 2] | 0x20)
            if zone == (0x75, 0x74, 0x63) || zone == (0x67, 0x6D, 0x74) { return 0 }
        }
        let sign: Int
        switch p[i] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        let rest = end - i - 1
        guard rest >= 2, let hh = number(p, i + 1, 2), hh <= 23 else { return nil }
        var mm = 0
        switch rest {
        case 2: break
        case 4:
            guard let m = number(p, i + 3, 2) else { return nil }
            mm = m
        case 5:
            guard p[i + 3] == UInt8(ascii: ":"), let m = number(p, i + 4, 2) else { return nil }
            mm = m
        default: return nil
        }
        guard mm <= 59 else { return nil }
        return sign * (hh * 3600 + mm * 60)
    }

    /// Apache/nginx `10/Oct/2000:13:55:36 -0700` (brackets already removed). A missing zone means UTC.
    public static func parseCLF(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard end - start >= 20, p[start + 2] == UInt8(ascii: "/"), p[start + 6] == UInt8(ascii: "/"),
            p[start + 11] == UInt8(ascii: ":"), p[start + 14] == UInt8(ascii: ":"), p[start + 17] == UInt8(ascii: ":"),
            let day = number(p, start, 2), let month = month(p, start + 3), let year = number(p, start + 7, 4),
            let hour = number(p, start + 12, 2), let minute = number(p, start + 15, 2), let second = number(p, start + 18, 2)
        else { return nil }
        let (millis, next) = fraction(p, start + 20, end)
        guard let offset = zoneOffset(p, next, end) else { return nil }
        return epochMillis(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis, offsetSeconds: offset)
    }

    /// ISO 8601 / RFC 3339: `2000-10-10T13:55:36Z`, `2000-10-10 13:55:36.123+02:00`, or a date alone;
    /// also year-first with slashes (`2000/10/10 13:55:36`, unambiguous) and the zone written `UTC`.
    public static func parseISO(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard end - start >= 10, p[start + 4] == UInt8(ascii: "-") || p[start + 4] == UInt8(ascii: "/"), p[start + 7] == p[start + 4],
            let year = number(p, start, 4), let month = number(p, start + 5, 2), let day = number(p, start + 8, 2)
        else { return nil }
        if end - start == 10 {
            return epochMillis(year: year, month: month, day: day, hour: 0, minute: 0, second: 0, millis: 0, offsetSeconds: 0)
        }
        let sep = p[start + 10]
        guard end - start >= 19, sep == UInt8(ascii: "T") || sep == UInt8(ascii: " ") || sep == UInt8(ascii: "t"),
            p[start + 13] == UInt8(ascii: ":"), p[start + 16] == UInt8(ascii: ":"),
            let hour = number(p, start + 11, 2), let minute = number(p, start + 14, 2), let second = number(p, start + 17, 2)
        else { return nil }
        let (millis, next) = fraction(p, start + 19, end)
        guard let offset = zoneOffset(p, next, end) else { return nil }
        return epochMillis(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis, offsetSeconds: offset)
    }

    /// Unix time: seconds (`804571201`, `1396437466.94`), or by digit count milliseconds (12-14 digits),
    /// microseconds (15-17) or nanoseconds (18-19).
    public static func parseEpoch(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var whole: Int64 = 0
        var digits = 0
        while i < end, let d = digit(p[i]) {
            guard digits < 19 else { return nil }
            whole = whole &* 10 &+ Int64(d)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        switch digits {
        case ...11:
            let (millis, next) = fraction(p, i, end)
            guard next == end else { return nil }
            return whole * 1000 + Int64(millis)
        case 12 ... 14: return i == end ? whole : nil
        case 15 ... 17: return i == end ? whole / 1000 : nil
        default: return i == end ? whole / 1_000_000 : nil
        }
    }

    /// Whichever of the layouts above fits (used for click logs and user-defined time fields).
    public static func parseAny(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var start = start
        var end = end
        while start < end && (p[start] == UInt8(ascii: " ") || p[start] == UInt8(ascii: "[")) { start += 1 }
        while end > start && (p[end - 1] == UInt8(ascii: " ") || p[end - 1] == UInt8(ascii: "]")) { end -= 1 }
        guard end - start >= 1 else { return nil }
        if end - start >= 10 && (p[start + 4] == UInt8(ascii: "-") || p[start + 4] == UInt8(ascii: "/")) { return parseISO(p, start, end) }
        if end - start >= 20 && p[start + 2] == UInt8(ascii: "/") { return parseCLF(p, start, end) }
        return parseEpoch(p, start, end)
    }
}
