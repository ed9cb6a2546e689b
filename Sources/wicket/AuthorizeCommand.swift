import ArgumentParser
import Cedar
import CedarTooling
import Foundation

/// `wicket authorize`: the official `cedar authorize`'s flags and exit codes
/// (0 allow, 2 deny, 1 bad input).
struct AuthorizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Evaluate one authorization request against Cedar policies (like `cedar authorize`).",
        discussion: "Prints ALLOW or DENY. Exit status: 0 allow, 2 deny, 1 bad input."
    )

    @Option(name: [.short, .customLong("policies")], help: "File containing the policies.")
    var policies: String?

    @Option(name: .customLong("policy-format"), help: "Policy format: cedar or json.")
    var policyFormat: String = "cedar"

    @Option(name: [.customShort("k"), .customLong("template-linked")], help: "File containing template links (JSON).")
    var templateLinked: String?

    @Option(name: .customLong("entities"), help: "File containing entities in Cedar's JSON format.")
    var entities: String?

    /// For the differential tester: JSON lines in, one answer line out per input line (`-` is stdin).
    @Option(name: .customLong("batch"), help: .hidden)
    var batch: String?

    @Option(name: [.short, .customLong("schema")], help: "File containing the schema.")
    var schema: String?

    @Option(name: .customLong("schema-format"), help: "Schema format: cedar or json.")
    var schemaFormat: String = "cedar"

    @Option(name: [.customShort("l"), .customLong("principal")], help: "Principal, e.g. 'User::\"alice\"'.")
    var principal: String?

    @Option(name: [.short, .customLong("action")], help: "Action, e.g. 'Action::\"view\"'.")
    var action: String?

    @Option(name: [.short, .customLong("resource")], help: "Resource, e.g. 'Photo::\"x.jpg\"'.")
    var resource: String?

    @Option(name: [.short, .customLong("context")], help: "File containing the context (a JSON object).")
    var context: String?

    @Option(name: .customLong("request-json"), help: "File containing the whole request as JSON.")
    var requestJSON: String?

    @Option(name: .customLong("request-validation"), help: "Validate the request against the schema (true or false).")
    var requestValidation: Bool = true

    @Flag(name: [.short, .customLong("verbose")], help: "List the policies that determined the decision.")
    var verbose = false

    @Flag(name: [.short, .customLong("timing")], help: "Print how long authorization took.")
    var timing = false

    func run() throws {
        if let batch { return try runBatch(batch) }
        guard let policies, let entities else { throw fail("pass the policies with `-p FILE` and the entities with `--entities FILE`") }
        func read(_ path: String) throws -> AuthorizationCall.Input {
            do {
                return AuthorizationCall.Input(name: path, text: try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw fail("cannot read `\(path)`")
            }
        }
        guard let pFormat = AuthorizationCall.PolicyFormat(rawValue: policyFormat) else {
            throw fail("unknown policy format `\(policyFormat)`; use `cedar` or `json`")
        }
        guard let format = AuthorizationCall.SchemaFormat(rawValue: schemaFormat) else {
            throw fail("unknown schema format `\(schemaFormat)`; use `cedar` or `json`")
        }
        var call = AuthorizationCall(policies: try read(policies), entities: try read(entities))
        call.policyFormat = pFormat
        call.schema = try schema.map(read)
        call.schemaFormat = format
        call.templateLinks = try templateLinked.map(read)
        call.principal = principal
        call.action = action
        call.resource = resource
        call.context = try context.map(read)
        call.requestJSON = try requestJSON.map(read)
        call.validateRequest = requestValidation

        let start = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do { response = try call.run() } catch { throw fail(error.message) }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start

        print(response.decision == .allow ? "ALLOW" : "DENY")
        for e in response.errors {
            print("error while evaluating policy `\(DebugEscaping.escape(e.policyID))`: \(e.error.message)")
        }
        if verbose {
            if response.reasons.isEmpty {
                print("\nnote: no policies applied to this request")
            } else {
                print("\nnote: this decision was due to the following policies:")
                for id in response.reasons { print("  \(DebugEscaping.escape(id))") }
            }
        }
        if timing { print(String(format: "\nauthorization took %.3f ms (including loading)", Double(elapsed) / 1e6)) }
        throw ExitCode(response.decision == .allow ? 0 : 2)
    }

    private func runBatch(_ path: String) throws {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else { throw fail("cannot read `\(path)`") }
            handle = h
        }
        var pending = [UInt8]()
        var out = ""
        func answer(_ bytes: ArraySlice<UInt8>) {
            out += AuthorizationBatch.answer(String(decoding: bytes, as: UTF8.self))
            out += "\n"
        }
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            var start = 0
            while let nl = pending[start...].firstIndex(of: 0x0a) {
                answer(pending[start..<nl])
                start = nl + 1
            }
            pending.removeFirst(start)
            FileHandle.standardOutput.write(Data(out.utf8))
            out = ""
        }
        if !pending.isEmpty { answer(pending[...]) }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}
