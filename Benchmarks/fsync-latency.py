#!/usr/bin/env python3
"""The disk's own commit time: write + fdatasync latency in a folder (docs/benchmarks.md).

Usage: fsync-latency.py DIR [COUNT]

What one durable SQLite commit in WAL mode waits for at least: a few pages written into the
write-ahead log, then fdatasync. The log is reused from its start after each checkpoint, so the steady
state overwrites blocks of a file that already has its size; this does the same: a 1 MiB file is
written and synced once, then COUNT (default 1000) times one 4 KiB block is overwritten at the next
offset (wrapping) and fdatasync'ed. Prints p50/p99/max in ms, and a machine-readable last line
`FSYNC P50_MS P99_MS`. The file is removed afterwards. Run it on the filesystem the audit lives on,
in the same run as the benchmark it qualifies (the number moves with whatever else uses the disk).
"""
import os
import sys
import time

BLOCK = 4096
SPAN = 1 << 20


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main():
    if len(sys.argv) < 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("fsync-latency: usage: fsync-latency.py DIR [COUNT] (DIR must be an existing folder)")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    path = os.path.join(sys.argv[1], f".fsync-latency.{os.getpid()}")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b"\0" * SPAN)
        os.fsync(fd)
        block = os.urandom(BLOCK)
        times = []
        for i in range(count):
            offset = (i * BLOCK) % SPAN
            start = time.perf_counter_ns()
            os.pwrite(fd, block, offset)
            os.fdatasync(fd)
            times.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
    print(f"write {BLOCK} B + fdatasync in {sys.argv[1]}, {count} times: "
          f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {times[-1]:.3f} ms")
    print(f"FSYNC {p50:.3f} {p99:.3f}")


if __name__ == "__main__":
    main()
