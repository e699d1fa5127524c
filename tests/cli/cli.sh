#!/usr/bin/env bash
# cli.sh — the `schedlab` command line itself: --version, did-you-mean for
# commands, options, benchmarks and plugin names, `schedlab plugins`, the
# kubectl spellings of -o, SCHEDLAB_LOG (debug logs each attempt; invalid
# levels rejected), and the top-level help and README naming every command
# and every option of every subcommand's --help.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/cli.sh
#
# Last line: "cli: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
DATA=tests/data
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
run() {
    "$SCHEDLAB" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
}
expect_rc() { if [ "$rc" -eq "$2" ]; then pass; else fail "$1: exit $rc, want $2 ($(head -c 300 "$TMP/err"))"; fi; }
check_grep() { if grep -qF -- "$3" "$2"; then pass; else fail "$1: \"$3\" not in $(basename "$2"): $(head -c 400 "$2")"; fi; }

# --- --version
run --version
expect_rc "--version" 0
check_grep "--version: names the program and a version" "$TMP/out" "schedlab 0."
run version
expect_rc "version" 0

# --- did-you-mean
run schedul
expect_rc "misspelt command" 2
check_grep "misspelt command" "$TMP/err" 'unknown command "schedul"; did you mean schedule?'
run plugns
check_grep "misspelt command plugins" "$TMP/err" "did you mean plugins?"
run xyzzy
check_grep "far-off command: no suggestion" "$TMP/err" 'unknown command "xyzzy"'
if grep -q "did you mean" "$TMP/err"; then fail "far-off command got a suggestion"; else pass; fi
run schedule --cluter "$DATA/schedule/basic-cluster.yaml"
expect_rc "misspelt flag" 2
check_grep "misspelt flag" "$TMP/err" "did you mean --cluster?"
run schedule --cluster "$DATA/schedule/basic-cluster.yaml" --explain-pods default/x
check_grep "misspelt flag --explain-pods" "$TMP/err" "did you mean --explain-pod?"
run schedule --confg="$DATA/schedule/regex-v1-filter.yaml" --cluster "$DATA/schedule/basic-cluster.yaml"
check_grep "misspelt flag with =value" "$TMP/err" "did you mean --config?"
run bench scheduling --node 10
check_grep "bench: misspelt flag" "$TMP/err" "did you mean --nodes?"
run bench schedulng
check_grep "bench: misspelt benchmark" "$TMP/err" "did you mean scheduling?"
run schedule --cluster "$DATA/schedule/basic-cluster.yaml" --config "$DATA/schedule/bad-misspelt-plugin.yaml"
expect_rc "misspelt plugin: exit 2" 2
check_grep "misspelt plugin: suggestion" "$TMP/err" 'unknown plugin "NodeAfinity"; did you mean "NodeAffinity"?'
run schedule --cluster "$DATA/schedule/basic-cluster.yaml" --config "$DATA/schedule/bad-unknown-plugin.yaml"
check_grep "unknown plugin far from any: points at schedlab plugins" "$TMP/err" "schedlab plugins lists the registered plugins"

# --- schedlab plugins
run plugins -o json
expect_rc "plugins -o json" 0
if python3 - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = {x["name"]: x for x in d["plugins"]}
want = {"PrioritySort", "SchedulingGates", "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity",
        "NodePorts", "NodeResourcesFit", "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone",
        "PodTopologySpread", "InterPodAffinity", "DefaultPreemption", "NodeResourcesBalancedAllocation",
        "ImageLocality", "DefaultBinder", "RegexScheduling", "RegexSchedulingV2"}
assert want <= set(p), want - set(p)
assert p["NodeResourcesFit"]["extensionPoints"] == ["preFilter", "filter", "preScore", "score"], p["NodeResourcesFit"]
assert p["DefaultPreemption"]["extensionPoints"] == ["postFilter"]
assert p["DefaultPreemption"]["defaultArgs"] == {"minCandidateNodesPercentage": 10, "minCandidateNodesAbsolute": 100}
assert p["NodeResourcesFit"]["defaultArgs"]["scoringStrategy"]["type"] == "LeastAllocated"
assert p["TaintToleration"]["defaultProfile"]["score"] == 3
assert p["RegexSchedulingV2"]["defaultProfile"] == {} and p["RegexSchedulingV2"]["defaultArgs"] is None
assert p["PrioritySort"]["extensionPoints"] == ["queueSort"]
PY
then pass; else fail "plugins -o json: content"; fi
run plugins
expect_rc "plugins (table)" 0
check_grep "plugins table: header" "$TMP/out" "EXTENSION POINTS"
check_grep "plugins table: default args shown" "$TMP/out" 'args: {"minCandidateNodesAbsolute":100,"minCandidateNodesPercentage":10}'
check_grep "plugins table: regex plugin" "$TMP/out" "RegexSchedulingV2"

# --- -o spellings (kubectl accepts all of them)
run schedule --cluster "$DATA/schedule/basic-cluster.yaml" -o json
cp "$TMP/out" "$TMP/want.json"
for form in "-ojson" "-o=json" "--output=json" "--output json"; do
    run schedule --cluster "$DATA/schedule/basic-cluster.yaml" $form
    if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$TMP/want.json"; then pass; else fail "schedule $form: not the -o json output"; fi
done
run plugins -ojson
if [ "$rc" -eq 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out"; then pass; else fail "plugins -ojson"; fi
run schedule --cluster "$DATA/schedule/basic-cluster.yaml" -oyaml
expect_rc "-oyaml rejected" 2

# --- SCHEDLAB_LOG
SCHEDLAB_LOG=debug "$SCHEDLAB" schedule --cluster "$DATA/explain/preempt-two.yaml" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_rc "SCHEDLAB_LOG=debug" 0
check_grep "debug: one line per attempt (failure)" "$TMP/err" "debug: attempt 1 of pod apps/big: Unschedulable: 0/2 nodes are available: 2 Insufficient cpu."
check_grep "debug: PostFilter nomination" "$TMP/err" "PostFilter DefaultPreemption: nominated node node-b"
check_grep "debug: preemption" "$TMP/err" "debug: pod apps/big preempted apps/victim-1, apps/victim-2 on node node-b"
check_grep "debug: success" "$TMP/err" "debug: attempt 2 of pod apps/big: scheduled on node-b"
SCHEDLAB_LOG=debug "$SCHEDLAB" bench scheduling --nodes 10 --pods 3 >"$TMP/out" 2>"$TMP/err"
if [ "$(grep -c 'debug: attempt 1 of pod default/pod-[0-2]: scheduled on node-' "$TMP/err")" -eq 3 ]; then
    pass
else
    fail "SCHEDLAB_LOG=debug bench: one line per attempt: $(head -c 300 "$TMP/err")"
fi
SCHEDLAB_LOG=info "$SCHEDLAB" schedule --cluster "$DATA/explain/preempt-two.yaml" >"$TMP/out" 2>"$TMP/err"
if grep -q "debug:" "$TMP/err"; then fail "SCHEDLAB_LOG=info still logs debug lines"; else pass; fi
SCHEDLAB_LOG=verbose "$SCHEDLAB" --version >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_rc "SCHEDLAB_LOG=verbose rejected" 2
check_grep "invalid level: clear error" "$TMP/err" "SCHEDLAB_LOG=verbose: not a log level (expected debug, info, warn, error or off)"
SCHEDLAB_LOG=warn "$SCHEDLAB" --version >/dev/null 2>&1
rc=$?
expect_rc "SCHEDLAB_LOG=warn accepted" 0

# --- help and README name every command and option
run --help
cp "$TMP/out" "$TMP/top"
for cmd in schedule bench wasm apiserver plugins; do
    check_grep "top-level help lists $cmd" "$TMP/top" "  $cmd "
    check_grep "README lists $cmd" README.md "schedlab $cmd"
done
for sub in "schedule" "bench scheduling" "wasm" "apiserver" "plugins"; do
    "$SCHEDLAB" $sub --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | sort -u | grep -v -- '--help' >"$TMP/opts"
    while read -r opt; do
        check_grep "top-level help names $opt ($sub)" "$TMP/top" "$opt"
        check_grep "README names $opt ($sub)" README.md "$opt"
    done <"$TMP/opts"
done
check_grep "top-level help: SCHEDLAB_LOG" "$TMP/top" "SCHEDLAB_LOG"
check_grep "top-level help: --version" "$TMP/top" "--version"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
