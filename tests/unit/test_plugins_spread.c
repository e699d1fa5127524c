/*
 * Unit tests of PodTopologySpread: Filter skew with self-match, minDomains,
 * missing labels, inclusion policies, namespaces, terminating pods,
 * matchLabelKeys, AddPod on a cloned state, Score/NormalizeScore with
 * hostname and zone constraints (values worked out from upstream's
 * formulas), Skip paths and args validation.
 */
#include "plugin_fixture.h"
#include "test.h"

/* The registry refers to plugins weakly, which does not pull their objects
 * out of libschedlab.a; referencing them here does. */
extern const sl_plugin_registration sl_plugin_PodTopologySpread;
const sl_plugin_registration *const spread_plugins_under_test[] = {&sl_plugin_PodTopologySpread};

#define ZONE "topology.kubernetes.io/zone"
#define HOST "kubernetes.io/hostname"

/* A node; zone NULL = no zone label; taint_effect NULL = no taint. */
static void add_node(fixture *f, const char *name, const char *zone, const char *taint_effect) {
    char text[1024];
    snprintf(text, sizeof text,
             "{'metadata':{'name':'%s','labels':{'" HOST "':'%s'%s%s%s}},"
             "'spec':{%s%s%s},"
             "'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}",
             name, name, zone ? ",'" ZONE "':'" : "", zone ? zone : "", zone ? "'" : "",
             taint_effect ? "'taints':[{'key':'dedicated','value':'x','effect':'" : "",
             taint_effect ? taint_effect : "", taint_effect ? "'}]" : "");
    fixture_node(f, text);
}

/* A pod with `labels` (JSON object body) on `node` (NULL = unscheduled) in
 * `ns`, and an optional spec fragment (ending with ','). */
static const char *pod_json(char *buf, size_t size, const char *name, const char *ns,
                            const char *labels, const char *node, const char *spec) {
    snprintf(buf, size,
             "{'metadata':{'name':'%s','namespace':'%s','labels':{%s}},'spec':{%s%s%s%s"
             "'containers':[{'name':'c'}]}}",
             name, ns, labels, node ? "'nodeName':'" : "", node ? node : "", node ? "'," : "",
             spec ? spec : "");
    return buf;
}

static sl_pod_info *add_pod(fixture *f, const char *name, const char *labels, const char *node) {
    char buf[2048];
    return fixture_pod(f, pod_json(buf, sizeof buf, name, "default", labels, node, NULL));
}

/* Zones: a, b in zone1; x, y in zone2; z without a zone. foo pods: a, b, x. */
static void three_pods_two_zones(fixture *f) {
    add_node(f, "a", "zone1", NULL);
    add_node(f, "b", "zone1", NULL);
    add_node(f, "x", "zone2", NULL);
    add_node(f, "y", "zone2", NULL);
    add_node(f, "z", NULL, NULL);
    add_pod(f, "p1", "'foo':''", "a");
    add_pod(f, "p2", "'foo':''", "b");
    add_pod(f, "p3", "'foo':''", "x");
}

#define FOO_EXISTS "'labelSelector':{'matchExpressions':[{'key':'foo','operator':'Exists'}]}"
#define HARD_ZONE(extra) \
    "'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'" ZONE "','whenUnsatisfiable':" \
    "'DoNotSchedule'," FOO_EXISTS extra "}],"

static sl_pod_info *incoming(fixture *f, const char *labels, const char *spec) {
    char buf[2048];
    return fixture_incoming(f, pod_json(buf, sizeof buf, "incoming", "default", labels, NULL, spec));
}

static sl_code filter_code(fixture *f, sl_plugin *p, const sl_pod_info *pod, const char *node) {
    return p->ops->filter(p, f->cycle, pod, fixture_node_info(f, node)).code;
}

TEST(filter_checks_skew_per_zone) {
    fixture f;
    fixture_init(&f);
    three_pods_two_zones(&f);
    sl_pod_info *pod = incoming(&f, "'foo':''", HARD_ZONE(""));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, NULL).code, SL_SUCCESS);
    /* zone1 = 2, zone2 = 1, min 1. */
    sl_status s = p->ops->filter(p, f.cycle, pod, fixture_node_info(&f, "a"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "node(s) didn't match pod topology spread constraints");
    CHECK_EQ_INT(filter_code(&f, p, pod, "b"), SL_UNSCHEDULABLE);
    CHECK_EQ_INT(filter_code(&f, p, pod, "x"), SL_SUCCESS);
    CHECK_EQ_INT(filter_code(&f, p, pod, "y"), SL_SUCCESS);
    s = p->ops->filter(p, f.cycle, pod, fixture_node_info(&f, "z"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.message,
                 "node(s) didn't match pod topology spread constraints (missing required label)");
    fixture_free(&f);
}

TEST(filter_counts_self_only_when_the_pod_matches) {
    fixture f;
    fixture_init(&f);
    three_pods_two_zones(&f);
    sl_pod_info *pod = incoming(&f, "'bar':''", HARD_ZONE(""));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    p->ops->pre_filter(p, f.cycle, pod, NULL);
    CHECK_EQ_INT(filter_code(&f, p, pod, "a"), SL_SUCCESS);   /* 2 + 0 - 1 */
    fixture_free(&f);
}

TEST(filter_treats_min_as_zero_below_min_domains) {
    fixture f;
    fixture_init(&f);
    three_pods_two_zones(&f);
    sl_pod_info *strict = incoming(&f, "'foo':''", HARD_ZONE(",'minDomains':3"));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    p->ops->pre_filter(p, f.cycle, strict, NULL);
    CHECK_EQ_INT(filter_code(&f, p, strict, "x"), SL_UNSCHEDULABLE);   /* 1 + 1 - 0 */
    CHECK_EQ_INT(filter_code(&f, p, strict, "y"), SL_UNSCHEDULABLE);
    fixture_free(&f);
}

TEST(filter_honours_node_affinity_policy) {
    fixture f;
    fixture_init(&f);
    three_pods_two_zones(&f);
    sl_pod_info *honor =
        incoming(&f, "'foo':''", HARD_ZONE("") "'nodeSelector':{'" ZONE "':'zone1'},");
    sl_pod_info *ignore = incoming(
        &f, "'foo':''", HARD_ZONE(",'nodeAffinityPolicy':'Ignore'") "'nodeSelector':{'" ZONE
                        "':'zone1'},");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    /* Only zone1 is eligible: min = 2, a: 2 + 1 - 2 = 1. */
    p->ops->pre_filter(p, f.cycle, honor, NULL);
    CHECK_EQ_INT(filter_code(&f, p, honor, "a"), SL_SUCCESS);
    p->ops->pre_filter(p, f.cycle, ignore, NULL);
    CHECK_EQ_INT(filter_code(&f, p, ignore, "a"), SL_UNSCHEDULABLE);
    fixture_free(&f);
}

TEST(filter_honours_node_taints_policy) {
    fixture f;
    fixture_init(&f);
    add_node(&f, "a", "zone1", NULL);
    add_node(&f, "x", "zone2", "NoSchedule");
    add_pod(&f, "p1", "'foo':''", "a");
    sl_pod_info *ignore = incoming(&f, "'foo':''", HARD_ZONE(""));
    sl_pod_info *honor = incoming(&f, "'foo':''", HARD_ZONE(",'nodeTaintsPolicy':'Honor'"));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    p->ops->pre_filter(p, f.cycle, ignore, NULL);
    CHECK_EQ_INT(filter_code(&f, p, ignore, "a"), SL_UNSCHEDULABLE);   /* 1 + 1 - 0 */
    p->ops->pre_filter(p, f.cycle, honor, NULL);
    CHECK_EQ_INT(filter_code(&f, p, honor, "a"), SL_SUCCESS);          /* zone2 not eligible */
    fixture_free(&f);
}

TEST(filter_ignores_other_namespaces_and_terminating_pods) {
    fixture f;
    fixture_init(&f);
    char buf[2048];
    add_node(&f, "a", "zone1", NULL);
    add_node(&f, "x", "zone2", NULL);
    fixture_pod(&f, pod_json(buf, sizeof buf, "other", "elsewhere", "'foo':''", "a", NULL));
    fixture_pod(&f, "{'metadata':{'name':'dying','namespace':'default','labels':{'foo':''},"
                    "'deletionTimestamp':'2024-01-01T00:00:00Z'},'spec':{'nodeName':'a',"
                    "'containers':[{'name':'c'}]}}");
    sl_pod_info *pod = incoming(&f, "'foo':''", HARD_ZONE(""));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    p->ops->pre_filter(p, f.cycle, pod, NULL);
    CHECK_EQ_INT(filter_code(&f, p, pod, "a"), SL_SUCCESS);
    fixture_free(&f);
}

TEST(filter_merges_match_label_keys) {
    fixture f;
    fixture_init(&f);
    add_node(&f, "a", "zone1", NULL);
    add_node(&f, "x", "zone2", NULL);
    add_pod(&f, "old1", "'foo':'','rev':'1'", "a");
    add_pod(&f, "old2", "'foo':'','rev':'1'", "a");
    add_pod(&f, "new1", "'foo':'','rev':'2'", "x");
    sl_pod_info *plain = incoming(&f, "'foo':'','rev':'2'", HARD_ZONE(""));
    sl_pod_info *by_rev =
        incoming(&f, "'foo':'','rev':'2'", HARD_ZONE(",'matchLabelKeys':['rev']"));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    p->ops->pre_filter(p, f.cycle, plain, NULL);
    CHECK_EQ_INT(filter_code(&f, p, plain, "a"), SL_UNSCHEDULABLE);   /* 2 + 1 - 1 */
    CHECK_EQ_INT(filter_code(&f, p, plain, "x"), SL_SUCCESS);
    p->ops->pre_filter(p, f.cycle, by_rev, NULL);
    CHECK_EQ_INT(filter_code(&f, p, by_rev, "a"), SL_SUCCESS);        /* 0 + 1 - 0 */
    CHECK_EQ_INT(filter_code(&f, p, by_rev, "x"), SL_UNSCHEDULABLE);  /* 1 + 1 - 0 */
    fixture_free(&f);
}

TEST(add_pod_updates_only_the_cloned_state) {
    fixture f;
    fixture_init(&f);
    char buf[2048];
    three_pods_two_zones(&f);
    sl_pod_info *pod = incoming(&f, "'foo':''", HARD_ZONE(""));
    sl_pod_info *extra = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "extra", "default", "'foo':''", "y", NULL));
    sl_pod_info *stranger = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "stranger", "elsewhere", "'foo':''", "y", NULL));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    p->ops->pre_filter(p, f.cycle, pod, NULL);

    sl_cycle *clone = sl_cycle_clone(f.cycle);
    const sl_node_info *y = fixture_node_info(&f, "y");
    CHECK_EQ_INT(p->ops->add_pod(p, clone, pod, stranger, y).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "a")).code,
                 SL_UNSCHEDULABLE);
    CHECK_EQ_INT(p->ops->add_pod(p, clone, pod, extra, y).code, SL_SUCCESS);
    /* zone2 = 2 now, min 2: a passes in the clone, not in the original. */
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "a")).code, SL_SUCCESS);
    CHECK_EQ_INT(filter_code(&f, p, pod, "a"), SL_UNSCHEDULABLE);
    /* And back. */
    CHECK_EQ_INT(p->ops->remove_pod(p, clone, pod, extra, y).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "a")).code,
                 SL_UNSCHEDULABLE);
    fixture_free(&f);
}

TEST(pre_filter_and_pre_score_skip_without_constraints) {
    fixture f;
    fixture_init(&f);
    three_pods_two_zones(&f);
    sl_pod_info *none = incoming(&f, "'foo':''", NULL);
    sl_pod_info *hard = incoming(&f, "'foo':''", HARD_ZONE(""));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    sl_node_info *nodes[] = {(sl_node_info *)fixture_node_info(&f, "a")};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, none, NULL).code, SL_SKIP);
    CHECK_EQ_INT(p->ops->pre_score(p, f.cycle, none, nodes, 1).code, SL_SKIP);
    CHECK_EQ_INT(p->ops->pre_score(p, f.cycle, hard, nodes, 1).code, SL_SKIP);
    fixture_free(&f);
}

TEST(score_hostname_constraint) {
    fixture f;
    fixture_init(&f);
    add_node(&f, "n1", "zone1", NULL);
    add_node(&f, "n2", "zone1", NULL);
    add_node(&f, "n3", "zone2", NULL);
    add_pod(&f, "p1", "'foo':''", "n1");
    add_pod(&f, "p2", "'foo':''", "n1");
    add_pod(&f, "p3", "'foo':''", "n2");
    add_pod(&f, "p4", "'bar':''", "n3");
    sl_pod_info *pod = incoming(
        &f, "'foo':''",
        "'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'" HOST "',"
        "'whenUnsatisfiable':'ScheduleAnyway'," FOO_EXISTS "}],");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    const char *names[] = {"n1", "n2", "n3"};
    int64_t scores[3];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 3, scores).code, SL_SUCCESS);
    /* raw: round(2 ln 5) = 3, round(ln 5) = 2, 0; normalized 100 (3 + 0 - s) / 3 */
    CHECK_EQ_INT(scores[0], 0);
    CHECK_EQ_INT(scores[1], 33);
    CHECK_EQ_INT(scores[2], 100);
    fixture_free(&f);
}

TEST(score_zone_constraint_and_nodes_missing_labels) {
    fixture f;
    fixture_init(&f);
    add_node(&f, "a", "zone1", NULL);
    add_node(&f, "b", "zone1", NULL);
    add_node(&f, "c", "zone2", NULL);
    add_node(&f, "d", NULL, NULL);
    add_pod(&f, "p1", "'foo':''", "a");
    add_pod(&f, "p2", "'foo':''", "a");
    add_pod(&f, "p3", "'foo':''", "b");
    add_pod(&f, "p4", "'foo':''", "d");
    sl_pod_info *pod = incoming(
        &f, "'foo':''",
        "'topologySpreadConstraints':[{'maxSkew':2,'topologyKey':'" ZONE "',"
        "'whenUnsatisfiable':'ScheduleAnyway'," FOO_EXISTS "}],");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    const char *names[] = {"a", "b", "c", "d"};
    int64_t scores[4];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 4, scores).code, SL_SUCCESS);
    /* 2 domains: weight ln 4; zone1 = 3 pods: round(3 ln 4 + 1) = 5; zone2: 1. */
    CHECK_EQ_INT(scores[0], 20);
    CHECK_EQ_INT(scores[1], 20);
    CHECK_EQ_INT(scores[2], 100);
    CHECK_EQ_INT(scores[3], 0);
    fixture_free(&f);
}

/* Cases paraphrased from upstream's scoring_test.go (TestPodTopologySpreadScore).
 * Nodes are "name|labels"; pods "node|labels"; `filtered` are the nodes
 * that passed Filter (scored), the others exist but failed. */
typedef struct score_case {
    const char *name;
    const char *constraints;
    const char *nodes[6];
    const char *pods[12];
    const char *filtered[6];
    int64_t want[6];
} score_case;

#define SOFT(skew, key, selector)                                                         \
    "{'maxSkew':" #skew ",'topologyKey':'" key "','whenUnsatisfiable':'ScheduleAnyway',"  \
    "'labelSelector':{'matchExpressions':[{'key':'" selector "','operator':'Exists'}]}}"

static const score_case score_cases[] = {
    {"hostname, maxSkew 3, spread 4/3/2/1",
     SOFT(3, HOST, "foo"),
     {"a|'" HOST "':'a'", "b|'" HOST "':'b'", "c|'" HOST "':'c'", "d|'" HOST "':'d'"},
     {"a|'foo':''", "a|'foo':''", "a|'foo':''", "a|'foo':''", "b|'foo':''", "b|'foo':''",
      "b|'foo':''", "c|'foo':''", "c|'foo':''", "d|'foo':''"},
     {"a", "b", "c", "d"},
     {44, 66, 77, 100}},
    {"hostname, 3 of 4 nodes are candidates",
     SOFT(1, HOST, "foo"),
     {"a|'" HOST "':'a'", "b|'" HOST "':'b'", "x|'" HOST "':'x'", "y|'" HOST "':'y'"},
     {"a|'foo':''", "a|'foo':''", "a|'foo':''", "a|'foo':''", "b|'foo':''", "b|'foo':''",
      "x|'foo':''", "y|'foo':''", "y|'foo':''", "y|'foo':''"},
     {"a", "b", "x"},
     {33, 83, 100}},
    {"hostname, a candidate lacks the topology key",
     SOFT(1, HOST, "foo"),
     {"a|'" HOST "':'a'", "b|'n':'b'", "x|'" HOST "':'x'", "y|'" HOST "':'y'"},
     {"a|'foo':''", "a|'foo':''", "a|'foo':''", "a|'foo':''", "b|'foo':''", "b|'foo':''",
      "x|'foo':''", "y|'foo':''", "y|'foo':''", "y|'foo':''"},
     {"a", "b", "x"},
     {16, 0, 100}},
    {"zone, 3 of 4 nodes are candidates",
     SOFT(1, "zone", "foo"),
     {"a|'zone':'zone1','" HOST "':'a'", "b|'zone':'zone1','" HOST "':'b'",
      "x|'zone':'zone2','" HOST "':'x'", "y|'zone':'zone2','" HOST "':'y'"},
     {"a|'foo':''", "a|'foo':''", "a|'foo':''", "a|'foo':''", "b|'foo':''", "b|'foo':''",
      "x|'foo':''", "y|'foo':''", "y|'foo':''", "y|'foo':''"},
     {"a", "b", "x"},
     {75, 75, 100}},
    {"zone and hostname with different selectors",
     SOFT(1, "zone", "foo") "," SOFT(1, HOST, "bar"),
     {"a|'zone':'zone1','" HOST "':'a'", "b|'zone':'zone1','" HOST "':'b'",
      "x|'zone':'zone2','" HOST "':'x'", "y|'zone':'zone2','" HOST "':'y'"},
     {"a|'foo':''", "b|'foo':'','bar':''", "y|'foo':''", "y|'bar':''"},
     {"a", "b", "x", "y"},
     {60, 20, 100, 60}},
    {"zone and hostname with different selectors, 3 of 4 candidates",
     SOFT(1, "zone", "foo") "," SOFT(1, HOST, "bar"),
     {"a|'zone':'zone1','" HOST "':'a'", "b|'zone':'zone1','" HOST "':'b'",
      "x|'zone':'zone2','" HOST "':'x'", "y|'zone':'zone2','" HOST "':'y'"},
     {"a|'foo':''", "b|'foo':'','bar':''", "y|'foo':''", "y|'bar':''"},
     {"a", "b", "x"},
     {50, 25, 100}},
};

TEST(score_matches_upstream_table) {
    for (size_t k = 0; k < ARRAY_LEN(score_cases); k++) {
        const score_case *sc = &score_cases[k];
        fixture f;
        fixture_init(&f);
        char buf[2048], name[64];
        for (uint32_t i = 0; i < 6 && sc->nodes[i]; i++) {
            const char *bar = strchr(sc->nodes[i], '|');
            snprintf(buf, sizeof buf,
                     "{'metadata':{'name':'%.*s','labels':{%s}},'status':{'allocatable':"
                     "{'cpu':'4','memory':'8Gi','pods':'110'}}}",
                     (int)(bar - sc->nodes[i]), sc->nodes[i], bar + 1);
            fixture_node(&f, buf);
        }
        for (uint32_t i = 0; i < 12 && sc->pods[i]; i++) {
            const char *bar = strchr(sc->pods[i], '|');
            snprintf(name, sizeof name, "p%u", i);
            snprintf(buf, sizeof buf,
                     "{'metadata':{'name':'%s','namespace':'default','labels':{%s}},'spec':"
                     "{'nodeName':'%.*s','containers':[{'name':'c'}]}}",
                     name, bar + 1, (int)(bar - sc->pods[i]), sc->pods[i]);
            fixture_pod(&f, buf);
        }
        snprintf(buf, sizeof buf,
                 "{'metadata':{'name':'p','namespace':'default','labels':{'foo':'','bar':''}},"
                 "'spec':{'topologySpreadConstraints':[%s],'containers':[{'name':'c'}]}}",
                 sc->constraints);
        sl_pod_info *pod = fixture_incoming(&f, buf);
        fixture_begin(&f);
        sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
        uint32_t n = 0;
        while (n < 6 && sc->filtered[n]) n++;
        int64_t scores[6];
        CHECK_EQ_INT(fixture_score(&f, p, pod, sc->filtered, n, scores).code, SL_SUCCESS);
        for (uint32_t i = 0; i < n; i++) {
            if (scores[i] != sc->want[i])
                TEST_FAIL_AT("%s: node %s: got %lld, want %lld", sc->name, sc->filtered[i],
                             (long long)scores[i], (long long)sc->want[i]);
        }
        fixture_free(&f);
    }
}

TEST(args_are_validated) {
    fixture f;
    fixture_init(&f);
    char err[512];
    CHECK(fixture_plugin_err(&f, "PodTopologySpread",
                             "{'defaultingType':'List','defaultConstraints':[{'maxSkew':1,"
                             "'topologyKey':'" ZONE "','whenUnsatisfiable':'ScheduleAnyway'}]}",
                             err, sizeof err) != NULL);
    CHECK(!fixture_plugin_err(&f, "PodTopologySpread",
                              "{'defaultConstraints':[{'maxSkew':1,'topologyKey':'" ZONE
                              "','whenUnsatisfiable':'ScheduleAnyway'}]}",
                              err, sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[PodTopologySpread].args.defaultingType: Invalid value: "
                      "\"System\": when .defaultConstraints are not empty");
    CHECK(!fixture_plugin_err(&f, "PodTopologySpread",
                              "{'defaultingType':'List','defaultConstraints':[{'maxSkew':0,"
                              "'topologyKey':'" ZONE "','whenUnsatisfiable':'ScheduleAnyway'}]}",
                              err, sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[PodTopologySpread].args.defaultConstraints[0].maxSkew: "
                      "Invalid value: 0: not in valid range (0, inf)");
    CHECK(!fixture_plugin_err(&f, "PodTopologySpread",
                              "{'defaultingType':'List','defaultConstraints':[{'maxSkew':1,"
                              "'topologyKey':'" ZONE "','whenUnsatisfiable':'ScheduleAnyway',"
                              "'labelSelector':{}}]}",
                              err, sizeof err));
    CHECK(strstr(err, "defaultConstraints[0].labelSelector: Forbidden") != NULL);
    CHECK(!fixture_plugin_err(&f, "PodTopologySpread",
                              "{'defaultingType':'List','defaultConstraints':[{'maxSkew':1,"
                              "'topologyKey':'" ZONE "','whenUnsatisfiable':'ScheduleAnyway'},"
                              "{'maxSkew':2,'topologyKey':'" ZONE "','whenUnsatisfiable':"
                              "'ScheduleAnyway'}]}",
                              err, sizeof err));
    CHECK(strstr(err, "defaultConstraints[1]: Duplicate value: \"{" ZONE
                      ", ScheduleAnyway}\"") != NULL);
    CHECK(!fixture_plugin_err(&f, "PodTopologySpread", "{'defaultingType':'Sometimes'}", err,
                              sizeof err));
    CHECK(strstr(err, "defaultingType: Unsupported value: \"Sometimes\"") != NULL);
    fixture_free(&f);
}

/* ---- Default constraints (upstream scoring_test.go / filtering_test.go
 * rows with Services and ReplicaSets, helper.DefaultSelector) ---- */

#define RS_OWNER(name)                                                                       \
    "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'" name "',"     \
    "'uid':'u-" name "','controller':true}]"

/* A pod with labels, owner references (or NULL) and a node (NULL: unscheduled). */
static sl_pod_info *owned_pod(fixture *f, bool incoming_pod, const char *name, const char *labels,
                              const char *owners, const char *node) {
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{'metadata':{'name':'%s','namespace':'default','labels':{%s}%s%s},"
             "'spec':{%s%s%s'containers':[{'name':'c'}]}}",
             name, labels, owners ? "," : "", owners ? owners : "", node ? "'nodeName':'" : "",
             node ? node : "", node ? "'," : "");
    return incoming_pod ? fixture_incoming(f, buf) : fixture_pod(f, buf);
}

TEST(system_defaulting_with_a_service_matches_upstream) {
    /* "system defaulting, nodes don't have zone, pods match service":
     * spread 4/3/2/1, same scores as one hostname constraint of maxSkew 3. */
    for (int with_service = 0; with_service < 2; with_service++) {
        fixture f;
        fixture_init(&f);
        const char *names[] = {"node-a", "node-b", "node-c", "node-d"};
        const int spread[] = {4, 3, 2, 1};
        char buf[512], pname[32];
        for (int i = 0; i < 4; i++) {
            snprintf(buf, sizeof buf,
                     "{'metadata':{'name':'%s','labels':{'" HOST "':'%s'}},'status':"
                     "{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}",
                     names[i], names[i]);
            fixture_node(&f, buf);
            for (int k = 0; k < spread[i]; k++) {
                snprintf(pname, sizeof pname, "p-%c%d", 'a' + i, k);
                add_pod(&f, pname, "'foo':''", names[i]);
            }
        }
        if (with_service)
            fixture_object(&f, SL_CACHE_SERVICE,
                           "{'metadata':{'name':'svc','namespace':'default'},"
                           "'spec':{'selector':{'foo':''}}}");
        sl_pod_info *pod = incoming(&f, "'foo':''", NULL);
        fixture_begin(&f);
        sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
        int64_t scores[4];
        sl_status s = fixture_score(&f, p, pod, names, 4, scores);
        if (!with_service) {
            CHECK_EQ_INT(s.code, SL_SKIP);
        } else {
            CHECK_EQ_INT(s.code, SL_SUCCESS);
            CHECK_EQ_INT(scores[0], 44);
            CHECK_EQ_INT(scores[1], 66);
            CHECK_EQ_INT(scores[2], 77);
            CHECK_EQ_INT(scores[3], 100);
        }
        /* System defaults are all ScheduleAnyway: Filter has nothing to do. */
        CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, NULL).code, SL_SKIP);
        fixture_free(&f);
    }
}

TEST(system_defaulting_counts_nodes_without_zone_as_one_zone) {
    /* "system default constraints and a replicaset": node-c and node-d have
     * no zone and are not ignored; zones are {mars, ""} (weight ln 4),
     * hostnames 4 (weight ln 6). foo pods: a 2, c 1. Raw scores:
     * a round(2 ln6 + 2 + 2 ln4 + 4) = 12, b round(2 + 2 ln4 + 4) = 9,
     * c round(ln6 + 2) = 4 (no zone term), d 2; normalized
     * 100 (14 - s) / 12. */
    fixture f;
    fixture_init(&f);
    add_node(&f, "node-a", "mars", NULL);
    add_node(&f, "node-b", "mars", NULL);
    add_node(&f, "node-c", NULL, NULL);
    add_node(&f, "node-d", NULL, NULL);
    owned_pod(&f, false, "e1", "'foo':'x'", RS_OWNER("rs1"), "node-a");
    owned_pod(&f, false, "e2", "'foo':'y'", NULL, "node-a");
    owned_pod(&f, false, "e3", "'foo':'z'", NULL, "node-c");
    owned_pod(&f, false, "other", "'bar':''", NULL, "node-b");
    fixture_object(&f, SL_CACHE_REPLICA_SET,
                   "{'metadata':{'name':'rs1','namespace':'default'},'spec':{'selector':"
                   "{'matchExpressions':[{'key':'foo','operator':'Exists'}]}}}");
    sl_pod_info *pod = owned_pod(&f, true, "p", "'foo':'tar','baz':'sup'", RS_OWNER("rs1"), NULL);
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
    const char *names[] = {"node-a", "node-b", "node-c", "node-d"};
    int64_t scores[4];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 4, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 16);
    CHECK_EQ_INT(scores[1], 41);
    CHECK_EQ_INT(scores[2], 83);
    CHECK_EQ_INT(scores[3], 100);
    fixture_free(&f);
}

TEST(default_selector_sources) {
    /* Which objects make the default selector: PreScore is Skip exactly
     * when the selector is empty (upstream TestPreScoreSkip rows and
     * helper.DefaultSelector). */
    static const struct {
        const char *name;
        sl_cache_object_kind kind;
        const char *object;
        const char *owners;
        bool applies;
    } rows[] = {
        {"a Service selecting the pod", SL_CACHE_SERVICE,
         "{'metadata':{'name':'s','namespace':'default'},'spec':{'selector':{'foo':'bar'}}}", NULL, true},
        {"a Service of another namespace", SL_CACHE_SERVICE,
         "{'metadata':{'name':'s','namespace':'other'},'spec':{'selector':{'foo':'bar'}}}", NULL, false},
        {"a Service not selecting the pod", SL_CACHE_SERVICE,
         "{'metadata':{'name':'s','namespace':'default'},'spec':{'selector':{'foo':'baz'}}}", NULL, false},
        {"a Service without selector", SL_CACHE_SERVICE,
         "{'metadata':{'name':'s','namespace':'default'},'spec':{}}", NULL, false},
        {"a Service with an empty selector", SL_CACHE_SERVICE,
         "{'metadata':{'name':'s','namespace':'default'},'spec':{'selector':{}}}", NULL, false},
        {"the controlling ReplicationController", SL_CACHE_REPLICATION_CONTROLLER,
         "{'metadata':{'name':'rc','namespace':'default'},'spec':{'selector':{'foo':'bar'}}}",
         "'ownerReferences':[{'apiVersion':'v1','kind':'ReplicationController','name':'rc',"
         "'uid':'u','controller':true}]", true},
        {"a ReplicationController that does not own the pod", SL_CACHE_REPLICATION_CONTROLLER,
         "{'metadata':{'name':'rc','namespace':'default'},'spec':{'selector':{'foo':'bar'}}}", NULL, false},
        {"the controlling StatefulSet", SL_CACHE_STATEFUL_SET,
         "{'metadata':{'name':'ss','namespace':'default'},'spec':{'selector':{'matchLabels':"
         "{'foo':'bar'}}}}",
         "'ownerReferences':[{'apiVersion':'apps/v1','kind':'StatefulSet','name':'ss',"
         "'uid':'u','controller':true}]", true},
        {"an owner that is not the controller", SL_CACHE_REPLICA_SET,
         "{'metadata':{'name':'rs1','namespace':'default'},'spec':{'selector':{'matchLabels':"
         "{'foo':'bar'}}}}",
         "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs1',"
         "'uid':'u'}]", false},
        {"a ReplicaSet of another name (upstream: replicaset that doesn't match)",
         SL_CACHE_REPLICA_SET,
         "{'metadata':{'name':'rs1','namespace':'default'},'spec':{'selector':{'matchExpressions':"
         "[{'key':'tar','operator':'Exists'}]}}}", RS_OWNER("rs2"), false},
        {"the controlling ReplicaSet with an empty selector", SL_CACHE_REPLICA_SET,
         "{'metadata':{'name':'rs1','namespace':'default'},'spec':{'selector':{}}}",
         RS_OWNER("rs1"), false},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        fixture f;
        fixture_init(&f);
        add_node(&f, "a", "zone1", NULL);
        fixture_object(&f, rows[i].kind, rows[i].object);
        sl_pod_info *pod = owned_pod(&f, true, "p", "'foo':'bar','baz':'sup'", rows[i].owners, NULL);
        fixture_begin(&f);
        sl_plugin *p = fixture_plugin(&f, "PodTopologySpread", NULL);
        sl_node_info *nodes[] = {(sl_node_info *)fixture_node_info(&f, "a")};
        sl_code code = p->ops->pre_score(p, f.cycle, pod, nodes, 1).code;
        if ((code == SL_SUCCESS) != rows[i].applies)
            fprintf(stderr, "row \"%s\": PreScore %d\n", rows[i].name, code);
        CHECK_EQ_INT(code, rows[i].applies ? SL_SUCCESS : SL_SKIP);
        fixture_free(&f);
    }
}

TEST(list_defaulting_constraints_filter_and_score) {
    /* upstream "default constraints and a replicaset" (List): hostname
     * maxSkew 1 and planet maxSkew 2 score, rack maxSkew 2 DoNotSchedule
     * filters; pods with constraints of their own ignore the defaults. */
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'a','labels':{'rack':'rack1','" HOST "':'a','planet':"
                     "'mars'}},'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}");
    fixture_node(&f, "{'metadata':{'name':'b','labels':{'rack':'rack2','" HOST "':'b','planet':"
                     "'mars'}},'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}");
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "e%d", i);
        owned_pod(&f, false, name, "'foo':'x'", NULL, "a");
    }
    fixture_object(&f, SL_CACHE_REPLICA_SET,
                   "{'metadata':{'name':'rs1','namespace':'default'},'spec':{'selector':"
                   "{'matchExpressions':[{'key':'foo','operator':'Exists'}]}}}");
    sl_pod_info *pod = owned_pod(&f, true, "p", "'foo':'tar'", RS_OWNER("rs1"), NULL);
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(
        &f, "PodTopologySpread",
        "{'defaultingType':'List','defaultConstraints':["
        "{'maxSkew':1,'topologyKey':'" HOST "','whenUnsatisfiable':'ScheduleAnyway'},"
        "{'maxSkew':2,'topologyKey':'rack','whenUnsatisfiable':'DoNotSchedule'},"
        "{'maxSkew':2,'topologyKey':'planet','whenUnsatisfiable':'ScheduleAnyway'}]}");
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, NULL).code, SL_SUCCESS);
    /* rack1 holds 3 matching pods, rack2 none: 3 + 1 - 0 > 2. */
    CHECK_EQ_INT(filter_code(&f, p, pod, "a"), SL_UNSCHEDULABLE);
    CHECK_EQ_INT(filter_code(&f, p, pod, "b"), SL_SUCCESS);
    const char *names[] = {"a", "b"};
    int64_t scores[2];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 2, scores).code, SL_SUCCESS);
    /* hostname weight ln 4, planet weight ln 3 (one planet):
     * a round(3 ln4 + 0 + 3 ln3 + 1) = 8, b round(0 + 3 ln3 + 1) = 4;
     * normalized 100 (12 - s) / 8. */
    CHECK_EQ_INT(scores[0], 50);
    CHECK_EQ_INT(scores[1], 100);
    fixture_free(&f);
}

int main(void) {
    RUN(filter_checks_skew_per_zone);
    RUN(filter_counts_self_only_when_the_pod_matches);
    RUN(filter_treats_min_as_zero_below_min_domains);
    RUN(filter_honours_node_affinity_policy);
    RUN(filter_honours_node_taints_policy);
    RUN(filter_ignores_other_namespaces_and_terminating_pods);
    RUN(filter_merges_match_label_keys);
    RUN(add_pod_updates_only_the_cloned_state);
    RUN(pre_filter_and_pre_score_skip_without_constraints);
    RUN(score_hostname_constraint);
    RUN(score_zone_constraint_and_nodes_missing_labels);
    RUN(score_matches_upstream_table);
    RUN(args_are_validated);
    RUN(system_defaulting_with_a_service_matches_upstream);
    RUN(system_defaulting_counts_nodes_without_zone_as_one_zone);
    RUN(default_selector_sources);
    RUN(list_defaulting_constraints_filter_and_score);
    return test_summary("plugins_spread");
}
