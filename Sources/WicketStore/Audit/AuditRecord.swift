import Foundation
import WicketJSON

/// One decision: who, what, when and why (README.md, "Audit"; docs/threat-model.md). Never tool arguments beyond the one mapped
/// resource value, responses, bodies, keys or credentials.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// allow or deny.
    public enum Decision: String, Sendable, Codable, Equatable {
        case allow, deny
    }

    /// What kind of object the call named.
    public enum TargetKind: String, Sendable, Codable, Equatable {
        case tool, resource, prompt, completion
    }

    /// A policy that determined the decision, with its annotations (`@id`, `@reason`, …).
    public struct DeterminingPolicy: Sendable, Equatable, Codable {
        public var id: String
        public var annotations: [String: String]
        public init(id: String, annotations: [String: String] = [:]) {
            self.id = id
            self.annotations = annotations
        }

        /// The policy's `@alert("NAME")`, or nil when it has none; an empty name is returned as it is
        /// (it raises no alert: ``collectAlert(_:into:)`` skips it). The one lookup every reader uses
        /// (the outbox rows, `alertNames`, the metrics): the key found by its bytes among the policy's
        /// few annotations, with no hashing.
        @inlinable
        public var alertName: String? {
            for entry in annotations where Self.isAlertKey(entry.key) { return entry.value }
            return nil
        }

        /// Whether an annotation key is `alert`, byte for byte (Swift's `String ==` would also take a
        /// canonically equivalent spelling).
        @inlinable
        public static func isAlertKey(_ key: String) -> Bool {
            ExactText.equal(key, literal: "alert")  // the byte count first: most keys end there
        }

        /// Adds an alert name to a record's `names` unless it is empty or already there, compared by
        /// bytes: two canonically equivalent names are two alerts, as they are two outbox rows (SQLite
        /// compares the `alert` column's bytes). True when it was added.
        @discardableResult
        public static func collectAlert(_ name: String, into names: inout [String]) -> Bool {
            guard !name.isEmpty, !names.contains(where: { ExactText.equal($0, name) }) else { return false }
            names.append(name)
            return true
        }
    }

    /// A context value a determining policy's condition read: `context.time.hour` = `3`.
    public struct ContextValue: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The row id, assigned by `AuditStore.append`; nil before.
    public var id: Int64?

    // Who
    public var tenant: String
    public var member: String?
    public var agent: String?
    /// The member key's public id (never the key).
    public var keyID: String?
    public var sourceIP: String?
    public var geoCountry: String?
    public var geoRegion: String?
    public var geoCity: String?

    // What
    public var server: String?
    public var method: String?
    public var targetKind: TargetKind?
    public var targetName: String?
    /// The mapped Cedar resource (`prod.customer_records`), the only argument value ever stored.
    public var resource: String?

    // When
    /// UTC, microseconds since the Unix epoch.
    public var timeMicros: Int64
    public var sessionID: String?
    public var jsonrpcID: String?
    public var traceparent: String?
    public var requestID: String
    /// The element's position in a JSON-RPC batch; nil for a single message.
    public var batchIndex: Int?

    // Why
    public var decision: Decision
    public var httpStatus: Int
    public var policies: [DeterminingPolicy]
    public var contextValues: [ContextValue]
    public var errors: [String]
    public var latencyMicros: Int64
    /// The decision a shadow (not enforced) policy set would have made; reserved for a later feature.
    public var shadowDecision: Decision?
    /// A filtered list call: how many entries the member was not shown (nil for every other message).
    public var listHidden: Int?
    /// The policies that hid them, plus `(no permit)`, `(schema)`, `(pinning)` for other causes.
    public var listHiddenBy: [String] = []
    /// The node (`server.node_name`) that answered; set by the PostgreSQL store, nil on SQLite.
    public var node: String? = nil

    /// Inlinable: the decision core builds a request's first record in place through it.
    @inlinable
    public init(
        tenant: String, member: String? = nil, agent: String? = nil, keyID: String? = nil, sourceIP: String? = nil,
        geoCountry: String? = nil, geoRegion: String? = nil, geoCity: String? = nil,
        server: String? = nil, method: String? = nil, targetKind: TargetKind? = nil, targetName: String? = nil,
        resource: String? = nil,
        timeMicros: Int64, sessionID: String? = nil, jsonrpcID: String? = nil, traceparent: String? = nil,
        requestID: String, batchIndex: Int? = nil,
        decision: Decision, httpStatus: Int, policies: [DeterminingPolicy] = [], contextValues: [ContextValue] = [],
        errors: [String] = [], latencyMicros: Int64, shadowDecision: Decision? = nil
    ) {
        self.tenant = tenant
        self.member = member
        self.agent = agent
        self.keyID = keyID
        self.sourceIP = sourceIP
        self.geoCountry = geoCountry
        self.geoRegion = geoRegion
        self.geoCity = geoCity
        self.server = server
        self.method = method
        self.targetKind = targetKind
        self.targetName = targetName
        self.resource = resource
        self.timeMicros = timeMicros
        self.sessionID = sessionID
        self.jsonrpcID = jsonrpcID
        self.traceparent = traceparent
        self.requestID = requestID
        self.batchIndex = batchIndex
        self.decision = decision
        self.httpStatus = httpStatus
        self.policies = policies
        self.contextValues = contextValues
        self.errors = errors
        self.latencyMicros = latencyMicros
        self.shadowDecision = shadowDecision
    }

    /// The record's time as a `Date` (microsecond precision is kept in `timeMicros`).
    public var time: Date { StoreFiles.date(micros: timeMicros) }
}
