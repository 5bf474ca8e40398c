import Foundation

/// Days and hours in the site's time zone (`--timezone`: UTC, a fixed offset such as +02:00, or a
/// zone name such as Europe/Paris, whose offset follows daylight saving). A day is numbered as days
/// since 1970-01-01 in that zone, so "yesterday" and "the last 7 days" mean what the site owner means.
public struct SiteCalendar: Sendable {
    public let name: String
    /// For a named zone: from each change on (millis since 1970), the offset in force; looked up
    /// per page view, so a binary search over this table instead of a Foundation call.
    private let changes: [(from: Int64, offset: Int64)]
    private let fixedOffsetMillis: Int64

    public struct UnknownZone: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "unknown time zone '\(name)' (use UTC, an offset such as +02:00, or a zone name such as Europe/Paris)" }
    }

    public static let utc = SiteCalendar(name: "UTC", changes: [], offsetMillis: 0)

    private init(name: String, changes: [(from: Int64, offset: Int64)], offsetMillis: Int64) {
        self.name = name
        self.changes = changes
        fixedOffsetMillis = offsetMillis
    }

    public init(_ name: String) throws(UnknownZone) {
        let n = name.trimmingCharacters(in: .whitespaces)
        if n.isEmpty || n.uppercased() == "UTC" || n.uppercased() == "Z" || n.uppercased() == "GMT" {
            self = .utc
            return
        }
        if let sign = n.first, sign == "+" || sign == "-" {
            let digits = n.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
            let hm: (Int, Int)?
            if digits.count == 2, let h = Int(digits[0]), let m = Int(digits[1]) { hm = (h, m) }
            else if digits.count == 1, digits[0].count == 4, let v = Int(digits[0]) { hm = (v / 100, v % 100) }
            else if digits.count == 1, digits[0].count <= 2, let h = Int(digits[0]) { hm = (h, 0) }
            else { hm = nil }
            guard let (h, m) = hm, h <= 14, m < 60 else { throw UnknownZone(name: name) }
            let minutes = (h * 60 + m) * (sign == "-" ? -1 : 1)
            self.init(name: n, changes: [], offsetMillis: Int64(minutes) * 60_000)
            return
        }
        guard let z = TimeZone(identifier: n) else { throw UnknownZone(name: name) }
        var table: [(from: Int64, offset: Int64)] = []
        var at = Date(timeIntervalSince1970: 0)
        table.append((Int64.min, Int64(z.secondsFromGMT(for: at)) * 1000))
        let end = Date(timeIntervalSince1970: 4_102_444_800)  // 2100
        while let next = z.nextDaylightSavingTimeTransition(after: at), next < end {
            table.append((Int64(next.timeIntervalSince1970 * 1000), Int64(z.secondsFromGMT(for: next)) * 1000))
            at = next
        }
        self.init(name: z.identifier, changes: table, offsetMillis: 0)
    }

    @inline(__always) private func offsetMillis(at t: Int64) -> Int64 {
        guard !changes.isEmpty else { return fixedOffsetMillis }
        var lo = 0, hi = changes.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if changes[mid].from <= t { lo = mid } else { hi = mid - 1 }
        }
        return changes[lo].offset
    }

    @inline(__always) static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    public func day(ofMillis t: Int64) -> Int32 { dayAndHour(ofMillis: t).day }

    public func dayAndHour(ofMillis t: Int64) -> (day: Int32, hour: Int) {
        let local = t + offsetMillis(at: t)
        let day = Self.floorDiv(local, 86_400_000)
        let hour = Int((local - day * 86_400_000) / 3_600_000)
        return (Int32(clamping: day), hour)
    }

    /// The day and the minute of that day (0 ..< 1440), in this zone.
    public func dayAndMinute(ofMillis t: Int64) -> (day: Int32, minute: Int) {
        let local = t + offsetMillis(at: t)
        let day = Self.floorDiv(local, 86_400_000)
        return (Int32(clamping: day), Int((local - day * 86_400_000) / 60_000))
    }

    /// The day number of a calendar date (nil for a date that does not exist, e.g. 2026-02-30).
    public static func day(year: Int, month: Int, day: Int) -> Int32? {
        let number = Timestamps.daysFromCivil(year: year, month: month, day: day)
        let back = Timestamps.civilFromDays(number)
        guard back == (year, month, day), let d = Int32(exactly: number) else { return nil }
        return d
    }

    /// The day number of `YYYY-MM-DD`, nil for anything else (e.g. 2026-04-31).
    public static func day(label: String) -> Int32? {
        let parts = label.split(separator: "-", omittingEmptySubsequences: false)
        guard label.utf8.count == 10, parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return day(year: y, month: m, day: d)
    }

    /// YYYY-MM-DD of a day number.
    public static func label(_ day: Int32) -> String { String(isoTime(Int64(day) * 86_400_000).prefix(10)) }
}
