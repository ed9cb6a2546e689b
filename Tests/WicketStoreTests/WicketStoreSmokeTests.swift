import Testing
@testable import WicketStore

@Test func moduleLinks() {
    #expect(Bool(true))
}
