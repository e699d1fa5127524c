#!/usr/bin/env bash
# Seeds for fuzz_wasm_load: the binary modules wast2json extracts from a few
# spec scripts (control flow, calls, memory, tables, bulk ops, imports).
# Usage: fuzz/seed-fuzz_wasm_load.sh OUTDIR   (tests/run.sh calls it)
set -u
out="$1"; root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/../shared/wasm-spec"
[ -d "$spec" ] || exit 0
for w in fac br_table call_indirect memory bulk imports names table_copy global select; do
    [ -f "$spec/$w.wast" ] && wast2json "$spec/$w.wast" -o "$out/$w.json" >/dev/null 2>&1
done
rm -f "$out"/*.json
exit 0
