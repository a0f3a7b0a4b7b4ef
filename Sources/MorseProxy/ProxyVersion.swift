/// The proxy's version: `--version`, `/status`, the admin API's `X-Morse-Proxy-Version` header and the hand-over
/// messages, so that an upgrade can be seen from outside.
public enum ProxyVersion {
    public static let current = "0.1.0"
}
