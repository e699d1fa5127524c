/*
 * test_decisions.c — regression tests for decisions where schedlab used to
 * differ from kube-scheduler v1.33 (issue 6, item 1). Each scenario is a
 * cluster whose outcome was different before the fix:
 *
 *   - PostFilter with no result keeps the pod's nominatedNodeName
 *     (preemptionPolicy Never; a victim terminating by preemption on the
 *     nominated node), so a lower-priority pod cannot take the room;
 *     a pod with no preemption candidates anywhere has it cleared.
 *   - "Terminating by preemption" needs deletionTimestamp AND a
 *     DisruptionTarget/PreemptionByScheduler condition; a pod merely
 *     being deleted does not make the preemptor ineligible.
 *   - InPlacePodVerticalScaling: a container's request is
 *     max(spec, status.containerStatuses[].resources.requests,
 *     allocatedResources), status only when Infeasible (PodResizePending).
 *   - Gated pods are not nominated; a pending pod being deleted is skipped
 *     ("skip schedule deleting pod: ns/name").
 * The zone key of the node tree is tested in test_cache.c.
 */
#include "k8s/k8s.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"
#include "plugins/registry.h"
#include "test.h"

/* The registry references plugins weakly; make sure they are linked in. */
#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name;
#include "plugins/plugin_list.h"
#undef PLUGIN
__attribute__((used)) static const sl_plugin_registration *const linked_plugins[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

/* ------------------------------------------------------------------ */
/* k8s layer: the pod's effective requests                              */
/* ------------------------------------------------------------------ */

static k8s_pod *pod_of(const char *yaml) {
    char err[1024];
    json_t *v = k8s_parse_document(yaml, strlen(yaml), "t", err, sizeof(err));
    if (!v) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    k8s_pod *p = k8s_pod_decode(v, "pods.yaml", err, sizeof(err));
    if (!p) fprintf(stderr, "%s\n", err);
    json_decref(v);
    return p;
}

typedef struct requests {
    int64_t cpu, memory, non_zero_cpu, non_zero_memory;
} requests;

static requests requests_of(const char *yaml) {
    requests r = {-1, -1, -1, -1};
    k8s_pod *p = pod_of(yaml);
    if (!p) return r;
    arena mem;
    arena_init(&mem, 1024);
    k8s_resources res;
    k8s_pod_requests(p, &mem, &res);
    r.cpu = res.milli_cpu;
    r.memory = res.memory;
    k8s_pod_non_zero_requests(p, &r.non_zero_cpu, &r.non_zero_memory);
    arena_free(&mem);
    k8s_pod_free(p);
    return r;
}

#define POD_HEAD "kind: Pod\nmetadata: {name: p}\n"
#define MI (1024LL * 1024)

TEST(resize_status_resources) {
    /* no status: the spec */
    requests r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 1}}}]\n");
    CHECK_EQ_INT(r.cpu, 1000);
    /* actuated above the spec (a resize down not done yet): the status */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 1}}}]\n"
                    "status:\n  containerStatuses: [{name: c, resources: {requests: {cpu: 3}}}]\n");
    CHECK_EQ_INT(r.cpu, 3000);
    /* allocated above both */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 1, memory: 1Gi}}}]\n"
                    "status:\n  containerStatuses: [{name: c, resources: {requests: {cpu: 500m}},"
                    " allocatedResources: {cpu: 1500m, memory: 2Gi}}]\n");
    CHECK_EQ_INT(r.cpu, 1500);
    CHECK_EQ_INT(r.memory, 2048 * MI);
    /* spec above the status (a resize up pending): the spec */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 2}}}]\n"
                    "status:\n  conditions: [{type: PodResizePending, status: 'True', reason: Deferred}]\n"
                    "  containerStatuses: [{name: c, resources: {requests: {cpu: 1}}, allocatedResources: {cpu: 1}}]\n");
    CHECK_EQ_INT(r.cpu, 2000);
    /* ... unless the resize is Infeasible: the spec does not count */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 4}}}]\n"
                    "status:\n  conditions: [{type: PodResizePending, status: 'True', reason: Infeasible}]\n"
                    "  containerStatuses: [{name: c, resources: {requests: {cpu: 1}}, allocatedResources: {cpu: 1}}]\n");
    CHECK_EQ_INT(r.cpu, 1000);
    /* the first PodResizePending condition decides */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 4}}}]\n"
                    "status:\n  conditions: [{type: PodResizePending, status: 'True', reason: Deferred},"
                    " {type: PodResizePending, status: 'True', reason: Infeasible}]\n"
                    "  containerStatuses: [{name: c, resources: {requests: {cpu: 1}}}]\n");
    CHECK_EQ_INT(r.cpu, 4000);
    /* without status resources the status is not read at all */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 1}}}]\n"
                    "status:\n  containerStatuses: [{name: c, allocatedResources: {cpu: 2}}]\n");
    CHECK_EQ_INT(r.cpu, 1000);
    /* a status of another container does not apply */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 1}}}]\n"
                    "status:\n  containerStatuses: [{name: other, resources: {requests: {cpu: 3}}}]\n");
    CHECK_EQ_INT(r.cpu, 1000);
    /* sidecars read their status; plain init containers do not */
    r = requests_of(POD_HEAD "spec:\n  initContainers:\n"
                    "  - {name: side, restartPolicy: Always, resources: {requests: {cpu: 100m}}}\n"
                    "  - {name: init, resources: {requests: {cpu: 200m}}}\n"
                    "  containers: [{name: c, resources: {requests: {cpu: 1}}}]\n"
                    "status:\n  initContainerStatuses:\n"
                    "  - {name: side, resources: {requests: {cpu: 500m}}}\n"
                    "  - {name: init, resources: {requests: {cpu: 5}}}\n");
    CHECK_EQ_INT(r.cpu, 1500); /* max(1 + 500m, 500m + 200m) */
}

TEST(resize_non_zero_requests) {
    /* no cpu in the spec, but in the status: the status value, no default */
    requests r = requests_of(POD_HEAD "spec:\n  containers: [{name: c}]\n"
                             "status:\n  containerStatuses: [{name: c, resources: {requests: {cpu: 300m}}}]\n");
    CHECK_EQ_INT(r.cpu, 300);
    CHECK_EQ_INT(r.non_zero_cpu, 300);
    CHECK_EQ_INT(r.non_zero_memory, 200 * MI);
    /* memory only allocated */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c}]\n"
                    "status:\n  containerStatuses: [{name: c, resources: {}, allocatedResources: {memory: 64Mi}}]\n");
    CHECK_EQ_INT(r.non_zero_cpu, 100);
    CHECK_EQ_INT(r.non_zero_memory, 64 * MI);
    /* Infeasible: a cpu named only in the spec counts as missing */
    r = requests_of(POD_HEAD "spec:\n  containers: [{name: c, resources: {requests: {cpu: 2}}}]\n"
                    "status:\n  conditions: [{type: PodResizePending, status: 'True', reason: Infeasible}]\n"
                    "  containerStatuses: [{name: c, resources: {limits: {cpu: 2}}}]\n");
    CHECK_EQ_INT(r.cpu, 0);
    CHECK_EQ_INT(r.non_zero_cpu, 100);
}

TEST(terminating_by_preemption) {
    const char *deleting = "kind: Pod\nmetadata: {name: p, deletionTimestamp: '2026-01-01T00:00:00Z'}\n"
                           "spec: {containers: [{name: c}]}\n";
    char yaml[1024];
    k8s_pod *p = pod_of(deleting);
    CHECK(p && !k8s_pod_terminating_by_preemption(p));
    k8s_pod_free(p);
    snprintf(yaml, sizeof yaml, "%sstatus: {conditions: [{type: DisruptionTarget, status: 'True', "
                                "reason: PreemptionByScheduler}]}\n", deleting);
    p = pod_of(yaml);
    CHECK(p && k8s_pod_terminating_by_preemption(p));
    k8s_pod_free(p);
    snprintf(yaml, sizeof yaml, "%sstatus: {conditions: [{type: DisruptionTarget, status: 'True', "
                                "reason: DeletionByTaintManager}]}\n", deleting);
    p = pod_of(yaml);
    CHECK(p && !k8s_pod_terminating_by_preemption(p));
    k8s_pod_free(p);
    /* the condition without a deletionTimestamp: not terminating */
    p = pod_of("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n"
               "status: {conditions: [{type: DisruptionTarget, status: 'True', reason: PreemptionByScheduler}]}\n");
    CHECK(p && !k8s_pod_terminating_by_preemption(p));
    k8s_pod_free(p);
    /* status fields are checked like the rest */
    char err[512];
    const char *bad = "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n"
                      "status: {containerStatuses: [{name: c, allocatedResources: {cpu: x}}]}\n";
    json_t *v = k8s_parse_document(bad, strlen(bad), "t", err, sizeof err);
    p = v ? k8s_pod_decode(v, "pods.yaml", err, sizeof err) : NULL;
    CHECK(p == NULL);
    CHECK(strstr(err, "status.containerStatuses[0].allocatedResources.cpu") != NULL);
    json_decref(v);
}

/* ------------------------------------------------------------------ */
/* The scheduler on the in-process cluster                              */
/* ------------------------------------------------------------------ */

typedef struct world {
    sl_registry *registry;
    sl_config config;
    sl_cluster *cluster;
    sl_scheduler *scheduler;
} world;

static strbuf docs;

static void add_node(const char *name, const char *cpu) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Node\nmetadata: {name: %s, labels: {kubernetes.io/hostname: %s}}\n"
                  "status: {capacity: {cpu: \"%s\", memory: 32Gi, pods: \"110\"}}\n",
                  name, name, cpu);
}

/* A pod: `meta` extra metadata fields, `spec` / `status` extra lines. */
static void add_pod(const char *name, const char *cpu, int priority, const char *meta,
                    const char *spec, const char *status) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default, uid: uid-%s%s%s}\n"
                  "spec:\n  priority: %d\n  containers: [{name: app, resources: {requests: {cpu: \"%s\"}}}]\n%s"
                  "%s%s",
                  name, name, meta ? ", " : "", meta ? meta : "", priority, cpu, spec ? spec : "",
                  status ? "status:\n" : "", status ? status : "");
}

static bool start(world *w) {
    char err[1024];
    memset(w, 0, sizeof(*w));
    w->registry = sl_registry_new_default();
    sl_config_default(w->registry, &w->config);
    json_t *objs = k8s_parse_documents(strbuf_cstr(&docs), docs.len, "cluster", err, sizeof err);
    if (!objs) {
        fprintf(stderr, "cluster: %s\n", err);
        return false;
    }
    w->cluster = sl_cluster_memory_new();
    bool ok = sl_cluster_memory_load(w->cluster, objs, "cluster", err, sizeof err);
    json_decref(objs);
    if (!ok) {
        fprintf(stderr, "load: %s\n", err);
        return false;
    }
    sl_scheduler_options o = {.config = &w->config, .registry = w->registry, .cluster = w->cluster, .seed = 1,
                              .virtual_time = true};
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
    if (w->cluster) w->cluster->ops->destroy(w->cluster);
    sl_config_free(&w->config);
    sl_registry_free(w->registry);
    strbuf_reset(&docs);
}

static sl_pod_result result_of(world *w, const char *name) {
    sl_pod_result r;
    memset(&r, 0, sizeof(r));
    k8s_pod *pod = sl_cluster_memory_find_pod(w->cluster, "default", name);
    if (!pod || !sl_scheduler_pod_result(w->scheduler, pod, &r)) r.state = (sl_pod_state)-1;
    if (!r.message) r.message = "";
    return r;
}

static const char *nominated_of(world *w, const char *name) {
    sl_pod_result r = result_of(w, name);
    return r.nominated_node ? r.nominated_node : "";
}

#define START(w)                                                             \
    do {                                                                     \
        if (!start(&(w))) {                                                  \
            TEST_FAIL_AT("start failed");                                    \
            stop(&(w));                                                      \
            return;                                                          \
        }                                                                    \
    } while (0)

#define DELETING "deletionTimestamp: '2026-01-01T00:00:00Z'"
#define BY_PREEMPTION \
    "  conditions: [{type: DisruptionTarget, status: 'True', reason: PreemptionByScheduler}]\n"

/* A high-priority pod that may not preempt keeps its nomination: the
 * lower-priority pod does not get the room reserved for it. */
TEST(no_postfilter_result_keeps_nomination_never) {
    world w;
    add_node("n1", "2");
    add_pod("running", "1", 1000, NULL, "  nodeName: n1\n", "  phase: Running\n");
    add_pod("vip", "2", 100, NULL, "  preemptionPolicy: Never\n", "  nominatedNodeName: n1\n");
    add_pod("low", "1", 0, NULL, NULL, NULL);
    START(w);
    sl_pod_result r = result_of(&w, "vip");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK(strstr(r.message, "preemption: not eligible due to preemptionPolicy=Never.") != NULL);
    CHECK_EQ_STR(nominated_of(&w, "vip"), "n1");
    r = result_of(&w, "low");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_STR(r.message, "0/1 nodes are available: 1 Insufficient cpu. "
                            "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
    stop(&w);
}

/* The nominated node still holds a victim terminating by preemption: the
 * preemptor is not eligible, evicts nobody else, keeps its nomination. */
TEST(terminating_victim_on_nominated_node) {
    world w;
    add_node("n1", "2");
    add_node("n2", "2");
    add_pod("dying", "1", 0, DELETING, "  nodeName: n1\n", "  phase: Running\n" BY_PREEMPTION);
    add_pod("other", "2", 0, NULL, "  nodeName: n2\n", "  phase: Running\n");
    add_pod("vip", "2", 100, NULL, NULL, "  nominatedNodeName: n1\n");
    add_pod("low", "1", 0, NULL, NULL, NULL);
    START(w);
    sl_pod_result r = result_of(&w, "vip");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK(strstr(r.message, "preemption: not eligible due to a terminating pod on the nominated node.") != NULL);
    CHECK_EQ_STR(nominated_of(&w, "vip"), "n1");
    CHECK(!sl_cluster_memory_pod_deleted(w.cluster, "default", "other"));
    CHECK(!sl_cluster_memory_pod_deleted(w.cluster, "default", "dying"));
    /* n1 has 1 cpu free but it is reserved for vip */
    CHECK_EQ_INT(result_of(&w, "low").state, SL_POD_UNSCHEDULABLE);
    stop(&w);
}

/* Deleted, but not by preemption: the preemptor is eligible and preempts
 * (v1.33 deletes a victim that is already being deleted again). */
TEST(terminating_without_preemption_condition) {
    world w;
    add_node("n1", "2");
    add_pod("dying", "1", 0, DELETING ", creationTimestamp: '2025-01-01T00:00:00Z'",
            "  nodeName: n1\n", "  phase: Running\n  startTime: '2025-06-01T00:00:00Z'\n");
    add_pod("vip", "2", 100, NULL, NULL, "  nominatedNodeName: n1\n");
    START(w);
    sl_pod_result r = result_of(&w, "vip");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(r.node, "n1");
    CHECK(sl_cluster_memory_pod_deleted(w.cluster, "default", "dying"));
    stop(&w);
}

/* No candidate anywhere: the PostFilter result clears the nomination. */
TEST(no_candidates_clears_nomination) {
    world w;
    add_node("n1", "1");
    add_pod("vip", "2", 100, NULL, NULL, "  nominatedNodeName: n1\n");
    START(w);
    sl_pod_result r = result_of(&w, "vip");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_STR(nominated_of(&w, "vip"), "");
    stop(&w);
}

/* A bound pod's requests include its actuated resources. */
TEST(resized_pod_counts_status_resources) {
    world w;
    add_node("n1", "4");
    add_pod("resized", "1", 0, NULL, "  nodeName: n1\n",
            "  phase: Running\n  containerStatuses: [{name: app, resources: {requests: {cpu: \"3\"}}}]\n");
    add_pod("web", "2", 0, NULL, NULL, NULL);
    add_pod("small", "1", 0, NULL, NULL, NULL);
    START(w);
    sl_pod_result r = result_of(&w, "web");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK(strstr(r.message, "0/1 nodes are available: 1 Insufficient cpu.") == r.message);
    CHECK_EQ_INT(result_of(&w, "small").state, SL_POD_SCHEDULED);
    stop(&w);

    /* an infeasible resize up: the old size is what the node holds */
    add_node("n1", "4");
    add_pod("resized", "8", 0, NULL, "  nodeName: n1\n",
            "  phase: Running\n  conditions: [{type: PodResizePending, status: 'True', reason: Infeasible}]\n"
            "  containerStatuses: [{name: app, resources: {requests: {cpu: \"1\"}}, allocatedResources: {cpu: \"1\"}}]\n");
    add_pod("web", "3", 0, NULL, NULL, NULL);
    START(w);
    r = result_of(&w, "web");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    stop(&w);
}

/* A gated pod's status.nominatedNodeName reserves nothing. */
TEST(gated_pod_not_nominated) {
    world w;
    add_node("n1", "2");
    add_pod("gated", "2", 100, NULL, "  schedulingGates: [{name: wait}]\n", "  nominatedNodeName: n1\n");
    add_pod("low", "1", 0, NULL, NULL, NULL);
    START(w);
    CHECK_EQ_INT(result_of(&w, "gated").state, SL_POD_GATED);
    CHECK_EQ_STR(nominated_of(&w, "gated"), "");
    sl_pod_result r = result_of(&w, "low");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(r.node, "n1");
    stop(&w);
}

/* A pending pod being deleted is skipped, with upstream's message. */
TEST(deleting_pod_skipped) {
    world w;
    add_node("n1", "2");
    add_pod("leaving", "1", 0, DELETING, NULL, NULL);
    START(w);
    sl_pod_result r = result_of(&w, "leaving");
    CHECK_EQ_INT(r.state, SL_POD_PENDING);
    CHECK_EQ_STR(r.message, "skip schedule deleting pod: default/leaving");
    const sl_cluster_event *ev;
    uint32_t n = sl_cluster_memory_events(w.cluster, &ev), found = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(ev[i].pod_name, "leaving") && !strcmp(ev[i].reason, "FailedScheduling") &&
            !strcmp(ev[i].message, "skip schedule deleting pod: default/leaving"))
            found++;
    CHECK_EQ_INT(found, 1);
    stop(&w);
}

int main(void) {
    RUN(resize_status_resources);
    RUN(resize_non_zero_requests);
    RUN(terminating_by_preemption);
    RUN(no_postfilter_result_keeps_nomination_never);
    RUN(terminating_victim_on_nominated_node);
    RUN(terminating_without_preemption_condition);
    RUN(no_candidates_clears_nomination);
    RUN(resized_pod_counts_status_resources);
    RUN(gated_pod_not_nominated);
    RUN(deleting_pod_skipped);
    strbuf_free(&docs);
    return test_summary("decisions");
}
