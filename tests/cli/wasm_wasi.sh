#!/usr/bin/env bash
# wasm_wasi.sh — `schedlab wasm run` as wasmtime runs a WASI command:
# --dir HOST[::GUEST] preopens (read, write, append, seek, pread, list,
# stat, mkdir, rename, unlink, rmdir, readlink) with every escape attempt
# refused (`..`, absolute paths, symlinks out of the directory, renames
# and creations outside it) and the host tree checked afterwards; stdin
# passed through by default; guest output kept when the process is killed
# by a signal; .wat input converted with wat2wasm or explained; --invoke of
# a non-function listing the exported functions; did-you-mean for options.
#
# The guest is tests/data/wasm/fs.c, built with clang --target=wasm32-wasi.
# Last line: "wasm_wasi: N passed, M failed".
set -u
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mode="${MODE:-release}"
bin="${SCHEDLAB:-$root/build/$mode/schedlab}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
g="$(dirname "$bin")/wasm-run-guests"
pass=0; fail=0
tmp="$(mktemp -d "${TMPDIR:-/tmp}/wasm_wasi.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() {
    timeout 60 "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; rc=$?
    out="$(cat "$tmp/out")"; err="$(cat "$tmp/err")"
}
expect_rc() { if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, want $2 (stdout: $(head -c 300 "$tmp/out"); stderr: $(head -c 300 "$tmp/err"))"; fi; }
expect_out() { if [ "$out" = "$2" ]; then ok; else bad "$1: stdout [$out], want [$2]"; fi; }
expect_in() { if [[ "$2" == *"$3"* ]]; then ok; else bad "$1: [$3] not in [$(head -c 600 <<<"$2")]"; fi; }

mkdir -p "$g"
if ! clang --target=wasm32-wasi -O2 tests/data/wasm/fs.c -o "$g/fs.wasm" ||
   ! clang --target=wasm32-wasi -O2 tests/data/wasm/hello.c -o "$g/hello.wasm"; then
    echo "cannot build guests (needs clang with wasi-libc)"
    echo "wasm_wasi: 0 passed, 1 failed"
    exit 1
fi
fs="$g/fs.wasm"

# The host tree: data/ is preopened; outside/ must stay untouched.
mkdir -p "$tmp/data/sub" "$tmp/outside"
echo secret >"$tmp/outside/secret"
printf 'hello\n' >"$tmp/data/a.txt"
ln -s ../outside/secret "$tmp/data/esc"          # relative link out
ln -s "$tmp/outside/secret" "$tmp/data/abs"      # absolute link out
ln -s a.txt "$tmp/data/ok"                       # link inside: fine
ln -s .. "$tmp/data/up"                          # directory link out
ln -s ../.. "$tmp/data/sub/upup"
D="--dir $tmp/data::/data"

# --- reading, listing, stat
run wasm run $D "$fs" cat /data/a.txt
expect_rc "cat" 0; expect_out "cat" "hello"
run wasm run $D "$fs" ls /data
expect_out "ls" "a.txt
abs
esc
ok
sub
up"
run wasm run $D "$fs" cat /data/ok
expect_out "symlink inside the directory is followed" "hello"
run wasm run $D "$fs" stat /data/a.txt
expect_out "stat" "size 6 file"
run wasm run $D "$fs" lstat /data/ok
expect_out "lstat does not follow" "size 5 link"
run wasm run $D "$fs" readlink /data/esc
expect_out "readlink" "../outside/secret"
run wasm run $D "$fs" seek /data/a.txt 2
expect_out "lseek" "llo"
run wasm run $D "$fs" pread /data/a.txt 1 3
expect_out "pread" "ell"
run wasm run $D "$fs" preopens
expect_out "one preopen, fd 3" "fd 3 dir"
run wasm run --dir "$tmp/data" "$fs" cat "$tmp/data/a.txt"
expect_out "--dir HOST: seen under its own name" "hello"
run wasm run --dir "$tmp/data::." "$fs" cat a.txt
expect_out "--dir HOST::. : relative paths" "hello"

mkdir "$tmp/many"
for i in $(seq 1 200); do : >"$tmp/many/file-with-a-rather-long-name-number-$i.txt"; done
run wasm run --dir "$tmp/many::/many" "$fs" ls /many
if [ "$(wc -l <"$tmp/out")" -eq 200 ] && [ -z "$(sort "$tmp/out" | uniq -d)" ]; then ok; else bad "readdir over several calls: $(wc -l <"$tmp/out") entries"; fi
rm -rf "$tmp/many"

# --- writing
run wasm run $D "$fs" write /data/new.txt abc
expect_rc "write" 0
run wasm run $D "$fs" append /data/new.txt def
if [ "$(cat "$tmp/data/new.txt")" = "abcdef" ]; then ok; else bad "write+append: host file has [$(cat "$tmp/data/new.txt")]"; fi
run wasm run $D "$fs" mkdir /data/d2
expect_rc "mkdir" 0
run wasm run $D "$fs" mv /data/new.txt /data/d2/moved.txt
expect_rc "rename" 0
if [ -f "$tmp/data/d2/moved.txt" ] && [ ! -e "$tmp/data/new.txt" ]; then ok; else bad "rename: host tree not as expected"; fi
run wasm run $D "$fs" rmdir /data/d2
expect_rc "rmdir of a non-empty directory fails" 1; expect_in "rmdir ENOTEMPTY" "$out" "not empty"
run wasm run $D "$fs" rm /data/d2/moved.txt
expect_rc "unlink" 0
run wasm run $D "$fs" rmdir /data/d2
expect_rc "rmdir" 0
if [ ! -e "$tmp/data/d2" ]; then ok; else bad "rmdir: directory still on the host"; fi
run wasm run $D "$fs" cat /data/missing
expect_rc "missing file" 1; expect_in "ENOENT" "$out" "No such file or directory"

# --- escapes: every one refused, nothing outside touched. Twice: with
# openat2 (RESOLVE_BENEATH) and with the component-by-component walk used
# on kernels without it (forced by SCHEDLAB_WASI_NO_OPENAT2).
escapes() {  # label
    for attempt in "cat /data/../outside/secret" "cat /data/esc" "cat /data/abs" "cat /data/up/outside/secret" \
                   "cat /data/sub/upup/outside/secret" "stat /data/sub/../../outside/secret" "cat $tmp/outside/secret" \
                   "cat /etc/passwd" "write /data/../outside/x y" "write /data/esc overwritten" \
                   "mkdir /data/../outside/newdir" "mv /data/a.txt /data/../outside/stolen" "rm /data/../outside/secret" \
                   "rmdir /data/.." "ls /data/up" "mv /data/up/outside/secret /data/got" "ls /data/sub/upup"; do
        run wasm run $D "$fs" $attempt
        if [ "$rc" -eq 1 ] && [[ "$out" == *"Capabilities insufficient"* || "$out" == *"Operation not permitted"* ]]; then
            ok
        else
            bad "$1: escape \"$attempt\" not refused: rc $rc, stdout [$out]"
        fi
    done
    if [ "$(ls "$tmp/outside")" = "secret" ] && [ "$(cat "$tmp/outside/secret")" = "secret" ] && [ -f "$tmp/data/a.txt" ]; then
        ok
    else
        bad "$1: escape attempts changed the host tree: $(ls -R "$tmp/outside" "$tmp/data")"
    fi
    # Legitimate paths still work.
    run wasm run $D "$fs" cat /data/sub/../a.txt
    expect_out "$1: .. that stays inside" "hello"
    run wasm run $D "$fs" write /data/sub/w.txt inside
    expect_rc "$1: create in a subdirectory" 0
    run wasm run $D "$fs" ls /data/sub/..
    expect_in "$1: list through .." "$out" "a.txt"
    rm -f "$tmp/data/sub/w.txt"
}
escapes openat2
SCHEDLAB_WASI_NO_OPENAT2=1
export SCHEDLAB_WASI_NO_OPENAT2
escapes "fallback walk"
run wasm run $D "$fs" cat /data/ok
expect_rc "fallback walk: refuses even a symlink that stays inside" 1
unset SCHEDLAB_WASI_NO_OPENAT2
run wasm run $D "$fs" rm /data/up
expect_rc "a symlink itself may be removed" 0
if [ ! -L "$tmp/data/up" ] && [ -d "$tmp" ]; then ok; else bad "rm of the symlink"; fi

# --- bad --dir
run wasm run --dir "$tmp/nope" "$fs" ls /data
expect_rc "--dir missing directory" 2; expect_in "--dir names the path" "$err" "$tmp/nope"
run wasm run --dir "$tmp/data/a.txt" "$fs" ls /data
expect_rc "--dir of a file" 2; expect_in "--dir of a file" "$err" "not a directory"

# --- stdin passed through by default
out=$(printf 'piped line\n' | timeout 60 "$bin" wasm run "$g/hello.wasm" cat 2>/dev/null)
expect_in "stdin passed through" "$out" "piped line"
out=$(printf 'piped line\n' | timeout 60 "$bin" wasm run --stdin /dev/null "$g/hello.wasm" cat 2>/dev/null)
if [[ "$out" != *"piped line"* ]]; then ok; else bad "--stdin /dev/null still read the pipe"; fi

# --- output kept when the process is killed by a signal
{ timeout -s KILL 2 "$bin" wasm run "$fs" slow "written before the kill" >"$tmp/killed.out" </dev/null; rc=$?; } 2>/dev/null
expect_rc "killed by SIGKILL" 137
if grep -q "written before the kill" "$tmp/killed.out"; then ok; else bad "guest stdout lost after SIGKILL: [$(cat "$tmp/killed.out")]"; fi

# --- .wat input
cat >"$tmp/add.wat" <<'WAT'
(module
  (memory (export "memory") 1)
  (global $g (export "counter") (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "sub") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1))))
WAT
if command -v wat2wasm >/dev/null; then
    run wasm run --invoke add "$tmp/add.wat" 2 3
    expect_rc ".wat converted with wat2wasm" 0; expect_out ".wat result" "5"
fi
PATH=/nonexistent "$bin" wasm run --invoke add "$tmp/add.wat" 2 3 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?; out="$(cat "$tmp/out")"; err="$(cat "$tmp/err")"
expect_rc ".wat without wat2wasm" 2; expect_in ".wat hint" "$err" "wat2wasm $tmp/add.wat -o"

# --- --invoke of something that is not a function
if command -v wat2wasm >/dev/null; then
    wat2wasm "$tmp/add.wat" -o "$tmp/add.wasm"
    run wasm run --invoke memory "$tmp/add.wasm"
    expect_rc "--invoke memory" 2
    expect_in "--invoke memory: says what it is" "$err" 'export "memory" is a memory, not a function'
    expect_in "--invoke memory: lists functions" "$err" "exported functions:
  add (i32, i32) -> (i32)
  sub (i32, i32) -> (i32)"
    run wasm run --invoke ad "$tmp/add.wasm" 1 2
    expect_rc "--invoke typo" 2; expect_in "--invoke typo: did you mean" "$err" "did you mean add?"
fi

# --- did-you-mean
run wasm run --dri "$tmp/data" "$fs" ls .
expect_rc "misspelt option" 2; expect_in "misspelt option" "$err" "did you mean --dir?"
run wasm rnu "$fs"
expect_rc "misspelt subcommand" 2; expect_in "misspelt subcommand" "$err" "did you mean run?"

echo "wasm_wasi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
