import Foundation
import Logging
import WicketGeo

/// The GeoIP database in use, swapped on SIGHUP after `geoipupdate` replaced the file. Lookups in
/// flight keep the database they started with alive; a file that does not open keeps the old one.
public final class GeoSource: @unchecked Sendable {
    // @unchecked Sendable: `database` is only read and written under `lock`; GeoDatabase is Sendable.
    public let path: String?
    private let lock = NSLock()
    private var database: GeoDatabase?

    /// Opens the database; a missing or broken file is an error at start.
    public init(path: String?) throws {
        self.path = path
        database = try path.map { (path) throws in try GeoDatabase(path: path) }
    }

    /// An already open database (tests), never reloaded.
    public init(database: GeoDatabase?) {
        path = nil
        self.database = database
    }

    var current: GeoDatabase? {
        lock.lock()
        defer { lock.unlock() }
        return database
    }

    public func reload(logger: Logger) {
        guard let path else { return }
        do {
            let fresh = try GeoDatabase(path: path)
            lock.lock()
            database = fresh
            lock.unlock()
            logger.notice("GeoIP database reloaded", metadata: ["wicket.geo.path": "\(path)", "wicket.geo.build": "\(fresh.buildEpoch)"])
        } catch {
            logger.error(
                "GeoIP reload failed; the previous database keeps serving",
                metadata: [
                    "wicket.geo.path": "\(path)", "wicket.error": "\(error)",
                ])
        }
    }
}
