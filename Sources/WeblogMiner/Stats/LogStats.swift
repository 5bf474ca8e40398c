/// The `stats` summary of a log: volume, time span, clients, statuses, methods.
/// Distinct clients are counted by 64-bit hash (exact but for hash collisions, see `HashSet64`);
/// memory grows with distinct clients, not with lines.
public struct LogStats: RecordSink {
    public private(set) var records = 0
    public private(set) var firstTime = Int64.max
    public private(set) var lastTime = Int64.min
    public private(set) var totalBytes: Int64 = 0
    private var statusCounts = [Int](repeating: 0, count: 1000)
    private var clients = HashSet64(capacity: 1 << 14)
    private var previousClientHash: UInt64 = 0
    private var methods = ByteStringInterner(capacity: 16)
    private var methodCounts: [Int] = []
    public private(set) var recordsWithoutClient = 0
    /// Lines that stepped back in time relative to the previous record (logs are often not sorted).
    public private(set) var backwardSteps = 0
    private var previousTime = Int64.min

    public init() {}

    public mutating func accept(_ r: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError) {
        records += 1
        let t = r.epochMillis
        if t < firstTime { firstTime = t }
        if t > lastTime { lastTime = t }
        if t < previousTime { backwardSteps += 1 }
        previousTime = t
        if r.status >= 0 && r.status < 1000 { statusCounts[Int(r.status)] += 1 }
        if r.bytes > 0 { totalBytes += r.bytes }
        if r.client.count > 0 {
            let h = hashBytes(line.baseAddress! + Int(r.client.start), Int(r.client.count))
            // Consecutive hits often come from the same client: skip the table probe then.
            if h != previousClientHash {
                clients.insert(h)
                previousClientHash = h
            }
        } else {
            recordsWithoutClient += 1
        }
        if r.method.count > 0 {
            let id = Int(methods.intern(line.baseAddress! + Int(r.method.start), Int(r.method.count)))
            if id == methodCounts.count { methodCounts.append(0) }
            methodCounts[id] += 1
        }
    }

    public var distinctClients: Int { clients.count }

    /// Status codes by count, most frequent first.
    public func topStatuses(_ limit: Int) -> [(status: Int, count: Int)] {
        statusCounts.enumerated().filter { $0.element > 0 }.map { (status: $0.offset, count: $0.element) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.status < $1.status }.prefix(limit).map { $0 }
    }

    public func topMethods(_ limit: Int) -> [(method: String, count: Int)] {
        methodCounts.enumerated().map { (method: methods.string(of: Int32($0.offset)), count: $0.element) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.method < $1.method }.prefix(limit).map { $0 }
    }
}
