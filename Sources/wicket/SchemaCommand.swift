import ArgumentParser
import Foundation
import WicketCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the Cedar schema of what Wicket passes to Cedar for a tenant (context, members, one action per tool).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The tenant.") var tenant: String

    @Option(help: "A saved tools/list answer of the server (JSON); repeatable for several files.")
    var tools: [String] = []

    func run() throws {
        let config = try options.load()
        guard config.tenant(named: tenant) != nil else { throw CLIError("the configuration names no tenant `\(tenant)`") }
        var names: [String] = []
        for path in tools {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read `\(path)`") }
            do { names += try SchemaGenerator.toolNames(fromToolsList: data) } catch { throw CLIError("`\(path)`: \(error)") }
        }
        if tools.isEmpty {
            // Without a tools list, the tools the configuration maps resources for.
            names = Array(Set(config.upstreams.filter { $0.tenant == tenant }.flatMap { $0.resourceArguments.keys }))
        }
        if let problem = SchemaGenerator.nameProblem(in: names, tenant: tenant, config: config) { throw CLIError(problem) }
        var seen = Set<String>()
        print(SchemaGenerator.schema(for: tenant, config: config, tools: names.filter { seen.insert($0).inserted }), terminator: "")
    }
}
