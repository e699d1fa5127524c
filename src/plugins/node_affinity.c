/*
 * node_affinity.c — NodeAffinity (upstream
 * pkg/scheduler/framework/plugins/nodeaffinity).
 *
 * PreFilter: Skip when the pod has neither a nodeSelector nor required node
 * affinity and no `addedAffinity.required...` is configured (Filter then
 * never runs for this pod). When every required term names nodes through a
 * matchFields `metadata.name In [...]` requirement, the candidate set is
 * returned as a PreFilterResult: names are intersected within a term and
 * unioned across terms; an empty union is UnschedulableAndUnresolvable
 * "pod affinity terms conflict". This is what makes DaemonSet pods cheap.
 *
 * Filter: the node must match the scheduler-enforced `addedAffinity`
 * ("node(s) didn't match scheduler-enforced node affinity"), then the pod's
 * nodeSelector and required terms (terms ORed, requirements ANDed):
 * "node(s) didn't match Pod's node affinity/selector". Both are
 * UnschedulableAndUnresolvable.
 *
 * PreScore: Skip when neither the pod nor addedAffinity has preferred
 * terms. Score: sum of the weights of matching preferred terms (pod's and
 * addedAffinity's; weight-0 and empty terms never count). NormalizeScore:
 * 100*s/max (scores unchanged when max is 0).
 *
 * Args: {"addedAffinity": NodeAffinity}. The selectors are decoded once by
 * the factory; Filter and Score only evaluate them.
 *
 * Difference from upstream: Go distinguishes a nil nodeSelector /
 * preferred list from an empty one ({} / []); schedlab's object model does
 * not, so an explicitly empty one is treated as absent. Both give the same
 * decisions; only the PreFilter/PreScore status (Skip vs Success) of such a
 * pod differs.
 */
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_args.h"
#include "scheduler/framework.h"

#define MAX_NODE_SCORE 100

typedef struct node_affinity_plugin {
    arena mem;
    bool has_added;
    k8s_node_affinity added;
} node_affinity_plugin;

static bool added_required(const node_affinity_plugin *self) {
    return self && self->has_added && self->added.has_required;
}

static bool pod_has_required(const k8s_pod *pod) {
    return pod->node_affinity && pod->node_affinity->has_required;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, de-duplicated copy of a requirement's values in `out`; returns the count. */
static uint32_t sorted_unique(const char **values, uint32_t n, const char **out) {
    memcpy(out, values, n * sizeof(*out));
    qsort(out, n, sizeof(*out), compare_strings);
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w == 0 || strcmp(out[w - 1], out[i]) != 0) out[w++] = out[i];
    return w;
}

/* a := a ∩ b, both sorted and unique. */
static uint32_t intersect_sorted(const char **a, uint32_t na, const char **b, uint32_t nb) {
    uint32_t i = 0, j = 0, w = 0;
    while (i < na && j < nb) {
        int cmp = strcmp(a[i], b[j]);
        if (cmp == 0) {
            a[w++] = a[i];
            i++, j++;
        } else if (cmp < 0) {
            i++;
        } else {
            j++;
        }
    }
    return w;
}

static sl_status node_affinity_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                          sl_prefilter_result *result) {
    const node_affinity_plugin *self = p->self;
    const k8s_pod *kp = pod->pod;
    bool required = pod_has_required(kp);
    if (!required && !added_required(self) && kp->node_selector.len == 0)
        return sl_status_make(SL_SKIP, NULL);
    if (!required || kp->node_affinity->required.nterms == 0) return SL_STATUS_SUCCESS;

    const k8s_node_selector *sel = &kp->node_affinity->required;
    uint32_t total = 0;
    for (uint32_t t = 0; t < sel->nterms; t++) {
        const k8s_node_selector_term *term = &sel->terms[t];
        bool names_node = false;
        for (uint32_t f = 0; f < term->nfields; f++) {
            const k8s_requirement *r = &term->match_fields[f];
            if (r->op == K8S_OP_IN && strcmp(r->key, "metadata.name") == 0) {
                names_node = true;
                total += r->nvalues;
            }
        }
        /* A term without a node-name requirement admits every node (terms are ORed). */
        if (!names_node) return SL_STATUS_SUCCESS;
    }

    const char **names = sl_cycle_alloc(c, (total + 1) * sizeof(*names));
    const char **scratch = sl_cycle_alloc(c, (total + 1) * sizeof(*scratch));
    uint32_t nnames = 0;
    for (uint32_t t = 0; t < sel->nterms; t++) {
        const k8s_node_selector_term *term = &sel->terms[t];
        const char **term_names = names + nnames; /* built in place, then kept */
        uint32_t nterm = 0;
        bool first = true;
        for (uint32_t f = 0; f < term->nfields; f++) {
            const k8s_requirement *r = &term->match_fields[f];
            if (r->op != K8S_OP_IN || strcmp(r->key, "metadata.name") != 0) continue;
            if (first) {
                nterm = sorted_unique(r->values, r->nvalues, term_names);
                first = false;
            } else {
                uint32_t n = sorted_unique(r->values, r->nvalues, scratch);
                nterm = intersect_sorted(term_names, nterm, scratch, n);
            }
        }
        nnames += nterm;
    }
    nnames = sorted_unique(names, nnames, scratch);
    memcpy(names, scratch, nnames * sizeof(*names));
    if (nnames == 0)
        return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "pod affinity terms conflict");
    result->all = false;
    result->nnames = nnames;
    result->node_names = names;
    return SL_STATUS_SUCCESS;
}

static sl_status node_affinity_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                      const sl_node_info *node) {
    const node_affinity_plugin *self = p->self;
    if (added_required(self) && !k8s_node_selector_matches(&self->added.required, node->node))
        return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                              "node(s) didn't match scheduler-enforced node affinity");
    if (!k8s_pod_matches_node_selector_and_affinity(pod->pod, node->node))
        return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                              "node(s) didn't match Pod's node affinity/selector");
    return SL_STATUS_SUCCESS;
}

static bool pod_has_preferred(const k8s_pod *pod) {
    return pod->node_affinity && pod->node_affinity->npreferred > 0;
}

static sl_status node_affinity_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                         sl_node_info *const *nodes, uint32_t nnodes) {
    const node_affinity_plugin *self = p->self;
    if (nnodes == 0) return SL_STATUS_SUCCESS;
    bool added_preferred = self && self->has_added && self->added.npreferred > 0;
    if (!pod_has_preferred(pod->pod) && !added_preferred) return sl_status_make(SL_SKIP, NULL);
    return SL_STATUS_SUCCESS;
}

static int64_t preferred_weight(const k8s_preferred_scheduling_term *terms, uint32_t n,
                                const k8s_node *node) {
    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (terms[i].weight == 0) continue;
        if (k8s_node_selector_term_matches(&terms[i].preference, node)) sum += terms[i].weight;
    }
    return sum;
}

static sl_status node_affinity_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                     const sl_node_info *node, int64_t *score) {
    const node_affinity_plugin *self = p->self;
    int64_t count = 0;
    if (self && self->has_added)
        count += preferred_weight(self->added.preferred, self->added.npreferred, node->node);
    const k8s_node_affinity *na = pod->pod->node_affinity;
    if (na) count += preferred_weight(na->preferred, na->npreferred, node->node);
    *score = count;
    return SL_STATUS_SUCCESS;
}

/* helper.DefaultNormalizeScore(MaxNodeScore, reverse=false). */
static sl_status node_affinity_normalize(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                         sl_node_score *scores, uint32_t n) {
    int64_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        if (scores[i].score > max) max = scores[i].score;
    if (max == 0) return SL_STATUS_SUCCESS;
    for (uint32_t i = 0; i < n; i++) scores[i].score = MAX_NODE_SCORE * scores[i].score / max;
    return SL_STATUS_SUCCESS;
}

static void node_affinity_destroy(sl_plugin *p) {
    node_affinity_plugin *self = p->self;
    if (!self) return;
    arena_free(&self->mem);
    free(self);
    p->self = NULL;
}

static bool node_affinity_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    node_affinity_plugin *self = xcalloc(1, sizeof(*self));
    arena_init(&self->mem, 1024);
    p->self = self;
    if (!args || json_is_null(args)) return true;
    char path[256];
    plugin_args_path(p, "NodeAffinity", path, sizeof(path));
    if (!json_is_object(args)) {
        snprintf(err, errsize, "%s: must be an object", path);
        goto fail;
    }
    static const char *const known[] = {"addedAffinity", NULL};
    if (!plugin_args_only_known_fields(args, known, path, err, errsize)) goto fail;
    const json_t *added = json_object_get(args, "addedAffinity");
    if (added && !json_is_null(added)) {
        char field[300];
        snprintf(field, sizeof(field), "%s.addedAffinity", path);
        if (!k8s_node_affinity_decode(added, &self->mem, field, &self->added, err, errsize))
            goto fail;
        self->has_added = true;
    }
    return true;
fail:
    node_affinity_destroy(p);
    return false;
}

/* EventsToRegister: a new node, or changed labels. */
static const sl_plugin_event node_affinity_events[] = {
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE_NODE_LABEL},
};
static uint32_t node_affinity_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = node_affinity_events;
    return ARRAY_LEN(node_affinity_events);
}

static const sl_plugin_ops node_affinity_ops = {
    .name = "NodeAffinity",
    .events_to_register = node_affinity_events_to_register,
    .pre_filter = node_affinity_pre_filter,
    .filter = node_affinity_filter,
    .pre_score = node_affinity_pre_score,
    .score = node_affinity_score,
    .normalize_score = node_affinity_normalize,
    .destroy = node_affinity_destroy,
};

const sl_plugin_registration sl_plugin_NodeAffinity = {"NodeAffinity", &node_affinity_ops,
                                                       node_affinity_factory};
