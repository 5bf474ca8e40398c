/// The one version constant: `weblog-miner --version`, the results marker file.
public enum ToolVersion {
    public static let current = "0.9.0"
}
