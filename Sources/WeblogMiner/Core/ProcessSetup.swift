/// Process-wide settings made once at start.
public enum ProcessSetup {
    /// glibc gives every thread its own malloc arena (up to 8 per core); with a handful of pipeline
    /// threads that only fragments memory, so peak RSS would depend on thread timing. Two are enough.
    public static func limitMallocArenas() {
        #if os(Linux)
        _ = glibcMallopt(-8, 2)  // M_ARENA_MAX from <malloc.h>, which Swift's Glibc module does not include
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
