/// Mergeable partial page statistics, for running `pages` on parts of the data (Spark partitions,
/// one per group of visitors) and combining them exactly: counts and sums add, dwell histograms add
/// (so medians stay exact), transitions add (so top previous/next pages stay exact). Distinct
/// visitors add too, which is exact when each visitor's hits are all in one part.
///
///     weblog-miner pages --partial part-0.log > p0.tsv; ... ; weblog-miner merge --kind pages p*.tsv
extension PageStatistics {
    static let partialHeader = "#weblog-miner pages partial v1"

    /// Lines: `page NAME views inferred visitors sessions entries exits bounces dwell_count dwell_sum`,
    /// `dwell NAME MILLIS COUNT`, `next FROM TO COUNT` (tab-separated, names TSV-escaped).
    public func writePartial(pages names: ByteStringInterner, to out: OutputStream) throws(OutputError) {
        func n(_ id: Int32) -> String { tsvEscape(String(decoding: names.bytes(of: id), as: UTF8.self)) }
        try out.write(Self.partialHeader + "\n")
        for (id, p) in pages.sorted(by: { $0.key < $1.key }) {
            let fields = [p.views, p.inferredViews, p.visitors, p.sessions, p.entries, p.exits, p.bounces, p.dwellCount].map(String.init)
            try out.write("page\t\(n(id))\t" + fields.joined(separator: "\t") + "\t\(p.dwellSum)\n")
            for (value, count) in p.dwellHistogram.sorted(by: { $0.key < $1.key }) { try out.write("dwell\t\(n(id))\t\(value)\t\(count)\n") }
        }
        for (key, count) in transitions.sorted(by: { $0.key < $1.key }) {
            try out.write("next\t\(n(Int32(bitPattern: UInt32(key >> 32))))\t\(n(Int32(bitPattern: UInt32(key & 0xFFFF_FFFF))))\t\(count)\n")
        }
        try out.commit()
    }

    public struct PartialError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Adds one partial file's lines (page names interned into `names`).
    public mutating func addPartial(_ text: String, source: String, names: inout ByteStringInterner) throws(PartialError) {
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            lineNumber += 1
            if lineNumber == 1 {
                guard line == Self.partialHeader else { throw PartialError(description: "\(source): not a pages partial (first line should be '\(Self.partialHeader)'; make it with pages --partial)") }
                continue
            }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            func bad() -> PartialError { PartialError(description: "\(source):\(lineNumber): malformed partial line") }
            func id(_ s: Substring) -> Int32 { names.intern(Array(TSVTable.unescape(s).utf8)) }
            switch f.first {
            case "page":
                guard f.count == 11, let nums = Optional(f[2...].compactMap { Int64($0) }), nums.count == 9 else { throw bad() }
                let page = self.page(id(f[1]))
                page.views += Int(nums[0]); page.inferredViews += Int(nums[1]); page.visitors += Int(nums[2]); page.sessions += Int(nums[3])
                page.entries += Int(nums[4]); page.exits += Int(nums[5]); page.bounces += Int(nums[6]); page.dwellCount += Int(nums[7]); page.dwellSum += nums[8]
            case "dwell":
                guard f.count == 4, let value = Int64(f[2]), let count = Int(f[3]) else { throw bad() }
                self.page(id(f[1])).dwellHistogram[value, default: 0] += count
            case "next":
                guard f.count == 4, let count = Int(f[3]) else { throw bad() }
                addTransition(Self.pair(id(f[1]), id(f[2])), count)
            default:
                throw bad()
            }
        }
    }
}
