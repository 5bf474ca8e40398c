import Glibc

/// Results are written into a fresh directory beside the target and then swapped in with one
/// `renameat2(RENAME_EXCHANGE)` (Linux), so readers see either the previous results or the new ones,
/// never a mix; a crash, a kill or a full disk before the swap leaves the previous results intact.
///
/// Only what this tool made is ever replaced: the target must be missing, an empty directory, or a
/// results directory (it holds the marker file `.weblog-miner-results`, written into every results
/// directory; one written by a version before the marker is recognised by holding only result
/// files, report.html and summary.json among them). Anything else — a file, an input log, a
/// directory of other files — is refused. A symbolic link is followed: the results are published at
/// its target and the link stays as it is.
public struct AtomicDirectory {
    /// The directory replaced (symbolic links resolved).
    public let target: String
    public let staging: String

    /// The marker file inside every results directory.
    public static let marker = ".weblog-miner-results"

    public enum PublishError: Error, CustomStringConvertible {
        case cannotCreate(String, Int32)
        case cannotSwap(String, Int32)
        /// The target exists and is not something this tool may replace.
        case refused(String, String)
        public var description: String {
            switch self {
            case .cannotCreate(let p, let e): "cannot create \(p): \(errnoDescription(e))"
            case .cannotSwap(let p, let e): "cannot publish \(p): \(errnoDescription(e)) (the previous results are unchanged)"
            case .refused(let p, let why): "refusing to replace \(p): \(why)"
            }
        }
    }

    /// Checks that `target` may be replaced by results and returns it with symbolic links resolved.
    /// `inputs` are the files the run reads: none of them may be the target or lie inside it.
    public static func checkTarget(_ target: String, inputs: [String] = []) throws(PublishError) -> String {
        var t = target
        while t.count > 1 && t.hasSuffix("/") { t.removeLast() }
        var info = stat()
        if lstat(t, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realPath(t) else {
                throw .refused(t, "it is a symbolic link to a missing path (create its target directory, or name another --out)")
            }
            t = resolved
        }
        guard lstat(t, &info) == 0 else { return t }   // missing: created at publication
        let resolved = realPath(t) ?? t
        for input in inputs where input != "-" {
            var inputInfo = stat()
            if stat(input, &inputInfo) == 0 && inputInfo.st_dev == info.st_dev && inputInfo.st_ino == info.st_ino {
                throw .refused(t, "it is the input file \(input); name a directory for the results")
            }
            if let inputPath = realPath(input), inputPath.hasPrefix(resolved + "/") {
                throw .refused(t, "it holds the input \(input), and results directories are replaced whole")
            }
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .refused(t, "it is not a directory; name a new or empty directory for the results")
        }
        let names = Leftovers.entries(of: t)
        if names.isEmpty || names.contains(marker) || isEarlierResults(names) { return t }
        throw .refused(t, "it is a directory that weblog-miner did not write (no \(marker) inside); name a new or empty directory for the results")
    }

    /// A results directory of a version before the marker: report.html and summary.json, and
    /// nothing but the files a run writes.
    static func isEarlierResults(_ names: [String]) -> Bool {
        let known = Set(NightlyRun.resultFiles.map { $0 + ".tsv" } + ["report.html", "summary.json", "results.sqlite", "results.sqlite-journal"])
        return names.contains("report.html") && names.contains("summary.json") && names.allSatisfy(known.contains)
    }

    /// Checks the target (see `checkTarget`), removes staging directories of runs that were killed
    /// (`TARGET.tmp-PID` of processes that are gone), and creates `TARGET.tmp-PID` with the marker.
    public init(target: String, inputs: [String] = []) throws(PublishError) {
        self.target = try Self.checkTarget(target, inputs: inputs)
        staging = self.target + ".tmp-\(getpid())"
        Self.removeLeftovers(of: self.target)
        guard mkdir(staging, 0o755) == 0 else { throw .cannotCreate(staging, errno) }
        let fd = open(staging + "/" + Self.marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            Leftovers.removeTree(staging)
            throw .cannotCreate(staging + "/" + Self.marker, code)
        }
        let text = Array("This directory holds results written by weblog-miner \(ToolVersion.current) run; each run replaces it whole.\n".utf8)
        _ = write(fd, text, text.count)
        close(fd)
    }

    /// Removes `TARGET.tmp-PID` staging directories of runs that were killed.
    public static func removeLeftovers(of target: String) {
        let (directory, base) = Leftovers.split(target)
        Leftovers.removeStale(in: directory, prefix: base + ".tmp-")
    }

    public func path(_ name: String) -> String { staging + "/" + name }

    /// Swaps the staging directory in; the previous results are removed afterwards.
    public func publish() throws(PublishError) {
        var info = stat()
        if lstat(target, &info) == 0 {
            // Checked again at the last moment: something may have appeared there during the run.
            _ = try Self.checkTarget(target)
            if renameat2(AT_FDCWD, staging, AT_FDCWD, target, 2 /* RENAME_EXCHANGE */) != 0 {
                throw .cannotSwap(target, errno)
            }
            Leftovers.removeTree(staging)   // now holds the previous results
        } else if rename(staging, target) != 0 {
            throw .cannotSwap(target, errno)
        }
    }

    /// Removes the staging directory (after a failure).
    public func discard() { Leftovers.removeTree(staging) }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

@_silgen_name("renameat2")
private func renameat2(_ olddirfd: Int32, _ oldpath: UnsafePointer<CChar>, _ newdirfd: Int32, _ newpath: UnsafePointer<CChar>, _ flags: UInt32) -> Int32
