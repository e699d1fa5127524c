/*
 * config_internal.h — what the files of config loading share; not part of
 * the config API (config.h). By concern:
 *   config.c            the document and its profiles, the public API
 *   config_decode.c     strict decoding: the loader (origin, field path,
 *                       first error), typed field readers, name syntax,
 *                       Go durations
 *   config_plugins.c    plugin sets: decoding, the default set, merging
 *                       (mergePluginSet), pluginConfig and default args,
 *                       the common-queueSort check
 *   config_expand.c     extension points and multiPoint expansion (also
 *                       used by the framework)
 *   config_extenders.c  extenders
 *   config_args.c       the in-tree plugins' args (defaults, validation)
 *
 * Conventions: a reader reports problems at "<current path>.<key>" in
 * upstream's field-error wording and returns false; a field that is absent
 * or null is "unset" (as in Go) and leaves the output untouched. Paths are
 * pushed with cfg_enter_key/cfg_enter_index, which return a mark that
 * cfg_leave restores; after an error the path is left as it was, since the
 * message has already been written.
 */
#ifndef SCHEDLAB_CONFIG_INTERNAL_H
#define SCHEDLAB_CONFIG_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define CONFIG_API_VERSION "kubescheduler.config.k8s.io/v1"

struct sl_registry;
struct sl_profile_config;
struct sl_config;
struct sl_extender_config;

typedef struct cfg_loader {
    const struct sl_registry *registry; /* where plugin names are looked up */
    const json_t *plugin_config;  /* the current profile's raw pluginConfig (resolver args) */
    void *resolved;               /* the current profile's resolver answers (config_plugins.c) */
    const char *origin;           /* file name, first in every message */
    char *err;
    size_t errsize;
    char path[512];               /* e.g. "profiles[0].pluginConfig[1].args" */
    size_t path_len;
} cfg_loader;

size_t cfg_enter_key(cfg_loader *l, const char *key);
size_t cfg_enter_index(cfg_loader *l, size_t index);
void cfg_leave(cfg_loader *l, size_t mark);

/* "ORIGIN: path: message"; always false. */
bool cfg_fail(cfg_loader *l, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* "...: Invalid value: <value as JSON>: detail"; always false. */
bool cfg_fail_invalid(cfg_loader *l, const json_t *value, const char *detail);
bool cfg_fail_invalid_int(cfg_loader *l, int64_t value, const char *detail);
bool cfg_fail_invalid_string(cfg_loader *l, const char *value, const char *detail);

bool cfg_in_list(const char *const *list, const char *s);   /* NULL-terminated list */
/* `obj` (at the current path) must be an object with only `known` keys:
 * otherwise "strict decoding error: unknown field \"path.key\"". */
bool cfg_check_object(cfg_loader *l, const json_t *obj, const char *const *known);
const json_t *cfg_field(const json_t *obj, const char *key); /* NULL if absent or null */
bool cfg_read_int(cfg_loader *l, const json_t *obj, const char *key, int64_t lo, int64_t hi,
                  bool *present, int64_t *out);
bool cfg_read_int32(cfg_loader *l, const json_t *obj, const char *key, bool *present, int32_t *out);
bool cfg_read_bool(cfg_loader *l, const json_t *obj, const char *key, bool *out);
bool cfg_read_string(cfg_loader *l, const json_t *obj, const char *key, const char **out);
bool cfg_read_array(cfg_loader *l, const json_t *obj, const char *key, const json_t **out);
/* Label-key / resource-name syntax: NULL when valid, else the reason. */
const char *cfg_qualified_name_problem(const char *s);
/* time.ParseDuration ("300ms", "1m30s"). */
bool cfg_parse_go_duration(const char *s, int64_t *ns_out);

/* ---- plugin sets (config_plugins.c) ---- */

/* Decodes the profile's `plugins` (NULL = none given) at the current path,
 * merges it with the default set, stores the merged sets in out->sets,
 * expands them with the registry and checks queueSort (exactly one) and
 * bind (at least one). `plugin_config` is the profile's raw pluginConfig
 * list (may be NULL), for the registry's resolver. */
bool cfg_resolve_plugins(cfg_loader *l, const json_t *plugins, const json_t *plugin_config,
                         struct sl_profile_config *out);
/* Decodes pluginConfig (NULL = none) into out->args and adds the default
 * args of enabled in-tree plugins that have none. */
bool cfg_resolve_plugin_config(cfg_loader *l, const json_t *list, struct sl_profile_config *out);
/* validateCommonQueueSort across the profiles. */
bool cfg_check_common_queue_sort(cfg_loader *l, const struct sl_config *cfg);
void cfg_plugin_sets_free(struct sl_profile_config *profile);

/* ---- extenders (config_extenders.c) ---- */

bool cfg_decode_extender(cfg_loader *l, const json_t *obj, struct sl_extender_config *out);
/* validateExtenders across the list. */
bool cfg_check_extenders(cfg_loader *l, const struct sl_config *cfg);
/* ignoredByScheduler managed resources -> NodeResourcesFit ignoredResources. */
void cfg_apply_extender_ignored_resources(struct sl_config *cfg);
void cfg_extender_free(struct sl_extender_config *e);

/* ---- plugin args (config_args.c) ---- */

/* Validates `args` (a private, mutable copy at the current path) strictly
 * and fills upstream's defaults in place. */
typedef bool (*cfg_args_handler)(cfg_loader *l, json_t *args);
/* The handler of an in-tree plugin that takes args, NULL for any other. */
cfg_args_handler cfg_find_args_handler(const char *plugin);
/* The args of such a plugin: `user` (may be NULL) validated and defaulted
 * into a new object; `apiVersion`/`kind` are checked and dropped. NULL
 * after an error. */
json_t *cfg_resolve_known_args(cfg_loader *l, const char *plugin, cfg_args_handler handle,
                               const json_t *user);

#endif
