/*
 * table.c — server-side printing (`Accept: application/json;as=Table;...`):
 * the upstream printer columns for pods, nodes, namespaces, events, leases,
 * priorityclasses and poddisruptionbudgets, the default Name / Created At
 * table for every other kind, and apimachinery's HumanDuration for AGE.
 * Each row carries the object's metadata as PartialObjectMetadata (what
 * kubectl needs for -A and --show-labels).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apiserver/apiserver_internal.h"

typedef struct column {
    const char *name, *type, *format;
    int priority;
    const char *description;
} column;

static const column pod_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."},
    {"Status", "string", "", 0, "The aggregate status of the containers in this pod."},
    {"Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
    {"IP", "string", "", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."},
    {"Node", "string", "", 1, "NodeName is a request to schedule this pod onto a specific node."},
    {"Nominated Node", "string", "", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."},
    {"Readiness Gates", "string", "", 1, "If specified, all readiness gates will be evaluated for pod readiness."},
};
static const column node_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Status", "string", "", 0, "The status of the node"},
    {"Roles", "string", "", 0, "The roles of the node"},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
    {"Version", "string", "", 0, "Kubelet Version reported by the node."},
    {"Internal-IP", "string", "", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."},
    {"External-IP", "string", "", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."},
    {"OS-Image", "string", "", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."},
    {"Kernel-Version", "string", "", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."},
    {"Container-Runtime", "string", "", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."},
};
static const column namespace_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Status", "string", "", 0, "The status of the namespace"},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
};
static const column event_cols[] = {
    {"Last Seen", "string", "", 0, "Time when this Event was last seen"},
    {"Type", "string", "", 0, "Type of this event (Normal, Warning), new types could be added in the future."},
    {"Reason", "string", "", 0, "A short, machine understandable string that gives the reason for this event being generated."},
    {"Object", "string", "", 0, "The object this Event is about."},
    {"Subobject", "string", "", 1, "The subobject this Event is about."},
    {"Source", "string", "", 1, "The component reporting this event."},
    {"Message", "string", "", 0, "A human-readable description of the status of this operation."},
    {"First Seen", "string", "", 1, "The time at which the event was first recorded."},
    {"Count", "string", "", 1, "The number of times this event has occurred."},
    {"Name", "string", "name", 1, "Name must be unique within a namespace."},
};
static const column lease_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Holder", "string", "", 0, "The holder of the lease."},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
};
static const column pc_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Value", "integer", "", 0, "The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."},
    {"Global-Default", "boolean", "", 0, "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
    {"Preemption-Policy", "string", "", 1, "PreemptionPolicy is the Policy for preempting pods with lower priority."},
};
static const column pdb_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace."},
    {"Min Available", "string", "", 0, "The minimum number of pods that must be available simultaneously. This can be either an integer or a string specifying a percentage, e.g. \"28%\"."},
    {"Max Unavailable", "string", "", 0, "The maximum number of pods that may be unavailable simultaneously. This can be either an integer or a string specifying a percentage, e.g. \"28%\"."},
    {"Allowed Disruptions", "integer", "", 0, "Calculated number of pods that may be disrupted at this time."},
    {"Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."},
};
static const column default_cols[] = {
    {"Name", "string", "name", 0, "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names"},
    {"Created At", "date", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"},
};

/* apimachinery duration.HumanDuration */
static void human_duration(int64_t d_ns, char *buf, size_t size) {
    int64_t s = d_ns / 1000000000;
    if (d_ns < -1000000000) { snprintf(buf, size, "<invalid>"); return; }
    if (d_ns < 0) { snprintf(buf, size, "0s"); return; }
    if (s < 120) { snprintf(buf, size, "%" PRId64 "s", s); return; }
    int64_t m = s / 60;
    if (m < 10) {
        int64_t sec = s % 60;
        if (sec == 0) snprintf(buf, size, "%" PRId64 "m", m);
        else snprintf(buf, size, "%" PRId64 "m%" PRId64 "s", m, sec);
        return;
    }
    if (m < 180) { snprintf(buf, size, "%" PRId64 "m", m); return; }
    int64_t h = s / 3600;
    if (h < 8) {
        int64_t min = (s / 60) % 60;
        if (min == 0) snprintf(buf, size, "%" PRId64 "h", h);
        else snprintf(buf, size, "%" PRId64 "h%" PRId64 "m", h, min);
        return;
    }
    if (h < 48) { snprintf(buf, size, "%" PRId64 "h", h); return; }
    if (h < 192) {
        int64_t hr = h % 24;
        if (hr == 0) snprintf(buf, size, "%" PRId64 "d", h / 24);
        else snprintf(buf, size, "%" PRId64 "d%" PRId64 "h", h / 24, hr);
        return;
    }
    if (h < 24 * 365 * 2) { snprintf(buf, size, "%" PRId64 "d", h / 24); return; }
    int64_t y = h / (24 * 365);
    if (y < 8) {
        int64_t dd = (h / 24) % 365;
        if (dd == 0) snprintf(buf, size, "%" PRId64 "y", y);
        else snprintf(buf, size, "%" PRId64 "y%" PRId64 "d", y, dd);
        return;
    }
    snprintf(buf, size, "%" PRId64 "y", y);
}

static int64_t parse_time(const char *s) {
    if (!s) return 0;
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return 0;
    return (int64_t)timegm(&tm) * 1000000000;
}

static void age(const json_t *obj, const char *ts_field_path, int64_t now, char *buf, size_t size) {
    const json_t *meta = json_object_get(obj, "metadata");
    const char *ts = ts_field_path ? json_string_value(json_object_get(obj, ts_field_path))
                                   : json_string_value(json_object_get(meta, "creationTimestamp"));
    int64_t t = parse_time(ts);
    if (!t) {
        snprintf(buf, size, "<unknown>");
        return;
    }
    human_duration(now - t, buf, size);
}

static const char *str_at(const json_t *obj, const char *a, const char *b) {
    const json_t *v = json_object_get(obj, a);
    if (b) v = json_object_get(v, b);
    return json_string_value(v);
}

static void cell_str(strbuf *sb, const char *s) {
    strbuf_put_json_string(sb, s && *s ? s : "<none>");
}

static void pod_row(strbuf *sb, const json_t *o, int64_t now) {
    const json_t *spec = json_object_get(o, "spec"), *status = json_object_get(o, "status");
    size_t total = json_array_size(json_object_get(spec, "containers")), ready = 0;
    int64_t restarts = 0;
    const char *reason = str_at(o, "status", "reason");
    const char *phase = str_at(o, "status", "phase");
    size_t i;
    json_t *cs;
    json_array_foreach(json_object_get(status, "containerStatuses"), i, cs) {
        if (json_is_true(json_object_get(cs, "ready"))) ready++;
        restarts += json_integer_value(json_object_get(cs, "restartCount"));
        const char *waiting = str_at(json_object_get(cs, "state"), "waiting", "reason");
        const char *term = str_at(json_object_get(cs, "state"), "terminated", "reason");
        if (waiting && *waiting) reason = waiting;
        else if (term && *term) reason = term;
    }
    const char *st = reason && *reason ? reason : phase && *phase ? phase : "Pending";
    if (json_object_get(json_object_get(o, "metadata"), "deletionTimestamp")) st = "Terminating";
    char a[32];
    age(o, NULL, now, a, sizeof a);
    strbuf_printf(sb, "\"%zu/%zu\",", ready, total);
    strbuf_put_json_string(sb, st);
    strbuf_printf(sb, ",%" PRId64 ",", restarts);
    strbuf_put_json_string(sb, a);
    strbuf_putc(sb, ',');
    cell_str(sb, str_at(o, "status", "podIP"));
    strbuf_putc(sb, ',');
    cell_str(sb, str_at(o, "spec", "nodeName"));
    strbuf_putc(sb, ',');
    cell_str(sb, str_at(o, "status", "nominatedNodeName"));
    strbuf_puts(sb, ",\"<none>\"");
}

static void node_row(strbuf *sb, const json_t *o, int64_t now) {
    const json_t *status = json_object_get(o, "status");
    const char *ready = "Unknown";
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        if (type && !strcmp(type, "Ready")) {
            const char *s = json_string_value(json_object_get(c, "status"));
            ready = s && !strcmp(s, "True") ? "Ready" : s && !strcmp(s, "False") ? "NotReady" : "Unknown";
        }
    }
    char st[64];
    snprintf(st, sizeof st, "%s%s", ready,
             json_is_true(json_object_get(json_object_get(o, "spec"), "unschedulable")) ? ",SchedulingDisabled" : "");
    strbuf_put_json_string(sb, st);
    strbuf_putc(sb, ',');
    strbuf roles;
    strbuf_init(&roles);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(json_object_get(o, "metadata"), "labels"), k, v) {
        const char *role = NULL;
        if (!strncmp(k, "node-role.kubernetes.io/", 24)) role = k + 24;
        else if (!strcmp(k, "kubernetes.io/role")) role = json_string_value(v);
        if (role && *role) {
            if (roles.len) strbuf_putc(&roles, ',');
            strbuf_puts(&roles, role);
        }
    }
    cell_str(sb, strbuf_cstr(&roles));
    strbuf_free(&roles);
    char a[32];
    age(o, NULL, now, a, sizeof a);
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, a);
    strbuf_putc(sb, ',');
    const json_t *info = json_object_get(status, "nodeInfo");
    const char *kv = json_string_value(json_object_get(info, "kubeletVersion"));
    strbuf_put_json_string(sb, kv ? kv : "");
    const char *internal = NULL, *external = NULL;
    json_array_foreach(json_object_get(status, "addresses"), i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *addr = json_string_value(json_object_get(c, "address"));
        if (type && !strcmp(type, "InternalIP") && !internal) internal = addr;
        if (type && !strcmp(type, "ExternalIP") && !external) external = addr;
    }
    strbuf_putc(sb, ',');
    cell_str(sb, internal);
    strbuf_putc(sb, ',');
    cell_str(sb, external);
    strbuf_putc(sb, ',');
    const char *os = json_string_value(json_object_get(info, "osImage"));
    const char *kernel = json_string_value(json_object_get(info, "kernelVersion"));
    const char *rt = json_string_value(json_object_get(info, "containerRuntimeVersion"));
    strbuf_put_json_string(sb, os && *os ? os : "<unknown>");
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, kernel && *kernel ? kernel : "<unknown>");
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, rt && *rt ? rt : "<unknown>");
}

static void event_row(strbuf *sb, const json_t *o, int64_t now) {
    char last[32], first[32];
    const char *lt = json_string_value(json_object_get(o, "lastTimestamp"));
    const char *et = json_string_value(json_object_get(o, "eventTime"));
    if (lt) age(o, "lastTimestamp", now, last, sizeof last);
    else if (et) age(o, "eventTime", now, last, sizeof last);
    else age(o, NULL, now, last, sizeof last);
    if (json_string_value(json_object_get(o, "firstTimestamp"))) age(o, "firstTimestamp", now, first, sizeof first);
    else snprintf(first, sizeof first, "%s", last);
    const json_t *inv = json_object_get(o, "involvedObject");
    char object[512];
    const char *kind = json_string_value(json_object_get(inv, "kind"));
    const char *name = json_string_value(json_object_get(inv, "name"));
    snprintf(object, sizeof object, "%s/%s", kind ? kind : "", name ? name : "");
    for (char *p = object; *p && *p != '/'; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    strbuf_put_json_string(sb, last);
    strbuf_putc(sb, ',');
    cell_str(sb, json_string_value(json_object_get(o, "type")));
    strbuf_putc(sb, ',');
    cell_str(sb, json_string_value(json_object_get(o, "reason")));
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, object);
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, json_string_value(json_object_get(inv, "fieldPath")) ? json_string_value(json_object_get(inv, "fieldPath")) : "");
    strbuf_putc(sb, ',');
    const char *src = str_at(o, "source", "component");
    if (!src || !*src) src = json_string_value(json_object_get(o, "reportingComponent"));
    strbuf_put_json_string(sb, src ? src : "");
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, json_string_value(json_object_get(o, "message")) ? json_string_value(json_object_get(o, "message")) : "");
    strbuf_putc(sb, ',');
    strbuf_put_json_string(sb, first);
    json_int_t count = json_integer_value(json_object_get(o, "count"));
    strbuf_printf(sb, ",%lld,", (long long)(count ? count : 1));
    strbuf_put_json_string(sb, str_at(o, "metadata", "name") ? str_at(o, "metadata", "name") : "");
}

static void intstr_cell(strbuf *sb, const json_t *v) {
    if (json_is_integer(v)) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
        strbuf_put_json_string(sb, b);
    } else if (json_is_string(v)) {
        strbuf_put_json_string(sb, json_string_value(v));
    } else {
        strbuf_put_json_string(sb, "N/A");
    }
}

static void write_row(strbuf *sb, const sl_resource *res, sl_object *o, int64_t now) {
    const json_t *j = o->json;
    char a[32];
    strbuf_puts(sb, "{\"cells\":[");
    switch (res->id) {
    case SL_RES_EVENTS:
    case SL_RES_EVENTS_V1: event_row(sb, j, now); break;
    default:
        strbuf_put_json_string(sb, o->name);
        strbuf_putc(sb, ',');
        switch (res->id) {
        case SL_RES_PODS: pod_row(sb, j, now); break;
        case SL_RES_NODES: node_row(sb, j, now); break;
        case SL_RES_NAMESPACES: {
            const char *phase = str_at(j, "status", "phase");
            strbuf_put_json_string(sb, phase ? phase : "Active");
            age(j, NULL, now, a, sizeof a);
            strbuf_putc(sb, ',');
            strbuf_put_json_string(sb, a);
            break;
        }
        case SL_RES_LEASES:
            cell_str(sb, str_at(j, "spec", "holderIdentity"));
            age(j, NULL, now, a, sizeof a);
            strbuf_putc(sb, ',');
            strbuf_put_json_string(sb, a);
            break;
        case SL_RES_PRIORITYCLASSES: {
            strbuf_printf(sb, "%lld,%s,", (long long)json_integer_value(json_object_get(j, "value")),
                          json_is_true(json_object_get(j, "globalDefault")) ? "true" : "false");
            age(j, NULL, now, a, sizeof a);
            strbuf_put_json_string(sb, a);
            strbuf_putc(sb, ',');
            const char *pp = json_string_value(json_object_get(j, "preemptionPolicy"));
            strbuf_put_json_string(sb, pp ? pp : "PreemptLowerPriority");
            break;
        }
        case SL_RES_PODDISRUPTIONBUDGETS: {
            const json_t *spec = json_object_get(j, "spec");
            intstr_cell(sb, json_object_get(spec, "minAvailable"));
            strbuf_putc(sb, ',');
            intstr_cell(sb, json_object_get(spec, "maxUnavailable"));
            strbuf_printf(sb, ",%lld,", (long long)json_integer_value(json_object_get(json_object_get(j, "status"), "disruptionsAllowed")));
            age(j, NULL, now, a, sizeof a);
            strbuf_put_json_string(sb, a);
            break;
        }
        default: {
            const char *ts = str_at(j, "metadata", "creationTimestamp");
            strbuf_put_json_string(sb, ts ? ts : "");
            break;
        }
        }
    }
    strbuf_puts(sb, "],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":");
    char *meta = json_dumps(json_object_get(j, "metadata"), JSON_COMPACT);
    strbuf_puts(sb, meta ? meta : "{}");
    free(meta);
    strbuf_puts(sb, "}}");
}

void sl_table_write(strbuf *sb, const sl_resource *res, sl_object *const *items, size_t n,
                    uint64_t list_rv, const char *continue_token, int64_t now) {
    const column *cols;
    size_t ncols;
    switch (res->id) {
    case SL_RES_PODS: cols = pod_cols, ncols = ARRAY_LEN(pod_cols); break;
    case SL_RES_NODES: cols = node_cols, ncols = ARRAY_LEN(node_cols); break;
    case SL_RES_NAMESPACES: cols = namespace_cols, ncols = ARRAY_LEN(namespace_cols); break;
    case SL_RES_EVENTS:
    case SL_RES_EVENTS_V1: cols = event_cols, ncols = ARRAY_LEN(event_cols); break;
    case SL_RES_LEASES: cols = lease_cols, ncols = ARRAY_LEN(lease_cols); break;
    case SL_RES_PRIORITYCLASSES: cols = pc_cols, ncols = ARRAY_LEN(pc_cols); break;
    case SL_RES_PODDISRUPTIONBUDGETS: cols = pdb_cols, ncols = ARRAY_LEN(pdb_cols); break;
    default: cols = default_cols, ncols = ARRAY_LEN(default_cols); break;
    }
    strbuf_puts(sb, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{");
    if (list_rv) strbuf_printf(sb, "\"resourceVersion\":\"%" PRIu64 "\"", list_rv);
    if (continue_token) {
        strbuf_puts(sb, list_rv ? ",\"continue\":" : "\"continue\":");
        strbuf_put_json_string(sb, continue_token);
    }
    strbuf_puts(sb, "},\"columnDefinitions\":[");
    for (size_t i = 0; i < ncols; i++) {
        if (i) strbuf_putc(sb, ',');
        strbuf_puts(sb, "{\"name\":");
        strbuf_put_json_string(sb, cols[i].name);
        strbuf_printf(sb, ",\"type\":\"%s\",\"format\":\"%s\",\"description\":", cols[i].type, cols[i].format);
        strbuf_put_json_string(sb, cols[i].description);
        strbuf_printf(sb, ",\"priority\":%d}", cols[i].priority);
    }
    strbuf_puts(sb, "],\"rows\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) strbuf_putc(sb, ',');
        write_row(sb, res, items[i], now);
    }
    strbuf_puts(sb, "]}");
}

/* ---- events.k8s.io/v1 <-> core/v1 ---- */

static const struct { const char *core, *v1; } event_fields[] = {
    {"involvedObject", "regarding"}, {"message", "note"}, {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"}, {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"}, {"reportingComponent", "reportingController"},
};

static json_t *rename_fields(const json_t *in, bool to_v1) {
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v) {
        const char *name = k;
        for (size_t i = 0; i < ARRAY_LEN(event_fields); i++) {
            if (to_v1 && !strcmp(k, event_fields[i].core)) name = event_fields[i].v1;
            if (!to_v1 && !strcmp(k, event_fields[i].v1)) name = event_fields[i].core;
        }
        json_object_set(out, name, v);
    }
    return out;
}

json_t *sl_event_to_v1(const json_t *core) {
    json_t *out = rename_fields(core, true);
    json_object_set_new(out, "apiVersion", json_string("events.k8s.io/v1"));
    if (!json_object_get(out, "eventTime")) json_object_set_new(out, "eventTime", json_null());
    return out;
}

json_t *sl_event_from_v1(const json_t *v1) {
    json_t *out = rename_fields(v1, false);
    json_object_set_new(out, "apiVersion", json_string("v1"));
    json_object_set_new(out, "kind", json_string("Event"));
    if (json_is_null(json_object_get(out, "eventTime"))) json_object_del(out, "eventTime");
    return out;
}
