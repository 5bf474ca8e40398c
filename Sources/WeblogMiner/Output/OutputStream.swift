/// Why writing output stopped.
public enum OutputError: Error, Sendable {
    /// The reader went away (`| head`): not an error for a command-line tool, we stop quietly.
    case closed
    case cannotCreate(path: String, errno: Int32)
    case writeFailed(path: String, errno: Int32)

    public var message: String {
        switch self {
        case .closed: "output closed"
        case .cannotCreate(let path, let code): "cannot create \(path): \(errnoDescription(code))"
        case .writeFailed(let path, let code): "cannot write \(path): \(errnoDescription(code))"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .closed: .ok
        case .cannotCreate: .cannotCreate
        case .writeFailed: .ioError
        }
    }
}

/// A buffered writer on a file descriptor. Output files are written to a temporary name beside the
/// target (`.NAME.tmp-PID`, mode 0644 less the umask) and renamed into place by `commit()`, so readers
/// never see half a file; a temporary left by a killed writer is removed by the next writer of that
/// name. Stdout, devices and FIFOs are written directly.
public final class OutputStream {
    private let fd: Int32
    private let displayName: String
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var used = 0
    private var temporaryPath: String?
    private var finalPath: String?

    /// Standard output.
    public static func standardOutput() -> OutputStream { OutputStream(fd: 1, name: "<stdout>") }

    /// `-` or nil means standard output.
    public static func open(_ path: String?) throws(OutputError) -> OutputStream {
        guard let path, path != "-" else { return standardOutput() }
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            // /dev/null, a FIFO or a terminal: renaming over it would be wrong.
            let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
            if fd < 0 { throw .cannotCreate(path: path, errno: errno) }
            return OutputStream(fd: fd, name: path)
        }
        // `.NAME.tmp-PID` beside the target; those of writers that were killed are removed first.
        let (directory, base) = Leftovers.split(path)
        Leftovers.removeStale(in: directory, prefix: ".\(base).tmp-")
        let temporary = directory + "/" + ".\(base).tmp-\(getpid())"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 { throw .cannotCreate(path: path, errno: errno) }
        let stream = OutputStream(fd: fd, name: path)
        stream.temporaryPath = temporary
        stream.finalPath = path
        return stream
    }

    private init(fd: Int32, name: String, capacity: Int = 256 * 1024) {
        self.fd = fd
        displayName = name
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if let temporaryPath {
            // Never committed: leave no temporary file behind.
            close(fd)
            unlink(temporaryPath)
        }
    }

    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        if bytes.count > capacity - used {
            try flush()
            if bytes.count > capacity {
                try writeAll(bytes.baseAddress!, bytes.count)
                return
            }
        }
        if bytes.count > 0 {
            (buffer + used).update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
            used += bytes.count
        }
    }

    @inline(__always)
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(OutputError) {
        try write(UnsafeRawBufferPointer(bytes))
    }

    @inline(__always)
    public func write(byte: UInt8) throws(OutputError) {
        if used == capacity { try flush() }
        buffer[used] = byte
        used += 1
    }

    public func write(_ string: String) throws(OutputError) {
        var s = string
        do {
            try s.withUTF8 { try write($0) }
        } catch {
            throw error as! OutputError
        }
    }

    public func write(_ bytes: [UInt8]) throws(OutputError) {
        do {
            try bytes.withUnsafeBufferPointer { try write($0) }
        } catch {
            throw error as! OutputError
        }
    }

    /// Direct access to at least `count` free bytes of the buffer; `body` returns how many it used.
    @inline(__always)
    public func reserve(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) throws(OutputError) {
        if capacity - used < count {
            try flush()
            if count > capacity {
                // A record larger than the buffer (very long lines): grow rather than split it.
                buffer.deallocate()
                capacity = count
                buffer = .allocate(capacity: capacity)
            }
        }
        used += body(buffer + used)
    }

    public func flush() throws(OutputError) {
        if used > 0 { try writeAll(buffer, used) }
        used = 0
    }

    /// Bytes that have left the buffer.
    private var written = 0

    /// Whether everything written so far can still be forgotten: nothing has left the buffer, or the
    /// output is a temporary file of ours. Not for a pipe or terminal already written to.
    public var canRewind: Bool { written == 0 || temporaryPath != nil }

    /// Forgets everything written so far (see `canRewind`); false when that was not possible.
    @discardableResult
    public func rewind() -> Bool {
        if written > 0 {
            guard temporaryPath != nil, ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { return false }
            written = 0
        }
        used = 0
        return true
    }

    private func writeAll(_ p: UnsafeRawPointer, _ count: Int) throws(OutputError) {
        var done = 0
        while done < count {
            let n = Glibc.write(fd, p + done, count - done)
            if n >= 0 {
                done += n
                written += n
                continue
            }
            if errno == EINTR { continue }
            if errno == EPIPE { throw .closed }
            throw .writeFailed(path: displayName, errno: errno)
        }
    }

    /// Flushes and, for files, moves the finished file into place.
    public func commit() throws(OutputError) {
        try flush()
        guard let temporaryPath, let finalPath else { return }
        if fsync(fd) != 0 && errno != EINVAL { throw .writeFailed(path: finalPath, errno: errno) }
        close(fd)
        self.temporaryPath = nil
        if rename(temporaryPath, finalPath) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw .cannotCreate(path: finalPath, errno: code)
        }
    }
}

/// Makes a broken pipe an EPIPE write error instead of killing the process, so `| head` ends quietly.
public func ignoreBrokenPipeSignal() {
    signal(SIGPIPE, SIG_IGN)
}
