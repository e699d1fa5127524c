/*
 * inter_pod_affinity.c — InterPodAffinity (upstream's interpodaffinity
 * plugin: its filtering, scoring and args, behaviour of kube-scheduler
 * v1.30–v1.33).
 *
 * Filter. PreFilter counts, per topology pair (label key, value):
 *   - existing anti-affinity: existing pods whose required anti-affinity
 *     terms match the incoming pod (only nodes holding such pods are
 *     visited: sl_snapshot_nodes_with_required_anti_affinity);
 *   - affinity: existing pods matching *all* of the incoming pod's required
 *     affinity terms, once per term;
 *   - anti-affinity: existing pods matching each of the incoming pod's
 *     required anti-affinity terms.
 * A node is then rejected, in this order, with
 *   - UnschedulableAndUnresolvable "node(s) didn't match pod affinity rules"
 *     when it lacks a term's topology key, or some term's pair has no
 *     matching pod — unless no pod anywhere matches (the affinity counts are
 *     empty) and the pod matches all its own terms (first pod of a
 *     self-affine group);
 *   - Unschedulable "node(s) didn't match pod anti-affinity rules";
 *   - Unschedulable "node(s) didn't satisfy existing pods anti-affinity rules".
 * PreFilter returns Skip when the pod has no required terms and no
 * existing pod's anti-affinity matches it. AddPod/RemovePod update a clonable
 * copy of the counts.
 *
 * Score. Per topology pair, the weights of: the incoming pod's preferred
 * affinity (+) and anti-affinity (−) terms matched by existing pods; existing
 * pods' required affinity terms matched by the incoming pod
 * (+hardPodAffinityWeight); existing pods' preferred affinity (+) and
 * anti-affinity (−) terms matched by the incoming pod. A node scores the sum
 * over the pairs it belongs to; NormalizeScore maps s to
 * trunc(100 * (s - min) / (max - min)) in float64, min/max starting at
 * MaxInt64/MinInt64 (0 everywhere when max == min). PreScore returns Skip when
 * no term contributed anything, or when ignorePreferredTermsOfExistingPods is
 * set and the pod has no preferred terms.
 *
 * Namespaces of a term: its `namespaces` list, plus the namespaces its
 * namespaceSelector selects; both empty/nil means the owner pod's own
 * namespace; a selector {} means all namespaces. For the incoming pod's terms
 * upstream first resolves the selector against the Namespace objects
 * (mergeAffinityTermNamespacesIfNotEmpty), so a pod in a namespace schedlab
 * does not know (sl_snapshot_namespace_labels == NULL) is not selected by a
 * non-empty selector. For existing pods' terms the selector is evaluated
 * against the incoming pod's namespace labels, an unknown namespace counting
 * as having no labels (GetNamespaceLabelsSnapshot) — so a NotIn or
 * DoesNotExist selector does match it, as upstream.
 *
 * matchLabelKeys/mismatchLabelKeys of affinity terms are merged into the
 * label selector by the API server upstream, not by the scheduler; they are
 * not applied here.
 *
 * Performance: topology pairs are counted in arrays indexed by domain id
 * (topology_index.h, one index per distinct topology key, built on the
 * scheduling thread); Filter and Score find a node's domain by its snapshot
 * index. Pods without affinity and clusters without anti-affinity pods take
 * the Skip paths without allocating.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_args.h"
#include "plugins/topology_index.h"
#include "scheduler/framework.h"

#pragma STDC FP_CONTRACT OFF

#define AFFINITY_NAME "InterPodAffinity"
#define AFFINITY_PREFILTER_KEY "PreFilter" AFFINITY_NAME
#define AFFINITY_PRESCORE_KEY "PreScore" AFFINITY_NAME
#define MAX_NODE_SCORE 100

#define REASON_EXISTING_ANTI_AFFINITY "node(s) didn't satisfy existing pods anti-affinity rules"
#define REASON_AFFINITY "node(s) didn't match pod affinity rules"
#define REASON_ANTI_AFFINITY "node(s) didn't match pod anti-affinity rules"

typedef struct affinity_plugin {
    int32_t hard_pod_affinity_weight;
    bool ignore_preferred_terms_of_existing_pods;
} affinity_plugin;

/* ------------------------------------------------------------------ */
/* Term matching                                                        */
/* ------------------------------------------------------------------ */

/* How a term's namespaceSelector meets a namespace schedlab has no labels for. */
typedef enum unknown_namespace {
    UNKNOWN_NAMESPACE_NOT_SELECTED,   /* incoming pod's terms (resolved against Namespace objects) */
    UNKNOWN_NAMESPACE_HAS_NO_LABELS,  /* existing pods' terms (incoming pod's namespace labels) */
} unknown_namespace;

static bool term_selects_namespace(const sl_snapshot *snap, const k8s_pod_affinity_term *term,
                                   const k8s_pod *owner, const char *namespace_,
                                   unknown_namespace unknown) {
    if (term->nnamespaces == 0 && !term->namespace_selector.present)
        return strcmp(namespace_, owner->namespace_) == 0;
    for (uint32_t i = 0; i < term->nnamespaces; i++)
        if (strcmp(term->namespaces[i], namespace_) == 0) return true;
    if (!term->namespace_selector.present) return false;
    if (term->namespace_selector.nreqs == 0) return true;   /* {} selects every namespace */
    static const k8s_map no_labels = {NULL, 0};
    const k8s_map *labels = sl_snapshot_namespace_labels(snap, namespace_);
    if (!labels) {
        if (unknown == UNKNOWN_NAMESPACE_NOT_SELECTED) return false;
        labels = &no_labels;
    }
    return k8s_label_selector_matches(&term->namespace_selector, labels);
}

/* AffinityTerm.Matches: `target` is in one of the term's namespaces and its
 * labels match the term's selector. `owner` is the pod carrying the term. */
static bool term_matches(const sl_snapshot *snap, const k8s_pod_affinity_term *term,
                         const k8s_pod *owner, const k8s_pod *target, unknown_namespace unknown) {
    return term_selects_namespace(snap, term, owner, target->namespace_, unknown) &&
           k8s_label_selector_matches(&term->label_selector, &target->labels);
}

/* podMatchesAllAffinityTerms for the incoming pod's terms; false when none. */
static bool matches_all_terms(const sl_snapshot *snap, const k8s_pod_affinity_term *terms,
                              uint32_t n, const k8s_pod *owner, const k8s_pod *target) {
    if (n == 0) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!term_matches(snap, &terms[i], owner, target, UNKNOWN_NAMESPACE_NOT_SELECTED))
            return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* Topology keys and per-pair counts                                    */
/* ------------------------------------------------------------------ */

/* The distinct topology keys seen in a cycle, each with its domain index. */
typedef struct key_registry {
    uint32_t nkeys, cap;
    const topology_index **indexes;
} key_registry;

/* Slot of `key`, building its index on first sight. */
static uint32_t key_slot(sl_cycle *c, key_registry *keys, const char *key) {
    for (uint32_t i = 0; i < keys->nkeys; i++)
        if (strcmp(keys->indexes[i]->key, key) == 0) return i;
    if (keys->nkeys == keys->cap) {
        uint32_t cap = keys->cap ? keys->cap * 2 : 4;
        const topology_index **grown = sl_cycle_alloc(c, cap * sizeof *grown);
        if (keys->nkeys) memcpy(grown, keys->indexes, keys->nkeys * sizeof *grown);
        keys->indexes = grown;
        keys->cap = cap;
    }
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    topology_index *ix = sl_cycle_alloc(c, sizeof *ix);
    topology_index_build(c, ix, key, sl_snapshot_nodes(snap), sl_snapshot_num_nodes(snap));
    keys->indexes[keys->nkeys] = ix;
    return keys->nkeys++;
}

/* upstream topologyToMatchedTermCount: count per (key slot, domain). */
typedef struct pair_counts {
    uint32_t cap;                 /* slots allocated in `count` */
    int64_t **count;              /* [slot] -> [domain], NULL = all zero */
    uint32_t nonzero;             /* pairs whose count != 0 (the map's len) */
} pair_counts;

static int64_t pair_count(const pair_counts *pc, uint32_t slot, int32_t domain) {
    if (domain < 0 || slot >= pc->cap || !pc->count[slot]) return 0;
    return pc->count[slot][domain];
}

static void pair_counts_add(sl_cycle *c, pair_counts *pc, const key_registry *keys, uint32_t slot,
                            int32_t domain, int64_t delta) {
    if (domain < 0 || delta == 0) return;
    if (slot >= pc->cap) {
        uint32_t cap = keys->cap > slot ? keys->cap : slot + 1;
        int64_t **grown = sl_cycle_alloc(c, cap * sizeof *grown);
        memset(grown, 0, cap * sizeof *grown);
        if (pc->cap) memcpy(grown, pc->count, pc->cap * sizeof *grown);
        pc->count = grown;
        pc->cap = cap;
    }
    if (!pc->count[slot]) {
        uint32_t ndomains = keys->indexes[slot]->ndomains;
        pc->count[slot] = sl_cycle_alloc(c, (ndomains ? ndomains : 1) * sizeof(int64_t));
        memset(pc->count[slot], 0, (ndomains ? ndomains : 1) * sizeof(int64_t));
    }
    int64_t old = pc->count[slot][domain];
    int64_t cur = old + delta;
    pc->count[slot][domain] = cur;
    if (old == 0 && cur != 0) pc->nonzero++;
    else if (old != 0 && cur == 0) pc->nonzero--;
}

static void pair_counts_copy(sl_cycle *c, pair_counts *dst, const pair_counts *src,
                             const key_registry *keys) {
    *dst = *src;
    if (!src->cap) return;
    dst->count = sl_cycle_alloc(c, src->cap * sizeof *dst->count);
    for (uint32_t slot = 0; slot < src->cap; slot++) {
        dst->count[slot] = NULL;
        if (!src->count[slot]) continue;
        uint32_t ndomains = keys->indexes[slot]->ndomains ? keys->indexes[slot]->ndomains : 1;
        dst->count[slot] = sl_cycle_alloc(c, ndomains * sizeof(int64_t));
        memcpy(dst->count[slot], src->count[slot], ndomains * sizeof(int64_t));
    }
}

/* ------------------------------------------------------------------ */
/* PreFilter / Filter / AddPod / RemovePod                              */
/* ------------------------------------------------------------------ */

typedef struct affinity_filter_state {
    const sl_pod_info *pod;
    uint32_t naffinity, nanti;
    const k8s_pod_affinity_term *affinity_terms;   /* incoming required affinity */
    const k8s_pod_affinity_term *anti_terms;       /* incoming required anti-affinity */
    uint32_t *affinity_slots, *anti_slots;         /* key slot per term */
    bool pod_matches_own_affinity;
    key_registry keys;
    pair_counts existing_anti, affinity, anti;
} affinity_filter_state;

static void *affinity_filter_state_clone(sl_cycle *c, const void *data) {
    const affinity_filter_state *src = data;
    affinity_filter_state *copy = sl_cycle_alloc(c, sizeof *copy);
    *copy = *src;
    /* The key list may grow in a clone (AddPod of a pod with new keys). */
    copy->keys.indexes = sl_cycle_alloc(c, (src->keys.cap ? src->keys.cap : 1) *
                                               sizeof *copy->keys.indexes);
    if (src->keys.nkeys)
        memcpy(copy->keys.indexes, src->keys.indexes, src->keys.nkeys * sizeof *src->keys.indexes);
    pair_counts_copy(c, &copy->existing_anti, &src->existing_anti, &src->keys);
    pair_counts_copy(c, &copy->affinity, &src->affinity, &src->keys);
    pair_counts_copy(c, &copy->anti, &src->anti, &src->keys);
    return copy;
}

/* Counts what `existing` (on `node`) contributes, times `multiplier`. */
static void count_existing_pod(sl_cycle *c, affinity_filter_state *s, const sl_pod_info *existing,
                               const sl_node_info *node, int64_t multiplier) {
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    const k8s_pod *incoming = s->pod->pod;
    const k8s_pod *other = existing->pod;
    const k8s_pod_affinity *other_anti = other->pod_anti_affinity;
    if (other_anti) {
        for (uint32_t i = 0; i < other_anti->nrequired; i++) {
            const k8s_pod_affinity_term *term = &other_anti->required[i];
            if (!term_matches(snap, term, other, incoming, UNKNOWN_NAMESPACE_HAS_NO_LABELS))
                continue;
            uint32_t slot = key_slot(c, &s->keys, term->topology_key);
            pair_counts_add(c, &s->existing_anti, &s->keys, slot,
                            topology_domain_of(s->keys.indexes[slot], node), multiplier);
        }
    }
    if (matches_all_terms(snap, s->affinity_terms, s->naffinity, incoming, other)) {
        for (uint32_t i = 0; i < s->naffinity; i++) {
            uint32_t slot = s->affinity_slots[i];
            pair_counts_add(c, &s->affinity, &s->keys, slot,
                            topology_domain_of(s->keys.indexes[slot], node), multiplier);
        }
    }
    for (uint32_t i = 0; i < s->nanti; i++) {
        if (!term_matches(snap, &s->anti_terms[i], incoming, other, UNKNOWN_NAMESPACE_NOT_SELECTED))
            continue;
        uint32_t slot = s->anti_slots[i];
        pair_counts_add(c, &s->anti, &s->keys, slot,
                        topology_domain_of(s->keys.indexes[slot], node), multiplier);
    }
}

/* Does any required anti-affinity term of an existing pod match `pod`? */
static bool any_existing_anti_affinity_matches(const sl_snapshot *snap, const k8s_pod *pod,
                                               sl_node_info *const *nodes, uint32_t nnodes) {
    for (uint32_t k = 0; k < nnodes; k++) {
        const sl_node_info *node = nodes[k];
        for (uint32_t j = 0; j < node->npods_with_required_anti_affinity; j++) {
            const k8s_pod *other = node->pods_with_required_anti_affinity[j]->pod;
            const k8s_pod_affinity *anti = other->pod_anti_affinity;
            for (uint32_t i = 0; anti && i < anti->nrequired; i++)
                if (term_matches(snap, &anti->required[i], other, pod,
                                 UNKNOWN_NAMESPACE_HAS_NO_LABELS) &&
                    k8s_map_get(&node->node->labels, anti->required[i].topology_key))
                    return true;
        }
    }
    return false;
}

static sl_status affinity_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *info,
                                     sl_prefilter_result *result) {
    UNUSED(p), UNUSED(result);
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    const k8s_pod *pod = info->pod;
    uint32_t naffinity = pod->pod_affinity ? pod->pod_affinity->nrequired : 0;
    uint32_t nanti = pod->pod_anti_affinity ? pod->pod_anti_affinity->nrequired : 0;
    uint32_t nanti_nodes = 0;
    sl_node_info *const *anti_nodes = sl_snapshot_nodes_with_required_anti_affinity(snap, &nanti_nodes);
    if (naffinity == 0 && nanti == 0 &&
        (nanti_nodes == 0 || !any_existing_anti_affinity_matches(snap, pod, anti_nodes, nanti_nodes)))
        return sl_status_make(SL_SKIP, NULL);

    affinity_filter_state *s = sl_cycle_alloc(c, sizeof *s);
    memset(s, 0, sizeof *s);
    s->pod = info;
    s->naffinity = naffinity;
    s->nanti = nanti;
    s->affinity_terms = naffinity ? pod->pod_affinity->required : NULL;
    s->anti_terms = nanti ? pod->pod_anti_affinity->required : NULL;
    s->affinity_slots = sl_cycle_alloc(c, (naffinity + 1) * sizeof *s->affinity_slots);
    s->anti_slots = sl_cycle_alloc(c, (nanti + 1) * sizeof *s->anti_slots);
    for (uint32_t i = 0; i < naffinity; i++)
        s->affinity_slots[i] = key_slot(c, &s->keys, s->affinity_terms[i].topology_key);
    for (uint32_t i = 0; i < nanti; i++)
        s->anti_slots[i] = key_slot(c, &s->keys, s->anti_terms[i].topology_key);
    s->pod_matches_own_affinity = matches_all_terms(snap, s->affinity_terms, naffinity, pod, pod);

    /* Existing pods' anti-affinity: only nodes holding such pods. */
    for (uint32_t k = 0; k < nanti_nodes; k++) {
        const sl_node_info *node = anti_nodes[k];
        for (uint32_t j = 0; j < node->npods_with_required_anti_affinity; j++) {
            const k8s_pod *other = node->pods_with_required_anti_affinity[j]->pod;
            const k8s_pod_affinity *anti = other->pod_anti_affinity;
            for (uint32_t i = 0; anti && i < anti->nrequired; i++) {
                const k8s_pod_affinity_term *term = &anti->required[i];
                if (!term_matches(snap, term, other, pod, UNKNOWN_NAMESPACE_HAS_NO_LABELS))
                    continue;
                uint32_t slot = key_slot(c, &s->keys, term->topology_key);
                pair_counts_add(c, &s->existing_anti, &s->keys, slot,
                                topology_domain_of(s->keys.indexes[slot], node), 1);
            }
        }
    }
    /* The incoming pod's own terms against every pod. */
    if (naffinity || nanti) {
        uint32_t nnodes = sl_snapshot_num_nodes(snap);
        sl_node_info *const *nodes = sl_snapshot_nodes(snap);
        for (uint32_t k = 0; k < nnodes; k++) {
            const sl_node_info *node = nodes[k];
            for (uint32_t j = 0; j < node->npods; j++) {
                const k8s_pod *other = node->pods[j]->pod;
                if (matches_all_terms(snap, s->affinity_terms, naffinity, pod, other)) {
                    for (uint32_t i = 0; i < naffinity; i++) {
                        uint32_t slot = s->affinity_slots[i];
                        pair_counts_add(c, &s->affinity, &s->keys, slot,
                                        topology_domain_of(s->keys.indexes[slot], node), 1);
                    }
                }
                for (uint32_t i = 0; i < nanti; i++) {
                    if (!term_matches(snap, &s->anti_terms[i], pod, other,
                                      UNKNOWN_NAMESPACE_NOT_SELECTED))
                        continue;
                    uint32_t slot = s->anti_slots[i];
                    pair_counts_add(c, &s->anti, &s->keys, slot,
                                    topology_domain_of(s->keys.indexes[slot], node), 1);
                }
            }
        }
    }
    sl_cycle_state_write(c, AFFINITY_PREFILTER_KEY, s, affinity_filter_state_clone, NULL);
    return SL_STATUS_SUCCESS;
}

static bool satisfies_pod_affinity(const affinity_filter_state *s, const sl_node_info *node) {
    bool pods_exist = true;
    for (uint32_t i = 0; i < s->naffinity; i++) {
        uint32_t slot = s->affinity_slots[i];
        int32_t d = topology_domain_of(s->keys.indexes[slot], node);
        if (d == TOPOLOGY_LABEL_MISSING) return false;   /* every key must be on the node */
        if (pair_count(&s->affinity, slot, d) <= 0) pods_exist = false;
    }
    if (pods_exist) return true;
    /* First pod of a group with affinity to itself. */
    return s->affinity.nonzero == 0 && s->pod_matches_own_affinity;
}

static bool satisfies_pod_anti_affinity(const affinity_filter_state *s, const sl_node_info *node) {
    if (s->anti.nonzero == 0) return true;
    for (uint32_t i = 0; i < s->nanti; i++) {
        uint32_t slot = s->anti_slots[i];
        int32_t d = topology_domain_of(s->keys.indexes[slot], node);
        if (pair_count(&s->anti, slot, d) > 0) return false;
    }
    return true;
}

static bool satisfies_existing_anti_affinity(const affinity_filter_state *s,
                                             const sl_node_info *node) {
    if (s->existing_anti.nonzero == 0) return true;
    for (uint32_t slot = 0; slot < s->existing_anti.cap && slot < s->keys.nkeys; slot++) {
        if (!s->existing_anti.count[slot]) continue;
        int32_t d = topology_domain_of(s->keys.indexes[slot], node);
        if (pair_count(&s->existing_anti, slot, d) > 0) return false;
    }
    return true;
}

static sl_status affinity_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 const sl_node_info *node) {
    UNUSED(p), UNUSED(pod);
    const affinity_filter_state *s = sl_cycle_state_read(c, AFFINITY_PREFILTER_KEY);
    if (UNLIKELY(!s))
        return sl_status_make(SL_ERROR, "error reading \"" AFFINITY_PREFILTER_KEY
                                        "\" from cycleState: not found");
    if (!satisfies_pod_affinity(s, node))
        return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, REASON_AFFINITY);
    if (!satisfies_pod_anti_affinity(s, node))
        return sl_status_make(SL_UNSCHEDULABLE, REASON_ANTI_AFFINITY);
    if (!satisfies_existing_anti_affinity(s, node))
        return sl_status_make(SL_UNSCHEDULABLE, REASON_EXISTING_ANTI_AFFINITY);
    return SL_STATUS_SUCCESS;
}

static sl_status affinity_update_with_pod(sl_cycle *c, const sl_pod_info *updated,
                                          const sl_node_info *node, int64_t multiplier) {
    affinity_filter_state *s = sl_cycle_state_read(c, AFFINITY_PREFILTER_KEY);
    if (!s)
        return sl_status_make(SL_ERROR, "error reading \"" AFFINITY_PREFILTER_KEY
                                        "\" from cycleState: not found");
    if (node && node->node) count_existing_pod(c, s, updated, node, multiplier);
    return SL_STATUS_SUCCESS;
}

static sl_status affinity_add_pod(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                  const sl_pod_info *pod_to_add, const sl_node_info *node) {
    UNUSED(p), UNUSED(pod);
    return affinity_update_with_pod(c, pod_to_add, node, 1);
}

static sl_status affinity_remove_pod(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                     const sl_pod_info *pod_to_remove, const sl_node_info *node) {
    UNUSED(p), UNUSED(pod);
    return affinity_update_with_pod(c, pod_to_remove, node, -1);
}

/* ------------------------------------------------------------------ */
/* PreScore / Score / NormalizeScore                                    */
/* ------------------------------------------------------------------ */

typedef struct affinity_score_state {
    key_registry keys;
    pair_counts score;            /* summed weights per (key, domain) */
    bool contributed;             /* some term matched on a labelled node */
} affinity_score_state;

static void add_term_weight(sl_cycle *c, affinity_score_state *s, const char *topology_key,
                            const sl_node_info *node, int64_t weight) {
    if (!k8s_map_get(&node->node->labels, topology_key)) return;
    uint32_t slot = key_slot(c, &s->keys, topology_key);
    s->contributed = true;
    pair_counts_add(c, &s->score, &s->keys, slot, topology_domain_of(s->keys.indexes[slot], node),
                    weight);
}

static void score_preferred_terms(sl_cycle *c, affinity_score_state *s,
                                  const k8s_pod_affinity *affinity, int64_t sign,
                                  const k8s_pod *owner, const k8s_pod *target,
                                  unknown_namespace unknown, const sl_node_info *node) {
    if (!affinity) return;
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    for (uint32_t i = 0; i < affinity->npreferred; i++) {
        const k8s_weighted_pod_affinity_term *term = &affinity->preferred[i];
        if (term_matches(snap, &term->term, owner, target, unknown))
            add_term_weight(c, s, term->term.topology_key, node, (int64_t)term->weight * sign);
    }
}

static void score_existing_pod(sl_cycle *c, const affinity_plugin *self, affinity_score_state *s,
                               const k8s_pod *incoming, const k8s_pod *existing,
                               const sl_node_info *node) {
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    score_preferred_terms(c, s, incoming->pod_affinity, +1, incoming, existing,
                          UNKNOWN_NAMESPACE_NOT_SELECTED, node);
    score_preferred_terms(c, s, incoming->pod_anti_affinity, -1, incoming, existing,
                          UNKNOWN_NAMESPACE_NOT_SELECTED, node);
    if (self->hard_pod_affinity_weight > 0 && existing->pod_affinity) {
        for (uint32_t i = 0; i < existing->pod_affinity->nrequired; i++) {
            const k8s_pod_affinity_term *term = &existing->pod_affinity->required[i];
            if (term_matches(snap, term, existing, incoming, UNKNOWN_NAMESPACE_HAS_NO_LABELS))
                add_term_weight(c, s, term->topology_key, node, self->hard_pod_affinity_weight);
        }
    }
    score_preferred_terms(c, s, existing->pod_affinity, +1, existing, incoming,
                          UNKNOWN_NAMESPACE_HAS_NO_LABELS, node);
    score_preferred_terms(c, s, existing->pod_anti_affinity, -1, existing, incoming,
                          UNKNOWN_NAMESPACE_HAS_NO_LABELS, node);
}

static sl_status affinity_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *info,
                                    sl_node_info *const *filtered, uint32_t nfiltered) {
    UNUSED(filtered), UNUSED(nfiltered);
    const affinity_plugin *self = p->self;
    const k8s_pod *pod = info->pod;
    bool has_preferred = (pod->pod_affinity && pod->pod_affinity->npreferred > 0) ||
                         (pod->pod_anti_affinity && pod->pod_anti_affinity->npreferred > 0);
    if (self->ignore_preferred_terms_of_existing_pods && !has_preferred)
        return sl_status_make(SL_SKIP, NULL);

    const sl_snapshot *snap = sl_cycle_snapshot(c);
    uint32_t nnodes = 0;
    sl_node_info *const *nodes;
    if (has_preferred) {
        nnodes = sl_snapshot_num_nodes(snap);
        nodes = sl_snapshot_nodes(snap);
    } else {
        nodes = sl_snapshot_nodes_with_affinity(snap, &nnodes);
    }
    if (nnodes == 0) return sl_status_make(SL_SKIP, NULL);

    affinity_score_state *s = sl_cycle_alloc(c, sizeof *s);
    memset(s, 0, sizeof *s);
    for (uint32_t k = 0; k < nnodes; k++) {
        const sl_node_info *node = nodes[k];
        if (node->node->labels.len == 0) continue;
        uint32_t npods = has_preferred ? node->npods : node->npods_with_affinity;
        sl_pod_info **pods = has_preferred ? node->pods : node->pods_with_affinity;
        for (uint32_t j = 0; j < npods; j++)
            score_existing_pod(c, self, s, pod, pods[j]->pod, node);
    }
    if (!s->contributed) return sl_status_make(SL_SKIP, NULL);
    sl_cycle_state_write(c, AFFINITY_PRESCORE_KEY, s, NULL, NULL);
    return SL_STATUS_SUCCESS;
}

static sl_status affinity_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                const sl_node_info *node, int64_t *score) {
    UNUSED(p), UNUSED(pod);
    const affinity_score_state *s = sl_cycle_state_read(c, AFFINITY_PRESCORE_KEY);
    if (UNLIKELY(!s))
        return sl_status_make(SL_ERROR, "failed to read \"" AFFINITY_PRESCORE_KEY
                                        "\" from cycleState: not found");
    int64_t sum = 0;
    for (uint32_t slot = 0; slot < s->keys.nkeys; slot++)
        sum += pair_count(&s->score, slot, topology_domain_of(s->keys.indexes[slot], node));
    *score = sum;
    return SL_STATUS_SUCCESS;
}

static sl_status affinity_normalize_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                          sl_node_score *scores, uint32_t n) {
    UNUSED(p), UNUSED(pod);
    const affinity_score_state *s = sl_cycle_state_read(c, AFFINITY_PRESCORE_KEY);
    if (!s)
        return sl_status_make(SL_ERROR, "failed to read \"" AFFINITY_PRESCORE_KEY
                                        "\" from cycleState: not found");
    if (s->keys.nkeys == 0) return SL_STATUS_SUCCESS;
    int64_t min_count = INT64_MAX, max_count = INT64_MIN;
    for (uint32_t i = 0; i < n; i++) {
        if (scores[i].score > max_count) max_count = scores[i].score;
        if (scores[i].score < min_count) min_count = scores[i].score;
    }
    int64_t spread = max_count - min_count;
    for (uint32_t i = 0; i < n; i++) {
        double value = 0;
        if (spread > 0)
            value = (double)MAX_NODE_SCORE *
                    ((double)(scores[i].score - min_count) / (double)spread);
        scores[i].score = (int64_t)value;
    }
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Args and lifecycle                                                   */
/* ------------------------------------------------------------------ */

static bool affinity_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    static const char *const known[] = {"hardPodAffinityWeight",
                                        "ignorePreferredTermsOfExistingPods", NULL};
    char path[96];
    plugin_args_path(p, AFFINITY_NAME, path, sizeof path);
    int64_t weight = 1;
    bool ignore_preferred = false;
    if (args && !json_is_null(args)) {
        if (!json_is_object(args)) {
            snprintf(err, errsize, "%s: must be an object", path);
            return false;
        }
        if (!plugin_args_only_known_fields(args, known, path, err, errsize) ||
            !plugin_args_int(args, "hardPodAffinityWeight", path, &weight, err, errsize))
            return false;
        const json_t *ignore = json_object_get(args, "ignorePreferredTermsOfExistingPods");
        if (ignore && !json_is_null(ignore)) {
            if (!json_is_boolean(ignore)) {
                snprintf(err, errsize, "%s.ignorePreferredTermsOfExistingPods: must be a boolean",
                         path);
                return false;
            }
            ignore_preferred = json_is_true(ignore);
        }
    }
    if (weight < 0 || weight > 100) {
        snprintf(err, errsize, "%s.hardPodAffinityWeight: Invalid value: %lld: not in valid range "
                 "[0, 100]", path, (long long)weight);
        return false;
    }
    affinity_plugin *self = xcalloc(1, sizeof *self);
    self->hard_pod_affinity_weight = (int32_t)weight;
    self->ignore_preferred_terms_of_existing_pods = ignore_preferred;
    p->self = self;
    return true;
}

static void affinity_destroy(sl_plugin *p) {
    free(p->self);
    p->self = NULL;
}

/* EventsToRegister: pods coming, going or relabelled; nodes added or relabelled. */
static const sl_plugin_event affinity_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_ADD | SL_ACTION_DELETE | SL_ACTION_UPDATE_POD_LABEL},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE_NODE_LABEL},
};
static uint32_t affinity_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = affinity_events;
    return ARRAY_LEN(affinity_events);
}

static const sl_plugin_ops affinity_ops = {
    .name = AFFINITY_NAME,
    .events_to_register = affinity_events_to_register,
    .pre_filter = affinity_pre_filter,
    .add_pod = affinity_add_pod,
    .remove_pod = affinity_remove_pod,
    .filter = affinity_filter,
    .pre_score = affinity_pre_score,
    .score = affinity_score,
    .normalize_score = affinity_normalize_score,
    .destroy = affinity_destroy,
};

const sl_plugin_registration sl_plugin_InterPodAffinity = {AFFINITY_NAME, &affinity_ops,
                                                           affinity_factory};
