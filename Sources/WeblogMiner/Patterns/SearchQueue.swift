/// One subtree of the pattern search: a prefix and where it ends in each sequence containing it.
struct SearchTask {
    var prefix: [Int32]
    var support: Int
    var prefixSupport: Int
    var projection: [Projection]
}

/// The subtrees waiting for a thread, shared by the search threads: first the one-item prefixes,
/// then subtrees a busy thread hands over when another has nothing left to do. Splitting only on
/// demand keeps the threads busy to the end (a few first items carry most of the work on dense data
/// such as MSNBC) without paying for hand-overs while every thread has work.
final class SearchQueue: @unchecked Sendable {
    private let monitor = Monitor()
    private var tasks: [SearchTask]
    private var head = 0
    /// Threads working on a task (only they can add tasks).
    private var busy = 0
    /// Threads waiting for a task.
    private var waiting = 0
    private var cancelled = false

    init(_ roots: [SearchTask]) { tasks = roots }

    /// The next subtree, waiting while other threads may still hand one over; nil when the search
    /// is over (nothing queued, nobody busy) or cancelled. Call `finished()` after each task.
    func take() -> SearchTask? {
        monitor.locked {
            while head == tasks.count && !cancelled {
                if busy == 0 {
                    monitor.broadcast()
                    return nil
                }
                waiting += 1
                monitor.wait()
                waiting -= 1
            }
            guard !cancelled else { return nil }
            let task = tasks[head]
            head += 1
            if head == tasks.count {
                tasks.removeAll(keepingCapacity: true)
                head = 0
            }
            busy += 1
            return task
        }
    }

    func finished() {
        monitor.locked {
            busy -= 1
            if busy == 0 { monitor.broadcast() }
        }
    }

    /// A thread is waiting for work and nothing is queued: worth handing a subtree over.
    var hungry: Bool { monitor.locked { waiting > 0 && head == tasks.count } }

    func give(_ task: SearchTask) {
        monitor.locked {
            tasks.append(task)
            monitor.broadcast()
        }
    }

    /// Stops handing out tasks (the sink asked to stop).
    func cancel() {
        monitor.locked {
            cancelled = true
            tasks.removeAll()
            head = 0
            monitor.broadcast()
        }
    }
}
