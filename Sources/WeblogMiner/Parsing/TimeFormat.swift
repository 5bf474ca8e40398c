/// A user-given time layout in strftime/strptime style (`--time-format`), for times none of the
/// built-in forms reads: `%Y%m%d`, `%d.%m.%Y %H:%M:%S`, `%d/%b/%Y:%H:%M:%S %z`, `%s`, ...
/// Directives: %Y %y %m %d %H %M %S, %f (fraction of a second), %z (+hhmm, +hh:mm, Z), %b/%h (month
/// name), %s (epoch seconds, with an optional fraction), %F (= %Y-%m-%d), %T (= %H:%M:%S), %%.
/// Numbers take up to their width in digits (so `%Y%m%d` reads `20170430`); a missing zone is UTC;
/// the date must be complete when no %s is given.
public struct TimeFormat: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case literal(UInt8)
        case number(Field, width: Int)
        case fraction, zone, monthName, epoch
    }
    enum Field: Sendable, Equatable { case year, year2, month, day, hour, minute, second }

    let steps: [Step]
    public let pattern: String

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ pattern: String) throws(Invalid) {
        self.pattern = pattern
        var steps: [Step] = []
        var bytes = Array(pattern.utf8)[...]
        var hasDay = false, hasMonth = false, hasYear = false, hasEpoch = false
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "%") else {
                steps.append(.literal(b))
                continue
            }
            guard let d = bytes.popFirst() else { throw Invalid(description: "--time-format '\(pattern)' ends with a lone %") }
            switch d {
            case UInt8(ascii: "Y"): steps.append(.number(.year, width: 4)); hasYear = true
            case UInt8(ascii: "y"): steps.append(.number(.year2, width: 2)); hasYear = true
            case UInt8(ascii: "m"): steps.append(.number(.month, width: 2)); hasMonth = true
            case UInt8(ascii: "d"), UInt8(ascii: "e"): steps.append(.number(.day, width: 2)); hasDay = true
            case UInt8(ascii: "H"): steps.append(.number(.hour, width: 2))
            case UInt8(ascii: "M"): steps.append(.number(.minute, width: 2))
            case UInt8(ascii: "S"): steps.append(.number(.second, width: 2))
            case UInt8(ascii: "f"): steps.append(.fraction)
            case UInt8(ascii: "z"), UInt8(ascii: "Z"): steps.append(.zone)
            case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "B"): steps.append(.monthName); hasMonth = true
            case UInt8(ascii: "s"): steps.append(.epoch); hasEpoch = true
            case UInt8(ascii: "F"):
                steps += [.number(.year, width: 4), .literal(UInt8(ascii: "-")), .number(.month, width: 2), .literal(UInt8(ascii: "-")), .number(.day, width: 2)]
                hasYear = true; hasMonth = true; hasDay = true
            case UInt8(ascii: "T"):
                steps += [.number(.hour, width: 2), .literal(UInt8(ascii: ":")), .number(.minute, width: 2), .literal(UInt8(ascii: ":")), .number(.second, width: 2)]
            case UInt8(ascii: "%"): steps.append(.literal(UInt8(ascii: "%")))
            default:
                throw Invalid(description: "--time-format '\(pattern)': unknown directive %\(Character(Unicode.Scalar(d))) (known: %Y %y %m %d %H %M %S %f %z %b %s %F %T %%)")
            }
        }
        guard hasEpoch || (hasYear && hasMonth && hasDay) else {
            throw Invalid(description: "--time-format '\(pattern)' needs a whole date (%Y, %m or %b, %d) or %s")
        }
        self.steps = steps
    }

    /// Epoch milliseconds, or nil when the text does not have this layout.
    public func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0, offset = 0
        var epoch: Int64? = nil
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        for step in steps {
            switch step {
            case .literal(let b):
                guard i < end, p[i] == b else { return nil }
                i += 1
            case .number(let field, let width):
                var value = 0, n = 0
                while n < width && i < end && isDigit(p[i]) {
                    value = value * 10 + Int(p[i] - 48)
                    i += 1
                    n += 1
                }
                guard n > 0 else { return nil }
                switch field {
                case .year: year = value
                case .year2: year = value < 70 ? 2000 + value : 1900 + value
                case .month: month = value
                case .day: day = value
                case .hour: hour = value
                case .minute: minute = value
                case .second: second = value
                }
            case .fraction:
                var scale = 100, n = 0
                while i < end && isDigit(p[i]) {
                    if n < 3 { millis += Int(p[i] - 48) * scale; scale /= 10 }
                    i += 1
                    n += 1
                }
                guard n > 0 else { return nil }
            case .zone:
                guard i < end else { return nil }
                if p[i] == UInt8(ascii: "Z") || p[i] == UInt8(ascii: "z") { i += 1; continue }
                guard p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") else { return nil }
                let sign = p[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                var digits: [Int] = []
                while i < end && digits.count < 4 {
                    if isDigit(p[i]) { digits.append(Int(p[i] - 48)) } else if p[i] != UInt8(ascii: ":") || digits.count != 2 { break }
                    i += 1
                }
                guard digits.count == 4 || digits.count == 2 else { return nil }
                let hh = digits[0] * 10 + digits[1], mm = digits.count == 4 ? digits[2] * 10 + digits[3] : 0
                guard hh <= 23 && mm <= 59 else { return nil }
                offset = sign * (hh * 3600 + mm * 60)
            case .monthName:
                var name: [UInt8] = []
                while i < end, (p[i] | 0x20) >= 97 && (p[i] | 0x20) <= 122 {
                    name.append(p[i] | 0x20)
                    i += 1
                }
                guard name.count >= 3, let m = Self.months.firstIndex(where: { $0.elementsEqual(name.prefix(3)) }) else { return nil }
                month = m + 1
            case .epoch:
                var whole: Int64 = 0, n = 0
                while i < end && isDigit(p[i]) && n < 12 {
                    whole = whole * 10 + Int64(p[i] - 48)
                    i += 1
                    n += 1
                }
                guard n > 0 else { return nil }
                var frac = 0
                if i < end && p[i] == UInt8(ascii: ".") {
                    i += 1
                    var scale = 100
                    while i < end && isDigit(p[i]) {
                        frac += Int(p[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                }
                epoch = whole * 1000 + Int64(frac)
            }
        }
        guard i == end else { return nil }
        if let epoch { return epoch }
        return Timestamps.epochMillis(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis, offsetSeconds: offset)
    }

    private static let months: [[UInt8]] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map { Array($0.utf8) }
}
