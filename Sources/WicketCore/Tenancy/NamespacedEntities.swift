import Cedar

/// A tenant's entities file names members and groups without a namespace (`User`, `Group`), because
/// one member uses several upstream servers. Each upstream sees them in its own namespace
/// (`ServiceMCP::User::"alex@company.com"`), so its policies read as README's example does.
/// Types that already carry a namespace are kept as written. The store refuses what Cedar refuses:
/// a uid listed twice with different contents, and a cycle in the parents (a member who would be
/// their own group's ancestor).
enum NamespacedEntities {
    static func place(_ entities: [Entity], in namespace: String) throws(EntityGraphError) -> Entities {
        try Entities(
            checking: entities.map { entity in
                Entity(
                    uid: rehome(entity.uid, namespace),
                    attributes: entity.attributes.mapValues { rehome($0, namespace) },
                    parents: Set(entity.parents.map { rehome($0, namespace) }),
                    tags: entity.tags.mapValues { rehome($0, namespace) })
            })
    }

    static func rehome(_ uid: EntityUID, _ namespace: String) -> EntityUID {
        uid.type.qualified.contains("::") ? uid : EntityUID(type: Name("\(namespace)::\(uid.type.qualified)"), id: uid.id)
    }

    private static func rehome(_ value: Value, _ namespace: String) -> Value {
        switch value {
        case .entity(let uid): return .entity(rehome(uid, namespace))
        case .set(let items): return .set(Set(items.map { rehome($0, namespace) }))
        case .record(let fields): return .record(fields.mapValues { rehome($0, namespace) })
        default: return value
        }
    }
}
