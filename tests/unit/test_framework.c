/*
 * test_framework.c — the framework machinery with tiny test plugins (no
 * registry, no cache): construction errors, the status rules of every
 * extension point, PreFilterResult merging, score weights and
 * normalisation, Reserve/Unreserve order, Permit waits, Bind, CycleState
 * and clones, the worker pool, Go duration formatting, plugin execution
 * durations in sampled cycles.
 */
#include <stdatomic.h>
#include <pthread.h>

#include "scheduler/cache.h"
#include "scheduler/framework_internal.h"
#include "scheduler/parallel.h"
#include "test.h"

/* ---- stand-ins for the cache's node-info helpers (weak: the real ones win
 * when cache.o is linked in) ---- */
__attribute__((weak)) sl_node_info *sl_node_info_clone(sl_cycle *c, const sl_node_info *node) {
    sl_node_info *copy = sl_cycle_alloc(c, sizeof(*copy));
    *copy = *node;
    return copy;
}
__attribute__((weak)) void sl_node_info_add_pod(sl_cycle *c, sl_node_info *node, sl_pod_info *pod) {
    (void)c;
    node->requested.milli_cpu += pod->request.milli_cpu;
    node->npods++;
}

/* ------------------------------------------------------------------ */
/* Test plugins                                                         */
/* ------------------------------------------------------------------ */

static strbuf trace;
static void note(const char *what, const char *plugin) {
    strbuf_printf(&trace, "%s:%s;", what, plugin);
}

/* Behaviour knobs, set per test. */
static sl_code pf_code[4];            /* PreFilter result of P0..P3 */
static const char *pf_msg[4];
static const char *pf_nodes[4][3];    /* NULL-terminated; pf_nodes[i][0]==NULL -> all */
static const char *filter_reject_node; /* F rejects this node */
static sl_code filter_reject_code = SL_UNSCHEDULABLE;
static int64_t permit_wait_ms[2];
static sl_code permit_code[2];
static sl_code reserve_code[2];
static sl_code bind_code[2];
static sl_code post_filter_code[2];
static const char *post_filter_nominate[2];
static int64_t score_bias[2];
static bool normalize_out_of_range;
static sl_code pre_score_code;

static int plugin_number(const sl_plugin *p) { return p->name[strlen(p->name) - 1] - '0'; }

static bool ps_less(sl_plugin *p, const sl_queued_pod *a, const sl_queued_pod *b) {
    (void)p;
    return a->info->pod->priority > b->info->pod->priority;
}

static sl_status p_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                              sl_prefilter_result *r) {
    (void)pod;
    int i = plugin_number(p);
    note("PreFilter", p->name);
    if (pf_nodes[i][0]) {
        uint32_t n = 0;
        while (n < 3 && pf_nodes[i][n]) n++;
        r->all = false;
        r->nnames = n;
        r->node_names = sl_cycle_alloc(c, n * sizeof(char *));
        for (uint32_t k = 0; k < n; k++) r->node_names[k] = pf_nodes[i][k];
    }
    return sl_status_make(pf_code[i], pf_msg[i]);
}

static sl_status p_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                          const sl_node_info *node) {
    (void)pod;
    note("Filter", p->name);
    if (filter_reject_node && strcmp(node->node->name, filter_reject_node) == 0)
        return sl_status_newf(c, filter_reject_code, "%s says no to %s", p->name, node->node->name);
    return SL_STATUS_SUCCESS;
}

static sl_status s_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                             sl_node_info *const *nodes, uint32_t n) {
    (void)c, (void)pod, (void)nodes, (void)n;
    note("PreScore", p->name);
    return plugin_number(p) == 1 ? sl_status_make(pre_score_code, "prescore") : SL_STATUS_SUCCESS;
}

static sl_status s_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                         const sl_node_info *node, int64_t *score) {
    (void)c, (void)pod;
    *score = (int64_t)node->index * 10 + score_bias[plugin_number(p)];
    return SL_STATUS_SUCCESS;
}

static sl_status s_normalize(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                             sl_node_score *scores, uint32_t n) {
    (void)c, (void)pod, (void)p;
    for (uint32_t i = 0; i < n; i++) scores[i].score = normalize_out_of_range ? 101 : 100 - scores[i].score;
    return SL_STATUS_SUCCESS;
}

static sl_status r_reserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    (void)c, (void)pod, (void)node;
    note("Reserve", p->name);
    return sl_status_make(reserve_code[plugin_number(p)], "reserve failed");
}
static void r_unreserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    (void)c, (void)pod, (void)node;
    note("Unreserve", p->name);
}
static sl_status r_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node,
                          int64_t *timeout_ms) {
    (void)c, (void)pod, (void)node;
    int i = plugin_number(p);
    *timeout_ms = permit_wait_ms[i];
    return sl_status_make(permit_code[i], "permit says no");
}
static sl_status b_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    (void)c, (void)pod, (void)node;
    note("Bind", p->name);
    return sl_status_make(bind_code[plugin_number(p)], "bind failed");
}
static sl_status pf_post_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                const sl_node_status_map *m, sl_post_filter_result *r) {
    (void)c, (void)pod, (void)m;
    int i = plugin_number(p);
    note("PostFilter", p->name);
    r->nominated_node_name = post_filter_nominate[i];
    return sl_status_make(post_filter_code[i], i == 0 ? "first reason" : "second reason");
}
static sl_status gate_pre_enqueue(sl_plugin *p, const sl_pod_info *pod) {
    (void)p;
    return pod->pod->ngates ? sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "gated") : SL_STATUS_SUCCESS;
}

static const sl_plugin_ops sort_ops = {.name = "Sort", .less = ps_less};
static const sl_plugin_ops pre_filter_ops = {.name = "P", .pre_filter = p_pre_filter, .filter = p_filter};
static const sl_plugin_ops score_ops = {.name = "S", .pre_score = s_pre_score, .score = s_score, .normalize_score = s_normalize};
static const sl_plugin_ops reserve_ops = {.name = "R", .reserve = r_reserve, .unreserve = r_unreserve, .permit = r_permit};
static const sl_plugin_ops bind_ops = {.name = "B", .bind = b_bind};
static const sl_plugin_ops post_filter_ops = {.name = "Q", .post_filter = pf_post_filter};
static const sl_plugin_ops gate_ops = {.name = "Gate", .pre_enqueue = gate_pre_enqueue};

static int factory_calls;
static bool counting_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    (void)p, (void)args, (void)err, (void)errsize;
    factory_calls++;
    return true;
}
static bool failing_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    (void)p, (void)args;
    snprintf(err, errsize, "args.foo: bad");
    return false;
}

static const sl_plugin_registration test_plugins[] = {
    {"Sort", &sort_ops, NULL},          {"P0", &pre_filter_ops, counting_factory},
    {"P1", &pre_filter_ops, NULL},      {"P2", &pre_filter_ops, NULL},
    {"S0", &score_ops, NULL},           {"S1", &score_ops, NULL},
    {"R0", &reserve_ops, NULL},         {"R1", &reserve_ops, NULL},
    {"B0", &bind_ops, NULL},            {"B1", &bind_ops, NULL},
    {"Q0", &post_filter_ops, NULL},     {"Q1", &post_filter_ops, NULL},
    {"Gate", &gate_ops, NULL},          {"Broken", &bind_ops, failing_factory},
};

/* The test plugins as a registry (built in main). */
static sl_registry *test_registry;

static void build_test_registry(void) {
    test_registry = sl_registry_new();
    for (size_t i = 0; i < ARRAY_LEN(test_plugins); i++) sl_registry_add(test_registry, &test_plugins[i]);
}

/* ---- profile building ---- */

typedef struct profile_builder {
    sl_profile_config profile;
    sl_plugin_ref refs[SL_EP_COUNT][8];
} profile_builder;

static void pb_init(profile_builder *b) {
    memset(b, 0, sizeof(*b));
    b->profile.scheduler_name = "test-scheduler";
    b->profile.percentage_of_nodes_to_score = -1;
    for (int ep = 0; ep < SL_EP_COUNT; ep++) b->profile.plugins[ep] = b->refs[ep];
}
static void pb_add(profile_builder *b, sl_extension_point ep, const char *name, int32_t weight) {
    uint32_t n = b->profile.nplugins[ep]++;
    b->refs[ep][n].name = (char *)name;
    b->refs[ep][n].weight = weight;
}
static void pb_basics(profile_builder *b) {
    pb_add(b, SL_EP_QUEUE_SORT, "Sort", 0);
    pb_add(b, SL_EP_BIND, "B0", 0);
}

static sl_framework *build(profile_builder *b, const sl_recorder *rec, sl_worker_pool *pool,
                           char *err, size_t errsize) {
    sl_framework_options o = {.profile = &b->profile, .parallelism = 16, .recorder = rec,
                              .pool = pool, .registry = test_registry};
    return sl_framework_new(&o, err, errsize);
}

static void reset_knobs(void) {
    strbuf_reset(&trace);
    memset(pf_code, 0, sizeof(pf_code));
    memset(pf_msg, 0, sizeof(pf_msg));
    memset(pf_nodes, 0, sizeof(pf_nodes));
    filter_reject_node = NULL;
    filter_reject_code = SL_UNSCHEDULABLE;
    memset(permit_wait_ms, 0, sizeof(permit_wait_ms));
    memset(permit_code, 0, sizeof(permit_code));
    memset(reserve_code, 0, sizeof(reserve_code));
    memset(bind_code, 0, sizeof(bind_code));
    memset(post_filter_code, 0, sizeof(post_filter_code));
    memset(post_filter_nominate, 0, sizeof(post_filter_nominate));
    memset(score_bias, 0, sizeof(score_bias));
    normalize_out_of_range = false;
    pre_score_code = SL_SUCCESS;
}

/* ---- fixtures: nodes and a pod ---- */

#define NNODES 6
static k8s_node knodes[NNODES];
static sl_node_info ninfos[NNODES];
static sl_node_info *nlist[NNODES];
static const char *node_names[NNODES] = {"n0", "n1", "n2", "n3", "n4", "n5"};
static k8s_pod kpod;
static sl_pod_info pinfo;

static void fixtures(void) {
    for (int i = 0; i < NNODES; i++) {
        memset(&knodes[i], 0, sizeof(knodes[i]));
        knodes[i].name = node_names[i];
        memset(&ninfos[i], 0, sizeof(ninfos[i]));
        ninfos[i].node = &knodes[i];
        ninfos[i].index = (uint32_t)i;
        nlist[i] = &ninfos[i];
    }
    memset(&kpod, 0, sizeof(kpod));
    kpod.name = "web";
    kpod.namespace_ = "default";
    kpod.uid = "uid-web";
    memset(&pinfo, 0, sizeof(pinfo));
    pinfo.pod = &kpod;
}

static sl_cycle_arenas test_arenas;

static sl_cycle *open_cycle(void) {
    sl_cycle *c = sl_cycle_new(&test_arenas);
    sl_cycle_begin(c, NULL, 16, NULL);
    return c;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

TEST(construction_errors) {
    char err[512];
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_FILTER, "Nope", 0);
    CHECK(build(&b, NULL, NULL, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "profile \"test-scheduler\": FilterPlugin \"Nope\" does not exist");

    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_SCORE, "P0", 1);
    CHECK(build(&b, NULL, NULL, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "profile \"test-scheduler\": plugin \"P0\" does not extend ScorePlugin plugin");

    pb_init(&b);
    pb_add(&b, SL_EP_QUEUE_SORT, "Sort", 0);
    CHECK(build(&b, NULL, NULL, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "at least one bind plugin is needed for profile with scheduler name \"test-scheduler\"");

    pb_init(&b);
    pb_add(&b, SL_EP_BIND, "B0", 0);
    CHECK(build(&b, NULL, NULL, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "only one queue sort plugin required for profile with scheduler name \"test-scheduler\", but got 0");

    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_FILTER, "P1", 0);
    pb_add(&b, SL_EP_FILTER, "P1", 0);
    CHECK(build(&b, NULL, NULL, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "profile \"test-scheduler\": plugin \"P1\" already registered as \"FilterPlugin\"");

    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_BIND, "Broken", 0);
    CHECK(build(&b, NULL, NULL, err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "profile \"test-scheduler\": initializing plugin \"Broken\": args.foo: bad");

    /* One instance per plugin, shared across extension points. */
    factory_calls = 0;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_PRE_FILTER, "P0", 0);
    pb_add(&b, SL_EP_FILTER, "P0", 0);
    sl_framework *fw = build(&b, NULL, NULL, err, sizeof err);
    CHECK(fw != NULL);
    CHECK_EQ_INT(factory_calls, 1);
    CHECK_EQ_STR(sl_framework_profile_name(fw), "test-scheduler");
    CHECK(sl_framework_has_filter_plugins(fw));
    CHECK(!sl_framework_has_score_plugins(fw));
    sl_framework_free(fw);
}

TEST(prefilter_skip_and_rejections) {
    char err[256];
    reset_knobs();
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_PRE_FILTER, "P0", 0);
    pb_add(&b, SL_EP_PRE_FILTER, "P1", 0);
    pb_add(&b, SL_EP_PRE_FILTER, "P2", 0);
    pb_add(&b, SL_EP_FILTER, "P0", 0);
    pb_add(&b, SL_EP_FILTER, "P1", 0);
    pb_add(&b, SL_EP_FILTER, "P2", 0);
    sl_framework *fw = build(&b, NULL, NULL, err, sizeof err);
    CHECK(fw != NULL);
    sl_cycle *c = open_cycle();
    sl_prefilter_outcome out;

    /* Skip: the plugin's Filter does not run this cycle. */
    pf_code[1] = SL_SKIP;
    sl_status s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK(out.result.all);
    strbuf_reset(&trace);
    s = sl_framework_run_filters(fw, c, &pinfo, nlist[0]);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_STR(strbuf_cstr(&trace), "Filter:P0;Filter:P2;");

    /* Unschedulable keeps going (preemption may help); the last one wins. */
    reset_knobs();
    pf_code[0] = SL_UNSCHEDULABLE;
    pf_msg[0] = "p0 no";
    pf_code[2] = SL_UNSCHEDULABLE;
    pf_msg[2] = "p2 no";
    s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "p2 no");
    CHECK_EQ_STR(s.plugin, "P2");
    CHECK_EQ_STR(strbuf_cstr(&trace), "PreFilter:P0;PreFilter:P1;PreFilter:P2;");

    /* UnschedulableAndUnresolvable stops at once. */
    reset_knobs();
    pf_code[0] = SL_UNSCHEDULABLE_AND_UNRESOLVABLE;
    pf_msg[0] = "never";
    s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.plugin, "P0");
    CHECK_EQ_STR(strbuf_cstr(&trace), "PreFilter:P0;");

    /* Anything else is an Error naming the plugin. */
    reset_knobs();
    pf_code[1] = SL_WAIT;
    pf_msg[1] = "huh";
    s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "running PreFilter plugin \"P1\": huh");

    sl_cycle_free(c);
    sl_framework_free(fw);
}

TEST(prefilter_result_intersection) {
    char err[256];
    reset_knobs();
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_PRE_FILTER, "P0", 0);
    pb_add(&b, SL_EP_PRE_FILTER, "P1", 0);
    pb_add(&b, SL_EP_PRE_FILTER, "P2", 0);
    sl_framework *fw = build(&b, NULL, NULL, err, sizeof err);
    sl_cycle *c = open_cycle();
    sl_prefilter_outcome out;

    pf_nodes[0][0] = "n3", pf_nodes[0][1] = "n1", pf_nodes[0][2] = "n2";
    pf_nodes[2][0] = "n2", pf_nodes[2][1] = "n3";
    sl_status s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK(!out.result.all);
    CHECK_EQ_INT(out.result.nnames, 2);
    if (out.result.nnames == 2) {
        CHECK_EQ_STR(out.result.node_names[0], "n2");
        CHECK_EQ_STR(out.result.node_names[1], "n3");
    }
    CHECK_EQ_INT(out.nplugins_with_nodes, 2);

    /* Empty intersection of two plugins. */
    reset_knobs();
    pf_nodes[1][0] = "n1";
    pf_nodes[2][0] = "n2";
    s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.message, "node(s) didn't satisfy plugin(s) [P1 P2] simultaneously");

    /* A single plugin returning an empty set. */
    reset_knobs();
    pf_nodes[0][0] = "zz";
    pf_nodes[1][0] = "n1";
    s = sl_framework_run_pre_filter(fw, c, &pinfo, &out);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.message, "node(s) didn't satisfy plugin(s) [P0 P1] simultaneously");

    sl_cycle_free(c);
    sl_framework_free(fw);
}

static atomic_int recorded_filters;
static void count_filter(void *user, const sl_node_info *node, const char *plugin, sl_status s) {
    (void)user, (void)node, (void)plugin, (void)s;
    atomic_fetch_add(&recorded_filters, 1);
}

TEST(filter_status_rules) {
    char err[256];
    reset_knobs();
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_FILTER, "P0", 0);
    pb_add(&b, SL_EP_FILTER, "P1", 0);
    sl_recorder rec = {.filter = count_filter};
    sl_framework *fw = build(&b, &rec, NULL, err, sizeof err);
    sl_cycle *c = open_cycle();

    filter_reject_node = "n2";
    atomic_store(&recorded_filters, 0);
    sl_status s = sl_framework_run_filters(fw, c, &pinfo, nlist[2]);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.plugin, "P0");
    CHECK_EQ_STR(s.message, "P0 says no to n2");
    CHECK_EQ_INT(atomic_load(&recorded_filters), 1); /* stopped at the first failure */

    s = sl_framework_run_filters(fw, c, &pinfo, nlist[1]);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_INT(atomic_load(&recorded_filters), 3);

    filter_reject_code = SL_SKIP; /* not a rejection: becomes Error */
    s = sl_framework_run_filters(fw, c, &pinfo, nlist[2]);
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "running \"P0\" filter plugin: P0 says no to n2");
    sl_cycle_free(c);
    sl_framework_free(fw);
}

TEST(post_filter_rules) {
    char err[256];
    reset_knobs();
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_POST_FILTER, "Q0", 0);
    pb_add(&b, SL_EP_POST_FILTER, "Q1", 0);
    sl_framework *fw = build(&b, NULL, NULL, err, sizeof err);
    sl_cycle *c = open_cycle();
    sl_node_status_map *m = sl_node_status_map_new(c, NNODES);
    sl_post_filter_result r;

    /* Both Unschedulable: reasons concatenated, first rejector named. */
    post_filter_code[0] = post_filter_code[1] = SL_UNSCHEDULABLE;
    post_filter_nominate[1] = "n4";
    sl_status s = sl_framework_run_post_filter(fw, c, &pinfo, m, &r);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.plugin, "Q0");
    CHECK_EQ_STR(sl_status_message_joined(c, s), "first reason, second reason");
    CHECK_EQ_STR(r.nominated_node_name, "n4");

    /* The first Success ends the walk. */
    reset_knobs();
    post_filter_nominate[0] = "n1";
    s = sl_framework_run_post_filter(fw, c, &pinfo, m, &r);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_STR(r.nominated_node_name, "n1");
    CHECK_EQ_STR(strbuf_cstr(&trace), "PostFilter:Q0;");

    /* UnschedulableAndUnresolvable too. */
    reset_knobs();
    post_filter_code[0] = SL_UNSCHEDULABLE_AND_UNRESOLVABLE;
    s = sl_framework_run_post_filter(fw, c, &pinfo, m, &r);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(strbuf_cstr(&trace), "PostFilter:Q0;");

    /* Node status map: unset nodes report the absent status. */
    sl_node_status_map_set(m, 3, sl_status_make(SL_UNSCHEDULABLE, "x"));
    CHECK_EQ_INT(sl_node_status_get(m, 3).code, SL_UNSCHEDULABLE);
    CHECK_EQ_INT(sl_node_status_get(m, 2).code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_INT(m->count, 1);
    sl_cycle_free(c);
    sl_framework_free(fw);
}

static int64_t final_scores[NNODES];
static void record_final(void *user, const sl_node_info *node, const char *plugin, int64_t v) {
    (void)user, (void)plugin;
    final_scores[node->index] += v;
}

TEST(score_weights_normalize_and_skip) {
    char err[256];
    reset_knobs();
    sl_cycle_arenas arenas;
    sl_cycle_arenas_init(&arenas, 1);
    sl_worker_pool *pool = sl_worker_pool_new(2, &arenas);
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_PRE_SCORE, "S1", 0);
    pb_add(&b, SL_EP_SCORE, "S0", 3);
    pb_add(&b, SL_EP_SCORE, "S1", 0); /* weight 0 -> 1 */
    sl_recorder rec = {.final_score = record_final};
    sl_framework *fw = build(&b, &rec, pool, err, sizeof err);
    CHECK(fw != NULL);
    sl_cycle *c = sl_cycle_new(&arenas);
    sl_cycle_begin(c, NULL, 16, NULL);

    int64_t totals[NNODES];
    memset(final_scores, 0, sizeof(final_scores));
    CHECK_EQ_INT(sl_framework_run_pre_score(fw, c, &pinfo, nlist, NNODES).code, SL_SUCCESS);
    sl_status s = sl_framework_run_score(fw, c, &pinfo, nlist, NNODES, totals);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    /* raw = index*10; normalized = 100 - raw; total = 3*n + 1*n */
    for (int i = 0; i < NNODES; i++) {
        CHECK_EQ_INT(totals[i], 4 * (100 - 10 * i));
        CHECK_EQ_INT(final_scores[i], totals[i]);
    }

    /* PreScore Skip drops the paired Score plugin. */
    pre_score_code = SL_SKIP;
    CHECK_EQ_INT(sl_framework_run_pre_score(fw, c, &pinfo, nlist, NNODES).code, SL_SUCCESS);
    s = sl_framework_run_score(fw, c, &pinfo, nlist, NNODES, totals);
    for (int i = 0; i < NNODES; i++) CHECK_EQ_INT(totals[i], 3 * (100 - 10 * i));

    /* PreScore failure is an error. */
    pre_score_code = SL_UNSCHEDULABLE;
    s = sl_framework_run_pre_score(fw, c, &pinfo, nlist, NNODES);
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "running PreScore plugin \"S1\": prescore");

    /* Out-of-range normalized score. */
    pre_score_code = SL_SUCCESS;
    normalize_out_of_range = true;
    sl_framework_run_pre_score(fw, c, &pinfo, nlist, NNODES);
    s = sl_framework_run_score(fw, c, &pinfo, nlist, NNODES, totals);
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "applying score defaultWeights on Score plugins: plugin \"S0\" returns an invalid score 101, it should in the range of [0, 100] after normalizing");

    sl_cycle_free(c);
    sl_framework_free(fw);
    sl_worker_pool_free(pool);
    sl_cycle_arenas_free(&arenas);
}

/* ---- plugin execution durations, in sampled cycles only ---- */

typedef struct tally_entry {
    const char *plugin, *point;
    sl_code code;
    uint32_t calls;
    int64_t ns;
} tally_entry;
static tally_entry tally[32];
static uint32_t ntally;
static pthread_mutex_t tally_lock = PTHREAD_MUTEX_INITIALIZER;

static void tally_plugin(void *user, const char *plugin, const char *point, sl_status s, uint32_t calls, int64_t ns) {
    (void)user;
    pthread_mutex_lock(&tally_lock);
    uint32_t i = 0;
    while (i < ntally && !(!strcmp(tally[i].plugin, plugin) && !strcmp(tally[i].point, point) && tally[i].code == s.code))
        i++;
    if (i == ntally && ntally < ARRAY_LEN(tally)) tally[ntally++] = (tally_entry){plugin, point, s.code, 0, 0};
    if (i < ARRAY_LEN(tally)) {
        tally[i].calls += calls;
        tally[i].ns += ns;
    }
    pthread_mutex_unlock(&tally_lock);
}
static uint32_t tallied(const char *plugin, const char *point, sl_code code) {
    for (uint32_t i = 0; i < ntally; i++)
        if (!strcmp(tally[i].plugin, plugin) && !strcmp(tally[i].point, point) && tally[i].code == code)
            return tally[i].calls;
    return 0;
}

TEST(plugin_metrics_sampling) {
    char err[256];
    reset_knobs();
    sl_cycle_arenas arenas;
    sl_cycle_arenas_init(&arenas, 1);
    sl_worker_pool *pool = sl_worker_pool_new(2, &arenas);
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_PRE_FILTER, "P0", 0);
    pb_add(&b, SL_EP_FILTER, "P0", 0);
    pb_add(&b, SL_EP_FILTER, "P1", 0);
    pb_add(&b, SL_EP_PRE_SCORE, "S0", 0);
    pb_add(&b, SL_EP_SCORE, "S0", 1);
    pb_add(&b, SL_EP_RESERVE, "R0", 0);
    sl_recorder rec = {.plugin_execution = tally_plugin};
    sl_framework *fw = build(&b, &rec, pool, err, sizeof err);
    CHECK(fw != NULL);
    sl_cycle *c = sl_cycle_new(&arenas);
    sl_prefilter_outcome pre;
    sl_status out[NNODES];
    int64_t totals[NNODES];
    filter_reject_node = "n2";

    /* An unsampled cycle reports nothing. */
    ntally = 0;
    sl_cycle_begin(c, NULL, 16, NULL);
    CHECK(!sl_cycle_plugin_state_of(c)->record_plugin_metrics);
    sl_framework_run_pre_filter(fw, c, &pinfo, &pre);
    sl_framework_run_filter_plugins_on(fw, c, &pinfo, nlist, NNODES, out);
    sl_framework_run_score(fw, c, &pinfo, nlist, NNODES, totals);
    CHECK_EQ_INT(ntally, 0);
    sl_cycle_end(c);

    /* A sampled one: every plugin call, one per (plugin, node) at Filter
     * (the batch grouped by status) and Score (on the pool). */
    sl_cycle_begin(c, NULL, 16, NULL);
    sl_cycle_plugin_state_of(c)->record_plugin_metrics = true;
    CHECK_EQ_INT(sl_framework_run_pre_filter(fw, c, &pinfo, &pre).code, SL_SUCCESS);
    sl_framework_run_filter_plugins_on(fw, c, &pinfo, nlist, NNODES, out);
    CHECK_EQ_INT(out[2].code, SL_UNSCHEDULABLE);
    CHECK_EQ_INT(tallied("P0", "PreFilter", SL_SUCCESS), 1);
    CHECK_EQ_INT(tallied("P0", "Filter", SL_SUCCESS), NNODES - 1);
    CHECK_EQ_INT(tallied("P0", "Filter", SL_UNSCHEDULABLE), 1);
    CHECK_EQ_INT(tallied("P1", "Filter", SL_SUCCESS), NNODES - 1); /* n2 never reached P1 */
    CHECK_EQ_INT(tallied("P1", "Filter", SL_UNSCHEDULABLE), 0);
    /* the per-node path (nominated pods) reports per call */
    sl_framework_run_filters(fw, c, &pinfo, nlist[2]);
    CHECK_EQ_INT(tallied("P0", "Filter", SL_UNSCHEDULABLE), 2);
    CHECK_EQ_INT(sl_framework_run_pre_score(fw, c, &pinfo, nlist, NNODES).code, SL_SUCCESS);
    CHECK_EQ_INT(sl_framework_run_score(fw, c, &pinfo, nlist, NNODES, totals).code, SL_SUCCESS);
    CHECK_EQ_INT(tallied("S0", "PreScore", SL_SUCCESS), 1);
    CHECK_EQ_INT(tallied("S0", "Score", SL_SUCCESS), NNODES);
    CHECK_EQ_INT(tallied("S0", "ScoreExtensionNormalize", SL_SUCCESS), 1);
    sl_framework_run_reserve(fw, c, &pinfo, "n1");
    sl_framework_run_unreserve(fw, c, &pinfo, "n1");
    sl_framework_run_bind(fw, c, &pinfo, "n1");
    CHECK_EQ_INT(tallied("R0", "Reserve", SL_SUCCESS), 1);
    CHECK_EQ_INT(tallied("R0", "Unreserve", SL_SUCCESS), 1);
    CHECK_EQ_INT(tallied("B0", "Bind", SL_SUCCESS), 1);
    for (uint32_t i = 0; i < ntally; i++) CHECK(tally[i].ns >= 0);
    sl_cycle_end(c);

    /* The draw: about 10% of the cycles (2000: mean 200, sd 13). */
    uint32_t sampled = 0;
    for (int i = 0; i < 2000; i++) {
        sl_cycle_begin(c, NULL, 16, NULL);
        sl_framework_sample_plugin_metrics(fw, c);
        sampled += sl_cycle_plugin_state_of(c)->record_plugin_metrics;
        sl_cycle_end(c);
    }
    CHECK(sampled >= 130 && sampled <= 270);
    /* never without a plugin_execution hook */
    sl_recorder other = {.filter = count_filter};
    sl_framework_set_recorder(fw, &other);
    sampled = 0;
    for (int i = 0; i < 200; i++) {
        sl_cycle_begin(c, NULL, 16, NULL);
        sl_framework_sample_plugin_metrics(fw, c);
        sampled += sl_cycle_plugin_state_of(c)->record_plugin_metrics;
        sl_cycle_end(c);
    }
    CHECK_EQ_INT(sampled, 0);

    sl_cycle_free(c);
    sl_framework_free(fw);
    sl_worker_pool_free(pool);
    sl_cycle_arenas_free(&arenas);
}

TEST(reserve_permit_bind) {
    char err[256];
    reset_knobs();
    profile_builder b;
    pb_init(&b);
    pb_add(&b, SL_EP_QUEUE_SORT, "Sort", 0);
    pb_add(&b, SL_EP_RESERVE, "R0", 0);
    pb_add(&b, SL_EP_RESERVE, "R1", 0);
    pb_add(&b, SL_EP_PERMIT, "R0", 0);
    pb_add(&b, SL_EP_PERMIT, "R1", 0);
    pb_add(&b, SL_EP_BIND, "B0", 0);
    pb_add(&b, SL_EP_BIND, "B1", 0);
    sl_framework *fw = build(&b, NULL, NULL, err, sizeof err);
    CHECK(fw != NULL);
    sl_cycle *c = open_cycle();

    reserve_code[1] = SL_UNSCHEDULABLE;
    sl_status s = sl_framework_run_reserve(fw, c, &pinfo, "n1");
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.plugin, "R1");
    sl_framework_run_unreserve(fw, c, &pinfo, "n1");
    CHECK_EQ_STR(strbuf_cstr(&trace), "Reserve:R0;Reserve:R1;Unreserve:R1;Unreserve:R0;");

    reset_knobs();
    reserve_code[0] = SL_PENDING + 10; /* garbage code: Error */
    s = sl_framework_run_reserve(fw, c, &pinfo, "n1");
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "running Reserve plugin \"R0\": reserve failed");

    /* Permit: the shortest wait, capped at 15 minutes. */
    reset_knobs();
    permit_code[0] = permit_code[1] = SL_WAIT;
    permit_wait_ms[0] = 20 * 60 * 1000;
    permit_wait_ms[1] = 16 * 60 * 1000;
    int64_t timeout;
    const char *plugin;
    s = sl_framework_run_permit(fw, c, &pinfo, "n1", &timeout, &plugin);
    CHECK_EQ_INT(s.code, SL_WAIT);
    CHECK_EQ_INT(timeout, SL_PERMIT_MAX_TIMEOUT_MS);
    CHECK_EQ_STR(plugin, "R0");
    permit_wait_ms[1] = 5000;
    s = sl_framework_run_permit(fw, c, &pinfo, "n1", &timeout, &plugin);
    CHECK_EQ_INT(timeout, 5000);
    CHECK_EQ_STR(plugin, "R1");
    permit_code[1] = SL_UNSCHEDULABLE;
    s = sl_framework_run_permit(fw, c, &pinfo, "n1", &timeout, &plugin);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.plugin, "R1");

    /* Bind: the first non-Skip wins; all Skip is Skip. */
    reset_knobs();
    bind_code[0] = SL_SKIP;
    s = sl_framework_run_bind(fw, c, &pinfo, "n1");
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_STR(strbuf_cstr(&trace), "Bind:B0;Bind:B1;");
    bind_code[1] = SL_SKIP;
    s = sl_framework_run_bind(fw, c, &pinfo, "n1");
    CHECK_EQ_INT(s.code, SL_SKIP);
    bind_code[0] = SL_ERROR;
    s = sl_framework_run_bind(fw, c, &pinfo, "n1");
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "running Bind plugin \"B0\": bind failed");

    sl_cycle_free(c);
    sl_framework_free(fw);
}

TEST(pre_enqueue_and_less) {
    char err[256];
    profile_builder b;
    pb_init(&b);
    pb_basics(&b);
    pb_add(&b, SL_EP_PRE_ENQUEUE, "Gate", 0);
    sl_framework *fw = build(&b, NULL, NULL, err, sizeof err);
    CHECK_EQ_INT(sl_framework_run_pre_enqueue(fw, &pinfo).code, SL_SUCCESS);
    kpod.ngates = 1;
    sl_status s = sl_framework_run_pre_enqueue(fw, &pinfo);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.plugin, "Gate");
    kpod.ngates = 0;

    k8s_pod hi = kpod;
    hi.priority = 10;
    sl_pod_info hinfo = {.pod = &hi};
    sl_queued_pod a = {.info = &hinfo}, b2 = {.info = &pinfo};
    CHECK(sl_framework_less(fw, &a, &b2));
    CHECK(!sl_framework_less(fw, &b2, &a));
    sl_framework_free(fw);
}

static void *release_count_target;
static int releases;
static void count_release(void *data) {
    release_count_target = data;
    releases++;
    free(data);
}
static void *clone_int(sl_cycle *c, const void *data) {
    int *copy = sl_cycle_alloc(c, sizeof(int));
    *copy = *(const int *)data;
    return copy;
}

TEST(cycle_state_and_clone) {
    sl_cycle *c = open_cycle();
    static const char key[] = "PreFilterNodeResourcesFit";
    int *v = sl_cycle_alloc(c, sizeof(int));
    *v = 7;
    sl_cycle_state_write(c, key, v, clone_int, NULL);
    CHECK(sl_cycle_state_read(c, key) == v);
    char dynamic_key[64];
    snprintf(dynamic_key, sizeof dynamic_key, "%s", key);
    CHECK(sl_cycle_state_read(c, dynamic_key) == v); /* by content */
    CHECK(sl_cycle_state_read(c, "absent") == NULL);

    int *heap = xmalloc(sizeof(int));
    *heap = 1;
    releases = 0;
    sl_cycle_state_write(c, "heap", heap, NULL, count_release);

    sl_cycle *k = sl_cycle_clone(c);
    int *kv = sl_cycle_state_read(k, key);
    CHECK(kv != NULL && kv != v && *kv == 7);
    *kv = 8;
    CHECK_EQ_INT(*v, 7);
    CHECK(sl_cycle_state_read(k, "heap") == heap); /* no clone fn: shared */

    sl_status s = sl_status_newf(c, SL_UNSCHEDULABLE, "Insufficient %s\nToo many %s", "cpu", "pods");
    CHECK_EQ_STR(sl_status_message_joined(c, s), "Insufficient cpu, Too many pods");
    CHECK_EQ_STR(sl_code_name(SL_UNSCHEDULABLE_AND_UNRESOLVABLE), "UnschedulableAndUnresolvable");
    CHECK_EQ_STR(sl_code_name(SL_PENDING), "Pending");

    sl_cycle_end(c);
    CHECK_EQ_INT(releases, 1);
    CHECK(sl_cycle_state_read(c, key) == NULL);
    sl_cycle_free(c);
}

TEST(go_durations) {
    char buf[32];
    struct { int64_t ns; const char *want; } cases[] = {
        {0, "0s"}, {1, "1ns"}, {1100, "1.1\xc2\xb5s"}, {2200000, "2.2ms"},
        {1000000000LL, "1s"}, {1500000000LL, "1.5s"}, {10000000000LL, "10s"},
        {60000000000LL, "1m0s"}, {90000000000LL, "1m30s"}, {900000000000LL, "15m0s"},
        {3600000000000LL, "1h0m0s"}, {100000000LL, "100ms"}, {-1500000000LL, "-1.5s"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        sl_format_go_duration(cases[i].ns, buf, sizeof buf);
        CHECK_EQ_STR(buf, cases[i].want);
    }
}

typedef struct sum_job {
    atomic_ullong sum;
    atomic_uint calls;
    uint8_t *seen;
    atomic_bool stop;
    uint32_t stop_after;
} sum_job;

static void sum_range(void *ctx, uint32_t begin, uint32_t end, uint32_t participant) {
    (void)participant;
    sum_job *j = ctx;
    unsigned long long local = 0;
    for (uint32_t i = begin; i < end; i++) {
        local += i;
        j->seen[i]++;
    }
    atomic_fetch_add(&j->sum, local);
    if (atomic_fetch_add(&j->calls, 1) + 1 >= j->stop_after) atomic_store(&j->stop, true);
}

TEST(worker_pool) {
    sl_cycle_arenas arenas;
    sl_cycle_arenas_init(&arenas, 3);
    sl_worker_pool *pool = sl_worker_pool_new(4, &arenas);
    CHECK_EQ_INT(sl_worker_pool_threads(pool), 4);
    for (int round = 0; round < 200; round++) {
        uint32_t n = 1000 + (uint32_t)round * 7;
        sum_job j;
        atomic_init(&j.sum, 0);
        atomic_init(&j.calls, 0);
        atomic_init(&j.stop, false);
        j.stop_after = UINT32_MAX;
        j.seen = xcalloc(n, 1);
        uint32_t done = sl_parallel_for(pool, n, 13, sum_range, &j, NULL);
        CHECK_EQ_INT(done, n);
        CHECK_EQ_INT(atomic_load(&j.sum), (unsigned long long)n * (n - 1) / 2);
        int bad = 0;
        for (uint32_t i = 0; i < n; i++) bad += j.seen[i] != 1;
        CHECK_EQ_INT(bad, 0);

        /* Early stop: the finished indexes are exactly a prefix. */
        memset(j.seen, 0, n);
        atomic_store(&j.calls, 0);
        atomic_store(&j.stop, false);
        j.stop_after = 5;
        done = sl_parallel_for(pool, n, 10, sum_range, &j, &j.stop);
        CHECK(done >= 50 && done <= n);
        bad = 0;
        for (uint32_t i = 0; i < n; i++) bad += j.seen[i] != (i < done ? 1 : 0);
        CHECK_EQ_INT(bad, 0);
        free(j.seen);
    }
    sl_worker_pool_free(pool);
    sl_cycle_arenas_free(&arenas);
    CHECK(sl_parallel_default_threads(16) >= 1);
    CHECK_EQ_INT(sl_parallel_default_threads(1), 1);
}

int main(void) {
    strbuf_init(&trace);
    build_test_registry();
    sl_cycle_arenas_init(&test_arenas, 0);
    fixtures();
    RUN(construction_errors);
    RUN(prefilter_skip_and_rejections);
    RUN(prefilter_result_intersection);
    RUN(filter_status_rules);
    RUN(post_filter_rules);
    RUN(score_weights_normalize_and_skip);
    RUN(plugin_metrics_sampling);
    RUN(reserve_permit_bind);
    RUN(pre_enqueue_and_less);
    RUN(cycle_state_and_clone);
    RUN(go_durations);
    RUN(worker_pool);
    strbuf_free(&trace);
    sl_cycle_arenas_free(&test_arenas);
    sl_registry_free(test_registry);
    return test_summary("framework");
}
