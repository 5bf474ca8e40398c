/// Links visitors to registered users and finds when each visitor converted. A visitor key is tied
/// to a user by the authenticated-user field of any of its sessions (a login ties the key for its
/// other, anonymous sessions too), or, for click logs keyed by a user/cookie field, by the key
/// itself. Conversion = registration time, or the first view of a page matching `--conversion`.
public struct CustomerJoin {
    public struct Options: Sendable {
        /// Hash log-side user values (lower-cased, SHA-256 hex) before looking them up: for tables
        /// that hold hashed e-mail addresses.
        public var hashLogKeys = false
        /// The visitor key itself is the user key (click logs with a user/cookie column).
        public var visitorKeyIsUser = false
        /// Log user values that mean "nobody" (click logs write NA or 0).
        public var anonymousValues: Set<String> = ["-", "", "NA", "na", "null", "NULL", "None", "0", "anonymous"]
        public init() {}
    }

    public enum Status: Sendable, Equatable {
        /// Never tied to a user, never converted: a prospect.
        case anonymous
        /// Converted (registered or reached a conversion page) at this time, after its first visit.
        case converted(at: Int64)
        /// Already a customer when first seen (registered earlier, or a user the table does not know).
        case customer
        /// Sessions carry several different users (a shared device): left out.
        case ambiguous
    }

    public struct Coverage: Sendable {
        public var registeredUsers = 0
        public var registeredUsersSeen = 0
        public var sessions = 0
        public var sessionsLinked = 0
        public var sessionsWithUser = 0
        public var visitors = 0
        public var visitorsLinked = 0
        /// Why visitors were not linked to a registered user.
        public var visitorsWithoutKey = 0
        public var visitorsUnknownKey = 0
        public var visitorsAmbiguous = 0
        public var visitorsRegisteredBefore = 0
        public var conversionsByRegistration = 0
        public var conversionsByPage = 0
        public var unknownKeySamples: [String] = []
    }

    public var status: [Status] = []
    /// Registration row of each visitor, when linked.
    public var registration: [Int?] = []
    public var coverage = Coverage()

    public init(history: VisitorHistory, registrations: Registrations?, conversion: PageMapper?, pageNames: ByteStringInterner, options: Options) {
        coverage.registeredUsers = registrations?.users.count ?? 0
        var seenUsers = Set<Int>()
        let conversionTest = ConversionTest(mapper: conversion, pages: pageNames)
        func isConversion(_ page: Int32) -> Bool { conversionTest.isConversion(page) }
        for visitor in history.visitors {
            coverage.visitors += 1
            coverage.sessions += visitor.sessions.count
            var users = Set<String>()
            var ambiguous = false
            for s in visitor.sessions {
                if s.severalUsers { ambiguous = true }
                if let u = s.user, !options.anonymousValues.contains(u) {
                    users.insert(options.hashLogKeys ? SHA256.hex(u.lowercased()) : u)
                    coverage.sessionsWithUser += 1
                }
            }
            if options.visitorKeyIsUser && !options.anonymousValues.contains(visitor.key) {
                users.insert(options.hashLogKeys ? SHA256.hex(visitor.key.lowercased()) : visitor.key)
            }
            let firstSeen = visitor.sessions.map(\.start).min() ?? 0
            var pageConversion: Int64? = nil
            if conversion != nil {
                outer: for s in visitor.sessions.sorted(by: { $0.start < $1.start }) {
                    for (k, p) in s.pages.enumerated() where isConversion(p) {
                        pageConversion = s.times[k]
                        break outer
                    }
                }
            }
            var row: Int? = nil
            var result = Status.anonymous
            if ambiguous || users.count > 1 {
                result = .ambiguous
                coverage.visitorsAmbiguous += 1
            } else if let user = users.first {
                if let r = registrations?.index[user] {
                    row = r
                    seenUsers.insert(r)
                    coverage.visitorsLinked += 1
                    coverage.sessionsLinked += visitor.sessions.count
                    if let at = registrations!.users[r].registeredAt, at >= firstSeen {
                        result = .converted(at: min(at, pageConversion ?? at))
                        coverage.conversionsByRegistration += 1
                    } else {
                        result = .customer
                        coverage.visitorsRegisteredBefore += 1
                    }
                } else if registrations != nil {
                    result = .customer
                    coverage.visitorsUnknownKey += 1
                    if coverage.unknownKeySamples.count < 3 { coverage.unknownKeySamples.append(user) }
                } else if let at = pageConversion {
                    result = .converted(at: at)
                    coverage.conversionsByPage += 1
                } else {
                    // Without a registration table, a known user is a customer.
                    result = .customer
                }
            } else {
                coverage.visitorsWithoutKey += 1
                if let at = pageConversion {
                    result = .converted(at: at)
                    coverage.conversionsByPage += 1
                }
            }
            status.append(result)
            registration.append(row)
        }
        coverage.registeredUsersSeen = seenUsers.count
    }

    public var summary: String {
        let c = coverage
        var parts = ["join: \(c.visitors) visitors, \(c.sessions) sessions (\(c.sessionsWithUser) with a logged-in user)"]
        if c.registeredUsers > 0 {
            parts.append("\(c.registeredUsersSeen) of \(c.registeredUsers) registered users seen; \(c.visitorsLinked) visitors and \(c.sessionsLinked) sessions linked")
        }
        parts.append("not linked: \(c.visitorsWithoutKey) visitors without a user, \(c.visitorsUnknownKey) with a user the table does not know\(c.unknownKeySamples.isEmpty ? "" : " (e.g. \(c.unknownKeySamples.joined(separator: ", ")))"), \(c.visitorsAmbiguous) ambiguous (several users)")
        parts.append("conversions: \(c.conversionsByRegistration) by registration, \(c.conversionsByPage) by conversion page; \(c.visitorsRegisteredBefore) visitors registered before their first visit")
        return parts.joined(separator: "; ")
    }
}
