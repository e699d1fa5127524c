/*
 * node_resources_fit.c — NodeResourcesFit (upstream's noderesources Fit
 * plugin and its three scoring strategies: LeastAllocated, MostAllocated,
 * RequestedToCapacityRatio).
 *
 * Filter: a node is rejected when it cannot hold one more pod ("Too many
 * pods") or when, for a resource the pod requests (> 0), allocatable minus
 * already requested is smaller than the request ("Insufficient cpu",
 * "Insufficient memory", "Insufficient ephemeral-storage",
 * "Insufficient <name>"). Every failing resource is a separate reason
 * (SL_REASON_SEP), counted separately in the FitError histogram.
 *
 * Version choice: the code is Unschedulable for every reason, as in
 * kube-scheduler v1.30–v1.33. v1.34 (k/k#131345) returns
 * UnschedulableAndUnresolvable when the request exceeds the node's total
 * allocatable; we keep the v1.33 behaviour so DefaultPreemption considers
 * the same candidate nodes as the upstream version we test against.
 *
 * Extended resources listed in ignoredResources, or whose prefix (the part
 * before '/') is in ignoredResourceGroups, are not checked. Upstream walks
 * the pod's scalar requests in Go map order (random); we walk them in the
 * pod's order, so with several insufficient extended resources only the
 * order of reasons can differ.
 *
 * Score: scoringStrategy LeastAllocated (default), MostAllocated or
 * RequestedToCapacityRatio over `resources` with weights, using
 * NonZeroRequested for cpu and memory (resource_allocation.h).
 *
 * Hot path: Filter and Score run for every (pod, node) pair on worker
 * threads. The pod's requests are precomputed by the cache (sl_pod_info), so
 * Filter reads cpu/memory/ephemeral-storage from there directly — exactly
 * the values PreFilter would have stored — and touches CycleState only for
 * pods requesting extended resources (whose reason strings PreFilter
 * formats once). Score likewise reads the pod's requests from sl_pod_info;
 * PreScore has nothing to precompute.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_args.h"
#include "plugins/resource_allocation.h"
#include "scheduler/framework.h"

#define FIT_NAME "NodeResourcesFit"
#define FIT_PREFILTER_KEY "PreFilter" FIT_NAME
#define MAX_NODE_SCORE 100
#define MAX_CUSTOM_PRIORITY_SCORE 10
#define MAX_UTILIZATION 100

typedef enum scoring_strategy {
    LEAST_ALLOCATED,
    MOST_ALLOCATED,
    REQUESTED_TO_CAPACITY_RATIO,
} scoring_strategy;

typedef struct shape_point {
    int64_t utilization;
    int64_t score;            /* already scaled to 0..MAX_NODE_SCORE */
} shape_point;

typedef struct fit_plugin {
    uint32_t nignored_resources, nignored_groups;
    char **ignored_resources;
    char **ignored_groups;
    scoring_strategy strategy;
    uint32_t nresources;
    scored_resource *resources;
    uint32_t nshape;
    shape_point *shape;
    /* Scored resources are exactly [cpu, memory] (the default, in that
     * order) with Least- or MostAllocated: fit_score_nodes then uses
     * fit_cpu_memory_score instead of the generic per-resource loop. */
    bool cpu_memory_fast;
} fit_plugin;

/* One extended resource the pod requests and Filter must check. */
typedef struct scalar_check {
    const char *name;
    int64_t request;
    const char *reason;       /* "Insufficient <name>" */
} scalar_check;

typedef struct fit_prefilter_state {
    uint32_t nchecks;
    scalar_check checks[];
} fit_prefilter_state;

/* ------------------------------------------------------------------ */
/* Filter                                                               */
/* ------------------------------------------------------------------ */

static bool string_list_contains(char *const *list, uint32_t n, const char *s, size_t len) {
    for (uint32_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0) return true;
    return false;
}

/* v1helper.IsExtendedResourceName: outside the kubernetes.io namespace,
 * qualified with a '/', and not a quota "requests." name. Only these can be
 * ignored by configuration. */
static bool is_extended_resource_name(const char *name) {
    if (!strchr(name, '/') || strstr(name, "kubernetes.io/")) return false;
    return strncmp(name, "requests.", 9) != 0;
}

static bool fit_ignores_resource(const fit_plugin *fit, const char *name) {
    if (!is_extended_resource_name(name)) return false;
    if (string_list_contains(fit->ignored_resources, fit->nignored_resources, name, strlen(name)))
        return true;
    size_t prefix_len = (size_t)(strchr(name, '/') - name);
    return string_list_contains(fit->ignored_groups, fit->nignored_groups, name, prefix_len);
}

static sl_status fit_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                sl_prefilter_result *result) {
    const fit_plugin *fit = p->self;
    const k8s_resources *request = &pod->request;
    fit_prefilter_state *state =
        sl_cycle_alloc(c, sizeof *state + request->nscalar * sizeof(scalar_check));
    state->nchecks = 0;
    for (uint32_t i = 0; i < request->nscalar; i++) {
        const k8s_scalar_resource *r = &request->scalar[i];
        if (r->value == 0 || fit_ignores_resource(fit, r->name)) continue;
        scalar_check *check = &state->checks[state->nchecks++];
        check->name = r->name;
        check->request = r->value;
        check->reason = sl_cycle_printf(c, "Insufficient %s", r->name);
    }
    sl_cycle_state_write(c, FIT_PREFILTER_KEY, state, NULL, NULL);
    UNUSED(result);
    return SL_STATUS_SUCCESS;
}

/* Joins reasons with SL_REASON_SEP (failure path only). */
static sl_status rejection_with_reasons(sl_cycle *c, const char *const *reasons, uint32_t n) {
    if (n == 1) return sl_status_make(SL_UNSCHEDULABLE, reasons[0]);
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += strlen(reasons[i]) + 1;
    char *joined = sl_cycle_alloc(c, total);
    char *out = joined;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(reasons[i]);
        memcpy(out, reasons[i], len);
        out += len;
        *out++ = i + 1 < n ? SL_REASON_SEP : '\0';
    }
    return sl_status_make(SL_UNSCHEDULABLE, joined);
}

static sl_status fit_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                            const sl_node_info *node) {
    UNUSED(p);
    const k8s_resources *request = &pod->request;
    const k8s_resources *allocatable = &node->node->allocatable;
    const k8s_resources *used = &node->requested;
    const char *builtin[4];
    uint32_t nbuiltin = 0;

    if ((int64_t)node->npods + 1 > allocatable->pods) builtin[nbuiltin++] = "Too many pods";
    if (request->milli_cpu > 0 && request->milli_cpu > allocatable->milli_cpu - used->milli_cpu)
        builtin[nbuiltin++] = "Insufficient cpu";
    if (request->memory > 0 && request->memory > allocatable->memory - used->memory)
        builtin[nbuiltin++] = "Insufficient memory";
    if (request->ephemeral_storage > 0 &&
        request->ephemeral_storage > allocatable->ephemeral_storage - used->ephemeral_storage)
        builtin[nbuiltin++] = "Insufficient ephemeral-storage";

    if (LIKELY(request->nscalar == 0)) {
        if (LIKELY(nbuiltin == 0)) return SL_STATUS_SUCCESS;
        return rejection_with_reasons(c, builtin, nbuiltin);
    }

    const fit_prefilter_state *state = sl_cycle_state_read(c, FIT_PREFILTER_KEY);
    if (!state)
        return sl_status_make(SL_ERROR, "error reading \"" FIT_PREFILTER_KEY
                                        "\" from cycleState: not found");
    const char **reasons = NULL;
    uint32_t nreasons = nbuiltin;
    for (uint32_t i = 0; i < state->nchecks; i++) {
        const scalar_check *check = &state->checks[i];
        int64_t free_amount = k8s_resources_get(allocatable, check->name) -
                              k8s_resources_get(used, check->name);
        if (check->request <= free_amount) continue;
        if (!reasons) {
            reasons = sl_cycle_alloc(c, (4 + state->nchecks) * sizeof *reasons);
            memcpy(reasons, builtin, nbuiltin * sizeof *reasons);
        }
        reasons[nreasons++] = check->reason;
    }
    if (nreasons == 0) return SL_STATUS_SUCCESS;
    return rejection_with_reasons(c, reasons ? reasons : builtin, nreasons);
}

/* ------------------------------------------------------------------ */
/* Score                                                                */
/* ------------------------------------------------------------------ */

/* Unused capacity on a 0..100 scale; 0 when over-committed. */
static int64_t least_requested_score(int64_t requested, int64_t capacity) {
    if (capacity == 0 || requested > capacity) return 0;
    return (capacity - requested) * MAX_NODE_SCORE / capacity;
}

/* Used capacity on a 0..100 scale; requested is capped at capacity since
 * the non-zero defaults can push it above. */
static int64_t most_requested_score(int64_t requested, int64_t capacity) {
    if (capacity == 0) return 0;
    if (requested > capacity) requested = capacity;
    return requested * MAX_NODE_SCORE / capacity;
}

/* helper.BuildBrokenLinearFunction: the first point's score below the first
 * utilization, the last point's above the last, linear (integer division)
 * in between. */
static int64_t broken_linear(const shape_point *shape, uint32_t n, int64_t utilization) {
    for (uint32_t i = 0; i < n; i++) {
        if (utilization <= shape[i].utilization) {
            if (i == 0) return shape[0].score;
            return shape[i - 1].score + (shape[i].score - shape[i - 1].score) *
                                            (utilization - shape[i - 1].utilization) /
                                            (shape[i].utilization - shape[i - 1].utilization);
        }
    }
    return shape[n - 1].score;
}

static int64_t requested_to_capacity_score(const fit_plugin *fit, int64_t requested,
                                           int64_t capacity) {
    if (capacity == 0 || requested > capacity)
        return broken_linear(fit->shape, fit->nshape, MAX_UTILIZATION);
    return broken_linear(fit->shape, fit->nshape, requested * MAX_UTILIZATION / capacity);
}

static sl_status fit_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                               sl_node_info *const *nodes, uint32_t nnodes) {
    /* The pod's requests for every scored resource come straight from
     * sl_pod_info (computed once by the cache); nothing to stash. */
    UNUSED(p), UNUSED(c), UNUSED(pod), UNUSED(nodes), UNUSED(nnodes);
    return SL_STATUS_SUCCESS;
}

/* The pod's request for each scored resource, in resource order (array
 * from the stack when it fits, else the cycle arena). */
#define FIT_STACK_RESOURCES 8
static const int64_t *fit_pod_requests(const fit_plugin *fit, sl_cycle *c, const sl_pod_info *pod,
                                       int64_t *stack) {
    int64_t *requests = fit->nresources <= FIT_STACK_RESOURCES
                            ? stack
                            : sl_cycle_alloc(c, fit->nresources * sizeof *requests);
    for (uint32_t i = 0; i < fit->nresources; i++)
        requests[i] = pod_request_for_resource(pod, &fit->resources[i], false);
    return requests;
}

/* One node's score; pod_requests from fit_pod_requests. Inlined into both
 * callers, so the batch loop has no call per node. */
static inline __attribute__((always_inline)) int64_t
fit_node_score(const fit_plugin *fit, const int64_t *pod_requests, const sl_node_info *node) {
    int64_t node_score = 0, weight_sum = 0;
    for (uint32_t i = 0; i < fit->nresources; i++) {
        const scored_resource *r = &fit->resources[i];
        int64_t allocatable, requested;
        if (!node_allocatable_and_requested(node, r, pod_requests[i], false, &allocatable,
                                            &requested))
            continue;
        int64_t resource_score;
        switch (fit->strategy) {
        case LEAST_ALLOCATED:
            resource_score = least_requested_score(requested, allocatable);
            break;
        case MOST_ALLOCATED:
            resource_score = most_requested_score(requested, allocatable);
            break;
        default:
            resource_score = requested_to_capacity_score(fit, requested, allocatable);
            /* Resources scoring 0 do not enter the average here. */
            if (resource_score <= 0) continue;
            break;
        }
        node_score += resource_score * r->weight;
        weight_sum += r->weight;
    }
    if (weight_sum == 0) return 0;
    if (fit->strategy == REQUESTED_TO_CAPACITY_RATIO)
        return (int64_t)round((double)node_score / (double)weight_sum);
    return node_score / weight_sum;
}

static sl_status fit_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                           const sl_node_info *node, int64_t *score) {
    const fit_plugin *fit = p->self;
    int64_t stack[FIT_STACK_RESOURCES];
    *score = fit_node_score(fit, fit_pod_requests(fit, c, pod, stack), node);
    return SL_STATUS_SUCCESS;
}

/* Batch forms (framework.h): fit_filter / fit_score inlined into one loop
 * per chunk of nodes instead of an indirect call per node. */
static void fit_filter_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                             sl_node_info *const *nodes, uint32_t n, sl_status *out) {
    const k8s_resources *request = &pod->request;
    if (UNLIKELY(request->nscalar != 0)) {
        sl_filter_each_node(fit_filter, p, c, pod, nodes, n, out);
        return;
    }
    /* WHY: fit_filter costs ~65 instructions per node (the reasons array,
     * a status returned through memory). Almost every node fits, so test
     * "fits" with the same comparisons as branch-free arithmetic and call
     * fit_filter only for a node that does not, to build its reasons. A
     * request of 0 is never checked (upstream skips it), hence the
     * "request > 0 &&" kept from fit_filter. */
    int64_t cpu = request->milli_cpu, memory = request->memory,
            storage = request->ephemeral_storage;
    for (uint32_t i = 0; i < n; i++) {
        const sl_node_info *node = nodes[i];
        const k8s_resources *allocatable = &node->node->allocatable;
        const k8s_resources *used = &node->requested;
        bool rejected = ((int64_t)node->npods + 1 > allocatable->pods) |
                        (cpu > 0 && cpu > allocatable->milli_cpu - used->milli_cpu) |
                        (memory > 0 && memory > allocatable->memory - used->memory) |
                        (storage > 0 &&
                         storage > allocatable->ephemeral_storage - used->ephemeral_storage);
        out[i] = LIKELY(!rejected) ? SL_STATUS_SUCCESS : fit_filter(p, c, pod, node);
    }
}

/* The default scoring ([cpu, memory], LeastAllocated or MostAllocated) as
 * straight-line code. WHY: Score runs for every (pod, scored node) pair and
 * the generic fit_node_score costs ~115 instructions per node (a switch on
 * the resource kind per resource, the strategy switch, the weight sum);
 * this is the same arithmetic — same integer divisions in the same order,
 * a resource with allocatable 0 left out as in
 * node_allocatable_and_requested — in ~30. */
static inline __attribute__((always_inline)) int64_t
fit_cpu_memory_score(bool most_allocated, int64_t cpu_weight, int64_t memory_weight,
                     int64_t pod_cpu, int64_t pod_memory, const sl_node_info *node) {
    const k8s_resources *alloc = &node->node->allocatable;
    int64_t node_score = 0, weight_sum = 0;
    int64_t a = alloc->milli_cpu;
    if (a != 0) {
        int64_t q = node->non_zero_milli_cpu + pod_cpu;
        node_score += (most_allocated ? most_requested_score(q, a) : least_requested_score(q, a)) *
                      cpu_weight;
        weight_sum += cpu_weight;
    }
    a = alloc->memory;
    if (a != 0) {
        int64_t q = node->non_zero_memory + pod_memory;
        node_score += (most_allocated ? most_requested_score(q, a) : least_requested_score(q, a)) *
                      memory_weight;
        weight_sum += memory_weight;
    }
    return weight_sum == 0 ? 0 : node_score / weight_sum;
}

/* The pod's requests are looked up once per chunk, not once per node. */
static sl_status fit_score_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_info *const *nodes, uint32_t n, sl_node_score *out,
                                 uint32_t *failed_at) {
    const fit_plugin *fit = p->self;
    if (fit->cpu_memory_fast) {
        int64_t wc = fit->resources[0].weight, wm = fit->resources[1].weight;
        int64_t pod_cpu = pod->non_zero_milli_cpu, pod_memory = pod->non_zero_memory;
        /* Two loops so the strategy test is hoisted out of the node loop. */
        if (fit->strategy == MOST_ALLOCATED) {
            for (uint32_t i = 0; i < n; i++)
                out[i].score = fit_cpu_memory_score(true, wc, wm, pod_cpu, pod_memory, nodes[i]);
        } else {
            for (uint32_t i = 0; i < n; i++)
                out[i].score = fit_cpu_memory_score(false, wc, wm, pod_cpu, pod_memory, nodes[i]);
        }
        return SL_STATUS_SUCCESS;
    }
    int64_t stack[FIT_STACK_RESOURCES];
    const int64_t *requests = fit_pod_requests(fit, c, pod, stack);
    for (uint32_t i = 0; i < n; i++) out[i].score = fit_node_score(fit, requests, nodes[i]);
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Args and lifecycle                                                   */
/* ------------------------------------------------------------------ */

static void fit_free(fit_plugin *fit) {
    if (!fit) return;
    for (uint32_t i = 0; i < fit->nignored_resources; i++) free(fit->ignored_resources[i]);
    for (uint32_t i = 0; i < fit->nignored_groups; i++) free(fit->ignored_groups[i]);
    free(fit->ignored_resources);
    free(fit->ignored_groups);
    scored_resources_free(fit->resources, fit->nresources);
    free(fit->shape);
    free(fit);
}

static void fit_destroy(sl_plugin *p) {
    fit_free(p->self);
    p->self = NULL;
}

/* ignoredResources / ignoredResourceGroups: lists of qualified names;
 * groups must not contain '/'. */
static bool decode_name_list(const json_t *args, const char *key, bool is_group, const char *path,
                             char ***out, uint32_t *nout, char *err, size_t errsize) {
    const json_t *list = json_object_get(args, key);
    if (!list || json_is_null(list)) return true;
    if (!json_is_array(list)) {
        snprintf(err, errsize, "%s.%s: must be a list of strings", path, key);
        return false;
    }
    size_t n = json_array_size(list);
    *out = xcalloc(n ? n : 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(list, i);
        if (!json_is_string(item)) {
            snprintf(err, errsize, "%s.%s[%zu]: must be a string", path, key, i);
            return false;
        }
        const char *name = json_string_value(item);
        if (is_group && strchr(name, '/')) {
            snprintf(err, errsize, "%s.%s[%zu]: Invalid value: \"%s\": resource group name can't "
                     "contain '/'", path, key, i, name);
            return false;
        }
        const char *problem = qualified_name_problem(name);
        if (problem) {
            snprintf(err, errsize, "%s.%s[%zu]: Invalid value: \"%s\": %s", path, key, i, name,
                     problem);
            return false;
        }
        (*out)[(*nout)++] = xstrdup(name);
    }
    return true;
}

static bool decode_shape(const json_t *ratio, const char *path, fit_plugin *fit, char *err,
                         size_t errsize) {
    static const char *const known[] = {"shape", NULL};
    if (!json_is_object(ratio)) {
        snprintf(err, errsize, "%s: Required value: at least one point must be specified", path);
        return false;
    }
    if (!plugin_args_only_known_fields(ratio, known, path, err, errsize)) return false;
    const json_t *shape = json_object_get(ratio, "shape");
    size_t n = json_is_array(shape) ? json_array_size(shape) : 0;
    if (n == 0) {
        snprintf(err, errsize, "%s.shape: Required value: at least one point must be specified",
                 path);
        return false;
    }
    fit->shape = xcalloc(n, sizeof *fit->shape);
    fit->nshape = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        static const char *const point_fields[] = {"utilization", "score", NULL};
        const json_t *point = json_array_get(shape, i);
        char point_path[160];
        snprintf(point_path, sizeof point_path, "%s.shape[%zu]", path, i);
        if (!json_is_object(point)) {
            snprintf(err, errsize, "%s: must be an object {utilization, score}", point_path);
            return false;
        }
        int64_t utilization = 0, score = 0;
        if (!plugin_args_only_known_fields(point, point_fields, point_path, err, errsize) ||
            !plugin_args_int(point, "utilization", point_path, &utilization, err, errsize) ||
            !plugin_args_int(point, "score", point_path, &score, err, errsize))
            return false;
        fit->shape[i].utilization = utilization;
        fit->shape[i].score = score;
    }
    /* Upstream order of checks: sortedness first, then per-point ranges. */
    for (size_t i = 1; i < n; i++) {
        if (fit->shape[i - 1].utilization >= fit->shape[i].utilization) {
            snprintf(err, errsize, "%s.shape[%zu].utilization: Invalid value: %lld: values must be "
                     "sorted in increasing order", path, i, (long long)fit->shape[i].utilization);
            return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fit->shape[i].utilization < 0 || fit->shape[i].utilization > MAX_UTILIZATION) {
            snprintf(err, errsize, "%s.shape[%zu].utilization: Invalid value: %lld: not in valid "
                     "range [0, 100]", path, i, (long long)fit->shape[i].utilization);
            return false;
        }
        if (fit->shape[i].score < 0 || fit->shape[i].score > MAX_CUSTOM_PRIORITY_SCORE) {
            snprintf(err, errsize, "%s.shape[%zu].score: Invalid value: %lld: not in valid range "
                     "[0, 10]", path, i, (long long)fit->shape[i].score);
            return false;
        }
        fit->shape[i].score *= MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE;
    }
    return true;
}

static bool decode_scoring_strategy(const json_t *strategy, const char *args_path,
                                    fit_plugin *fit, char *err, size_t errsize) {
    static const char *const known[] = {"type", "resources", "requestedToCapacityRatio", NULL};
    char path[128];
    snprintf(path, sizeof path, "%s.scoringStrategy", args_path);
    fit->strategy = LEAST_ALLOCATED;
    if (!strategy || json_is_null(strategy))
        return scored_resources_decode(NULL, path, &fit->resources, &fit->nresources, err,
                                       errsize);
    if (!json_is_object(strategy)) {
        snprintf(err, errsize, "%s: must be an object", path);
        return false;
    }
    if (!plugin_args_only_known_fields(strategy, known, path, err, errsize)) return false;

    const json_t *type = json_object_get(strategy, "type");
    const char *type_name = json_is_string(type) ? json_string_value(type) : "";
    if (strcmp(type_name, "LeastAllocated") == 0) fit->strategy = LEAST_ALLOCATED;
    else if (strcmp(type_name, "MostAllocated") == 0) fit->strategy = MOST_ALLOCATED;
    else if (strcmp(type_name, "RequestedToCapacityRatio") == 0)
        fit->strategy = REQUESTED_TO_CAPACITY_RATIO;
    else {
        snprintf(err, errsize, "%s.type: Unsupported value: \"%s\": supported values: "
                 "\"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"",
                 path, type_name);
        return false;
    }

    char resources_path[160];
    snprintf(resources_path, sizeof resources_path, "%s.resources", path);
    if (!scored_resources_decode(json_object_get(strategy, "resources"), resources_path,
                                 &fit->resources, &fit->nresources, err, errsize))
        return false;
    for (uint32_t i = 0; i < fit->nresources; i++) {
        int64_t w = fit->resources[i].weight;
        if (w <= 0 || w > 100) {
            snprintf(err, errsize, "%s[%u].weight: Invalid value: %lld: resource weight of %s not "
                     "in valid range (0, 100]", resources_path, i, (long long)w,
                     fit->resources[i].name);
            return false;
        }
    }

    const json_t *ratio = json_object_get(strategy, "requestedToCapacityRatio");
    char ratio_path[160];
    snprintf(ratio_path, sizeof ratio_path, "%s.requestedToCapacityRatio", path);
    if (ratio && !json_is_null(ratio)) {
        if (!decode_shape(ratio, ratio_path, fit, err, errsize)) return false;
    } else if (fit->strategy == REQUESTED_TO_CAPACITY_RATIO) {
        /* Upstream dereferences the missing shape and panics; refuse instead. */
        return decode_shape(NULL, ratio_path, fit, err, errsize);
    }
    return true;
}

static bool fit_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    static const char *const known[] = {"ignoredResources", "ignoredResourceGroups",
                                        "scoringStrategy", NULL};
    char path[96];
    plugin_args_path(p, FIT_NAME, path, sizeof path);
    fit_plugin *fit = xcalloc(1, sizeof *fit);
    if (args && !json_is_null(args)) {
        if (!json_is_object(args)) {
            snprintf(err, errsize, "%s: must be an object", path);
            goto fail;
        }
        if (!plugin_args_only_known_fields(args, known, path, err, errsize) ||
            !decode_name_list(args, "ignoredResources", false, path, &fit->ignored_resources,
                              &fit->nignored_resources, err, errsize) ||
            !decode_name_list(args, "ignoredResourceGroups", true, path, &fit->ignored_groups,
                              &fit->nignored_groups, err, errsize))
            goto fail;
    }
    if (!decode_scoring_strategy(args && json_is_object(args)
                                     ? json_object_get(args, "scoringStrategy") : NULL,
                                 path, fit, err, errsize))
        goto fail;
    fit->cpu_memory_fast = fit->strategy != REQUESTED_TO_CAPACITY_RATIO && fit->nresources == 2 &&
                           fit->resources[0].kind == RESOURCE_CPU &&
                           fit->resources[1].kind == RESOURCE_MEMORY;
    p->self = fit;
    return true;
fail:
    fit_free(fit);
    return false;
}

/* EventsToRegister: an assigned pod deleted or scaled down frees room; a node added or grown. */
static const sl_plugin_event fit_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_DELETE | SL_ACTION_UPDATE_POD_SCALE_DOWN},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE_NODE_ALLOCATABLE | SL_ACTION_UPDATE_NODE_TAINT | SL_ACTION_UPDATE_NODE_LABEL},
};
static uint32_t fit_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = fit_events;
    return ARRAY_LEN(fit_events);
}

static const sl_plugin_ops fit_ops = {
    .name = FIT_NAME,
    .events_to_register = fit_events_to_register,
    .pre_filter = fit_pre_filter,
    .filter = fit_filter,
    .filter_nodes = fit_filter_nodes,
    .pre_score = fit_pre_score,
    .score = fit_score,
    .score_nodes = fit_score_nodes,
    .destroy = fit_destroy,
};

const sl_plugin_registration sl_plugin_NodeResourcesFit = {FIT_NAME, &fit_ops, fit_factory};
