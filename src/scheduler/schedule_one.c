/*
 * schedule_one.c — one pod's way through the scheduler: the scheduling
 * cycle (snapshot, PreFilter, nominated-node fast path, Filter over nodes,
 * PostFilter, PreScore/Score, host selection, assume, Reserve, Permit) and
 * the binding cycle (PreBind, Bind, PostBind), with upstream's failure
 * handling (schedule_one.go).
 *
 * Filter and the early stop. Upstream evaluates nodes in parallel from
 * nextStartNodeIndex and cancels once numFeasibleNodesToFind nodes passed;
 * which nodes were evaluated then depends on goroutine timing. schedlab
 * makes it deterministic: the result is exactly what a sequential scan
 * (upstream with parallelism 1) gives — nodes are examined in order, the
 * first k feasible ones are kept, failures are recorded up to the point
 * where the (k+1)-th feasible node would have been found, and
 * nextStartNodeIndex advances by feasible + recorded failures. The workers
 * claim chunks in increasing order (parallel.h), count feasible nodes per
 * chunk and stop claiming once more than k have been found; the finished
 * chunks are then a prefix that contains the sequential cut, and one pass
 * over it on the scheduling thread rebuilds the sequential result. The
 * price is at most one chunk per worker of wasted Filter calls.
 *
 * Host selection is upstream v1.30's selectHost: the highest total wins,
 * ties broken uniformly at random by reservoir sampling, with the
 * scheduler's seeded rng, over the feasible nodes in evaluation order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/scheduler_internal.h"

#define MIN_FEASIBLE_NODES_TO_FIND 100
#define MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND 5
#define NOTE_LENGTH_LIMIT 1024

/* Why an attempt failed (upstream Diagnosis) and what to do about it. */
typedef struct attempt {
    sl_node_status_map *statuses;
    uint32_t events;              /* union of the rejecting plugins' events */
    bool pending;                 /* some plugin returned Pending */
    bool fit_error;               /* message is a FitError */
    const char *prefilter_msg;
    const char *postfilter_msg;
    uint32_t num_all_nodes;
    const char *message;          /* the failure message */
    /* nominatedNodeName to write: set_nomination false = leave as is */
    bool set_nomination;
    const char *nomination;
    /* success */
    const char *host;
    uint32_t evaluated, feasible;
} attempt;

/* ------------------------------------------------------------------ */
/* Diagnosis helpers                                                    */
/* ------------------------------------------------------------------ */

static uint32_t plugin_events(const char *plugin) {
    /* One-entry memo: failures come in runs from the same plugin. */
    static _Thread_local const char *last_name;
    static _Thread_local uint32_t last_events;
    if (plugin == last_name && plugin) return last_events;
    uint32_t ev = sl_queue_plugin_events(plugin);
    last_name = plugin;
    last_events = ev;
    return ev;
}

static void diagnosis_add(attempt *a, sl_status st) {
    if (!st.plugin) return;
    if (sl_status_is_rejected(st)) a->events |= plugin_events(st.plugin);
    if (st.code == SL_PENDING) a->pending = true;
}

typedef struct reason_count {
    const char *reason;
    uint32_t count;
} reason_count;

typedef struct histogram {
    reason_count *slots;
    uint32_t cap, n;
} histogram;

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void histogram_add(sl_cycle *c, histogram *h, const char *reason, size_t len,
                          uint32_t count) {
    if ((h->n + 1) * 2 > h->cap) {
        uint32_t ncap = h->cap ? h->cap * 2 : 64;
        reason_count *ns = sl_cycle_alloc(c, ncap * sizeof(*ns));
        memset(ns, 0, ncap * sizeof(*ns));
        for (uint32_t i = 0; i < h->cap; i++) {
            if (!h->slots[i].reason) continue;
            uint64_t hh = hash_bytes(h->slots[i].reason, strlen(h->slots[i].reason));
            uint32_t j = (uint32_t)(hh & (ncap - 1));
            while (ns[j].reason) j = (j + 1) & (ncap - 1);
            ns[j] = h->slots[i];
        }
        h->slots = ns;
        h->cap = ncap;
    }
    uint32_t j = (uint32_t)(hash_bytes(reason, len) & (h->cap - 1));
    while (h->slots[j].reason) {
        if (strncmp(h->slots[j].reason, reason, len) == 0 && h->slots[j].reason[len] == 0) {
            h->slots[j].count += count;
            return;
        }
        j = (j + 1) & (h->cap - 1);
    }
    h->slots[j].reason = arena_strndup_cycle(c, reason, len);
    h->slots[j].count = count;
    h->n++;
}
