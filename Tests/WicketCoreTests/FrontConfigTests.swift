import Testing

@testable import WicketCore

/// `server.batch_scheduling` (issue 11, round 7): off unless set to true, and only a boolean.
@Suite struct FrontConfigTests {
    @Test func batchSchedulingIsOffByDefaultAndCanBeTurnedOn() throws {
        let base = SessionsAndPathsConfigTests.base
        #expect(try !WicketConfig.parse(base, baseDirectory: "/").batchScheduling)
        #expect(try WicketConfig.parse("[server]\nbatch_scheduling = true\n" + base, baseDirectory: "/").batchScheduling)
        #expect(try !WicketConfig.parse("[server]\nbatch_scheduling = false\n" + base, baseDirectory: "/").batchScheduling)
        let error = #expect(throws: ConfigError.self) {
            _ = try WicketConfig.parse("[server]\nbatch_scheduling = \"no\"\n" + base, baseDirectory: "/")
        }
        #expect(error?.message == "`server.batch_scheduling` must be true or false")
    }
}
