/*
 * config_plugins.c — a profile's plugins as upstream's scheduler config API
 * defines them: the `plugins` sets decoded strictly (names checked against
 * the registry, explicit extension points against what the plugin can
 * implement), merged with the default multiPoint set (upstream's
 * mergePluginSet), expanded per extension point (config_expand.c); then
 * `pluginConfig` decoded (the in-tree plugins' args validated and
 * defaulted by config_args.c, other plugins' args passed through) with
 * default args added for enabled in-tree plugins; and the check that every
 * profile sorts its queue the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/config_internal.h"
#include "scheduler/framework.h"

/* The default multiPoint set (upstream's v1 default plugins, v1.31+:
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

/* Plugins removed from v1 (upstream validation's invalidPluginsByVersion). */
static const char *const removed_plugins[] = {"AzureDiskLimits", "CinderLimits", "EBSLimits",
                                              "GCEPDLimits"};

static bool is_removed_plugin(const char *name) {
    for (size_t i = 0; i < ARRAY_LEN(removed_plugins); i++)
        if (strcmp(removed_plugins[i], name) == 0) return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Plugin sets: decoding and mergePluginSet                             */
/* ------------------------------------------------------------------ */

/* While decoding and merging, sets borrow their names from the document
 * and the static default table; the merged result is copied into the
 * profile (sl_plugin_set, owned). */
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
    plugin_set sets[SL_PLUGIN_SETS];
} plugin_sets;

static void plugin_sets_free(plugin_sets *ps) {
    for (int i = 0; i < SL_PLUGIN_SETS; i++) {
        VEC_FREE(&ps->sets[i].enabled);
        VEC_FREE(&ps->sets[i].disabled);
    }
}

static bool set_disables(const plugin_set *set, const char *name) {
    for (size_t i = 0; i < set->disabled.len; i++)
        if (strcmp(set->disabled.items[i], name) == 0) return true;
    return false;
}

/* The pluginConfig args of `name` as written in the profile (for the
 * registry's resolver: a wasm plugin's guestURL), NULL if none. */
static const json_t *raw_plugin_args(const json_t *plugin_config, const char *name) {
    for (size_t i = 0; i < json_array_size(plugin_config); i++) {
        const json_t *item = json_array_get(plugin_config, i);
        const json_t *n = json_object_get(item, "name");
        if (json_is_string(n) && strcmp(json_string_value(n), name) == 0)
            return cfg_field(item, "args");
    }
    return NULL;
}

/* The resolver's answers for the profile being resolved: expansion asks
 * about each plugin many times, and a resolver may be costly (a wasm
 * plugin's module is fetched and compiled). */
typedef struct resolved_name {
    const char *name;
    const sl_plugin_registration *reg;   /* NULL = unknown */
    char *why;                           /* the resolver's explanation of NULL, or NULL */
} resolved_name;
typedef VEC(resolved_name) resolved_vec;

/* `why` (may be NULL) receives the resolver's explanation of a NULL
 * answer, "" when there is none. */
static const sl_plugin_registration *find_plugin_why(cfg_loader *l, const char *name,
                                                     const char **why) {
    if (why) *why = "";
    const sl_plugin_registration *reg = sl_registry_find(l->registry, name);
    if (reg) return reg;
    resolved_vec *memo = l->resolved;
    for (size_t i = 0; memo && i < memo->len; i++) {
        if (strcmp(memo->items[i].name, name) != 0) continue;
        if (why && memo->items[i].why) *why = memo->items[i].why;
        return memo->items[i].reg;
    }
    reg = sl_registry_resolve(l->registry, name, raw_plugin_args(l->plugin_config, name));
    const char *explanation = reg ? "" : sl_registry_resolver_error(l->registry);
    if (why) *why = explanation;
    if (memo) {
        resolved_name r = {name, reg, explanation[0] ? xstrdup(explanation) : NULL};
        VEC_PUSH(memo, r);
        if (why && r.why) *why = r.why;
    }
    return reg;
}

static const sl_plugin_registration *find_plugin(cfg_loader *l, const char *name) {
    return find_plugin_why(l, name, NULL);
}

/* The default multiPoint set, minus the plugins the registry does not
 * hold (a registry built for a test, say). */
static void default_plugin_sets(cfg_loader *l, plugin_sets *out) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < ARRAY_LEN(default_multi_point); i++) {
        if (!find_plugin(l, default_multi_point[i].name)) {
            log_debug("default plugin %s is not in the registry; leaving it out",
                      default_multi_point[i].name);
            continue;
        }
        plugin_entry e = {default_multi_point[i].name, default_multi_point[i].weight, -1};
        VEC_PUSH(&out->sets[SL_PLUGIN_SET_MULTI_POINT].enabled, e);
    }
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
        const char *why;
        const sl_plugin_registration *plugin = find_plugin_why(l, name, &why);
        if (!plugin && why[0]) return cfg_fail(l, "plugin \"%s\": %s", name, why);
        if (!plugin) return cfg_fail(l, "unknown plugin \"%s\"", name);
        if (set != SL_PLUGIN_SET_MULTI_POINT && !sl_plugin_implements(plugin, (sl_extension_point)set))
            return cfg_fail(l, "plugin \"%s\" does not extend %s plugin", name,
                        sl_extension_point_interface((sl_extension_point)set));
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

/* The merged sets, copied into the profile. */
static void store_sets(const plugin_sets *merged, sl_profile_config *out) {
    out->has_sets = true;
    for (int s = 0; s < SL_PLUGIN_SETS; s++) {
        const plugin_set *from = &merged->sets[s];
        sl_plugin_set *to = &out->sets[s];
        to->nenabled = (uint32_t)from->enabled.len;
        to->enabled = from->enabled.len ? xcalloc(from->enabled.len, sizeof *to->enabled) : NULL;
        for (size_t i = 0; i < from->enabled.len; i++) {
            to->enabled[i].name = xstrdup(from->enabled.items[i].name);
            to->enabled[i].weight = from->enabled.items[i].weight;
            to->enabled[i].user_index = from->enabled.items[i].user_index;
        }
        to->ndisabled = (uint32_t)from->disabled.len;
        to->disabled = from->disabled.len ? xcalloc(from->disabled.len, sizeof *to->disabled) : NULL;
        for (size_t i = 0; i < from->disabled.len; i++)
            to->disabled[i] = xstrdup(from->disabled.items[i]);
    }
}

void cfg_plugin_sets_free(sl_profile_config *profile) {
    for (int s = 0; s < SL_PLUGIN_SETS; s++) {
        sl_plugin_set *set = &profile->sets[s];
        for (uint32_t i = 0; i < set->nenabled; i++) free(set->enabled[i].name);
        free(set->enabled);
        for (uint32_t i = 0; i < set->ndisabled; i++) free(set->disabled[i]);
        free(set->disabled);
        memset(set, 0, sizeof *set);
    }
    profile->has_sets = false;
}

/* Config-time expansion asks the registrations. */
static bool registration_implements(void *user, const char *plugin, sl_extension_point ep) {
    return sl_plugin_implements(find_plugin(user, plugin), ep);
}

/* An expansion problem at the path of the user's entry (or of the set, for
 * a default entry). */
static bool fail_expansion(cfg_loader *l, const sl_expand_problem *p) {
    size_t mark = cfg_enter_key(l, "plugins");
    cfg_enter_key(l, sl_plugin_set_key(p->set));
    if (p->user_index >= 0) {
        cfg_enter_key(l, "enabled");
        cfg_enter_index(l, (size_t)p->user_index);
    }
    if (p->kind == SL_EXPAND_NOT_EXTENDED)
        cfg_fail(l, "plugin \"%s\" does not extend %s plugin", p->plugin,
                 sl_extension_point_interface(p->ep));
    else
        cfg_fail(l, "plugin \"%s\" already registered as \"%s\"", p->plugin,
                 sl_extension_point_interface(p->ep));
    cfg_leave(l, mark);
    return false;
}

bool cfg_resolve_plugins(cfg_loader *l, const json_t *plugins, const json_t *plugin_config,
                         sl_profile_config *out) {
    static const char *const plugins_fields[] = {
        "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score",
        "reserve", "permit", "preBind", "bind", "postBind", "multiPoint", NULL};
    const json_t *saved_plugin_config = l->plugin_config;
    void *saved_resolved = l->resolved;
    resolved_vec resolved = {0};
    l->plugin_config = plugin_config;
    l->resolved = &resolved;
    plugin_sets user = {0}, defaults = {0}, merged = {0};
    bool ok = false;
    if (plugins) {
        size_t plugins_mark = cfg_enter_key(l, "plugins");
        if (!cfg_check_object(l, plugins, plugins_fields)) goto out;
        for (int set = 0; set < SL_PLUGIN_SETS; set++) {
            const json_t *set_obj = cfg_field(plugins, sl_plugin_set_key(set));
            if (!set_obj) continue;
            size_t set_mark = cfg_enter_key(l, sl_plugin_set_key(set));
            if (!decode_plugin_set(l, set_obj, set, &user.sets[set])) goto out;
            cfg_leave(l, set_mark);
        }
        cfg_leave(l, plugins_mark);
    }
    default_plugin_sets(l, &defaults);
    for (int set = 0; set < SL_PLUGIN_SETS; set++)
        merge_plugin_set(&defaults.sets[set], &user.sets[set], &merged.sets[set]);
    store_sets(&merged, out);

    sl_expand_problem problem;
    if (!sl_expand_plugin_sets(out->sets, registration_implements, l, out->nplugins, out->plugins,
                               &problem)) {
        fail_expansion(l, &problem);
        goto out;
    }
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
    ok = true;
out:
    plugin_sets_free(&user);
    plugin_sets_free(&defaults);
    plugin_sets_free(&merged);
    for (size_t i = 0; i < resolved.len; i++) free(resolved.items[i].why);
    VEC_FREE(&resolved);
    l->plugin_config = saved_plugin_config;
    l->resolved = saved_resolved;
    return ok;
}

/* ------------------------------------------------------------------ */
/* pluginConfig                                                         */
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

static bool names_contain(const char *const *names, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

/* Default args for enabled in-tree plugins without a pluginConfig entry,
 * in sorted name order (setDefaults_KubeSchedulerProfile/pluginsNames:
 * every enabled list but bind and postBind). */
static void append_default_args(cfg_loader *l, const sl_profile_config *profile, args_vec *args) {
    VEC(const char *) names = {0};
    for (int set = 0; set < SL_PLUGIN_SETS; set++) {
        if (set == SL_EP_BIND || set == SL_EP_POST_BIND) continue;
        for (uint32_t i = 0; i < profile->sets[set].nenabled; i++) {
            const char *name = profile->sets[set].enabled[i].name;
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

bool cfg_resolve_plugin_config(cfg_loader *l, const json_t *list, sl_profile_config *out) {
    args_vec args = {0};
    bool ok = !list || decode_plugin_config(l, list, &args);
    if (ok) append_default_args(l, out, &args);
    out->nargs = (uint32_t)args.len;
    out->args = args.items;
    return ok;
}

const json_t *sl_profile_plugin_args(const sl_profile_config *profile, const char *plugin) {
    for (uint32_t i = 0; i < profile->nargs; i++)
        if (strcmp(profile->args[i].name, plugin) == 0) return profile->args[i].args;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Across profiles                                                      */
/* ------------------------------------------------------------------ */

static bool same_plugin_set(const sl_plugin_set *a, const sl_plugin_set *b) {
    if (a->nenabled != b->nenabled || a->ndisabled != b->ndisabled) return false;
    for (uint32_t i = 0; i < a->nenabled; i++)
        if (strcmp(a->enabled[i].name, b->enabled[i].name) != 0 ||
            a->enabled[i].weight != b->enabled[i].weight)
            return false;
    for (uint32_t i = 0; i < a->ndisabled; i++)
        if (strcmp(a->disabled[i], b->disabled[i]) != 0) return false;
    return true;
}

/* validateCommonQueueSort: every profile has the same queueSort set (and
 * resolved plugin) and the same args for it. */
bool cfg_check_common_queue_sort(cfg_loader *l, const sl_config *cfg) {
    const sl_profile_config *first = &cfg->profiles[0];
    const char *sort_name = first->plugins[SL_EP_QUEUE_SORT][0].name;
    const json_t *sort_args = sl_profile_plugin_args(first, sort_name);
    for (uint32_t i = 1; i < cfg->nprofiles; i++) {
        const sl_profile_config *p = &cfg->profiles[i];
        size_t mark = cfg_enter_key(l, "profiles");
        cfg_enter_index(l, i);
        if (!same_plugin_set(&first->sets[SL_EP_QUEUE_SORT], &p->sets[SL_EP_QUEUE_SORT]) ||
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
