import ArgumentParser
import WeblogMiner

struct AudienceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audience",
        abstract: "Sessions by entry channel, device, browser, OS and new or returning visitor: bounce, engagement, duration, conversions.",
        discussion: reflow("""
            Takes the same cleaning and session options as `sessions`.

            Entry channel: campaign (utm_ parameters on the landing page), else by the landing's referrer:
            email (web mail hosts), search, social, referral (any other site), internal (a page of the site:
            a visit resumed after the timeout), direct (none). Device class (desktop, mobile, tablet),
            browser family (edge, opera, chrome, firefox, safari) and OS family (windows, macos, ios,
            android, linux, chromeos) come from the user agent of the `ip+ua` visitor key (other keys:
            unknown/other). A visitor is returning from its second session in the input.

            Columns (TSV header / JSON keys):
            \(AudienceBreakdown.columns.map { "  \($0.name.padding(20))\($0.meaning)" }.joined(separator: "\n"))

            \(ExitStatus.helpText)
            """)
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var sessionOptions: SessionCLIOptions
    @OptionGroup var output: RecordOutputOptions

    @Option(help: ArgumentHelp("Dimensions, comma-separated: channel, device, browser, os, visitor.", valueName: "list"))
    var by = "channel,device,browser,os,visitor"

    @Option(help: ArgumentHelp("Pages that count as a conversion (PCRE2).", valueName: "regex"))
    var conversion: String?

    func dimensions() throws -> [AudienceBreakdown.Dimension] {
        try by.split(separator: ",").map { word in
            guard let d = AudienceBreakdown.Dimension(rawValue: word.filter { $0 != " " }.lowercased()) else {
                throw ValidationError("--by: '\(word)' is not one of \(AudienceBreakdown.Dimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return d
        }
    }

    func validate() throws {
        guard try !dimensions().isEmpty else { throw ValidationError("--by: name at least one dimension") }
        if let conversion { do { _ = try PageMapper(specs: [conversion + "=converted"]) } catch { throw ValidationError("--conversion: \(error)") } }
    }

    func run() throws {
        let dims = try dimensions()
        let box = AudienceBox(AudienceBreakdown(dimensions: dims), conversion: try conversion.map { try PageMapper(specs: [$0 + "=converted"]) })
        try runSessions(input: input, options: sessionOptions, outputFile: output.outputFile) { out in
            ({ session, pages in box.value.add(session, converts: box.converts(session, pages: pages)) },
             { _ in
                try box.value.table().write(format: output.outputFormat, to: out)
                try out.commit()
             },
             Rewind(possible: { true }, perform: { box.value = AudienceBreakdown(dimensions: dims) }))
        }
    }
}

final class AudienceBox {
    var value: AudienceBreakdown
    let converts: ConversionTest
    init(_ value: AudienceBreakdown, conversion: PageMapper?) {
        self.value = value
        converts = ConversionTest(mapper: conversion, pages: ByteStringInterner())
    }
}
