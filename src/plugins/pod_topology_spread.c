/*
 * pod_topology_spread.c — PodTopologySpread (upstream's podtopologyspread
 * plugin: constraints, filtering, scoring, behaviour of kube-scheduler
 * v1.30–v1.33).
 *
 * Filter (whenUnsatisfiable: DoNotSchedule). PreFilter counts, per
 * constraint and per topology domain, the pods matching the constraint's
 * selector (same namespace as the incoming pod, not terminating) on the
 * *eligible* nodes: nodes carrying every constraint's topology key and
 * passing the constraint's inclusion policies (nodeAffinityPolicy Honor by
 * default: the pod's nodeSelector and required node affinity; nodeTaintsPolicy
 * Ignore by default, Honor: no untolerated NoSchedule/NoExecute taint). A node
 * passes when, for every constraint,
 *     count(node's domain) + (1 if the pod matches the selector) - global min <= maxSkew
 * where the global min is taken over eligible domains, or 0 when there are
 * fewer eligible domains than minDomains. A node without the topology key is
 * UnschedulableAndUnresolvable ("... (missing required label)"); a skew
 * violation is Unschedulable. matchLabelKeys add `key in (pod's value)`
 * requirements to the selector. An empty selector ({}) counts no pods but
 * the incoming pod still matches it — upstream's quirk, kept.
 *
 * The PreFilter state is clonable: AddPod/RemovePod (preemption dry runs,
 * nominated pods) adjust one domain by ±1 and keep the global minimum exact
 * (the count of domains sitting at the minimum avoids a rescan except when
 * the last of them moves up).
 *
 * Score (whenUnsatisfiable: ScheduleAnyway). For each constraint a node
 * scores cnt * log(size + 2) + (maxSkew - 1), where cnt is the number of
 * matching pods in its domain (for kubernetes.io/hostname: on the node
 * itself) and size the number of domains among the filtered nodes (for
 * hostname: the filtered nodes carrying all keys); the sum is rounded half
 * away from zero (math.Round). NormalizeScore maps s to
 * 100 * (max + min - s) / max over the scored nodes (100 everywhere when
 * max is 0); filtered nodes missing a topology key score 0.
 *
 * Default constraints: when the pod has no constraints of its own, the
 * plugin applies `defaultConstraints` (defaultingType List) or the system
 * defaults (System, the default: kubernetes.io/hostname maxSkew 3 and
 * topology.kubernetes.io/zone maxSkew 5, both ScheduleAnyway) with the
 * selector of upstream's helper.DefaultSelector: the Services of the pod's
 * namespace selecting it and its controller (ReplicationController,
 * ReplicaSet, StatefulSet), from the snapshot
 * (sl_snapshot_default_spread_selector). An empty selector (an orphan pod)
 * means no constraint. With the system defaults, PreScore does not ignore
 * filtered nodes lacking a topology label (upstream's requireAllTopologies
 * is false): a node without a zone label counts as one more zone (the ""
 * value) in the zone weight and scores 0 for that constraint.
 *
 * Performance: PreFilter and PreScore return Skip at once for pods without
 * constraints of the relevant kind (the common case). Otherwise domains are
 * numbered once per cycle (topology_index.h) and Filter/Score find a node's
 * domain by its snapshot index: no string hashing per node.
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

#define SPREAD_NAME "PodTopologySpread"
#define SPREAD_PREFILTER_KEY "PreFilter" SPREAD_NAME
#define SPREAD_PRESCORE_KEY "PreScore" SPREAD_NAME
#define LABEL_HOSTNAME "kubernetes.io/hostname"
#define MAX_NODE_SCORE 100

#define REASON_CONSTRAINTS_NOT_MATCH "node(s) didn't match pod topology spread constraints"
#define REASON_NODE_LABEL_NOT_MATCH REASON_CONSTRAINTS_NOT_MATCH " (missing required label)"

/* A default constraint (args.defaultConstraints or the system ones). */
typedef struct default_constraint {
    int32_t max_skew;
    int32_t min_domains;
    char *topology_key;
    bool do_not_schedule;
    bool honor_node_affinity;
    bool honor_node_taints;
} default_constraint;

typedef struct spread_plugin {
    bool list_defaulting;          /* defaultingType: List (else System) */
    uint32_t ndefault_constraints;
    default_constraint *default_constraints;
} spread_plugin;

#define LABEL_ZONE "topology.kubernetes.io/zone"

/* A constraint of the incoming pod, selector merged with matchLabelKeys. */
typedef struct spread_constraint {
    int32_t max_skew;
    int32_t min_domains;
    const char *topology_key;
    bool is_hostname;
    bool honor_node_affinity;
    bool honor_node_taints;
    bool pod_matches_itself;       /* the incoming pod's labels match the selector */
    k8s_label_selector selector;
} spread_constraint;

/* ------------------------------------------------------------------ */
/* Shared helpers                                                       */
/* ------------------------------------------------------------------ */

/* Builds the pod's constraints with the given whenUnsatisfiable, in the
 * cycle arena. Returns the count. */
static uint32_t collect_default_constraints(const spread_plugin *self, sl_cycle *c,
                                            const k8s_pod *pod, bool do_not_schedule,
                                            spread_constraint **out) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < self->ndefault_constraints; i++)
        if (self->default_constraints[i].do_not_schedule == do_not_schedule) n++;
    if (n == 0) return 0;
    k8s_label_selector selector;
    if (!sl_snapshot_default_spread_selector(sl_cycle_snapshot(c), c, pod, &selector)) return 0;
    bool self_match = k8s_label_selector_matches(&selector, &pod->labels);
    spread_constraint *constraints = sl_cycle_alloc(c, n * sizeof *constraints);
    uint32_t k = 0;
    for (uint32_t i = 0; i < self->ndefault_constraints; i++) {
        const default_constraint *src = &self->default_constraints[i];
        if (src->do_not_schedule != do_not_schedule) continue;
        constraints[k++] = (spread_constraint){
            .max_skew = src->max_skew,
            .min_domains = src->min_domains > 0 ? src->min_domains : 1,
            .topology_key = src->topology_key,
            .is_hostname = strcmp(src->topology_key, LABEL_HOSTNAME) == 0,
            .honor_node_affinity = src->honor_node_affinity,
            .honor_node_taints = src->honor_node_taints,
            .pod_matches_itself = self_match,
            .selector = selector,
        };
    }
    *out = constraints;
    return n;
}

static uint32_t collect_constraints(const spread_plugin *self, sl_cycle *c, const k8s_pod *pod,
                                    bool do_not_schedule, spread_constraint **out) {
    uint32_t n = 0;
    *out = NULL;
    if (pod->nspread == 0) return collect_default_constraints(self, c, pod, do_not_schedule, out);
    for (uint32_t i = 0; i < pod->nspread; i++)
        if (pod->spread[i].do_not_schedule == do_not_schedule) n++;
    if (n == 0) return 0;
    spread_constraint *constraints = sl_cycle_alloc(c, n * sizeof *constraints);
    uint32_t k = 0;
    for (uint32_t i = 0; i < pod->nspread; i++) {
        const k8s_topology_spread_constraint *src = &pod->spread[i];
        if (src->do_not_schedule != do_not_schedule) continue;
        spread_constraint *dst = &constraints[k++];
        dst->max_skew = src->max_skew;
        dst->min_domains = src->min_domains > 0 ? src->min_domains : 1;
        dst->topology_key = src->topology_key;
        dst->is_hostname = strcmp(src->topology_key, LABEL_HOSTNAME) == 0;
        dst->honor_node_affinity = !src->node_affinity_policy_ignore;
        dst->honor_node_taints = src->node_taints_policy_honor;
        dst->selector = src->label_selector;

        /* matchLabelKeys: `key in (value)` for each key the pod carries,
         * ahead of the selector's own requirements. A nil selector stays
         * nil (matches nothing), as upstream's merge leaves it. */
        if (src->nmatch_label_keys > 0 && src->label_selector.present) {
            uint32_t extra = 0;
            for (uint32_t j = 0; j < src->nmatch_label_keys; j++)
                if (k8s_map_get(&pod->labels, src->match_label_keys[j])) extra++;
            if (extra > 0) {
                uint32_t total = extra + src->label_selector.nreqs;
                k8s_requirement *reqs = sl_cycle_alloc(c, total * sizeof *reqs);
                uint32_t r = 0;
                for (uint32_t j = 0; j < src->nmatch_label_keys; j++) {
                    const char *key = src->match_label_keys[j];
                    const char *value = k8s_map_get(&pod->labels, key);
                    if (!value) continue;
                    const char **values = sl_cycle_alloc(c, sizeof *values);
                    values[0] = value;
                    reqs[r++] = (k8s_requirement){.key = key, .op = K8S_OP_IN, .nvalues = 1, .values = values};
                }
                if (src->label_selector.nreqs > 0)   /* an empty {} selector has reqs == NULL */
                    memcpy(reqs + r, src->label_selector.reqs,
                           src->label_selector.nreqs * sizeof *reqs);
                dst->selector.reqs = reqs;
                dst->selector.nreqs = total;
            }
        }
        dst->pod_matches_itself = k8s_label_selector_matches(&dst->selector, &pod->labels);
    }
    *out = constraints;
    return n;
}

/* countPodsMatchSelector: pods of `namespace_`, not terminating, matching.
 * An empty selector counts nothing. */
static int32_t count_matching_pods(const sl_node_info *node, const k8s_label_selector *selector,
                                   const char *namespace_) {
    if (selector->present && selector->nreqs == 0) return 0;
    int32_t count = 0;
    for (uint32_t i = 0; i < node->npods; i++) {
        const k8s_pod *other = node->pods[i]->pod;
        if (other->deleting || strcmp(other->namespace_, namespace_) != 0) continue;
        if (k8s_label_selector_matches(selector, &other->labels)) count++;
    }
    return count;
}

static bool node_has_all_keys(const k8s_node *node, const spread_constraint *constraints,
                              uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!k8s_map_get(&node->labels, constraints[i].topology_key)) return false;
    return true;
}

static bool pod_tolerates_node_taints(const k8s_pod *pod, const k8s_node *node) {
    for (uint32_t i = 0; i < node->ntaints; i++) {
        const k8s_taint *taint = &node->taints[i];
        if (taint->effect != K8S_EFFECT_NO_SCHEDULE && taint->effect != K8S_EFFECT_NO_EXECUTE)
            continue;
        if (!k8s_tolerations_tolerate(pod->tolerations, pod->ntolerations, taint)) return false;
    }
    return true;
}

/* Lazily evaluated per-node facts for the inclusion policies. */
typedef struct node_policy_facts {
    int8_t matches_affinity;   /* -1 unknown, 0/1 */
    int8_t tolerates_taints;
} node_policy_facts;

static bool node_included(const spread_constraint *c, const k8s_pod *pod, const k8s_node *node,
                          node_policy_facts *facts) {
    if (c->honor_node_affinity) {
        if (facts->matches_affinity < 0)
            facts->matches_affinity = k8s_pod_matches_node_selector_and_affinity(pod, node);
        if (!facts->matches_affinity) return false;
    }
    if (c->honor_node_taints) {
        if (facts->tolerates_taints < 0)
            facts->tolerates_taints = pod_tolerates_node_taints(pod, node);
        if (!facts->tolerates_taints) return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* PreFilter / Filter / AddPod / RemovePod                              */
/* ------------------------------------------------------------------ */

/* Per-constraint domain counts; the only part AddPod/RemovePod modify. */
typedef struct domain_counts {
    int32_t *count;                /* by domain id */
    uint8_t *eligible;             /* domain has at least one eligible node */
    uint32_t neligible;
    int32_t min;                   /* over eligible domains; INT32_MAX if none */
    uint32_t at_min;               /* eligible domains whose count == min */
} domain_counts;

typedef struct spread_filter_state {
    uint32_t nconstraints;
    const spread_constraint *constraints;   /* shared by clones */
    const topology_index *indexes;          /* shared by clones */
    domain_counts *counts;                  /* per constraint, copied by clones */
} spread_filter_state;

static void domain_counts_recompute_min(domain_counts *dc, uint32_t ndomains) {
    dc->min = INT32_MAX;
    dc->at_min = 0;
    for (uint32_t d = 0; d < ndomains; d++) {
        if (!dc->eligible[d]) continue;
        if (dc->count[d] < dc->min) {
            dc->min = dc->count[d];
            dc->at_min = 1;
        } else if (dc->count[d] == dc->min) {
            dc->at_min++;
        }
    }
}

static void *spread_filter_state_clone(sl_cycle *c, const void *data) {
    const spread_filter_state *src = data;
    spread_filter_state *copy = sl_cycle_alloc(c, sizeof *copy);
    *copy = *src;
    copy->counts = sl_cycle_alloc(c, src->nconstraints * sizeof *copy->counts);
    for (uint32_t i = 0; i < src->nconstraints; i++) {
        uint32_t ndomains = src->indexes[i].ndomains;
        domain_counts *dc = &copy->counts[i];
        *dc = src->counts[i];
        dc->count = sl_cycle_alloc(c, (ndomains ? ndomains : 1) * sizeof *dc->count);
        dc->eligible = sl_cycle_alloc(c, ndomains ? ndomains : 1);
        memcpy(dc->count, src->counts[i].count, ndomains * sizeof *dc->count);
        memcpy(dc->eligible, src->counts[i].eligible, ndomains);
    }
    return copy;
}

static sl_status spread_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *info,
                                   sl_prefilter_result *result) {
    UNUSED(result);
    const k8s_pod *pod = info->pod;
    spread_constraint *constraints;
    uint32_t n = collect_constraints(p->self, c, pod, true, &constraints);
    if (LIKELY(n == 0)) return sl_status_make(SL_SKIP, NULL);

    const sl_snapshot *snap = sl_cycle_snapshot(c);
    uint32_t nnodes = sl_snapshot_num_nodes(snap);
    sl_node_info *const *nodes = sl_snapshot_nodes(snap);

    spread_filter_state *state = sl_cycle_alloc(c, sizeof *state);
    topology_index *indexes = sl_cycle_alloc(c, n * sizeof *indexes);
    state->nconstraints = n;
    state->constraints = constraints;
    state->indexes = indexes;
    state->counts = sl_cycle_alloc(c, n * sizeof *state->counts);
    for (uint32_t i = 0; i < n; i++) {
        topology_index_build(c, &indexes[i], constraints[i].topology_key, nodes, nnodes);
        uint32_t ndomains = indexes[i].ndomains ? indexes[i].ndomains : 1;
        domain_counts *dc = &state->counts[i];
        dc->count = sl_cycle_alloc(c, ndomains * sizeof *dc->count);
        dc->eligible = sl_cycle_alloc(c, ndomains);
        memset(dc->count, 0, ndomains * sizeof *dc->count);
        memset(dc->eligible, 0, ndomains);
    }

    for (uint32_t k = 0; k < nnodes; k++) {
        const sl_node_info *node = nodes[k];
        if (!node_has_all_keys(node->node, constraints, n)) continue;
        node_policy_facts facts = {-1, -1};
        for (uint32_t i = 0; i < n; i++) {
            if (!node_included(&constraints[i], pod, node->node, &facts)) continue;
            int32_t d = topology_domain_of(&indexes[i], node);
            if (d < 0) continue;
            domain_counts *dc = &state->counts[i];
            dc->eligible[d] = 1;
            dc->count[d] += count_matching_pods(node, &constraints[i].selector, pod->namespace_);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        domain_counts *dc = &state->counts[i];
        dc->neligible = 0;
        for (uint32_t d = 0; d < indexes[i].ndomains; d++) dc->neligible += dc->eligible[d];
        domain_counts_recompute_min(dc, indexes[i].ndomains);
    }
    sl_cycle_state_write(c, SPREAD_PREFILTER_KEY, state, spread_filter_state_clone, NULL);
    return SL_STATUS_SUCCESS;
}

static sl_status spread_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                               const sl_node_info *node) {
    UNUSED(p), UNUSED(pod);
    const spread_filter_state *state = sl_cycle_state_read(c, SPREAD_PREFILTER_KEY);
    if (UNLIKELY(!state))
        return sl_status_make(SL_ERROR, "reading \"" SPREAD_PREFILTER_KEY
                                        "\" from cycleState: not found");
    for (uint32_t i = 0; i < state->nconstraints; i++) {
        const spread_constraint *constraint = &state->constraints[i];
        int32_t d = topology_domain_of(&state->indexes[i], node);
        if (d == TOPOLOGY_LABEL_MISSING)
            return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, REASON_NODE_LABEL_NOT_MATCH);
        const domain_counts *dc = &state->counts[i];
        int64_t min_match = dc->neligible < (uint32_t)constraint->min_domains ? 0 : dc->min;
        int64_t match = d >= 0 ? dc->count[d] : 0;
        int64_t skew = match + (constraint->pod_matches_itself ? 1 : 0) - min_match;
        if (skew > constraint->max_skew)
            return sl_status_make(SL_UNSCHEDULABLE, REASON_CONSTRAINTS_NOT_MATCH);
    }
    return SL_STATUS_SUCCESS;
}

/* One pod more (delta +1) or less (-1) in a domain; keeps min exact. */
static void domain_counts_update(domain_counts *dc, uint32_t ndomains, int32_t d, int32_t delta) {
    int32_t old = dc->count[d];
    int32_t cur = old + delta;
    dc->count[d] = cur;
    if (!dc->eligible[d]) {
        /* Upstream's map gains the domain; cannot happen for a node that
         * passed the same checks in PreFilter, handled for completeness. */
        dc->eligible[d] = 1;
        dc->neligible++;
        domain_counts_recompute_min(dc, ndomains);
        return;
    }
    if (cur < dc->min) {
        dc->min = cur;
        dc->at_min = 1;
    } else if (cur == dc->min) {
        dc->at_min++;
    } else if (old == dc->min && --dc->at_min == 0) {
        domain_counts_recompute_min(dc, ndomains);
    }
}

static sl_status spread_update_with_pod(sl_cycle *c, const sl_pod_info *preemptor,
                                        const sl_pod_info *updated, const sl_node_info *node,
                                        int32_t delta) {
    spread_filter_state *state = sl_cycle_state_read(c, SPREAD_PREFILTER_KEY);
    if (!state)
        return sl_status_make(SL_ERROR, "reading \"" SPREAD_PREFILTER_KEY
                                        "\" from cycleState: not found");
    const k8s_pod *pod = preemptor->pod;
    if (strcmp(updated->pod->namespace_, pod->namespace_) != 0 || !node || !node->node)
        return SL_STATUS_SUCCESS;
    if (!node_has_all_keys(node->node, state->constraints, state->nconstraints))
        return SL_STATUS_SUCCESS;
    node_policy_facts facts = {-1, -1};
    for (uint32_t i = 0; i < state->nconstraints; i++) {
        const spread_constraint *constraint = &state->constraints[i];
        if (!k8s_label_selector_matches(&constraint->selector, &updated->pod->labels)) continue;
        if (!node_included(constraint, pod, node->node, &facts)) continue;
        int32_t d = topology_domain_of(&state->indexes[i], node);
        if (d < 0) continue;   /* a value unknown to the snapshot: nothing to count */
        domain_counts_update(&state->counts[i], state->indexes[i].ndomains, d, delta);
    }
    return SL_STATUS_SUCCESS;
}

static sl_status spread_add_pod(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                const sl_pod_info *pod_to_add, const sl_node_info *node) {
    UNUSED(p);
    return spread_update_with_pod(c, pod, pod_to_add, node, +1);
}

static sl_status spread_remove_pod(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_pod_info *pod_to_remove, const sl_node_info *node) {
    UNUSED(p);
    return spread_update_with_pod(c, pod, pod_to_remove, node, -1);
}

/* ------------------------------------------------------------------ */
/* PreScore / Score / NormalizeScore                                    */
/* ------------------------------------------------------------------ */

typedef struct spread_score_state {
    uint32_t nconstraints;
    const spread_constraint *constraints;
    const topology_index *indexes;
    int64_t **count;               /* [constraint][domain]; NULL for hostname */
    double *weight;                /* topologyNormalizingWeight per constraint */
    uint32_t nnodes;
    uint8_t *ignored;              /* by node index: filtered node missing a key */
} spread_score_state;

static sl_status spread_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *info,
                                  sl_node_info *const *filtered, uint32_t nfiltered) {
    const spread_plugin *self = p->self;
    const k8s_pod *pod = info->pod;
    spread_constraint *constraints;
    uint32_t n = collect_constraints(self, c, pod, false, &constraints);
    if (LIKELY(n == 0)) return sl_status_make(SL_SKIP, NULL);
    /* requireAllTopologies: false only for the system default constraints. */
    bool require_all = pod->nspread > 0 || self->list_defaulting;

    const sl_snapshot *snap = sl_cycle_snapshot(c);
    uint32_t nnodes = sl_snapshot_num_nodes(snap);
    sl_node_info *const *nodes = sl_snapshot_nodes(snap);
    if (nnodes == 0) return sl_status_make(SL_SKIP, NULL);

    spread_score_state *state = sl_cycle_alloc(c, sizeof *state);
    topology_index *indexes = sl_cycle_alloc(c, n * sizeof *indexes);
    state->nconstraints = n;
    state->constraints = constraints;
    state->indexes = indexes;
    state->count = sl_cycle_alloc(c, n * sizeof *state->count);
    state->weight = sl_cycle_alloc(c, n * sizeof *state->weight);
    state->nnodes = nnodes;
    state->ignored = sl_cycle_alloc(c, nnodes);
    memset(state->ignored, 0, nnodes);

    /* Domains present among the filtered nodes that carry every key. */
    uint8_t **present = sl_cycle_alloc(c, n * sizeof *present);
    uint32_t *domains_present = sl_cycle_alloc(c, n * sizeof *domains_present);
    for (uint32_t i = 0; i < n; i++) {
        topology_index_build(c, &indexes[i], constraints[i].topology_key, nodes, nnodes);
        uint32_t ndomains = indexes[i].ndomains ? indexes[i].ndomains : 1;
        present[i] = sl_cycle_alloc(c, ndomains);
        memset(present[i], 0, ndomains);
        domains_present[i] = 0;
        state->count[i] = NULL;
        if (!constraints[i].is_hostname) {
            state->count[i] = sl_cycle_alloc(c, ndomains * sizeof **state->count);
            memset(state->count[i], 0, ndomains * sizeof **state->count);
        }
    }
    uint32_t nignored = 0;
    uint8_t *missing_counted = sl_cycle_alloc(c, n);
    memset(missing_counted, 0, n);
    for (uint32_t k = 0; k < nfiltered; k++) {
        const sl_node_info *node = filtered[k];
        if (require_all && !node_has_all_keys(node->node, constraints, n)) {
            if (node->index < nnodes && !state->ignored[node->index]) {
                state->ignored[node->index] = 1;
                nignored++;
            }
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (constraints[i].is_hostname) continue;
            int32_t d = topology_domain_of(&indexes[i], node);
            if (d >= 0 && !present[i][d]) {
                present[i][d] = 1;
                domains_present[i]++;
            } else if (d == TOPOLOGY_LABEL_MISSING && !missing_counted[i]) {
                missing_counted[i] = 1;   /* the pair {key, ""} */
                domains_present[i]++;
            }
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        int64_t size = constraints[i].is_hostname ? (int64_t)nfiltered - nignored
                                                  : (int64_t)domains_present[i];
        state->weight[i] = log((double)(size + 2));
    }

    /* Matching pods per present domain, over all eligible nodes. */
    for (uint32_t k = 0; k < nnodes; k++) {
        const sl_node_info *node = nodes[k];
        if (require_all && !node_has_all_keys(node->node, constraints, n)) continue;
        node_policy_facts facts = {-1, -1};
        for (uint32_t i = 0; i < n; i++) {
            if (constraints[i].is_hostname) continue;
            if (!node_included(&constraints[i], pod, node->node, &facts)) continue;
            int32_t d = topology_domain_of(&indexes[i], node);
            if (d < 0 || !present[i][d]) continue;
            state->count[i][d] +=
                count_matching_pods(node, &constraints[i].selector, pod->namespace_);
        }
    }
    sl_cycle_state_write(c, SPREAD_PRESCORE_KEY, state, NULL, NULL);
    return SL_STATUS_SUCCESS;
}

static bool score_state_ignores(const spread_score_state *state, const sl_node_info *node) {
    return node->index < state->nnodes && state->ignored[node->index];
}

static sl_status spread_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                              const sl_node_info *node, int64_t *score) {
    UNUSED(p);
    const spread_score_state *state = sl_cycle_state_read(c, SPREAD_PRESCORE_KEY);
    if (UNLIKELY(!state))
        return sl_status_make(SL_ERROR, "error reading \"" SPREAD_PRESCORE_KEY
                                        "\" from cycleState: not found");
    *score = 0;
    if (score_state_ignores(state, node)) return SL_STATUS_SUCCESS;
    double sum = 0;
    for (uint32_t i = 0; i < state->nconstraints; i++) {
        const spread_constraint *constraint = &state->constraints[i];
        int32_t d = topology_domain_of(&state->indexes[i], node);
        if (d == TOPOLOGY_LABEL_MISSING) continue;
        int64_t cnt;
        if (constraint->is_hostname)
            cnt = count_matching_pods(node, &constraint->selector, pod->pod->namespace_);
        else
            cnt = d >= 0 ? state->count[i][d] : 0;
        sum += (double)cnt * state->weight[i] + (double)(constraint->max_skew - 1);
    }
    *score = (int64_t)round(sum);
    return SL_STATUS_SUCCESS;
}

static sl_status spread_normalize_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                        sl_node_score *scores, uint32_t n) {
    UNUSED(p), UNUSED(pod);
    const spread_score_state *state = sl_cycle_state_read(c, SPREAD_PRESCORE_KEY);
    if (!state)
        return sl_status_make(SL_ERROR, "error reading \"" SPREAD_PRESCORE_KEY
                                        "\" from cycleState: not found");
    int64_t min_score = INT64_MAX, max_score = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t index = scores[i].node_index;
        if (index < state->nnodes && state->ignored[index]) continue;
        if (scores[i].score < min_score) min_score = scores[i].score;
        if (scores[i].score > max_score) max_score = scores[i].score;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t index = scores[i].node_index;
        if (index < state->nnodes && state->ignored[index]) {
            scores[i].score = 0;
        } else if (max_score == 0) {
            scores[i].score = MAX_NODE_SCORE;
        } else {
            scores[i].score =
                MAX_NODE_SCORE * (max_score + min_score - scores[i].score) / max_score;
        }
    }
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Args                                                                 */
/* ------------------------------------------------------------------ */

static bool validate_default_constraint(const json_t *item, const char *path, const json_t *list,
                                        size_t index, char *err, size_t errsize) {
    static const char *const known[] = {"maxSkew", "topologyKey", "whenUnsatisfiable",
                                        "labelSelector", "minDomains", "nodeAffinityPolicy",
                                        "nodeTaintsPolicy", "matchLabelKeys", NULL};
    if (!json_is_object(item)) {
        snprintf(err, errsize, "%s: must be an object", path);
        return false;
    }
    if (!plugin_args_only_known_fields(item, known, path, err, errsize)) return false;
    int64_t max_skew = 0;
    if (!plugin_args_int(item, "maxSkew", path, &max_skew, err, errsize)) return false;
    if (max_skew <= 0) {
        snprintf(err, errsize, "%s.maxSkew: Invalid value: %lld: not in valid range (0, inf)",
                 path, (long long)max_skew);
        return false;
    }
    const json_t *key = json_object_get(item, "topologyKey");
    const char *key_name = json_is_string(key) ? json_string_value(key) : "";
    if (key_name[0] == '\0') {
        snprintf(err, errsize, "%s.topologyKey: Required value: can not be empty", path);
        return false;
    }
    const char *problem = qualified_name_problem(key_name);
    if (problem) {
        snprintf(err, errsize, "%s.topologyKey: Invalid value: \"%s\": %s", path, key_name,
                 problem);
        return false;
    }
    const json_t *when = json_object_get(item, "whenUnsatisfiable");
    const char *when_name = json_is_string(when) ? json_string_value(when) : "";
    if (when_name[0] == '\0') {
        snprintf(err, errsize, "%s.whenUnsatisfiable: Required value: can not be empty", path);
        return false;
    }
    if (strcmp(when_name, "DoNotSchedule") != 0 && strcmp(when_name, "ScheduleAnyway") != 0) {
        snprintf(err, errsize, "%s.whenUnsatisfiable: Unsupported value: \"%s\": supported "
                 "values: \"DoNotSchedule\", \"ScheduleAnyway\"", path, when_name);
        return false;
    }
    const json_t *selector = json_object_get(item, "labelSelector");
    if (selector && !json_is_null(selector)) {
        snprintf(err, errsize, "%s.labelSelector: Forbidden: constraint must not define a "
                 "selector, as they deduced for each pod", path);
        return false;
    }
    for (size_t j = 0; j < index; j++) {
        const json_t *other = json_array_get(list, j);
        const json_t *other_key = json_object_get(other, "topologyKey");
        const json_t *other_when = json_object_get(other, "whenUnsatisfiable");
        if (json_is_string(other_key) && json_is_string(other_when) &&
            strcmp(json_string_value(other_key), key_name) == 0 &&
            strcmp(json_string_value(other_when), when_name) == 0) {
            snprintf(err, errsize, "%s: Duplicate value: \"{%s, %s}\"", path, key_name,
                     when_name);
            return false;
        }
    }
    return true;
}

static void spread_free(spread_plugin *self) {
    if (!self) return;
    for (uint32_t i = 0; i < self->ndefault_constraints; i++)
        free(self->default_constraints[i].topology_key);
    free(self->default_constraints);
    free(self);
}

static bool spread_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    static const char *const known[] = {"defaultConstraints", "defaultingType", NULL};
    char path[96];
    plugin_args_path(p, SPREAD_NAME, path, sizeof path);
    spread_plugin *self = xcalloc(1, sizeof *self);
    if (args && !json_is_null(args)) {
        if (!json_is_object(args)) {
            snprintf(err, errsize, "%s: must be an object", path);
            goto fail;
        }
        if (!plugin_args_only_known_fields(args, known, path, err, errsize)) goto fail;
        const json_t *type = json_object_get(args, "defaultingType");
        const char *type_name = json_is_string(type) ? json_string_value(type) : "";
        if (type_name[0] == '\0' || strcmp(type_name, "System") == 0) {
            self->list_defaulting = false;
        } else if (strcmp(type_name, "List") == 0) {
            self->list_defaulting = true;
        } else {
            snprintf(err, errsize, "%s.defaultingType: Unsupported value: \"%s\": supported "
                     "values: \"System\", \"List\"", path, type_name);
            goto fail;
        }
        const json_t *list = json_object_get(args, "defaultConstraints");
        if (list && !json_is_null(list) && !json_is_array(list)) {
            snprintf(err, errsize, "%s.defaultConstraints: must be a list", path);
            goto fail;
        }
        size_t n = json_is_array(list) ? json_array_size(list) : 0;
        if (!self->list_defaulting && n > 0) {
            snprintf(err, errsize, "%s.defaultingType: Invalid value: \"System\": when "
                     ".defaultConstraints are not empty", path);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            char item_path[160];
            snprintf(item_path, sizeof item_path, "%s.defaultConstraints[%zu]", path, i);
            if (!validate_default_constraint(json_array_get(list, i), item_path, list, i, err,
                                             errsize))
                goto fail;
        }
        if (n > 0) {
            self->default_constraints = xcalloc(n, sizeof *self->default_constraints);
            for (size_t i = 0; i < n; i++) {
                const json_t *item = json_array_get(list, i);
                default_constraint *d = &self->default_constraints[i];
                const char *affinity = json_string_value(json_object_get(item, "nodeAffinityPolicy"));
                const char *taints = json_string_value(json_object_get(item, "nodeTaintsPolicy"));
                d->max_skew = (int32_t)json_integer_value(json_object_get(item, "maxSkew"));
                d->min_domains = (int32_t)json_integer_value(json_object_get(item, "minDomains"));
                d->topology_key = xstrdup(json_string_value(json_object_get(item, "topologyKey")));
                d->do_not_schedule = strcmp(json_string_value(json_object_get(item, "whenUnsatisfiable")),
                                            "DoNotSchedule") == 0;
                d->honor_node_affinity = !affinity || strcmp(affinity, "Ignore") != 0;
                d->honor_node_taints = taints && strcmp(taints, "Honor") == 0;
                self->ndefault_constraints++;
            }
        }
    }
    if (!self->list_defaulting) {
        /* systemDefaultConstraints */
        self->default_constraints = xcalloc(2, sizeof *self->default_constraints);
        self->default_constraints[0] = (default_constraint){
            .max_skew = 3, .topology_key = xstrdup(LABEL_HOSTNAME), .honor_node_affinity = true};
        self->default_constraints[1] = (default_constraint){
            .max_skew = 5, .topology_key = xstrdup(LABEL_ZONE), .honor_node_affinity = true};
        self->ndefault_constraints = 2;
    }
    p->self = self;
    return true;
fail:
    spread_free(self);
    return false;
}

static void spread_destroy(sl_plugin *p) {
    spread_free(p->self);
    p->self = NULL;
}

/* EventsToRegister: pods coming, going or relabelled change the counts; so do nodes. */
static const sl_plugin_event spread_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_ADD | SL_ACTION_DELETE | SL_ACTION_UPDATE_POD_LABEL},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_DELETE | SL_ACTION_UPDATE},
};
static uint32_t spread_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = spread_events;
    return ARRAY_LEN(spread_events);
}

static const sl_plugin_ops spread_ops = {
    .name = SPREAD_NAME,
    .events_to_register = spread_events_to_register,
    .pre_filter = spread_pre_filter,
    .add_pod = spread_add_pod,
    .remove_pod = spread_remove_pod,
    .filter = spread_filter,
    .pre_score = spread_pre_score,
    .score = spread_score,
    .normalize_score = spread_normalize_score,
    .destroy = spread_destroy,
};

const sl_plugin_registration sl_plugin_PodTopologySpread = {SPREAD_NAME, &spread_ops,
                                                            spread_factory};
