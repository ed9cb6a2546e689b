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
    /// Comments on lines of their own, written just before the next text.
    private var pendingComments: [(text: String, blankBefore: Bool, blankAfter: Bool)] = []

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
                // After a trailing comment, or at the start of a line, the group starts a fresh line.
                let room = lineHasContent && !needNewline ? width - column : width - cmd.indent
                let flat =
                    cmd.flat
                    || (!inner.forced && fits(room, Command(indent: cmd.indent, flat: true, doc: inner), rest: stack))
                stack.append(Command(indent: cmd.indent, flat: flat, doc: inner))
            case .trailingComment(let s):
                if lineHasContent && !needNewline {
                    trimTrailingSpaces()
                    out += " " + s
                    needNewline = true
                } else {
                    // Nothing of its own to trail on this line: it goes on a line of its own.
                    if needNewline { newline(cmd.indent) }
                    pendingComments.append((s, false, false))
                }
            case .comment(let s, let blankBefore, let blankAfter):
                if lineHasContent || needNewline { newline(cmd.indent) }
                pendingComments.append((s, blankBefore, blankAfter))
            }
        }
        flushComments(before: "")
        trimTrailingSpaces()
        return out
    }

    private mutating func write(_ s: String, _ indent: Int) {
        var s = Substring(s)
        if needNewline { newline(indent) }
        // Spaces at the start of a line are indentation's business.
        if !lineHasContent { s = s.drop { $0 == " " } }
        guard !s.isEmpty else { return }
        // A line takes the indentation of its first text (a comment may have broken it elsewhere).
        if !lineHasContent { pendingIndent = indent }
        if !pendingComments.isEmpty { flushComments(before: s) }
        if !lineHasContent {
            out += String(repeating: " ", count: pendingIndent)
            column = pendingIndent
        }
        out += s
        column += s.count
        lineHasContent = true
    }

    /// Writes the comments waiting for the next text, on lines of their own, indented like that
    /// text (one level more before a closing bracket, as they belong to what it closes). So a
    /// comment's place depends only on the token after it, which keeps formatting idempotent.
    private mutating func flushComments<S: StringProtocol>(before next: S) {
        let closing = next.first.map { $0 == ")" || $0 == "]" || $0 == "}" } ?? false
        let indent = String(repeating: " ", count: pendingIndent + (closing ? 4 : 0))
        // Blank lines around comments are kept only between top-level items.
        let top = pendingIndent == 0 && !closing
        for (text, blankBefore, blankAfter) in pendingComments {
            if top && blankBefore && !out.isEmpty && !out.hasSuffix("\n\n") { out += "\n" }
            out += indent + text + "\n"
            if top && blankAfter { out += "\n" }
        }
        pendingComments = []
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
        var room = room
        var work = [first]
        var restIndex = rest.count
        // Spaces count only once text follows them: before a comment they are trimmed.
        var spaces = 0
        var measuredText = false
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
            var text: String?
            switch cmd.doc.kind {
            case .text(let s):
                text = s
            case .line(let flat):
                if !cmd.flat { return true }
                text = flat
            case .hardline:
                return true
            case .comment, .trailingComment:
                // The line ends here; with nothing measured yet, what follows starts a fresh one.
                if measuredText { return true }
                room = width - cmd.indent
                spaces = 0
            case .concat(let parts):
                for p in parts.reversed() { work.append(Command(indent: cmd.indent, flat: cmd.flat, doc: p)) }
            case .nest(let n, let inner):
                work.append(Command(indent: cmd.indent + n, flat: cmd.flat, doc: inner))
            case .group(let inner):
                work.append(Command(indent: cmd.indent, flat: cmd.flat && !inner.forced, doc: inner))
            }
            if let text, !text.isEmpty {
                if text.allSatisfy({ $0 == " " }) {
                    spaces += text.count
                } else {
                    room -= spaces + text.count
                    spaces = 0
                    measuredText = true
                    if room < 0 { return false }
                }
            }
        }
        return true
    }
}
