/*
 * cluster_memory.c — the in-process cluster source (cluster.h): Namespaces,
 * Nodes and Pods held as decoded objects, writes applied directly to them, watch
 * events delivered synchronously to the one subscribed handler. Used by
 * `schedlab schedule`, the benchmarks and the simulator: no HTTP, no JSON
 * round-trips.
 *
 * Writes mutate the stored object in place and keep `raw` in step, so a
 * later dump shows what an API server would:
 *   - bind: spec.nodeName (typed field, arena copy) and a PodScheduled=True
 *     condition, then a MODIFIED event. The handler's `old` is a shallow
 *     copy of the pod taken before the write (typed fields as they were;
 *     it shares `raw`, which already shows the new state) and is valid only
 *     during the call.
 *   - delete_pod: the pod is marked deleted and a DELETED event follows. The
 *     object itself stays allocated until the store is destroyed, so
 *     anything still pointing at it (a snapshot of the running cycle) stays
 *     valid; the name may be reused by a new pod.
 *   - update_pod_status: PodScheduled=False with reason and message, and
 *     status.nominatedNodeName. No event is delivered: upstream's scheduler
 *     ignores status-only updates of its own pods, and not echoing them keeps
 *     the scheduling loop simple.
 *
 * Threads: one mutex guards the store's tables; handlers are called with it
 * released, so a handler may call back into the store. Typed pod fields
 * written by bind (node_name) are read by other threads without the lock; a
 * pointer store is atomic on our targets, but a reader may see either value.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "scheduler/cluster.h"

#define EVENT_LIMIT 100000

typedef struct stored_pod {
    k8s_pod *pod;
    char *key;                 /* "namespace/name" */
    bool deleted;
    char *reason;              /* last update_pod_status, NULL if none */
    char *message;
} stored_pod;

typedef struct memory_cluster {
    sl_cluster base;
    pthread_mutex_t lock;
    bool subscribed;
    sl_cluster_handler handler;
    VEC(k8s_node *) nodes;
    strmap nodes_by_name;
    VEC(k8s_namespace *) namespaces;   /* insertion order */
    strmap namespaces_by_name;
    VEC(stored_pod *) pods;    /* insertion order, deleted ones included */
    strmap live_pods;          /* key -> stored_pod (not deleted) */
    strmap deleted_pods;       /* key -> last deleted stored_pod with that key */
    VEC(k8s_pod *) listing;    /* scratch for sl_cluster_memory_pods */
    VEC(sl_cluster_event) events;
    /* The last RFC 3339 timestamp written and its second: binds come
     * thousands per second, and formatting the time (gmtime + strftime)
     * was a fair part of a bind. Guarded by `lock`. */
    int64_t stamp_second;
    char stamp[32];
} memory_cluster;

static memory_cluster *self_of(sl_cluster *c) { return c->self; }

static char *key_of(const char *namespace_, const char *name) {
    return xasprintf("%s/%s", namespace_, name);
}

static stored_pod *live_pod(memory_cluster *m, const k8s_pod *pod) {
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "%s/%s", pod->namespace_, pod->name);
    if (n >= 0 && (size_t)n < sizeof(buf)) return strmap_get(&m->live_pods, buf);
    char *key = key_of(pod->namespace_, pod->name);
    stored_pod *sp = strmap_get(&m->live_pods, key);
    free(key);
    return sp;
}

/* ---- raw status helpers ---- */

static json_t *object_child(json_t *parent, const char *key) {
    json_t *child = json_object_get(parent, key);
    if (!json_is_object(child)) {
        child = json_object();
        json_object_set_new(parent, key, child);
    }
    return child;
}

/* The current wall time as RFC 3339 (second resolution), formatted once
 * per second. Call with m->lock held. */
static const char *now_rfc3339(memory_cluster *m) {
    int64_t second = time_wall_ns() / 1000000000;
    if (second != m->stamp_second || !m->stamp[0]) {
        time_format_rfc3339(second * 1000000000, m->stamp, sizeof(m->stamp));
        m->stamp_second = second;
    }
    return m->stamp;
}

/* Sets the PodScheduled condition in raw status.conditions. */
static void set_pod_scheduled_condition(memory_cluster *m, json_t *raw, const char *status,
                                        const char *reason, const char *message) {
    const char *now = now_rfc3339(m);
    json_t *st = object_child(raw, "status");
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

/* ---- ops ---- */

static void memory_subscribe(sl_cluster *c, const sl_cluster_handler *handler) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    m->handler = *handler;
    m->subscribed = true;
    /* Replay from a copy of the lists: the handler may call back in. */
    size_t nns = m->namespaces.len;
    k8s_namespace **namespaces = xmalloc((nns ? nns : 1) * sizeof(*namespaces));
    if (nns) memcpy(namespaces, m->namespaces.items, nns * sizeof(*namespaces));
    size_t nnodes = m->nodes.len, npods = 0;
    k8s_node **nodes = xmalloc((nnodes ? nnodes : 1) * sizeof(*nodes));
    if (nnodes) memcpy(nodes, m->nodes.items, nnodes * sizeof(*nodes));
    k8s_pod **pods = xmalloc((m->pods.len ? m->pods.len : 1) * sizeof(*pods));
    for (size_t i = 0; i < m->pods.len; i++)
        if (!m->pods.items[i]->deleted) pods[npods++] = m->pods.items[i]->pod;
    sl_cluster_handler h = m->handler;
    pthread_mutex_unlock(&m->lock);
    for (size_t i = 0; i < nns; i++)
        if (h.on_namespace) h.on_namespace(h.user, SL_WATCH_ADDED, NULL, namespaces[i]);
    for (size_t i = 0; i < nnodes; i++)
        if (h.on_node) h.on_node(h.user, SL_WATCH_ADDED, NULL, nodes[i]);
    for (size_t i = 0; i < npods; i++)
        if (h.on_pod) h.on_pod(h.user, SL_WATCH_ADDED, NULL, pods[i]);
    free(namespaces);
    free(nodes);
    free(pods);
}

static sl_status memory_bind(sl_cluster *c, const k8s_pod *pod, const char *node_name) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    stored_pod *sp = live_pod(m, pod);
    if (!sp) {
        pthread_mutex_unlock(&m->lock);
        return sl_status_make(SL_ERROR, "binding: pod not found in the cluster store");
    }
    k8s_pod *target = sp->pod;
    if (target->node_name[0]) {
        pthread_mutex_unlock(&m->lock);
        return sl_status_make(SL_ERROR, "binding: pod is already assigned to a node");
    }
    k8s_pod before = *target;
    target->node_name = arena_strdup(&target->mem, node_name);
    json_t *spec = object_child(target->raw, "spec");
    json_object_set_new(spec, "nodeName", json_string(node_name));
    set_pod_scheduled_condition(m, target->raw, "True", NULL, NULL);
    sl_cluster_handler h = m->handler;
    bool deliver = m->subscribed && h.on_pod;
    pthread_mutex_unlock(&m->lock);
    if (deliver) h.on_pod(h.user, SL_WATCH_MODIFIED, &before, target);
    return SL_STATUS_SUCCESS;
}

static sl_status memory_delete_pod(sl_cluster *c, const k8s_pod *pod) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    stored_pod *sp = live_pod(m, pod);
    if (!sp) {
        pthread_mutex_unlock(&m->lock);
        return sl_status_make(SL_ERROR, "delete: pod not found in the cluster store");
    }
    sp->deleted = true;
    strmap_remove(&m->live_pods, sp->key);
    strmap_put(&m->deleted_pods, sp->key, sp);
    sl_cluster_handler h = m->handler;
    bool deliver = m->subscribed && h.on_pod;
    pthread_mutex_unlock(&m->lock);
    if (deliver) h.on_pod(h.user, SL_WATCH_DELETED, NULL, sp->pod);
    return SL_STATUS_SUCCESS;
}

static sl_status memory_update_pod_status(sl_cluster *c, const k8s_pod *pod, const char *reason,
                                          const char *message, const char *nominated_node) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    stored_pod *sp = live_pod(m, pod);
    if (!sp) {
        pthread_mutex_unlock(&m->lock);
        return sl_status_make(SL_ERROR, "status update: pod not found in the cluster store");
    }
    k8s_pod *target = sp->pod;
    free(sp->reason);
    free(sp->message);
    sp->reason = xstrdup(reason ? reason : "");
    sp->message = xstrdup(message ? message : "");
    set_pod_scheduled_condition(m, target->raw, "False", reason, message);
    if (nominated_node) {
        json_t *st = object_child(target->raw, "status");
        if (nominated_node[0]) {
            target->nominated_node_name = arena_strdup(&target->mem, nominated_node);
            json_object_set_new(st, "nominatedNodeName", json_string(nominated_node));
        } else {
            target->nominated_node_name = "";
            json_object_del(st, "nominatedNodeName");
        }
    }
    pthread_mutex_unlock(&m->lock);
    return SL_STATUS_SUCCESS;
}

static void free_event(sl_cluster_event *e) {
    /* one block: the struct's strings were allocated together */
    free((void *)e->namespace_);
}

static void memory_record_event(sl_cluster *c, const k8s_pod *pod, const char *type,
                                const char *reason, const char *message) {
    memory_cluster *m = self_of(c);
    const char *parts[5] = {pod->namespace_, pod->name, type ? type : "", reason ? reason : "",
                            message ? message : ""};
    size_t lens[5], total = 0;
    for (int i = 0; i < 5; i++) total += (lens[i] = strlen(parts[i])) + 1;
    char *block = xmalloc(total), *at = block;
    const char *copies[5];
    for (int i = 0; i < 5; i++) {
        memcpy(at, parts[i], lens[i] + 1);
        copies[i] = at;
        at += lens[i] + 1;
    }
    sl_cluster_event e = {copies[0], copies[1], copies[2], copies[3], copies[4], time_wall_ns()};
    pthread_mutex_lock(&m->lock);
    if (m->events.len >= EVENT_LIMIT) {
        size_t drop = EVENT_LIMIT / 2;
        for (size_t i = 0; i < drop; i++) free_event(&m->events.items[i]);
        memmove(m->events.items, m->events.items + drop,
                (m->events.len - drop) * sizeof(sl_cluster_event));
        m->events.len -= drop;
    }
    VEC_PUSH(&m->events, e);
    pthread_mutex_unlock(&m->lock);
}

static void memory_destroy(sl_cluster *c) {
    memory_cluster *m = self_of(c);
    for (size_t i = 0; i < m->pods.len; i++) {
        stored_pod *sp = m->pods.items[i];
        k8s_pod_free(sp->pod);
        free(sp->key);
        free(sp->reason);
        free(sp->message);
        free(sp);
    }
    for (size_t i = 0; i < m->nodes.len; i++) k8s_node_free(m->nodes.items[i]);
    for (size_t i = 0; i < m->namespaces.len; i++) k8s_namespace_free(m->namespaces.items[i]);
    VEC_FREE(&m->namespaces);
    strmap_free(&m->namespaces_by_name);
    for (size_t i = 0; i < m->events.len; i++) free_event(&m->events.items[i]);
    VEC_FREE(&m->pods);
    VEC_FREE(&m->nodes);
    VEC_FREE(&m->listing);
    VEC_FREE(&m->events);
    strmap_free(&m->nodes_by_name);
    strmap_free(&m->live_pods);
    strmap_free(&m->deleted_pods);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static const sl_cluster_ops memory_ops = {
    .subscribe = memory_subscribe,
    .bind = memory_bind,
    .delete_pod = memory_delete_pod,
    .update_pod_status = memory_update_pod_status,
    .record_event = memory_record_event,
    .destroy = memory_destroy,
};

sl_cluster *sl_cluster_memory_new(void) {
    memory_cluster *m = xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    m->base.ops = &memory_ops;
    m->base.self = m;
    return &m->base;
}

/* ---- loading and queries ---- */

bool sl_cluster_memory_add_node(sl_cluster *c, k8s_node *node, char *err, size_t errsize) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    if (strmap_get(&m->nodes_by_name, node->name)) {
        pthread_mutex_unlock(&m->lock);
        snprintf(err, errsize, "Node %s: already exists", node->name);
        return false;
    }
    VEC_PUSH(&m->nodes, node);
    strmap_put(&m->nodes_by_name, node->name, node);
    sl_cluster_handler h = m->handler;
    bool deliver = m->subscribed && h.on_node;
    pthread_mutex_unlock(&m->lock);
    if (deliver) h.on_node(h.user, SL_WATCH_ADDED, NULL, node);
    return true;
}

bool sl_cluster_memory_add_namespace(sl_cluster *c, k8s_namespace *ns, char *err,
                                     size_t errsize) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    if (strmap_get(&m->namespaces_by_name, ns->name)) {
        pthread_mutex_unlock(&m->lock);
        snprintf(err, errsize, "Namespace %s: already exists", ns->name);
        return false;
    }
    VEC_PUSH(&m->namespaces, ns);
    strmap_put(&m->namespaces_by_name, ns->name, ns);
    sl_cluster_handler h = m->handler;
    bool deliver = m->subscribed && h.on_namespace;
    pthread_mutex_unlock(&m->lock);
    if (deliver) h.on_namespace(h.user, SL_WATCH_ADDED, NULL, ns);
    return true;
}

k8s_namespace *sl_cluster_memory_find_namespace(sl_cluster *c, const char *name) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    k8s_namespace *ns = strmap_get(&m->namespaces_by_name, name);
    pthread_mutex_unlock(&m->lock);
    return ns;
}

bool sl_cluster_memory_add_pod(sl_cluster *c, k8s_pod *pod, char *err, size_t errsize) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    if (live_pod(m, pod)) {
        pthread_mutex_unlock(&m->lock);
        snprintf(err, errsize, "Pod %s/%s: already exists", pod->namespace_, pod->name);
        return false;
    }
    stored_pod *sp = xcalloc(1, sizeof(*sp));
    sp->pod = pod;
    sp->key = key_of(pod->namespace_, pod->name);
    VEC_PUSH(&m->pods, sp);
    strmap_put(&m->live_pods, sp->key, sp);
    sl_cluster_handler h = m->handler;
    bool deliver = m->subscribed && h.on_pod;
    pthread_mutex_unlock(&m->lock);
    if (deliver) h.on_pod(h.user, SL_WATCH_ADDED, NULL, pod);
    return true;
}

bool sl_cluster_memory_load(sl_cluster *c, const json_t *docs, const char *origin, char *err,
                            size_t errsize) {
    return sl_cluster_memory_load_with(c, docs, origin, NULL, err, errsize);
}

/* Each object is checked as the API server would (k8s_check_object), then
 * the kinds the scheduler reads are decoded; the origin of every message is
 * "FILE: document N[, items[i]]". */
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
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    m->listing.len = 0;
    for (size_t i = 0; i < m->pods.len; i++)
        if (!m->pods.items[i]->deleted) VEC_PUSH(&m->listing, m->pods.items[i]->pod);
    *out = m->listing.items;
    uint32_t n = (uint32_t)m->listing.len;
    pthread_mutex_unlock(&m->lock);
    return n;
}

k8s_pod *sl_cluster_memory_find_pod(sl_cluster *c, const char *namespace_, const char *name) {
    memory_cluster *m = self_of(c);
    char *key = key_of(namespace_ ? namespace_ : "default", name);
    pthread_mutex_lock(&m->lock);
    stored_pod *sp = strmap_get(&m->live_pods, key);
    pthread_mutex_unlock(&m->lock);
    free(key);
    return sp ? sp->pod : NULL;
}

const char *sl_cluster_memory_pod_condition(sl_cluster *c, const k8s_pod *pod,
                                            const char **message) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    stored_pod *sp = live_pod(m, pod);
    if (!sp) {
        /* a deleted pod keeps its last status */
        char *key = key_of(pod->namespace_, pod->name);
        sp = strmap_get(&m->deleted_pods, key);
        free(key);
    }
    const char *reason = sp && sp->reason ? sp->reason : "";
    if (message) *message = sp && sp->message ? sp->message : "";
    pthread_mutex_unlock(&m->lock);
    return reason;
}

bool sl_cluster_memory_pod_deleted(sl_cluster *c, const char *namespace_, const char *name) {
    memory_cluster *m = self_of(c);
    char *key = key_of(namespace_ ? namespace_ : "default", name);
    pthread_mutex_lock(&m->lock);
    bool deleted = strmap_get(&m->deleted_pods, key) && !strmap_get(&m->live_pods, key);
    pthread_mutex_unlock(&m->lock);
    free(key);
    return deleted;
}

uint32_t sl_cluster_memory_events(sl_cluster *c, const sl_cluster_event **out) {
    memory_cluster *m = self_of(c);
    pthread_mutex_lock(&m->lock);
    *out = m->events.items;
    uint32_t n = (uint32_t)m->events.len;
    pthread_mutex_unlock(&m->lock);
    return n;
}
