import Cedar
import Foundation

/// `wicket check`: parse and validate a tenant's policies, entities and schema, with the exit codes of
/// the official CLI: 0 clean, 1 a parse error, 3 validation errors.
public enum PolicyCheck {
    public struct Report: Sendable {
        public var lines: [String] = []
        public var parseErrors = 0
        public var validationErrors = 0
        public var warnings = 0

        public var exitCode: Int32 { parseErrors > 0 ? 1 : validationErrors > 0 ? 3 : 0 }
    }

    public static func run(_ sources: PolicySources) -> Report {
        var report = Report()
        var policies: [Policy] = []
        var texts: [String: String] = [:]
        do {
            for file in try PolicyLoader.cedarFiles(at: sources.policies) {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    report.fail(parse: "\(file): cannot read the file")
                    continue
                }
                texts[file] = text
                do {
                    policies += try PolicyLoader.policies(in: text, file: file)
                } catch {
                    report.fail(parse: error.description)
                }
            }
        } catch {
            report.fail(parse: error.description)
        }
        var ids = Set<String>()
        for policy in policies where !ids.insert(policy.id).inserted {
            report.fail(parse: "\(policy.location.map { "\($0): " } ?? "")error: policy id `\(policy.id)` is used twice")
        }

        var schema: Schema?
        if let path = sources.schema {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                schema = path.hasSuffix(".json") ? try Schema(json: text, filename: path) : try Schema(cedarText: text, filename: path)
            } catch {
                report.fail(parse: "\(error)")
            }
        }
        var entities: [Entity] = []
        if let path = sources.entities {
            do { entities = try PolicyLoader.loadEntities(at: path) } catch { report.fail(parse: error.description) }
        }
        guard report.parseErrors == 0 else { return report.summarised(sources, policies: policies.count) }

        guard let schema else {
            report.lines.append(
                "warning: \(sources.name) has no schema; policies parsed but were not validated (add schema.cedarschema, see `wicket schema`)"
            )
            report.warnings += 1
            return report.summarised(sources, policies: policies.count)
        }
        let result = Validator(schema: schema).validate(policies)
        for error in result.errors {
            let source = error.location.flatMap { texts[$0.file] } ?? ""
            report.fail(validation: source.isEmpty ? error.description : error.rendered(source: source))
        }
        for warning in result.warnings {
            report.lines.append("warning: \(warning)")
            report.warnings += 1
        }
        // Members and groups are written without a namespace; check them where Wicket places them.
        for namespace in memberNamespaces(schema) {
            let placed: Entities
            do { placed = try NamespacedEntities.place(entities, in: namespace) } catch {
                report.fail(parse: "\(sources.entities ?? "entities"): \(error.message)")
                break
            }
            for entity in placed.all.sorted(by: { $0.uid < $1.uid }) {
                for problem in schema.validateEntity(entity) {
                    report.fail(validation: "\(sources.entities ?? "entities"): entity `\(entity.uid)`: \(problem)")
                }
            }
        }
        return report.summarised(sources, policies: policies.count)
    }

    /// Namespaces whose schema declares a `User` type: where a tenant's members live.
    static func memberNamespaces(_ schema: Schema) -> [String] {
        schema.entityTypes.keys.filter { $0.hasSuffix("::User") }.map { String($0.dropLast("::User".count)) }.sorted()
    }
}

extension PolicyCheck.Report {
    mutating func fail(parse message: String) {
        lines.append(message.contains("error") ? message : "error: \(message)")
        parseErrors += 1
    }

    mutating func fail(validation message: String) {
        lines.append(message.hasPrefix("error") || message.contains(": error") ? message : "error: \(message)")
        validationErrors += 1
    }

    func summarised(_ sources: PolicySources, policies: Int) -> Self {
        var copy = self
        let verdict = parseErrors > 0 ? "parse errors" : validationErrors > 0 ? "validation errors" : "ok"
        copy.lines.append(
            "\(sources.name): \(policies) policies, \(parseErrors + validationErrors) error(s), \(warnings) warning(s): \(verdict)")
        return copy
    }
}
