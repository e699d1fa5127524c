#!/usr/bin/env bash
# extender.sh — scheduler extenders end to end over real HTTP on loopback:
# the regex demo through the C extenders v1 and v2 and the Python one
# (`schedlab schedule --config`), prioritize weighting and ×10 scaling,
# the bind verb, managedResources (+ ignoredByScheduler), the request
# bodies as an extender receives them (full Nodes vs nodeCacheCapable),
# --explain, `bench scheduling --config`, and faults from a fault-injecting
# extender (down, slow past httpTimeout, HTTP 500, garbage, Error set) with
# ignorable true and false. Every server gets a free port (port 0) and is
# killed at the end; every schedlab run is bounded by `timeout`.
#
#   SCHEDLAB=build/release/schedlab MODE=release bash tests/cli/extender.sh
#
# The last line is "extender-cli: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
MODE=${MODE:-release}
if [ "$MODE" = release ]; then EXAMPLES=build/examples; else EXAMPLES=build/$MODE/examples; fi
PY=/usr/bin/python3
DATA=tests/data/extender
FAKE=tests/cli/fake_extender.py
REGEX_PY=examples/regex-extender/regex_extender.py
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
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

# start NAME CMD...: starts a server that prints "listening on http://H:P",
# sets $URL to that address (fails the test when it does not come up).
start() {
    local name="$1"; shift
    : >"$TMP/$name.out"
    "$@" >>"$TMP/$name.out" 2>"$TMP/$name.err" &
    PIDS+=($!)
    URL=""
    for _ in $(seq 1 100); do
        URL=$(sed -n 's/^listening on //p' "$TMP/$name.out" 2>/dev/null)
        [ -n "$URL" ] && return 0
        sleep 0.05
    done
    fail "$name: did not start: $(cat "$TMP/$name.err")"
    return 1
}

# config FILE EXTENDER-YAML...: a KubeSchedulerConfiguration with extenders.
config() {
    local f="$1"; shift
    { echo "apiVersion: kubescheduler.config.k8s.io/v1"
      echo "kind: KubeSchedulerConfiguration"
      echo "extenders:"
      for e in "$@"; do echo "$e"; done; } >"$f"
}

# run SECONDS ARGS...: schedlab under timeout; $TMP/out, $TMP/err, $rc, $took (s).
run() {
    local limit="$1"; shift
    local t0=$(date +%s.%N)
    timeout "$limit" "$SCHEDLAB" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    took=$(echo "$(date +%s.%N) - $t0" | bc)
}

expect_rc() { if [ "$rc" -eq "$2" ]; then pass; else fail "$1: exit $rc, want $2"; fi; }

# check_json NAME EXPR: d = output JSON, pod(name), msg(name), rec = recorded
# requests (list of {path, body}) when $TMP/rec.jsonl exists.
check_json() {
    local name="$1" expr="$2" why
    why=$($PY - "$TMP/out" "$expr" "$TMP/rec.jsonl" <<'PYEOF' 2>&1
import json, os, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("output is not JSON: %s" % e); sys.exit(1)
rec = [json.loads(l) for l in open(sys.argv[3])] if os.path.exists(sys.argv[3]) else []
def pod(name):
    for p in d["pods"]:
        if p["name"] == name:
            return p
    raise KeyError("no pod %r" % name)
def msg(name):
    return pod(name)["message"]
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e)); sys.exit(1)
if not ok:
    print("false: %s\n  output: %s" % (sys.argv[2], json.dumps(d)[:600])); sys.exit(1)
PYEOF
    )
    if [ $? -eq 0 ]; then pass; else fail "$name: $why"; fi
}

# ---------------------------------------------------------------------------
# The regex demo through every extender implementation.
# ---------------------------------------------------------------------------
demo() {  # label, nodeCacheCapable
    local label="$1" ncc="$2"
    config "$TMP/demo.yaml" "  - urlPrefix: $URL/" "    filterVerb: filter" "    weight: 10" \
        "    nodeCacheCapable: $ncc"
    run 30 schedule --cluster examples/regex-demo.yaml --config "$TMP/demo.yaml" -o json --explain
    expect_rc "$label: exit" 0
    check_json "$label: kubecon pod on a kubecon node" \
        'pod("kubecon-pod")["status"] == "Scheduled" and pod("kubecon-pod")["node"] in ("kubecon-1", "kubecon-2")'
    check_json "$label: cncf pod unschedulable, one reason per node" \
        'pod("cncf-pod")["status"] == "Unschedulable" and msg("cncf-pod").startswith("0/3 nodes are available: 1 Node kubecon-1 does not match the regex pattern cncf-.*, 1 Node kubecon-2 does not match the regex pattern cncf-.*, 1 Node node-0 does not match the regex pattern cncf-.*.")'
    check_json "$label: unresolvable: preemption not helpful" \
        '"3 Preemption is not helpful for scheduling" in msg("cncf-pod")'
    check_json "$label: invalid regex is an Error" \
        'pod("invalid-pod")["status"] == "Error" and msg("invalid-pod") == "Invalid regex pattern: kubecon-.*\\"'
    check_json "$label: invalid pod retried with backoff" 'pod("invalid-pod")["attempts"] >= 2'
    check_json "$label: plain pod anywhere" 'pod("plain-pod")["status"] == "Scheduled"'
    check_json "$label: --explain has the filter answer" \
        'list(pod("cncf-pod")["explain"]["extenders"].values())[0]["filter"]["result"]["FailedAndUnresolvableNodes"]["node-0"] == "Node node-0 does not match the regex pattern cncf-.*"'
}

if start c-v1 "$EXAMPLES/regex-extender-v1" --listen 127.0.0.1:0; then demo "C v1" false; fi
if start c-v2 "$EXAMPLES/regex-extender-v2" --listen 127.0.0.1:0; then demo "C v2" true; fi
if start py-v1 $PY "$REGEX_PY" --v1 --listen 127.0.0.1:0; then demo "Python v1" false; fi
if start py-v2 $PY "$REGEX_PY" --v2 --listen 127.0.0.1:0; then demo "Python v2" true; fi

# The C extender and the native plugin agree pod by pod.
if start c-v2b "$EXAMPLES/regex-extender-v2" --listen 127.0.0.1:0; then
    config "$TMP/demo.yaml" "  - urlPrefix: $URL" "    filterVerb: filter" "    nodeCacheCapable: true"
    run 30 schedule --cluster examples/regex-demo.yaml --config "$TMP/demo.yaml" -o json
    cp "$TMP/out" "$TMP/ext.json"
    run 30 schedule --cluster examples/regex-demo.yaml --config examples/regex-v2.yaml -o json
    check_json "C v2 extender and RegexSchedulingV2 place and reject the same pods" \
        '[(p["name"], p["status"], p["node"] is None) for p in d["pods"]] == [(p["name"], p["status"], p["node"] is None) for p in json.load(open("'"$TMP/ext.json"'"))["pods"]]'
fi

# Extender answers to raw HTTP: unknown path 404, any key casing accepted.
if start c-v2c "$EXAMPLES/regex-extender-v2" --listen 127.0.0.1:0; then
    out=$(curl -s -X POST -H 'Content-Type: application/json' \
        -d '{"pod":{"metadata":{"annotations":{"scheduler.wasmkwokwizardry.io/regex":"^b"}}},"nodenames":["a1","b1"]}' "$URL/filter")
    if [ "$out" = '{"NodeNames":["b1"],"FailedAndUnresolvableNodes":{"a1":"Node a1 does not match the regex pattern ^b"}}' ]; then pass; else fail "C v2 raw reply: $out"; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "$URL/nope")
    if [ "$code" = 404 ]; then pass; else fail "C v2: unknown path gave $code"; fi
fi

# ---------------------------------------------------------------------------
# Request bodies as received (recording extender), prioritize, bind.
# ---------------------------------------------------------------------------
rm -f "$TMP/rec.jsonl"
if start rec $PY $FAKE --record "$TMP/rec.jsonl" --scores '{"n2": 10, "n3": 3}'; then
    config "$TMP/rec.yaml" "  - urlPrefix: $URL" "    filterVerb: filter" "    prioritizeVerb: prioritize" \
        "    weight: 2" "    bindVerb: bind" "    nodeCacheCapable: true"
    run 30 schedule --cluster "$DATA/three-nodes.yaml" --config "$TMP/rec.yaml" -o json --explain
    expect_rc "recording (nodeCacheCapable): exit" 0
    check_json "nodeCacheCapable filter body: exact keys, Nodes null, NodeNames = all nodes" \
        '[list(r["body"].keys()) for r in rec if r["path"] == "/filter"][0] == ["Pod", "Nodes", "NodeNames"] and [r for r in rec if r["path"] == "/filter"][0]["body"]["Nodes"] is None and sorted([r for r in rec if r["path"] == "/filter"][0]["body"]["NodeNames"]) == ["n1", "n2", "n3"]'
    check_json "filter body: Pod is the pod object" \
        '[r for r in rec if r["path"] == "/filter"][0]["body"]["Pod"]["metadata"]["name"] == "p1" and [r for r in rec if r["path"] == "/filter"][0]["body"]["Pod"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "10m"'
    check_json "prioritize body has NodeNames" \
        '[r for r in rec if r["path"] == "/prioritize"][0]["body"]["Nodes"] is None and len([r for r in rec if r["path"] == "/prioritize"][0]["body"]["NodeNames"]) == 3'
    check_json "prioritize: 10 x weight 2 x 10 decides: every pod on n2" \
        'all(pod(n)["node"] == "n2" and pod(n)["status"] == "Scheduled" for n in ("p1", "p2", "p3"))'
    check_json "explain: extender score scaled x weight x 10 in finalscore" \
        'pod("p1")["explain"]["finalscore"]["n2"]["'"$URL"'"] == 200 and pod("p1")["explain"]["finalscore"]["n3"]["'"$URL"'"] == 60 and pod("p1")["explain"]["finalscore"]["n1"]["'"$URL"'"] == 0'
    check_json "bind verb: one ExtenderBindingArgs per pod, exact keys and values" \
        '[r["body"] for r in rec if r["path"] == "/bind"] == [{"PodName": "p1", "PodNamespace": "default", "PodUID": "uid-1", "Node": "n2"}, {"PodName": "p2", "PodNamespace": "default", "PodUID": "uid-2", "Node": "n2"}, {"PodName": "p3", "PodNamespace": "team", "PodUID": "uid-3", "Node": "n2"}]'
    check_json "explain: bind answer recorded" \
        'pod("p3")["explain"]["extenders"]["'"$URL"'"]["bind"]["status"] == "success"'
    # full Nodes when not nodeCacheCapable
    rm -f "$TMP/rec.jsonl"
    config "$TMP/rec.yaml" "  - urlPrefix: $URL" "    filterVerb: filter"
    run 30 schedule --cluster "$DATA/managed-cluster.yaml" --config "$TMP/rec.yaml" -o json
    check_json "full filter body: Nodes {metadata, items} with the node objects, NodeNames null" \
        '(lambda b: list(b.keys()) == ["Pod", "Nodes", "NodeNames"] and b["NodeNames"] is None and list(b["Nodes"].keys()) == ["metadata", "items"] and [n["metadata"]["labels"]["rack"] for n in b["Nodes"]["items"]] == ["a", "b"] and b["Nodes"]["items"][0]["status"]["capacity"]["cpu"] == "4")([r for r in rec if r["path"] == "/filter"][0]["body"])'
fi

# ---------------------------------------------------------------------------
# managedResources: only pods requesting the resource reach the extender;
# ignoredByScheduler lets NodeResourcesFit pass nodes without it.
# ---------------------------------------------------------------------------
rm -f "$TMP/rec.jsonl"
if start managed $PY $FAKE --record "$TMP/rec.jsonl"; then
    config "$TMP/m.yaml" "  - urlPrefix: $URL" "    filterVerb: filter" "    managedResources:" \
        "      - {name: example.com/foo, ignoredByScheduler: true}"
    run 30 schedule --cluster "$DATA/managed-cluster.yaml" --config "$TMP/m.yaml" -o json
    expect_rc "managedResources: exit" 0
    check_json "managedResources: only ext-pod sent to the extender" \
        '[r["body"]["Pod"]["metadata"]["name"] for r in rec] == ["ext-pod"]'
    check_json "ignoredByScheduler: ext-pod fits nodes without example.com/foo" \
        'pod("ext-pod")["status"] == "Scheduled" and pod("plain-pod")["status"] == "Scheduled"'
    rm -f "$TMP/rec.jsonl"
    config "$TMP/m.yaml" "  - urlPrefix: $URL" "    filterVerb: filter" "    managedResources:" \
        "      - {name: example.com/foo, ignoredByScheduler: false}"
    run 30 schedule --cluster "$DATA/managed-cluster.yaml" --config "$TMP/m.yaml" -o json
    check_json "not ignoredByScheduler: Insufficient example.com/foo, extender not called" \
        'pod("ext-pod")["status"] == "Unschedulable" and "Insufficient example.com/foo" in msg("ext-pod") and rec == []'
fi

# ---------------------------------------------------------------------------
# Faults. ext-pod goes to the faulty extender (managedResources), plain-pod
# does not: it binds, which makes the failed ext-pod retry after backoff.
# ---------------------------------------------------------------------------
fault() {  # label, urlPrefix, ignorable, expected message fragment
    local label="$1" url="$2" ign="$3" want="$4"
    config "$TMP/f.yaml" "  - urlPrefix: $url" "    filterVerb: filter" "    httpTimeout: 500ms" \
        "    ignorable: $ign" "    managedResources:" "      - {name: example.com/foo, ignoredByScheduler: true}"
    run 20 schedule --cluster "$DATA/managed-cluster.yaml" --config "$TMP/f.yaml" -o json
    expect_rc "$label ignorable=$ign: no crash" 0
    check_json "$label ignorable=$ign: plain-pod unaffected" 'pod("plain-pod")["status"] == "Scheduled"'
    if [ "$ign" = true ]; then
        check_json "$label ignorable: extender skipped, pod scheduled" 'pod("ext-pod")["status"] == "Scheduled"'
    else
        check_json "$label: pod fails with a clear message" \
            'pod("ext-pod")["status"] == "Error" and '"$want"' in msg("ext-pod")'
        check_json "$label: retried with backoff" 'pod("ext-pod")["attempts"] >= 2'
    fi
}
# down: a port nobody listens on (a server started and killed)
start down $PY $FAKE && { kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null; DOWN=$URL; }
for ign in false true; do
    fault "down" "$DOWN" $ign '"Post \"'"$DOWN"'/filter\": "'
done
for mode in 500 garbage error slow; do
    start "fault-$mode" $PY $FAKE --mode $mode --delay 3 || continue
    case $mode in
        500) want='"failed filter with extender at URL '"$URL"'/filter, code 500"' ;;
        garbage) want='"decoding the filter reply"' ;;
        error) want='"injected failure"' ;;
        slow) want='"Timeout was reached" in msg("ext-pod") or "timed out"' ;;
    esac
    for ign in false true; do
        fault "$mode" "$URL" $ign "$want"
        if [ "$mode" = slow ]; then
            # two attempts at most 0.5 s each; never the extender's 3 s
            if [ "$(echo "$took < 2.5" | bc)" = 1 ]; then pass; else fail "slow ignorable=$ign: took $took s"; fi
        fi
    done
done

# A failing prioritize is ignored even when not ignorable.
if start prio-err $PY $FAKE --mode error; then
    config "$TMP/p.yaml" "  - urlPrefix: $URL" "    prioritizeVerb: prioritize" "    weight: 1"
    run 20 schedule --cluster "$DATA/three-nodes.yaml" --config "$TMP/p.yaml" -o json
    check_json "prioritize errors ignored" 'all(p["status"] == "Scheduled" for p in d["pods"])'
fi
# A failing bind verb fails the binding (Error), retried.
if start bind-err $PY $FAKE --mode error; then
    config "$TMP/b.yaml" "  - urlPrefix: $URL" "    bindVerb: bind"
    run 20 schedule --cluster "$DATA/three-nodes.yaml" --config "$TMP/b.yaml" -o json
    check_json "bind error fails the pod" 'pod("p1")["status"] == "Error" and msg("p1") == "injected failure"'
    config "$TMP/b.yaml" "  - urlPrefix: $URL" "    bindVerb: bind" "    ignorable: true"
    run 20 schedule --cluster "$DATA/three-nodes.yaml" --config "$TMP/b.yaml" -o json
    check_json "ignorable bind error falls through to DefaultBinder" 'all(p["status"] == "Scheduled" for p in d["pods"])'
fi

# ---------------------------------------------------------------------------
# preempt verb: DefaultPreemption asks the extender which candidates remain.
# ---------------------------------------------------------------------------
rm -f "$TMP/rec.jsonl"
if start preempt $PY $FAKE --record "$TMP/rec.jsonl" --preempt-keep n2; then
    config "$TMP/pre.yaml" "  - urlPrefix: $URL" "    preemptVerb: preempt" "    nodeCacheCapable: true"
    run 20 schedule --cluster "$DATA/preempt-cluster.yaml" --config "$TMP/pre.yaml" -o json
    expect_rc "preempt verb: exit" 0
    check_json "preempt verb: the extender's node is used, its victim deleted" \
        'pod("high")["status"] == "Scheduled" and pod("high")["node"] == "n2" and pod("low-2")["status"] == "Deleted" and pod("low-1")["status"] == "Running"'
    check_json "preempt body (nodeCacheCapable): NodeNameToMetaVictims with UIDs, NodeNameToVictims null" \
        '(lambda b: list(b.keys()) == ["Pod", "NodeNameToVictims", "NodeNameToMetaVictims"] and b["NodeNameToVictims"] is None and b["NodeNameToMetaVictims"] == {"n1": {"Pods": [{"UID": "uid-low-1"}], "NumPDBViolations": 0}, "n2": {"Pods": [{"UID": "uid-low-2"}], "NumPDBViolations": 0}} and b["Pod"]["metadata"]["name"] == "high")([r for r in rec if r["path"] == "/preempt"][0]["body"])'
fi
rm -f "$TMP/rec.jsonl"
if start preempt-none $PY $FAKE --record "$TMP/rec.jsonl" --preempt-keep none; then
    config "$TMP/pre.yaml" "  - urlPrefix: $URL" "    preemptVerb: preempt"
    run 20 schedule --cluster "$DATA/preempt-cluster.yaml" --config "$TMP/pre.yaml" -o json
    check_json "preempt verb: no candidate left, nothing deleted" \
        'pod("high")["status"] == "Unschedulable" and "no candidate node for preemption" in msg("high") and pod("low-1")["status"] == "Running" and pod("low-2")["status"] == "Running"'
    check_json "preempt body (full): NodeNameToVictims with the pod objects" \
        '(lambda b: b["NodeNameToMetaVictims"] is None and b["NodeNameToVictims"]["n1"]["Pods"][0]["metadata"]["name"] == "low-1" and b["NodeNameToVictims"]["n1"]["Pods"][0]["spec"]["priority"] == 1)([r for r in rec if r["path"] == "/preempt"][0]["body"])'
fi

# ---------------------------------------------------------------------------
# bench scheduling --config with an extender.
# ---------------------------------------------------------------------------
if start bench "$EXAMPLES/regex-extender-v2" --listen 127.0.0.1:0; then
    config "$TMP/bench.yaml" "  - urlPrefix: $URL" "    filterVerb: filter" "    nodeCacheCapable: true"
    printf 'metadata:\n  annotations:\n    scheduler.wasmkwokwizardry.io/regex: "node-[0-9]*[02468]$"\n' >"$TMP/tpl.yaml"
    run 60 bench scheduling --nodes 50 --pods 200 --config "$TMP/bench.yaml" --pod-template "$TMP/tpl.yaml" -o json
    expect_rc "bench with extender: exit" 0
    check_json "bench with extender: every pod scheduled" 'd["scheduled"] == 200'
fi

echo "extender-cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
