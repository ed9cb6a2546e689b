import Testing

@testable import WicketStore

/// `@alert` read one way everywhere (`DeterminingPolicy.alertName`): the key and the names by bytes.
@Suite struct AlertNameTests {
    typealias Policy = AuditRecord.DeterminingPolicy

    /// Only the five bytes `alert` are the key. No spelling canonically equivalent to `alert` but other
    /// bytes exists (no Unicode scalar decomposes to a, l, e, r or t, and Cedar's annotation keys are
    /// ASCII identifiers), so the near misses are the look-alikes a reader could confuse with it.
    @Test func onlyTheBytesOfAlertAreTheKey() {
        #expect(Policy.isAlertKey("alert"))
        for key in [
            "Alert", "ALERT", "alerts", "aler", "alert ", " alert", "",
            "\u{FF41}\u{FF4C}\u{FF45}\u{FF52}\u{FF54}",  // fullwidth: compatibility-equivalent only
            "\u{0430}lert",  // Cyrillic а
            "alert\u{0301}",  // a combining mark after the t
            "aler\u{0074}\u{200B}",  // a zero-width space after the t
        ] {
            #expect(!Policy.isAlertKey(key), "\(Array(key.unicodeScalars))")
            #expect(Policy(id: "p", annotations: [key: "oncall"]).alertName == nil)
        }
    }

    /// Two names canonically equivalent but not byte-equal (NFC `é` and `e` + U+0301) are two alerts:
    /// two outbox rows, as SQLite's `UNIQUE (record_id, alert)` compares bytes. `String ==` calls them one.
    @Test func canonicallyEquivalentNamesAreTwoAlerts() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "the premise: Swift's == takes them as one")
        let policies = [composed, decomposed, composed, ""].map { Policy(id: "rule", annotations: ["alert": $0]) }
        let names = AuditRecord.alertNames(in: policies)
        #expect(names.map { Array($0.utf8) } == [Array(composed.utf8), Array(decomposed.utf8)])
        var collected: [String] = []
        #expect(Policy.collectAlert(decomposed, into: &collected))
        #expect(Policy.collectAlert(composed, into: &collected))
        #expect(!Policy.collectAlert(composed, into: &collected))
        #expect(!Policy.collectAlert("", into: &collected))
        #expect(collected.count == 2)
    }

    /// The row written for the store finds the same names as `alertNames` (its outbox rows).
    @Test func theRowFindsTheSameNames() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        var record = AuditStoreTests.exampleRecord()
        record.policies = [
            Policy(id: "a", annotations: ["alert": composed, "reason": "r"]),
            Policy(id: "b", annotations: ["alert": decomposed]),
            Policy(id: "c", annotations: ["alert": composed, "id": "x", "reason": "y"]),
            Policy(id: "d", annotations: ["Alert": "not-an-alert"]),
        ]
        let row = AuditRow(record)
        #expect(row.alerts.map { Array($0.utf8) } == record.alertNames.map { Array($0.utf8) })
        #expect(row.alerts.map { Array($0.utf8) } == [Array(composed.utf8), Array(decomposed.utf8)])
    }
}
