import Foundation
import Testing
import WicketJSON

@testable import Cedar

/// Replays every input in Fixtures/fuzz-regressions through what the fuzz targets do
/// (FuzzTesting/): `.cedar` files through the policy parser and authorizer, `.json` files
/// through the JSON and entity readers. A trap fails the run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static var inputs: [URL] {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("fuzz-regressions") else {
            return []
        }
        return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []).sorted { $0.path < $1.path }
    }

    @Test func replaysEveryStoredInput() throws {
        let files = Self.inputs
        #expect(!files.isEmpty)
        let store = Entities([Entity(uid: EntityUID("User", "a"), attributes: ["n": .long(1)], parents: [EntityUID("Group", "g")])])
        let request = Request(principal: EntityUID("User", "a"), action: EntityUID("Action", "view"), resource: EntityUID("Group", "g"))
        for f in files {
            let data = try Data(contentsOf: f)
            if f.pathExtension == "cedar" {
                let text = String(decoding: data, as: UTF8.self)
                if let set = try? PolicySet(text: text) {
                    let a = set.authorize(request, entities: store)
                    let b = Authorizer.isAuthorizedWithoutIndex(request, policies: set, entities: store)
                    #expect(a.decision == b.decision, "\(f.lastPathComponent)")
                }
                _ = try? PolicyParser.parseExpression(text)
            } else if let json = try? CedarJSON.parse(Array(data)) {
                _ = try? EntityJSON.entities(json)
                _ = try? EntityJSON.context(json, action: EntityUID("Action", "view"))
                _ = try? CedarJSON.value(json)
            }
        }
    }
}
