#!/usr/bin/env bash
# wasmplugin.sh — wasm scheduler plugins end to end through `schedlab
# schedule` and `schedlab bench scheduling`: the seed regex demo with v1/v2
# test guests (tests/wasmplugin/regex_guest.c, built here with clang
# --target=wasm32-wasi) loaded from file://, a plain path and an http://
# URL served on loopback; two wasm plugins side by side; bad guestURLs
# (exit 2, message names the plugin); hostile guests (loop, memory bomb,
# deep recursion, trap, proc_exit, stdout flood) failing only their pod in
# bounded time while the other pods are scheduled.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/wasmplugin.sh
#
# The last line is "wasmplugin-cli: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
SCHEDLAB=$(readlink -f "$SCHEDLAB")
TMP=$(mktemp -d)
HTTP_PID=
cleanup() { [ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    [ -s "$TMP/err" ] && sed 's/^/  stderr: /' "$TMP/err" | head -5
    return 0
}
run() { timeout 120 "$SCHEDLAB" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }
expect_rc() { if [ "$rc" -eq "$2" ]; then pass; else fail "$1: exit $rc, want $2"; fi; }
expect_out() { if grep -qE -- "$2" "$TMP/out"; then pass; else fail "$1: output lacks /$2/"; sed 's/^/  out: /' "$TMP/out" | head -8; fi; }
expect_err() { if grep -qE -- "$2" "$TMP/err"; then pass; else fail "$1: stderr lacks /$2/"; fi; }

build() { # src out extra...
    local src=$1 out=$2; shift 2
    clang --target=wasm32-wasi -O2 "$@" -o "$out" "$src" 2>"$TMP/err" || { fail "build $out"; return 1; }
}
build tests/wasmplugin/regex_guest.c "$TMP/regex_v2.wasm" -nostartfiles -Wl,--no-entry -Wl,--export=prefilter -Wl,--export=filter
build tests/wasmplugin/regex_guest.c "$TMP/regex_v1.wasm" -DREGEX_V1 -nostartfiles -Wl,--no-entry -Wl,--export=filter
build tests/wasmplugin/hostile_guest.c "$TMP/hostile.wasm" -mbulk-memory -mexec-model=reactor -Wl,--export=prefilter -Wl,--export=filter

config() { # file name url [more plugin yaml]
    cat >"$1" <<YAML
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
      multiPoint:
        enabled:
          - name: $2
    pluginConfig:
      - name: $2
        args:
          guestURL: $3
${4:-}
YAML
}

demo() { # name config
    run schedule --cluster examples/regex-demo.yaml --config "$2" -o json
    expect_rc "$1" 0
    python3 - "$TMP/out" "$1" >"$TMP/check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pods = {p["name"]: p for p in d["pods"]} if isinstance(d, dict) and "pods" in d else {p["name"]: p for p in d}
def st(n): return pods[n]
ok = True
k = st("kubecon-pod"); ok &= k["status"] == "Scheduled" and k["node"].startswith("kubecon-")
c = st("cncf-pod"); ok &= c["status"] == "Unschedulable" and 'does not match regex \\"cncf-.*\\"' in json.dumps(c["message"])
i = st("invalid-pod"); ok &= i["status"] == "Error" and "failed to compile regex" in i["message"]
p = st("plain-pod"); ok &= p["status"] == "Scheduled"
print("ok" if ok else "bad: " + json.dumps(d)[:600])
PY
    if grep -q '^ok' "$TMP/check"; then pass; else fail "$1: $(head -c 600 "$TMP/check")"; fi
}

config "$TMP/v2.yaml" RegexWasmV2 "file://$TMP/regex_v2.wasm"
demo "v2 from file://" "$TMP/v2.yaml"
config "$TMP/v1.yaml" RegexWasmV1 "$TMP/regex_v1.wasm"
demo "v1 from a plain path" "$TMP/v1.yaml"

# the C SDK guests of guests/ (build/wasm, built by the default make target)
# when this tree has them
for v in v1 v2; do
    if [ -f "build/wasm/regex_$v.wasm" ]; then
        config "$TMP/sdk_$v.yaml" "RegexSdk$v" "file://$PWD/build/wasm/regex_$v.wasm"
        demo "SDK guest $v from file://" "$TMP/sdk_$v.yaml"
    fi
done

# http:// on loopback (python3 -m http.server on a free port)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$TMP" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
HTTP_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
config "$TMP/http.yaml" RegexWasmV2 "http://127.0.0.1:$PORT/regex_v2.wasm"
demo "v2 from http://" "$TMP/http.yaml"
config "$TMP/http404.yaml" RegexWasmV2 "http://127.0.0.1:$PORT/missing.wasm"
run schedule --cluster examples/regex-demo.yaml --config "$TMP/http404.yaml"
expect_rc "http 404" 2
expect_err "http 404 message" 'RegexWasmV2.*received 404 status code'
kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null; HTTP_PID=

# bad guestURLs are configuration errors naming the plugin
config "$TMP/missing.yaml" Broken "file://$TMP/nope.wasm"
run schedule --cluster examples/regex-demo.yaml --config "$TMP/missing.yaml"
expect_rc "missing file" 2
expect_err "missing file message" 'Broken.*wasm: error reading guestURL'
config "$TMP/ldap.yaml" Broken "ldap://x/y.wasm"
run schedule --cluster examples/regex-demo.yaml --config "$TMP/ldap.yaml"
expect_rc "ldap scheme" 2
expect_err "ldap message" 'unsupported URL scheme: ldap'

# two wasm plugins side by side (v1 and v2 under their own names)
config "$TMP/both.yaml" RegexWasmV1 "file://$TMP/regex_v1.wasm" "      - name: RegexWasmV2
        args:
          guestURL: file://$TMP/regex_v2.wasm"
sed -i "s/          - name: RegexWasmV1/          - name: RegexWasmV1\n          - name: RegexWasmV2/" "$TMP/both.yaml"
run schedule --cluster examples/regex-demo.yaml --config "$TMP/both.yaml" --explain
expect_rc "two plugins" 0
expect_out "two plugins: both ran" 'RegexWasmV1'
expect_out "two plugins: both ran (v2)" 'RegexWasmV2'

# hostile guests: each hostile pod fails alone, in bounded time
{
    for i in 0 1 2; do printf 'apiVersion: v1\nkind: Node\nmetadata: {name: node-%s}\nstatus: {capacity: {cpu: "4", memory: 32Gi, pods: "110"}}\n---\n' "$i"; done
    for m in loop memory recursion trap exit stdout; do
        printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: hostile-%s, namespace: default, annotations: {hostile: %s}}\nspec: {containers: [{name: c, image: x}]}\n---\n' "$m" "$m"
    done
    for i in 1 2 3; do printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: good-%s, namespace: default}\nspec: {containers: [{name: c, image: x}]}\n---\n' "$i"; done
} >"$TMP/hostile-cluster.yaml"
config "$TMP/hostile.yaml" Hostile "file://$TMP/hostile.wasm" "          callTimeoutMs: 300
          memoryLimitPages: 64"
start=$(date +%s)
run schedule --cluster "$TMP/hostile-cluster.yaml" --config "$TMP/hostile.yaml" -o json
took=$(( $(date +%s) - start ))
expect_rc "hostile run" 0
if [ "$took" -lt 60 ]; then pass; else fail "hostile run took ${took}s"; fi
python3 - "$TMP/out" >"$TMP/check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pods = {p["name"]: p for p in (d["pods"] if isinstance(d, dict) else d)}
want = {"loop": "deadline exceeded", "memory": "panic: out of memory", "recursion": "call stack exhausted",
        "trap": "panic: hostile guest", "exit": "exit_code(7)", "stdout": None}
bad = []
for m, msg in want.items():
    p = pods["hostile-" + m]
    if msg is None:
        if p["status"] != "Scheduled": bad.append(m + ": " + p["status"] + " " + p.get("message", "")[:200])
    elif p["status"] != "Error" or msg not in p["message"] or "wasm: filter error" not in p["message"]:
        bad.append(m + ": " + p["status"] + " " + p.get("message", "")[:300])
for i in (1, 2, 3):
    if pods["good-%d" % i]["status"] != "Scheduled": bad.append("good-%d" % i)
print("ok" if not bad else "bad: " + "; ".join(bad))
PY
if grep -q '^ok' "$TMP/check"; then pass; else fail "hostile: $(head -c 900 "$TMP/check")"; fi

# bench scheduling with a wasm plugin
printf 'metadata:\n  annotations:\n    scheduler.wasmkwokwizardry.io/regex: "[02468]$"\n' >"$TMP/pod-template.yaml"
run bench scheduling --nodes 50 --pods 40 --config "$TMP/v2.yaml" --pod-template "$TMP/pod-template.yaml" -o json
expect_rc "bench with wasm" 0
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["scheduled"]==40 else 1)' "$TMP/out"; then pass; else fail "bench: not all scheduled: $(head -c 300 "$TMP/out")"; fi

echo "wasmplugin-cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
