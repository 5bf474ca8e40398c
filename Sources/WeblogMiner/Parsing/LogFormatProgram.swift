/// What one placeholder of a server log format fills in the record.
public enum FormatSlot: Sendable, Equatable {
    case ignore
    /// Server port (`%p`): read and checked as digits, so a misdetected layout fails early.
    case port
    case client, user, method, path, query, proto, referrer, userAgent, vhost, visitor, session
    /// Full request line `GET /x?y HTTP/1.1`.
    case request
    /// Path with optional `?query` (nginx `$request_uri`, Apache `%U%q`).
    case uri
    case timeCLF, timeISO, timeEpoch, timeAny
    case status, bytes
    case durationMicros, durationMillis, durationSeconds
}

/// A log format compiled once into literal text and placeholders, then matched against each line by a
/// byte scanner (no regex). Apache `LogFormat` and nginx `log_format` strings both compile to this.
public struct LogFormatProgram: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var slot: FormatSlot
        /// The literal text that follows the placeholder (empty for a placeholder that ends the line).
        public var literal: [UInt8]
    }

    public var prefix: [UInt8]
    public var steps: [Step]

    public init(prefix: [UInt8], steps: [Step]) {
        self.prefix = prefix
        self.steps = steps
    }
}

public struct FormatCompileError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Builds a program from alternating literals and placeholders, checking that adjacent
/// placeholders can be told apart.
struct LogFormatBuilder {
    private var prefix: [UInt8] = []
    private var steps: [LogFormatProgram.Step] = []

    mutating func literal(_ bytes: [UInt8]) {
        if steps.isEmpty { prefix += bytes } else { steps[steps.count - 1].literal += bytes }
    }

    mutating func placeholder(_ slot: FormatSlot, name: String) throws(FormatCompileError) {
        if let last = steps.last, last.literal.isEmpty {
            // `%U%q`: path immediately followed by query is the one adjacency with a known boundary.
            if last.slot == .path && slot == .query {
                steps[steps.count - 1].slot = .uri
                return
            }
            throw FormatCompileError(message: "placeholder \(name) follows another placeholder without separating text, so their boundary cannot be found")
        }
        steps.append(.init(slot: slot, literal: []))
    }

    func build() throws(FormatCompileError) -> LogFormatProgram {
        guard !steps.isEmpty else { throw FormatCompileError(message: "format has no placeholders") }
        return LogFormatProgram(prefix: prefix, steps: steps)
    }
}

/// Parses lines with a compiled `LogFormatProgram`.
public final class LogFormatParser: LineParser {
    public let formatName: String
    public let program: LogFormatProgram
    // The program flattened into raw storage: the per-line loop then touches no reference-counted arrays.
    private let stepCount: Int
    private let slots: UnsafeMutablePointer<FormatSlot>
    private let quoted: UnsafeMutablePointer<Bool>
    private let literalStart: UnsafeMutablePointer<Int>
    private let literalCount: UnsafeMutablePointer<Int>
    private let literalBytes: UnsafeMutablePointer<UInt8>
    private let prefixCount: Int
    private let layout: Layout
    /// Set by the last `parse`: whether the whole line was used (auto-detection prefers formats that do).
    public private(set) var consumedWholeLine = false

    /// `unrolled: false` forces the generic loop (tests compare both paths).
    public init(program: LogFormatProgram, name: String, unrolled: Bool = true) {
        self.program = program
        formatName = name
        stepCount = program.steps.count
        slots = .allocate(capacity: stepCount)
        quoted = .allocate(capacity: stepCount)
        literalStart = .allocate(capacity: stepCount)
        literalCount = .allocate(capacity: stepCount)
        let allLiterals = program.prefix + program.steps.flatMap(\.literal)
        literalBytes = .allocate(capacity: max(1, allLiterals.count))
        literalBytes.initialize(from: allLiterals, count: allLiterals.count)
        prefixCount = program.prefix.count
        layout = unrolled ? Self.unrolled.first(where: { $0.1 == program })?.0 ?? .generic : .generic
        var offset = prefixCount
        var before = program.prefix
        for (k, step) in program.steps.enumerated() {
            (slots + k).initialize(to: step.slot)
            // A placeholder between `"` and `"` is a quoted field: it may contain spaces and escaped quotes.
            (quoted + k).initialize(to: before.last == FieldDecoding.quote && step.literal.first == FieldDecoding.quote)
            (literalStart + k).initialize(to: offset)
            (literalCount + k).initialize(to: step.literal.count)
            offset += step.literal.count
            before = step.literal
        }
    }

    public func copyForWorker() -> (any LineParser)? { LogFormatParser(program: program, name: formatName, unrolled: layout != .generic) }

    deinit {
        lastTimeText.deallocate()
        slots.deallocate()
        quoted.deallocate()
        literalStart.deallocate()
        literalCount.deallocate()
        literalBytes.deallocate()
    }

    public func parse(_ line: LineBuffer, into record: inout LogRecord) -> LineVerdict {
        guard let p = line.baseAddress else { return .reject(.formatMismatch) }
        let end = line.count
        var i = 0
        consumedWholeLine = false
        if prefixCount > 0 {
            guard end >= prefixCount, Self.same(p, literalBytes, prefixCount) else {
                return .reject(.formatMismatch)
            }
            i = prefixCount
        }
        var time = TimeField()
        // The standard layouts run as straight-line code: the same `step`, with the slot, quoting and
        // literal length known to the compiler (no per-field dispatch). Others run the generic loop.
        switch layout {
        case .combined:
            guard let failure = combinedSteps(p, end, &i, &record, &time) else { break }
            return .reject(failure)
        case .common:
            guard let failure = commonSteps(p, end, &i, &record, &time) else { break }
            return .reject(failure)
        case .vhostCombined:
            guard let failure = vhostCombinedSteps(p, end, &i, &record, &time) else { break }
            return .reject(failure)
        case .generic:
            for k in 0 ..< stepCount {
                if let failure = step(k, slots[k], quoted: quoted[k], literalCount: literalCount[k], isLast: k == stepCount - 1,
                                      p, end, &i, &record, &time)
                {
                    return .reject(failure)
                }
            }
        }
        guard time.field.isPresent else { return .reject(.missingTime) }
        let ts = Int(time.field.start)
        let te = ts + Int(time.field.count)
        let value: Int64?
        switch time.slot {
        case .timeCLF: value = cachedCLF(p, ts, te)
        case .timeISO: value = Timestamps.parseISO(p, ts, te)
        case .timeEpoch: value = Timestamps.parseEpoch(p, ts, te)
        default: value = Timestamps.parseAny(p, ts, te)
        }
        guard let value else { return .reject(.badTime) }
        record.epochMillis = value
        // Anything after the format must be extra fields (starting with a space), not a different layout.
        if i < end && p[i] != FieldDecoding.space { return .reject(.formatMismatch) }
        consumedWholeLine = i >= end
        return .record
    }

    /// Layouts with an unrolled path (`ApacheLogFormat.combined`, `.common`, `.vhostCombined`).
    private enum Layout { case combined, common, vhostCombined, generic }

    private static let unrolled: [(Layout, LogFormatProgram)] = [
        (.combined, try! ApacheLogFormat.compile(ApacheLogFormat.combined)),
        (.common, try! ApacheLogFormat.compile(ApacheLogFormat.common)),
        (.vhostCombined, try! ApacheLogFormat.compile(ApacheLogFormat.vhostCombined)),
    ]

    // Each layout is its own function: inlined into `parse`, the steps would exceed the optimizer's
    // inlining budget for one function and run through the generic dispatch again.
    // The arguments below restate the programs above; `init` only picks a layout whose program is
    // equal to the one being parsed, and `LogFormatParserTests` checks the paths agree line by line.
    @inline(never)
    private func combinedSteps(_ p: UnsafeMutablePointer<UInt8>, _ end: Int, _ i: inout Int, _ r: inout LogRecord, _ t: inout TimeField) -> RejectReason? {
        if let f = commonLogSteps(from: 0, p, end, &i, &r, &t) { return f }
        if let f = step(6, .bytes, quoted: false, literalCount: 2, isLast: false, p, end, &i, &r, &t) { return f }
        return refererAndAgentSteps(from: 7, p, end, &i, &r, &t)
    }

    @inline(never)
    private func commonSteps(_ p: UnsafeMutablePointer<UInt8>, _ end: Int, _ i: inout Int, _ r: inout LogRecord, _ t: inout TimeField) -> RejectReason? {
        if let f = commonLogSteps(from: 0, p, end, &i, &r, &t) { return f }
        return step(6, .bytes, quoted: false, literalCount: 0, isLast: true, p, end, &i, &r, &t)
    }

    @inline(never)
    private func vhostCombinedSteps(_ p: UnsafeMutablePointer<UInt8>, _ end: Int, _ i: inout Int, _ r: inout LogRecord, _ t: inout TimeField) -> RejectReason? {
        if let f = step(0, .vhost, quoted: false, literalCount: 1, isLast: false, p, end, &i, &r, &t) { return f }
        if let f = step(1, .port, quoted: false, literalCount: 1, isLast: false, p, end, &i, &r, &t) { return f }
        if let f = commonLogSteps(from: 2, p, end, &i, &r, &t) { return f }
        if let f = step(8, .bytes, quoted: false, literalCount: 2, isLast: false, p, end, &i, &r, &t) { return f }
        return refererAndAgentSteps(from: 9, p, end, &i, &r, &t)
    }

    /// `%h %l %u %t "%r" %>s ` (the fields before the bytes), as steps k ..< k + 6.
    @inline(__always)
    private func commonLogSteps(from k: Int, _ p: UnsafeMutablePointer<UInt8>, _ end: Int, _ i: inout Int, _ r: inout LogRecord, _ t: inout TimeField) -> RejectReason? {
        if let f = step(k, .client, quoted: false, literalCount: 1, isLast: false, p, end, &i, &r, &t) { return f }
        if let f = step(k + 1, .ignore, quoted: false, literalCount: 1, isLast: false, p, end, &i, &r, &t) { return f }
        if let f = step(k + 2, .user, quoted: false, literalCount: 2, isLast: false, p, end, &i, &r, &t) { return f }
        if let f = step(k + 3, .timeCLF, quoted: false, literalCount: 3, isLast: false, p, end, &i, &r, &t) { return f }
        if let f = step(k + 4, .request, quoted: true, literalCount: 2, isLast: false, p, end, &i, &r, &t) { return f }
        return step(k + 5, .status, quoted: false, literalCount: 1, isLast: false, p, end, &i, &r, &t)
    }

    /// `"%{Referer}i" "%{User-Agent}i"` ending the line, as steps k and k + 1.
    @inline(__always)
    private func refererAndAgentSteps(from k: Int, _ p: UnsafeMutablePointer<UInt8>, _ end: Int, _ i: inout Int, _ r: inout LogRecord, _ t: inout TimeField) -> RejectReason? {
        if let f = step(k, .referrer, quoted: true, literalCount: 3, isLast: false, p, end, &i, &r, &t) { return f }
        return step(k + 1, .userAgent, quoted: true, literalCount: 1, isLast: true, p, end, &i, &r, &t)
    }

    /// Reads placeholder `k` and the literal after it, from `i`; fills the record. Nil when it matched.
    @inline(__always)
    private func step(_ k: Int, _ slot: FormatSlot, quoted: Bool, literalCount: Int, isLast: Bool,
                      _ p: UnsafeMutablePointer<UInt8>, _ end: Int, _ i: inout Int, _ record: inout LogRecord, _ time: inout TimeField) -> RejectReason? {
        let fieldStart = i
        var fieldEnd: Int
        let literal = literalBytes + literalStart[k]
        if quoted {
            var escaped = false
            guard let close = closingQuote(p, from: i, end: end, literal: literal, count: literalCount, isLast: isLast, escaped: &escaped) else {
                return .badQuoting
            }
            fieldEnd = close
            i = min(close + literalCount, end)
            if escaped { fieldEnd = FieldDecoding.unescapeQuoted(p, fieldStart, fieldEnd) }
        } else if literalCount == 0 {
            // Last placeholder: up to the next space, so extra trailing fields are tolerated.
            fieldEnd = ByteSearch.find(FieldDecoding.space, in: p, from: i, end: end) ?? end
            i = fieldEnd
        } else {
            guard let at = find(literal, literalCount, in: p, from: i, end: end) else { return .formatMismatch }
            fieldEnd = at
            i = at + literalCount
        }
        return FieldFill.fill(slot, p, fieldStart, fieldEnd, &record, &time)
    }

    // Consecutive lines usually carry the same second, or at least the same date and zone: remember the
    // last CLF timestamp (`dd/Mon/yyyy:HH:MM:SS[.fff] zone`), its value and its seconds of the day
    // (raw storage: an array property would be retained and checked on every line).
    private let lastTimeText = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
    private var lastTimeLength = -1
    private var lastTimeValue: Int64 = 0
    private var lastTimeOfDay = 0

    @inline(__always)
    private func cachedCLF(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        let length = end - start
        let t = p + start
        if length == lastTimeLength {
            if Self.same(t, lastTimeText, length) { return lastTimeValue }
            // Same date, fraction and zone, another time of day: only the clock part differs, and the
            // value moves by exactly that difference (the checks are parseCLF's for these fields).
            if Self.same(t, lastTimeText, 12) && Self.same(t + 20, lastTimeText + 20, length - 20),
               t[14] == UInt8(ascii: ":"), t[17] == UInt8(ascii: ":"),
               let hour = Timestamps.number(t, 12, 2), let minute = Timestamps.number(t, 15, 2), let second = Timestamps.number(t, 18, 2),
               hour <= 23, minute <= 59, second <= 60
            {
                let timeOfDay = hour * 3600 + minute * 60 + second
                let value = lastTimeValue + Int64(timeOfDay - lastTimeOfDay) * 1000
                remember(t, length, value, timeOfDay)
                return value
            }
        }
        guard let value = Timestamps.parseCLF(p, start, end) else { return nil }
        // parseCLF succeeded, so the clock digits are there.
        if length <= 32 { remember(t, length, value, Timestamps.number(t, 12, 2)! * 3600 + Timestamps.number(t, 15, 2)! * 60 + Timestamps.number(t, 18, 2)!) }
        return value
    }

    @inline(__always)
    private func remember(_ text: UnsafeMutablePointer<UInt8>, _ length: Int, _ value: Int64, _ timeOfDay: Int) {
        lastTimeText.update(from: text, count: length)
        lastTimeLength = length
        lastTimeValue = value
        lastTimeOfDay = timeOfDay
    }

    /// Literals are a few bytes: compare inline rather than calling memcmp (8 bytes a step for the
    /// cached timestamp).
    @inline(__always)
    private static func same(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        var k = 0
        while k + 8 <= count {
            if UnsafeRawPointer(a + k).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + k).loadUnaligned(as: UInt64.self) { return false }
            k += 8
        }
        while k < count {
            if a[k] != b[k] { return false }
            k += 1
        }
        return true
    }

    /// First occurrence of `literal` at or after `from`.
    @inline(__always)
    private func find(_ literal: UnsafeMutablePointer<UInt8>, _ count: Int, in p: UnsafeMutablePointer<UInt8>, from: Int, end: Int) -> Int? {
        let first = literal[0]
        var i = from
        while i < end {
            guard let at = ByteSearch.find(first, in: p, from: i, end: end) else { return nil }
            if count == 1 { return at }
            if at + count <= end && Self.same(p + at, literal, count) { return at }
            i = at + 1
        }
        return nil
    }

    /// The quote that closes a quoted field: not escaped by a backslash, and followed by the rest of
    /// the literal (or, for the last field, by the end of the line or a space).
    @inline(__always)
    private func closingQuote(_ p: UnsafeMutablePointer<UInt8>, from: Int, end: Int, literal: UnsafeMutablePointer<UInt8>, count: Int,
                              isLast: Bool, escaped: inout Bool) -> Int? {
        var i = from
        while i < end {
            guard let at = ByteSearch.find(FieldDecoding.quote, or: FieldDecoding.backslash, in: p, from: i, end: end) else { return nil }
            if p[at] == FieldDecoding.backslash {
                // An escape: the next byte is never a closing quote.
                escaped = true
                i = at + 2
                continue
            }
            if count == 1 {
                if !isLast || at + 1 == end || p[at + 1] == FieldDecoding.space { return at }
            } else if at + count <= end && Self.same(p + at, literal, count) {
                return at
            }
            i = at + 1
        }
        return nil
    }
}

/// Stores parsed fields in the record. A separate type so the field switch can be `@_transparent`:
/// inlined into every unrolled step with its slot known, so it folds away (as a method of the parser
/// class it stayed a call with a runtime switch).
enum FieldFill {
    /// Stores field [fieldStart, fieldEnd) of `slot` in the record (converting numbers); nil when valid.
    @_transparent
    static func fill(_ slot: FormatSlot, _ p: UnsafeMutablePointer<UInt8>, _ fieldStart: Int, _ fieldEnd: Int,
                      _ record: inout LogRecord, _ time: inout TimeField) -> RejectReason? {
        switch slot {
        case .ignore: break
        case .port:
            guard FieldDecoding.integer(p, fieldStart, fieldEnd) != nil else { return .formatMismatch }
        case .client: record.client = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .user: record.user = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .method: record.method = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .path: record.path = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .query:
            var s = fieldStart
            if s < fieldEnd && p[s] == FieldDecoding.questionMark { s += 1 }
            if s < fieldEnd { record.query = FieldDecoding.text(p, s, fieldEnd) }
        case .proto: record.proto = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .referrer: record.referrer = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .userAgent: record.userAgent = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .vhost: record.vhost = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .visitor: record.visitor = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .session: record.session = FieldDecoding.text(p, fieldStart, fieldEnd)
        case .request: FieldDecoding.splitRequest(p, fieldStart, fieldEnd, into: &record)
        case .uri:
            if !(fieldEnd - fieldStart == 1 && p[fieldStart] == FieldDecoding.dash) {
                FieldDecoding.splitURI(p, fieldStart, fieldEnd, into: &record)
            }
        case .timeCLF, .timeISO, .timeEpoch, .timeAny:
            time.field = FieldRef(fieldStart, fieldEnd)
            time.slot = slot
        case .status:
            if fieldEnd - fieldStart == 1 && p[fieldStart] == FieldDecoding.dash { break }
            guard let status = FieldDecoding.integer(p, fieldStart, fieldEnd), status < 1000 else { return .badStatus }
            record.status = Int32(status)
        case .bytes:
            // Apache's %b writes `-` for "no body": that is zero bytes.
            if fieldEnd - fieldStart == 1 && p[fieldStart] == FieldDecoding.dash {
                record.bytes = 0
            } else {
                guard let bytes = FieldDecoding.integer(p, fieldStart, fieldEnd) else { return .badNumber }
                record.bytes = bytes
            }
        case .durationMicros, .durationMillis, .durationSeconds:
            if fieldEnd - fieldStart == 1 && p[fieldStart] == FieldDecoding.dash { break }
            let scale: Int64 = slot == .durationMicros ? 1 : slot == .durationMillis ? 1000 : 1_000_000
            guard let micros = FieldDecoding.scaledDecimal(p, fieldStart, fieldEnd, scale: scale) else { return .badNumber }
            record.durationMicros = micros
        }
        return nil
    }
}

    /// Where the time field is; parsed once the whole line matched.
struct TimeField {
    var field = FieldRef.absent
    var slot = FormatSlot.ignore
}

