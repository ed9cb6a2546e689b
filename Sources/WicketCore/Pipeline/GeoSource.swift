import Foundation
import Logging
import WicketGeo

/// The GeoIP database in use, swapped on SIGHUP after `geoipupdate` replaced the file. Lookups in
/// flight keep the database they started with alive; a file that does not open keeps the old one.
/// Each database comes with its own answers by address (GeoAnswerCache.swift), swapped with it.
public final class GeoSource: @unchecked Sendable {
    // @unchecked Sendable: `answers` is only read and written under `lock`; the cache is thread-safe.
    public let path: String?
    private let lock = NSLock()
    private var answers: GeoAnswerCache?

    /// Opens the database; a missing or broken file is an error at start.
    public init(path: String?) throws {
        self.path = path
        answers = try path.map { (path) throws in GeoAnswerCache(database: try GeoDatabase(path: path)) }
    }

    /// An already open database (tests), never reloaded.
    public init(database: GeoDatabase?) {
        path = nil
        answers = database.map(GeoAnswerCache.init(database:))
    }

    var current: GeoDatabase? { currentAnswers?.database }

    /// The current database with its answers; nil when there is no database.
    var currentAnswers: GeoAnswerCache? {
        lock.lock()
        defer { lock.unlock() }
        return answers
    }

    public func reload(logger: Logger) {
        guard let path else { return }
        do {
            let fresh = try GeoDatabase(path: path)
            lock.lock()
            answers = GeoAnswerCache(database: fresh)
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
