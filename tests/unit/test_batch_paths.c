/*
 * test_batch_paths.c — a randomized differential test of the hand-batched
 * plugin paths against the per-node functions they must agree with
 * (framework.h: filter_nodes / score_nodes "out[i] = filter(nodes[i])").
 *
 * Each round builds a random cluster (allocatable cpu/memory/pods/
 * ephemeral-storage/an extended resource, some of them 0; taints; images;
 * unschedulable nodes; existing pods with random requests) and random
 * incoming pods (best-effort or not, tolerations, images, nodeName), then
 * for every plugin that has a batch form — NodeResourcesFit (LeastAllocated,
 * MostAllocated, RequestedToCapacityRatio, an extended resource in the
 * scored list), NodeResourcesBalancedAllocation (default and with an
 * extended resource), TaintToleration, ImageLocality, NodeName,
 * NodeUnschedulable — compares:
 *   - filter_nodes over all nodes and over a random slice with filter on
 *     each node: same codes and messages;
 *   - score_nodes with score on each node (after PreScore): same statuses
 *     and scores;
 * and, for the whole default profile, the framework's plugin-by-plugin
 * sl_framework_run_filter_plugins_on with sl_framework_run_filter_plugins
 * node by node. SCHEDLAB_TEST_SEED=N picks another seed; a failure prints
 * the seed and round so it can be replayed.
 */
#include "plugin_fixture.h"
#include "plugins/registry.h"
#include "scheduler/config.h"
#include "test.h"

#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name;
#include "plugins/plugin_list.h"
#undef PLUGIN
__attribute__((used)) static const sl_plugin_registration *const linked_plugins[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

#define ROUNDS 300
#define MAX_NODES 40
#define MAX_PODS 40
#define INCOMING 3

static rng R;
static uint64_t seed;
static int round_no;
static uint64_t compared_filters, compared_scores;

static uint64_t pick(uint64_t n) { return rng_below(&R, n); }
static const char *one_of(const char *const *items, size_t n) { return items[pick(n)]; }
#define ONE_OF(arr) one_of(arr, ARRAY_LEN(arr))

static const char *const cpus[] = {"0", "500m", "1", "2", "4", "16", "3500m"};
static const char *const memories[] = {"0", "1Gi", "4Gi", "32Gi", "3000Mi"};
static const char *const pod_counts[] = {"0", "1", "3", "110"};
static const char *const req_cpus[] = {"50m", "100m", "500m", "1", "3", "0"};
static const char *const req_memories[] = {"64Mi", "128Mi", "1Gi", "8Gi", "0"};
static const char *const taint_keys[] = {"a", "b", "c"};
static const char *const taint_values[] = {"x", "y", ""};
static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute"};
static const char *const images[] = {"nginx:1.25", "redis", "busybox:latest", "example.com/app:v2",
                                     "gcr.io/big:v1", "nginx"};

/* ',' between items of a JSON list being built. */
static void sep(strbuf *sb, bool *first) {
    if (!*first) strbuf_putc(sb, ',');
    *first = false;
}

static void add_random_node(fixture *f, int i) {
    strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "{'metadata':{'name':'n%d'},'spec':{", i);
    bool first = true;
    if (pick(10) == 0) {
        sep(&sb, &first);
        strbuf_puts(&sb, "'unschedulable':true");
    }
    uint64_t ntaints = pick(4);
    if (ntaints) {
        sep(&sb, &first);
        strbuf_puts(&sb, "'taints':[");
        for (uint64_t t = 0; t < ntaints; t++)
            strbuf_printf(&sb, "%s{'key':'%s','value':'%s','effect':'%s'}", t ? "," : "",
                          ONE_OF(taint_keys), ONE_OF(taint_values), ONE_OF(effects));
        strbuf_puts(&sb, "]");
    }
    strbuf_printf(&sb, "},'status':{'allocatable':{'cpu':'%s','memory':'%s','pods':'%s'",
                  ONE_OF(cpus), ONE_OF(memories), ONE_OF(pod_counts));
    if (pick(3) == 0) strbuf_printf(&sb, ",'ephemeral-storage':'%dGi'", (int)pick(50));
    if (pick(3) == 0) strbuf_printf(&sb, ",'example.com/gpu':'%d'", (int)pick(5));
    strbuf_puts(&sb, "}");
    uint64_t nimages = pick(4);
    if (nimages) {
        strbuf_puts(&sb, ",'images':[");
        for (uint64_t k = 0; k < nimages; k++)
            strbuf_printf(&sb, "%s{'names':['%s'],'sizeBytes':%lld}", k ? "," : "", ONE_OF(images),
                          (long long)(pick(4000) + 1) * 1024 * 1024);
        strbuf_puts(&sb, "]");
    }
    strbuf_puts(&sb, "}}");
    fixture_node(f, strbuf_cstr(&sb));
    strbuf_free(&sb);
}

/* Containers with random requests (some none at all) and images; an
 * incoming pod also gets tolerations. */
static void random_pod_json(strbuf *sb, const char *name, const char *node, bool incoming) {
    strbuf_printf(sb, "{'metadata':{'name':'%s','uid':'uid-%s'},'spec':{", name, name);
    if (node) strbuf_printf(sb, "'nodeName':'%s',", node);
    strbuf_puts(sb, "'containers':[");
    uint64_t ncontainers = 1 + pick(2);
    for (uint64_t k = 0; k < ncontainers; k++) {
        strbuf_printf(sb, "%s{'name':'c%d','image':'%s'", k ? "," : "", (int)k, ONE_OF(images));
        if (pick(4) != 0) {
            strbuf_puts(sb, ",'resources':{'requests':{");
            bool first = true;
            if (pick(4) != 0) {
                sep(sb, &first);
                strbuf_printf(sb, "'cpu':'%s'", ONE_OF(req_cpus));
            }
            if (pick(4) != 0) {
                sep(sb, &first);
                strbuf_printf(sb, "'memory':'%s'", ONE_OF(req_memories));
            }
            if (pick(5) == 0) {
                sep(sb, &first);
                strbuf_printf(sb, "'example.com/gpu':'%d'", (int)pick(3));
            }
            if (pick(5) == 0) {
                sep(sb, &first);
                strbuf_printf(sb, "'ephemeral-storage':'%dGi'", (int)pick(20));
            }
            strbuf_puts(sb, "}}");
        }
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "]");
    if (incoming) {
        uint64_t ntol = pick(4);
        if (ntol) {
            strbuf_puts(sb, ",'tolerations':[");
            for (uint64_t t = 0; t < ntol; t++) {
                const char *comma = t ? "," : "";
                switch (pick(4)) {
                case 0:
                    strbuf_printf(sb, "%s{'operator':'Exists'}", comma);
                    break;
                case 1:
                    strbuf_printf(sb, "%s{'key':'%s','operator':'Exists','effect':'%s'}", comma,
                                  ONE_OF(taint_keys), ONE_OF(effects));
                    break;
                default: {
                    strbuf_printf(sb, "%s{'key':'%s','value':'%s'", comma, ONE_OF(taint_keys),
                                  ONE_OF(taint_values));
                    if (pick(2)) strbuf_printf(sb, ",'effect':'%s'", ONE_OF(effects));
                    strbuf_puts(sb, "}");
                }
                    break;
                }
            }
            strbuf_puts(sb, "]");
        }
    }
    strbuf_puts(sb, "}}");
}

/* ---- comparisons ---- */

static bool same_status(sl_status a, sl_status b) {
    if (a.code != b.code) return false;
    const char *ma = a.message ? a.message : "", *mb = b.message ? b.message : "";
    return strcmp(ma, mb) == 0;
}

static void compare_filter(fixture *f, sl_plugin *p, const sl_pod_info *pod) {
    if (!p->ops->filter_nodes) return;
    sl_node_info *const *nodes = sl_snapshot_nodes(f->snapshot);
    uint32_t n = sl_snapshot_num_nodes(f->snapshot);
    if (p->ops->pre_filter) {
        sl_prefilter_result pr;
        memset(&pr, 0, sizeof pr);
        pr.all = true;
        if (p->ops->pre_filter(p, f->cycle, pod, &pr).code != SL_SUCCESS) return;
    }
    sl_status per[MAX_NODES], batch[MAX_NODES];
    for (uint32_t i = 0; i < n; i++) per[i] = p->ops->filter(p, f->cycle, pod, nodes[i]);
    p->ops->filter_nodes(p, f->cycle, pod, nodes, n, batch);
    for (uint32_t i = 0; i < n; i++) {
        compared_filters++;
        if (!same_status(per[i], batch[i]))
            TEST_FAIL_AT("seed %llu round %d: %s filter on %s: per node %d \"%s\", batch %d \"%s\"",
                         (unsigned long long)seed, round_no, p->name, nodes[i]->node->name,
                         per[i].code, per[i].message ? per[i].message : "", batch[i].code,
                         batch[i].message ? batch[i].message : "");
    }
    /* a slice, as the parallel scan hands the plugin chunks */
    if (n > 1) {
        uint32_t from = (uint32_t)pick(n), len = 1 + (uint32_t)pick(n - from);
        p->ops->filter_nodes(p, f->cycle, pod, nodes + from, len, batch);
        for (uint32_t i = 0; i < len; i++)
            if (!same_status(per[from + i], batch[i]))
                TEST_FAIL_AT("seed %llu round %d: %s filter slice on %s differs",
                             (unsigned long long)seed, round_no, p->name,
                             nodes[from + i]->node->name);
    }
}

static void compare_score(fixture *f, sl_plugin *p, const sl_pod_info *pod) {
    if (!p->ops->score_nodes) return;
    sl_node_info *const *nodes = sl_snapshot_nodes(f->snapshot);
    uint32_t n = sl_snapshot_num_nodes(f->snapshot);
    if (p->ops->pre_score && p->ops->pre_score(p, f->cycle, pod, nodes, n).code != SL_SUCCESS)
        return; /* Skip (e.g. a best-effort pod for BalancedAllocation) */
    int64_t per[MAX_NODES];
    sl_status per_status[MAX_NODES];
    for (uint32_t i = 0; i < n; i++) {
        per[i] = -1;
        per_status[i] = p->ops->score(p, f->cycle, pod, nodes[i], &per[i]);
    }
    sl_node_score batch[MAX_NODES];
    for (uint32_t i = 0; i < n; i++) {
        batch[i].node_index = nodes[i]->index;
        batch[i].score = -2;
    }
    uint32_t failed_at = UINT32_MAX;
    sl_status st = p->ops->score_nodes(p, f->cycle, pod, nodes, n, batch, &failed_at);
    uint32_t first_failure = n;
    for (uint32_t i = 0; i < n && first_failure == n; i++)
        if (per_status[i].code != SL_SUCCESS) first_failure = i;
    if (first_failure < n) {
        if (!same_status(st, per_status[first_failure]) || failed_at != first_failure)
            TEST_FAIL_AT("seed %llu round %d: %s score_nodes failure differs",
                         (unsigned long long)seed, round_no, p->name);
        return;
    }
    if (st.code != SL_SUCCESS)
        TEST_FAIL_AT("seed %llu round %d: %s score_nodes failed: %s", (unsigned long long)seed,
                     round_no, p->name, st.message ? st.message : "");
    for (uint32_t i = 0; i < n; i++) {
        compared_scores++;
        if (per[i] != batch[i].score)
            TEST_FAIL_AT("seed %llu round %d: %s score on %s: per node %lld, batch %lld",
                         (unsigned long long)seed, round_no, p->name, nodes[i]->node->name,
                         (long long)per[i], (long long)batch[i].score);
    }
}

/* The whole default profile: plugin-by-plugin over the nodes vs node by node. */
static void compare_framework_filter(fixture *f, sl_framework *fw, const sl_pod_info *pod) {
    sl_prefilter_outcome pre;
    memset(&pre, 0, sizeof pre);
    if (sl_framework_run_pre_filter(fw, f->cycle, pod, &pre).code != SL_SUCCESS) return;
    sl_node_info *const *nodes = sl_snapshot_nodes(f->snapshot);
    uint32_t n = sl_snapshot_num_nodes(f->snapshot);
    sl_status batch[MAX_NODES];
    sl_framework_run_filter_plugins_on(fw, f->cycle, pod, nodes, n, batch);
    for (uint32_t i = 0; i < n; i++) {
        sl_status one = sl_framework_run_filter_plugins(fw, f->cycle, pod, nodes[i]);
        compared_filters++;
        if (!same_status(one, batch[i]) ||
            (one.plugin && batch[i].plugin && strcmp(one.plugin, batch[i].plugin) != 0))
            TEST_FAIL_AT("seed %llu round %d: framework filter on %s: per node %d \"%s\" (%s), "
                         "batch %d \"%s\" (%s)",
                         (unsigned long long)seed, round_no, nodes[i]->node->name, one.code,
                         one.message ? one.message : "", one.plugin ? one.plugin : "-",
                         batch[i].code, batch[i].message ? batch[i].message : "",
                         batch[i].plugin ? batch[i].plugin : "-");
    }
}

static const struct {
    const char *plugin, *args;
} configs[] = {
    {"NodeResourcesFit", NULL},
    {"NodeResourcesFit", "{'scoringStrategy':{'type':'MostAllocated'}}"},
    {"NodeResourcesFit", "{'scoringStrategy':{'type':'LeastAllocated','resources':[{'name':'cpu',"
                         "'weight':3},{'name':'memory','weight':1},{'name':'example.com/gpu',"
                         "'weight':2},{'name':'ephemeral-storage','weight':1}]}}"},
    {"NodeResourcesFit", "{'scoringStrategy':{'type':'RequestedToCapacityRatio',"
                         "'requestedToCapacityRatio':{'shape':[{'utilization':0,'score':0},"
                         "{'utilization':100,'score':10}]}}}"},
    {"NodeResourcesFit", "{'ignoredResources':['example.com/gpu']}"},
    {"NodeResourcesBalancedAllocation", NULL},
    {"NodeResourcesBalancedAllocation", "{'resources':[{'name':'cpu','weight':1},{'name':'memory',"
                                        "'weight':1},{'name':'example.com/gpu','weight':1}]}"},
    {"TaintToleration", NULL},
    {"ImageLocality", NULL},
    {"NodeName", NULL},
    {"NodeUnschedulable", NULL},
};

static void one_round(sl_framework *fw) {
    fixture f;
    fixture_init(&f);
    int nnodes = 1 + (int)pick(MAX_NODES);
    for (int i = 0; i < nnodes; i++) add_random_node(&f, i);
    int npods = (int)pick(MAX_PODS);
    char name[32], node[32];
    for (int i = 0; i < npods; i++) {
        strbuf sb;
        strbuf_init(&sb);
        snprintf(name, sizeof name, "p%d", i);
        snprintf(node, sizeof node, "n%d", (int)pick((uint64_t)nnodes));
        random_pod_json(&sb, name, node, false);
        fixture_pod(&f, strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    sl_pod_info *incoming[INCOMING];
    for (int i = 0; i < INCOMING; i++) {
        strbuf sb;
        strbuf_init(&sb);
        snprintf(name, sizeof name, "in%d", i);
        const char *target = NULL;
        if (pick(5) == 0) {
            snprintf(node, sizeof node, "n%d", (int)pick((uint64_t)nnodes + 1));
            target = node;
        }
        random_pod_json(&sb, name, target, true);
        incoming[i] = fixture_incoming(&f, strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    fixture_begin(&f);
    sl_plugin *plugins[ARRAY_LEN(configs)];
    for (size_t k = 0; k < ARRAY_LEN(configs); k++)
        plugins[k] = fixture_plugin(&f, configs[k].plugin, configs[k].args);
    for (int i = 0; i < INCOMING; i++) {
        for (size_t k = 0; k < ARRAY_LEN(configs); k++) {
            compare_filter(&f, plugins[k], incoming[i]);
            compare_score(&f, plugins[k], incoming[i]);
        }
        compare_framework_filter(&f, fw, incoming[i]);
    }
    fixture_free(&f);
}

TEST(batch_paths_match_per_node_functions) {
    sl_registry *registry = sl_registry_new_default();
    sl_config cfg;
    sl_config_default(registry, &cfg);
    sl_framework_options o;
    memset(&o, 0, sizeof o);
    o.registry = registry;
    o.profile = &cfg.profiles[0];
    o.parallelism = 1;
    char err[512];
    sl_framework *fw = sl_framework_new(&o, err, sizeof err);
    if (!fw) {
        TEST_FAIL_AT("framework: %s", err);
        sl_config_free(&cfg);
        sl_registry_free(registry);
        return;
    }
    const char *env = getenv("SCHEDLAB_TEST_SEED");
    seed = env ? strtoull(env, NULL, 10) : 20261206;
    rng_seed(&R, seed);
    int failed_before = test_current_failed;
    for (round_no = 0; round_no < ROUNDS && test_current_failed == failed_before; round_no++)
        one_round(fw);
    /* the comparisons really happened, in bulk */
    CHECK(compared_filters > 50000);
    CHECK(compared_scores > 20000);
    printf("batch paths: %llu filter and %llu score results compared (seed %llu)\n",
           (unsigned long long)compared_filters, (unsigned long long)compared_scores,
           (unsigned long long)seed);
    sl_framework_free(fw);
    sl_config_free(&cfg);
    sl_registry_free(registry);
}

int main(void) {
    RUN(batch_paths_match_per_node_functions);
    return test_summary("batch_paths");
}
