/*
 * cluster_remote.c — the cluster source (cluster.h) over the Kubernetes
 * API (src/client): informers and kube-scheduler's writes.
 *
 * Informers, one per kind the scheduler reads: namespaces, the on_object
 * kinds (PriorityClasses, PodDisruptionBudgets, Services,
 * ReplicationControllers, ReplicaSets, StatefulSets — delivered as
 * standalone sl_object versions, store.h's sl_object_new), nodes and pods.
 * subscribe runs the initial LISTs concurrently (a short-lived thread per
 * kind; the pods, the largest, on the caller's thread; each LIST's items
 * decoded on two threads by sl_kube_list), then replays them as ADDED on
 * the caller's thread in cluster.h's order (namespaces, the on_object
 * kinds, nodes, pods). A kind the server does not serve (404 on the LIST,
 * an old server) is logged once and not watched; the others wait for the
 * server — until the client is aborted (sl_kube_client_abort: SIGTERM
 * during startup), which ends the wait and starts no watch. Then one
 * thread per kind watches from the list's resourceVersion
 * (allowWatchBookmarks): BOOKMARKs move the resourceVersion, a watch that
 * ends is resumed from it, a 410 Gone (HTTP or an ERROR event) relists and
 * the difference against what was known becomes ADDED / MODIFIED / DELETED
 * events. Watch threads never call the handler: they post events to a
 * locked inbox and wake the scheduler's clock; `dispatch` (called by
 * sl_scheduler_run on the scheduler thread) delivers them in order.
 *
 * Writes, as kube-scheduler makes them:
 *   - bind: POST pods/NAME/binding (metadata.uid preconditions the pod),
 *     queued to binder threads (bind returns SL_WAIT); each result goes
 *     to the inbox as on_bind_succeeded / on_bind_failed with the server's
 *     message (e.g. `pods "p" not found`, 409 "already assigned");
 *   - update_pod_status: strategic merge PATCH of pods/NAME/status with the
 *     PodScheduled condition and status.nominatedNodeName;
 *   - delete_pod (preemption victim): PATCH its status with the
 *     DisruptionTarget condition (reason PreemptionByScheduler), then DELETE;
 *   - record_event: events.k8s.io/v1 Event (reportingController
 *     default-scheduler, action Scheduling/Binding/Preempting), falling
 *     back to core/v1 when the server does not serve events.k8s.io;
 *     written by one background thread, niced by 10 while fewer than
 *     50,000 wait, so on a saturated machine binds go first (none is
 *     dropped; upstream's broadcaster drops beyond 1,000); through the
 *     client's events rate limiter, separate from the one binds use, as
 *     kube-scheduler's event clientset has its own; a repeat of an event
 *     becomes a series on the first one, as client-go's recorder does
 *     (event_series below).
 *
 * Lifetimes (cluster.h): an informer's `known` map owns each object's
 * current version; a change hands the versions it supersedes to its event
 * (`retire`: the old one of a MODIFIED; for a DELETED the last state and
 * the previous version), and delivering the event retires them in the
 * version ledger under the event's number, freed when the scheduler
 * releases that mark. Binds pin the mark until their POST is done (or
 * their failure has been delivered). A new kind: give its events the
 * versions they supersede and a free function (free_fn).
 */
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/strmap.h"
#include "client/client.h"
#include "scheduler/cluster.h"

/* Informers in replay order (cluster.h). */
enum {
    KIND_NAMESPACE,
    KIND_PRIORITYCLASS, KIND_PDB, KIND_SERVICE, KIND_RC, KIND_RS, KIND_STS, /* on_object */
    KIND_NODE, KIND_POD, NKINDS, KIND_BIND_FAILED = 100, KIND_BOUND
};
#define BINDERS 4

static const sl_resource_id kind_resources[NKINDS] = {
    [KIND_NAMESPACE] = SL_RES_NAMESPACES,
    [KIND_PRIORITYCLASS] = SL_RES_PRIORITYCLASSES,
    [KIND_PDB] = SL_RES_PODDISRUPTIONBUDGETS,
    [KIND_SERVICE] = SL_RES_SERVICES,
    [KIND_RC] = SL_RES_REPLICATIONCONTROLLERS,
    [KIND_RS] = SL_RES_REPLICASETS,
    [KIND_STS] = SL_RES_STATEFULSETS,
    [KIND_NODE] = SL_RES_NODES,
    [KIND_POD] = SL_RES_PODS,
};

static bool is_object_kind(int kind) { return kind >= KIND_PRIORITYCLASS && kind <= KIND_STS; }

typedef struct known {
    void *obj;
    char *rv;
} known;

typedef struct remote_event {
    int kind;
    sl_watch_type type;
    void *old, *obj;
    char *node, *message;      /* KIND_BIND_FAILED, KIND_BOUND (node only) */
    void *retire[2];           /* versions this event supersedes (owned until delivered) */
    uint64_t pin;              /* KIND_BIND_FAILED, KIND_BOUND: the bind's pin */
} remote_event;

typedef struct bind_job {
    const k8s_pod *pod;        /* pinned */
    char *node;
    uint64_t pin;
} bind_job;

typedef struct remote_cluster remote_cluster;
typedef VEC(remote_event) event_vec;
struct pending_event;
typedef VEC(struct pending_event *) event_queue;

typedef struct informer {
    remote_cluster *rc;
    int kind;
    char path[96];             /* the collection, e.g. /apis/policy/v1/poddisruptionbudgets */
    const char *what;          /* its plural name for messages */
    bool active;               /* listed and watched (false: no handler, or not served) */
    strmap known;              /* "ns/name" -> known (informer thread only after subscribe) */
    char *rv;
    int first_code;            /* the initial LIST (subscribe): HTTP status */
    sl_kube_list_result first; /* and its items (list_item) */
    pthread_t thread;
    bool started;
} informer;

struct remote_cluster {
    sl_cluster base;
    sl_kube_client *client;
    sl_clock *clock;           /* woken when events arrive; may be NULL */
    sl_cluster_handler handler;
    informer inf[NKINDS];
    pthread_mutex_t lock;      /* inbox */
    event_vec inbox;
    event_vec draining;
    sl_version_ledger *ledger; /* superseded versions, pins of binds */
    atomic_bool stopping;
    atomic_bool waiting_logged;  /* "waiting for the API server", once per subscribe */
    bool events_v1_missing;    /* event thread only */
    strmap series;             /* event thread only: isomorphic-event key -> event_series */
    /* events are written by a background thread (the cycle does not wait
     * for them, as client-go's event broadcaster) at a lower CPU priority
     * while the backlog is short, so on a busy machine binds go first;
     * event_lock (not lock) guards the queue, so the low-priority thread
     * never holds the inbox lock the scheduler needs */
    pthread_t event_thread;
    bool event_thread_started;
    pthread_mutex_t event_lock;
    pthread_cond_t event_cond;
    event_queue event_queue;
    bool events_done;
    /* binds are POSTed by BINDERS threads (upstream's binding goroutines):
     * the next cycle does not wait for the round trip */
    pthread_t binders[BINDERS];
    int nbinders;
    pthread_cond_t bind_cond, bind_idle;
    VEC(bind_job) bind_queue;  /* items[bind_head..len) are waiting */
    size_t bind_head;
    size_t binds_in_flight;
    bool binds_done;
    char *instance;            /* reportingInstance */
};

static remote_cluster *self_of(sl_cluster *c) { return c->self; }

/* ---- decoding ---- */

static void *decode(int kind, json_t *obj) {
    char err[512];
    void *out = NULL;
    switch (kind) {
    case KIND_NAMESPACE: out = k8s_namespace_decode(obj, "watch", err, sizeof err); break;
    case KIND_NODE: out = k8s_node_decode(obj, "watch", err, sizeof err); break;
    case KIND_POD: out = k8s_pod_decode(obj, "watch", err, sizeof err); break;
    default: {
        sl_store_error serr;
        out = sl_object_new(sl_resource_get(kind_resources[kind]), obj, &serr);
        if (!out) snprintf(err, sizeof err, "%s", serr.message);
        break;
    }
    }
    if (!out) log_warn("informer: ignoring an object that does not decode: %s", err);
    return out;
}

static void free_obj(int kind, void *o) {
    switch (kind) {
    case KIND_NAMESPACE: k8s_namespace_free(o); break;
    case KIND_NODE: k8s_node_free(o); break;
    case KIND_POD: k8s_pod_free(o); break;
    default: sl_object_unref(o); break;
    }
}

static void free_namespace(void *o) { k8s_namespace_free(o); }
static void free_node(void *o) { k8s_node_free(o); }
static void free_pod(void *o) { k8s_pod_free(o); }

static void free_object(void *o) { sl_object_unref(o); }

static void (*free_fn(int kind))(void *) {
    return kind == KIND_NAMESPACE ? free_namespace : kind == KIND_NODE ? free_node : kind == KIND_POD ? free_pod : free_object;
}

/* Frees what an undelivered event owns (destroy). */
static void event_discard(remote_event *e) {
    for (int i = 0; i < 2; i++)
        if (e->retire[i]) free_obj(e->kind, e->retire[i]);
    free(e->node);
    free(e->message);
}

static void object_key(const json_t *obj, char *buf, size_t size) {
    json_t *meta = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    snprintf(buf, size, "%s/%s", ns ? ns : "", name ? name : "");
}

static const char *object_rv(const json_t *obj) {
    const char *rv = json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
    return rv ? rv : "";
}

/* ---- delivery ---- */

static void deliver(remote_cluster *rc, const remote_event *e) {
    const sl_cluster_handler *h = &rc->handler;
    if (e->kind == KIND_BIND_FAILED || e->kind == KIND_BOUND) {
        /* a bind's result: the pod stayed pinned until now */
        if (e->kind == KIND_BIND_FAILED && h->on_bind_failed) h->on_bind_failed(h->user, e->obj, e->node, e->message);
        if (e->kind == KIND_BOUND && h->on_bind_succeeded) h->on_bind_succeeded(h->user, e->obj, e->node);
        sl_version_ledger_unpin(rc->ledger, e->pin);
        return;
    }
    uint64_t seq = sl_version_ledger_deliver(rc->ledger);
    switch (e->kind) {
    case KIND_NAMESPACE:
        if (h->on_namespace) h->on_namespace(h->user, e->type, e->old, e->obj);
        break;
    case KIND_NODE:
        if (h->on_node) h->on_node(h->user, e->type, e->old, e->obj);
        break;
    case KIND_POD:
        if (h->on_pod) h->on_pod(h->user, e->type, e->old, e->obj);
        break;
    default:
        if (h->on_object) h->on_object(h->user, e->type, e->old, e->obj);
        break;
    }
    for (int i = 0; i < 2; i++)
        sl_version_ledger_retire(rc->ledger, seq, e->retire[i], free_fn(e->kind));
}

/* Informer thread (or subscribe, with direct = true): one change, which
 * supersedes `retire` (the old version; for DELETED, the last state and
 * the previous version if they differ). */
static void emit(informer *inf, sl_watch_type type, void *old, void *obj, bool direct, void *retire0,
                 void *retire1) {
    remote_cluster *rc = inf->rc;
    remote_event e = {inf->kind, type, type == SL_WATCH_MODIFIED ? old : NULL, obj, NULL, NULL,
                      {retire0, retire1 != retire0 ? retire1 : NULL}, 0};
    if (direct) {
        deliver(rc, &e);
        return;
    }
    pthread_mutex_lock(&rc->lock);
    VEC_PUSH(&rc->inbox, e);
    pthread_mutex_unlock(&rc->lock);
    if (rc->clock) sl_clock_wake(rc->clock);
}

static const char *const watch_type_names[] = {"ADDED", "MODIFIED", "DELETED"};

/* The on_object kinds' changes in the debug log (-v 4). */
static void note(const informer *inf, sl_watch_type type, const char *key) {
    if (is_object_kind(inf->kind))
        log_debug("informer %s: %s %s", inf->what, watch_type_names[type], key[0] == '/' ? key + 1 : key);
}

/* One change of one object. o is the decoded new state (owned; NULL when
 * it did not decode, or for a deletion whose last state did not decode).
 * The event carries the versions it supersedes (retired when delivered). */
static void apply_decoded(informer *inf, bool deleted, const char *key, const char *rv, void *o, bool direct) {
    known *k = strmap_get(&inf->known, key);
    if (deleted) {
        if (!k) {
            if (o) free_obj(inf->kind, o);
            return;
        }
        void *last = o ? o : k->obj;
        void *previous = k->obj;
        strmap_remove(&inf->known, key);
        free(k->rv);
        free(k);
        note(inf, SL_WATCH_DELETED, key);
        emit(inf, SL_WATCH_DELETED, NULL, last, direct, last, previous);
        return;
    }
    if (!o) return;
    if (k && !strcmp(k->rv, rv)) {
        free_obj(inf->kind, o);
        return;
    }
    if (k) {
        void *old = k->obj;
        k->obj = o;
        free(k->rv);
        k->rv = xstrdup(rv);
        note(inf, SL_WATCH_MODIFIED, key);
        emit(inf, SL_WATCH_MODIFIED, old, o, direct, old, NULL);
    } else {
        k = xcalloc(1, sizeof(*k));
        k->obj = o;
        k->rv = xstrdup(rv);
        strmap_put(&inf->known, key, k);
        note(inf, SL_WATCH_ADDED, key);
        emit(inf, SL_WATCH_ADDED, NULL, o, direct, NULL, NULL);
    }
}

/* A watch event's object: the caller's reference, taken over (the watch
 * event no longer holds it). It is dropped before the change is posted:
 * once posted, the decoded version (which holds its own reference) may be
 * freed by the scheduler thread at any time, and jansson's reference
 * count is the only thing the two threads would otherwise share. */
static void apply(informer *inf, const char *type, json_t *obj, bool direct) {
    char key[600];
    object_key(obj, key, sizeof key);
    bool deleted = !strcmp(type, "DELETED");
    char *rv = xstrdup(object_rv(obj));
    bool skip;
    if (!deleted) {
        known *k = strmap_get(&inf->known, key);
        skip = k && !strcmp(k->rv, rv); /* nothing new: skip the decode */
    } else {
        skip = !strmap_get(&inf->known, key);
    }
    void *o = skip ? NULL : decode(inf->kind, obj);
    json_decref(obj);
    if (!skip) apply_decoded(inf, deleted, key, rv, o, direct);
    free(rv);
}

/* A LIST item, decoded on a list thread. */
typedef struct list_item {
    void *obj;
    char *rv;
    char key[600];
} list_item;

static void *decode_list_item(void *user, json_t *item) {
    informer *inf = user;
    list_item *li = xmalloc(sizeof(*li));
    object_key(item, li->key, sizeof li->key);
    li->rv = xstrdup(object_rv(item));
    li->obj = decode(inf->kind, item);
    return li;
}

static void list_items_free(informer *inf, sl_kube_list_result *list) {
    for (size_t i = 0; i < list->len; i++) {
        list_item *li = list->items[i];
        if (li->obj) free_obj(inf->kind, li->obj);
        free(li->rv);
        free(li);
    }
    sl_kube_list_result_free(list);
}

/* The difference between a LIST (consumed) and what is known, applied in
 * the server's order. */
static void apply_list(informer *inf, sl_kube_list_result *list_, bool direct) {
    sl_kube_list_result list = *list_;
    *list_ = (sl_kube_list_result){0};
    strmap seen;
    strmap_init(&seen);
    for (size_t i = 0; i < list.len; i++) {
        list_item *li = list.items[i];
        strmap_put(&seen, li->key, li);
        apply_decoded(inf, false, li->key, li->rv, li->obj, direct);
        li->obj = NULL;
    }
    /* deletions missed while away */
    VEC(char *) gone = {0};
    size_t pos = 0;
    const char *key;
    void *val;
    while (strmap_next(&inf->known, &pos, &key, &val))
        if (!strmap_get(&seen, key)) VEC_PUSH(&gone, xstrdup(key));
    for (size_t g = 0; g < gone.len; g++) {
        known *k = strmap_get(&inf->known, gone.items[g]);
        strmap_remove(&inf->known, gone.items[g]);
        note(inf, SL_WATCH_DELETED, gone.items[g]);
        emit(inf, SL_WATCH_DELETED, NULL, k->obj, direct, k->obj, NULL);
        free(k->rv);
        free(k);
        free(gone.items[g]);
    }
    VEC_FREE(&gone);
    strmap_free(&seen);
    free(inf->rv);
    inf->rv = xstrdup(list.resource_version ? list.resource_version : "");
    list_items_free(inf, &list);
}

/* LIST (items decoded on two threads), then the difference against what
 * is known. false on failure. */
static bool relist(informer *inf, bool direct) {
    sl_kube_list_result list;
    int code = sl_kube_list(inf->rc->client, inf->path, 2, decode_list_item, inf, &list);
    if (code != 200) {
        if (!atomic_load(&inf->rc->stopping)) log_warn("informer: LIST %s: HTTP %d", inf->path, code);
        list_items_free(inf, &list);
        return false;
    }
    apply_list(inf, &list, direct);
    return true;
}

typedef struct watch_ctx {
    informer *inf;
    bool gone;
} watch_ctx;

static bool on_watch_event(void *user, json_t *ev) {
    watch_ctx *w = user;
    informer *inf = w->inf;
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *obj = json_object_get(ev, "object");
    if (!type || !json_is_object(obj)) return true;
    if (!strcmp(type, "ERROR")) {
        json_int_t code = json_integer_value(json_object_get(obj, "code"));
        if (code == 410) w->gone = true;
        return false;
    }
    if (!strcmp(type, "BOOKMARK")) {
        free(inf->rv);
        inf->rv = xstrdup(object_rv(obj));
        return true;
    }
    char *rv = xstrdup(object_rv(obj));
    /* taken out of the event (apply holds the only reference) */
    json_incref(obj);
    json_object_del(ev, "object");
    apply(inf, type, obj, false);
    free(inf->rv);
    inf->rv = rv;
    return true;
}

/* Stopping, or the client was aborted (a signal while subscribe waits
 * for the server). */
static bool giving_up(remote_cluster *rc) {
    return atomic_load(&rc->stopping) || sl_kube_client_cancelled(rc->client);
}

static void pause_ms(remote_cluster *rc, int ms) {
    for (int i = 0; i < ms / 50 && !giving_up(rc); i++) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void *informer_main(void *arg) {
    informer *inf = arg;
    name_thread("w:", inf->what);
    remote_cluster *rc = inf->rc;
    bool need_list = false;
    int failures = 0;
    while (!atomic_load(&rc->stopping)) {
        if (need_list) {
            if (!relist(inf, false)) {
                pause_ms(rc, failures++ < 5 ? 200 : 1000);
                continue;
            }
            need_list = false;
        }
        char path[512];
        snprintf(path, sizeof path, "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=%s",
                 inf->path, inf->rv ? inf->rv : "0");
        watch_ctx w = {inf, false};
        int code = sl_kube_watch(rc->client, path, on_watch_event, &w);
        if (atomic_load(&rc->stopping)) break;
        if (w.gone || code == 410) {
            log_info("informer %s: resourceVersion %s is gone; relisting", inf->path, inf->rv);
            need_list = true;
            failures = 0;
            continue;
        }
        if (code == 200) {
            failures = 0;
            continue;
        }
        log_debug("informer %s: watch ended (HTTP %d); resuming", inf->path, code);
        pause_ms(rc, failures++ < 5 ? 200 : 1000);
        if (failures > 3) need_list = true; /* e.g. the server restarted */
    }
    return NULL;
}

/* ---- ops ---- */

/* The initial LIST of one kind (its own thread during subscribe): waits
 * for the server; a 404 for an on_object kind is final (not served). */
static void *first_list_main(void *arg) {
    informer *inf = arg;
    remote_cluster *rc = inf->rc;
    while (!giving_up(rc)) {
        int code = sl_kube_list(rc->client, inf->path, 2, decode_list_item, inf, &inf->first);
        inf->first_code = code;
        if (code == 200 || (code == 404 && is_object_kind(inf->kind))) break;
        list_items_free(inf, &inf->first);
        if (giving_up(rc)) break;
        if (!atomic_exchange(&rc->waiting_logged, true))
            log_warn("informer: waiting for the API server at %s (LIST %s: HTTP %d)",
                     sl_kube_client_server(rc->client), inf->path, code);
        else
            log_debug("informer: LIST %s: HTTP %d", inf->path, code);
        pause_ms(rc, 500);
    }
    return NULL;
}

static void *first_list_thread(void *arg) {
    name_thread("l:", ((informer *)arg)->what);
    return first_list_main(arg);
}

static void remote_subscribe(sl_cluster *c, const sl_cluster_handler *handler) {
    remote_cluster *rc = self_of(c);
    rc->handler = *handler;
    atomic_store(&rc->waiting_logged, false);
    int64_t t0 = time_now_ns();
    pthread_t listers[NKINDS];
    bool listing[NKINDS] = {0};
    for (int k = 0; k < NKINDS; k++) {
        informer *inf = &rc->inf[k];
        inf->active = !is_object_kind(k) || handler->on_object;
        if (!inf->active) continue;
        /* the pods (the largest list by far, last) on this thread */
        listing[k] = k != KIND_POD && pthread_create(&listers[k], NULL, first_list_thread, inf) == 0;
        if (!listing[k]) first_list_main(inf);
    }
    /* replay in cluster.h's order, on this thread */
    for (int k = 0; k < NKINDS; k++) {
        informer *inf = &rc->inf[k];
        if (listing[k]) pthread_join(listers[k], NULL);
        if (!inf->active) continue;
        if (inf->first_code == 404) {
            log_warn("informer: the API server does not serve %s (LIST %s: HTTP 404); not watching them",
                     inf->what, inf->path);
            inf->active = false;
        }
        if (inf->first_code == 200) apply_list(inf, &inf->first, true);
        else list_items_free(inf, &inf->first);
    }
    if (sl_kube_client_cancelled(rc->client)) {
        /* interrupted while waiting for the server: nothing to watch */
        log_info("informers: interrupted while waiting for the API server");
        return;
    }
    log_info("informers synced: %zu namespaces, %zu nodes, %zu pods in %.0f ms", strmap_len(&rc->inf[KIND_NAMESPACE].known),
             strmap_len(&rc->inf[KIND_NODE].known), strmap_len(&rc->inf[KIND_POD].known), (time_now_ns() - t0) / 1e6);
    for (int k = 0; k < NKINDS; k++) {
        if (!rc->inf[k].active) continue;
        rc->inf[k].started = pthread_create(&rc->inf[k].thread, NULL, informer_main, &rc->inf[k]) == 0;
    }
}

static size_t remote_dispatch(sl_cluster *c) {
    remote_cluster *rc = self_of(c);
    pthread_mutex_lock(&rc->lock);
    event_vec tmp = rc->draining;
    rc->draining = rc->inbox;
    rc->inbox = tmp;
    rc->inbox.len = 0;
    pthread_mutex_unlock(&rc->lock);
    for (size_t i = 0; i < rc->draining.len; i++) {
        deliver(rc, &rc->draining.items[i]); /* the ledger takes the retired versions */
        free(rc->draining.items[i].node);
        free(rc->draining.items[i].message);
    }
    size_t n = rc->draining.len;
    rc->draining.len = 0;
    return n;
}

static char *pod_path(const k8s_pod *pod, const char *sub) {
    return xasprintf("/api/v1/namespaces/%s/pods/%s%s%s", pod->namespace_, pod->name, sub ? "/" : "", sub ? sub : "");
}

static void timestamp(char *buf, size_t size) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* POST pods/NAME/binding (the body written as text: the hot path): the
 * HTTP code (0: no answer); *message (if message is non-NULL) receives the
 * server's reason, malloc'd, or NULL. The answer is parsed only on failure. */
static int post_binding(remote_cluster *rc, const k8s_pod *pod, const char *node_name, char **message) {
    strbuf body;
    strbuf_init(&body);
    strbuf_puts(&body, "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":");
    strbuf_put_json_string(&body, pod->name);
    strbuf_puts(&body, ",\"namespace\":");
    strbuf_put_json_string(&body, pod->namespace_);
    if (pod->uid && pod->uid[0]) {
        strbuf_puts(&body, ",\"uid\":");
        strbuf_put_json_string(&body, pod->uid);
    }
    strbuf_puts(&body, "},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":");
    strbuf_put_json_string(&body, node_name);
    strbuf_puts(&body, "}}");
    char *path = pod_path(pod, "binding");
    char *answer = NULL;
    size_t answer_len = 0;
    int code = sl_kube_request_text(rc->client, "POST", path, strbuf_cstr(&body), NULL, &answer, &answer_len);
    free(path);
    strbuf_free(&body);
    if (message) *message = NULL;
    if (code < 200 || code >= 300) {
        json_t *out = answer ? k8s_json_loadb(answer, answer_len, 0, NULL) : NULL;
        const char *msg = json_string_value(json_object_get(out, "message"));
        log_info("binding %s/%s to %s: HTTP %d %s", pod->namespace_, pod->name, node_name, code, msg ? msg : "");
        if (message) *message = msg && msg[0] ? xstrdup(msg) : xasprintf("binding: HTTP %d", code);
        json_decref(out);
    }
    free(answer);
    return code;
}

static sl_status bind_now(remote_cluster *rc, const k8s_pod *pod, const char *node_name) {
    int code = post_binding(rc, pod, node_name, NULL);
    if (code >= 200 && code < 300) return SL_STATUS_SUCCESS;
    return sl_status_make(SL_ERROR, code == 404 ? "binding: pod not found" : code == 409 ? "binding: conflict" : "binding: the API server refused the write");
}

static void *binder_main(void *arg) {
    remote_cluster *rc = arg;
    name_thread("binder", "");
    pthread_mutex_lock(&rc->lock);
    for (;;) {
        while (rc->bind_head == rc->bind_queue.len && !rc->binds_done) pthread_cond_wait(&rc->bind_cond, &rc->lock);
        if (rc->bind_head == rc->bind_queue.len) break;
        bind_job job = rc->bind_queue.items[rc->bind_head++];
        if (rc->bind_head == rc->bind_queue.len) rc->bind_head = rc->bind_queue.len = 0;
        rc->binds_in_flight++;
        pthread_mutex_unlock(&rc->lock);
        char *message = NULL;
        int code = post_binding(rc, job.pod, job.node, &message);
        bool ok = code >= 200 && code < 300;
        /* every queued bind reports how it ended (cluster.h) */
        /* the pin stays until the result is delivered */
        remote_event e = {ok ? KIND_BOUND : KIND_BIND_FAILED, SL_WATCH_MODIFIED, NULL, (void *)job.pod,
                          job.node, message, {NULL, NULL}, job.pin};
        pthread_mutex_lock(&rc->lock);
        VEC_PUSH(&rc->inbox, e);
        if (rc->clock) sl_clock_wake(rc->clock);
        rc->binds_in_flight--;
        if (rc->bind_head == rc->bind_queue.len && !rc->binds_in_flight) pthread_cond_broadcast(&rc->bind_idle);
    }
    pthread_mutex_unlock(&rc->lock);
    return NULL;
}

static sl_status remote_bind(sl_cluster *c, const k8s_pod *pod, const char *node_name) {
    remote_cluster *rc = self_of(c);
    pthread_mutex_lock(&rc->lock);
    if (rc->binds_done) {
        pthread_mutex_unlock(&rc->lock);
        return bind_now(rc, pod, node_name);
    }
    while (rc->nbinders < BINDERS &&
           pthread_create(&rc->binders[rc->nbinders], NULL, binder_main, rc) == 0)
        rc->nbinders++;
    bind_job job = {pod, xstrdup(node_name), sl_version_ledger_pin(rc->ledger, sl_version_ledger_mark(rc->ledger))};
    VEC_PUSH(&rc->bind_queue, job);
    pthread_cond_signal(&rc->bind_cond);
    pthread_mutex_unlock(&rc->lock);
    return sl_status_make(SL_WAIT, NULL); /* queued: the result comes through dispatch */
}

static json_t *condition(const char *type, const char *status, const char *reason, const char *message) {
    char now[32];
    timestamp(now, sizeof now);
    json_t *cond = json_pack("{s:s, s:s, s:n, s:s}", "type", type, "status", status, "lastProbeTime",
                             "lastTransitionTime", now);
    if (reason) json_object_set_new(cond, "reason", json_string(reason));
    if (message) json_object_set_new(cond, "message", json_string(message));
    return cond;
}

static int patch_status(remote_cluster *rc, const k8s_pod *pod, json_t *status) {
    json_t *body = json_pack("{s:o}", "status", status);
    char *path = pod_path(pod, "status");
    int code = sl_kube_request(rc->client, "PATCH", path, body, "application/strategic-merge-patch+json", NULL);
    if (code < 200 || code >= 300) log_info("PATCH %s: HTTP %d", path, code);
    free(path);
    json_decref(body);
    return code;
}

static sl_status remote_update_pod_status(sl_cluster *c, const k8s_pod *pod, const char *reason,
                                          const char *message, const char *nominated_node) {
    remote_cluster *rc = self_of(c);
    json_t *cond = condition("PodScheduled", "False", reason, message);
    /* as UpdatePodCondition: the transition time moves only with the status */
    const json_t *cur = k8s_pod_condition_raw(pod, "PodScheduled");
    const char *was = json_string_value(json_object_get(cur, "status"));
    const json_t *since = json_object_get(cur, "lastTransitionTime");
    if (was && !strcmp(was, "False") && json_is_string(since))
        json_object_set(cond, "lastTransitionTime", (json_t *)since);
    json_t *status = json_pack("{s:[o]}", "conditions", cond);
    if (nominated_node) json_object_set_new(status, "nominatedNodeName", nominated_node[0] ? json_string(nominated_node) : json_null());
    int code = patch_status(rc, pod, status);
    return code >= 200 && code < 300 ? SL_STATUS_SUCCESS : sl_status_make(SL_ERROR, "pod status: the API server refused the write");
}

static sl_status remote_delete_pod(sl_cluster *c, const k8s_pod *pod) {
    remote_cluster *rc = self_of(c);
    json_t *status = json_pack("{s:[o]}", "conditions",
                               condition("DisruptionTarget", "True", "PreemptionByScheduler",
                                         "default-scheduler: preempting to accommodate a higher priority pod"));
    int code = patch_status(rc, pod, status);
    if (code == 404) return SL_STATUS_SUCCESS;
    char *path = pod_path(pod, NULL);
    code = sl_kube_request(rc->client, "DELETE", path, NULL, NULL, NULL);
    free(path);
    if (code == 404 || (code >= 200 && code < 300)) return SL_STATUS_SUCCESS;
    return sl_status_make(SL_ERROR, "preemption: the API server refused to delete the victim");
}

/* An event to write, captured on the scheduler thread; the bodies are made
 * on the event thread. */
typedef struct pending_event {
    char *namespace_, *pod_name, *pod_uid, *pod_rv, *type, *reason, *message;
    struct timespec when;
    unsigned seq;
} pending_event;

static void pending_event_free(pending_event *e) {
    free(e->namespace_);
    free(e->pod_name);
    free(e->pod_uid);
    free(e->pod_rv);
    free(e->type);
    free(e->reason);
    free(e->message);
    free(e);
}

static void put_field(strbuf *sb, const char *name, const char *value, bool comma) {
    if (comma) strbuf_putc(sb, ',');
    strbuf_putc(sb, '"');
    strbuf_puts(sb, name);
    strbuf_puts(sb, "\":");
    strbuf_put_json_string(sb, value);
}

static const char *event_action(const pending_event *e) {
    return !strcmp(e->reason, "Scheduled") ? "Binding" : !strcmp(e->reason, "Preempted") ? "Preempting" : "Scheduling";
}

/* MicroTime, e.g. 2026-12-06T09:00:00.123456Z */
static void micro_time(const struct timespec *t, char *buf, size_t size) {
    struct tm tm;
    gmtime_r(&t->tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%06ldZ", t->tv_nsec / 1000);
}

/* events.k8s.io/v1 (core = false) or core/v1 (core = true) Event body;
 * series_count > 1 adds the series (a re-create of a series whose event
 * was gone). */
static void event_body(remote_cluster *rc, const pending_event *e, bool core, const char *name, int series_count,
                       const struct timespec *last, strbuf *sb) {
    struct tm tm;
    gmtime_r(&e->when.tv_sec, &tm);
    char secs[32], micro[48];
    strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%SZ", &tm);
    micro_time(&e->when, micro, sizeof micro);
    const char *action = event_action(e);
    strbuf_puts(sb, core ? "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{"
                         : "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{");
    put_field(sb, "name", name, false);
    put_field(sb, "namespace", e->namespace_, true);
    strbuf_puts(sb, core ? "},\"involvedObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\""
                         : "},\"regarding\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\"");
    put_field(sb, "namespace", e->namespace_, true);
    put_field(sb, "name", e->pod_name, true);
    put_field(sb, "uid", e->pod_uid, true);
    if (e->pod_rv[0]) put_field(sb, "resourceVersion", e->pod_rv, true);
    strbuf_putc(sb, '}');
    put_field(sb, "reason", e->reason, true);
    put_field(sb, core ? "message" : "note", e->message, true);
    put_field(sb, "type", e->type, true);
    if (core) {
        strbuf_puts(sb, ",\"source\":{\"component\":\"default-scheduler\"}");
        put_field(sb, "firstTimestamp", secs, true);
        put_field(sb, "lastTimestamp", secs, true);
        strbuf_puts(sb, ",\"count\":1}");
    } else {
        put_field(sb, "eventTime", micro, true);
        put_field(sb, "action", action, true);
        put_field(sb, "reportingController", "default-scheduler", true);
        put_field(sb, "reportingInstance", rc->instance, true);
        if (series_count > 1) {
            char lastbuf[48];
            micro_time(last, lastbuf, sizeof lastbuf);
            strbuf_printf(sb, ",\"series\":{\"count\":%d", series_count);
            put_field(sb, "lastObservedTime", lastbuf, true);
            strbuf_putc(sb, '}');
        }
        strbuf_putc(sb, '}');
    }
}

/* client-go's events.k8s.io recorder (tools/events) writes an event
 * isomorphic to one it wrote before (same action, reason, regarding object
 * — its resourceVersion included — and note) as a series instead: the
 * first repeat PATCHes the first event's series to count 2 (a merge patch;
 * a create, series included, if that event is gone), later repeats only
 * count in its cache; every 30 minutes a series' count is written again,
 * and 6 minutes after its last repeat a series is written a last time and
 * forgotten (a singleton just forgotten). The event thread keeps that
 * cache. */
#define SERIES_FINISH_NS (6 * 60 * 1000000000LL)
#define SERIES_REFRESH_NS (30 * 60 * 1000000000LL)

typedef struct event_series {
    char *name, *namespace_;
    pending_event *first;      /* the event as first recorded (for a re-create) */
    int count, written;        /* observed; what the server has */
    struct timespec last;      /* lastObservedTime */
    int64_t last_ns, written_ns; /* monotonic: last observed, last written */
} event_series;

static void event_series_free(event_series *es) {
    free(es->name);
    free(es->namespace_);
    pending_event_free(es->first);
    free(es);
}

static char *series_key(const pending_event *e) {
    return xasprintf("%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", event_action(e), e->reason, e->namespace_, e->pod_name,
                     e->pod_uid, e->pod_rv, e->message);
}

static int create_event_v1(remote_cluster *rc, const pending_event *e, const char *name, int count,
                           const struct timespec *last, strbuf *sb) {
    strbuf_reset(sb);
    event_body(rc, e, false, name, count, last, sb);
    char *path = xasprintf("/apis/events.k8s.io/v1/namespaces/%s/events", e->namespace_);
    int code = sl_kube_request_text_via(rc->client, SL_KUBE_LIMIT_EVENTS, "POST", path, strbuf_cstr(sb), NULL, NULL,
                                        NULL);
    free(path);
    return code;
}

/* Writes a series' count (PATCH; a create if its event is gone). */
static void write_series(remote_cluster *rc, event_series *es, strbuf *sb) {
    char last[48];
    micro_time(&es->last, last, sizeof last);
    strbuf_reset(sb);
    strbuf_printf(sb, "{\"series\":{\"count\":%d,\"lastObservedTime\":\"%s\"}}", es->count, last);
    char *path = xasprintf("/apis/events.k8s.io/v1/namespaces/%s/events/%s", es->namespace_, es->name);
    int code = sl_kube_request_text_via(rc->client, SL_KUBE_LIMIT_EVENTS, "PATCH", path, strbuf_cstr(sb),
                                        "application/merge-patch+json", NULL, NULL);
    free(path);
    if (code == 404) create_event_v1(rc, es->first, es->name, es->count, &es->last, sb);
    es->written = es->count;
    es->written_ns = time_now_ns();
}

static void post_event(remote_cluster *rc, pending_event *e, strbuf *sb) {
    if (!rc->events_v1_missing) {
        char *key = series_key(e);
        event_series *es = strmap_get(&rc->series, key);
        if (es) {
            es->count++;
            es->last = e->when;
            es->last_ns = time_now_ns();
            if (es->count == 2) write_series(rc, es, sb);
            free(key);
            pending_event_free(e);
            return;
        }
        char name[300];
        snprintf(name, sizeof name, "%.200s.%lx%05x", e->pod_name, (long)e->when.tv_sec, e->seq & 0xfffff);
        int code = create_event_v1(rc, e, name, 1, NULL, sb);
        if (code != 404) {
            if (code >= 200 && code < 300) {
                es = xcalloc(1, sizeof(*es));
                es->name = xstrdup(name);
                es->namespace_ = xstrdup(e->namespace_);
                es->first = e;
                es->count = es->written = 1;
                es->last = e->when;
                es->last_ns = es->written_ns = time_now_ns();
                strmap_put(&rc->series, key, es);
            } else {
                pending_event_free(e);
            }
            free(key);
            return;
        }
        free(key);
        rc->events_v1_missing = true;
    }
    char name[300];
    snprintf(name, sizeof name, "%.200s.%lx%05x", e->pod_name, (long)e->when.tv_sec, e->seq & 0xfffff);
    strbuf_reset(sb);
    event_body(rc, e, true, name, 1, NULL, sb);
    char *path = xasprintf("/api/v1/namespaces/%s/events", e->namespace_);
    sl_kube_request_text_via(rc->client, SL_KUBE_LIMIT_EVENTS, "POST", path, strbuf_cstr(sb), NULL, NULL, NULL);
    free(path);
    pending_event_free(e);
}

/* The cache's timers: refresh every 30 minutes, finish 6 minutes after the
 * last repeat (all now when stopping). */
static void tend_series(remote_cluster *rc, strbuf *sb, bool stopping) {
    static __thread int64_t last_tended; /* the event thread's: a pass a second at most */
    int64_t now = time_now_ns();
    if (!stopping && now - last_tended < 1000000000LL) return;
    last_tended = now;
    size_t pos = 0;
    const char *key;
    void *value;
    VEC(char *) done = {0};
    while (strmap_next(&rc->series, &pos, &key, &value)) {
        event_series *es = value;
        bool finished = stopping || now - es->last_ns >= SERIES_FINISH_NS;
        if (es->count > es->written && (finished || now - es->written_ns >= SERIES_REFRESH_NS))
            write_series(rc, es, sb);
        if (finished) VEC_PUSH(&done, xstrdup(key));
    }
    for (size_t i = 0; i < done.len; i++) {
        event_series_free(strmap_remove(&rc->series, done.items[i]));
        free(done.items[i]);
    }
    VEC_FREE(&done);
}

/* The event thread's niceness above the process's while fewer than
 * EVENT_BACKLOG events wait (beyond that it catches up at normal priority,
 * so the queue stays bounded without dropping events): on a busy machine
 * binds go first. */
#define EVENT_NICE 10
#define EVENT_BACKLOG 50000

static void set_event_priority(int nice_base, bool low) {
    int want = low ? SL_MIN(nice_base + EVENT_NICE, 19) : nice_base;
    setpriority(PRIO_PROCESS, (id_t)gettid(), want); /* may fail (e.g. seccomp): then no difference */
}

static void *event_main(void *arg) {
    remote_cluster *rc = arg;
    name_thread("events", "");
    errno = 0;
    int nice_base = getpriority(PRIO_PROCESS, (id_t)gettid());
    if (errno) nice_base = 0;
    bool low = true;
    set_event_priority(nice_base, low);
    event_queue batch = {0};
    strbuf sb;
    strbuf_init(&sb);
    pthread_mutex_lock(&rc->event_lock);
    for (;;) {
        while (!rc->event_queue.len && !rc->events_done) {
            if (!strmap_len(&rc->series)) {
                pthread_cond_wait(&rc->event_cond, &rc->event_lock);
                continue;
            }
            /* series to tend: wake at least every 10 s */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 10;
            if (pthread_cond_timedwait(&rc->event_cond, &rc->event_lock, &until) == ETIMEDOUT) {
                pthread_mutex_unlock(&rc->event_lock);
                tend_series(rc, &sb, false);
                pthread_mutex_lock(&rc->event_lock);
            }
        }
        if (!rc->event_queue.len && rc->events_done) break;
        event_queue tmp = rc->event_queue;
        rc->event_queue = batch;
        batch = tmp;
        pthread_mutex_unlock(&rc->event_lock);
        bool want_low = batch.len < EVENT_BACKLOG;
        if (want_low != low) set_event_priority(nice_base, low = want_low);
        for (size_t i = 0; i < batch.len; i++) post_event(rc, batch.items[i], &sb);
        batch.len = 0;
        tend_series(rc, &sb, false);
        pthread_mutex_lock(&rc->event_lock);
    }
    pthread_mutex_unlock(&rc->event_lock);
    tend_series(rc, &sb, true);
    VEC_FREE(&batch);
    strbuf_free(&sb);
    return NULL;
}

static void remote_record_event(sl_cluster *c, const k8s_pod *pod, const char *type, const char *reason,
                                const char *message) {
    remote_cluster *rc = self_of(c);
    static atomic_uint seq;
    pending_event *e = xcalloc(1, sizeof(*e));
    e->namespace_ = xstrdup(pod->namespace_);
    e->pod_name = xstrdup(pod->name);
    e->pod_uid = xstrdup(pod->uid ? pod->uid : "");
    const char *rv = json_string_value(json_object_get(json_object_get(pod->raw, "metadata"), "resourceVersion"));
    e->pod_rv = xstrdup(rv ? rv : "");
    e->type = xstrdup(type);
    e->reason = xstrdup(reason);
    e->message = xstrdup(message);
    clock_gettime(CLOCK_REALTIME, &e->when);
    e->seq = atomic_fetch_add(&seq, 1);
    pthread_mutex_lock(&rc->event_lock);
    if (!rc->event_thread_started) {
        rc->event_thread_started = pthread_create(&rc->event_thread, NULL, event_main, rc) == 0;
    }
    VEC_PUSH(&rc->event_queue, e);
    pthread_cond_signal(&rc->event_cond);
    pthread_mutex_unlock(&rc->event_lock);
}

void sl_cluster_remote_finish_binds(sl_cluster *c) {
    remote_cluster *rc = self_of(c);
    pthread_mutex_lock(&rc->lock);
    rc->binds_done = true;
    pthread_cond_broadcast(&rc->bind_cond);
    int nb = rc->nbinders;
    rc->nbinders = 0;
    pthread_mutex_unlock(&rc->lock);
    for (int i = 0; i < nb; i++) pthread_join(rc->binders[i], NULL);
}

void sl_cluster_remote_stop(sl_cluster *c) {
    remote_cluster *rc = self_of(c);
    /* in-flight binds are finished (SIGTERM) */
    sl_cluster_remote_finish_binds(c);
    /* events already recorded are still written */
    pthread_mutex_lock(&rc->event_lock);
    rc->events_done = true;
    pthread_cond_signal(&rc->event_cond);
    bool joined = rc->event_thread_started;
    rc->event_thread_started = false;
    pthread_mutex_unlock(&rc->event_lock);
    if (joined) pthread_join(rc->event_thread, NULL);
    atomic_store(&rc->stopping, true);
    sl_kube_client_cancel(rc->client);
    for (int k = 0; k < NKINDS; k++)
        if (rc->inf[k].started) {
            pthread_join(rc->inf[k].thread, NULL);
            rc->inf[k].started = false;
        }
}

static void remote_destroy(sl_cluster *c) {
    remote_cluster *rc = self_of(c);
    sl_cluster_remote_stop(c);
    for (int k = 0; k < NKINDS; k++) {
        informer *inf = &rc->inf[k];
        size_t pos = 0;
        void *val;
        while (strmap_next(&inf->known, &pos, NULL, &val)) {
            known *kn = val;
            free_obj(k, kn->obj);
            free(kn->rv);
            free(kn);
        }
        strmap_free(&inf->known);
        free(inf->rv);
        list_items_free(inf, &inf->first);
    }
    for (size_t i = 0; i < rc->inbox.len; i++) event_discard(&rc->inbox.items[i]);
    sl_version_ledger_free(rc->ledger);
    VEC_FREE(&rc->inbox);
    VEC_FREE(&rc->draining);
    for (size_t i = rc->bind_head; i < rc->bind_queue.len; i++) free(rc->bind_queue.items[i].node);
    VEC_FREE(&rc->bind_queue);
    pthread_cond_destroy(&rc->bind_cond);
    pthread_cond_destroy(&rc->bind_idle);
    for (size_t i = 0; i < rc->event_queue.len; i++) pending_event_free(rc->event_queue.items[i]);
    size_t pos = 0;
    void *es;
    while (strmap_next(&rc->series, &pos, NULL, &es)) event_series_free(es);
    strmap_free(&rc->series);
    VEC_FREE(&rc->event_queue);
    pthread_cond_destroy(&rc->event_cond);
    pthread_mutex_destroy(&rc->event_lock);
    pthread_mutex_destroy(&rc->lock);
    free(rc->instance);
    free(rc);
}

static uint64_t remote_mark(sl_cluster *c) { return sl_version_ledger_mark(self_of(c)->ledger); }

static void remote_release(sl_cluster *c, uint64_t mark) {
    sl_version_ledger_release(self_of(c)->ledger, mark);
}

static void remote_versions(sl_cluster *c, sl_cluster_versions *out) {
    sl_version_ledger_stats(self_of(c)->ledger, out);
}

static const sl_cluster_ops remote_ops = {
    .subscribe = remote_subscribe,
    .bind = remote_bind,
    .delete_pod = remote_delete_pod,
    .update_pod_status = remote_update_pod_status,
    .record_event = remote_record_event,
    .destroy = remote_destroy,
    .dispatch = remote_dispatch,
    .mark = remote_mark,
    .release = remote_release,
    .versions = remote_versions,
};

sl_cluster *sl_cluster_remote_new(sl_kube_client *client, sl_clock *clock, const char *instance) {
    remote_cluster *rc = xcalloc(1, sizeof(*rc));
    rc->base.ops = &remote_ops;
    rc->base.self = rc;
    rc->client = client;
    rc->clock = clock;
    rc->instance = xstrdup(instance ? instance : "schedlab");
    rc->ledger = sl_version_ledger_new();
    pthread_mutex_init(&rc->lock, NULL);
    pthread_cond_init(&rc->event_cond, NULL);
    pthread_mutex_init(&rc->event_lock, NULL);
    strmap_init(&rc->series);
    pthread_cond_init(&rc->bind_cond, NULL);
    pthread_cond_init(&rc->bind_idle, NULL);
    for (int k = 0; k < NKINDS; k++) {
        informer *inf = &rc->inf[k];
        const sl_resource *res = sl_resource_get(kind_resources[k]);
        inf->rc = rc;
        inf->kind = k;
        inf->what = res->name;
        if (res->group[0]) snprintf(inf->path, sizeof inf->path, "/apis/%s/%s/%s", res->group, res->version, res->name);
        else snprintf(inf->path, sizeof inf->path, "/api/%s/%s", res->version, res->name);
        strmap_init(&inf->known);
    }
    return &rc->base;
}
