import Cedar
import Foundation

/// Formats policy files in place or checks them, for `wicket format [--check] FILES`.
///
/// All files are read and formatted before anything is written: on any read or syntax error
/// nothing is written at all.
public enum PolicyFileFormatter {
    /// Why a file could not be formatted.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: String, Sendable {
            case unreadable, notUTF8, syntax, unwritable
        }
        public let code: Code
        public let path: String
        /// For `syntax`: `file:line:col: error: …`, the line and a caret; else a sentence naming the file.
        public let message: String

        public var description: String { code == .syntax ? message : "\(path): error: \(message)" }
    }

    /// What a run did, for the command line to print.
    public struct Outcome: Sendable, Equatable {
        /// Files whose text is not (or was not) in canonical form, in the order given.
        public var changed: [String] = []
        /// One per file that could not be read, parsed or written.
        public var errors: [Failure] = []
        /// Whether files were rewritten.
        public var wrote = false
        /// 1 on any error, and with `check` when a file would change; else 0.
        public var exitCode: Int32 = 0
    }

    /// Formats every file in `paths`; with `check`, only reports which would change.
    public static func run(paths: [String], check: Bool, width: Int = PolicyFormatter.defaultWidth) -> Outcome {
        var outcome = Outcome()
        var rewrites: [(path: String, text: String)] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                outcome.errors.append(
                    Failure(code: .unreadable, path: path, message: "cannot read `\(path)`; check the path and its permissions"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                outcome.errors.append(Failure(code: .notUTF8, path: path, message: "`\(path)` is not UTF-8 text"))
                continue
            }
            do {
                let formatted = try PolicyFormatter.format(text, file: path, width: width)
                if formatted != text {
                    outcome.changed.append(path)
                    rewrites.append((path, formatted))
                }
            } catch {
                outcome.errors.append(Failure(code: .syntax, path: path, message: error.description))
            }
        }
        if !outcome.errors.isEmpty {
            outcome.exitCode = 1
            return outcome
        }
        if check {
            outcome.exitCode = outcome.changed.isEmpty ? 0 : 1
            return outcome
        }
        for (path, text) in rewrites {
            do {
                try writeAtomically(text, to: path)
                outcome.wrote = true
            } catch {
                outcome.errors.append(
                    Failure(code: .unwritable, path: path, message: "cannot write `\(path)`; check the folder's permissions"))
                outcome.exitCode = 1
            }
        }
        return outcome
    }

    /// Writes beside the file, then renames over it, keeping its permission bits.
    private static func writeAtomically(_ text: String, to path: String) throws {
        let fm = FileManager.default
        let perms = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions]
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        if let perms { try? fm.setAttributes([.posixPermissions: perms], ofItemAtPath: path) }
    }
}
