/// A funnel as the user writes it: `NAME: STEP > STEP > ...`, e.g.
/// `checkout: /p/:id > /cart > /checkout > /checkout/thanks`. A step is a page name as sessions name it
/// (after `--map`), or a PCRE2 pattern when written `re:PATTERN` or starting with `^`.
public struct FunnelDefinition: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        case page(String)
        case pattern(String)

        /// The step as written (for tables and messages).
        public var text: String {
            switch self {
            case .page(let name): name
            case .pattern(let p): p.hasPrefix("^") ? p : "re:" + p
            }
        }
    }

    public var name: String
    public var steps: [Step]

    /// At most this many steps: a funnel is read by people, and every step costs per view.
    public static let maxSteps = 32

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(name: String, steps: [Step]) {
        self.name = name
        self.steps = steps
    }

    /// Reads `NAME: STEP > STEP ...` (the name is optional: `funnel` then). Steps are split at `>`.
    public init(parsing text: String, defaultName: String = "funnel") throws(ParseError) {
        var body = Substring(text)
        var name = defaultName
        // A name is text before the first ':' that does not look like a step (steps start with / or ^,
        // and re: is a step's prefix).
        if let colon = body.firstIndex(of: ":") {
            let head = body[..<colon].trimmingSpaces
            if !head.isEmpty && !head.hasPrefix("/") && !head.hasPrefix("^") && head != "re" && !head.contains(">") {
                name = String(head)
                body = body[body.index(after: colon)...]
            }
        }
        let parts = body.split(separator: ">", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ParseError(description: "funnel '\(text)': give at least two steps separated by '>', e.g. 'checkout: /cart > /checkout > /checkout/thanks'")
        }
        guard parts.count <= Self.maxSteps else {
            throw ParseError(description: "funnel '\(text)': \(parts.count) steps; at most \(Self.maxSteps)")
        }
        let steps: [Step] = parts.map { part in
            if part.hasPrefix("re:") { return .pattern(String(part.dropFirst(3))) }
            if part.hasPrefix("^") { return .pattern(String(part)) }
            return .page(String(part))
        }
        for case .pattern(let p) in steps where p.isEmpty {
            throw ParseError(description: "funnel '\(text)': an empty re: pattern")
        }
        guard !name.contains("\t") && !name.contains("\n") else { throw ParseError(description: "funnel '\(text)': the name may not hold tabs or line breaks") }
        self.init(name: name, steps: steps)
    }
}

extension FunnelDefinition {
    /// Several `--funnel` options: unnamed ones are `funnel` (or `funnelN` among several), names are
    /// unique, and every pattern compiles.
    public static func parseAll(_ specs: [String]) throws(ParseError) -> [FunnelDefinition] {
        var names: Set<String> = []
        var result: [FunnelDefinition] = []
        for (k, spec) in specs.enumerated() {
            let d = try FunnelDefinition(parsing: spec, defaultName: specs.count == 1 ? "funnel" : "funnel\(k + 1)")
            _ = try FunnelSteps(d)
            guard names.insert(d.name).inserted else { throw ParseError(description: "the funnel name '\(d.name)' is given twice") }
            result.append(d)
        }
        return result
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
