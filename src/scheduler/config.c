/*
 * config.c — KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1):
 * decoding, defaulting, validation and profile resolution, in the order
 * upstream applies them:
 *
 *   1. strict decoding: every object is checked against its known fields
 *      ("strict decoding error: unknown field ..."), every value against
 *      its type;
 *   2. defaulting (upstream's v1 defaults and default plugin set): the
 *      top-level numbers, one "default-scheduler" profile when none is
 *      given, the user's PluginSets merged into the default multiPoint set
 *      (mergePluginSet), default args for the in-tree plugins that take args;
 *   3. validation (upstream's config validation): ranges, duplicates,
 *      queueSort identical across profiles, extenders, plugin args;
 *   4. what upstream does when it builds a framework (its framework
 *      runtime): every name must be a plugin of the registry, specific
 *      extension points only list plugins that implement them, multiPoint
 *      is expanded per extension point, score weights default to 1, exactly
 *      one queueSort and at least one bind plugin.
 *
 * The result is a flat, ordered plugin list per extension point and profile
 * (plus the merged sets, which the framework expands again with its plugin
 * instances). This file holds the document, its top-level sections and the
 * profiles; the other concerns have files of their own, listed in
 * config_internal.h.
 *
 * Errors stop at the first problem (upstream aggregates them all; one
 * precise message is enough for a CLI and keeps the code simple). Every
 * message is "ORIGIN: field.path: what is wrong", using upstream's
 * field-error phrasing ("Invalid value", "Required value", "Unsupported
 * value", "Duplicate value").
 */
#include "scheduler/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"
#include "scheduler/config_internal.h"
#include "scheduler/framework.h"

#define CONFIG_KIND "KubeSchedulerConfiguration"
#define DEFAULT_SCHEDULER_NAME "default-scheduler"

/* ------------------------------------------------------------------ */
/* Profiles                                                             */
/* ------------------------------------------------------------------ */

/* Decodes and resolves profiles[index] (`obj` NULL: the implicit default
 * profile). */
static bool resolve_profile(cfg_loader *l, const json_t *obj, size_t index, size_t nprofiles,
                            sl_profile_config *out) {
    static const char *const fields[] = {"schedulerName", "percentageOfNodesToScore", "plugins",
                                         "pluginConfig", NULL};
    size_t mark = cfg_enter_key(l, "profiles");
    cfg_enter_index(l, index);
    out->percentage_of_nodes_to_score = -1;

    json_t *empty_object = NULL;
    if (!obj) obj = empty_object = json_object();
    bool ok = false;
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

    /* A pluginConfig that is not a list fails below; the resolver then
     * just sees no args. */
    const json_t *raw_plugin_config = cfg_field(obj, "pluginConfig");
    if (!cfg_resolve_plugins(l, cfg_field(obj, "plugins"), raw_plugin_config, out)) goto out;

    const json_t *plugin_config;
    if (!cfg_read_array(l, obj, "pluginConfig", &plugin_config)) goto out;
    if (!cfg_resolve_plugin_config(l, plugin_config, out)) goto out;
    ok = true;
out:
    json_decref(empty_object);
    if (ok) cfg_leave(l, mark);
    return ok;
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
        if (v && (!json_is_string(v) || !cfg_parse_go_duration(json_string_value(v), &ns))) {
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
    size_t count = nprofiles ? nprofiles : 1;
    out->profiles = xcalloc(count, sizeof *out->profiles);
    for (size_t i = 0; i < count; i++) {
        out->nprofiles = (uint32_t)(i + 1);
        const json_t *profile = nprofiles ? json_array_get(profiles, i) : NULL;
        if (!resolve_profile(l, profile, i, count, &out->profiles[i])) goto out;
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
    if (!cfg_check_common_queue_sort(l, out)) goto out;

    const json_t *extenders;
    if (!cfg_read_array(l, doc, "extenders", &extenders)) goto out;
    size_t nextenders = extenders ? json_array_size(extenders) : 0;
    out->extenders = nextenders ? xcalloc(nextenders, sizeof *out->extenders) : NULL;
    for (size_t i = 0; i < nextenders; i++) {
        out->nextenders = (uint32_t)(i + 1);
        size_t mark = cfg_enter_key(l, "extenders");
        cfg_enter_index(l, i);
        if (!cfg_decode_extender(l, json_array_get(extenders, i), &out->extenders[i])) goto out;
        cfg_leave(l, mark);
    }
    if (!cfg_check_extenders(l, out)) goto out;
    cfg_apply_extender_ignored_resources(out);
    ok = true;
out:
    json_decref(implicit);
    if (!ok) sl_config_free(out);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

void sl_config_default(const sl_registry *registry, sl_config *out) {
    char err[512] = "";
    cfg_loader l = {.registry = registry, .origin = "default configuration", .err = err,
                    .errsize = sizeof err};
    if (!load_config(&l, NULL, out)) log_error("%s", err);
}

bool sl_config_load_json(const json_t *doc, const char *origin, const sl_registry *registry,
                         sl_config *out, char *err, size_t errsize) {
    cfg_loader l = {.registry = registry, .origin = origin ? origin : "config", .err = err,
                    .errsize = errsize};
    if (err && errsize) err[0] = 0;
    if (!doc) {
        memset(out, 0, sizeof *out);
        return cfg_fail(&l, "empty document");
    }
    return load_config(&l, doc, out);
}

bool sl_config_load_file(const char *path, const sl_registry *registry, sl_config *out,
                         char *err, size_t errsize) {
    memset(out, 0, sizeof *out);
    char read_err[256];
    size_t len = 0;
    char *text = file_read_all(path, &len, read_err, sizeof read_err);
    if (!text) {
        snprintf(err, errsize, "%s", read_err); /* names the file already */
        return false;
    }
    json_t *doc = k8s_parse_document(text, len, path, err, errsize);
    free(text);
    if (!doc) return false;
    bool ok = sl_config_load_json(doc, path, registry, out, err, errsize);
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
        cfg_plugin_sets_free(p);
    }
    free(cfg->profiles);
    for (uint32_t i = 0; i < cfg->nextenders; i++) cfg_extender_free(&cfg->extenders[i]);
    free(cfg->extenders);
    json_decref(cfg->raw);
    memset(cfg, 0, sizeof *cfg);
}

const sl_profile_config *sl_config_profile(const sl_config *cfg, const char *scheduler_name) {
    for (uint32_t i = 0; i < cfg->nprofiles; i++)
        if (strcmp(cfg->profiles[i].scheduler_name, scheduler_name) == 0) return &cfg->profiles[i];
    return NULL;
}
