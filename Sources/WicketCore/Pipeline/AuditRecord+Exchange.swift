import WicketMCP
import WicketStore

/// Every way the decision core shapes an audit record, in one place: the request's shared facts,
/// one record per message with its verdict, and the ways a refusal marks records. `Exchange` fills
/// the shared facts (time, address, geo, member, session) as it learns them; everything else a
/// record says is written here.
extension AuditRecord {
    /// The facts every record of one request starts from; a deny until a verdict says otherwise.
    /// One initializer call, returned as it is: made in a `var` and then changed, the record was
    /// copied twice and destroyed twice on the way out (a retain and a release per field each time).
    static func exchange(tenant: String, server: String, requestID: String, traceparent: String?) -> AuditRecord {
        AuditRecord(
            tenant: tenant, server: server, timeMicros: 0, traceparent: keptTraceparent(traceparent), requestID: requestID,
            decision: .deny, httpStatus: 0, latencyMicros: 0)
    }

    /// The request's `traceparent` when the record may keep it: at most 128 bytes, no control characters.
    static func keptTraceparent(_ traceparent: String?) -> String? {
        guard let traceparent, traceparent.utf8.count <= 128, HeaderText.isSafe(traceparent) else { return nil }
        return traceparent
    }

    /// The one record of a request refused before (or instead of) per-message decisions.
    consuming func refused(_ refusal: Refusal) -> AuditRecord {
        var record = self
        record.decision = .deny
        record.httpStatus = refusal.status
        record.errors = [refusal.message]
        if let detail = refusal.auditDetail { record.errors.append(detail) }
        if let rule = refusal.rule { record.policies = [.init(id: rule)] }
        return record
    }

    /// One message's record: what it asked for, where it stands in its batch.
    func message(
        method: String?, targetKind: TargetKind?, targetName: String?, resource: String? = nil,
        id: JSONRPCID?, batchIndex: Int?
    ) -> AuditRecord {
        var record = self
        record.describe(method: method, targetKind: targetKind, targetName: targetName, resource: resource, id: id, batchIndex: batchIndex)
        return record
    }

    /// ``message(method:targetKind:targetName:resource:id:batchIndex:)`` written into a copy of the
    /// shared record already in place (an array's element): a record returned and appended was copied
    /// and destroyed once more on its way into the array.
    mutating func describe(
        method: String?, targetKind: TargetKind?, targetName: String?, resource: String? = nil,
        id: JSONRPCID?, batchIndex: Int?
    ) {
        self.method = method
        self.targetKind = targetKind
        self.targetName = targetName
        self.resource = resource
        jsonrpcID = id?.description
        self.batchIndex = batchIndex
    }

    /// The policy verdict on this message: decision, status, determining policies, context, shadow.
    /// `mutating`: it fills the fresh record `message(…)` returned where it is (a `consuming` method
    /// returning the record still moved it through a copy and a destroy, a retain and a release per field).
    mutating func apply(_ verdict: Verdict) {
        decision = verdict.allowed ? .allow : .deny
        httpStatus = verdict.allowed ? 200 : 403
        policies = verdict.explanation.policies
        contextValues = verdict.explanation.contextValues
        errors = verdict.errors
        shadowDecision = verdict.shadowAllowed.map { $0 ? .allow : .deny }
    }

    /// Refused by a name rule before any policy (or with a batch element that broke one).
    consuming func refusedByName(_ refusal: Refusal?, status: Int) -> AuditRecord {
        var record = self
        record.decision = .deny
        record.httpStatus = status
        record.errors = [refusal?.message ?? "refused with its batch: another element broke a name rule"]
        return record
    }

    /// Any denied element denies the whole batch; every element keeps its own record, and none may
    /// read as an allow: nothing of the batch reaches the upstream. An element policy allowed says
    /// so, and names the element that denied the batch (`batch element N`, as the record numbers it).
    mutating func refusedWithBatch(status: Int, deniedElement: Int) {
        httpStatus = status
        if decision == .allow {
            decision = .deny
            errors.append("policy allowed this element; the batch was refused because batch element \(deniedElement) was denied")
        }
    }

    /// Policy allowed, then something after the policy refused (the credential, the session binding).
    mutating func overruled(by refusal: Refusal) {
        decision = .deny
        httpStatus = refusal.status
        errors.append(refusal.message)
        if let detail = refusal.auditDetail { errors.append(detail) }
    }
}
