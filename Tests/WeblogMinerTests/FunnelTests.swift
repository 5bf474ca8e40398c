import Foundation
import Testing
@testable import WeblogMiner

/// Funnels worked out by hand: order with pages between, closed and open, repeated steps, skipped
/// steps, visitor level across sessions, step times, where drop-outs went, and proposals.
struct FunnelTests {
    /// Sessions from page lists; each view 10 s after the previous one. `visitor` groups sessions.
    final class Fixture {
        var pages = ByteStringInterner()
        var sessions: [Session] = []
        func add(_ names: [String], visitor: UInt64 = 0, start: Int64 = 0, gaps: [Int64]? = nil) {
            var t = start
            var views: [PageView] = []
            for (i, name) in names.enumerated() {
                if i > 0 { t += gaps?[i - 1] ?? 10_000 }
                views.append(PageView(page: pages.intern(name), time: t, inferred: false))
            }
            let v = visitor == 0 ? UInt64(sessions.count + 1000) : visitor
            sessions.append(Session(id: sessions.count + 1, visitor: Array("v\(v)".utf8), visitorHash: v, views: views, entryReferrer: nil))
        }
        func run(_ spec: String, open: Bool = false) throws -> FunnelAnalysis {
            let a = try FunnelAnalysis(FunnelDefinition(parsing: spec), open: open)
            for s in sessions { a.add(s, pages: pages) }
            return a
        }
        func table(_ a: FunnelAnalysis) -> RecordTable { FunnelTable.rows([a], pages: pages) }
    }

    @Test func definitionsAreRead() throws {
        let d = try FunnelDefinition(parsing: "checkout: /p/:id > /cart >/checkout> re:^/checkout/thanks$")
        #expect(d.name == "checkout")
        #expect(d.steps == [.page("/p/:id"), .page("/cart"), .page("/checkout"), .pattern("^/checkout/thanks$")])
        let unnamed = try FunnelDefinition(parsing: "/a > ^/b")
        #expect(unnamed.name == "funnel" && unnamed.steps == [.page("/a"), .pattern("^/b")])
        for bad in ["/a", "x: /a", "/a > > /b", "/a >", "re: > /b", String(repeating: "/a > ", count: 40) + "/b"] {
            #expect(throws: FunnelDefinition.ParseError.self, "\(bad)") { try FunnelDefinition(parsing: bad) }
        }
        #expect(throws: FunnelDefinition.ParseError.self) { try FunnelAnalysis(FunnelDefinition(parsing: "/a > re:(unclosed")) }
    }

    @Test func stepsInOrderWithPagesBetween() throws {
        let f = Fixture()
        f.add(["/", "/a", "/x", "/b", "/y", "/c"])  // all three, pages between
        f.add(["/a", "/c", "/b"])                    // c before b: reaches 2
        f.add(["/b", "/c"])                          // never step 1: not in a closed funnel
        f.add(["/a"])                                // step 1 and exit
        f.add(["/a", "/b", "/z"])                    // stops at b, goes to /z
        let a = try f.run("/a > /b > /c")
        let c = a.counts(.session)
        #expect(c.reached == [4, 3, 1])
        #expect(c.entered == [4, 0, 0])
        // From /a to /b: 20 s (session 1: /a at 10 s, /b at 30 s), 20 s (/a 0, /b 20), 10 s.
        #expect(c.medianSeconds(step: 1) == 20)
        #expect(c.medianSeconds(step: 2) == 20)  // /b at 30 s, /c at 50 s
        #expect(c.medianSeconds(step: 0) == nil)
        // Dropped at /a: the one-view session (exit). Dropped at /b: session 2 (exit after /b) and 5 (/z).
        let next1 = c.topNext(step: 0)
        #expect(next1.count == 1 && next1[0].page == FunnelAnalysis.exitPage && next1[0].count == 1)
        let next2 = Dictionary(uniqueKeysWithValues: c.topNext(step: 1).map { ($0.page, $0.count) })
        #expect(next2 == [FunnelAnalysis.exitPage: 1, f.pages.find("/z")!: 1])
        let rows = f.table(a)
        #expect(rows.count == 6)
        // continued + dropped = reached for every step but the last.
        #expect(rows.row(0)[7] == .int(3) && rows.row(0)[8] == .int(1))
        #expect(rows.row(1)[7] == .int(1) && rows.row(1)[8] == .int(2) && rows.row(1)[9] == .real(0.6667))
        #expect(rows.row(2)[7] == .null && rows.row(2)[6] == .real(0.25))
    }

    @Test func openFunnelsLetSessionsEnterAtAnyStep() throws {
        let f = Fixture()
        f.add(["/b", "/c"])        // enters at 2
        f.add(["/c", "/a", "/b"])  // enters at 3 (the first step it views) and stays there
        f.add(["/a", "/b"])        // enters at 1
        let closed = try f.run("/a > /b > /c").counts(.session)
        #expect(closed.reached == [2, 2, 0])
        let open = try f.run("/a > /b > /c", open: true).counts(.session)
        #expect(open.entered == [1, 1, 1])
        #expect(open.reached == [1, 2, 2])
        // Session 2 entered at /c, the last step: nothing dropped there. Dropped at /b: session 3.
        #expect(open.topNext(step: 1).map(\.count) == [1])
    }

    @Test func repeatedStepsAndSkippedSteps() throws {
        let f = Fixture()
        f.add(["/a", "/b", "/a", "/b"])  // a > b > a > b: all four steps of a repeated funnel
        f.add(["/a", "/a", "/b"])        // second /a is not step 3 before /b is step 2: reaches 2
        f.add(["/a", "/c", "/a"])        // skips /b: stays at step 1 (second /a is no step 2)
        let c = try f.run("/a > /b > /a > /b").counts(.session)
        #expect(c.reached == [3, 2, 1, 1])
        // A page that is two steps (a pattern and a name) advances one step per view.
        let g = Fixture()
        g.add(["/p/1", "/p/2"])
        let both = try g.run("^/p/ > /p/2").counts(.session)
        #expect(both.reached == [1, 1])
        let once = Fixture()
        once.add(["/p/2"])
        #expect(try once.run("^/p/ > /p/2").counts(.session).reached == [1, 0])
    }

    @Test func visitorLevelFollowsStepsAcrossSessions() throws {
        let f = Fixture()
        f.add(["/a", "/x"], visitor: 7, start: 0)
        f.add(["/y", "/b"], visitor: 7, start: 86_400_000)  // next day: step 2
        f.add(["/c"], visitor: 7, start: 2 * 86_400_000)    // step 3
        f.add(["/a", "/b"], visitor: 8, start: 0)
        let a = try f.run("/a > /b > /c")
        #expect(a.counts(.session).reached == [2, 1, 0])
        let v = a.counts(.visitor)
        #expect(v.reached == [2, 2, 1])
        // Visitor 7: /a at 0, /b a day and 10 s later.
        #expect(v.timeCounts[1] == 2)
        #expect(v.medianSeconds(step: 1) == 43_210.0)  // (86 410 + 10) / 2
        // Visitor 8 stopped at /b, the last view of its session.
        #expect(v.topNext(step: 1).map(\.page) == [FunnelAnalysis.exitPage])
    }

    @Test func inferredViewsAreNotSteps() throws {
        let f = Fixture()
        f.add(["/a", "/b"])
        f.sessions[0].views[1].inferred = true
        #expect(try f.run("/a > /b").counts(.session).reached == [1, 0])
    }

    @Test func aFunnelIsProposedFromPathsIntoTheConversion() throws {
        let f = Fixture()
        for _ in 0 ..< 6 { f.add(["/", "/p", "/cart", "/thanks"]) }
        for _ in 0 ..< 3 { f.add(["/blog", "/cart", "/cart", "/thanks"]) }
        f.add(["/thanks"])  // converts with nothing before
        for _ in 0 ..< 20 { f.add(["/", "/p"]) }
        let thanks = f.pages.find("/thanks")!
        let p = FunnelProposal.propose(sessions: f.sessions, pages: f.pages, isConversion: { $0 == thanks })
        #expect(p?.steps == [.page("/"), .page("/p"), .page("/cart"), .page("/thanks")])
        // With a higher bar only the common part stays.
        let short = FunnelProposal.propose(sessions: f.sessions, pages: f.pages, isConversion: { $0 == thanks }, minShare: 0.7)
        #expect(short?.steps == [.page("/cart"), .page("/thanks")])
        #expect(FunnelProposal.propose(sessions: Array(f.sessions.suffix(20)), pages: f.pages, isConversion: { $0 == thanks }) == nil)
    }

    @Test func theCommandCountsAndProposes() throws {
        let dir = TemporaryDirectory()
        var lines = ""
        func line(_ ip: String, _ second: Int, _ path: String) {
            lines += "\(ip) - - [10/Oct/2024:13:\(String(format: "%02d", second / 60)):\(String(format: "%02d", second % 60)) +0000] \"GET \(path) HTTP/1.1\" 200 100 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\"\n"
        }
        line("1.1.1.1", 0, "/p/1"); line("1.1.1.1", 30, "/cart"); line("1.1.1.1", 90, "/thanks")
        line("2.2.2.2", 5, "/p/2"); line("2.2.2.2", 40, "/about")
        let log = dir.write("a.log", lines)
        var r = try Tool.shell("$WM funnels '\(log)' --map '^/p/[0-9]+$=/p/:id' --funnel 'buy: /p/:id > /cart > re:^/thanks$' --level session -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 4 && rows[0].first == "funnel")
        #expect(rows[1][4] == "2" && rows[1][8] == "1" && rows[1][11] == "/about")
        #expect(rows[2][4] == "1" && rows[2][10] == "30")
        #expect(rows[3][4] == "1" && rows[3][10] == "60")
        r = try Tool.shell("$WM funnels '\(log)' --map '^/p/[0-9]+$=/p/:id' --conversion '^/thanks$' --output jsonl -q")
        #expect(r.status == 0 && r.out.contains("\"funnel\":\"proposed\"") && r.out.contains("\"page\":\"/cart\""), "\(r.out) \(r.err)")
        r = try Tool.shell("$WM funnels '\(log)' --funnel '/a' -q")
        #expect(r.status == 64 && r.err.contains("at least two steps"), "\(r.err)")
        r = try Tool.shell("$WM funnels '\(log)' -q")
        #expect(r.status == 64, "\(r.err)")
    }
}

/// `run` counts the same funnels as `funnels` in every window, from the command line or the config.
struct RunFunnelTests {
    @Test func runWritesFunnelsLikeTheCommand() throws {
        let dir = TemporaryDirectory()
        let root = FileManager.default.currentDirectoryPath + "/fixtures/shop-sim/logs"
        let logs = "'\(root)/a/access.log-20260302.gz' '\(root)/b/access.log-20260302.gz'"
        let spec = "'checkout: /p/:id > /cart > /checkout > /checkout/thanks'"
        let config = dir.write("c.yaml", "map:\n  - '^/p/[0-9]+$=/p/:id'\nfunnel:\n  - \(spec)\nopen-funnels: true\n")
        var r = try Tool.shell("$WM run --no-state --config '\(config)' --out '\(dir.path)/out' \(logs) -q")
        #expect(r.status == 0, "\(r.err)")
        r = try Tool.shell("$WM funnels --open --map '^/p/[0-9]+$=/p/:id' --funnel \(spec) \(logs) -q")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.split(separator: "\n").count == 9)
        for window in ["1d", "7d", "28d"] {
            #expect(try String(contentsOfFile: dir.path + "/out/\(window)/funnels.tsv", encoding: .utf8) == r.out, "\(window)")
        }
        #expect(try String(contentsOfFile: dir.path + "/out/funnels.tsv", encoding: .utf8) == r.out)
        // No funnel but a conversion: one is proposed, named so, and noted.
        r = try Tool.shell("$WM run --no-state --map '^/p/[0-9]+$=/p/:id' --conversion '^/checkout/thanks$' --out '\(dir.path)/out2' \(logs)")
        #expect(r.status == 0 && r.err.contains("proposed funnel"), "\(r.err)")
        let proposed = try String(contentsOfFile: dir.path + "/out2/funnels.tsv", encoding: .utf8)
        #expect(proposed.contains("proposed\tsession\t1\t") && proposed.contains("/checkout/thanks"))
        r = try Tool.shell("$WM run --no-state --funnel '/a >' --out '\(dir.path)/out3' \(logs) -q")
        #expect(r.status == 64 && r.err.contains("--funnel"), "\(r.err)")
    }
}
