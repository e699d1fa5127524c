/*
 * plugin_args.h — small helpers the default plugins use to decode and
 * validate their pluginConfig args the way upstream does
 * (pkg/scheduler/apis/config/validation/validation_pluginargs.go).
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

/* Part of a qualified name ("prefix/name" or "name", as label keys and
 * resource names): 1..63 characters of [A-Za-z0-9_.-], alphanumeric at both
 * ends. */
static inline bool qualified_name_part_ok(const char *s, size_t n) {
    if (n == 0 || n > 63) return false;
    if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1])) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.') return false;
    }
    return true;
}

/* metav1validation.ValidateLabelName: NULL when `name` is a valid
 * qualified name, else the reason. The prefix must be a DNS subdomain
 * (lower-case alphanumerics, '-' and '.', at most 253 characters). */
static inline const char *qualified_name_problem(const char *name) {
    const char *slash = strchr(name, '/');
    const char *local = slash ? slash + 1 : name;
    if (slash) {
        size_t plen = (size_t)(slash - name);
        if (plen == 0) return "prefix part must be non-empty";
        if (plen > 253) return "prefix part must be no more than 253 characters";
        for (size_t i = 0; i < plen; i++) {
            unsigned char ch = (unsigned char)name[i];
            if (!(islower(ch) || isdigit(ch) || ch == '-' || ch == '.'))
                return "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                       "alphanumeric characters, '-' or '.', and must start and end with an "
                       "alphanumeric character";
        }
        if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[plen - 1]))
            return "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                   "alphanumeric characters, '-' or '.', and must start and end with an "
                   "alphanumeric character";
        if (strchr(local, '/')) return "a qualified name must consist of at most one '/'";
    }
    size_t n = strlen(local);
    if (n == 0) return "name part must be non-empty";
    if (n > 63) return "name part must be no more than 63 characters";
    if (!qualified_name_part_ok(local, n))
        return "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
               "start and end with an alphanumeric character";
    return NULL;
}

#endif
