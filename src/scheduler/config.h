/*
 * config.h — KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1),
 * loaded verbatim from YAML or JSON, defaulted and validated as upstream does
 * (pkg/scheduler/apis/config/{v1/defaults.go, v1/default_plugins.go,
 * validation}), and resolved into per-profile plugin lists: the
 * user's PluginSets merged with the defaults (mergePluginSet) and multiPoint
 * expanded per extension point (framework/runtime), so the framework only
 * has to instantiate what is listed here.
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

typedef struct sl_profile_config {
    char *scheduler_name;
    int32_t percentage_of_nodes_to_score; /* -1 = unset (use the global value) */
    /* Resolved, ordered plugin list per extension point. */
    uint32_t nplugins[SL_EP_COUNT];
    sl_plugin_ref *plugins[SL_EP_COUNT];
    uint32_t nargs;
    sl_plugin_args *args;
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

/* Upstream defaults: one profile "default-scheduler" with the default plugins. */
void sl_config_default(sl_config *out);
/* Loads (YAML or JSON), defaults, validates and resolves a config file.
 * On failure returns false, leaves *out zeroed and writes one message that
 * names the file and the field path, in upstream's field-error wording:
 *   "sched.yaml: profiles[0].plugins.score.enabled[1].weight: Invalid value: -1: must not be negative"
 *   "sched.yaml: profiles[0].plugins.filter.enabled[1]: unknown plugin \"Foo\""
 *   "sched.yaml: strict decoding error: unknown field \"profiles[0].foo\""
 * sl_config_load_json does the same for an already parsed document
 * (`origin` is the name used in messages). */
bool sl_config_load_file(const char *path, sl_config *out, char *err, size_t errsize);
bool sl_config_load_json(const json_t *doc, const char *origin, sl_config *out, char *err,
                         size_t errsize);
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

/* Plugin names are resolved through the native registry
 * (sl_plugin_registry_find). Tests may install another lookup (fake plugins
 * that implement chosen extension points); NULL restores the registry.
 * Process-global: set it before loading, not concurrently with a load. */
typedef const struct sl_plugin_registration *(*sl_plugin_lookup_fn)(const char *name);
void sl_config_set_plugin_lookup(sl_plugin_lookup_fn lookup);

/* MERGE: registry — stands in for sl_registry_set_resolver(): names that
 * neither the registry nor the test lookup know are offered, with their
 * pluginConfig args, to `fn` (the wasm plugin host: args carrying guestURL).
 * `error` (may be NULL) explains a NULL answer. The framework uses the same
 * resolver when it instantiates such a plugin. Process-global. */
typedef const struct sl_plugin_registration *(*sl_plugin_resolver_fn)(void *user, const char *name,
                                                                       const json_t *args);
void sl_config_set_plugin_resolver(sl_plugin_resolver_fn fn, void *user, const char *(*error)(void));
/* Resolves `name` through the resolver with `args` (NULL when none set). */
const struct sl_plugin_registration *sl_config_resolve_plugin(const char *name, const json_t *args);
const char *sl_config_resolver_error(void);

#endif
