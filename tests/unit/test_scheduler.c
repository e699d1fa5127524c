/*
 * test_scheduler.c — the scheduler end to end on the in-process cluster
 * with the default plugins: FitError wording, events and pod conditions,
 * determinism from the seed, numFeasibleNodesToFind and the round-robin
 * start, preemption through the queue, quiescence (unschedulable pods, no
 * nodes, gated pods), Permit waits timing out in virtual time, latencies.
 */
#include <stdatomic.h>

#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_internal.h"
#include "test.h"

/* ---- a test Permit plugin, in every world's registry ---- */
static sl_status wait_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node,
                             int64_t *timeout_ms) {
    (void)p, (void)c, (void)pod, (void)node;
    *timeout_ms = 10000;
    return sl_status_make(SL_WAIT, NULL);
}
static const sl_plugin_ops wait_ops = {.name = "WaitPlugin", .permit = wait_permit};
static const sl_plugin_registration wait_plugin = {"WaitPlugin", &wait_ops, NULL};


/* ---- harness ---- */

typedef struct world {
    sl_registry *registry;        /* the in-tree plugins and WaitPlugin */
    sl_config config;
    sl_cluster *cluster;
    sl_scheduler *scheduler;
    uint64_t attempts;
} world;

static strbuf docs;
static bool force_parallel; /* start(): Filter and Score on the pool, always */

static void add_node(const char *name, const char *cpu, const char *labels) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Node\nmetadata: {name: %s, labels: {kubernetes.io/hostname: %s%s%s}}\n"
                  "status: {capacity: {cpu: \"%s\", memory: 32Gi, pods: \"110\"}}\n",
                  name, name, labels ? ", " : "", labels ? labels : "", cpu);
}

static void add_pod(const char *name, const char *cpu, const char *extra_spec) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default, uid: uid-%s}\n"
                  "spec:\n  containers: [{name: app, image: pause, resources: {requests: {cpu: \"%s\"}}}]\n%s",
                  name, name, cpu, extra_spec ? extra_spec : "");
}

static bool start(world *w, const char *config_yaml, uint64_t seed, const sl_recorder *rec) {
    char err[1024];
    memset(w, 0, sizeof(*w));
    w->registry = sl_registry_new_default();
    sl_registry_add(w->registry, &wait_plugin);
    if (config_yaml) {
        json_t *doc = k8s_parse_document(config_yaml, strlen(config_yaml), "config", err, sizeof err);
        if (!doc || !sl_config_load_json(doc, "config", w->registry, &w->config, err, sizeof err)) {
            fprintf(stderr, "config: %s\n", err);
            json_decref(doc);
            return false;
        }
        json_decref(doc);
    } else {
        sl_config_default(w->registry, &w->config);
    }
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
    sl_scheduler_options o = {.config = &w->config, .registry = w->registry, .cluster = w->cluster,
                              .seed = seed, .virtual_time = true, .recorder = rec,
                              .force_parallel = force_parallel};
    w->scheduler = sl_scheduler_new(&o, err, sizeof err);
    if (!w->scheduler) {
        fprintf(stderr, "scheduler: %s\n", err);
        return false;
    }
    w->attempts = sl_scheduler_run_until_quiescent(w->scheduler);
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

static const sl_cluster_event *find_event(world *w, const char *pod, const char *reason) {
    const sl_cluster_event *ev;
    uint32_t n = sl_cluster_memory_events(w->cluster, &ev);
    const sl_cluster_event *found = NULL;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(ev[i].pod_name, pod) == 0 && strcmp(ev[i].reason, reason) == 0) found = &ev[i];
    return found;
}

static bool starts_with(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------ */

TEST(fit_error_and_events) {
    world w;
    add_node("n1", "1", NULL);
    add_node("n2", "1", NULL);
    add_node("n3", "1", "disk: ssd");
    add_pod("big", "2", "  nodeSelector: {disk: ssd}\n");
    add_pod("web", "500m", "  nodeSelector: {disk: ssd}\n");
    if (!start(&w, NULL, 1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    sl_pod_result r = result_of(&w, "big");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK(starts_with(r.message, "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "));
    const sl_cluster_event *ev = find_event(&w, "big", "FailedScheduling");
    CHECK(ev != NULL);
    if (ev) {
        CHECK_EQ_STR(ev->type, "Warning");
        CHECK_EQ_STR(ev->message, r.message);
    }
    const char *message = NULL;
    k8s_pod *big = sl_cluster_memory_find_pod(w.cluster, "default", "big");
    CHECK_EQ_STR(sl_cluster_memory_pod_condition(w.cluster, big, &message), "Unschedulable");

    r = result_of(&w, "web");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(r.node, "n3");
    CHECK_EQ_INT(r.attempts, 1);
    ev = find_event(&w, "web", "Scheduled");
    CHECK(ev != NULL);
    if (ev) CHECK_EQ_STR(ev->message, "Successfully assigned default/web to n3");
    stop(&w);
}

TEST(same_seed_same_placements) {
    char first[40][16], name[32];
    for (int round = 0; round < 3; round++) {
        world w;
        for (int i = 0; i < 12; i++) {
            snprintf(name, sizeof name, "n%d", i);
            add_node(name, "4", NULL);
        }
        for (int i = 0; i < 40; i++) {
            snprintf(name, sizeof name, "p%d", i);
            add_pod(name, "100m", NULL);
        }
        if (!start(&w, NULL, round < 2 ? 7 : 8, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
        int same = 0, scheduled = 0;
        for (int i = 0; i < 40; i++) {
            snprintf(name, sizeof name, "p%d", i);
            sl_pod_result r = result_of(&w, name);
            scheduled += r.state == SL_POD_SCHEDULED;
            if (round == 0) snprintf(first[i], sizeof first[i], "%s", r.node ? r.node : "-");
            else same += strcmp(first[i], r.node ? r.node : "-") == 0;
        }
        CHECK_EQ_INT(scheduled, 40);
        if (round == 1) CHECK_EQ_INT(same, 40);
        if (round == 2) CHECK(same < 40); /* another seed breaks ties differently */
        stop(&w);
    }
}

/* Counts evaluations per cycle through the recorder. */
typedef struct eval_counter {
    atomic_int filters, scores, cycles;
    char first_node[4][16];
} eval_counter;

static void count_cycle_start(void *user, const sl_pod_info *pod, uint32_t attempt) {
    (void)pod, (void)attempt;
    eval_counter *e = user;
    atomic_fetch_add(&e->cycles, 1);
    atomic_store(&e->filters, 0);
    atomic_store(&e->scores, 0);
}
static void count_filter(void *user, const sl_node_info *node, const char *plugin, sl_status s) {
    (void)s;
    eval_counter *e = user;
    if (strcmp(plugin, "NodeUnschedulable") != 0) return;
    int n = atomic_fetch_add(&e->filters, 1);
    int c = atomic_load(&e->cycles) - 1;
    if (n == 0 && c >= 0 && c < 4) snprintf(e->first_node[c], 16, "%s", node->node->name);
}
static void count_score(void *user, const sl_node_info *node, const char *plugin, int64_t raw) {
    (void)node, (void)raw;
    eval_counter *e = user;
    if (strcmp(plugin, "NodeResourcesFit") == 0) atomic_fetch_add(&e->scores, 1);
}

TEST(feasible_node_cut_and_round_robin) {
    world w;
    char name[32];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "n%03d", i);
        add_node(name, "4", NULL);
    }
    add_pod("a", "100m", NULL);
    add_pod("b", "100m", NULL);
    eval_counter e;
    memset(&e, 0, sizeof(e));
    sl_recorder rec = {.user = &e, .cycle_start = count_cycle_start, .filter = count_filter,
                       .score = count_score};
    /* parallelism 1: the sequential result, exactly */
    if (!start(&w, "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 1\n", 1, &rec)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    /* 300 nodes: adaptive 50 - 300/125 = 48 % -> 144 nodes; the scan
     * stops when the 145th feasible node shows up. */
    CHECK_EQ_INT(atomic_load(&e.cycles), 2);
    CHECK_EQ_INT(atomic_load(&e.filters), 145);
    CHECK_EQ_INT(atomic_load(&e.scores), 144);
    CHECK_EQ_STR(e.first_node[0], "n000");
    CHECK_EQ_STR(e.first_node[1], "n144"); /* nextStartNodeIndex advanced by 144 */
    stop(&w);

    /* A fixed percentage from the config. */
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "n%03d", i);
        add_node(name, "4", NULL);
    }
    add_pod("a", "100m", NULL);
    memset(&e, 0, sizeof(e));
    if (!start(&w, "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 1\npercentageOfNodesToScore: 50\n", 1, &rec)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    CHECK_EQ_INT(atomic_load(&e.scores), 150);
    stop(&w);
}

TEST(parallel_filter_matches_sequential) {
    /* Same cluster, parallelism 1 vs the parallel Filter and Score paths
     * forced on 4 threads: identical placements and failure messages. */
    char name[32], placed[2][62][16], message[2][2][512];
    uint64_t parallel_filters = 0, parallel_scores = 0;
    for (int round = 0; round < 2; round++) {
        world w;
        for (int i = 0; i < 400; i++) {
            snprintf(name, sizeof name, "n%03d", i);
            /* every 3rd node too small: failures mixed with feasible nodes */
            add_node(name, i % 3 == 0 ? "100m" : "4", NULL);
        }
        for (int i = 0; i < 60; i++) {
            snprintf(name, sizeof name, "p%d", i);
            add_pod(name, "500m", NULL);
        }
        add_pod("huge0", "5", NULL); /* fits nowhere: every node's reason counts */
        add_pod("huge1", "5", NULL);
        /* A pod that keeps its nomination to n001 (it may not preempt):
         * every other attempt takes the Filter path with nominated pods. */
        strbuf_printf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: reserver, namespace: default}\n"
                             "spec:\n  priority: 100\n  preemptionPolicy: Never\n"
                             "  containers: [{name: app, resources: {requests: {cpu: \"5\"}}}]\n"
                             "status: {nominatedNodeName: n001}\n");
        force_parallel = round == 1;
        bool ok = start(&w, round == 0 ? "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 1\n"
                                       : "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 4\n",
                        3, NULL);
        force_parallel = false;
        if (!ok) {
            TEST_FAIL_AT("start failed");
            stop(&w);
            return;
        }
        for (int i = 0; i < 60; i++) {
            snprintf(name, sizeof name, "p%d", i);
            sl_pod_result r = result_of(&w, name);
            snprintf(placed[round][i], 16, "%s", r.node ? r.node : "-");
        }
        for (int i = 0; i < 2; i++) {
            snprintf(name, sizeof name, "huge%d", i);
            snprintf(message[round][i], sizeof message[round][i], "%s", result_of(&w, name).message);
        }
        if (round == 1) {
            parallel_filters = sl_parallel_jobs(w.scheduler->pool, SL_PARALLEL_FILTER);
            parallel_scores = sl_parallel_jobs(w.scheduler->pool, SL_PARALLEL_SCORE);
        } else {
            CHECK_EQ_INT(sl_parallel_jobs(w.scheduler->pool, SL_PARALLEL_FILTER), 0);
        }
        stop(&w);
    }
    int same = 0, on_reserved = 0;
    for (int i = 0; i < 60; i++) {
        same += strcmp(placed[0][i], placed[1][i]) == 0;
        on_reserved += strcmp(placed[0][i], "n001") == 0;
    }
    CHECK_EQ_INT(same, 60);
    CHECK_EQ_INT(on_reserved, 0);
    for (int i = 0; i < 2; i++) CHECK_EQ_STR(message[1][i], message[0][i]);
    CHECK(starts_with(message[0][0], "0/400 nodes are available: 400 Insufficient cpu."));
    /* the parallel paths really ran: every attempt's Filter, and Score
     * whenever more than one node was feasible */
    CHECK(parallel_filters >= 62);
    CHECK(parallel_scores >= 60);
}

TEST(parallel_matches_sequential_with_affinity_and_spread) {
    /* The plugins with the heaviest per-cycle state (PodTopologySpread,
     * InterPodAffinity, their PreScore/NormalizeScore) read by the worker
     * threads: placements as with parallelism 1. */
    char name[32], labels[96], placed[2][80][16];
    for (int round = 0; round < 2; round++) {
        world w;
        for (int i = 0; i < 240; i++) {
            snprintf(name, sizeof name, "n%03d", i);
            snprintf(labels, sizeof labels, "topology.kubernetes.io/zone: z%d", i % 4);
            add_node(name, i % 5 == 0 ? "500m" : "2", labels);
        }
        for (int i = 0; i < 80; i++) {
            snprintf(name, sizeof name, "p%02d", i);
            strbuf_printf(&docs,
                          "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default, labels: {app: a%d}}\n"
                          "spec:\n  containers: [{name: app, resources: {requests: {cpu: 300m}}}]\n"
                          "  topologySpreadConstraints:\n"
                          "  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: %s,"
                          " labelSelector: {matchLabels: {app: a%d}}}\n"
                          "  affinity:\n    podAntiAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n"
                          "      - {weight: 50, podAffinityTerm: {topologyKey: kubernetes.io/hostname,"
                          " labelSelector: {matchLabels: {app: a%d}}}}\n"
                          "    podAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution:\n"
                          "      - {weight: 5, podAffinityTerm: {topologyKey: topology.kubernetes.io/zone,"
                          " labelSelector: {matchLabels: {app: a%d}}}}\n",
                          name, i % 3, i % 2 ? "DoNotSchedule" : "ScheduleAnyway", i % 3, i % 3,
                          (i + 1) % 3);
        }
        force_parallel = round == 1;
        bool ok = start(&w, round == 0 ? "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 1\n"
                                       : "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 3\n",
                        5, NULL);
        force_parallel = false;
        if (!ok) {
            TEST_FAIL_AT("start failed");
            stop(&w);
            return;
        }
        for (int i = 0; i < 80; i++) {
            snprintf(name, sizeof name, "p%02d", i);
            sl_pod_result r = result_of(&w, name);
            snprintf(placed[round][i], 16, "%s", r.node ? r.node : "-");
        }
        if (round == 1) {
            CHECK(sl_parallel_jobs(w.scheduler->pool, SL_PARALLEL_FILTER) >= 80);
            CHECK(sl_parallel_jobs(w.scheduler->pool, SL_PARALLEL_SCORE) >= 80);
        }
        stop(&w);
    }
    int same = 0, scheduled = 0;
    for (int i = 0; i < 80; i++) {
        same += strcmp(placed[0][i], placed[1][i]) == 0;
        scheduled += strcmp(placed[0][i], "-") != 0;
    }
    CHECK_EQ_INT(same, 80);
    CHECK_EQ_INT(scheduled, 80);
}

TEST(preemption_then_scheduled) {
    world w;
    add_node("n1", "1", NULL);
    strbuf_printf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: victim, namespace: default, uid: uid-victim}\n"
                         "spec:\n  nodeName: n1\n  containers: [{name: app, resources: {requests: {cpu: \"1\"}}}]\n");
    add_pod("vip", "1", "  priority: 100\n");
    if (!start(&w, NULL, 1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    sl_pod_result r = result_of(&w, "vip");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(r.node, "n1");
    CHECK_EQ_INT(r.attempts, 2);
    CHECK(sl_cluster_memory_pod_deleted(w.cluster, "default", "victim"));
    stop(&w);
}

TEST(quiescence) {
    world w;
    /* Fails first, then a later pod changes the cluster: one more try
     * (after the simulated 5-minute flush), then the run ends. */
    add_node("n1", "1", NULL);
    add_pod("huge", "2", NULL);
    add_pod("small", "100m", NULL);
    if (!start(&w, NULL, 1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    CHECK_EQ_INT(result_of(&w, "huge").state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_INT(result_of(&w, "huge").attempts, 2);
    CHECK_EQ_INT(result_of(&w, "small").state, SL_POD_SCHEDULED);
    CHECK_EQ_INT(w.attempts, 3);
    const int64_t *lat;
    size_t nlat;
    sl_scheduler_attempt_latencies(w.scheduler, &lat, &nlat);
    CHECK_EQ_INT(nlat, 3);
    /* Nothing changed since: running again does nothing. */
    CHECK_EQ_INT(sl_scheduler_run_until_quiescent(w.scheduler), 0);
    stop(&w);

    /* No nodes at all. */
    add_pod("lonely", "100m", NULL);
    if (!start(&w, NULL, 1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    sl_pod_result r = result_of(&w, "lonely");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_STR(r.message, "no nodes available to schedule pods");
    CHECK_EQ_INT(r.attempts, 1);
    stop(&w);

    /* Gated and foreign pods do not hold the run open. */
    add_node("n1", "1", NULL);
    add_pod("gated", "100m", "  schedulingGates: [{name: example.com/wait}]\n");
    add_pod("foreign", "100m", "  schedulerName: other\n");
    if (!start(&w, NULL, 1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    CHECK_EQ_INT(result_of(&w, "gated").state, SL_POD_GATED);
    CHECK_EQ_INT(result_of(&w, "foreign").state, SL_POD_PENDING);
    CHECK_EQ_INT(w.attempts, 0);
    stop(&w);
}

TEST(permit_wait_times_out) {
    world w;
    add_node("n1", "1", NULL);
    add_pod("waiter", "100m", NULL);
    if (!start(&w, "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                    "profiles:\n- schedulerName: default-scheduler\n  plugins:\n    permit:\n      enabled: [{name: WaitPlugin}]\n",
                1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    sl_pod_result r = result_of(&w, "waiter");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_STR(r.message, "0/1 nodes are available: 1 rejected due to timeout after waiting 10s at plugin WaitPlugin.");
    CHECK(r.attempts >= 1 && r.attempts <= 2);
    stop(&w);
}

/* A PDB written to the store while the scheduler runs (as an
 * API server sharing the store writes it) reaches the cache through the
 * cluster source's on_object, and the next cycles use it. */
TEST(pdb_arrives_live) {
    world w;
    add_node("n1", "1", NULL);
    add_node("n2", "1", NULL);
    strbuf_printf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: default, uid: uid-db, labels: {app: db}}\n"
                         "spec:\n  nodeName: n1\n  priority: 0\n  containers: [{name: app, resources: {requests: {cpu: \"1\"}}}]\n");
    strbuf_printf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, uid: uid-web, labels: {app: web}}\n"
                         "spec:\n  nodeName: n2\n  priority: 10\n  containers: [{name: app, resources: {requests: {cpu: \"1\"}}}]\n");
    if (!start(&w, NULL, 1, NULL)) {
        TEST_FAIL_AT("start failed");
        stop(&w);
        return;
    }
    const char *later =
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: db, namespace: default}\n"
        "spec: {minAvailable: 1, selector: {matchLabels: {app: db}}}\nstatus: {disruptionsAllowed: 0, "
        "currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, observedGeneration: 1}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: urgent, namespace: default, uid: uid-urgent}\n"
        "spec:\n  priority: 100\n  containers: [{name: app, resources: {requests: {cpu: \"1\"}}}]\n";
    char err[512];
    json_t *objs = k8s_parse_documents(later, strlen(later), "later", err, sizeof err);
    CHECK(objs != NULL);
    CHECK(sl_cluster_memory_load(w.cluster, objs, "later", err, sizeof err));
    json_decref(objs);
    sl_scheduler_run_until_quiescent(w.scheduler);
    sl_pod_result r = result_of(&w, "urgent");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    CHECK_EQ_STR(r.node, "n2");
    CHECK(sl_cluster_memory_pod_deleted(w.cluster, "default", "web"));
    CHECK(!sl_cluster_memory_pod_deleted(w.cluster, "default", "db"));
    stop(&w);
}

int main(void) {
    log_set_level(SL_LOG_ERROR);
    strbuf_init(&docs);
    RUN(fit_error_and_events);
    RUN(same_seed_same_placements);
    RUN(feasible_node_cut_and_round_robin);
    RUN(parallel_filter_matches_sequential);
    RUN(parallel_matches_sequential_with_affinity_and_spread);
    RUN(preemption_then_scheduled);
    RUN(quiescence);
    RUN(permit_wait_times_out);
    RUN(pdb_arrives_live);
    strbuf_free(&docs);
    return test_summary("scheduler");
}
