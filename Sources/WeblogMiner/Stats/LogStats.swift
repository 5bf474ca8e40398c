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
    /// Counts by method, the method's bytes packed into an integer (methods are short words).
    private var methodCounts: [UInt64: Int] = [:]
    public private(set) var recordsWithoutClient = 0
    /// Lines that stepped back in time relative to the previous record (logs are often not sorted).
    public private(set) var backwardSteps = 0
    private var previousTime = Int64.min

    public init() {}

    public mutating func accept(_ r: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int) throws(OutputError) {
        let client: UInt64 = r.client.count > 0 ? hashBytes(line.baseAddress! + Int(r.client.start), Int(r.client.count)) | 1 : 0
        var method: UInt64 = 0
        for k in 0 ..< min(8, max(0, Int(r.method.count))) { method |= UInt64(line[Int(r.method.start) + k]) << (8 * UInt64(k)) }
        add(time: r.epochMillis, clientHash: client, status: r.status, bytes: r.bytes, packedMethod: method)
    }

    /// One record: client as a hash (0 = none), method as its first 8 bytes packed little-endian
    /// (every HTTP method fits; longer garbage in the method field is shown cut at 8 bytes).
    @inline(__always)
    mutating func add(time t: Int64, clientHash: UInt64, status: Int32, bytes: Int64, packedMethod: UInt64) {
        records += 1
        if t < firstTime { firstTime = t }
        if t > lastTime { lastTime = t }
        if t < previousTime { backwardSteps += 1 }
        previousTime = t
        if status >= 0 && status < 1000 { statusCounts[Int(status)] += 1 }
        if bytes > 0 { totalBytes += bytes }
        if clientHash != 0 {
            // Consecutive hits often come from the same client: skip the table probe then.
            if clientHash != previousClientHash {
                clients.insert(clientHash)
                previousClientHash = clientHash
            }
        } else {
            recordsWithoutClient += 1
        }
        if packedMethod != 0 { methodCounts[packedMethod, default: 0] += 1 }
    }

    /// A method's bytes from its packed form.
    static func unpack(_ packed: UInt64) -> String {
        var bytes: [UInt8] = []
        var rest = packed
        while rest != 0 {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var distinctClients: Int { clients.count }

    /// Status codes by count, most frequent first.
    public func topStatuses(_ limit: Int) -> [(status: Int, count: Int)] {
        statusCounts.enumerated().filter { $0.element > 0 }.map { (status: $0.offset, count: $0.element) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.status < $1.status }.prefix(limit).map { $0 }
    }

    public func topMethods(_ limit: Int) -> [(method: String, count: Int)] {
        let named: [(method: String, count: Int)] = methodCounts.map { packed, count in (method: Self.unpack(packed), count: count) }
        return named
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.method < $1.method }.prefix(limit).map { $0 }
    }
}
