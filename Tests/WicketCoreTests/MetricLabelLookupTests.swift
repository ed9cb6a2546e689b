import Testing
import WicketStore

@testable import WicketCore

/// The commit hook's two lookups without hashing: a method's label found by its byte count, then its
/// bytes; a policy's `alert` annotation found by its key's bytes.
@Suite struct MetricLabelLookupTests {
    @Test func everyKnownMethodIsItsOwnLabel() {
        for method in WicketMetrics.knownMethods.map({ String(decoding: $0, as: UTF8.self) }) {
            #expect(WicketMetrics.methodLabel(method) == method)
        }
        #expect(WicketMetrics.methodLabel("") == "none")
    }

    @Test func aNearMissIsOther() {
        #expect(WicketMetrics.methodLabel("tools/cal") == "other")  // one byte short
        #expect(WicketMetrics.methodLabel("tools/calm") == "other")  // same count, last byte
        #expect(WicketMetrics.methodLabel("Tools/call") == "other")  // same count, first byte
        #expect(WicketMetrics.methodLabel("tools/call ") == "other")  // one byte more
        #expect(WicketMetrics.methodLabel(String(repeating: "x", count: 300)) == "other")  // longer than any
        // U+212A KELVIN SIGN is canonically equivalent to K: no method may match through equivalence.
        #expect(WicketMetrics.methodLabel("ping\u{212A}") == "other")
    }

    @Test func theAlertAnnotationIsFoundByItsKeysBytes() {
        func alert(_ annotations: [String: String]) -> String? {
            AuditRecord.DeterminingPolicy(id: "p", annotations: annotations).alertName
        }
        #expect(alert(["alert": "oncall"]) == "oncall")
        #expect(alert(["reason": "r", "alert": ""]) == "")
        #expect(alert(["reason": "r", "id": "x", "a": "1", "b": "2", "alert": "late"]) == "late")
        #expect(alert(["Alert": "x", "alerts": "y", "aler": "z"]) == nil)
        #expect(alert([:]) == nil)
    }
}
