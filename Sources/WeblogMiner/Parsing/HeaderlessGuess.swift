/// Click exports without a header row (YooChoose's `session,time,item,category`, Taobao's
/// `user,item,category,behaviour,time`): the columns are guessed from their content, so such a file
/// is read without options instead of being refused. The time column is the one whose every value
/// reads as a plausible time; of the others, the first is the key (session, also the visitor) and
/// the second the page. The guess is named in the format's name, which the detection note prints,
/// with how to choose otherwise (`--no-header --field ROLE=N`).
enum HeaderlessGuess {
    /// A parser for the sample, or nil when it is not a consistent delimited table with exactly one
    /// time column and two other columns.
    static func parser(sample: [[UInt8]], configuration: ParserConfiguration) -> DelimitedParser? {
        guard configuration.hasHeader, configuration.mapping.explicit.isEmpty, let first = sample.first else { return nil }
        // The sample ends where the first read ended, maybe inside a line: that line is not judged.
        let lines = sample.count >= 3 ? Array(sample.dropLast()) : sample
        let candidates: [UInt8] = configuration.delimiter.map { [$0] } ?? [9, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|")]
        guard let delimiter = candidates.max(by: { a, b in first.count(where: { $0 == a }) < first.count(where: { $0 == b }) }),
              first.contains(delimiter)
        else { return nil }
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
        guard others.count >= 2 else { return nil }
        var mapping = configuration.mapping
        mapping.explicit[.time] = String(time + 1)
        mapping.explicit[.session] = String(others[0] + 1)
        mapping.explicit[.url] = String(others[1] + 1)
        let kind = delimiter == 9 ? "tsv" : delimiter == UInt8(ascii: ",") ? "csv" : "delimited '\(Character(UnicodeScalar(delimiter)))'"
        let name = "\(kind) without a header row, columns guessed as time=\(time + 1), session=\(others[0] + 1) (also the visitor), url=\(others[1] + 1)"
            + " (name them with --no-header --field ROLE=N)"
        return DelimitedParser(delimiter: delimiter, hasHeader: false, mapping: mapping, name: name)
    }
}
