/*
 * cluster_inbox.c — a cluster source (cluster.h) that hands another
 * source's events to the scheduler thread: the inner source may deliver
 * from any thread (the store adapter delivers on the writing thread — an
 * API server's connection threads in `schedlab sim`); this wrapper queues
 * each event in a locked inbox, wakes the clock, and delivers the queue
 * from `dispatch` on the scheduler loop's thread. The replay made during
 * subscribe, on the subscribing thread, is delivered at once (cluster.h's
 * contract). Binds are handed to binder threads (the next cycle does not
 * wait; bind returns SL_WAIT and each bind's result comes back, after the
 * store's MODIFIED event, through on_bind_succeeded / on_bind_failed);
 * other writes go straight to the inner source.
 *
 * Versions (cluster.h Lifetimes): the inner source numbers and retires
 * them; each queued event carries the inner mark read when it was posted
 * (the inner source counts an event before calling its handler, one at a
 * time), so `mark` is the inner mark of the last event dispatched and
 * versions retired by events still queued are never released early.
 * release is forwarded, held back by the pins of queued and running binds
 * (a bind job and its result event use the pod: unpinned once the result
 * is delivered).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "scheduler/cluster.h"

enum { EV_NODE, EV_POD, EV_NAMESPACE, EV_OBJECT, EV_BIND_FAILED, EV_BOUND };
#define BINDERS 4

typedef struct inbox_event {
    int kind;
    sl_watch_type type;
    void *old, *obj;
    char *node;                /* EV_BIND_FAILED (message: a static string), EV_BOUND */
    const char *message;
    uint64_t mark;             /* the inner mark after this event (0: a bind's result) */
    uint64_t pin;              /* EV_BIND_FAILED, EV_BOUND: the bind's pin */
} inbox_event;

typedef struct bind_job {
    const k8s_pod *pod;
    char *node;
    uint64_t pin;
} bind_job;

typedef VEC(inbox_event) inbox_vec;

typedef struct inbox_cluster {
    sl_cluster base;
    sl_cluster *inner;
    sl_clock *clock;
    sl_cluster_handler handler;
    pthread_mutex_t lock;
    inbox_vec inbox, draining;
    /* binds run on BINDERS threads (upstream's binding goroutines): the
     * next cycle does not wait for the write */
    pthread_t binders[BINDERS];
    int nbinders;
    pthread_cond_t bind_cond;
    VEC(bind_job) binds;
    size_t bind_head;
    bool binds_done;
    uint64_t mark;             /* inner mark of the last event delivered (handler thread) */
    sl_version_ledger *pins;   /* pins of binds in flight */
} inbox_cluster;

static __thread inbox_cluster *replaying;

static void deliver(inbox_cluster *w, const inbox_event *e) {
    const sl_cluster_handler *h = &w->handler;
    switch (e->kind) {
    case EV_NODE: if (h->on_node) h->on_node(h->user, e->type, e->old, e->obj); break;
    case EV_POD: if (h->on_pod) h->on_pod(h->user, e->type, e->old, e->obj); break;
    case EV_NAMESPACE: if (h->on_namespace) h->on_namespace(h->user, e->type, e->old, e->obj); break;
    case EV_OBJECT: if (h->on_object) h->on_object(h->user, e->type, e->old, e->obj); break;
    case EV_BIND_FAILED:
        if (h->on_bind_failed) h->on_bind_failed(h->user, e->obj, e->node, e->message);
        break;
    case EV_BOUND:
        if (h->on_bind_succeeded) h->on_bind_succeeded(h->user, e->obj, e->node);
        break;
    }
}

static uint64_t inner_mark(inbox_cluster *w) {
    return w->inner->ops->mark ? w->inner->ops->mark(w->inner) : 0;
}

static void post(inbox_cluster *w, int kind, sl_watch_type type, const void *old, const void *obj) {
    inbox_event e = {kind, type, (void *)old, (void *)obj, NULL, NULL, inner_mark(w), 0};
    if (replaying == w) {
        deliver(w, &e);
        w->mark = e.mark;
        return;
    }
    pthread_mutex_lock(&w->lock);
    VEC_PUSH(&w->inbox, e);
    pthread_mutex_unlock(&w->lock);
    if (w->clock) sl_clock_wake(w->clock);
}

static void on_node(void *u, sl_watch_type t, k8s_node *old, k8s_node *obj) { post(u, EV_NODE, t, old, obj); }
static void on_pod(void *u, sl_watch_type t, k8s_pod *old, k8s_pod *obj) { post(u, EV_POD, t, old, obj); }
static void on_namespace(void *u, sl_watch_type t, k8s_namespace *old, k8s_namespace *obj) {
    post(u, EV_NAMESPACE, t, old, obj);
}
static void on_object(void *u, sl_watch_type t, const sl_object *old, const sl_object *obj) {
    post(u, EV_OBJECT, t, old, obj);
}

static inbox_cluster *self_of(sl_cluster *c) { return c->self; }

static void w_subscribe(sl_cluster *c, const sl_cluster_handler *handler) {
    inbox_cluster *w = self_of(c);
    w->handler = *handler;
    sl_cluster_handler mine = {.user = w, .on_node = on_node, .on_pod = on_pod,
                               .on_namespace = handler->on_namespace ? on_namespace : NULL,
                               .on_object = handler->on_object ? on_object : NULL};
    replaying = w;
    w->inner->ops->subscribe(w->inner, &mine);
    replaying = NULL;
}

static size_t w_dispatch(sl_cluster *c) {
    inbox_cluster *w = self_of(c);
    pthread_mutex_lock(&w->lock);
    inbox_vec tmp = w->draining;
    w->draining = w->inbox;
    w->inbox = tmp;
    w->inbox.len = 0;
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < w->draining.len; i++) {
        inbox_event *e = &w->draining.items[i];
        deliver(w, e);
        if (e->mark > w->mark) w->mark = e->mark;
        if (e->kind == EV_BIND_FAILED || e->kind == EV_BOUND) sl_version_ledger_unpin(w->pins, e->pin);
        free(e->node);
    }
    size_t n = w->draining.len;
    w->draining.len = 0;
    return n;
}

static void *binder_main(void *arg) {
    name_thread("binder", "");
    inbox_cluster *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->bind_head == w->binds.len && !w->binds_done) pthread_cond_wait(&w->bind_cond, &w->lock);
        if (w->bind_head == w->binds.len) break;
        bind_job job = w->binds.items[w->bind_head++];
        if (w->bind_head == w->binds.len) w->bind_head = w->binds.len = 0;
        pthread_mutex_unlock(&w->lock);
        sl_status st = w->inner->ops->bind(w->inner, job.pod, job.node);
        pthread_mutex_lock(&w->lock);
        /* every queued bind reports how it ended (cluster.h); the pin
         * stays until that report is dispatched */
        inbox_event e = {st.code == SL_SUCCESS ? EV_BOUND : EV_BIND_FAILED, SL_WATCH_MODIFIED, NULL,
                         (void *)job.pod, job.node, st.message ? st.message : "binding failed", 0, job.pin};
        VEC_PUSH(&w->inbox, e);
        if (w->clock) sl_clock_wake(w->clock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static sl_status w_bind(sl_cluster *c, const k8s_pod *pod, const char *node) {
    inbox_cluster *w = self_of(c);
    pthread_mutex_lock(&w->lock);
    if (w->binds_done) {
        pthread_mutex_unlock(&w->lock);
        return w->inner->ops->bind(w->inner, pod, node);
    }
    while (w->nbinders < BINDERS && pthread_create(&w->binders[w->nbinders], NULL, binder_main, w) == 0)
        w->nbinders++;
    bind_job job = {pod, xstrdup(node), sl_version_ledger_pin(w->pins, w->mark)};
    VEC_PUSH(&w->binds, job);
    pthread_cond_signal(&w->bind_cond);
    pthread_mutex_unlock(&w->lock);
    return sl_status_make(SL_WAIT, NULL); /* queued: the result comes through dispatch */
}

void sl_cluster_inbox_finish_binds(sl_cluster *c) {
    inbox_cluster *w = self_of(c);
    pthread_mutex_lock(&w->lock);
    w->binds_done = true;
    pthread_cond_broadcast(&w->bind_cond);
    int n = w->nbinders;
    w->nbinders = 0;
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < n; i++) pthread_join(w->binders[i], NULL);
}
static sl_status w_delete_pod(sl_cluster *c, const k8s_pod *pod) {
    sl_cluster *in = self_of(c)->inner;
    return in->ops->delete_pod(in, pod);
}
static sl_status w_update_pod_status(sl_cluster *c, const k8s_pod *pod, const char *reason, const char *message,
                                     const char *nominated) {
    sl_cluster *in = self_of(c)->inner;
    return in->ops->update_pod_status(in, pod, reason, message, nominated);
}
static void w_record_event(sl_cluster *c, const k8s_pod *pod, const char *type, const char *reason,
                           const char *message) {
    sl_cluster *in = self_of(c)->inner;
    if (in->ops->record_event) in->ops->record_event(in, pod, type, reason, message);
}
static void w_destroy(sl_cluster *c) {
    inbox_cluster *w = self_of(c);
    sl_cluster_inbox_finish_binds(c);
    w->inner->ops->destroy(w->inner);
    for (size_t i = 0; i < w->inbox.len; i++) free(w->inbox.items[i].node);
    for (size_t i = w->bind_head; i < w->binds.len; i++) free(w->binds.items[i].node);
    VEC_FREE(&w->binds);
    pthread_cond_destroy(&w->bind_cond);
    VEC_FREE(&w->inbox);
    VEC_FREE(&w->draining);
    sl_version_ledger_free(w->pins);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

static uint64_t w_mark(sl_cluster *c) { return self_of(c)->mark; }

static void w_release(sl_cluster *c, uint64_t mark) {
    inbox_cluster *w = self_of(c);
    if (w->inner->ops->release)
        w->inner->ops->release(w->inner, sl_version_ledger_limit(w->pins, mark));
}

static void w_versions(sl_cluster *c, sl_cluster_versions *out) {
    sl_cluster *in = self_of(c)->inner;
    if (in->ops->versions) in->ops->versions(in, out);
    else memset(out, 0, sizeof(*out));
}

static const sl_cluster_ops inbox_ops = {
    .subscribe = w_subscribe,
    .bind = w_bind,
    .delete_pod = w_delete_pod,
    .update_pod_status = w_update_pod_status,
    .record_event = w_record_event,
    .destroy = w_destroy,
    .dispatch = w_dispatch,
    .mark = w_mark,
    .release = w_release,
    .versions = w_versions,
};

sl_cluster *sl_cluster_inbox_new(sl_cluster *inner, sl_clock *clock) {
    inbox_cluster *w = xcalloc(1, sizeof(*w));
    w->base.ops = &inbox_ops;
    w->base.self = w;
    w->inner = inner;
    w->clock = clock;
    w->pins = sl_version_ledger_new();
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->bind_cond, NULL);
    return &w->base;
}
