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

/* The text of a quantity as the file wrote it (upstream prints the
 * canonical form, Quantity.String(): "-0.5" would read "-500m" there). */
static const char *quantity_text(const json_t *v, char *buf, size_t size) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else {
        double x = json_real_value(v);
        for (int prec = 1; prec <= 17; prec++) { /* shortest text that reads back */
            snprintf(buf, size, "%.*g", prec, x);
            if (strtod(buf, NULL) == x) break;
        }
    }
    return buf;
}

/* Resource names (upstream's v1helper): native = no '/' or a
 * kubernetes.io/ prefix; extended = not native, not "requests.*", and
 * "requests." + name a qualified name. */
static bool native_resource(const char *name) {
    return !strchr(name, '/') || strstr(name, "kubernetes.io/") != NULL;
}

static bool hugepages_resource(const char *name) { return !strncmp(name, "hugepages-", 10); }

static bool extended_resource(const char *name) {
    if (native_resource(name) || !strncmp(name, "requests.", 9)) return false;
    char quota[320];
    if (strlen(name) + 10 > sizeof quota) return false;
    snprintf(quota, sizeof quota, "requests.%s", name);
    return k8s_valid_qualified_name(quota);
}

static bool quantity_of(const json_t *v, k8s_quantity *q) {
    char msg[256];
    return k8s_quantity_from_json(v, q, msg, sizeof msg);
}

static int quantity_cmp(const k8s_quantity *a, const k8s_quantity *b) {
    if (a->value != b->value) return a->value < b->value ? -1 : 1;
    if (a->milli != b->milli) return a->milli < b->milli ? -1 : 1;
    return 0;
}

/* ValidateResourceQuantityValue: not negative; whole for extended
 * resources. Syntax errors are the schema's (quantities must match ...). */
static bool check_quantity(const char *path, const char *key, const json_t *v, bool integer,
                           char *err, size_t errsize) {
    k8s_quantity q;
    char text[64], msg[256];
    if (!k8s_quantity_from_json(v, &q, msg, sizeof msg)) {
        snprintf(err, errsize, "%s[%s]: %s", path, key, msg);
        return false;
    }
    if (q.milli < 0 || q.value < 0) {
        snprintf(err, errsize, "%s[%s]: Invalid value: \"%s\": must be greater than or equal to 0",
                 path, key, quantity_text(v, text, sizeof text));
        return false;
    }
    if (integer && q.milli % 1000 != 0 && q.milli != INT64_MAX) {
        snprintf(err, errsize, "%s[%s]: Invalid value: \"%s\": must be an integer", path, key,
                 quantity_text(v, text, sizeof text));
        return false;
    }
    return true;
}

/* A plain ResourceList (overhead, node capacity): every quantity >= 0
 * ("spec.overhead[cpu]: Invalid value: "-1": must be greater than or equal to 0"). */
static bool check_resource_list(const json_t *list, const char *path, char *err, size_t errsize) {
    if (!json_is_object(list)) return true;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)list, key, v) {
        if (!check_quantity(path, key, v, false, err, errsize)) return false;
    }
    return true;
}

/* validateContainerResourceName */
static bool check_container_resource_name(const char *path, const char *name, char *err,
                                          size_t errsize) {
    if (!k8s_valid_qualified_name(name)) {
        snprintf(err, errsize, "%s[%s]: Invalid value: \"%s\": must be a qualified name", path, name,
                 name);
        return false;
    }
    if (!strchr(name, '/')) {
        if (strcmp(name, "cpu") != 0 && strcmp(name, "memory") != 0 &&
            strcmp(name, "ephemeral-storage") != 0 && !hugepages_resource(name)) {
            snprintf(err, errsize, "%s[%s]: Invalid value: \"%s\": must be a standard resource for containers",
                     path, name, name);
            return false;
        }
    } else if (!native_resource(name) && !extended_resource(name)) {
        snprintf(err, errsize, "%s[%s]: Invalid value: \"%s\": doesn't follow extended resource name standard",
                 path, name, name);
        return false;
    }
    return true;
}

/* ValidateContainerResourceRequirements: names, values, and requests
 * against limits ("spec.containers[0].resources.requests: Invalid value:
 * "2": must be less than or equal to cpu limit"; extended resources and
 * hugepages cannot be overcommitted: "must be equal to example.com/gpu
 * limit"). Limits first, then requests, as upstream. */
static bool check_requirements(const json_t *res, const char *path, char *err, size_t errsize) {
    const json_t *limits = json_object_get(res, "limits"), *requests = json_object_get(res, "requests");
    char lpath[K8S_PATH_MAX], rpath[K8S_PATH_MAX];
    snprintf(lpath, sizeof lpath, "%s.limits", path);
    snprintf(rpath, sizeof rpath, "%s.requests", path);
    const char *key;
    const json_t *v;
    if (json_is_object(limits)) {
        json_object_foreach((json_t *)limits, key, v) {
            if (!check_container_resource_name(lpath, key, err, errsize) ||
                !check_quantity(lpath, key, v, extended_resource(key), err, errsize))
                return false;
        }
    }
    if (!json_is_object(requests)) return true;
    json_object_foreach((json_t *)requests, key, v) {
        if (!check_container_resource_name(rpath, key, err, errsize) ||
            !check_quantity(rpath, key, v, extended_resource(key), err, errsize))
            return false;
        const json_t *limit = json_is_object(limits) ? json_object_get(limits, key) : NULL;
        k8s_quantity rq, lq;
        if (!limit || json_is_null(limit) || !quantity_of(v, &rq) || !quantity_of(limit, &lq)) continue;
        int c = quantity_cmp(&rq, &lq);
        bool overcommit = native_resource(key) && !hugepages_resource(key);
        char text[64];
        if (c != 0 && !overcommit) {
            snprintf(err, errsize, "%s: Invalid value: \"%s\": must be equal to %s limit", rpath,
                     quantity_text(v, text, sizeof text), key);
            return false;
        }
        if (c > 0) {
            snprintf(err, errsize, "%s: Invalid value: \"%s\": must be less than or equal to %s limit",
                     rpath, quantity_text(v, text, sizeof text), key);
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
        if (!json_is_object(res)) continue;
        char path[K8S_PATH_MAX];
        snprintf(path, sizeof path, "spec.%s[%zu].resources", key, i);
        if (!check_requirements(res, path, err, errsize)) return false;
    }
    return true;
}

/* IsDNS1123Label / IsDNS1123Subdomain with apimachinery's messages. */
static bool dns_label_chars(const char *s, size_t len) {
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (c != '-' || i == 0 || i == len - 1)) return false;
    }
    return true;
}

static const char dns_label_msg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
static const char dns_subdomain_msg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/* metadata.name / metadata.namespace: absent values are the decoders'
 * business (they say "Required value"). */
static bool check_dns_name(const json_t *meta, const char *field, bool subdomain, char *err,
                           size_t errsize) {
    const char *v = json_string_value(json_object_get(meta, field));
    if (!v || !*v) return true;
    size_t len = strlen(v), max = subdomain ? 253 : 63;
    bool ok = len <= max;
    if (ok && subdomain) {
        for (const char *p = v, *dot; ok; p = dot + 1) {
            dot = strchr(p, '.');
            ok = dns_label_chars(p, dot ? (size_t)(dot - p) : strlen(p));
            if (!dot) break;
        }
    } else if (ok) {
        ok = dns_label_chars(v, len);
    }
    if (ok) return true;
    if (len > max)
        snprintf(err, errsize, "metadata.%s: Invalid value: \"%s\": must be no more than %zu characters",
                 field, v, max);
    else
        snprintf(err, errsize, "metadata.%s: Invalid value: \"%s\": %s", field, v,
                 subdomain ? dns_subdomain_msg : dns_label_msg);
    return false;
}

static bool check_pod(const json_t *obj, char *err, size_t errsize) {
    const json_t *meta = json_object_get(obj, "metadata");
    if (!check_dns_name(meta, "name", true, err, errsize) ||
        !check_dns_name(meta, "namespace", false, err, errsize))
        return false;
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
    if (!check_dns_name(json_object_get(obj, "metadata"), "name", true, err, errsize)) return false;
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
    if (!strcmp(kind->kind, "Namespace"))
        return check_dns_name(json_object_get(obj, "metadata"), "name", false, err, errsize);
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
    out->failure = K8S_CHECK_UNKNOWN_KIND;
    if (!kind || !*kind) {
        snprintf(out->error, sizeof out->error, "Object 'Kind' is missing");
        return false;
    }
    if (!api_version || !*api_version) {
        const k8s_schema_kind *guess = k8s_schema_find_kind_any_version(kind);
        snprintf(out->error, sizeof out->error, "%s: Object 'apiVersion' is missing%s%s%s", kind,
                 guess ? " (apiVersion: " : "", guess ? guess->api_version : "", guess ? "?)" : "");
        out->label_len = SL_MIN(strlen(kind) + 2, strlen(out->error));
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
    out->failure = K8S_CHECK_ACCEPTED;
    char label[K8S_PATH_MAX + 64];
    object_label(obj, kind, k->namespaced, label, sizeof label);
    out->label_len = SL_MIN(strlen(label), sizeof out->error - 1);
    const k8s_schema_def *def = k8s_schema_def_at(k->def);
    if (def) {
        k8s_schema_report report;
        char msg[sizeof out->error];
        bool ok = k8s_schema_validate(def, obj, CHECK_MAX_UNKNOWN, &report);
        if (!ok) {
            if (report.ntype || !lenient) {
                k8s_schema_report_format(&report, false, msg, sizeof msg);
                snprintf(out->error, sizeof out->error, "%s%s", label, msg);
                out->failure = K8S_CHECK_UNDECODABLE;
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
        out->failure = K8S_CHECK_INVALID;
        return false;
    }
    return true;
}
