import WicketJSON

extension MCPClassifier {
    /// Parses and checks a POST body: JSON, JSON-RPC shape, batch rules, targets, then headers.
    func classifyBody(_ request: MCPHTTPRequest, version: MCPProtocolVersion) throws(MCPRequestError) -> ([MCPMessage], Bool) {
        guard request.body.count <= limits.maxBodyBytes else {
            throw MCPRequestError(
                code: .bodyTooLarge, httpStatus: 413, jsonRPCCode: MCPRequestError.invalidRequestCode,
                message: "the body is larger than the limit of \(limits.maxBodyBytes) bytes")
        }
        guard Self.isJSONContentType(request.contentType) else {
            throw MCPRequestError(
                code: .unsupportedMediaType, httpStatus: 415, jsonRPCCode: MCPRequestError.invalidRequestCode,
                message: "a POST to the MCP endpoint needs `Content-Type: application/json`")
        }
        let parser = JSONParser(limits: JSONParser.Limits(maxBytes: limits.maxBodyBytes, maxDepth: limits.maxDepth))
        let json: JSONValue
        do {
            json = try parser.parse(request.body)
        } catch {
            throw MCPRequestError(
                code: .parseError, httpStatus: 400, jsonRPCCode: MCPRequestError.parseErrorCode,
                message: "the body is not valid JSON: \(error.message)")
        }

        guard case .array(let elements) = json else {
            let message = try Self.message(from: json, index: nil, version: version)
            try checkHeaders(of: message, request: request, version: version)
            return ([message], false)
        }

        guard version.allowsBatches else {
            throw MCPRequestError.invalidBatch(
                "JSON-RPC batches are not allowed in MCP protocol \(version.rawValue); send one message per request")
        }
        guard !elements.isEmpty else {
            throw MCPRequestError.invalidBatch("a batch must contain at least one message")
        }
        guard elements.count <= limits.maxBatchCount else {
            throw MCPRequestError.invalidBatch("a batch must not contain more than \(limits.maxBatchCount) messages")
        }
        var messages: [MCPMessage] = []
        messages.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let message = try Self.message(from: element, index: index, version: version)
            if let method = message.method, ExactText.equal(method, literal: "initialize") {
                throw MCPRequestError.invalidBatch("`initialize` must not be part of a batch (batch element \(index))")
            }
            messages.append(message)
        }
        // 2025-03-26: a batch holds requests and notifications, or responses, never both.
        let responses = messages.filter { $0.kind == .response }.count
        if responses != 0 && responses != messages.count {
            throw MCPRequestError.invalidBatch("a batch must not mix responses with requests or notifications")
        }
        for message in messages {
            try checkHeaders(of: message, request: request, version: version)
        }
        return (messages, true)
    }

    /// One JSON-RPC message → an ``MCPMessage`` with its target. `index` is the batch position.
    static func message(from value: JSONValue, index: Int?, version: MCPProtocolVersion) throws(MCPRequestError) -> MCPMessage {
        let inBatch = index.map { " (batch element \($0))" } ?? ""
        let rpc: JSONRPCMessage
        do {
            rpc = try JSONRPCMessage(value)
        } catch {
            // In a batch the whole batch is refused; its id is unknown to the client as a whole.
            throw MCPRequestError.invalidRequest(error.message + inBatch, id: index == nil ? error.id : nil)
        }
        let errorID = index == nil ? rpc.id : nil
        switch rpc.kind {
        case .response:
            if version.isStateless {
                throw MCPRequestError.invalidRequest(
                    "protocol 2026-07-28 has no server requests, so a client response cannot be sent", id: errorID)
            }
            return MCPMessage(
                kind: .response, id: rpc.id, method: nil, target: nil,
                isErrorResponse: rpc.isErrorResponse, arguments: nil)
        case .request, .notification:
            let method = rpc.method ?? ""
            if version.isStateless, case .object(let meta) = rpc.params?["_meta"],
                let declared = meta[metaProtocolVersionKey], !(declared.stringValue.map { ExactText.equal($0, version.rawValue) } ?? false)
            {
                throw MCPRequestError.headerMismatch(
                    "`params._meta` names a protocol version other than the `MCP-Protocol-Version` header", id: errorID)
            }
            let (target, arguments) = try targetAndArguments(method: method, params: rpc.params, id: errorID, inBatch: inBatch)
            return MCPMessage(
                kind: rpc.kind == .request ? .request : .notification, id: rpc.id, method: method,
                target: target, isErrorResponse: false, arguments: arguments)
        }
    }

    /// The target a method acts on, and for `tools/call` its `arguments` object.
    static func targetAndArguments(method: String, params: JSONValue?, id: JSONRPCID?, inBatch: String)
        throws(MCPRequestError) -> (MCPTarget?, JSONObject?)
    {
        // Method names by their bytes (`ExactText`), not `String ==`.
        let byName = { (name: StaticString) in ExactText.equal(method, literal: name) }
        if byName("tools/call") {
            let object = try paramsObject(method, params, id, inBatch)
            let name = try requiredString(object, "name", method: method, id: id, inBatch: inBatch)
            var arguments: JSONObject?
            if let value = object[literal: "arguments"] {
                guard case .object(let args) = value else {
                    throw MCPRequestError.invalidParams("`tools/call` needs `params.arguments` to be an object\(inBatch)", id: id)
                }
                arguments = args
            }
            return (.tool(name), arguments)
        } else if byName("resources/read") || byName("resources/subscribe") || byName("resources/unsubscribe") {
            let object = try paramsObject(method, params, id, inBatch)
            return (.resource(try requiredString(object, "uri", method: method, id: id, inBatch: inBatch)), nil)
        } else if byName("prompts/get") {
            let object = try paramsObject(method, params, id, inBatch)
            return (.prompt(try requiredString(object, "name", method: method, id: id, inBatch: inBatch)), nil)
        } else if byName("completion/complete") {
            let object = try paramsObject(method, params, id, inBatch)
            guard case .object(let ref) = object[literal: "ref"] else {
                throw MCPRequestError.invalidParams("`completion/complete` needs an object `params.ref`\(inBatch)", id: id)
            }
            let type = ref[literal: "type"]?.stringValue ?? ""
            if ExactText.equal(type, literal: "ref/prompt") {
                return (.prompt(try requiredString(ref, "name", method: method, path: "params.ref.name", id: id, inBatch: inBatch)), nil)
            } else if ExactText.equal(type, literal: "ref/resource") {
                return (.resource(try requiredString(ref, "uri", method: method, path: "params.ref.uri", id: id, inBatch: inBatch)), nil)
            }
            throw MCPRequestError.invalidParams(
                "`completion/complete` needs `params.ref.type` to be \"ref/prompt\" or \"ref/resource\"\(inBatch)", id: id)
        }
        return (nil, nil)
    }

    private static func paramsObject(_ method: String, _ params: JSONValue?, _ id: JSONRPCID?, _ inBatch: String)
        throws(MCPRequestError) -> JSONObject
    {
        guard case .object(let object) = params else {
            throw MCPRequestError.invalidParams("`\(method)` needs `params` to be an object\(inBatch)", id: id)
        }
        return object
    }

    private static func requiredString(
        _ object: JSONObject, _ key: StaticString, method: String, path: String? = nil,
        id: JSONRPCID?, inBatch: String
    ) throws(MCPRequestError) -> String {
        guard case .string(let value) = object[literal: key], !value.isEmpty else {
            throw MCPRequestError.invalidParams("`\(method)` needs a non-empty string `\(path ?? "params.\(key)")`\(inBatch)", id: id)
        }
        return value
    }
}
