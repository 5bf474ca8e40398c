import Testing
@testable import WeblogMiner

@Suite struct TimestampTests {
    func clf(_ s: String) -> Int64? {
        var b = Array(s.utf8)
        return b.withUnsafeMutableBufferPointer { Timestamps.parseCLF($0.baseAddress!, 0, $0.count) }
    }
    func iso(_ s: String) -> Int64? {
        var b = Array(s.utf8)
        return b.withUnsafeMutableBufferPointer { Timestamps.parseISO($0.baseAddress!, 0, $0.count) }
    }
    func any(_ s: String) -> Int64? {
        var b = Array(s.utf8)
        return b.withUnsafeMutableBufferPointer { Timestamps.parseAny($0.baseAddress!, 0, $0.count) }
    }

    /// The parser remembers the last timestamp and reuses its date when only the clock changes: a long
    /// run of lines (same date and zone, other clocks and fractions, invalid clocks, other dates and
    /// zones) must give exactly what parsing each timestamp alone gives.
    @Test func rememberedDatesGiveTheSameTimes() throws {
        let parser = try apache(ApacheLogFormat.common)
        var generator = SeededGenerator(seed: 7)
        let dates = ["02/Mar/2026", "02/Mar/2026", "28/Feb/2024", "31/Dec/1999"]
        let zones = [" +0000", " +0000", " -0700", " +0530", ""]
        for _ in 0 ..< 20_000 {
            let clock = [Int.random(in: 0 ... 25, using: &generator), Int.random(in: 0 ... 61, using: &generator), Int.random(in: 0 ... 62, using: &generator)]
                .map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: Int.random(in: 0 ... 50, using: &generator) == 0 ? "-" : ":")
            let fraction = Int.random(in: 0 ... 5, using: &generator) == 0 ? ".250" : ""
            let stamp = dates.randomElement(using: &generator)! + ":" + clock + fraction + zones.randomElement(using: &generator)!
            let p = parse(parser, "1.2.3.4 - - [\(stamp)] \"GET / HTTP/1.1\" 200 5")
            let expected = clf(stamp)
            #expect((p.verdict == .record ? p.record.epochMillis : nil) == expected, "\(stamp)")
        }
    }

    @Test func apacheDocumentationExample() {
        // The example from the Apache docs: 10/Oct/2000:13:55:36 -0700 is 20:55:36 UTC.
        #expect(clf("10/Oct/2000:13:55:36 -0700") == utcMillis(2000, 10, 10, 20, 55, 36))
    }

    @Test(arguments: [
        ("01/Jan/2026:00:30:00 +0545", utcMillis(2025, 12, 31, 18, 45, 0)),  // Nepal
        ("01/Jan/2026:00:30:00 -0930", utcMillis(2026, 1, 1, 10, 0, 0)),  // Marquesas
        ("31/Dec/2025:23:00:00 +1400", utcMillis(2025, 12, 31, 9, 0, 0)),  // Line Islands
        ("29/Feb/2024:12:00:00 +0000", utcMillis(2024, 2, 29, 12, 0, 0)),  // leap day
        ("01/Aug/1995:00:00:01 -0400", utcMillis(1995, 8, 1, 4, 0, 1)),
        ("17/may/2015:10:05:03 +0000", utcMillis(2015, 5, 17, 10, 5, 3)),  // month in any case
        ("29/Nov/2017:06:58:55", utcMillis(2017, 11, 29, 6, 58, 55)),  // no zone: UTC
    ])
    func oddTimezones(text: String, expected: Int64) {
        #expect(clf(text) == expected)
    }

    @Test(arguments: ["10/Oct/2000:13:55:36 +2400", "10/Oct/2000:13:55:36 +0560", "10/Foo/2000:13:55:36 +0000",
                      "32/Oct/2000:13:55:36 +0000", "10/Oct/2000:25:55:36 +0000", "10/Oct/2000 13:55:36 +0000", "", "10/Oct/2000:13:5"])
    func invalidCLF(text: String) {
        #expect(clf(text) == nil)
    }

    @Test func isoVariants() {
        let base = utcMillis(2026, 3, 2, 13, 55, 36)
        #expect(iso("2026-03-02T13:55:36Z") == base)
        #expect(iso("2026-03-02 13:55:36") == base)
        #expect(iso("2026-03-02T14:55:36+01:00") == base)
        #expect(iso("2026-03-02T14:55:36+0100") == base)
        #expect(iso("2026-03-02T08:25:36-05:30") == base)
        #expect(iso("2026-03-02T13:55:36.5Z") == base + 500)
        #expect(iso("2026-03-02T13:55:36.123456Z") == base + 123)
        #expect(iso("2026-03-02") == utcMillis(2026, 3, 2))
        #expect(iso("2026-13-02T13:55:36Z") == nil)
        #expect(iso("2026-03-02T13:55:36X") == nil)
        // BigQuery's and many databases' way: the zone written out; and year-first with slashes.
        #expect(iso("2026-03-02 13:55:36.5 UTC") == base + 500)
        #expect(iso("2026-03-02 13:55:36 gmt") == base)
        #expect(iso("2026-03-02 13:55:36 CET") == nil)
        #expect(any("2026/03/02 13:55:36") == base)
        #expect(any("2026/03/02") == utcMillis(2026, 3, 2))
        #expect(iso("2026/03-02 13:55:36") == nil)
    }

    @Test func epochByDigitCount() {
        #expect(any("804571201") == 804_571_201_000)
        #expect(any("1396437466.94") == 1_396_437_466_940)
        #expect(any("1772409600123") == 1_772_409_600_123)  // milliseconds
        #expect(any("1772409600123456") == 1_772_409_600_123)  // microseconds
        #expect(any("[10/Oct/2000:13:55:36 -0700]") == utcMillis(2000, 10, 10, 20, 55, 36))
        #expect(any("12ab") == nil)
        #expect(any("") == nil)
    }

    @Test func civilRoundTrip() {
        for days in stride(from: -800_000, to: 800_000, by: 997) {
            let (y, m, d) = Timestamps.civilFromDays(days)
            #expect(Timestamps.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }
}
