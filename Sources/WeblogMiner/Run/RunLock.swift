import Glibc

/// One nightly run at a time per state store: an exclusive `flock` on `STATE.lock`, released by the
/// kernel when the process ends however it ends (so a killed run never leaves a stale lock). The
/// lock file is opened with `O_NOFOLLOW` (a symbolic link there is refused, never written through)
/// and created 0600.
public final class RunLock {
    private let fd: Int32
    public let path: String

    public enum LockError: Error, CustomStringConvertible {
        case busy(String, holder: String)
        case cannotOpen(String, Int32)
        case notAFile(String)
        public var description: String {
            switch self {
            case .busy(let path, let holder): "another weblog-miner run is working on this state (lock \(path) held\(holder.isEmpty ? "" : " by pid \(holder)")); try again when it has finished"
            case .cannotOpen(let path, let code):
                code == ELOOP
                    ? "cannot use the lock file \(path): it is a symbolic link (remove it; the lock is never written through a link)"
                    : "cannot create the lock file \(path): \(errnoDescription(code))"
            case .notAFile(let path): "cannot use the lock file \(path): it is not a regular file"
            }
        }

        /// 75 only when another run holds the lock; 73 when the lock cannot be created.
        public var exitStatus: ExitStatus {
            if case .busy = self { return .lockHeld }
            return .cannotCreate
        }
    }

    public init(path: String) throws(LockError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path, errno) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notAFile(path)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK else {
                close(fd)
                throw .cannotOpen(path, code)
            }
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 32, 0)
            close(fd)
            throw .busy(path, holder: String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).filter(\.isNumber))
        }
        self.fd = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
