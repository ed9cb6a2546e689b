import Foundation
import Testing

@testable import WicketCore

/// `wicket init --socket --data-dir`: the Debian package's layout (socket in systemd's
/// RuntimeDirectory, data in its StateDirectory) written into the configuration, with no
/// `run/` or `data/` folders left inside /etc/wicket.
@Suite struct InitLayoutTests {
    @Test func absoluteSocketAndDataDirAreWrittenAndNotCreated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-layout-\(UUID().uuidString)").path
        let state = dir + "-state"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = SetupInitializer.Options(directory: dir)
        options.socketPath = "/run/wicket/wicket.sock"
        options.dataDirectory = state
        let config = try WicketConfig.load(path: try SetupInitializer.create(options))
        #expect(config.socketPath == "/run/wicket/wicket.sock")
        #expect(config.dataDirectory == state)
        let made = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(made == ["tenants", "wicket.toml"])
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    @Test func relativeDataDirIsCreatedOwnerOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-layout-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = SetupInitializer.Options(directory: dir)
        options.socketPath = "sockets/w.sock"
        options.dataDirectory = "state"
        let config = try WicketConfig.load(path: try SetupInitializer.create(options))
        #expect(config.socketPath == dir + "/sockets/w.sock")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/state")
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        #expect(FileManager.default.fileExists(atPath: dir + "/sockets"))
    }
}
