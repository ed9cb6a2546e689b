// libFuzzer entry for WicketMCP: the strict JSON parser (WicketJSON) as the classifier uses it, and the MCP classifier.
// Built and run by ./fuzz.sh with the Cedar targets.
// The first input byte picks the protocol revision and header shape so every path is reached.
import FuzzSupport
import WicketJSON
import WicketMCP

public func fuzzMCP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let selector = bytes[0]
    let body = Array(bytes.dropFirst())

    // The parser alone, over the raw buffer, with a small depth bound and the default one.
    _ = try? JSONParser(limits: .init(maxDepth: Int(selector & 0x0F))).parse(UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    _ = try? JSONParser().parse(body)

    let versions: [String?] = [nil, "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", "bogus"]
    let methods = ["POST", "POST", "POST", "GET", "DELETE", "PUT"]
    let version = versions[Int(selector >> 5) % versions.count]
    let method = methods[Int(selector & 0x07) % methods.count]
    let headersFromBody = selector & 0x10 != 0

    var request = MCPHTTPRequest(method: method, body: method == "POST" ? body : [],
        sessionID: selector & 0x08 != 0 ? "fuzz-session" : nil, protocolVersion: version,
        contentType: "application/json")
    if headersFromBody {
        // Mirror whatever the body says so the header-agreement code runs on accepted bodies.
        if let plain = try? MCPClassifier().classify(MCPHTTPRequest(method: "POST", body: body, contentType: "application/json")),
           let first = plain.messages.first {
            request.mcpMethod = first.method
            request.mcpName = first.target?.name
        }
    }
    do {
        let classification = try MCPClassifier().classify(request)
        for message in classification.messages {
            _ = message.toolArgument(named: "table")
            _ = message.description
        }
    } catch {
        let rendered = error.jsonRPCErrorBody()
        // The error body must itself be strict JSON.
        if (try? JSONParser().parse(rendered)) == nil { fatalError("error body is not valid JSON") }
    }
    return 0
}

@_cdecl("FuzzMCP_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzMCP)
}
