import ArgumentParser
import WicketCore

@main
struct WicketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wicket",
        abstract: "Cedar policy in the request path of MCP traffic, behind nginx.",
        subcommands: [
            InitCommand.self,
            ServeCommand.self,
            NginxCommand.self,
            KeysCommand.self,
            CredsCommand.self,
            AuditCommand.self,
            StoreCommand.self,
            CheckCommand.self,
            TestCommand.self,
            FormatCommand.self,
            SchemaCommand.self,
            AuthorizeCommand.self,
            AlertsCommand.self,
        ]
    )
}
