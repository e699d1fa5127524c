/*
 * queue.h — the scheduling queue (upstream's PriorityQueue):
 * activeQ, backoffQ, the unschedulable pool (with gated pods) and the
 * nominator. Internal to src/scheduler.
 *
 * The queue does not own pods: the scheduler embeds an sl_queue_entry in
 * its per-pod record and passes pointers in. The queue never allocates per
 * entry; it moves entries between an activeQ heap (QueueSort less, FIFO on
 * ties), a backoff heap (expiry, FIFO on ties) and an intrusive list (the
 * unschedulable pool).
 *
 * Time is whatever the caller says `now` is: wall-clock or virtual.
 *
 * Requeueing (upstream's requeue on cluster events, without QueueingHint
 * functions). A failed pod records the
 * cluster events that could make it schedulable: the union of the events
 * registered by the plugins that rejected it (sl_framework_plugin_events,
 * SL_EVENT_* in framework_internal.h). A
 * cluster event moves exactly the unschedulable pods whose mask it hits —
 * upstream's EventsToRegister without QueueingHint functions. Events that
 * arrive while a pod is in flight are remembered and checked when it fails,
 * so a preemptor whose victims were deleted during its own cycle goes to
 * backoffQ rather than waiting for the next flush.
 */
#ifndef SCHEDLAB_QUEUE_H
#define SCHEDLAB_QUEUE_H

#include "scheduler/framework_internal.h"
#include "base/strmap.h"

typedef enum sl_queue_where {
    SL_QUEUE_NONE = 0,            /* not queued (new, bound, deleted) */
    SL_QUEUE_ACTIVE,
    SL_QUEUE_BACKOFF,
    SL_QUEUE_UNSCHEDULABLE,
    SL_QUEUE_GATED,               /* in the unschedulable pool, PreEnqueue rejected */
    SL_QUEUE_IN_FLIGHT,           /* popped, being scheduled (or waiting on Permit) */
} sl_queue_where;

typedef struct sl_queue_entry {
    sl_queued_pod qp;             /* what QueueSort sees: info, timestamp, attempts */
    sl_framework *fw;             /* the pod's profile */
    sl_queue_where where;
    uint32_t heap_index;
    uint64_t seq;                 /* arrival order, ties in both heaps */
    int64_t backoff_expiry_ns;
    uint32_t requeue_events;      /* events that may help (from the rejectors) */
    uint32_t in_flight_events;    /* events seen while in flight */
    bool pending;                 /* rejected with Pending: no backoff on requeue */
    const char *gated_by;         /* PreEnqueue plugin that gated it */
    sl_status gate_status;
    uint32_t gate_events;         /* that plugin's events (SL_EVENT_*) */
    struct sl_queue_entry *prev, *next; /* unschedulable pool / in-flight list */
    char *nominated_node;         /* nominator's record, NULL = none */
} sl_queue_entry;

typedef struct sl_queue sl_queue;

typedef struct sl_queue_options {
    sl_framework *queue_sort;     /* framework whose QueueSort orders activeQ */
    int64_t initial_backoff_ns;
    int64_t max_backoff_ns;
    int64_t max_unschedulable_ns; /* 5 min */
} sl_queue_options;

sl_queue *sl_queue_new(const sl_queue_options *opts);
void sl_queue_free(sl_queue *q);  /* entries are the caller's */

/* A new pending pod: PreEnqueue (e->fw), then activeQ or gated. */
void sl_queue_add(sl_queue *q, sl_queue_entry *e, int64_t now);
/* The pod object changed. Gated pods re-run PreEnqueue; a spec change of an
 * unschedulable pod moves it (its own update event). */
void sl_queue_update(sl_queue *q, sl_queue_entry *e, bool spec_changed, int64_t now);
/* Takes the entry out of whatever it is in (bound, deleted). */
void sl_queue_remove(sl_queue *q, sl_queue_entry *e);

/* Highest-priority active pod, NULL when activeQ is empty. It becomes
 * in flight and its attempts count goes up. */
sl_queue_entry *sl_queue_pop(sl_queue *q);

typedef enum sl_failure_kind {
    SL_FAILURE_ERROR,             /* backoff, no rejector plugins */
    SL_FAILURE_UNSCHEDULABLE,     /* rejected by plugins (events mask) */
    SL_FAILURE_PENDING,           /* rejected with Pending */
} sl_failure_kind;

/* An attempt failed: back to backoffQ / activeQ / the unschedulable pool
 * (upstream AddUnschedulableIfNotPresent). `events` = union of the
 * rejector plugins' events (0 = none recorded: treated like an error). */
void sl_queue_requeue(sl_queue *q, sl_queue_entry *e, sl_failure_kind kind, uint32_t events,
                      int64_t now);
/* The pod left the in-flight state without a requeue (bound). */
void sl_queue_done(sl_queue *q, sl_queue_entry *e);

/* A cluster event: moves matching unschedulable pods; notes it on in-flight
 * pods. Returns how many pods moved. */
uint32_t sl_queue_on_event(sl_queue *q, uint32_t event, int64_t now);
/* backoffQ pods whose backoff expired by `now` move to activeQ. */
uint32_t sl_queue_flush_backoff(sl_queue *q, int64_t now);
/* Unschedulable pods older than the max duration move (UnschedulableTimeout). */
uint32_t sl_queue_flush_unschedulable(sl_queue *q, int64_t now);

/* Earliest backoff expiry / unschedulable timeout; INT64_MAX when none. */
int64_t sl_queue_next_backoff_expiry(const sl_queue *q);
int64_t sl_queue_next_unschedulable_timeout(const sl_queue *q);

typedef struct sl_queue_counts {
    uint32_t active, backoff, unschedulable, gated, in_flight;
} sl_queue_counts;
void sl_queue_counts_get(const sl_queue *q, sl_queue_counts *out);

/* Iteration over backoffQ and the (non-gated) unschedulable pool, for the
 * scheduler's quiescence test. Return false from fn to stop. */
typedef bool (*sl_queue_visit_fn)(void *user, sl_queue_entry *e);
bool sl_queue_visit_waiting(const sl_queue *q, sl_queue_visit_fn fn, void *user);

/* Backoff duration for a number of attempts: initial * 2^(attempts-1),
 * capped at max; 0 for 0 attempts. */
int64_t sl_queue_backoff_duration(const sl_queue *q, uint32_t attempts);

/* ---- nominator ---- */
/* Records (node != NULL/"") or clears the pod's nominated node. */
void sl_queue_nominate(sl_queue *q, sl_queue_entry *e, const char *node_name);
uint32_t sl_queue_nominated_pods(sl_queue *q, const char *node_name, sl_pod_info ***out);
uint32_t sl_queue_nominated_count(const sl_queue *q);

#endif
