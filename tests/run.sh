#!/usr/bin/env bash
# Runs every test and prints one closing line "tests: N passed, M failed".
#
#   tests/run.sh            all suites, release and asan builds
#   tests/run.sh FILTER     only suites whose name contains FILTER
#
# Unit tests: build/<mode>/tests/test_* (each prints "<suite>: N passed, M failed").
# ThreadSanitizer: the threaded suites built by `make MODE=tsan tsan-build`
# (build/tsan/tests/test_*) run once more; a data race fails the suite.
# CLI/integration tests: tests/cli/*.sh, run once against build/release and
# once against build/asan (SCHEDLAB=path to the binary); each prints the same
# kind of line. Every suite runs under `timeout` so a hang fails, not blocks.
set -u
cd "$(dirname "$0")/.."
filter="${1:-}"
total_pass=0; total_fail=0; failed_suites=()
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:${LSAN_OPTIONS:-}"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:${TSAN_OPTIONS:-}"

run_suite() {  # name, timeout, command...
    local name="$1" limit="$2"; shift 2
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && return
    local out rc line p f
    out=$(timeout "$limit" "$@" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_./ -]+: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
        f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    else
        p=0; f=1
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    if [ "$f" -ne 0 ]; then
        failed_suites+=("$name")
        printf '%s\n' "$out" | tail -n 60
        echo "FAILED: $name (exit $rc)"
    else
        echo "ok: $name: $p passed"
    fi
}

for mode in release asan; do
    limit=300; [ "$mode" = asan ] && limit=900
    for t in build/$mode/tests/test_*; do
        [ -x "$t" ] || continue
        run_suite "$mode/$(basename "$t")" "$limit" "$t"
    done
    for s in tests/cli/*.sh; do
        [ -f "$s" ] || continue
        [ "$(basename "$s")" = lib.sh ] && continue # sourced by the suites, not one
        run_suite "$mode/$(basename "$s" .sh)" "$limit" env SCHEDLAB="$PWD/build/$mode/schedlab" MODE="$mode" bash "$s"
    done
done

for t in build/tsan/tests/test_*; do
    [ -x "$t" ] || continue
    run_suite "tsan/$(basename "$t")" 900 "$t"
done

# Fuzz smoke: every libFuzzer target in build/fuzz runs briefly on its seed
# corpus (fuzz/corpus/<target>/, if any) plus random input. Longer runs are
# done by hand: build/fuzz/<target> -max_total_time=600 fuzz/corpus/<target>
fuzz_seconds="${FUZZ_SECONDS:-20}"
for f in build/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    corpus=()
    [ -d "fuzz/corpus/$name" ] && corpus=("fuzz/corpus/$name")
    work=$(mktemp -d)
    if [ -n "$filter" ] && [[ "fuzz/$name" != *"$filter"* ]]; then rm -rf "$work"; continue; fi
    if [ -x "fuzz/seed-$name.sh" ]; then
        mkdir -p "$work/seed" && "fuzz/seed-$name.sh" "$work/seed" && corpus+=("$work/seed")
    fi
    if timeout $((fuzz_seconds + 60)) "$f" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
            -artifact_prefix="$work/" "$work" "${corpus[@]}" >"$work/log" 2>&1; then
        execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+|#[0-9]+' "$work/log" | tail -n 1)
        echo "ok: fuzz/$name ($execs)"
        total_pass=$((total_pass + 1))
    else
        tail -n 40 "$work/log"
        echo "FAILED: fuzz/$name"
        failed_suites+=("fuzz/$name")
        total_fail=$((total_fail + 1))
    fi
    rm -rf "$work"
done

if [ ${#failed_suites[@]} -ne 0 ]; then
    echo "failed suites: ${failed_suites[*]}"
fi
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
