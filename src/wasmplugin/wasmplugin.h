/*
 * wasmplugin.h — scheduler plugins compiled to WebAssembly, loaded at run
 * time from a URL, with the host ABI of upstream's
 * kube-scheduler-wasm-extension (reference/wasm-abi.md), so guests built
 * with its TinyGo SDK run unmodified, next to guests written in C.
 *
 * Configuration (as upstream): a plugin named in multiPoint.enabled whose
 * pluginConfig args carry
 *     guestURL     file://PATH, http://..., https://... (libcurl) or a plain path
 *     guestConfig  string handed to the guest verbatim (get_config)
 *     logSeverity  0 info .. 3 fatal (klog.severity)
 *     args         WASI argv (upstream's test hook)
 * plus schedlab's sandbox knobs: callTimeoutMs (per guest call, default
 * 1000; _start gets 10x), memoryLimitPages (64 KiB pages, default 2048 =
 * 128 MiB), and filterMode "pinned" (default) | "replay" (see below). The
 * configured name is the plugin's name everywhere. Several wasm plugins may
 * coexist; each has its own compiled module (shared only when two plugins
 * load byte-identical guests) and its own instance pool.
 *
 * Lifecycle: the module is fetched and compiled once (a process-wide cache
 * keyed by URL and content hash), one instance is created eagerly at plugin
 * creation (start-up errors surface there), more on demand. The instance
 * that ran a pod's guest `prefilter` serves all of that pod's later hooks
 * (scheduling and binding cycle); one call at a time per instance.
 * Filter/Score fan-out: "pinned" runs the pod's calls on its pinned
 * instance, serialised (batched per worker block); "replay" gives each
 * worker (sl_cycle_worker; slots sized by sl_framework_num_workers) its
 * own instance and replays the guest's prefilter for the pod on it before
 * that worker's first Filter/Score of the cycle.
 * "pinned" is the default: measured on the 500-node regex workload
 * (bench/RESULTS.md) replay gained no throughput on 2 cores and cost
 * 7-18% more CPU (one extra prefilter per worker per cycle, one more
 * instance per worker), and it runs a guest's prefilter side effects
 * (klog lines, events) more than once. Replay pays off only with idle
 * cores and guests whose Filter dominates their PreFilter.
 *
 * Sandbox: no filesystem, network or environment; per-call deadline and
 * memory cap; a trap, timeout, memory exhaustion, stack exhaustion or
 * proc_exit during a call fails only that call (Error status
 * "wasm: <export> error: <captured stdout/stderr>\n<trap>"), the rest of
 * that pod's cycle gets the same status without running the guest again,
 * and the instance is replaced by a fresh one.
 *
 * Where upstream is buggy we follow reference/wasm-abi.md's [R] choices:
 * klog logs iff severity >= logSeverity (upstream's test is inverted);
 * structured klog keeps empty values; NormalizeScore applies the guest's
 * {node: score} map by node name (empty/null = unchanged); proc_exit(0) at
 * the end of _start means "initialised" (modules exporting only
 * _initialize get that instead); a trapping enqueue logs and keeps the
 * default event list; any non-empty export set loads except upstream's
 * prescore-only / normalizescore-only rejections; a trapped instance is
 * replaced; all of a pod's later hooks, Unreserve included, run on its
 * pinned instance, released after PostBind/Unreserve (or, for pods that
 * never get there, when the next pod's PreFilter needs the instance or
 * after 256 pods in the binding map). PostFilter's nominated node is used
 * only with nominating mode Override (1). Guest stdout/stderr of a
 * successful call is logged at info (first 1 KiB); of a failed call it
 * goes into the status (first 64 KiB, trailing newlines trimmed, so
 * "wasm: filter error: panic: boom\nwasm error: unreachable" where upstream
 * has a blank line and a wazero stack trace; the wasm backtrace is logged). Guest state kept by AddPod/RemovePod
 * in preemption dry runs is not cloned (state lives in the guest).
 */
#ifndef SCHEDLAB_WASMPLUGIN_H
#define SCHEDLAB_WASMPLUGIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/framework.h"
#include "scheduler/scheduler.h"

/* The registration of "a wasm plugin": its factory reads the args and sets
 * a per-instance p->ops holding only the hooks the guest exports (PreFilter
 * always, to pin the instance and reset guest state). Its static ops claim
 * every extension point. */
const sl_plugin_registration *sl_wasm_plugin_registration(void);

/* The registry's resolver (framework.h, sl_registry_set_resolver) for
 * names that are not native plugins: when `args` carry a guestURL, fetches
 * and compiles the guest (cached) and returns a registration whose ops
 * claim exactly the guest's extension points, so multiPoint expansion
 * places it correctly; NULL otherwise (or on a load error: then
 * sl_wasm_plugin_resolve_error says why, for sl_registry_set_resolver_error).
 * `user` is unused. A command that runs the scheduler sets both:
 *     sl_registry_set_resolver(r, sl_wasm_plugin_resolve, NULL);
 *     sl_registry_set_resolver_error(r, sl_wasm_plugin_resolve_error); */
const sl_plugin_registration *sl_wasm_plugin_resolve(void *user, const char *name,
                                                     const json_t *args);
const char *sl_wasm_plugin_resolve_error(void *user);

/* True if p is a wasm plugin instance. */
bool sl_wasm_plugin_is(const sl_plugin *p);

/* Reconfigures a running wasm plugin in place: when guestURL's bytes or
 * guestConfig/logSeverity/args/limits changed, builds the new module (or
 * reuses the cached one) and a fresh instance pool, then swaps them in;
 * an unchanged plugin keeps its module and instances (*changed = false).
 * When p is an instance of a framework, that profile's extension-point
 * lists are rebuilt from the new guest's exports (sl_framework_plugin_changed:
 * hooks it adds are called, hooks it drops are not) and its enqueue events
 * re-read; a guest that no longer implements an extension point the profile
 * lists it at explicitly is refused and the old one keeps running. Other
 * plugins and cluster state are untouched. On the scheduling thread,
 * between cycles (not concurrently with a cycle). */
bool sl_wasm_plugin_reconfigure(sl_plugin *p, const json_t *args, bool *changed, char *err,
                                size_t errsize);
/* The same for every wasm plugin named `name` in every profile of a
 * running scheduler; returns how many were reloaded, -1 on error. */
int sl_wasm_plugin_reconfigure_scheduler(sl_scheduler *s, const char *name, const json_t *args,
                                         char *err, size_t errsize);
/* Applies a new configuration's wasm plugin args (by plugin name) to a
 * running scheduler: the "config file changed" path. */
int sl_wasm_plugins_reconfigure_from_config(sl_scheduler *s, const sl_config *config, char *err,
                                            size_t errsize);

/* Cluster events: the instance's events_to_register op returns what the
 * guest's `enqueue` export reported (reference §2.3 records map onto
 * sl_plugin_event as they are), or upstream's default list (Pod, Node,
 * CSINode, PersistentVolume, PersistentVolumeClaim, StorageClass, all
 * actions) when it exports none, reports none or traps. */

/* Statistics (tests, benchmarks). */
typedef struct sl_wasm_plugin_stats {
    uint64_t calls;               /* guest export calls */
    uint64_t traps;               /* calls that failed */
    uint64_t instances_created;
    uint64_t replays;             /* prefilter replays on another instance */
    uint64_t modules_compiled;    /* process-wide */
} sl_wasm_plugin_stats;
void sl_wasm_plugin_get_stats(const sl_plugin *p, sl_wasm_plugin_stats *out);
/* Test hook: the value of exported global `name` in the instance that
 * serves pod `pod_key` (uid, or namespace/name), else in the first free
 * instance. False if there is no such global. */
bool sl_wasm_plugin_test_global(sl_plugin *p, const char *pod_key, const char *name, int64_t *out);
bool sl_wasm_plugin_test_set_global(sl_plugin *p, const char *pod_key, const char *name, int32_t value);

/* ---- protobuf (protobuf.c): Kubernetes' gogo wire format --------------- */

/* Encodes a Pod / Node / NodeList from its JSON form (the object's `raw`)
 * as k8s.io.api.core.v1 protobuf, byte-identical to Kubernetes' generated
 * marshaller for the fields the schema covers (unknown JSON keys are
 * skipped). Appends to *buf (grown with xrealloc); returns the length. */
typedef struct sl_pb_buf {
    uint8_t *data;
    size_t len, cap;
} sl_pb_buf;
void sl_pb_encode_pod(sl_pb_buf *b, const json_t *pod);
void sl_pb_encode_node(sl_pb_buf *b, const json_t *node);
void sl_pb_encode_node_list(sl_pb_buf *b, const json_t *const *nodes, size_t n);
/* Quantity canonical form ("0.5" -> "500m", "2048Mi" -> "2Gi"); false if
 * not a quantity (then the text is copied unchanged). */
bool sl_pb_quantity_canonical(const char *text, char *out, size_t outsize);

#endif
