#!/usr/bin/env python3
"""gen-services-cluster.py NODES PODS APPS [--services] > cluster.json

A cluster file for `schedlab schedule --cluster`: NODES nodes (4 cpu, 10
zones), PODS pending pods labelled app=a0..a(APPS-1); with --services one
Service per app (PodTopologySpread's System default constraints then apply
to every pod) and a PodDisruptionBudget for every fifth app."""
import json
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
nodes, pods, apps = (int(a) for a in args[:3])
docs = []
for i in range(nodes):
    docs.append({"apiVersion": "v1", "kind": "Node",
                 "metadata": {"name": f"n{i}", "labels": {"kubernetes.io/hostname": f"n{i}",
                                                          "topology.kubernetes.io/zone": f"z{i % 10}"}},
                 "status": {"allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"}}})
for i in range(pods):
    docs.append({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": f"p{i}", "namespace": "default", "labels": {"app": f"a{i % apps}"}},
                 "spec": {"containers": [{"name": "c", "image": "x",
                                          "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}})
if "--services" in sys.argv:
    for i in range(apps):
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}", "namespace": "default"},
                     "spec": {"selector": {"app": f"a{i}"}, "ports": [{"port": 80}]}})
        if i % 5 == 0:
            docs.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                         "metadata": {"name": f"pdb{i}", "namespace": "default"},
                         "spec": {"selector": {"matchLabels": {"app": f"a{i}"}}},
                         "status": {"disruptionsAllowed": 1, "currentHealthy": 1, "desiredHealthy": 1,
                                    "expectedPods": 1, "observedGeneration": 1}})
json.dump(docs, sys.stdout)
