import Cedar
import WicketJSON

/// Many authorizations in one process, for the differential tester: each input line is a JSON object
/// `{"policies": TEXT, "entities": JSON-TEXT, "request": JSON-TEXT}` (the request as `--request-json`
/// takes it), each output line `{"decision": "allow"|"deny", "reasons": [...], "errors": [...]}` or
/// `{"error": MESSAGE}` when an input is refused. Policies are named `policy0`, `policy1`, … in
/// source order, and everything else is read exactly as `wicket authorize` reads its files.
public enum AuthorizationBatch {
    /// Answers one line.
    public static func answer(_ line: String) -> String {
        let json: JSONValue
        do { json = try CedarJSON.parse(line) } catch { return errorLine("invalid batch line: \(error)") }
        guard case .string(let policies)? = json["policies"], case .string(let entities)? = json["entities"],
            case .string(let request)? = json["request"]
        else {
            return errorLine("a batch line needs string fields `policies`, `entities` and `request`")
        }
        var call = AuthorizationCall(
            policies: .init(name: "policies", text: policies), entities: .init(name: "entities", text: entities))
        call.requestJSON = .init(name: "request", text: request)
        call.idAnnotations = false
        let response: Response
        do { response = try call.run() } catch { return errorLine(error.message) }
        let decision = response.decision == .allow ? "allow" : "deny"
        let reasons = response.reasons.sorted().map(quoted).joined(separator: ",")
        let errors = Set(response.errors.map(\.policyID)).sorted().map(quoted).joined(separator: ",")
        return "{\"decision\":\"\(decision)\",\"reasons\":[\(reasons)],\"errors\":[\(errors)]}"
    }

    private static func errorLine(_ message: String) -> String { "{\"error\":\(quoted(message))}" }

    /// A JSON string literal (the batch output is all strings and arrays of strings).
    static func quoted(_ s: String) -> String { JSONString.quote(s) }
}
