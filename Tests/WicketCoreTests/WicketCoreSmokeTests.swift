import Testing
@testable import WicketCore

@Test func moduleLinks() {
    #expect(Bool(true))
}
