import Foundation
import Testing
@testable import WeblogMiner

/// Segments: the Markov-chain mixture's likelihood against hand computation, EM's monotone
/// posterior, recovery of planted clusters, choice of K, page capping, descriptions with
/// conversions, and the command.
struct SegmentTests {
    /// Three planted chains over 8 pages. A and C share their pages (0, 1, 2) and differ only in the
    /// direction they go round (A: 0 > 1 > 2 > 0, C: 0 > 2 > 1 > 0), so only transitions tell them
    /// apart; B lives on pages 3-5. Every chain has a little noise towards any page, and page 0 rarely
    /// ends a session (so few sessions are a lone, ambiguous 0).
    static func planted(count: Int, seed: UInt64) -> (data: SegmentSequences, labels: [Int]) {
        let S = 8
        func row(_ favourite: Int?, end: Double) -> [Double] {
            var r = [Double](repeating: 0.1 / Double(S), count: S + 1)
            r[S] = end
            if let favourite { r[favourite] += 0.9 - end } else { for s in 3 ... 5 { r[s] += (0.9 - end) / 3 } }
            return r
        }
        func endFor(_ s: Int) -> Double { s == 0 ? 0.02 : 0.2 }
        let chains: [(initial: [Double], rows: [[Double]])] = [
            ([1, 0, 0, 0, 0, 0, 0, 0], (0 ..< S).map { s in row([1, 2, 0, 1, 1, 1, 0, 0][s], end: endFor(s)) }),
            ([0, 0, 0, 0.5, 0.5, 0, 0, 0], (0 ..< S).map { s in row(nil, end: endFor(s)) }),
            ([1, 0, 0, 0, 0, 0, 0, 0], (0 ..< S).map { s in row([2, 0, 1, 2, 2, 2, 0, 0][s], end: endFor(s)) }),
        ]
        var rng = SeededGenerator(seed: seed)
        func draw(_ p: [Double]) -> Int {
            var u = rng.nextDouble() * p.reduce(0, +)
            for (i, v) in p.enumerated() { u -= v; if u < 0 { return i } }
            return p.count - 1
        }
        var sequences: [[Int]] = [], labels: [Int] = []
        for _ in 0 ..< count {
            let c = draw([0.5, 0.3, 0.2])
            var x = [draw(chains[c].initial)]
            while x.count < 50 {
                let next = draw(chains[c].rows[x.last!])
                if next == S { break }
                x.append(next)
            }
            sequences.append(x)
            labels.append(c)
        }
        return (SegmentSequences(names: (0 ..< S).map { "/p\($0)" }, sequences: sequences), labels)
    }

    /// Adjusted Rand index (Hubert & Arabie 1985) of two labelings.
    static func adjustedRand(_ a: [Int], _ b: [Int]) -> Double {
        func c2(_ n: Int) -> Double { Double(n) * Double(n - 1) / 2 }
        var table: [[Int]: Int] = [:], rows: [Int: Int] = [:], cols: [Int: Int] = [:]
        for (x, y) in zip(a, b) { table[[x, y], default: 0] += 1; rows[x, default: 0] += 1; cols[y, default: 0] += 1 }
        let index = table.values.map(c2).reduce(0, +)
        let ra = rows.values.map(c2).reduce(0, +), rb = cols.values.map(c2).reduce(0, +)
        let expected = ra * rb / c2(a.count)
        return (index - expected) / ((ra + rb) / 2 - expected)
    }

    @Test func likelihoodIsTheHandComputedOne() {
        // Two clusters over two pages (0, 1) and the end state.
        let m = MarkovMixture(weights: [0.25, 0.75],
                              initial: [[0.9, 0.1], [0.2, 0.8]],
                              transitions: [[[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]], [[0.4, 0.4, 0.2], [0.1, 0.1, 0.8]]])
        let x: ArraySlice<Int32> = [0, 1, 1]
        // p(x | 1) = 0.9 * 0.6 * 0.25 * 0.25; p(x | 2) = 0.2 * 0.4 * 0.1 * 0.8.
        let p1 = 0.9 * 0.6 * 0.25 * 0.25, p2 = 0.2 * 0.4 * 0.1 * 0.8
        #expect(abs(m.logLikelihood(x) - log(0.25 * p1 + 0.75 * p2)) < 1e-12)
        let post = m.posterior(x)
        #expect(abs(post[0] - 0.25 * p1 / (0.25 * p1 + 0.75 * p2)) < 1e-12)
        #expect(abs(post[0] + post[1] - 1) < 1e-12)
        // A very long sequence stays finite (log space), and a lone page is init x end.
        let long = ArraySlice([Int32](repeating: 1, count: 20_000))
        #expect(m.logLikelihood(long).isFinite && m.logLikelihood(long) < -1000)
        #expect(abs(m.logLikelihood([1]) - log(0.25 * 0.1 * 0.25 + 0.75 * 0.8 * 0.8)) < 1e-12)
        #expect(m.parameterCount == 1 + 2 * 1 + 2 * 4)
    }

    @Test func oneChainIsTheSmoothedCountsAndEMNeverGoesDown() {
        // K = 1 has a closed form: (count + alpha) / (row total + alpha x outcomes).
        let data = SegmentSequences(names: ["a", "b"], sequences: [[0, 1], [0, 0, 1], [1], [0, 1]])
        var o = MarkovMixture.Options()
        o.smoothing = 0.5
        let one = MarkovMixture.fit(WeightedSequences(data), states: 2, clusters: 1, options: o).model
        #expect(abs(one.initial(0, 0) - 3.5 / 5) < 1e-12)            // 3 of 4 sessions start at a
        #expect(abs(one.transition(0, from: 0, to: 1) - 3.5 / 5.5) < 1e-12)  // a: a>a 1, a>b 3, a>end 0
        #expect(abs(one.transition(0, from: 1, to: 2) - 4.5 / 5.5) < 1e-12)  // b: 4 ends
        let (planted, _) = Self.planted(count: 600, seed: 7)
        o = MarkovMixture.Options()
        o.restarts = 3
        let fit = MarkovMixture.fit(WeightedSequences(planted), states: 8, clusters: 4, options: o)
        #expect(fit.iterations > 5)
        for (a, b) in zip(fit.objectives, fit.objectives.dropFirst()) { #expect(b >= a - 1e-9 * abs(a), "EM went down: \(a) -> \(b)") }
    }

    @Test func distinctSequencesCarryTheirCounts() {
        let data = SegmentSequences(names: ["a", "b"], sequences: [[0, 1], [], [0, 1], [1], [0, 1]])
        let w = WeightedSequences(data)
        #expect(w.count == 2 && w.weights == [3, 1] && w.views == 7 && w.total == 4)
        #expect(Array(WeightedSequences(data, indices: [3, 4]).weights) == [1, 1])
        // The likelihood of merged sequences is the sum over the sequences.
        let m = MarkovMixture(weights: [1], initial: [[0.3, 0.7]], transitions: [[[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]])
        let direct = (0 ..< data.count).map { m.logLikelihood(data.sequence($0)) }.reduce(0, +)
        #expect(abs(m.logLikelihood(w) - direct) < 1e-12)
        // The parallel E-step's likelihood is the same sum, whatever its chunks.
        let (big, _) = Self.planted(count: 9000, seed: 3)
        let bw = WeightedSequences(big)
        #expect(MarkovMixture.chunks(bw.count).count > 1)
        let m8 = MarkovMixture.fit(bw, states: 8, clusters: 2, options: { var o = MarkovMixture.Options(); o.maxIterations = 3; return o }()).model
        let (_, ll) = m8.expectedCounts(bw)
        #expect(abs(ll - m8.logLikelihood(bw)) < 1e-7 * abs(ll))
    }

    @Test func pagesBeyondTheCapAreFoldedIntoOther() {
        let db = SequenceDatabase(sequences: [["/x", "/a", "/b"], ["/a", "/c"], ["/a", "/b"], ["/d"]])
        let capped = SegmentSequences(db, maxPages: 2)
        #expect(capped.names == ["/a", "/b", "(other)"])
        #expect(capped.foldedPages == 3 && capped.foldedViews == 3)
        #expect(Array(capped.sequence(0)) == [2, 0, 1] && Array(capped.sequence(3)) == [2])
        let all = SegmentSequences(db, maxPages: 10)
        #expect(all.names == ["/a", "/b", "/c", "/d", "/x"] && all.foldedPages == 0)
    }

    @Test func plantedClustersAreRecoveredAndKIsChosen() {
        let (data, labels) = Self.planted(count: 3000, seed: 11)
        var options = SegmentSelection.Options()
        options.candidates = [1, 2, 3, 4, 5]
        options.fitting.restarts = 4
        let selection = SegmentSelection.select(data, options: options)
        #expect(selection.chosen == 3, "\(selection.candidates.map { ($0.clusters, $0.heldOutPerView!) })")
        let byK = Dictionary(uniqueKeysWithValues: selection.candidates.map { ($0.clusters, $0.heldOutPerView!) })
        #expect(byK[3]! > byK[1]! + 0.05 && byK[3]! > byK[2]!)
        let d = SegmentDescription(model: selection.model, data: data)
        let found = d.assignments.map { $0! }
        let ari = Self.adjustedRand(found, labels)
        #expect(ari > 0.9, "adjusted Rand index \(ari)")
        // Purity: each found segment is mostly one planted chain.
        var purity = 0
        for s in Set(found) {
            let members = zip(found, labels).filter { $0.0 == s }.map(\.1)
            purity += (0 ..< 3).map { c in members.filter { $0 == c }.count }.max()!
        }
        #expect(Double(purity) / Double(labels.count) > 0.95)
        // Segment 1 is the largest planted chain, A (half the sessions), going 0 > 1 > 2.
        #expect(abs(d.segments[0].share - 0.5) < 0.05)
        #expect(d.segments[0].likelyPaths.first.map { Array($0.pages.prefix(2)) } == ["/p0", "/p1"])
        // Under BIC the same data also gives 3.
        options.criterion = .bic
        #expect(SegmentSelection.select(data, options: options).chosen == 3)
        // A fixed K is fitted as asked, and the same seed gives the same model.
        options.candidates = [2]
        let a = SegmentSelection.select(data, options: options), b = SegmentSelection.select(data, options: options)
        #expect(a.chosen == 2 && a.model.logTransitions == b.model.logTransitions)
    }

    @Test func aSampleFitsAndEverySequenceIsAssigned() throws {
        let (data, labels) = Self.planted(count: 4000, seed: 12)
        var options = SegmentAnalysis.Options()
        options.selection.candidates = [3]
        options.maxFitSequences = 800
        let a = try SegmentAnalysis.analyse(data, ids: Array(1 ... 4000), outcomes: nil, options: options, progress: nil)
        #expect(a.fittedOn == 800 && a.description.assignments.count == 4000)
        #expect(a.description.segments.map(\.sessions).reduce(0, +) == 4000)
        let ari = Self.adjustedRand(a.description.assignments.map { $0! }, labels)
        #expect(ari > 0.9, "adjusted Rand index \(ari) from a fit on 800")
        options.maxFitSequences = 0
        #expect(try SegmentAnalysis.analyse(data, ids: Array(1 ... 4000), outcomes: nil, options: options, progress: nil).fittedOn == 4000)
    }

    /// Sessions from page lists, as in FunnelTests.
    final class Fixture {
        var pages = ByteStringInterner()
        var sessions: [Session] = []
        func add(_ names: [String], visitor: UInt64, start: Int64) {
            let views = names.enumerated().map { PageView(page: pages.intern($0.element), time: start + Int64($0.offset) * 10_000, inferred: false) }
            sessions.append(Session(id: sessions.count + 1, visitor: Array("v\(visitor)".utf8), visitorHash: visitor, views: views,
                                    entryReferrer: visitor % 2 == 0 ? Array("https://www.google.com/".utf8) : nil))
        }
    }

    @Test func segmentsOfSessionsHaveConversionsAndChannels() throws {
        let f = Fixture()
        var rng = SeededGenerator(seed: 5)
        // Readers: blog pages, never buy. Shoppers: products, cart, half of them buy. Both go through
        // / and /search, and go on from there each their own way: one chain cannot tell where a
        // session goes after /search, two can. (Groups with no page in common are no test: one
        // first-order chain fits their union exactly.) Visitor 2k+1 reads first and, one time in three,
        // comes back later as a shopper.
        for v in 0 ..< 300 {
            let blog = ["/"] + (0 ..< 1 + rng.nextInt(below: 3)).map { _ in "/blog/\(rng.nextInt(below: 3))" } + ["/search", "/blog/\(rng.nextInt(below: 3))"]
            f.add(blog, visitor: UInt64(2 * v + 1), start: Int64(v) * 1000)
        }
        for v in 0 ..< 200 {
            var shop = ["/", "/search", "/p/:id", "/search", "/p/:id", "/cart", "/checkout"]
            if v % 2 == 0 { shop.append("/checkout/thanks") }
            let visitor = v % 3 == 0 ? UInt64(2 * v + 1) : UInt64(2 * v + 2)
            f.add(shop, visitor: visitor, start: 1_000_000 + Int64(v) * 1000)
        }
        var options = SegmentAnalysis.Options()
        options.conversion = "^/checkout/thanks$"
        options.selection.candidates = [2]
        let a = try SegmentAnalysis.sessions(f.sessions, pages: f.pages, options: options)
        let d = a.description
        #expect(d.segments.count == 2 && d.segments[0].sessions == 300 && d.segments[1].sessions == 200)
        #expect(abs(d.overallConversionRate! - 100.0 / 500) < 1e-12)
        #expect(d.segments[0].conversions == 0 && d.segments[1].conversions == 100)
        #expect(abs(d.segments[1].conversionLift! - 0.5 / 0.2) < 1e-12)
        // Later: readers 2k+1 with k % 3 == 0 (k < 200) come back as shoppers, and buy when k is even.
        let readersWhoBuy = (0 ..< 200).filter { $0 % 3 == 0 && $0 % 2 == 0 }.count
        #expect(readersWhoBuy == 34)
        #expect(abs(d.segments[0].laterConversionRate! - 34.0 / 300) < 1e-12)
        // Over all 400 sessions without a conversion (300 readings, 100 shoppings that bought nothing).
        #expect(abs(d.overallLaterConversionRate! - 34.0 / 400) < 1e-12)
        #expect(abs(d.segments[0].laterConversionLift! - 400.0 / 300) < 1e-12)
        #expect(d.segments[1].laterConversionRate == 0)
        #expect(d.segments[0].topPages.first!.name.hasPrefix("/blog/"))
        #expect(d.segments[1].entryPages.first!.name == "/" && d.segments[1].entryPages.first!.share == 1)
        #expect(d.segments[1].likelyPaths.isEmpty == false && d.segments[1].topPages.prefix(2).map(\.name) == ["/p/:id", "/search"])  // a tie, by name
        #expect(d.segments[1].typicalPaths.first!.sessions == 100)
        // Channels: odd visitors direct, even ones from search.
        #expect(d.segments[0].channels.map(\.name) == ["direct"])
        let t = a.table
        #expect(t.count == 2 && t.columns.count == SegmentTable.columns.count)
        #expect(t.row(1)[13] == .real(2.5) && t.row(0)[11] == .int(0))
        guard case .text(let words) = t.row(1)[5] else { Issue.record("no description"); return }
        #expect(words.contains("40% of sessions") && words.contains("typically / > /search > /p/:id > /search > /p/:id") && words.contains("conversion 50%") && words.contains("2.50x") && words.contains("0% of the others come back"), "\(words)")
        let assignments = a.assignmentTable
        #expect(assignments.count == 500 && assignments.row(0)[0] == .int(1) && assignments.row(0)[1] == .int(1) && assignments.row(499)[1] == .int(2))
        #expect(a.segmentBySession[f.sessions[400].id] == 2)
        // Without --conversion: no rates, no channels.
        options.conversion = nil
        let plain = try SegmentAnalysis.sessions(f.sessions, pages: f.pages, options: options)
        #expect(plain.description.segments[1].conversionRate == nil && plain.table.row(0)[10] == .null)
        #expect(throws: SegmentAnalysis.NoData.self) { try SegmentAnalysis.sequences(SequenceDatabase(sequences: [[]])) }
    }

    @Test func rfmScoresAndSegments() throws {
        // Quintiles of rank: equal values share the score of the first of them.
        #expect(RFMSegments.scores([1, 1, 1, 2, 3]) == [1, 1, 1, 4, 5])
        #expect(RFMSegments.scores([4, 3, 2, 1, 0, 5, 6, 7, 8, 9]) == [3, 2, 2, 1, 1, 3, 4, 4, 5, 5])
        #expect(RFMSegments.segmentName(r: 5, f: 4, m: 4) == "champions" && RFMSegments.segmentName(r: 3, f: 5, m: 1) == "loyal")
        #expect(RFMSegments.segmentName(r: 5, f: 1, m: 5) == "new" && RFMSegments.segmentName(r: 4, f: 3, m: 1) == "promising")
        #expect(RFMSegments.segmentName(r: 1, f: 1, m: 3) == "at risk" && RFMSegments.segmentName(r: 2, f: 2, m: 2) == "hibernating")
        #expect(RFMSegments.segmentName(r: 3, f: 3, m: 3) == "need attention")

        // Three registered users and one stranger; a day is 86,400,000 ms.
        let day: Int64 = 86_400_000
        let f = Fixture()
        func add(_ visitor: UInt64, user: String?, day d: Int64, _ names: [String]) {
            f.add(names, visitor: visitor, start: d * day)
            f.sessions[f.sessions.count - 1].user = user.map { Array($0.utf8) }
        }
        add(1, user: "u1", day: 0, ["/", "/p/:id", "/checkout/thanks"])
        add(1, user: nil, day: 5, ["/", "/p/:id"])                   // the login ties this one too
        add(1, user: nil, day: 9, ["/p/:id", "/checkout/thanks"])    // the newest view: day 9 + 10 s
        add(3, user: "u2", day: 2, ["/blog"])
        add(5, user: "u3", day: 8, ["/", "/checkout/thanks"])
        add(7, user: "stranger", day: 8, ["/"])                      // not in the table: left out
        let dir = TemporaryDirectory()
        let csv = dir.write("r.csv", "user_id,registered_at\nu1,1970-01-01T00:00:00Z\nu2,1970-01-01T00:00:00Z\nu3,1970-01-09T00:00:00Z\nu4,1970-01-01T00:00:00Z\n")
        let table = try Registrations.read(InputSpec(csv), keyColumn: nil, timeColumn: nil)
        let rfm = RFMSegments(sessions: f.sessions, pages: f.pages, registrations: table, join: CustomerJoin.Options(),
                              conversion: try PageMapper(specs: ["^/checkout/thanks$=converted"]), navigation: [1, 2, 1, 2, 2, 1])
        let byUser = Dictionary(uniqueKeysWithValues: rfm.customers.map { ($0.user, $0) })
        #expect(Set(byUser.keys) == ["u1", "u2", "u3"])
        let u1 = byUser["u1"]!, u2 = byUser["u2"]!, u3 = byUser["u3"]!
        #expect(u1.sessions == 3 && u1.conversions == 2 && abs(u1.recencyDays - 10.0 / 86_400) < 1e-9)
        #expect(u2.sessions == 1 && u2.conversions == 0 && abs(u2.recencyDays - (7 + 10.0 / 86_400)) < 1e-9)
        #expect(u3.sessions == 1 && u3.conversions == 1 && abs(u3.recencyDays - (1 + 10.0 / 86_400)) < 1e-9)
        // Ranks among three: recency u2 < u3 < u1, frequency u2 = u3 < u1, monetary u2 < u3 < u1.
        #expect([u1.r, u1.f, u1.m] == [4, 4, 4] && [u3.r, u3.f, u3.m] == [2, 1, 2] && [u2.r, u2.f, u2.m] == [1, 1, 1])
        #expect(u1.segment == "champions" && u2.segment == "hibernating" && u3.segment == "hibernating")
        #expect(u1.navigationSegment == 1 && u2.navigationSegment == 2)
        #expect(rfm.customers.first?.user == "u1" && rfm.table.count == 3 && rfm.table.row(0)[8] == .text("444"))
        #expect(rfm.summary.contains("3 registered users seen: champions 1, hibernating 2"))
    }

    @Test func theCommandReadsLogsAndSequences() throws {
        let dir = TemporaryDirectory()
        var lines = ""
        func line(_ ip: String, _ second: Int, _ path: String) {
            lines += "\(ip) - - [10/Oct/2024:13:\(String(format: "%02d", second / 60)):\(String(format: "%02d", second % 60)) +0000] \"GET \(path) HTTP/1.1\" 200 100 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\"\n"
        }
        for v in 0 ..< 40 {
            let ip = "10.0.\(v / 200).\(v % 200 + 1)"
            line(ip, v, "/search")
            if v % 2 == 0 {
                line(ip, v + 60, "/blog/a"); line(ip, v + 120, "/search"); line(ip, v + 180, "/blog/b")
            } else {
                line(ip, v + 60, "/p/\(v)"); line(ip, v + 120, "/search"); line(ip, v + 180, "/cart"); if v % 4 == 1 { line(ip, v + 240, "/thanks") }
            }
        }
        let log = dir.write("a.log", lines)
        var r = try Tool.shell("$WM segments '\(log)' --map '^/p/[0-9]+$=/p/:id' --clusters 2 --conversion '^/thanks$' --assignments '\(dir.path)/a.tsv'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("K=2: log-likelihood per page view") && r.err.contains("2 segments (held-out) over 40 sequences"), "\(r.err)")
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0] == SegmentTable.columns.map(\.name))
        #expect(rows.count >= 3, "\(r.out)")
        let shop = rows.dropFirst().first { $0[8].contains("/cart") }
        #expect(shop?[11] == "10" && shop?[13] == "2", "\(r.out)")
        let assigned = try String(contentsOfFile: dir.path + "/a.tsv", encoding: .utf8).split(separator: "\n")
        #expect(assigned.count == 41 && assigned[0] == "session_id\tsegment\tprobability")
        r = try Tool.shell("$WM segments '\(log)' --clusters 1-3 --selection '\(dir.path)/k.tsv' -o '\(dir.path)/s.tsv' -q")
        #expect(r.status == 0 && r.out.isEmpty, "\(r.err)")
        let k = try String(contentsOfFile: dir.path + "/k.tsv", encoding: .utf8).split(separator: "\n")
        #expect(k.count == 4 && k[0].hasPrefix("clusters\ttrain_ll_per_view\theldout_ll_per_view"))
        // SPMF sequences, JSON lines.
        let spmf = dir.write("s.txt", String(repeating: "1 -1 2 -1 -2\n3 -1 3 -1 4 -1 -2\n", count: 30))
        r = try Tool.shell("$WM segments --sequences '\(spmf)' --clusters 2 --output jsonl -q")
        #expect(r.status == 0 && r.err.isEmpty, "\(r.err)")
        let json = r.out.split(separator: "\n")
        #expect(json.count == 2 && json[0].contains("\"segment\":1") && json[0].contains("\"sessions\":30") && json[0].contains("\"channels\":null"), "\(r.out)")
        // Usage errors.
        for bad in ["--sequences '\(spmf)' '\(log)'", "--sequences '\(spmf)' --conversion x", "'\(log)' --clusters 0-3", "'\(log)' --clusters 3-1",
                    "'\(log)' --clusters x", "'\(log)' --held-out 0", "'\(log)' --smoothing 0", "'\(log)' --conversion '('"] {
            r = try Tool.shell("$WM segments \(bad) -q")
            #expect(r.status == 64, "\(bad): \(r.err)")
        }
        r = try Tool.shell("$WM segments --sequences '\(dir.path)/missing.txt' -q")
        #expect(r.status == 66, "\(r.err)")
        r = try Tool.shell("$WM segments --sequences '\(dir.write("e.txt", "-2\n"))' -q")
        #expect(r.status == 69, "\(r.err)")
    }
}

/// The command's TSV rows with their header's names.
func segmentRows(_ tsv: String) -> [[String: String]] {
    let lines = tsv.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first else { return [] }
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}

let shopSegmentOptions = "--site-host shop.example.com --map '^/p/[0-9]+$=/p/:id' --map '^/blog/.+$=/blog/:post' --conversion '^/(checkout|signup)/thanks$'"

/// The two-day shop sample (in the repository): too small for held-out likelihood to prefer more
/// than one chain (it chooses K = 1: the gain per view is under 0.01 nats), so K is fixed here.
struct SegmentShopFixtureTests {
    /// run's results.sqlite: the sessions table has each session's segment, the one session_segments
    /// gives it (in every window: the shorter windows' sessions are the main window's).
    @Test func runPutsTheSegmentColumnInTheSessionsTable() throws {
        let dir = TemporaryDirectory()
        let logs = ["a", "b"].flatMap { s in ["02", "03"].map { "'\(Paths.fixture("shop-sim"))/logs/\(s)/access.log-202603\($0).gz'" } }.joined(separator: " ")
        let r = try Tool.shell("$WM run -q --no-state --out '\(dir.path)/out' \(shopSegmentOptions) \(logs)")
        #expect(r.status == 0, "\(r.err)")
        let db = dir.path + "/out/results.sqlite"
        let sessions = try NightlyWindowTests.sql(db, "SELECT count(*) FROM sessions")
        #expect(try NightlyWindowTests.sql(db, "SELECT count(*) FROM sessions WHERE segment IS NOT NULL") == sessions && sessions != "0")
        let mismatched = try NightlyWindowTests.sql(db, "SELECT count(*) FROM sessions s JOIN session_segments g USING (session_id) WHERE s.segment IS NOT g.segment")
        #expect(mismatched == "0")
        #expect(try NightlyWindowTests.sql(db, "SELECT count(DISTINCT window) FROM sessions WHERE segment IS NOT NULL") == "3")   // 1d, 7d, 28d
    }

    @Test func aSegmentOfPricingVisitorsConverts() throws {
        let logs = ["a", "b"].flatMap { s in ["02", "03"].map { "'\(Paths.fixture("shop-sim"))/logs/\(s)/access.log-202603\($0).gz'" } }.joined(separator: " ")
        let r = try Tool.shell("$WM segments \(shopSegmentOptions) --clusters 6 \(logs) -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = segmentRows(r.out)
        #expect(rows.count >= 4 && rows.map { Int($0["sessions"]!)! }.reduce(0, +) == 3362)
        let total = rows.map { Double($0["sessions"]!)! }.reduce(0, +)
        let big = rows.filter { Double($0["sessions"]!)! >= 0.02 * total }
        let best = big.max { Double($0["conversion_lift"]!)! < Double($1["conversion_lift"]!)! }!
        #expect(Double(best["conversion_lift"]!)! > 4, "\(r.out)")
        #expect(best["top_pages"]!.contains("/pricing") && best["description"]!.contains("the overall rate"), "\(best)")
        // RFM of the registered users (the sample's registrations), with their navigation segment.
        let dir = TemporaryDirectory()
        let r2 = try Tool.shell("$WM segments \(shopSegmentOptions) --clusters 6 --registrations '\(Paths.fixture("shop-sim"))/registrations.csv' --rfm '\(dir.path)/rfm.tsv' \(logs)")
        #expect(r2.status == 0 && r2.out == r.out && r2.err.contains("RFM: "), "\(r2.err)")
        let rfm = segmentRows(try String(contentsOfFile: dir.path + "/rfm.tsv", encoding: .utf8))
        #expect(rfm.count > 20 && rfm.allSatisfy { (1 ... 5).contains(Int($0["r"]!)!) && !$0["navigation_segment"]!.isEmpty })
        #expect(Set(rfm.map { $0["rfm_segment"]! }).count >= 3)
        for bad in ["--rfm x.tsv", "--registrations '\(Paths.fixture("shop-sim"))/registrations.csv'"] {
            #expect(try Tool.shell("$WM segments \(bad) \(logs) -q").status == 64, "\(bad)")
        }
    }
}

/// On the real data: MSNBC (the data of Cadez et al.) and the whole shop simulation.
@Suite(.enabled(if: Paths.sharedData != nil, "needs ../shared/data")) struct SegmentRealDataTests {
    @Test func msnbcMixtureBeatsOneChainOnHeldOutSessions() throws {
        let text = try String(contentsOfFile: Paths.sharedData! + "/sequences/spmf/MSNBC.txt", encoding: .utf8)
        let db = try SequenceDatabase.read(text)
        #expect(db.count == 31_790 && db.itemCount == 17)
        var options = SegmentAnalysis.Options()
        options.selection.candidates = [1, 4, 8]
        options.selection.fitting.restarts = 2
        let a = try SegmentAnalysis.sequences(db, options: options)
        let byK = Dictionary(uniqueKeysWithValues: a.selection.candidates.map { ($0.clusters, $0.heldOutPerView!) })
        #expect(byK[8]! > byK[1]! + 0.05, "\(byK)")
        #expect(a.selection.chosen > 1)
    }

    /// 14 days, both servers (30,473 sessions): held-out likelihood chooses several segments, and one
    /// of them (the visitors of /pricing) converts at several times the overall rate; of its sessions
    /// that do not convert, far more visitors come back and convert later than on average.
    @Test func shopSimulationHasASegmentOfBuyers() throws {
        let logs = Paths.sharedData! + "/shop-sim/logs/*/access.log-*.gz"
        let r = try Tool.shell("$WM segments \(shopSegmentOptions) \(logs) -q")
        #expect(r.status == 0, "\(r.err)")
        let rows = segmentRows(r.out)
        #expect(rows.count > 2)
        let total = rows.map { Double($0["sessions"]!)! }.reduce(0, +)
        let big = rows.filter { Double($0["sessions"]!)! >= 0.02 * total }
        let best = big.max { Double($0["conversion_lift"]!)! < Double($1["conversion_lift"]!)! }!
        #expect(Double(best["conversion_lift"]!)! > 5 && Double(best["later_conversion_lift"]!)! > 2, "\(best)")
    }
}
