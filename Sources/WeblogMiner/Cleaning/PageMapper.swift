import CPCRE2

/// Page mapping rules (`--map 'PATTERN=REPLACEMENT'`, or a rules file), compiled once with PCRE2 and
/// its JIT. Rules apply in order and the first match wins; `$1` in a replacement refers to a group.
/// Matching is bounded by PCRE2's match and depth limits, so a pathological pattern cannot hang a
/// nightly job: a page that hits the limit is left unmapped and counted.
public final class PageMapper: @unchecked Sendable {
    public struct Rule: Sendable {
        public let pattern: String
        public let replacement: String
    }

    public struct CompileError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let rules: [Rule]
    private let codes: [OpaquePointer]
    private let replacements: [[UInt8]]
    private let matchContext: OpaquePointer
    private let matchData: OpaquePointer
    private var output = [UInt8](repeating: 0, count: 4096)

    /// Limits on backtracking per match (PCRE2 match_limit / depth_limit).
    public static let matchLimit: UInt32 = 200_000
    public static let depthLimit: UInt32 = 2_000

    /// Rules as `PATTERN=REPLACEMENT` (split at the last `=`).
    public init(specs: [String]) throws(CompileError) {
        var rules: [Rule] = []
        for spec in specs {
            guard let eq = spec.lastIndex(of: "=") else {
                throw CompileError(description: "--map '\(spec)' must be PATTERN=REPLACEMENT, e.g. '^/product/[0-9]+$=/product/:id'")
            }
            rules.append(Rule(pattern: String(spec[..<eq]), replacement: String(spec[spec.index(after: eq)...])))
        }
        var codes: [OpaquePointer] = []
        for rule in rules {
            var errorCode: Int32 = 0
            var errorOffset: Int = 0
            let bytes = Array(rule.pattern.utf8)
            guard let code = bytes.withUnsafeBufferPointer({ pcre2_compile_8($0.baseAddress, $0.count, 0, &errorCode, &errorOffset, nil) }) else {
                var message = [UInt8](repeating: 0, count: 256)
                let n = pcre2_get_error_message_8(errorCode, &message, message.count)
                let text = String(decoding: message.prefix(max(0, Int(n))), as: UTF8.self)
                codes.forEach { pcre2_code_free_8($0) }
                throw CompileError(description: "invalid page pattern '\(rule.pattern)' at offset \(errorOffset): \(text)")
            }
            pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE))  // falls back to the interpreter if JIT is unavailable
            codes.append(code)
        }
        self.rules = rules
        self.codes = codes
        replacements = rules.map { Array($0.replacement.utf8) }
        matchContext = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(matchContext, Self.matchLimit)
        pcre2_set_depth_limit_8(matchContext, Self.depthLimit)
        matchData = pcre2_match_data_create_8(32, nil)
    }

    deinit {
        codes.forEach { pcre2_code_free_8($0) }
        pcre2_match_context_free_8(matchContext)
        pcre2_match_data_free_8(matchData)
    }

    /// A private copy for another thread (match data is per thread).
    public func copy() -> PageMapper {
        try! PageMapper(specs: rules.map { $0.pattern + "=" + $0.replacement })
    }

    public enum Outcome { case unchanged, mapped, limitExceeded }

    /// The rule that last hit the match limit (for the warning that names it).
    public private(set) var lastLimitRule = 0

    /// Maps `page` in place by the first matching rule.
    public func map(_ page: inout [UInt8]) -> Outcome {
        for (k, code) in codes.enumerated() {
            var outLength = output.count
            let rc = page.withUnsafeBufferPointer { subject in
                replacements[k].withUnsafeBufferPointer { replacement in
                    output.withUnsafeMutableBufferPointer { out in
                        pcre2_substitute_8(code, subject.baseAddress ?? UnsafePointer(emptyBytePointer), subject.count, 0,
                                           UInt32(PCRE2_SUBSTITUTE_OVERFLOW_LENGTH), matchData, matchContext,
                                           replacement.baseAddress ?? UnsafePointer(emptyBytePointer), replacement.count,
                                           out.baseAddress, &outLength)
                    }
                }
            }
            if rc == PCRE2_ERROR_NOMEMORY {
                output = [UInt8](repeating: 0, count: outLength + 1)
                return map(&page)
            }
            if rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT {
                lastLimitRule = k
                return .limitExceeded
            }
            if rc > 0 {
                page = Array(output[0 ..< outLength])
                return .mapped
            }
        }
        return .unchanged
    }

    /// Reads a rules file: one `PATTERN=REPLACEMENT` or `PATTERN<TAB>REPLACEMENT` per line; `#` comments.
    public static func specs(fromFile text: String) -> [String] {
        text.split(separator: "\n").map { String($0).trimmingCharacters(in: "\r") }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { $0.contains("\t") ? $0.replacingFirstTab() : $0 }
    }
}

extension String {
    func replacingFirstTab() -> String {
        guard let t = firstIndex(of: "\t") else { return self }
        return String(self[..<t]) + "=" + String(self[index(after: t)...])
    }
}
