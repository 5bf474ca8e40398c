import Foundation
import Testing
@testable import WeblogMiner

/// Work on its own thread, waited for by several threads: the nightly run's segments are awaited by
/// the models' thread and by the thread that writes results.sqlite.
@Suite struct BackgroundJobTests {
    @Test func everyWaiterOnEveryThreadGetsTheResult() {
        let job = BackgroundJob<Int> {
            usleep(50_000)
            return 42
        }
        final class Results: @unchecked Sendable {
            let monitor = Monitor()
            var got: [Int] = []
        }
        let results = Results()
        let group = DispatchGroup()
        for _ in 0 ..< 3 {
            group.enter()
            Thread {
                let v = (try? job.value()) ?? -1
                results.monitor.locked { results.got.append(v) }
                group.leave()
            }.start()
        }
        // A waiter that used up the job's signal must not leave the others blocked for ever.
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(results.monitor.locked { results.got } == [42, 42, 42])
        #expect((try? job.value()) == 42)
    }

    @Test func anErrorReachesEveryWaiter() {
        struct Failed: Error {}
        let job = BackgroundJob<Int> { throw Failed() }
        #expect(throws: Failed.self) { try job.value() }
        #expect(throws: Failed.self) { try job.value() }
    }
}
