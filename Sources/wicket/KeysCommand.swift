import ArgumentParser
import Foundation
import WicketCore

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Issue, list, revoke and rotate member keys (only their hashes are stored).",
        subcommands: [Issue.self, List.self, Revoke.self, Rotate.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a key for a member and agent; it is printed once, alone on the first line.")
        @OptionGroup var options: TenantOptions
        @Option(help: "The member's e-mail, as in the tenant's entities file.") var member: String
        @Option(help: "The agent that will use the key (e.g. maintenance-agent).") var agent: String

        func run() throws {
            let stores = try options.open()
            let issued = try stores.keys.issue(member: member, agent: agent)
            print(issued.key)
            FileHandle.standardError.write(
                Data("key id \(issued.keyID) for \(member) via \(agent); store it now, it is not shown again\n".utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List keys: id, member, agent, created, last used, revoked (never the key).")
        @OptionGroup var options: TenantOptions

        func run() throws {
            let stores = try options.open()
            let formatter = ISO8601DateFormatter()
            print(["KEY ID", "MEMBER", "AGENT", "CREATED", "LAST USED", "REVOKED"].joined(separator: "\t"))
            for key in try stores.keys.list() {
                print(
                    [
                        key.keyID, key.member, key.agent, formatter.string(from: key.created),
                        key.lastUsed.map(formatter.string) ?? "-", key.revoked.map(formatter.string) ?? "-",
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one key, or every key of a member; the running server refuses it on the next request.")
        @OptionGroup var options: TenantOptions
        @Option(help: "The key id to revoke.") var keyID: String?
        @Option(help: "Revoke every key of this member.") var member: String?

        func validate() throws {
            guard (keyID == nil) != (member == nil) else { throw ValidationError("give exactly one of --key-id or --member") }
        }

        func run() throws {
            let stores = try options.open()
            if let keyID {
                guard try stores.keys.revoke(keyID: keyID) else { throw CLIError("no active key `\(keyID)` in tenant `\(options.tenant)`") }
                print("revoked \(keyID)")
            } else if let member {
                print("revoked \(try stores.keys.revokeAll(member: member)) key(s) of \(member)")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a key: the new one is printed once; the old one is revoked.")
        @OptionGroup var options: TenantOptions
        @Option(help: "The key id to rotate.") var keyID: String

        func run() throws {
            let stores = try options.open()
            let issued = try stores.keys.rotate(keyID: keyID)
            print(issued.key)
            FileHandle.standardError.write(Data("new key id \(issued.keyID); \(keyID) is revoked\n".utf8))
        }
    }
}
