/// What runs once an audit commit has returned: the rowids of the records it committed, or why the
/// transaction failed. Called exactly once, on the thread that committed (a group commit's leader), never
/// before the commit returned, and outside the writer's lock; it must not append to the same store
/// synchronously (its thread holds the writer's turn), and it should be short: the next batch waits
/// for it.
public typealias AuditCompletion = @Sendable (Result<[Int64], StoreError>) -> Void

extension AuditLog {
    /// For a store without a group commit of its own: commits, then calls `completion` inline.
    public func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
        do throws(StoreError) {
            completion(.success(try append(contentsOf: records)))
        } catch {
            completion(.failure(error))
        }
    }
}
