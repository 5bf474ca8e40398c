import Glibc

/// A one-line "mining: 1,234,567 patterns found, 12 s" on stderr while a search runs (the command
/// shows it only when stderr is a terminal): dense data at a low support mines for minutes with no
/// other sign of life, and closed or maximal patterns only come out at the end of the search. Drawn
/// from its own thread, first after `delay` (a short search shows nothing), then every `interval`;
/// `finish` clears the line before anything else is written.
public final class MiningProgress: @unchecked Sendable {
    private let monitor = Monitor()
    private var found = 0
    private var finished = false
    private var ended = false
    private let start = monotonicSeconds()
    private let write: @Sendable (String) -> Void

    public init(delay: Double = 1, interval: Double = 0.5, write: @escaping @Sendable (String) -> Void = MiningProgress.toStandardError) {
        self.write = write
        startThread { [self] in
            var drawn = false
            var next = start + delay
            while true {
                let stop = monitor.locked { finished }
                if stop { break }
                let now = monotonicSeconds()
                if now >= next {
                    let (count, seconds) = monitor.locked { (found, Int(now - start)) }
                    write("\r\u{1B}[Kmining: \(count > 0 ? "\(formatCount(count)) patterns found, " : "")\(seconds) s")
                    drawn = true
                    next = now + interval
                }
                usleep(20_000)
            }
            if drawn { write("\r\u{1B}[K") }
            monitor.locked {
                ended = true
                monitor.broadcast()
            }
        }
    }

    /// Patterns handed to the output so far.
    public func add(_ count: Int) { monitor.locked { found += count } }

    /// Stops the display and clears its line; returns once it is cleared.
    public func finish() {
        monitor.locked {
            finished = true
            while !ended { monitor.wait() }
        }
    }

    @Sendable public static func toStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
