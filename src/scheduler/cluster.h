/*
 * cluster.h — the cluster source (the scheduler's only seam to the
 * outside world): where the scheduler's
 * objects come from and where its writes go. The scheduler never knows which
 * implementation it talks to:
 *   - the in-process store adapter (cluster_store.c over src/store):
 *     `schedlab schedule`, benchmarks, the simulator, an API server in the
 *     same process — no HTTP, no JSON copies;
 *   - later, an HTTP client against a real or embedded API server.
 *
 * Objects are borrowed: the source owns every k8s_pod/k8s_node/sl_object
 * it hands out. They are immutable published versions: a write (bind,
 * status) makes a new version delivered as MODIFIED with the real old and
 * new.
 *
 * Lifetimes (bounded memory in a long run). A version stays valid while it
 * is the current one — the obj of the last event the handler received for
 * that object. Once an event supersedes it (the old of a MODIFIED; for a
 * DELETED, the previous version and the delivered last state itself) it is
 * *retired* by that event, and freed once the scheduler releases it: the
 * source numbers the events it delivers; `mark` says how many the handler
 * has received; `release(mark)` says the caller holds no pointer to any
 * version retired by events numbered <= mark (the scheduler passes the
 * mark read when its oldest running cycle started — between cycles the
 * mark of now — see scheduler.c "Version release"). A source that keeps
 * using a version after the op that passed it returned (an asynchronous
 * bind) pins the mark of that moment (sl_version_ledger_pin) until done.
 * A source without release keeps every version until destroy, and so does
 * the store adapter for the pointers its query functions return
 * (sl_cluster_memory_find_pod, _pods, ...: until destroy). Sources share
 * the bookkeeping through sl_version_ledger below; a new kind of object
 * needs only its retire calls.
 */
#ifndef SCHEDLAB_CLUSTER_H
#define SCHEDLAB_CLUSTER_H

#include <jansson.h>

#include "k8s/k8s.h"
#include "scheduler/framework.h"
#include "store/store.h"

typedef enum sl_watch_type { SL_WATCH_ADDED, SL_WATCH_MODIFIED, SL_WATCH_DELETED } sl_watch_type;

typedef struct sl_cluster_handler {
    void *user;
    /* old is NULL for ADDED; for DELETED obj is the last state. */
    void (*on_node)(void *user, sl_watch_type type, k8s_node *old, k8s_node *obj);
    void (*on_pod)(void *user, sl_watch_type type, k8s_pod *old, k8s_pod *obj);
    /* Namespace objects (labels for namespaceSelector); may be NULL. */
    void (*on_namespace)(void *user, sl_watch_type type, k8s_namespace *old, k8s_namespace *obj);
    /* The other kinds the scheduler reads — PodDisruptionBudgets, Services,
     * ReplicationControllers, ReplicaSets, StatefulSets, PriorityClasses —
     * as store versions (obj->res->id says which; the JSON is obj->json);
     * may be NULL. Replayed after namespaces and before nodes. */
    void (*on_object)(void *user, sl_watch_type type, const sl_object *old, const sl_object *obj);
    /* Sources that bind asynchronously (bind returned SL_WAIT, the POST ran
     * later) report how each queued bind ended, exactly once, on the
     * dispatching thread: failed (message: the server's reason, e.g. `pods
     * "p" not found`) — the scheduler runs its binding-failure path
     * (Unreserve, forget, the FailedScheduling event and status write,
     * requeue unless the pod is gone or bound) — or succeeded — PostBind and the
     * Scheduled event. pod is the version passed to bind; node and message
     * are borrowed. */
    void (*on_bind_failed)(void *user, k8s_pod *pod, const char *node, const char *message);
    void (*on_bind_succeeded)(void *user, k8s_pod *pod, const char *node);
} sl_cluster_handler;

typedef struct sl_cluster sl_cluster;
struct sl_cluster_versions;

typedef struct sl_cluster_ops {
    /* Registers the handler and replays every current object as ADDED
     * (namespaces, then the on_object kinds, then nodes, then pods, each in
     * creation order). One handler at a time. */
    void (*subscribe)(sl_cluster *c, const sl_cluster_handler *handler);
    /* POST pods/binding: sets spec.nodeName. The source then delivers a
     * MODIFIED pod event (possibly synchronously, from inside this call).
     * An asynchronous source (remote, inbox) queues the POST and returns
     * SL_WAIT; the result comes back later through on_bind_failed /
     * on_bind_succeeded (a source that stopped queueing binds, at
     * shutdown, binds inline and returns the real status). */
    sl_status (*bind)(sl_cluster *c, const k8s_pod *pod, const char *node_name);
    /* Deletes a pod (preemption victims); a DELETED event follows. */
    sl_status (*delete_pod)(sl_cluster *c, const k8s_pod *pod);
    /* Pod status after a failed attempt: condition PodScheduled=False with
     * reason ("Unschedulable" / "SchedulerError") and message, and
     * status.nominatedNodeName (NULL = leave, "" = clear). */
    sl_status (*update_pod_status)(sl_cluster *c, const k8s_pod *pod, const char *reason,
                                   const char *message, const char *nominated_node);
    /* core/v1 Event about a pod (type "Normal"/"Warning"). */
    void (*record_event)(sl_cluster *c, const k8s_pod *pod, const char *type,
                         const char *reason, const char *message);
    void (*destroy)(sl_cluster *c);
    /* Sources whose events arrive on other threads (the remote informers)
     * queue them in a locked inbox; dispatch delivers the queued events to
     * the handler on the caller's thread (the scheduler loop) and returns
     * how many. NULL: events are delivered synchronously (the store). */
    size_t (*dispatch)(sl_cluster *c);
    /* Version release (the Lifetimes paragraph above); NULL: versions live
     * until destroy. mark: events delivered to the handler so far. release:
     * frees the versions retired by events numbered <= mark (never past a
     * pin). versions: counts, for tests and metrics. Handler thread. */
    uint64_t (*mark)(sl_cluster *c);
    void (*release)(sl_cluster *c, uint64_t mark);
    void (*versions)(sl_cluster *c, struct sl_cluster_versions *out);
} sl_cluster_ops;

typedef struct sl_cluster_versions {
    size_t retired;            /* superseded versions waiting for release */
    uint64_t freed;            /* retired versions freed so far */
} sl_cluster_versions;

struct sl_cluster {
    const sl_cluster_ops *ops;
    void *self;
};

/* ---- version bookkeeping shared by the sources (cluster_ledger.c) ---- */

/* Retired versions in event order, each with the number of the event that
 * retired it, and the pins of in-flight work. Thread-safe. */
typedef struct sl_version_ledger sl_version_ledger;
sl_version_ledger *sl_version_ledger_new(void);
/* Frees every version still retired (destroy). */
void sl_version_ledger_free(sl_version_ledger *l);
/* Counts one event delivered to the handler (call it just before the
 * handler) and returns its number (1, 2, ...). */
uint64_t sl_version_ledger_deliver(sl_version_ledger *l);
/* Events delivered so far (the source's mark op). */
uint64_t sl_version_ledger_mark(sl_version_ledger *l);
/* `version` was superseded by event number seq; free_fn(version) runs at
 * release. NULL version: nothing. Calls come in event order. */
void sl_version_ledger_retire(sl_version_ledger *l, uint64_t seq, void *version,
                              void (*free_fn)(void *));
/* Pins mark (what the handler had received when the source took the
 * version it keeps using); returns the pin for unpin. */
uint64_t sl_version_ledger_pin(sl_version_ledger *l, uint64_t mark);
void sl_version_ledger_unpin(sl_version_ledger *l, uint64_t pin);
/* min(mark, every pin): for a wrapper that forwards release. */
uint64_t sl_version_ledger_limit(sl_version_ledger *l, uint64_t mark);
/* Frees the versions retired by events numbered <= min(mark, pins). */
void sl_version_ledger_release(sl_version_ledger *l, uint64_t mark);
void sl_version_ledger_stats(sl_version_ledger *l, sl_cluster_versions *out);

/* ---- a Kubernetes API server over HTTP (cluster_remote.c) ---- */

struct sl_kube_client;
struct sl_clock;
/* Informers over `client` (borrowed; must outlive the cluster) for
 * namespaces, the on_object kinds (standalone sl_object versions,
 * sl_object_new) and nodes and pods: subscribe lists (concurrently) and
 * replays, then watch threads post to the inbox and wake `clock` (may be
 * NULL). An on_object kind the server does not serve (404) is skipped.
 * instance names this scheduler in events. */
sl_cluster *sl_cluster_remote_new(struct sl_kube_client *client, struct sl_clock *clock,
                                  const char *instance);
/* Waits for the queued binds; later binds run inline. Their results are
 * delivered by the next dispatch (shutdown: finish, dispatch, stop). */
void sl_cluster_remote_finish_binds(sl_cluster *c);
/* Stops the watch threads (also done by destroy). */
void sl_cluster_remote_stop(sl_cluster *c);

/* ---- events from other threads (cluster_inbox.c) ---- */

/* Wraps `inner` (owned: destroyed with the wrapper): events the inner
 * source delivers on any thread are queued and handed to the handler by
 * dispatch (the scheduler loop's thread), waking `clock`; binds run on
 * binder threads (asynchronous, as the remote source), other writes pass
 * through. `schedlab sim` wraps the store adapter shared with its API
 * server this way. */
sl_cluster *sl_cluster_inbox_new(sl_cluster *inner, struct sl_clock *clock);
/* Waits for the queued binds (shutdown; later binds run inline); the next
 * dispatch delivers their results. */
void sl_cluster_inbox_finish_binds(sl_cluster *c);

/* ---- the in-process store (cluster_store.c) ---- */

/* An adapter over an existing store (shared with an API server); the store
 * must outlive the cluster. */
sl_cluster *sl_cluster_store_new(sl_store *store);
/* An adapter over a private memory store with snapshot admission and
 * implicit namespaces (cluster files), destroyed with the cluster. */
sl_cluster *sl_cluster_memory_new(void);
sl_store *sl_cluster_store(sl_cluster *c);
/* Adds the objects of a document array (k8s_parse_documents) to the store,
 * a snapshot of admitted objects: every object is first checked as
 * kube-apiserver would (k8s_check_object: known apiVersion/kind, strict
 * fields against the Kubernetes schema, containers, non-negative
 * quantities). Namespaces, Nodes, Pods and every other served kind (PriorityClasses,
 * PDBs, Services, workloads...); unserved kinds are skipped with a warning.
 * Duplicate names are an error, and so is a document array with no Node and
 * no Pod. Before subscribe: just stored; after:
 * events are delivered. The add_* functions take ownership of the decoded
 * object on success (the store keeps its own decoded version). */
bool sl_cluster_memory_load(sl_cluster *c, const json_t *docs, const char *origin, char *err,
                            size_t errsize);

typedef struct sl_cluster_load_options {
    /* One location per document ("document 2, items[3]", from
     * k8s_parse_documents_located) for messages; NULL: "document N". */
    const json_t *locations;
    /* Unknown fields are warnings, not errors. */
    bool lenient;
} sl_cluster_load_options;

bool sl_cluster_memory_load_with(sl_cluster *c, const json_t *docs, const char *origin,
                                 const sl_cluster_load_options *opts, char *err, size_t errsize);
bool sl_cluster_memory_add_node(sl_cluster *c, k8s_node *node, char *err, size_t errsize);
bool sl_cluster_memory_add_pod(sl_cluster *c, k8s_pod *pod, char *err, size_t errsize);
/* Takes ownership of ns on success. */
bool sl_cluster_memory_add_namespace(sl_cluster *c, k8s_namespace *ns, char *err, size_t errsize);
k8s_namespace *sl_cluster_memory_find_namespace(sl_cluster *c, const char *name);
/* Pods in insertion order (deleted ones are skipped). */
uint32_t sl_cluster_memory_pods(sl_cluster *c, k8s_pod ***out);
k8s_pod *sl_cluster_memory_find_pod(sl_cluster *c, const char *namespace_, const char *name);
/* Last status written by update_pod_status for a pod ("" when none). */
const char *sl_cluster_memory_pod_condition(sl_cluster *c, const k8s_pod *pod,
                                            const char **message);
bool sl_cluster_memory_pod_deleted(sl_cluster *c, const char *namespace_, const char *name);

/* Events written by record_event, oldest first. The store keeps the most
 * recent ones (at least 50,000; older ones are dropped in bulk); pointers
 * stay valid until the next record_event or destroy. */
typedef struct sl_cluster_event {
    const char *namespace_;
    const char *pod_name;
    const char *type;         /* "Normal" / "Warning" */
    const char *reason;
    const char *message;
    int64_t wall_ns;
} sl_cluster_event;
uint32_t sl_cluster_memory_events(sl_cluster *c, const sl_cluster_event **out);

#endif
