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
/* Loads, defaults, validates and resolves a config file. Errors name the
 * file and the field: "sched.yaml: profiles[0].plugins.score.enabled[1].weight: must be in the range [0, 100]". */
bool sl_config_load_file(const char *path, sl_config *out, char *err, size_t errsize);
bool sl_config_load_json(const json_t *doc, const char *origin, sl_config *out, char *err,
                         size_t errsize);
void sl_config_free(sl_config *cfg);

const sl_profile_config *sl_config_profile(const sl_config *cfg, const char *scheduler_name);
/* Args of a plugin in a profile (defaults applied), NULL if none. */
const json_t *sl_profile_plugin_args(const sl_profile_config *profile, const char *plugin);

#endif
