/*
 * config_extenders.c — the `extenders` list of a scheduler configuration:
 * each extender decoded strictly and defaulted (httpTimeout 5s, weight as
 * given), then validated across the list as upstream's validateExtenders
 * does (managed resource names unique, at most one binder).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config.h"
#include "scheduler/config_internal.h"

#define DEFAULT_EXTENDER_TIMEOUT_MS 5000

/* Extended resource names: qualified, with a domain prefix that is not
 * kubernetes.io, and not starting with "requests." (v1helper). */
static const char *extended_resource_problem(const char *s) {
    const char *problem = cfg_qualified_name_problem(s);
    if (problem) return problem;
    if (!strchr(s, '/') || strstr(s, "kubernetes.io/") || strncmp(s, "requests.", 9) == 0)
        return "is an invalid extended resource name";
    return NULL;
}

bool cfg_decode_extender(cfg_loader *l, const json_t *obj, sl_extender_config *out) {
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
        if (!json_is_string(timeout) || !cfg_parse_go_duration(json_string_value(timeout), &ns))
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
bool cfg_check_extenders(cfg_loader *l, const sl_config *cfg) {
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

void cfg_extender_free(sl_extender_config *e) {
    free(e->url_prefix);
    free(e->filter_verb);
    free(e->preempt_verb);
    free(e->prioritize_verb);
    free(e->bind_verb);
    for (uint32_t j = 0; j < e->nmanaged; j++) free(e->managed_resources[j].name);
    free(e->managed_resources);
    json_decref(e->raw);
}

/* upstream buildExtenders: managed resources with ignoredByScheduler
 * become NodeResourcesFit's ignoredResources in every profile (replacing
 * the configured list, as upstream does), so Filter does not reject nodes
 * for resources only an extender knows about. */
void cfg_apply_extender_ignored_resources(sl_config *cfg) {
    json_t *ignored = json_array();
    for (uint32_t i = 0; i < cfg->nextenders; i++)
        for (uint32_t r = 0; r < cfg->extenders[i].nmanaged; r++)
            if (cfg->extenders[i].managed_resources[r].ignored_by_scheduler)
                json_array_append_new(ignored, json_string(cfg->extenders[i].managed_resources[r].name));
    for (uint32_t p = 0; json_array_size(ignored) && p < cfg->nprofiles; p++) {
        sl_profile_config *prof = &cfg->profiles[p];
        for (uint32_t j = 0; j < prof->nargs; j++) {
            if (strcmp(prof->args[j].name, "NodeResourcesFit") != 0) continue;
            json_t *args = prof->args[j].args ? json_deep_copy(prof->args[j].args) : json_object();
            json_object_set(args, "ignoredResources", ignored);
            json_decref(prof->args[j].args);
            prof->args[j].args = args;
        }
    }
    json_decref(ignored);
}
