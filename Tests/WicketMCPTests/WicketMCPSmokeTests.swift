import Testing
@testable import WicketMCP

@Test func moduleLinks() {
    #expect(Bool(true))
}
