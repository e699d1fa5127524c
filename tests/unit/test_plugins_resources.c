/*
 * Unit tests of NodeResourcesFit and NodeResourcesBalancedAllocation:
 * Filter reasons and codes, ignored extended resources, the three scoring
 * strategies (cases paraphrased from upstream's least_allocated_test.go,
 * most_allocated_test.go, requested_to_capacity_ratio_test.go and
 * balanced_allocation_test.go), best-effort Skip, and args validation.
 */
#include "plugin_fixture.h"
#include "test.h"

/* The registry refers to plugins weakly, which does not pull their objects
 * out of libschedlab.a; referencing them here does. */
extern const sl_plugin_registration sl_plugin_NodeResourcesFit;
extern const sl_plugin_registration sl_plugin_NodeResourcesBalancedAllocation;
const sl_plugin_registration *const resources_plugins_under_test[] = {&sl_plugin_NodeResourcesFit, &sl_plugin_NodeResourcesBalancedAllocation};

/* A node with cpu (millicores), memory (bytes) and pod capacity. */
static void add_node(fixture *f, const char *name, int cpu_milli, long long memory, int pods,
                     const char *extra_allocatable) {
    char text[1024];
    snprintf(text, sizeof text,
             "{'metadata':{'name':'%s'},'status':{'allocatable':{'cpu':'%dm','memory':'%lld',"
             "'pods':'%d'%s%s}}}",
             name, cpu_milli, memory, pods, extra_allocatable ? "," : "",
             extra_allocatable ? extra_allocatable : "");
    fixture_node(f, text);
}

/* A pod with one container per request entry ("cpu:mem" pairs; 0 = unset). */
static const char *pod_json(char *buf, size_t size, const char *name, const char *node,
                            const char *requests) {
    snprintf(buf, size,
             "{'metadata':{'name':'%s','namespace':'default'},'spec':{%s%s%s'containers':[%s]}}",
             name, node ? "'nodeName':'" : "", node ? node : "", node ? "'," : "", requests);
    return buf;
}

#define CONTAINER(cpu, mem) "{'name':'c','resources':{'requests':{'cpu':'" cpu "','memory':'" mem "'}}}"
#define EMPTY_CONTAINER "{'name':'c'}"

/* ---------------------------------------------------------------- */
/* NodeResourcesFit: Filter                                          */
/* ---------------------------------------------------------------- */

TEST(fit_filter_reports_each_insufficient_resource) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "n1", 1000, 1000, 2, NULL);
    fixture_pod(&f, pod_json(buf, sizeof buf, "existing", "n1", CONTAINER("500m", "500")));
    sl_pod_info *fits = fixture_incoming(&f, pod_json(buf, sizeof buf, "fits", NULL,
                                                      CONTAINER("500m", "500")));
    sl_pod_info *cpu = fixture_incoming(&f, pod_json(buf, sizeof buf, "cpu", NULL,
                                                     CONTAINER("600m", "100")));
    sl_pod_info *both = fixture_incoming(&f, pod_json(buf, sizeof buf, "both", NULL,
                                                      CONTAINER("600m", "600")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit", NULL);
    const sl_node_info *n1 = fixture_node_info(&f, "n1");

    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, fits, NULL).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, fits, n1).code, SL_SUCCESS);

    p->ops->pre_filter(p, f.cycle, cpu, NULL);
    sl_status s = p->ops->filter(p, f.cycle, cpu, n1);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "Insufficient cpu");

    p->ops->pre_filter(p, f.cycle, both, NULL);
    s = p->ops->filter(p, f.cycle, both, n1);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "Insufficient cpu\nInsufficient memory");
    fixture_free(&f);
}

TEST(fit_filter_counts_pods_even_for_zero_requests) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "full", 1000, 1000, 1, NULL);
    add_node(&f, "roomy", 1000, 1000, 2, NULL);
    fixture_pod(&f, pod_json(buf, sizeof buf, "a", "full", CONTAINER("1", "1000")));
    fixture_pod(&f, pod_json(buf, sizeof buf, "b", "roomy", CONTAINER("1", "1000")));
    sl_pod_info *best_effort =
        fixture_incoming(&f, pod_json(buf, sizeof buf, "be", NULL, EMPTY_CONTAINER));
    sl_pod_info *hungry =
        fixture_incoming(&f, pod_json(buf, sizeof buf, "hungry", NULL, CONTAINER("1m", "1")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit", NULL);

    p->ops->pre_filter(p, f.cycle, best_effort, NULL);
    sl_status s = p->ops->filter(p, f.cycle, best_effort, fixture_node_info(&f, "full"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "Too many pods");
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, best_effort, fixture_node_info(&f, "roomy")).code,
                 SL_SUCCESS);

    p->ops->pre_filter(p, f.cycle, hungry, NULL);
    s = p->ops->filter(p, f.cycle, hungry, fixture_node_info(&f, "full"));
    CHECK_EQ_STR(s.message, "Too many pods\nInsufficient cpu\nInsufficient memory");
    fixture_free(&f);
}

TEST(fit_filter_checks_and_ignores_extended_resources) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "n1", 4000, 1 << 30, 10, "'example.com/foo':'1','hugepages-2Mi':'0'");
    sl_pod_info *foo = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "foo", NULL,
                     "{'name':'c','resources':{'requests':{'cpu':'1','example.com/foo':'2'}}}"));
    sl_pod_info *huge = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "huge", NULL,
                     "{'name':'c','resources':{'requests':{'hugepages-2Mi':'2Mi','memory':'4Mi'},"
                     "'limits':{'hugepages-2Mi':'2Mi','memory':'4Mi'}}}"));
    fixture_begin(&f);
    const sl_node_info *n1 = fixture_node_info(&f, "n1");

    sl_plugin *plain = fixture_plugin(&f, "NodeResourcesFit", NULL);
    plain->ops->pre_filter(plain, f.cycle, foo, NULL);
    sl_status s = plain->ops->filter(plain, f.cycle, foo, n1);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "Insufficient example.com/foo");

    sl_plugin *by_name =
        fixture_plugin(&f, "NodeResourcesFit", "{'ignoredResources':['example.com/foo']}");
    by_name->ops->pre_filter(by_name, f.cycle, foo, NULL);
    CHECK_EQ_INT(by_name->ops->filter(by_name, f.cycle, foo, n1).code, SL_SUCCESS);

    sl_plugin *by_group =
        fixture_plugin(&f, "NodeResourcesFit", "{'ignoredResourceGroups':['example.com']}");
    by_group->ops->pre_filter(by_group, f.cycle, foo, NULL);
    CHECK_EQ_INT(by_group->ops->filter(by_group, f.cycle, foo, n1).code, SL_SUCCESS);

    /* hugepages are not extended resources: a group can't hide them. */
    sl_plugin *hugepages =
        fixture_plugin(&f, "NodeResourcesFit", "{'ignoredResources':['hugepages-2Mi']}");
    hugepages->ops->pre_filter(hugepages, f.cycle, huge, NULL);
    s = hugepages->ops->filter(hugepages, f.cycle, huge, n1);
    CHECK_EQ_STR(s.message, "Insufficient hugepages-2Mi");
    fixture_free(&f);
}

/* ---------------------------------------------------------------- */
/* NodeResourcesFit: Score                                           */
/* ---------------------------------------------------------------- */

/* Upstream's "nothing scheduled, resources requested, differently sized
 * nodes": pod 3000m / 5000 bytes on nodes 4000m/10000 and 6000m/10000. */
static void differently_sized_nodes(fixture *f, sl_pod_info **pod) {
    char buf[1024];
    add_node(f, "n1", 4000, 10000, 110, NULL);
    add_node(f, "n2", 6000, 10000, 110, NULL);
    *pod = fixture_incoming(f, pod_json(buf, sizeof buf, "p", NULL,
                                        CONTAINER("1000m", "2000") "," CONTAINER("2000m", "3000")));
    fixture_begin(f);
}

TEST(fit_least_allocated_scores) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *pod;
    differently_sized_nodes(&f, &pod);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit", NULL);
    const char *names[] = {"n1", "n2"};
    int64_t scores[2];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 2, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 37);   /* (25 + 50) / 2 */
    CHECK_EQ_INT(scores[1], 50);
    fixture_free(&f);
}

TEST(fit_most_allocated_scores) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *pod;
    differently_sized_nodes(&f, &pod);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit",
                                  "{'scoringStrategy':{'type':'MostAllocated'}}");
    const char *names[] = {"n1", "n2"};
    int64_t scores[2];
    fixture_score(&f, p, pod, names, 2, scores);
    CHECK_EQ_INT(scores[0], 62);   /* (75 + 50) / 2 */
    CHECK_EQ_INT(scores[1], 50);
    fixture_free(&f);
}

TEST(fit_weights_resources) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *pod;
    differently_sized_nodes(&f, &pod);
    sl_plugin *p = fixture_plugin(
        &f, "NodeResourcesFit",
        "{'scoringStrategy':{'type':'LeastAllocated','resources':[{'name':'cpu','weight':3},"
        "{'name':'memory','weight':1}]}}");
    const char *names[] = {"n1", "n2"};
    int64_t scores[2];
    fixture_score(&f, p, pod, names, 2, scores);
    CHECK_EQ_INT(scores[0], 31);   /* (25*3 + 50) / 4 = 31.25 */
    CHECK_EQ_INT(scores[1], 50);
    fixture_free(&f);
}

TEST(fit_uses_non_zero_requests_for_scoring) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    /* 1000m and 1000Mi: the empty pod counts as 100m / 200Mi. */
    add_node(&f, "n1", 1000, 1000LL * 1024 * 1024, 110, NULL);
    sl_pod_info *pod = fixture_incoming(&f, pod_json(buf, sizeof buf, "be", NULL, EMPTY_CONTAINER));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit", NULL);
    const char *names[] = {"n1"};
    int64_t scores[1];
    fixture_score(&f, p, pod, names, 1, scores);
    CHECK_EQ_INT(scores[0], 85);   /* (90 + 80) / 2 */
    fixture_free(&f);
}

TEST(fit_requested_to_capacity_ratio_scores) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *pod;
    differently_sized_nodes(&f, &pod);
    /* A bin-packing shape: 0% -> 0, 100% -> 10 (x10 = 100). */
    sl_plugin *p = fixture_plugin(
        &f, "NodeResourcesFit",
        "{'scoringStrategy':{'type':'RequestedToCapacityRatio','requestedToCapacityRatio':"
        "{'shape':[{'utilization':0,'score':0},{'utilization':100,'score':10}]}}}");
    const char *names[] = {"n1", "n2"};
    int64_t scores[2];
    fixture_score(&f, p, pod, names, 2, scores);
    CHECK_EQ_INT(scores[0], 63);   /* round((75 + 50) / 2) = round(62.5) */
    CHECK_EQ_INT(scores[1], 50);

    /* A shape with a plateau and rounding of the average:
     * 0->10(100) .. 50->5(50) .. 100->0; cpu 75% -> 25, memory 50% -> 50. */
    sl_plugin *q = fixture_plugin(
        &f, "NodeResourcesFit",
        "{'scoringStrategy':{'type':'RequestedToCapacityRatio','resources':[{'name':'cpu',"
        "'weight':2},{'name':'memory','weight':1}],'requestedToCapacityRatio':{'shape':["
        "{'utilization':0,'score':10},{'utilization':50,'score':5},{'utilization':100,"
        "'score':0}]}}}");
    fixture_score(&f, q, pod, names, 2, scores);
    CHECK_EQ_INT(scores[0], 33);   /* round((25*2 + 50) / 3) = round(33.3) */
    CHECK_EQ_INT(scores[1], 50);
    fixture_free(&f);
}

TEST(fit_scores_extended_resources_only_when_requested) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "n1", 4000, 10000, 110, "'example.com/gpu':'4'");
    sl_pod_info *gpu = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "gpu", NULL,
                     "{'name':'c','resources':{'requests':{'cpu':'2','memory':'5000',"
                     "'example.com/gpu':'1'}}}"));
    sl_pod_info *plain =
        fixture_incoming(&f, pod_json(buf, sizeof buf, "plain", NULL, CONTAINER("2", "5000")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(
        &f, "NodeResourcesFit",
        "{'scoringStrategy':{'type':'LeastAllocated','resources':[{'name':'cpu','weight':1},"
        "{'name':'memory','weight':1},{'name':'example.com/gpu','weight':2}]}}");
    const char *names[] = {"n1"};
    int64_t scores[1];
    fixture_score(&f, p, gpu, names, 1, scores);
    CHECK_EQ_INT(scores[0], 62);   /* (50 + 50 + 75*2) / 4 = 62.5 */
    fixture_score(&f, p, plain, names, 1, scores);
    CHECK_EQ_INT(scores[0], 50);   /* gpu left out: (50 + 50) / 2 */
    fixture_free(&f);
}

/* ---------------------------------------------------------------- */
/* NodeResourcesFit: args                                            */
/* ---------------------------------------------------------------- */

TEST(fit_args_are_validated_with_field_paths) {
    fixture f;
    fixture_init(&f);
    char err[512];
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit", "{'scoringStrategy':{'type':'Nope'}}", err,
                              sizeof err));
    CHECK(strstr(err, "pluginConfig[NodeResourcesFit].args.scoringStrategy.type: Unsupported "
                      "value: \"Nope\"") == err);
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit",
                              "{'scoringStrategy':{'type':'LeastAllocated','resources':[{'name':"
                              "'cpu','weight':101}]}}",
                              err, sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[NodeResourcesFit].args.scoringStrategy.resources[0].weight: "
                      "Invalid value: 101: resource weight of cpu not in valid range (0, 100]");
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit",
                              "{'scoringStrategy':{'type':'RequestedToCapacityRatio',"
                              "'requestedToCapacityRatio':{'shape':[{'utilization':50,'score':1},"
                              "{'utilization':40,'score':2}]}}}",
                              err, sizeof err));
    CHECK(strstr(err, "requestedToCapacityRatio.shape[1].utilization: Invalid value: 40: values "
                      "must be sorted in increasing order") != NULL);
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit",
                              "{'scoringStrategy':{'type':'RequestedToCapacityRatio',"
                              "'requestedToCapacityRatio':{'shape':[{'utilization':50,'score':11}]}}}",
                              err, sizeof err));
    CHECK(strstr(err, "shape[0].score: Invalid value: 11: not in valid range [0, 10]") != NULL);
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit",
                              "{'scoringStrategy':{'type':'RequestedToCapacityRatio'}}", err,
                              sizeof err));
    CHECK(strstr(err, "at least one point must be specified") != NULL);
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit", "{'ignoredResourceGroups':['a/b']}", err,
                              sizeof err));
    CHECK(strstr(err, "ignoredResourceGroups[0]: Invalid value: \"a/b\": resource group name "
                      "can't contain '/'") != NULL);
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit", "{'ignoredResources':['-bad']}", err,
                              sizeof err));
    CHECK(strstr(err, "ignoredResources[0]: Invalid value: \"-bad\"") != NULL);
    CHECK(!fixture_plugin_err(&f, "NodeResourcesFit", "{'bogus':1}", err, sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[NodeResourcesFit].args.bogus: unknown field");
    /* Weight 0 defaults to 1; kind/apiVersion are accepted. */
    CHECK(fixture_plugin_err(&f, "NodeResourcesFit",
                             "{'kind':'NodeResourcesFitArgs','scoringStrategy':{'type':"
                             "'MostAllocated','resources':[{'name':'cpu','weight':0}]}}",
                             err, sizeof err) != NULL);
    fixture_free(&f);
}

/* ---------------------------------------------------------------- */
/* NodeResourcesBalancedAllocation                                   */
/* ---------------------------------------------------------------- */

TEST(balanced_scores_two_resources) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *pod;
    differently_sized_nodes(&f, &pod);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesBalancedAllocation", NULL);
    const char *names[] = {"n1", "n2"};
    int64_t scores[2];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 2, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 87);   /* cpu 0.75, memory 0.5: (1 - 0.125) * 100 */
    CHECK_EQ_INT(scores[1], 100);
    fixture_free(&f);
}

TEST(balanced_uses_actual_requests_and_caps_fractions) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "n1", 4000, 10000, 110, NULL);
    /* Existing pod without requests adds nothing (actual requests), one
     * over-committing pod caps cpu at 1. */
    fixture_pod(&f, pod_json(buf, sizeof buf, "be", "n1", EMPTY_CONTAINER));
    fixture_pod(&f, pod_json(buf, sizeof buf, "big", "n1", CONTAINER("5", "4000")));
    sl_pod_info *pod =
        fixture_incoming(&f, pod_json(buf, sizeof buf, "p", NULL, CONTAINER("1", "1000")));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesBalancedAllocation", NULL);
    const char *names[] = {"n1"};
    int64_t scores[1];
    fixture_score(&f, p, pod, names, 1, scores);
    CHECK_EQ_INT(scores[0], 75);   /* fractions 1 (capped 1.5) and 0.5: (1 - 0.25) * 100 */
    fixture_free(&f);
}

TEST(balanced_uses_standard_deviation_for_three_resources) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "n1", 4000, 10000, 110, "'ephemeral-storage':'1000'");
    sl_pod_info *pod = fixture_incoming(
        &f, pod_json(buf, sizeof buf, "p", NULL,
                     "{'name':'c','resources':{'requests':{'cpu':'3','memory':'5000',"
                     "'ephemeral-storage':'250'}}}"));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(
        &f, "NodeResourcesBalancedAllocation",
        "{'resources':[{'name':'cpu'},{'name':'memory'},{'name':'ephemeral-storage'}]}");
    const char *names[] = {"n1"};
    int64_t scores[1];
    fixture_score(&f, p, pod, names, 1, scores);
    /* 0.75, 0.5, 0.25: std = sqrt(0.125 / 3) = 0.2041 -> 79 */
    CHECK_EQ_INT(scores[0], 79);
    fixture_free(&f);
}

TEST(balanced_skips_best_effort_pods) {
    fixture f;
    fixture_init(&f);
    char buf[1024];
    add_node(&f, "n1", 4000, 10000, 110, NULL);
    sl_pod_info *pod = fixture_incoming(&f, pod_json(buf, sizeof buf, "be", NULL, EMPTY_CONTAINER));
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeResourcesBalancedAllocation", NULL);
    sl_node_info *nodes[] = {(sl_node_info *)fixture_node_info(&f, "n1")};
    CHECK_EQ_INT(p->ops->pre_score(p, f.cycle, pod, nodes, 1).code, SL_SKIP);
    fixture_free(&f);
}

TEST(balanced_args_require_weight_one_and_unique_names) {
    fixture f;
    fixture_init(&f);
    char err[512];
    CHECK(!fixture_plugin_err(&f, "NodeResourcesBalancedAllocation",
                              "{'resources':[{'name':'cpu','weight':2}]}", err, sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[NodeResourcesBalancedAllocation].args.resources[0].weight: "
                      "Invalid value: 2: must be 1");
    CHECK(!fixture_plugin_err(&f, "NodeResourcesBalancedAllocation",
                              "{'resources':[{'name':'cpu'},{'name':'cpu'}]}", err, sizeof err));
    CHECK_EQ_STR(err, "pluginConfig[NodeResourcesBalancedAllocation].args.resources[1].name: "
                      "Duplicate value: \"cpu\"");
    fixture_free(&f);
}

int main(void) {
    RUN(fit_filter_reports_each_insufficient_resource);
    RUN(fit_filter_counts_pods_even_for_zero_requests);
    RUN(fit_filter_checks_and_ignores_extended_resources);
    RUN(fit_least_allocated_scores);
    RUN(fit_most_allocated_scores);
    RUN(fit_weights_resources);
    RUN(fit_uses_non_zero_requests_for_scoring);
    RUN(fit_requested_to_capacity_ratio_scores);
    RUN(fit_scores_extended_resources_only_when_requested);
    RUN(fit_args_are_validated_with_field_paths);
    RUN(balanced_scores_two_resources);
    RUN(balanced_uses_actual_requests_and_caps_fractions);
    RUN(balanced_uses_standard_deviation_for_three_resources);
    RUN(balanced_skips_best_effort_pods);
    RUN(balanced_args_require_weight_one_and_unique_names);
    return test_summary("plugins_resources");
}
