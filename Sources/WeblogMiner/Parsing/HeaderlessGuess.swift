/// Click exports without a header row (YooChoose's `session,time,item,category`, Taobao's
/// `user,item,category,behaviour,time`): the columns are guessed from their content, so such a file
/// is read without options instead of being refused. The time column is the one whose every value
/// reads as a plausible time. A column of request lines (`GET /a HTTP/1.1`: an access log saved as
/// CSV) gives the page, with the client addresses and statuses beside it; otherwise, of the other
/// columns, the first is the key (session, also the visitor) and the second the page. The guess is
/// named in the format's name, which the detection note prints, with how to choose otherwise
/// (`--no-header --field ROLE=N`).
enum HeaderlessGuess {
    /// A parser for the sample, or nil when it is not a consistent delimited table with exactly one
    /// time column and two other columns.
    static func parser(sample: [[UInt8]], configuration: ParserConfiguration) -> DelimitedParser? {
        guard configuration.hasHeader, configuration.mapping.explicit.isEmpty, let first = sample.first else { return nil }
        // The sample ends where the first read ended, maybe inside a line: that line is not judged.
        let lines = sample.count >= 3 ? Array(sample.dropLast()) : sample
        guard let delimiter = FormatDetector.delimiter(of: first, configuration: configuration), first.contains(delimiter) else { return nil }
        let rows = lines.map { $0.split(separator: delimiter, omittingEmptySubsequences: false) }
        let width = rows[0].count
        guard width >= 3, rows.allSatisfy({ $0.count == width }), !lines.contains(where: { $0.contains(FieldDecoding.quote) }) else { return nil }
        func isTime(_ cell: ArraySlice<UInt8>) -> Bool {
            cell.withUnsafeBufferPointer { b in
                guard let p = b.baseAddress, let t = Timestamps.parseAny(p, 0, b.count) else { return false }
                return PlausibleTime.contains(t)
            }
        }
        let timeColumns = (0 ..< width).filter { c in rows.allSatisfy { isTime($0[c]) } }
        // Digits-only columns may be ids that happen to read as epoch seconds; a written time wins.
        let written = timeColumns.filter { c in rows.contains { $0[c].contains { !(48 ... 57).contains($0) } } }
        let chosen = written.count == 1 ? written : timeColumns
        guard chosen.count == 1, let time = chosen.first else { return nil }
        let others = (0 ..< width).filter { $0 != time }
        var mapping = configuration.mapping
        mapping.explicit[.time] = String(time + 1)
        var guessed = ["time=\(time + 1)"]
        // An access log saved as CSV (client, time, "GET /path HTTP/1.1", status): its request line
        // gives the page, its addresses the visitor.
        if let request = others.first(where: { c in rows.allSatisfy { isRequestLine($0[c]) } }) {
            mapping.explicit[.request] = String(request + 1)
            guessed.append("request=\(request + 1)")
            if let client = others.first(where: { c in rows.allSatisfy { isAddress($0[c]) } }) {
                mapping.explicit[.client] = String(client + 1)
                guessed.append("client=\(client + 1)")
            }
            if let status = others.first(where: { c in rows.allSatisfy { isStatus($0[c]) } }) {
                mapping.explicit[.status] = String(status + 1)
                guessed.append("status=\(status + 1)")
            }
        } else {
            guard others.count >= 2 else { return nil }
            mapping.explicit[.session] = String(others[0] + 1)
            mapping.explicit[.url] = String(others[1] + 1)
            guessed += ["session=\(others[0] + 1) (also the visitor)", "url=\(others[1] + 1)"]
        }
        let name = "\(DelimitedParser.name(of: delimiter)) without a header row, columns guessed as \(guessed.joined(separator: ", ")) (name them with --no-header --field ROLE=N)"
        return DelimitedParser(delimiter: delimiter, hasHeader: false, mapping: mapping, name: name)
    }

    /// `GET /path HTTP/1.1`: an upper-case method, a target, a protocol.
    static func isRequestLine(_ cell: ArraySlice<UInt8>) -> Bool {
        let parts = cell.split(separator: 32)
        guard parts.count == 3, let method = parts.first, !method.isEmpty else { return false }
        return method.allSatisfy { (65 ... 90).contains($0) } && parts[2].starts(with: Array("HTTP/".utf8))
    }

    /// An IPv4 or IPv6 address (digits, dots, hex letters and colons).
    static func isAddress(_ cell: ArraySlice<UInt8>) -> Bool {
        guard cell.count >= 2 else { return false }
        let v4 = cell.allSatisfy { (48 ... 57).contains($0) || $0 == 46 } && cell.count(where: { $0 == 46 }) == 3
        let v6 = cell.contains(58) && cell.allSatisfy { (48 ... 57).contains($0) || (97 ... 102).contains($0 | 0x20) || $0 == 58 || $0 == 46 }
        return v4 || v6
    }

    /// An HTTP status: three digits from 100 to 599.
    static func isStatus(_ cell: ArraySlice<UInt8>) -> Bool {
        cell.count == 3 && cell.allSatisfy { (48 ... 57).contains($0) } && (49 ... 53).contains(cell.first!)
    }
}
