import Glibc

/// Sorts more records than memory holds: records (short runs of Int32 words) gather in a buffer of
/// bounded size; a full buffer is sorted and spilled to a temporary file, and the sorted files are
/// merged at the end (64 at a time, in rounds if there are more). Memory is the buffer plus 64 read
/// buffers, whatever the number of records. Temporary files are unlinked as soon as they are
/// created, so nothing is left behind if the process dies; they live in `$TMPDIR` (or /tmp).
final class ExternalSorter {
    typealias Record = UnsafeBufferPointer<Int32>

    private let less: (Record, Record) -> Bool
    private let bufferWords: Int
    private var words: [Int32] = []
    private var starts: [Int] = []
    private var runs: [UnsafeMutablePointer<FILE>] = []
    private(set) var count = 0
    static let fanIn = 64

    /// `bufferBytes`: memory for records before spilling (the sort index adds about a third).
    init(bufferBytes: Int = 48 << 20, less: @escaping (Record, Record) -> Bool) {
        self.less = less
        bufferWords = max(1024, bufferBytes / 4)
    }

    deinit { for f in runs { fclose(f) } }

    /// Adds one record: `fill` appends its words.
    func add(_ fill: (inout [Int32]) -> Void) throws(OutputError) {
        starts.append(words.count)
        fill(&words)
        count += 1
        if words.count >= bufferWords { try spill() }
    }

    /// Every record in order.
    func finish(_ body: (Record) throws(OutputError) -> Void) throws(OutputError) {
        if runs.isEmpty {
            try sortedBuffer(body)
            return
        }
        if !starts.isEmpty { try spill() }
        while runs.count > Self.fanIn {
            let group = Array(runs.prefix(Self.fanIn))
            runs.removeFirst(Self.fanIn)
            let merged = try Self.temporaryFile()
            runs.append(merged)
            try merge(group) { record throws(OutputError) in try Self.put(record, to: merged) }
            for f in group { fclose(f) }
            rewind(merged)
        }
        let last = runs
        runs = []
        defer { for f in last { fclose(f) } }
        try merge(last, body)
    }

    private func sortedBuffer(_ body: (Record) throws(OutputError) -> Void) throws(OutputError) {
        starts.append(words.count)
        defer { starts.removeAll(keepingCapacity: true); words.removeAll(keepingCapacity: true) }
        let n = starts.count - 1
        var order = [Int32](0 ..< Int32(n))
        try words.withUnsafeBufferPointer { (w) throws(OutputError) in
            let starts = self.starts
            func record(_ i: Int32) -> Record { Record(rebasing: w[starts[Int(i)] ..< starts[Int(i) + 1]]) }
            order.sort { less(record($0), record($1)) }
            for i in order { try body(record(i)) }
        }
    }

    private func spill() throws(OutputError) {
        let file = try Self.temporaryFile()
        runs.append(file)
        try sortedBuffer { record throws(OutputError) in try Self.put(record, to: file) }
        if fflush(file) != 0 { throw .writeFailed(path: "a temporary sort file", errno: errno) }
        rewind(file)
    }

    private static func put(_ record: Record, to file: UnsafeMutablePointer<FILE>) throws(OutputError) {
        var length = Int32(record.count)
        if fwrite(&length, 4, 1, file) != 1 || (record.count > 0 && fwrite(record.baseAddress!, 4, record.count, file) != record.count) {
            throw .writeFailed(path: "a temporary sort file in \(directory)", errno: errno)
        }
    }

    /// A sorted run being read back: its current record.
    private final class Cursor {
        let file: UnsafeMutablePointer<FILE>
        var record: [Int32] = []
        init(_ file: UnsafeMutablePointer<FILE>) { self.file = file }

        func next() throws(OutputError) -> Bool {
            var length: Int32 = 0
            guard fread(&length, 4, 1, file) == 1 else {
                if ferror(file) != 0 { throw .writeFailed(path: "a temporary sort file", errno: errno) }
                return false
            }
            record = [Int32](repeating: 0, count: Int(length))
            if length > 0 && fread(&record, 4, Int(length), file) != Int(length) { throw .writeFailed(path: "a temporary sort file", errno: EIO) }
            return true
        }
    }

    /// K-way merge through a binary heap of cursors.
    private func merge(_ files: [UnsafeMutablePointer<FILE>], _ body: (Record) throws(OutputError) -> Void) throws(OutputError) {
        var heap: [Cursor] = []
        for f in files {
            let c = Cursor(f)
            if try c.next() { heap.append(c) }
        }
        func before(_ a: Cursor, _ b: Cursor) -> Bool {
            a.record.withUnsafeBufferPointer { x in b.record.withUnsafeBufferPointer { y in less(x, y) } }
        }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && before(heap[l], heap[m]) { m = l }
                if r < heap.count && before(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        while let top = heap.first {
            try top.record.withUnsafeBufferPointer { (r) throws(OutputError) in try body(r) }
            if try !top.next() {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
            }
            if !heap.isEmpty { siftDown(0) }
        }
    }

    static var directory: String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    private static func temporaryFile() throws(OutputError) -> UnsafeMutablePointer<FILE> {
        var template = Array((directory + "/weblog-miner-sort-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .cannotCreate(path: directory + "/weblog-miner-sort-*", errno: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        guard let file = fdopen(fd, "w+") else {
            close(fd)
            throw .cannotCreate(path: directory + "/weblog-miner-sort-*", errno: errno)
        }
        setvbuf(file, nil, _IOFBF, 256 * 1024)
        return file
    }
}
