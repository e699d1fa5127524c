#!/usr/bin/env bash
# wasm_run.sh — end-to-end tests of `schedlab wasm run` (and `inspect`):
# a C hello-world under WASI (stdout, stderr, args, env, stdin, exit code), a
# trapping guest (message + backtrace, exit 134), --invoke on a reactor
# (_initialize, every number type, multi-value, traps, bad arguments),
# --max-memory-pages, bad files, and a looping guest stopped by
# --timeout-ms (exit 124) in bounded time.
#
# Guests come from tests/data/wasm/ and are built into
# $(dirname $SCHEDLAB)/wasm-run-guests/ with clang --target=wasm32-wasi and
# wat2wasm. Last line: "wasm_run: N passed, M failed".
set -u
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mode="${MODE:-release}"
bin="${SCHEDLAB:-$root/build/$mode/schedlab}"
g="$(dirname "$bin")/wasm-run-guests"
pass=0; fail=0
tmp="$(mktemp -d "${TMPDIR:-/tmp}/wasm_run.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run NAME ARGS...: runs schedlab with a 60 s cap; sets $rc, $out, $err
run() {
    timeout 60 "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; rc=$?
    out="$(cat "$tmp/out")"; err="$(cat "$tmp/err")"
}
expect_rc() {  # what wanted
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, want $2 (stderr: $(head -c 400 "$tmp/err"))"; fi
}
expect_out() {  # what wanted-exact-stdout
    if [ "$out" = "$2" ]; then ok; else bad "$1: stdout [$out], want [$2]"; fi
}
expect_in() {  # what haystack needle
    if [[ "$2" == *"$3"* ]]; then ok; else bad "$1: [$3] not in [$(head -c 600 <<<"$2")]"; fi
}

mkdir -p "$g"
if ! (cd tests/data/wasm &&
      for f in hello trap loop; do clang --target=wasm32-wasi -O2 "$f.c" -o "$g/$f.wasm" || exit 1; done &&
      wat2wasm reactor.wat -o "$g/reactor.wasm" && wat2wasm --debug-names recurse.wat -o "$g/recurse.wasm"); then
    echo "cannot build guests (needs clang with wasi-libc and wat2wasm)"
    echo "wasm_run: 0 passed, 1 failed"
    exit 1
fi

# --- help and usage
run wasm --help
expect_rc "wasm --help" 0; expect_in "wasm --help" "$out" "usage: schedlab wasm run"
run wasm run
expect_rc "run without file" 2
run wasm run --bogus x.wasm
expect_rc "unknown option" 2

# --- WASI command: stdout, stderr, args, env
run wasm run --env GREETING=hola --env X=1 "$g/hello.wasm" one "two words"
expect_rc "hello" 0
expect_out "hello" "hello from wasm
argv[0]=$g/hello.wasm
argv[1]=one
argv[2]=two words
GREETING=hola"
expect_in "hello stderr" "$err" "note on stderr"
run wasm run "$g/hello.wasm"
expect_in "hello without env" "$out" "GREETING=(unset)"

# --- exit code via proc_exit
run wasm run "$g/hello.wasm" exit 7
expect_rc "exit 7" 7
run wasm run "$g/hello.wasm" exit 0
expect_rc "exit 0" 0

# --- stdin
printf 'first line\nsecond line\n' >"$tmp/in.txt"
run wasm run --stdin "$tmp/in.txt" "$g/hello.wasm" cat
expect_rc "stdin cat" 0
expect_in "stdin cat" "$out" "GREETING=(unset)
first line
second line"
run wasm run --stdin "$tmp/missing.txt" "$g/hello.wasm" cat
expect_rc "missing --stdin file" 2

# --- call stack exhaustion: bounded backtrace, quickly
start_ns=$(date +%s%N)
run wasm run --invoke down "$g/recurse.wasm" 0
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
expect_rc "exhaustion" 134
expect_in "exhaustion message" "$err" "call stack exhausted"
expect_in "exhaustion backtrace names" "$err" "(down)"
expect_in "exhaustion backtrace truncated" "$err" "more frames"
if [ "$(grep -c 'wasm function' "$tmp/err")" -le 64 ]; then ok; else bad "exhaustion: more than 64 frames printed"; fi
if [ "$elapsed_ms" -lt 20000 ]; then ok; else bad "exhaustion took ${elapsed_ms} ms"; fi

# --- trap: message, backtrace with function names, exit 134
run wasm run "$g/trap.wasm"
expect_rc "trap" 134
expect_out "trap stdout" "about to trap"
expect_in "trap message" "$err" "unreachable"
expect_in "trap backtrace" "$err" "crash_in_guest"
expect_in "trap backtrace caller" "$err" "call_the_crash"

# --- --invoke on a reactor
run wasm run --invoke initialized "$g/reactor.wasm"
expect_rc "invoke initialized" 0; expect_out "_initialize ran first" "42"
run wasm run --invoke add "$g/reactor.wasm" 40 2
expect_out "invoke add" "42"
run wasm run --invoke add "$g/reactor.wasm" 0x7fffffff 1
expect_out "invoke add wraps" "-2147483648"
run wasm run --invoke=mul64 "$g/reactor.wasm" 0x10 -3
expect_out "invoke mul64" "-48"
run wasm run --invoke half "$g/reactor.wasm" 3
expect_out "invoke half" "1.5"
run wasm run --invoke fadd "$g/reactor.wasm" 0.25 0.5
expect_out "invoke fadd" "0.75"
run wasm run --invoke divmod "$g/reactor.wasm" 7 2
expect_out "invoke divmod (multi-value)" "3
1"
run wasm run --invoke fail "$g/reactor.wasm"
expect_rc "invoke trap" 134; expect_in "invoke trap message" "$err" "integer divide by zero"
run wasm run --invoke add "$g/reactor.wasm" 1
expect_rc "invoke wrong arg count" 2
run wasm run --invoke add "$g/reactor.wasm" 1 x
expect_rc "invoke bad arg" 2
run wasm run --invoke nosuch "$g/reactor.wasm"
expect_rc "invoke unknown export" 2; expect_in "invoke unknown export" "$err" "nosuch"
run wasm run "$g/reactor.wasm"
expect_rc "reactor without --invoke" 2; expect_in "no _start" "$err" "_start"

# --- memory cap
run wasm run --max-memory-pages 2 --invoke grow "$g/reactor.wasm" 1
expect_out "grow within cap" "1"
run wasm run --max-memory-pages 2 --invoke grow "$g/reactor.wasm" 2
expect_out "grow beyond cap" "-1"
run wasm run --max-memory-pages 0 "$g/hello.wasm"
expect_rc "bad --max-memory-pages" 2

# --- bad files
printf 'this is not wasm' >"$tmp/bad.wasm"
run wasm run "$tmp/bad.wasm"
expect_rc "bad file" 2; expect_in "bad file message" "$err" "malformed"
run wasm run "$tmp/does-not-exist.wasm"
expect_rc "missing file" 2; expect_in "missing file message" "$err" "cannot read"

# --- inspect
run wasm inspect "$g/hello.wasm"
expect_rc "inspect" 0
expect_in "inspect exports" "$out" "func _start () -> ()"
expect_in "inspect imports" "$out" "wasi_snapshot_preview1.fd_write"

# --- timeout on an endless loop, in bounded time
start=$(date +%s%N)
run wasm run --timeout-ms 300 "$g/loop.wasm"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc "timeout" 124
expect_in "timeout message" "$err" "interrupted"
expect_in "timeout stdout" "$out" "looping forever"
if [ "$ms" -ge 250 ] && [ "$ms" -lt 10000 ]; then ok; else bad "timeout took ${ms} ms"; fi

echo "wasm_run: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
