/// User-agent robot detection by case-insensitive substrings (the shipped list is
/// `Cleaning/robot-patterns.txt`, embedded in the binary).
public enum RobotPatterns {
    public static let builtIn: [String] = parse(String(decoding: PackageResources.robot_patterns_txt, as: UTF8.self))

    /// One pattern per line; `#` starts a comment line.
    public static func parse(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: " \t\r").lowercased() }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}

/// Matches user agents against the patterns, remembering the verdict per distinct agent
/// (a site sees few distinct agents, so each is checked once).
struct RobotMatcher {
    private let patterns: [[UInt8]]
    /// Verdicts by agent hash, as two sets (no SipHash per lookup, as a `Dictionary` would do).
    private var robotAgents = HashSet64()
    private var humanAgents = HashSet64()
    /// Consecutive hits often share the agent: the last verdict saves the table lookup.
    private var lastHash: UInt64 = 0
    private var lastVerdict = false

    init(patterns: [String]) { self.patterns = patterns.map { Array($0.utf8) } }

    mutating func isRobot(_ ua: UnsafeBufferPointer<UInt8>) -> Bool {
        let h = hashBytes(ua.baseAddress ?? emptyBytePointer, ua.count)
        if h == lastHash && h != 0 { return lastVerdict }
        let isKnownRobot = robotAgents.contains(h)
        if isKnownRobot || humanAgents.contains(h) {
            lastHash = h
            lastVerdict = isKnownRobot
            return isKnownRobot
        }
        let lower = ua.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        var robot = false
        lower.withUnsafeBufferPointer { text in
            for pattern in patterns where pattern.count <= text.count {
                if Self.contains(text, pattern) {
                    robot = true
                    break
                }
            }
        }
        if robotAgents.count + humanAgents.count > 1_000_000 {  // bound memory on hostile logs
            robotAgents = HashSet64()
            humanAgents = HashSet64()
        }
        if robot { robotAgents.insert(h) } else { humanAgents.insert(h) }
        lastHash = h
        lastVerdict = robot
        return robot
    }

    private static func contains(_ text: UnsafeBufferPointer<UInt8>, _ pattern: [UInt8]) -> Bool {
        guard let first = pattern.first, let base = text.baseAddress else { return true }
        var i = 0
        let last = text.count - pattern.count
        while i <= last {
            guard let at = ByteSearch.find(first, in: base, from: i, end: last + 1) else { return false }
            var k = 1
            while k < pattern.count && base[at + k] == pattern[k] { k += 1 }
            if k == pattern.count { return true }
            i = at + 1
        }
        return false
    }
}
