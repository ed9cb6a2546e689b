import ArgumentParser
import WicketCore


struct WicketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wicket",
        abstract: "Cedar policy in the request path of MCP traffic, behind nginx.",
        subcommands: [AuthorizeCommand.self]
    )
}

WicketCommand.main()
