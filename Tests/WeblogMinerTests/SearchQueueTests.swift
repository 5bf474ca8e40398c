import Foundation
import Testing
@testable import WeblogMiner

/// The shared queue of search subtrees, and the search split across threads through it.
@Suite struct SearchQueueTests {
    static func task(_ item: Int32) -> SearchTask { SearchTask(prefix: [item], support: 1, prefixSupport: 0, projection: []) }

    @Test func tasksGivenWhileBusyAreTakenAndTheSearchEndsWhenNobodyIsBusy() {
        let queue = SearchQueue([Self.task(0), Self.task(1)])
        #expect(queue.take()?.prefix == [0])
        #expect(!queue.hungry)  // nobody waits
        #expect(queue.take()?.prefix == [1])
        queue.give(Self.task(2))
        queue.finished()
        #expect(queue.take()?.prefix == [2])
        queue.finished()
        queue.finished()
        #expect(queue.take() == nil)
    }

    @Test func aWaitingThreadGetsWhatABusyOneHandsOver() {
        let queue = SearchQueue([Self.task(0)])
        #expect(queue.take()?.prefix == [0])
        let received = BlockingQueue<[Int32]>(capacity: 2)
        startThread {
            // Waits: nothing queued, but the first task is still being worked on.
            while let task = queue.take() {
                received.push(task.prefix)
                queue.finished()
            }
            received.push([-1])
        }
        while !queue.hungry { usleep(1000) }
        queue.give(Self.task(7))
        #expect(received.pop() == [7])
        queue.finished()
        #expect(received.pop() == [-1])  // nobody busy, nothing queued: the search is over
        #expect(queue.take() == nil)
    }

    /// One first item carries nearly all the work (the shape of MSNBC): any number of threads,
    /// with subtrees handed over between them, finds the same patterns as one thread.
    @Test func theSameSetWithAnyNumberOfThreads() {
        var rng = SeededGenerator(seed: 4)
        let sequences = (0 ..< 400).map { _ in
            ["A"] + (0 ..< Int.random(in: 2 ... 9, using: &rng)).map { _ in ["A", "B", "C", "D", "E", "F"][Int.random(in: 0 ..< 6, using: &rng)] }
        }
        let db = SequenceDatabase(sequences: sequences)
        func mine(_ threads: Int, _ condensation: PatternCondensation = .all) -> Set<SequentialPattern> {
            var options = PatternOptions()
            options.minSupport = 20
            options.threads = threads
            options.condensation = condensation
            return Set(PrefixSpan(database: db, options: options).mine())
        }
        let one = mine(1)
        #expect(one.count > 300)
        for threads in [2, 3, 8] { #expect(mine(threads) == one) }
        #expect(mine(4, .closed) == mine(1, .closed))
    }
}
