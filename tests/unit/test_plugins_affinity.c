/*
 * Unit tests of InterPodAffinity: required affinity (with the first-pod
 * exception), the incoming pod's anti-affinity, existing pods'
 * anti-affinity, namespace rules (own namespace, explicit list, selector {}
 * and label selectors against known/unknown namespaces), AddPod/RemovePod
 * on a cloned state, scoring with preferred terms and hardPodAffinityWeight,
 * the Skip paths and args validation.
 */
#include "plugin_fixture.h"
#include "test.h"

/* The registry refers to plugins weakly, which does not pull their objects
 * out of libschedlab.a; referencing them here does. */
extern const sl_plugin_registration sl_plugin_InterPodAffinity;
const sl_plugin_registration *const affinity_plugins_under_test[] = {&sl_plugin_InterPodAffinity};

#define ZONE "topology.kubernetes.io/zone"
#define HOST "kubernetes.io/hostname"

static void add_node(fixture *f, const char *name, const char *zone) {
    char text[1024];
    snprintf(text, sizeof text,
             "{'metadata':{'name':'%s','labels':{'" HOST "':'%s'%s%s%s}},"
             "'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'}}}",
             name, name, zone ? ",'" ZONE "':'" : "", zone ? zone : "", zone ? "'" : "");
    fixture_node(f, text);
}

static const char *pod_json(char *buf, size_t size, const char *name, const char *ns,
                            const char *labels, const char *node, const char *affinity) {
    snprintf(buf, size,
             "{'metadata':{'name':'%s','namespace':'%s','labels':{%s}},'spec':{%s%s%s"
             "%s%s%s'containers':[{'name':'c'}]}}",
             name, ns, labels, node ? "'nodeName':'" : "", node ? node : "", node ? "'," : "",
             affinity ? "'affinity':{" : "", affinity ? affinity : "", affinity ? "}," : "");
    return buf;
}

static sl_pod_info *add_pod(fixture *f, const char *name, const char *ns, const char *labels,
                            const char *node, const char *affinity) {
    char buf[4096];
    return fixture_pod(f, pod_json(buf, sizeof buf, name, ns, labels, node, affinity));
}

static sl_pod_info *incoming(fixture *f, const char *ns, const char *labels,
                             const char *affinity) {
    char buf[4096];
    return fixture_incoming(f, pod_json(buf, sizeof buf, "incoming", ns, labels, NULL, affinity));
}

#define TERM(selector, key, extra) \
    "{'labelSelector':{'matchLabels':{" selector "}},'topologyKey':'" key "'" extra "}"
#define REQUIRED_AFFINITY(term) \
    "'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[" term "]}"
#define REQUIRED_ANTI(term) \
    "'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[" term "]}"
#define PREFERRED_AFFINITY(weight, term) \
    "'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':" #weight \
    ",'podAffinityTerm':" term "}]}"
#define PREFERRED_ANTI(weight, term) \
    "'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':" #weight \
    ",'podAffinityTerm':" term "}]}"

/* a, b: zone1; c: zone2; d: no zone label. */
static void four_nodes(fixture *f) {
    add_node(f, "a", "zone1");
    add_node(f, "b", "zone1");
    add_node(f, "c", "zone2");
    add_node(f, "d", NULL);
}

static sl_status filter(fixture *f, sl_plugin *p, const sl_pod_info *pod, const char *node) {
    return p->ops->filter(p, f->cycle, pod, fixture_node_info(f, node));
}

TEST(required_affinity_needs_a_matching_pod_in_the_domain) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    add_pod(&f, "db", "default", "'app':'db'", "a", NULL);
    sl_pod_info *pod =
        incoming(&f, "default", "'app':'web'", REQUIRED_AFFINITY(TERM("'app':'db'", ZONE, "")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, NULL).code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, pod, "a").code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, pod, "b").code, SL_SUCCESS);
    sl_status s = filter(&f, p, pod, "c");
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.message, "node(s) didn't match pod affinity rules");
    CHECK_EQ_INT(filter(&f, p, pod, "d").code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    fixture_free(&f);
}

TEST(first_pod_of_a_self_affine_group_passes) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    sl_pod_info *self = incoming(&f, "default", "'app':'db'",
                                 REQUIRED_AFFINITY(TERM("'app':'db'", ZONE, "")));
    sl_pod_info *other = incoming(&f, "default", "'app':'web'",
                                  REQUIRED_AFFINITY(TERM("'app':'db'", ZONE, "")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    p->ops->pre_filter(p, f.cycle, self, NULL);
    CHECK_EQ_INT(filter(&f, p, self, "a").code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, self, "c").code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, self, "d").code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    p->ops->pre_filter(p, f.cycle, other, NULL);
    CHECK_EQ_INT(filter(&f, p, other, "a").code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    fixture_free(&f);
}

TEST(incoming_anti_affinity_rejects_the_domain) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    add_pod(&f, "web1", "default", "'app':'web'", "a", NULL);
    sl_pod_info *pod =
        incoming(&f, "default", "'app':'web'", REQUIRED_ANTI(TERM("'app':'web'", HOST, "")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    p->ops->pre_filter(p, f.cycle, pod, NULL);
    sl_status s = filter(&f, p, pod, "a");
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "node(s) didn't match pod anti-affinity rules");
    CHECK_EQ_INT(filter(&f, p, pod, "b").code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, pod, "d").code, SL_SUCCESS);
    fixture_free(&f);
}

TEST(existing_anti_affinity_rejects_the_domain) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    add_pod(&f, "loner", "default", "'app':'loner'", "a",
            REQUIRED_ANTI(TERM("'app':'web'", ZONE, "")));
    sl_pod_info *web = incoming(&f, "default", "'app':'web'", NULL);
    sl_pod_info *db = incoming(&f, "default", "'app':'db'", NULL);
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, web, NULL).code, SL_SUCCESS);
    sl_status s = filter(&f, p, web, "b");
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "node(s) didn't satisfy existing pods anti-affinity rules");
    CHECK_EQ_INT(filter(&f, p, web, "c").code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, web, "d").code, SL_SUCCESS);
    /* A pod the anti-affinity does not select needs no filtering at all. */
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, db, NULL).code, SL_SKIP);
    fixture_free(&f);
}

TEST(terms_select_namespaces_as_upstream) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    /* A db pod only in namespace "data". */
    add_pod(&f, "db", "data", "'app':'db'", "a", NULL);
    sl_pod_info *own = incoming(&f, "default", "'app':'web'",
                                REQUIRED_AFFINITY(TERM("'app':'db'", ZONE, "")));
    sl_pod_info *listed = incoming(
        &f, "default", "'app':'web'",
        REQUIRED_AFFINITY(TERM("'app':'db'", ZONE, ",'namespaces':['data']")));
    sl_pod_info *all = incoming(
        &f, "default", "'app':'web'",
        REQUIRED_AFFINITY(TERM("'app':'db'", ZONE, ",'namespaceSelector':{}")));
    /* A non-empty selector resolves against Namespace objects: "data" is
     * unknown here, so even NotIn selects nothing. */
    sl_pod_info *selected = incoming(
        &f, "default", "'app':'web'",
        REQUIRED_AFFINITY(TERM("'app':'db'", ZONE,
                               ",'namespaceSelector':{'matchExpressions':[{'key':'team',"
                               "'operator':'NotIn','values':['x']}]}")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    p->ops->pre_filter(p, f.cycle, own, NULL);
    CHECK_EQ_INT(filter(&f, p, own, "a").code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    p->ops->pre_filter(p, f.cycle, listed, NULL);
    CHECK_EQ_INT(filter(&f, p, listed, "a").code, SL_SUCCESS);
    p->ops->pre_filter(p, f.cycle, all, NULL);
    CHECK_EQ_INT(filter(&f, p, all, "b").code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, all, "c").code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    p->ops->pre_filter(p, f.cycle, selected, NULL);
    CHECK_EQ_INT(filter(&f, p, selected, "a").code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    fixture_free(&f);
}

TEST(existing_terms_see_unknown_namespaces_as_unlabelled) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    /* Anti-affinity against app=web in every namespace without team=x:
     * the incoming pod's namespace is unknown, i.e. has no labels. */
    add_pod(&f, "loner", "default", "'app':'loner'", "a",
            REQUIRED_ANTI(TERM("'app':'web'", HOST,
                               ",'namespaceSelector':{'matchExpressions':[{'key':'team',"
                               "'operator':'NotIn','values':['x']}]}")));
    sl_pod_info *web = incoming(&f, "elsewhere", "'app':'web'", NULL);
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, web, NULL).code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, web, "a").code, SL_UNSCHEDULABLE);
    CHECK_EQ_INT(filter(&f, p, web, "b").code, SL_SUCCESS);
    fixture_free(&f);
}

TEST(remove_pod_updates_only_the_cloned_state) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    sl_pod_info *web1 = add_pod(&f, "web1", "default", "'app':'web'", "a", NULL);
    sl_pod_info *pod =
        incoming(&f, "default", "'app':'web'", REQUIRED_ANTI(TERM("'app':'web'", ZONE, "")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    p->ops->pre_filter(p, f.cycle, pod, NULL);
    CHECK_EQ_INT(filter(&f, p, pod, "b").code, SL_UNSCHEDULABLE);

    sl_cycle *clone = sl_cycle_clone(f.cycle);
    const sl_node_info *a = fixture_node_info(&f, "a");
    CHECK_EQ_INT(p->ops->remove_pod(p, clone, pod, web1, a).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "b")).code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, pod, "b").code, SL_UNSCHEDULABLE);
    CHECK_EQ_INT(p->ops->add_pod(p, clone, pod, web1, a).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "b")).code,
                 SL_UNSCHEDULABLE);
    fixture_free(&f);
}

TEST(add_pod_with_new_anti_affinity_keys_in_a_clone) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    add_pod(&f, "web1", "default", "'app':'web'", "b", NULL);
    add_pod(&f, "web2", "default", "'app':'web'", "c", NULL);
    char buf[4096];
    sl_pod_info *loner = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "loner", "default", "'app':'loner'", "a",
                     REQUIRED_ANTI(TERM("'app':'web'", ZONE, ""))));
    sl_pod_info *pod = incoming(&f, "default", "'app':'web'",
                                REQUIRED_AFFINITY(TERM("'app':'web'", HOST, "")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    p->ops->pre_filter(p, f.cycle, pod, NULL);
    CHECK_EQ_INT(filter(&f, p, pod, "b").code, SL_SUCCESS);
    sl_cycle *clone = sl_cycle_clone(f.cycle);
    CHECK_EQ_INT(p->ops->add_pod(p, clone, pod, loner, fixture_node_info(&f, "a")).code,
                 SL_SUCCESS);
    /* The added pod's zone anti-affinity (a key PreFilter never saw) now
     * forbids zone1 in the clone only. */
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "b")).code,
                 SL_UNSCHEDULABLE);
    CHECK_EQ_INT(p->ops->filter(p, clone, pod, fixture_node_info(&f, "c")).code, SL_SUCCESS);
    CHECK_EQ_INT(filter(&f, p, pod, "b").code, SL_SUCCESS);
    fixture_free(&f);
}

TEST(score_preferred_terms_and_normalize) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    add_pod(&f, "db", "default", "'app':'db'", "a", NULL);
    add_pod(&f, "web", "default", "'app':'web'", "b", NULL);
    sl_pod_info *pod = incoming(
        &f, "default", "'app':'api'",
        PREFERRED_AFFINITY(10, TERM("'app':'db'", ZONE, "")) ","
        PREFERRED_ANTI(5, TERM("'app':'web'", HOST, "")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    const char *names[] = {"a", "b", "c", "d"};
    int64_t scores[4];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 4, scores).code, SL_SUCCESS);
    /* raw: a 10, b 10 - 5 = 5, c 0, d 0 -> (s - 0) * 100 / 10 */
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[1], 50);
    CHECK_EQ_INT(scores[2], 0);
    CHECK_EQ_INT(scores[3], 0);
    fixture_free(&f);
}

TEST(score_existing_pods_terms_and_hard_weight) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    /* Existing pods want to be near app=api: required (hard weight) on a,
     * preferred anti (weight 3) on c. */
    add_pod(&f, "fan", "default", "'app':'fan'", "a",
            REQUIRED_AFFINITY(TERM("'app':'api'", ZONE, "")));
    add_pod(&f, "hater", "default", "'app':'hater'", "c",
            PREFERRED_ANTI(3, TERM("'app':'api'", ZONE, "")));
    sl_pod_info *pod = incoming(&f, "default", "'app':'api'", NULL);
    fixture_begin(&f);
    const char *names[] = {"a", "b", "c", "d"};
    int64_t scores[4];

    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", "{'hardPodAffinityWeight':7}");
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 4, scores).code, SL_SUCCESS);
    /* raw: a 7, b 7, c -3, d 0; min -3, max 7 */
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[1], 100);
    CHECK_EQ_INT(scores[2], 0);
    CHECK_EQ_INT(scores[3], 30);

    sl_plugin *ignoring =
        fixture_plugin(&f, "InterPodAffinity", "{'ignorePreferredTermsOfExistingPods':true}");
    CHECK_EQ_INT(fixture_score(&f, ignoring, pod, names, 4, scores).code, SL_SKIP);

    sl_plugin *no_hard = fixture_plugin(&f, "InterPodAffinity", "{'hardPodAffinityWeight':0}");
    CHECK_EQ_INT(fixture_score(&f, no_hard, pod, names, 4, scores).code, SL_SUCCESS);
    /* raw: a 0, b 0, c -3, d 0 */
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[2], 0);
    fixture_free(&f);
}

TEST(pre_filter_and_pre_score_skip_without_affinity) {
    fixture f;
    fixture_init(&f);
    four_nodes(&f);
    add_pod(&f, "web", "default", "'app':'web'", "a", NULL);
    sl_pod_info *pod = incoming(&f, "default", "'app':'web'", NULL);
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "InterPodAffinity", NULL);
    sl_node_info *nodes[] = {(sl_node_info *)fixture_node_info(&f, "a")};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, NULL).code, SL_SKIP);
    CHECK_EQ_INT(p->ops->pre_score(p, f.cycle, pod, nodes, 1).code, SL_SKIP);
    fixture_free(&f);
}

TEST(args_are_validated) {
    fixture f;
    fixture_init(&f);
    char err[512];
    CHECK(!fixture_plugin_err(&f, "InterPodAffinity", "{'hardPodAffinityWeight':101}", err,
                              sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[InterPodAffinity].args.hardPodAffinityWeight: Invalid value: "
                      "101: not in valid range [0, 100]");
    CHECK(!fixture_plugin_err(&f, "InterPodAffinity", "{'hardPodAffinityWeight':-1}", err,
                              sizeof err));
    CHECK(!fixture_plugin_err(&f, "InterPodAffinity", "{'ignorePreferredTermsOfExistingPods':1}",
                              err, sizeof err));
    CHECK(fixture_plugin_err(&f, "InterPodAffinity", "{'hardPodAffinityWeight':100}", err,
                             sizeof err) != NULL);
    fixture_free(&f);
}

int main(void) {
    RUN(required_affinity_needs_a_matching_pod_in_the_domain);
    RUN(first_pod_of_a_self_affine_group_passes);
    RUN(incoming_anti_affinity_rejects_the_domain);
    RUN(existing_anti_affinity_rejects_the_domain);
    RUN(terms_select_namespaces_as_upstream);
    RUN(existing_terms_see_unknown_namespaces_as_unlabelled);
    RUN(remove_pod_updates_only_the_cloned_state);
    RUN(add_pod_with_new_anti_affinity_keys_in_a_clone);
    RUN(score_preferred_terms_and_normalize);
    RUN(score_existing_pods_terms_and_hard_weight);
    RUN(pre_filter_and_pre_score_skip_without_affinity);
    RUN(args_are_validated);
    return test_summary("plugins_affinity");
}
