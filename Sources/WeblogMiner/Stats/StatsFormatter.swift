/// The parse-thread half of `stats`: reduces each record to a fixed 34-byte entry (time, client hash,
/// status, bytes, method), so the ordered half (`LogStats.absorb`) touches a fraction of the memory a
/// full record would take.
public struct StatsFormatter: RecordFormatter {
    static let entrySize = 34

    public init() {}

    public static var needsLineNumbers: Bool { false }

    public func format(_ r: LogRecord, line: LineBuffer, fileIndex: Int, lineNumber: Int, into out: ByteBuffer) {
        let clientHash: UInt64 = r.client.count > 0 ? hashBytes(line.baseAddress! + Int(r.client.start), Int(r.client.count)) | 1 : 0
        var method: UInt64 = 0
        let methodLength = min(8, max(0, Int(r.method.count)))
        for k in 0 ..< methodLength { method |= UInt64(line[Int(r.method.start) + k]) << (8 * UInt64(k)) }
        out.reserve(Self.entrySize) { p in
            let raw = UnsafeMutableRawPointer(p)
            raw.storeBytes(of: r.epochMillis, toByteOffset: 0, as: Int64.self)
            raw.storeBytes(of: clientHash, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: r.bytes, toByteOffset: 16, as: Int64.self)
            raw.storeBytes(of: method, toByteOffset: 24, as: UInt64.self)
            raw.storeBytes(of: Int16(r.status >= 0 && r.status < 1000 ? r.status : -1), toByteOffset: 32, as: Int16.self)
            return Self.entrySize
        }
    }
}

extension LogStats {
    /// Adds the entries `StatsFormatter` wrote for one batch, in input order.
    public mutating func absorb(_ buffer: ByteBuffer) {
        let raw = UnsafeRawPointer(buffer.base)
        var at = 0
        while at + StatsFormatter.entrySize <= buffer.count {
            let time = raw.loadUnaligned(fromByteOffset: at, as: Int64.self)
            let client = raw.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
            let bytes = raw.loadUnaligned(fromByteOffset: at + 16, as: Int64.self)
            let method = raw.loadUnaligned(fromByteOffset: at + 24, as: UInt64.self)
            let status = Int32(raw.loadUnaligned(fromByteOffset: at + 32, as: Int16.self))
            add(time: time, clientHash: client, status: status, bytes: bytes, packedMethod: method)
            at += StatsFormatter.entrySize
        }
    }
}
