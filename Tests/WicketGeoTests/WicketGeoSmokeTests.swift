import Testing
@testable import WicketGeo

@Test func moduleLinks() {
    #expect(Bool(true))
}
