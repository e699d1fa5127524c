#!/usr/bin/env bash
# Seeds for fuzz_wasi_fs: guest memory holding paths (inside, "..", the
# symlinks out, absolute) and call sequences that open, read, write, list,
# stat, rename and remove through them.
# Usage: fuzz/seed-fuzz_wasi_fs.sh OUTDIR   (tests/run.sh calls it)
set -u
out="$1"
python3 - "$out" <<'PY'
import struct, sys, os
out = sys.argv[1]
paths = {100: b"a.txt", 110: b"../outside/secret", 140: b"esc", 150: b"up/outside/secret",
         180: b"sub/upup/outside/secret", 210: b"outdir/secret", 230: b"abs", 240: b"sub/new",
         250: b"sub/../../outside/x", 280: b"sub", 290: b"/etc/passwd"}
mem = bytearray(1200)
struct.pack_into("<II", mem, 0, 1024, 64)        # iovec {1024, 64}
for at, p in paths.items():
    mem[at:at + len(p)] = p
def call(op, *args):
    a = list(args) + [0] * (8 - len(args))
    return bytes([op]) + struct.pack("<8I", *a)
seqs = {
    "read_inside": [call(0, 3, 1, 100, 5, 0, 2, 0, 0), call(1, 4, 0, 1, 8)],
    "read_dotdot": [call(0, 3, 1, 110, 17, 0, 2, 0, 0), call(1, 4, 0, 1, 8)],
    "read_links": [call(0, 3, 1, 140, 3, 0, 2, 0, 0), call(0, 3, 1, 150, 17, 0, 2, 0, 0),
                   call(0, 3, 1, 180, 23, 0, 2, 0, 0), call(0, 3, 1, 210, 13, 0, 2, 0, 0),
                   call(0, 3, 1, 230, 3, 0, 2, 0, 0), call(1, 4, 0, 1, 8), call(1, 5, 0, 1, 8)],
    "write_create": [call(0, 3, 1, 240, 7, 1, 64, 0, 0), call(2, 4, 0, 1, 8), call(5, 4)],
    "write_escape": [call(0, 3, 1, 250, 19, 9, 64, 0, 0), call(0, 3, 0, 140, 3, 9, 64, 0, 0), call(2, 4, 0, 1, 8)],
    "entries": [call(15, 3, 240, 7), call(18, 3, 100, 5, 3, 110, 17), call(16, 3, 110, 17), call(17, 3, 280, 3),
                call(19, 3, 140, 3, 1024, 64, 8), call(14, 3, 1, 150, 17, 1024)],
    "readdir": [call(8, 3, 1024, 100, 0, 8), call(0, 3, 0, 280, 3, 2, 2 | (1 << 14), 0, 0), call(8, 4, 1024, 100, 2, 8)],
    "misc": [call(12, 3, 8), call(13, 3, 1024, 8), call(11, 3, 8), call(9, 3, 8), call(6, 3, 0, 0, 8), call(7, 3, 8),
             call(0, 3, 1, 290, 11, 0, 2, 0, 0)],
}
for name, calls in seqs.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<H", len(mem)) + bytes(mem) + b"".join(calls))
PY
exit 0
