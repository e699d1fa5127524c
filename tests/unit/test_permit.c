/*
 * test_permit.c — pods waiting at Permit and the framework's waiting-pod
 * handle (framework.h: sl_framework_waiting_pod(s), sl_waiting_pod_allow /
 * _reject / _pending_plugins), end to end on the in-process cluster in
 * virtual time: a gang that waits until all its members are waiting, a
 * rejection that frees the node, two Wait plugins of which only one
 * allows, and the 15-minute cap.
 */
#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_internal.h"
#include "test.h"

#define NS_PER_SEC 1000000000LL

static const char *label(const sl_pod_info *pod, const char *key) {
    return k8s_map_get(&pod->pod->labels, key);
}

/* ---- Gang: Wait until `gang_min` pods of the same "group" label are at
 * Permit, then allow every waiting member (like coscheduling). ---- */
static uint32_t gang_min = 3;
static uint32_t gang_max_seen_waiting;

static sl_status gang_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node,
                             int64_t *timeout_ms) {
    (void)c, (void)node;
    const char *group = label(pod, "group");
    if (!group) return SL_STATUS_SUCCESS;
    sl_waiting_pod *const *waiting;
    uint32_t n = sl_framework_waiting_pods(p->framework, &waiting);
    uint32_t members = 1;
    for (uint32_t i = 0; i < n; i++) {
        const char *g = label(sl_waiting_pod_info(waiting[i]), "group");
        if (g && strcmp(g, group) == 0) members++;
    }
    if (members - 1 > gang_max_seen_waiting) gang_max_seen_waiting = members - 1;
    if (members < gang_min) {
        *timeout_ms = 30000;
        return sl_status_make(SL_WAIT, NULL);
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *g = label(sl_waiting_pod_info(waiting[i]), "group");
        if (g && strcmp(g, group) == 0) sl_waiting_pod_allow(waiting[i], p->name);
    }
    return SL_STATUS_SUCCESS;
}
static const sl_plugin_ops gang_ops = {.name = "Gang", .permit = gang_permit};
static const sl_plugin_registration gang_plugin = {"Gang", &gang_ops, NULL};

/* ---- Rejector: pods labelled "wait" wait 60 s at Permit; when the pod
 * "taker" reaches PreFilter, every waiting pod is rejected (by the plugin,
 * or through sl_framework_reject_waiting_pod when reject_by_uid). ---- */
static bool reject_by_uid;
static uint32_t seen_pending;
static char seen_pending_name[64], seen_node[64];
static bool found_by_uid, found_by_key;

static sl_status rejector_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                     sl_prefilter_result *r) {
    (void)c, (void)r;
    sl_waiting_pod *const *waiting;
    uint32_t n = sl_framework_waiting_pods(p->framework, &waiting);
    /* The taker comes back once the node is free: nothing waits then. */
    if (strcmp(pod->pod->name, "taker") != 0 || n == 0) return SL_STATUS_SUCCESS;
    found_by_uid = sl_framework_waiting_pod(p->framework, "uid-victim") != NULL;
    found_by_key = sl_framework_waiting_pod(p->framework, "default/victim") != NULL;
    if (sl_framework_waiting_pod(p->framework, "default/nobody")) found_by_key = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *const *names;
        seen_pending = sl_waiting_pod_pending_plugins(waiting[i], &names);
        if (seen_pending) snprintf(seen_pending_name, sizeof seen_pending_name, "%s", names[0]);
        snprintf(seen_node, sizeof seen_node, "%s", sl_waiting_pod_node(waiting[i]));
    }
    if (reject_by_uid) {
        CHECK(sl_framework_reject_waiting_pod(p->framework, "uid-victim"));
        CHECK(!sl_framework_reject_waiting_pod(p->framework, "uid-nobody"));
        return SL_STATUS_SUCCESS;
    }
    for (uint32_t i = 0; i < n; i++) {
        sl_waiting_pod_reject(waiting[i], p->name, "preempted by taker");
        sl_waiting_pod_allow(waiting[i], p->name); /* too late: rejected stays */
    }
    return SL_STATUS_SUCCESS;
}
static sl_status rejector_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 const char *node, int64_t *timeout_ms) {
    (void)p, (void)c, (void)node;
    if (!label(pod, "wait")) return SL_STATUS_SUCCESS;
    *timeout_ms = 60000;
    return sl_status_make(SL_WAIT, NULL);
}
static const sl_plugin_ops rejector_ops = {
    .name = "Rejector", .pre_filter = rejector_pre_filter, .permit = rejector_permit};
static const sl_plugin_registration rejector_plugin = {"Rejector", &rejector_ops, NULL};

/* ---- WaitA (10 s) and WaitB (20 s): pods labelled "wait" wait at both;
 * any other pod reaching Permit makes WaitA (and WaitB when b_allows)
 * allow every waiting pod. ---- */
static bool b_allows;

static sl_status wait_x_permit(sl_plugin *p, const sl_pod_info *pod, int64_t *timeout_ms,
                               int64_t ms, bool allows) {
    if (label(pod, "wait")) {
        *timeout_ms = ms;
        return sl_status_make(SL_WAIT, NULL);
    }
    if (allows) {
        sl_waiting_pod *const *waiting;
        uint32_t n = sl_framework_waiting_pods(p->framework, &waiting);
        for (uint32_t i = 0; i < n; i++) sl_waiting_pod_allow(waiting[i], p->name);
    }
    return SL_STATUS_SUCCESS;
}
static sl_status wait_a_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                               const char *node, int64_t *timeout_ms) {
    (void)c, (void)node;
    return wait_x_permit(p, pod, timeout_ms, 10000, true);
}
static sl_status wait_b_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                               const char *node, int64_t *timeout_ms) {
    (void)c, (void)node;
    return wait_x_permit(p, pod, timeout_ms, 20000, b_allows);
}
static const sl_plugin_ops wait_a_ops = {.name = "WaitA", .permit = wait_a_permit};
static const sl_plugin_registration wait_a_plugin = {"WaitA", &wait_a_ops, NULL};
static const sl_plugin_ops wait_b_ops = {.name = "WaitB", .permit = wait_b_permit};
static const sl_plugin_registration wait_b_plugin = {"WaitB", &wait_b_ops, NULL};

/* ---- WaitLong: asks for 2 hours (the framework caps it at 15 min). ---- */
static sl_status wait_long_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                  const char *node, int64_t *timeout_ms) {
    (void)p, (void)c, (void)pod, (void)node;
    *timeout_ms = 2 * 3600 * 1000;
    return sl_status_make(SL_WAIT, NULL);
}
static const sl_plugin_ops wait_long_ops = {.name = "WaitLong", .permit = wait_long_permit};
static const sl_plugin_registration wait_long_plugin = {"WaitLong", &wait_long_ops, NULL};

/* The in-tree plugins plus the test plugins above. */
static sl_registry *test_registry(void) {
    static const sl_plugin_registration *const mine[] = {
        &gang_plugin, &rejector_plugin, &wait_a_plugin, &wait_b_plugin, &wait_long_plugin};
    sl_registry *r = sl_registry_new_default();
    for (size_t i = 0; i < ARRAY_LEN(mine); i++) sl_registry_add(r, mine[i]);
    return r;
}

/* ---- harness ---- */

typedef struct world {
    sl_registry *registry;
    sl_config config;
    sl_cluster *cluster;
    sl_scheduler *scheduler;
    uint64_t attempts;
} world;

static strbuf docs;
static world *current;

/* Failed attempts as the recorder saw them: pod, clock, status message
 * (the FitError built from it is in the FailedScheduling event). */
typedef struct failure {
    char pod[32];
    int64_t now_ns;
    char message[256];
} failure;
static failure failures[16];
static uint32_t nfailures;

static void on_cycle_end(void *user, const sl_pod_info *pod, const char *node, sl_status st) {
    (void)user;
    if (node || nfailures == ARRAY_LEN(failures)) return;
    failure *f = &failures[nfailures++];
    snprintf(f->pod, sizeof f->pod, "%s", pod->pod->name);
    f->now_ns = current->scheduler->now_ns;
    snprintf(f->message, sizeof f->message, "%s", st.message ? st.message : "");
}
static const sl_recorder recorder = {.cycle_end = on_cycle_end};

static const failure *first_failure(const char *pod) {
    for (uint32_t i = 0; i < nfailures; i++)
        if (strcmp(failures[i].pod, pod) == 0) return &failures[i];
    return NULL;
}

static void add_node(const char *name, const char *cpu) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Node\nmetadata: {name: %s, labels: {kubernetes.io/hostname: %s}}\n"
                  "status: {capacity: {cpu: \"%s\", memory: 32Gi, pods: \"110\"}}\n",
                  name, name, cpu);
}

static void add_pod(const char *name, const char *cpu, const char *labels) {
    strbuf_printf(&docs,
                  "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default, uid: uid-%s, labels: {%s}}\n"
                  "spec:\n  containers: [{name: app, image: pause, resources: {requests: {cpu: \"%s\"}}}]\n",
                  name, name, labels ? labels : "", cpu);
}

static bool start(world *w, const char *plugins_yaml) {
    char err[1024];
    memset(w, 0, sizeof(*w));
    current = w;
    nfailures = 0;
    w->registry = test_registry();
    char *yaml = xasprintf("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                           "profiles:\n- schedulerName: default-scheduler\n  plugins:\n%s",
                           plugins_yaml);
    json_t *doc = k8s_parse_document(yaml, strlen(yaml), "config", err, sizeof err);
    free(yaml);
    if (!doc || !sl_config_load_json(doc, "config", w->registry, &w->config, err, sizeof err)) {
        fprintf(stderr, "config: %s\n", err);
        json_decref(doc);
        return false;
    }
    json_decref(doc);
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
                              .virtual_time = true, .recorder = &recorder};
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
    current = NULL;
}

static sl_pod_result result_of(world *w, const char *name) {
    sl_pod_result r;
    memset(&r, 0, sizeof(r));
    k8s_pod *pod = sl_cluster_memory_find_pod(w->cluster, "default", name);
    if (!pod || !sl_scheduler_pod_result(w->scheduler, pod, &r)) r.state = (sl_pod_state)-1;
    if (!r.message) r.message = "";
    return r;
}

static bool has_event(world *w, const char *pod, const char *reason, const char *message) {
    const sl_cluster_event *ev;
    uint32_t n = sl_cluster_memory_events(w->cluster, &ev);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(ev[i].pod_name, pod) == 0 && strcmp(ev[i].reason, reason) == 0 &&
            (!message || strcmp(ev[i].message, message) == 0))
            return true;
    return false;
}

#define START_OR_FAIL(w, yaml)                                                   \
    do {                                                                         \
        if (!start(w, yaml)) {                                                   \
            TEST_FAIL_AT("start failed");                                        \
            stop(w);                                                             \
            return;                                                              \
        }                                                                        \
    } while (0)

/* ------------------------------------------------------------------ */

/* Three members: the first two wait, the third's Permit sees them and
 * allows them; all three bind at once, in virtual time 0. */
TEST(gang_allowed_when_complete) {
    world w;
    gang_min = 3;
    gang_max_seen_waiting = 0;
    add_node("n1", "1");
    add_node("n2", "1");
    add_node("n3", "1");
    add_pod("g1", "1", "group: a");
    add_pod("g2", "1", "group: a");
    add_pod("g3", "1", "group: a");
    START_OR_FAIL(&w, "    permit:\n      enabled: [{name: Gang}]\n");
    const char *names[] = {"g1", "g2", "g3"};
    bool used[3] = {false, false, false};
    for (int i = 0; i < 3; i++) {
        sl_pod_result r = result_of(&w, names[i]);
        CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
        CHECK_EQ_INT(r.attempts, 1);
        CHECK(r.node != NULL);
        if (r.node) used[r.node[1] - '1'] = true;
        CHECK(has_event(&w, names[i], "Scheduled", NULL));
        CHECK(!has_event(&w, names[i], "FailedScheduling", NULL));
    }
    CHECK(used[0] && used[1] && used[2]);
    CHECK_EQ_INT(gang_max_seen_waiting, 2);
    CHECK_EQ_INT(w.scheduler->now_ns, 0);
    CHECK_EQ_INT(w.scheduler->waiting.len, 0);
    CHECK_EQ_INT(nfailures, 0);
    stop(&w);
}

/* A gang of three on two nodes can never complete: every member waits,
 * times out, frees its node and is retried. Upstream retries forever; the
 * headless run must still end — the progress guard stops it after an hour
 * of virtual time without a bind — with every member unschedulable and no
 * pod left waiting. */
TEST(incomplete_gang_run_ends) {
    world w;
    gang_min = 3;
    gang_max_seen_waiting = 0;
    add_node("n1", "1");
    add_node("n2", "1");
    add_pod("g1", "1", "group: a");
    add_pod("g2", "1", "group: a");
    add_pod("g3", "1", "group: a");
    START_OR_FAIL(&w, "    permit:\n      enabled: [{name: Gang}]\n");
    const char *names[] = {"g1", "g2", "g3"};
    for (int i = 0; i < 3; i++) {
        sl_pod_result r = result_of(&w, names[i]);
        CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
        CHECK(r.attempts >= 2);
    }
    CHECK_EQ_INT(gang_max_seen_waiting, 1); /* two nodes: a member sees at most one other */
    CHECK(w.scheduler->now_ns >= 3600LL * 1000000000LL);
    CHECK(w.scheduler->now_ns < 3 * 3600LL * 1000000000LL);
    CHECK_EQ_INT(w.scheduler->waiting.len, 0);
    stop(&w);
}

/* A plugin rejects the pod waiting on the only node: the pod fails with
 * the plugin's message (as a single-node FitError), is unreserved and
 * forgotten, and the node goes to the pod that was waiting for it. */
static void run_rejection(bool by_uid, const char *want_status, const char *want_first_message) {
    world w;
    reject_by_uid = by_uid;
    seen_pending = 0;
    seen_pending_name[0] = seen_node[0] = 0;
    found_by_uid = found_by_key = false;
    add_node("n1", "1");
    add_pod("victim", "1", "wait: \"yes\"");
    add_pod("taker", "1", NULL);
    START_OR_FAIL(&w, "    preFilter:\n      enabled: [{name: Rejector}]\n"
                      "    permit:\n      enabled: [{name: Rejector}]\n");
    CHECK(found_by_uid);
    CHECK(found_by_key);
    CHECK_EQ_INT(seen_pending, 1);
    CHECK_EQ_STR(seen_pending_name, "Rejector");
    CHECK_EQ_STR(seen_node, "n1");
    const failure *f = first_failure("victim");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_STR(f->message, want_status);
        CHECK_EQ_INT(f->now_ns, 0); /* rejected at once, not at the deadline */
    }
    CHECK(has_event(&w, "victim", "FailedScheduling", want_first_message));
    sl_pod_result taker = result_of(&w, "taker");
    CHECK_EQ_INT(taker.state, SL_POD_SCHEDULED);
    CHECK(taker.node && strcmp(taker.node, "n1") == 0);
    sl_pod_result victim = result_of(&w, "victim");
    CHECK_EQ_INT(victim.state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_INT(w.scheduler->waiting.len, 0);
    stop(&w);
}

TEST(reject_frees_node) {
    run_rejection(false, "preempted by taker", "0/1 nodes are available: 1 preempted by taker.");
}

TEST(reject_waiting_pod_by_uid) {
    run_rejection(true, "removed", "0/1 nodes are available: 1 removed.");
}

/* Two plugins wait (10 s, 20 s); only WaitA allows: the pod keeps waiting
 * for WaitB and times out at WaitB's deadline, naming WaitB. When both
 * allow, the pod binds. */
TEST(two_waits_one_allows_times_out) {
    world w;
    b_allows = false;
    add_node("n1", "4");
    add_pod("waiter", "100m", "wait: \"yes\"");
    add_pod("trigger", "100m", NULL);
    START_OR_FAIL(&w, "    permit:\n      enabled: [{name: WaitA}, {name: WaitB}]\n");
    const failure *f = first_failure("waiter");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_STR(f->message, "rejected due to timeout after waiting 20s at plugin WaitB");
        CHECK_EQ_INT(f->now_ns, 20 * NS_PER_SEC);
    }
    CHECK(has_event(&w, "waiter", "FailedScheduling",
                    "0/1 nodes are available: 1 rejected due to timeout after waiting 20s at plugin WaitB."));
    CHECK_EQ_INT(result_of(&w, "trigger").state, SL_POD_SCHEDULED);
    sl_pod_result r = result_of(&w, "waiter");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    stop(&w);

    b_allows = true;
    add_node("n1", "4");
    add_pod("waiter", "100m", "wait: \"yes\"");
    add_pod("trigger", "100m", NULL);
    START_OR_FAIL(&w, "    permit:\n      enabled: [{name: WaitA}, {name: WaitB}]\n");
    r = result_of(&w, "waiter");
    CHECK_EQ_INT(r.state, SL_POD_SCHEDULED);
    CHECK_EQ_INT(r.attempts, 1);
    CHECK_EQ_INT(w.scheduler->now_ns, 0);
    CHECK_EQ_INT(nfailures, 0);
    stop(&w);
}

/* A 2-hour Wait is capped at 15 minutes. */
TEST(timeout_capped_at_15_minutes) {
    world w;
    add_node("n1", "1");
    add_pod("slow", "100m", NULL);
    START_OR_FAIL(&w, "    permit:\n      enabled: [{name: WaitLong}]\n");
    const failure *f = first_failure("slow");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_STR(f->message, "rejected due to timeout after waiting 15m0s at plugin WaitLong");
        CHECK_EQ_INT(f->now_ns, 15 * 60 * NS_PER_SEC);
    }
    sl_pod_result r = result_of(&w, "slow");
    CHECK_EQ_INT(r.state, SL_POD_UNSCHEDULABLE);
    CHECK_EQ_STR(r.message, "0/1 nodes are available: 1 rejected due to timeout after waiting 15m0s at plugin WaitLong.");
    stop(&w);
}

int main(void) {
    log_set_level(SL_LOG_ERROR);
    strbuf_init(&docs);
    RUN(gang_allowed_when_complete);
    RUN(incomplete_gang_run_ends);
    RUN(reject_frees_node);
    RUN(reject_waiting_pod_by_uid);
    RUN(two_waits_one_allows_times_out);
    RUN(timeout_capped_at_15_minutes);
    strbuf_free(&docs);
    return test_summary("permit");
}
