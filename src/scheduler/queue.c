/*
 * queue.c — the scheduling queue: activeQ, backoffQ, the unschedulable pool
 * and the nominator (see queue.h for the model and what "requeue" means).
 *
 * Structures, and why:
 *   - activeQ and backoffQ are binary heaps of entry pointers, each entry
 *     remembering its heap slot so removal is O(log n). activeQ orders by
 *     the QueueSort plugin; when the plugin sees two pods as equal (same
 *     priority and the same timestamp — common in virtual time, where many
 *     pods arrive at the same instant) the arrival sequence decides, which
 *     gives the FIFO order a real clock would.
 *   - The unschedulable pool is an intrusive doubly linked list: moving all
 *     pods on an event is a walk over it anyway, and insert/remove are O(1).
 *     Gated pods live in it too (upstream counts them apart as "gated").
 *   - The nominator maps node name -> array of pod infos, so Filter can ask
 *     "who is nominated here" with one hash lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "scheduler/queue.h"

typedef struct entry_heap {
    sl_queue_entry **items;
    uint32_t len, cap;
} entry_heap;

typedef struct nominated_list {
    uint32_t n, cap;
    sl_pod_info **pods;
    sl_queue_entry **entries;
} nominated_list;

struct sl_queue {
    sl_queue_options opts;
    entry_heap active, backoff;
    sl_queue_entry pool;          /* sentinel of the unschedulable + gated list */
    sl_queue_entry flying;        /* sentinel of the in-flight list */
    uint32_t nunschedulable, ngated, nin_flight;
    uint64_t next_seq;
    strmap nominated;             /* node name -> nominated_list* */
    uint32_t nnominated;
};

/* ------------------------------------------------------------------ */
/* Heaps                                                                */
/* ------------------------------------------------------------------ */

static bool active_before(const sl_queue *q, const sl_queue_entry *a, const sl_queue_entry *b) {
    if (sl_framework_less(q->opts.queue_sort, &a->qp, &b->qp)) return true;
    if (sl_framework_less(q->opts.queue_sort, &b->qp, &a->qp)) return false;
    return a->seq < b->seq;
}

static bool backoff_before(const sl_queue *q, const sl_queue_entry *a, const sl_queue_entry *b) {
    (void)q;
    if (a->backoff_expiry_ns != b->backoff_expiry_ns)
        return a->backoff_expiry_ns < b->backoff_expiry_ns;
    return a->seq < b->seq;
}

typedef bool (*before_fn)(const sl_queue *, const sl_queue_entry *, const sl_queue_entry *);

static void heap_set(entry_heap *h, uint32_t i, sl_queue_entry *e) {
    h->items[i] = e;
    e->heap_index = i;
}

static void heap_up(const sl_queue *q, entry_heap *h, uint32_t i, before_fn before) {
    sl_queue_entry *e = h->items[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(q, e, h->items[parent])) break;
        heap_set(h, i, h->items[parent]);
        i = parent;
    }
    heap_set(h, i, e);
}

static void heap_down(const sl_queue *q, entry_heap *h, uint32_t i, before_fn before) {
    sl_queue_entry *e = h->items[i];
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, best = i;
        sl_queue_entry *best_e = e;
        if (l < h->len && before(q, h->items[l], best_e)) {
            best = l;
            best_e = h->items[l];
        }
        if (r < h->len && before(q, h->items[r], best_e)) {
            best = r;
            best_e = h->items[r];
        }
        if (best == i) break;
        heap_set(h, i, best_e);
        i = best;
    }
    heap_set(h, i, e);
}

static void heap_push(const sl_queue *q, entry_heap *h, sl_queue_entry *e, before_fn before) {
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->items = xrealloc(h->items, h->cap * sizeof(*h->items));
    }
    heap_set(h, h->len++, e);
    heap_up(q, h, h->len - 1, before);
}

/* Removal moves the hole down to a leaf along the better children (one
 * comparison per level instead of two), then lets the last element rise
 * from there: QueueSort's less is an indirect call, so comparisons are
 * what a pop costs. */
static void heap_remove(const sl_queue *q, entry_heap *h, sl_queue_entry *e, before_fn before) {
    uint32_t i = e->heap_index;
    h->len--;
    if (i == h->len) return;
    sl_queue_entry *last = h->items[h->len];
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= h->len) break;
        if (child + 1 < h->len && before(q, h->items[child + 1], h->items[child])) child++;
        heap_set(h, i, h->items[child]);
        i = child;
    }
    heap_set(h, i, last);
    heap_up(q, h, i, before);
}

/* ------------------------------------------------------------------ */
/* Lists                                                                */
/* ------------------------------------------------------------------ */

static void list_init(sl_queue_entry *sentinel) { sentinel->prev = sentinel->next = sentinel; }

static void list_append(sl_queue_entry *sentinel, sl_queue_entry *e) {
    e->prev = sentinel->prev;
    e->next = sentinel;
    sentinel->prev->next = e;
    sentinel->prev = e;
}

static void list_unlink(sl_queue_entry *e) {
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

/* ------------------------------------------------------------------ */
/* Moving entries                                                       */
/* ------------------------------------------------------------------ */

static void detach(sl_queue *q, sl_queue_entry *e) {
    switch (e->where) {
    case SL_QUEUE_ACTIVE: heap_remove(q, &q->active, e, active_before); break;
    case SL_QUEUE_BACKOFF: heap_remove(q, &q->backoff, e, backoff_before); break;
    case SL_QUEUE_UNSCHEDULABLE:
        list_unlink(e);
        q->nunschedulable--;
        break;
    case SL_QUEUE_GATED:
        list_unlink(e);
        q->ngated--;
        break;
    case SL_QUEUE_IN_FLIGHT:
        list_unlink(e);
        q->nin_flight--;
        break;
    case SL_QUEUE_NONE: break;
    }
    e->where = SL_QUEUE_NONE;
}

static void to_backoff(sl_queue *q, sl_queue_entry *e) {
    detach(q, e);
    e->where = SL_QUEUE_BACKOFF;
    heap_push(q, &q->backoff, e, backoff_before);
}

static void to_unschedulable(sl_queue *q, sl_queue_entry *e) {
    detach(q, e);
    e->where = SL_QUEUE_UNSCHEDULABLE;
    list_append(&q->pool, e);
    q->nunschedulable++;
}

/* upstream addToActiveQ: PreEnqueue first; a rejection parks it as gated. */
static void to_active_or_gated(sl_queue *q, sl_queue_entry *e, int64_t now) {
    detach(q, e);
    sl_status s = sl_framework_run_pre_enqueue(e->fw, e->qp.info);
    if (s.code != SL_SUCCESS) {
        e->gated_by = s.plugin;
        e->gate_status = s;
        e->gate_events = sl_framework_plugin_events(e->fw, s.plugin);
        e->where = SL_QUEUE_GATED;
        list_append(&q->pool, e);
        q->ngated++;
        return;
    }
    e->gated_by = NULL;
    if (e->qp.initial_attempt_ns == 0) e->qp.initial_attempt_ns = now ? now : 1;
    e->where = SL_QUEUE_ACTIVE;
    heap_push(q, &q->active, e, active_before);
}

int64_t sl_queue_backoff_duration(const sl_queue *q, uint32_t attempts) {
    if (attempts == 0) return 0;
    int64_t d = q->opts.initial_backoff_ns;
    for (uint32_t i = 1; i < attempts; i++) {
        if (d >= q->opts.max_backoff_ns) break;
        d *= 2;
    }
    return d > q->opts.max_backoff_ns ? q->opts.max_backoff_ns : d;
}

/* upstream requeuePodViaQueueingHint for a pod worth requeueing. */
static void requeue_now(sl_queue *q, sl_queue_entry *e, int64_t now) {
    if (e->pending) {
        e->pending = false;
        to_active_or_gated(q, e, now);
        return;
    }
    if (e->backoff_expiry_ns > now)
        to_backoff(q, e);
    else
        to_active_or_gated(q, e, now);
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

sl_queue *sl_queue_new(const sl_queue_options *opts) {
    sl_queue *q = xcalloc(1, sizeof(*q));
    q->opts = *opts;
    if (q->opts.initial_backoff_ns <= 0) q->opts.initial_backoff_ns = 1000000000LL;
    if (q->opts.max_backoff_ns < q->opts.initial_backoff_ns)
        q->opts.max_backoff_ns = q->opts.initial_backoff_ns;
    if (q->opts.max_unschedulable_ns <= 0) q->opts.max_unschedulable_ns = 5 * 60 * 1000000000LL;
    list_init(&q->pool);
    list_init(&q->flying);
    strmap_init(&q->nominated);
    return q;
}

void sl_queue_free(sl_queue *q) {
    if (!q) return;
    free(q->active.items);
    free(q->backoff.items);
    size_t pos = 0;
    void *value;
    while (strmap_next(&q->nominated, &pos, NULL, &value)) {
        nominated_list *l = value;
        free(l->pods);
        free(l->entries);
        free(l);
    }
    strmap_free(&q->nominated);
    free(q);
}

void sl_queue_add(sl_queue *q, sl_queue_entry *e, int64_t now) {
    e->qp.timestamp_ns = now;
    e->seq = ++q->next_seq;
    e->backoff_expiry_ns = now;
    to_active_or_gated(q, e, now);
}

void sl_queue_update(sl_queue *q, sl_queue_entry *e, bool spec_changed, int64_t now) {
    switch (e->where) {
    case SL_QUEUE_GATED:
        /* Only the gated pod's own update can lift its gate. */
        to_active_or_gated(q, e, now);
        break;
    case SL_QUEUE_UNSCHEDULABLE:
        /* upstream (without hints): any spec update of an unschedulable
         * pod moves it, to backoffQ if still backing off. */
        if (spec_changed) requeue_now(q, e, now);
        break;
    case SL_QUEUE_ACTIVE:
        if (spec_changed) { /* priority may have changed: restore heap order */
            heap_up(q, &q->active, e->heap_index, active_before);
            heap_down(q, &q->active, e->heap_index, active_before);
        }
        break;
    case SL_QUEUE_IN_FLIGHT:
        if (spec_changed) e->in_flight_events |= SL_EVENT_UNSCHEDULED_POD_UPDATE;
        break;
    default: break;
    }
}

void sl_queue_remove(sl_queue *q, sl_queue_entry *e) {
    detach(q, e);
    sl_queue_nominate(q, e, NULL);
}

sl_queue_entry *sl_queue_pop(sl_queue *q) {
    if (q->active.len == 0) return NULL;
    sl_queue_entry *e = q->active.items[0];
    detach(q, e);
    e->where = SL_QUEUE_IN_FLIGHT;
    e->in_flight_events = 0;
    e->qp.attempts++;
    list_append(&q->flying, e);
    q->nin_flight++;
    return e;
}

void sl_queue_requeue(sl_queue *q, sl_queue_entry *e, sl_failure_kind kind, uint32_t events,
                      int64_t now) {
    uint32_t seen = e->in_flight_events;
    detach(q, e);
    e->qp.timestamp_ns = now;
    e->seq = ++q->next_seq;
    e->backoff_expiry_ns = now + sl_queue_backoff_duration(q, e->qp.attempts);
    e->pending = kind == SL_FAILURE_PENDING;
    e->requeue_events = events;
    if (kind == SL_FAILURE_ERROR || events == 0) {
        /* No plugin to ask: retry after backoff (upstream queueAfterBackoff). */
        e->pending = false;
        e->requeue_events = SL_EVENT_ALL;
        to_backoff(q, e);
        return;
    }
    if (seen & events) {
        requeue_now(q, e, now);
        return;
    }
    to_unschedulable(q, e);
}

void sl_queue_done(sl_queue *q, sl_queue_entry *e) { detach(q, e); }

uint32_t sl_queue_on_event(sl_queue *q, uint32_t event, int64_t now) {
    for (sl_queue_entry *e = q->flying.next; e != &q->flying; e = e->next)
        e->in_flight_events |= event;
    uint32_t moved = 0;
    for (sl_queue_entry *e = q->pool.next, *next; e != &q->pool; e = next) {
        next = e->next;
        if (e->where == SL_QUEUE_GATED) {
            /* A gated pod reacts only to the events its gating plugin
             * registered (SchedulingGates: the pod's own update). */
            if (!(e->gate_events & event)) continue;
            to_active_or_gated(q, e, now);
            moved += e->where != SL_QUEUE_GATED;
            continue;
        }
        if (!(e->requeue_events & event)) continue;
        requeue_now(q, e, now);
        moved++;
    }
    return moved;
}

uint32_t sl_queue_flush_backoff(sl_queue *q, int64_t now) {
    uint32_t moved = 0;
    while (q->backoff.len && q->backoff.items[0]->backoff_expiry_ns <= now) {
        to_active_or_gated(q, q->backoff.items[0], now);
        moved++;
    }
    return moved;
}

uint32_t sl_queue_flush_unschedulable(sl_queue *q, int64_t now) {
    uint32_t moved = 0;
    for (sl_queue_entry *e = q->pool.next, *next; e != &q->pool; e = next) {
        next = e->next;
        if (now - e->qp.timestamp_ns <= q->opts.max_unschedulable_ns) continue;
        if (e->where == SL_QUEUE_GATED) {
            if (!(e->gate_events & SL_EVENT_UNSCHEDULABLE_TIMEOUT)) continue;
            to_active_or_gated(q, e, now);
            continue;
        }
        requeue_now(q, e, now);
        moved++;
    }
    return moved;
}

int64_t sl_queue_next_backoff_expiry(const sl_queue *q) {
    return q->backoff.len ? q->backoff.items[0]->backoff_expiry_ns : INT64_MAX;
}

int64_t sl_queue_next_unschedulable_timeout(const sl_queue *q) {
    int64_t best = INT64_MAX;
    for (const sl_queue_entry *e = q->pool.next; e != &q->pool; e = e->next) {
        if (e->where != SL_QUEUE_UNSCHEDULABLE) continue;
        int64_t t = e->qp.timestamp_ns + q->opts.max_unschedulable_ns;
        if (t < best) best = t;
    }
    return best;
}

void sl_queue_counts_get(const sl_queue *q, sl_queue_counts *out) {
    out->active = q->active.len;
    out->backoff = q->backoff.len;
    out->unschedulable = q->nunschedulable;
    out->gated = q->ngated;
    out->in_flight = q->nin_flight;
}

bool sl_queue_visit_waiting(const sl_queue *q, sl_queue_visit_fn fn, void *user) {
    for (uint32_t i = 0; i < q->backoff.len; i++)
        if (!fn(user, q->backoff.items[i])) return false;
    for (sl_queue_entry *e = q->pool.next; e != &q->pool; e = e->next)
        if (e->where == SL_QUEUE_UNSCHEDULABLE && !fn(user, e)) return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* Nominator                                                            */
/* ------------------------------------------------------------------ */

static void nominated_list_remove(sl_queue *q, const char *node, sl_queue_entry *e) {
    nominated_list *l = strmap_get(&q->nominated, node);
    if (!l) return;
    for (uint32_t i = 0; i < l->n; i++) {
        if (l->entries[i] != e) continue;
        memmove(&l->entries[i], &l->entries[i + 1], (l->n - i - 1) * sizeof(*l->entries));
        memmove(&l->pods[i], &l->pods[i + 1], (l->n - i - 1) * sizeof(*l->pods));
        l->n--;
        q->nnominated--;
        break;
    }
    if (l->n == 0) {
        strmap_remove(&q->nominated, node);
        free(l->pods);
        free(l->entries);
        free(l);
    }
}

void sl_queue_nominate(sl_queue *q, sl_queue_entry *e, const char *node_name) {
    if (e->nominated_node) {
        if (node_name && strcmp(node_name, e->nominated_node) == 0) {
            /* same node: refresh the info pointer (it may have been rebuilt) */
            nominated_list *l = strmap_get(&q->nominated, node_name);
            for (uint32_t i = 0; l && i < l->n; i++)
                if (l->entries[i] == e) l->pods[i] = e->qp.info;
            return;
        }
        nominated_list_remove(q, e->nominated_node, e);
        free(e->nominated_node);
        e->nominated_node = NULL;
    }
    if (!node_name || !node_name[0]) return;
    nominated_list *l = strmap_get(&q->nominated, node_name);
    if (!l) {
        l = xcalloc(1, sizeof(*l));
        strmap_put(&q->nominated, node_name, l);
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->pods = xrealloc(l->pods, l->cap * sizeof(*l->pods));
        l->entries = xrealloc(l->entries, l->cap * sizeof(*l->entries));
    }
    l->pods[l->n] = e->qp.info;
    l->entries[l->n] = e;
    l->n++;
    q->nnominated++;
    e->nominated_node = xstrdup(node_name);
}

uint32_t sl_queue_nominated_pods(sl_queue *q, const char *node_name, sl_pod_info ***out) {
    nominated_list *l = q->nnominated ? strmap_get(&q->nominated, node_name) : NULL;
    *out = l ? l->pods : NULL;
    return l ? l->n : 0;
}

uint32_t sl_queue_nominated_count(const sl_queue *q) { return q->nnominated; }
