/*
 * waiting_pods.h — pods parked at Permit with Wait (framework.h's
 * sl_waiting_pod, upstream's waitingPod): each holds its node (assumed in
 * the cache, Reserve done) until every plugin that asked it to wait allows
 * it, one rejects it, or the first pending deadline passes. Plugins only
 * record decisions here (allow/reject); the scheduling loop acts on them
 * (schedule_one.c, sched_expire_waiting). Internal to src/scheduler: above
 * the framework (it answers the framework's waiting-pod calls through the
 * host's waiting_pods callback), below the loop that owns the list.
 */
#ifndef SCHEDLAB_WAITING_PODS_H
#define SCHEDLAB_WAITING_PODS_H

#include "scheduler/framework_internal.h"

typedef enum waiting_decision {
    WAITING_UNDECIDED = 0,
    WAITING_ALLOWED,
    WAITING_REJECTED,
} waiting_decision;

typedef struct waiting_plugin {
    const char *name;             /* the framework's plugin name */
    int64_t timeout_ms;           /* capped at 15 min */
    int64_t deadline_ns;
} waiting_plugin;

struct pod_record;                /* the scheduler's, opaque here */

typedef struct sl_waiting_pod waiting_pod;
struct sl_waiting_pod {
    struct pod_record *rec;
    sl_pod_info *const *info;     /* rec's info slot, read when asked */
    sl_framework *fw;
    sl_cycle *cycle;
    char *node;
    /* Plugins that returned Wait and have not allowed yet, Permit order;
     * `pending_names` mirrors their names for sl_waiting_pod_pending_plugins. */
    uint32_t npending;
    waiting_plugin pending[SL_MAX_PLUGINS];
    const char *pending_names[SL_MAX_PLUGINS];
    /* The earliest pending deadline and its plugin (timeout message). */
    const char *plugin;
    int64_t timeout_ms;
    int64_t deadline_ns;
    waiting_decision decision;
    char *reject_plugin;          /* NULL = none */
    char *reject_message;
    int64_t attempt_start_ns;     /* wall clock, for the latency */
};

/* A pod that starts waiting at `now_ns` for the plugins of waits[] (Permit
 * order; `wait_plugin`/`timeout_ms` = the earliest deadline's, as
 * sl_framework_run_permit_waits reported them). */
waiting_pod *sched_waiting_pod_new(struct pod_record *rec, sl_pod_info *const *info,
                                   sl_framework *fw, sl_cycle *c, const char *node,
                                   const sl_permit_wait *waits, uint32_t nwaits,
                                   const char *wait_plugin, int64_t timeout_ms, int64_t now_ns,
                                   int64_t attempt_start_ns);
/* Frees a waiting pod (not its cycle, not its record). */
void sched_waiting_pod_free(waiting_pod *w);

#endif
