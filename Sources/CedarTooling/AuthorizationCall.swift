import Cedar
import WicketJSON

/// One authorization from textual inputs, as the `authorize` command line takes them
/// (policies, entities, optional schema, template links and a request). Holds the logic so the
/// command line stays thin.
public struct AuthorizationCall {
    public enum SchemaFormat: String, Sendable { case cedar, json }
    public enum PolicyFormat: String, Sendable { case cedar, json }

    /// A named text input (file name for messages, contents).
    public struct Input: Sendable {
        public let name: String
        public let text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    public var policies: Input
    public var policyFormat: PolicyFormat = .cedar
    public var entities: Input
    public var schema: Input?
    public var schemaFormat: SchemaFormat = .cedar
    public var templateLinks: Input?
    /// Entity uids in Cedar syntax (`User::"alice"`), used when `requestJSON` is absent.
    public var principal: String?
    public var action: String?
    public var resource: String?
    /// A JSON object, used when `requestJSON` is absent.
    public var context: Input?
    /// `{"principal": "User::\"alice\"", "action": ..., "resource": ..., "context": {...}}`;
    /// the uids may also be `{"type", "id"}` objects.
    public var requestJSON: Input?
    /// Validate the request against the schema (when there is one).
    public var validateRequest = true
    /// Name policies by their `@id` annotation (the CLI does); otherwise `policy0`, `policy1`, …
    public var idAnnotations = true

    public init(policies: Input, entities: Input) {
        self.policies = policies
        self.entities = entities
    }

    /// What went wrong with the inputs (the command exits with status 1).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
        init(_ m: String) { message = m }
    }

    /// Loads everything, builds the request and authorizes it. Policies are reported under their
    /// `@id` annotation when they have one, as the official CLI does.
    public func run() throws(Failure) -> Response {
        var set: PolicySet
        do {
            switch policyFormat {
            case .cedar: set = try PolicySet(text: policies.text, file: policies.name, idAnnotations: idAnnotations)
            case .json: set = try PolicyJSON.policySet(policies.text, idAnnotations: idAnnotations)
            }
        } catch {
            throw Failure("failed to parse policies: \(error)")
        }
        if let links = templateLinks {
            do { try set.link(json: links.text) } catch { throw Failure("failed to link templates from `\(links.name)`: \(error)") }
        }
        var schemaValue: Schema?
        if let schema {
            do {
                switch schemaFormat {
                case .cedar: schemaValue = try Schema(cedarText: schema.text, filename: schema.name)
                case .json: schemaValue = try Schema(json: schema.text, filename: schema.name)
                }
            } catch {
                throw Failure("failed to parse schema: \(error)")
            }
        }
        // As the official CLI: unknown fields in an entity are skipped, while a uid listed twice with
        // different contents and a cycle in the hierarchy are refused.
        var entityList: [Entity]
        do {
            entityList = try EntityJSON.parse(entities.text, typing: schemaValue, asOfficialCLI: true)
        } catch {
            throw Failure("failed to parse entities from `\(entities.name)`: \(error)")
        }
        if let schemaValue { entityList += schemaValue.actionEntities() }
        let store: Entities
        do { store = try Entities(checking: entityList) } catch {
            throw Failure("failed to parse entities from `\(entities.name)`: \(error)")
        }
        let request = try buildRequest(schemaValue)
        if let schemaValue, validateRequest {
            do { try schemaValue.validateRequest(request) } catch { throw Failure("the request does not conform to the schema: \(error)") }
        }
        return set.authorize(request, entities: store)
    }

    private func buildRequest(_ schema: Schema?) throws(Failure) -> Request {
        var p = principal
        var a = action
        var r = resource
        var ctxJSON: JSONValue = .object([:])
        func uid(_ s: String?, _ what: String) throws(Failure) -> EntityUID {
            guard let s else { throw Failure("the request needs a \(what); pass --\(what) or --request-json") }
            do { return try PolicyParser.parseEntityUID(s, file: "--\(what)") } catch {
                throw Failure("invalid \(what) `\(s)`: \(error.message)")
            }
        }
        var uids: [String: EntityUID] = [:]
        if let rj = requestJSON {
            let json: JSONValue
            do { json = try CedarJSON.parse(rj.text, keepingLastDuplicate: true) } catch {
                throw Failure("invalid request JSON in `\(rj.name)`: \(error)")
            }
            for key in ["principal", "action", "resource"] {
                switch json[key] {
                case .string(let s)?:
                    switch key {
                    case "principal": p = s
                    case "action": a = s
                    default: r = s
                    }
                case let v?:
                    do { uids[key] = try CedarJSON.entityUID(v, ignoringUnknownFields: true) } catch {
                        throw Failure("invalid \(key) in `\(rj.name)`: \(error)")
                    }
                case nil: break
                }
            }
            if let c = json["context"] { ctxJSON = c }
        } else if let c = context {
            // A repeated key keeps its last value, as serde_json (and so the official CLI) reads it.
            do { ctxJSON = try CedarJSON.parse(c.text, keepingLastDuplicate: true) } catch {
                throw Failure("invalid context JSON in `\(c.name)`: \(error)")
            }
        }
        func resolve(_ key: String, _ text: String?) throws(Failure) -> EntityUID {
            if let u = uids[key] { return u }
            return try uid(text, key)
        }
        let principalUID = try resolve("principal", p)
        let actionUID = try resolve("action", a)
        let resourceUID = try resolve("resource", r)
        let ctx: [ExactString: Value]
        do {
            ctx = try EntityJSON.context(ctxJSON, action: actionUID, typing: schema)
        } catch {
            throw Failure("invalid context: \(error)")
        }
        return Request(principal: principalUID, action: actionUID, resource: resourceUID, context: ctx)
    }
}
