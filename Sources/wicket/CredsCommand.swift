import ArgumentParser
import Foundation
import WicketCore

struct CredsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creds",
        abstract: "Store members' upstream credentials, sealed under the tenant's master key.",
        subcommands: [SetCredential.self, List.self, Remove.self, AddMaster.self, RotateMaster.self])

    struct SetCredential: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Read a credential from stdin and store it sealed.")
        @OptionGroup var options: TenantOptions
        @Option(help: "The member's e-mail.") var member: String
        @Option(help: "The upstream server's name.") var server: String

        func run() throws {
            let stores = try options.open()
            var secret = FileHandle.standardInput.readDataToEndOfFile()
            // One trailing newline is how `echo` and here-strings end a line, not part of the secret.
            if secret.last == 0x0A { secret.removeLast() }
            if secret.last == 0x0D { secret.removeLast() }
            defer { secret.resetBytes(in: 0..<secret.count) }
            try stores.credentials.set(member: member, server: server, secret: [UInt8](secret))
            print("stored the credential of \(member) for \(server)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored credentials (never the secret).")
        @OptionGroup var options: TenantOptions

        func run() throws {
            let stores = try options.open()
            let formatter = ISO8601DateFormatter()
            print(["MEMBER", "SERVER", "UPDATED", "MASTER KEY"].joined(separator: "\t"))
            for info in try stores.credentials.list() {
                print([info.member, info.server, formatter.string(from: info.updated), info.masterKeyID].joined(separator: "\t"))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a stored credential.")
        @OptionGroup var options: TenantOptions
        @Option(help: "The member's e-mail.") var member: String
        @Option(help: "The upstream server's name.") var server: String

        func run() throws {
            let stores = try options.open()
            guard try stores.credentials.remove(member: member, server: server) else {
                throw CLIError("no credential of `\(member)` for `\(server)`")
            }
            print("removed the credential of \(member) for \(server)")
        }
    }

    struct RotateMaster: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master-key",
            abstract: "Create a new master key and re-seal every credential under it; the running server keeps working.")
        @OptionGroup var options: TenantOptions
        @Option(help: "Use this master key (from `creds add-master-key`), already copied to every node; required on postgresql.")
        var to: String?

        func run() throws {
            let stores = try options.open()
            let key = try to.map { id in try MasterKeyRotation.rotate(stores.credentials, to: id) } ?? stores.credentials.rotateMasterKey()
            print("every credential is now sealed under master key \(key.id)")
        }
    }

    struct AddMaster: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-master-key",
            abstract: "Create a new master key file without using it yet: copy it to every node, then `rotate-master-key --to ID`.")
        @OptionGroup var options: TenantOptions

        func run() throws {
            let stores = try options.open()
            let key = try stores.ring.generate()
            print(key.id)
            FileHandle.standardError.write(
                Data(
                    "new master key \(key.id) in \(stores.ring.directory)/master-\(key.id).key; copy it (mode 0600) to every node, then run `wicket creds rotate-master-key --to \(key.id)`\n"
                        .utf8))
        }
    }
}
