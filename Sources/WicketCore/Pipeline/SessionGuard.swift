import WicketMCP
import WicketStore

/// A session belongs to the member who first presented its `Mcp-Session-Id` (docs/threat-model.md).
///
/// The upstream assigns the id in its answer to `initialize`, which Wicket never sees; the first
/// request carrying the id binds it. `check` runs before any policy: a session of another member, or
/// one that ended or expired, is refused (and recorded) before the upstream sees anything, `DELETE`
/// included. `settle` runs only once the request is allowed: it binds a fresh id (an atomic insert,
/// first wins: when two members present a fresh id at once, the loser is refused here) and ends the
/// binding on an allowed `DELETE`. The stateless 2026-07-28 has no session id: nothing to bind.
struct SessionGuard {
    let store: any SessionBindings
    /// `store` when it reads the credential with the binding (the route casts it once), else nil.
    let reading: (any SessionCredentialReading)?
    let server: String
    let sessionID: String?
    let member: String
    /// A `DELETE`: the session ends if it is allowed.
    let ending: Bool
    let now: Int64

    init(
        store: any SessionBindings, reading: (any SessionCredentialReading)?, server: String, classification: MCPClassification,
        member: String, now: Int64
    ) {
        self.store = store
        self.reading = reading
        self.server = server
        sessionID = classification.sessionID
        self.member = member
        if case .endSession = classification.kind { ending = true } else { ending = false }
        self.now = now
    }

    /// Refuses another member's session or an ended one; returns whether the id is still unbound, and
    /// the member's credential for the server when the store read it in the same statement
    /// (PostgreSQL, SessionCredentialRead.swift), else nil.
    func check() throws -> (unbound: Bool, credential: ReadCredential?) {
        guard let sessionID else { return (false, nil) }
        let state: SessionBinding.State
        var credential: ReadCredential?
        do {
            if let reading {
                (state, credential) = try reading.lookupReadingCredential(server: server, sessionID: sessionID, member: member, now: now)
            } else {
                state = try store.lookup(server: server, sessionID: sessionID, member: member, now: now)
            }
        } catch {
            throw Refusal.unavailable("the session store could not be read, so the request is refused")
        }
        try Self.refuse(unless: state)
        return (state == .unbound, credential)
    }

    /// After an allow: binds a fresh id to this member (first wins), and ends it on `DELETE`.
    func settle(wasUnbound: Bool) throws {
        guard let sessionID else { return }
        do {
            if wasUnbound {
                let state = try store.claim(server: server, sessionID: sessionID, member: member, now: now)
                try Self.refuse(unless: state)
            }
            if ending { try store.end(server: server, sessionID: sessionID, now: now) }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal.unavailable("the session store could not be written, so the request is refused")
        }
    }

    private static func refuse(unless state: SessionBinding.State) throws {
        switch state {
        case .unbound, .owned:
            return
        case .boundToOther(let owner):
            var refusal = Refusal.forbidden("this MCP session was opened by another member; start a session of your own")
            refusal.auditDetail = "the session is bound to `\(owner)`"
            throw refusal
        case .expired:
            // 404 is how MCP tells a client its session is gone: a compliant client starts a new one.
            throw Refusal(
                status: 404, jsonRPCCode: -32600,
                message: "this MCP session has ended or has been idle too long; start a new session")
        }
    }
}
