import Testing

@testable import Cedar

/// `Policy.contextPaths` keeps record keys apart as Cedar does, by code points.
@Suite struct ContextPathsExactnessTests {
    @Test("keys that differ only in Unicode normalisation are two paths, in code-point order")
    func canonicallyEquivalentKeysStayTwo() throws {
        let p = try PolicyParser.parsePolicies(
            """
            permit(principal, action, resource) when { context["caf\u{E9}"].x == 1 && context["cafe\u{301}"].x == 2 };
            """)[0]
        #expect(
            p.contextPaths.map { $0.map { Array($0.utf8) } }
                == [["cafe\u{301}", "x"], ["caf\u{E9}", "x"]].map { $0.map { Array($0.utf8) } })
    }
}
