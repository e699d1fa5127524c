/*
 * plugin_args.h — small helpers the default plugins use to decode and
 * validate their pluginConfig args the way upstream's plugin-args
 * validation does. The syntax checks config loading shares live in the
 * scheduler layer (scheduler/validation.h).
 *
 * Messages follow the framework contract: "pluginConfig[<Plugin>].args.<field>: <problem>",
 * with <problem> worded like Go's field.Error ("Invalid value: 101: not in valid range [0, 100]",
 * "Unsupported value: \"X\": supported values: ...", "Required value", "unknown field").
 * Args decode strictly as upstream's do: an unknown key is an error
 * (kind/apiVersion are accepted).
 */
#ifndef SCHEDLAB_PLUGINS_PLUGIN_ARGS_H
#define SCHEDLAB_PLUGINS_PLUGIN_ARGS_H

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "scheduler/framework.h"
#include "scheduler/validation.h"

/* "pluginConfig[<name>].args" into buf. */
static inline const char *plugin_args_path(const sl_plugin *p, const char *fallback_name, char *buf,
                                           size_t bufsize) {
    snprintf(buf, bufsize, "pluginConfig[%s].args", p && p->name ? p->name : fallback_name);
    return buf;
}

/* Fails on a key of `obj` not listed in `known` (NULL-terminated). */
static inline bool plugin_args_only_known_fields(const json_t *obj, const char *const *known,
                                                 const char *path, char *err, size_t errsize) {
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        bool listed = strcmp(key, "kind") == 0 || strcmp(key, "apiVersion") == 0;
        for (const char *const *k = known; !listed && *k; k++) listed = strcmp(key, *k) == 0;
        if (!listed) {
            snprintf(err, errsize, "%s.%s: unknown field", path, key);
            return false;
        }
    }
    return true;
}

/* Integer field: absent/null leaves *out unchanged. */
static inline bool plugin_args_int(const json_t *obj, const char *key, const char *path,
                                   int64_t *out, char *err, size_t errsize) {
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return true;
    if (!json_is_integer(v)) {
        snprintf(err, errsize, "%s.%s: must be an integer", path, key);
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* metav1validation.ValidateLabelName: NULL when `name` is a valid
 * qualified name, else the reason (shared with config loading). */
static inline const char *qualified_name_problem(const char *name) {
    return sl_qualified_name_problem(name);
}

#endif
