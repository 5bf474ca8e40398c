#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// The process's resident memory now, in MB (from /proc/self/statm; 0 where there is none).
public func residentMegabytes() -> Int {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var line = [UInt8](repeating: 0, count: 256)
    let read = fread(&line, 1, 255, f)
    let fields = String(decoding: line[..<read], as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1_000_000
}
