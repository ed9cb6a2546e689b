import CMaxMindDB

/// A MaxMind DB (GeoIP2 / GeoLite2 City, or any database with the same record layout), opened once
/// and shared read-only by every thread.
///
/// `@unchecked Sendable`: the database is opened with `MMDB_MODE_MMAP` and libmaxminddb never writes
/// to the `MMDB_s` or the mapping after `MMDB_open` returns; lookups only read them and write into
/// caller-owned result structs on the calling thread's stack. The lookup paths are allocated once in
/// `init` and only read afterwards. So concurrent `lookup` calls need no lock (libmaxminddb documents
/// sharing one `MMDB_s` between threads as safe).
///
/// To reload a new database file (e.g. after `geoipupdate`), open a new `GeoDatabase` and swap the
/// reference; lookups in flight keep the old one alive until they finish, then it is closed.
public final class GeoDatabase: @unchecked Sendable {
    /// The file the database was opened from.
    public let path: String
    /// `database_type` from the metadata, e.g. `GeoLite2-City`.
    public let databaseType: String
    /// When the database was built (seconds since the Unix epoch).
    public let buildEpoch: UInt64

    private let mmdb: UnsafeMutablePointer<MMDB_s>
    private let countryPath = LookupPath(["country", "iso_code"])
    private let regionPath = LookupPath(["subdivisions", "0", "iso_code"])
    private let cityPath = LookupPath(["city", "names", "en"])

    /// Opens `path`; a missing or broken file is an error here, never at lookup time.
    public init(path: String) throws(GeoError) {
        self.path = path
        mmdb = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        mmdb.initialize(to: MMDB_s())
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), mmdb)
        guard status == MMDB_SUCCESS else {
            mmdb.deallocate()  // MMDB_open frees what it allocated on failure
            throw GeoError(.openFailed, "cannot open the GeoIP database `\(path)`: \(Self.message(status))")
        }
        let metadata = mmdb.pointee.metadata
        databaseType = metadata.database_type.map { String(cString: $0) } ?? ""
        buildEpoch = metadata.build_epoch
    }

    deinit {
        MMDB_close(mmdb)
        mmdb.deallocate()
    }

    /// The location of `address` (IPv4, IPv6 or IPv4-mapped IPv6, numeric only), or nil when the
    /// database has no entry for it (or an entry with none of country, region and city).
    ///
    /// Throws `invalidAddress` for anything that is not a numeric IP address, and `lookupFailed`
    /// when the database itself fails (corrupt data, an IPv6 address in an IPv4-only database).
    public func lookup(_ address: String) throws(GeoError) -> GeoLocation? {
        // Longest numeric form: a full IPv6 with an embedded IPv4 and a zone id is well under 64.
        let bytes = address.utf8
        guard !bytes.isEmpty, bytes.count <= 64, !bytes.contains(0) else {
            throw GeoError(.invalidAddress, "`\(Self.printable(address))` is not an IP address")
        }
        var gaiError: Int32 = 0
        var mmdbError: Int32 = MMDB_SUCCESS
        // getaddrinfo with AI_NUMERICHOST inside: no DNS query is ever made.
        var result = MMDB_lookup_string(mmdb, address, &gaiError, &mmdbError)
        guard gaiError == 0 else {
            throw GeoError(.invalidAddress, "`\(Self.printable(address))` is not an IP address")
        }
        guard mmdbError == MMDB_SUCCESS else {
            throw GeoError(.lookupFailed, "cannot look up `\(address)` in `\(path)`: \(Self.message(mmdbError))")
        }
        guard result.found_entry else { return nil }
        let location = GeoLocation(
            country: try string(&result.entry, countryPath, address),
            region: try string(&result.entry, regionPath, address),
            city: try string(&result.entry, cityPath, address))
        if location.country == nil && location.region == nil && location.city == nil { return nil }
        return location
    }

    /// The UTF-8 string at `path` in the entry; nil when the path is absent.
    private func string(_ entry: inout MMDB_entry_s, _ path: LookupPath, _ address: String) throws(GeoError) -> String? {
        var data = MMDB_entry_data_s()
        let status = path.withCPath { MMDB_aget_value(&entry, &data, $0) }
        if status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR && !data.has_data {
            // e.g. `subdivisions` has no element 0: absent, not an error.
            return nil
        }
        guard status == MMDB_SUCCESS else {
            throw GeoError(.lookupFailed, "cannot read \(path.dotted) for `\(address)` in `\(self.path)`: \(Self.message(status))")
        }
        guard data.has_data else { return nil }
        guard data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING), let pointer = data.utf8_string else {
            throw GeoError(.lookupFailed, "\(path.dotted) for `\(address)` in `\(self.path)` is not a string")
        }
        let buffer = UnsafeRawBufferPointer(start: pointer, count: Int(data.data_size))
        guard let value = String(validating: buffer.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw GeoError(.lookupFailed, "\(path.dotted) for `\(address)` in `\(self.path)` is not valid UTF-8")
        }
        return value.isEmpty ? nil : value
    }

    private static func message(_ status: Int32) -> String {
        MMDB_strerror(status).map { String(cString: $0) } ?? "error \(status)"
    }

    /// User input in an error message: bounded and without control characters.
    private static func printable(_ value: String) -> String {
        String(
            String.UnicodeScalarView(
                value.unicodeScalars.prefix(64).map {
                    $0.properties.generalCategory == .control ? "?" : $0
                }))
    }
}
