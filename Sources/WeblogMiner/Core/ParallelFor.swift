import Dispatch
import Foundation

/// Runs `body(0) ... body(count - 1)` on up to `count` threads and returns when all are done. The
/// callers hand each index a disjoint slice of their buffers, which the compiler cannot see, hence
/// the unchecked box.
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
        if count == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Processors online (at least 1).
var onlineProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// Work started on its own thread now and waited for later (`value()` rethrows its error): the
/// nightly run trains its models while it writes the other windows' results.
final class BackgroundJob<T>: @unchecked Sendable {
    private var result: Result<T, any Error>? = nil
    /// Signalled once the result is set; each waiter passes the signal on, so any number of threads
    /// may wait (`result` is read after the semaphore, never before).
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping () throws -> T) {
        let box = UncheckedSendable(work)
        let thread = Thread { [self] in
            result = Result { try box.value() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the work (any call, from any thread, gets the same result).
    func value() throws -> T {
        done.wait()
        done.signal()
        return try result!.get()
    }
}
