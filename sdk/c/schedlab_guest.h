/*
 * schedlab_guest.h — the C guest SDK for kube-scheduler-wasm-extension
 * compatible scheduler plugins (the ABI in shared/reference/wasm-abi.md),
 * built with Debian's `clang --target=wasm32-wasi`. A plugin written with it
 * runs in schedlab's wasm host and in upstream's (wazero) host alike.
 *
 *   #include "schedlab_guest.h"
 *   static int32_t my_filter(void) {
 *       sl_str node = sl_current_node_name();
 *       if (...) return sl_status(SL_CODE_UNSCHEDULABLE, "node %.*s is full", SL_STR_ARG(node));
 *       return SL_CODE_SUCCESS;
 *   }
 *   SL_GUEST_FILTER(my_filter)
 *
 * Hooks: each SL_GUEST_<HOOK>(fn) macro, used once at file scope, defines
 * the wasm export of that hook (so only registered hooks are exported, and
 * the host's export-based detection is exact). `prefilter` is always
 * exported (as upstream's SDK does): it starts a scheduling cycle — the
 * SDK drops its per-cycle caches (current pod, nodes) — and then runs the
 * guest's SL_GUEST_PREFILTER hook if there is one. `_start` runs C
 * constructors, then the SL_GUEST_INIT hook; it returns normally (no
 * proc_exit), so the module behaves as a "wasi-legacy" TinyGo guest.
 *
 * Statuses: hooks return a status code (SL_CODE_SUCCESS ... SL_CODE_SKIP); the reason
 * is set with sl_set_reason / sl_status and sent to the host through
 * result.status_reason only when the code is not Success (upstream's rule).
 *
 * Objects: sl_current_pod(), sl_target_pod(), sl_node(name) return lazy
 * protobuf views (sl_msg) of the Pod/Node the host encodes; the sl_pod_* /
 * sl_node_* accessors decode only the fields asked for, straight from the
 * bytes (no allocation, no generated code). sl_msg_* reach any other field
 * by its number (see wasm-abi.md §4.2). Malformed input never crashes: a
 * missing or malformed field reads as empty.
 *
 * Memory: the SDK keeps a few static buffers that grow (malloc) to the
 * largest object seen and are reused; views point into them and stay valid
 * until the next fetch of the same kind (the current pod: until the next
 * prefilter; a node: until the next sl_node call; other host data: until the
 * next call of the same accessor). Strings (sl_str) are NOT NUL-terminated.
 *
 * Threads: none (wasm guests are single-threaded; the host never runs two
 * calls at once on one instance).
 */
#ifndef SCHEDLAB_GUEST_H
#define SCHEDLAB_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes (framework.Code) ------------------------------------- */
enum {
    SL_CODE_SUCCESS = 0,
    SL_CODE_ERROR = 1,
    SL_CODE_UNSCHEDULABLE = 2,
    SL_CODE_UNSCHEDULABLE_AND_UNRESOLVABLE = 3,
    SL_CODE_WAIT = 4,
    SL_CODE_SKIP = 5,
};

/* klog severities */
enum { SL_KLOG_INFO = 0, SL_KLOG_WARNING = 1, SL_KLOG_ERROR = 2, SL_KLOG_FATAL = 3 };

/* ---- strings and protobuf views ------------------------------------------ */

typedef struct sl_str {
    const char *ptr;
    size_t len;
} sl_str;

#define SL_STR_ARG(s) (int)(s).len, (s).ptr /* printf("%.*s", SL_STR_ARG(s)) */
sl_str sl_str_of(const char *cstr);
bool sl_str_eq(sl_str a, const char *cstr);
/* Copies s into buf as a C string (truncating); returns buf. */
char *sl_str_copy(sl_str s, char *buf, size_t size);

/* A protobuf message: a byte range. Empty (len 0) when absent. */
typedef struct sl_msg {
    const uint8_t *ptr;
    size_t len;
} sl_msg;

/* The last occurrence of a length-delimited field (string/bytes/message).
 * Returns false (and an empty *out) when absent or when the bytes are
 * malformed. */
bool sl_msg_bytes(sl_msg m, uint32_t field, sl_msg *out);
sl_str sl_msg_string(sl_msg m, uint32_t field);
sl_msg sl_msg_message(sl_msg m, uint32_t field);
/* The last occurrence of a varint field; `def` when absent. */
uint64_t sl_msg_varint(sl_msg m, uint32_t field, uint64_t def);
bool sl_msg_has(sl_msg m, uint32_t field);
/* Follows a path of message fields, e.g. {2, 18, 1} = spec.affinity.nodeAffinity. */
sl_msg sl_msg_path(sl_msg m, const uint32_t *fields, size_t n);

/* Iterates every occurrence of a length-delimited (repeated) field:
 *   sl_msg_iter it = sl_msg_iter_of(spec, 2); sl_msg c;
 *   while (sl_msg_next(&it, &c)) ...                                       */
typedef struct sl_msg_iter {
    sl_msg m;
    size_t pos;
    uint32_t field;
} sl_msg_iter;
sl_msg_iter sl_msg_iter_of(sl_msg m, uint32_t field);
bool sl_msg_next(sl_msg_iter *it, sl_msg *out);
size_t sl_msg_count(sl_msg m, uint32_t field);

/* map<string, V> fields (entries {1: key, 2: value}). */
bool sl_msg_map_get(sl_msg m, uint32_t field, const char *key, sl_msg *value);
/* Iteration: keys/values of each entry in encoding order (sorted by key). */
bool sl_msg_map_next(sl_msg_iter *it, sl_str *key, sl_msg *value);

/* ---- quantities (resource.Quantity canonical strings) --------------------- */
/* Parses "100m", "1.5", "128Mi", "2G", "1e3"... into milli-units (value ×
 * 1000), rounding up like Quantity.MilliValue; saturates at INT64_MAX.
 * Returns false for text that is not a quantity. */
bool sl_quantity_parse_milli(sl_str s, int64_t *milli);
/* Quantity.Value(): the integer value, rounded up. */
bool sl_quantity_parse_value(sl_str s, int64_t *value);

/* ---- Pod ------------------------------------------------------------------ */
/* Views of the pod of this call (currentPod, cached for the cycle: fetched
 * once after each prefilter) and of AddPod/RemovePod's target pod. Empty
 * message when the host has none. */
sl_msg sl_current_pod(void);
sl_msg sl_target_pod(void);

sl_str sl_pod_name(sl_msg pod);
sl_str sl_pod_namespace(sl_msg pod);
sl_str sl_pod_uid(sl_msg pod);
sl_str sl_pod_node_name(sl_msg pod);        /* spec.nodeName */
sl_str sl_pod_scheduler_name(sl_msg pod);
sl_str sl_pod_priority_class_name(sl_msg pod);
/* spec.priority; false when unset. */
bool sl_pod_priority(sl_msg pod, int32_t *priority);
bool sl_pod_annotation(sl_msg pod, const char *key, sl_str *value);
bool sl_pod_label(sl_msg pod, const char *key, sl_str *value);
/* metadata.annotations / labels as maps for iteration: sl_msg_iter_of(meta, 12)... */
sl_msg sl_pod_metadata(sl_msg pod);
sl_msg sl_pod_spec(sl_msg pod);
/* spec.nodeSelector[key] */
bool sl_pod_node_selector(sl_msg pod, const char *key, sl_str *value);
/* The pod's effective request of a resource ("cpu", "memory",
 * "ephemeral-storage", extended names) in milli-units, computed as the
 * scheduler does: max(sum of containers, max of init containers) + overhead.
 * cpu 100m -> 100; memory 128Mi -> 134217728000. */
int64_t sl_pod_request_milli(sl_msg pod, const char *resource);

/* Tolerations (spec.tolerations): iterate with sl_msg_iter_of(sl_pod_spec(pod), 22). */
typedef struct sl_toleration {
    sl_str key, op, value, effect;
} sl_toleration;
bool sl_pod_next_toleration(sl_msg_iter *it, sl_toleration *out);
sl_msg_iter sl_pod_tolerations(sl_msg pod);

/* ---- Node ----------------------------------------------------------------- */
/* The node named `name` from the scheduler's snapshot (k8s.io/api.node);
 * empty when unknown. The view stays valid until the next sl_node call. */
sl_msg sl_node(sl_str name);
/* Every node of the snapshot (k8s.io/api.nodeList: NodeList, items = field
 * 2): `sl_msg_iter it = sl_msg_iter_of(sl_node_list(), 2); sl_msg node;
 * while (sl_msg_next(&it, &node)) ...`. Fetched on every call (it can be
 * large: call it once per cycle, e.g. in PreFilter or PreScore). */
sl_msg sl_node_list(void);
/* The node of this call (currentNodeName): "" in hooks without one. */
sl_str sl_current_node_name(void);

sl_str sl_node_name(sl_msg node);
bool sl_node_label(sl_msg node, const char *key, sl_str *value);
bool sl_node_annotation(sl_msg node, const char *key, sl_str *value);
bool sl_node_unschedulable(sl_msg node);
/* status.allocatable / status.capacity of a resource, milli-units; false if absent. */
bool sl_node_allocatable_milli(sl_msg node, const char *resource, int64_t *milli);
bool sl_node_capacity_milli(sl_msg node, const char *resource, int64_t *milli);

typedef struct sl_taint {
    sl_str key, value, effect;
} sl_taint;
sl_msg_iter sl_node_taints(sl_msg node);
bool sl_node_next_taint(sl_msg_iter *it, sl_taint *out);

/* ---- host data for particular hooks -------------------------------------- */
/* guestConfig (verbatim; fetched once, at first use). */
sl_str sl_config(void);

/* Small JSON readers for the host's flat JSON payloads. */
typedef struct sl_json_iter {
    const char *p, *end;
    char key[256];       /* decoded current key / string (truncated if longer) */
} sl_json_iter;
/* PreScore: names of the nodes that passed Filter (filteredNodeList). */
bool sl_filtered_nodes_begin(sl_json_iter *it);
bool sl_filtered_nodes_next(sl_json_iter *it, sl_str *name);
/* PostFilter: {"node": code} (nodeToStatusMap). NormalizeScore: {"node": score}. */
bool sl_node_status_map_begin(sl_json_iter *it);
bool sl_node_scores_begin(sl_json_iter *it);
bool sl_json_object_next(sl_json_iter *it, sl_str *key, int64_t *value);
/* Lower-level: iterate a JSON array of strings / a flat {string: int} object. */
bool sl_json_array_begin(sl_json_iter *it, const char *json, size_t len);
bool sl_json_array_next_string(sl_json_iter *it, sl_str *value);
bool sl_json_object_begin(sl_json_iter *it, const char *json, size_t len);

/* ---- results -------------------------------------------------------------- */
/* The reason of the current call's status (printf-style; last call wins). */
void sl_set_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same from bytes (no formatting: the cheap path for hot hooks). */
void sl_set_reason_bytes(const char *reason, size_t len);
/* The zero-copy form: a writable buffer of at least `cap` bytes for the
 * reason, then sl_set_reason_length(n) with the n bytes written (both in
 * the same hook call). For hooks that assemble their reason in pieces. */
char *sl_reason_buffer(size_t cap);
void sl_set_reason_length(size_t len);
/* sl_set_reason + return code: `return sl_status(SL_CODE_UNSCHEDULABLE, "...", ...);` */
int32_t sl_status(int32_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* PreFilter: restricts the cycle to these nodes (result.node_names). Not
 * calling it means "all nodes". */
void sl_prefilter_add_node(sl_str name);
/* NormalizeScore: the new score of a node (sent as a JSON map at the end). */
void sl_normalized_score(sl_str node, int64_t score);
/* Enqueue: one cluster event (GVK and action numbers of wasm-abi.md §2.3). */
void sl_enqueue_event(uint32_t gvk, uint32_t action);
enum { SL_GVK_POD = 0, SL_GVK_NODE = 1, SL_GVK_PV = 2, SL_GVK_PVC = 3, SL_GVK_WILDCARD = 10 };
enum { SL_ACTION_ADD = 1, SL_ACTION_DELETE = 2, SL_ACTION_UPDATE = 60, SL_ACTION_ALL = 63 };

/* ---- logging (k8s.io/klog) ------------------------------------------------ */
/* klog line (printf-style; the SDK appends the newline). Skipped without
 * formatting when below the configured logSeverity. */
void sl_log(int severity, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Structured: sl_log_kv(SL_KLOG_INFO, "msg", "pod", "p1", "node", "n1", NULL). */
void sl_log_kv(int severity, const char *msg, ...);
int sl_log_severity(void);

/* ---- hooks ---------------------------------------------------------------- */
/* Each hook is a plain function; the macro exports it with the ABI's
 * signature and result packing. */
typedef int32_t (*sl_hook_fn)(void);                          /* status code */
typedef int32_t (*sl_score_fn)(int32_t *score);               /* code; *score */
typedef int32_t (*sl_permit_fn)(uint32_t *timeout_ms);        /* code; Wait timeout */
typedef int32_t (*sl_postfilter_fn)(int32_t *nominating_mode, sl_str *nominated_node);
typedef void (*sl_void_fn)(void);

int32_t sl__run(sl_hook_fn fn);
int64_t sl__run_score(sl_score_fn fn);
int64_t sl__run_permit(sl_permit_fn fn);
int64_t sl__run_postfilter(sl_postfilter_fn fn);
int32_t sl__run_normalize(sl_hook_fn fn);
void sl__run_void(sl_void_fn fn);
void sl__run_enqueue(sl_void_fn fn);

#define SL__EXPORT(name) __attribute__((export_name(#name), visibility("default")))

/* Runs once per instance inside _start, after C constructors: read
 * sl_config() here, validate it, log. */
#define SL_GUEST_INIT(fn) \
    void sl__init_hook(void) { fn(); }
/* PreFilter: the SDK's `prefilter` export resets the cycle caches, then runs fn. */
#define SL_GUEST_PREFILTER(fn) \
    int32_t sl__prefilter_hook(void) { return fn(); }
#define SL_GUEST_FILTER(fn) \
    SL__EXPORT(filter) int32_t sl__export_filter(void) { return sl__run(fn); }
#define SL_GUEST_POSTFILTER(fn) \
    SL__EXPORT(postfilter) int64_t sl__export_postfilter(void) { return sl__run_postfilter(fn); }
#define SL_GUEST_PRESCORE(fn) \
    SL__EXPORT(prescore) int32_t sl__export_prescore(void) { return sl__run(fn); }
#define SL_GUEST_SCORE(fn) \
    SL__EXPORT(score) int64_t sl__export_score(void) { return sl__run_score(fn); }
#define SL_GUEST_NORMALIZE_SCORE(fn) \
    SL__EXPORT(normalizescore) int32_t sl__export_normalizescore(void) { return sl__run_normalize(fn); }
#define SL_GUEST_RESERVE(fn) \
    SL__EXPORT(reserve) int32_t sl__export_reserve(void) { return sl__run(fn); }
#define SL_GUEST_UNRESERVE(fn) \
    SL__EXPORT(unreserve) void sl__export_unreserve(void) { sl__run_void(fn); }
#define SL_GUEST_PERMIT(fn) \
    SL__EXPORT(permit) int64_t sl__export_permit(void) { return sl__run_permit(fn); }
#define SL_GUEST_PREBIND(fn) \
    SL__EXPORT(prebind) int32_t sl__export_prebind(void) { return sl__run(fn); }
#define SL_GUEST_BIND(fn) \
    SL__EXPORT(bind) int32_t sl__export_bind(void) { return sl__run(fn); }
#define SL_GUEST_POSTBIND(fn) \
    SL__EXPORT(postbind) void sl__export_postbind(void) { sl__run_void(fn); }
#define SL_GUEST_ADDPOD(fn) \
    SL__EXPORT(addpod) int32_t sl__export_addpod(void) { return sl__run(fn); }
#define SL_GUEST_REMOVEPOD(fn) \
    SL__EXPORT(removepod) int32_t sl__export_removepod(void) { return sl__run(fn); }
#define SL_GUEST_ENQUEUE(fn) \
    SL__EXPORT(enqueue) void sl__export_enqueue(void) { sl__run_enqueue(fn); }

#ifdef __cplusplus
}
#endif

#endif
