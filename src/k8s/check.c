/*
 * check.c — one object checked as kube-apiserver would check it on create,
 * for a snapshot of already-admitted objects (cluster files, and later the
 * API server): its apiVersion/kind must exist in Kubernetes, its fields must
 * be in the kind's schema (strict field validation, k8s_schema_validate),
 * and the rules of the API's validation that the scheduler depends on hold
 * (a Pod has containers; resource quantities are not negative).
 *
 * Nothing here requires what only a kubelet needs (container image...) or
 * touches what an admitted object carries (status, nodeName,
 * deletionTimestamp, spec.priority): a snapshot keeps them as given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_internal.h"
#include "k8s/k8s_schema.h"

/* Unknown fields listed in one message at most (kube-apiserver lists all;
 * past this the message says how many more). */
#define CHECK_MAX_UNKNOWN 32

/* ------------------------------------------------------------------ */
/* Semantic rules (field.ErrorList wording)                             */
/* ------------------------------------------------------------------ */

/* A ResourceList: every quantity >= 0 ("spec.containers[0].resources.requests[cpu]:
 * Invalid value: "-1": must be greater than or equal to 0"). Syntax errors
 * are the schema's (quantities must match ...). */
static bool check_resource_list(const json_t *list, const char *path, char *err, size_t errsize) {
    if (!json_is_object(list)) return true;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)list, key, v) {
        k8s_quantity q;
        char msg[256];
        if (!k8s_quantity_from_json(v, &q, msg, sizeof msg)) {
            snprintf(err, errsize, "%s[%s]: %s", path, key, msg);
            return false;
        }
        if (q.milli < 0 || q.value < 0) {
            char text[64];
            if (json_is_string(v)) snprintf(text, sizeof text, "%s", json_string_value(v));
            else if (json_is_integer(v)) snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            else snprintf(text, sizeof text, "%g", json_real_value(v));
            snprintf(err, errsize, "%s[%s]: Invalid value: \"%s\": must be greater than or equal to 0",
                     path, key, text);
            return false;
        }
    }
    return true;
}

static bool check_containers(const json_t *spec, const char *key, char *err, size_t errsize) {
    const json_t *list = json_object_get(spec, key);
    if (!json_is_array(list)) return true;
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c) {
        const json_t *res = json_object_get(c, "resources");
        char path[K8S_PATH_MAX];
        snprintf(path, sizeof path, "spec.%s[%zu].resources.requests", key, i);
        if (!check_resource_list(json_object_get(res, "requests"), path, err, errsize))
            return false;
        snprintf(path, sizeof path, "spec.%s[%zu].resources.limits", key, i);
        if (!check_resource_list(json_object_get(res, "limits"), path, err, errsize))
            return false;
    }
    return true;
}

static bool check_pod(const json_t *obj, char *err, size_t errsize) {
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *containers = json_object_get(spec, "containers");
    if (!json_is_array(containers) || json_array_size(containers) == 0) {
        snprintf(err, errsize, "spec.containers: Required value");
        return false;
    }
    if (!check_containers(spec, "containers", err, errsize) ||
        !check_containers(spec, "initContainers", err, errsize) ||
        !check_resource_list(json_object_get(spec, "overhead"), "spec.overhead", err, errsize))
        return false;
    const json_t *res = json_object_get(spec, "resources"); /* pod-level resources */
    return check_resource_list(json_object_get(res, "requests"), "spec.resources.requests", err, errsize) &&
           check_resource_list(json_object_get(res, "limits"), "spec.resources.limits", err, errsize);
}

static bool check_node(const json_t *obj, char *err, size_t errsize) {
    const json_t *status = json_object_get(obj, "status");
    return check_resource_list(json_object_get(status, "capacity"), "status.capacity", err, errsize) &&
           check_resource_list(json_object_get(status, "allocatable"), "status.allocatable", err,
                               errsize);
}

bool k8s_validate_object(const k8s_schema_kind *kind, const json_t *obj, char *err,
                         size_t errsize) {
    if (!kind || kind->group[0] || strcmp(kind->version, "v1") != 0) return true;
    if (!strcmp(kind->kind, "Pod")) return check_pod(obj, err, errsize);
    if (!strcmp(kind->kind, "Node")) return check_node(obj, err, errsize);
    return true;
}

/* ------------------------------------------------------------------ */
/* One object                                                           */
/* ------------------------------------------------------------------ */

/* "Pod default/web: " / "Node n1: " / "Pod: " into buf. */
static void object_label(const json_t *obj, const char *kind, bool namespaced, char *buf,
                         size_t size) {
    const json_t *meta = json_object_get(obj, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    if (!name) snprintf(buf, size, "%s: ", kind);
    else if (namespaced) snprintf(buf, size, "%s %s/%s: ", kind, ns && *ns ? ns : "default", name);
    else snprintf(buf, size, "%s %s: ", kind, name);
}

bool k8s_check_object(const json_t *obj, const k8s_check_options *opts, k8s_check_result *out) {
    memset(out, 0, sizeof *out);
    bool lenient = opts && opts->lenient;
    const json_t *kind_v = json_object_get(obj, "kind");
    const json_t *av_v = json_object_get(obj, "apiVersion");
    const char *kind = json_string_value(kind_v);
    const char *api_version = json_string_value(av_v);
    if (!kind || !*kind) {
        snprintf(out->error, sizeof out->error, "Object 'Kind' is missing");
        return false;
    }
    if (!api_version || !*api_version) {
        const k8s_schema_kind *guess = k8s_schema_find_kind_any_version(kind);
        snprintf(out->error, sizeof out->error, "%s: Object 'apiVersion' is missing%s%s%s", kind,
                 guess ? " (apiVersion: " : "", guess ? guess->api_version : "", guess ? "?)" : "");
        return false;
    }
    const k8s_schema_kind *k = k8s_schema_find_kind(api_version, kind);
    out->kind = k;
    if (!k) {
        const k8s_schema_kind *other = k8s_schema_find_kind_any_version(kind);
        if (!strcmp(kind, "KubeSchedulerConfiguration"))
            snprintf(out->error, sizeof out->error,
                     "no matches for kind \"%s\" in version \"%s\" (a scheduler configuration: pass it with --config)",
                     kind, api_version);
        else if (other)
            snprintf(out->error, sizeof out->error,
                     "no matches for kind \"%s\" in version \"%s\" (Kubernetes has apiVersion: %s)", kind,
                     api_version, other->api_version);
        else
            snprintf(out->error, sizeof out->error, "no matches for kind \"%s\" in version \"%s\"",
                     kind, api_version);
        return false;
    }
    char label[K8S_PATH_MAX + 64];
    object_label(obj, kind, k->namespaced, label, sizeof label);
    const k8s_schema_def *def = k8s_schema_def_at(k->def);
    if (def) {
        k8s_schema_report report;
        char msg[sizeof out->error];
        bool ok = k8s_schema_validate(def, obj, CHECK_MAX_UNKNOWN, &report);
        if (!ok) {
            if (report.ntype || !lenient) {
                k8s_schema_report_format(&report, false, msg, sizeof msg);
                snprintf(out->error, sizeof out->error, "%s%s", label, msg);
                k8s_schema_report_free(&report);
                return false;
            }
            k8s_schema_report_format(&report, true, msg, sizeof msg);
            snprintf(out->warning, sizeof out->warning, "%s%s", label, msg);
        }
        k8s_schema_report_free(&report);
    }
    char msg[K8S_PATH_MAX + 256];
    if (!k8s_validate_object(k, obj, msg, sizeof msg)) {
        snprintf(out->error, sizeof out->error, "%s%s", label, msg);
        return false;
    }
    return true;
}
