/// Tenant names, as used in member keys and as directory names.
public enum TenantName {
    /// Whether `name` is a valid tenant name: `[a-z0-9-]{1,32}`.
    public static func isValid(_ name: String) -> Bool { Names.isValidTenant(name) }
}

/// Validation of the names stored in and addressed by the stores.
enum Names {
    /// Tenant names are `[a-z0-9-]{1,32}`; they appear inside member keys and file paths.
    static func isValidTenant(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...32).contains(bytes.count) else { return false }
        return bytes.allSatisfy(isTenantByte)
    }

    /// The same rule over bytes in place (a presented key's tenant part).
    static func isValidTenant(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        (1...32).contains(bytes.count) && bytes.allSatisfy(isTenantByte)
    }

    private static func isTenantByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2d
    }

    static func validateTenant(_ name: String) throws(StoreError) {
        guard isValidTenant(name) else {
            throw StoreError(.invalidTenant, "tenant name `\(printable(name))` must be 1 to 32 characters of a-z, 0-9 and -")
        }
    }

    /// Member emails, agent and server names: 1…256 UTF-8 bytes, no control characters.
    static func validateName(_ value: String, _ what: String) throws(StoreError) {
        let count = value.utf8.count
        guard count >= 1, count <= 256,
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw StoreError(.invalidName, "\(what) `\(printable(value))` must be 1 to 256 bytes without control characters")
        }
    }

    /// A bounded, control-free rendering of user input for error messages.
    static func printable(_ value: String) -> String {
        let cleaned = String(
            String.UnicodeScalarView(
                value.unicodeScalars.prefix(64).map {
                    $0.properties.generalCategory == .control ? "?" : $0
                }))
        return value.unicodeScalars.count > 64 ? cleaned + "…" : cleaned
    }
}
