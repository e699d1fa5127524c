/*
 * scheduler.c — the scheduler as a whole (scheduler.h): profiles (one
 * framework each, picked by spec.schedulerName), the cache, the queue and
 * the loop that runs cycles, all wired to a cluster source. The cycle
 * itself is in schedule_one.c.
 *
 * Events. The cluster source delivers nodes and pods. Assigned pods feed
 * the cache; unassigned pods of a known profile feed the queue; every
 * change that could alter a scheduling decision bumps `epoch` and is
 * offered to the queue as a cluster event (which moves unschedulable pods
 * whose rejecting plugins care). Bind writes come back as MODIFIED events,
 * possibly synchronously from inside the bind call; the handlers therefore
 * never free what a running cycle still holds (`in_cycle`).
 *
 * Time. The scheduler keeps its own clock, `now_ns`, starting at 0. In
 * virtual time a cycle takes no time at all; when activeQ runs dry the
 * clock jumps to the next thing that can happen: the next 1-second backoff
 * flush tick that releases a pod, the next 30-second unschedulable flush
 * tick that finds a pod older than 5 minutes, or a Permit deadline. In real
 * time the loop sleeps until that moment instead.
 *
 * Quiescence — when sl_scheduler_run_until_quiescent returns. Every cluster
 * change increments `epoch`; each attempt remembers the epoch it started
 * in. The run stops when
 *   1. activeQ is empty and no pod waits on Permit, and
 *   2. every pod in backoffQ or in the unschedulable pool (gated pods
 *      aside) was last attempted in the current epoch.
 * Condition 2 says nothing changed since those pods were last tried, so a
 * retry — by backoff expiry or by the 5-minute flush — would see the same
 * cluster and fail the same way (the cycle is deterministic given the
 * snapshot; random tie-breaks only choose among feasible nodes). A pod
 * tried before the last change is retried first, by simulating the clock
 * up to its backoff or flush. Each extra round either places or deletes a
 * pod (a new epoch) or settles everything, so the run ends. Gated pods
 * wait for an update of their own and do not hold the run open. One
 * exception needs a guard: a plugin that frees nodes without ever placing a
 * pod (a Permit gang that never completes: each timeout is a new epoch)
 * would keep the run going forever, so in virtual time the run also stops,
 * with a warning, after an hour of virtual time with no bind.
 *
 * Version release (cluster.h Lifetimes). The source frees a superseded
 * version once the scheduler passes a mark at or past the event that
 * superseded it. What can point at a version:
 *   - pod records (rec->pod) and pod infos (info->pod): set to the new
 *     version by every event of their pod (a deleted pod's record goes,
 *     unless a cycle holds it); an info keeps nothing else from the
 *     version it was computed from (sl_pod_info_new copies the host ports
 *     and requests);
 *   - the cache: each node's current version and the infos of current pod
 *     versions; replaced infos are parked until the next snapshot update;
 *   - the snapshot: versions current at its last update;
 *   - a running cycle: what the snapshot and the records held when it
 *     started, and what events delivered during it hand out (newer).
 * So right after a snapshot update, outside any cycle, nothing points at
 * a version superseded by an event already delivered, except the cycles
 * of pods waiting at Permit and of binds in flight (an asynchronous
 * source: the binding cycle ends when the result comes back), which may
 * hold what was current when they started: the scheduler releases up to
 * the oldest of those cycles' start marks (or now, without any).
 * sched_release_versions runs at every cycle start (after its snapshot
 * update; it releases once RELEASE_BATCH events have come since the last
 * release, so a busy loop takes the source's lock once per batch) and,
 * when idle, after an extra snapshot update. The source's asynchronous
 * binds pin their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "extender/extender.h"
#include "scheduler/scheduler_internal.h"

#define NS_PER_SEC 1000000000LL
#define BACKOFF_FLUSH_PERIOD_NS (1 * NS_PER_SEC)
#define UNSCHEDULABLE_FLUSH_PERIOD_NS (30 * NS_PER_SEC)
#define MAX_UNSCHEDULABLE_NS (5 * 60 * NS_PER_SEC)
#define QUIESCENCE_HORIZON_NS (3600 * NS_PER_SEC)
#define RELEASE_BATCH 64        /* events between releases while cycles run */

/* ------------------------------------------------------------------ */
/* Pod records                                                          */
/* ------------------------------------------------------------------ */

/* Pods are keyed by uid (a pod deleted and re-created under the same name
 * is another pod, as upstream's informers see it); by namespace/name only
 * when a source gives no uid. */
static void pod_key(const k8s_pod *pod, char *buf, size_t size) {
    if (pod->uid && pod->uid[0]) snprintf(buf, size, "uid:%s", pod->uid);
    else snprintf(buf, size, "%s/%s", pod->namespace_ ? pod->namespace_ : "default", pod->name);
}

static pod_record *find_record(const sl_scheduler *s, const k8s_pod *pod) {
    char key[512];
    pod_key(pod, key, sizeof(key));
    return strmap_get(&s->pods, key);
}

static pod_record *new_record(sl_scheduler *s, k8s_pod *pod) {
    char key[512];
    pod_key(pod, key, sizeof(key));
    pod_record *rec = xcalloc(1, sizeof(*rec));
    rec->key = xstrdup(key);
    rec->pod = pod;
    rec->message = xstrdup("");
    strmap_put(&s->pods, key, rec);
    return rec;
}

static void free_record(sl_scheduler *s, pod_record *rec) {
    strmap_remove(&s->pods, rec->key);
    sl_queue_remove(s->queue, &rec->entry);
    if (rec->assumed && rec->info) sl_cache_forget_pod(s->cache, rec->info);
    if (rec->info) sl_pod_info_free(rec->info);
    free(rec->entry.nominated_node);
    sched_binding_remove(s, rec);
    sl_cycle_free(rec->bind_cycle); /* a bind still in flight at shutdown */
    free(rec->bind_node);
    free(rec->key);
    free(rec->node);
    free(rec->message);
    free(rec);
}

/* Lower-priority pods nominated to node_name lose their nomination
 * (scheduler_internal.h). */
void sched_clear_lower_nominations(sl_scheduler *s, const char *node_name, pod_record *preemptor) {
    sl_pod_info **listed = NULL;
    uint32_t n = sl_queue_nominated_pods(s->queue, node_name, &listed);
    if (n == 0) return;
    /* Clearing edits the nominator's list: work on a copy. */
    sl_pod_info **pods = xmalloc(n * sizeof(*pods));
    memcpy(pods, listed, n * sizeof(*pods));
    int32_t priority = preemptor->pod->priority;
    for (uint32_t i = 0; i < n; i++) {
        if (pods[i]->pod->priority >= priority) continue;
        pod_record *r = find_record(s, pods[i]->pod);
        if (!r || r == preemptor) continue;
        sl_queue_nominate(s->queue, &r->entry, "");
        s->cluster->ops->update_pod_status(s->cluster, r->pod, "Unschedulable",
                                           r->message ? r->message : "", "");
    }
    free(pods);
}

/* The pod left the pending world (bound or deleted): release the info
 * unless a cycle still uses it (then the cycle calls this again). */
void sched_release_info_if_done(sl_scheduler *s, pod_record *rec) {
    if (rec->in_cycle) return;
    if (rec->removed) {
        free_record(s, rec);
        return;
    }
    if (rec->state == SL_POD_SCHEDULED || rec->state == SL_POD_RUNNING) {
        if (rec->assumed && rec->info) {
            /* bound, but the confirming event has not arrived (remote
             * source): the cache still points at our info — keep it. */
            return;
        }
        if (rec->info) {
            sl_pod_info_free(rec->info);
            rec->info = NULL;
            rec->entry.qp.info = NULL;
        }
    }
}

static sl_framework *framework_for(const sl_scheduler *s, const k8s_pod *pod) {
    const char *name = pod->scheduler_name ? pod->scheduler_name : "default-scheduler";
    for (uint32_t i = 0; i < s->nprofiles; i++)
        if (strcmp(s->config->profiles[i].scheduler_name, name) == 0) return s->frameworks[i];
    return NULL;
}

void sched_cluster_changed(sl_scheduler *s, uint32_t event) {
    s->epoch++;
    sl_queue_on_event(s->queue, event, s->now_ns);
}

/* ------------------------------------------------------------------ */
/* Cluster events                                                       */
/* ------------------------------------------------------------------ */

static void on_node(void *user, sl_watch_type type, k8s_node *old, k8s_node *node) {
    sl_scheduler *s = user;
    switch (type) {
    case SL_WATCH_ADDED:
        sl_cache_add_node(s->cache, node);
        sched_cluster_changed(s, SL_EVENT_NODE_ADD);
        break;
    case SL_WATCH_MODIFIED:
        sl_cache_update_node(s->cache, old, node);
        sched_cluster_changed(s, SL_EVENT_NODE_UPDATE);
        break;
    case SL_WATCH_DELETED:
        sl_cache_remove_node(s->cache, node);
        sched_cluster_changed(s, SL_EVENT_NODE_DELETE);
        break;
    }
}

/* Namespace labels feed namespaceSelector. Like upstream (no plugin
 * registers Namespace events), a change requeues nothing by itself. */
static void on_namespace(void *user, sl_watch_type type, k8s_namespace *old, k8s_namespace *ns) {
    sl_scheduler *s = user;
    UNUSED(old);
    if (type == SL_WATCH_DELETED) sl_cache_remove_namespace(s->cache, ns->name);
    else sl_cache_set_namespace(s->cache, ns);
    s->epoch++;
}

/* PDBs and the workloads behind PodTopologySpread's default selector go
 * to the cache; like upstream, their changes requeue nothing by themselves. */
static void on_object(void *user, sl_watch_type type, const sl_object *old, const sl_object *obj) {
    sl_scheduler *s = user;
    UNUSED(old);
    sl_cache_object_kind kind;
    switch (obj->res->id) {
    case SL_RES_PODDISRUPTIONBUDGETS: kind = SL_CACHE_PDB; break;
    case SL_RES_SERVICES: kind = SL_CACHE_SERVICE; break;
    case SL_RES_REPLICATIONCONTROLLERS: kind = SL_CACHE_REPLICATION_CONTROLLER; break;
    case SL_RES_REPLICASETS: kind = SL_CACHE_REPLICA_SET; break;
    case SL_RES_STATEFULSETS: kind = SL_CACHE_STATEFUL_SET; break;
    default: return;
    }
    if (type == SL_WATCH_DELETED) sl_cache_remove_object(s->cache, kind, obj->namespace_, obj->name);
    else sl_cache_set_object(s->cache, kind, obj->json);
    s->epoch++;
}

static bool assigned(const k8s_pod *pod) { return pod->node_name && pod->node_name[0]; }

static bool finished(const k8s_pod *pod) {
    return pod->phase && (strcmp(pod->phase, "Succeeded") == 0 || strcmp(pod->phase, "Failed") == 0);
}

/* Did anything but the status change? (upstream isPodUpdated strips
 * status, resourceVersion, generation, managedFields, finalizers) */
static bool pod_spec_changed(const k8s_pod *old, const k8s_pod *pod) {
    if (!old->raw || !pod->raw) return true;
    if (!json_equal(json_object_get(old->raw, "spec"), json_object_get(pod->raw, "spec")))
        return true;
    json_t *om = json_object_get(old->raw, "metadata"), *nm = json_object_get(pod->raw, "metadata");
    static const char *const keys[] = {"labels", "annotations", "deletionTimestamp"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++)
        if (!json_equal(json_object_get(om, keys[i]), json_object_get(nm, keys[i]))) {
            if (json_object_get(om, keys[i]) || json_object_get(nm, keys[i])) return true;
        }
    return false;
}

static void add_running_pod(sl_scheduler *s, k8s_pod *pod) {
    sl_cache_add_pod(s->cache, sl_pod_info_new(pod));
    pod_record *rec = find_record(s, pod);
    if (!rec) {
        rec = new_record(s, pod);
        rec->state = SL_POD_RUNNING;
    }
    rec->pod = pod;
    free(rec->node);
    rec->node = xstrdup(pod->node_name);
}

static void add_pending_pod(sl_scheduler *s, k8s_pod *pod) {
    pod_record *rec = find_record(s, pod);
    if (rec) return; /* duplicate ADDED: ignore */
    rec = new_record(s, pod);
    sl_framework *fw = framework_for(s, pod);
    rec->state = SL_POD_PENDING;
    if (!fw) return; /* no profile: never attempted (upstream ignores it) */
    rec->info = sl_pod_info_new(pod);
    rec->entry.qp.info = rec->info;
    rec->entry.fw = fw;
    sl_queue_add(s->queue, &rec->entry, s->now_ns);
    /* upstream (moveToActiveQ) records the nomination only when the pod
     * enters activeQ: a gated pod reserves no room on its nominated node. */
    if (rec->entry.where == SL_QUEUE_GATED) rec->state = SL_POD_GATED;
    else if (pod->nominated_node_name && pod->nominated_node_name[0])
        sl_queue_nominate(s->queue, &rec->entry, pod->nominated_node_name);
}

static void on_pod(void *user, sl_watch_type type, k8s_pod *old, k8s_pod *pod) {
    sl_scheduler *s = user;
    if (type == SL_WATCH_ADDED) {
        if (finished(pod)) return;
        if (assigned(pod)) {
            add_running_pod(s, pod);
            sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_ADD);
        } else {
            add_pending_pod(s, pod);
        }
        return;
    }
    pod_record *rec = find_record(s, pod);
    if (type == SL_WATCH_DELETED) {
        if (assigned(pod)) {
            sl_cache_remove_pod(s->cache, pod);
            if (rec) {
                rec->removed = true;
                sched_release_info_if_done(s, rec);
            }
            sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_DELETE);
            return;
        }
        if (!rec) return;
        sl_queue_remove(s->queue, &rec->entry);
        if (rec->info) rec->info->pod = pod; /* the object lives until we return */
        rec->removed = true;
        /* A pod waiting at Permit lets go of its node (upstream
         * RejectWaitingPod on delete). */
        for (size_t i = 0; i < s->waiting.len; i++)
            if (s->waiting.items[i]->rec == rec) sl_waiting_pod_reject(s->waiting.items[i], NULL, "removed");
        if (rec->in_cycle) return;
        free_record(s, rec);
        return;
    }

    /* MODIFIED */
    if (finished(pod)) {
        if (assigned(old)) {
            sl_cache_remove_pod(s->cache, old);
            sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_DELETE);
        }
        if (rec) {
            sl_queue_remove(s->queue, &rec->entry);
            rec->removed = true;
            if (rec->info) rec->info->pod = pod;
            if (!rec->in_cycle) free_record(s, rec);
        }
        return;
    }
    if (assigned(old) && assigned(pod)) {
        sl_cache_update_pod(s->cache, old, pod);
        if (rec) rec->pod = pod;
        sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_UPDATE);
        return;
    }
    if (!assigned(old) && assigned(pod)) {
        /* Bound (by us, from inside the bind call, or by someone else). */
        if (!rec) rec = new_record(s, pod);
        rec->pod = pod;
        if (rec->bind_node && rec->info) {
            if (strcmp(rec->bind_node, pod->node_name) == 0) {
                /* Our bind in flight landed and the watch shows it before
                 * the binder's report: the bind is confirmed. */
                rec->info->pod = pod;
                sched_bind_finished(s, rec, true, NULL);
                rec = find_record(s, pod);
                if (!rec) { /* it was deleted meanwhile (freed with its info) */
                    sl_cache_add_pod(s->cache, sl_pod_info_new(pod));
                    sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_ADD);
                    return;
                }
            } else {
                /* Someone else bound it while our bind is in flight (it
                 * will fail with a conflict): the cache counts the pod
                 * where it is; the record keeps its info for Unreserve. */
                sl_queue_remove(s->queue, &rec->entry);
                sl_cache_add_pod(s->cache, sl_pod_info_new(pod));
                rec->assumed = false;
                rec->state = SL_POD_SCHEDULED;
                free(rec->node);
                rec->node = xstrdup(pod->node_name);
                sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_ADD);
                return;
            }
        }
        sl_queue_remove(s->queue, &rec->entry);
        if (rec->info && rec->assumed) {
            /* Confirms our assumption: the cache takes over the very info
             * it already counts (no second decode of the pod). */
            rec->info->pod = pod;
            sl_cache_add_pod(s->cache, rec->info);
            rec->info = NULL;
        } else {
            if (rec->info) rec->info->pod = pod;
            sl_cache_add_pod(s->cache, sl_pod_info_new(pod));
        }
        rec->assumed = false;
        rec->state = SL_POD_SCHEDULED;
        free(rec->node);
        rec->node = xstrdup(pod->node_name);
        sched_release_info_if_done(s, rec);
        sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_ADD);
        return;
    }
    if (assigned(old) && !assigned(pod)) {
        /* Not something the API allows; treat as delete + add. */
        sl_cache_remove_pod(s->cache, old);
        if (rec && !rec->in_cycle) free_record(s, rec);
        sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_DELETE);
        add_pending_pod(s, pod);
        return;
    }
    /* A pending pod changed. */
    if (!rec) {
        add_pending_pod(s, pod);
        return;
    }
    bool spec_changed = pod_spec_changed(old, pod);
    rec->pod = pod;
    if (!rec->info) return;
    rec->info->pod = pod;
    if (spec_changed && !rec->in_cycle && !rec->assumed) {
        sl_pod_info_free(rec->info);
        rec->info = sl_pod_info_new(pod);
        rec->entry.qp.info = rec->info;
        if (rec->entry.nominated_node) sl_queue_nominate(s->queue, &rec->entry, rec->entry.nominated_node);
    }
    /* upstream UpdateNominatedPod: the nomination follows the pod's status,
     * except that an update with no nominatedNodeName before and after
     * keeps the node the scheduler reserved in memory. */
    bool old_nominated = old->nominated_node_name && old->nominated_node_name[0];
    bool new_nominated = pod->nominated_node_name && pod->nominated_node_name[0];
    if (old_nominated || new_nominated) {
        const char *cur = rec->entry.nominated_node ? rec->entry.nominated_node : "";
        const char *want = new_nominated ? pod->nominated_node_name : "";
        if (strcmp(cur, want) != 0) sl_queue_nominate(s->queue, &rec->entry, want);
    }
    sl_queue_update(s->queue, &rec->entry, spec_changed, s->now_ns);
    if (rec->entry.where == SL_QUEUE_GATED) rec->state = SL_POD_GATED;
    else if (rec->state == SL_POD_GATED) rec->state = SL_POD_PENDING;
}

/* The record of a bind in flight to `node`, or NULL: a result that ends
 * nothing (the watch already showed the pod bound there) is ignored. */
static pod_record *bind_in_flight(sl_scheduler *s, const k8s_pod *pod, const char *node) {
    pod_record *rec = find_record(s, pod);
    if (!rec || !rec->bind_node || strcmp(rec->bind_node, node) != 0) return NULL;
    return rec;
}

/* An asynchronous bind failed (cluster.h on_bind_failed): upstream's
 * binding cycle failing (sched_bind_finished; handleBindingCycleError ->
 * handleSchedulingFailure). A conflict (the pod was deleted, or bound by
 * someone else) forgets the pod and moves on: a deleted pod is not queued
 * again, nor is one the watch shows bound; as upstream, both still get the
 * FailedScheduling event and the PodScheduled=False/SchedulerError status
 * write (which fails with 404 for a deleted pod, and is only logged). */
static void on_bind_failed(void *user, k8s_pod *pod, const char *node, const char *message) {
    sl_scheduler *s = user;
    pod_record *rec = bind_in_flight(s, pod, node);
    if (!rec) {
        log_debug("binding %s/%s to %s failed after the pod was seen bound: %s", pod->namespace_,
                  pod->name, node, message);
        return;
    }
    log_info("binding %s/%s to %s failed: %s", pod->namespace_, pod->name, node, message);
    sched_bind_finished(s, rec, false, message);
}

static void on_bind_succeeded(void *user, k8s_pod *pod, const char *node) {
    sl_scheduler *s = user;
    pod_record *rec = bind_in_flight(s, pod, node);
    if (rec) sched_bind_finished(s, rec, true, NULL);
}

/* ------------------------------------------------------------------ */
/* Framework host callbacks                                             */
/* ------------------------------------------------------------------ */

static sl_status host_bind(void *user, const sl_pod_info *pod, const char *node_name) {
    sl_scheduler *s = user;
    sl_status st = s->cluster->ops->bind(s->cluster, pod->pod, node_name);
    if (st.code == SL_WAIT) { /* queued: the binding cycle ends later */
        s->bind_queued = true;
        return SL_STATUS_SUCCESS;
    }
    return st;
}

static sl_status host_delete_pod(void *user, const sl_pod_info *victim, const char *reason) {
    sl_scheduler *s = user;
    (void)reason;
    return s->cluster->ops->delete_pod(s->cluster, victim->pod);
}

static void host_event(void *user, const sl_pod_info *pod, const char *type, const char *reason,
                       const char *message) {
    sl_scheduler *s = user;
    if (s->cluster->ops->record_event)
        s->cluster->ops->record_event(s->cluster, pod->pod, type, reason, message);
}

static uint32_t host_nominated_pods(void *user, const char *node_name, sl_pod_info ***out) {
    sl_scheduler *s = user;
    return sl_queue_nominated_pods(s->queue, node_name, out);
}

static uint32_t host_nominated_count(void *user) {
    sl_scheduler *s = user;
    return sl_queue_nominated_count(s->queue);
}

static uint32_t host_waiting_pods(void *user, sl_waiting_pod *const **out) {
    sl_scheduler *s = user;
    *out = s->waiting.items;
    return (uint32_t)s->waiting.len;
}

/* ------------------------------------------------------------------ */
/* Cycles                                                               */
/* ------------------------------------------------------------------ */

sl_cycle *sched_take_cycle(sl_scheduler *s) {
    if (s->cycle) {
        sl_cycle *c = s->cycle;
        s->cycle = NULL;
        return c;
    }
    if (s->spare_cycles.len) return s->spare_cycles.items[--s->spare_cycles.len];
    return sl_cycle_new(&s->arenas);
}

void sched_return_cycle(sl_scheduler *s, sl_cycle *c) {
    if (!s->cycle) s->cycle = c;
    else if (s->spare_cycles.len >= 64) sl_cycle_free(c); /* after a burst of binds in flight */
    else VEC_PUSH(&s->spare_cycles, c);
}

/* ------------------------------------------------------------------ */
/* Construction                                                         */
/* ------------------------------------------------------------------ */

static bool sched_extenders_new(sl_scheduler *s, char *err, size_t errsize);

sl_scheduler *sl_scheduler_new(const sl_scheduler_options *opts, char *err, size_t errsize) {
    const sl_config *cfg = opts->config;
    if (!cfg || !opts->registry || !opts->cluster) {
        snprintf(err, errsize, "scheduler: a config, a plugin registry and a cluster are required");
        return NULL;
    }
    if (cfg->nprofiles == 0) {
        snprintf(err, errsize, "scheduler: the configuration has no profiles");
        return NULL;
    }
    sl_scheduler *s = xcalloc(1, sizeof(*s));
    s->config = cfg;
    s->cluster = opts->cluster;
    s->virtual_time = opts->virtual_time;
    s->recorder = opts->recorder;
    s->wall_start_ns = time_now_ns();
    rng_seed(&s->rng, opts->seed);
    strmap_init(&s->pods);

    uint32_t threads = sl_parallel_default_threads(cfg->parallelism);
    if (opts->force_parallel)
        threads = cfg->parallelism < 2 ? 2 : cfg->parallelism > 256 ? 256 : (uint32_t)cfg->parallelism;
    sl_cycle_arenas_init(&s->arenas, threads - 1);
    s->pool = sl_worker_pool_new(threads, &s->arenas);
    sl_worker_pool_force_parallel(s->pool, opts->force_parallel);

    s->host.user = s;
    s->host.bind = host_bind;
    s->host.delete_pod = host_delete_pod;
    s->host.event = host_event;
    s->host.nominated_pods = host_nominated_pods;
    s->host.nominated_count = host_nominated_count;
    s->host.waiting_pods = host_waiting_pods;

    if (!sched_extenders_new(s, err, errsize)) {
        sl_scheduler_free(s);
        return NULL;
    }
    s->nprofiles = cfg->nprofiles;
    s->frameworks = xcalloc(cfg->nprofiles, sizeof(sl_framework *));
    for (uint32_t i = 0; i < cfg->nprofiles; i++) {
        sl_framework_options fo = {
            .profile = &cfg->profiles[i],
            .parallelism = cfg->parallelism,
            .global_percentage_of_nodes_to_score = cfg->percentage_of_nodes_to_score,
            .host = &s->host,
            .recorder = opts->recorder,
            .pool = s->pool,
            .registry = opts->registry,
            .extenders = s->extenders,
            .nextenders = s->nextenders,
        };
        s->frameworks[i] = sl_framework_new(&fo, err, errsize);
        if (!s->frameworks[i]) {
            sl_scheduler_free(s);
            return NULL;
        }
    }

    sl_queue_options qo = {
        .queue_sort = s->frameworks[0],
        .initial_backoff_ns = (cfg->pod_initial_backoff_seconds > 0 ? cfg->pod_initial_backoff_seconds : 1) * NS_PER_SEC,
        .max_backoff_ns = (cfg->pod_max_backoff_seconds > 0 ? cfg->pod_max_backoff_seconds : 10) * NS_PER_SEC,
        .max_unschedulable_ns = MAX_UNSCHEDULABLE_NS,
    };
    s->queue = sl_queue_new(&qo);
    s->cache = sl_cache_new();
    s->snapshot = sl_snapshot_new();
    s->cycle = sl_cycle_new(&s->arenas);

    sl_cluster_handler handler = {
        .user = s, .on_node = on_node, .on_pod = on_pod, .on_namespace = on_namespace,
        .on_bind_failed = on_bind_failed, .on_bind_succeeded = on_bind_succeeded,
        .on_object = on_object};
    s->cluster->ops->subscribe(s->cluster, &handler);
    return s;
}

void sl_scheduler_free(sl_scheduler *s) {
    if (!s) return;
    /* cluster.h has no unsubscribe: the source must deliver no further
     * events once the scheduler is freed (free it first, or not use it). */
    for (size_t i = 0; i < s->waiting.len; i++) {
        waiting_pod *w = s->waiting.items[i];
        sl_cycle_free(w->cycle);
        w->rec->in_cycle = false;
        sched_waiting_pod_free(w);
    }
    VEC_FREE(&s->waiting);
    /* records: collect first, free_record edits the map */
    if (s->queue) {
        VEC(pod_record *) recs = {0};
        size_t pos = 0;
        void *rec;
        while (strmap_next(&s->pods, &pos, NULL, &rec)) VEC_PUSH(&recs, (pod_record *)rec);
        for (size_t i = 0; i < recs.len; i++) {
            recs.items[i]->in_cycle = false;
            free_record(s, recs.items[i]);
        }
        VEC_FREE(&recs);
    }
    strmap_free(&s->pods);
    sl_queue_free(s->queue);
    if (s->snapshot) sl_snapshot_free(s->snapshot);
    if (s->cache) sl_cache_free(s->cache);
    for (uint32_t i = 0; i < s->nprofiles; i++) sl_framework_free(s->frameworks[i]);
    free(s->frameworks);
    for (uint32_t i = 0; i < s->nextenders; i++) sl_extender_free(s->extenders[i]);
    free(s->extenders);
    sl_cycle_free(s->cycle);
    for (size_t i = 0; i < s->spare_cycles.len; i++) sl_cycle_free(s->spare_cycles.items[i]);
    VEC_FREE(&s->spare_cycles);
    sl_worker_pool_free(s->pool);
    sl_cycle_arenas_free(&s->arenas);
    VEC_FREE(&s->latencies);
    VEC_FREE(&s->binding);
    free(s);
}

/* The config's HTTP extenders (src/extender), shared by all profiles. */
static bool sched_extenders_new(sl_scheduler *s, char *err, size_t errsize) {
    const sl_config *cfg = s->config;
    s->extenders = cfg->nextenders ? xcalloc(cfg->nextenders, sizeof(sl_extender *)) : NULL;
    for (uint32_t i = 0; i < cfg->nextenders; i++) {
        s->extenders[i] = sl_extender_new(&cfg->extenders[i], err, errsize);
        if (!s->extenders[i]) return false;
        s->nextenders = i + 1;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* The run loop                                                         */
/* ------------------------------------------------------------------ */

/* Version release (top comment): the snapshot was just updated. */
uint64_t sched_release_versions(sl_scheduler *s, bool idle) {
    const sl_cluster_ops *ops = s->cluster->ops;
    if (!ops->release) return 0;
    uint64_t now = ops->mark(s->cluster), limit = now;
    /* busy: every RELEASE_BATCH events (one lock for many versions) */
    if (!idle && now < s->released_mark + RELEASE_BATCH) return now;
    for (size_t i = 0; i < s->waiting.len; i++) limit = SL_MIN(limit, s->waiting.items[i]->rec->version_mark);
    for (size_t i = 0; i < s->binding.len; i++) limit = SL_MIN(limit, s->binding.items[i]->version_mark);
    if (limit > s->released_mark) {
        ops->release(s->cluster, limit);
        s->released_mark = limit;
    }
    return now;
}

void sched_binding_add(sl_scheduler *s, pod_record *rec) {
    if (rec->binding_slot) return;
    VEC_PUSH(&s->binding, rec);
    rec->binding_slot = s->binding.len;
}

void sched_binding_remove(sl_scheduler *s, pod_record *rec) {
    if (!rec->binding_slot) return;
    pod_record *last = s->binding.items[--s->binding.len];
    s->binding.items[rec->binding_slot - 1] = last;
    last->binding_slot = rec->binding_slot;
    rec->binding_slot = 0;
}

/* Between cycles with nothing to run: release what events delivered since
 * the last cycle superseded (the snapshot still points at the versions of
 * that cycle's start, so it is brought up to date first). */
static void release_idle(sl_scheduler *s) {
    const sl_cluster_ops *ops = s->cluster->ops;
    if (!ops->release || ops->mark(s->cluster) <= s->released_mark) return;
    sl_cache_update_snapshot(s->cache, s->snapshot);
    sched_release_versions(s, true);
}

typedef struct settled_check {
    uint64_t epoch;
} settled_check;

static bool entry_settled(void *user, sl_queue_entry *e) {
    settled_check *chk = user;
    return ((pod_record *)e)->attempt_epoch == chk->epoch && e->qp.attempts > 0;
}

static bool quiescent(sl_scheduler *s) {
    sl_queue_counts counts;
    sl_queue_counts_get(s->queue, &counts);
    if (counts.active || s->waiting.len) return false;
    settled_check chk = {s->epoch};
    return sl_queue_visit_waiting(s->queue, entry_settled, &chk);
}

static int64_t next_tick(int64_t t, int64_t period, bool strictly_after, int64_t after) {
    /* smallest multiple of period that is >= t (and > after when asked) */
    int64_t k = t <= 0 ? 0 : (t + period - 1) / period;
    int64_t tick = k * period;
    if (strictly_after && tick <= after) tick = (after / period + 1) * period;
    return tick;
}

static void advance_clock(sl_scheduler *s, int64_t t) {
    if (t <= s->now_ns) return;
    if (!s->virtual_time) {
        int64_t target = s->wall_start_ns + t;
        int64_t now = time_now_ns();
        if (target > now) {
            struct timespec ts = {(time_t)((target - now) / NS_PER_SEC),
                                  (long)((target - now) % NS_PER_SEC)};
            nanosleep(&ts, NULL);
        }
    }
    s->now_ns = t;
}

uint64_t sl_scheduler_run_until_quiescent(sl_scheduler *s) {
    uint64_t start_attempts = s->attempts;
    for (;;) {
        sched_expire_waiting(s);
        sl_queue_flush_backoff(s->queue, s->now_ns);
        sl_queue_entry *e = sl_queue_pop(s->queue);
        if (e) {
            sched_schedule_one(s, (pod_record *)e);
            continue;
        }
        release_idle(s);
        if (quiescent(s)) break;

        /* Nothing to do now: find the next moment something can happen. */
        int64_t next = INT64_MAX;
        int64_t backoff = sl_queue_next_backoff_expiry(s->queue);
        if (backoff != INT64_MAX)
            next = SL_MIN(next, next_tick(backoff, BACKOFF_FLUSH_PERIOD_NS, true, s->now_ns));
        int64_t timeout = sl_queue_next_unschedulable_timeout(s->queue);
        bool flush_unschedulable = false;
        if (timeout != INT64_MAX) {
            /* the first 30 s tick at which the pod is strictly older than 5 min */
            int64_t tick = next_tick(timeout + 1, UNSCHEDULABLE_FLUSH_PERIOD_NS, true, s->now_ns);
            if (tick <= next) {
                flush_unschedulable = true;
                next = tick;
            }
        }
        for (size_t i = 0; i < s->waiting.len; i++)
            next = SL_MIN(next, s->waiting.items[i]->deadline_ns);
        if (next == INT64_MAX) break;
        /* Progress guard (virtual time only). The epoch rule above ends
         * every run made of default plugins, but a plugin can keep pods
         * cycling without ever placing one — e.g. a gang at Permit that
         * never completes: each timeout frees a node (a new epoch), so the
         * pods look due for another try forever. Upstream would retry
         * forever too; a headless run must end, so after an hour of
         * virtual time without a single bind the run stops and says so. */
        if (s->virtual_time && next - s->last_bind_ns > QUIESCENCE_HORIZON_NS) {
            /* Pods still parked at Permit run into their deadlines first,
             * so they end as Unschedulable with the timeout message. */
            int64_t last_deadline = s->now_ns;
            for (size_t i = 0; i < s->waiting.len; i++)
                last_deadline = SL_MAX(last_deadline, s->waiting.items[i]->deadline_ns);
            if (s->waiting.len) {
                advance_clock(s, last_deadline);
                sched_expire_waiting(s);
            }
            log_warn("no pod was bound in %lld s of virtual time although pods keep being "
                     "retried; stopping the run (a plugin keeps them cycling, e.g. a Permit "
                     "wait that never completes)",
                     (long long)(QUIESCENCE_HORIZON_NS / NS_PER_SEC));
            break;
        }
        advance_clock(s, next);
        if (flush_unschedulable) sl_queue_flush_unschedulable(s->queue, s->now_ns);
    }
    return s->attempts - start_attempts;
}

/* The long-running loop (scheduler.h). Same queueing rules as the
 * quiescent run; time is the clock's, and an empty queue sleeps on the
 * clock until the next tick or deadline or an informer's wake-up. */
uint64_t sl_scheduler_run(sl_scheduler *s, sl_clock *clock, volatile int *stop) {
    uint64_t start_attempts = s->attempts;
    int64_t next_unschedulable_flush = 0;
    while (!*stop) {
        if (s->cluster->ops->dispatch) s->cluster->ops->dispatch(s->cluster);
        sl_clock_run_due(clock);
        int64_t now = sl_clock_now_ns(clock);
        if (now > s->now_ns) s->now_ns = now;
        sched_expire_waiting(s);
        sl_queue_flush_backoff(s->queue, s->now_ns);
        if (s->now_ns >= next_unschedulable_flush) {
            sl_queue_flush_unschedulable(s->queue, s->now_ns);
            next_unschedulable_flush = s->now_ns + UNSCHEDULABLE_FLUSH_PERIOD_NS;
        }
        sl_queue_entry *e = sl_queue_pop(s->queue);
        if (e) {
            sched_schedule_one(s, (pod_record *)e);
            continue;
        }
        release_idle(s);
        int64_t next = s->now_ns + 100 * 1000000LL;
        int64_t backoff = sl_queue_next_backoff_expiry(s->queue);
        if (backoff != INT64_MAX) next = SL_MIN(next, SL_MAX(backoff, s->now_ns));
        next = SL_MIN(next, next_unschedulable_flush);
        for (size_t i = 0; i < s->waiting.len; i++) next = SL_MIN(next, s->waiting.items[i]->deadline_ns);
        if (next > s->now_ns) sl_clock_wait_until(clock, next);
    }
    return s->attempts - start_attempts;
}

void sl_scheduler_pending_counts(const sl_scheduler *s, uint32_t *active, uint32_t *backoff,
                                 uint32_t *unschedulable, uint32_t *gated) {
    sl_queue_counts counts;
    sl_queue_counts_get(s->queue, &counts);
    *active = counts.active;
    *backoff = counts.backoff;
    *unschedulable = counts.unschedulable;
    *gated = counts.gated;
}

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

bool sl_scheduler_pod_result(const sl_scheduler *s, const k8s_pod *pod, sl_pod_result *out) {
    pod_record *rec = find_record(s, pod);
    if (!rec) return false;
    out->state = rec->state;
    out->node = (rec->state == SL_POD_SCHEDULED || rec->state == SL_POD_RUNNING) ? rec->node : NULL;
    out->message = rec->message ? rec->message : "";
    out->attempts = rec->entry.qp.attempts;
    out->nominated_node = rec->entry.nominated_node;
    return true;
}

uint32_t sl_scheduler_extenders(const sl_scheduler *s, sl_extender *const **out) {
    *out = s->extenders;
    return s->nextenders;
}

void sl_scheduler_attempt_latencies(const sl_scheduler *s, const int64_t **ns, size_t *n) {
    *ns = s->latencies.items;
    *n = s->latencies.len;
}

uint32_t sl_scheduler_plugins_named(sl_scheduler *s, const char *name, sl_plugin **out, uint32_t max) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nprofiles; i++) {
        sl_plugin *p = sl_framework_plugin_named(s->frameworks[i], name);
        if (p && n < max) out[n] = p;
        if (p) n++;
    }
    return n;
}
