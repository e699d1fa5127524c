/*
 * config_args.c — pluginConfig args of the in-tree plugins that take args
 * (upstream's v1 SetDefaults_*Args defaulting and its plugin-args
 * validation): each handler checks the user's args
 * strictly (unknown fields, types, ranges) and fills upstream's defaults in
 * place, so plugins receive complete args and never re-default.
 *
 * Supported: DefaultPreemption, InterPodAffinity, NodeAffinity,
 * NodeResourcesBalancedAllocation, NodeResourcesFit, PodTopologySpread,
 * VolumeBinding. Args of any other plugin are passed through untouched
 * (config.c), as upstream does for out-of-tree plugins.
 */
#include <stdio.h>
#include <string.h>

#include "k8s/k8s.h"
#include "scheduler/config_internal.h"

static void set_default_int(json_t *obj, const char *key, int64_t value) {
    if (!cfg_field(obj, key)) json_object_set_new(obj, key, json_integer(value));
}

static json_t *resource_spec(const char *name, int64_t weight) {
    return json_pack("{s:s, s:I}", "name", name, "weight", (json_int_t)weight);
}

static json_t *default_resources(void) {
    return json_pack("[o, o]", resource_spec("cpu", 1), resource_spec("memory", 1));
}

/* Decodes a [{name, weight}] list; weight 0/unset becomes 1; `resources`
 * is replaced by the defaults (cpu and memory, weight 1) when empty. */
static bool normalize_resources(cfg_loader *l, json_t *owner, const char *key) {
    static const char *const fields[] = {"name", "weight", NULL};
    const json_t *list;
    if (!cfg_read_array(l, owner, key, &list)) return false;
    if (!list || json_array_size(list) == 0) {
        json_object_set_new(owner, key, default_resources());
        return true;
    }
    size_t mark = cfg_enter_key(l, key);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *item = json_array_get(list, i);
        size_t item_mark = cfg_enter_index(l, i);
        const char *name = "";
        int32_t weight = 0;
        if (!cfg_check_object(l, item, fields) || !cfg_read_string(l, item, "name", &name) ||
            !cfg_read_int32(l, item, "weight", NULL, &weight))
            return false;
        if (weight == 0) json_object_set_new(item, "weight", json_integer(1));
        cfg_leave(l, item_mark);
    }
    cfg_leave(l, mark);
    return true;
}

static bool validate_shape(cfg_loader *l, const json_t *shape) {
    static const char *const fields[] = {"utilization", "score", NULL};
    if (!shape || json_array_size(shape) == 0) return cfg_fail(l, "Required value: at least one point must be specified");
    int64_t previous = 0;
    for (size_t i = 0; i < json_array_size(shape); i++) {
        const json_t *point = json_array_get(shape, i);
        size_t mark = cfg_enter_index(l, i);
        int32_t utilization = 0, score = 0;
        if (!cfg_check_object(l, point, fields) || !cfg_read_int32(l, point, "utilization", NULL, &utilization) ||
            !cfg_read_int32(l, point, "score", NULL, &score))
            return false;
        if (i > 0 && previous >= utilization) {
            cfg_enter_key(l, "utilization");
            return cfg_fail_invalid_int(l, utilization, "values must be sorted in increasing order");
        }
        if (utilization < 0 || utilization > 100) {
            cfg_enter_key(l, "utilization");
            return cfg_fail_invalid_int(l, utilization, "not in valid range [0, 100]");
        }
        if (score < 0 || score > 10) {
            cfg_enter_key(l, "score");
            return cfg_fail_invalid_int(l, score, "not in valid range [0, 10]");
        }
        previous = utilization;
        cfg_leave(l, mark);
    }
    return true;
}

static bool default_preemption_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"minCandidateNodesPercentage", "minCandidateNodesAbsolute", NULL};
    if (!cfg_check_object(l, args, fields)) return false;
    int32_t percentage = 10, absolute = 100;
    if (!cfg_read_int32(l, args, "minCandidateNodesPercentage", NULL, &percentage) ||
        !cfg_read_int32(l, args, "minCandidateNodesAbsolute", NULL, &absolute))
        return false;
    set_default_int(args, "minCandidateNodesPercentage", percentage);
    set_default_int(args, "minCandidateNodesAbsolute", absolute);
    size_t mark = cfg_enter_key(l, "minCandidateNodesPercentage");
    if (percentage < 0 || percentage > 100) return cfg_fail_invalid_int(l, percentage, "not in valid range [0, 100]");
    if (percentage == 0 && absolute == 0)
        return cfg_fail_invalid_int(l, percentage, "cannot be zero at the same time as minCandidateNodesAbsolute");
    cfg_leave(l, mark);
    mark = cfg_enter_key(l, "minCandidateNodesAbsolute");
    if (absolute < 0) return cfg_fail_invalid_int(l, absolute, "not in valid range [0, inf)");
    cfg_leave(l, mark);
    return true;
}

static bool inter_pod_affinity_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods", NULL};
    if (!cfg_check_object(l, args, fields)) return false;
    int32_t weight = 1;
    bool ignore_preferred = false;
    if (!cfg_read_int32(l, args, "hardPodAffinityWeight", NULL, &weight) ||
        !cfg_read_bool(l, args, "ignorePreferredTermsOfExistingPods", &ignore_preferred))
        return false;
    set_default_int(args, "hardPodAffinityWeight", weight);
    if (!cfg_field(args, "ignorePreferredTermsOfExistingPods"))
        json_object_set_new(args, "ignorePreferredTermsOfExistingPods", json_false());
    if (weight < 0 || weight > 100) {
        cfg_enter_key(l, "hardPodAffinityWeight");
        return cfg_fail_invalid_int(l, weight, "not in valid range [0, 100]");
    }
    return true;
}

static bool node_affinity_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"addedAffinity", NULL};
    static const char *const affinity_fields[] = {"requiredDuringSchedulingIgnoredDuringExecution",
                                                  "preferredDuringSchedulingIgnoredDuringExecution", NULL};
    if (!cfg_check_object(l, args, fields)) return false;
    const json_t *added = cfg_field(args, "addedAffinity");
    if (!added) return true;
    size_t mark = cfg_enter_key(l, "addedAffinity");
    if (!cfg_check_object(l, added, affinity_fields)) return false;
    /* The k8s decoder does the selector validation (operators, values). */
    arena mem;
    arena_init(&mem, 4096);
    k8s_node_affinity affinity;
    char message[512] = "";
    bool ok = k8s_node_affinity_decode(added, &mem, l->path, &affinity, message, sizeof message);
    arena_free(&mem);
    if (!ok) {
        snprintf(l->err, l->errsize, "%s: %s", l->origin, message[0] ? message : l->path);
        return false;
    }
    cfg_leave(l, mark);
    return true;
}

static bool node_resources_fit_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"ignoredResources", "ignoredResourceGroups", "scoringStrategy", NULL};
    static const char *const strategy_fields[] = {"type", "resources", "requestedToCapacityRatio", NULL};
    static const char *const ratio_fields[] = {"shape", NULL};
    static const char *const strategy_types[] = {"LeastAllocated", "MostAllocated", "RequestedToCapacityRatio", NULL};
    if (!cfg_check_object(l, args, fields)) return false;

    const char *const list_keys[] = {"ignoredResources", "ignoredResourceGroups"};
    for (int k = 0; k < 2; k++) {
        const json_t *list;
        if (!cfg_read_array(l, args, list_keys[k], &list)) return false;
        size_t mark = cfg_enter_key(l, list_keys[k]);
        for (size_t i = 0; list && i < json_array_size(list); i++) {
            const json_t *item = json_array_get(list, i);
            size_t item_mark = cfg_enter_index(l, i);
            if (!json_is_string(item)) return cfg_fail_invalid(l, item, "must be a string");
            const char *name = json_string_value(item);
            if (k == 1 && strchr(name, '/'))
                return cfg_fail_invalid_string(l, name, "resource group name can't contain '/'");
            const char *problem = cfg_qualified_name_problem(name);
            if (problem) return cfg_fail_invalid_string(l, name, problem);
            cfg_leave(l, item_mark);
        }
        cfg_leave(l, mark);
    }

    json_t *strategy = json_object_get(args, "scoringStrategy");
    if (!strategy || json_is_null(strategy)) {
        json_object_set_new(args, "scoringStrategy",
                            json_pack("{s:s, s:o}", "type", "LeastAllocated", "resources", default_resources()));
        return true;
    }
    size_t mark = cfg_enter_key(l, "scoringStrategy");
    if (!cfg_check_object(l, strategy, strategy_fields)) return false;
    const char *type = "";
    if (!cfg_read_string(l, strategy, "type", &type)) return false;
    if (!cfg_in_list(strategy_types, type)) {
        cfg_enter_key(l, "type");
        return cfg_fail(l, "Unsupported value: \"%s\": supported values: \"LeastAllocated\", "
                       "\"MostAllocated\", \"RequestedToCapacityRatio\"", type);
    }
    if (!normalize_resources(l, strategy, "resources")) return false;
    const json_t *resources = json_object_get(strategy, "resources");
    for (size_t i = 0; i < json_array_size(resources); i++) {
        const json_t *item = json_array_get(resources, i);
        int64_t weight = json_integer_value(json_object_get(item, "weight"));
        if (weight <= 0 || weight > 100) {
            const char *name = json_string_value(json_object_get(item, "name"));
            char detail[160];
            snprintf(detail, sizeof detail, "resource weight of %s not in valid range (0, 100]", name ? name : "");
            cfg_enter_key(l, "resources");
            cfg_enter_index(l, i);
            cfg_enter_key(l, "weight");
            return cfg_fail_invalid_int(l, weight, detail);
        }
    }
    const json_t *ratio = cfg_field(strategy, "requestedToCapacityRatio");
    if (strcmp(type, "RequestedToCapacityRatio") == 0) {
        cfg_enter_key(l, "requestedToCapacityRatio");
        if (!ratio) return cfg_fail(l, "Required value: must be specified when type is RequestedToCapacityRatio");
        if (!cfg_check_object(l, ratio, ratio_fields)) return false;
        const json_t *shape;
        if (!cfg_read_array(l, ratio, "shape", &shape)) return false;
        cfg_enter_key(l, "shape");
        if (!validate_shape(l, shape)) return false;
    } else if (ratio) {
        cfg_enter_key(l, "requestedToCapacityRatio");
        return cfg_fail(l, "Forbidden: must be nil when type is not RequestedToCapacityRatio");
    }
    cfg_leave(l, mark);
    return true;
}

static bool balanced_allocation_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"resources", NULL};
    if (!cfg_check_object(l, args, fields) || !normalize_resources(l, args, "resources")) return false;
    const json_t *resources = json_object_get(args, "resources");
    for (size_t i = 0; i < json_array_size(resources); i++) {
        const json_t *item = json_array_get(resources, i);
        const char *name = json_string_value(json_object_get(item, "name"));
        size_t mark = cfg_enter_key(l, "resources");
        cfg_enter_index(l, i);
        for (size_t j = 0; j < i; j++) {
            const char *other = json_string_value(json_object_get(json_array_get(resources, j), "name"));
            if (name && other && strcmp(name, other) == 0) {
                cfg_enter_key(l, "name");
                return cfg_fail(l, "Duplicate value: \"%s\"", name);
            }
        }
        int64_t weight = json_integer_value(json_object_get(item, "weight"));
        if (weight != 1) {
            cfg_enter_key(l, "weight");
            return cfg_fail_invalid_int(l, weight, "must be 1");
        }
        cfg_leave(l, mark);
    }
    return true;
}

static bool pod_topology_spread_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"defaultConstraints", "defaultingType", NULL};
    static const char *const constraint_fields[] = {
        "maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains",
        "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys", NULL};
    if (!cfg_check_object(l, args, fields)) return false;
    const char *defaulting = "System";
    const json_t *constraints;
    if (!cfg_read_string(l, args, "defaultingType", &defaulting) ||
        !cfg_read_array(l, args, "defaultConstraints", &constraints))
        return false;
    if (!cfg_field(args, "defaultingType")) json_object_set_new(args, "defaultingType", json_string("System"));
    if (!constraints) json_object_set_new(args, "defaultConstraints", json_array());
    size_t n = constraints ? json_array_size(constraints) : 0;

    size_t mark = cfg_enter_key(l, "defaultingType");
    if (strcmp(defaulting, "System") != 0 && strcmp(defaulting, "List") != 0)
        return cfg_fail(l, "Unsupported value: \"%s\": supported values: \"System\", \"List\"", defaulting);
    if (strcmp(defaulting, "System") == 0 && n > 0)
        return cfg_fail_invalid_string(l, defaulting, "when .defaultConstraints are not empty");
    cfg_leave(l, mark);

    mark = cfg_enter_key(l, "defaultConstraints");
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(constraints, i);
        size_t item_mark = cfg_enter_index(l, i);
        int32_t max_skew = 0, min_domains = 0;
        const char *key = "", *when = "";
        if (!cfg_check_object(l, c, constraint_fields) || !cfg_read_int32(l, c, "maxSkew", NULL, &max_skew) ||
            !cfg_read_int32(l, c, "minDomains", NULL, &min_domains) || !cfg_read_string(l, c, "topologyKey", &key) ||
            !cfg_read_string(l, c, "whenUnsatisfiable", &when))
            return false;
        const char *const policy_keys[] = {"nodeAffinityPolicy", "nodeTaintsPolicy"};
        for (int k = 0; k < 2; k++) {
            const char *policy = NULL;
            if (!cfg_read_string(l, c, policy_keys[k], &policy)) return false;
            if (policy && strcmp(policy, "Honor") != 0 && strcmp(policy, "Ignore") != 0) {
                cfg_enter_key(l, policy_keys[k]);
                return cfg_fail(l, "Unsupported value: \"%s\": supported values: \"Honor\", \"Ignore\"", policy);
            }
        }
        if (max_skew <= 0) {
            cfg_enter_key(l, "maxSkew");
            return cfg_fail_invalid_int(l, max_skew, "not in valid range (0, inf)");
        }
        size_t key_mark = cfg_enter_key(l, "topologyKey");
        if (!*key) return cfg_fail(l, "Required value: can not be empty");
        const char *problem = cfg_qualified_name_problem(key);
        if (problem) return cfg_fail_invalid_string(l, key, problem);
        cfg_leave(l, key_mark);
        key_mark = cfg_enter_key(l, "whenUnsatisfiable");
        if (!*when) return cfg_fail(l, "Required value: can not be empty");
        if (strcmp(when, "DoNotSchedule") != 0 && strcmp(when, "ScheduleAnyway") != 0)
            return cfg_fail(l, "Unsupported value: \"%s\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"", when);
        cfg_leave(l, key_mark);
        if (cfg_field(c, "labelSelector")) {
            cfg_enter_key(l, "labelSelector");
            return cfg_fail(l, "Forbidden: constraint must not define a selector, as they deduced for each pod");
        }
        for (size_t j = 0; j < i; j++) {
            const json_t *other = json_array_get(constraints, j);
            const char *other_key = json_string_value(json_object_get(other, "topologyKey"));
            const char *other_when = json_string_value(json_object_get(other, "whenUnsatisfiable"));
            if (other_key && other_when && strcmp(other_key, key) == 0 && strcmp(other_when, when) == 0)
                return cfg_fail(l, "Duplicate value: \"{%s, %s}\"", key, when);
        }
        cfg_leave(l, item_mark);
    }
    cfg_leave(l, mark);
    return true;
}

static bool volume_binding_args(cfg_loader *l, json_t *args) {
    static const char *const fields[] = {"bindTimeoutSeconds", "shape", NULL};
    if (!cfg_check_object(l, args, fields)) return false;
    bool present = false;
    int64_t timeout = 600;
    if (!cfg_read_int(l, args, "bindTimeoutSeconds", INT64_MIN, INT64_MAX, &present, &timeout)) return false;
    set_default_int(args, "bindTimeoutSeconds", timeout);
    if (timeout < 0) {
        cfg_enter_key(l, "bindTimeoutSeconds");
        return cfg_fail_invalid_int(l, timeout, "invalid BindTimeoutSeconds, should not be a negative value");
    }
    if (cfg_field(args, "shape")) {
        cfg_enter_key(l, "shape");
        return cfg_fail_invalid(l, cfg_field(args, "shape"),
                            "unexpected field `shape`, remove it or turn on the feature gate StorageCapacityScoring");
    }
    return true;
}

/* The in-tree plugins whose args kind ("<Name>Args") upstream registers.
 * Sorted by name: default args are appended in this (upstream's sorted)
 * order. */
static const struct {
    const char *plugin;
    cfg_args_handler handle;
} known_args[] = {
    {"DefaultPreemption", default_preemption_args},
    {"InterPodAffinity", inter_pod_affinity_args},
    {"NodeAffinity", node_affinity_args},
    {"NodeResourcesBalancedAllocation", balanced_allocation_args},
    {"NodeResourcesFit", node_resources_fit_args},
    {"PodTopologySpread", pod_topology_spread_args},
    {"VolumeBinding", volume_binding_args},
};

cfg_args_handler cfg_find_args_handler(const char *plugin) {
    for (size_t i = 0; i < ARRAY_LEN(known_args); i++)
        if (strcmp(known_args[i].plugin, plugin) == 0) return known_args[i].handle;
    return NULL;
}

/* Args of an in-tree plugin: the user's (may be NULL) validated and
 * defaulted into a new object. `apiVersion`/`kind` are accepted when they
 * name this group and "<Plugin>Args", and dropped from the result. */
json_t *cfg_resolve_known_args(cfg_loader *l, const char *plugin, cfg_args_handler handle, const json_t *user) {
    if (user && !json_is_object(user)) {
        cfg_fail_invalid(l, user, "has to match plugin args");
        return NULL;
    }
    json_t *args = user ? json_deep_copy(user) : json_object();
    const char *api_version = NULL, *kind = NULL;
    if (!cfg_read_string(l, args, "apiVersion", &api_version) || !cfg_read_string(l, args, "kind", &kind)) goto bad;
    if (api_version && strcmp(api_version, CONFIG_API_VERSION) != 0) {
        cfg_enter_key(l, "apiVersion");
        cfg_fail(l, "Unsupported value: \"%s\": supported values: \"%s\"", api_version, CONFIG_API_VERSION);
        goto bad;
    }
    char expected_kind[96];
    snprintf(expected_kind, sizeof expected_kind, "%sArgs", plugin);
    if (kind && strcmp(kind, expected_kind) != 0) {
        cfg_enter_key(l, "kind");
        cfg_fail(l, "Unsupported value: \"%s\": supported values: \"%s\"", kind, expected_kind);
        goto bad;
    }
    json_object_del(args, "apiVersion");
    json_object_del(args, "kind");
    if (!handle(l, args)) goto bad;
    return args;
bad:
    json_decref(args);
    return NULL;
}

