/*
 * config_expand.c — extension points and multiPoint expansion: how the
 * merged plugin sets of a profile become one ordered plugin list per
 * extension point, as upstream's framework runtime does it
 * (updatePluginList, then expandMultiPointPlugins, then getScoreWeights).
 *
 * Expansion asks "does this plugin implement that extension point?"
 * through a callback: config loading answers with the registrations' ops
 * (the most a plugin can implement) to report configuration errors with
 * their field paths; the framework answers with each plugin instance's
 * ops, after the factories ran, as upstream checks the plugin objects.
 */
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/framework.h"

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

const char *sl_plugin_set_key(int set) {
    return set == SL_PLUGIN_SET_MULTI_POINT ? "multiPoint"
                                            : sl_extension_point_key((sl_extension_point)set);
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

/* ------------------------------------------------------------------ */
/* Expansion                                                            */
/* ------------------------------------------------------------------ */

static bool names_contain(const char *const *names, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

static bool set_disables(const sl_plugin_set *set, const char *name) {
    for (uint32_t i = 0; i < set->ndisabled; i++)
        if (strcmp(set->disabled[i], name) == 0) return true;
    return false;
}

static const sl_plugin_set_entry *set_find_enabled(const sl_plugin_set *set, const char *name) {
    for (uint32_t i = 0; i < set->nenabled; i++)
        if (strcmp(set->enabled[i].name, name) == 0) return &set->enabled[i];
    return NULL;
}

/* Score weight of a plugin: the first entry in score.enabled, then in
 * multiPoint.enabled (getScoreWeights); 0 or unset means 1. */
static int32_t score_weight(const sl_plugin_set sets[SL_PLUGIN_SETS], const char *name) {
    const sl_plugin_set_entry *e = set_find_enabled(&sets[SL_EP_SCORE], name);
    if (!e) e = set_find_enabled(&sets[SL_PLUGIN_SET_MULTI_POINT], name);
    return e && e->weight > 0 ? e->weight : 1;
}

static bool problem(sl_expand_problem *out, sl_expand_problem_kind kind, int set,
                    const sl_plugin_set_entry *e, sl_extension_point ep) {
    if (out) *out = (sl_expand_problem){kind, set, e->user_index, e->name, ep};
    return false;
}

static void free_lists(uint32_t nplugins[SL_EP_COUNT], sl_plugin_ref *plugins[SL_EP_COUNT]) {
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        for (uint32_t i = 0; i < nplugins[ep]; i++) free(plugins[ep][i].name);
        free(plugins[ep]);
        plugins[ep] = NULL;
        nplugins[ep] = 0;
    }
}

bool sl_expand_plugin_sets(const sl_plugin_set sets[SL_PLUGIN_SETS], sl_implements_fn implements,
                           void *user, uint32_t nplugins[SL_EP_COUNT],
                           sl_plugin_ref *plugins[SL_EP_COUNT], sl_expand_problem *out_problem) {
    const sl_plugin_set *multi = &sets[SL_PLUGIN_SET_MULTI_POINT];
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        nplugins[ep] = 0;
        plugins[ep] = NULL;
    }
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        const sl_plugin_set *point = &sets[ep];
        size_t cap = point->nenabled + multi->nenabled;
        const char **specific = xcalloc(cap + 1, sizeof *specific);
        const char **overrides = xcalloc(cap + 1, sizeof *overrides);
        const char **from_multi = xcalloc(cap + 1, sizeof *from_multi);
        size_t nspecific = 0, noverrides = 0, nmulti = 0;
        bool ok = true;

        for (uint32_t i = 0; ok && i < point->nenabled; i++) {
            const sl_plugin_set_entry *e = &point->enabled[i];
            if (!implements(user, e->name, (sl_extension_point)ep))
                ok = problem(out_problem, SL_EXPAND_NOT_EXTENDED, ep, e, (sl_extension_point)ep);
            else if (names_contain(specific, nspecific, e->name))
                ok = problem(out_problem, SL_EXPAND_DUPLICATE, ep, e, (sl_extension_point)ep);
            else
                specific[nspecific++] = e->name;
        }
        if (ok && !set_disables(point, "*")) {
            for (uint32_t i = 0; ok && i < multi->nenabled; i++) {
                const sl_plugin_set_entry *e = &multi->enabled[i];
                if (!implements(user, e->name, (sl_extension_point)ep)) continue;
                if (set_disables(point, e->name)) continue;
                if (names_contain(specific, nspecific, e->name)) {
                    if (!names_contain(overrides, noverrides, e->name)) overrides[noverrides++] = e->name;
                    continue;
                }
                if (names_contain(from_multi, nmulti, e->name)) {
                    ok = problem(out_problem, SL_EXPAND_DUPLICATE, SL_PLUGIN_SET_MULTI_POINT, e,
                                 (sl_extension_point)ep);
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
            nplugins[ep] = (uint32_t)n;
            plugins[ep] = n ? xcalloc(n, sizeof *plugins[ep]) : NULL;
            for (size_t i = 0; i < n; i++) {
                plugins[ep][i].name = xstrdup(order[i]);
                plugins[ep][i].weight = ep == SL_EP_SCORE ? score_weight(sets, order[i]) : 0;
            }
            free(order);
        }
        free(specific);
        free(overrides);
        free(from_multi);
        if (!ok) {
            free_lists(nplugins, plugins);
            return false;
        }
    }
    return true;
}
