#!/usr/bin/env bash
# wasmplugin_protobuf.sh — checks src/wasmplugin's Pod/Node protobuf bytes
# against an independent encoder: Debian's Python protobuf runtime
# (/usr/bin/python3 + python3-protobuf, protoc) serializing the same
# objects through tests/wasmplugin/k8s_subset.proto with deterministic map
# ordering. The fixtures spell out every field Kubernetes' gogo marshaller
# always emits, so both sides encode the same set of fields; what is
# compared is field numbers, wire types, order, map-key sorting, varints
# (negative int32/int64) and nested lengths. Skips (passes nothing, fails
# nothing) when protoc or the Python module is missing.
#
# The last line is "wasmplugin-protobuf: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
MODE=${MODE:-release}
TOOL=build/$MODE/tools/pb_encode
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
if ! command -v protoc >/dev/null || ! /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null; then
    echo "skip: protoc or python3-protobuf missing (apt-get install protobuf-compiler python3-protobuf)"
    echo "wasmplugin-protobuf: 0 passed, 0 failed"
    exit 0
fi
protoc -Itests/wasmplugin --python_out="$TMP" tests/wasmplugin/k8s_subset.proto || { echo "wasmplugin-protobuf: 0 passed, 1 failed"; exit 1; }

META='"generateName": "", "selfLink": "", "resourceVersion": "7", "generation": 3,
      "creationTimestamp": "2024-01-02T03:04:05Z"'
cat >"$TMP/pod.json" <<JSON
{"metadata": {"name": "web-1", "namespace": "prod", "uid": "0b6c4f9e-1", $META,
   "labels": {"zz": "last", "app": "web", "a.b/c": "1"},
   "annotations": {"scheduler.wasmkwokwizardry.io/regex": "kubecon-.*"},
   "ownerReferences": [{"kind": "ReplicaSet", "name": "web", "uid": "u-rs", "apiVersion": "apps/v1", "controller": true}],
   "finalizers": ["x/y"]},
 "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "command": ["nginx"], "args": ["-g", "daemon off;"],
            "workingDir": "", "ports": [{"name": "http", "hostPort": 0, "containerPort": 80, "protocol": "TCP", "hostIP": ""}],
            "env": [{"name": "A", "value": ""}],
            "resources": {"limits": {"memory": "500Mi", "cpu": "1"}, "requests": {"memory": "500Mi", "cpu": "100m", "nvidia.com/gpu": "2"}},
            "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent",
            "stdin": false, "stdinOnce": false, "tty": false, "terminationMessagePolicy": "File"}],
          "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
          "nodeSelector": {"zone": "a", "disk": "ssd"}, "serviceAccountName": "", "serviceAccount": "", "nodeName": "",
          "hostNetwork": false, "hostPID": false, "hostIPC": false, "hostname": "", "subdomain": "",
          "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
              {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 5, "preference": {"matchExpressions": [
              {"key": "tier", "operator": "Exists"}]}}]}},
          "schedulerName": "default-scheduler",
          "tolerations": [{"key": "k", "operator": "Exists", "value": "", "effect": "NoExecute", "tolerationSeconds": 300}],
          "priorityClassName": "low", "priority": -5, "overhead": {"cpu": "250m"}},
 "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
              "lastProbeTime": "2024-01-02T03:04:05Z", "lastTransitionTime": "2024-01-02T03:04:06Z",
              "reason": "Unschedulable", "message": "0/3 nodes"}],
            "message": "", "reason": "", "hostIP": "", "podIP": "", "qosClass": "Burstable",
            "nominatedNodeName": "", "resize": "", "observedGeneration": 0}}
JSON
cat >"$TMP/node.json" <<JSON
{"metadata": {"name": "node-7", "namespace": "", "uid": "n-7", $META,
   "labels": {"kubernetes.io/hostname": "node-7", "topology.kubernetes.io/zone": "z1"}},
 "spec": {"podCIDR": "10.0.7.0/24", "externalID": "", "providerID": "kind://x", "unschedulable": true,
          "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule", "timeAdded": "2024-01-02T03:04:05Z"},
                     {"key": "b", "value": "", "effect": "PreferNoSchedule"}],
          "podCIDRs": ["10.0.7.0/24"]},
 "status": {"capacity": {"pods": "110", "memory": "32Gi", "cpu": "4", "ephemeral-storage": "100Gi"},
            "allocatable": {"pods": "110", "memory": "31Gi", "cpu": "3900m"},
            "phase": "",
            "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2024-01-02T03:04:05Z",
                            "lastTransitionTime": "2024-01-02T03:00:00Z", "reason": "KubeletReady", "message": "ok"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "node-7"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": "m", "systemUUID": "s", "bootID": "b", "kernelVersion": "6.1", "osImage": "Debian",
                         "containerRuntimeVersion": "containerd://1.7", "kubeletVersion": "v1.33.4",
                         "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"},
            "images": [{"names": ["registry.k8s.io/pause:3.10", "registry.k8s.io/pause@sha256:ee"], "sizeBytes": 320368},
                       {"names": ["nginx:1.25"], "sizeBytes": 67108864}]}}
JSON

cat >"$TMP/check.py" <<'PY'
import datetime, json, sys
sys.path.insert(0, sys.argv[1])
import k8s_subset_pb2 as pb
from google.protobuf import json_format

def secs(t):
    return int(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())

TIME_KEYS = {"creationTimestamp", "lastProbeTime", "lastTransitionTime", "lastHeartbeatTime", "timeAdded", "startTime"}
QTY_MAPS = {"limits", "requests", "overhead", "capacity", "allocatable"}

def convert(v, key=None):
    if isinstance(v, dict):
        if key in QTY_MAPS:
            return {k: {"string": q} for k, q in v.items()}
        return {k: convert(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [convert(x) for x in v]
    if key in TIME_KEYS:
        return {"seconds": secs(v), "nanos": 0}
    return v

kind, path, got_path = sys.argv[2], sys.argv[3], sys.argv[4]
msg = pb.Pod() if kind == "pod" else pb.Node()
json_format.ParseDict(convert(json.load(open(path))), msg)
want = msg.SerializeToString(deterministic=True)
got = open(got_path, "rb").read()
if want == got:
    print("ok", len(got))
else:
    i = next((k for k in range(min(len(want), len(got))) if want[k] != got[k]), min(len(want), len(got)))
    print("differ at byte %d (want %d bytes, got %d): want %s got %s" % (i, len(want), len(got), want[i:i+24].hex(), got[i:i+24].hex()))
PY

for kind in pod node; do
    "$TOOL" "$kind" "$TMP/$kind.json" >"$TMP/$kind.bin" 2>"$TMP/err"
    out=$(/usr/bin/python3 "$TMP/check.py" "$TMP" "$kind" "$TMP/$kind.json" "$TMP/$kind.bin" 2>&1)
    if [[ "$out" == ok* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $kind: $out"; fi
done
echo "wasmplugin-protobuf: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
