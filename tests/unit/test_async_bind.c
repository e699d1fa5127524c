/*
 * test_async_bind.c — the binding cycle of an asynchronous bind (a source
 * whose bind returns SL_WAIT and reports the result later, as the remote
 * and inbox sources do), on the in-process cluster in virtual time, with
 * a test source that holds the binds until the test decides them:
 *   - nothing of the binding cycle's end happens while the bind is in
 *     flight (no PostBind, no Scheduled event, the node stays reserved);
 *   - a failed bind runs Unreserve in reverse order with the cycle state
 *     Reserve wrote, forgets the pod (a pod waiting for the room gets it),
 *     requeues it and records FailedScheduling / SchedulerError with
 *     upstream's "running Bind plugin" message, and no Scheduled event;
 *   - a confirmed bind (report first, or the watch first) runs PostBind
 *     once and records Scheduled once;
 *   - conflicts: a pod deleted meanwhile is forgotten and not queued again;
 *     a pod bound elsewhere by someone else is not queued again; both
 *     still get upstream's FailedScheduling event and status write.
 */
#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_internal.h"
#include "test.h"

/* ---- Tracker plugins: Reserve writes the pod's name in the cycle state;
 * Unreserve and PostBind log "<plugin>:<point>:<pod>:<state>". ---- */
static strbuf calls;

static void log_call(const char *plugin, const char *point, sl_cycle *c, const sl_pod_info *pod) {
    const char *state = sl_cycle_state_read(c, plugin);
    strbuf_printf(&calls, "%s:%s:%s:%s;", plugin, point, pod->pod->name, state ? state : "-");
}
static sl_status tracker_reserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    (void)node;
    sl_cycle_state_write(c, p->name, sl_cycle_printf(c, "%s", pod->pod->name), NULL, NULL);
    return SL_STATUS_SUCCESS;
}
static void tracker_unreserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    (void)node;
    log_call(p->name, "Unreserve", c, pod);
}
static void tracker_post_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    (void)node;
    log_call(p->name, "PostBind", c, pod);
}
static const sl_plugin_ops tracker_a_ops = {
    .name = "TrackerA", .reserve = tracker_reserve, .unreserve = tracker_unreserve, .post_bind = tracker_post_bind};
static const sl_plugin_ops tracker_b_ops = {
    .name = "TrackerB", .reserve = tracker_reserve, .unreserve = tracker_unreserve};
static const sl_plugin_registration tracker_a = {"TrackerA", &tracker_a_ops, NULL};
static const sl_plugin_registration tracker_b = {"TrackerB", &tracker_b_ops, NULL};

/* ---- a source that holds binds (cluster.h's asynchronous contract) ---- */

typedef struct held_bind {
    const k8s_pod *pod;
    char node[64];
} held_bind;

typedef struct async_cluster {
    sl_cluster base;
    sl_cluster *inner;            /* the memory cluster */
    sl_cluster_handler handler;
    held_bind held[16];
    uint32_t nheld;
} async_cluster;

static async_cluster *self_of(sl_cluster *c) { return c->self; }
static void a_subscribe(sl_cluster *c, const sl_cluster_handler *h) {
    self_of(c)->handler = *h;
    self_of(c)->inner->ops->subscribe(self_of(c)->inner, h);
}
static sl_status a_bind(sl_cluster *c, const k8s_pod *pod, const char *node) {
    async_cluster *a = self_of(c);
    held_bind *b = &a->held[a->nheld++];
    b->pod = pod;
    snprintf(b->node, sizeof b->node, "%s", node);
    return sl_status_make(SL_WAIT, NULL);
}
static sl_status a_delete_pod(sl_cluster *c, const k8s_pod *pod) {
    return self_of(c)->inner->ops->delete_pod(self_of(c)->inner, pod);
}
static sl_status a_update_pod_status(sl_cluster *c, const k8s_pod *pod, const char *reason,
                                     const char *message, const char *nominated) {
    sl_cluster *in = self_of(c)->inner;
    return in->ops->update_pod_status(in, pod, reason, message, nominated);
}
static void a_record_event(sl_cluster *c, const k8s_pod *pod, const char *type, const char *reason,
                           const char *message) {
    sl_cluster *in = self_of(c)->inner;
    in->ops->record_event(in, pod, type, reason, message);
}
static void a_destroy(sl_cluster *c) {
    self_of(c)->inner->ops->destroy(self_of(c)->inner);
    free(self_of(c));
}
static const sl_cluster_ops async_ops = {
    .subscribe = a_subscribe, .bind = a_bind, .delete_pod = a_delete_pod,
    .update_pod_status = a_update_pod_status, .record_event = a_record_event, .destroy = a_destroy};

static held_bind *held_for(async_cluster *a, const char *pod) {
    for (uint32_t i = 0; i < a->nheld; i++)
        if (a->held[i].pod && strcmp(a->held[i].pod->name, pod) == 0) return &a->held[i];
    return NULL;
}

/* ---- harness ---- */

typedef struct world {
    sl_registry *registry;
    sl_config config;
    async_cluster *async;
    sl_cluster *memory;
    sl_scheduler *scheduler;
} world;

static strbuf docs;

static void add_node(const char *name, const char *cpu) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Node\nmetadata: {name: %s, labels: {kubernetes.io/hostname: %s}}\n"
                  "status: {capacity: {cpu: \"%s\", memory: 32Gi, pods: \"110\"}}\n",
                  name, name, cpu);
}

static void add_pod(const char *name, const char *cpu, const char *node_selector) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default, uid: uid-%s}\n"
                  "spec:\n  %s\n  containers: [{name: app, image: pause, resources: {requests: {cpu: \"%s\"}}}]\n",
                  name, name, node_selector ? node_selector : "schedulerName: default-scheduler", cpu);
}

static bool start(world *w) {
    char err[1024];
    memset(w, 0, sizeof(*w));
    strbuf_reset(&calls);
    w->registry = sl_registry_new_default();
    sl_registry_add(w->registry, &tracker_a);
    sl_registry_add(w->registry, &tracker_b);
    const char *yaml = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                       "profiles:\n- schedulerName: default-scheduler\n  plugins:\n"
                       "    reserve: {enabled: [{name: TrackerA}, {name: TrackerB}]}\n"
                       "    postBind: {enabled: [{name: TrackerA}]}\n";
    json_t *doc = k8s_parse_document(yaml, strlen(yaml), "config", err, sizeof err);
    if (!doc || !sl_config_load_json(doc, "config", w->registry, &w->config, err, sizeof err)) {
        fprintf(stderr, "config: %s\n", err);
        json_decref(doc);
        return false;
    }
    json_decref(doc);
    json_t *objs = k8s_parse_documents(strbuf_cstr(&docs), docs.len, "cluster", err, sizeof err);
    w->memory = sl_cluster_memory_new();
    bool ok = objs && sl_cluster_memory_load(w->memory, objs, "cluster", err, sizeof err);
    json_decref(objs);
    if (!ok) {
        fprintf(stderr, "load: %s\n", err);
        return false;
    }
    w->async = xcalloc(1, sizeof(*w->async));
    w->async->base.ops = &async_ops;
    w->async->base.self = w->async;
    w->async->inner = w->memory;
    sl_scheduler_options o = {.config = &w->config, .registry = w->registry, .cluster = &w->async->base,
                              .seed = 1, .virtual_time = true};
    w->scheduler = sl_scheduler_new(&o, err, sizeof err);
    if (!w->scheduler) {
        fprintf(stderr, "scheduler: %s\n", err);
        return false;
    }
    sl_scheduler_run_until_quiescent(w->scheduler);
    return true;
}

static void stop(world *w) {
    if (w->scheduler) sl_scheduler_free(w->scheduler);
    if (w->async) w->async->base.ops->destroy(&w->async->base);
    sl_config_free(&w->config);
    sl_registry_free(w->registry);
    strbuf_reset(&docs);
}

static k8s_pod *pod_of(world *w, const char *name) {
    return sl_cluster_memory_find_pod(w->memory, "default", name);
}

static sl_pod_result result_of(world *w, const char *name) {
    sl_pod_result r;
    memset(&r, 0, sizeof(r));
    k8s_pod *pod = pod_of(w, name);
    if (!pod || !sl_scheduler_pod_result(w->scheduler, pod, &r)) r.state = (sl_pod_state)-1;
    if (!r.message) r.message = "";
    return r;
}

/* How many events of that reason the pod has; *message gets the last. */
static uint32_t events_of(world *w, const char *pod, const char *reason, const char **message) {
    const sl_cluster_event *ev;
    uint32_t n = sl_cluster_memory_events(w->memory, &ev), count = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(ev[i].pod_name, pod) && !strcmp(ev[i].reason, reason)) {
            count++;
            if (message) *message = ev[i].message;
        }
    return count;
}

/* The source reports the held bind of `pod`: ok (the store binds it,
 * watch_first: its MODIFIED event before the report) or failed. */
static void finish(world *w, const char *pod, bool ok, bool watch_first, const char *message) {
    held_bind *b = held_for(w->async, pod);
    CHECK(b != NULL);
    if (!b) return;
    held_bind job = *b;
    b->pod = NULL;
    const sl_cluster_handler *h = &w->async->handler;
    if (ok && watch_first) CHECK_EQ_INT(w->memory->ops->bind(w->memory, job.pod, job.node).code, SL_SUCCESS);
    if (ok) h->on_bind_succeeded(h->user, (k8s_pod *)job.pod, job.node);
    else h->on_bind_failed(h->user, (k8s_pod *)job.pod, job.node, message);
    if (ok && !watch_first) CHECK_EQ_INT(w->memory->ops->bind(w->memory, job.pod, job.node).code, SL_SUCCESS);
}

/* ---- tests ---- */

/* A failed bind: Unreserve (reverse order, with the cycle's state), the
 * node released for the pod waiting for it, the failed pod requeued with
 * SchedulerError and no Scheduled event. Then the other pod's bind is
 * confirmed (report before the watch): PostBind and Scheduled once. */
TEST(test_failed_bind_unreserves_and_requeues) {
    world w;
    add_node("n1", "1");
    add_pod("a", "800m", NULL);
    add_pod("b", "800m", NULL);
    CHECK(start(&w));
    held_bind *ha = held_for(w.async, "a"), *hb = held_for(w.async, "b");
    CHECK(ha != NULL && hb == NULL);
    /* in flight: nothing of the binding cycle's end yet */
    CHECK_EQ_STR(strbuf_cstr(&calls), "");
    CHECK_EQ_INT(events_of(&w, "a", "Scheduled", NULL), 0);
    CHECK_EQ_INT(result_of(&w, "b").state, SL_POD_UNSCHEDULABLE);

    finish(&w, "a", false, false, "the server is on fire");
    CHECK_EQ_STR(strbuf_cstr(&calls), "TrackerB:Unreserve:a:a;TrackerA:Unreserve:a:a;");
    sl_pod_result ra = result_of(&w, "a");
    CHECK_EQ_INT(ra.state, SL_POD_ERROR);
    CHECK_EQ_STR(ra.message, "running Bind plugin \"DefaultBinder\": the server is on fire");
    const char *msg = NULL, *cmsg = NULL;
    CHECK_EQ_INT(events_of(&w, "a", "FailedScheduling", &msg), 1);
    CHECK_EQ_STR(msg ? msg : "", "running Bind plugin \"DefaultBinder\": the server is on fire");
    CHECK_EQ_STR(sl_cluster_memory_pod_condition(w.memory, pod_of(&w, "a"), &cmsg), "SchedulerError");
    CHECK_EQ_INT(events_of(&w, "a", "Scheduled", NULL), 0);

    /* the room a held is free again: b (moved by the forget) takes it */
    strbuf_reset(&calls);
    sl_scheduler_run_until_quiescent(w.scheduler);
    hb = held_for(w.async, "b");
    CHECK(hb != NULL && hb && !strcmp(hb->node, "n1"));
    CHECK_EQ_INT(result_of(&w, "a").state, SL_POD_UNSCHEDULABLE); /* retried after backoff: no room */

    finish(&w, "b", true, false, NULL);
    CHECK_EQ_STR(strbuf_cstr(&calls), "TrackerA:PostBind:b:b;");
    sl_pod_result rb = result_of(&w, "b");
    CHECK_EQ_INT(rb.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(rb.node ? rb.node : "", "n1");
    CHECK_EQ_INT(events_of(&w, "b", "Scheduled", &msg), 1);
    CHECK_EQ_STR(msg ? msg : "", "Successfully assigned default/b to n1");
    sl_scheduler_run_until_quiescent(w.scheduler);
    CHECK_EQ_INT(events_of(&w, "b", "Scheduled", NULL), 1);
    CHECK_EQ_INT(w.async->nheld, 2); /* a was never bound again */
    stop(&w);
}

/* The watch shows the pod bound before the source's report: the bind is
 * confirmed then, once; the late report ends nothing. */
TEST(test_watch_before_report) {
    world w;
    add_node("n1", "1");
    add_pod("c", "800m", NULL);
    CHECK(start(&w));
    finish(&w, "c", true, true, NULL);
    CHECK_EQ_STR(strbuf_cstr(&calls), "TrackerA:PostBind:c:c;");
    CHECK_EQ_INT(events_of(&w, "c", "Scheduled", NULL), 1);
    CHECK_EQ_INT(result_of(&w, "c").state, SL_POD_SCHEDULED);
    sl_scheduler_run_until_quiescent(w.scheduler);
    CHECK_EQ_INT(events_of(&w, "c", "Scheduled", NULL), 1);
    stop(&w);
}

/* Conflict: the pod is deleted while its bind is in flight; the bind
 * fails (404). Unreserve runs, the pod is forgotten (its room goes to
 * another pod) and not queued again; no Scheduled event. */
TEST(test_deleted_pod_forgotten) {
    world w;
    add_node("n1", "1");
    add_pod("d", "800m", NULL);
    add_pod("e", "800m", NULL);
    CHECK(start(&w));
    CHECK(held_for(w.async, "d") != NULL);
    CHECK_EQ_INT(w.memory->ops->delete_pod(w.memory, pod_of(&w, "d")).code, SL_SUCCESS);
    finish(&w, "d", false, false, "pods \"d\" not found");
    CHECK_EQ_STR(strbuf_cstr(&calls), "TrackerB:Unreserve:d:d;TrackerA:Unreserve:d:d;");
    CHECK_EQ_INT(events_of(&w, "d", "Scheduled", NULL), 0);
    /* upstream handleSchedulingFailure: the event all the same (the
     * status write is attempted and fails: the pod is gone) */
    const char *msg = NULL;
    CHECK_EQ_INT(events_of(&w, "d", "FailedScheduling", &msg), 1);
    CHECK_EQ_STR(msg ? msg : "", "running Bind plugin \"DefaultBinder\": pods \"d\" not found");
    sl_scheduler_run_until_quiescent(w.scheduler);
    held_bind *he = held_for(w.async, "e");
    CHECK(he != NULL);
    CHECK_EQ_INT(w.async->nheld, 2); /* d was not attempted again */
    finish(&w, "e", true, true, NULL);
    CHECK_EQ_INT(result_of(&w, "e").state, SL_POD_SCHEDULED);
    stop(&w);
}

/* Conflict: someone else binds the pod elsewhere while our bind is in
 * flight; ours fails (409). Unreserve runs, the pod is not queued again,
 * the cache counts it where it is, no Scheduled event. */
TEST(test_bound_elsewhere) {
    world w;
    add_node("n1", "1");
    add_node("n2", "1");
    add_pod("f", "800m", "nodeSelector: {kubernetes.io/hostname: n1}");
    add_pod("g", "800m", "nodeSelector: {kubernetes.io/hostname: n2}");
    CHECK(start(&w));
    CHECK(held_for(w.async, "f") != NULL);
    CHECK_EQ_INT(w.memory->ops->bind(w.memory, pod_of(&w, "f"), "n2").code, SL_SUCCESS);
    finish(&w, "f", false, false, "Operation cannot be fulfilled on pods/binding \"f\": pod f is already assigned to node \"n2\"");
    CHECK_EQ_STR(strbuf_cstr(&calls), "TrackerB:Unreserve:f:f;TrackerA:Unreserve:f:f;");
    sl_pod_result rf = result_of(&w, "f");
    CHECK_EQ_INT(rf.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(rf.node ? rf.node : "", "n2");
    CHECK_EQ_INT(events_of(&w, "f", "Scheduled", NULL), 0);
    /* upstream: FailedScheduling and the PodScheduled=False write (on the
     * stale copy's diff, so it lands on the pod bound elsewhere) */
    const char *msg = NULL, *cmsg = NULL;
    CHECK_EQ_INT(events_of(&w, "f", "FailedScheduling", &msg), 1);
    CHECK_EQ_STR(msg ? msg : "", "running Bind plugin \"DefaultBinder\": Operation cannot be fulfilled on "
                                 "pods/binding \"f\": pod f is already assigned to node \"n2\"");
    CHECK_EQ_STR(sl_cluster_memory_pod_condition(w.memory, pod_of(&w, "f"), &cmsg), "SchedulerError");
    /* g's bind is in flight on n2 (assumed before f landed there) */
    sl_scheduler_run_until_quiescent(w.scheduler);
    CHECK_EQ_INT(w.async->nheld, 2); /* f was not attempted again */
    stop(&w);
}

int main(void) {
    RUN(test_failed_bind_unreserves_and_requeues);
    RUN(test_watch_before_report);
    RUN(test_deleted_pod_forgotten);
    RUN(test_bound_elsewhere);
    strbuf_free(&calls);
    strbuf_free(&docs);
    return test_summary("async_bind");
}
