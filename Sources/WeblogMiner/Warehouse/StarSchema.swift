import GRDB
import GRDBSQLite

/// The main window's page views as a star schema in results.sqlite, for OLAP-style questions in SQL
/// (views by week and channel, conversion rate by device and month, top pages by segment):
///
/// - `fact_page_view`: one row per observed page view: time, day, hour, page, visitor, session,
///   position in the session, entry channel and device of its session, dwell (to the next view) and
///   whether it is censored (the last view: no next view, so no dwell), whether the session converted;
/// - `dim_date` (day, year, month, ISO week, weekday), `dim_page` (name, whether a conversion page,
///   and with the site's export whether it is one of its pages and how many of its links lead in and out),
///   `dim_visitor` (key, masked with --anonymize, device, browser, OS), `dim_channel`, `dim_device`.
///
/// Days and hours are in the site's time zone. Rows: the window's page views (the same sessions as its
/// sessions.tsv), written in one transaction with prepared statements (the fact rows bound with
/// sqlite3_bind_* straight from the sessions).
public enum StarSchema {
    public static let tables = ["fact_page_view", "dim_date", "dim_page", "dim_visitor", "dim_channel", "dim_device"]

    public static func write(path: String, sessions: [Session], pages: ByteStringInterner, calendar: SiteCalendar,
                             converts: ConversionTest, anonymize: Bool, site: SiteLinks? = nil) throws {
        let queue = try ResultsDatabase.open(path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE dim_date (date_key INTEGER PRIMARY KEY, date TEXT, year INTEGER, month TEXT, week TEXT, weekday INTEGER, weekday_name TEXT);
                CREATE TABLE dim_page (page_key INTEGER PRIMARY KEY, page TEXT, is_conversion INTEGER, in_site INTEGER, site_links_in INTEGER, site_links_out INTEGER);
                CREATE TABLE dim_visitor (visitor_key INTEGER PRIMARY KEY, visitor TEXT, device TEXT, browser TEXT, os TEXT);
                CREATE TABLE dim_channel (channel_key INTEGER PRIMARY KEY, channel TEXT);
                CREATE TABLE dim_device (device_key INTEGER PRIMARY KEY, device TEXT);
                CREATE TABLE fact_page_view (view_id INTEGER PRIMARY KEY, time TEXT, date_key INTEGER, hour INTEGER, page_key INTEGER,
                    visitor_key INTEGER, session_id INTEGER, position INTEGER, channel_key INTEGER, device_key INTEGER,
                    dwell_s REAL, censored INTEGER, session_converted INTEGER);
                """)
            for (k, c) in EntryChannel.allCases.enumerated() { try db.execute(sql: "INSERT INTO dim_channel VALUES (?, ?)", arguments: [k, c.rawValue]) }
            for (k, d) in Device.allCases.enumerated() { try db.execute(sql: "INSERT INTO dim_device VALUES (?, ?)", arguments: [k, d.rawValue]) }
            // The fact rows (one per view: hundreds of thousands a night) are bound straight into one
            // prepared statement, as ResultsDatabase does: no argument arrays or boxed values per row.
            let factStatement = try db.makeStatement(sql: "INSERT INTO fact_page_view VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            let fact = factStatement.sqliteStatement
            func step() throws {
                let rc = sqlite3_step(fact)
                guard rc == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                sqlite3_reset(fact)
            }
            let visitorRow = try db.makeStatement(sql: "INSERT INTO dim_visitor VALUES (?, ?, ?, ?, ?)")
            var visitors: [UInt64: (key: Int, device: Int)] = [:]
            var days: Set<Int32> = []
            var usedPages: Set<Int32> = []
            var viewID: Int64 = 0
            var time: [UInt8] = []
            time.reserveCapacity(32)
            for s in sessions {
                let visitorKey: Int, device: Int
                if let known = visitors[s.visitorHash] {
                    (visitorKey, device) = known
                } else {
                    visitorKey = visitors.count
                    let agent = UserAgentClass(visitorKey: s.visitor)
                    device = Device.allCases.firstIndex(of: agent.device)!
                    visitors[s.visitorHash] = (visitorKey, device)
                    let name = String(decoding: s.visitor, as: UTF8.self)
                    try visitorRow.execute(arguments: [visitorKey, anonymize ? Anonymizer.visitor(name) : name, agent.device.rawValue, agent.browser.rawValue, agent.os.rawValue])
                }
                let channel = Int64(EntryChannel.allCases.firstIndex(of: EntryChannel(of: s))!)
                let converted: Int64 = converts(s) ? 1 : 0
                let dwell = s.dwellMillis
                var position: Int64 = 0
                for (i, v) in s.views.enumerated() where !v.inferred {
                    position += 1
                    viewID += 1
                    let (day, hour) = calendar.dayAndHour(ofMillis: v.time)
                    days.insert(day)
                    usedPages.insert(v.page)
                    time.removeAll(keepingCapacity: true)
                    ByteText.iso(v.time, &time)
                    sqlite3_bind_int64(fact, 1, viewID)
                    time.withUnsafeBufferPointer { b in
                        b.withMemoryRebound(to: CChar.self) { _ = sqlite3_bind_text(fact, 2, $0.baseAddress, Int32($0.count), ResultsDatabase.SQLITE_TRANSIENT) }
                    }
                    sqlite3_bind_int64(fact, 3, Int64(day))
                    sqlite3_bind_int64(fact, 4, Int64(hour))
                    sqlite3_bind_int64(fact, 5, Int64(v.page))
                    sqlite3_bind_int64(fact, 6, Int64(visitorKey))
                    sqlite3_bind_int64(fact, 7, Int64(s.id))
                    sqlite3_bind_int64(fact, 8, position)
                    sqlite3_bind_int64(fact, 9, channel)
                    sqlite3_bind_int64(fact, 10, Int64(device))
                    if let d = dwell[i] { sqlite3_bind_double(fact, 11, Double(d) / 1000) } else { sqlite3_bind_null(fact, 11) }
                    sqlite3_bind_int64(fact, 12, dwell[i] == nil ? 1 : 0)
                    sqlite3_bind_int64(fact, 13, converted)
                    try step()
                }
            }
            // The site export's facts of each page (NULL without --site): whether it is a page of the
            // export, and how many of its pages link to it and from it.
            var linksIn: [String: Int] = [:], linksOut: [String: Int] = [:]
            for l in site?.links ?? [] { linksIn[l.to, default: 0] += 1; linksOut[l.from, default: 0] += 1 }
            let sitePages = Set(site?.pages ?? [])
            let pageRow = try db.makeStatement(sql: "INSERT INTO dim_page VALUES (?, ?, ?, ?, ?, ?)")
            for p in usedPages.sorted() {
                let name = pages.string(of: p)
                let facts: [DatabaseValueConvertible?] = site == nil ? [nil, nil, nil] : [sitePages.contains(name) ? 1 : 0, linksIn[name] ?? 0, linksOut[name] ?? 0]
                try pageRow.execute(arguments: StatementArguments([Int(p), name, converts.isConversion(p) ? 1 : 0] + facts))
            }
            let dateRow = try db.makeStatement(sql: "INSERT INTO dim_date VALUES (?, ?, ?, ?, ?, ?, ?)")
            let names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
            for day in days.sorted() {
                let label = SiteCalendar.label(day)
                // 1970-01-01 was a Thursday: weekday 1 = Monday ... 7 = Sunday.
                let weekday = Int((Int64(day) % 7 + 7 + 3) % 7) + 1
                try dateRow.execute(arguments: [Int(day), label, Int(label.prefix(4))!, String(label.prefix(7)), Self.isoWeek(day), weekday, names[weekday - 1]])
            }
            // Indexes for the questions asked by day, page, visitor and session; channel and device
            // have a handful of values each, where SQLite scans anyway (their indexes only cost time).
            for sql in ["CREATE INDEX fact_date ON fact_page_view(date_key)", "CREATE INDEX fact_page ON fact_page_view(page_key)",
                        "CREATE INDEX fact_visitor ON fact_page_view(visitor_key)", "CREATE INDEX fact_session ON fact_page_view(session_id)"] {
                try db.execute(sql: sql)
            }
        }
    }

    /// ISO 8601 week of a day (days since 1970-01-01): `YYYY-Www`, weeks starting on Monday, week 1
    /// holding the year's first Thursday.
    static func isoWeek(_ day: Int32) -> String {
        let weekday = (Int64(day) % 7 + 7 + 3) % 7  // 0 = Monday
        let thursday = Int64(day) - weekday + 3
        let year = Int(SiteCalendar.label(Int32(thursday)).prefix(4))!
        let january1 = Int64(SiteCalendar.day(year: year, month: 1, day: 1)!)
        let week = (thursday - january1) / 7 + 1
        return "\(year)-W" + (week < 10 ? "0\(week)" : "\(week)")
    }
}
