/*
 * protobuf.c — Pod, Node and NodeList as k8s.io.api.core.v1 protobuf, the
 * bytes Kubernetes' gogo-generated marshaller produces (reference/
 * wasm-abi.md §4): fields in ascending number order; non-pointer scalar,
 * string and struct fields always emitted (empty/0/empty message), pointer,
 * repeated and map fields only when set; map entries {1 key, 2 value} with
 * keys sorted bytewise; Quantity = {1 canonical string}; Time =
 * {1 seconds, 2 nanos} or an empty message for the zero time.
 *
 * The encoder walks the object's JSON (its `raw`, which keeps every field
 * the API sent) against a schema table. Fields the schema does not list
 * are skipped, as a guest's decoder skips unknown fields; the schema
 * covers every field the scheduler model and the SDK accessors read
 * (metadata, containers and resources, affinity, tolerations, topology
 * spread, node taints, capacity, conditions, images, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "wasmplugin/wasmplugin.h"

typedef enum { F_STR, F_INT, F_BOOL, F_MSG, F_MAP_SS, F_MAP_SQ, F_REP_STR, F_REP_MSG, F_TIME, F_QTY } pb_kind;

typedef struct pb_msg pb_msg;
typedef struct pb_field {
    const char *json;
    uint32_t num;
    uint8_t kind;
    bool always;
    const pb_msg *msg;
} pb_field;
struct pb_msg {
    const pb_field *fields;
    size_t n;
};
#define MSG(name, ...)                                                                        \
    static const pb_field name##_fields[] = {__VA_ARGS__};                                   \
    static const pb_msg name = {name##_fields, sizeof(name##_fields) / sizeof(pb_field)}
#define S(j, n) {j, n, F_STR, true, NULL}
#define SO(j, n) {j, n, F_STR, false, NULL}
#define I(j, n) {j, n, F_INT, true, NULL}
#define IO(j, n) {j, n, F_INT, false, NULL}
#define B(j, n) {j, n, F_BOOL, true, NULL}
#define BO(j, n) {j, n, F_BOOL, false, NULL}
#define M(j, n, m) {j, n, F_MSG, true, &m}
#define MO(j, n, m) {j, n, F_MSG, false, &m}
#define RS(j, n) {j, n, F_REP_STR, false, NULL}
#define RM(j, n, m) {j, n, F_REP_MSG, false, &m}
#define MSS(j, n) {j, n, F_MAP_SS, false, NULL}
#define MSQ(j, n) {j, n, F_MAP_SQ, false, NULL}
#define T(j, n) {j, n, F_TIME, true, NULL}
#define TO(j, n) {j, n, F_TIME, false, NULL}

/* ---- meta ---- */
MSG(owner_reference, S("kind", 1), S("name", 3), S("uid", 4), S("apiVersion", 5), BO("controller", 6),
    BO("blockOwnerDeletion", 7));
MSG(object_meta, S("name", 1), S("generateName", 2), S("namespace", 3), S("selfLink", 4), S("uid", 5),
    S("resourceVersion", 6), I("generation", 7), T("creationTimestamp", 8), TO("deletionTimestamp", 9),
    IO("deletionGracePeriodSeconds", 10), MSS("labels", 11), MSS("annotations", 12),
    RM("ownerReferences", 13, owner_reference), RS("finalizers", 14));
MSG(label_selector_requirement, S("key", 1), S("operator", 2), RS("values", 3));
MSG(label_selector, MSS("matchLabels", 1), RM("matchExpressions", 2, label_selector_requirement));
MSG(list_meta, S("selfLink", 1), S("resourceVersion", 2), S("continue", 3), IO("remainingItemCount", 4));

/* ---- pod spec pieces ---- */
MSG(node_selector_requirement, S("key", 1), S("operator", 2), RS("values", 3));
MSG(node_selector_term, RM("matchExpressions", 1, node_selector_requirement),
    RM("matchFields", 2, node_selector_requirement));
MSG(node_selector, RM("nodeSelectorTerms", 1, node_selector_term));
MSG(preferred_scheduling_term, I("weight", 1), M("preference", 2, node_selector_term));
MSG(node_affinity, MO("requiredDuringSchedulingIgnoredDuringExecution", 1, node_selector),
    RM("preferredDuringSchedulingIgnoredDuringExecution", 2, preferred_scheduling_term));
MSG(pod_affinity_term, MO("labelSelector", 1, label_selector), RS("namespaces", 2), S("topologyKey", 3),
    MO("namespaceSelector", 4, label_selector), RS("matchLabelKeys", 5), RS("mismatchLabelKeys", 6));
MSG(weighted_pod_affinity_term, I("weight", 1), M("podAffinityTerm", 2, pod_affinity_term));
MSG(pod_affinity, RM("requiredDuringSchedulingIgnoredDuringExecution", 1, pod_affinity_term),
    RM("preferredDuringSchedulingIgnoredDuringExecution", 2, weighted_pod_affinity_term));
MSG(affinity, MO("nodeAffinity", 1, node_affinity), MO("podAffinity", 2, pod_affinity),
    MO("podAntiAffinity", 3, pod_affinity));
MSG(toleration, S("key", 1), S("operator", 2), S("value", 3), S("effect", 4), IO("tolerationSeconds", 5));
MSG(container_port, S("name", 1), I("hostPort", 2), I("containerPort", 3), S("protocol", 4), S("hostIP", 5));
MSG(env_var, S("name", 1), S("value", 2));
MSG(resource_claim, S("name", 1), S("request", 2));
MSG(resource_requirements, MSQ("limits", 1), MSQ("requests", 2), RM("claims", 3, resource_claim));
MSG(volume_mount, S("name", 1), B("readOnly", 2), S("mountPath", 3), S("subPath", 4),
    SO("mountPropagation", 5), S("subPathExpr", 6), SO("recursiveReadOnly", 7));
MSG(container, S("name", 1), S("image", 2), RS("command", 3), RS("args", 4), S("workingDir", 5),
    RM("ports", 6, container_port), RM("env", 7, env_var), M("resources", 8, resource_requirements),
    RM("volumeMounts", 9, volume_mount), S("terminationMessagePath", 13), S("imagePullPolicy", 14),
    B("stdin", 16), B("stdinOnce", 17), B("tty", 18), S("terminationMessagePolicy", 20),
    SO("restartPolicy", 24));
MSG(topology_spread_constraint, I("maxSkew", 1), S("topologyKey", 2), S("whenUnsatisfiable", 3),
    MO("labelSelector", 4, label_selector), IO("minDomains", 5), SO("nodeAffinityPolicy", 6),
    SO("nodeTaintsPolicy", 7), RS("matchLabelKeys", 8));
MSG(local_object_reference, S("name", 1));
MSG(pod_scheduling_gate, S("name", 1));
MSG(pod_spec, S("restartPolicy", 3), IO("terminationGracePeriodSeconds", 4), IO("activeDeadlineSeconds", 5),
    RM("containers", 2, container), S("dnsPolicy", 6), MSS("nodeSelector", 7), S("serviceAccountName", 8),
    S("serviceAccount", 9), S("nodeName", 10), B("hostNetwork", 11), B("hostPID", 12), B("hostIPC", 13),
    RM("imagePullSecrets", 15, local_object_reference), S("hostname", 16), S("subdomain", 17),
    MO("affinity", 18, affinity), S("schedulerName", 19), RM("initContainers", 20, container),
    BO("automountServiceAccountToken", 21), RM("tolerations", 22, toleration), S("priorityClassName", 24),
    IO("priority", 25), BO("shareProcessNamespace", 27), SO("runtimeClassName", 29),
    BO("enableServiceLinks", 30), SO("preemptionPolicy", 31), MSQ("overhead", 32),
    RM("topologySpreadConstraints", 33, topology_spread_constraint), BO("setHostnameAsFQDN", 35),
    BO("hostUsers", 37), RM("schedulingGates", 38, pod_scheduling_gate),
    MO("resources", 40, resource_requirements));
MSG(pod_condition, S("type", 1), S("status", 2), T("lastProbeTime", 3), T("lastTransitionTime", 4),
    S("reason", 5), S("message", 6), IO("observedGeneration", 7));
MSG(pod_ip, S("ip", 1));
MSG(pod_status, S("phase", 1), RM("conditions", 2, pod_condition), S("message", 3), S("reason", 4),
    S("hostIP", 5), S("podIP", 6), TO("startTime", 7), S("qosClass", 9), S("nominatedNodeName", 11),
    RM("podIPs", 12, pod_ip), S("resize", 14), RM("hostIPs", 16, pod_ip), I("observedGeneration", 17));
MSG(pod_msg, M("metadata", 1, object_meta), M("spec", 2, pod_spec), M("status", 3, pod_status));

/* ---- node ---- */
MSG(taint, S("key", 1), S("value", 2), S("effect", 3), TO("timeAdded", 4));
MSG(node_spec, S("podCIDR", 1), S("externalID", 2), S("providerID", 3), B("unschedulable", 4),
    RM("taints", 5, taint), RS("podCIDRs", 7));
MSG(node_condition, S("type", 1), S("status", 2), T("lastHeartbeatTime", 3), T("lastTransitionTime", 4),
    S("reason", 5), S("message", 6));
MSG(node_address, S("type", 1), S("address", 2));
MSG(daemon_endpoint, I("Port", 1));
MSG(node_daemon_endpoints, M("kubeletEndpoint", 1, daemon_endpoint));
MSG(node_system_info, S("machineID", 1), S("systemUUID", 2), S("bootID", 3), S("kernelVersion", 4),
    S("osImage", 5), S("containerRuntimeVersion", 6), S("kubeletVersion", 7), S("kubeProxyVersion", 8),
    S("operatingSystem", 9), S("architecture", 10));
MSG(container_image, RS("names", 1), I("sizeBytes", 2));
MSG(node_status, MSQ("capacity", 1), MSQ("allocatable", 2), S("phase", 3), RM("conditions", 4, node_condition),
    RM("addresses", 5, node_address), M("daemonEndpoints", 6, node_daemon_endpoints),
    M("nodeInfo", 7, node_system_info), RM("images", 8, container_image), RS("volumesInUse", 9));
MSG(node_msg, M("metadata", 1, object_meta), M("spec", 2, node_spec), M("status", 3, node_status));

/* ---- wire ---- */

static void put(sl_pb_buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_varint(sl_pb_buf *b, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    put(b, tmp, n);
}

static void put_tag(sl_pb_buf *b, uint32_t num, int wire) { put_varint(b, ((uint64_t)num << 3) | (uint64_t)wire); }

static void put_bytes_field(sl_pb_buf *b, uint32_t num, const void *p, size_t n) {
    put_tag(b, num, 2);
    put_varint(b, n);
    put(b, p, n);
}

static void put_string_field(sl_pb_buf *b, uint32_t num, const char *s) {
    put_bytes_field(b, num, s, strlen(s));
}

/* Appends a length-delimited field whose body is built into `tmp` by the
 * caller; nested messages use a scratch buffer each (objects are small). */
static void put_sub(sl_pb_buf *b, uint32_t num, sl_pb_buf *sub) {
    put_bytes_field(b, num, sub->data, sub->len);
    free(sub->data);
    memset(sub, 0, sizeof *sub);
}

static void encode_msg(sl_pb_buf *b, const pb_msg *m, const json_t *obj);

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* RFC 3339 ("2024-01-02T03:04:05Z", offsets, fractions) -> unix seconds. */
static bool parse_time(const char *s, int64_t *out) {
    int y, mo, d, h, mi, sec;
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) return false;
    const char *p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
        }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return false;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    }
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return true;
}

static void encode_time(sl_pb_buf *b, uint32_t num, const json_t *v) {
    int64_t secs;
    if (!json_is_string(v) || !parse_time(json_string_value(v), &secs)) {
        put_bytes_field(b, num, NULL, 0); /* zero time: empty message */
        return;
    }
    sl_pb_buf sub = {0};
    put_tag(&sub, 1, 0);
    put_varint(&sub, (uint64_t)secs);
    put_tag(&sub, 2, 0);
    put_varint(&sub, 0);
    put_sub(b, num, &sub);
}

static void encode_quantity(sl_pb_buf *b, uint32_t num, const json_t *v) {
    char text[128], canon[128];
    if (json_is_string(v))
        snprintf(text, sizeof text, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(text, sizeof text, "%.9g", json_real_value(v));
    else
        text[0] = 0;
    if (!sl_pb_quantity_canonical(text, canon, sizeof canon)) snprintf(canon, sizeof canon, "%s", text);
    sl_pb_buf sub = {0};
    put_string_field(&sub, 1, canon);
    put_sub(b, num, &sub);
}

static int cmp_keys(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void encode_map(sl_pb_buf *b, uint32_t num, const json_t *obj, bool quantity) {
    size_t n = json_object_size(obj);
    if (!n) return;
    const char **keys = xmalloc(n * sizeof *keys);
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_keys);
    for (size_t i = 0; i < k; i++) {
        const json_t *v = json_object_get(obj, keys[i]);
        sl_pb_buf entry = {0};
        put_string_field(&entry, 1, keys[i]);
        if (quantity)
            encode_quantity(&entry, 2, v);
        else
            put_string_field(&entry, 2, json_is_string(v) ? json_string_value(v) : "");
        put_sub(b, num, &entry);
    }
    free(keys);
}

static int64_t json_int(const json_t *v) {
    if (json_is_integer(v)) return (int64_t)json_integer_value(v);
    if (json_is_real(v)) return (int64_t)json_real_value(v);
    if (json_is_true(v)) return 1;
    if (json_is_string(v)) return strtoll(json_string_value(v), NULL, 10);
    return 0;
}

static void encode_field(sl_pb_buf *b, const pb_field *f, const json_t *v) {
    bool present = v && !json_is_null(v);
    switch (f->kind) {
    case F_STR:
        if (present || f->always) put_string_field(b, f->num, json_is_string(v) ? json_string_value(v) : "");
        break;
    case F_INT:
    case F_BOOL:
        if (present || f->always) {
            put_tag(b, f->num, 0);
            put_varint(b, (uint64_t)(f->kind == F_BOOL ? (json_is_true(v) ? 1 : 0) : json_int(v)));
        }
        break;
    case F_MSG:
        if (present || f->always) {
            sl_pb_buf sub = {0};
            encode_msg(&sub, f->msg, json_is_object(v) ? v : NULL);
            put_sub(b, f->num, &sub);
        }
        break;
    case F_TIME:
        if (present || f->always) encode_time(b, f->num, v);
        break;
    case F_QTY:
        if (present) encode_quantity(b, f->num, v);
        break;
    case F_MAP_SS:
    case F_MAP_SQ:
        if (json_is_object(v)) encode_map(b, f->num, v, f->kind == F_MAP_SQ);
        break;
    case F_REP_STR:
        for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++) {
            const json_t *e = json_array_get(v, i);
            put_string_field(b, f->num, json_is_string(e) ? json_string_value(e) : "");
        }
        break;
    case F_REP_MSG:
        for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++) {
            const json_t *e = json_array_get(v, i);
            sl_pb_buf sub = {0};
            encode_msg(&sub, f->msg, json_is_object(e) ? e : NULL);
            put_sub(b, f->num, &sub);
        }
        break;
    }
}

static int cmp_field_num(const void *a, const void *b) {
    const pb_field *x = *(const pb_field *const *)a, *y = *(const pb_field *const *)b;
    return x->num < y->num ? -1 : x->num > y->num;
}

static void encode_msg(sl_pb_buf *b, const pb_msg *m, const json_t *obj) {
    /* Tables list fields roughly in number order; sort to be sure. */
    const pb_field *order[64];
    size_t n = m->n < 64 ? m->n : 64;
    for (size_t i = 0; i < n; i++) order[i] = &m->fields[i];
    qsort(order, n, sizeof *order, cmp_field_num);
    for (size_t i = 0; i < n; i++)
        encode_field(b, order[i], obj ? json_object_get(obj, order[i]->json) : NULL);
}

void sl_pb_encode_pod(sl_pb_buf *b, const json_t *pod) { encode_msg(b, &pod_msg, pod); }
void sl_pb_encode_node(sl_pb_buf *b, const json_t *node) { encode_msg(b, &node_msg, node); }

void sl_pb_encode_node_list(sl_pb_buf *b, const json_t *const *nodes, size_t n) {
    sl_pb_buf sub = {0};
    encode_msg(&sub, &list_meta, NULL);
    put_sub(b, 1, &sub);
    for (size_t i = 0; i < n; i++) {
        encode_msg(&sub, &node_msg, nodes[i]);
        put_sub(b, 2, &sub);
    }
}

/* ---- Quantity canonical form (resource.Quantity.String()) ---- */

typedef __int128 i128;

static void i128_str(i128 v, char *out) {
    char tmp[64];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

bool sl_pb_quantity_canonical(const char *text, char *out, size_t outsize) {
    const char *p = text;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    i128 mant = 0;
    int frac = 0, digits = 0;
    bool dot = false;
    for (; (*p >= '0' && *p <= '9') || (*p == '.' && !dot); p++) {
        if (*p == '.') {
            dot = true;
            continue;
        }
        if (mant == 0 && *p == '0' && !dot) continue;
        if (++digits > 24) return false;
        mant = mant * 10 + (*p - '0');
        if (dot) frac++;
    }
    if (p == text || (p - text == 1 && (text[0] == '+' || text[0] == '-'))) return false;
    /* suffix */
    int dec_exp = 0, bin_exp = 0; /* value = mant * 10^(dec_exp - frac) * 1024^bin_exp */
    enum { DEC_SI, BIN_SI, DEC_EXP } format = DEC_SI;
    static const char *const bins[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    static const char dec_letters[] = "num kMGTPE";
    if (*p == 0) {
    } else if ((*p == 'e' || *p == 'E') && p[1]) {
        char *end;
        long e = strtol(p + 1, &end, 10);
        if (*end || e > 30 || e < -30) return false;
        dec_exp = (int)e;
        format = DEC_EXP;
    } else if (p[1] == 'i' && p[2] == 0) {
        int k = -1;
        for (int i = 0; i < 6; i++)
            if (p[0] == bins[i][0]) k = i + 1;
        if (k < 0) return false;
        bin_exp = k;
        format = BIN_SI;
    } else if (p[1] == 0) {
        const char *c = strchr(dec_letters, *p);
        if (!c || *p == ' ') return false;
        dec_exp = ((int)(c - dec_letters) - 3) * 3;
    } else {
        return false;
    }
    /* value in nano units, rounded up (Quantity keeps at most nano precision). */
    const i128 limit = ((i128)1) << 120; /* far from overflow; beyond any real quantity */
    i128 v = mant;
    for (int i = 0; i < bin_exp; i++) {
        if (v > limit / 1024) return false;
        v *= 1024;
    }
    int e10 = dec_exp - frac + 9;
    if (e10 > 40) return false;
    if (e10 >= 0) {
        for (int i = 0; i < e10; i++) {
            if (v > limit / 10) return false;
            v *= 10;
        }
    } else {
        if (-e10 > 36) { /* mantissa < 10^24 < 10^36: rounds up to one nano unit */
            v = v > 0;
        } else {
            i128 d = 1;
            for (int i = 0; i < -e10; i++) d *= 10;
            v = (v + d - 1) / d;
        }
    }
    char num[64];
    const i128 nano = 1000000000;
    if (v == 0) {
        snprintf(out, outsize, "0");
        return true;
    }
    if (format == BIN_SI) {
        if (v % nano == 0 && v / nano >= 1024) {
            i128 w = v / nano;
            int k = 0;
            while (k < 6 && w % 1024 == 0) {
                w /= 1024;
                k++;
            }
            i128_str(w, num);
            snprintf(out, outsize, "%s%s%s", neg ? "-" : "", num, k ? bins[k - 1] : "");
            return true;
        }
        format = DEC_SI;
    }
    int exp = -9;
    while (v % 1000 == 0 && exp < 18) {
        v /= 1000;
        exp += 3;
    }
    i128_str(v, num);
    if (format == DEC_EXP) {
        if (exp == 0)
            snprintf(out, outsize, "%s%s", neg ? "-" : "", num);
        else
            snprintf(out, outsize, "%s%se%d", neg ? "-" : "", num, exp);
    } else {
        char suffix[2] = {0, 0};
        if (exp != 0) suffix[0] = dec_letters[exp / 3 + 3];
        snprintf(out, outsize, "%s%s%s", neg ? "-" : "", num, suffix);
    }
    return true;
}
