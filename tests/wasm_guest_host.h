/*
 * wasm_guest_host.h — test-only pieces for driving kube-scheduler-wasm-
 * extension guests without the real plugin host: a tiny protobuf writer
 * (to hand-make Pod/Node bytes) and a minimal host that implements the
 * k8s.io/scheduler, k8s.io/api and k8s.io/klog imports (wasm-abi.md §1) on
 * schedlab's runtime (sl_wasm_*), over plain fields the test sets. Used by
 * tests/unit/test_wasm_guests.c, tests/unit/test_guest_sdk.c and the
 * tests/tools/bench_wasm_guests benchmark.
 */
#ifndef SCHEDLAB_TESTS_WASM_GUEST_HOST_H
#define SCHEDLAB_TESTS_WASM_GUEST_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- protobuf writer ------------------------------------------------------- */

typedef struct pbw {
    uint8_t *data;
    size_t len, cap;
} pbw;

static inline void pbw_raw(pbw *w, const void *p, size_t n) {
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        while (cap < w->len + n) cap *= 2;
        w->data = realloc(w->data, cap);
        w->cap = cap;
    }
    if (n) memcpy(w->data + w->len, p, n);
    w->len += n;
}

static inline void pbw_varint(pbw *w, uint64_t v) {
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    pbw_raw(w, b, n);
}

static inline void pbw_uint(pbw *w, uint32_t field, uint64_t v) {
    pbw_varint(w, (uint64_t)field << 3);
    pbw_varint(w, v);
}

static inline void pbw_bytes(pbw *w, uint32_t field, const void *p, size_t n) {
    pbw_varint(w, ((uint64_t)field << 3) | 2);
    pbw_varint(w, n);
    pbw_raw(w, p, n);
}

static inline void pbw_string(pbw *w, uint32_t field, const char *s) {
    pbw_bytes(w, field, s, strlen(s));
}

/* Appends `inner` as message field `field` and frees it. */
static inline void pbw_message(pbw *w, uint32_t field, pbw *inner) {
    pbw_bytes(w, field, inner->data, inner->len);
    free(inner->data);
    memset(inner, 0, sizeof(*inner));
}

static inline void pbw_map_entry(pbw *w, uint32_t field, const char *key, const char *value) {
    pbw e = {0};
    pbw_string(&e, 1, key);
    pbw_string(&e, 2, value);
    pbw_message(w, field, &e);
}

/* map<string, Quantity> entry */
static inline void pbw_quantity_entry(pbw *w, uint32_t field, const char *key, const char *q) {
    pbw e = {0}, qty = {0};
    pbw_string(&e, 1, key);
    pbw_string(&qty, 1, q);
    pbw_message(&e, 2, &qty);
    pbw_message(w, field, &e);
}

/* A Pod with name/namespace/uid, optional regex annotation (and one extra
 * annotation of `pad` bytes, to make big pods), one container requesting
 * 100m cpu / 128Mi memory. */
static inline pbw make_pod_pb(const char *name, const char *regex, size_t pad) {
    pbw pod = {0}, meta = {0}, spec = {0}, c = {0}, res = {0}, status = {0};
    pbw_string(&meta, 1, name);
    pbw_string(&meta, 2, "");
    pbw_string(&meta, 3, "default");
    pbw_string(&meta, 4, "");
    pbw_string(&meta, 5, "uid-1234");
    pbw_string(&meta, 6, "");
    pbw_uint(&meta, 7, 0);
    pbw_bytes(&meta, 8, "", 0);
    pbw_map_entry(&meta, 11, "app", "demo");
    if (pad) {
        char *big = malloc(pad + 1);
        memset(big, 'x', pad);
        big[pad] = '\0';
        pbw_map_entry(&meta, 12, "padding", big);
        free(big);
    }
    if (regex) pbw_map_entry(&meta, 12, "scheduler.wasmkwokwizardry.io/regex", regex);
    pbw_string(&c, 1, "app");
    pbw_string(&c, 2, "registry.k8s.io/pause:3.10");
    pbw_quantity_entry(&res, 2, "cpu", "100m");
    pbw_quantity_entry(&res, 2, "memory", "128Mi");
    pbw_message(&c, 8, &res);
    pbw_message(&spec, 2, &c);
    pbw_string(&spec, 3, "Always");
    pbw_string(&spec, 19, "default-scheduler");
    pbw_message(&pod, 1, &meta);
    pbw_message(&pod, 2, &spec);
    pbw_message(&pod, 3, &status);
    return pod;
}

/* ---- minimal host ------------------------------------------------------------ */

#include "wasm/wasm.h"

typedef struct guest_host {
    /* inputs the test sets */
    pbw pod;                 /* currentPod bytes (len 0 = none) */
    char node_name[256];     /* currentNodeName */
    const char *config;      /* get_config */
    const char *filtered_json, *status_map_json, *scores_json; /* NULL: [] / {} */
    int severity;
    /* k8s.io/api.node: one known node */
    pbw node;
    char node_known[256];
    /* outputs of the last call */
    char reason[8192];
    size_t reason_len;
    char node_names[4096];
    size_t node_names_len;
    bool node_names_set;
    char normalized[1024], nominated[256];
    size_t normalized_len, nominated_len;
    uint8_t events[256];
    size_t events_len;
    char log[8192];
    size_t log_len;
    /* counters */
    int current_pod_calls;
    uint32_t current_pod_limits[16];
} guest_host;

static inline guest_host *host_of(sl_wasm_call *call) { return call->user; }

static inline uint8_t *guest_mem(sl_wasm_call *call, uint64_t off, uint64_t len) {
    sl_wasm_extern *mem = sl_wasm_instance_export(call->caller, "memory");
    if (!mem || off + len > sl_wasm_memory_size_bytes(mem)) return NULL;
    return sl_wasm_memory_data(mem) + off;
}

/* The buf/limit output protocol. */
static inline sl_wasm_trap *host_write(sl_wasm_call *call, uint64_t *slots, const void *data,
                                       size_t n) {
    uint32_t buf = (uint32_t)slots[0], limit = (uint32_t)slots[1];
    if (n > 0 && n <= limit) {
        uint8_t *p = guest_mem(call, buf, n);
        if (!p) return sl_wasm_trap_new(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access");
        memcpy(p, data, n);
    }
    slots[0] = (uint32_t)n;
    return NULL;
}

static inline sl_wasm_trap *h_current_pod(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    if (h->current_pod_calls < 16) h->current_pod_limits[h->current_pod_calls] = (uint32_t)slots[1];
    h->current_pod_calls++;
    return host_write(call, slots, h->pod.data, h->pod.len);
}

static inline sl_wasm_trap *h_empty(sl_wasm_call *call, uint64_t *slots) {
    return host_write(call, slots, "", 0);
}

static inline sl_wasm_trap *h_current_node_name(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    return host_write(call, slots, h->node_name, strlen(h->node_name));
}

static inline sl_wasm_trap *h_get_config(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    return host_write(call, slots, h->config ? h->config : "", h->config ? strlen(h->config) : 0);
}

static inline sl_wasm_trap *h_filtered(sl_wasm_call *call, uint64_t *slots) {
    const char *j = host_of(call)->filtered_json ? host_of(call)->filtered_json : "[]";
    return host_write(call, slots, j, strlen(j));
}

static inline sl_wasm_trap *h_status_map(sl_wasm_call *call, uint64_t *slots) {
    const char *j = host_of(call)->status_map_json ? host_of(call)->status_map_json : "{}";
    return host_write(call, slots, j, strlen(j));
}

static inline sl_wasm_trap *h_scores(sl_wasm_call *call, uint64_t *slots) {
    const char *j = host_of(call)->scores_json ? host_of(call)->scores_json : "{}";
    return host_write(call, slots, j, strlen(j));
}

static inline sl_wasm_trap *h_node(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    uint32_t name = (uint32_t)slots[0], name_len = (uint32_t)slots[1];
    uint8_t *p = guest_mem(call, name, name_len);
    if (!p) return sl_wasm_trap_new(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access");
    bool known = strlen(h->node_known) == name_len && memcmp(p, h->node_known, name_len) == 0;
    slots[0] = slots[2];
    slots[1] = slots[3];
    return host_write(call, slots, h->node.data, known ? h->node.len : 0);
}

/* k8s.io/api.nodeList: a NodeList with the known node, twice */
static inline sl_wasm_trap *h_node_list(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    pbw list = {0}, meta = {0};
    pbw_message(&list, 1, &meta);
    if (h->node.len) {
        pbw_bytes(&list, 2, h->node.data, h->node.len);
        pbw_bytes(&list, 2, h->node.data, h->node.len);
    }
    sl_wasm_trap *t = host_write(call, slots, list.data, list.len);
    free(list.data);
    return t;
}

static inline sl_wasm_trap *read_input(sl_wasm_call *call, uint64_t *slots, char *dst, size_t cap,
                                       size_t *len) {
    uint32_t ptr = (uint32_t)slots[0], n = (uint32_t)slots[1];
    uint8_t *p = guest_mem(call, ptr, n);
    if (!p) return sl_wasm_trap_new(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access");
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(dst, p, k);
    dst[k] = '\0';
    *len = k;
    return NULL;
}

static inline sl_wasm_trap *h_status_reason(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    return read_input(call, slots, h->reason, sizeof(h->reason), &h->reason_len);
}

static inline sl_wasm_trap *h_node_names(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    h->node_names_set = true;
    return read_input(call, slots, h->node_names, sizeof(h->node_names), &h->node_names_len);
}

static inline sl_wasm_trap *h_normalized(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    return read_input(call, slots, h->normalized, sizeof(h->normalized), &h->normalized_len);
}

static inline sl_wasm_trap *h_nominated(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    return read_input(call, slots, h->nominated, sizeof(h->nominated), &h->nominated_len);
}

static inline sl_wasm_trap *h_events(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    return read_input(call, slots, (char *)h->events, sizeof(h->events), &h->events_len);
}

static inline sl_wasm_trap *h_severity(sl_wasm_call *call, uint64_t *slots) {
    slots[0] = (uint32_t)host_of(call)->severity;
    return NULL;
}

static inline sl_wasm_trap *h_log(sl_wasm_call *call, uint64_t *slots) {
    guest_host *h = host_of(call);
    uint32_t ptr = (uint32_t)slots[1], n = (uint32_t)slots[2];
    uint8_t *p = guest_mem(call, ptr, n);
    if (!p) return sl_wasm_trap_new(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access");
    size_t k = n < sizeof(h->log) - 1 - h->log_len ? n : sizeof(h->log) - 1 - h->log_len;
    memcpy(h->log + h->log_len, p, k);
    h->log_len += k;
    h->log[h->log_len] = '\0';
    return NULL;
}

static inline sl_wasm_trap *h_logs(sl_wasm_call *call, uint64_t *slots) {
    /* msg then kvs rendered as ` k=v` pairs */
    guest_host *h = host_of(call);
    uint64_t msg[3] = {slots[0], slots[1], slots[2]};
    sl_wasm_trap *t = h_log(call, msg);
    if (t) return t;
    uint32_t ptr = (uint32_t)slots[3], n = (uint32_t)slots[4];
    uint8_t *p = guest_mem(call, ptr, n);
    if (!p) return sl_wasm_trap_new(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access");
    for (uint32_t i = 0; i < n && h->log_len + 2 < sizeof(h->log); i++)
        h->log[h->log_len++] = p[i] ? (char)p[i] : '|';
    if (h->log_len < sizeof(h->log)) h->log[h->log_len++] = '\n';
    h->log[h->log_len < sizeof(h->log) ? h->log_len : sizeof(h->log) - 1] = '\0';
    return NULL;
}

static inline sl_wasm_linker *guest_host_linker(guest_host *h) {
    sl_wasm_linker *l = sl_wasm_linker_new();
    const char *s = "k8s.io/scheduler";
    sl_wasm_linker_define_func(l, s, "get_config", "ii:i", h_get_config, h);
    sl_wasm_linker_define_func(l, s, "currentPod", "ii:i", h_current_pod, h);
    sl_wasm_linker_define_func(l, s, "targetPod", "ii:i", h_empty, h);
    sl_wasm_linker_define_func(l, s, "currentNodeName", "ii:i", h_current_node_name, h);
    sl_wasm_linker_define_func(l, s, "filteredNodeList", "ii:i", h_filtered, h);
    sl_wasm_linker_define_func(l, s, "nodeToStatusMap", "ii:i", h_status_map, h);
    sl_wasm_linker_define_func(l, s, "nodeScoreList", "ii:i", h_scores, h);
    sl_wasm_linker_define_func(l, s, "result.status_reason", "ii:", h_status_reason, h);
    sl_wasm_linker_define_func(l, s, "result.node_names", "ii:", h_node_names, h);
    sl_wasm_linker_define_func(l, s, "result.nominated_node_name", "ii:", h_nominated, h);
    sl_wasm_linker_define_func(l, s, "result.normalized_score_list", "ii:", h_normalized, h);
    sl_wasm_linker_define_func(l, s, "result.cluster_events", "ii:", h_events, h);
    sl_wasm_linker_define_func(l, "k8s.io/api", "node", "iiii:i", h_node, h);
    sl_wasm_linker_define_func(l, "k8s.io/api", "nodeList", "ii:i", h_node_list, h);
    sl_wasm_linker_define_func(l, "k8s.io/klog", "severity", ":i", h_severity, h);
    sl_wasm_linker_define_func(l, "k8s.io/klog", "log", "iii:", h_log, h);
    sl_wasm_linker_define_func(l, "k8s.io/klog", "logs", "iiiii:", h_logs, h);
    sl_wasm_wasi_config wasi;
    memset(&wasi, 0, sizeof(wasi));
    wasi.random_seed = 1;
    sl_wasm_wasi_define(l, &wasi);
    return l;
}

/* One guest instance on its own store. */
typedef struct guest {
    sl_wasm_module *module;
    sl_wasm_store *store;
    sl_wasm_linker *linker;
    sl_wasm_instance *instance;
    guest_host host;
} guest;

static inline bool guest_open(guest *g, const char *path, char *err, size_t errsize) {
    memset(g, 0, sizeof(*g));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsize, "%s: cannot open (run `make wasm` first)", path);
        return false;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)n);
    size_t got = fread(bytes, 1, (size_t)n, f);
    fclose(f);
    g->module = sl_wasm_module_load(bytes, got, err, errsize);
    free(bytes);
    if (!g->module) return false;
    g->store = sl_wasm_store_new(NULL);
    g->linker = guest_host_linker(&g->host);
    sl_wasm_trap *trap = NULL;
    g->instance = sl_wasm_instantiate(g->store, g->module, g->linker, &trap, err, errsize);
    if (trap) sl_wasm_trap_free(trap);
    if (!g->instance) return false;
    sl_wasm_extern *start = sl_wasm_instance_export(g->instance, "_start");
    if (!start) {
        snprintf(err, errsize, "no _start export");
        return false;
    }
    trap = sl_wasm_func_call(start, NULL, 0, NULL, 0);
    if (trap) {
        snprintf(err, errsize, "_start trapped: %s", sl_wasm_trap_message(trap));
        sl_wasm_trap_free(trap);
        return false;
    }
    return true;
}

static inline void guest_close(guest *g) {
    if (g->store) sl_wasm_store_free(g->store);
    if (g->linker) sl_wasm_linker_free(g->linker);
    if (g->module) sl_wasm_module_free(g->module);
    free(g->host.pod.data);
    free(g->host.node.data);
    memset(g, 0, sizeof(*g));
}

/* Calls a () -> i32 or () -> i64 export; clears the per-call outputs first.
 * Returns false on a trap (message in err). */
static inline bool guest_call(guest *g, const char *name, int64_t *result, char *err,
                              size_t errsize) {
    g->host.reason[0] = '\0';
    g->host.reason_len = 0;
    g->host.node_names_set = false;
    g->host.node_names_len = 0;
    g->host.normalized_len = g->host.nominated_len = g->host.events_len = 0;
    g->host.normalized[0] = g->host.nominated[0] = '\0';
    sl_wasm_extern *fn = sl_wasm_instance_export(g->instance, name);
    if (!fn) {
        snprintf(err, errsize, "no export %s", name);
        return false;
    }
    sl_wasm_functype type;
    sl_wasm_func_type(fn, &type);
    sl_wasm_val out[1];
    memset(out, 0, sizeof(out));
    sl_wasm_trap *trap = sl_wasm_func_call(fn, NULL, 0, out, type.nresults);
    if (trap) {
        snprintf(err, errsize, "%s trapped: %s", name, sl_wasm_trap_message(trap));
        sl_wasm_trap_free(trap);
        return false;
    }
    *result = type.nresults == 0 ? 0 : out[0].type == SL_WASM_I64 ? out[0].of.i64 : out[0].of.i32;
    return true;
}

#endif
