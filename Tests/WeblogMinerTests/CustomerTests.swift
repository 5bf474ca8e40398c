import Foundation
import Testing
@testable import WeblogMiner

/// The registration join on each key kind, hashed and ambiguous keys, anonymisation, the no-leakage
/// guarantee of the prospect features, and a planted signal the prospect model must find.
@Suite struct CustomerTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// A session of `pages` one minute apart from `start`, for a visitor key and an optional user.
    static func session(_ id: Int, visitor: String, start: Int64, pages: [Int32], user: String? = nil, referrer: String? = nil) -> Session {
        let views = pages.enumerated().map { PageView(page: $1, time: start + Int64($0) * 60_000, inferred: false) }
        var s = Session(id: id, visitor: Array(visitor.utf8), visitorHash: UInt64(truncatingIfNeeded: visitor.hashValue), views: views,
                        entryReferrer: referrer.map { Array($0.utf8) })
        s.user = user.map { Array($0.utf8) }
        return s
    }

    static func pages(_ names: [String]) -> ByteStringInterner {
        var interner = ByteStringInterner(capacity: 64)
        for n in names { _ = interner.intern(n) }
        return interner
    }

    static func registrations(_ csv: String) throws -> Registrations {
        let dir = TemporaryDirectory()
        return try Registrations.read(InputSpec(dir.write("reg.csv", csv)), keyColumn: nil, timeColumn: nil)
    }

    /// A table exported by a spreadsheet: names with spaces, `;`, day-first times. The names are
    /// found; the times are refused with the way to read them, and read with it. Unreadable times
    /// were counted in a note while every registration was lost as a conversion.
    @Test func spreadsheetRegistrationTableIsReadOrRefusedClearly() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("signups.csv", "Customer ID;Signup Date;Plan\nu1;02/03/2026 10:30;pro\nu2;01/03/2026 00:00;free\n")
        #expect(throws: Registrations.ReadError.self) { try Registrations.read(InputSpec(file), keyColumn: nil, timeColumn: nil) }
        do {
            _ = try Registrations.read(InputSpec(file), keyColumn: nil, timeColumn: nil)
        } catch {
            #expect("\(error)".contains("2 of 2 registration times in column Signup Date cannot be read (e.g. '02/03/2026 10:30'); give their layout with --registered-at-format"))
        }
        let table = try Registrations.read(InputSpec(file), keyColumn: nil, timeColumn: nil, timeFormat: try TimeFormat("%d/%m/%Y %H:%M"))
        #expect(table.keyColumn == "Customer ID" && table.timeColumn == "Signup Date" && table.badTimes == 0)
        #expect(table.users.map(\.registeredAt) == [utcMillis(2026, 3, 2, 10, 30), utcMillis(2026, 3, 1)])
        // One bad time in 40 (2.5%) is counted, not refused.
        let rows = (0 ..< 40).map { "u\($0);\($0 == 7 ? "soon" : "02/03/2026 10:30");pro" }
        let mostly = dir.write("mostly.csv", "Customer ID;Signup Date;Plan\n" + rows.joined(separator: "\n") + "\n")
        #expect(try Registrations.read(InputSpec(mostly), keyColumn: nil, timeColumn: nil, timeFormat: try TimeFormat("%d/%m/%Y %H:%M")).badTimes == 1)
        // The commands: exit 65 with the message before any log is read, then the layout option works.
        let log = Paths.fixture("access/site-visits.log")
        var r = try Tool.shell("$WM prospects --registrations '\(file)' '\(log)' -o /dev/null")
        #expect(r.status == 65 && r.err.contains("--registered-at-format"), "\(r.err)")
        r = try Tool.shell("$WM run --no-state --out '\(dir.path)/out' --registrations '\(file)' '\(log)'")
        #expect(r.status == 65 && r.err.contains("--registered-at-format") && !r.err.contains("format combined"), "\(r.err)")
        r = try Tool.shell("$WM prospects --registrations '\(file)' --registered-at-format '%d/%m/%Y %H:%M' '\(log)' -o /dev/null")
        #expect(r.status != 65 && r.err.contains("time Signup Date"), "\(r.err)")
        r = try Tool.shell("$WM prospects --registrations '\(file)' --registered-at-format '%Q' '\(log)' -o /dev/null")
        #expect(r.status == 64, "\(r.err)")
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func anonymizer() {
        #expect(Anonymizer.value("203.0.113.77") == "203.0.113.0")
        #expect(Anonymizer.value("2001:db8:85a3::8a2e:370:7334") == "2001:db8:85a3::")
        #expect(Anonymizer.value("2001:db8::1") == "2001:db8:0::")
        #expect(Anonymizer.value("alice@example.com").hasPrefix("sha256:") && !Anonymizer.value("alice@example.com").contains("alice"))
        #expect(Anonymizer.visitor("198.51.100.23 Mozilla/5.0 (X11)") == "198.51.100.0 Mozilla/5.0 (X11)")
        #expect(Anonymizer.value("u123") == "u123")
    }

    @Test func joinOnUserFieldTiesTheVisitorsOtherSessions() throws {
        let table = try Self.registrations("user_id,registered_at,plan\nu1,2026-03-02T10:00:00Z,pro\nu2,2026-03-01T00:00:00Z,free\nu9,2026-03-03T00:00:00Z,pro\n")
        #expect(table.keyColumn == "user_id" && table.timeColumn == "registered_at" && table.users.count == 3)
        let t0 = Int64(1_772_409_600_000)  // 2026-03-02T00:00:00Z
        let h = VisitorHistory()
        h.add(Self.session(1, visitor: "1.1.1.1 a", start: t0, pages: [0, 1]))                    // anonymous, then...
        h.add(Self.session(2, visitor: "1.1.1.1 a", start: t0 + 12 * Self.hour, pages: [2], user: "u1"))  // ...logs in: u1
        h.add(Self.session(3, visitor: "2.2.2.2 b", start: t0, pages: [0], user: "u2"))             // registered before
        h.add(Self.session(4, visitor: "3.3.3.3 c", start: t0, pages: [0], user: "u7"))             // not in the table
        h.add(Self.session(5, visitor: "4.4.4.4 d", start: t0, pages: [0], user: "u1"))             // u1 on a second device
        h.add(Self.session(6, visitor: "4.4.4.4 d", start: t0 + Self.hour, pages: [0], user: "u9"))  // and u9: shared device
        h.add(Self.session(7, visitor: "5.5.5.5 e", start: t0, pages: [0, 1]))                     // never logs in
        let join = CustomerJoin(history: h, registrations: table, conversion: nil, pageNames: Self.pages(["/", "/pricing", "/account"]), options: .init())
        #expect(join.status == [.converted(at: t0 + 10 * Self.hour), .customer, .customer, .ambiguous, .anonymous])
        #expect(join.coverage.visitorsLinked == 2 && join.coverage.sessionsLinked == 3)
        #expect(join.coverage.registeredUsersSeen == 2)
        #expect(join.coverage.visitorsUnknownKey == 1 && join.coverage.visitorsAmbiguous == 1 && join.coverage.visitorsWithoutKey == 1)
        #expect(join.coverage.visitorsRegisteredBefore == 1)
    }

    @Test func joinOnHashedEmailsAndCookies() throws {
        let hashed = SHA256.hex("alice@example.com")
        let table = try Self.registrations("email_sha256;created_at\n\(hashed);1772413200\n")
        let t0 = Int64(1_772_409_600_000)
        let h = VisitorHistory()
        h.add(Self.session(1, visitor: "9.9.9.9 x", start: t0, pages: [0], user: "Alice@Example.com"))
        var options = CustomerJoin.Options()
        #expect(CustomerJoin(history: h, registrations: table, conversion: nil, pageNames: Self.pages(["/"]), options: options).status == [.customer])  // unknown unhashed
        options.hashLogKeys = true
        #expect(CustomerJoin(history: h, registrations: table, conversion: nil, pageNames: Self.pages(["/"]), options: options).status == [.converted(at: 1_772_413_200_000)])
        // Click logs: the cookie/visitor key is the user id; NA means anonymous.
        let cookies = try Self.registrations("id,registered_at\nc42,2026-03-02T05:00:00Z\n")
        let c = VisitorHistory()
        c.add(Self.session(1, visitor: "c42", start: t0, pages: [0]))
        c.add(Self.session(2, visitor: "NA", start: t0, pages: [0]))
        var cookieOptions = CustomerJoin.Options()
        cookieOptions.visitorKeyIsUser = true
        let join = CustomerJoin(history: c, registrations: cookies, conversion: nil, pageNames: Self.pages(["/"]), options: cookieOptions)
        #expect(join.status == [.converted(at: t0 + 5 * Self.hour), .anonymous])
    }

    @Test func conversionPages() throws {
        let t0 = Int64(1_772_409_600_000)
        let h = VisitorHistory()
        h.add(Self.session(1, visitor: "a", start: t0, pages: [0, 1, 2]))
        h.add(Self.session(2, visitor: "b", start: t0, pages: [0, 1]))
        let matcher = try PageMapper(specs: ["^/checkout/thanks$=converted"])
        let join = CustomerJoin(history: h, registrations: nil, conversion: matcher, pageNames: Self.pages(["/", "/cart", "/checkout/thanks"]), options: .init())
        #expect(join.status == [.converted(at: t0 + 2 * 60_000), .anonymous])
    }

    /// Converters visit /member pages only after converting. Adding or removing those later views
    /// must not change a single training value (features come only from views before the snapshot,
    /// and visitors converted before a snapshot leave it).
    @Test func noLeakageFromAfterTheConversion() throws {
        let (history, table, names) = Self.plantedShop(visitors: 300, postConversionViews: false)
        let (leaky, _, _) = Self.plantedShop(visitors: 300, postConversionViews: true)
        let scoring = ProspectScoring(options: .init())
        for snapshot in [history.firstTime + 5 * Self.day, history.firstTime + 8 * Self.day] {
            let join1 = CustomerJoin(history: history, registrations: table, conversion: nil, pageNames: names, options: .init())
            let join2 = CustomerJoin(history: leaky, registrations: table, conversion: nil, pageNames: names, options: .init())
            let f1 = ProspectFeatures(history: history, snapshot: snapshot, pageNames: names, cutoffs: Self.cutoffs(join1))
            let f2 = ProspectFeatures(history: leaky, snapshot: snapshot, pageNames: names, cutoffs: Self.cutoffs(join2))
            #expect(f1.names == f2.names)
            #expect(!f2.names.contains("views:/member"))
            let (x1, y1, _) = scoring.dataset(history, join1, f1, snapshot: snapshot, horizon: 3 * Self.day)
            let (x2, y2, _) = scoring.dataset(leaky, join2, f2, snapshot: snapshot, horizon: 3 * Self.day)
            #expect(y1 == y2 && x1.rows == x2.rows)
            #expect(zip(x1.values, x2.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
    }

    static func cutoffs(_ join: CustomerJoin) -> [Int64] {
        join.status.map { if case .converted(let at) = $0 { return at } else if $0 == .anonymous { return Int64.max } else { return Int64.min } }
    }

    /// Lookalike mode (logged-in users against the rest, no conversion times): without the comparison
    /// model (as `run` scores) the scores, reasons and figures are the same, only `otherModelAUC` is
    /// not computed.
    @Test func lookalikeWithoutTheComparisonModelScoresTheSame() throws {
        let names = Self.pages(["/", "/pricing", "/blog", "/docs"])
        let h = VisitorHistory()
        var rng = SeededGenerator(seed: 3)
        let t0 = Int64(1_772_409_600_000)
        for v in 0 ..< 400 {
            let customer = v % 5 == 0
            let pages: [Int32] = (0 ..< 2 + rng.nextInt(below: 4)).map { _ in Int32(customer && rng.nextInt(below: 2) == 0 ? 1 : rng.nextInt(below: 4)) }
            h.add(Self.session(v, visitor: "10.1.\(v / 200).\(v % 200) UA", start: t0 + Int64(v) * 600_000, pages: pages, user: customer ? "u\(v)" : nil))
        }
        let join = CustomerJoin(history: h, registrations: nil, conversion: nil, pageNames: names, options: .init())
        let (e1, p1) = try ProspectScoring(options: .init()).runLookalike(history: h, join: join, pageNames: names)
        var options = ProspectScoring.Options()
        options.lookalikeComparison = false
        let (e2, p2) = try ProspectScoring(options: options).runLookalike(history: h, join: join, pageNames: names)
        #expect(e1.mode == "lookalike" && e1.otherModelAUC.isFinite && e2.otherModelAUC.isNaN)
        #expect(e1.rocAUC == e2.rocAUC && e1.averagePrecision == e2.averagePrecision && e1.precisionAtK == e2.precisionAtK)
        #expect(p1.map(\.visitor) == p2.map(\.visitor) && p1.map(\.score) == p2.map(\.score) && p1.map(\.reasons) == p2.map(\.reasons))
        #expect(p1.count == 320)
    }

    @Test func prospectModelFindsAPlantedSignal() throws {
        let (history, table, names) = Self.plantedShop(visitors: 1500, postConversionViews: true)
        let join = CustomerJoin(history: history, registrations: table, conversion: nil, pageNames: names, options: .init())
        var options = ProspectScoring.Options()
        options.horizonMillis = 3 * Self.day
        let (evaluation, prospects) = try ProspectScoring(options: options).run(history: history, join: join, pageNames: names)
        #expect(evaluation.testPositives > 10)
        #expect(evaluation.rocAUC > 0.8, "AUC \(evaluation.rocAUC)")
        // Visitors who read the pricing page in the last day and have not registered yet are the
        // ones who will (the registration comes a day after such a session): they must lead the list.
        let end = Self.planStart + 14 * Self.day
        let top = prospects.prefix(10)
        let fresh = top.filter { p in
            history.visitors[p.visitor].sessions.contains { $0.pages.filter { $0 == 1 }.count >= 2 && $0.start >= end - Self.day }
        }
        #expect(fresh.count >= 8, "\(fresh.count) of the top 10 read /pricing in the last day")
        #expect(top.filter { $0.reasons.contains { $0.contains("/pricing") } }.count >= 5)
    }

    static let planStart = Int64(1_772_409_600_000)

    /// A shop over 14 days: visitors who view /pricing twice in a session register (with probability
    /// 0.7) a day later; others rarely (0.02). Nothing after day 14 is known (no sessions, no
    /// registrations), as on a real night. Deterministic.
    static func plantedShop(visitors: Int, postConversionViews: Bool) -> (VisitorHistory, Registrations, ByteStringInterner) {
        var rng = SeededGenerator(seed: 42)
        func uniform() -> Double { rng.nextDouble() }
        let names = pages(["/", "/pricing", "/features", "/blog/", "/member"])
        let t0 = planStart
        let end = t0 + 14 * day
        let history = VisitorHistory()
        var rows = ["user_id,registered_at"]
        var id = 0
        for v in 0 ..< visitors {
            let key = "10.0.\(v / 250).\(v % 250) UA"
            let interested = uniform() < 0.25
            let sessions = 1 + Int(uniform() * 3)
            var start = t0 + Int64(uniform() * Double(14 * day))
            var registered: Int64? = nil
            for _ in 0 ..< sessions where start < end {
                // Same length either way: only the pricing page tells them apart.
                let pages: [Int32] = interested ? [0, 1, 2, 1] : (uniform() < 0.5 ? [0, 2, 3, 2] : [0, 3, 2, 3])
                id += 1
                history.add(session(id, visitor: key, start: start, pages: pages))
                if registered == nil && uniform() < (interested ? 0.7 : 0.02) { registered = start + day }
                start += Int64(uniform() * Double(day)) + 2 * hour
            }
            if let at = registered, at + 10 * 60_000 < end {
                rows.append("user\(v),\(isoTime(at))")
                id += 1
                // The login after registering ties the visitor to the user; members' pages only then.
                history.add(session(id, visitor: key, start: at + 10 * 60_000, pages: postConversionViews ? [0, 4, 4, 4] : [0], user: "user\(v)"))
            }
        }
        let dir = TemporaryDirectory()
        let table = try! Registrations.read(InputSpec(dir.write("r.csv", rows.joined(separator: "\n") + "\n")), keyColumn: nil, timeColumn: nil)
        return (history, table, names)
    }

    @Test func campaignLandingsAndBrowsers() throws {
        func campaign(_ q: String) -> Bool { Array(q.utf8).withUnsafeBufferPointer { HitEncoder.hasCampaignParameter($0) } }
        #expect(campaign("utm_source=news&utm_medium=mail") && campaign("id=3&utm_campaign=x"))
        #expect(!campaign("id=3") && !campaign("notutm_source=1") && !campaign(""))
        // Through the whole pipeline: the landing's query is dropped from the page name, the campaign is kept.
        let log = SessionTests.hit("1.1.1.1", "10:00:00", "/landing?utm_source=news") + SessionTests.hit("1.1.1.1", "10:01:00", "/pricing")
            + SessionTests.hit("2.2.2.2", "10:00:00", "/landing?id=4", ref: "https://www.google.com/search?q=x")
        let dir = TemporaryDirectory()
        var ingest = IngestOptions()
        ingest.quiet = true
        ingest.showProgress = false
        var sessions: [Session] = []
        _ = try SessionRun(ingest: ingest, cleaning: CleaningOptions(), sessions: SessionOptions())
            .run(inputs: [InputSpec(dir.write("c.log", log))]) { s, _ in sessions.append(s) }
        let history = VisitorHistory()
        for s in sessions { history.add(s) }
        #expect(Set(history.visitors.map { $0.sessions[0].channel }) == [.campaign, .search])
        #expect(Browser(userAgent: "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0") == .edge)
        #expect(Browser(userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0") == .firefox)
        #expect(Browser(userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1") == .safari)
        #expect(Browser(userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36") == .chrome)
    }
}
