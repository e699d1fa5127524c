/*
 * test_config.c — KubeSchedulerConfiguration loading (src/scheduler/config.c):
 * defaults, mergePluginSet, multiPoint expansion (cases mirror upstream's
 * framework_test.go TestNewFrameworkMultiPointExpansion and
 * default_plugins_test.go TestMergePlugins), score weights, top-level and
 * profile validation, plugin args defaults and validation, extenders, and
 * the exact wording of errors (file + field path).
 *
 * Most cases resolve plugin names through a registry of fakes so the expansion
 * algorithm is tested on its own: the upstream test plugins (testPlugin
 * implements every point but PreEnqueue, scorePlugin1/2 PreScore+Score,
 * scoreWithNormalizePlugin1 Score, queueSortPlugin, bindPlugin) and fakes of
 * the default plugins with exactly upstream's interfaces. A few cases use the
 * in-tree registry to check that the real plugins expand to upstream's
 * default expansion.
 */
#include <stdarg.h>
#include <unistd.h>

#include "scheduler/config.h"
#include "scheduler/framework.h"
#include "plugins/registry.h"
#include "scheduler/validation.h"
#include "test.h"

/* ------------------------------------------------------------------ */
/* Fake plugins                                                         */
/* ------------------------------------------------------------------ */

static sl_status fake_pre_enqueue(sl_plugin *p, const sl_pod_info *pod) { return SL_STATUS_SUCCESS; }
static bool fake_less(sl_plugin *p, const sl_queued_pod *a, const sl_queued_pod *b) { return false; }
static sl_status fake_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, sl_prefilter_result *r) {
    return SL_STATUS_SUCCESS;
}
static sl_status fake_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const sl_node_info *n) {
    return SL_STATUS_SUCCESS;
}
static sl_status fake_post_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                  const sl_node_status_map *m, sl_post_filter_result *r) {
    return SL_STATUS_SUCCESS;
}
static sl_status fake_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                sl_node_info *const *nodes, uint32_t n) {
    return SL_STATUS_SUCCESS;
}
static sl_status fake_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const sl_node_info *n,
                            int64_t *score) {
    return SL_STATUS_SUCCESS;
}
static sl_status fake_reserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {
    return SL_STATUS_SUCCESS;
}
static sl_status fake_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node,
                             int64_t *timeout) {
    return SL_STATUS_SUCCESS;
}
static void fake_post_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node) {}

/* Interface bits. */
enum {
    PE = 1 << 0, QS = 1 << 1, PF = 1 << 2, F = 1 << 3, POF = 1 << 4, PS = 1 << 5,
    S = 1 << 6, R = 1 << 7, PM = 1 << 8, PB = 1 << 9, B = 1 << 10, POB = 1 << 11,
};

static const struct {
    const char *name;
    int points;
} fake_table[] = {
    /* upstream's framework test plugins */
    {"testPlugin", QS | PF | F | POF | PS | S | R | PM | PB | B | POB},
    {"scorePlugin1", PS | S},
    {"scorePlugin2", PS | S},
    {"scoreWithNormalizePlugin1", S},
    {"queueSortPlugin", QS},
    {"bindPlugin", B},
    /* the default plugins, with upstream's interfaces (v1.31+) */
    {"SchedulingGates", PE},
    {"PrioritySort", QS},
    {"NodeUnschedulable", F},
    {"NodeName", F},
    {"TaintToleration", F | PS | S},
    {"NodeAffinity", PF | F | PS | S},
    {"NodePorts", PF | F},
    {"NodeResourcesFit", PF | F | PS | S},
    {"VolumeRestrictions", PF | F},
    {"NodeVolumeLimits", PF | F},
    {"VolumeBinding", PF | F | PS | S | R | PB},
    {"VolumeZone", PF | F},
    {"PodTopologySpread", PF | F | PS | S},
    {"InterPodAffinity", PF | F | PS | S},
    {"DefaultPreemption", POF},
    {"NodeResourcesBalancedAllocation", PS | S},
    {"ImageLocality", S},
    {"DefaultBinder", B},
    {"RegexScheduling", PF | F},
};
#define NUM_FAKES (sizeof fake_table / sizeof fake_table[0])
#define FIRST_DEFAULT_FAKE 6

static sl_plugin_ops fake_ops[NUM_FAKES];
static sl_plugin_registration fake_regs[NUM_FAKES];

static void init_fakes(void) {
    for (size_t i = 0; i < NUM_FAKES; i++) {
        sl_plugin_ops *o = &fake_ops[i];
        int pts = fake_table[i].points;
        o->name = fake_table[i].name;
        if (pts & PE) o->pre_enqueue = fake_pre_enqueue;
        if (pts & QS) o->less = fake_less;
        if (pts & PF) o->pre_filter = fake_pre_filter;
        if (pts & F) o->filter = fake_filter;
        if (pts & POF) o->post_filter = fake_post_filter;
        if (pts & PS) o->pre_score = fake_pre_score;
        if (pts & S) o->score = fake_score;
        if (pts & R) o->reserve = fake_reserve;
        if (pts & PM) o->permit = fake_permit;
        if (pts & PB) o->pre_bind = fake_reserve;
        if (pts & B) o->bind = fake_reserve;
        if (pts & POB) o->post_bind = fake_post_bind;
        fake_regs[i].name = fake_table[i].name;
        fake_regs[i].ops = o;
    }
}

/* Three registries, built once in main: the upstream test plugins alone
 * (like NewFramework tests), those plus fakes of the defaults, and the real
 * in-tree plugins. Loads use `registry`. */
static sl_registry *test_plugins_registry, *fake_defaults_registry, *real_registry;
static const sl_registry *registry;

static void build_registries(void) {
    test_plugins_registry = sl_registry_new();
    fake_defaults_registry = sl_registry_new();
    for (size_t i = 0; i < NUM_FAKES; i++) {
        if (i < FIRST_DEFAULT_FAKE) sl_registry_add(test_plugins_registry, &fake_regs[i]);
        sl_registry_add(fake_defaults_registry, &fake_regs[i]);
    }
    real_registry = sl_registry_new_default();
}

static void free_registries(void) {
    sl_registry_free(test_plugins_registry);
    sl_registry_free(fake_defaults_registry);
    sl_registry_free(real_registry);
}

/* Only the upstream test plugins: no defaults (like NewFramework tests). */
static void use_test_plugins_only(void) { registry = test_plugins_registry; }
/* Test plugins plus fakes of the defaults. */
static void use_fake_defaults(void) { registry = fake_defaults_registry; }
static void use_real_registry(void) { registry = real_registry; }

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static char last_error[1024];

/* Loads a JSON document written with ' for " (readability). */
static bool load(sl_config *cfg, const char *text) {
    char *json = xstrdup(text);
    for (char *p = json; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    free(json);
    if (!doc) {
        fprintf(stderr, "bad test JSON: %s: %s\n", text, jerr.text);
        memset(cfg, 0, sizeof *cfg);
        snprintf(last_error, sizeof last_error, "bad test JSON");
        return false;
    }
    last_error[0] = 0;
    bool ok = sl_config_load_json(doc, "test.yaml", registry, cfg, last_error, sizeof last_error);
    json_decref(doc);
    return ok;
}

#define HEADER "'apiVersion':'kubescheduler.config.k8s.io/v1','kind':'KubeSchedulerConfiguration'"

/* Loads "{HEADER, <body>}" expecting success. */
static bool load_ok(sl_config *cfg, const char *body) {
    char *text = xasprintf("{" HEADER "%s%s}", *body ? "," : "", body);
    bool ok = load(cfg, text);
    free(text);
    if (!ok) fprintf(stderr, "  unexpected error: %s\n", last_error);
    return ok;
}

/* Loads "{HEADER, <body>}" expecting failure; returns the message. */
static const char *load_err(const char *body) {
    sl_config cfg;
    char *text = xasprintf("{" HEADER "%s%s}", *body ? "," : "", body);
    bool ok = load(&cfg, text);
    free(text);
    if (ok) {
        sl_config_free(&cfg);
        return "(loaded without error)";
    }
    /* A failed load leaves nothing to free. */
    if (cfg.nprofiles || cfg.profiles || cfg.raw) return "(failed load left state behind)";
    return last_error;
}

/* "A,B:3,C" — names, with ":weight" for score. */
static char *plugin_list(const sl_profile_config *p, sl_extension_point ep) {
    strbuf sb;
    strbuf_init(&sb);
    for (uint32_t i = 0; i < p->nplugins[ep]; i++) {
        if (i) strbuf_putc(&sb, ',');
        strbuf_puts(&sb, p->plugins[ep][i].name);
        if (ep == SL_EP_SCORE) strbuf_printf(&sb, ":%d", p->plugins[ep][i].weight);
    }
    return strbuf_take(&sb);
}

#define CHECK_LIST(profile, ep, want)                    \
    do {                                                 \
        char *got_list_ = plugin_list((profile), (ep));  \
        CHECK_EQ_STR(got_list_, (want));                 \
        free(got_list_);                                 \
    } while (0)

static char *args_json(const sl_profile_config *p, const char *plugin) {
    const json_t *a = sl_profile_plugin_args(p, plugin);
    return a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("(none)");
}

#define CHECK_ARGS(profile, plugin, want)                 \
    do {                                                  \
        char *got_args_ = args_json((profile), (plugin)); \
        CHECK_EQ_STR(got_args_, (want));                  \
        free(got_args_);                                  \
    } while (0)

#define CHECK_ERR(body, want) CHECK_EQ_STR(load_err(body), (want))

/* Every point of the upstream test plugin "testPlugin" but PreEnqueue. */
static void check_test_plugin_everywhere(const sl_profile_config *p, const char *score) {
    CHECK_LIST(p, SL_EP_PRE_ENQUEUE, "");
    CHECK_LIST(p, SL_EP_QUEUE_SORT, "testPlugin");
    CHECK_LIST(p, SL_EP_PRE_FILTER, "testPlugin");
    CHECK_LIST(p, SL_EP_FILTER, "testPlugin");
    CHECK_LIST(p, SL_EP_POST_FILTER, "testPlugin");
    CHECK_LIST(p, SL_EP_SCORE, score);
    CHECK_LIST(p, SL_EP_RESERVE, "testPlugin");
    CHECK_LIST(p, SL_EP_PERMIT, "testPlugin");
    CHECK_LIST(p, SL_EP_PRE_BIND, "testPlugin");
    CHECK_LIST(p, SL_EP_BIND, "testPlugin");
    CHECK_LIST(p, SL_EP_POST_BIND, "testPlugin");
}

static const char *const expanded_defaults[SL_EP_COUNT] = {
    [SL_EP_PRE_ENQUEUE] = "SchedulingGates",
    [SL_EP_QUEUE_SORT] = "PrioritySort",
    [SL_EP_PRE_FILTER] = "NodeAffinity,NodePorts,NodeResourcesFit,VolumeRestrictions,NodeVolumeLimits,"
                         "VolumeBinding,VolumeZone,PodTopologySpread,InterPodAffinity",
    [SL_EP_FILTER] = "NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,"
                     "VolumeRestrictions,NodeVolumeLimits,VolumeBinding,VolumeZone,PodTopologySpread,"
                     "InterPodAffinity",
    [SL_EP_POST_FILTER] = "DefaultPreemption",
    [SL_EP_PRE_SCORE] = "TaintToleration,NodeAffinity,NodeResourcesFit,VolumeBinding,PodTopologySpread,"
                        "InterPodAffinity,NodeResourcesBalancedAllocation",
    [SL_EP_SCORE] = "TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,VolumeBinding:1,PodTopologySpread:2,"
                    "InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1",
    [SL_EP_RESERVE] = "VolumeBinding",
    [SL_EP_PERMIT] = "",
    [SL_EP_PRE_BIND] = "VolumeBinding",
    [SL_EP_BIND] = "DefaultBinder",
    [SL_EP_POST_BIND] = "",
};

static void check_expanded_defaults(const sl_profile_config *p, int skip_ep) {
    for (int ep = 0; ep < SL_EP_COUNT; ep++)
        if (ep != skip_ep) CHECK_LIST(p, (sl_extension_point)ep, expanded_defaults[ep]);
}

/* ------------------------------------------------------------------ */
/* Defaults                                                             */
/* ------------------------------------------------------------------ */

TEST(top_level_defaults) {
    use_fake_defaults();
    sl_config cfg;
    if (!load_ok(&cfg, "")) { CHECK(false); return; }
    CHECK_EQ_INT(cfg.parallelism, 16);
    CHECK_EQ_INT(cfg.percentage_of_nodes_to_score, 0);
    CHECK_EQ_INT(cfg.pod_initial_backoff_seconds, 1);
    CHECK_EQ_INT(cfg.pod_max_backoff_seconds, 10);
    CHECK_EQ_INT(cfg.nprofiles, 1);
    CHECK_EQ_STR(cfg.profiles[0].scheduler_name, "default-scheduler");
    CHECK_EQ_INT(cfg.profiles[0].percentage_of_nodes_to_score, -1);
    CHECK_EQ_INT(cfg.nextenders, 0);
    CHECK(cfg.raw != NULL);
    CHECK(sl_config_profile(&cfg, "default-scheduler") == &cfg.profiles[0]);
    CHECK(sl_config_profile(&cfg, "other") == NULL);
    sl_config_free(&cfg);
}

/* The expansion algorithm on fakes with upstream's interfaces gives
 * exactly reference §2.2 (ExpandedPluginsV1). */
TEST(default_expansion_matches_upstream) {
    use_fake_defaults();
    sl_config cfg;
    sl_config_default(registry, &cfg);
    CHECK_EQ_INT(cfg.nprofiles, 1);
    if (cfg.nprofiles) check_expanded_defaults(&cfg.profiles[0], -1);
    CHECK(cfg.raw == NULL);
    sl_config_free(&cfg);
}

/* The real plugins implement the extension points upstream's do, so the
 * built-in defaults expand to §2.2 as well. */
TEST(real_registry_default_expansion) {
    use_real_registry();
    sl_config cfg;
    sl_config_default(registry, &cfg);
    CHECK_EQ_INT(cfg.nprofiles, 1);
    if (cfg.nprofiles) check_expanded_defaults(&cfg.profiles[0], -1);
    sl_config_free(&cfg);
}

TEST(real_registry_regex_plugins) {
    use_real_registry();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'RegexSchedulingV2'}]}}}]")) {
        CHECK(false);
        return;
    }
    char *filter = plugin_list(&cfg.profiles[0], SL_EP_FILTER);
    CHECK(strstr(filter, "RegexSchedulingV2") != NULL);
    free(filter);
    sl_config_free(&cfg);
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'filter':{'enabled':[{'name':'RegexScheduling'}]}}}]")) {
        CHECK(false);
        return;
    }
    char *list = plugin_list(&cfg.profiles[0], SL_EP_FILTER);
    size_t n = strlen(list);
    CHECK(n >= 15 && strcmp(list + n - 15, "RegexScheduling") == 0);
    free(list);
    sl_config_free(&cfg);
}

TEST(default_plugin_args) {
    use_fake_defaults();
    sl_config cfg;
    sl_config_default(registry, &cfg);
    const sl_profile_config *p = &cfg.profiles[0];
    /* Upstream appends default args in sorted plugin-name order. */
    CHECK_EQ_INT(p->nargs, 7);
    const char *order[] = {"DefaultPreemption", "InterPodAffinity", "NodeAffinity",
                           "NodeResourcesBalancedAllocation", "NodeResourcesFit", "PodTopologySpread",
                           "VolumeBinding"};
    for (uint32_t i = 0; i < p->nargs && i < 7; i++) CHECK_EQ_STR(p->args[i].name, order[i]);
    CHECK_ARGS(p, "DefaultPreemption", "{\"minCandidateNodesAbsolute\":100,\"minCandidateNodesPercentage\":10}");
    CHECK_ARGS(p, "InterPodAffinity", "{\"hardPodAffinityWeight\":1,\"ignorePreferredTermsOfExistingPods\":false}");
    CHECK_ARGS(p, "NodeAffinity", "{}");
    CHECK_ARGS(p, "NodeResourcesBalancedAllocation",
               "{\"resources\":[{\"name\":\"cpu\",\"weight\":1},{\"name\":\"memory\",\"weight\":1}]}");
    CHECK_ARGS(p, "NodeResourcesFit",
               "{\"scoringStrategy\":{\"resources\":[{\"name\":\"cpu\",\"weight\":1},{\"name\":\"memory\","
               "\"weight\":1}],\"type\":\"LeastAllocated\"}}");
    CHECK_ARGS(p, "PodTopologySpread", "{\"defaultConstraints\":[],\"defaultingType\":\"System\"}");
    CHECK_ARGS(p, "VolumeBinding", "{\"bindTimeoutSeconds\":600}");
    CHECK_ARGS(p, "PrioritySort", "(none)");
    sl_config_free(&cfg);
}

TEST(top_level_values) {
    use_fake_defaults();
    sl_config cfg;
    if (!load_ok(&cfg, "'parallelism':4,'percentageOfNodesToScore':50,'podInitialBackoffSeconds':2,"
                       "'podMaxBackoffSeconds':20,'enableProfiling':false,'enableContentionProfiling':false,"
                       "'delayCacheUntilActive':true,"
                       "'leaderElection':{'leaderElect':false,'leaseDuration':'15s','renewDeadline':'10s',"
                       "'retryPeriod':'2s','resourceLock':'leases','resourceName':'kube-scheduler',"
                       "'resourceNamespace':'kube-system'},"
                       "'clientConnection':{'kubeconfig':'/etc/k.conf','qps':50.5,'burst':100,"
                       "'contentType':'application/json','acceptContentTypes':''}")) {
        CHECK(false);
        return;
    }
    CHECK_EQ_INT(cfg.parallelism, 4);
    CHECK_EQ_INT(cfg.percentage_of_nodes_to_score, 50);
    CHECK_EQ_INT(cfg.pod_initial_backoff_seconds, 2);
    CHECK_EQ_INT(cfg.pod_max_backoff_seconds, 20);
    sl_config_free(&cfg);
    /* null means unset, as in Go. */
    if (!load_ok(&cfg, "'parallelism':null,'profiles':null,'extenders':null")) { CHECK(false); return; }
    CHECK_EQ_INT(cfg.parallelism, 16);
    CHECK_EQ_INT(cfg.nprofiles, 1);
    sl_config_free(&cfg);
    /* An empty profile list gets the default profile. */
    if (!load_ok(&cfg, "'profiles':[]")) { CHECK(false); return; }
    CHECK_EQ_INT(cfg.nprofiles, 1);
    CHECK_EQ_STR(cfg.profiles[0].scheduler_name, "default-scheduler");
    sl_config_free(&cfg);
}

TEST(top_level_validation) {
    use_fake_defaults();
    CHECK_ERR("'parallelism':0",
              "test.yaml: parallelism: Invalid value: 0: should be an integer value greater than zero");
    CHECK_ERR("'parallelism':-3",
              "test.yaml: parallelism: Invalid value: -3: should be an integer value greater than zero");
    CHECK_ERR("'percentageOfNodesToScore':101",
              "test.yaml: percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]");
    CHECK_ERR("'percentageOfNodesToScore':-1",
              "test.yaml: percentageOfNodesToScore: Invalid value: -1: not in valid range [0-100]");
    CHECK_ERR("'podInitialBackoffSeconds':0",
              "test.yaml: podInitialBackoffSeconds: Invalid value: 0: must be greater than 0");
    CHECK_ERR("'podInitialBackoffSeconds':11",
              "test.yaml: podMaxBackoffSeconds: Invalid value: 10: must be greater than or equal to "
              "PodInitialBackoffSeconds");
    CHECK_ERR("'podInitialBackoffSeconds':3,'podMaxBackoffSeconds':2",
              "test.yaml: podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to "
              "PodInitialBackoffSeconds");
    CHECK_ERR("'parallelism':'x'", "test.yaml: parallelism: Invalid value: \"x\": must be an integer");
    CHECK_ERR("'parallelism':1.5", "test.yaml: parallelism: Invalid value: 1.5: must be an integer");
    CHECK_ERR("'parallelism':4294967296",
              "test.yaml: parallelism: Invalid value: 4294967296: must fit in a 32-bit integer");
    CHECK_ERR("'enableProfiling':'yes'", "test.yaml: enableProfiling: Invalid value: \"yes\": must be a boolean");
    CHECK_ERR("'profiles':{}", "test.yaml: profiles: Invalid value: {}: must be a list");
    CHECK_ERR("'leaderElection':{'resourceLock':'endpoints'}",
              "test.yaml: leaderElection.resourceLock: Invalid value: \"endpoints\": resourceLock value must "
              "be \"leases\"");
    CHECK_ERR("'leaderElection':{'leaseDuration':'soon'}",
              "test.yaml: leaderElection.leaseDuration: Invalid value: \"soon\": must be a duration such as "
              "\"15s\"");
    CHECK_ERR("'clientConnection':{'qps':'fast'}",
              "test.yaml: clientConnection.qps: Invalid value: \"fast\": must be a number");
}

TEST(api_version_and_kind) {
    use_fake_defaults();
    sl_config cfg;
    CHECK(!load(&cfg, "{'kind':'KubeSchedulerConfiguration'}"));
    CHECK_EQ_STR(last_error, "test.yaml: apiVersion: Required value: must be \"kubescheduler.config.k8s.io/v1\"");
    CHECK(!load(&cfg, "{'apiVersion':'kubescheduler.config.k8s.io/v1beta3','kind':'KubeSchedulerConfiguration'}"));
    CHECK_EQ_STR(last_error, "test.yaml: apiVersion: Unsupported value: \"kubescheduler.config.k8s.io/v1beta3\": "
                             "supported values: \"kubescheduler.config.k8s.io/v1\"");
    CHECK(!load(&cfg, "{'apiVersion':'kubescheduler.config.k8s.io/v1','kind':'Pod'}"));
    CHECK_EQ_STR(last_error, "test.yaml: kind: Unsupported value: \"Pod\": supported values: "
                             "\"KubeSchedulerConfiguration\"");
    CHECK(!load(&cfg, "{'apiVersion':'kubescheduler.config.k8s.io/v1'}"));
    CHECK_EQ_STR(last_error, "test.yaml: kind: Required value: must be \"KubeSchedulerConfiguration\"");
    CHECK(!load(&cfg, "[1]"));
    CHECK_EQ_STR(last_error, "test.yaml: expected a KubeSchedulerConfiguration object, got a list");
    CHECK(!sl_config_load_json(NULL, "x.yaml", registry, &cfg, last_error, sizeof last_error));
    CHECK_EQ_STR(last_error, "x.yaml: empty document");
}

TEST(strict_decoding) {
    use_fake_defaults();
    CHECK_ERR("'foo':1", "test.yaml: strict decoding error: unknown field \"foo\"");
    CHECK_ERR("'healthzBindAddress':'0.0.0.0'", "test.yaml: strict decoding error: unknown field \"healthzBindAddress\"");
    CHECK_ERR("'profiles':[{'schedulerName':'a','foo':1}]",
              "test.yaml: strict decoding error: unknown field \"profiles[0].foo\"");
    CHECK_ERR("'profiles':[{'plugins':{'fliter':{}}}]",
              "test.yaml: strict decoding error: unknown field \"profiles[0].plugins.fliter\"");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enable':[]}}}]",
              "test.yaml: strict decoding error: unknown field \"profiles[0].plugins.filter.enable\"");
    CHECK_ERR("'profiles':[{'plugins':{'score':{'enabled':[{'name':'ImageLocality','wieght':2}]}}}]",
              "test.yaml: strict decoding error: unknown field \"profiles[0].plugins.score.enabled[0].wieght\"");
    CHECK_ERR("'profiles':[{'pluginConfig':[{'name':'DefaultPreemption','args':{'minCandidates':1}}]}]",
              "test.yaml: strict decoding error: unknown field \"profiles[0].pluginConfig[0].args.minCandidates\"");
    CHECK_ERR("'leaderElection':{'leaderElection':true}",
              "test.yaml: strict decoding error: unknown field \"leaderElection.leaderElection\"");
    CHECK_ERR("'clientConnection':{'qbs':1}", "test.yaml: strict decoding error: unknown field \"clientConnection.qbs\"");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','verb':'a'}]",
              "test.yaml: strict decoding error: unknown field \"extenders[0].verb\"");
    CHECK_ERR("'profiles':[{'plugins':{'score':{'enabled':[{'name':'ImageLocality','weight':'2'}]}}}]",
              "test.yaml: profiles[0].plugins.score.enabled[0].weight: Invalid value: \"2\": must be an integer");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enabled':{}}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled: Invalid value: {}: must be a list");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enabled':['NodeName']}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled[0]: Invalid value: \"NodeName\": must be an object");
}

/* ------------------------------------------------------------------ */
/* multiPoint expansion (upstream TestNewFrameworkMultiPointExpansion)  */
/* ------------------------------------------------------------------ */

TEST(expansion_plugin_expansion) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin','weight':5}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "testPlugin:5");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "testPlugin");
    sl_config_free(&cfg);
}

TEST(expansion_disable_at_some_points) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'}]},"
                       "'preScore':{'disabled':[{'name':'testPlugin'}]},"
                       "'score':{'disabled':[{'name':'testPlugin'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "");
    sl_config_free(&cfg);
}

TEST(expansion_multiple_plugins) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'},"
                       "{'name':'scorePlugin1'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "testPlugin:1,scorePlugin1:1");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "testPlugin,scorePlugin1");
    sl_config_free(&cfg);
}

TEST(expansion_disable_all_at_point) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'},"
                       "{'name':'scorePlugin1'}]},'preScore':{'disabled':[{'name':'*'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "testPlugin:1,scorePlugin1:1");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "");
    sl_config_free(&cfg);
}

TEST(expansion_specific_point_takes_precedence) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'scoreWithNormalizePlugin1'},"
                       "{'name':'testPlugin'},{'name':'scorePlugin1'}]},"
                       "'score':{'enabled':[{'name':'scorePlugin1'},{'name':'testPlugin'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "scorePlugin1:1,testPlugin:1,scoreWithNormalizePlugin1:1");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "testPlugin,scorePlugin1");
    sl_config_free(&cfg);
}

TEST(expansion_precedence_only_when_in_multipoint) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'},"
                       "{'name':'scorePlugin1'}]},'score':{'enabled':[{'name':'scoreWithNormalizePlugin1'},"
                       "{'name':'scorePlugin1'},{'name':'testPlugin'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "scorePlugin1:1,testPlugin:1,scoreWithNormalizePlugin1:1");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "testPlugin,scorePlugin1");
    sl_config_free(&cfg);
}

TEST(expansion_override_weights) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'},"
                       "{'name':'scorePlugin1'}]},'score':{'enabled':[{'name':'scorePlugin1','weight':5},"
                       "{'name':'testPlugin','weight':3}]}}}]")) {
        CHECK(false);
        return;
    }
    check_test_plugin_everywhere(&cfg.profiles[0], "scorePlugin1:5,testPlugin:3");
    sl_config_free(&cfg);
}

TEST(expansion_disable_and_enable_with_star) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'queueSortPlugin'},"
                       "{'name':'bindPlugin'},{'name':'scorePlugin1'}],'disabled':[{'name':'*'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_QUEUE_SORT, "queueSortPlugin");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "scorePlugin1");
    CHECK_LIST(p, SL_EP_SCORE, "scorePlugin1:1");
    CHECK_LIST(p, SL_EP_BIND, "bindPlugin");
    CHECK_LIST(p, SL_EP_FILTER, "");
    sl_config_free(&cfg);
}

/* multiPoint.disabled only removes defaults; the user's own multiPoint
 * entry of that name still expands. */
TEST(expansion_disable_and_enable_by_name) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'bindPlugin'},"
                       "{'name':'queueSortPlugin'},{'name':'scorePlugin1'}],"
                       "'disabled':[{'name':'scorePlugin1'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_QUEUE_SORT, "queueSortPlugin");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "scorePlugin1");
    CHECK_LIST(p, SL_EP_SCORE, "scorePlugin1:1");
    CHECK_LIST(p, SL_EP_BIND, "bindPlugin");
    sl_config_free(&cfg);
}

TEST(expansion_already_registered) {
    use_test_plugins_only();
    CHECK_ERR("'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'},{'name':'testPlugin'}]}}}]",
              "test.yaml: profiles[0].plugins.multiPoint.enabled[1]: plugin \"testPlugin\" already registered as "
              "\"QueueSortPlugin\"");
    CHECK_ERR("'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'}]},"
              "'filter':{'enabled':[{'name':'testPlugin'},{'name':'testPlugin'}]}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled[1]: plugin \"testPlugin\" already registered as "
              "\"FilterPlugin\"");
}

TEST(expansion_avoid_loading_twice) {
    use_test_plugins_only();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'testPlugin'},"
                       "{'name':'scorePlugin1'}]},'score':{'enabled':[{'name':'scorePlugin1','weight':5},"
                       "{'name':'scorePlugin2','weight':5},{'name':'testPlugin','weight':3}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    check_test_plugin_everywhere(p, "scorePlugin1:5,testPlugin:3,scorePlugin2:5");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "testPlugin,scorePlugin1");
    sl_config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* Merging with the defaults (upstream TestMergePlugins, on real names) */
/* ------------------------------------------------------------------ */

TEST(merge_score_weight_overrides_multipoint) {
    use_fake_defaults();
    sl_config cfg;
    /* A default plugin named at score moves to the front of score (part 1
     * of the expansion order) with the score weight. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'score':{'enabled':[{'name':'ImageLocality','weight':7}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_SCORE, "ImageLocality:7,TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,"
                               "VolumeBinding:1,PodTopologySpread:2,InterPodAffinity:2,"
                               "NodeResourcesBalancedAllocation:1");
    check_expanded_defaults(p, SL_EP_SCORE);
    sl_config_free(&cfg);

    /* Several, in the user's order, and weight 0 means 1. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'score':{'enabled':[{'name':'NodeAffinity','weight':0},"
                       "{'name':'TaintToleration','weight':10}]}}}]")) {
        CHECK(false);
        return;
    }
    CHECK_LIST(&cfg.profiles[0], SL_EP_SCORE,
               "NodeAffinity:1,TaintToleration:10,NodeResourcesFit:1,VolumeBinding:1,PodTopologySpread:2,"
               "InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1");
    sl_config_free(&cfg);
}

TEST(merge_multipoint_weight_in_place) {
    use_fake_defaults();
    sl_config cfg;
    /* The user's multiPoint entry replaces the default in place. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'NodeResourcesFit','weight':5},"
                       "{'name':'TaintToleration'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_SCORE, "TaintToleration:1,NodeAffinity:2,NodeResourcesFit:5,VolumeBinding:1,"
                               "PodTopologySpread:2,InterPodAffinity:2,NodeResourcesBalancedAllocation:1,"
                               "ImageLocality:1");
    check_expanded_defaults(p, SL_EP_SCORE);
    sl_config_free(&cfg);

    /* Repeated custom entries: the last one replaces the default in place,
     * the earlier one is appended and then fails as a duplicate. */
    CHECK_ERR("'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'ImageLocality','weight':2},"
              "{'name':'ImageLocality','weight':4}]}}}]",
              "test.yaml: profiles[0].plugins.multiPoint.enabled[0]: plugin \"ImageLocality\" already registered "
              "as \"ScorePlugin\"");
}

TEST(merge_append_custom_plugin) {
    use_fake_defaults();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'scorePlugin1','weight':4}]},"
                       "'filter':{'enabled':[{'name':'RegexScheduling'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_PRE_SCORE, "TaintToleration,NodeAffinity,NodeResourcesFit,VolumeBinding,PodTopologySpread,"
                                   "InterPodAffinity,NodeResourcesBalancedAllocation,scorePlugin1");
    CHECK_LIST(p, SL_EP_SCORE, "TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,VolumeBinding:1,"
                               "PodTopologySpread:2,InterPodAffinity:2,NodeResourcesBalancedAllocation:1,"
                               "ImageLocality:1,scorePlugin1:4");
    CHECK_LIST(p, SL_EP_FILTER, "NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,"
                                "VolumeRestrictions,NodeVolumeLimits,VolumeBinding,VolumeZone,PodTopologySpread,"
                                "InterPodAffinity,RegexScheduling");
    /* A plugin enabled only at filter does not reach preFilter. */
    CHECK_LIST(p, SL_EP_PRE_FILTER, expanded_defaults[SL_EP_PRE_FILTER]);
    sl_config_free(&cfg);
}

TEST(merge_disable_defaults) {
    use_fake_defaults();
    sl_config cfg;
    /* Disabled at one point only. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'filter':{'disabled':[{'name':'NodeName'},"
                       "{'name':'TaintToleration'}]}}}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_FILTER, "NodeUnschedulable,NodeAffinity,NodePorts,NodeResourcesFit,VolumeRestrictions,"
                                "NodeVolumeLimits,VolumeBinding,VolumeZone,PodTopologySpread,InterPodAffinity");
    check_expanded_defaults(p, SL_EP_FILTER);
    sl_config_free(&cfg);

    /* Disabled in multiPoint: gone everywhere. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'disabled':[{'name':'TaintToleration'}]}}}]")) {
        CHECK(false);
        return;
    }
    p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_FILTER, "NodeUnschedulable,NodeName,NodeAffinity,NodePorts,NodeResourcesFit,"
                                "VolumeRestrictions,NodeVolumeLimits,VolumeBinding,VolumeZone,PodTopologySpread,"
                                "InterPodAffinity");
    CHECK_LIST(p, SL_EP_PRE_SCORE, "NodeAffinity,NodeResourcesFit,VolumeBinding,PodTopologySpread,"
                                   "InterPodAffinity,NodeResourcesBalancedAllocation");
    CHECK_LIST(p, SL_EP_SCORE, "NodeAffinity:2,NodeResourcesFit:1,VolumeBinding:1,PodTopologySpread:2,"
                               "InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1");
    sl_config_free(&cfg);

    /* "*" at score with an explicit list: only that list, no multiPoint. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'score':{'disabled':[{'name':'*'}],"
                       "'enabled':[{'name':'ImageLocality'},{'name':'NodeResourcesFit','weight':3}]}}}]")) {
        CHECK(false);
        return;
    }
    p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_SCORE, "ImageLocality:1,NodeResourcesFit:3");
    check_expanded_defaults(p, SL_EP_SCORE);
    sl_config_free(&cfg);

    /* "*" in multiPoint: every default gone; the user's list stands. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'multiPoint':{'disabled':[{'name':'*'}],"
                       "'enabled':[{'name':'PrioritySort'},{'name':'NodeName'},{'name':'DefaultBinder'}]}}}]")) {
        CHECK(false);
        return;
    }
    p = &cfg.profiles[0];
    CHECK_LIST(p, SL_EP_PRE_ENQUEUE, "");
    CHECK_LIST(p, SL_EP_QUEUE_SORT, "PrioritySort");
    CHECK_LIST(p, SL_EP_FILTER, "NodeName");
    CHECK_LIST(p, SL_EP_PRE_FILTER, "");
    CHECK_LIST(p, SL_EP_SCORE, "");
    CHECK_LIST(p, SL_EP_BIND, "DefaultBinder");
    /* Default args only for enabled in-tree plugins. */
    CHECK_EQ_INT(p->nargs, 0);
    sl_config_free(&cfg);

    /* Reordering the filter plugins: disable "*" at filter, list them. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'filter':{'disabled':[{'name':'*'}],"
                       "'enabled':[{'name':'NodeName'},{'name':'NodeUnschedulable'}]}}}]")) {
        CHECK(false);
        return;
    }
    CHECK_LIST(&cfg.profiles[0], SL_EP_FILTER, "NodeName,NodeUnschedulable");
    sl_config_free(&cfg);
}

TEST(queue_sort_and_bind_required) {
    use_fake_defaults();
    CHECK_ERR("'profiles':[{'plugins':{'multiPoint':{'disabled':[{'name':'*'}]}}}]",
              "test.yaml: profiles[0].plugins.queueSort: only one queue sort plugin required for profile with "
              "scheduler name \"default-scheduler\", but got 0");
    CHECK_ERR("'profiles':[{'plugins':{'queueSort':{'enabled':[{'name':'queueSortPlugin'}]}}}]",
              "test.yaml: profiles[0].plugins.queueSort: only one queue sort plugin required for profile with "
              "scheduler name \"default-scheduler\", but got 2");
    CHECK_ERR("'profiles':[{'plugins':{'bind':{'disabled':[{'name':'DefaultBinder'}]}}}]",
              "test.yaml: profiles[0].plugins.bind: at least one bind plugin is needed for profile with scheduler "
              "name \"default-scheduler\"");
    sl_config cfg;
    /* Replacing the queue sort plugin. */
    if (!load_ok(&cfg, "'profiles':[{'plugins':{'queueSort':{'enabled':[{'name':'queueSortPlugin'}],"
                       "'disabled':[{'name':'*'}]},'bind':{'enabled':[{'name':'bindPlugin'}]}}}]")) {
        CHECK(false);
        return;
    }
    CHECK_LIST(&cfg.profiles[0], SL_EP_QUEUE_SORT, "queueSortPlugin");
    CHECK_LIST(&cfg.profiles[0], SL_EP_BIND, "DefaultBinder,bindPlugin");
    sl_config_free(&cfg);
}

TEST(plugin_name_errors) {
    use_fake_defaults();
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enabled':[{'name':'NodeName'},{'name':'Foo'}]}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled[1]: unknown plugin \"Foo\"");
    CHECK_ERR("'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'Foo'}]}}}]",
              "test.yaml: profiles[0].plugins.multiPoint.enabled[0]: unknown plugin \"Foo\"");
    CHECK_ERR("'profiles':[{'schedulerName':'a'},{'schedulerName':'b','plugins':{'score':{'enabled':[{'name':'x'}]}}}]",
              "test.yaml: profiles[1].plugins.score.enabled[0]: unknown plugin \"x\"");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enabled':[{'name':'PrioritySort'}]}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled[0]: plugin \"PrioritySort\" does not extend "
              "FilterPlugin plugin");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enabled':[{'weight':1}]}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled[0].name: Required value");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'disabled':[{}]}}}]",
              "test.yaml: profiles[0].plugins.filter.disabled[0].name: Required value");
    CHECK_ERR("'profiles':[{'plugins':{'filter':{'enabled':[{'name':'EBSLimits'}]}}}]",
              "test.yaml: profiles[0].plugins.filter.enabled[0]: Invalid value: \"EBSLimits\": was invalid in "
              "version \"kubescheduler.config.k8s.io/v1\" (KubeSchedulerConfiguration is version "
              "\"kubescheduler.config.k8s.io/v1\")");
    CHECK_ERR("'profiles':[{'plugins':{'score':{'enabled':[{'name':'ImageLocality','weight':-1}]}}}]",
              "test.yaml: profiles[0].plugins.score.enabled[0].weight: Invalid value: -1: must not be negative");
    /* Disabling an unknown name is harmless, as upstream. */
    sl_config cfg;
    CHECK(load_ok(&cfg, "'profiles':[{'plugins':{'filter':{'disabled':[{'name':'NoSuchPlugin'}]}}}]"));
    sl_config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* Profiles                                                             */
/* ------------------------------------------------------------------ */

TEST(profiles) {
    use_fake_defaults();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'schedulerName':'default-scheduler'},"
                       "{'schedulerName':'no-scoring','percentageOfNodesToScore':30,"
                       "'plugins':{'preScore':{'disabled':[{'name':'*'}]},'score':{'disabled':[{'name':'*'}]}}}]")) {
        CHECK(false);
        return;
    }
    CHECK_EQ_INT(cfg.nprofiles, 2);
    const sl_profile_config *p = sl_config_profile(&cfg, "no-scoring");
    CHECK(p == &cfg.profiles[1]);
    if (p) {
        CHECK_EQ_INT(p->percentage_of_nodes_to_score, 30);
        CHECK_LIST(p, SL_EP_SCORE, "");
        CHECK_LIST(p, SL_EP_PRE_SCORE, "");
        CHECK_LIST(p, SL_EP_FILTER, expanded_defaults[SL_EP_FILTER]);
    }
    check_expanded_defaults(&cfg.profiles[0], -1);
    sl_config_free(&cfg);

    CHECK_ERR("'profiles':[{'schedulerName':'a'},{}]", "test.yaml: profiles[1].schedulerName: Required value");
    CHECK_ERR("'profiles':[{'schedulerName':''}]", "test.yaml: profiles[0].schedulerName: Required value");
    CHECK_ERR("'profiles':[{'schedulerName':7}]",
              "test.yaml: profiles[0].schedulerName: Invalid value: 7: must be a string");
    CHECK_ERR("'profiles':[{'schedulerName':'a'},{'schedulerName':'b'},{'schedulerName':'a'}]",
              "test.yaml: profiles[2].schedulerName: Duplicate value: \"a\" (profiles[0].schedulerName)");
    CHECK_ERR("'profiles':[{'percentageOfNodesToScore':120}]",
              "test.yaml: profiles[0].percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]");
    CHECK_ERR("'profiles':[{'schedulerName':'a'},{'schedulerName':'b','plugins':{'queueSort':{"
              "'enabled':[{'name':'queueSortPlugin'}],'disabled':[{'name':'*'}]}}}]",
              "test.yaml: profiles[1].plugins.queueSort: Invalid value: \"queueSortPlugin\": must be the same for "
              "all profiles (profiles[0] uses \"PrioritySort\")");
    CHECK_ERR("'profiles':[{'schedulerName':'a','pluginConfig':[{'name':'PrioritySort','args':{'x':1}}]},"
              "{'schedulerName':'b'}]",
              "test.yaml: profiles[1].pluginConfig.args: Invalid value: queueSort must be the same for all profiles");
    CHECK_ERR("'profiles':['x']", "test.yaml: profiles[0]: Invalid value: \"x\": must be an object");
}

/* ------------------------------------------------------------------ */
/* pluginConfig                                                         */
/* ------------------------------------------------------------------ */

TEST(plugin_config_merge_with_defaults) {
    use_fake_defaults();
    sl_config cfg;
    if (!load_ok(&cfg, "'profiles':[{'pluginConfig':["
                       "{'name':'NodeResourcesFit','args':{'apiVersion':'kubescheduler.config.k8s.io/v1',"
                       "'kind':'NodeResourcesFitArgs','scoringStrategy':{'type':'MostAllocated',"
                       "'resources':[{'name':'cpu','weight':0},{'name':'nvidia.com/gpu','weight':5}]},"
                       "'ignoredResources':['example.com/foo'],'ignoredResourceGroups':['example.com']}},"
                       "{'name':'DefaultPreemption','args':{'minCandidateNodesAbsolute':50}},"
                       "{'name':'RegexSchedulingV2','args':{'anything':['goes',1]}},"
                       "{'name':'ImageLocality'}]}]")) {
        CHECK(false);
        return;
    }
    const sl_profile_config *p = &cfg.profiles[0];
    /* The user's entries first, in order, then the defaults (sorted). */
    const char *order[] = {"NodeResourcesFit", "DefaultPreemption", "RegexSchedulingV2", "ImageLocality",
                           "InterPodAffinity", "NodeAffinity", "NodeResourcesBalancedAllocation",
                           "PodTopologySpread", "VolumeBinding"};
    CHECK_EQ_INT(p->nargs, 9);
    for (uint32_t i = 0; i < p->nargs && i < 9; i++) CHECK_EQ_STR(p->args[i].name, order[i]);
    CHECK_ARGS(p, "NodeResourcesFit",
               "{\"ignoredResourceGroups\":[\"example.com\"],\"ignoredResources\":[\"example.com/foo\"],"
               "\"scoringStrategy\":{\"resources\":[{\"name\":\"cpu\",\"weight\":1},{\"name\":\"nvidia.com/gpu\","
               "\"weight\":5}],\"type\":\"MostAllocated\"}}");
    CHECK_ARGS(p, "DefaultPreemption", "{\"minCandidateNodesAbsolute\":50,\"minCandidateNodesPercentage\":10}");
    CHECK_ARGS(p, "RegexSchedulingV2", "{\"anything\":[\"goes\",1]}");
    CHECK_ARGS(p, "ImageLocality", "(none)");
    sl_config_free(&cfg);

    /* RequestedToCapacityRatio with a shape; resources default. */
    if (!load_ok(&cfg, "'profiles':[{'pluginConfig':[{'name':'NodeResourcesFit','args':{'scoringStrategy':{"
                       "'type':'RequestedToCapacityRatio','requestedToCapacityRatio':{'shape':["
                       "{'utilization':0,'score':0},{'utilization':100,'score':10}]}}}}]}]")) {
        CHECK(false);
        return;
    }
    CHECK_ARGS(&cfg.profiles[0], "NodeResourcesFit",
               "{\"scoringStrategy\":{\"requestedToCapacityRatio\":{\"shape\":[{\"score\":0,\"utilization\":0},"
               "{\"score\":10,\"utilization\":100}]},\"resources\":[{\"name\":\"cpu\",\"weight\":1},"
               "{\"name\":\"memory\",\"weight\":1}],\"type\":\"RequestedToCapacityRatio\"}}");
    sl_config_free(&cfg);

    if (!load_ok(&cfg, "'profiles':[{'pluginConfig':[{'name':'PodTopologySpread','args':{'defaultingType':'List',"
                       "'defaultConstraints':[{'maxSkew':1,'topologyKey':'topology.kubernetes.io/zone',"
                       "'whenUnsatisfiable':'ScheduleAnyway'}]}},"
                       "{'name':'InterPodAffinity','args':{'hardPodAffinityWeight':0}},"
                       "{'name':'NodeAffinity','args':{'addedAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
                       "{'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':'In','values':['a']}]}]}}}}]}]")) {
        CHECK(false);
        return;
    }
    CHECK_ARGS(&cfg.profiles[0], "InterPodAffinity",
               "{\"hardPodAffinityWeight\":0,\"ignorePreferredTermsOfExistingPods\":false}");
    CHECK_ARGS(&cfg.profiles[0], "PodTopologySpread",
               "{\"defaultConstraints\":[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\","
               "\"whenUnsatisfiable\":\"ScheduleAnyway\"}],\"defaultingType\":\"List\"}");
    sl_config_free(&cfg);
}

#define PC(args) "'profiles':[{'pluginConfig':[{'name':'ImageLocality'}," args "]}]"

TEST(plugin_config_validation) {
    use_fake_defaults();
    CHECK_ERR("'profiles':[{'pluginConfig':[{'name':'A'},{'name':'A'}]}]",
              "test.yaml: profiles[0].pluginConfig[1]: Duplicate value: \"A\"");
    CHECK_ERR("'profiles':[{'pluginConfig':[{'args':{}}]}]", "test.yaml: profiles[0].pluginConfig[0].name: Required value");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'type':'LeastAllocated','resources':"
                 "[{'name':'cpu','weight':101}]}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.resources[0].weight: Invalid value: 101: "
              "resource weight of cpu not in valid range (0, 100]");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'type':'Balanced'}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.type: Unsupported value: \"Balanced\": "
              "supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'resources':[]}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.type: Unsupported value: \"\": "
              "supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'type':'RequestedToCapacityRatio'}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.requestedToCapacityRatio: Required "
              "value: must be specified when type is RequestedToCapacityRatio");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'type':'RequestedToCapacityRatio',"
                 "'requestedToCapacityRatio':{'shape':[{'utilization':50,'score':1},{'utilization':10,'score':2}]}}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.requestedToCapacityRatio.shape[1]."
              "utilization: Invalid value: 10: values must be sorted in increasing order");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'type':'RequestedToCapacityRatio',"
                 "'requestedToCapacityRatio':{'shape':[{'utilization':50,'score':11}]}}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.requestedToCapacityRatio.shape[0]."
              "score: Invalid value: 11: not in valid range [0, 10]");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'scoringStrategy':{'type':'MostAllocated',"
                 "'requestedToCapacityRatio':{'shape':[]}}}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.scoringStrategy.requestedToCapacityRatio: Forbidden: "
              "must be nil when type is not RequestedToCapacityRatio");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'ignoredResourceGroups':['example.com/x']}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.ignoredResourceGroups[0]: Invalid value: "
              "\"example.com/x\": resource group name can't contain '/'");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'ignoredResources':['-bad']}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.ignoredResources[0]: Invalid value: \"-bad\": name part "
              "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':[]}"),
              "test.yaml: profiles[0].pluginConfig[1].args: Invalid value: []: has to match plugin args");
    CHECK_ERR(PC("{'name':'NodeResourcesFit','args':{'kind':'DefaultPreemptionArgs'}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.kind: Unsupported value: \"DefaultPreemptionArgs\": "
              "supported values: \"NodeResourcesFitArgs\"");
    CHECK_ERR(PC("{'name':'DefaultPreemption','args':{'minCandidateNodesPercentage':101}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.minCandidateNodesPercentage: Invalid value: 101: not in "
              "valid range [0, 100]");
    CHECK_ERR(PC("{'name':'DefaultPreemption','args':{'minCandidateNodesPercentage':0,'minCandidateNodesAbsolute':0}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.minCandidateNodesPercentage: Invalid value: 0: cannot be "
              "zero at the same time as minCandidateNodesAbsolute");
    CHECK_ERR(PC("{'name':'DefaultPreemption','args':{'minCandidateNodesAbsolute':-1}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.minCandidateNodesAbsolute: Invalid value: -1: not in "
              "valid range [0, inf)");
    CHECK_ERR(PC("{'name':'InterPodAffinity','args':{'hardPodAffinityWeight':101}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.hardPodAffinityWeight: Invalid value: 101: not in valid "
              "range [0, 100]");
    CHECK_ERR(PC("{'name':'InterPodAffinity','args':{'ignorePreferredTermsOfExistingPods':1}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.ignorePreferredTermsOfExistingPods: Invalid value: 1: "
              "must be a boolean");
    CHECK_ERR(PC("{'name':'NodeResourcesBalancedAllocation','args':{'resources':[{'name':'cpu','weight':2}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.resources[0].weight: Invalid value: 2: must be 1");
    CHECK_ERR(PC("{'name':'NodeResourcesBalancedAllocation','args':{'resources':[{'name':'cpu'},{'name':'cpu'}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.resources[1].name: Duplicate value: \"cpu\"");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultConstraints':[{'maxSkew':1,'topologyKey':'zone',"
                 "'whenUnsatisfiable':'DoNotSchedule'}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultingType: Invalid value: \"System\": when "
              ".defaultConstraints are not empty");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultingType':'Auto'}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultingType: Unsupported value: \"Auto\": supported "
              "values: \"System\", \"List\"");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultingType':'List','defaultConstraints':[{'maxSkew':0,"
                 "'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule'}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultConstraints[0].maxSkew: Invalid value: 0: not in "
              "valid range (0, inf)");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultingType':'List','defaultConstraints':[{'maxSkew':1,"
                 "'whenUnsatisfiable':'DoNotSchedule'}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultConstraints[0].topologyKey: Required value: can "
              "not be empty");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultingType':'List','defaultConstraints':[{'maxSkew':1,"
                 "'topologyKey':'zone','whenUnsatisfiable':'Maybe'}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultConstraints[0].whenUnsatisfiable: Unsupported "
              "value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultingType':'List','defaultConstraints':[{'maxSkew':1,"
                 "'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule','labelSelector':{}}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultConstraints[0].labelSelector: Forbidden: "
              "constraint must not define a selector, as they deduced for each pod");
    CHECK_ERR(PC("{'name':'PodTopologySpread','args':{'defaultingType':'List','defaultConstraints':["
                 "{'maxSkew':1,'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule'},"
                 "{'maxSkew':2,'topologyKey':'zone','whenUnsatisfiable':'DoNotSchedule'}]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.defaultConstraints[1]: Duplicate value: \"{zone, "
              "DoNotSchedule}\"");
    CHECK_ERR(PC("{'name':'VolumeBinding','args':{'bindTimeoutSeconds':-1}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.bindTimeoutSeconds: Invalid value: -1: invalid "
              "BindTimeoutSeconds, should not be a negative value");
    CHECK_ERR(PC("{'name':'VolumeBinding','args':{'shape':[]}}"),
              "test.yaml: profiles[0].pluginConfig[1].args.shape: Invalid value: []: unexpected field `shape`, "
              "remove it or turn on the feature gate StorageCapacityScoring");
    CHECK_ERR(PC("{'name':'GCEPDLimits'}"),
              "test.yaml: profiles[0].pluginConfig[1]: Invalid value: \"GCEPDLimits\": was invalid in version "
              "\"kubescheduler.config.k8s.io/v1\" (KubeSchedulerConfiguration is version "
              "\"kubescheduler.config.k8s.io/v1\")");
    /* NodeAffinity's addedAffinity goes through the k8s selector decoder,
     * whose message names the field. */
    const char *msg = load_err(PC("{'name':'NodeAffinity','args':{'addedAffinity':{"
                                  "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{"
                                  "'matchExpressions':[{'key':'zone','operator':'Near','values':['a']}]}]}}}}"));
    const char *prefix = "test.yaml: profiles[0].pluginConfig[1].args.addedAffinity."
                         "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]";
    CHECK(strncmp(msg, prefix, strlen(prefix)) == 0);
    CHECK(strstr(msg, "Near") != NULL);
    CHECK_ERR(PC("{'name':'NodeAffinity','args':{'addedAffinity':{'requiredDuringScheduling':{}}}}"),
              "test.yaml: strict decoding error: unknown field "
              "\"profiles[0].pluginConfig[1].args.addedAffinity.requiredDuringScheduling\"");
}

/* ------------------------------------------------------------------ */
/* Extenders                                                            */
/* ------------------------------------------------------------------ */

TEST(extenders) {
    use_fake_defaults();
    sl_config cfg;
    if (!load_ok(&cfg, "'extenders':[{'urlPrefix':'http://127.0.0.1:8888/scheduler//','filterVerb':'filter',"
                       "'prioritizeVerb':'prioritize','weight':3,'preemptVerb':'preempt','bindVerb':'bind',"
                       "'enableHTTPS':false,'httpTimeout':'300ms','nodeCacheCapable':true,'ignorable':true,"
                       "'tlsConfig':{'insecure':true,'serverName':'x','caData':'AAAA'},"
                       "'managedResources':[{'name':'example.com/foo','ignoredByScheduler':true},"
                       "{'name':'example.com/bar'}]},"
                       "{'urlPrefix':'https://e2','httpTimeout':'1m30s'},{'urlPrefix':'http://e3'},"
                       "{'urlPrefix':'http://e4','httpTimeout':'1.5s'},{'urlPrefix':'http://e5','httpTimeout':'0'},"
                       "{'urlPrefix':'http://e6','httpTimeout':'10us'}]")) {
        CHECK(false);
        return;
    }
    CHECK_EQ_INT(cfg.nextenders, 6);
    const sl_extender_config *e = &cfg.extenders[0];
    CHECK_EQ_STR(e->url_prefix, "http://127.0.0.1:8888/scheduler");
    CHECK_EQ_STR(e->filter_verb, "filter");
    CHECK_EQ_STR(e->prioritize_verb, "prioritize");
    CHECK_EQ_STR(e->preempt_verb, "preempt");
    CHECK_EQ_STR(e->bind_verb, "bind");
    CHECK_EQ_INT(e->weight, 3);
    CHECK_EQ_INT(e->http_timeout_ms, 300);
    CHECK(e->node_cache_capable);
    CHECK(e->ignorable);
    CHECK(!e->enable_https);
    CHECK_EQ_INT(e->nmanaged, 2);
    CHECK_EQ_STR(e->managed_resources[0].name, "example.com/foo");
    CHECK(e->managed_resources[0].ignored_by_scheduler);
    CHECK(!e->managed_resources[1].ignored_by_scheduler);
    CHECK(e->raw != NULL);
    CHECK_EQ_INT(cfg.extenders[1].http_timeout_ms, 90000);
    CHECK(cfg.extenders[1].filter_verb == NULL && cfg.extenders[1].bind_verb == NULL);
    CHECK_EQ_INT(cfg.extenders[2].http_timeout_ms, 5000);
    CHECK_EQ_INT(cfg.extenders[3].http_timeout_ms, 1500);
    CHECK_EQ_INT(cfg.extenders[4].http_timeout_ms, 5000);
    CHECK_EQ_INT(cfg.extenders[5].http_timeout_ms, 1);
    sl_config_free(&cfg);

    CHECK_ERR("'extenders':[{'filterVerb':'filter'}]", "test.yaml: extenders[0].urlPrefix: Required value");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','prioritizeVerb':'p'}]",
              "test.yaml: extenders[0].weight: Invalid value: 0: must have a positive weight applied to it");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','prioritizeVerb':'p','weight':-2}]",
              "test.yaml: extenders[0].weight: Invalid value: -2: must have a positive weight applied to it");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','bindVerb':'b'},{'urlPrefix':'http://y','bindVerb':'b'}]",
              "test.yaml: extenders: Invalid value: \"found 2 extenders implementing bind\": only one extender can "
              "implement bind");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','httpTimeout':'5 seconds'}]",
              "test.yaml: extenders[0].httpTimeout: Invalid value: \"5 seconds\": must be a duration such as \"5s\" "
              "or \"300ms\"");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','httpTimeout':5}]",
              "test.yaml: extenders[0].httpTimeout: Invalid value: 5: must be a duration such as \"5s\" or \"300ms\"");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','httpTimeout':'-1s'}]",
              "test.yaml: extenders[0].httpTimeout: Invalid value: \"-1s\": must not be negative");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','managedResources':[{'name':'cpu'}]}]",
              "test.yaml: extenders[0].managedResources[0].name: Invalid value: \"cpu\": is an invalid extended "
              "resource name");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','managedResources':[{'name':'kubernetes.io/foo'}]}]",
              "test.yaml: extenders[0].managedResources[0].name: Invalid value: \"kubernetes.io/foo\": is an "
              "invalid extended resource name");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','managedResources':[{'name':'a.com/x'},{'name':'a.com/x'}]}]",
              "test.yaml: extenders[0].managedResources[1].name: Invalid value: \"a.com/x\": duplicate extender "
              "managed resource name");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','managedResources':[{'name':'a.com/x'}]},"
              "{'urlPrefix':'http://y','managedResources':[{'name':'a.com/x'}]}]",
              "test.yaml: extenders[1].managedResources[0].name: Invalid value: \"a.com/x\": duplicate extender "
              "managed resource name");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','enableHTTPS':'true'}]",
              "test.yaml: extenders[0].enableHTTPS: Invalid value: \"true\": must be a boolean");
    CHECK_ERR("'extenders':[{'urlPrefix':'http://x','tlsConfig':{'ca':'x'}}]",
              "test.yaml: strict decoding error: unknown field \"extenders[0].tlsConfig.ca\"");
}

/* ------------------------------------------------------------------ */
/* Files (YAML through k8s_parse_document)                              */
/* ------------------------------------------------------------------ */

static char *write_temp(const char *text) {
    char *path = xstrdup("/tmp/test_config_XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    if (fd < 0) return path;
    ssize_t n = write(fd, text, strlen(text));
    (void)n;
    close(fd);
    return path;
}

TEST(load_yaml_file) {
    use_fake_defaults();
    char *path = write_temp("apiVersion: kubescheduler.config.k8s.io/v1\n"
                            "kind: KubeSchedulerConfiguration\n"
                            "parallelism: 2\n"
                            "profiles:\n"
                            "  - schedulerName: regex-scheduler\n"
                            "    plugins:\n"
                            "      multiPoint:\n"
                            "        enabled:\n"
                            "          - name: RegexScheduling\n"
                            "      score:\n"
                            "        enabled:\n"
                            "          - name: NodeResourcesFit\n"
                            "            weight: 4\n");
    sl_config cfg;
    char err[512] = "";
    bool ok = sl_config_load_file(path, registry, &cfg, err, sizeof err);
    if (!ok) fprintf(stderr, "  %s\n", err);
    CHECK(ok);
    if (ok) {
        CHECK_EQ_INT(cfg.parallelism, 2);
        CHECK_EQ_STR(cfg.profiles[0].scheduler_name, "regex-scheduler");
        CHECK_LIST(&cfg.profiles[0], SL_EP_FILTER,
                   "NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,"
                   "VolumeRestrictions,NodeVolumeLimits,VolumeBinding,VolumeZone,PodTopologySpread,"
                   "InterPodAffinity,RegexScheduling");
        CHECK_LIST(&cfg.profiles[0], SL_EP_PRE_FILTER,
                   "NodeAffinity,NodePorts,NodeResourcesFit,VolumeRestrictions,NodeVolumeLimits,VolumeBinding,"
                   "VolumeZone,PodTopologySpread,InterPodAffinity,RegexScheduling");
        CHECK_EQ_INT(cfg.profiles[0].plugins[SL_EP_SCORE][0].weight, 4);
        sl_config_free(&cfg);
    }
    unlink(path);
    free(path);

    path = write_temp("apiVersion: kubescheduler.config.k8s.io/v1\n"
                      "kind: KubeSchedulerConfiguration\n"
                      "profiles:\n"
                      "  - plugins:\n"
                      "      filter:\n"
                      "        enabled:\n"
                      "          - name: NodeName\n"
                      "          - name: Foo\n");
    CHECK(!sl_config_load_file(path, registry, &cfg, err, sizeof err));
    char *want = xasprintf("%s: profiles[0].plugins.filter.enabled[1]: unknown plugin \"Foo\"", path);
    CHECK_EQ_STR(err, want);
    free(want);
    unlink(path);
    free(path);

    CHECK(!sl_config_load_file("/nonexistent/sched.yaml", registry, &cfg, err, sizeof err));
    CHECK(strncmp(err, "/nonexistent/sched.yaml: ", 25) == 0);
}

/* The qualified-name check config loading and plugin args share. */
TEST(qualified_names) {
    CHECK(sl_qualified_name_problem("example.com/my-key") == NULL);
    CHECK(sl_qualified_name_problem("key_1.x") == NULL);
    CHECK_EQ_STR(sl_qualified_name_problem("a/b/c"),
                 "a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
                 "and must start and end with an alphanumeric character, with an optional "
                 "DNS subdomain prefix and '/'");
    CHECK_EQ_STR(sl_qualified_name_problem("/x"), "prefix part must be non-empty");
    CHECK(strncmp(sl_qualified_name_problem("Example.com/x"), "prefix part a lowercase RFC 1123", 32) == 0);
    CHECK_EQ_STR(sl_qualified_name_problem("x/"), "name part must be non-empty");
    CHECK_EQ_STR(sl_qualified_name_problem(""), "name part must be non-empty");
    char long_name[80];
    memset(long_name, 'a', 64);
    long_name[64] = 0;
    CHECK_EQ_STR(sl_qualified_name_problem(long_name), "name part must be no more than 63 characters");
    CHECK(sl_qualified_name_problem("-x") != NULL);
    CHECK(sl_qualified_name_problem("x y") != NULL);
}

int main(void) {
    init_fakes();
    build_registries();
    RUN(top_level_defaults);
    RUN(default_expansion_matches_upstream);
    RUN(real_registry_default_expansion);
    RUN(real_registry_regex_plugins);
    RUN(default_plugin_args);
    RUN(top_level_values);
    RUN(top_level_validation);
    RUN(api_version_and_kind);
    RUN(strict_decoding);
    RUN(expansion_plugin_expansion);
    RUN(expansion_disable_at_some_points);
    RUN(expansion_multiple_plugins);
    RUN(expansion_disable_all_at_point);
    RUN(expansion_specific_point_takes_precedence);
    RUN(expansion_precedence_only_when_in_multipoint);
    RUN(expansion_override_weights);
    RUN(expansion_disable_and_enable_with_star);
    RUN(expansion_disable_and_enable_by_name);
    RUN(expansion_already_registered);
    RUN(expansion_avoid_loading_twice);
    RUN(merge_score_weight_overrides_multipoint);
    RUN(merge_multipoint_weight_in_place);
    RUN(merge_append_custom_plugin);
    RUN(merge_disable_defaults);
    RUN(queue_sort_and_bind_required);
    RUN(plugin_name_errors);
    RUN(profiles);
    RUN(plugin_config_merge_with_defaults);
    RUN(plugin_config_validation);
    RUN(extenders);
    RUN(load_yaml_file);
    RUN(qualified_names);
    free_registries();
    return test_summary("config");
}
