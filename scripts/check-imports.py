#!/usr/bin/env python3
"""Fails when a module under Sources/ imports a module docs/architecture.md does not allow it, or one
its target in Package.swift does not declare (SwiftPM lets a transitive module be imported silently).

The allowed edges are the table under "What each module may import" in docs/architecture.md:
`| `Module` | `Dep`, `Dep` |` rows, `—` for none. The toolchain's modules are allowed everywhere.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SYSTEM = {"Foundation", "FoundationEssentials", "Glibc", "Darwin", "Dispatch", "Musl", "Android", "Synchronization"}
IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def allowed_edges(doc: str) -> dict[str, set[str]]:
    section = doc.split("### What each module may import", 1)
    if len(section) != 2:
        sys.exit("docs/architecture.md has no `### What each module may import` table")
    table: dict[str, set[str]] = {}
    for line in section[1].splitlines():
        if line.startswith("#"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        table[cells[0].strip("`")] = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[1]))
    return table


def balanced(text: str, start: int, open_char: str, close_char: str) -> str:
    """The text from `start` (an opening bracket) to its matching closing bracket, exclusive."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == open_char:
            depth += 1
        elif text[index] == close_char:
            depth -= 1
            if depth == 0:
                return text[start + 1:index]
    return text[start + 1:]


def declared_dependencies(manifest: str) -> dict[str, set[str]]:
    """Each non-test target's dependencies as written in Package.swift (target and product names)."""
    declared: dict[str, set[str]] = {}
    for found in re.finditer(r'\.(?:target|executableTarget)\(\s*name:\s*"([^"]+)"', manifest):
        body = balanced(manifest, found.start() + manifest[found.start():].index("("), "(", ")")
        deps: set[str] = set()
        listed = body.find("dependencies:")
        if listed >= 0:
            items = balanced(body, body.index("[", listed), "[", "]")
            deps |= set(re.findall(r'\.product\(\s*name:\s*"([^"]+)"', items))
            deps |= set(re.findall(r'"([^"]+)"', re.sub(r'\.product\([^)]*\)', "", items)))
        declared[found.group(1)] = deps
    return declared


def main() -> int:
    table = allowed_edges((ROOT / "docs/architecture.md").read_text(encoding="utf-8"))
    declared = declared_dependencies((ROOT / "Package.swift").read_text(encoding="utf-8"))
    problems = []
    for module in sorted(p for p in (ROOT / "Sources").iterdir() if p.is_dir()):
        sources = sorted(module.rglob("*.swift"))
        if not sources:
            continue  # system library shims (C modules)
        if module.name not in table:
            problems.append(f"{module.name}: not in the import table of docs/architecture.md")
            continue
        for source in sources:
            for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
                found = IMPORT.match(line)
                if not found:
                    continue
                imported = found.group(1)
                if imported in SYSTEM:
                    continue
                where = source.relative_to(ROOT)
                if imported not in table[module.name]:
                    problems.append(f"{where}:{number}: {module.name} imports {imported}, "
                                    f"an edge docs/architecture.md does not allow")
                elif module.name in declared and imported not in declared[module.name]:
                    problems.append(f"{where}:{number}: {module.name} imports {imported}, "
                                    f"which its target in Package.swift does not declare")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("add the edge to the table in docs/architecture.md if it is meant, or remove the import",
              file=sys.stderr)
        return 1
    print(f"imports match docs/architecture.md ({len(table)} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
