/// Hands events back in sequence order after parse workers finished them in any order.
final class ReorderBuffer: @unchecked Sendable {
    private let monitor = Monitor()
    private var pending: [Int: IngestEvent] = [:]
    private var next = 0

    func put(_ event: IngestEvent, sequence: Int) {
        monitor.locked {
            pending[sequence] = event
            if sequence == next { monitor.broadcast() }
        }
    }

    /// Blocks until the next event in sequence is available.
    func takeNext() -> IngestEvent {
        monitor.locked {
            while pending[next] == nil { monitor.wait() }
            let event = pending.removeValue(forKey: next)!
            next += 1
            return event
        }
    }
}

/// Numbers events as the reader sends them, so the ordered stage can restore input order.
final class Sequencer: @unchecked Sendable {
    private var next = 0
    private let queue: BlockingQueue<(Int, IngestEvent)?>

    init(queue: BlockingQueue<(Int, IngestEvent)?>) { self.queue = queue }

    /// Called only from the reader thread.
    func send(_ event: IngestEvent) {
        queue.push((next, event))
        next += 1
    }
}
