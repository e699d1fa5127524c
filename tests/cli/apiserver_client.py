"""apiserver_client.py — python3-kubernetes (Debian 22.6.0, run with
/usr/bin/python3) against `schedlab apiserver`: list, create, watch with
resume, patch (strategic merge and JSON patch), binding, status, leases.

    /usr/bin/python3 tests/cli/apiserver_client.py URL

Prints one "ok NAME" or "FAIL NAME: why" line per check.
"""
import sys
import threading
import time

from kubernetes import client, watch
from kubernetes.client.rest import ApiException

url = sys.argv[1]
cfg = client.Configuration()
cfg.host = url
api = client.ApiClient(cfg)
core = client.CoreV1Api(api)
coord = client.CoordinationV1Api(api)


def check(name, fn):
    try:
        fn()
        print("ok " + name)
    except AssertionError as e:
        print("FAIL %s: %s" % (name, e))
    except Exception as e:  # noqa: BLE001 - report anything
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e))


def pod(name, labels=None):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels or {"app": "py"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]))


def t_list_namespaces():
    names = sorted(n.metadata.name for n in core.list_namespace().items)
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"], names


def t_create_and_read():
    p = core.create_namespaced_pod("default", pod("py-1"))
    assert p.metadata.uid and p.metadata.resource_version, p.metadata
    assert p.kind == "Pod" and p.api_version == "v1"
    assert p.spec.scheduler_name == "default-scheduler"
    assert p.status.phase == "Pending"
    r = core.read_namespaced_pod("py-1", "default")
    assert r.metadata.uid == p.metadata.uid
    try:
        core.create_namespaced_pod("default", pod("py-1"))
        raise AssertionError("a duplicate create succeeded")
    except ApiException as e:
        assert e.status == 409, e.status
        assert '"reason":"AlreadyExists"' in e.body, e.body


def t_list_selectors():
    core.create_namespaced_pod("default", pod("py-2", {"app": "other"}))
    got = [p.metadata.name for p in core.list_namespaced_pod("default", label_selector="app=py").items]
    assert got == ["py-1"], got
    got = [p.metadata.name for p in core.list_pod_for_all_namespaces(field_selector="spec.nodeName=").items]
    assert "py-1" in got and "py-2" in got, got
    try:
        core.list_pod_for_all_namespaces(field_selector="spec.bogus=1")
        raise AssertionError("an unsupported field selector was accepted")
    except ApiException as e:
        assert e.status == 400, e.status


def t_patch():
    p = core.patch_namespaced_pod("py-1", "default", {"metadata": {"labels": {"extra": "yes"}}})
    assert p.metadata.labels == {"app": "py", "extra": "yes"}, p.metadata.labels
    p = core.patch_namespaced_pod("py-1", "default", [{"op": "remove", "path": "/metadata/labels/extra"}])
    assert p.metadata.labels == {"app": "py"}, p.metadata.labels
    # status through /status keeps the spec
    s = core.patch_namespaced_pod_status("py-1", "default", {"status": {"phase": "Running"}})
    assert s.status.phase == "Running" and s.spec.containers[0].name == "c"
    # the main resource keeps the status
    p = core.patch_namespaced_pod("py-1", "default", {"status": {"phase": "Failed"}})
    assert p.status.phase == "Running", p.status.phase


def t_binding_and_watch_resume():
    start = core.list_namespaced_pod("default").metadata.resource_version
    seen = []

    def watcher():
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_pod, "default", resource_version=start, timeout_seconds=5):
            seen.append((ev["type"], ev["object"].metadata.name, ev["object"].spec.node_name))
            if len(seen) >= 2:
                w.stop()

    th = threading.Thread(target=watcher)
    th.start()
    time.sleep(0.3)
    body = client.V1Binding(metadata=client.V1ObjectMeta(name="py-2"),
                            target=client.V1ObjectReference(kind="Node", name="node-a"))
    resp = core.create_namespaced_pod_binding("py-2", "default", body, _preload_content=False)
    assert resp.status == 201, resp.status
    try:
        core.create_namespaced_pod_binding("py-2", "default", body, _preload_content=False)
        raise AssertionError("a second binding succeeded")
    except ApiException as e:
        assert e.status == 409, e.status
    core.delete_namespaced_pod("py-2", "default")
    th.join(10)
    assert seen[:2] == [("MODIFIED", "py-2", "node-a"), ("DELETED", "py-2", "node-a")], seen
    # resume from the start again: the same events are replayed
    again = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_pod, "default", resource_version=start, timeout_seconds=1):
        again.append((ev["type"], ev["object"].metadata.name))
    assert again[-2:] == [("MODIFIED", "py-2"), ("DELETED", "py-2")], again
    # a filtered watch from "now" sees binding as leaving spec.nodeName=
    core.create_namespaced_pod("default", pod("py-3"))
    rv = core.list_namespaced_pod("default").metadata.resource_version
    core.create_namespaced_binding("default", client.V1Binding(
        metadata=client.V1ObjectMeta(name="py-3"), target=client.V1ObjectReference(name="node-a")),
        _preload_content=False)
    evs = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(
        core.list_namespaced_pod, "default", field_selector="spec.nodeName=", resource_version=rv,
        timeout_seconds=1)]
    assert evs == [("DELETED", "py-3")], evs


def t_expired_watch():
    # the server runs with --watch-history 200: push resourceVersion 1 out
    for i in range(250):
        core.create_namespaced_config_map("default", client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="fill-%d" % i), data={"i": str(i)}))
    try:
        for _ in watch.Watch().stream(core.list_namespaced_pod, "default", resource_version="1",
                                      timeout_seconds=1):
            pass
        raise AssertionError("no 410 for an old resourceVersion")
    except ApiException as e:
        assert e.status == 410, e.status


def t_leases_and_events():
    lease = client.V1Lease(metadata=client.V1ObjectMeta(name="sched"),
                           spec=client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15))
    created = coord.create_namespaced_lease("kube-system", lease)
    created.spec.holder_identity = "b"
    coord.replace_namespaced_lease("sched", "kube-system", created)
    try:
        coord.replace_namespaced_lease("sched", "kube-system", created)  # stale resourceVersion
        raise AssertionError("a stale lease update succeeded")
    except ApiException as e:
        assert e.status == 409, e.status
    ev = client.CoreV1Event(metadata=client.V1ObjectMeta(generate_name="py-1."),
                            involved_object=client.V1ObjectReference(kind="Pod", name="py-1", namespace="default"),
                            reason="Tested", message="from python", type="Normal")
    made = core.create_namespaced_event("default", ev)
    assert made.metadata.name.startswith("py-1.") and len(made.metadata.name) == 10, made.metadata.name
    got = core.list_namespaced_event("default", field_selector="involvedObject.name=py-1,reason=Tested")
    assert len(got.items) == 1, got.items


for name, fn in [("list_namespaces", t_list_namespaces), ("create_and_read", t_create_and_read),
                 ("list_selectors", t_list_selectors), ("patch", t_patch),
                 ("binding_and_watch_resume", t_binding_and_watch_resume),
                 ("expired_watch", t_expired_watch), ("leases_and_events", t_leases_and_events)]:
    check(name, fn)
