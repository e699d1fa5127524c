#!/usr/bin/env bash
# wasm_spec.sh — the WebAssembly spec test suite against schedlab's runtime.
#
# Converts every ../shared/wasm-spec/*.wast (relative to the repo root; or
# $SL_WASM_SPEC_DIR) with
# wast2json into a temporary directory under build/, then runs the spectest
# tool that sits next to $SCHEDLAB (build/<mode>/tools/spectest) on each
# file under a per-file timeout. Any wast2json stderr output counts as a
# failed conversion. Prints each file's failures and summary, and as its
# last line "wasm_spec: N passed, M failed" (assertion counts; text-format
# assert_malformed commands, which wast2json leaves as .wat, are skipped by
# design and reported separately).
#
#   SCHEDLAB=build/release/schedlab MODE=release bash tests/cli/wasm_spec.sh [FILTER]
set -u
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mode="${MODE:-release}"
schedlab="${SCHEDLAB:-$root/build/$mode/schedlab}"
tool="$(dirname "$schedlab")/tools/spectest"
spec_dir="${SL_WASM_SPEC_DIR:-$root/../shared/wasm-spec}"  # as test_wasm_decode
filter="${1:-}"
# tests/run.sh gives a suite 300 s (release) / 900 s (asan); stay inside it so
# a hang still ends with a summary line: per-file cap plus an overall budget
# after which the remaining files are counted as failed.
per_file_timeout=120; budget=270
[ "$mode" = asan ] && { per_file_timeout=300; budget=840; }
started=$SECONDS

if [ ! -x "$tool" ]; then
    echo "wasm_spec: spectest tool not built: $tool"
    echo "wasm_spec: 0 passed, 1 failed"
    exit 1
fi
if ! command -v wast2json >/dev/null; then
    echo "wasm_spec: wast2json not installed (Debian package wabt)"
    echo "wasm_spec: 0 passed, 1 failed"
    exit 1
fi
shopt -s nullglob
files=("$spec_dir"/*.wast)
if [ ${#files[@]} -eq 0 ]; then
    echo "wasm_spec: no .wast files in $spec_dir"
    echo "wasm_spec: 0 passed, 1 failed"
    exit 1
fi

mkdir -p "$root/build"
tmp="$(mktemp -d "$root/build/wasm-spec.$mode.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

passed=0; failed=0; skipped=0; conv=0; nfiles=0; bad_files=()
for wast in "${files[@]}"; do
    name="$(basename "$wast" .wast)"
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    nfiles=$((nfiles + 1))
    left=$((budget - (SECONDS - started)))
    if [ "$left" -le 5 ]; then
        echo "$name: not run (time budget of ${budget}s used up)"
        failed=$((failed + 1)); bad_files+=("$name")
        continue
    fi
    [ "$left" -lt "$per_file_timeout" ] && per_file_timeout=$left
    if ! wast2json "$wast" -o "$tmp/$name.json" 2>"$tmp/$name.err" || [ -s "$tmp/$name.err" ]; then
        echo "$name: wast2json conversion failed:"
        head -n 5 "$tmp/$name.err"
        failed=$((failed + 1)); bad_files+=("$name")
        continue
    fi
    out="$(timeout "$per_file_timeout" "$tool" "$tmp/$name.json" 2>&1)"; rc=$?
    line="$(grep -E '^spec: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -n 1)"
    fline="$(grep -E '^file .*: passed [0-9]+, failed [0-9]+, skipped [0-9]+' <<<"$out" | tail -n 1)"
    if [ -z "$line" ]; then
        # crashed or timed out: show the tail, count one failure
        printf '%s\n' "$out" | tail -n 20
        echo "$name: spectest died (exit $rc)"
        failed=$((failed + 1)); bad_files+=("$name")
        continue
    fi
    p=$(sed -E 's/^spec: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
    f=$(sed -E 's/^spec: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    s=$(sed -E 's/.*skipped ([0-9]+).*/\1/' <<<"$fline")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
    # converter exceptions are printed by spectest; show them here too
    grep -E 'skipped \(converter\)' <<<"$out" && conv=$((conv + $(grep -cE 'skipped \(converter\)' <<<"$out")))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        grep -v -E '^(spec: |skipped )' <<<"$out"
        bad_files+=("$name")
        [ "$f" -eq 0 ] && failed=$((failed + 1))
    fi
    rm -f "$tmp/$name".*
done

echo "wasm_spec: $nfiles files, $((skipped - conv)) text-format assertions skipped by design (no binary to load), $conv skipped because wast2json cannot encode them (listed above)"
[ ${#bad_files[@]} -ne 0 ] && echo "wasm_spec: files with failures: ${bad_files[*]}"
echo "wasm_spec: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
