/*
 * framework.h — the scheduling framework contract: what a plugin is, what it
 * receives at each extension point, and what it may ask of the framework.
 * This is schedlab's counterpart of upstream's framework interfaces. Plugins
 * (src/plugins/, the extender adapter, the wasm adapter) include only this
 * header (plus k8s.h); the machinery lives in framework.c, cycle.c, cache.c,
 * queue.c and friends.
 *
 * Threads: PreFilter, PreScore, Reserve, Permit, PostFilter and the bind
 * points run on the scheduling thread; Filter and Score run on worker
 * threads in parallel over nodes (`parallelism`). A plugin's Filter/Score must
 * therefore only READ shared state (its own config, CycleState written in
 * PreFilter/PreScore, the node info) and allocate only through
 * sl_cycle_alloc / sl_status_newf (per-worker arenas, no locks).
 */
#ifndef SCHEDLAB_FRAMEWORK_H
#define SCHEDLAB_FRAMEWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "k8s/k8s.h"

/* ------------------------------------------------------------------ */
/* Status                                                               */
/* ------------------------------------------------------------------ */

/* Numeric values are upstream's iota order. */
typedef enum sl_code {
    SL_SUCCESS = 0,
    SL_ERROR = 1,
    SL_UNSCHEDULABLE = 2,
    SL_UNSCHEDULABLE_AND_UNRESOLVABLE = 3,
    SL_WAIT = 4,
    SL_SKIP = 5,
    SL_PENDING = 6,
} sl_code;

/* A status is a small value. `message` is NULL for Success, otherwise a
 * static string or one allocated in the cycle's arenas (sl_status_newf);
 * several reasons (upstream Status.Reasons()) are separated by '\n' and
 * counted separately in the FitError histogram; sl_status_message() joins
 * them with ", " as Go's Status.Message() does. `plugin` is filled by the
 * framework (the plugin that produced the status). */
typedef struct sl_status {
    sl_code code;
    const char *message;
    const char *plugin;
} sl_status;

#define SL_STATUS_SUCCESS ((sl_status){SL_SUCCESS, NULL, NULL})
#define SL_REASON_SEP '\n'

static inline sl_status sl_status_make(sl_code code, const char *message) {
    sl_status s = {code, message, NULL};
    return s;
}
static inline bool sl_status_is_success(sl_status s) { return s.code == SL_SUCCESS; }
/* Unschedulable, UnschedulableAndUnresolvable or Pending. */
static inline bool sl_status_is_rejected(sl_status s) {
    return s.code == SL_UNSCHEDULABLE || s.code == SL_UNSCHEDULABLE_AND_UNRESOLVABLE ||
           s.code == SL_PENDING;
}
const char *sl_code_name(sl_code code); /* "Success", "Error", "Unschedulable", ... */

/* ------------------------------------------------------------------ */
/* Scheduler's view of pods and nodes (built by the cache)              */
/* ------------------------------------------------------------------ */

/* Per pod, computed once when the pod arrives (never in Filter/Score). */
typedef struct sl_pod_info {
    k8s_pod *pod;
    k8s_resources request;        /* effective request incl. init containers, overhead */
    int64_t non_zero_milli_cpu;   /* scoring view: 100m default for zero requests */
    int64_t non_zero_memory;      /* 200Mi default */
    uint32_t nhost_ports;         /* container hostPorts (host_port != 0) */
    const k8s_container_port **host_ports;
    bool has_affinity;            /* pod affinity or anti-affinity terms */
    bool has_required_anti_affinity;
} sl_pod_info;

/* Image present on some nodes: size and how many nodes have it. */
typedef struct sl_image_state {
    const char *name;             /* normalized (":latest" appended) */
    int64_t size_bytes;
    uint32_t num_nodes;
} sl_image_state;

typedef struct sl_host_port {
    const char *protocol;
    const char *host_ip;          /* "0.0.0.0" when empty */
    int32_t port;
} sl_host_port;

/* Per node. The framework may hand a plugin a temporary copy (preemption
 * dry runs, nominated pods): never compare node-info pointers, use
 * node->node->name or `index`. */
typedef struct sl_node_info {
    k8s_node *node;
    uint32_t index;               /* position in the snapshot's node list */
    k8s_resources requested;      /* sum of effective requests of pods on the node */
    int64_t non_zero_milli_cpu;   /* sum of non-zero requests */
    int64_t non_zero_memory;
    uint32_t npods;
    sl_pod_info **pods;
    uint32_t npods_with_affinity;
    sl_pod_info **pods_with_affinity;
    uint32_t npods_with_required_anti_affinity;
    sl_pod_info **pods_with_required_anti_affinity;
    uint32_t nused_ports;
    sl_host_port *used_ports;
    uint32_t nimages;
    const sl_image_state **images; /* sorted by name */
    uint64_t generation;
} sl_node_info;

/* The cluster as seen by one cycle. */
typedef struct sl_snapshot sl_snapshot;
uint32_t sl_snapshot_num_nodes(const sl_snapshot *snap);
sl_node_info *const *sl_snapshot_nodes(const sl_snapshot *snap);
const sl_node_info *sl_snapshot_node(const sl_snapshot *snap, const char *node_name); /* NULL if absent */
/* Nodes that have at least one pod with (anti-)affinity terms / with
 * required anti-affinity (InterPodAffinity PreFilter iterates these). */
sl_node_info *const *sl_snapshot_nodes_with_affinity(const sl_snapshot *snap, uint32_t *n);
sl_node_info *const *sl_snapshot_nodes_with_required_anti_affinity(const sl_snapshot *snap, uint32_t *n);
const sl_image_state *sl_snapshot_image(const sl_snapshot *snap, const char *normalized_name);
/* Labels of a namespace, for namespaceSelector; NULL when unknown. */
const k8s_map *sl_snapshot_namespace_labels(const sl_snapshot *snap, const char *namespace_);
typedef struct sl_cycle sl_cycle;
/* PodDisruptionBudgets (policy/v1) as DefaultPreemption reads them. */
typedef struct sl_pdb {
    const char *namespace_, *name;
    k8s_label_selector selector;      /* spec.selector; nil or {} select nothing here */
    int32_t disruptions_allowed;      /* status.disruptionsAllowed */
    k8s_map disrupted_pods;           /* status.disruptedPods: pod name -> time */
} sl_pdb;
const sl_pdb *const *sl_snapshot_pdbs(const sl_snapshot *snap, uint32_t *n);
/* Upstream's helper.DefaultSelector: the selectors of the Services of the
 * pod's namespace selecting it, and of its controller (ReplicationController,
 * ReplicaSet or StatefulSet), merged, in cycle memory. False (and an empty
 * *out) when that selector is empty. */
bool sl_snapshot_default_spread_selector(const sl_snapshot *snap, sl_cycle *c, const k8s_pod *pod,
                                         k8s_label_selector *out);

/* ------------------------------------------------------------------ */
/* Cycle: CycleState, arenas, snapshot                                  */
/* ------------------------------------------------------------------ */

typedef struct sl_cycle sl_cycle;

const sl_snapshot *sl_cycle_snapshot(const sl_cycle *c);
/* Scratch memory valid until the end of the cycle; safe from any worker
 * (each worker thread has its own arena). */
void *sl_cycle_alloc(sl_cycle *c, size_t size);
char *sl_cycle_printf(sl_cycle *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
sl_status sl_status_newf(sl_cycle *c, sl_code code, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* CycleState: a small key -> data map. Write only from the scheduling thread
 * (PreFilter, PreScore, ...); read from anywhere. `clone` (may be NULL =
 * share the pointer, immutable data) deep-copies the data with
 * sl_cycle_alloc when the framework clones the state (preemption dry runs,
 * where AddPod/RemovePod then modify the copy). Keys are compared by
 * string content. Data is usually allocated with sl_cycle_alloc; `release`
 * (may be NULL) is called at the end of the cycle for heap data. */
typedef void *(*sl_state_clone_fn)(sl_cycle *c, const void *data);
void sl_cycle_state_write(sl_cycle *c, const char *key, void *data, sl_state_clone_fn clone,
                          void (*release)(void *data));
void *sl_cycle_state_read(const sl_cycle *c, const char *key); /* NULL if absent */

/* Cycle-wide facts plugins sometimes need. */
int32_t sl_cycle_parallelism(const sl_cycle *c);
rng *sl_cycle_rng(sl_cycle *c);  /* scheduling thread only */
/* Index of the worker running the current call, in
 * [0, sl_framework_num_workers(p->framework)): 0 on the scheduling thread
 * (every extension point but Filter/Score runs there), 1.. on the pool's
 * threads. Two calls running at the same time never share an index, so a
 * plugin may keep per-worker scratch state indexed by it (allocated at
 * creation, sized by sl_framework_num_workers) without locks. */
uint32_t sl_cycle_worker(const sl_cycle *c);

/* ------------------------------------------------------------------ */
/* Plugin interface                                                     */
/* ------------------------------------------------------------------ */

typedef struct sl_plugin sl_plugin;
typedef struct sl_framework sl_framework;

/* PreFilterResult: NULL node_names (all == true) means all nodes. */
typedef struct sl_prefilter_result {
    bool all;
    uint32_t nnames;
    const char **node_names;      /* sl_cycle_alloc'ed */
} sl_prefilter_result;

typedef struct sl_node_score {
    uint32_t node_index;          /* sl_node_info.index */
    int64_t score;
} sl_node_score;

/* Status of every node after Filter (for PostFilter). */
typedef struct sl_node_status_map sl_node_status_map;
sl_status sl_node_status_get(const sl_node_status_map *m, uint32_t node_index);

typedef struct sl_post_filter_result {
    /* NULL = no result: the pod keeps its nominatedNodeName (upstream
     * ModeNoop); "" clears it; a name nominates that node. */
    const char *nominated_node_name;
} sl_post_filter_result;

/* Queued pod as the QueueSort plugin sees it. */
typedef struct sl_queued_pod {
    sl_pod_info *info;
    int64_t timestamp_ns;         /* when it (re-)entered the queue */
    int64_t initial_attempt_ns;
    uint32_t attempts;
} sl_queued_pod;

/* Cluster events (upstream framework.ClusterEvent): a resource and a set of
 * action bits. The resource numbers are the wasm guest SDK's GVK numbers
 * and the action bits upstream's framework.ActionType values, whose low six
 * bits are the SDK's, so a guest's `enqueue` result (8-byte records
 * `u32le gvk, u32le actionType`) maps onto this struct directly (the SDK's
 * All, 63, means SL_ACTION_ALL). */
typedef enum sl_event_resource {
    SL_RESOURCE_POD = 0,
    SL_RESOURCE_NODE = 1,
    SL_RESOURCE_PERSISTENT_VOLUME = 2,
    SL_RESOURCE_PERSISTENT_VOLUME_CLAIM = 3,
    SL_RESOURCE_POD_SCHEDULING_CONTEXT = 4,
    SL_RESOURCE_RESOURCE_CLAIM = 5,
    SL_RESOURCE_STORAGE_CLASS = 6,
    SL_RESOURCE_CSI_NODE = 7,
    SL_RESOURCE_CSI_DRIVER = 8,
    SL_RESOURCE_CSI_STORAGE_CAPACITY = 9,
    SL_RESOURCE_WILDCARD = 10,    /* "*": every resource */
} sl_event_resource;

enum {
    SL_ACTION_ADD = 1u << 0,
    SL_ACTION_DELETE = 1u << 1,
    SL_ACTION_UPDATE_NODE_ALLOCATABLE = 1u << 2,
    SL_ACTION_UPDATE_NODE_LABEL = 1u << 3,
    SL_ACTION_UPDATE_NODE_TAINT = 1u << 4,
    SL_ACTION_UPDATE_NODE_CONDITION = 1u << 5,
    SL_ACTION_UPDATE_NODE_ANNOTATION = 1u << 6,
    SL_ACTION_UPDATE_POD_LABEL = 1u << 7,
    SL_ACTION_UPDATE_POD_SCALE_DOWN = 1u << 8,
    SL_ACTION_UPDATE_POD_TOLERATION = 1u << 9,
    SL_ACTION_UPDATE_POD_SCHEDULING_GATES_ELIMINATED = 1u << 10,
    SL_ACTION_UPDATE_POD_GENERATED_RESOURCE_CLAIM = 1u << 11,
    SL_ACTION_UPDATE_POD_OTHER = 1u << 12,
    SL_ACTION_ALL = (1u << 13) - 1,
    SL_ACTION_UPDATE = SL_ACTION_ALL & ~(SL_ACTION_ADD | SL_ACTION_DELETE),
    SL_ACTION_SDK_ALL = (1u << 6) - 1,  /* the guest SDK's All: read as SL_ACTION_ALL */
};

/* One (resource, actions) pair a plugin registers. (sl_cluster_event, in
 * cluster.h, is an Event object the scheduler records.) */
typedef struct sl_plugin_event {
    uint32_t resource;            /* sl_event_resource */
    uint32_t actions;             /* SL_ACTION_* bits */
} sl_plugin_event;

/* Every member is optional (NULL = the plugin does not implement that
 * extension point). Statuses follow upstream's rules: Success, a rejection
 * (Unschedulable, UnschedulableAndUnresolvable, Pending), Error, Wait
 * (Permit), Skip (PreFilter, PreScore, Bind).
 *
 * Plugins are runtime objects: a factory may replace `p->ops` with a table
 * of its own (it must outlive the plugin; p->self is a good home) that
 * sets only the hooks this instance implements — a wasm guest's exports,
 * say. The framework decides where a plugin runs (multiPoint expansion,
 * "does not extend" checks) from the instance's ops, after the factory,
 * as upstream checks the interfaces of the plugin object. */
typedef struct sl_plugin_ops {
    const char *name;

    sl_status (*pre_enqueue)(sl_plugin *p, const sl_pod_info *pod);
    /* QueueSort: true if a should be popped before b. */
    bool (*less)(sl_plugin *p, const sl_queued_pod *a, const sl_queued_pod *b);

    sl_status (*pre_filter)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                            sl_prefilter_result *result);
    /* PreFilterExtensions: update this plugin's CycleState as if pod_to_add
     * were on / pod_to_remove were removed from `node`. */
    sl_status (*add_pod)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                         const sl_pod_info *pod_to_add, const sl_node_info *node);
    sl_status (*remove_pod)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                            const sl_pod_info *pod_to_remove, const sl_node_info *node);
    sl_status (*filter)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                        const sl_node_info *node);
    /* Optional batch form of filter: out[i] = filter(nodes[i]) for i < n.
     * Filter runs once per (pod, node, plugin) — millions of calls in a
     * large run — and the batch saves the indirect call per node and lets
     * the plugin read its CycleState and pod-only facts once. Implement it
     * in the plugin's own file as a loop over the per-node function (which
     * must still exist: the recorder path and tests call it), so both
     * always agree. */
    void (*filter_nodes)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                         sl_node_info *const *nodes, uint32_t n, sl_status *out);
    sl_status (*post_filter)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                             const sl_node_status_map *statuses, sl_post_filter_result *result);

    sl_status (*pre_score)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                           sl_node_info *const *nodes, uint32_t nnodes);
    sl_status (*score)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                       const sl_node_info *node, int64_t *score);
    /* Optional batch form of score, same contract as filter_nodes: sets
     * out[i].score = score(nodes[i]) in order (node_index is the
     * framework's) and stops at the first non-Success status, returning it
     * with that node's position in *failed_at. */
    sl_status (*score_nodes)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                             sl_node_info *const *nodes, uint32_t n, sl_node_score *out,
                             uint32_t *failed_at);
    sl_status (*normalize_score)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_score *scores, uint32_t n);

    sl_status (*reserve)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name);
    void (*unreserve)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name);
    /* Permit: Wait sets *timeout_ms (capped at 15 min by the framework). */
    sl_status (*permit)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name,
                        int64_t *timeout_ms);
    sl_status (*pre_bind)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name);
    sl_status (*bind)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name);
    void (*post_bind)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name);

    /* EnqueueExtensions.EventsToRegister: the cluster events that may make
     * a pod this plugin rejected schedulable. Sets *out to an array the
     * plugin owns (static, or in p->self; it must stay valid while the
     * plugin lives) and returns its length. Called once, on the scheduling
     * thread, right after the factory. NULL = every event (upstream's
     * default for plugins without EnqueueExtensions). */
    uint32_t (*events_to_register)(sl_plugin *p, const sl_plugin_event **out);

    void (*destroy)(sl_plugin *p);
} sl_plugin_ops;

/* The usual batch forms: a loop over the plugin's per-node function. Call
 * them from the plugin's own file with its static filter/score function,
 * so the compiler inlines that function into the loop (the pointer is a
 * constant at the call site). */
typedef sl_status (*sl_filter_fn)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                  const sl_node_info *node);
typedef sl_status (*sl_score_fn)(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 const sl_node_info *node, int64_t *score);
static inline __attribute__((always_inline)) void
sl_filter_each_node(sl_filter_fn filter, sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                    sl_node_info *const *nodes, uint32_t n, sl_status *out) {
    for (uint32_t i = 0; i < n; i++) out[i] = filter(p, c, pod, nodes[i]);
}
static inline __attribute__((always_inline)) sl_status
sl_score_each_node(sl_score_fn score, sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                   sl_node_info *const *nodes, uint32_t n, sl_node_score *out,
                   uint32_t *failed_at) {
    for (uint32_t i = 0; i < n; i++) {
        int64_t value = 0;
        sl_status s = score(p, c, pod, nodes[i], &value);
        if (s.code != SL_SUCCESS) {
            *failed_at = i;
            return s;
        }
        out[i].score = value;
    }
    return SL_STATUS_SUCCESS;
}

struct sl_plugin {
    const sl_plugin_ops *ops;
    const char *name;             /* name as configured */
    void *self;                   /* the plugin's own state */
    sl_framework *framework;      /* owner */
};

/* A plugin factory gets its args (pluginConfig[].args with upstream defaults
 * applied, or NULL when none were given) and fills `p->self` (and may
 * replace `p->ops`, see sl_plugin_ops). Returns false with a message naming
 * the field on bad args
 * ("pluginConfig[NodeResourcesFit].args.scoringStrategy.type: ...").
 * p->framework is set: sl_framework_num_workers is available. */
typedef bool (*sl_plugin_factory)(sl_plugin *p, const json_t *args, char *err, size_t errsize);

/* `ops` is the most a plugin of this kind can implement: configuration
 * checks explicit extension points against it ("plugin X does not extend
 * FilterPlugin") before any instance exists; instances may implement less. */
typedef struct sl_plugin_registration {
    const char *name;
    const sl_plugin_ops *ops;
    sl_plugin_factory factory;    /* NULL = no state, no args */
} sl_plugin_registration;

/* ------------------------------------------------------------------ */
/* Plugin registry                                                      */
/* ------------------------------------------------------------------ */

/* The plugins a configuration may name: an object, no globals. Build one
 * with every in-tree plugin with sl_registry_new_default (plugins/
 * registry.h), or an empty one and add to it (tests, out-of-tree plugins).
 * Not locked: build it, then share it read-only (config loading and
 * schedulers only read it). */
typedef struct sl_registry sl_registry;
sl_registry *sl_registry_new(void);                    /* empty */
void sl_registry_free(sl_registry *r);
/* false when a plugin of that name is already registered. `reg` (and its
 * name and ops) is borrowed: it must outlive r. */
bool sl_registry_add(sl_registry *r, const sl_plugin_registration *reg);
/* The registered plugin of that name, NULL if none (the resolver is not
 * consulted). */
const sl_plugin_registration *sl_registry_find(const sl_registry *r, const char *name);
/* Every registered plugin, sorted by name; *out valid until the next add. */
uint32_t sl_registry_list(const sl_registry *r, const sl_plugin_registration *const **out);
/* Fallback for names not registered (wasm plugins: their pluginConfig args
 * carry a guestURL). `args` is the plugin's pluginConfig args as written
 * (NULL when none). Returns NULL when it does not know the name; the
 * registration it returns must outlive the registry (cache it). */
typedef const sl_plugin_registration *(*sl_registry_resolver)(void *user, const char *name,
                                                              const json_t *args);
void sl_registry_set_resolver(sl_registry *r, sl_registry_resolver fn, void *user);
/* Optional: why the resolver's last NULL answer was NULL ("" or NULL when
 * it simply does not know the name), called with the resolver's `user`
 * right after that answer. Configuration then reports
 * "plugin \"X\": <why>" (a guestURL that cannot be fetched, a module that
 * does not compile) instead of "unknown plugin \"X\"". */
typedef const char *(*sl_registry_resolver_error_fn)(void *user);
void sl_registry_set_resolver_error(sl_registry *r, sl_registry_resolver_error_fn fn);
/* The explanation of the resolver's last NULL answer, "" when none. */
const char *sl_registry_resolver_error(const sl_registry *r);
/* How configuration and frameworks look a name up: sl_registry_find, then
 * the resolver. NULL registry = nothing is registered. */
const sl_plugin_registration *sl_registry_resolve(const sl_registry *r, const char *name,
                                                  const json_t *args);

/* ------------------------------------------------------------------ */
/* What plugins may ask of the framework                                */
/* ------------------------------------------------------------------ */

/* Runs the profile's Filter plugins on one node as the cycle would (used by
 * DefaultPreemption's dry run with a modified node info and cloned state). */
sl_status sl_framework_run_filters(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_node_info *node);
sl_status sl_framework_run_add_pod(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_pod_info *pod_to_add, const sl_node_info *node);
sl_status sl_framework_run_remove_pod(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                      const sl_pod_info *pod_to_remove, const sl_node_info *node);
/* A copy of the cycle whose CycleState is cloned (sl_state_clone_fn);
 * snapshot and arenas shared. Freed with the cycle. */
sl_cycle *sl_cycle_clone(sl_cycle *c);
/* Node-info copies for dry runs (cycle-allocated); remove/add update
 * requested resources, pods, ports and affinity lists. */
sl_node_info *sl_node_info_clone(sl_cycle *c, const sl_node_info *node);
void sl_node_info_remove_pod(sl_cycle *c, sl_node_info *node, const sl_pod_info *pod);
void sl_node_info_add_pod(sl_cycle *c, sl_node_info *node, sl_pod_info *pod);
/* Pods nominated to a node (preemptors waiting for victims to go). */
uint32_t sl_framework_nominated_pods(sl_framework *fw, const char *node_name,
                                     sl_pod_info ***out);

/* Writes to the cluster (through the cluster source: the in-process store,
 * or an API server). */
sl_status sl_framework_bind(sl_framework *fw, const sl_pod_info *pod, const char *node_name);
sl_status sl_framework_delete_pod(sl_framework *fw, const sl_pod_info *victim,
                                  const char *reason);
/* Emits an event (reason, message) about a pod, like the Kubernetes Events API. */
void sl_framework_event(sl_framework *fw, const sl_pod_info *pod, const char *type,
                        const char *reason, const char *message);
int32_t sl_framework_parallelism(const sl_framework *fw);
const char *sl_framework_profile_name(const sl_framework *fw);
/* How many workers may call this framework's plugins at once (>= 1): the
 * range of sl_cycle_worker. */
uint32_t sl_framework_num_workers(const sl_framework *fw);

/* The scheduler's HTTP extenders (the config's `extenders:`, in order),
 * upstream framework.Handle.Extenders(). The type and what can be done
 * with one are src/extender/extender.h's (DefaultPreemption consults their
 * preempt verb through it). */
typedef struct sl_extender sl_extender;
uint32_t sl_framework_extenders(const sl_framework *fw, sl_extender *const **out);

/* A plugin reloaded in place (a wasm guest whose module changed) may
 * implement other extension points or register other events than before.
 * sl_framework_check_plugin_ops: would the profile still be valid with
 * `ops` as p's table (explicitly listed extension points still
 * implemented, one QueueSort, a Bind)? Changes nothing.
 * sl_framework_plugin_changed: after p->ops (or what its
 * events_to_register reports) changed, rebuilds every extension-point list
 * of p's profile from the instances' current ops (multiPoint re-expanded)
 * and re-reads p's events; every other instance is kept. On false the
 * lists are unchanged. Both on the scheduling thread, between cycles (no
 * pod in its scheduling or binding cycle). */
bool sl_framework_check_plugin_ops(sl_framework *fw, const sl_plugin *p, const sl_plugin_ops *ops,
                                   char *err, size_t errsize);
bool sl_framework_plugin_changed(sl_framework *fw, sl_plugin *p, char *err, size_t errsize);

/* ------------------------------------------------------------------ */
/* Pods waiting at Permit (upstream Handle.GetWaitingPod & co.)         */
/* ------------------------------------------------------------------ */

/* A pod one or more Permit plugins answered Wait for. It holds its node
 * (assumed in the cache, Reserve done) until every plugin that asked it to
 * wait has allowed it — then it goes on to PreBind/Bind — or until one
 * rejects it, or until the first deadline of a plugin still pending passes
 * (Unschedulable "rejected due to timeout after waiting <d> at plugin
 * <name>", each plugin's wait capped at 15 minutes). A rejected or timed-out
 * pod is unreserved, forgotten and requeued like any Permit rejection: its
 * message is the FitError "0/1 nodes are available: 1 <message>.".
 *
 * The list is shared by all profiles (as upstream's waitingPodsMap). The
 * first decision wins: allow/reject after a pod was rejected (or after the
 * last allow) change nothing.
 *
 * Threads and timing: Reserve, Unreserve, Permit, PreFilter, PostFilter and
 * the bind points all run on the scheduling thread, and so does every
 * waiting pod's binding, so calls from those points need no lock (never
 * call these from Filter/Score). Allow and reject only record the decision;
 * the scheduler acts on it once the current plugin call's cycle is over,
 * before it pops the next pod (in virtual time: at the same instant). A
 * sl_waiting_pod pointer is valid only during the plugin call that got it:
 * do not keep it. */
typedef struct sl_waiting_pod sl_waiting_pod;

/* The waiting pod whose metadata.uid is `pod_uid_or_key`, or failing that
 * whose "namespace/name" is; NULL if no such pod waits. */
sl_waiting_pod *sl_framework_waiting_pod(sl_framework *fw, const char *pod_uid_or_key);
/* Every waiting pod (upstream IterateOverWaitingPods), in the order they
 * started waiting, including those already decided but not yet acted on.
 * *out is valid until the plugin call returns. */
uint32_t sl_framework_waiting_pods(sl_framework *fw, sl_waiting_pod *const **out);
/* Rejects the waiting pod with no plugin and the message "removed"
 * (upstream RejectWaitingPod); false when no such pod waits. */
bool sl_framework_reject_waiting_pod(sl_framework *fw, const char *pod_uid_or_key);

const sl_pod_info *sl_waiting_pod_info(const sl_waiting_pod *w);
/* The node the pod is assumed on. */
const char *sl_waiting_pod_node(const sl_waiting_pod *w);
/* `plugin` stops waiting; once no plugin is pending the pod is allowed. */
void sl_waiting_pod_allow(sl_waiting_pod *w, const char *plugin);
/* The pod fails with Unschedulable `message`, attributed to `plugin`
 * (NULL or "" = no plugin). */
void sl_waiting_pod_reject(sl_waiting_pod *w, const char *plugin, const char *message);
/* Plugins that asked the pod to wait and have not allowed it yet, in
 * Permit order; *out is valid until the next call about this pod. */
uint32_t sl_waiting_pod_pending_plugins(const sl_waiting_pod *w, const char *const **out);

/* ------------------------------------------------------------------ */
/* Results recorder: what an observer of each attempt is told           */
/* ------------------------------------------------------------------ */

/* Observer of one pod's scheduling attempt. All callbacks optional; when
 * no recorder is attached the framework pays one predictable branch.
 * Filter/score callbacks may come from worker threads concurrently
 * (different nodes): implementations must be thread-safe per node. */
typedef struct sl_recorder {
    void *user;
    void (*cycle_start)(void *user, const sl_pod_info *pod, uint32_t attempt);
    void (*pre_filter)(void *user, const char *plugin, sl_status status);
    void (*filter)(void *user, const sl_node_info *node, const char *plugin, sl_status status);
    void (*post_filter)(void *user, const char *plugin, sl_status status, const char *nominated);
    void (*pre_score)(void *user, const char *plugin, sl_status status);
    void (*score)(void *user, const sl_node_info *node, const char *plugin, int64_t raw);
    /* normalized * weight */
    void (*final_score)(void *user, const sl_node_info *node, const char *plugin, int64_t value);
    void (*reserve)(void *user, const char *plugin, sl_status status);
    void (*permit)(void *user, const char *plugin, sl_status status, int64_t timeout_ms);
    void (*pre_bind)(void *user, const char *plugin, sl_status status);
    void (*bind)(void *user, const char *plugin, sl_status status);
    /* One extender call (scheduling thread): verb "filter", "prioritize",
     * "bind" or "preempt"; `answer` is the decoded reply (NULL when the call
     * failed before one was read); the call's wall-clock duration. */
    void (*extender)(void *user, const char *extender, const char *verb, const json_t *answer,
                     sl_status status, int64_t latency_ns);
    void (*cycle_end)(void *user, const sl_pod_info *pod, const char *selected_node,
                      sl_status result);
    /* Timing (upstream scheduler_framework_extension_point_duration_seconds
     * and scheduler_plugin_execution_duration_seconds): one run of an
     * extension point ("PreFilter", "Filter" (once per node search),
     * "PostFilter", "PreScore", "Score", "Reserve", "Permit", "PreBind",
     * "Bind", "Unreserve", "PostBind") of the profile with its status;
     * wall-clock ns. Bind may come from the binding thread.
     *
     * plugin_execution: plugin calls, only in the cycles the framework
     * samples (SL_PLUGIN_METRICS_SAMPLE_PERCENT, as upstream), at every
     * point with upstream's labels ("PreFilter", "PreFilterExtensionAddPod",
     * "PreFilterExtensionRemovePod", "Filter", "PostFilter", "PreScore",
     * "Score", "ScoreExtensionNormalize", "Reserve", "Unreserve", "Permit",
     * "PreBind", "Bind", "PostBind") and the status code the plugin
     * returned. One report stands for `calls` calls that took
     * `duration_ns` together: Filter and Score time a plugin once per batch
     * of nodes (a filter_nodes/score_nodes call, or a plugin's pass over a
     * block of up to 64 nodes) and report the batch's calls grouped by
     * status, each call counted once with the batch's mean duration; the
     * other points report calls = 1. Filter and Score reports come from
     * pool threads concurrently: implementations must lock. */
    void (*extension_point)(void *user, const char *profile, const char *point, sl_status status,
                            int64_t duration_ns);
    void (*plugin_execution)(void *user, const char *plugin, const char *point, sl_status status,
                             uint32_t calls, int64_t duration_ns);
} sl_recorder;

#endif
