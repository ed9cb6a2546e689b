import Cedar
import Foundation
import WicketGeo

/// One GeoIP database's answers by client address, so a member's every request does not look its
/// address up again (`MMDB_lookup_string` parses the text with getaddrinfo, then three path walks
/// and three strings for country, region and city).
///
/// What invalidates it, and why nothing else needs to: a `GeoDatabase` is a read-only mapping of a
/// file that never changes after it opened (a new file — SIGHUP after geoipupdate — is a new
/// database), and `GeoSource` swaps a fresh cache in together with it, so an answer is only ever
/// given by the database that computed it. A lookup that fails is not kept (it throws again next
/// time). Addresses are compared by their bytes. Bounded: past `maxEntries` addresses it starts
/// over, so addresses sprayed at the server cannot grow it.
///
/// Beside each answer it keeps the address's Cedar `source_ip` and `geo` (``AddressContext``): made
/// from this database's answer, they are invalidated with it.
final class GeoAnswerCache: Sendable {
    let database: GeoDatabase
    private let answers = BoundedTable<AddressText, GeoAnswer>(capacity: maxEntries)
    static let maxEntries = 4096

    init(database: GeoDatabase) {
        self.database = database
    }

    /// `database.lookup(address)`, from memory when this database already answered `address`.
    func lookup(_ address: String) throws(GeoError) -> GeoLocation? {
        try answer(address).location
    }

    /// The database's answer for `address` with the context parts made from it.
    func answer(_ address: String) throws(GeoError) -> GeoAnswer {
        try answers.value(for: AddressText(address)) { () throws(GeoError) in
            let location = try database.lookup(address)
            return GeoAnswer(location: location, context: AddressContext(address: address, location: location))
        }
    }

    /// How many addresses are kept (tests).
    var count: Int { answers.count }
}

/// One address's GeoIP answer and the Cedar context parts made from it (nil: not an IP address).
struct GeoAnswer: Sendable {
    let location: GeoLocation?
    let context: AddressContext?

    var parts: (GeoLocation?, AddressContext?) { (location, context) }
}

/// An address's text compared and hashed by its UTF-8 bytes (`String ==` would let a canonically
/// equivalent spelling share an answer; an address is ASCII, but the key must not depend on that).
struct AddressText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: AddressText, b: AddressText) -> Bool { CodePoints.equal(a.text, b.text) }

    func hash(into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in text.utf8 { hasher.combine(byte) } }
    }
}
