/// Process-wide settings made once at start.
public enum ProcessSetup {
    /// glibc gives every thread its own malloc arena (up to 8 per core); with a handful of pipeline
    /// threads that only fragments memory, so peak RSS would depend on thread timing. Two are enough.
    /// Blocks up to 4 MB (a batch's hits and their text, handed between threads) come from the heap
    /// rather than fresh mmaps: reused memory instead of a page fault per 4 KB of every new block
    /// (a third of the page faults of `sessions`, ~2% of its time); bigger arrays are still mapped.
    public static func tuneMalloc() {
        #if os(Linux)
        // Constants from <malloc.h>, which Swift's Glibc module does not include.
        _ = glibcMallopt(-8, 2)  // M_ARENA_MAX
        _ = glibcMallopt(-3, 4 << 20)  // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, 32 << 20)  // M_TRIM_THRESHOLD: keep up to 32 MB of freed heap for reuse
        #endif
    }

    /// Returns memory freed inside glibc's heap to the system (after dropping big temporary arrays).
    public static func returnFreedMemory() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
