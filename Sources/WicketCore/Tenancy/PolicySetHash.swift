import Crypto
import Foundation

/// A short SHA-256 of what a tenant's policy set was loaded from (entities, schema, policy files:
/// names and bytes), for `wicket_policy_set_info{hash}`: two hosts serving the same files show the
/// same hash.
enum PolicySetHash {
    static func of(_ tenant: TenantConfig) -> String {
        var hasher = SHA256()
        for path in PolicyLoader.sourcePaths(of: tenant) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            hasher.update(data: Array((path as NSString).lastPathComponent.utf8) + [0])
            hasher.update(data: FileManager.default.contents(atPath: path) ?? Data())
        }
        return hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
