/// The byte order mark that Windows tools (Excel, PowerShell, Notepad) put at the start of text
/// files. A UTF-8 mark is dropped before the first line is read, so a header's first name is found;
/// UTF-16 text cannot be read as lines of bytes and is named instead.
enum ByteOrderMark {
    /// Bytes of a UTF-8 mark at the start of `p` (0 or 3).
    static func utf8Length(_ p: UnsafePointer<UInt8>, count: Int) -> Int {
        count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
    }

    /// The text starts with a UTF-16 mark (FF FE or FE FF).
    static func isUTF16(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        count >= 2 && (p[0] == 0xFF && p[1] == 0xFE || p[0] == 0xFE && p[1] == 0xFF)
    }
}
