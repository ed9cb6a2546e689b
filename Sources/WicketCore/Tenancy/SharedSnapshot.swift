/// One published ``PolicySnapshot``, shared by reference. A reload publishes a new one; a request
/// takes the tenant's current one once (one retain under the tenant's lock) and decides every message
/// with it, so a batch never straddles two policy sets.
final class SharedSnapshot: Sendable {
    let value: PolicySnapshot

    init(_ value: PolicySnapshot) { self.value = value }
}
