import Glibc

/// Results are written into a fresh directory beside the target and then swapped in with one
/// `renameat2(RENAME_EXCHANGE)` (Linux), so readers see either the previous results or the new ones,
/// never a mix; a crash, a kill or a full disk before the swap leaves the previous results intact.
public struct AtomicDirectory {
    public let target: String
    public let staging: String

    public enum PublishError: Error, CustomStringConvertible {
        case cannotCreate(String, Int32)
        case cannotSwap(String, Int32)
        public var description: String {
            switch self {
            case .cannotCreate(let p, let e): "cannot create \(p): \(errnoDescription(e))"
            case .cannotSwap(let p, let e): "cannot publish \(p): \(errnoDescription(e)) (the previous results are unchanged)"
            }
        }
    }

    /// Creates `TARGET.tmp-PID` (removing a leftover of a crashed run with that name first).
    public init(target: String) throws(PublishError) {
        var t = target
        while t.count > 1 && t.hasSuffix("/") { t.removeLast() }
        self.target = t
        staging = t + ".tmp-\(getpid())"
        Self.removeTree(staging)
        guard mkdir(staging, 0o755) == 0 else { throw .cannotCreate(staging, errno) }
    }

    public func path(_ name: String) -> String { staging + "/" + name }

    /// Swaps the staging directory in; the previous results are removed afterwards.
    public func publish() throws(PublishError) {
        var info = stat()
        if lstat(target, &info) == 0 {
            if renameat2(AT_FDCWD, staging, AT_FDCWD, target, 2 /* RENAME_EXCHANGE */) != 0 {
                throw .cannotSwap(target, errno)
            }
            Self.removeTree(staging)   // now holds the previous results
        } else if rename(staging, target) != 0 {
            throw .cannotSwap(target, errno)
        }
    }

    /// Removes the staging directory (after a failure).
    public func discard() { Self.removeTree(staging) }

    /// `rm -rf` without following symbolic links.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if let dir = opendir(path) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for n in names { removeTree(path + "/" + n) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

@_silgen_name("renameat2")
private func renameat2(_ olddirfd: Int32, _ oldpath: UnsafePointer<CChar>, _ newdirfd: Int32, _ newpath: UnsafePointer<CChar>, _ flags: UInt32) -> Int32
