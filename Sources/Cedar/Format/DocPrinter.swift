/// Lays a ``Doc`` out in a given width: a group is printed flat when it fits in what is left
/// of the line, and broken (every `line` a newline) otherwise.
struct DocPrinter {
    let width: Int

    private struct Command {
        let indent: Int
        let flat: Bool
        let doc: Doc
    }

    private var out = ""
    private var column = 0
    private var lineHasContent = false
    /// Indentation owed to the current line; written with its first text, so blank lines stay empty.
    private var pendingIndent = 0
    /// A trailing comment ended the line: the next text starts a new one.
    private var needNewline = false

    init(width: Int) { self.width = width }

    mutating func print(_ doc: Doc) -> String {
        var stack = [Command(indent: 0, flat: false, doc: doc)]
        while let cmd = stack.popLast() {
            switch cmd.doc.kind {
            case .text(let s):
                write(s, cmd.indent)
            case .line(let flat):
                if cmd.flat && !needNewline {
                    write(flat, cmd.indent)
                } else if lineHasContent || needNewline {
                    newline(cmd.indent)
                } else {
                    // Already at the start of a line (after a comment): only the indentation changes.
                    pendingIndent = cmd.indent
                }
            case .hardline:
                newline(cmd.indent)
            case .concat(let parts):
                for p in parts.reversed() { stack.append(Command(indent: cmd.indent, flat: cmd.flat, doc: p)) }
            case .nest(let n, let inner):
                stack.append(Command(indent: cmd.indent + n, flat: cmd.flat, doc: inner))
            case .group(let inner):
                let flat = cmd.flat
                    || (!inner.forced && fits(width - column, Command(indent: cmd.indent, flat: true, doc: inner), rest: stack))
                stack.append(Command(indent: cmd.indent, flat: flat, doc: inner))
            case .trailingComment(let s):
                if needNewline { newline(cmd.indent) }
                if lineHasContent {
                    trimTrailingSpaces()
                    out += " " + s
                } else {
                    write(s, cmd.indent)
                }
                lineHasContent = true
                needNewline = true
            case .comment(let s, let blankBefore, let blankAfter):
                // Blank lines around comments are kept only between top-level items.
                let top = cmd.indent == 0
                if lineHasContent || needNewline { newline(cmd.indent) }
                if top && blankBefore && !out.isEmpty && !out.hasSuffix("\n\n") { out += "\n" }
                write(s, cmd.indent)
                newline(cmd.indent)
                if top && blankAfter { out += "\n" }
            }
        }
        trimTrailingSpaces()
        return out
    }

    private mutating func write(_ s: String, _ indent: Int) {
        var s = Substring(s)
        if needNewline {
            newline(indent)
            s = s.drop { $0 == " " }
        }
        guard !s.isEmpty else { return }
        if !lineHasContent {
            out += String(repeating: " ", count: pendingIndent)
            column = pendingIndent
        }
        out += s
        column += s.count
        lineHasContent = true
    }

    private mutating func trimTrailingSpaces() {
        while out.hasSuffix(" ") {
            out.removeLast()
            column -= 1
        }
    }

    private mutating func newline(_ indent: Int) {
        trimTrailingSpaces()
        out += "\n"
        pendingIndent = indent
        column = indent
        lineHasContent = false
        needNewline = false
    }

    /// Whether `first` printed flat, followed by the rest up to its next possible break, fits in `room`.
    private func fits(_ room: Int, _ first: Command, rest: [Command]) -> Bool {
        if needNewline { return true }
        var room = room
        var work = [first]
        var restIndex = rest.count
        var budget = 100_000
        while budget > 0 {
            budget -= 1
            let cmd: Command
            if let c = work.popLast() {
                cmd = c
            } else if restIndex > 0 {
                restIndex -= 1
                cmd = rest[restIndex]
            } else {
                return true
            }
            switch cmd.doc.kind {
            case .text(let s):
                room -= s.count
                if room < 0 { return false }
            case .line(let flat):
                if !cmd.flat { return true }
                room -= flat.count
                if room < 0 { return false }
            case .hardline, .trailingComment:
                return true
            case .comment:
                // A comment before the group's text: what follows starts a fresh line.
                room = width - cmd.indent
            case .concat(let parts):
                for p in parts.reversed() { work.append(Command(indent: cmd.indent, flat: cmd.flat, doc: p)) }
            case .nest(let n, let inner):
                work.append(Command(indent: cmd.indent + n, flat: cmd.flat, doc: inner))
            case .group(let inner):
                work.append(Command(indent: cmd.indent, flat: cmd.flat && !inner.forced, doc: inner))
            }
        }
        return true
    }
}
