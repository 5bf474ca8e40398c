/// What a user agent says of the visitor's device: its class (`Device`), browser family (`Browser`)
/// and operating system family. Substring rules in a fixed order, tested on a table of real agents
/// (`Tests/WeblogMinerTests/AudienceTests.swift`); what none of them knows is `other`/`unknown`.
public struct UserAgentClass: Sendable, Equatable {
    public var device: Device
    public var browser: Browser
    public var os: OperatingSystem

    public init(userAgent: String) {
        device = Device(userAgent: userAgent)
        browser = Browser(userAgent: userAgent)
        os = OperatingSystem(userAgent: userAgent)
    }

    /// From a visitor key of the `ip ua` form (the default for access logs); other keys carry no agent.
    public init(visitorKey: [UInt8]) {
        guard let space = visitorKey.firstIndex(of: 32) else {
            self.init(userAgent: "")
            return
        }
        self.init(userAgent: String(decoding: visitorKey[(space + 1)...], as: UTF8.self))
    }
}

/// Operating system family from the user agent (order matters: Android says Linux, iOS says Mac OS X).
public enum OperatingSystem: String, Sendable, CaseIterable {
    case windows, macos, ios, android, linux, chromeos, other

    init(userAgent text: String) {
        let ua = TextBytes(text)
        if ua.contains("Android") { self = .android }
        else if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod") || ua.contains("iOS") { self = .ios }
        else if ua.contains("CrOS") { self = .chromeos }
        else if ua.contains("Windows") { self = .windows }
        else if ua.contains("Macintosh") || ua.contains("Mac OS X") { self = .macos }
        else if ua.contains("Linux") || ua.contains("X11") { self = .linux }
        else { self = .other }
    }
}
