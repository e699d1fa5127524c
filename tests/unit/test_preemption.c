/*
 * Unit tests of DefaultPreemption through a real framework (the upstream
 * default profile) over a real cache snapshot: eligibility, candidate
 * selection, the reprieve loop, the node-choice criteria, the "not helpful"
 * messages, and args validation. Scenarios paraphrase upstream's
 * default_preemption_test.go tables.
 */
#include "plugin_fixture.h"
#include "scheduler/config.h"
#include "test.h"

#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name;
#include "plugins/plugin_list.h"
#undef PLUGIN
/* Pull every plugin object out of the archive (the registry's references are weak). */
const sl_plugin_registration *const test_linked_plugins[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

typedef struct recorder_host {
    char deleted[16][64];
    uint32_t ndeleted;
    uint32_t nevents;
    char last_event[256];
} recorder_host;

static sl_status host_delete(void *user, const sl_pod_info *victim, const char *reason) {
    recorder_host *h = user;
    if (h->ndeleted < 16) snprintf(h->deleted[h->ndeleted++], 64, "%s", victim->pod->name);
    return SL_STATUS_SUCCESS;
}

static void host_event(void *user, const sl_pod_info *pod, const char *type, const char *reason,
                       const char *message) {
    recorder_host *h = user;
    h->nevents++;
    snprintf(h->last_event, sizeof(h->last_event), "%s %s %s: %s", type, reason, pod->pod->name,
             message);
}

typedef struct preempt_env {
    fixture f;
    sl_config cfg;
    recorder_host rec;
    sl_framework_host host;
    sl_framework *fw;
} preempt_env;

static void env_init(preempt_env *e) {
    memset(e, 0, sizeof(*e));
    fixture_init(&e->f);
    sl_config_default(e->f.registry, &e->cfg);
    e->host.user = &e->rec;
    e->host.delete_pod = host_delete;
    e->host.event = host_event;
}

/* Builds the framework (default profile) and opens the cycle. */
static void env_begin(preempt_env *e) {
    fixture_begin(&e->f);
    sl_framework_options o;
    memset(&o, 0, sizeof(o));
    o.profile = &e->cfg.profiles[0];
    o.parallelism = 1;
    o.host = &e->host;
    o.registry = e->f.registry;
    char err[512];
    e->fw = sl_framework_new(&o, err, sizeof(err));
    if (!e->fw) {
        fprintf(stderr, "framework: %s\n", err);
        abort();
    }
}

static void env_free(preempt_env *e) {
    if (e->fw) sl_framework_free(e->fw);
    sl_config_free(&e->cfg);
    fixture_free(&e->f);
}

/* PreFilter + Filter on every node, then PostFilter, as a failed cycle would. */
static sl_status preempt(preempt_env *e, sl_pod_info *pod, const char **nominated) {
    sl_cycle *c = e->f.cycle;
    sl_prefilter_outcome out;
    memset(&out, 0, sizeof(out));
    out.result.all = true;
    sl_status s = sl_framework_run_pre_filter(e->fw, c, pod, &out);
    uint32_t n = sl_snapshot_num_nodes(e->f.snapshot);
    sl_node_info *const *nodes = sl_snapshot_nodes(e->f.snapshot);
    sl_node_status_map *m = sl_node_status_map_new(c, n);
    for (uint32_t i = 0; i < n; i++) {
        sl_status fs = s.code == SL_SUCCESS ? sl_framework_run_filters(e->fw, c, pod, nodes[i]) : s;
        sl_node_status_map_set(m, nodes[i]->index, fs);
    }
    sl_post_filter_result r = {NULL};
    sl_status ps = sl_framework_run_post_filter(e->fw, c, pod, m, &r);
    *nominated = r.nominated_node_name;
    return ps;
}

#define NODE_2CPU(name) "{'metadata':{'name':'" name "'},'status':{'allocatable':{'cpu':'2',"  \
                        "'memory':'4Gi','pods':'110'}}}"

static void add_pod(preempt_env *e, const char *name, const char *node, int prio, const char *cpu,
                    const char *start) {
    char json[512];
    snprintf(json, sizeof(json),
             "{'metadata':{'name':'%s','uid':'uid-%s'},'spec':{'nodeName':'%s','priority':%d,"
             "'containers':[{'name':'c','resources':{'requests':{'cpu':'%s'}}}]},"
             "'status':{'phase':'Running'%s%s%s}}",
             name, name, node, prio, cpu, start ? ",'startTime':'" : "", start ? start : "",
             start ? "'" : "");
    fixture_pod(&e->f, json);
}

static sl_pod_info *incoming(preempt_env *e, int prio, const char *cpu, const char *extra_spec) {
    char json[512];
    snprintf(json, sizeof(json),
             "{'metadata':{'name':'preemptor','uid':'uid-preemptor'},'spec':{'priority':%d%s,"
             "'containers':[{'name':'c','resources':{'requests':{'cpu':'%s'}}}]}}",
             prio, extra_spec ? extra_spec : "", cpu);
    return fixture_incoming(&e->f, json);
}

TEST(preempts_lowest_priority_victims) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    fixture_node(&e.f, NODE_2CPU("n2"));
    add_pod(&e, "low", "n1", 1, "1500m", NULL);
    add_pod(&e, "mid", "n2", 5, "1500m", NULL);
    sl_pod_info *pod = incoming(&e, 10, "1", NULL);
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_STR(nominated, "n1");
    CHECK_EQ_INT(e.rec.ndeleted, 1);
    CHECK_EQ_STR(e.rec.deleted[0], "low");
    CHECK_EQ_INT(e.rec.nevents, 1);
    CHECK_EQ_STR(e.rec.last_event, "Normal Preempted low: Preempted by pod uid-preemptor on node n1");
    env_free(&e);
}

TEST(reprieves_most_important_pods_first) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    add_pod(&e, "p1", "n1", 1, "500m", NULL);
    add_pod(&e, "p3", "n1", 3, "500m", NULL);
    add_pod(&e, "p2", "n1", 2, "500m", NULL);
    add_pod(&e, "keep", "n1", 20, "100m", NULL); /* higher priority: never a victim */
    sl_pod_info *pod = incoming(&e, 10, "1", NULL);
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_STR(nominated, "n1");
    /* All three removed: 1.9 free. Reprieve in priority order: p3 fits
     * (1.4 free), p2 would leave 0.9 < 1, p1 too: p2 and p1 are victims,
     * listed most important first. */
    CHECK_EQ_INT(e.rec.ndeleted, 2);
    CHECK_EQ_STR(e.rec.deleted[0], "p2");
    CHECK_EQ_STR(e.rec.deleted[1], "p1");
    env_free(&e);
}

TEST(prefers_fewer_and_cheaper_victims) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("two-victims"));
    fixture_node(&e.f, NODE_2CPU("one-victim"));
    fixture_node(&e.f, NODE_2CPU("later-start"));
    add_pod(&e, "a1", "two-victims", 1, "1", NULL);
    add_pod(&e, "a2", "two-victims", 1, "1", NULL);
    add_pod(&e, "b1", "one-victim", 1, "2", "2024-01-01T00:00:00Z");
    add_pod(&e, "c1", "later-start", 1, "2", "2024-06-01T00:00:00Z");
    sl_pod_info *pod = incoming(&e, 10, "2", NULL);
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    /* Same highest priority; sum of priorities and count favour one victim;
     * among those, the victim that started later is evicted. */
    CHECK_EQ_STR(nominated, "later-start");
    CHECK_EQ_INT(e.rec.ndeleted, 1);
    CHECK_EQ_STR(e.rec.deleted[0], "c1");
    env_free(&e);
}

TEST(not_eligible_with_preemption_policy_never) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    add_pod(&e, "low", "n1", 1, "2", NULL);
    sl_pod_info *pod = incoming(&e, 10, "1", ",'preemptionPolicy':'Never'");
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "preemption: not eligible due to preemptionPolicy=Never.");
    CHECK(nominated == NULL);
    CHECK_EQ_INT(e.rec.ndeleted, 0);
    env_free(&e);
}

TEST(not_helpful_messages) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    fixture_node(&e.f, NODE_2CPU("n2"));
    fixture_node(&e.f, "{'metadata':{'name':'n3','labels':{'zone':'b'}},'status':{'allocatable':"
                       "{'cpu':'8','memory':'4Gi','pods':'110'}}}");
    add_pod(&e, "same1", "n1", 10, "2", NULL); /* equal priority: not a victim */
    add_pod(&e, "same2", "n2", 10, "2", NULL);
    /* n3 has room but fails the nodeSelector: UnschedulableAndUnresolvable. */
    sl_pod_info *pod = incoming(&e, 10, "1", ",'nodeSelector':{'zone':'a'}");
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
                            "scheduling.");
    env_free(&e);

    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    fixture_node(&e.f, NODE_2CPU("n2"));
    fixture_node(&e.f, "{'metadata':{'name':'n3'},'spec':{'unschedulable':true},'status':{"
                       "'allocatable':{'cpu':'8','memory':'4Gi','pods':'110'}}}");
    add_pod(&e, "same1", "n1", 10, "2", NULL);
    add_pod(&e, "same2", "n2", 10, "2", NULL);
    pod = incoming(&e, 10, "1", NULL);
    env_begin(&e);
    s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "preemption: 0/3 nodes are available: 1 Preemption is not helpful for "
                            "scheduling, 2 No preemption victims found for incoming pod.");
    env_free(&e);
}

TEST(victims_that_do_not_free_enough_are_not_candidates) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    add_pod(&e, "low", "n1", 1, "500m", NULL);
    add_pod(&e, "high", "n1", 100, "1500m", NULL);
    sl_pod_info *pod = incoming(&e, 10, "1", NULL);
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "preemption: 0/1 nodes are available: 1 Insufficient cpu.");
    CHECK_EQ_INT(e.rec.ndeleted, 0);
    env_free(&e);
}

TEST(args_validation) {
    fixture f;
    fixture_init(&f);
    char err[512];
    CHECK(fixture_plugin_err(&f, "DefaultPreemption",
                             "{'minCandidateNodesPercentage':10,'minCandidateNodesAbsolute':100}",
                             err, sizeof(err)) != NULL);
    CHECK(fixture_plugin_err(&f, "DefaultPreemption", "{'minCandidateNodesPercentage':101}", err,
                             sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "pluginConfig[DefaultPreemption].args.minCandidateNodesPercentage: Invalid "
                      "value: 101: not in valid range [0, 100]");
    CHECK(fixture_plugin_err(&f, "DefaultPreemption", "{'minCandidateNodesAbsolute':-1}", err,
                             sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "pluginConfig[DefaultPreemption].args.minCandidateNodesAbsolute: Invalid "
                      "value: -1: not in valid range [0, inf)");
    CHECK(fixture_plugin_err(&f, "DefaultPreemption",
                             "{'minCandidateNodesPercentage':0,'minCandidateNodesAbsolute':0}", err,
                             sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "pluginConfig[DefaultPreemption].args: Invalid value: \"\": both "
                      "minCandidateNodesPercentage and minCandidateNodesAbsolute cannot be zero");
    CHECK(fixture_plugin_err(&f, "DefaultPreemption", "{'minCandidates':1}", err, sizeof(err)) ==
          NULL);
    CHECK_EQ_STR(err, "pluginConfig[DefaultPreemption].args.minCandidates: unknown field");
    fixture_free(&f);
}

/* ---- PodDisruptionBudgets (upstream TestDryRunPreemption's PDB rows,
 * filterPodsWithPDBViolation, pickOneNodeForPreemption) ---- */

/* Node "n1" holds p1 and p2 (1 cpu each, priority 1, labels per case) and
 * the preemptor needs 2 cpu, so both are victims; the case's PDBs decide
 * how many of them violate one. Node "ctl" holds `ctl` victims of priority
 * 2 that each violate a PDB (or, for ctl = 0, one victim violating none).
 * n1 wins iff its violations <= ctl (on a tie its lower victim priority
 * decides): running ctl = want - 1 and ctl = want pins n1's count. */
typedef struct pdb_case {
    const char *name;
    const char *labels;          /* p1/p2 metadata.labels JSON, NULL: none */
    const char *pdbs[2];         /* PDB objects (namespace default unless said) */
    int want;                    /* n1's PDB violations */
} pdb_case;

#define PDB(extra) "{'metadata':{'name':'pdb','namespace':'default'}," extra "}"
static const pdb_case pdb_cases[] = {
    {"no PDB", "{'app':'foo'}", {NULL}, 0},
    {"violation of same pdb", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':1}")}, 1},
    {"pdb allowing both", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':2}")}, 0},
    {"processed eviction, victim not in DisruptedPods", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':1,"
          "'disruptedPods':{'p3':'2024-01-01T00:00:00Z'}}")}, 1},
    {"processed eviction, victim in DisruptedPods", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':1,"
          "'disruptedPods':{'p1':'2024-01-01T00:00:00Z'}}")}, 0},
    {"victim in DisruptedPods treated as non-violating", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':0,"
          "'disruptedPods':{'p1':'2024-01-01T00:00:00Z'}}")}, 1},
    {"no disruption allowed", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':0}")}, 2},
    {"PDB of another namespace", "{'app':'foo'}",
     {"{'metadata':{'name':'pdb','namespace':'other'},'spec':{'selector':{'matchLabels':"
      "{'app':'foo'}}},'status':{'disruptionsAllowed':0}}"}, 0},
    {"empty selector matches nothing", "{'app':'foo'}",
     {PDB("'spec':{'selector':{}},'status':{'disruptionsAllowed':0}")}, 0},
    {"nil selector matches nothing", "{'app':'foo'}",
     {PDB("'spec':{},'status':{'disruptionsAllowed':0}")}, 0},
    {"selector not matching", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'bar'}}},'status':{'disruptionsAllowed':0}")}, 0},
    {"pods without labels match no PDB", NULL,
     {PDB("'spec':{'selector':{'matchExpressions':[{'key':'x','operator':'DoesNotExist'}]}},"
          "'status':{'disruptionsAllowed':0}")}, 0},
    {"two PDBs, one violated", "{'app':'foo'}",
     {PDB("'spec':{'selector':{'matchLabels':{'app':'foo'}}},'status':{'disruptionsAllowed':5}"),
      "{'metadata':{'name':'pdb2','namespace':'default'},'spec':{'selector':{'matchExpressions':"
      "[{'key':'app','operator':'In','values':['foo']}]}},'status':{'disruptionsAllowed':1}}"}, 1},
};

static void add_labelled_pod(preempt_env *e, const char *name, const char *node, int prio,
                             const char *cpu, const char *labels) {
    char json[768];
    snprintf(json, sizeof(json),
             "{'metadata':{'name':'%s','namespace':'default','uid':'uid-%s'%s%s},"
             "'spec':{'nodeName':'%s','priority':%d,"
             "'containers':[{'name':'c','resources':{'requests':{'cpu':'%s'}}}]},"
             "'status':{'phase':'Running'}}",
             name, name, labels ? ",'labels':" : "", labels ? labels : "", node, prio, cpu);
    fixture_pod(&e->f, json);
}

/* Runs the case against a control node with `ctl` violations; returns the
 * nominated node name (static buffer). */
static const char *run_pdb_case(const pdb_case *pc, int ctl) {
    static char nominated_copy[64];
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    fixture_node(&e.f, NODE_2CPU("ctl"));
    add_labelled_pod(&e, "p1", "n1", 1, "1", pc->labels);
    add_labelled_pod(&e, "p2", "n1", 1, "1", pc->labels);
    if (ctl == 0) {
        add_labelled_pod(&e, "c1", "ctl", 2, "2", NULL);
    } else {
        for (int i = 0; i < ctl; i++) {
            char name[16];
            snprintf(name, sizeof name, "c%d", i + 1);
            add_labelled_pod(&e, name, "ctl", 2, ctl == 1 ? "2" : "1", "{'ctl':'yes'}");
        }
        fixture_object(&e.f, SL_CACHE_PDB,
                       "{'metadata':{'name':'ctl','namespace':'default'},'spec':{'selector':"
                       "{'matchLabels':{'ctl':'yes'}}},'status':{'disruptionsAllowed':0}}");
    }
    for (int i = 0; i < 2; i++)
        if (pc->pdbs[i]) fixture_object(&e.f, SL_CACHE_PDB, pc->pdbs[i]);
    sl_pod_info *pod = incoming(&e, 10, "2", NULL);
    env_begin(&e);
    const char *nominated = NULL;
    sl_status s = preempt(&e, pod, &nominated);
    snprintf(nominated_copy, sizeof nominated_copy, "%s",
             s.code == SL_SUCCESS && nominated ? nominated : "(none)");
    env_free(&e);
    return nominated_copy;
}

TEST(pdb_violations_match_upstream_table) {
    for (size_t i = 0; i < ARRAY_LEN(pdb_cases); i++) {
        const pdb_case *pc = &pdb_cases[i];
        const char *at_want = run_pdb_case(pc, pc->want);
        if (strcmp(at_want, "n1") != 0)
            fprintf(stderr, "case \"%s\": with %d control violations got %s\n", pc->name, pc->want,
                    at_want);
        CHECK_EQ_STR(at_want, "n1");
        if (pc->want > 0) {
            const char *below = run_pdb_case(pc, pc->want - 1);
            if (strcmp(below, "ctl") != 0)
                fprintf(stderr, "case \"%s\": with %d control violations got %s\n", pc->name,
                        pc->want - 1, below);
            CHECK_EQ_STR(below, "ctl");
        }
    }
}

TEST(pdb_violating_pods_are_reprieved_first) {
    /* Without the PDB the higher-priority pod is reprieved and "low" goes;
     * with it, "low" (violating) is reprieved first and "high" goes. */
    for (int with_pdb = 0; with_pdb < 2; with_pdb++) {
        preempt_env e;
        env_init(&e);
        fixture_node(&e.f, NODE_2CPU("n1"));
        add_labelled_pod(&e, "high", "n1", 5, "1", NULL);
        add_labelled_pod(&e, "low", "n1", 1, "1", "{'app':'db'}");
        if (with_pdb)
            fixture_object(&e.f, SL_CACHE_PDB,
                           PDB("'spec':{'selector':{'matchLabels':{'app':'db'}}},"
                               "'status':{'disruptionsAllowed':0}"));
        sl_pod_info *pod = incoming(&e, 10, "1", NULL);
        env_begin(&e);
        const char *nominated = NULL;
        sl_status s = preempt(&e, pod, &nominated);
        CHECK_EQ_INT(s.code, SL_SUCCESS);
        CHECK_EQ_INT(e.rec.ndeleted, 1);
        CHECK_EQ_STR(e.rec.deleted[0], with_pdb ? "high" : "low");
        env_free(&e);
    }
}

TEST(pdb_victims_stay_sorted_by_importance) {
    /* Both groups give a victim: listed (and deleted) most important first. */
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    add_labelled_pod(&e, "violating", "n1", 1, "1", "{'app':'db'}");
    add_labelled_pod(&e, "plain", "n1", 5, "1", NULL);
    fixture_object(&e.f, SL_CACHE_PDB,
                   PDB("'spec':{'selector':{'matchLabels':{'app':'db'}}},"
                       "'status':{'disruptionsAllowed':0}"));
    sl_pod_info *pod = incoming(&e, 10, "2", NULL);
    env_begin(&e);
    const char *nominated = NULL;
    CHECK_EQ_INT(preempt(&e, pod, &nominated).code, SL_SUCCESS);
    CHECK_EQ_INT(e.rec.ndeleted, 2);
    CHECK_EQ_STR(e.rec.deleted[0], "plain");
    CHECK_EQ_STR(e.rec.deleted[1], "violating");
    env_free(&e);
}

TEST(pdb_removed_from_cache_no_longer_counts) {
    preempt_env e;
    env_init(&e);
    fixture_node(&e.f, NODE_2CPU("n1"));
    add_labelled_pod(&e, "high", "n1", 5, "1", NULL);
    add_labelled_pod(&e, "low", "n1", 1, "1", "{'app':'db'}");
    fixture_object(&e.f, SL_CACHE_PDB,
                   PDB("'spec':{'selector':{'matchLabels':{'app':'db'}}},"
                       "'status':{'disruptionsAllowed':0}"));
    fixture_begin(&e.f);
    uint32_t n;
    sl_snapshot_pdbs(e.f.snapshot, &n);
    CHECK_EQ_INT(n, 1);
    sl_cache_remove_object(e.f.cache, SL_CACHE_PDB, "default", "pdb");
    sl_pod_info *pod = incoming(&e, 10, "1", NULL);
    env_begin(&e);
    sl_snapshot_pdbs(e.f.snapshot, &n);
    CHECK_EQ_INT(n, 0);
    const char *nominated = NULL;
    CHECK_EQ_INT(preempt(&e, pod, &nominated).code, SL_SUCCESS);
    CHECK_EQ_STR(e.rec.deleted[0], "low");
    env_free(&e);
}

int main(void) {
    RUN(preempts_lowest_priority_victims);
    RUN(reprieves_most_important_pods_first);
    RUN(prefers_fewer_and_cheaper_victims);
    RUN(not_eligible_with_preemption_policy_never);
    RUN(not_helpful_messages);
    RUN(victims_that_do_not_free_enough_are_not_candidates);
    RUN(args_validation);
    RUN(pdb_violations_match_upstream_table);
    RUN(pdb_violating_pods_are_reprieved_first);
    RUN(pdb_victims_stay_sorted_by_importance);
    RUN(pdb_removed_from_cache_no_longer_counts);
    return test_summary("preemption");
}
