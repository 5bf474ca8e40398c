/// A one-line progress display on stderr (only used when stderr is a terminal).
struct ProgressDisplay {
    let totalBytes: Int64
    private let start = monotonicSeconds()
    private var lastDraw = 0.0
    private var drawn = false

    init(totalBytes: Int64) { self.totalBytes = totalBytes }

    mutating func update(bytes: Int64, lines: Int) {
        let now = monotonicSeconds()
        guard now - lastDraw >= 0.25 else { return }
        lastDraw = now
        let elapsed = max(now - start, 0.001)
        var text = "\r\u{1B}[K  \(formatCount(lines)) lines, \(formatCount(Int(Double(lines) / elapsed))) lines/s"
        if totalBytes > 0 {
            let fraction = min(1, Double(bytes) / Double(totalBytes))
            text += ", \(Int(fraction * 100))% of \(totalBytes / 1_048_576) MB read"
            if fraction > 0.02 {
                let remaining = Int(elapsed / fraction - elapsed)
                text += ", ETA \(remaining / 60):\(remaining % 60 < 10 ? "0" : "")\(remaining % 60)"
            }
        }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
        drawn = true
    }

    mutating func clear() {
        guard drawn else { return }
        var bytes = Array("\r\u{1B}[K".utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
        drawn = false
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// 1234567 -> "1,234,567".
func formatCount(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}
