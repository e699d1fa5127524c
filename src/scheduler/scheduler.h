/*
 * scheduler.h — the scheduler as a whole: profiles (one framework each),
 * the scheduling queue, the cache, the cycle loop and binding, wired to a
 * cluster source. `schedlab schedule`, the benchmarks and (later) the
 * simulator and the real-cluster mode all drive it through this header.
 *
 * Time: the scheduler reads time through a clock. With virtual time (the
 * headless `schedule` command, benchmarks) backoff and the 5-minute
 * unschedulable flush are simulated by advancing the clock instead of
 * sleeping, so runs are fast and reproducible.
 *
 * Layering inside src/scheduler. Dependencies point one way: each part uses
 * only the parts listed before it (and base, k8s).
 *   1. configuration: config*.c (decoding, defaults, plugin sets, multiPoint
 *      expansion, extenders, args) and plugin_registry.c (the registry
 *      object); the cluster source (cluster.h, cluster_memory.c) stands
 *      apart, used only by the loop.
 *   2. cache.c: pod and node infos, snapshots, node-info copies in memory
 *      the caller provides.
 *   3. cycle.c: one cycle's CycleState, arenas and worker index (and the
 *      dry-run node copies of framework.h, in the cycle's arenas).
 *   4. parallel.c: the worker pool (binds each thread's arena and index).
 *   5. framework.c: one profile's plugin instances and the code that runs
 *      each extension point; it asks its host (the scheduler) for
 *      nominated and waiting pods through callbacks, never directly.
 *   6. waiting_pods.c: pods parked at Permit, the handle plugins get.
 *      queue.c: activeQ, backoffQ, the unschedulable pool, the nominator.
 *   7. the loop: scheduler.c (wiring, cluster events, the run loop) and
 *      schedule_one.c (one pod's scheduling and binding cycle), which share
 *      scheduler_internal.h and call each other.
 */
#ifndef SCHEDLAB_SCHEDULER_H
#define SCHEDLAB_SCHEDULER_H

#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/framework.h"

typedef struct sl_scheduler sl_scheduler;

typedef struct sl_scheduler_options {
    const sl_config *config;      /* borrowed; must outlive the scheduler */
    const sl_registry *registry;  /* borrowed; must outlive the scheduler (the
                                     one the config was loaded with) */
    sl_cluster *cluster;          /* borrowed */
    /* Tests: Filter and Score always take their parallel paths, on
     * `parallelism` threads (at least 2) whatever the CPU count. */
    bool force_parallel;
    uint64_t seed;                /* tie-breaking and sampling randomness */
    bool virtual_time;            /* simulate time instead of sleeping */
    const sl_recorder *recorder;  /* NULL = none */
} sl_scheduler_options;

sl_scheduler *sl_scheduler_new(const sl_scheduler_options *opts, char *err, size_t errsize);
void sl_scheduler_free(sl_scheduler *s);

/* Runs scheduling cycles (and binding) until the queue is quiescent: activeQ
 * and backoffQ empty and no unschedulable pod that a pending event or the
 * unschedulable timeout could still move — i.e. every pod is bound, or
 * unschedulable with nothing left that could change. Returns the number of
 * scheduling attempts made. */
uint64_t sl_scheduler_run_until_quiescent(sl_scheduler *s);

typedef enum sl_pod_state {
    SL_POD_PENDING,        /* never attempted (no matching profile, or being deleted) */
    SL_POD_SCHEDULED,
    SL_POD_UNSCHEDULABLE,
    SL_POD_ERROR,
    SL_POD_GATED,          /* rejected by PreEnqueue (schedulingGates) */
    SL_POD_RUNNING,        /* had spec.nodeName in the input */
} sl_pod_state;

typedef struct sl_pod_result {
    sl_pod_state state;
    const char *node;             /* NULL unless scheduled / running */
    const char *message;          /* last failure message, "" if none */
    uint32_t attempts;
    const char *nominated_node;   /* NULL if none */
} sl_pod_result;

/* Outcome per pod (strings owned by the scheduler). false if unknown. */
bool sl_scheduler_pod_result(const sl_scheduler *s, const k8s_pod *pod, sl_pod_result *out);

/* The config's HTTP extenders, as built (extender/extender.h reads their
 * call statistics). */
uint32_t sl_scheduler_extenders(const sl_scheduler *s, sl_extender *const **out);

/* Plugin instances named `name` in every profile (at most max), for
 * in-process reconfiguration (wasm plugins). Returns how many exist. */
uint32_t sl_scheduler_plugins_named(sl_scheduler *s, const char *name, sl_plugin **out, uint32_t max);

/* Durations of every scheduling attempt so far (ns), for percentiles. */
void sl_scheduler_attempt_latencies(const sl_scheduler *s, const int64_t **ns, size_t *n);

#endif
