"""churn.py — drives a scheduler through an API server with the churn of
a long run (tests/cli/retention.sh): node heartbeats and label changes,
pods created, relabelled, status-written by someone else and deleted while
they are queued, nominated or being bound, high-priority pods preempting
low-priority ones. Plain HTTP/1.1 keep-alive (http.client).

    python3 tests/cli/churn.py URL ROUNDS [PREFIX]

PREFIX names this run's pods (another run on the same server); nodes and
priority classes that exist are reused.

Prints "churn: N requests" and exits 1 on an unexpected HTTP status.
"""
import http.client
import json
import sys
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
rounds = int(sys.argv[2])
prefix = sys.argv[3] if len(sys.argv) > 3 else ""
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
requests = 0


def call(method, path, body=None, ctype="application/json", ok=(200, 201)):
    global requests
    data = json.dumps(body) if body is not None else None
    headers = {"Content-Type": ctype} if data else {}
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    text = r.read()
    requests += 1
    if r.status not in ok:
        print("churn: %s %s -> %d %s" % (method, path, r.status, text[:300]))
        sys.exit(1)
    return json.loads(text) if text else None


MERGE = "application/merge-patch+json"
PODS = "/api/v1/namespaces/default/pods"
GONE = (200, 201, 404, 409)


def pod(name, cpu, priority_class, labels=None, host_port=0):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {"app": "churn"}},
            "spec": {"priorityClassName": priority_class,
                     "containers": [{"name": "c", "image": "x",
                                     "ports": [{"containerPort": 80, "hostPort": host_port}],
                                     "resources": {"requests": {"cpu": cpu}}}]}}


for name, value in (("churn-low", 10), ("churn-high", 1000)):
    call("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
         {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
          "metadata": {"name": name}, "value": value}, ok=(201, 409))
NODES = 6
for i in range(NODES):
    call("POST", "/api/v1/nodes",
         {"apiVersion": "v1", "kind": "Node",
          "metadata": {"name": "churn-%d" % i, "labels": {"kubernetes.io/hostname": "churn-%d" % i}},
          "status": {"capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
                     "allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"}}}, ok=(201, 409))

for r in range(rounds):
    # heartbeats: node status written every round, a label flipped now and then
    for i in range(NODES):
        call("PATCH", "/api/v1/nodes/churn-%d/status" % i,
             {"status": {"conditions": [{"type": "Ready", "status": "True",
                                         "lastHeartbeatTime": "2026-01-01T00:%02d:%02dZ" % (r // 60 % 60, r % 60)}]}},
             MERGE)
        call("PATCH", "/api/v1/nodes/churn-%d" % i,
             {"metadata": {"annotations": {"heartbeat": str(r)}}}, MERGE)
    if r % 5 == 0:
        call("PATCH", "/api/v1/nodes/churn-%d" % (r % NODES),
             {"metadata": {"labels": {"flip": str(r % 2)}}}, MERGE)
    # low-priority pods (4 fit a node); one deleted at once (queued or in flight)
    for i in range(6):
        call("POST", PODS, pod(prefix + "lo-%d-%d" % (r, i), "500m", "churn-low"))
    call("DELETE", PODS + "/" + prefix + "lo-%d-0" % r, ok=GONE)
    # a high-priority pod that needs preemption once the nodes fill up;
    # relabelled and status-written while queued / nominated
    call("POST", PODS, pod(prefix + "hi-%d" % r, "1500m", "churn-high", host_port=7000 + r % 7))
    call("PATCH", PODS + "/" + prefix + "hi-%d" % r, {"metadata": {"labels": {"round": str(r)}}}, MERGE, ok=GONE)
    call("PATCH", PODS + "/" + prefix + "lo-%d-1/status" % r,
         {"status": {"message": "written by someone else %d" % r}}, MERGE, ok=GONE)
    # older pods go (bound, nominated, pending or already preempted)
    if r >= 3:
        for i in range(1, 6):
            call("DELETE", PODS + "/" + prefix + "lo-%d-%d" % (r - 3, i), ok=GONE)
        call("DELETE", PODS + "/" + prefix + "hi-%d" % (r - 3), ok=GONE)

print("churn: %d requests" % requests)
