import Testing
@testable import Cedar

@Test func moduleLinks() {
    #expect(Bool(true))
}
