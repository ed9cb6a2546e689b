import Testing

@testable import WicketCore

/// The upstream's `resources` table read by the tool name's bytes (ResourceArguments.swift).
@Suite struct ResourceArgumentsTests {
    @Test func aToolFindsItsArgumentByItsBytes() {
        let table = ResourceArguments(["delete_records": "table", "drop_table": "table", "query": "sql_table", "Kill": "target"])
        #expect(table.argument(forTool: "query") == "sql_table")
        #expect(table.argument(forTool: "delete_records") == "table")
        #expect(table.argument(forTool: "Kill") == "target")
        for miss in ["quer", "querY", "query ", "queries", "", "drop_tablE", "kill"] {
            #expect(table.argument(forTool: miss) == nil, "\(miss)")
        }
        #expect(ResourceArguments([:]).argument(forTool: "query") == nil)
    }

    /// A key canonically equivalent to the called name but of other bytes names no resource: the
    /// configuration's `[String: String]` lookup (Swift's `String` hashing and `==`) found it.
    @Test func aCanonicallyEquivalentKeyIsAnotherTool() {
        let kelvin = "\u{212A}ill"  // KELVIN SIGN, canonically equivalent to K
        let configured = [kelvin: "target"]
        #expect(configured["Kill"] == "target", "the premise: the dictionary finds it")
        let table = ResourceArguments(configured)
        #expect(table.argument(forTool: "Kill") == nil)
        #expect(table.argument(forTool: kelvin) == "target")
    }
}
