/*
 * config_internal.h — what config.c (document, profiles, plugin sets,
 * extenders) and config_args.c (plugin args) share: the loader that tracks
 * the origin, the current field path and the first error, and the strict,
 * typed field readers. Not part of the config API (config.h).
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

typedef struct cfg_loader {
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
