/// Parses the Cedar schema syntax (`.cedarschema`) into unresolved namespaces.
struct CedarSchemaParser {
    private let filename: String
    private let tokens: [SchemaToken]
    private var index = 0
    private var typeDepth = 0
    private static let maxTypeDepth = 64

    init(text: String, filename: String) throws(SchemaError) {
        self.filename = filename
        self.tokens = try CedarSchemaLexer(filename: filename).tokenize(text)
    }

    mutating func parse() throws(SchemaError) -> [RawNamespace] {
        var anonymous = RawNamespace(name: "")
        var namespaces: [RawNamespace] = []
        while !isAtEnd {
            let annotations = try parseAnnotations()
            if isKeyword("namespace") {
                let start = current.position
                advance()
                let path = try parsePath()
                try expect("{")
                var namespace = RawNamespace(name: path, annotations: annotations, position: start)
                while !check("}") {
                    guard !isAtEnd else { throw error("expected `}` to close namespace `\(path)`") }
                    let inner = try parseAnnotations()
                    try parseDeclaration(into: &namespace, annotations: inner)
                }
                advance()
                namespaces.append(namespace)
            } else {
                try parseDeclaration(into: &anonymous, annotations: annotations)
            }
        }
        return [anonymous] + namespaces
    }

    // MARK: Declarations

    private mutating func parseDeclaration(into namespace: inout RawNamespace, annotations: [String: String]) throws(SchemaError) {
        let start = current.position
        if isKeyword("entity") {
            advance()
            var names = [try parseIdentifier()]
            while consume(",") { names.append(try parseIdentifier()) }
            var parents: [(name: String, position: SchemaPosition)] = []
            if isKeyword("in") {
                advance()
                parents = try parseEntityTypeList()
            }
            var shape: RawType?
            var tags: RawType?
            var enumIDs: [String]?
            if isKeyword("enum") {
                advance()
                try expect("[")
                var ids: [String] = []
                while !check("]") {
                    guard case .string(let id) = current.kind else { throw error("expected a string in the `enum` list") }
                    ids.append(id)
                    advance()
                    if !consume(",") { break }
                }
                try expect("]")
                guard !ids.isEmpty else { throw error("an enumerated entity type needs at least one id") }
                enumIDs = ids
            } else {
                _ = consume("=")
                if check("{") { shape = try parseRecordType() }
                if isKeyword("tags") {
                    advance()
                    tags = try parseType()
                }
            }
            try expect(";")
            for name in names {
                namespace.entityTypes.append(
                    RawEntityDeclaration(
                        name: name, parents: parents, shape: shape, tags: tags, enumIDs: enumIDs,
                        annotations: annotations, position: start))
            }
        } else if isKeyword("action") {
            advance()
            var ids = [try parseName()]
            while consume(",") { ids.append(try parseName()) }
            var parents: [RawActionReference] = []
            if isKeyword("in") {
                advance()
                if consume("[") {
                    while !check("]") {
                        parents.append(try parseActionReference())
                        if !consume(",") { break }
                    }
                    try expect("]")
                } else {
                    parents.append(try parseActionReference())
                }
            }
            var appliesTo: RawAppliesTo?
            if isKeyword("appliesTo") {
                advance()
                appliesTo = try parseAppliesTo()
            }
            if isKeyword("attributes") {
                throw error("action attributes are not supported")
            }
            try expect(";")
            for id in ids {
                namespace.actions.append(
                    RawActionDeclaration(
                        id: id, parents: parents, appliesTo: appliesTo, annotations: annotations, position: start))
            }
        } else if isKeyword("type") {
            advance()
            let name = try parseIdentifier()
            try expect("=")
            let type = try parseType()
            try expect(";")
            namespace.commonTypes.append(RawCommonTypeDeclaration(name: name, type: type, position: start))
        } else {
            throw error("expected `entity`, `action`, `type` or `namespace`")
        }
    }

    private mutating func parseAppliesTo() throws(SchemaError) -> RawAppliesTo {
        try expect("{")
        var result = RawAppliesTo(principals: [], resources: [], context: nil)
        var sawPrincipal = false
        var sawResource = false
        while !check("}") {
            guard case .identifier(let key) = current.kind else { throw error("expected `principal`, `resource` or `context`") }
            advance()
            try expect(":")
            switch key {
            case "principal":
                guard !sawPrincipal else { throw error("`principal` is declared twice in `appliesTo`") }
                sawPrincipal = true
                result.principals = try parseEntityTypeList()
            case "resource":
                guard !sawResource else { throw error("`resource` is declared twice in `appliesTo`") }
                sawResource = true
                result.resources = try parseEntityTypeList()
            case "context":
                guard result.context == nil else { throw error("`context` is declared twice in `appliesTo`") }
                result.context = try parseType()
            default:
                throw error("expected `principal`, `resource` or `context`, found `\(key)`")
            }
            if !consume(",") { break }
        }
        guard sawPrincipal, sawResource else {
            throw error("`appliesTo` must declare both `principal` and `resource`")
        }
        try expect("}")
        return result
    }

    private mutating func parseActionReference() throws(SchemaError) -> RawActionReference {
        let start = current.position
        if case .string(let id) = current.kind {
            advance()
            return RawActionReference(type: nil, id: id, position: start)
        }
        var parts = [try parseIdentifier()]
        while consume("::") {
            if case .string(let id) = current.kind {
                advance()
                return RawActionReference(type: parts.joined(separator: "::"), id: id, position: start)
            }
            parts.append(try parseIdentifier())
        }
        guard parts.count == 1, let only = parts.first else { throw error("expected an action reference such as `Action::\"name\"`") }
        return RawActionReference(type: nil, id: only, position: start)
    }

    private mutating func parseEntityTypeList() throws(SchemaError) -> [(name: String, position: SchemaPosition)] {
        var names: [(name: String, position: SchemaPosition)] = []
        if consume("[") {
            while !check("]") {
                let at = current.position
                names.append((try parsePath(), at))
                if !consume(",") { break }
            }
            try expect("]")
        } else {
            let at = current.position
            names.append((try parsePath(), at))
        }
        return names
    }

    // MARK: Types

    private mutating func parseType() throws(SchemaError) -> RawType {
        let start = current.position
        typeDepth += 1
        defer { typeDepth -= 1 }
        guard typeDepth <= Self.maxTypeDepth else { throw error("types nest too deeply") }
        if check("{") { return try parseRecordType() }
        let path = try parsePath()
        if path == "Set", check("<") {
            advance()
            let element = try parseType()
            try expect(">")
            return .set(element)
        }
        return .reference(path, .commonOrEntity, start)
    }

    private mutating func parseRecordType() throws(SchemaError) -> RawType {
        let start = current.position
        typeDepth += 1
        defer { typeDepth -= 1 }
        guard typeDepth <= Self.maxTypeDepth else { throw error("types nest too deeply") }
        try expect("{")
        var attributes: [String: RawAttribute] = [:]
        while !check("}") {
            _ = try parseAnnotations()
            let at = current.position
            let name = try parseName()
            let optional = consume("?")
            try expect(":")
            let type = try parseType()
            guard attributes[name] == nil else {
                throw SchemaError(
                    .duplicateDeclaration, "attribute `\(name)` is declared twice", file: filename, line: at.line, column: at.column)
            }
            attributes[name] = RawAttribute(type: type, isRequired: !optional)
            if !consume(",") { break }
        }
        try expect("}")
        return .record(attributes, position: start)
    }

    // MARK: Pieces

    private mutating func parseAnnotations() throws(SchemaError) -> [String: String] {
        var annotations: [String: String] = [:]
        while consume("@") {
            let key = try parseIdentifier()
            var value = ""
            if consume("(") {
                guard case .string(let text) = current.kind else { throw error("expected a string annotation value") }
                value = text
                advance()
                try expect(")")
            }
            guard annotations[key] == nil else { throw error("annotation `@\(key)` appears twice") }
            annotations[key] = value
        }
        return annotations
    }

    private mutating func parsePath() throws(SchemaError) -> String {
        var parts = [try parseIdentifier()]
        while consume("::") { parts.append(try parseIdentifier()) }
        return parts.joined(separator: "::")
    }

    private mutating func parseIdentifier() throws(SchemaError) -> String {
        guard case .identifier(let name) = current.kind else { throw error("expected an identifier") }
        advance()
        return name
    }

    /// An identifier or a string (action ids and attribute names may be either).
    private mutating func parseName() throws(SchemaError) -> String {
        switch current.kind {
        case .identifier(let name), .string(let name):
            advance()
            return name
        default:
            throw error("expected a name or a string")
        }
    }

    private var current: SchemaToken { index < tokens.count ? tokens[index] : SchemaToken(kind: .end, position: .unknown) }
    private var isAtEnd: Bool { if case .end = current.kind { return true } else { return false } }
    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func check(_ punctuation: String) -> Bool {
        current.kind == .punctuation(punctuation)
    }

    private func isKeyword(_ word: String) -> Bool {
        current.kind == .identifier(word)
    }

    private mutating func consume(_ punctuation: String) -> Bool {
        guard check(punctuation) else { return false }
        advance()
        return true
    }

    private mutating func expect(_ punctuation: String) throws(SchemaError) {
        guard consume(punctuation) else { throw error("expected `\(punctuation)`") }
    }

    private func error(_ message: String) -> SchemaError {
        let found: String
        switch current.kind {
        case .identifier(let name): found = ", found `\(name)`"
        case .string: found = ", found a string"
        case .punctuation(let p): found = ", found `\(p)`"
        case .end: found = ", found the end of the file"
        }
        let text = message.hasPrefix("expected") ? message + found : message
        return SchemaError(.syntax, text, file: filename, line: current.position.line, column: current.position.column)
    }
}
