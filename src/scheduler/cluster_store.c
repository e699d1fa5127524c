/*
 * cluster_store.c — the in-process cluster source (cluster.h) as a thin
 * adapter over the object store (store.h): `schedlab schedule`, the
 * benchmarks and (later) `schedlab sim` all read and write the one store,
 * so an API server on the same store sees every bind, status write and
 * event the scheduler makes.
 *
 *   - subscribe registers a store listener that replays namespaces, nodes
 *     and pods (creation order) and then forwards every change with the
 *     typed old and new versions (decoded once by the store);
 *   - bind, delete_pod and update_pod_status are store writes
 *     (read-modify-write on a copy; a new immutable version is published
 *     and its MODIFIED/DELETED event comes back through the listener,
 *     synchronously on the writing thread);
 *   - record_event keeps the compact sl_cluster_event list the headless
 *     commands print and creates a core/v1 Event in the store (bounded:
 *     the oldest are deleted past EVENT_OBJECTS). For the private store
 *     of sl_cluster_memory_new the Event objects are created only once
 *     the store is handed out (sl_cluster_store: the recorded ones first,
 *     then each as it is recorded): nobody can read them before, and
 *     building them was a third of a headless bind's cost.
 *
 * Lifetimes (cluster.h): the current version of an object is kept alive
 * by the store's table; the listener takes a reference on each version an
 * event supersedes (the old one; for DELETED also the last state) and
 * retires it in the version ledger under the event's number, and release
 * drops those references. Own status writes that are not echoed (below)
 * leave the handler holding the previous version: that one is kept aside
 * (`shadowed`, by key) and retired by the pod's next delivered event.
 * Versions returned by the query functions (find_pod, pods, ...) and, for
 * the private store of sl_cluster_memory_new, the last state of deleted
 * pods stay referenced until destroy (the headless commands print them).
 *
 * Status writes of unassigned pods made through update_pod_status are not
 * echoed to the handler (the scheduler's own write; upstream's
 * updatePodInSchedulingQueue ignores such status-only updates); every other
 * watcher of the store sees them.
 *
 * Threads: `lock` guards the adapter's tables (retained versions, the
 * deleted-pod index, the event list, the listing scratch); store calls and
 * handler calls are made with it released. `shadowed` is the listener's
 * (the store serialises listener calls).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "k8s/k8s_schema.h"
#include "scheduler/cluster.h"

#define EVENT_LIMIT 100000      /* sl_cluster_event list */
#define EVENT_OBJECTS 10000     /* Event objects kept in the store */

typedef struct store_cluster {
    sl_cluster base;
    sl_store *store;
    bool owns_store;
    pthread_mutex_t lock;
    sl_cluster_handler handler;
    bool subscribed;
    uint64_t listener;
    strmap retained;           /* "%p" -> sl_object (one reference each): query results */
    sl_version_ledger *ledger; /* superseded versions (one reference each) */
    strmap shadowed;           /* pod key -> the version the handler holds, when an
                                  own status write was not echoed (one reference) */
    strmap deleted_pods;       /* "ns/name" -> last deleted version (retained;
                                  private store only) */
    VEC(k8s_pod *) listing;
    VEC(sl_cluster_event) events;
    VEC(char *) event_keys;    /* "ns\0name" of Event objects, oldest first */
    /* Serialises recording and publishing events (recursive: a store
     * listener may record one); events_exposed: Event objects are created
     * in the store (always for a store someone else passed in; for a
     * private one once sl_cluster_store hands it out). */
    pthread_mutex_t publish_lock;
    bool events_exposed;
    size_t event_keys_head;
    uint64_t event_seq;
} store_cluster;

static __thread store_cluster *own_status_write;

static store_cluster *self_of(sl_cluster *c) { return c->self; }

static void retain(store_cluster *m, sl_object *o) {
    if (!o) return;
    char key[17];
    uintptr_t v = (uintptr_t)o;
    for (int i = 15; i >= 0; i--, v >>= 4) key[i] = "0123456789abcdef"[v & 15];
    key[16] = 0;
    pthread_mutex_lock(&m->lock);
    if (!strmap_get(&m->retained, key)) strmap_put(&m->retained, key, sl_object_ref(o));
    pthread_mutex_unlock(&m->lock);
}

static void unref_version(void *o) { sl_object_unref(o); }

/* o was superseded by event seq: the ledger keeps a reference until release. */
static void retire(store_cluster *m, uint64_t seq, sl_object *o) {
    if (o) sl_version_ledger_retire(m->ledger, seq, sl_object_ref(o), unref_version);
}

static const sl_resource *pods_res(void) { return sl_resource_get(SL_RES_PODS); }

/* ---- the store listener ---- */

static sl_watch_type watch_type(sl_event_type t) {
    return t == SL_EVENT_ADDED ? SL_WATCH_ADDED : t == SL_EVENT_MODIFIED ? SL_WATCH_MODIFIED : SL_WATCH_DELETED;
}

static const sl_resource_id scheduler_kinds[] = {
    SL_RES_PRIORITYCLASSES, SL_RES_PODDISRUPTIONBUDGETS, SL_RES_SERVICES,
    SL_RES_REPLICATIONCONTROLLERS, SL_RES_REPLICASETS, SL_RES_STATEFULSETS,
};

static bool is_scheduler_kind(sl_resource_id id) {
    for (size_t i = 0; i < ARRAY_LEN(scheduler_kinds); i++)
        if (scheduler_kinds[i] == id) return true;
    return false;
}

/* The versions event seq supersedes: the old one (MODIFIED, DELETED) and
 * a deleted object's last state. A pod's version held aside by an
 * unechoed status write is the one the handler had: superseded now too. */
static void retire_superseded(store_cluster *m, uint64_t seq, const sl_store_event *ev) {
    if (ev->res->id == SL_RES_PODS && strmap_len(&m->shadowed)) {
        sl_object *held = strmap_remove(&m->shadowed, ev->obj->key);
        if (held) sl_version_ledger_retire(m->ledger, seq, held, unref_version);
    }
    retire(m, seq, ev->old);
    if (ev->type == SL_EVENT_DELETED) retire(m, seq, ev->obj);
}

static void on_store_event(void *user, const sl_store_event *ev) {
    store_cluster *m = user;
    sl_resource_id id = ev->res->id;
    sl_cluster_handler h = m->handler;
    if (id != SL_RES_PODS && id != SL_RES_NODES && id != SL_RES_NAMESPACES) {
        if (!h.on_object || !is_scheduler_kind(id)) return;
        uint64_t seq = sl_version_ledger_deliver(m->ledger);
        h.on_object(h.user, watch_type(ev->type), ev->type == SL_EVENT_MODIFIED ? ev->old : NULL, ev->obj);
        retire_superseded(m, seq, ev);
        return;
    }
    uint64_t seq = sl_version_ledger_deliver(m->ledger);
    sl_watch_type type = watch_type(ev->type);
    void *old = type == SL_WATCH_MODIFIED && ev->old ? ev->old->typed : NULL;
    switch (id) {
    case SL_RES_PODS: {
        k8s_pod *pod = ev->obj->typed;
        if (type == SL_WATCH_DELETED && m->owns_store) {
            char key[600];
            snprintf(key, sizeof key, "%s/%s", pod->namespace_, pod->name);
            retain(m, ev->obj);
            pthread_mutex_lock(&m->lock);
            strmap_put(&m->deleted_pods, key, ev->obj);
            pthread_mutex_unlock(&m->lock);
        }
        if (type == SL_WATCH_MODIFIED && own_status_write == m && !pod->node_name[0]) {
            /* not echoed: the handler keeps the version it has */
            if (!strmap_get(&m->shadowed, ev->obj->key))
                strmap_put(&m->shadowed, ev->obj->key, sl_object_ref(ev->old));
            else
                retire(m, seq, ev->old); /* an unechoed one: never handed out */
            return;
        }
        if (h.on_pod) h.on_pod(h.user, type, old, pod);
        retire_superseded(m, seq, ev);
        return;
    }
    case SL_RES_NODES:
        if (h.on_node) h.on_node(h.user, type, old, ev->obj->typed);
        break;
    case SL_RES_NAMESPACES:
        if (h.on_namespace) h.on_namespace(h.user, type, old, ev->obj->typed);
        break;
    default: break;
    }
    retire_superseded(m, seq, ev);
}

static void store_subscribe(sl_cluster *c, const sl_cluster_handler *handler) {
    store_cluster *m = self_of(c);
    if (m->subscribed) sl_store_unlisten(m->store, m->listener);
    m->handler = *handler;
    m->subscribed = true;
    static const sl_resource_id order[] = {SL_RES_NAMESPACES, SL_RES_PRIORITYCLASSES,
        SL_RES_PODDISRUPTIONBUDGETS, SL_RES_SERVICES, SL_RES_REPLICATIONCONTROLLERS,
        SL_RES_REPLICASETS, SL_RES_STATEFULSETS, SL_RES_NODES, SL_RES_PODS};
    m->listener = sl_store_listen(m->store, on_store_event, m, order, ARRAY_LEN(order));
}

/* ---- writes ---- */

static json_t *object_child(json_t *parent, const char *key) {
    json_t *child = json_object_get(parent, key);
    if (!json_is_object(child)) {
        child = json_object();
        json_object_set_new(parent, key, child);
    }
    return child;
}

/* Sets the PodScheduled condition in status.conditions. */
static void set_pod_scheduled_condition(sl_store *store, json_t *obj, const char *status,
                                        const char *reason, const char *message) {
    char now[32];
    sl_store_timestamp(store, now, sizeof now);
    json_t *st = object_child(obj, "status");
    json_t *conditions = json_object_get(st, "conditions");
    if (!json_is_array(conditions)) {
        conditions = json_array();
        json_object_set_new(st, "conditions", conditions);
    }
    json_t *cond = NULL;
    size_t i;
    json_t *item;
    json_array_foreach(conditions, i, item) {
        const char *type = json_string_value(json_object_get(item, "type"));
        if (json_is_object(item) && type && !strcmp(type, "PodScheduled")) {
            cond = item;
            break;
        }
    }
    if (!cond) {
        cond = json_object();
        json_object_set_new(cond, "type", json_string("PodScheduled"));
        json_array_append_new(conditions, cond);
    }
    const char *previous = json_string_value(json_object_get(cond, "status"));
    if (!previous || strcmp(previous, status) != 0)
        json_object_set_new(cond, "lastTransitionTime", json_string(now));
    json_object_set_new(cond, "status", json_string(status));
    json_object_set_new(cond, "lastProbeTime", json_null());
    if (reason) json_object_set_new(cond, "reason", json_string(reason));
    else json_object_del(cond, "reason");
    if (message) json_object_set_new(cond, "message", json_string(message));
    else json_object_del(cond, "message");
}

/* A new top level sharing everything with the published version except
 * status and status.conditions, which the caller may then change (the
 * published tree is never modified; a deep copy of a pod was most of the
 * cost of a bind). */
static json_t *copy_for_status_write(const json_t *cur) {
    json_t *next = json_copy((json_t *)cur);
    json_t *status = json_object_get(cur, "status");
    status = json_is_object(status) ? json_copy(status) : json_object();
    json_t *conds = json_object_get(status, "conditions");
    if (conds) json_object_set_new(status, "conditions", json_deep_copy(conds));
    json_object_set_new(next, "status", status);
    return next;
}

typedef struct bind_args {
    sl_store *store;
    const char *node;
} bind_args;

static int bind_mutate(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    bind_args *a = user;
    const k8s_pod *pod = cur->typed;
    if (pod->node_name[0])
        return sl_store_fail(err, 409, "Conflict", "binding: pod is already assigned to a node");
    if (pod->deleting)
        return sl_store_fail(err, 409, "Conflict", "binding: pod %s is being deleted, cannot be assigned to a host", pod->name);
    *next = copy_for_status_write(cur->json);
    json_t *spec = json_object_get(cur->json, "spec");
    spec = json_is_object(spec) ? json_copy(spec) : json_object();
    json_object_set_new(spec, "nodeName", json_string(a->node));
    json_object_set_new(*next, "spec", spec);
    set_pod_scheduled_condition(a->store, *next, "True", NULL, NULL);
    return 200;
}

/* sl_status messages are static strings. */
static sl_status status_of(int code, const sl_store_error *err, const char *not_found,
                           const char *failed) {
    if (code < 300) return SL_STATUS_SUCCESS;
    if (code == 404) return sl_status_make(SL_ERROR, not_found);
    if (code == 409 && !strcmp(err->message, "binding: pod is already assigned to a node"))
        return sl_status_make(SL_ERROR, "binding: pod is already assigned to a node");
    log_warn("cluster store: %s", err->message);
    return sl_status_make(SL_ERROR, failed);
}

/* The bound version's typed view, derived from the unbound one's (which
 * the store keeps alive). */
static void *bind_derive(void *user, const sl_object *cur, json_t *next) {
    bind_args *a = user;
    return k8s_pod_bound(cur->typed, next, a->node);
}

static sl_status store_bind(sl_cluster *c, const k8s_pod *pod, const char *node_name) {
    store_cluster *m = self_of(c);
    bind_args a = {m->store, node_name};
    sl_store_error err;
    int code = sl_store_update_derived(m->store, pods_res(), pod->namespace_, pod->name, bind_mutate,
                                       bind_derive, &a, NULL, &err);
    return status_of(code, &err, "binding: pod not found in the cluster store", "binding: the store refused the write");
}

static sl_status store_delete_pod(sl_cluster *c, const k8s_pod *pod) {
    store_cluster *m = self_of(c);
    sl_store_error err;
    sl_object *last = NULL;
    int code = sl_store_delete(m->store, pods_res(), pod->namespace_, pod->name, 0, NULL, &last, &err);
    if (last && m->owns_store) {
        retain(m, last);
        char key[600];
        snprintf(key, sizeof key, "%s/%s", last->namespace_, last->name);
        pthread_mutex_lock(&m->lock);
        strmap_put(&m->deleted_pods, key, last);
        pthread_mutex_unlock(&m->lock);
    }
    sl_object_unref(last);
    return status_of(code, &err, "delete: pod not found in the cluster store", "delete: the store refused the write");
}

typedef struct status_args {
    sl_store *store;
    const char *reason, *message, *nominated;
} status_args;

static int status_mutate(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    UNUSED(err);
    status_args *a = user;
    *next = copy_for_status_write(cur->json);
    set_pod_scheduled_condition(a->store, *next, "False", a->reason, a->message);
    if (a->nominated) {
        json_t *st = object_child(*next, "status");
        if (a->nominated[0]) json_object_set_new(st, "nominatedNodeName", json_string(a->nominated));
        else json_object_del(st, "nominatedNodeName");
    }
    return 200;
}

static sl_status store_update_pod_status(sl_cluster *c, const k8s_pod *pod, const char *reason,
                                         const char *message, const char *nominated_node) {
    store_cluster *m = self_of(c);
    status_args a = {m->store, reason, message, nominated_node};
    sl_store_error err;
    store_cluster *saved = own_status_write;
    own_status_write = m;
    int code = sl_store_update(m->store, pods_res(), pod->namespace_, pod->name, status_mutate, &a, NULL, &err);
    own_status_write = saved;
    return status_of(code, &err, "status update: pod not found in the cluster store", "status update: the store refused the write");
}

/* Each sl_cluster_event's strings live in one block after this header
 * (namespace, pod name, type, reason, message, pod uid). */
typedef struct event_block {
    uint64_t seq;
} event_block;

static event_block *block_of(const sl_cluster_event *e) {
    return (event_block *)(void *)((char *)e->namespace_ - sizeof(event_block));
}

static void free_event(sl_cluster_event *e) {
    free(block_of(e));
}

static const char *event_uid(const sl_cluster_event *e) {
    return e->message + strlen(e->message) + 1;
}

/* The core/v1 Event object of e, as kube-scheduler's recorder writes it,
 * created in the store (the oldest past EVENT_OBJECTS are deleted). */
static void publish_event(store_cluster *m, const sl_cluster_event *e) {
    char name[400], when[32];
    snprintf(name, sizeof name, "%.200s.%016" PRIx64, e->pod_name, (uint64_t)e->wall_ns + block_of(e)->seq);
    time_format_rfc3339(e->wall_ns, when, sizeof when);
    json_t *ev = json_object(), *meta = json_object(), *inv = json_object(), *src = json_object();
    json_object_set_new(ev, "apiVersion", json_string("v1"));
    json_object_set_new(ev, "kind", json_string("Event"));
    json_object_set_new(meta, "name", json_string(name));
    json_object_set_new(meta, "namespace", json_string(e->namespace_));
    json_object_set_new(ev, "metadata", meta);
    json_object_set_new(inv, "kind", json_string("Pod"));
    json_object_set_new(inv, "namespace", json_string(e->namespace_));
    json_object_set_new(inv, "name", json_string(e->pod_name));
    json_object_set_new(inv, "uid", json_string(event_uid(e)));
    json_object_set_new(inv, "apiVersion", json_string("v1"));
    json_object_set_new(ev, "involvedObject", inv);
    json_object_set_new(ev, "reason", json_string(e->reason));
    json_object_set_new(ev, "message", json_string(e->message));
    json_object_set_new(ev, "type", json_string(e->type));
    json_object_set_new(src, "component", json_string("default-scheduler"));
    json_object_set_new(ev, "source", src);
    json_object_set_new(ev, "reportingComponent", json_string("default-scheduler"));
    json_object_set_new(ev, "firstTimestamp", json_string(when));
    json_object_set_new(ev, "lastTimestamp", json_string(when));
    json_object_set_new(ev, "count", json_integer(1));
    sl_store_error err;
    const sl_resource *events = sl_resource_get(SL_RES_EVENTS);
    if (sl_store_create_take(m->store, events, e->namespace_, ev, NULL, &err) >= 300) return;
    char *key = xasprintf("%s%c%s", e->namespace_, 0, name);
    char *oldest = NULL;
    pthread_mutex_lock(&m->lock);
    VEC_PUSH(&m->event_keys, key);
    if (m->event_keys.len - m->event_keys_head > EVENT_OBJECTS) oldest = m->event_keys.items[m->event_keys_head++];
    if (m->event_keys_head > EVENT_OBJECTS) {
        memmove(m->event_keys.items, m->event_keys.items + m->event_keys_head,
                (m->event_keys.len - m->event_keys_head) * sizeof(char *));
        m->event_keys.len -= m->event_keys_head;
        m->event_keys_head = 0;
    }
    pthread_mutex_unlock(&m->lock);
    if (oldest) {
        sl_store_delete(m->store, events, oldest, oldest + strlen(oldest) + 1, 0, NULL, NULL, &err);
        free(oldest);
    }
}

/* From now on events are Event objects in the store; the ones recorded so
 * far (the last EVENT_OBJECTS) are created now, in order. */
static void expose_events(store_cluster *m) {
    if (__atomic_load_n(&m->events_exposed, __ATOMIC_ACQUIRE)) return;
    pthread_mutex_lock(&m->publish_lock);
    if (!m->events_exposed) {
        /* other threads' record_event waits for publish_lock until the
         * backlog is in the store (each entry copied under the lock: a
         * listener on this thread could still record one meanwhile) */
        pthread_mutex_lock(&m->lock);
        size_t n = m->events.len, from = n > EVENT_OBJECTS ? n - EVENT_OBJECTS : 0;
        pthread_mutex_unlock(&m->lock);
        for (size_t i = from; i < n; i++) {
            pthread_mutex_lock(&m->lock);
            sl_cluster_event e = m->events.items[i];
            pthread_mutex_unlock(&m->lock);
            publish_event(m, &e);
        }
        __atomic_store_n(&m->events_exposed, true, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&m->publish_lock);
}

static void store_record_event(sl_cluster *c, const k8s_pod *pod, const char *type,
                               const char *reason, const char *message) {
    store_cluster *m = self_of(c);
    const char *parts[6] = {pod->namespace_, pod->name, type ? type : "", reason ? reason : "",
                            message ? message : "", pod->uid ? pod->uid : ""};
    size_t lens[6], total = sizeof(event_block);
    for (int i = 0; i < 6; i++) total += (lens[i] = strlen(parts[i])) + 1;
    event_block *block = xmalloc(total);
    char *at = (char *)(block + 1);
    const char *copies[6];
    for (int i = 0; i < 6; i++) {
        memcpy(at, parts[i], lens[i] + 1);
        copies[i] = at;
        at += lens[i] + 1;
    }
    int64_t wall = sl_clock_wall_ns(sl_store_clock(m->store));
    sl_cluster_event e = {copies[0], copies[1], copies[2], copies[3], copies[4], wall};
    /* Exposed (always, for a store someone passed in): no publish_lock, so
     * no store write is made under it on this path (a listener running
     * under the store's dispatch lock may record events). */
    bool exposed = __atomic_load_n(&m->events_exposed, __ATOMIC_ACQUIRE);
    if (!exposed) {
        pthread_mutex_lock(&m->publish_lock);
        exposed = m->events_exposed;
        if (exposed) pthread_mutex_unlock(&m->publish_lock); /* the backlog is in */
    }
    pthread_mutex_lock(&m->lock);
    if (m->events.len >= EVENT_LIMIT) {
        size_t drop = EVENT_LIMIT / 2;
        for (size_t i = 0; i < drop; i++) free_event(&m->events.items[i]);
        memmove(m->events.items, m->events.items + drop,
                (m->events.len - drop) * sizeof(sl_cluster_event));
        m->events.len -= drop;
    }
    block->seq = ++m->event_seq;
    VEC_PUSH(&m->events, e);
    pthread_mutex_unlock(&m->lock);
    /* Building and storing an Event object per scheduling event was a third
     * of a headless bind's cost; a private store (sl_cluster_memory_new)
     * gets them only once someone can read it (sl_cluster_store). */
    if (exposed) publish_event(m, &e);
    else pthread_mutex_unlock(&m->publish_lock);
}

static void store_destroy(sl_cluster *c) {
    store_cluster *m = self_of(c);
    if (m->subscribed) sl_store_unlisten(m->store, m->listener);
    size_t pos = 0;
    void *value;
    while (strmap_next(&m->retained, &pos, NULL, &value)) sl_object_unref(value);
    strmap_free(&m->retained);
    sl_version_ledger_free(m->ledger);
    for (pos = 0; strmap_next(&m->shadowed, &pos, NULL, &value);) sl_object_unref(value);
    strmap_free(&m->shadowed);
    strmap_free(&m->deleted_pods);
    for (size_t i = 0; i < m->events.len; i++) free_event(&m->events.items[i]);
    VEC_FREE(&m->events);
    for (size_t i = m->event_keys_head; i < m->event_keys.len; i++) free(m->event_keys.items[i]);
    VEC_FREE(&m->event_keys);
    VEC_FREE(&m->listing);
    if (m->owns_store) sl_store_close(m->store);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->publish_lock);
    free(m);
}

static uint64_t store_mark(sl_cluster *c) { return sl_version_ledger_mark(self_of(c)->ledger); }

static void store_release(sl_cluster *c, uint64_t mark) {
    sl_version_ledger_release(self_of(c)->ledger, mark);
}

static void store_versions(sl_cluster *c, sl_cluster_versions *out) {
    sl_version_ledger_stats(self_of(c)->ledger, out);
}

static const sl_cluster_ops store_ops = {
    .subscribe = store_subscribe,
    .bind = store_bind,
    .delete_pod = store_delete_pod,
    .update_pod_status = store_update_pod_status,
    .record_event = store_record_event,
    .destroy = store_destroy,
    .mark = store_mark,
    .release = store_release,
    .versions = store_versions,
};

sl_cluster *sl_cluster_store_new(sl_store *store) {
    store_cluster *m = xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m->publish_lock, &attr);
    pthread_mutexattr_destroy(&attr);
    m->events_exposed = true;
    m->ledger = sl_version_ledger_new();
    m->store = store;
    m->base.ops = &store_ops;
    m->base.self = m;
    return &m->base;
}

sl_cluster *sl_cluster_memory_new(void) {
    char err[256];
    sl_store_options o = {.snapshot = true};
    sl_store *store = sl_store_open(&o, err, sizeof err);
    if (!store) {
        log_error("cluster store: %s", err);
        abort();
    }
    sl_admission_install(store, true);
    sl_cluster *c = sl_cluster_store_new(store);
    self_of(c)->owns_store = true;
    self_of(c)->events_exposed = false; /* nobody else reads it yet */
    return c;
}

sl_store *sl_cluster_store(sl_cluster *c) {
    expose_events(self_of(c));
    return self_of(c)->store;
}

/* ---- loading and queries ---- */

static bool add_object(store_cluster *m, sl_resource_id id, json_t *raw, const char *what,
                       char *err, size_t errsize) {
    sl_store_error serr;
    const sl_resource *res = sl_resource_get(id);
    const char *ns = json_string_value(json_object_get(json_object_get(raw, "metadata"), "namespace"));
    int code = sl_store_create(m->store, res, res->namespaced ? (ns && *ns ? ns : "default") : NULL, raw, NULL, &serr);
    if (code < 300) return true;
    if (code == 409) snprintf(err, errsize, "%s: already exists", what);
    else snprintf(err, errsize, "%s: %s", what, serr.message);
    return false;
}

bool sl_cluster_memory_add_node(sl_cluster *c, k8s_node *node, char *err, size_t errsize) {
    char what[300];
    snprintf(what, sizeof what, "Node %s", node->name);
    if (!add_object(self_of(c), SL_RES_NODES, node->raw, what, err, errsize)) return false;
    k8s_node_free(node);
    return true;
}

bool sl_cluster_memory_add_namespace(sl_cluster *c, k8s_namespace *ns, char *err, size_t errsize) {
    char what[300];
    snprintf(what, sizeof what, "Namespace %s", ns->name);
    if (!add_object(self_of(c), SL_RES_NAMESPACES, ns->raw, what, err, errsize)) return false;
    k8s_namespace_free(ns);
    return true;
}

bool sl_cluster_memory_add_pod(sl_cluster *c, k8s_pod *pod, char *err, size_t errsize) {
    char what[600];
    snprintf(what, sizeof what, "Pod %s/%s", pod->namespace_, pod->name);
    if (!add_object(self_of(c), SL_RES_PODS, pod->raw, what, err, errsize)) return false;
    k8s_pod_free(pod);
    return true;
}

static sl_object *current(store_cluster *m, sl_resource_id id, const char *ns, const char *name) {
    sl_object *o;
    sl_store_error err;
    if (sl_store_get(m->store, sl_resource_get(id), ns, name, &o, &err) >= 300) return NULL;
    retain(m, o);
    sl_object_unref(o); /* the adapter's reference keeps it */
    return o;
}

k8s_namespace *sl_cluster_memory_find_namespace(sl_cluster *c, const char *name) {
    sl_object *o = current(self_of(c), SL_RES_NAMESPACES, NULL, name);
    return o ? o->typed : NULL;
}

k8s_pod *sl_cluster_memory_find_pod(sl_cluster *c, const char *namespace_, const char *name) {
    sl_object *o = current(self_of(c), SL_RES_PODS, namespace_ ? namespace_ : "default", name);
    return o ? o->typed : NULL;
}

bool sl_cluster_memory_load(sl_cluster *c, const json_t *docs, const char *origin, char *err,
                            size_t errsize) {
    return sl_cluster_memory_load_with(c, docs, origin, NULL, err, errsize);
}

/* Each object is checked as the API server would (k8s_check_object), then
 * the kinds the scheduler reads are decoded and every other served kind is
 * stored as it is; the origin of every message is "FILE: document N[,
 * items[i]]". */
bool sl_cluster_memory_load_with(sl_cluster *c, const json_t *docs, const char *origin,
                                 const sl_cluster_load_options *opts, char *err, size_t errsize) {
    size_t i;
    json_t *obj;
    char msg[1024], where[512];
    const char *file = origin ? origin : "<input>";
    const json_t *locations = opts ? opts->locations : NULL;
    k8s_check_options check_opts = {.lenient = opts && opts->lenient};
    size_t nnodes = 0, npods = 0;
    if (!json_is_array(docs)) {
        snprintf(err, errsize, "%s: expected an array of documents", file);
        return false;
    }
    k8s_check_result *check = xmalloc(sizeof *check);
    bool ok = false;
    json_array_foreach(docs, i, obj) {
        const char *loc = json_string_value(json_array_get(locations, i));
        if (loc) snprintf(where, sizeof where, "%s: %s", file, loc);
        else snprintf(where, sizeof where, "%s: document %zu", file, i + 1);
        if (!k8s_check_object(obj, &check_opts, check)) {
            snprintf(err, errsize, "%s: %s", where, check->error);
            goto out;
        }
        if (check->warning[0]) log_warn("%s: %s", where, check->warning);
        const k8s_schema_kind *kind = check->kind;
        bool core = !kind->group[0];
        if (core && !strcmp(kind->kind, "Node")) {
            k8s_node *node = k8s_node_decode(obj, where, err, errsize);
            if (!node) goto out;
            if (!sl_cluster_memory_add_node(c, node, msg, sizeof(msg))) {
                snprintf(err, errsize, "%s: %s", where, msg);
                k8s_node_free(node);
                goto out;
            }
            nnodes++;
        } else if (core && !strcmp(kind->kind, "Namespace")) {
            k8s_namespace *ns = k8s_namespace_decode(obj, where, err, errsize);
            if (!ns) goto out;
            if (!sl_cluster_memory_add_namespace(c, ns, msg, sizeof(msg))) {
                snprintf(err, errsize, "%s: %s", where, msg);
                k8s_namespace_free(ns);
                goto out;
            }
        } else if (core && !strcmp(kind->kind, "Pod")) {
            k8s_pod *pod = k8s_pod_decode(obj, where, err, errsize);
            if (!pod) goto out;
            if (!sl_cluster_memory_add_pod(c, pod, msg, sizeof(msg))) {
                snprintf(err, errsize, "%s: %s", where, msg);
                k8s_pod_free(pod);
                goto out;
            }
            npods++;
        } else {
            const sl_resource *res = sl_resource_by_kind(kind->api_version, kind->kind);
            if (res) {
                const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
                char what[400];
                snprintf(what, sizeof what, "%s %s", kind->kind, name ? name : "");
                if (!add_object(self_of(c), res->id, obj, what, msg, sizeof msg)) {
                    snprintf(err, errsize, "%s: %s", where, msg);
                    goto out;
                }
                continue;
            }
            log_warn("%s: skipping %s %s: not used by the scheduler%s", where, kind->api_version,
                     kind->kind, kind->def < 0 ? " (not checked)" : "");
        }
    }
    if (!nnodes && !npods) {
        snprintf(err, errsize, "%s: no Nodes and no Pods: not a cluster file%s", file,
                 json_array_size(docs) ? "" : " (it has no objects)");
        goto out;
    }
    ok = true;
out:
    free(check);
    return ok;
}

uint32_t sl_cluster_memory_pods(sl_cluster *c, k8s_pod ***out) {
    store_cluster *m = self_of(c);
    sl_object **items;
    size_t n = sl_store_snapshot(m->store, pods_res(), &items, NULL);
    for (size_t i = 0; i < n; i++) retain(m, items[i]);
    pthread_mutex_lock(&m->lock);
    m->listing.len = 0;
    for (size_t i = 0; i < n; i++) VEC_PUSH(&m->listing, items[i]->typed);
    *out = m->listing.items;
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; i < n; i++) sl_object_unref(items[i]);
    free(items);
    return (uint32_t)n;
}

/* The PodScheduled condition's reason/message of a version. */
static const char *scheduled_reason(const sl_object *o, const char **message) {
    const char *reason = "", *msg = "";
    size_t i;
    json_t *cond;
    json_array_foreach(json_object_get(json_object_get(o->json, "status"), "conditions"), i, cond) {
        const char *type = json_string_value(json_object_get(cond, "type"));
        if (type && !strcmp(type, "PodScheduled")) {
            const char *r = json_string_value(json_object_get(cond, "reason"));
            const char *mm = json_string_value(json_object_get(cond, "message"));
            if (r) reason = r;
            if (mm) msg = mm;
        }
    }
    if (message) *message = msg;
    return reason;
}

const char *sl_cluster_memory_pod_condition(sl_cluster *c, const k8s_pod *pod,
                                            const char **message) {
    store_cluster *m = self_of(c);
    sl_object *o = current(m, SL_RES_PODS, pod->namespace_, pod->name);
    if (!o) {
        char key[600];
        snprintf(key, sizeof key, "%s/%s", pod->namespace_, pod->name);
        pthread_mutex_lock(&m->lock);
        o = strmap_get(&m->deleted_pods, key);
        pthread_mutex_unlock(&m->lock);
    }
    if (!o) {
        if (message) *message = "";
        return "";
    }
    return scheduled_reason(o, message);
}

bool sl_cluster_memory_pod_deleted(sl_cluster *c, const char *namespace_, const char *name) {
    store_cluster *m = self_of(c);
    const char *ns = namespace_ ? namespace_ : "default";
    if (current(m, SL_RES_PODS, ns, name)) return false;
    char key[600];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    pthread_mutex_lock(&m->lock);
    bool deleted = strmap_get(&m->deleted_pods, key) != NULL;
    pthread_mutex_unlock(&m->lock);
    return deleted;
}

uint32_t sl_cluster_memory_events(sl_cluster *c, const sl_cluster_event **out) {
    store_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    *out = m->events.items;
    uint32_t n = (uint32_t)m->events.len;
    pthread_mutex_unlock(&m->lock);
    return n;
}
