#!/usr/bin/env bash
# run.sh — benchmarks of schedlab's WebAssembly runtime against native code,
# node (V8) and wabt's wasm-interp. Builds into build/bench-wasm/:
#
#   * every kernel in bench/wasm/kernels/*.c three ways: native (clang -O2),
#     wasm32-wasi (clang --target=wasm32-wasi -O2) and import-free
#     (-nostartfiles -Wl,--no-entry, exported bench() at a reduced size, for
#     wasm-interp which has no WASI);
#   * callbench (bench/wasm/callbench.c) against $SCHEDLAB_BUILD/libschedlab.a;
#   * a large generated module (gen_large.sh) for load time and RSS.
#
# Each kernel runs natively, under `schedlab wasm run`, under node with
# node:wasi (node-run.mjs; `--single-threaded --no-liftoff`: V8 has no
# on-stack replacement for wasm, so a kernel that spends its time in one long
# call would otherwise stay in the Liftoff baseline tier, and
# --single-threaded avoids node 20's crash at exit after WASI runs) and
# under wasm-interp; wall time of the whole
# process (CPU time: user + sys), best of 3. wasm-interp runs a smaller size and its time is scaled
# up by the work ratio (marked "~"). Every run's checksum is compared with
# the native one. Prints a Markdown table with ratios vs native and
# geometric means, then the call-cost and load figures.
#
#   bench/wasm/run.sh [--no-interp] [--no-node] [KERNEL...]
#   SCHEDLAB_BUILD=build/release (default) selects the schedlab build used.
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
sbuild="${SCHEDLAB_BUILD:-build/release}"
schedlab="$root/$sbuild/schedlab"
out="$root/build/bench-wasm"
kdir="$root/bench/wasm/kernels"
mkdir -p "$out"
use_interp=1; use_node=1; kernels=()
for a in "$@"; do
    case "$a" in
        --no-interp) use_interp=0 ;;
        --no-node) use_node=0 ;;
        *) kernels+=("$a") ;;
    esac
done
[ ${#kernels[@]} -eq 0 ] && kernels=(fib sieve nbody sha256 matmul varint regex)
command -v wasm-interp >/dev/null || use_interp=0
command -v node >/dev/null || use_node=0

# Reduced sizes for wasm-interp (about 200-1000x slower than native).
declare -A interp_n=([fib]=30 [sieve]=4 [nbody]=100000 [sha256]=20 [matmul]=2 [varint]=5 [regex]=10000)

default_n() { sed -n 's/^#define BENCH_N \([0-9]*\)$/\1/p' "$kdir/$1.c" | head -n 1; }
# work(kernel, n): relative amount of work, to scale the reduced interp runs.
work() {
    if [ "$1" = fib ]; then
        awk -v n="$2" 'BEGIN { a = 0; b = 1; for (i = 0; i <= n; i++) { t = a + b; a = b; b = t } print 2 * a - 1 }'
    else
        echo "$2"
    fi
}

# best_of3 CMD...: prints the best CPU time (user + sys, ms) of 3 runs. CPU
# time rather than wall time because the benchmark machine is shared (2
# cores, other builds running): wall time swings with the load, CPU time much
# less. Output of the last run is in $out/last.out.
best_of3() {
    local best="" ms
    for _ in 1 2 3; do
        /usr/bin/time -f "%U %S" -o "$out/last.time" "$@" >"$out/last.out" 2>"$out/last.err" || { echo "FAIL"; return; }
        ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$out/last.time")
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

echo "building kernels into $out ..." >&2
for k in "${kernels[@]}"; do
    src="$kdir/$k.c"
    [ "$out/$k.native" -nt "$src" ] || clang -O2 -o "$out/$k.native" "$src" -lm
    [ "$out/$k.wasm" -nt "$src" ] || clang --target=wasm32-wasi -O2 -o "$out/$k.wasm" "$src"
    [ "$out/$k.free.wasm" -nt "$src" ] ||
        clang --target=wasm32-wasi -O2 -DBENCH_IMPORT_FREE -DBENCH_N="${interp_n[$k]}" \
            -nostartfiles -Wl,--no-entry -o "$out/$k.free.wasm" "$src" "$root/bench/wasm/import_free_stubs.c"
done

echo "date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
echo "schedlab: $sbuild ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') + working tree); node $(node --version 2>/dev/null || echo -); $(wasm-interp --version 2>/dev/null | sed 's/^/wabt /' || echo)"
echo
echo "| kernel | N | native ms | schedlab ms | × native | node ms | × native | wasm-interp ms | × native |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
lsum=0; nsum=0; isum=0; lcount=0; ncount=0; icount=0
for k in "${kernels[@]}"; do
    n=$(default_n "$k")
    tn=$(best_of3 "$out/$k.native"); want=$(cat "$out/last.out")
    ts=$(best_of3 "$schedlab" wasm run "$out/$k.wasm")
    [ "$ts" != FAIL ] && [ "$(cat "$out/last.out")" != "$want" ] && ts="WRONG($(head -c 40 "$out/last.out"))"
    tnode=-
    if [ $use_node = 1 ]; then
        tnode=$(best_of3 node --no-warnings --single-threaded --no-liftoff "$root/bench/wasm/node-run.mjs" "$out/$k.wasm")
        [ "$tnode" != FAIL ] && [ "$(cat "$out/last.out")" != "$want" ] && tnode=WRONG
    fi
    ti=-
    if [ $use_interp = 1 ]; then
        rn=${interp_n[$k]}
        small=$("$out/$k.native" "$rn")
        raw=$(best_of3 wasm-interp "$out/$k.free.wasm" --run-all-exports)
        got=$(sed -n 's/^bench() => i32:\([0-9]*\)$/\1/p' "$out/last.out")
        if [ "$raw" = FAIL ]; then ti=FAIL
        elif [ "$got" != "$small" ]; then ti="WRONG($got != $small)"
        else ti=$(awk -v r="$raw" -v a="$(work "$k" "$n")" -v b="$(work "$k" "$rn")" 'BEGIN { printf "~%d", r * a / b }')
        fi
    fi
    ratio() { awk -v t="${1#\~}" -v b="$tn" 'BEGIN { if (t ~ /^[0-9.]+$/ && b > 0) printf "%.1f", t / b; else print "-" }'; }
    rs=$(ratio "$ts"); rn_=$(ratio "$tnode"); ri=$(ratio "$ti")
    [ "$rs" != - ] && { lsum=$(awk -v s="$lsum" -v r="$rs" 'BEGIN { print s + log(r) }'); lcount=$((lcount + 1)); }
    [ "$rn_" != - ] && { nsum=$(awk -v s="$nsum" -v r="$rn_" 'BEGIN { print s + log(r) }'); ncount=$((ncount + 1)); }
    [ "$ri" != - ] && { isum=$(awk -v s="$isum" -v r="$ri" 'BEGIN { print s + log(r) }'); icount=$((icount + 1)); }
    echo "| $k | $n | $tn | $ts | $rs | $tnode | $rn_ | $ti | $ri |"
done
geo() { awk -v s="$1" -v c="$2" 'BEGIN { if (c > 0) printf "%.1f", exp(s / c); else print "-" }'; }
echo "| **geomean** | | | | **$(geo "$lsum" "$lcount")** | | **$(geo "$nsum" "$ncount")** | | **$(geo "$isum" "$icount")** |"
echo

# The regex kernel's native column uses glibc's regex, while the wasm build
# runs wasi-libc's (musl's TRE), a different and slower engine. When musl-gcc
# is installed (Debian musl-tools), also time the same source natively
# against musl, i.e. the same regex engine, and report that ratio beside the
# table (the table itself keeps the plain `clang -O2` native build).
if command -v musl-gcc >/dev/null && [[ " ${kernels[*]} " == *" regex "* ]]; then
    [ "$out/regex.musl.native" -nt "$kdir/regex.c" ] || musl-gcc -O2 -static -o "$out/regex.musl.native" "$kdir/regex.c"
    tm=$(best_of3 "$out/regex.musl.native")
    ts=$(best_of3 "$schedlab" wasm run "$out/regex.wasm")
    echo "regex, native against musl (same TRE engine as the wasm build): native $tm ms, schedlab $ts ms," \
         "$(awk -v t="$ts" -v b="$tm" 'BEGIN { printf "%.1f", t / b }')x"
    echo
fi

# ---- call costs and load time
cb="$out/callbench"
lib="$root/$sbuild/libschedlab.a"
if [ -f "$lib" ]; then
    clang -std=c11 -D_GNU_SOURCE -O2 -I"$root/src" -o "$cb" "$root/bench/wasm/callbench.c" "$lib" \
        -ljansson -lyaml -lpcre2-8 -lm -lpthread
    wat2wasm "$root/bench/wasm/calls.wat" -o "$out/calls.wasm"
    echo "callbench calls (10M calls, best of 5):"
    "$cb" calls "$out/calls.wasm" 10000000 | sed 's/^/    /'
    if [ ! -f "$out/large.wasm" ] || [ "$root/bench/wasm/gen_large.sh" -nt "$out/large.wasm" ]; then
        echo "generating and compiling the large module (clang takes ~30 s) ..." >&2
        "$root/bench/wasm/gen_large.sh" "$out/large.c"
        clang --target=wasm32-wasi -O2 -o "$out/large.wasm" "$out/large.c"
    fi
    echo "callbench load large.wasm ($(stat -c %s "$out/large.wasm") bytes, 4000+ functions, one 3000-case switch):"
    "$cb" load "$out/large.wasm" | sed 's/^/    /'
    echo "schedlab wasm run large.wasm 1 (process: load + instantiate + run, /usr/bin/time):"
    /usr/bin/time -f "    wall %e s, max RSS %M KB" "$schedlab" wasm run "$out/large.wasm" 1 >/dev/null
    if [ $use_node = 1 ]; then
        echo "node (lazy compile) for comparison:"
        /usr/bin/time -f "    wall %e s, max RSS %M KB" node --no-warnings --single-threaded "$root/bench/wasm/node-run.mjs" "$out/large.wasm" 1 >/dev/null
    fi
else
    echo "($lib missing: skipped callbench)"
fi
