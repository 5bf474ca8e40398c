/// Compact binary records for the state store: LEB128 varints (zigzag for signed values), so the
/// small counts that make up most aggregates take a byte or two. The reader never traps: a cut or
/// damaged blob throws `BinaryReader.Malformed`, which the store reports as damage.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reserving capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }
    public mutating func int(_ value: Int) { signed(Int64(value)) }

    /// A fixed 8 bytes: hashes are random, a varint would only make them longer.
    public mutating func hash(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }

    public mutating func data(_ value: some Collection<UInt8>) {
        unsigned(UInt64(value.count))
        bytes += value
    }
}

public struct BinaryReader {
    public struct Malformed: Error {}
    private let bytes: [UInt8]
    private var at = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { at == bytes.count }

    public mutating func unsigned() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard at < bytes.count, shift < 64 else { throw Malformed() }
            let b = bytes[at]
            at += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    public mutating func signed() throws(Malformed) -> Int64 {
        let u = try unsigned()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    public mutating func int() throws(Malformed) -> Int {
        let v = try signed()
        guard let i = Int(exactly: v) else { throw Malformed() }
        return i
    }

    /// A count of items that follow, each at least `minBytes` long: a damaged count cannot ask for
    /// more memory than the blob could hold.
    public mutating func count(minBytes: Int = 1) throws(Malformed) -> Int {
        let n = try unsigned()
        guard n <= UInt64((bytes.count - at) / max(1, minBytes)) else { throw Malformed() }
        return Int(n)
    }

    public mutating func hash() throws(Malformed) -> UInt64 {
        guard at + 8 <= bytes.count else { throw Malformed() }
        var v: UInt64 = 0
        for k in 0 ..< 8 { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
        at += 8
        return v
    }

    public mutating func data() throws(Malformed) -> [UInt8] {
        let n = try count()
        let out = Array(bytes[at ..< at + n])
        at += n
        return out
    }
}
