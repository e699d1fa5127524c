/*
 * config.c — KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1):
 * decoding, defaulting, validation and profile resolution, in the order
 * upstream applies them:
 *
 *   1. strict decoding: every object is checked against its known fields
 *      ("strict decoding error: unknown field ..."), every value against
 *      its type;
 *   2. defaulting (apis/config/v1/defaults.go, default_plugins.go): the
 *      top-level numbers, one "default-scheduler" profile when none is
 *      given, the user's PluginSets merged into the default multiPoint set
 *      (mergePluginSet), default args for the in-tree plugins that take args;
 *   3. validation (apis/config/validation): ranges, duplicates, queueSort
 *      identical across profiles, extenders, plugin args;
 *   4. what upstream does when it builds a framework (framework/runtime):
 *      every name must be a registered plugin, specific extension points
 *      only list plugins that implement them, multiPoint is expanded per
 *      extension point, score weights default to 1, exactly one queueSort
 *      and at least one bind plugin.
 *
 * The result is a flat, ordered plugin list per extension point and profile
 * so the framework only instantiates what it is given. The args of the
 * in-tree plugins (defaults and validation) live in config_args.c; the
 * loader and field readers both files use are in config_internal.h.
 *
 * Errors stop at the first problem (upstream aggregates them all; one
 * precise message is enough for a CLI and keeps the code simple). Every
 * message is "ORIGIN: field.path: what is wrong", using upstream's
 * field-error phrasing ("Invalid value", "Required value", "Unsupported
 * value", "Duplicate value").
 */
#include "scheduler/config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"
#include "scheduler/config_internal.h"
#include "scheduler/framework.h"

#define CONFIG_KIND "KubeSchedulerConfiguration"
#define DEFAULT_SCHEDULER_NAME "default-scheduler"
#define DEFAULT_EXTENDER_TIMEOUT_MS 5000

/* ------------------------------------------------------------------ */
/* Extension points and the plugin registry                             */
/* ------------------------------------------------------------------ */

static const char *const extension_point_keys[SL_EP_COUNT] = {
    "preEnqueue", "queueSort", "preFilter", "filter",  "postFilter", "preScore",
    "score",      "reserve",   "permit",    "preBind", "bind",       "postBind",
};

/* Upstream's interface names, used in messages as upstream does. */
static const char *const extension_point_interfaces[SL_EP_COUNT] = {
    "PreEnqueuePlugin", "QueueSortPlugin", "PreFilterPlugin", "FilterPlugin",
    "PostFilterPlugin", "PreScorePlugin",  "ScorePlugin",     "ReservePlugin",
    "PermitPlugin",     "PreBindPlugin",   "BindPlugin",      "PostBindPlugin",
};

const char *sl_extension_point_key(sl_extension_point ep) {
    return (unsigned)ep < SL_EP_COUNT ? extension_point_keys[ep] : "unknown";
}

const char *sl_extension_point_interface(sl_extension_point ep) {
    return (unsigned)ep < SL_EP_COUNT ? extension_point_interfaces[ep] : "unknown";
}

bool sl_plugin_implements(const struct sl_plugin_registration *plugin, sl_extension_point ep) {
    return plugin && sl_plugin_ops_implement(plugin->ops, ep);
}

bool sl_plugin_ops_implement(const sl_plugin_ops *ops, sl_extension_point ep) {
    if (!ops) return false;
    switch (ep) {
    case SL_EP_PRE_ENQUEUE: return ops->pre_enqueue != NULL;
    case SL_EP_QUEUE_SORT: return ops->less != NULL;
    case SL_EP_PRE_FILTER: return ops->pre_filter != NULL;
    case SL_EP_FILTER: return ops->filter != NULL;
    case SL_EP_POST_FILTER: return ops->post_filter != NULL;
    case SL_EP_PRE_SCORE: return ops->pre_score != NULL;
    case SL_EP_SCORE: return ops->score != NULL;
    case SL_EP_RESERVE: return ops->reserve != NULL || ops->unreserve != NULL;
    case SL_EP_PERMIT: return ops->permit != NULL;
    case SL_EP_PRE_BIND: return ops->pre_bind != NULL;
    case SL_EP_BIND: return ops->bind != NULL;
    case SL_EP_POST_BIND: return ops->post_bind != NULL;
    case SL_EP_COUNT: break;
    }
    return false;
}

static sl_plugin_lookup_fn plugin_lookup_override;

void sl_config_set_plugin_lookup(sl_plugin_lookup_fn lookup) { plugin_lookup_override = lookup; }

/* MERGE: registry — resolver for out-of-tree names (wasm plugins). */
static sl_plugin_resolver_fn plugin_resolver;
static void *plugin_resolver_user;
static const char *(*plugin_resolver_error)(void);
/* pluginConfig of the profile being decoded (its args feed the resolver). */
static _Thread_local const json_t *decoding_plugin_config;
static _Thread_local uint64_t decoding_generation; /* bumped per profile decode */

void sl_config_set_plugin_resolver(sl_plugin_resolver_fn fn, void *user, const char *(*error)(void)) {
    plugin_resolver = fn;
    plugin_resolver_user = user;
    plugin_resolver_error = error;
}

const sl_plugin_registration *sl_config_resolve_plugin(const char *name, const json_t *args) {
    return plugin_resolver && args ? plugin_resolver(plugin_resolver_user, name, args) : NULL;
}

const char *sl_config_resolver_error(void) {
    return plugin_resolver_error ? plugin_resolver_error() : "";
}

static const json_t *decoding_args_of(const char *name) {
    for (size_t i = 0; i < json_array_size(decoding_plugin_config); i++) {
        const json_t *item = json_array_get(decoding_plugin_config, i);
        const char *n = json_string_value(json_object_get(item, "name"));
        if (n && strcmp(n, name) == 0) return json_object_get(item, "args");
    }
    return NULL;
}

static const sl_plugin_registration *find_plugin(const char *name) {
    const sl_plugin_registration *r =
        plugin_lookup_override ? plugin_lookup_override(name) : sl_plugin_registry_find(name);
    if (!r && plugin_resolver) { /* MERGE: registry */
        /* Resolve once per profile decode: the answer is remembered. */
        static _Thread_local struct {
            uint64_t generation;
            char name[256];
            const sl_plugin_registration *reg;
        } memo[16];
        const json_t *args = decoding_args_of(name);
        if (!args) return NULL;
        for (int i = 0; i < 16; i++)
            if (memo[i].generation == decoding_generation && strcmp(memo[i].name, name) == 0 && memo[i].reg)
                return memo[i].reg;
        r = sl_config_resolve_plugin(name, args);
        if (r) {
            static _Thread_local int next;
            int k = next++ % 16;
            memo[k].generation = decoding_generation;
            snprintf(memo[k].name, sizeof memo[k].name, "%s", name);
            memo[k].reg = r;
        }
    }
    return r;
}

/* The default multiPoint set (apis/config/v1/default_plugins.go, v1.31+:
 * the in-tree *Limits volume plugins are gone, DynamicResources is gated
 * off). Weights are the ones upstream sets; unlisted weights default to 1. */
static const struct {
    const char *name;
    int32_t weight;
} default_multi_point[] = {
    {"SchedulingGates", 0},
    {"PrioritySort", 0},
    {"NodeUnschedulable", 0},
    {"NodeName", 0},
    {"TaintToleration", 3},
    {"NodeAffinity", 2},
    {"NodePorts", 0},
    {"NodeResourcesFit", 1},
    {"VolumeRestrictions", 0},
    {"NodeVolumeLimits", 0},
    {"VolumeBinding", 0},
    {"VolumeZone", 0},
    {"PodTopologySpread", 2},
    {"InterPodAffinity", 2},
    {"DefaultPreemption", 0},
    {"NodeResourcesBalancedAllocation", 1},
    {"ImageLocality", 1},
    {"DefaultBinder", 0},
};

/* Plugins removed from v1 (validation.go invalidPluginsByVersion). */
static const char *const removed_plugins[] = {"AzureDiskLimits", "CinderLimits", "EBSLimits",
                                              "GCEPDLimits"};

static bool is_removed_plugin(const char *name) {
    for (size_t i = 0; i < ARRAY_LEN(removed_plugins); i++)
        if (strcmp(removed_plugins[i], name) == 0) return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* The loader: origin, current field path, the first error               */
/* ------------------------------------------------------------------ */

/* Entering a field returns a mark; cfg_leave() restores the path to it. */
size_t cfg_enter_key(cfg_loader *l, const char *key) {
    size_t mark = l->path_len;
    int n = snprintf(l->path + l->path_len, sizeof l->path - l->path_len, "%s%s",
                     l->path_len ? "." : "", key);
    if (n > 0) l->path_len = SL_MIN(l->path_len + (size_t)n, sizeof l->path - 1);
    return mark;
}

size_t cfg_enter_index(cfg_loader *l, size_t index) {
    size_t mark = l->path_len;
    int n = snprintf(l->path + l->path_len, sizeof l->path - l->path_len, "[%zu]", index);
    if (n > 0) l->path_len = SL_MIN(l->path_len + (size_t)n, sizeof l->path - 1);
    return mark;
}

void cfg_leave(cfg_loader *l, size_t mark) {
    l->path_len = mark;
    l->path[mark] = 0;
}

/* "ORIGIN: path: message". Always returns false so callers can
 * `return cfg_fail(...)`. */
bool cfg_fail(cfg_loader *l, const char *fmt, ...) {
    if (!l->err || !l->errsize) return false;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (l->path_len)
        snprintf(l->err, l->errsize, "%s: %s: %s", l->origin, l->path, message);
    else
        snprintf(l->err, l->errsize, "%s: %s", l->origin, message);
    return false;
}

/* A value as Go's field errors print it: JSON, shortened. */
static void value_repr(const json_t *value, char *buf, size_t size) {
    char *text = value ? json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    const char *shown = text ? text : "null";
    if (strlen(shown) >= size && size > 4)
        snprintf(buf, size, "%.*s...", (int)(size - 4), shown);
    else
        snprintf(buf, size, "%s", shown);
    free(text);
}

bool cfg_fail_invalid(cfg_loader *l, const json_t *value, const char *detail) {
    char repr[128];
    value_repr(value, repr, sizeof repr);
    return cfg_fail(l, "Invalid value: %s: %s", repr, detail);
}

bool cfg_fail_invalid_int(cfg_loader *l, int64_t value, const char *detail) {
    return cfg_fail(l, "Invalid value: %" PRId64 ": %s", value, detail);
}

bool cfg_fail_invalid_string(cfg_loader *l, const char *value, const char *detail) {
    json_t *s = json_string(value);
    bool r = cfg_fail_invalid(l, s, detail);
    json_decref(s);
    return r;
}

/* ------------------------------------------------------------------ */
/* Strict, typed field access                                           */
/* ------------------------------------------------------------------ */

bool cfg_in_list(const char *const *list, const char *s) {
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return true;
    return false;
}

/* `obj` (at the current path) must be an object whose keys are all known. */
bool cfg_check_object(cfg_loader *l, const json_t *obj, const char *const *known) {
    if (!json_is_object(obj)) return cfg_fail_invalid(l, obj, "must be an object");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        if (cfg_in_list(known, key)) continue;
        if (!l->err || !l->errsize) return false;
        if (l->path_len)
            snprintf(l->err, l->errsize, "%s: strict decoding error: unknown field \"%s.%s\"",
                     l->origin, l->path, key);
        else
            snprintf(l->err, l->errsize, "%s: strict decoding error: unknown field \"%s\"",
                     l->origin, key);
        return false;
    }
    return true;
}

/* A field's value, NULL when absent or null (Go treats both as unset). */
const json_t *cfg_field(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static bool as_integer(const json_t *v, int64_t *out) {
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d) {
            *out = (int64_t)d;
            return true;
        }
    }
    return false;
}

/* Reads an integer field within [lo, hi] (the Go type's range: a value
 * outside it is a decoding error, not a validation error). */
bool cfg_read_int(cfg_loader *l, const json_t *obj, const char *key, int64_t lo, int64_t hi,
                     bool *present, int64_t *out) {
    const json_t *v = cfg_field(obj, key);
    if (present) *present = v != NULL;
    if (!v) return true;
    size_t mark = cfg_enter_key(l, key);
    int64_t n;
    if (!as_integer(v, &n)) return cfg_fail_invalid(l, v, "must be an integer");
    if (n < lo || n > hi) {
        char detail[96];
        snprintf(detail, sizeof detail, "must fit in a %s integer", hi == INT32_MAX ? "32-bit" : "64-bit");
        return cfg_fail_invalid(l, v, detail);
    }
    cfg_leave(l, mark);
    *out = n;
    return true;
}

bool cfg_read_int32(cfg_loader *l, const json_t *obj, const char *key, bool *present, int32_t *out) {
    int64_t n = *out;
    if (!cfg_read_int(l, obj, key, INT32_MIN, INT32_MAX, present, &n)) return false;
    *out = (int32_t)n;
    return true;
}

bool cfg_read_bool(cfg_loader *l, const json_t *obj, const char *key, bool *out) {
    const json_t *v = cfg_field(obj, key);
    if (!v) return true;
    if (!json_is_boolean(v)) {
        cfg_enter_key(l, key);
        return cfg_fail_invalid(l, v, "must be a boolean");
    }
    *out = json_is_true(v);
    return true;
}

/* *out stays untouched when the field is absent. */
bool cfg_read_string(cfg_loader *l, const json_t *obj, const char *key, const char **out) {
    const json_t *v = cfg_field(obj, key);
    if (!v) return true;
    if (!json_is_string(v)) {
        cfg_enter_key(l, key);
        return cfg_fail_invalid(l, v, "must be a string");
    }
    *out = json_string_value(v);
    return true;
}

/* A list field: NULL when absent. */
bool cfg_read_array(cfg_loader *l, const json_t *obj, const char *key, const json_t **out) {
    const json_t *v = cfg_field(obj, key);
    *out = NULL;
    if (!v) return true;
    if (!json_is_array(v)) {
        cfg_enter_key(l, key);
        return cfg_fail_invalid(l, v, "must be a list");
    }
    *out = v;
    return true;
}

/* ------------------------------------------------------------------ */
/* Name syntax (apimachinery validation)                                */
/* ------------------------------------------------------------------ */

static bool is_alnum(char c) { return isascii((unsigned char)c) && isalnum((unsigned char)c); }

/* DNS-1123 subdomain: lowercase alphanumerics, '-' and '.', starting and
 * ending with an alphanumeric, at most 253 characters. */
static bool is_dns1123_subdomain(const char *s, size_t n) {
    if (n == 0 || n > 253) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return false;
    }
    return is_alnum(s[0]) && is_alnum(s[n - 1]);
}

/* Qualified name ("[prefix/]name", as label keys and resource names are
 * checked): NULL when valid, otherwise why not. */
const char *cfg_qualified_name_problem(const char *s) {
    const char *slash = strchr(s, '/');
    const char *name = s;
    if (slash) {
        if (strchr(slash + 1, '/'))
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character, with an optional "
                   "DNS subdomain prefix and '/'";
        if (!is_dns1123_subdomain(s, (size_t)(slash - s)))
            return "prefix part must be a lowercase RFC 1123 subdomain";
        name = slash + 1;
    }
    size_t n = strlen(name);
    if (n == 0) return "name part must be non-empty";
    if (n > 63) return "name part must be no more than 63 characters";
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!(is_alnum(c) || c == '-' || c == '_' || c == '.'))
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and "
                   "must start and end with an alphanumeric character";
    }
    if (!is_alnum(name[0]) || !is_alnum(name[n - 1]))
        return "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
               "start and end with an alphanumeric character";
    return NULL;
}

/* Extended resource names: qualified, with a domain prefix that is not
 * kubernetes.io, and not starting with "requests." (v1helper). */
static const char *extended_resource_problem(const char *s) {
    const char *problem = cfg_qualified_name_problem(s);
    if (problem) return problem;
    if (!strchr(s, '/') || strstr(s, "kubernetes.io/") || strncmp(s, "requests.", 9) == 0)
        return "is an invalid extended resource name";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Go durations ("300ms", "1m30s", "5s")                                */
/* ------------------------------------------------------------------ */

/* time.ParseDuration: an optional sign, then one or more decimal numbers
 * each followed by a unit (ns, us, µs, ms, s, m, h); "0" alone is allowed. */
static bool parse_go_duration(const char *s, int64_t *ns_out) {
    const char *p = s;
    bool negative = false;
    if (*p == '+' || *p == '-') negative = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *ns_out = 0;
        return true;
    }
    if (!*p) return false;
    double total = 0;
    while (*p) {
        if (!(isdigit((unsigned char)*p) || *p == '.')) return false;
        char *end;
        double number = strtod(p, &end);
        if (end == p) return false;
        p = end;
        static const struct {
            const char *unit;
            double ns;
        } units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
                     {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
        size_t matched = 0;
        double scale = 0;
        for (size_t i = 0; i < ARRAY_LEN(units); i++) {
            size_t n = strlen(units[i].unit);
            /* "m" must not swallow the "m" of "ms": take the longest match. */
            if (strncmp(p, units[i].unit, n) == 0 && n > matched) {
                matched = n;
                scale = units[i].ns;
            }
        }
        if (!matched) return false;
        p += matched;
        total += number * scale;
        if (total > 9.2e18) return false;
    }
    *ns_out = (int64_t)(negative ? -total : total);
    return true;
}

/* ------------------------------------------------------------------ */
/* Plugin sets: decoding and mergePluginSet                             */
/* ------------------------------------------------------------------ */

#define MULTI_POINT SL_EP_COUNT  /* index of the multiPoint set */
#define NUM_PLUGIN_SETS (SL_EP_COUNT + 1)

typedef struct plugin_entry {
    const char *name;   /* borrowed: from the document or a static table */
    int32_t weight;
    int user_index;     /* index in the user's enabled list, -1 for defaults */
} plugin_entry;

typedef struct plugin_set {
    VEC(plugin_entry) enabled;
    VEC(const char *) disabled;
} plugin_set;

typedef struct plugin_sets {
    plugin_set sets[NUM_PLUGIN_SETS];
} plugin_sets;

static const char *plugin_set_key(int set) {
    return set == MULTI_POINT ? "multiPoint" : extension_point_keys[set];
}

static void plugin_sets_free(plugin_sets *ps) {
    for (int i = 0; i < NUM_PLUGIN_SETS; i++) {
        VEC_FREE(&ps->sets[i].enabled);
        VEC_FREE(&ps->sets[i].disabled);
    }
}

static bool set_disables(const plugin_set *set, const char *name) {
    for (size_t i = 0; i < set->disabled.len; i++)
        if (strcmp(set->disabled.items[i], name) == 0) return true;
    return false;
}

static const plugin_entry *set_find_enabled(const plugin_set *set, const char *name) {
    for (size_t i = 0; i < set->enabled.len; i++)
        if (strcmp(set->enabled.items[i].name, name) == 0) return &set->enabled.items[i];
    return NULL;
}

static void default_plugin_sets(plugin_sets *out) {
    static bool warned;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < ARRAY_LEN(default_multi_point); i++) {
        /* A default plugin missing from this build (its file not written
         * yet) is left out with a warning rather than failing every config. */
        if (!find_plugin(default_multi_point[i].name)) {
            if (!warned && !plugin_lookup_override)
                log_warn("default plugin %s is not built into this binary; leaving it out",
                         default_multi_point[i].name);
            continue;
        }
        plugin_entry e = {default_multi_point[i].name, default_multi_point[i].weight, -1};
        VEC_PUSH(&out->sets[MULTI_POINT].enabled, e);
    }
    warned = true;
}

/* Decodes {enabled: [{name, weight}], disabled: [{name}]} at the current
 * path into `out`, checking names against the registry and, for a specific
 * extension point, that the plugin implements it. */
static bool decode_plugin_set(cfg_loader *l, const json_t *obj, int set, plugin_set *out) {
    static const char *const set_fields[] = {"enabled", "disabled", NULL};
    static const char *const plugin_fields[] = {"name", "weight", NULL};
    if (!cfg_check_object(l, obj, set_fields)) return false;

    const json_t *list;
    if (!cfg_read_array(l, obj, "enabled", &list)) return false;
    size_t mark = cfg_enter_key(l, "enabled");
    for (size_t i = 0; list && i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        size_t item_mark = cfg_enter_index(l, i);
        if (!cfg_check_object(l, item, plugin_fields)) return false;
        const char *name = NULL;
        int32_t weight = 0;
        if (!cfg_read_string(l, item, "name", &name) || !cfg_read_int32(l, item, "weight", NULL, &weight))
            return false;
        if (!name || !*name) {
            cfg_enter_key(l, "name");
            return cfg_fail(l, "Required value");
        }
        if (is_removed_plugin(name)) {
            char detail[192];
            snprintf(detail, sizeof detail,
                     "was invalid in version \"%s\" (KubeSchedulerConfiguration is version \"%s\")",
                     CONFIG_API_VERSION, CONFIG_API_VERSION);
            return cfg_fail_invalid_string(l, name, detail);
        }
        const sl_plugin_registration *plugin = find_plugin(name);
        if (!plugin && decoding_args_of(name) && sl_config_resolver_error()[0]) /* MERGE: registry */
            return cfg_fail(l, "plugin \"%s\": %s", name, sl_config_resolver_error());
        if (!plugin) return cfg_fail(l, "unknown plugin \"%s\"", name);
        if (set != MULTI_POINT && !sl_plugin_implements(plugin, (sl_extension_point)set))
            return cfg_fail(l, "plugin \"%s\" does not extend %s plugin", name,
                        extension_point_interfaces[set]);
        if (weight < 0) {
            cfg_enter_key(l, "weight");
            return cfg_fail_invalid_int(l, weight, "must not be negative");
        }
        plugin_entry e = {name, weight, (int)i};
        VEC_PUSH(&out->enabled, e);
        cfg_leave(l, item_mark);
    }
    cfg_leave(l, mark);

    if (!cfg_read_array(l, obj, "disabled", &list)) return false;
    mark = cfg_enter_key(l, "disabled");
    for (size_t i = 0; list && i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        size_t item_mark = cfg_enter_index(l, i);
        if (!cfg_check_object(l, item, plugin_fields)) return false;
        const char *name = NULL;
        if (!cfg_read_string(l, item, "name", &name)) return false;
        if (!name || !*name) {
            cfg_enter_key(l, "name");
            return cfg_fail(l, "Required value");
        }
        VEC_PUSH(&out->disabled, name);
        cfg_leave(l, item_mark);
    }
    cfg_leave(l, mark);
    return true;
}

/* mergePluginSet: disabled = user's + defaults'; unless "*" is disabled,
 * the default plugins in order, minus the disabled ones, each replaced in
 * place by the user's entry of the same name; then the user's other
 * enabled plugins in their order (duplicates kept: they fail later). */
static void merge_plugin_set(const plugin_set *defaults, const plugin_set *user, plugin_set *out) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < user->disabled.len; i++) VEC_PUSH(&out->disabled, user->disabled.items[i]);
    for (size_t i = 0; i < defaults->disabled.len; i++)
        VEC_PUSH(&out->disabled, defaults->disabled.items[i]);

    bool *replaced = xcalloc(user->enabled.len + 1, sizeof *replaced);
    if (!set_disables(out, "*")) {
        for (size_t i = 0; i < defaults->enabled.len; i++) {
            plugin_entry e = defaults->enabled.items[i];
            if (set_disables(out, e.name)) continue;
            /* The user's last entry of that name wins, as with Go's map. */
            for (size_t j = user->enabled.len; j-- > 0;) {
                if (strcmp(user->enabled.items[j].name, e.name) == 0) {
                    e = user->enabled.items[j];
                    replaced[j] = true;
                    break;
                }
            }
            VEC_PUSH(&out->enabled, e);
        }
    }
    for (size_t j = 0; j < user->enabled.len; j++)
        if (!replaced[j]) VEC_PUSH(&out->enabled, user->enabled.items[j]);
    free(replaced);
}

/* ------------------------------------------------------------------ */
/* Resolution: multiPoint expansion, weights                            */
/* ------------------------------------------------------------------ */

static bool names_contain(const char *const *names, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

/* Reports a plugin listed twice at the path of its user entry. */
static bool fail_already_registered(cfg_loader *l, int set, const plugin_entry *e, sl_extension_point ep) {
    size_t mark = cfg_enter_key(l, "plugins");
    cfg_enter_key(l, plugin_set_key(set));
    if (e->user_index >= 0) {
        cfg_enter_key(l, "enabled");
        cfg_enter_index(l, (size_t)e->user_index);
    }
    cfg_fail(l, "plugin \"%s\" already registered as \"%s\"", e->name, extension_point_interfaces[ep]);
    cfg_leave(l, mark);
    return false;
}

/* Score weight of a plugin: the first entry in score.enabled, then in
 * multiPoint.enabled (getScoreWeights); 0 or unset means 1. */
static int32_t score_weight(const plugin_sets *merged, const char *name) {
    const plugin_entry *e = set_find_enabled(&merged->sets[SL_EP_SCORE], name);
    if (!e) e = set_find_enabled(&merged->sets[MULTI_POINT], name);
    return e && e->weight > 0 ? e->weight : 1;
}

/* Builds the ordered plugin list of every extension point from the merged
 * sets, as the framework does (updatePluginList + expandMultiPointPlugins):
 * at each point, 1) plugins enabled at the point that multiPoint also
 * lists, in the point's order; 2) the other multiPoint plugins that
 * implement the point and are not disabled there, in multiPoint order;
 * 3) the remaining plugins enabled at the point. "*" disabled at a point
 * means no multiPoint plugin is added there. */
static bool expand_plugins(cfg_loader *l, const plugin_sets *merged, sl_profile_config *profile) {
    const plugin_set *multi = &merged->sets[MULTI_POINT];
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        const plugin_set *point = &merged->sets[ep];
        size_t cap = point->enabled.len + multi->enabled.len;
        const char **specific = xcalloc(cap + 1, sizeof *specific);
        const char **overrides = xcalloc(cap + 1, sizeof *overrides);
        const char **from_multi = xcalloc(cap + 1, sizeof *from_multi);
        size_t nspecific = 0, noverrides = 0, nmulti = 0;
        bool ok = true;

        for (size_t i = 0; ok && i < point->enabled.len; i++) {
            const plugin_entry *e = &point->enabled.items[i];
            if (names_contain(specific, nspecific, e->name))
                ok = fail_already_registered(l, ep, e, (sl_extension_point)ep);
            else
                specific[nspecific++] = e->name;
        }
        if (ok && !set_disables(point, "*")) {
            for (size_t i = 0; ok && i < multi->enabled.len; i++) {
                const plugin_entry *e = &multi->enabled.items[i];
                const sl_plugin_registration *plugin = find_plugin(e->name);
                if (!plugin || !sl_plugin_implements(plugin, (sl_extension_point)ep)) continue;
                if (set_disables(point, e->name)) continue;
                if (names_contain(specific, nspecific, e->name)) {
                    if (!names_contain(overrides, noverrides, e->name)) overrides[noverrides++] = e->name;
                    continue;
                }
                if (names_contain(from_multi, nmulti, e->name)) {
                    ok = fail_already_registered(l, MULTI_POINT, e, (sl_extension_point)ep);
                    break;
                }
                from_multi[nmulti++] = e->name;
            }
        }
        if (ok) {
            const char **order = xcalloc(cap + 1, sizeof *order);
            size_t n = 0;
            for (size_t i = 0; i < nspecific; i++)
                if (names_contain(overrides, noverrides, specific[i])) order[n++] = specific[i];
            for (size_t i = 0; i < nmulti; i++) order[n++] = from_multi[i];
            for (size_t i = 0; i < nspecific; i++)
                if (!names_contain(overrides, noverrides, specific[i])) order[n++] = specific[i];
            profile->nplugins[ep] = (uint32_t)n;
            profile->plugins[ep] = n ? xcalloc(n, sizeof *profile->plugins[ep]) : NULL;
            for (size_t i = 0; i < n; i++) {
                profile->plugins[ep][i].name = xstrdup(order[i]);
                profile->plugins[ep][i].weight =
                    ep == SL_EP_SCORE ? score_weight(merged, order[i]) : 0;
            }
            free(order);
        }
        free(specific);
        free(overrides);
        free(from_multi);
        if (!ok) return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Profiles                                                             */
/* ------------------------------------------------------------------ */

typedef VEC(sl_plugin_args) args_vec;

static bool decode_plugin_config(cfg_loader *l, const json_t *list, args_vec *out) {
    static const char *const fields[] = {"name", "args", NULL};
    size_t mark = cfg_enter_key(l, "pluginConfig");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        size_t item_mark = cfg_enter_index(l, i);
        const char *name = NULL;
        if (!cfg_check_object(l, item, fields) || !cfg_read_string(l, item, "name", &name)) return false;
        if (!name || !*name) {
            cfg_enter_key(l, "name");
            return cfg_fail(l, "Required value");
        }
        for (size_t j = 0; j < out->len; j++)
            if (strcmp(out->items[j].name, name) == 0) return cfg_fail(l, "Duplicate value: \"%s\"", name);
        if (is_removed_plugin(name)) {
            char detail[192];
            snprintf(detail, sizeof detail,
                     "was invalid in version \"%s\" (KubeSchedulerConfiguration is version \"%s\")",
                     CONFIG_API_VERSION, CONFIG_API_VERSION);
            return cfg_fail_invalid_string(l, name, detail);
        }
        const json_t *user_args = cfg_field(item, "args");
        json_t *args = NULL;
        cfg_args_handler handle = cfg_find_args_handler(name);
        cfg_enter_key(l, "args");
        if (handle) {
            args = cfg_resolve_known_args(l, name, handle, user_args);
            if (!args) return false;
        } else if (user_args) {
            /* Out-of-tree plugin args are passed through, unparsed. */
            args = json_deep_copy(user_args);
        }
        sl_plugin_args entry = {xstrdup(name), args};
        VEC_PUSH(out, entry);
        cfg_leave(l, item_mark);
    }
    cfg_leave(l, mark);
    return true;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Default args for enabled in-tree plugins without a pluginConfig entry,
 * in sorted name order (setDefaults_KubeSchedulerProfile/pluginsNames:
 * every enabled list but bind and postBind). */
static void append_default_args(cfg_loader *l, const plugin_sets *merged, args_vec *args) {
    VEC(const char *) names = {0};
    for (int set = 0; set < NUM_PLUGIN_SETS; set++) {
        if (set == SL_EP_BIND || set == SL_EP_POST_BIND) continue;
        for (size_t i = 0; i < merged->sets[set].enabled.len; i++) {
            const char *name = merged->sets[set].enabled.items[i].name;
            if (!names_contain(names.items, names.len, name)) VEC_PUSH(&names, name);
        }
    }
    if (names.len) qsort(names.items, names.len, sizeof *names.items, compare_strings);
    for (size_t i = 0; i < names.len; i++) {
        cfg_args_handler handle = cfg_find_args_handler(names.items[i]);
        if (!handle) continue;
        bool configured = false;
        for (size_t j = 0; j < args->len; j++)
            if (strcmp(args->items[j].name, names.items[i]) == 0) configured = true;
        if (configured) continue;
        json_t *defaults = json_object();
        handle(l, defaults); /* cannot fail on an empty object */
        sl_plugin_args entry = {xstrdup(names.items[i]), defaults};
        VEC_PUSH(args, entry);
    }
    VEC_FREE(&names);
}

/* Decodes and resolves profiles[index] (`obj` NULL: the implicit default
 * profile). `merged` receives the merged plugin sets (for the
 * cross-profile queueSort check). */
static bool resolve_profile(cfg_loader *l, const json_t *obj, size_t index, size_t nprofiles,
                            sl_profile_config *out, plugin_sets *merged) {
    static const char *const fields[] = {"schedulerName", "percentageOfNodesToScore", "plugins",
                                         "pluginConfig", NULL};
    static const char *const plugins_fields[] = {
        "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score",
        "reserve", "permit", "preBind", "bind", "postBind", "multiPoint", NULL};
    size_t mark = cfg_enter_key(l, "profiles");
    cfg_enter_index(l, index);
    out->percentage_of_nodes_to_score = -1;

    json_t *empty_object = NULL;
    if (!obj) obj = empty_object = json_object();
    bool ok = false;
    plugin_sets user = {0}, defaults = {0};
    args_vec args = {0};
    if (!cfg_check_object(l, obj, fields)) goto out;

    const json_t *name = json_object_get(obj, "schedulerName");
    if (name && !json_is_null(name) && !json_is_string(name)) {
        cfg_enter_key(l, "schedulerName");
        cfg_fail_invalid(l, name, "must be a string");
        goto out;
    }
    if ((!name || json_is_null(name)) && nprofiles == 1) {
        out->scheduler_name = xstrdup(DEFAULT_SCHEDULER_NAME);
    } else if (!json_is_string(name) || !*json_string_value(name)) {
        cfg_enter_key(l, "schedulerName");
        cfg_fail(l, "Required value");
        goto out;
    } else {
        out->scheduler_name = xstrdup(json_string_value(name));
    }

    bool has_percentage = false;
    int32_t percentage = 0;
    if (!cfg_read_int32(l, obj, "percentageOfNodesToScore", &has_percentage, &percentage)) goto out;
    if (has_percentage) {
        if (percentage < 0 || percentage > 100) {
            cfg_enter_key(l, "percentageOfNodesToScore");
            cfg_fail_invalid_int(l, percentage, "not in valid range [0-100]");
            goto out;
        }
        out->percentage_of_nodes_to_score = percentage;
    }

    /* MERGE: registry — out-of-tree plugins resolve with their args. */
    const json_t *raw_plugin_config = cfg_field(obj, "pluginConfig");
    decoding_plugin_config = json_is_array(raw_plugin_config) ? raw_plugin_config : NULL;
    decoding_generation++;
    const json_t *plugins = cfg_field(obj, "plugins");
    if (plugins) {
        size_t plugins_mark = cfg_enter_key(l, "plugins");
        if (!cfg_check_object(l, plugins, plugins_fields)) goto out;
        for (int set = 0; set < NUM_PLUGIN_SETS; set++) {
            const json_t *set_obj = cfg_field(plugins, plugin_set_key(set));
            if (!set_obj) continue;
            size_t set_mark = cfg_enter_key(l, plugin_set_key(set));
            if (!decode_plugin_set(l, set_obj, set, &user.sets[set])) goto out;
            cfg_leave(l, set_mark);
        }
        cfg_leave(l, plugins_mark);
    }
    default_plugin_sets(&defaults);
    for (int set = 0; set < NUM_PLUGIN_SETS; set++)
        merge_plugin_set(&defaults.sets[set], &user.sets[set], &merged->sets[set]);

    if (!expand_plugins(l, merged, out)) goto out;
    if (out->nplugins[SL_EP_QUEUE_SORT] != 1) {
        cfg_enter_key(l, "plugins");
        cfg_enter_key(l, "queueSort");
        cfg_fail(l, "only one queue sort plugin required for profile with scheduler name \"%s\", but got %u",
             out->scheduler_name, out->nplugins[SL_EP_QUEUE_SORT]);
        goto out;
    }
    if (out->nplugins[SL_EP_BIND] == 0) {
        cfg_enter_key(l, "plugins");
        cfg_enter_key(l, "bind");
        cfg_fail(l, "at least one bind plugin is needed for profile with scheduler name \"%s\"",
             out->scheduler_name);
        goto out;
    }

    const json_t *plugin_config;
    if (!cfg_read_array(l, obj, "pluginConfig", &plugin_config)) goto out;
    if (plugin_config && !decode_plugin_config(l, plugin_config, &args)) goto out;
    append_default_args(l, merged, &args);
    ok = true;
out:
    decoding_plugin_config = NULL; /* MERGE: registry */
    out->nargs = (uint32_t)args.len;
    out->args = args.items;
    plugin_sets_free(&user);
    plugin_sets_free(&defaults);
    json_decref(empty_object);
    if (ok) cfg_leave(l, mark);
    return ok;
}

static bool same_plugin_set(const plugin_set *a, const plugin_set *b) {
    if (a->enabled.len != b->enabled.len || a->disabled.len != b->disabled.len) return false;
    for (size_t i = 0; i < a->enabled.len; i++)
        if (strcmp(a->enabled.items[i].name, b->enabled.items[i].name) != 0 ||
            a->enabled.items[i].weight != b->enabled.items[i].weight)
            return false;
    for (size_t i = 0; i < a->disabled.len; i++)
        if (strcmp(a->disabled.items[i], b->disabled.items[i]) != 0) return false;
    return true;
}

/* validateCommonQueueSort: every profile has the same queueSort set (and
 * resolved plugin) and the same args for it. */
static bool check_common_queue_sort(cfg_loader *l, const sl_config *cfg, const plugin_sets *merged) {
    const sl_profile_config *first = &cfg->profiles[0];
    const char *sort_name = first->plugins[SL_EP_QUEUE_SORT][0].name;
    const json_t *sort_args = sl_profile_plugin_args(first, sort_name);
    for (uint32_t i = 1; i < cfg->nprofiles; i++) {
        const sl_profile_config *p = &cfg->profiles[i];
        size_t mark = cfg_enter_key(l, "profiles");
        cfg_enter_index(l, i);
        if (!same_plugin_set(&merged[0].sets[SL_EP_QUEUE_SORT], &merged[i].sets[SL_EP_QUEUE_SORT]) ||
            strcmp(p->plugins[SL_EP_QUEUE_SORT][0].name, sort_name) != 0) {
            cfg_enter_key(l, "plugins");
            cfg_enter_key(l, "queueSort");
            return cfg_fail(l, "Invalid value: \"%s\": must be the same for all profiles (profiles[0] uses \"%s\")",
                        p->plugins[SL_EP_QUEUE_SORT][0].name, sort_name);
        }
        const json_t *args = sl_profile_plugin_args(p, sort_name);
        if ((args || sort_args) && !(args && sort_args && json_equal((json_t *)args, (json_t *)sort_args))) {
            cfg_enter_key(l, "pluginConfig");
            cfg_enter_key(l, "args");
            return cfg_fail(l, "Invalid value: queueSort must be the same for all profiles");
        }
        cfg_leave(l, mark);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Extenders                                                            */
/* ------------------------------------------------------------------ */

static bool decode_extender(cfg_loader *l, const json_t *obj, sl_extender_config *out) {
    static const char *const fields[] = {
        "urlPrefix", "filterVerb", "preemptVerb", "prioritizeVerb", "weight", "bindVerb",
        "enableHTTPS", "tlsConfig", "httpTimeout", "nodeCacheCapable", "managedResources",
        "ignorable", NULL};
    static const char *const tls_fields[] = {"insecure", "serverName", "certFile", "keyFile", "caFile",
                                             "certData", "keyData", "caData", NULL};
    static const char *const resource_fields[] = {"name", "ignoredByScheduler", NULL};
    if (!cfg_check_object(l, obj, fields)) return false;
    out->raw = json_incref((json_t *)obj);
    const char *url = NULL, *filter = NULL, *preempt = NULL, *prioritize = NULL, *bind = NULL;
    if (!cfg_read_string(l, obj, "urlPrefix", &url) || !cfg_read_string(l, obj, "filterVerb", &filter) ||
        !cfg_read_string(l, obj, "preemptVerb", &preempt) || !cfg_read_string(l, obj, "prioritizeVerb", &prioritize) ||
        !cfg_read_string(l, obj, "bindVerb", &bind) ||
        !cfg_read_int(l, obj, "weight", INT64_MIN, INT64_MAX, NULL, &out->weight) ||
        !cfg_read_bool(l, obj, "enableHTTPS", &out->enable_https) ||
        !cfg_read_bool(l, obj, "nodeCacheCapable", &out->node_cache_capable) ||
        !cfg_read_bool(l, obj, "ignorable", &out->ignorable))
        return false;
    if (!url || !*url) {
        cfg_enter_key(l, "urlPrefix");
        return cfg_fail(l, "Required value");
    }
    /* Trailing slashes are trimmed; "/<verb>" is appended per call. */
    out->url_prefix = xstrdup(url);
    for (size_t n = strlen(out->url_prefix); n > 0 && out->url_prefix[n - 1] == '/'; n--)
        out->url_prefix[n - 1] = 0;
    out->filter_verb = filter && *filter ? xstrdup(filter) : NULL;
    out->preempt_verb = preempt && *preempt ? xstrdup(preempt) : NULL;
    out->prioritize_verb = prioritize && *prioritize ? xstrdup(prioritize) : NULL;
    out->bind_verb = bind && *bind ? xstrdup(bind) : NULL;
    if (out->prioritize_verb && out->weight <= 0) {
        cfg_enter_key(l, "weight");
        return cfg_fail_invalid_int(l, out->weight, "must have a positive weight applied to it");
    }

    const json_t *tls = cfg_field(obj, "tlsConfig");
    if (tls) {
        size_t mark = cfg_enter_key(l, "tlsConfig");
        if (!cfg_check_object(l, tls, tls_fields)) return false;
        bool insecure = false;
        if (!cfg_read_bool(l, tls, "insecure", &insecure)) return false;
        for (size_t i = 1; tls_fields[i]; i++) {
            const char *s = NULL;
            if (!cfg_read_string(l, tls, tls_fields[i], &s)) return false;
        }
        cfg_leave(l, mark);
    }

    out->http_timeout_ms = DEFAULT_EXTENDER_TIMEOUT_MS;
    const json_t *timeout = cfg_field(obj, "httpTimeout");
    if (timeout) {
        size_t mark = cfg_enter_key(l, "httpTimeout");
        int64_t ns;
        if (!json_is_string(timeout) || !parse_go_duration(json_string_value(timeout), &ns))
            return cfg_fail_invalid(l, timeout, "must be a duration such as \"5s\" or \"300ms\"");
        if (ns < 0) return cfg_fail_invalid(l, timeout, "must not be negative");
        /* 0 means the default; below a millisecond rounds up to 1 ms. */
        if (ns > 0) out->http_timeout_ms = ns / 1000000 + (ns % 1000000 != 0);
        cfg_leave(l, mark);
    }

    const json_t *resources;
    if (!cfg_read_array(l, obj, "managedResources", &resources)) return false;
    size_t n = resources ? json_array_size(resources) : 0;
    out->managed_resources = n ? xcalloc(n, sizeof *out->managed_resources) : NULL;
    size_t mark = cfg_enter_key(l, "managedResources");
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(resources, i);
        size_t item_mark = cfg_enter_index(l, i);
        const char *name = "";
        bool ignored = false;
        if (!cfg_check_object(l, item, resource_fields) || !cfg_read_string(l, item, "name", &name) ||
            !cfg_read_bool(l, item, "ignoredByScheduler", &ignored))
            return false;
        cfg_enter_key(l, "name");
        const char *problem = extended_resource_problem(name);
        if (problem) return cfg_fail_invalid_string(l, name, problem);
        for (uint32_t j = 0; j < out->nmanaged; j++)
            if (strcmp(out->managed_resources[j].name, name) == 0)
                return cfg_fail_invalid_string(l, name, "duplicate extender managed resource name");
        out->managed_resources[out->nmanaged].name = xstrdup(name);
        out->managed_resources[out->nmanaged].ignored_by_scheduler = ignored;
        out->nmanaged++;
        cfg_leave(l, item_mark);
    }
    cfg_leave(l, mark);
    return true;
}

/* validateExtenders: managed resource names unique across all extenders,
 * at most one binder. */
static bool check_extenders(cfg_loader *l, const sl_config *cfg) {
    uint32_t binders = 0;
    for (uint32_t i = 0; i < cfg->nextenders; i++) {
        const sl_extender_config *e = &cfg->extenders[i];
        if (e->bind_verb) binders++;
        for (uint32_t r = 0; r < e->nmanaged; r++)
            for (uint32_t j = 0; j < i; j++)
                for (uint32_t s = 0; s < cfg->extenders[j].nmanaged; s++)
                    if (strcmp(cfg->extenders[j].managed_resources[s].name, e->managed_resources[r].name) == 0) {
                        size_t mark = cfg_enter_key(l, "extenders");
                        cfg_enter_index(l, i);
                        cfg_enter_key(l, "managedResources");
                        cfg_enter_index(l, r);
                        cfg_enter_key(l, "name");
                        cfg_fail_invalid_string(l, e->managed_resources[r].name,
                                            "duplicate extender managed resource name");
                        cfg_leave(l, mark);
                        return false;
                    }
    }
    if (binders > 1) {
        size_t mark = cfg_enter_key(l, "extenders");
        char value[64];
        snprintf(value, sizeof value, "found %u extenders implementing bind", binders);
        cfg_fail_invalid_string(l, value, "only one extender can implement bind");
        cfg_leave(l, mark);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Top level                                                            */
/* ------------------------------------------------------------------ */

static bool check_leader_election(cfg_loader *l, const json_t *obj) {
    static const char *const fields[] = {"leaderElect", "leaseDuration", "renewDeadline", "retryPeriod",
                                         "resourceLock", "resourceName", "resourceNamespace", NULL};
    size_t mark = cfg_enter_key(l, "leaderElection");
    if (!cfg_check_object(l, obj, fields)) return false;
    bool leader_elect = true;
    const char *lock = "leases", *s = NULL;
    if (!cfg_read_bool(l, obj, "leaderElect", &leader_elect) || !cfg_read_string(l, obj, "resourceLock", &lock) ||
        !cfg_read_string(l, obj, "resourceName", &s) || !cfg_read_string(l, obj, "resourceNamespace", &s))
        return false;
    const char *const durations[] = {"leaseDuration", "renewDeadline", "retryPeriod"};
    for (int i = 0; i < 3; i++) {
        const json_t *v = cfg_field(obj, durations[i]);
        int64_t ns;
        if (v && (!json_is_string(v) || !parse_go_duration(json_string_value(v), &ns))) {
            cfg_enter_key(l, durations[i]);
            return cfg_fail_invalid(l, v, "must be a duration such as \"15s\"");
        }
    }
    if (leader_elect && strcmp(lock, "leases") != 0) {
        cfg_enter_key(l, "resourceLock");
        return cfg_fail_invalid_string(l, lock, "resourceLock value must be \"leases\"");
    }
    cfg_leave(l, mark);
    return true;
}

static bool check_client_connection(cfg_loader *l, const json_t *obj) {
    static const char *const fields[] = {"kubeconfig", "acceptContentTypes", "contentType", "qps", "burst", NULL};
    size_t mark = cfg_enter_key(l, "clientConnection");
    if (!cfg_check_object(l, obj, fields)) return false;
    const char *s = NULL;
    int32_t burst = 0;
    if (!cfg_read_string(l, obj, "kubeconfig", &s) || !cfg_read_string(l, obj, "acceptContentTypes", &s) ||
        !cfg_read_string(l, obj, "contentType", &s) || !cfg_read_int32(l, obj, "burst", NULL, &burst))
        return false;
    const json_t *qps = cfg_field(obj, "qps");
    if (qps && !json_is_number(qps)) {
        cfg_enter_key(l, "qps");
        return cfg_fail_invalid(l, qps, "must be a number");
    }
    if (burst < 0) {
        cfg_enter_key(l, "burst");
        return cfg_fail_invalid_int(l, burst, "must be non-negative");
    }
    cfg_leave(l, mark);
    return true;
}

static bool load_config(cfg_loader *l, const json_t *doc, sl_config *out) {
    static const char *const fields[] = {
        "apiVersion", "kind", "parallelism", "leaderElection", "clientConnection", "enableProfiling",
        "enableContentionProfiling", "percentageOfNodesToScore", "podInitialBackoffSeconds",
        "podMaxBackoffSeconds", "profiles", "extenders", "delayCacheUntilActive", NULL};
    memset(out, 0, sizeof *out);
    out->parallelism = 16;
    out->percentage_of_nodes_to_score = 0;
    out->pod_initial_backoff_seconds = 1;
    out->pod_max_backoff_seconds = 10;

    json_t *implicit = NULL;
    if (!doc) {
        doc = implicit = json_pack("{s:s, s:s}", "apiVersion", CONFIG_API_VERSION, "kind", CONFIG_KIND);
    } else {
        out->raw = json_incref((json_t *)doc);
    }
    bool ok = false;
    plugin_sets *merged = NULL;
    size_t count = 0;
    if (!json_is_object(doc)) {
        cfg_fail(l, "expected a %s object, got %s", CONFIG_KIND,
             json_is_array(doc) ? "a list" : "a scalar");
        goto out;
    }
    const char *api_version = NULL, *kind = NULL;
    if (!cfg_read_string(l, doc, "apiVersion", &api_version) || !cfg_read_string(l, doc, "kind", &kind)) goto out;
    if (!api_version || !*api_version) {
        cfg_enter_key(l, "apiVersion");
        cfg_fail(l, "Required value: must be \"%s\"", CONFIG_API_VERSION);
        goto out;
    }
    if (strcmp(api_version, CONFIG_API_VERSION) != 0) {
        cfg_enter_key(l, "apiVersion");
        cfg_fail(l, "Unsupported value: \"%s\": supported values: \"%s\"", api_version, CONFIG_API_VERSION);
        goto out;
    }
    if (!kind || !*kind) {
        cfg_enter_key(l, "kind");
        cfg_fail(l, "Required value: must be \"%s\"", CONFIG_KIND);
        goto out;
    }
    if (strcmp(kind, CONFIG_KIND) != 0) {
        cfg_enter_key(l, "kind");
        cfg_fail(l, "Unsupported value: \"%s\": supported values: \"%s\"", kind, CONFIG_KIND);
        goto out;
    }
    if (!cfg_check_object(l, doc, fields)) goto out;

    bool flag = false;
    if (!cfg_read_bool(l, doc, "enableProfiling", &flag) || !cfg_read_bool(l, doc, "enableContentionProfiling", &flag) ||
        !cfg_read_bool(l, doc, "delayCacheUntilActive", &flag))
        goto out;
    const json_t *section = cfg_field(doc, "leaderElection");
    if (section && !check_leader_election(l, section)) goto out;
    section = cfg_field(doc, "clientConnection");
    if (section && !check_client_connection(l, section)) goto out;

    if (!cfg_read_int32(l, doc, "parallelism", NULL, &out->parallelism)) goto out;
    if (out->parallelism <= 0) {
        cfg_enter_key(l, "parallelism");
        cfg_fail_invalid_int(l, out->parallelism, "should be an integer value greater than zero");
        goto out;
    }
    if (!cfg_read_int32(l, doc, "percentageOfNodesToScore", NULL, &out->percentage_of_nodes_to_score)) goto out;
    if (out->percentage_of_nodes_to_score < 0 || out->percentage_of_nodes_to_score > 100) {
        cfg_enter_key(l, "percentageOfNodesToScore");
        cfg_fail_invalid_int(l, out->percentage_of_nodes_to_score, "not in valid range [0-100]");
        goto out;
    }
    if (!cfg_read_int(l, doc, "podInitialBackoffSeconds", INT64_MIN, INT64_MAX, NULL, &out->pod_initial_backoff_seconds) ||
        !cfg_read_int(l, doc, "podMaxBackoffSeconds", INT64_MIN, INT64_MAX, NULL, &out->pod_max_backoff_seconds))
        goto out;
    if (out->pod_initial_backoff_seconds <= 0) {
        cfg_enter_key(l, "podInitialBackoffSeconds");
        cfg_fail_invalid_int(l, out->pod_initial_backoff_seconds, "must be greater than 0");
        goto out;
    }
    if (out->pod_max_backoff_seconds < out->pod_initial_backoff_seconds) {
        cfg_enter_key(l, "podMaxBackoffSeconds");
        cfg_fail_invalid_int(l, out->pod_max_backoff_seconds,
                         "must be greater than or equal to PodInitialBackoffSeconds");
        goto out;
    }

    const json_t *profiles;
    if (!cfg_read_array(l, doc, "profiles", &profiles)) goto out;
    size_t nprofiles = profiles ? json_array_size(profiles) : 0;
    count = nprofiles ? nprofiles : 1;
    out->profiles = xcalloc(count, sizeof *out->profiles);
    merged = xcalloc(count, sizeof *merged);
    for (size_t i = 0; i < count; i++) {
        out->nprofiles = (uint32_t)(i + 1);
        const json_t *profile = nprofiles ? json_array_get(profiles, i) : NULL;
        if (!resolve_profile(l, profile, i, count, &out->profiles[i], &merged[i])) goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(out->profiles[j].scheduler_name, out->profiles[i].scheduler_name) == 0) {
                cfg_enter_key(l, "profiles");
                cfg_enter_index(l, i);
                cfg_enter_key(l, "schedulerName");
                cfg_fail(l, "Duplicate value: \"%s\" (profiles[%zu].schedulerName)", out->profiles[i].scheduler_name, j);
                goto out;
            }
        }
    }
    if (!check_common_queue_sort(l, out, merged)) goto out;

    const json_t *extenders;
    if (!cfg_read_array(l, doc, "extenders", &extenders)) goto out;
    size_t nextenders = extenders ? json_array_size(extenders) : 0;
    out->extenders = nextenders ? xcalloc(nextenders, sizeof *out->extenders) : NULL;
    for (size_t i = 0; i < nextenders; i++) {
        out->nextenders = (uint32_t)(i + 1);
        size_t mark = cfg_enter_key(l, "extenders");
        cfg_enter_index(l, i);
        if (!decode_extender(l, json_array_get(extenders, i), &out->extenders[i])) goto out;
        cfg_leave(l, mark);
    }
    if (!check_extenders(l, out)) goto out;
    ok = true;
out:
    if (merged) {
        for (size_t i = 0; i < count; i++) plugin_sets_free(&merged[i]);
        free(merged);
    }
    json_decref(implicit);
    if (!ok) sl_config_free(out);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

void sl_config_default(sl_config *out) {
    char err[512] = "";
    cfg_loader l = {.origin = "default configuration", .err = err, .errsize = sizeof err};
    if (!load_config(&l, NULL, out)) log_error("%s", err);
}

bool sl_config_load_json(const json_t *doc, const char *origin, sl_config *out, char *err,
                         size_t errsize) {
    cfg_loader l = {.origin = origin ? origin : "config", .err = err, .errsize = errsize};
    if (err && errsize) err[0] = 0;
    if (!doc) {
        memset(out, 0, sizeof *out);
        return cfg_fail(&l, "empty document");
    }
    return load_config(&l, doc, out);
}

bool sl_config_load_file(const char *path, sl_config *out, char *err, size_t errsize) {
    memset(out, 0, sizeof *out);
    char read_err[256];
    size_t len = 0;
    char *text = file_read_all(path, &len, read_err, sizeof read_err);
    if (!text) {
        snprintf(err, errsize, "%s: %s", path, read_err);
        return false;
    }
    json_t *doc = k8s_parse_document(text, len, path, err, errsize);
    free(text);
    if (!doc) return false;
    bool ok = sl_config_load_json(doc, path, out, err, errsize);
    json_decref(doc);
    return ok;
}

void sl_config_free(sl_config *cfg) {
    if (!cfg) return;
    for (uint32_t i = 0; i < cfg->nprofiles; i++) {
        sl_profile_config *p = &cfg->profiles[i];
        free(p->scheduler_name);
        for (int ep = 0; ep < SL_EP_COUNT; ep++) {
            for (uint32_t j = 0; j < p->nplugins[ep]; j++) free(p->plugins[ep][j].name);
            free(p->plugins[ep]);
        }
        for (uint32_t j = 0; j < p->nargs; j++) {
            free(p->args[j].name);
            json_decref(p->args[j].args);
        }
        free(p->args);
    }
    free(cfg->profiles);
    for (uint32_t i = 0; i < cfg->nextenders; i++) {
        sl_extender_config *e = &cfg->extenders[i];
        free(e->url_prefix);
        free(e->filter_verb);
        free(e->preempt_verb);
        free(e->prioritize_verb);
        free(e->bind_verb);
        for (uint32_t j = 0; j < e->nmanaged; j++) free(e->managed_resources[j].name);
        free(e->managed_resources);
        json_decref(e->raw);
    }
    free(cfg->extenders);
    json_decref(cfg->raw);
    memset(cfg, 0, sizeof *cfg);
}

const sl_profile_config *sl_config_profile(const sl_config *cfg, const char *scheduler_name) {
    for (uint32_t i = 0; i < cfg->nprofiles; i++)
        if (strcmp(cfg->profiles[i].scheduler_name, scheduler_name) == 0) return &cfg->profiles[i];
    return NULL;
}

const json_t *sl_profile_plugin_args(const sl_profile_config *profile, const char *plugin) {
    for (uint32_t i = 0; i < profile->nargs; i++)
        if (strcmp(profile->args[i].name, plugin) == 0) return profile->args[i].args;
    return NULL;
}
