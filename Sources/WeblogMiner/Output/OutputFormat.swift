/// `--output` for subcommands that write records.
public enum RecordOutputFormat: String, CaseIterable, Sendable {
    /// Tab-separated with a header row; `\t \n \r \\ \0` escaped inside fields; absent values empty.
    case tsv
    /// One JSON object per line; absent values are null.
    case jsonl
}
