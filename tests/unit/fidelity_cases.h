/*
 * fidelity_cases.h — table-driven runners for the upstream-fidelity suites
 * (test_fidelity_scores.c, test_fidelity_filters.c). Each case is a small
 * cluster written as compact JSON (plugin_fixture.h's single-quote style),
 * the plugin under test with its args, and the expected per-node scores or
 * Filter statuses, paraphrased from kube-scheduler's plugin unit tests.
 *
 * Pods without metadata.name get "p<i>" (existing) or "incoming"; pods
 * without a namespace land in "default" (the k8s decoder's default).
 */
#ifndef SCHEDLAB_TEST_FIDELITY_CASES_H
#define SCHEDLAB_TEST_FIDELITY_CASES_H

#include "plugin_fixture.h"
#include "test.h"

#define FC_MAX_NODES 16
#define FC_MAX_PODS 40

/* The registry refers to plugins weakly; referencing them pulls them in. */
extern const sl_plugin_registration sl_plugin_PrioritySort, sl_plugin_SchedulingGates,
    sl_plugin_NodeUnschedulable, sl_plugin_NodeName, sl_plugin_TaintToleration,
    sl_plugin_NodeAffinity, sl_plugin_NodePorts, sl_plugin_ImageLocality,
    sl_plugin_NodeResourcesFit, sl_plugin_NodeResourcesBalancedAllocation,
    sl_plugin_PodTopologySpread, sl_plugin_InterPodAffinity;
const sl_plugin_registration *const fidelity_plugins_under_test[] = {
    &sl_plugin_PrioritySort,      &sl_plugin_SchedulingGates,   &sl_plugin_NodeUnschedulable,
    &sl_plugin_NodeName,          &sl_plugin_TaintToleration,   &sl_plugin_NodeAffinity,
    &sl_plugin_NodePorts,         &sl_plugin_ImageLocality,     &sl_plugin_NodeResourcesFit,
    &sl_plugin_NodeResourcesBalancedAllocation, &sl_plugin_PodTopologySpread,
    &sl_plugin_InterPodAffinity};

static int fc_cases_run __attribute__((unused));

/* Adds metadata.name when absent; returns the JSON text (malloc'ed). */
static inline char *fc_named(const char *text, const char *fallback) {
    json_t *obj = fixture_json(text);
    json_t *meta = json_object_get(obj, "metadata");
    if (!meta) {
        meta = json_object();
        json_object_set_new(obj, "metadata", meta);
    }
    if (!json_object_get(meta, "name")) json_object_set_new(meta, "name", json_string(fallback));
    char *out = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    /* fixture_json turns ' into ": the dump has none left to turn. */
    return out;
}

static inline sl_pod_info *fc_add_pod(fixture *f, const char *text, int index) {
    char name[32];
    snprintf(name, sizeof name, "p%d", index);
    char *json = fc_named(text, name);
    sl_pod_info *info = fixture_pod(f, json);
    free(json);
    return info;
}

static inline sl_pod_info *fc_incoming(fixture *f, const char *text) {
    char *json = fc_named(text, "incoming");
    sl_pod_info *info = fixture_incoming(f, json);
    free(json);
    return info;
}

static inline uint32_t fc_count(const char *const *list, uint32_t max) {
    uint32_t n = 0;
    while (n < max && list[n]) n++;
    return n;
}

/* Builds the fixture: nodes, existing pods, the incoming pod, snapshot. */
static inline sl_pod_info *fc_setup(fixture *f, const char *const *nodes, const char *const *pods,
                             const char *pod) {
    fixture_init(f);
    /* The Namespace objects upstream's interpodaffinity tests register
     * (scoring_test.go / filtering_test.go `namespaces`). */
    static const char *const upstream_namespaces[] = {
        "{'metadata':{'name':'subteam1.team1','labels':{'team':'team1'}}}",
        "{'metadata':{'name':'subteam2.team1','labels':{'team':'team1'}}}",
        "{'metadata':{'name':'subteam1.team2','labels':{'team':'team2'}}}",
        "{'metadata':{'name':'subteam2.team2','labels':{'team':'team2'}}}",
    };
    for (size_t i = 0; i < sizeof upstream_namespaces / sizeof *upstream_namespaces; i++)
        fixture_namespace(f, upstream_namespaces[i]);
    for (uint32_t i = 0; i < FC_MAX_NODES && nodes[i]; i++) fixture_node(f, nodes[i]);
    for (uint32_t i = 0; i < FC_MAX_PODS && pods[i]; i++) fc_add_pod(f, pods[i], (int)i);
    sl_pod_info *incoming = fc_incoming(f, pod ? pod : "{'spec':{'containers':[]}}");
    fixture_begin(f);
    return incoming;
}

/* ------------------------------------------------------------------ */
/* Scores                                                               */
/* ------------------------------------------------------------------ */

typedef struct score_case {
    const char *name;
    const char *plugin;
    const char *args;                       /* NULL = defaults */
    const char *nodes[FC_MAX_NODES];
    const char *pods[FC_MAX_PODS];          /* existing pods */
    const char *pod;                        /* incoming */
    const char *filtered[FC_MAX_NODES];     /* nodes to PreScore/Score; empty = all */
    int64_t want[FC_MAX_NODES];             /* per scored node, after NormalizeScore */
    sl_code want_prescore;                  /* SL_SKIP: scores are all 0 (not run) */
} score_case;

static inline void run_score_case(const score_case *tc) {
    fixture f;
    sl_pod_info *pod = fc_setup(&f, tc->nodes, tc->pods, tc->pod);
    sl_plugin *p = fixture_plugin(&f, tc->plugin, tc->args);
    const char *names[FC_MAX_NODES];
    uint32_t n = fc_count(tc->filtered, FC_MAX_NODES);
    if (n > 0) {
        for (uint32_t i = 0; i < n; i++) names[i] = tc->filtered[i];
    } else {
        n = f.nnodes;
        for (uint32_t i = 0; i < n; i++) names[i] = f.nodes[i]->name;
    }
    int64_t scores[FC_MAX_NODES] = {0};
    sl_status s = fixture_score(&f, p, pod, names, n, scores);
    fc_cases_run++;
    if (s.code != tc->want_prescore) {
        TEST_FAIL_AT("[%s] %s: status %s (%s), want %s", tc->plugin, tc->name,
                     sl_code_name(s.code), s.message ? s.message : "", sl_code_name(tc->want_prescore));
    } else {
        if (s.code == SL_SKIP)
            for (uint32_t i = 0; i < n; i++) scores[i] = 0;
        for (uint32_t i = 0; i < n; i++)
            if (scores[i] != tc->want[i])
                TEST_FAIL_AT("[%s] %s: node %s scored %lld, want %lld", tc->plugin, tc->name,
                             names[i], (long long)scores[i], (long long)tc->want[i]);
    }
    fixture_free(&f);
}

#define RUN_SCORE_TABLE(table)                                                \
    for (size_t fc_i_ = 0; fc_i_ < sizeof(table) / sizeof((table)[0]); fc_i_++) \
        run_score_case(&(table)[fc_i_])

/* ------------------------------------------------------------------ */
/* Filters                                                              */
/* ------------------------------------------------------------------ */

typedef struct node_want {
    const char *node;
    sl_code code;
    const char *message;                    /* NULL = not checked; "" = none */
} node_want;

typedef struct filter_case {
    const char *name;
    const char *plugin;
    const char *args;
    const char *nodes[FC_MAX_NODES];
    const char *pods[FC_MAX_PODS];
    const char *pod;
    node_want want[FC_MAX_NODES];           /* nodes to check (by name) */
    sl_code want_prefilter;                 /* Success, Skip, or a rejection (then every node gets it) */
    const char *want_prefilter_message;     /* checked when non-NULL */
    const char *want_prefilter_nodes;       /* PreFilterResult names joined by ',' ; NULL = all */
} filter_case;

/* What the framework would record for `node`: PreFilter's rejection, or
 * Success when PreFilter skipped the plugin, else the Filter status. */
static inline void run_filter_case(const filter_case *tc) {
    fixture f;
    sl_pod_info *pod = fc_setup(&f, tc->nodes, tc->pods, tc->pod);
    sl_plugin *p = fixture_plugin(&f, tc->plugin, tc->args);
    fc_cases_run++;
    sl_status pre = SL_STATUS_SUCCESS;
    sl_prefilter_result result = {true, 0, NULL};
    if (p->ops->pre_filter) pre = p->ops->pre_filter(p, f.cycle, pod, &result);
    sl_code want_pre = tc->want_prefilter;
    if (pre.code != want_pre) {
        TEST_FAIL_AT("[%s] %s: PreFilter %s (%s), want %s", tc->plugin, tc->name,
                     sl_code_name(pre.code), pre.message ? pre.message : "",
                     sl_code_name(want_pre));
        fixture_free(&f);
        return;
    }
    if (tc->want_prefilter_message &&
        strcmp(pre.message ? pre.message : "", tc->want_prefilter_message) != 0)
        TEST_FAIL_AT("[%s] %s: PreFilter message \"%s\", want \"%s\"", tc->plugin, tc->name,
                     pre.message ? pre.message : "", tc->want_prefilter_message);
    if (pre.code == SL_SUCCESS) {
        char joined[512] = "";
        if (!result.all) {
            for (uint32_t i = 0; i < result.nnames; i++) {
                if (i) strncat(joined, ",", sizeof joined - strlen(joined) - 1);
                strncat(joined, result.node_names[i], sizeof joined - strlen(joined) - 1);
            }
        }
        if (tc->want_prefilter_nodes ? (result.all || strcmp(joined, tc->want_prefilter_nodes) != 0)
                                     : !result.all)
            TEST_FAIL_AT("[%s] %s: PreFilterResult {%s}%s, want %s", tc->plugin, tc->name, joined,
                         result.all ? " (all)" : "",
                         tc->want_prefilter_nodes ? tc->want_prefilter_nodes : "all nodes");
    }
    for (uint32_t i = 0; i < FC_MAX_NODES && tc->want[i].node; i++) {
        const node_want *w = &tc->want[i];
        sl_status s;
        if (pre.code == SL_SKIP) s = SL_STATUS_SUCCESS;
        else if (pre.code != SL_SUCCESS) s = pre;
        else s = p->ops->filter(p, f.cycle, pod, fixture_node_info(&f, w->node));
        if (s.code != w->code)
            TEST_FAIL_AT("[%s] %s: node %s: %s (%s), want %s", tc->plugin, tc->name, w->node,
                         sl_code_name(s.code), s.message ? s.message : "", sl_code_name(w->code));
        else if (w->message && strcmp(s.message ? s.message : "", w->message) != 0)
            TEST_FAIL_AT("[%s] %s: node %s: message \"%s\", want \"%s\"", tc->plugin, tc->name,
                         w->node, s.message ? s.message : "", w->message);
    }
    fixture_free(&f);
}

#define RUN_FILTER_TABLE(table)                                               \
    for (size_t fc_i_ = 0; fc_i_ < sizeof(table) / sizeof((table)[0]); fc_i_++) \
        run_filter_case(&(table)[fc_i_])

#define OK(node) {node, SL_SUCCESS, ""}
#define UNSCHED(node, msg) {node, SL_UNSCHEDULABLE, msg}
#define UNRESOLVABLE(node, msg) {node, SL_UNSCHEDULABLE_AND_UNRESOLVABLE, msg}

#endif
