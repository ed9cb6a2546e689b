import WicketJSON

/// One JSON-RPC 2.0 message checked against the specification's shapes. Internal: other modules
/// see ``MCPMessage``, which does not expose `params`.
struct JSONRPCMessage {
    enum Kind { case request, notification, response }

    let kind: Kind
    let id: JSONRPCID?
    let method: String?
    let params: JSONValue?
    let isErrorResponse: Bool

    /// Why a value is not a JSON-RPC 2.0 message: a sentence and the id when it could be read.
    struct Invalid: Error {
        let message: String
        let id: JSONRPCID?
    }

    /// Where the members a message may have are, found in one pass over the object's members (keys
    /// compared byte for byte), with the first key that a request, or a response, must not have.
    /// Positions in `object.members`, not the values: a value read here would be retained, and the
    /// whole struct copied and released again (~480 instructions a message, round 9).
    private struct Members {
        var id: Int?
        var version: Int?
        var method: Int?
        var params: Int?
        var result: Int?
        var error: Int?
        /// The first key that is none of `jsonrpc`, `id`, `method`, `params`.
        var notOfRequest: Int?
        /// The first key that is none of `jsonrpc`, `id`, `result`, `error`.
        var notOfResponse: Int?

        init(_ members: [JSONObject.Member]) {
            for index in members.indices {
                // Only the one or three names of the key's byte count are compared (a request's
                // four keys took ten comparisons in turn).
                switch Self.known(members[index].key) {
                case .id:
                    id = index
                case .jsonrpc:
                    version = index
                case .method:
                    method = index
                    if notOfResponse == nil { notOfResponse = index }
                case .params:
                    params = index
                    if notOfResponse == nil { notOfResponse = index }
                case .result:
                    result = index
                    if notOfRequest == nil { notOfRequest = index }
                case .error:
                    error = index
                    if notOfRequest == nil { notOfRequest = index }
                case nil:
                    if notOfRequest == nil { notOfRequest = index }
                    if notOfResponse == nil { notOfResponse = index }
                }
            }
        }

        private enum Known { case id, jsonrpc, method, params, result, error }

        /// The member `key` names, compared byte for byte: its bytes read once, in place.
        private static func known(_ key: String) -> Known? {
            ExactText.withUTF8(key, known)
        }

        private static func known(_ key: UnsafeBufferPointer<UInt8>) -> Known? {
            switch key.count {
            case 2: ExactText.equal(key, literal: "id") ? .id : nil
            case 5: ExactText.equal(key, literal: "error") ? .error : nil
            case 6:
                ExactText.equal(key, literal: "method")
                    ? .method
                    : ExactText.equal(key, literal: "params") ? .params : ExactText.equal(key, literal: "result") ? .result : nil
            case 7: ExactText.equal(key, literal: "jsonrpc") ? .jsonrpc : nil
            default: nil
            }
        }
    }

    /// Checks `value` against JSON-RPC 2.0 with MCP's id rules (string or integer, never null on
    /// a request). Unknown members are refused so that no parser can read a different message.
    /// The members are read in one pass; the checks then run in the order their errors take
    /// precedence (the id first, so later errors can name it).
    init(_ value: JSONValue) throws(Invalid) {
        guard case .object(let object) = value else {
            throw Invalid(
                message: "a JSON-RPC message must be an object, not \(value.kindName == "object" ? "an" : "a") \(value.kindName)", id: nil)
        }
        let all = object.members
        let members = Members(all)
        var id: JSONRPCID?
        var idIsNull = false
        let idValue = members.id.map { all[$0].value }
        if let idValue {
            if idValue.isNull {
                idIsNull = true
            } else if let parsed = JSONRPCID(idValue) {
                id = parsed
            } else {
                throw Invalid(message: "`id` must be a string or an integer", id: nil)
            }
        }
        guard let version = members.version.map({ all[$0].value }) else {
            throw Invalid(message: "the `jsonrpc` member is missing; it must be \"2.0\"", id: id)
        }
        guard case .string(let versionText) = version, ExactText.equal(versionText, literal: "2.0") else {
            throw Invalid(message: "`jsonrpc` must be the string \"2.0\"", id: id)
        }

        if let methodValue = members.method.map({ all[$0].value }) {
            if let key = members.notOfRequest {
                throw Invalid(message: "a request must not have the member `\(Self.shortKey(all[key].key))`", id: id)
            }
            guard case .string(let method) = methodValue else {
                throw Invalid(message: "`method` must be a string", id: id)
            }
            guard !method.isEmpty else {
                throw Invalid(message: "`method` must not be empty", id: id)
            }
            if idIsNull {
                throw Invalid(message: "a request `id` must not be null", id: nil)
            }
            let params = members.params.map { all[$0].value }
            if let params {
                switch params {
                case .object, .array: break
                default: throw Invalid(message: "`params` must be an object or an array", id: id)
                }
            }
            self.kind = idValue == nil ? .notification : .request
            self.id = id
            self.method = method
            self.params = params
            self.isErrorResponse = false
            return
        }

        if let key = members.notOfResponse {
            throw Invalid(
                message:
                    "a message must have a `method`, or be a response with `result` or `error`; `\(Self.shortKey(all[key].key))` is not allowed",
                id: id)
        }
        let result = members.result.map { all[$0].value }
        let error = members.error.map { all[$0].value }
        switch (result, error) {
        case (nil, nil):
            throw Invalid(message: "a message must have a `method`, or be a response with `result` or `error`", id: id)
        case (.some, .some):
            throw Invalid(message: "a response must not have both `result` and `error`", id: id)
        case (.some, nil):
            guard idValue != nil, !idIsNull else {
                throw Invalid(message: "a result response needs a string or integer `id`", id: nil)
            }
        case (nil, .some(let errorValue)):
            guard idValue != nil else {
                throw Invalid(message: "an error response needs an `id` (null when unknown)", id: nil)
            }
            try Self.checkErrorObject(errorValue, id: id)
        }
        self.kind = .response
        self.id = id
        self.method = nil
        self.params = nil
        self.isErrorResponse = error != nil
    }

    private static func checkErrorObject(_ value: JSONValue, id: JSONRPCID?) throws(Invalid) {
        guard case .object(let error) = value else {
            throw Invalid(message: "`error` must be an object", id: id)
        }
        guard let code = error[literal: "code"]?.numberValue, code.int64Value != nil else {
            throw Invalid(message: "`error.code` must be an integer", id: id)
        }
        guard error[literal: "message"]?.stringValue != nil else {
            throw Invalid(message: "`error.message` must be a string", id: id)
        }
        for member in error.members
        where !ExactText.equal(member.key, literal: "code") && !ExactText.equal(member.key, literal: "message")
            && !ExactText.equal(member.key, literal: "data")
        {
            throw Invalid(message: "`error` must not have the member `\(shortKey(member.key))`", id: id)
        }
    }

    /// A key for an error sentence: bounded, so a huge key cannot bloat the answer.
    static func shortKey(_ key: String) -> String {
        key.count <= 40 ? key : String(key.prefix(40)) + "…"
    }
}
