import Glibc

/// Puts hits of any order into (time, input order) with bounded memory: hits are copied into a run
/// of at most `runBytes`; a full run is sorted and spilled to an unlinked temporary file (nothing is
/// left behind if the process is killed), and the runs are merged with a heap at the end. O(n log n)
/// time; memory is one run plus a read buffer per spilled run.
final class ExternalHitSorter {
    /// time i64, sequence i64, visitor hash u64, kind u8, referrer kind u8, campaign u8, pad u8,
    /// then the lengths of visitor, page, referrer and user (u32 each), then their bytes.
    private static let headerSize = 44

    private let runBytes: Int
    private var arena: UnsafeMutableRawPointer
    private var arenaCapacity: Int
    private var used = 0
    private var index: [(time: Int64, sequence: Int, offset: Int)] = []
    private var runs: [Int32] = []
    private let directory: String
    private(set) var count = 0
    private(set) var spilledRuns = 0

    /// `WEBLOG_MINER_SORT_RUN_BYTES` overrides the run size (tests use tiny runs to exercise the merge).
    init(runBytes: Int = 64 << 20) {
        var size = runBytes
        if let text = getenv("WEBLOG_MINER_SORT_RUN_BYTES"), let n = Int(String(cString: text)), n > 0 { size = n }
        self.runBytes = max(size, 1024)
        // The whole run is allocated at once: the kernel maps pages only when they are first written,
        // so a small input costs no more, and a large one is never copied into a doubled arena.
        arenaCapacity = self.runBytes + 4096
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
        directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    }

    deinit {
        arena.deallocate()
        for fd in runs { close(fd) }
    }

    func add(_ hit: Hit, _ chunk: HitChunk) throws(OutputError) {
        let visitor = chunk.bytes(hit.visitor), page = chunk.bytes(hit.page)
        let referrer = chunk.bytes(hit.referrer), user = chunk.bytes(hit.user)
        let size = Self.headerSize + visitor.count + page.count + referrer.count + user.count
        if used + size > runBytes && !index.isEmpty { try spill() }
        if used + size > arenaCapacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: max(arenaCapacity * 2, used + size), alignment: 8)
            bigger.copyMemory(from: arena, byteCount: used)
            arena.deallocate()
            arena = bigger
            arenaCapacity = max(arenaCapacity * 2, used + size)
        }
        let p = arena + used
        p.storeBytes(of: hit.time, toByteOffset: 0, as: Int64.self)
        p.storeBytes(of: Int64(hit.sequence), toByteOffset: 8, as: Int64.self)
        p.storeBytes(of: hit.visitorHash, toByteOffset: 16, as: UInt64.self)
        p.storeBytes(of: hit.kind.rawValue, toByteOffset: 24, as: UInt8.self)
        p.storeBytes(of: hit.referrerKind.rawValue, toByteOffset: 25, as: UInt8.self)
        p.storeBytes(of: hit.campaign ? 1 : 0, toByteOffset: 26, as: UInt8.self)
        var at = Self.headerSize
        @inline(__always) func put(_ part: UnsafeBufferPointer<UInt8>, _ k: Int) {
            p.storeBytes(of: UInt32(part.count), toByteOffset: 28 + 4 * k, as: UInt32.self)
            if part.count > 0 { (p + at).copyMemory(from: part.baseAddress!, byteCount: part.count) }
            at += part.count
        }
        put(visitor, 0)
        put(page, 1)
        put(referrer, 2)
        put(user, 3)
        index.append((hit.time, hit.sequence, used))
        used += size
        count += 1
    }

    /// Failures of the temporary files are output errors (exit 74), named as such.
    private static func failure(_ what: String, _ code: Int32, _ directory: String) -> OutputError {
        .writeFailed(path: "a temporary file of the external sort in \(directory) (\(what); set TMPDIR to a disk with room)", errno: code)
    }

    private func sortIndex() {
        index.sort { $0.time != $1.time ? $0.time < $1.time : $0.sequence < $1.sequence }
    }

    private func recordSize(_ p: UnsafeRawPointer) -> Int {
        var size = Self.headerSize
        for k in 0 ..< 4 { size += Int(p.loadUnaligned(fromByteOffset: 28 + 4 * k, as: UInt32.self)) }
        return size
    }

    /// Sorts the current run and writes it to an unlinked temporary file.
    private func spill() throws(OutputError) {
        sortIndex()
        var template = Array((directory + "/weblog-miner-sort-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Self.failure("create", errno, directory) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        runs.append(fd)
        let bufferSize = 1 << 20
        let out = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { out.deallocate() }
        var filled = 0
        func flush() throws(OutputError) {
            var done = 0
            while done < filled {
                let n = write(fd, out + done, filled - done)
                if n < 0 { if errno == EINTR { continue }; throw Self.failure("write", errno, directory) }
                done += n
            }
            filled = 0
        }
        for entry in index {
            let p = UnsafeRawPointer(arena + entry.offset)
            let size = recordSize(p)
            if filled + size > bufferSize { try flush() }
            if size > bufferSize {
                filled = 0
                var done = 0
                while done < size {
                    let n = write(fd, p + done, size - done)
                    if n < 0 { if errno == EINTR { continue }; throw Self.failure("write", errno, directory) }
                    done += n
                }
                continue
            }
            (out + filled).copyMemory(from: p, byteCount: size)
            filled += size
        }
        try flush()
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw Self.failure("rewind", errno, directory) }
        spilledRuns += 1
        index.removeAll(keepingCapacity: true)
        used = 0
    }

    /// Hands every hit back in (time, sequence) order, in chunks of up to 4096 hits.
    func drain(_ body: (Hit, HitChunk) throws -> Void) throws {
        let builder = ChunkBuilder()
        if runs.isEmpty {
            sortIndex()
            for entry in index { try builder.add(UnsafeRawPointer(arena + entry.offset), size: recordSize(arena + entry.offset), body) }
            try builder.flush(body)
            index = []
            used = 0
            return
        }
        if !index.isEmpty { try spill() }
        var readers: [RunReader] = []
        for fd in runs { if let r = try RunReader(fd: fd) { readers.append(r) } }
        // A binary heap of readers by their current record's (time, sequence).
        func less(_ a: RunReader, _ b: RunReader) -> Bool { a.time != b.time ? a.time < b.time : a.sequence < b.sequence }
        var heap = readers
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1
                guard l < heap.count else { return }
                var m = l
                if l + 1 < heap.count && less(heap[l + 1], heap[l]) { m = l + 1 }
                guard less(heap[m], heap[i]) else { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: heap.count / 2, through: 0, by: -1) { siftDown(i) }
        while let top = heap.first {
            try builder.add(top.current, size: top.currentSize, body)
            if try top.advance() {
                siftDown(0)
            } else {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
                siftDown(0)
            }
        }
        try builder.flush(body)
    }

    /// Reads one spilled run record by record through a buffer.
    private final class RunReader {
        let fd: Int32
        var buffer: UnsafeMutableRawPointer
        var capacity = 1 << 20
        var start = 0
        var end = 0
        var eof = false
        var currentSize = 0
        var time: Int64 = 0
        var sequence: Int64 = 0
        var current: UnsafeRawPointer { UnsafeRawPointer(buffer + start) }

        init?(fd: Int32) throws(OutputError) {
            self.fd = fd
            buffer = .allocate(byteCount: capacity, alignment: 8)
            guard try load() else { return nil }
        }

        deinit { buffer.deallocate() }

        /// Makes `need` bytes available from `start`; false at the end of the run.
        private func ensure(_ need: Int) throws(OutputError) -> Bool {
            while end - start < need {
                if eof { return false }
                if start > 0 {
                    (buffer).copyMemory(from: buffer + start, byteCount: end - start)
                    end -= start
                    start = 0
                }
                if need > capacity {
                    let bigger = UnsafeMutableRawPointer.allocate(byteCount: need, alignment: 8)
                    bigger.copyMemory(from: buffer, byteCount: end)
                    buffer.deallocate()
                    buffer = bigger
                    capacity = need
                }
                let n = read(fd, buffer + end, capacity - end)
                if n < 0 { if errno == EINTR { continue }; throw ExternalHitSorter.failure("read", errno, "$TMPDIR") }
                if n == 0 { eof = true } else { end += n }
            }
            return true
        }

        private func load() throws(OutputError) -> Bool {
            guard try ensure(ExternalHitSorter.headerSize) else { return false }
            var size = ExternalHitSorter.headerSize
            for k in 0 ..< 4 { size += Int((buffer + start).loadUnaligned(fromByteOffset: 28 + 4 * k, as: UInt32.self)) }
            guard try ensure(size) else { return false }
            currentSize = size
            time = (buffer + start).loadUnaligned(fromByteOffset: 0, as: Int64.self)
            sequence = (buffer + start).loadUnaligned(fromByteOffset: 8, as: Int64.self)
            return true
        }

        func advance() throws(OutputError) -> Bool {
            start += currentSize
            return try load()
        }
    }

    /// Turns records back into hits in chunks of their own; the records' text is copied once,
    /// straight into the arena the chunk will own.
    private final class ChunkBuilder {
        static let capacity = 1 << 20
        var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        var used = 0
        var hits: [Hit] = []

        deinit { buffer.deallocate() }

        func add(_ p: UnsafeRawPointer, size: Int, _ body: (Hit, HitChunk) throws -> Void) throws {
            let text = size - ExternalHitSorter.headerSize
            if used + text > buffer.count {
                try flush(body)
                if text > buffer.count {
                    buffer.deallocate()
                    buffer = .allocate(capacity: text)
                }
            }
            var at = Int32(used)
            @inline(__always) func next(_ k: Int) -> Range<Int32> {
                let n = Int32(p.loadUnaligned(fromByteOffset: 28 + 4 * k, as: UInt32.self))
                defer { at += n }
                return at ..< at + n
            }
            let ranges = (next(0), next(1), next(2), next(3))
            if text > 0 { UnsafeMutableRawPointer(buffer.baseAddress! + used).copyMemory(from: p + ExternalHitSorter.headerSize, byteCount: text) }
            used += text
            var hit = Hit(time: p.loadUnaligned(fromByteOffset: 0, as: Int64.self),
                          kind: Hit.Kind(rawValue: p.load(fromByteOffset: 24, as: UInt8.self)) ?? .pageView,
                          referrerKind: Hit.ReferrerKind(rawValue: p.load(fromByteOffset: 25, as: UInt8.self)) ?? .none,
                          visitorHash: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                          visitor: ranges.0, page: ranges.1, referrer: ranges.2, user: ranges.3)
            hit.campaign = p.load(fromByteOffset: 26, as: UInt8.self) != 0
            hit.sequence = Int(p.loadUnaligned(fromByteOffset: 8, as: Int64.self))
            hits.append(hit)
            if hits.count >= 4096 { try flush(body) }
        }

        func flush(_ body: (Hit, HitChunk) throws -> Void) throws {
            guard !hits.isEmpty else { return }
            let chunk = HitChunk(adopting: buffer)
            buffer = .allocate(capacity: Self.capacity)
            used = 0
            chunk.hits = hits
            for h in hits { try body(h, chunk) }
            hits.removeAll(keepingCapacity: true)
        }
    }
}
