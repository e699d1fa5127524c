#!/usr/bin/env python3
"""gen-rich-cluster.py — a cluster file whose objects look like real ones
(probes, env, volumes, securityContext, node conditions/images...), for
measuring the strict checks of cluster files (bench/RESULTS.md).

Usage: python3 bench/gen-rich-cluster.py NODES PODS [--bound] > cluster.json
--bound gives every pod a spec.nodeName, so `schedlab schedule` only loads.
"""
import json
import sys


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    nodes, pods = int(sys.argv[1]), int(sys.argv[2])
    bound = "--bound" in sys.argv[3:]
    items = []
    for i in range(nodes):
        items.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "node-%d" % i, "labels": {
                "kubernetes.io/hostname": "node-%d" % i,
                "topology.kubernetes.io/zone": "zone-%d" % (i % 3)}},
            "spec": {"taints": [{"key": "k", "value": "v", "effect": "PreferNoSchedule"}]
                     if i % 10 == 0 else []},
            "status": {
                "capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                "allocatable": {"cpu": "31", "memory": "120Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True",
                                "lastHeartbeatTime": "2025-01-01T00:00:00Z"}],
                "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian",
                             "architecture": "amd64", "operatingSystem": "linux",
                             "kernelVersion": "6", "containerRuntimeVersion": "containerd://2",
                             "bootID": "", "machineID": "", "systemUUID": "",
                             "kubeProxyVersion": ""},
                "images": [{"names": ["nginx:1.27"], "sizeBytes": 50000000}]}})
    for i in range(pods):
        spec = {
            "containers": [{
                "name": "app", "image": "nginx:1.27",
                "ports": [{"containerPort": 80, "name": "http"}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                              "limits": {"memory": "256Mi"}},
                "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
                "env": [{"name": "A", "value": "b"}],
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                "securityContext": {"allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"]}}}],
            "volumes": [{"name": "tmp", "emptyDir": {}}],
            "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute",
                             "tolerationSeconds": 300}],
            "topologySpreadConstraints": [{
                "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app": "web"}}}]}
        if bound and nodes:
            spec["nodeName"] = "node-%d" % (i % nodes)
        items.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-%d" % i, "namespace": "default",
                         "labels": {"app": "web", "tier": "fe"}, "annotations": {"a": "b"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "web", "uid": "u1", "controller": True}]},
            "spec": spec})
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
