import Foundation

/// How a node reaches one tenant's PostgreSQL database: with that tenant's own role, in a database
/// of its own. The password, when one is needed, comes from a file of mode 0600 (never the config).
public struct PGSettings: Sendable {
    /// A libpq connection string or URI (`host=db1 dbname=wicket_acme user=wicket_acme`).
    public var conninfo: String
    /// Read from `passwordFile`; nil uses libpq's own means (peer, `.pgpass`, certificates).
    public var password: String?
    /// libpq `sslmode` (`verify-full` in production), overriding the connection string's.
    public var sslMode: String?
    /// libpq `sslrootcert`.
    public var sslRootCert: String?
    /// Connections the request path may hold at once (plus one audit writer and one listener).
    public var poolSize: Int
    /// How long a request waits for a pooled connection before it is refused (503).
    public var poolWaitMilliseconds: Int
    public var connectTimeoutSeconds: Int

    public init(
        conninfo: String, password: String? = nil, sslMode: String? = nil, sslRootCert: String? = nil,
        poolSize: Int = 4, poolWaitMilliseconds: Int = 2000, connectTimeoutSeconds: Int = 2
    ) {
        self.conninfo = conninfo
        self.password = password
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.poolSize = poolSize
        self.poolWaitMilliseconds = poolWaitMilliseconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// Reads a password file, refusing one that group or other can read.
    public static func readPassword(file path: String) throws(StoreError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError(.openFailed, "cannot read the postgresql password file `\(path)`: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw StoreError(.openFailed, "the postgresql password file `\(path)` is readable by group or other; chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw StoreError(.openFailed, "cannot read the postgresql password file `\(path)`")
        }
        return text.trimmingCharacters(in: .newlines)
    }

    /// The connection string with any `password=` value hidden, for messages.
    var redacted: String {
        conninfo.split(separator: " ").map { part in
            part.lowercased().hasPrefix("password=") ? "password=***" : String(part)
        }.joined(separator: " ")
    }
}
