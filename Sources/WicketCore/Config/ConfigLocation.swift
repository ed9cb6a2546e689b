import Foundation

/// Where a configuration file really is: its relative paths resolve against this folder, whatever
/// the working directory of the command that reads it.
enum ConfigLocation {
    /// The real path (symlinks resolved, absolute) of the folder holding `path`; the folder as
    /// written, made absolute, when it cannot be resolved.
    static func realDirectory(ofFile path: String) -> String {
        let absolute =
            path.hasPrefix("/")
            ? path
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        let directory = ((absolute as NSString).standardizingPath as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "/" : directory
        guard let resolved = realpath(folder, nil) else { return folder }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
