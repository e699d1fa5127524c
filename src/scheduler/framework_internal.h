/*
 * framework_internal.h — the machinery side of the framework contract: how
 * the scheduler builds a framework from a profile, opens and closes cycles,
 * and runs each extension point with upstream's status semantics
 * (upstream's framework runtime). Plugins never include this header; they
 * see only framework.h.
 *
 * Ownership:
 *   - A framework owns its plugin instances (created from the registry it
 *     is given) and borrows the profile config, the host callbacks, the
 *     recorder and the worker pool. It keeps no pointer to the registry
 *     object, but its instances use the registrations' ops, which must
 *     outlive it.
 *   - A cycle owns its CycleState and its main arena. Worker threads
 *     allocate from their own arenas (an sl_cycle_arenas shared by every
 *     cycle of one scheduler) through a thread-local pointer, so
 *     sl_cycle_alloc never takes a lock. Everything a cycle allocated is
 *     released by sl_cycle_end (main arena) and sl_cycle_arenas_reset
 *     (worker arenas, at the start of the next scheduling cycle).
 *
 * Plugin names are resolved through the registry the options name, so unit
 * tests build frameworks out of tiny test plugins with a registry of their
 * own (tests/unit/test_framework.c).
 */
#ifndef SCHEDLAB_FRAMEWORK_INTERNAL_H
#define SCHEDLAB_FRAMEWORK_INTERNAL_H

#include "scheduler/config.h"
#include "scheduler/framework.h"

typedef struct sl_worker_pool sl_worker_pool;

/* ------------------------------------------------------------------ */
/* Cycles                                                               */
/* ------------------------------------------------------------------ */

/* One arena per pool worker thread. The thread that opens a cycle (the
 * scheduling thread) allocates from the cycle's own main arena instead. */
typedef struct sl_cycle_arenas {
    uint32_t n;
    arena *workers;
} sl_cycle_arenas;

void sl_cycle_arenas_init(sl_cycle_arenas *a, uint32_t nworkers);
void sl_cycle_arenas_reset(sl_cycle_arenas *a);
void sl_cycle_arenas_free(sl_cycle_arenas *a);
/* Called by a pool thread before it runs cycle work: its allocations go to
 * `a` and sl_cycle_worker answers `worker` until the next call (NULL, 0 =
 * back to the cycle's main arena, the scheduling thread's index). */
void sl_cycle_bind_worker(arena *a, uint32_t worker);

/* A fresh cycle (heap), reusable with sl_cycle_begin/sl_cycle_end. */
sl_cycle *sl_cycle_new(sl_cycle_arenas *arenas);
void sl_cycle_free(sl_cycle *c);
/* Starts a cycle: empty CycleState, the given snapshot, parallelism, rng. */
void sl_cycle_begin(sl_cycle *c, const sl_snapshot *snapshot, int32_t parallelism, rng *r);
/* Ends it: runs the `release` callbacks, resets the main arena. */
void sl_cycle_end(sl_cycle *c);

/* Framework-private per-cycle data (which plugins PreFilter / PreScore
 * skipped, the compiled filter list). Shared by clones. */
#define SL_MAX_PLUGINS 64         /* distinct plugins per profile */
typedef struct sl_cycle_plugin_state {
    uint64_t skip_filter;         /* bit i = framework plugin i skipped its Filter */
    uint64_t skip_score;          /* bit i = skipped its Score */
    /* The Filter plugins this cycle runs, in order (compiled after
     * PreFilter so the per-node loop never looks at the skip set). */
    bool filters_compiled;
    /* This cycle times every plugin call for sl_recorder.plugin_execution
     * (upstream CycleState.recordPluginMetrics; set by
     * sl_framework_sample_plugin_metrics, copied to clones). */
    bool record_plugin_metrics;
    uint32_t nfilters;
    sl_plugin *filters[SL_MAX_PLUGINS];
} sl_cycle_plugin_state;
sl_cycle_plugin_state *sl_cycle_plugin_state_of(sl_cycle *c);
/* True for a copy made by sl_cycle_clone (preemption dry runs, the
 * nominated-pods pass): the framework does not report its plugin calls to
 * the results recorder, which describes the pod's real attempt only. */
bool sl_cycle_is_clone(const sl_cycle *c);

/* ------------------------------------------------------------------ */
/* Node statuses (the Diagnosis' NodeToStatus)                          */
/* ------------------------------------------------------------------ */

/* Statuses by node index; nodes never set report `absent` (upstream's
 * absentNodesStatus: UnschedulableAndUnresolvable by default). Allocated
 * in a cycle; cheap to reset. */
struct sl_node_status_map {
    uint32_t capacity;            /* node indexes [0, capacity) */
    uint32_t count;               /* explicitly set entries */
    sl_status *statuses;
    uint8_t *present;             /* NULL (and statuses NULL) until the first set */
    sl_cycle *cycle;              /* allocates them */
    sl_status absent;
};
sl_node_status_map *sl_node_status_map_new(sl_cycle *c, uint32_t num_nodes);
void sl_node_status_map_set(sl_node_status_map *m, uint32_t node_index, sl_status s);

/* ------------------------------------------------------------------ */
/* Cluster events, as the queue sees them                               */
/* ------------------------------------------------------------------ */

/* The events the scheduler reports to its queue: coarse (resource, action)
 * pairs. A pod rejected by some plugins waits for an event in the union of
 * their masks. */
enum {
    SL_EVENT_NODE_ADD = 1u << 0,
    SL_EVENT_NODE_UPDATE = 1u << 1,
    SL_EVENT_NODE_DELETE = 1u << 2,
    SL_EVENT_ASSIGNED_POD_ADD = 1u << 3,
    SL_EVENT_ASSIGNED_POD_UPDATE = 1u << 4,
    SL_EVENT_ASSIGNED_POD_DELETE = 1u << 5,
    SL_EVENT_UNSCHEDULED_POD_UPDATE = 1u << 6, /* the pod itself changed */
    SL_EVENT_UNSCHEDULABLE_TIMEOUT = 1u << 7,  /* the 5-minute flush: moves everything */
    SL_EVENT_ALL = 0xffu,
};

/* The SL_EVENT_* mask of a plugin's registered events (framework.h,
 * events_to_register): Node add / any node update / delete map one to one;
 * Pod add, delete and updates are the assigned pods' events, except
 * UpdatePodSchedulingGatesEliminated, which only an unscheduled pod's own
 * update can bring; a wildcard is every event; actions holding the guest
 * SDK's All (63) are all actions. Resources schedlab does not model
 * (volumes, claims, CSI objects) never produce events. */
uint32_t sl_plugin_events_mask(const sl_plugin_event *events, uint32_t n);

/* ------------------------------------------------------------------ */
/* Building a framework                                                 */
/* ------------------------------------------------------------------ */

/* What the framework asks of its owner (the scheduler). All optional. */
typedef struct sl_framework_host {
    void *user;
    sl_status (*bind)(void *user, const sl_pod_info *pod, const char *node_name);
    sl_status (*delete_pod)(void *user, const sl_pod_info *victim, const char *reason);
    void (*event)(void *user, const sl_pod_info *pod, const char *type, const char *reason,
                  const char *message);
    /* Pods nominated to a node; *out valid until the nominator changes
     * (never during Filter). */
    uint32_t (*nominated_pods)(void *user, const char *node_name, sl_pod_info ***out);
    /* Total nominated pods: 0 lets Filter skip the per-node lookup. */
    uint32_t (*nominated_count)(void *user);
    /* Pods waiting at Permit (framework.h); *out valid until the calling
     * plugin returns. */
    uint32_t (*waiting_pods)(void *user, sl_waiting_pod *const **out);
} sl_framework_host;

typedef struct sl_framework_options {
    const sl_profile_config *profile;     /* borrowed */
    int32_t parallelism;                  /* config.parallelism */
    int32_t global_percentage_of_nodes_to_score;
    const sl_framework_host *host;        /* borrowed, may be NULL */
    const sl_recorder *recorder;          /* borrowed, may be NULL */
    sl_worker_pool *pool;                 /* borrowed, NULL = run on the caller */
    const sl_registry *registry;          /* borrowed: where plugin names resolve */
    sl_extender *const *extenders;        /* borrowed (the scheduler's), may be NULL */
    uint32_t nextenders;
} sl_framework_options;

/* Instantiates the profile's plugins (one instance per name, shared by all
 * the extension points that list it), then builds each extension point's
 * list from the instances' ops: a profile loaded from a config is expanded
 * again (sl_expand_plugin_sets), a hand-built one taken as listed. Errors
 * name the profile and plugin:
 * "profile \"default-scheduler\": plugin \"Foo\" does not exist". */
sl_framework *sl_framework_new(const sl_framework_options *opts, char *err, size_t errsize);
void sl_framework_free(sl_framework *fw);
/* The plugin instance named `name`, NULL if none. */
sl_plugin *sl_framework_plugin_named(sl_framework *fw, const char *name);

void sl_framework_set_recorder(sl_framework *fw, const sl_recorder *recorder);
/* Upstream pluginMetricsSamplePercent: the share of scheduling cycles in
 * which every plugin call is timed (a build may set another with -D). */
#ifndef SL_PLUGIN_METRICS_SAMPLE_PERCENT
#define SL_PLUGIN_METRICS_SAMPLE_PERCENT 10
#endif
/* Called once per scheduling cycle, after sl_cycle_begin: decides (with
 * the framework's own random source, so the scheduler's tie-breaking
 * sequence is untouched) whether this cycle records plugin execution
 * durations — never when the recorder has no plugin_execution hook, so an
 * unsampled or unobserved cycle reads no clock per plugin call. */
void sl_framework_sample_plugin_metrics(sl_framework *fw, sl_cycle *c);
const sl_recorder *sl_framework_recorder(const sl_framework *fw);
sl_worker_pool *sl_framework_pool(const sl_framework *fw);

/* percentageOfNodesToScore of the profile, -1 when unset. */
int32_t sl_framework_percentage_of_nodes_to_score(const sl_framework *fw);
bool sl_framework_has_filter_plugins(const sl_framework *fw);
bool sl_framework_has_score_plugins(const sl_framework *fw);
bool sl_framework_has_post_filter_plugins(const sl_framework *fw);
/* Plugins listed at an extension point, in order. */
uint32_t sl_framework_plugins_at(const sl_framework *fw, sl_extension_point ep,
                                 sl_plugin *const **out);
/* The SL_EVENT_* mask of the framework's plugin of that name (its
 * events_to_register); SL_EVENT_ALL for a plugin without one, an unknown
 * name or NULL (upstream's default: every event). */
uint32_t sl_framework_plugin_events(const sl_framework *fw, const char *plugin);

/* ------------------------------------------------------------------ */
/* Running extension points                                             */
/* ------------------------------------------------------------------ */

/* PreEnqueue: the first non-Success status (plugin set), else Success. */
sl_status sl_framework_run_pre_enqueue(sl_framework *fw, const sl_pod_info *pod);
/* QueueSort less; false when the profile has no QueueSort plugin. */
bool sl_framework_less(sl_framework *fw, const sl_queued_pod *a, const sl_queued_pod *b);

/* PreFilter. `result` receives the merged (intersected) PreFilterResult;
 * `plugins_with_nodes` the names of plugins that returned a node set
 * (sorted, for the "didn't satisfy plugin(s)" message), and
 * `rejectors`/`nrejectors` the plugins whose rejection counts as an
 * unschedulable plugin. Status as upstream RunPreFilterPlugins. Records the
 * Skip set in the cycle. */
typedef struct sl_prefilter_outcome {
    sl_prefilter_result result;
    uint32_t nplugins_with_nodes;
    const char **plugins_with_nodes;
} sl_prefilter_outcome;
sl_status sl_framework_run_pre_filter(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                      sl_prefilter_outcome *out);

/* Filter on one node without nominated pods (the inner loop). */
sl_status sl_framework_run_filter_plugins(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                          const sl_node_info *node);
/* The same over nodes[0..n): out[i] = sl_framework_run_filter_plugins(
 * nodes[i]) for every i, computed plugin by plugin (see framework.c). */
void sl_framework_run_filter_plugins_on(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                        sl_node_info *const *nodes, uint32_t n, sl_status *out);
/* sl_framework_run_filters (framework.h) = with nominated pods, as the
 * cycle runs it. */

sl_status sl_framework_run_post_filter(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                       const sl_node_status_map *statuses,
                                       sl_post_filter_result *result);

sl_status sl_framework_run_pre_score(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                     sl_node_info *const *nodes, uint32_t n);
/* Score + NormalizeScore + weights over `nodes` (in parallel on the pool).
 * totals[i] receives node i's weighted sum. */
sl_status sl_framework_run_score(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *totals);

sl_status sl_framework_run_reserve(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const char *node_name);
void sl_framework_run_unreserve(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                const char *node_name);
/* Permit: Success, a rejection (plugin set), Error, or Wait with the
 * shortest plugin timeout in *timeout_ms and its plugin in *wait_plugin. */
sl_status sl_framework_run_permit(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                  const char *node_name, int64_t *timeout_ms,
                                  const char **wait_plugin);
/* One plugin's Wait: its timeout, capped at 15 min. */
typedef struct sl_permit_wait {
    const char *plugin;
    int64_t timeout_ms;
} sl_permit_wait;
/* sl_framework_run_permit that also lists every plugin that returned Wait,
 * in plugin order, into waits[] (room for SL_MAX_PLUGINS) and *nwaits. */
sl_status sl_framework_run_permit_waits(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                        const char *node_name, int64_t *timeout_ms,
                                        const char **wait_plugin, sl_permit_wait *waits,
                                        uint32_t *nwaits);
sl_status sl_framework_run_pre_bind(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                    const char *node_name);
/* Bind: first non-Skip wins; all Skip (or none) returns Skip. */
sl_status sl_framework_run_bind(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                const char *node_name);
void sl_framework_run_post_bind(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                const char *node_name);

/* Permit's upper bound (15 min). */
#define SL_PERMIT_MAX_TIMEOUT_MS (15LL * 60 * 1000)

/* Go's time.Duration.String() for a duration in ns ("1.5s", "1m30s",
 * "100ms"), into buf. Used in messages that must match upstream. */
void sl_format_go_duration(int64_t ns, char *buf, size_t bufsize);

/* Status message as Go's Status.Message(): reasons joined with ", ". The
 * result is `s.message` itself when it has a single reason. */
const char *sl_status_message_joined(sl_cycle *c, sl_status s);

#endif
