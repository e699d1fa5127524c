/*
 * Upstream-fidelity suite for the Score side of the default plugins.
 *
 * Every case below is one row of a kube-scheduler plugin unit-test table
 * (pkg/scheduler/framework/plugins/<plugin>/<name>_test.go), re-expressed as
 * JSON objects and expected numbers; the row's upstream name is kept so a
 * failure can be traced back. Scores are compared after NormalizeScore, as
 * upstream's tests do for plugins that normalize.
 */
#include "fidelity_cases.h"

/* ---------------------------------------------------------------- */
/* Building blocks                                                   */
/* ---------------------------------------------------------------- */

/* st.MakeNode().Capacity(...): capacity (= allocatable) only. */
#define NODE_RES(name, cpu, mem) \
    "{'metadata':{'name':'" name "'},'status':{'capacity':{'cpu':'" cpu "','memory':'" mem "'}}}"
#define NODE_RES_X(name, cpu, mem, extra)                                                  \
    "{'metadata':{'name':'" name "'},'status':{'capacity':{'cpu':'" cpu "','memory':'" mem \
    "'," extra "}}}"
#define NODE_BARE(name) "{'metadata':{'name':'" name "'}}"

/* A container requesting cpu and memory (st.MakePod().Req). */
#define REQ(cpu, mem) "{'name':'c','resources':{'requests':{'cpu':'" cpu "','memory':'" mem "'}}}"
#define REQ_X(extra) "{'name':'c','resources':{'requests':{" extra "}}}"
#define POD_C(containers) "{'spec':{'containers':[" containers "]}}"
#define POD_ON(node, containers) "{'spec':{'nodeName':'" node "','containers':[" containers "]}}"
#define POD_EMPTY "{'spec':{'containers':[]}}"
#define POD_EMPTY_ON(node) "{'spec':{'nodeName':'" node "','containers':[]}}"

#define EXT "abc.com/xyz"
#define FIT_ARGS(type, resources) \
    "{'scoringStrategy':{'type':'" type "','resources':[" resources "]}}"
#define RES(name, w) "{'name':'" name "','weight':" #w "}"
#define DEFAULT_RES RES("cpu", 1) "," RES("memory", 1)
#define EXT_RES DEFAULT_RES "," RES(EXT, 1)

/* ---------------------------------------------------------------- */
/* NodeResourcesFit: LeastAllocated (least_allocated_test.go)        */
/* ---------------------------------------------------------------- */

static const score_case least_allocated[] = {
    {"nothing scheduled, nothing requested", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "4000", "10000")}, {}, POD_EMPTY, {},
     {100, 100}, SL_SUCCESS},
    {"nothing scheduled, resources requested, differently sized nodes", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "6000", "10000")}, {},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {37, 50}, SL_SUCCESS},
    {"no resources requested, pods scheduled", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "4000", "10000")},
     {POD_EMPTY_ON("node1"), POD_EMPTY_ON("node1"), POD_EMPTY_ON("node2"), POD_EMPTY_ON("node2")},
     POD_EMPTY, {}, {100, 100}, SL_SUCCESS},
    {"no resources requested, pods scheduled with resources", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "10000", "20000"), NODE_RES("node2", "10000", "20000")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node1", REQ("3000", "0")),
      POD_ON("node2", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))},
     POD_EMPTY, {}, {70, 57}, SL_SUCCESS},
    {"resources requested, pods scheduled with resources", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "10000", "20000"), NODE_RES("node2", "10000", "20000")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {57, 45}, SL_SUCCESS},
    {"resources requested, pods scheduled with resources, differently sized nodes",
     "NodeResourcesFit", FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "10000", "20000"), NODE_RES("node2", "10000", "50000")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {57, 60}, SL_SUCCESS},
    {"requested resources exceed node capacity", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "4000", "10000")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))},
     POD_C(REQ("3000", "0")), {}, {50, 25}, SL_SUCCESS},
    {"zero node resources, pods scheduled with resources", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", DEFAULT_RES), {NODE_BARE("node1"), NODE_BARE("node2")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))}, POD_EMPTY, {},
     {0, 0}, SL_SUCCESS},
    {"nothing scheduled, resources requested with different weight on CPU and memory",
     "NodeResourcesFit", FIT_ARGS("LeastAllocated", RES("memory", 2) "," RES("cpu", 1)),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "6000", "10000")}, {},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {41, 50}, SL_SUCCESS},
    {"bypass extended resource if the pod does not request", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", EXT_RES),
     {NODE_RES("node1", "6000", "10000"), NODE_RES_X("node2", "6000", "10000", "'" EXT "':'4'")},
     {}, POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {50, 50}, SL_SUCCESS},
    {"honor extended resource if the pod requests", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", EXT_RES),
     {NODE_RES_X("node1", "6000", "10000", "'" EXT "':'4'"),
      NODE_RES_X("node2", "6000", "10000", "'" EXT "':'10'")},
     {}, POD_C(REQ_X("'cpu':'3000','memory':'5000','" EXT "':'2'")), {}, {50, 60}, SL_SUCCESS},
    {"if the node doesn't have a resource", "NodeResourcesFit",
     FIT_ARGS("LeastAllocated", RES(EXT, 2) "," DEFAULT_RES),
     {NODE_RES("node1", "6000", "10000"), NODE_RES_X("node2", "6000", "10000", "'" EXT "':'4'")},
     {}, POD_C(REQ("3000", "4000")), {}, {55, 55}, SL_SUCCESS},
};

/* ---------------------------------------------------------------- */
/* NodeResourcesFit: MostAllocated (most_allocated_test.go)          */
/* ---------------------------------------------------------------- */

static const score_case most_allocated[] = {
    {"nothing scheduled, nothing requested", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", DEFAULT_RES),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "4000", "10000")}, {}, POD_EMPTY, {},
     {0, 0}, SL_SUCCESS},
    {"nothing scheduled, resources requested, differently sized nodes", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", DEFAULT_RES),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "6000", "10000")}, {},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {62, 50}, SL_SUCCESS},
    {"no resources requested, pods scheduled with resources", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", DEFAULT_RES),
     {NODE_RES("node1", "10000", "20000"), NODE_RES("node2", "10000", "20000")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node1", REQ("3000", "0")),
      POD_ON("node2", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))},
     POD_EMPTY, {}, {30, 42}, SL_SUCCESS},
    {"resources requested, pods scheduled with resources", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", DEFAULT_RES),
     {NODE_RES("node1", "10000", "20000"), NODE_RES("node2", "10000", "20000")},
     {POD_ON("node1", REQ("3000", "0")), POD_ON("node2", REQ("3000", "5000"))},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {42, 55}, SL_SUCCESS},
    {"resources requested equal node capacity", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", DEFAULT_RES),
     {NODE_RES("node1", "5000", "10000"), NODE_RES("node2", "10000", "9000")}, {},
     POD_C(REQ("2000", "4000") "," REQ("3000", "5000")), {}, {95, 75}, SL_SUCCESS},
    {"nothing scheduled, resources requested, differently sized nodes, weighted",
     "NodeResourcesFit", FIT_ARGS("MostAllocated", RES("memory", 2) "," RES("cpu", 1)),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "6000", "10000")}, {},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {58, 50}, SL_SUCCESS},
    {"no resources requested, pods scheduled, nonzero request for resource", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", DEFAULT_RES),
     {NODE_RES("node1", "250m", "1000Mi"), NODE_RES("node2", "250m", "1000Mi")},
     {POD_ON("node1", "{'name':'container'}"), POD_ON("node1", "{'name':'container'}")},
     POD_C("{'name':'container'}"), {}, {80, 30}, SL_SUCCESS},
    {"bypass extended resource if the pod does not request", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", EXT_RES),
     {NODE_RES("node1", "6000", "10000"), NODE_RES_X("node2", "6000", "10000", "'" EXT "':'4'")},
     {}, POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {50, 50}, SL_SUCCESS},
    {"honor extended resource if the pod request", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", EXT_RES),
     {NODE_RES_X("node1", "6000", "10000", "'" EXT "':'4'"),
      NODE_RES_X("node2", "6000", "10000", "'" EXT "':'10'")},
     {}, POD_C(REQ_X("'cpu':'3000','memory':'5000','" EXT "':'2'")), {}, {50, 40}, SL_SUCCESS},
    {"if the node doesn't have a resource", "NodeResourcesFit",
     FIT_ARGS("MostAllocated", RES(EXT, 2) "," DEFAULT_RES),
     {NODE_RES("node1", "6000", "10000"), NODE_RES_X("node2", "6000", "10000", "'" EXT "':'4'")},
     {}, POD_C(REQ("3000", "4000")), {}, {45, 45}, SL_SUCCESS},
};

/* ---------------------------------------------------------------- */
/* NodeResourcesFit: RequestedToCapacityRatio                        */
/* (requested_to_capacity_ratio_test.go)                             */
/* ---------------------------------------------------------------- */

#define RTCR_ARGS(resources, shape)                                                           \
    "{'scoringStrategy':{'type':'RequestedToCapacityRatio','resources':[" resources "],"       \
    "'requestedToCapacityRatio':{'shape':[" shape "]}}}"
#define PT(u, s) "{'utilization':" #u ",'score':" #s "}"
#define LEAST_SHAPE PT(0, 10) "," PT(100, 0)
#define BINPACK_SHAPE PT(0, 0) "," PT(100, 1)
/* makeNode(name, milliCPU, memory, extended) of noderesources/test_util.go */
#define MK_NODE(name, mcpu, mem, extra)                                                       \
    "{'metadata':{'name':'" name "'},'status':{'capacity':{'cpu':'" mcpu "m','memory':'" mem \
    "'" extra "}}}"
#define FOO4 ",'intel.com/foo':'4'"
#define FOO8 ",'intel.com/foo':'8'"

static const score_case requested_to_capacity[] = {
    {"nothing scheduled, nothing requested (default - least requested nodes have priority)",
     "NodeResourcesFit", RTCR_ARGS(DEFAULT_RES, LEAST_SHAPE),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "4000", "10000")},
     {POD_EMPTY_ON("node1"), POD_EMPTY_ON("node1")}, POD_EMPTY, {}, {100, 100}, SL_SUCCESS},
    {"nothing scheduled, resources requested, differently sized nodes (least requested)",
     "NodeResourcesFit", RTCR_ARGS(DEFAULT_RES, LEAST_SHAPE),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "6000", "10000")},
     {POD_EMPTY_ON("node1"), POD_EMPTY_ON("node1")},
     POD_C(REQ("1000", "2000") "," REQ("2000", "3000")), {}, {38, 50}, SL_SUCCESS},
    {"no resources requested, pods scheduled with resources (least requested)",
     "NodeResourcesFit", RTCR_ARGS(DEFAULT_RES, LEAST_SHAPE),
     {NODE_RES("node1", "4000", "10000"), NODE_RES("node2", "6000", "10000")},
     {POD_ON("node1", REQ("3000", "5000")), POD_ON("node2", REQ("3000", "5000"))}, POD_EMPTY, {},
     {38, 50}, SL_SUCCESS},
    /* TestResourceBinPackingSingleExtended */
    {"single extended: nothing scheduled, nothing requested", "NodeResourcesFit",
     RTCR_ARGS(RES("intel.com/foo", 1), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8), MK_NODE("node2", "4000", "10485760000", FOO4)},
     {}, POD_EMPTY, {}, {0, 0}, SL_SUCCESS},
    {"single extended: resources requested, pods scheduled with less resources",
     "NodeResourcesFit", RTCR_ARGS(RES("intel.com/foo", 1), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8), MK_NODE("node2", "4000", "10485760000", FOO4)},
     {POD_EMPTY}, POD_C(REQ_X("'intel.com/foo':'2'")), {}, {2, 5}, SL_SUCCESS},
    {"single extended: on node with existing pod running", "NodeResourcesFit",
     RTCR_ARGS(RES("intel.com/foo", 1), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8), MK_NODE("node2", "4000", "10485760000", FOO4)},
     {POD_ON("node2", REQ_X("'intel.com/foo':'2'"))}, POD_C(REQ_X("'intel.com/foo':'2'")), {},
     {2, 10}, SL_SUCCESS},
    {"single extended: resources requested, pods scheduled with more resources",
     "NodeResourcesFit", RTCR_ARGS(RES("intel.com/foo", 1), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8), MK_NODE("node2", "4000", "10485760000", FOO4)},
     {POD_EMPTY}, POD_C(REQ_X("'intel.com/foo':'4'")), {}, {5, 10}, SL_SUCCESS},
    /* TestResourceBinPackingMultipleExtended: weights foo 3, bar 5 */
    {"multiple extended: nothing scheduled, nothing requested", "NodeResourcesFit",
     RTCR_ARGS(RES("intel.com/foo", 3) "," RES("intel.com/bar", 5), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8 ",'intel.com/bar':'4'"),
      MK_NODE("node2", "4000", "10485760000", FOO4 ",'intel.com/bar':'8'")},
     {}, POD_EMPTY, {}, {0, 0}, SL_SUCCESS},
    {"multiple extended: resources requested, pods scheduled with less resources",
     "NodeResourcesFit",
     RTCR_ARGS(RES("intel.com/foo", 3) "," RES("intel.com/bar", 5), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8 ",'intel.com/bar':'4'"),
      MK_NODE("node2", "4000", "10485760000", FOO4 ",'intel.com/bar':'8'")},
     {POD_EMPTY}, POD_C(REQ_X("'intel.com/foo':'2','intel.com/bar':'2'")), {}, {4, 3},
     SL_SUCCESS},
    {"multiple extended: on node with existing pod running", "NodeResourcesFit",
     RTCR_ARGS(RES("intel.com/foo", 3) "," RES("intel.com/bar", 5), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8 ",'intel.com/bar':'4'"),
      MK_NODE("node2", "4000", "10485760000", FOO4 ",'intel.com/bar':'8'")},
     {POD_ON("node2", REQ_X("'intel.com/foo':'4','intel.com/bar':'2'"))},
     POD_C(REQ_X("'intel.com/foo':'2','intel.com/bar':'2'")), {}, {4, 7}, SL_SUCCESS},
    {"multiple extended: resources requested, pods scheduled with more resources",
     "NodeResourcesFit",
     RTCR_ARGS(RES("intel.com/foo", 3) "," RES("intel.com/bar", 5), BINPACK_SHAPE),
     {MK_NODE("node1", "4000", "10485760000", FOO8 ",'intel.com/bar':'4'"),
      MK_NODE("node2", "4000", "10485760000", FOO4 ",'intel.com/bar':'8'")},
     {POD_EMPTY}, POD_C(REQ_X("'intel.com/foo':'4','intel.com/bar':'2'")), {}, {5, 5},
     SL_SUCCESS},
};

/* TestBrokenLinearFunction: the shape evaluated at utilizations 0..100
 * through a one-resource node (allocatable 100, requested = utilization). */
typedef struct shape_probe {
    const char *shape;
    int64_t utilization, want;   /* want on the 0..100 scale */
} shape_probe;

/* The plugin scales the shape's scores by 10 *before* building the broken
 * line (as requestedToCapacityRatioScorer does), so the integer division
 * happens on the 0..100 scale: (10,1)-(90,9) becomes (10,10)-(90,90). */
#define SHAPE_A PT(10, 1) "," PT(90, 9)
#define SHAPE_B PT(0, 2) "," PT(40, 10) "," PT(100, 0)
#define SHAPE_C PT(0, 2) "," PT(40, 2) "," PT(100, 2)
static const shape_probe broken_linear[] = {
    {SHAPE_A, 9, 10},  {SHAPE_A, 10, 10}, {SHAPE_A, 15, 15}, {SHAPE_A, 19, 19},
    {SHAPE_A, 20, 20}, {SHAPE_A, 89, 89}, {SHAPE_A, 90, 90}, {SHAPE_A, 99, 90},
    {SHAPE_A, 100, 90}, {SHAPE_A, 150, 90},   /* over-committed: utilization 100 */
    {SHAPE_B, 20, 60}, {SHAPE_B, 30, 80}, {SHAPE_B, 40, 100}, {SHAPE_B, 70, 50},
    {SHAPE_B, 100, 0},                        /* a zero score is left out: node 0 */
    {SHAPE_C, 1, 20},  {SHAPE_C, 30, 20}, {SHAPE_C, 70, 20}, {SHAPE_C, 100, 20},
};

TEST(fit_broken_linear_function) {
    for (size_t i = 0; i < sizeof broken_linear / sizeof broken_linear[0]; i++) {
        const shape_probe *t = &broken_linear[i];
        char args[512], pod[256];
        snprintf(args, sizeof args, RTCR_ARGS(RES("example.com/r", 1), "%s"), t->shape);
        snprintf(pod, sizeof pod, POD_C(REQ_X("'example.com/r':'%lld'")),
                 (long long)t->utilization);
        fixture f;
        fixture_init(&f);
        fixture_node(&f, NODE_RES_X("n", "1", "1Gi", "'example.com/r':'100'"));
        sl_pod_info *incoming = fc_incoming(&f, pod);
        fixture_begin(&f);
        sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit", args);
        const char *names[] = {"n"};
        int64_t score = -1;
        fixture_score(&f, p, incoming, names, 1, &score);
        int64_t want = t->want;
        if (score != want)
            TEST_FAIL_AT("shape [%s] at %lld: got %lld, want %lld", t->shape,
                         (long long)t->utilization, (long long)score, (long long)want);
        fc_cases_run++;
        fixture_free(&f);
    }
}

TEST(fit_least_allocated) { RUN_SCORE_TABLE(least_allocated); }
TEST(fit_most_allocated) { RUN_SCORE_TABLE(most_allocated); }
TEST(fit_requested_to_capacity_ratio) { RUN_SCORE_TABLE(requested_to_capacity); }

/* Args rows of the same tables: invalid weights are refused. */
TEST(fit_weight_validation) {
    static const char *const bad[] = {
        FIT_ARGS("LeastAllocated", RES("memory", -1) "," RES("cpu", 1)),
        FIT_ARGS("LeastAllocated", RES("memory", 1) "," RES("cpu", 101)),
        FIT_ARGS("MostAllocated", RES("memory", -1) "," RES("cpu", 1)),
        FIT_ARGS("MostAllocated", RES("memory", 101)),
    };
    static const char *const field[] = {"resources[0].weight", "resources[1].weight",
                                        "resources[0].weight", "resources[0].weight"};
    for (size_t i = 0; i < 4; i++) {
        fixture f;
        fixture_init(&f);
        char err[512];
        sl_plugin *p = fixture_plugin_err(&f, "NodeResourcesFit", bad[i], err, sizeof err);
        CHECK(p == NULL);
        if (!strstr(err, field[i])) TEST_FAIL_AT("args %zu: error \"%s\" lacks %s", i, err, field[i]);
        fc_cases_run++;
        fixture_free(&f);
    }
}

/* ---------------------------------------------------------------- */
/* NodeResourcesBalancedAllocation (balanced_allocation_test.go)     */
/* ---------------------------------------------------------------- */

#define CPU_AND_MEMORY REQ("1000m", "2000") "," REQ("2000m", "3000")
#define CPU_ONLY REQ("1000m", "0") "," REQ("2000m", "0")
#define CPU_MEM_GPU REQ("1000m", "2000") "," REQ_X("'cpu':'2000m','memory':'3000','nvidia.com/gpu':'3'")
#define GPU8 ",'nvidia.com/gpu':'8'"
#define BAL_ARGS_GPU "{'resources':[" DEFAULT_RES "," RES("nvidia.com/gpu", 1) "]}"

static const score_case balanced[] = {
    {"nothing scheduled, nothing requested, skip in PreScore", "NodeResourcesBalancedAllocation",
     NULL, {MK_NODE("node1", "4000", "10000", ""), MK_NODE("node2", "4000", "10000", "")}, {},
     POD_EMPTY, {}, {0, 0}, SL_SKIP},
    {"nothing scheduled, resources requested, differently sized nodes",
     "NodeResourcesBalancedAllocation", NULL,
     {MK_NODE("node1", "4000", "10000", ""), MK_NODE("node2", "6000", "10000", "")}, {},
     POD_ON("node2", CPU_AND_MEMORY), {}, {87, 100}, SL_SUCCESS},
    {"resources requested, pods scheduled with resources", "NodeResourcesBalancedAllocation", NULL,
     {MK_NODE("node1", "10000", "20000", ""), MK_NODE("node2", "10000", "20000", "")},
     {POD_ON("node1", CPU_ONLY), POD_ON("node2", CPU_AND_MEMORY)}, POD_ON("node2", CPU_AND_MEMORY),
     {}, {82, 95}, SL_SUCCESS},
    {"resources requested, pods scheduled with resources, differently sized nodes",
     "NodeResourcesBalancedAllocation", NULL,
     {MK_NODE("node1", "10000", "20000", ""), MK_NODE("node2", "10000", "50000", "")},
     {POD_ON("node1", CPU_ONLY), POD_ON("node2", CPU_AND_MEMORY)}, POD_ON("node2", CPU_AND_MEMORY),
     {}, {82, 80}, SL_SUCCESS},
    {"requested resources at node capacity", "NodeResourcesBalancedAllocation", NULL,
     {MK_NODE("node1", "6000", "10000", ""), MK_NODE("node2", "6000", "10000", "")},
     {POD_ON("node1", CPU_ONLY), POD_ON("node2", CPU_AND_MEMORY)}, POD_ON("node1", CPU_ONLY), {},
     {50, 75}, SL_SUCCESS},
    {"include scalar resource on a node for balanced resource allocation",
     "NodeResourcesBalancedAllocation", BAL_ARGS_GPU,
     {MK_NODE("node1", "3500", "40000", GPU8), MK_NODE("node2", "3500", "40000", GPU8)},
     {POD_ON("node2", CPU_AND_MEMORY), POD_ON("node1", CPU_MEM_GPU)},
     POD_C(REQ_X("'memory':'0','nvidia.com/gpu':'1'")), {}, {70, 65}, SL_SUCCESS},
    {"node without the scalar resource should skip the scalar resource",
     "NodeResourcesBalancedAllocation", BAL_ARGS_GPU,
     {MK_NODE("node1", "3500", "40000", GPU8), MK_NODE("node2", "3500", "40000", "")}, {},
     POD_ON("node2", CPU_AND_MEMORY), {}, {63, 63}, SL_SUCCESS},
};

/* ---------------------------------------------------------------- */
/* ImageLocality (image_locality_test.go)                            */
/* ---------------------------------------------------------------- */

#define IMG(names, bytes) "{'names':[" names "],'sizeBytes':" bytes "}"
#define IMG_NODE(name, images) "{'metadata':{'name':'" name "'},'status':{'images':[" images "]}}"
#define N_40_300_2000                                                                 \
    IMG("'gcr.io/40:latest','gcr.io/40:v1','gcr.io/40:v1'", "41943040") ","          \
    IMG("'gcr.io/300:latest','gcr.io/300:v1'", "314572800") ","                     \
    IMG("'gcr.io/2000:latest'", "2097152000")
#define N_250_10 \
    IMG("'gcr.io/250:latest'", "262144000") "," IMG("'gcr.io/10:latest','gcr.io/10:v1'", "10485760")
#define N_600_40_900                                                                   \
    IMG("'gcr.io/600:latest'", "629145600") "," IMG("'gcr.io/40:latest'", "41943040") "," \
    IMG("'gcr.io/900:latest'", "943718400")
#define N_300_600_900                                                                   \
    IMG("'gcr.io/300:latest'", "314572800") "," IMG("'gcr.io/600:latest'", "629145600") "," \
    IMG("'gcr.io/900:latest'", "943718400")
#define N_4000_30 IMG("'gcr.io/4000:latest'", "4194304000") "," IMG("'gcr.io/30:latest'", "31457280")
#define N_20_30_40                                                                     \
    IMG("'gcr.io/20:latest'", "20971520") "," IMG("'gcr.io/30:latest'", "31457280") "," \
    IMG("'gcr.io/40:latest'", "41943040")
#define IMAGES(...) "{'spec':{'containers':[" __VA_ARGS__ "]}}"
#define CI(image) "{'name':'c','image':'" image "'}"

static const score_case image_locality[] = {
    {"two images spread on two nodes, prefer the larger image one", "ImageLocality", NULL,
     {IMG_NODE("node1", N_40_300_2000), IMG_NODE("node2", N_250_10)}, {},
     IMAGES(CI("gcr.io/40") "," CI("gcr.io/250")), {}, {0, 5}, SL_SUCCESS},
    {"two images on one node, prefer this node", "ImageLocality", NULL,
     {IMG_NODE("node1", N_40_300_2000), IMG_NODE("node2", N_250_10)}, {},
     IMAGES(CI("gcr.io/40") "," CI("gcr.io/300")), {}, {7, 0}, SL_SUCCESS},
    {"if exceed limit, use limit", "ImageLocality", NULL,
     {IMG_NODE("node1", N_4000_30), IMG_NODE("node2", N_250_10)}, {},
     IMAGES(CI("gcr.io/10") "," CI("gcr.io/4000")), {}, {100, 0}, SL_SUCCESS},
    {"if exceed limit, use limit (with node which has no images present)", "ImageLocality", NULL,
     {IMG_NODE("node1", N_4000_30), IMG_NODE("node2", N_250_10), NODE_BARE("node3")}, {},
     IMAGES(CI("gcr.io/10") "," CI("gcr.io/4000")), {}, {66, 0, 0}, SL_SUCCESS},
    {"pod with multiple large images, node2 is preferred", "ImageLocality", NULL,
     {IMG_NODE("node1", N_600_40_900), IMG_NODE("node2", N_300_600_900), NODE_BARE("node3")}, {},
     IMAGES(CI("gcr.io/300") "," CI("gcr.io/600") "," CI("gcr.io/900")), {}, {32, 36, 0},
     SL_SUCCESS},
    {"pod with multiple small images", "ImageLocality", NULL,
     {IMG_NODE("node1", N_20_30_40), IMG_NODE("node2", N_4000_30)}, {},
     IMAGES(CI("gcr.io/30") "," CI("gcr.io/40")), {}, {1, 0}, SL_SUCCESS},
    {"include InitContainers: two images spread on two nodes, prefer the larger image one",
     "ImageLocality", NULL, {IMG_NODE("node1", N_40_300_2000), IMG_NODE("node2", N_20_30_40)}, {},
     "{'spec':{'initContainers':[" CI("gcr.io/300") "],'containers':[" CI("gcr.io/30") "]}}", {},
     {6, 0}, SL_SUCCESS},
    /* TestNormalizedImageName, through the score: tagged, registry port, digest. */
    {"normalized name: registry with port gets :latest", "ImageLocality", NULL,
     {IMG_NODE("node1", IMG("'gcr.io:5000/root:latest'", "2097152000"))}, {},
     IMAGES(CI("gcr.io:5000/root")), {}, {100}, SL_SUCCESS},
    {"normalized name: tag kept as is", "ImageLocality", NULL,
     {IMG_NODE("node1", IMG("'root:tag'", "2097152000"))}, {}, IMAGES(CI("root:tag")), {}, {100},
     SL_SUCCESS},
    {"normalized name: tag is not :latest", "ImageLocality", NULL,
     {IMG_NODE("node1", IMG("'root:latest'", "2097152000"))}, {}, IMAGES(CI("root:tag")), {}, {0},
     SL_SUCCESS},
    {"normalized name: digest kept as is", "ImageLocality", NULL,
     {IMG_NODE("node1", IMG("'root@sha256:4813494d137e1631bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2'", "2097152000"))},
     {}, IMAGES(CI("root@sha256:4813494d137e1631bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2")),
     {}, {100}, SL_SUCCESS},
};

/* ---------------------------------------------------------------- */
/* TaintToleration (taint_toleration_test.go, TestTaintTolerationScore) */
/* ---------------------------------------------------------------- */

#define TAINTED(name, taints) "{'metadata':{'name':'" name "'},'spec':{'taints':[" taints "]}}"
#define TAINT(k, v, e) "{'key':'" k "','value':'" v "','effect':'" e "'}"
#define TOLERATING(tols) "{'spec':{'tolerations':[" tols "],'containers':[]}}"
#define TOL(k, op, v, e) "{'key':'" k "','operator':'" op "','value':'" v "','effect':'" e "'}"

static const score_case taint_scores[] = {
    {"node with taints tolerated by the pod, gets a higher score than those node with "
     "intolerable taints", "TaintToleration", NULL,
     {TAINTED("nodeA", TAINT("foo", "bar", "PreferNoSchedule")),
      TAINTED("nodeB", TAINT("foo", "blah", "PreferNoSchedule"))},
     {}, TOLERATING(TOL("foo", "Equal", "bar", "PreferNoSchedule")), {}, {100, 0}, SL_SUCCESS},
    {"the nodes that all of their taints are tolerated by the pod, get the same score",
     "TaintToleration", NULL,
     {TAINTED("nodeA", ""), TAINTED("nodeB", TAINT("cpu-type", "arm64", "PreferNoSchedule")),
      TAINTED("nodeC", TAINT("cpu-type", "arm64", "PreferNoSchedule") "," TAINT("disk-type", "ssd", "PreferNoSchedule"))},
     {},
     TOLERATING(TOL("cpu-type", "Equal", "arm64", "PreferNoSchedule") "," TOL("disk-type", "Equal", "ssd", "PreferNoSchedule")),
     {}, {100, 100, 100}, SL_SUCCESS},
    {"the more intolerable taints a node has, the lower score it gets", "TaintToleration", NULL,
     {TAINTED("nodeA", ""), TAINTED("nodeB", TAINT("cpu-type", "arm64", "PreferNoSchedule")),
      TAINTED("nodeC", TAINT("cpu-type", "arm64", "PreferNoSchedule") "," TAINT("disk-type", "ssd", "PreferNoSchedule"))},
     {}, TOLERATING(TOL("foo", "Equal", "bar", "PreferNoSchedule")), {}, {100, 50, 0}, SL_SUCCESS},
    {"only taints and tolerations that have effect PreferNoSchedule are checked",
     "TaintToleration", NULL,
     {TAINTED("nodeA", ""), TAINTED("nodeB", TAINT("cpu-type", "arm64", "NoSchedule")),
      TAINTED("nodeC", TAINT("cpu-type", "arm64", "PreferNoSchedule") "," TAINT("disk-type", "ssd", "PreferNoSchedule"))},
     {},
     TOLERATING(TOL("cpu-type", "Equal", "arm64", "NoSchedule") "," TOL("disk-type", "Equal", "ssd", "NoSchedule")),
     {}, {100, 100, 0}, SL_SUCCESS},
    {"Default behaviour No taints and tolerations, lands on node with no taints", "TaintToleration",
     NULL, {TAINTED("nodeA", ""), TAINTED("nodeB", TAINT("cpu-type", "arm64", "PreferNoSchedule"))},
     {}, POD_EMPTY, {}, {100, 0}, SL_SUCCESS},
};

/* ---------------------------------------------------------------- */
/* NodeAffinity (node_affinity_test.go, TestNodeAffinityPriority)    */
/* ---------------------------------------------------------------- */

#define LNODE(name, labels) "{'metadata':{'name':'" name "','labels':{" labels "}}}"
#define LABEL1 "'foo':'bar'"
#define LABEL2 "'key':'value'"
#define LABEL3 "'az':'az1'"
#define LABEL4 "'abc':'az11','def':'az22'"
#define LABEL5 "'foo':'bar','key':'value','az':'az1'"
#define EXPR_IN(k, v) "{'key':'" k "','operator':'In','values':['" v "']}"
#define PREF(w, exprs) "{'weight':" #w ",'preference':{'matchExpressions':[" exprs "]}}"
#define AFFINITY1 PREF(2, EXPR_IN("foo", "bar"))
#define AFFINITY2                                                            \
    PREF(2, EXPR_IN("foo", "bar")) "," PREF(4, EXPR_IN("key", "value")) "," \
    PREF(5, EXPR_IN("foo", "bar") "," EXPR_IN("key", "value") "," EXPR_IN("az", "az1"))
#define PREFERRING(terms) \
    "{'spec':{'affinity':{'nodeAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" terms "]}},'containers':[]}}"

static const score_case node_affinity_scores[] = {
    {"all nodes are same priority as NodeAffinity is nil", "NodeAffinity", NULL,
     {LNODE("node1", LABEL1), LNODE("node2", LABEL2), LNODE("node3", LABEL3)}, {},
     "{'metadata':{'annotations':{}},'spec':{'containers':[]}}", {}, {0, 0, 0}, SL_SKIP},
    {"no node matches preferred scheduling requirements in NodeAffinity of pod", "NodeAffinity",
     NULL, {LNODE("node1", LABEL4), LNODE("node2", LABEL2), LNODE("node3", LABEL3)}, {},
     PREFERRING(AFFINITY1), {}, {0, 0, 0}, SL_SUCCESS},
    {"only node1 matches the preferred scheduling requirements of pod", "NodeAffinity", NULL,
     {LNODE("node1", LABEL1), LNODE("node2", LABEL2), LNODE("node3", LABEL3)}, {},
     PREFERRING(AFFINITY1), {}, {100, 0, 0}, SL_SUCCESS},
    {"all nodes matches the preferred scheduling requirements of pod but with different priorities",
     "NodeAffinity", NULL, {LNODE("node1", LABEL1), LNODE("node5", LABEL5), LNODE("node2", LABEL2)},
     {}, PREFERRING(AFFINITY2), {}, {18, 100, 36}, SL_SUCCESS},
    {"added affinity", "NodeAffinity",
     "{'addedAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" AFFINITY1 "]}}",
     {LNODE("node1", LABEL1), LNODE("node2", LABEL2)}, {}, POD_EMPTY, {}, {100, 0}, SL_SUCCESS},
    {"added affinity and pod has default affinity", "NodeAffinity",
     "{'addedAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" PREF(3, EXPR_IN("key", "value")) "]}}",
     {LNODE("node1", LABEL1), LNODE("node2", LABEL2), LNODE("node3", LABEL5)}, {},
     PREFERRING(AFFINITY1), {}, {40, 60, 100}, SL_SUCCESS},
};

/* ---------------------------------------------------------------- */
/* PodTopologySpread (podtopologyspread/scoring_test.go,             */
/* TestPodTopologySpreadScore). "filtered" lists the candidate nodes; */
/* the other nodes are upstream's failedNodes.                       */
/* ---------------------------------------------------------------- */

#define HOSTNAME "kubernetes.io/hostname"
#define SNODE(name, labels) "{'metadata':{'name':'" name "','labels':{" labels "}}}"
#define HN(name) "'" HOSTNAME "':'" name "'"
#define ZN(zone) "'zone':'" zone "'"
#define SPOD(node, labels) "{'metadata':{'labels':{" labels "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define SPOD_NS(ns, node, labels) \
    "{'metadata':{'namespace':'" ns "','labels':{" labels "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define FOO "'foo':''"
#define BAR "'bar':''"
#define FOO_SEL "{'matchExpressions':[{'key':'foo','operator':'Exists'}]}"
#define BAR_SEL "{'matchExpressions':[{'key':'bar','operator':'Exists'}]}"
#define SOFT(skew, key, sel) \
    "{'maxSkew':" #skew ",'topologyKey':'" key "','whenUnsatisfiable':'ScheduleAnyway','labelSelector':" sel "}"
#define SOFT_NOSEL(skew, key) "{'maxSkew':" #skew ",'topologyKey':'" key "','whenUnsatisfiable':'ScheduleAnyway'}"
#define SOFT_X(skew, key, sel, extra) \
    "{'maxSkew':" #skew ",'topologyKey':'" key "','whenUnsatisfiable':'ScheduleAnyway','labelSelector':" sel "," extra "}"
#define SPREADING(labels, constraints) \
    "{'metadata':{'labels':{" labels "}},'spec':{'topologySpreadConstraints':[" constraints "],'containers':[]}}"
#define SPREADING_SPEC(labels, spec, constraints) \
    "{'metadata':{'labels':{" labels "}},'spec':{" spec ",'topologySpreadConstraints':[" constraints "],'containers':[]}}"
#define UNSCHED_TAINT "'spec':{'taints':[{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule'}]}"

static const score_case spread_scores[] = {
    {"one constraint on node, no existing pods", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b"))}, {},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {}, {100, 100}, SL_SUCCESS},
    {"one constraint on node, only one node is candidate", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO)},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {"node-a"}, {100}, SL_SUCCESS},
    {"one constraint on node, all nodes have the same number of matching pods",
     "PodTopologySpread", NULL, {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b"))},
     {SPOD("node-a", FOO), SPOD("node-b", FOO)}, SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {},
     {100, 100}, SL_SUCCESS},
    {"one constraint on node, all 4 nodes are candidates", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b")), SNODE("node-c", HN("node-c")),
      SNODE("node-d", HN("node-d"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-d", FOO),
      SPOD("node-d", FOO), SPOD("node-d", FOO)},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {}, {20, 60, 100, 0}, SL_SUCCESS},
    {"one constraint on node, null selector", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b")), SNODE("node-c", HN("node-c")),
      SNODE("node-d", HN("node-d"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-d", FOO),
      SPOD("node-d", FOO), SPOD("node-d", FOO)},
     SPREADING(FOO, SOFT_NOSEL(1, HOSTNAME)), {}, {100, 100, 100, 100}, SL_SUCCESS},
    {"one constraint on node, all 4 nodes are candidates, maxSkew=2", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b")), SNODE("node-c", HN("node-c")),
      SNODE("node-d", HN("node-d"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-d", FOO),
      SPOD("node-d", FOO), SPOD("node-d", FOO)},
     SPREADING(FOO, SOFT(2, HOSTNAME, FOO_SEL)), {}, {33, 66, 100, 16}, SL_SUCCESS},
    {"one constraint on node, all 4 nodes are candidates, maxSkew=3", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b")), SNODE("node-c", HN("node-c")),
      SNODE("node-d", HN("node-d"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO),
      SPOD("node-b", FOO), SPOD("node-b", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO),
      SPOD("node-c", FOO), SPOD("node-d", FOO)},
     SPREADING(FOO, SOFT(3, HOSTNAME, FOO_SEL)), {}, {44, 66, 77, 100}, SL_SUCCESS},
    {"one constraint on node, 3 out of 4 nodes are candidates", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b")), SNODE("node-x", HN("node-x")),
      SNODE("node-y", HN("node-y"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO),
      SPOD("node-b", FOO), SPOD("node-b", FOO), SPOD("node-x", FOO), SPOD("node-y", FOO),
      SPOD("node-y", FOO), SPOD("node-y", FOO)},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {"node-a", "node-b", "node-x"}, {33, 83, 100},
     SL_SUCCESS},
    {"one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
     "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", "'n':'node-b'"), SNODE("node-x", HN("node-x")),
      SNODE("node-y", HN("node-y"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO),
      SPOD("node-b", FOO), SPOD("node-b", FOO), SPOD("node-x", FOO), SPOD("node-y", FOO),
      SPOD("node-y", FOO), SPOD("node-y", FOO)},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {"node-a", "node-b", "node-x"}, {16, 0, 100},
     SL_SUCCESS},
    {"one constraint on zone, 3 out of 4 nodes are candidates", "PodTopologySpread", NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-b", ZN("zone1") "," HN("node-b")),
      SNODE("node-x", ZN("zone2") "," HN("node-x")), SNODE("node-y", ZN("zone2") "," HN("node-y"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-a", FOO),
      SPOD("node-b", FOO), SPOD("node-b", FOO), SPOD("node-x", FOO), SPOD("node-y", FOO),
      SPOD("node-y", FOO), SPOD("node-y", FOO)},
     SPREADING(FOO, SOFT(1, "zone", FOO_SEL)), {"node-a", "node-b", "node-x"}, {75, 75, 100},
     SL_SUCCESS},
    {"two Constraints on zone and node, 2 out of 4 nodes are candidates", "PodTopologySpread",
     NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-x", ZN("zone2") "," HN("node-x")),
      SNODE("node-b", ZN("zone1") "," HN("node-b")), SNODE("node-y", ZN("zone2") "," HN("node-y"))},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-x", FOO),
      SPOD("node-x", FOO), SPOD("node-y", FOO), SPOD("node-y", FOO), SPOD("node-y", FOO),
      SPOD("node-y", FOO)},
     SPREADING(FOO, SOFT(1, "zone", FOO_SEL) "," SOFT(1, HOSTNAME, FOO_SEL)), {"node-a", "node-x"},
     {100, 63}, SL_SUCCESS},
    {"two Constraints on zone, 2 out of 4 nodes are candidates", "PodTopologySpread", NULL,
     {SNODE("node-a", ZN("zone1")), SNODE("node-x", ZN("zone2")), SNODE("node-b", ZN("zone1")),
      SNODE("node-y", ZN("zone2"))},
     {SPOD("node-a", FOO "," BAR), SPOD("node-a", FOO), SPOD("node-b", FOO "," BAR),
      SPOD("node-y", FOO), SPOD("node-y", FOO "," BAR), SPOD("node-y", FOO)},
     SPREADING(FOO "," BAR, SOFT(1, "zone", FOO_SEL) "," SOFT(1, "zone", BAR_SEL)),
     {"node-a", "node-x"}, {85, 100}, SL_SUCCESS},
    {"two Constraints on zone and node, with different labelSelectors", "PodTopologySpread", NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-b", ZN("zone1") "," HN("node-b")),
      SNODE("node-x", ZN("zone2") "," HN("node-x")), SNODE("node-y", ZN("zone2") "," HN("node-y"))},
     {SPOD("node-a", FOO), SPOD("node-b", FOO "," BAR), SPOD("node-y", FOO), SPOD("node-y", BAR)},
     SPREADING(FOO "," BAR, SOFT(1, "zone", FOO_SEL) "," SOFT(1, HOSTNAME, BAR_SEL)), {},
     {60, 20, 100, 60}, SL_SUCCESS},
    {"two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
     "PodTopologySpread", NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-b", ZN("zone1") "," HN("node-b")),
      SNODE("node-x", ZN("zone2") "," HN("node-x")), SNODE("node-y", ZN("zone2") "," HN("node-y"))},
     {SPOD("node-b", BAR), SPOD("node-x", FOO), SPOD("node-y", FOO "," BAR)},
     SPREADING(FOO "," BAR, SOFT(1, "zone", FOO_SEL) "," SOFT(1, HOSTNAME, BAR_SEL)), {},
     {100, 60, 40, 0}, SL_SUCCESS},
    {"two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are "
     "candidates", "PodTopologySpread", NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-b", ZN("zone1") "," HN("node-b")),
      SNODE("node-x", ZN("zone2") "," HN("node-x")), SNODE("node-y", ZN("zone2") "," HN("node-y"))},
     {SPOD("node-a", FOO), SPOD("node-b", FOO "," BAR), SPOD("node-y", FOO), SPOD("node-y", BAR)},
     SPREADING(FOO "," BAR, SOFT(1, "zone", FOO_SEL) "," SOFT(1, HOSTNAME, BAR_SEL)),
     {"node-a", "node-b", "node-x"}, {50, 25, 100}, SL_SUCCESS},
    {"existing pods in a different namespace do not count", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b"))},
     {SPOD_NS("ns1", "node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-b", FOO)},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {}, {100, 33}, SL_SUCCESS},
    {"terminating Pods should be excluded", "PodTopologySpread", NULL,
     {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b"))},
     {"{'metadata':{'labels':{" FOO "},'deletionTimestamp':'2024-01-01T00:00:00Z'},"
      "'spec':{'nodeName':'node-a','containers':[]}}",
      SPOD("node-b", FOO)},
     SPREADING(FOO, SOFT(1, HOSTNAME, FOO_SEL)), {}, {100, 0}, SL_SUCCESS},
    /* "minDomains has no effect when ScheduleAnyway" is not ported: the decoder refuses that
     * pod as the API server does (upstream calls the row artificial). */
    {"NodeAffinityPolicy honored with labelSelectors", "PodTopologySpread", NULL,
     {SNODE("node-a", "'node':'node-a'," FOO), SNODE("node-b", "'node':'node-b'," FOO),
      SNODE("node-c", "'node':'node-c'")},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO)},
     SPREADING_SPEC(FOO, "'nodeSelector':{'foo':''}", SOFT(1, "node", FOO_SEL)), {},
     {0, 33, 100}, SL_SUCCESS},
    {"NodeAffinityPolicy ignored with labelSelectors", "PodTopologySpread", NULL,
     {SNODE("node-a", "'node':'node-a'," FOO), SNODE("node-b", "'node':'node-b'," FOO),
      SNODE("node-c", "'node':'node-c'")},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO)},
     SPREADING_SPEC(FOO, "'nodeSelector':{'foo':''}",
                    SOFT_X(1, "node", FOO_SEL, "'nodeAffinityPolicy':'Ignore'")),
     {}, {66, 100, 100}, SL_SUCCESS},
    {"NodeAffinityPolicy honored with nodeAffinity", "PodTopologySpread", NULL,
     {SNODE("node-a", "'node':'node-a'," FOO), SNODE("node-b", "'node':'node-b'," FOO),
      SNODE("node-c", "'node':'node-c'")},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO)},
     SPREADING_SPEC(FOO,
                    "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
                    "{'nodeSelectorTerms':[{'matchExpressions':[{'key':'foo','operator':'In','values':['']}]}]}}}",
                    SOFT(1, "node", FOO_SEL)),
     {}, {0, 33, 100}, SL_SUCCESS},
    {"NodeAffinityPolicy ignored with nodeAffinity", "PodTopologySpread", NULL,
     {SNODE("node-a", "'node':'node-a'," FOO), SNODE("node-b", "'node':'node-b'," FOO),
      SNODE("node-c", "'node':'node-c'")},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO)},
     SPREADING_SPEC(FOO,
                    "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
                    "{'nodeSelectorTerms':[{'matchExpressions':[{'key':'foo','operator':'In','values':['']}]}]}}}",
                    SOFT_X(1, "node", FOO_SEL, "'nodeAffinityPolicy':'Ignore'")),
     {}, {66, 100, 100}, SL_SUCCESS},
    {"NodeTaintsPolicy honored", "PodTopologySpread", NULL,
     {SNODE("node-a", "'node':'node-a'"), SNODE("node-b", "'node':'node-b'"),
      "{'metadata':{'name':'node-c','labels':{'node':'node-c'}}," UNSCHED_TAINT "}"},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO)},
     SPREADING(FOO, SOFT_X(1, "node", FOO_SEL, "'nodeTaintsPolicy':'Honor'")), {}, {0, 33, 100},
     SL_SUCCESS},
    {"NodeTaintsPolicy ignored", "PodTopologySpread", NULL,
     {SNODE("node-a", "'node':'node-a'"), SNODE("node-b", "'node':'node-b'"),
      "{'metadata':{'name':'node-c','labels':{'node':'node-c'}}," UNSCHED_TAINT "}"},
     {SPOD("node-a", FOO), SPOD("node-a", FOO), SPOD("node-b", FOO), SPOD("node-c", FOO)},
     SPREADING(FOO, SOFT(1, "node", FOO_SEL)), {}, {66, 100, 100}, SL_SUCCESS},
    {"matchLabelKeys ANDed with LabelSelector when LabelSelector is empty", "PodTopologySpread",
     NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-b", ZN("zone1") "," HN("node-b")),
      SNODE("node-c", ZN("zone2") "," HN("node-c")), SNODE("node-d", ZN("zone2") "," HN("node-d"))},
     {SPOD("node-a", FOO), SPOD("node-b", FOO "," BAR), SPOD("node-c", FOO), SPOD("node-c", BAR)},
     SPREADING(FOO "," BAR, SOFT_X(1, "zone", "{}", "'matchLabelKeys':['foo']") ","
                            SOFT_X(1, HOSTNAME, "{}", "'matchLabelKeys':['bar']")),
     {}, {60, 20, 60, 100}, SL_SUCCESS},
    {"matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty", "PodTopologySpread",
     NULL,
     {SNODE("node-a", ZN("zone1") "," HN("node-a")), SNODE("node-b", ZN("zone1") "," HN("node-b")),
      SNODE("node-c", ZN("zone2") "," HN("node-c")), SNODE("node-d", ZN("zone2") "," HN("node-d"))},
     {SPOD("node-a", FOO), SPOD("node-b", FOO "," BAR ",'baz':''"), SPOD("node-c", FOO),
      SPOD("node-c", BAR), SPOD("node-c", BAR ",'baz':''")},
     SPREADING(FOO "," BAR ",'baz':''", SOFT(1, "zone", FOO_SEL) ","
                                        SOFT_X(1, HOSTNAME, BAR_SEL, "'matchLabelKeys':['baz']")),
     {}, {60, 20, 60, 100}, SL_SUCCESS},
    /* TestPreScoreSkip */
    {"the pod doesn't have soft topology spread Constraints", "PodTopologySpread",
     "{'defaultingType':'List'}", {SNODE("node-a", HN("node-a")), SNODE("node-b", HN("node-b"))}, {},
     POD_EMPTY, {}, {0, 0}, SL_SKIP},
    {"default constraints and a replicaset that doesn't match (orphan pod: no selector)",
     "PodTopologySpread",
     "{'defaultingType':'List','defaultConstraints':[{'maxSkew':2,'topologyKey':'planet',"
     "'whenUnsatisfiable':'ScheduleAnyway'}]}",
     {SNODE("node-a", "'planet':'mars'")}, {},
     "{'metadata':{'labels':{'foo':'bar','baz':'sup'}},'spec':{'containers':[]}}", {}, {0}, SL_SKIP},
};

TEST(pod_topology_spread_scores) { RUN_SCORE_TABLE(spread_scores); }

/* ---------------------------------------------------------------- */
/* InterPodAffinity (interpodaffinity/scoring_test.go). The fixture  */
/* registers upstream's Namespace objects (subteam{1,2}.team{1,2},   */
/* labels team=team1/team2), see fc_setup.                           */
/* ---------------------------------------------------------------- */

#define RG_CHINA "'region':'China'"
#define RG_INDIA "'region':'India'"
#define AZ1 "'az':'az1'"
#define AZ2 "'az':'az2'"
#define S1 "'security':'S1'"
#define S2 "'security':'S2'"
#define SEL_IN(key, values) "{'matchExpressions':[{'key':'" key "','operator':'In','values':[" values "]}]}"
#define WTERM(w, sel, key) "{'weight':" #w ",'podAffinityTerm':{'labelSelector':" sel ",'topologyKey':'" key "'}}"
#define STAY_S1_REGION "'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" WTERM(5, SEL_IN("security", "'S1'"), "region") "]}"
#define STAY_S2_REGION "'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" WTERM(6, SEL_IN("security", "'S2'"), "region") "]}"
#define AFFINITY3                                                                                         \
    "'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':["                                  \
    WTERM(8, "{'matchExpressions':[{'key':'security','operator':'NotIn','values':['S1']},"               \
             "{'key':'security','operator':'In','values':['S2']}]}", "region") ","                       \
    WTERM(2, "{'matchExpressions':[{'key':'security','operator':'Exists'},"                              \
             "{'key':'wrongkey','operator':'DoesNotExist'}]}", "region") "]}"
#define HARD_AFFINITY                                                                                     \
    "'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':["                                   \
    "{'labelSelector':" SEL_IN("security", "'S1','value2'") ",'topologyKey':'region'},"                  \
    "{'labelSelector':{'matchExpressions':[{'key':'security','operator':'Exists'},"                      \
    "{'key':'wrongkey','operator':'DoesNotExist'}]},'topologyKey':'region'}]}"
#define AWAY_S1_AZ "'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" WTERM(5, SEL_IN("security", "'S1'"), "az") "]}"
#define AWAY_S2_AZ "'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" WTERM(5, SEL_IN("security", "'S2'"), "az") "]}"
#define STAY_S1_REGION_AWAY_S2_AZ                                                                         \
    "'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[" WTERM(8, SEL_IN("security", "'S1'"), "region") "]}," \
    AWAY_S2_AZ
#define APOD(labels, affinity) \
    "{'metadata':{'labels':{" labels "}},'spec':{'affinity':{" affinity "},'containers':[]}}"
#define APOD_ON(node, labels, affinity) \
    "{'metadata':{'labels':{" labels "}},'spec':{'nodeName':'" node "','affinity':{" affinity "},'containers':[]}}"
#define LPOD(labels) "{'metadata':{'labels':{" labels "}},'spec':{'containers':[]}}"
#define LPOD_ON(node, labels) "{'metadata':{'labels':{" labels "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define HARD_SERVICE_S1(ns)                                                                               \
    "'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':"                  \
    SEL_IN("service", "'S1'") ",'namespaces':['" ns "','subteam2.team2'],"                                \
    "'namespaceSelector':" SEL_IN("team", "'team1'") ",'topologyKey':'region'}]}"
#define NS_POD_ON(ns, node) \
    "{'metadata':{'namespace':'" ns "','labels':{" S1 "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define NS_APOD(ns, kind)                                                                                  \
    "{'metadata':{'namespace':'" ns "','labels':{" S1 "}},'spec':{'affinity':{" kind ":{"                   \
    "'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':5,'podAffinityTerm':{'labelSelector':"   \
    SEL_IN("security", "'S1'") ",'topologyKey':'region','namespaces':['subteam2.team2'],"                  \
    "'namespaceSelector':" SEL_IN("team", "'team1'") "}}]}},'containers':[]}}"
#define IPA_ARGS(w, ignore) "{'hardPodAffinityWeight':" #w ",'ignorePreferredTermsOfExistingPods':" #ignore "}"

static const score_case inter_pod_scores[] = {
    {"all nodes are same priority as Affinity is nil", "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)}, {}, LPOD(S1), {},
     {0, 0, 0}, SL_SKIP},
    {"Affinity: pod that matches topology key & pods in nodes will get high score",
     "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {LPOD_ON("node1", S1), LPOD_ON("node2", S2), LPOD_ON("node3", S1)},
     APOD(S1, STAY_S1_REGION), {}, {100, 0, 0}, SL_SUCCESS},
    {"All the nodes that have the same topology key & label value with one of them has an "
     "existing pod that match the affinity rules, have the same score", "InterPodAffinity",
     IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_CHINA "," AZ1), LNODE("node3", RG_INDIA)},
     {LPOD_ON("node1", S1)}, APOD("", STAY_S1_REGION), {}, {100, 100, 0}, SL_SUCCESS},
    {"Affinity: nodes in one region has more matching pods comparing to other region",
     "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", RG_CHINA),
      LNODE("node4", RG_CHINA), LNODE("node5", RG_INDIA)},
     {LPOD_ON("node1", S2), LPOD_ON("node1", S2), LPOD_ON("node2", S2), LPOD_ON("node3", S2),
      LPOD_ON("node4", S2), LPOD_ON("node5", S2)},
     APOD(S1, STAY_S2_REGION), {}, {100, 0, 100, 100, 0}, SL_SUCCESS},
    {"Affinity: different Label operators and values for pod affinity scheduling preference",
     "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {LPOD_ON("node1", S1), LPOD_ON("node2", S2), LPOD_ON("node3", S1)}, APOD(S1, AFFINITY3), {},
     {20, 100, 0}, SL_SUCCESS},
    {"Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution",
     "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", S1, STAY_S1_REGION), APOD_ON("node2", S2, STAY_S2_REGION)}, LPOD(S2), {},
     {0, 100, 0}, SL_SUCCESS},
    {"Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution",
     "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", S1, HARD_AFFINITY), APOD_ON("node2", S2, HARD_AFFINITY)}, LPOD(S1), {},
     {100, 100, 0}, SL_SUCCESS},
    {"Anti Affinity: pod that does not match existing pods in node will get high score",
     "InterPodAffinity", IPA_ARGS(1, false), {LNODE("node1", AZ1), LNODE("node2", RG_CHINA)},
     {LPOD_ON("node1", S1), LPOD_ON("node2", S2)}, APOD(S1, AWAY_S1_AZ), {}, {0, 100}, SL_SUCCESS},
    {"Anti Affinity: pod that does not match topology key & match the pods in nodes will get "
     "higher score", "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", AZ1), LNODE("node2", RG_CHINA)}, {LPOD_ON("node1", S1), LPOD_ON("node2", S1)},
     APOD(S1, AWAY_S1_AZ), {}, {0, 100}, SL_SUCCESS},
    {"Anti Affinity: one node has more matching pods comparing to other node",
     "InterPodAffinity", IPA_ARGS(1, false), {LNODE("node1", AZ1), LNODE("node2", RG_INDIA)},
     {LPOD_ON("node1", S1), LPOD_ON("node1", S1), LPOD_ON("node2", S2)}, APOD(S1, AWAY_S1_AZ), {},
     {0, 100}, SL_SUCCESS},
    {"Anti Affinity symmetry: the existing pods in node which has anti affinity match will get "
     "high score", "InterPodAffinity", IPA_ARGS(1, false), {LNODE("node1", AZ1), LNODE("node2", AZ2)},
     {APOD_ON("node1", S1, AWAY_S2_AZ), APOD_ON("node2", S2, AWAY_S1_AZ)}, LPOD(S2), {}, {0, 100},
     SL_SUCCESS},
    {"Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution",
     "InterPodAffinity", IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", AZ1)},
     {LPOD_ON("node1", S1), LPOD_ON("node2", S1)}, APOD(S1, STAY_S1_REGION_AWAY_S2_AZ), {},
     {100, 0}, SL_SUCCESS},
    {"Affinity and Anti Affinity: the pod to schedule and existing pods have the same labels",
     "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA "," AZ1), LNODE("node2", RG_INDIA), LNODE("node3", RG_CHINA),
      LNODE("node4", RG_CHINA), LNODE("node5", RG_INDIA)},
     {LPOD_ON("node1", S1), LPOD_ON("node1", S1), LPOD_ON("node2", S1), LPOD_ON("node3", S1),
      LPOD_ON("node3", S1), LPOD_ON("node4", S1), LPOD_ON("node5", S1)},
     APOD(S1, STAY_S1_REGION_AWAY_S2_AZ), {}, {100, 0, 100, 100, 0}, SL_SUCCESS},
    {"Affinity and Anti Affinity and symmetry", "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", AZ1), LNODE("node3", RG_INDIA), LNODE("node4", AZ2)},
     {LPOD_ON("node1", S1), LPOD_ON("node2", S2), APOD_ON("node3", "", STAY_S1_REGION_AWAY_S2_AZ),
      APOD_ON("node4", "", AWAY_S1_AZ)},
     APOD(S1, STAY_S1_REGION_AWAY_S2_AZ), {}, {100, 0, 100, 0}, SL_SUCCESS},
    {"Avoid panic when partial nodes in a topology don't have pods with affinity",
     "InterPodAffinity", IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_CHINA)},
     {LPOD_ON("node1", S1), APOD_ON("node2", "", STAY_S1_REGION_AWAY_S2_AZ)}, LPOD(S1), {},
     {0, 0}, SL_SUCCESS},
    {"Ignore preferred terms of existing pods", "InterPodAffinity", IPA_ARGS(1, true),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA)},
     {APOD_ON("node1", S1, STAY_S1_REGION_AWAY_S2_AZ), APOD_ON("node2", S2, STAY_S2_REGION)},
     LPOD(S2), {}, {0, 0}, SL_SKIP},
    {"Do not ignore preferred terms of existing pods", "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA)},
     {APOD_ON("node1", S1, STAY_S1_REGION_AWAY_S2_AZ), APOD_ON("node2", S2, STAY_S2_REGION)},
     LPOD(S2), {}, {0, 100}, SL_SUCCESS},
    /* TestPreferredAffinityWithHardPodAffinitySymmetricWeight (Go's "" namespace of the
     * test pods is "default" here). */
    {"hard pod affinity symmetric weight: with default weight", "InterPodAffinity",
     IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", "", HARD_SERVICE_S1("default")), APOD_ON("node2", "", HARD_SERVICE_S1("default"))},
     LPOD("'service':'S1'"), {}, {100, 100, 0}, SL_SUCCESS},
    {"hard pod affinity symmetric weight: with zero weight", "InterPodAffinity", IPA_ARGS(0, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", "", HARD_SERVICE_S1("default")), APOD_ON("node2", "", HARD_SERVICE_S1("default"))},
     LPOD("'service':'S1'"), {}, {0, 0, 0}, SL_SKIP},
    {"hard pod affinity symmetric weight: with no matching namespace", "InterPodAffinity",
     IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", "", HARD_SERVICE_S1("default")), APOD_ON("node2", "", HARD_SERVICE_S1("default"))},
     "{'metadata':{'namespace':'subteam1.team2','labels':{'service':'S1'}},'spec':{'containers':[]}}",
     {}, {0, 0, 0}, SL_SKIP},
    {"hard pod affinity symmetric weight: with matching NamespaceSelector", "InterPodAffinity",
     IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", "", HARD_SERVICE_S1("default")), APOD_ON("node2", "", HARD_SERVICE_S1("default"))},
     "{'metadata':{'namespace':'subteam1.team1','labels':{'service':'S1'}},'spec':{'containers':[]}}",
     {}, {100, 100, 0}, SL_SUCCESS},
    /* TestPreferredAffinity's namespaceSelector rows: the term selects
     * security=S1 pods in subteam2.team2 plus namespaces labelled team1. */
    {"Affinity with pods matching NamespaceSelector", "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA)},
     {NS_POD_ON("subteam1.team1", "node1"), NS_POD_ON("subteam1.team1", "node1"),
      NS_POD_ON("subteam1.team2", "node1"), NS_POD_ON("subteam2.team1", "node2")},
     NS_APOD("subteam1.team1", "'podAffinity'"), {}, {100, 0}, SL_SUCCESS},
    {"Affinity with pods matching both NamespaceSelector and Namespaces fields", "InterPodAffinity",
     IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA)},
     {NS_POD_ON("subteam1.team1", "node1"), NS_POD_ON("subteam1.team1", "node1"),
      NS_POD_ON("subteam2.team2", "node1"), NS_POD_ON("subteam2.team1", "node2")},
     NS_APOD("subteam1.team1", "'podAffinity'"), {}, {100, 0}, SL_SUCCESS},
    {"Anti-affinity with pods matching NamespaceSelector", "InterPodAffinity", IPA_ARGS(1, false),
     {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA)},
     {NS_POD_ON("subteam1.team1", "node1"), NS_POD_ON("subteam1.team1", "node1"),
      NS_POD_ON("subteam1.team2", "node1"), NS_POD_ON("subteam2.team1", "node2")},
     NS_APOD("subteam1.team1", "'podAntiAffinity'"), {}, {0, 100}, SL_SUCCESS},
    {"Anti-affinity with pods matching both NamespaceSelector and Namespaces fields",
     "InterPodAffinity", IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA)},
     {NS_POD_ON("subteam1.team1", "node1"), NS_POD_ON("subteam1.team1", "node1"),
      NS_POD_ON("subteam2.team2", "node1"), NS_POD_ON("subteam2.team1", "node2")},
     NS_APOD("subteam1.team1", "'podAntiAffinity'"), {}, {0, 100}, SL_SUCCESS},
    {"hard pod affinity symmetric weight: with matching Namespaces", "InterPodAffinity",
     IPA_ARGS(1, false), {LNODE("node1", RG_CHINA), LNODE("node2", RG_INDIA), LNODE("node3", AZ1)},
     {APOD_ON("node1", "", HARD_SERVICE_S1("default")), APOD_ON("node2", "", HARD_SERVICE_S1("default"))},
     "{'metadata':{'namespace':'subteam2.team2','labels':{'service':'S1'}},'spec':{'containers':[]}}",
     {}, {100, 100, 0}, SL_SUCCESS},
};

TEST(inter_pod_affinity_scores) { RUN_SCORE_TABLE(inter_pod_scores); }

TEST(balanced_allocation) { RUN_SCORE_TABLE(balanced); }
TEST(image_locality_scores) { RUN_SCORE_TABLE(image_locality); }
TEST(taint_toleration_scores) { RUN_SCORE_TABLE(taint_scores); }
TEST(node_affinity_scores_table) { RUN_SCORE_TABLE(node_affinity_scores); }

int main(void) {
    RUN(fit_least_allocated);
    RUN(fit_most_allocated);
    RUN(fit_requested_to_capacity_ratio);
    RUN(fit_broken_linear_function);
    RUN(fit_weight_validation);
    RUN(balanced_allocation);
    RUN(image_locality_scores);
    RUN(taint_toleration_scores);
    RUN(node_affinity_scores_table);
    RUN(pod_topology_spread_scores);
    RUN(inter_pod_affinity_scores);
    printf("fidelity_scores: %d upstream cases\n", fc_cases_run);
    return test_summary("fidelity_scores");
}
