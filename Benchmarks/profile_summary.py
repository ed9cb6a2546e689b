#!/usr/bin/env python3
"""Summarises a perf profile of `wicket serve` (Benchmarks/profile-path.sh, docs/benchmarks.md).

Reads `perf script -F tid,ip,sym,dso` output, demangled (`swift-demangle --simplified`), on stdin.
A frame's inclusive share is the fraction of all samples whose call chain contains it at least once
(so a frame that appears twice in a stack, or both inlined and outlined, counts once); a self share
is the fraction whose innermost frame matches. The rows name the parts issue 11 asks about; the
closing list is the 25 heaviest frames of Wicket's own binary, so renamed or new code shows up too.
"""
import re
import sys
from collections import Counter

# (label, kind, patterns): kind "in" = every pattern matches some frame of the stack (inclusive);
# "self" = the innermost frame matches the first pattern; "kernel" = the innermost frame is the kernel's.
ROWS = [
    ("FastCGI accept loop (the request threads, everything below)", "in", [r"FastCGIServer\.(acceptLoop|serve)"]),
    ("decision (DecisionPipeline.decide)", "in", [r"DecisionPipeline\.decide"]),
    ("audit commit (AuditWriter.append: the group commit)", "in", [r"AuditWriter\.append"]),
    ("  audit write (AuditWriter.write: the transaction)", "in", [r"AuditWriter\.write"]),
    ("  sqlite3_step inside the audit write", "in", [r"AuditWriter", r"^sqlite3_step$"]),
    ("  fdatasync (any)", "in", [r"fdatasync"]),
    ("  waiting for a group commit (futex under AuditWriter)", "in", [r"AuditWriter", r"futex"]),
    ("  metrics (MetricsHook)", "in", [r"MetricsHook"]),
    ("Verdict (Cedar request, validation, evaluation)", "in", [r"Verdict\.init"]),
    ("  Cedar evaluation (Authorizer)", "in", [r"Verdict\.init", r"Authoriz"]),
    ("key lookup (Exchange.authenticate)", "in", [r"Exchange\.authenticate"]),
    ("  KeyStore.lookup", "in", [r"KeyStore\.lookup"]),
    ("credential reveal (Exchange.upstreamToken)", "in", [r"Exchange\.upstreamToken"]),
    ("  unsealing (CredentialSealing.open)", "in", [r"CredentialSealing\.open"]),
    ("session binding (SessionGuard)", "in", [r"SessionGuard"]),
    ("MCP classification (MCPClassifier: JSON, JSON-RPC)", "in", [r"MCPClassifier"]),
    ("FastCGI params (FCGXRequestIO.params)", "in", [r"FCGXRequestIO\.params"]),
    ("FCGX_Accept_r", "in", [r"^FCGX_Accept_r$"]),
    ("FCGX_Finish_r", "in", [r"^FCGX_Finish_r$"]),
    ("FCGX_Free", "in", [r"^FCGX_Free$"]),
    ("Foundation Calendar", "in", [r"Calendar"]),
    ("SQLite (any sqlite3_* frame)", "in", [r"^sqlite3"]),
    ("swift_retain / swift_release (self)", "self", [r"^swift_(retain|release|bridgeObjectRetain|bridgeObjectRelease)"]),
    ("malloc / free (self)", "self", [r"malloc|^free$|_int_free|cfree|tcache"]),
    ("kernel (innermost frame in the kernel)", "kernel", []),
    ("  futex wait / wake (kernel)", "in", [r"^(__)?x64_sys_futex$|^do_futex$"]),
    ("  scheduler (schedule)", "in", [r"^schedule$|^__schedule$"]),
]


def samples(lines):
    """Yields each sample as a list of (symbol, dso), innermost first."""
    stack = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        if not line.startswith("\t") and not line.startswith(" " * 8):
            # The header line of a sample (its thread id).
            if stack:
                yield stack
            stack = []
            continue
        parts = line.strip().split(" ", 1)
        if len(parts) < 2:
            continue
        rest = parts[1]
        dso = ""
        match = re.match(r"^(.*) \(([^()]*)\)$", rest)
        if match:
            rest, dso = match.group(1), match.group(2)
        symbol = re.sub(r"\+0x[0-9a-f]+$", "", rest).replace(" (inlined)", "")
        stack.append((symbol, dso))
    if stack:
        yield stack


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "wicket"
    compiled = [(label, kind, [re.compile(p) for p in patterns]) for label, kind, patterns in ROWS]
    counts = Counter()
    own = Counter()
    total = 0
    complete = 0
    for stack in samples(sys.stdin):
        total += 1
        symbols = [symbol for symbol, _ in stack]
        if any(s in ("start_thread", "clone3", "clone", "_start", "__libc_start_main") for s in symbols):
            complete += 1
        for label, kind, patterns in compiled:
            if kind == "in":
                hit = all(any(p.search(s) for s in symbols) for p in patterns)
            elif kind == "self":
                hit = bool(patterns[0].search(symbols[0]))
            else:
                hit = "kernel" in stack[0][1]
            if hit:
                counts[label] += 1
        seen = set()
        for symbol, dso in stack:
            if dso.endswith("/" + binary) and symbol not in seen:
                seen.add(symbol)
                own[symbol] += 1
    if total == 0:
        sys.exit("profile-summary: no samples on stdin (perf script -F tid,ip,sym,dso | swift-demangle --simplified)")
    print(f"{total} samples of `wicket serve`; share of samples whose stack contains the frame (kernel included)")
    print(f"{100 * complete / total:.0f}% of the stacks reach their thread's start; the rest were cut at perf's "
          "stack copy (PROFILE_STACK), so deep frames' shares are lower bounds")
    print()
    print("| part | inclusive share |")
    print("|---|---:|")
    for label, kind, patterns in ROWS:
        note = ""
        if counts[label] == 0 and patterns:
            # A renamed function matches nothing: say so rather than print a silent 0.
            note = f" (no frame matched `{'` and `'.join(patterns)}`: renamed? see the frames below)".replace("|", "\\|")
        print(f"| {label} | {100 * counts[label] / total:.1f}%{note} |")
    print()
    print(f"heaviest frames of Wicket's own code (inclusive):")
    for symbol, count in own.most_common(25):
        print(f"  {100 * count / total:5.1f}%  {symbol[:150]}")


if __name__ == "__main__":
    main()
