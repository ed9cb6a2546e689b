#!/usr/bin/env bash
# Build the libFuzzer targets and run each for SECONDS (default 240).
# New inputs go to .build/fuzz-corpus/<target> (the committed seed corpus is read-only);
# crashes are written to Regressions/<target>-crash-*. Copy each crash into
# Tests/CedarTests/Fixtures/fuzz-regressions/ so `swift test` replays it.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET=${1:-240}
RT=$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/clang/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a
# -sanitize=fuzzer would also link libFuzzer's own `main`, which clashes with SwiftPM's renamed
# entry point; so instrument explicitly and link the no-main runtime (each target calls
# LLVMFuzzerRunDriver itself).
swift build -c debug -Xswiftc -sanitize=address \
  -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
  -Xlinker "$RT" -Xlinker -lstdc++
mkdir -p Regressions
# libFuzzer's -detect_leaks=0 only stops leak checks while fuzzing; LeakSanitizer still runs at exit and
# reports the targets' lazily built globals (a schema, a store) as leaks, failing the run as a "crash"
# on an empty input and stopping the loop before the next target.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
for t in PolicyParser EntityJSON JSON MCP; do
  mkdir -p ".build/fuzz-corpus/$t"
  ".build/debug/Fuzz$t" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -max_len=4096 -detect_leaks=0 \
    -artifact_prefix="Regressions/$t-" ".build/fuzz-corpus/$t" "Corpus/$t" 2>&1 | tail -6
done
