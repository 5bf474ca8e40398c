import Glibc

/// Temporary files and directories named after the process that made them (`NAME.tmp-PID`), and
/// their removal once that process is gone: a killed writer leaves its temporary behind, the next
/// writer of the same name removes it.
public enum Leftovers {
    /// Whether `pid` names no running process (`kill(pid, 0)` fails with ESRCH). A process of another
    /// user (EPERM) counts as running.
    public static func isDead(_ pid: Int32) -> Bool {
        pid > 0 && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Removes every `PREFIX<pid>` in `directory` whose process is dead, and the one with this
    /// process's own pid (left by an earlier process that had it). Returns the names removed.
    @discardableResult
    public static func removeStale(in directory: String, prefix: String) -> [String] {
        var removed: [String] = []
        for name in entries(of: directory) where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let pid = Int32(digits) else { continue }
            if pid == getpid() || isDead(pid) {
                removeTree(directory + "/" + name)
                removed.append(name)
            }
        }
        return removed
    }

    /// The names in a directory (without `.` and `..`); empty when it cannot be read.
    public static func entries(of directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `rm -rf` without following symbolic links.
    public static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for n in entries(of: path) { removeTree(path + "/" + n) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The directory part of a path ("." for a bare name) and the last component.
    public static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
