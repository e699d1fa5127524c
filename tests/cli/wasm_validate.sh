#!/usr/bin/env bash
# wasm_validate.sh — end-to-end tests of the wasm_validate tool
# (tests/tools/wasm_validate.c): a valid module prints "OK", malformed and
# invalid ones print the loader's classified error and make the exit status
# 1, several files are reported one line each, a missing file is an error.
#
#   MODE=release bash tests/cli/wasm_validate.sh
#
# The last line is "wasm_validate: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
MODE=${MODE:-release}
# The tool sits next to $SCHEDLAB (build/<mode>/tools/wasm_validate).
if [ -n "${SCHEDLAB:-}" ]; then default_tool="$(dirname "$SCHEDLAB")/tools/wasm_validate"
else default_tool="build/$MODE/tools/wasm_validate"; fi
TOOL=${WASM_VALIDATE:-$default_tool}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; [ -s "$TMP/out" ] && sed 's/^/  out: /' "$TMP/out" | head -5; return 0; }

# expect NAME STATUS PATTERN FILE...: runs the tool, checks status and output.
expect() {
    local name="$1" want_status="$2" pattern="$3"; shift 3
    "$TOOL" "$@" >"$TMP/out" 2>&1
    local status=$?
    if [ "$status" -ne "$want_status" ]; then fail "$name: exit $status, want $want_status"; return; fi
    if ! grep -qE -- "$pattern" "$TMP/out"; then fail "$name: output does not match /$pattern/"; return; fi
    pass
}

if [ ! -x "$TOOL" ]; then
    echo "FAIL: $TOOL not built"
    echo "wasm_validate: 0 passed, 1 failed"
    exit 1
fi

cat >"$TMP/good.wat" <<'WAT'
(module
  (memory (export "memory") 1)
  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "loop") (param i32) (result i32)
    (block $out (loop $top
      (br_if $out (i32.eqz (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br $top)))
    (local.get 0)))
WAT
cat >"$TMP/invalid.wat" <<'WAT'
(module (func (result i32) (i64.const 1)))
WAT
wat2wasm "$TMP/good.wat" -o "$TMP/good.wasm"
wat2wasm --no-check "$TMP/invalid.wat" -o "$TMP/invalid.wasm"
printf '\0asm\1\0\0\0\1\5\1\140\0' >"$TMP/truncated.wasm"
printf 'not wasm at all' >"$TMP/text.wasm"

expect "valid module" 0 "good.wasm: OK$" "$TMP/good.wasm"
expect "invalid module" 1 "invalid.wasm: invalid: type mismatch.*func 0.*offset 0x" "$TMP/invalid.wasm"
expect "truncated module" 1 "truncated.wasm: malformed: " "$TMP/truncated.wasm"
expect "not a module" 1 "text.wasm: malformed: magic header not detected" "$TMP/text.wasm"
expect "missing file" 1 "nope.wasm: .*No such file" "$TMP/nope.wasm"
expect "no arguments" 2 "usage" 
"$TOOL" "$TMP/good.wasm" "$TMP/invalid.wasm" "$TMP/good.wasm" >"$TMP/out" 2>&1
if [ $? -eq 1 ] && [ "$(wc -l <"$TMP/out")" -eq 3 ] && [ "$(grep -c ': OK$' "$TMP/out")" -eq 2 ]; then
    pass
else
    fail "several files: one line each, exit 1"
fi

echo "wasm_validate: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
