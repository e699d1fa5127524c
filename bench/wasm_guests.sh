#!/usr/bin/env bash
# wasm_guests.sh — per-call cost of the RegexScheduling C guests
# (build/wasm/regex_v{1,2}.wasm) on schedlab's runtime, for bench/RESULTS.md:
#   1. thread CPU time per call (build/release/tools/bench_wasm_guests), for
#      the demo's pattern and for a DFA pattern;
#   2. host instructions per call under callgrind (load-independent): the
#      difference between 2200 and 200 calls, divided by 2000.
set -eu
cd "$(dirname "$0")/.."
tool="${BENCH_TOOL:-build/release/tools/bench_wasm_guests}"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
"$tool" 20000 'kubecon-.*'
"$tool" 20000 'node-\d*[02468]$'
command -v valgrind >/dev/null || { echo "(valgrind missing: no instruction counts)"; exit 0; }
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
cp "$tool" "$stripped"
chmod +x "$stripped"
strip "$stripped" # valgrind 3.19 cannot read clang 14's DWARF 5
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$stripped" --calls "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "# host instructions per call (callgrind)"
while IFS='|' read -r guest pattern node hook; do
    a=$(ir 200 "$guest" "$pattern" "$node" "$hook")
    b=$(ir 2200 "$guest" "$pattern" "$node" "$hook")
    printf '%-26s %-20s %-10s %-10s %8d\n' "$guest" "'$pattern'" "$node" "$hook" $(( (b - a) / 2000 ))
done <<'LIST'
build/wasm/regex_v2.wasm||node-1|filter
build/wasm/regex_v2.wasm|kubecon-.*|kubecon-1|filter
build/wasm/regex_v2.wasm|kubecon-.*|node-1|filter
build/wasm/regex_v2.wasm|node-\d*[02468]$|node-10|filter
build/wasm/regex_v2.wasm|node-\d*[02468]$|node-11|filter
build/wasm/regex_v1.wasm|kubecon-.*|kubecon-1|filter
build/wasm/regex_v1.wasm|node-\d*[02468]$|node-10|filter
build/wasm/regex_v2.wasm|kubecon-.*|kubecon-1|prefilter
build/wasm/regex_v2.wasm|node-\d*[02468]$|node-10|prefilter
LIST
