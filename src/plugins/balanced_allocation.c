/*
 * balanced_allocation.c — NodeResourcesBalancedAllocation (upstream's
 * noderesources plugin of the same name).
 *
 * Favours nodes whose resource usage stays balanced once the pod is placed.
 * For each configured resource (default cpu and memory) the fraction
 * requested/allocatable is taken with the *actual* requests (not the
 * non-zero defaults), the incoming pod included, and capped at 1; resources
 * with allocatable 0 — and extended resources the pod does not request — are
 * left out. The spread of the fractions is
 *   - |f1 - f2| / 2 for exactly two resources,
 *   - the population standard deviation for more than two,
 *   - 0 otherwise,
 * and the score is trunc((1 - std) * 100), computed in double precision as
 * Go's float64 does.
 *
 * Version choice (kube-scheduler v1.33, k/k#130260): PreScore returns Skip
 * for a best-effort pod, i.e. one whose requests for every configured
 * resource are 0, so such pods are not all packed onto the emptiest node.
 * v1.36's "balance improvement" formula (k/k#135573) is not implemented.
 *
 * Args: `resources: [{name, weight}]`; upstream validation requires every
 * weight to be 1 (0 defaults to 1) and names to be unique.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_args.h"
#include "plugins/resource_allocation.h"
#include "scheduler/framework.h"

/* Go never fuses a*b+c into one rounding; neither may we. */
#pragma STDC FP_CONTRACT OFF

#define BALANCED_NAME "NodeResourcesBalancedAllocation"
#define MAX_NODE_SCORE 100

typedef struct balanced_plugin {
    uint32_t nresources;
    scored_resource *resources;
    /* resources are exactly [cpu, memory] (the default): the batch path
     * uses balanced_cpu_memory_score. */
    bool cpu_memory_fast;
} balanced_plugin;

static sl_status balanced_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                    sl_node_info *const *nodes, uint32_t nnodes) {
    UNUSED(c), UNUSED(nodes), UNUSED(nnodes);
    const balanced_plugin *self = p->self;
    for (uint32_t i = 0; i < self->nresources; i++)
        if (pod_request_for_resource(pod, &self->resources[i], true) != 0)
            return SL_STATUS_SUCCESS;
    return sl_status_make(SL_SKIP, NULL);
}

/* The score from the fractions requested/allocatable, in resource order
 * (the order matters for the floating-point sums, as upstream's loop). */
static int64_t balanced_score_from_fractions(const double *fractions, uint32_t n) {
    double std = 0.0;
    if (n == 2) {
        std = fabs((fractions[0] - fractions[1]) / 2);
    } else if (n > 2) {
        double total = 0.0;
        for (uint32_t i = 0; i < n; i++) total += fractions[i];
        double mean = total / (double)n;
        double sum = 0.0;
        for (uint32_t i = 0; i < n; i++) sum = sum + (fractions[i] - mean) * (fractions[i] - mean);
        std = sqrt(sum / (double)n);
    }
    return (int64_t)((1 - std) * (double)MAX_NODE_SCORE);
}

/* Scratch for one score: the pod's request per resource and the
 * fractions, on the stack when the resources fit, else in the cycle. */
#define BALANCED_STACK_RESOURCES 8
typedef struct balanced_scratch {
    int64_t stack_requests[BALANCED_STACK_RESOURCES];
    double stack_fractions[BALANCED_STACK_RESOURCES];
    const int64_t *requests;
    double *fractions;
} balanced_scratch;

static void balanced_scratch_init(balanced_scratch *s, const balanced_plugin *self, sl_cycle *c,
                                  const sl_pod_info *pod) {
    bool fits = self->nresources <= BALANCED_STACK_RESOURCES;
    int64_t *requests = fits ? s->stack_requests
                             : sl_cycle_alloc(c, self->nresources * sizeof *requests);
    s->fractions = fits ? s->stack_fractions
                        : sl_cycle_alloc(c, self->nresources * sizeof *s->fractions);
    for (uint32_t i = 0; i < self->nresources; i++)
        requests[i] = pod_request_for_resource(pod, &self->resources[i], true);
    s->requests = requests;
}

/* One node's score. Inlined into both callers, so the batch loop has no
 * call per node and reads the pod's requests from the scratch. */
static inline __attribute__((always_inline)) int64_t
balanced_node_score(const balanced_plugin *self, balanced_scratch *s, const sl_node_info *node) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < self->nresources; i++) {
        const scored_resource *r = &self->resources[i];
        int64_t allocatable, requested;
        if (!node_allocatable_and_requested(node, r, s->requests[i], true, &allocatable,
                                            &requested))
            continue;
        double fraction = (double)requested / (double)allocatable;
        s->fractions[n++] = fraction > 1 ? 1 : fraction;
    }
    return balanced_score_from_fractions(s->fractions, n);
}

static sl_status balanced_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                const sl_node_info *node, int64_t *score) {
    const balanced_plugin *self = p->self;
    balanced_scratch s;
    balanced_scratch_init(&s, self, c, pod);
    *score = balanced_node_score(self, &s, node);
    return SL_STATUS_SUCCESS;
}

/* The default resources [cpu, memory] as straight-line code. WHY: the
 * generic balanced_node_score costs ~100 instructions per scored node (a
 * switch on the resource kind per resource, the fraction array, the
 * n == 2 / n > 2 dispatch). This computes the same doubles in the same
 * order: each fraction capped at 1, a resource with allocatable 0 left
 * out, std = |f_cpu - f_memory| / 2 only when both are present (one or no
 * fraction gives std 0, i.e. score 100). */
static inline __attribute__((always_inline)) int64_t
balanced_cpu_memory_score(int64_t pod_cpu, int64_t pod_memory, const sl_node_info *node) {
    const k8s_resources *alloc = &node->node->allocatable;
    int64_t a_cpu = alloc->milli_cpu, a_memory = alloc->memory;
    if (UNLIKELY(a_cpu == 0 || a_memory == 0)) return MAX_NODE_SCORE;
    double f_cpu = (double)(node->requested.milli_cpu + pod_cpu) / (double)a_cpu;
    double f_memory = (double)(node->requested.memory + pod_memory) / (double)a_memory;
    if (f_cpu > 1) f_cpu = 1;
    if (f_memory > 1) f_memory = 1;
    double std = fabs((f_cpu - f_memory) / 2);
    return (int64_t)((1 - std) * (double)MAX_NODE_SCORE);
}

/* Batch form (framework.h): the pod's requests are looked up once per
 * chunk of nodes, and there is no call per node. */
static sl_status balanced_score_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                      sl_node_info *const *nodes, uint32_t n, sl_node_score *out,
                                      uint32_t *failed_at) {
    const balanced_plugin *self = p->self;
    if (self->cpu_memory_fast) {
        int64_t pod_cpu = pod->request.milli_cpu, pod_memory = pod->request.memory;
        for (uint32_t i = 0; i < n; i++)
            out[i].score = balanced_cpu_memory_score(pod_cpu, pod_memory, nodes[i]);
        return SL_STATUS_SUCCESS;
    }
    balanced_scratch s;
    balanced_scratch_init(&s, self, c, pod);
    for (uint32_t i = 0; i < n; i++) out[i].score = balanced_node_score(self, &s, nodes[i]);
    return SL_STATUS_SUCCESS;
}

static void balanced_destroy(sl_plugin *p) {
    balanced_plugin *self = p->self;
    if (!self) return;
    scored_resources_free(self->resources, self->nresources);
    free(self);
    p->self = NULL;
}

static bool balanced_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    static const char *const known[] = {"resources", NULL};
    char path[96], resources_path[128];
    plugin_args_path(p, BALANCED_NAME, path, sizeof path);
    snprintf(resources_path, sizeof resources_path, "%s.resources", path);
    if (args && !json_is_null(args)) {
        if (!json_is_object(args)) {
            snprintf(err, errsize, "%s: must be an object", path);
            return false;
        }
        if (!plugin_args_only_known_fields(args, known, path, err, errsize)) return false;
    }
    balanced_plugin *self = xcalloc(1, sizeof *self);
    const json_t *list = args && json_is_object(args) ? json_object_get(args, "resources") : NULL;
    if (!scored_resources_decode(list, resources_path, &self->resources, &self->nresources, err,
                                 errsize))
        goto fail;
    for (uint32_t i = 0; i < self->nresources; i++) {
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(self->resources[i].name, self->resources[j].name) == 0) {
                snprintf(err, errsize, "%s[%u].name: Duplicate value: \"%s\"", resources_path, i,
                         self->resources[i].name);
                goto fail;
            }
        }
        if (self->resources[i].weight != 1) {
            snprintf(err, errsize, "%s[%u].weight: Invalid value: %lld: must be 1", resources_path,
                     i, (long long)self->resources[i].weight);
            goto fail;
        }
    }
    self->cpu_memory_fast = self->nresources == 2 && self->resources[0].kind == RESOURCE_CPU &&
                            self->resources[1].kind == RESOURCE_MEMORY;
    p->self = self;
    return true;
fail:
    scored_resources_free(self->resources, self->nresources);
    free(self);
    return false;
}

static const sl_plugin_ops balanced_ops = {
    .name = BALANCED_NAME,
    .pre_score = balanced_pre_score,
    .score = balanced_score,
    .score_nodes = balanced_score_nodes,
    .destroy = balanced_destroy,
};

const sl_plugin_registration sl_plugin_NodeResourcesBalancedAllocation = {
    BALANCED_NAME, &balanced_ops, balanced_factory};
