import Foundation

/// A named period the results are computed for: the last N days up to the newest day seen
/// (`1d` = that day, `7d`, `28d`, ...), or `all` (every day the state store keeps). Each has a
/// previous period of the same length just before it, for comparisons.
public struct ResultWindow: Sendable, Equatable {
    public var name: String
    /// nil: all days.
    public var days: Int?

    public static let defaults = [ResultWindow(name: "1d", days: 1), ResultWindow(name: "7d", days: 7), ResultWindow(name: "28d", days: 28)]

    public struct BadList: Error, CustomStringConvertible {
        public var description: String
    }

    /// `1d,7d,28d,all`: each Nd with 1 <= N <= 3660 (or Nw for weeks), or all; no repeats.
    public static func parse(_ list: String) throws(BadList) -> [ResultWindow] {
        var out: [ResultWindow] = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingCharacters(in: .whitespaces).lowercased()
            let window: ResultWindow
            if item == "all" {
                window = ResultWindow(name: "all", days: nil)
            } else if let unit = item.last, unit == "d" || unit == "w", let n = Int(item.dropLast()), n >= 1, n <= (unit == "d" ? 3660 : 520) {
                let days = unit == "d" ? n : n * 7
                window = ResultWindow(name: "\(days)d", days: days)
            } else {
                throw BadList(description: "--windows: '\(item)' is not a window (give e.g. 1d,7d,28d or all)")
            }
            guard !out.contains(where: { $0.days == window.days }) else { throw BadList(description: "--windows: \(window.name) is listed twice") }
            out.append(window)
        }
        guard !out.isEmpty else { throw BadList(description: "--windows needs at least one window") }
        return out
    }

    /// The days it covers when `last` is the newest day (and `first` the oldest kept).
    public func range(last: Int32, first: Int32) -> ClosedRange<Int32> {
        guard let days else { return min(first, last) ... last }
        return (last - Int32(days) + 1) ... last
    }

    /// The period of the same length just before (nil for `all`).
    public func previous(last: Int32) -> ClosedRange<Int32>? {
        guard let days else { return nil }
        return (last - Int32(2 * days) + 1) ... (last - Int32(days))
    }

    /// The window the top-level files, the report and the models (prospects, dwell) are for: the
    /// longest bounded one (28d by default), or `all` when it is the only one.
    public static func main(of windows: [ResultWindow]) -> ResultWindow {
        windows.filter { $0.days != nil }.max { $0.days! < $1.days! } ?? windows[0]
    }
}
