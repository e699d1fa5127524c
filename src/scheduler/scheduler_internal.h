/*
 * scheduler_internal.h — what scheduler.c (wiring, events, the run loop)
 * and schedule_one.c (one pod's scheduling and binding cycle) share.
 * Internal to src/scheduler.
 */
#ifndef SCHEDLAB_SCHEDULER_INTERNAL_H
#define SCHEDLAB_SCHEDULER_INTERNAL_H

#include "scheduler/cache.h"
#include "scheduler/framework_internal.h"
#include "scheduler/parallel.h"
#include "scheduler/queue.h"
#include "scheduler/scheduler.h"
#include "scheduler/waiting_pods.h"
#include "base/strmap.h"

/* Everything the scheduler knows about one pod. The queue entry comes
 * first so a queue pointer converts back with a cast. */
typedef struct pod_record {
    sl_queue_entry entry;
    char *key;                    /* "uid:UID" ("namespace/name" without a uid) */
    k8s_pod *pod;                 /* the current object (the cluster's) */
    sl_pod_info *info;            /* owned while the pod is pending, else NULL */
    sl_pod_state state;
    char *node;                   /* scheduled or running node */
    char *message;                /* last failure message ("" none) */
    uint64_t attempt_epoch;       /* cluster epoch at the start of the last attempt */
    uint64_t version_mark;        /* cluster mark at the start of the last attempt */
    size_t binding_slot;          /* 1 + index in sl_scheduler.binding, 0 = not there */
    bool in_cycle;                /* a cycle (or a Permit wait) holds the info */
    bool assumed;                 /* assumed in the cache */
    bool removed;                 /* deleted or bound while in a cycle */
    /* A bind in flight (an asynchronous source took it, cluster.h): the
     * binding cycle ends when the source reports the result (or the watch
     * shows the pod on bind_node). in_cycle stays set meanwhile; the cycle
     * is kept only when plugins need it afterwards (Unreserve, PostBind). */
    char *bind_node;
    sl_cycle *bind_cycle;
    int64_t bind_start_ns;
} pod_record;

struct sl_scheduler {
    const sl_config *config;
    sl_cluster *cluster;
    bool virtual_time;
    const sl_recorder *recorder;
    int64_t last_bind_ns;         /* clock at the last successful bind (progress guard) */
    bool bind_queued;             /* the cluster queued the bind just asked (SL_WAIT) */

    uint32_t nextenders;
    sl_extender **extenders;      /* the config's extenders, shared by every profile */
    uint32_t nprofiles;
    sl_framework **frameworks;    /* one per config profile, same order */
    sl_framework_host host;

    sl_cache *cache;
    sl_snapshot *snapshot;
    sl_queue *queue;
    sl_cycle_arenas arenas;
    sl_worker_pool *pool;
    sl_cycle *cycle;              /* reused by every cycle that does not wait */
    VEC(sl_cycle *) spare_cycles;
    VEC(waiting_pod *) waiting;
    rng rng;

    strmap pods;                  /* key -> pod_record */
    uint32_t next_start_node_index;

    int64_t now_ns;               /* scheduler clock (virtual, or since start) */
    int64_t wall_start_ns;
    uint64_t epoch;               /* bumped by every cluster change */
    uint64_t released_mark;       /* last mark passed to the cluster's release */
    /* Records whose bind is in flight (rec->bind_node): their binding
     * cycle spans loop iterations, as a Permit wait (version release). */
    VEC(pod_record *) binding;
    uint64_t attempts;
    VEC(int64_t) latencies;
};

/* schedule_one.c */
void sched_schedule_one(sl_scheduler *s, pod_record *rec);
/* A bind in flight (rec->bind_node) ended: success runs PostBind and
 * records Scheduled; failure is upstream's handleBindingCycleError
 * (Unreserve in reverse order, forget, requeue, FailedScheduling and
 * PodScheduled=False/SchedulerError) with the source's message. */
void sched_bind_finished(sl_scheduler *s, pod_record *rec, bool ok, const char *message);
/* Acts on waiting pods that were allowed or rejected, or whose deadline
 * passed, in the order they started waiting (until none is left). */
void sched_expire_waiting(sl_scheduler *s);

/* scheduler.c helpers used by schedule_one.c */
void sched_cluster_changed(sl_scheduler *s, uint32_t event);
void sched_release_info_if_done(sl_scheduler *s, pod_record *rec);
/* After a preemption nominated `preemptor` to node_name: pods of lower
 * priority nominated to the same node lose their nomination (upstream
 * prepareCandidate / clearNominatedNodeName), in the queue and in the
 * cluster's pod status. */
void sched_clear_lower_nominations(sl_scheduler *s, const char *node_name, pod_record *preemptor);
/* Version release (scheduler.c): call right after the snapshot was
 * updated, with no cycle running but those held across iterations (Permit
 * waits, binds in flight). Releases when idle, else once RELEASE_BATCH
 * events have come since the last release. Returns the cluster's mark of
 * now (0 without release). */
uint64_t sched_release_versions(sl_scheduler *s, bool idle);
/* A bind went in flight / ended (the record joins / leaves `binding`). */
void sched_binding_add(sl_scheduler *s, pod_record *rec);
void sched_binding_remove(sl_scheduler *s, pod_record *rec);
sl_cycle *sched_take_cycle(sl_scheduler *s);
void sched_return_cycle(sl_scheduler *s, sl_cycle *c);

#endif
