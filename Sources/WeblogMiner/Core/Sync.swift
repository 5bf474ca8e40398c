/// Minimal mutex + condition variable (pthread), for the bounded hand-off between the
/// decompression thread and the parsing thread.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Call with the lock held.
    func wait() { pthread_cond_wait(cond, mutex) }
    func broadcast() { pthread_cond_broadcast(cond) }
}

/// A FIFO with a fixed capacity: `push` blocks while full, `pop` blocks while empty.
/// Bounding it is what keeps memory flat whatever the input size.
final class BlockingQueue<Element>: @unchecked Sendable {
    private let monitor = Monitor()
    private var items: [Element?]
    private var head = 0
    private var count = 0

    init(capacity: Int) { items = Array(repeating: nil, count: max(1, capacity)) }

    func push(_ element: Element) {
        monitor.locked {
            while count == items.count { monitor.wait() }
            items[(head + count) % items.count] = element
            count += 1
            monitor.broadcast()
        }
    }

    func pop() -> Element {
        monitor.locked {
            while count == 0 { monitor.wait() }
            let element = items[head]!
            items[head] = nil
            head = (head + 1) % items.count
            count -= 1
            monitor.broadcast()
            return element
        }
    }
}
