#!/usr/bin/env python3
"""gen-k8s-schema.py — Kubernetes' OpenAPI v2 document -> src/k8s/schema_table.c

Usage: python3 scripts/gen-k8s-schema.py PATH/TO/swagger.json [LABEL] > src/k8s/schema_table.c

LABEL (default "swagger.json") names the source in k8s_schema_source, e.g.
"Kubernetes OpenAPI v2 (swagger.json), release-1.33".

Reads the swagger.json Kubernetes publishes (api/openapi-spec/swagger.json of
a release branch) and writes the C tables declared in src/k8s/k8s_schema.h.
The tables in the repository come from release-1.33's document, taken from
the copy the Kubernetes Python client v33.1.0 ships unmodified
(kubernetes-client/python, kubernetes/swagger.json.unprocessed, generated
from KUBERNETES_BRANCH release-1.33). The tables hold:

  - every group/version/kind named by an x-kubernetes-group-version-kind, with
    its REST resource (plural) and scope, derived from the API paths;
  - the definitions reachable from the kinds schedlab's API server serves
    (SERVED below, plus their List kinds and EXTRA_ROOTS), each with its
    properties: value type, $ref target, array items / map values, patch
    merge key, patch strategy, list type and list map keys.

Only data the validator and the API server use is kept (no descriptions), so
the table stays small. The output is deterministic (sorted) so a regenerated
file diffs cleanly.
"""
import json
import re
import sys

SERVED = [
    ("", "v1", k) for k in (
        "Pod", "Node", "Namespace", "Event", "Service", "ConfigMap", "Secret",
        "ServiceAccount", "ReplicationController", "PersistentVolume",
        "PersistentVolumeClaim", "Binding", "Endpoints")
] + [
    ("apps", "v1", k) for k in ("ReplicaSet", "StatefulSet", "Deployment", "DaemonSet",
                                "ControllerRevision")
] + [
    ("policy", "v1", "PodDisruptionBudget"),
    ("policy", "v1", "Eviction"),
    ("scheduling.k8s.io", "v1", "PriorityClass"),
    ("coordination.k8s.io", "v1", "Lease"),
    ("rbac.authorization.k8s.io", "v1", "Role"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
    ("events.k8s.io", "v1", "Event"),
    ("autoscaling", "v1", "Scale"),
]

# Meta types the API server answers with or reads (not kinds of their own).
EXTRA_ROOTS = [
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList",
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList",
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup",
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions",
]

# Definitions whose values are not plain objects with properties.
FREE_OBJECTS = {
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
}

REF_PREFIX = "#/definitions/"
RESOURCE_PATH = re.compile(
    r"^/(?:api/(v1)|apis/([^/]+)/([^/]+))/(namespaces/\{namespace\}/)?([a-z0-9]+)(?:/\{name\})?$")


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ref_name(ref):
    if not ref.startswith(REF_PREFIX):
        raise SystemExit("unexpected $ref " + ref)
    return ref[len(REF_PREFIX):]


def def_leaf_type(name, d):
    """Type of a value of definition `name` (when it has no properties)."""
    if name.endswith("api.resource.Quantity"):
        return "K8S_SCHEMA_QUANTITY"
    if d.get("format") == "int-or-string":
        return "K8S_SCHEMA_INT_OR_STRING"
    if d.get("type") == "string" and d.get("format") == "date-time":
        return "K8S_SCHEMA_TIME"
    if "properties" in d:
        return "K8S_SCHEMA_OBJECT"
    if name in FREE_OBJECTS or d.get("type") == "object":
        return "K8S_SCHEMA_FREE_OBJECT"
    if d.get("type") == "string":
        return "K8S_SCHEMA_STRING"
    return "K8S_SCHEMA_ANY"


def prim_type(p):
    t, f = p.get("type"), p.get("format")
    if t == "string":
        return "K8S_SCHEMA_BYTES" if f == "byte" else "K8S_SCHEMA_STRING"
    if t == "integer":
        return "K8S_SCHEMA_INT64" if f == "int64" else "K8S_SCHEMA_INT32"
    if t == "number":
        return "K8S_SCHEMA_NUMBER"
    if t == "boolean":
        return "K8S_SCHEMA_BOOLEAN"
    if t == "object":
        return "K8S_SCHEMA_FREE_OBJECT"
    if t is None:
        return "K8S_SCHEMA_ANY"
    raise SystemExit("unexpected type %r" % (p,))


def value_shape(p, defs):
    """(leaf type, ref or None) of a schema that is not an array/map."""
    if "$ref" in p:
        r = ref_name(p["$ref"])
        return def_leaf_type(r, defs[r]), r
    return prim_type(p), None


def field_shape(p, defs):
    """(container, leaf type, ref) of a property schema."""
    if p.get("type") == "array":
        t, r = value_shape(p["items"], defs)
        return "K8S_SCHEMA_ARRAY", t, r
    if p.get("type") == "object" and isinstance(p.get("additionalProperties"), dict):
        ap = p["additionalProperties"]
        if ap.get("type") == "array":
            t, r = value_shape(ap["items"], defs)
            return "K8S_SCHEMA_MAP_OF_ARRAYS", t, r
        t, r = value_shape(ap, defs)
        return "K8S_SCHEMA_MAP", t, r
    t, r = value_shape(p, defs)
    return "K8S_SCHEMA_SINGLE", t, r


def refs_of(p):
    out = []
    if "$ref" in p:
        out.append(ref_name(p["$ref"]))
    for k in ("items", "additionalProperties"):
        if isinstance(p.get(k), dict):
            out.extend(refs_of(p[k]))
    return out


def go_name(name):
    parts = name.split(".")
    return parts[-2] + "." + parts[-1]


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    path = sys.argv[1]
    with open(path) as f:
        doc = json.load(f)
    defs = doc["definitions"]

    # group/version/kind -> definition name
    gvk_def = {}
    for name, d in defs.items():
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            key = (gvk["group"], gvk["version"], gvk["kind"])
            # meta types (DeleteOptions, WatchEvent) are registered in every
            # group; a kind's own definition wins over them
            if key not in gvk_def or len(d.get("x-kubernetes-group-version-kind", [])) == 1:
                gvk_def[key] = name

    # resources and scope from the paths
    resource = {}
    namespaced = {}
    for p, ops in doc["paths"].items():
        m = RESOURCE_PATH.match(p)
        if not m:
            continue
        if m.group(1):
            group, version = "", "v1"
        else:
            group, version = m.group(2), m.group(3)
        plural = m.group(5)
        for method, op in ops.items():
            if not isinstance(op, dict):
                continue
            gvk = op.get("x-kubernetes-group-version-kind")
            if not gvk or op.get("x-kubernetes-action") not in ("post", "list", "get", "put",
                                                                "delete", "patch",
                                                                "deletecollection"):
                continue
            if (gvk["group"], gvk["version"]) != (group, version):
                continue
            key = (group, version, gvk["kind"])
            resource.setdefault(key, plural)
            if m.group(4):
                namespaced[key] = True
            else:
                namespaced.setdefault(key, False)

    served = set()
    roots = []
    for g, v, k in SERVED:
        key = (g, v, k)
        if key not in gvk_def:
            raise SystemExit("served kind %s/%s %s not in the document" % key)
        served.add(key)
        roots.append(gvk_def[key])
        lkey = (g, v, k + "List")
        if lkey in gvk_def:
            served.add(lkey)
            roots.append(gvk_def[lkey])
    roots.extend(EXTRA_ROOTS)

    reach = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n in reach:
            continue
        reach.add(n)
        for p in defs[n].get("properties", {}).values():
            stack.extend(refs_of(p))
    names = sorted(reach)
    index = {n: i for i, n in enumerate(names)}
    if len(names) > 32767:
        raise SystemExit("too many definitions for int16_t")

    out = []
    w = out.append
    w("/* Generated by scripts/gen-k8s-schema.py from Kubernetes' OpenAPI document")
    w(" * (%s, definitions: %d, kinds: %d). Do not edit. */" % (doc["info"].get("title", ""),
                                                                 len(names), len(gvk_def)))
    w('#include "k8s/k8s_schema.h"')
    w("")
    fields = []
    def_rows = []
    for n in names:
        d = defs[n]
        props = d.get("properties", {})
        first = len(fields)
        for pname in sorted(props):
            p = props[pname]
            cont, t, r = field_shape(p, defs)
            lt = {"atomic": "K8S_LIST_ATOMIC", "set": "K8S_LIST_SET",
                  "map": "K8S_LIST_MAP"}.get(p.get("x-kubernetes-list-type"),
                                             "K8S_LIST_UNSPECIFIED")
            lmk = p.get("x-kubernetes-list-map-keys")
            fields.append("    {%s, %s, %s, %s, %d, %s, %s, %s}," % (
                c_str(pname), cont, t, lt, index[r] if r else -1,
                c_str(p.get("x-kubernetes-patch-merge-key")),
                c_str(p.get("x-kubernetes-patch-strategy")),
                c_str(",".join(lmk) if lmk else None)))
        def_rows.append("    {%s, %s, %s, %d, %d}," % (
            c_str(n), c_str(go_name(n)), def_leaf_type(n, d), first, len(fields) - first))

    w("const k8s_schema_def k8s_schema_defs[] = {")
    out.extend(def_rows)
    w("};")
    w("const uint32_t k8s_schema_ndefs = %d;" % len(def_rows))
    w("")
    w("const k8s_schema_field k8s_schema_fields[] = {")
    out.extend(fields)
    w("};")
    w("const uint32_t k8s_schema_nfields = %d;" % len(fields))
    w("")

    def api_version(g, v):
        return v if g == "" else g + "/" + v

    kinds = sorted(gvk_def, key=lambda k: (api_version(k[0], k[1]), k[2]))
    w("const k8s_schema_kind k8s_schema_kinds[] = {")
    for key in kinds:
        g, v, k = key
        dn = gvk_def[key]
        di = index[dn] if (key in served or dn in EXTRA_ROOTS) and dn in index else -1
        w("    {%s, %s, %s, %s, %s, %s, %s, %d}," % (
            c_str(api_version(g, v)), c_str(g), c_str(v), c_str(k), c_str(resource.get(key)),
            "true" if namespaced.get(key) else "false", "true" if key in served else "false",
            di))
    w("};")
    w("const uint32_t k8s_schema_nkinds = %d;" % len(kinds))
    w("")
    w("const char k8s_schema_source[] = %s;" % c_str(
        sys.argv[2] if len(sys.argv) > 2 else "swagger.json"))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
