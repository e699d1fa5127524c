/*
 * resource_allocation.h — what NodeResourcesFit scoring and
 * NodeResourcesBalancedAllocation share (upstream's noderesources
 * resource allocation scorer): the list of scored resources with
 * weights, how to read "allocatable" and "requested (node + incoming pod)" for
 * one of them, and the decoding of a `resources: [{name, weight}]` argument.
 *
 * The resource kind is resolved once, when the plugin is built, so the
 * per-node Score path is a switch on an enum and never compares names for
 * cpu, memory or ephemeral-storage. Extended ("scalar") resources are looked
 * up by name in the node's (short) scalar list.
 *
 * Two views of "requested" exist upstream, chosen by `use_requested`:
 *   - false (NodeResourcesFit strategies): NonZeroRequested for cpu and
 *     memory — containers without a request count as 100m / 200Mi, for the
 *     node's pods and for the incoming pod alike;
 *   - true (BalancedAllocation): the actual requests.
 * ephemeral-storage and scalar resources always use the actual requests.
 */
#ifndef SCHEDLAB_PLUGINS_RESOURCE_ALLOCATION_H
#define SCHEDLAB_PLUGINS_RESOURCE_ALLOCATION_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/framework.h"

typedef enum resource_kind {
    RESOURCE_CPU,
    RESOURCE_MEMORY,
    RESOURCE_EPHEMERAL_STORAGE,
    RESOURCE_PODS,      /* never scored: upstream finds no allocatable for it */
    RESOURCE_SCALAR,    /* extended resources, hugepages-*, ... */
} resource_kind;

typedef struct scored_resource {
    char *name;
    resource_kind kind;
    int64_t weight;
} scored_resource;

static inline resource_kind resource_kind_of(const char *name) {
    if (strcmp(name, "cpu") == 0) return RESOURCE_CPU;
    if (strcmp(name, "memory") == 0) return RESOURCE_MEMORY;
    if (strcmp(name, "ephemeral-storage") == 0) return RESOURCE_EPHEMERAL_STORAGE;
    if (strcmp(name, "pods") == 0) return RESOURCE_PODS;
    return RESOURCE_SCALAR;
}

/* The incoming pod's request for one scored resource. */
static inline int64_t pod_request_for_resource(const sl_pod_info *pod, const scored_resource *r,
                                               bool use_requested) {
    switch (r->kind) {
    case RESOURCE_CPU:
        return use_requested ? pod->request.milli_cpu : pod->non_zero_milli_cpu;
    case RESOURCE_MEMORY:
        return use_requested ? pod->request.memory : pod->non_zero_memory;
    case RESOURCE_EPHEMERAL_STORAGE:
        return pod->request.ephemeral_storage;
    case RESOURCE_PODS:
        return 0;
    case RESOURCE_SCALAR:
        return k8s_resources_get(&pod->request, r->name);
    }
    return 0;
}

/* Allocatable and requested-including-the-pod of one resource on a node.
 * Returns false when the resource takes no part in the score: a scalar
 * resource the pod does not request, "pods", or allocatable 0. */
static inline bool node_allocatable_and_requested(const sl_node_info *node, const scored_resource *r,
                                                  int64_t pod_request, bool use_requested,
                                                  int64_t *allocatable, int64_t *requested) {
    const k8s_resources *alloc = &node->node->allocatable;
    int64_t a = 0, q = 0;
    switch (r->kind) {
    case RESOURCE_CPU:
        a = alloc->milli_cpu;
        q = (use_requested ? node->requested.milli_cpu : node->non_zero_milli_cpu) + pod_request;
        break;
    case RESOURCE_MEMORY:
        a = alloc->memory;
        q = (use_requested ? node->requested.memory : node->non_zero_memory) + pod_request;
        break;
    case RESOURCE_EPHEMERAL_STORAGE:
        a = alloc->ephemeral_storage;
        q = node->requested.ephemeral_storage + pod_request;
        break;
    case RESOURCE_PODS:
        return false;
    case RESOURCE_SCALAR:
        if (pod_request == 0) return false;
        a = k8s_resources_get(alloc, r->name);
        q = k8s_resources_get(&node->requested, r->name) + pod_request;
        break;
    }
    if (a == 0) return false;
    *allocatable = a;
    *requested = q;
    return true;
}

static inline void scored_resources_free(scored_resource *resources, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) free(resources[i].name);
    free(resources);
}

/* Decodes `[{name, weight}]` (weight absent or 0 means 1, as upstream's
 * defaulting). An absent or empty list gives the default cpu:1, memory:1.
 * `path` names the field in messages. Weight range checks are left to the
 * caller (the two plugins validate differently). */
static inline bool scored_resources_decode(const json_t *list, const char *path,
                                           scored_resource **out, uint32_t *nout, char *err,
                                           size_t errsize) {
    *out = NULL;
    *nout = 0;
    if (list && !json_is_null(list) && !json_is_array(list)) {
        snprintf(err, errsize, "%s: must be a list", path);
        return false;
    }
    size_t n = list && json_is_array(list) ? json_array_size(list) : 0;
    if (n == 0) {
        scored_resource *defaults = xcalloc(2, sizeof *defaults);
        defaults[0] = (scored_resource){xstrdup("cpu"), RESOURCE_CPU, 1};
        defaults[1] = (scored_resource){xstrdup("memory"), RESOURCE_MEMORY, 1};
        *out = defaults;
        *nout = 2;
        return true;
    }
    scored_resource *resources = xcalloc(n, sizeof *resources);
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(list, i);
        if (!json_is_object(item)) {
            snprintf(err, errsize, "%s[%zu]: must be an object {name, weight}", path, i);
            goto fail;
        }
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)item, key, value) {
            if (strcmp(key, "name") != 0 && strcmp(key, "weight") != 0) {
                snprintf(err, errsize, "%s[%zu].%s: unknown field", path, i, key);
                goto fail;
            }
        }
        const json_t *name = json_object_get(item, "name");
        const json_t *weight = json_object_get(item, "weight");
        if (!json_is_string(name) || json_string_length(name) == 0) {
            snprintf(err, errsize, "%s[%zu].name: Required value", path, i);
            goto fail;
        }
        if (weight && !json_is_null(weight) && !json_is_integer(weight)) {
            snprintf(err, errsize, "%s[%zu].weight: must be an integer", path, i);
            goto fail;
        }
        resources[i].name = xstrdup(json_string_value(name));
        resources[i].kind = resource_kind_of(resources[i].name);
        resources[i].weight = json_is_integer(weight) ? (int64_t)json_integer_value(weight) : 0;
        if (resources[i].weight == 0) resources[i].weight = 1;
    }
    *out = resources;
    *nout = (uint32_t)n;
    return true;
fail:
    scored_resources_free(resources, (uint32_t)n);  /* names not yet set are NULL */
    return false;
}

#endif
