/*
 * config.h — KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1),
 * loaded verbatim from YAML or JSON, defaulted and validated as upstream's
 * scheduler config API does (its v1 defaulting, default plugin set and
 * validation), and resolved into per-profile plugin lists: the user's
 * PluginSets merged with the defaults (upstream's mergePluginSet) and
 * multiPoint expanded per extension point (as upstream's framework runtime
 * does), checking every name against a plugin registry.
 *
 * The profile keeps the merged sets too: a plugin instance may implement
 * fewer extension points than its registration (framework.h, sl_plugin_ops),
 * so the framework expands them again (sl_expand_plugin_sets) once it has
 * created the instances. Config-time expansion uses the registrations: it
 * finds every configuration error upstream reports, with field paths.
 */
#ifndef SCHEDLAB_CONFIG_H
#define SCHEDLAB_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

typedef enum sl_extension_point {
    SL_EP_PRE_ENQUEUE,
    SL_EP_QUEUE_SORT,
    SL_EP_PRE_FILTER,
    SL_EP_FILTER,
    SL_EP_POST_FILTER,
    SL_EP_PRE_SCORE,
    SL_EP_SCORE,
    SL_EP_RESERVE,
    SL_EP_PERMIT,
    SL_EP_PRE_BIND,
    SL_EP_BIND,
    SL_EP_POST_BIND,
    SL_EP_COUNT
} sl_extension_point;

/* "preEnqueue", "queueSort", ... (the config keys). */
const char *sl_extension_point_key(sl_extension_point ep);
/* "PreEnqueuePlugin", "QueueSortPlugin", ... (upstream's interface names,
 * used in messages as upstream does). */
const char *sl_extension_point_interface(sl_extension_point ep);

typedef struct sl_plugin_ref {
    char *name;
    int32_t weight;               /* score only; already defaulted (0 -> 1) */
} sl_plugin_ref;

typedef struct sl_plugin_args {
    char *name;
    json_t *args;                 /* with upstream defaults applied for known plugins */
} sl_plugin_args;

typedef struct sl_extender_config {
    char *url_prefix;
    char *filter_verb, *preempt_verb, *prioritize_verb, *bind_verb;
    int64_t weight;
    bool enable_https;
    int64_t http_timeout_ms;      /* default 5 s */
    bool node_cache_capable;
    bool ignorable;
    uint32_t nmanaged;
    struct { char *name; bool ignored_by_scheduler; } *managed_resources;
    json_t *raw;
} sl_extender_config;

/* One PluginSet after mergePluginSet: enabled entries in order (weight as
 * written, 0 = unset), disabled names. */
typedef struct sl_plugin_set_entry {
    char *name;
    int32_t weight;
    int32_t user_index;           /* index in the user's enabled list, -1 = a default */
} sl_plugin_set_entry;

typedef struct sl_plugin_set {
    uint32_t nenabled;
    sl_plugin_set_entry *enabled;
    uint32_t ndisabled;
    char **disabled;
} sl_plugin_set;

/* Index of the multiPoint set after the SL_EP_* ones. */
#define SL_PLUGIN_SET_MULTI_POINT SL_EP_COUNT
#define SL_PLUGIN_SETS (SL_EP_COUNT + 1)
/* "multiPoint" or the extension point's key. */
const char *sl_plugin_set_key(int set);

typedef struct sl_profile_config {
    char *scheduler_name;
    int32_t percentage_of_nodes_to_score; /* -1 = unset (use the global value) */
    /* Resolved, ordered plugin list per extension point, expanded with the
     * registrations' ops: every plugin an instance could be listed for. */
    uint32_t nplugins[SL_EP_COUNT];
    sl_plugin_ref *plugins[SL_EP_COUNT];
    uint32_t nargs;
    sl_plugin_args *args;
    /* The merged sets `plugins` was expanded from; has_sets false for a
     * profile built by hand (tests): the framework then takes `plugins`
     * as given. */
    bool has_sets;
    sl_plugin_set sets[SL_PLUGIN_SETS];
} sl_profile_config;

typedef struct sl_config {
    int32_t parallelism;                  /* default 16 */
    int32_t percentage_of_nodes_to_score; /* default 0 = adaptive */
    int64_t pod_initial_backoff_seconds;  /* default 1 */
    int64_t pod_max_backoff_seconds;      /* default 10 */
    uint32_t nprofiles;
    sl_profile_config *profiles;
    uint32_t nextenders;
    sl_extender_config *extenders;
    json_t *raw;                          /* the document as loaded (NULL for defaults) */
} sl_config;

struct sl_registry;

/* Upstream defaults: one profile "default-scheduler" with the default
 * plugins (those of them `registry` holds). */
void sl_config_default(const struct sl_registry *registry, sl_config *out);
/* Loads (YAML or JSON), defaults, validates and resolves a config file.
 * Plugin names are looked up in `registry` (sl_registry_resolve: its
 * plugins, then its resolver with the plugin's pluginConfig args); the
 * registry must outlive the config.
 * On failure returns false, leaves *out zeroed and writes one message that
 * names the file and the field path, in upstream's field-error wording:
 *   "sched.yaml: profiles[0].plugins.score.enabled[1].weight: Invalid value: -1: must not be negative"
 *   "sched.yaml: profiles[0].plugins.filter.enabled[1]: unknown plugin \"Foo\""
 *   "sched.yaml: strict decoding error: unknown field \"profiles[0].foo\""
 * sl_config_load_json does the same for an already parsed document
 * (`origin` is the name used in messages). */
bool sl_config_load_file(const char *path, const struct sl_registry *registry, sl_config *out,
                         char *err, size_t errsize);
bool sl_config_load_json(const json_t *doc, const char *origin, const struct sl_registry *registry,
                         sl_config *out, char *err, size_t errsize);
void sl_config_free(sl_config *cfg);

/* The profile whose schedulerName is `scheduler_name`, NULL if none. */
const sl_profile_config *sl_config_profile(const sl_config *cfg, const char *scheduler_name);
/* Args of a plugin in a profile (defaults applied), NULL if none. */
const json_t *sl_profile_plugin_args(const sl_profile_config *profile, const char *plugin);

/* Whether a registered plugin implements an extension point, i.e. whether
 * the matching member of its ops is non-NULL (less = QueueSort; reserve or
 * unreserve = Reserve). This is what multiPoint expansion uses. */
struct sl_plugin_registration;
bool sl_plugin_implements(const struct sl_plugin_registration *plugin, sl_extension_point ep);
/* The same test on a plugin's ops table (false for NULL). */
struct sl_plugin_ops;
bool sl_plugin_ops_implement(const struct sl_plugin_ops *ops, sl_extension_point ep);

/* multiPoint expansion (upstream's updatePluginList + expandMultiPointPlugins),
 * shared by config loading (with the registrations) and the framework (with
 * the plugin instances). `implements` answers whether a plugin implements
 * an extension point. Fills nplugins/plugins (heap: free each name and
 * array) per extension point: 1) plugins enabled at the point that
 * multiPoint also lists, in the point's order; 2) the other multiPoint
 * plugins that implement the point and are not disabled there, in
 * multiPoint order; 3) the remaining plugins enabled at the point; score
 * weights from score.enabled, then multiPoint.enabled, 0 meaning 1.
 * On a problem returns false with *problem describing it (nothing to free). */
typedef bool (*sl_implements_fn)(void *user, const char *plugin, sl_extension_point ep);
typedef enum sl_expand_problem_kind {
    SL_EXPAND_NOT_EXTENDED,       /* "plugin %q does not extend %s plugin" */
    SL_EXPAND_DUPLICATE,          /* "plugin %q already registered as %q" */
} sl_expand_problem_kind;
typedef struct sl_expand_problem {
    sl_expand_problem_kind kind;
    int set;                      /* the set listing it (SL_EP_* or SL_PLUGIN_SET_MULTI_POINT) */
    int32_t user_index;           /* its entry in the user's enabled list, -1 = a default */
    const char *plugin;           /* borrowed from the sets */
    sl_extension_point ep;
} sl_expand_problem;
bool sl_expand_plugin_sets(const sl_plugin_set sets[SL_PLUGIN_SETS], sl_implements_fn implements,
                           void *user, uint32_t nplugins[SL_EP_COUNT],
                           sl_plugin_ref *plugins[SL_EP_COUNT], sl_expand_problem *problem);

#endif
