/*
 * guest.c — the host-facing part of the C guest SDK (wasm32 only): the
 * imports of modules k8s.io/scheduler, k8s.io/api and k8s.io/klog, the
 * buffer/limit retry protocol, the per-cycle and per-call caches, `_start`,
 * the always-exported `prefilter`, the result.* side channels and the
 * result packing of the exports (wasm-abi.md §1–§2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedlab_guest.h"

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))

IMPORT("k8s.io/scheduler", "get_config") uint32_t imp_get_config(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "currentPod") uint32_t imp_current_pod(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "targetPod") uint32_t imp_target_pod(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "currentNodeName") uint32_t imp_current_node_name(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "filteredNodeList") uint32_t imp_filtered_node_list(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "nodeToStatusMap") uint32_t imp_node_to_status_map(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "nodeScoreList") uint32_t imp_node_score_list(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "result.status_reason") void imp_status_reason(const void *p, uint32_t n);
IMPORT("k8s.io/scheduler", "result.node_names") void imp_node_names(const void *p, uint32_t n);
IMPORT("k8s.io/scheduler", "result.nominated_node_name") void imp_nominated(const void *p, uint32_t n);
IMPORT("k8s.io/scheduler", "result.normalized_score_list") void imp_normalized(const void *p, uint32_t n);
IMPORT("k8s.io/scheduler", "result.cluster_events") void imp_cluster_events(const void *p, uint32_t n);
IMPORT("k8s.io/api", "node") uint32_t imp_node(const void *name, uint32_t name_len, void *buf, uint32_t limit);
IMPORT("k8s.io/api", "nodeList") uint32_t imp_node_list(void *buf, uint32_t limit);
IMPORT("k8s.io/klog", "severity") uint32_t imp_klog_severity(void);
IMPORT("k8s.io/klog", "log") void imp_klog_log(uint32_t severity, const void *p, uint32_t n);
IMPORT("k8s.io/klog", "logs") void imp_klog_logs(uint32_t severity, const void *p, uint32_t n,
                                                const void *kvs, uint32_t kvs_len);

/* ---- growable buffers ------------------------------------------------------ */

typedef struct buf {
    uint8_t *data;
    uint32_t len, cap;
} buf;

static bool buf_reserve(buf *b, uint32_t need) {
    if (need <= b->cap) return true;
    uint32_t cap = b->cap ? b->cap : 2048;
    while (cap < need) cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return false;
    b->data = p;
    b->cap = cap;
    return true;
}

static void buf_append(buf *b, const void *p, uint32_t n) {
    if (!buf_reserve(b, b->len + n)) __builtin_trap();
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

typedef uint32_t (*fetch_fn)(void *buf, uint32_t limit);

/* The buffer/limit protocol: call with the current capacity (2048 at
 * first); when the value is larger, grow to its size and call again. */
static void fetch(buf *b, fetch_fn fn) {
    if (!buf_reserve(b, 2048)) __builtin_trap();
    uint32_t n = fn(b->data, b->cap);
    if (n > b->cap) {
        if (!buf_reserve(b, n)) __builtin_trap();
        n = fn(b->data, b->cap);
        if (n > b->cap) n = 0; /* the host changed its answer: treat as absent */
    }
    b->len = n;
}

static sl_msg as_msg(const buf *b) {
    sl_msg m = {b->len ? b->data : NULL, b->len};
    return m;
}

/* ---- per-instance, per-cycle and per-call state ------------------------- */

static int klog_min_severity;
static buf config_buf, pod_buf, target_buf, node_buf, node_name_buf, json_buf, node_list_buf;
static bool config_loaded, pod_loaded, node_name_loaded;
/* the last sl_node() lookup, kept for the cycle */
static buf node_key;
static bool node_loaded;

static buf reason; /* this call's status reason (grows to the longest seen) */
static buf names_out, scores_out;
static bool names_set;
static uint32_t scores_count;
static uint8_t events_out[8 * 64];
static uint32_t events_count;

static void cycle_begin(void) {
    pod_loaded = false;
    node_loaded = false;
}

static void call_begin(void) {
    reason.len = 0;
    node_name_loaded = false;
    names_set = false;
    names_out.len = 0;
    scores_out.len = 0;
    scores_count = 0;
    events_count = 0;
    target_buf.len = 0;
}

static int32_t call_end(int32_t code) {
    if (code != SL_CODE_SUCCESS && reason.len) imp_status_reason(reason.data, reason.len);
    return code;
}

/* ---- objects ------------------------------------------------------------- */

sl_msg sl_current_pod(void) {
    if (!pod_loaded) {
        fetch(&pod_buf, imp_current_pod);
        pod_loaded = true;
    }
    return as_msg(&pod_buf);
}

sl_msg sl_target_pod(void) {
    fetch(&target_buf, imp_target_pod);
    return as_msg(&target_buf);
}

sl_str sl_current_node_name(void) {
    if (!node_name_loaded) {
        fetch(&node_name_buf, imp_current_node_name);
        node_name_loaded = true;
    }
    sl_str s = {node_name_buf.len ? (const char *)node_name_buf.data : "", node_name_buf.len};
    return s;
}

sl_msg sl_node(sl_str name) {
    if (node_loaded && node_key.len == name.len &&
        (name.len == 0 || memcmp(node_key.data, name.ptr, name.len) == 0))
        return as_msg(&node_buf);
    node_key.len = 0;
    buf_append(&node_key, name.ptr, (uint32_t)name.len);
    if (!buf_reserve(&node_buf, 2048)) __builtin_trap();
    uint32_t n = imp_node(node_key.data, node_key.len, node_buf.data, node_buf.cap);
    if (n > node_buf.cap) {
        if (!buf_reserve(&node_buf, n)) __builtin_trap();
        n = imp_node(node_key.data, node_key.len, node_buf.data, node_buf.cap);
        if (n > node_buf.cap) n = 0;
    }
    node_buf.len = n;
    node_loaded = true;
    return as_msg(&node_buf);
}

sl_msg sl_node_list(void) {
    fetch(&node_list_buf, imp_node_list);
    return as_msg(&node_list_buf);
}

sl_str sl_config(void) {
    if (!config_loaded) {
        fetch(&config_buf, imp_get_config);
        config_loaded = true;
    }
    sl_str s = {config_buf.len ? (const char *)config_buf.data : "", config_buf.len};
    return s;
}

bool sl_filtered_nodes_begin(sl_json_iter *it) {
    fetch(&json_buf, imp_filtered_node_list);
    return sl_json_array_begin(it, (const char *)json_buf.data, json_buf.len);
}

bool sl_filtered_nodes_next(sl_json_iter *it, sl_str *name) {
    return sl_json_array_next_string(it, name);
}

bool sl_node_status_map_begin(sl_json_iter *it) {
    fetch(&json_buf, imp_node_to_status_map);
    return sl_json_object_begin(it, (const char *)json_buf.data, json_buf.len);
}

bool sl_node_scores_begin(sl_json_iter *it) {
    fetch(&json_buf, imp_node_score_list);
    return sl_json_object_begin(it, (const char *)json_buf.data, json_buf.len);
}

/* ---- results --------------------------------------------------------------- */

static void set_reason_v(const char *fmt, va_list ap) {
    if (!buf_reserve(&reason, 256)) __builtin_trap();
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf((char *)reason.data, reason.cap, fmt, ap);
    if (n >= 0 && (uint32_t)n >= reason.cap) {
        if (!buf_reserve(&reason, (uint32_t)n + 1)) __builtin_trap();
        n = vsnprintf((char *)reason.data, reason.cap, fmt, again);
    }
    va_end(again);
    reason.len = n > 0 ? (uint32_t)n : 0;
}

void sl_set_reason(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_reason_v(fmt, ap);
    va_end(ap);
}

void sl_set_reason_bytes(const char *p, size_t n) {
    reason.len = 0;
    buf_append(&reason, p, (uint32_t)n);
}

char *sl_reason_buffer(size_t cap) {
    if (!buf_reserve(&reason, (uint32_t)cap)) __builtin_trap();
    return (char *)reason.data;
}

void sl_set_reason_length(size_t len) { reason.len = len <= reason.cap ? (uint32_t)len : reason.cap; }

int32_t sl_status(int32_t code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_reason_v(fmt, ap);
    va_end(ap);
    return code;
}

void sl_prefilter_add_node(sl_str name) {
    if (!name.len) return;
    buf_append(&names_out, name.ptr, (uint32_t)name.len);
    buf_append(&names_out, "", 1);
    names_set = true;
}

static void json_put_string(buf *b, sl_str s) {
    static const char hex[] = "0123456789abcdef";
    buf_append(b, "\"", 1);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_append(b, e, 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 6);
        } else {
            buf_append(b, &c, 1);
        }
    }
    buf_append(b, "\"", 1);
}

void sl_normalized_score(sl_str node, int64_t score) {
    buf_append(&scores_out, scores_count ? "," : "{", 1);
    json_put_string(&scores_out, node);
    char num[32];
    int n = snprintf(num, sizeof(num), ":%lld", (long long)score);
    buf_append(&scores_out, num, (uint32_t)n);
    scores_count++;
}

void sl_enqueue_event(uint32_t gvk, uint32_t action) {
    if (events_count >= sizeof(events_out) / 8) return;
    uint8_t *p = events_out + 8 * events_count++;
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(gvk >> (8 * i));
        p[4 + i] = (uint8_t)(action >> (8 * i));
    }
}

/* ---- klog ------------------------------------------------------------------ */

int sl_log_severity(void) { return klog_min_severity; }

void sl_log(int severity, const char *fmt, ...) {
    if (severity < klog_min_severity) return;
    static char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof(line) - 2) n = sizeof(line) - 2;
    line[n++] = '\n';
    imp_klog_log((uint32_t)severity, line, (uint32_t)n);
}

void sl_log_kv(int severity, const char *msg, ...) {
    if (severity < klog_min_severity) return;
    static buf kvs;
    kvs.len = 0;
    va_list ap;
    va_start(ap, msg);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        buf_append(&kvs, s, (uint32_t)strlen(s));
        buf_append(&kvs, "", 1);
    }
    va_end(ap);
    imp_klog_logs((uint32_t)severity, msg, (uint32_t)strlen(msg), kvs.data, kvs.len);
}

/* ---- lifecycle and exports ---------------------------------------------------- */

extern void __wasm_call_ctors(void);

__attribute__((weak)) void sl__init_hook(void) {}
__attribute__((weak)) int32_t sl__prefilter_hook(void) { return SL_CODE_SUCCESS; }

SL__EXPORT(_start) void sl__start(void) {
    static bool started;
    if (started) return;
    started = true;
    __wasm_call_ctors();
    klog_min_severity = (int)imp_klog_severity();
    sl__init_hook();
}

SL__EXPORT(prefilter) int32_t sl__export_prefilter(void) {
    cycle_begin();
    call_begin();
    int32_t code = sl__prefilter_hook();
    if (names_set) imp_node_names(names_out.data, names_out.len);
    return call_end(code);
}

int32_t sl__run(sl_hook_fn fn) {
    call_begin();
    return call_end(fn());
}

int64_t sl__run_score(sl_score_fn fn) {
    call_begin();
    int32_t score = 0;
    int32_t code = call_end(fn(&score));
    return (int64_t)(((uint64_t)(uint32_t)score << 32) | (uint32_t)code);
}

int64_t sl__run_permit(sl_permit_fn fn) {
    call_begin();
    uint32_t timeout = 0;
    int32_t code = call_end(fn(&timeout));
    return (int64_t)(((uint64_t)(uint32_t)code << 32) | timeout);
}

int64_t sl__run_postfilter(sl_postfilter_fn fn) {
    call_begin();
    int32_t mode = 0;
    sl_str nominated = {"", 0};
    int32_t code = fn(&mode, &nominated);
    imp_nominated(nominated.ptr, (uint32_t)nominated.len);
    code = call_end(code);
    return (int64_t)(((uint64_t)(uint32_t)mode << 32) | (uint32_t)code);
}

int32_t sl__run_normalize(sl_hook_fn fn) {
    call_begin();
    int32_t code = fn();
    if (scores_count) {
        buf_append(&scores_out, "}", 1);
        imp_normalized(scores_out.data, scores_out.len);
    }
    return call_end(code);
}

void sl__run_void(sl_void_fn fn) {
    call_begin();
    fn();
}

void sl__run_enqueue(sl_void_fn fn) {
    call_begin();
    fn();
    if (events_count) imp_cluster_events(events_out, 8 * events_count);
}
