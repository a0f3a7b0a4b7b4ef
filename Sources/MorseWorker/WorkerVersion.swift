/// The worker's version, reported by `--version`, `/healthz` and the `X-Worker-Version` header.
///
/// A constant in the binary, so that a rolling deploy can tell a rebuilt worker from the old one: bump it with
/// every release.
public enum WorkerVersion {
    public static let current = "0.1.0"
}
