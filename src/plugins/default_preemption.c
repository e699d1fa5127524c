/*
 * default_preemption.c — DefaultPreemption, the default PostFilter plugin
 * (upstream pkg/scheduler/framework/plugins/defaultpreemption and the
 * Evaluator in pkg/scheduler/framework/preemption, v1.30).
 *
 * When no node fits, find a node where evicting lower-priority pods would
 * make room, evict them, and nominate that node for the pod (it is NOT
 * bound in this cycle; the pod is retried and the framework records
 * status.nominatedNodeName from the result).
 *
 *   1. Eligibility: not with preemptionPolicy Never; not while a
 *      lower-priority pod on the pod's already-nominated node is still
 *      terminating by preemption — deletionTimestamp set and a
 *      DisruptionTarget condition True with reason PreemptionByScheduler
 *      (a pod deleted for another reason does not count) — unless that
 *      node now fails as UnschedulableAndUnresolvable. A pod that is not
 *      eligible returns no result: its nominatedNodeName stays as it is
 *      (upstream's nil PostFilterResult, nominator ModeNoop), so the room
 *      on the nominated node stays reserved.
 *   2. Candidates: every node whose Filter status is not
 *      UnschedulableAndUnresolvable (nodes cut by a PreFilterResult count
 *      as such, see sl_node_status_get). numCandidates =
 *      clamp(n × minCandidateNodesPercentage / 100, minCandidateNodesAbsolute, n),
 *      the scan starting at a random offset (the cycle's rng).
 *   3. Dry run per node, on a copy of the node info and of the CycleState:
 *      remove every lower-priority pod (RemovePod hooks), run the Filters;
 *      if the pod fits, reprieve the removed pods one by one — first the
 *      ones whose eviction would violate a PodDisruptionBudget, then the
 *      others, each group most important first (higher priority, then
 *      earlier start) — keeping each that still lets the pod fit. The rest
 *      are the victims (sorted most important first again when both groups
 *      were non-empty); the violating ones among them are the candidate's
 *      PDB violations. PDBs as filterPodsWithPDBViolation reads them: same
 *      namespace, a selector that is neither nil nor empty matching the
 *      pod, the pod not in status.disruptedPods; each matching pod uses one
 *      of status.disruptionsAllowed and violates once it goes below zero.
 *   4. Choice, by upstream's ordered criteria: fewest PDB violations;
 *      lowest highest-victim priority; smallest sum of victim priorities;
 *      fewest victims; latest start among the highest-priority victims;
 *      then the first candidate.
 *   5. Victims are deleted through the cluster source (a "Preempted" event
 *      each) and the node name is returned as the nomination.
 * Not helpful: Unschedulable "preemption: 0/N nodes are available: <reasons
 * histogram>." with "Preemption is not helpful for scheduling" for
 * unresolvable nodes and "No preemption victims found for incoming pod"
 * (or the Filter reason) for nodes the dry run rejected; the result then
 * nominates "" (clears the pod's nominatedNodeName). Errors return no
 * result (the nomination is kept).
 *
 * Differences from upstream, all deliberate:
 *   - Upstream dry-runs nodes in parallel and stops as soon as enough
 *     candidates are found, so WHICH candidates it finds can vary run to
 *     run; here the scan is sequential from the random offset and stops at
 *     numCandidates — the deterministic equivalent. Upstream breaks final
 *     ties by Go map order (random); here by discovery order.
 *   - A victim already being deleted (deletionTimestamp set) is deleted
 *     again, as v1.33 does (later releases skip the call).
 *   - Lower-priority pods nominated to the chosen node keep their
 *     nomination (the framework contract has no call to clear one; upstream
 *     clears it so they get requeued — here they are re-filtered on their
 *     next attempt anyway).
 *
 * Extenders: after the dry run, every interested extender with a
 * preemptVerb narrows the candidates (upstream callExtenders, through the
 * framework's extender handle); none left -> "no candidate node for
 * preemption".
 *
 * Args: minCandidateNodesPercentage (0..100, default 10) and
 * minCandidateNodesAbsolute (>= 0, default 100), not both 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extender/extender.h"
#include "plugins/plugin_args.h"
#include "scheduler/framework.h"

#define PREEMPTION_NAME "DefaultPreemption"
#define MSG_NOT_HELPFUL "Preemption is not helpful for scheduling"
#define MSG_NO_VICTIMS "No preemption victims found for incoming pod"

typedef struct preemption_plugin {
    int64_t min_candidate_nodes_percentage;
    int64_t min_candidate_nodes_absolute;
} preemption_plugin;

/* A node and its victims (most important first); the extender module's
 * type, so the candidates can go to extenders' preempt verb as they are. */
typedef sl_preemption_candidate candidate;

/* corev1helpers.PodPriority */
static int32_t pod_priority(const sl_pod_info *p) { return p->pod->priority; }

/* util.GetPodStartTime: a pod that has not started counts as starting now. */
static int64_t pod_start_ns(const sl_pod_info *p) {
    return p->pod->start_ns ? p->pod->start_ns : INT64_MAX;
}

/* util.MoreImportantPod */
static bool more_important(const sl_pod_info *a, const sl_pod_info *b) {
    if (pod_priority(a) != pod_priority(b)) return pod_priority(a) > pod_priority(b);
    return pod_start_ns(a) < pod_start_ns(b);
}

/* Stable insertion sort: victim lists are short, and node order breaks ties. */
static void sort_by_importance(sl_pod_info **pods, uint32_t n) {
    for (uint32_t i = 1; i < n; i++) {
        sl_pod_info *x = pods[i];
        uint32_t j = i;
        while (j > 0 && more_important(x, pods[j - 1])) {
            pods[j] = pods[j - 1];
            j--;
        }
        pods[j] = x;
    }
}

/* ------------------------------------------------------------------ */
/* Eligibility                                                          */
/* ------------------------------------------------------------------ */

static const char *not_eligible_reason(sl_cycle *c, const sl_pod_info *pod,
                                       const sl_node_status_map *statuses) {
    const k8s_pod *kp = pod->pod;
    if (kp->preempt_never) return "not eligible due to preemptionPolicy=Never.";
    if (!kp->nominated_node_name || !kp->nominated_node_name[0]) return NULL;
    const sl_node_info *nominated =
        sl_snapshot_node(sl_cycle_snapshot(c), kp->nominated_node_name);
    if (!nominated) return NULL;
    /* The nominated node no longer fits at all: preempt again elsewhere. */
    if (sl_node_status_get(statuses, nominated->index).code == SL_UNSCHEDULABLE_AND_UNRESOLVABLE)
        return NULL;
    for (uint32_t i = 0; i < nominated->npods; i++) {
        const sl_pod_info *p = nominated->pods[i];
        if (pod_priority(p) < kp->priority && k8s_pod_terminating_by_preemption(p->pod))
            return "not eligible due to a terminating pod on the nominated node.";
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* PodDisruptionBudgets (filterPodsWithPDBViolation)                    */
/* ------------------------------------------------------------------ */

/* Splits `pods` (most important first) into the ones whose eviction would
 * violate a PDB and the others, each in the given order: `out` receives the
 * violating ones first, violating[i] says which. A PDB counts a pod when it
 * is in the pod's namespace, its selector is neither nil nor empty and
 * matches the pod's labels (a pod without labels matches none), and the pod
 * is not already in status.disruptedPods; each such pod uses one of the
 * PDB's status.disruptionsAllowed, and a pod that takes the PDB below zero
 * violates it. Returns the number of violating pods. */
static uint32_t split_by_pdb_violation(sl_cycle *c, const sl_snapshot *snap, sl_pod_info **pods,
                                       uint32_t n, sl_pod_info **out, uint8_t *violating) {
    uint32_t npdbs;
    const sl_pdb *const *pdbs = sl_snapshot_pdbs(snap, &npdbs);
    int64_t *allowed = sl_cycle_alloc(c, (npdbs ? npdbs : 1) * sizeof(*allowed));
    for (uint32_t k = 0; k < npdbs; k++) allowed[k] = pdbs[k]->disruptions_allowed;
    uint8_t *flag = sl_cycle_alloc(c, n ? n : 1);
    uint32_t nviolating = 0;
    for (uint32_t i = 0; i < n; i++) {
        const k8s_pod *p = pods[i]->pod;
        flag[i] = 0;
        if (p->labels.len == 0) continue;
        for (uint32_t k = 0; k < npdbs; k++) {
            const sl_pdb *pdb = pdbs[k];
            if (strcmp(pdb->namespace_, p->namespace_) != 0) continue;
            if (!pdb->selector.present || pdb->selector.nreqs == 0) continue;
            if (!k8s_label_selector_matches(&pdb->selector, &p->labels)) continue;
            if (k8s_map_get(&pdb->disrupted_pods, p->name)) continue;
            if (--allowed[k] < 0) flag[i] = 1;
        }
        nviolating += flag[i];
    }
    uint32_t a = 0, b = nviolating;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = flag[i] ? a++ : b++;
        out[at] = pods[i];
        violating[at] = flag[i];
    }
    return nviolating;
}

/* ------------------------------------------------------------------ */
/* Dry run on one node (SelectVictimsOnNode)                            */
/* ------------------------------------------------------------------ */

static sl_status select_victims(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                const sl_node_info *node, candidate *out) {
    sl_cycle *state = sl_cycle_clone(c);
    sl_node_info *copy = sl_node_info_clone(state, node);
    int32_t priority = pod_priority(pod);

    sl_pod_info **potential = sl_cycle_alloc(state, (node->npods + 1) * sizeof(*potential));
    uint32_t npotential = 0;
    for (uint32_t i = 0; i < node->npods; i++)
        if (pod_priority(node->pods[i]) < priority) potential[npotential++] = node->pods[i];
    for (uint32_t i = 0; i < npotential; i++) {
        sl_node_info_remove_pod(state, copy, potential[i]);
        sl_status s = sl_framework_run_remove_pod(fw, state, pod, potential[i], copy);
        if (s.code != SL_SUCCESS) return sl_status_make(SL_ERROR, s.message);
    }
    if (npotential == 0) return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, MSG_NO_VICTIMS);

    /* Not even with every lower-priority pod gone: preemption cannot help here. */
    sl_status fits = sl_framework_run_filters(fw, state, pod, copy);
    if (fits.code != SL_SUCCESS) return fits;

    sort_by_importance(potential, npotential);
    /* Reprieve the PDB-violating pods first, then the others, each group
     * most important first (filterPodsWithPDBViolation keeps the order). */
    sl_pod_info **ordered = sl_cycle_alloc(state, npotential * sizeof(*ordered));
    uint8_t *violating = sl_cycle_alloc(state, npotential);
    uint32_t nviolating = split_by_pdb_violation(state, sl_cycle_snapshot(c), potential,
                                                 npotential, ordered, violating);
    sl_pod_info **victims = sl_cycle_alloc(state, npotential * sizeof(*victims));
    uint32_t nvictims = 0, num_violating_victims = 0;
    for (uint32_t i = 0; i < npotential; i++) {
        sl_pod_info *v = ordered[i];
        sl_node_info_add_pod(state, copy, v);
        sl_status s = sl_framework_run_add_pod(fw, state, pod, v, copy);
        if (s.code != SL_SUCCESS) return sl_status_make(SL_ERROR, s.message);
        if (sl_framework_run_filters(fw, state, pod, copy).code == SL_SUCCESS) continue;
        sl_node_info_remove_pod(state, copy, v);
        s = sl_framework_run_remove_pod(fw, state, pod, v, copy);
        if (s.code != SL_SUCCESS) return sl_status_make(SL_ERROR, s.message);
        victims[nvictims++] = v;
        if (violating[i]) num_violating_victims++;
    }
    /* Victims most important first again when both groups were non-empty
     * (as upstream: even if one of them gave no victim). */
    if (nviolating > 0 && nviolating < npotential) sort_by_importance(victims, nvictims);
    if (nvictims == 0)
        return sl_status_newf(c, SL_ERROR, "expected at least one victim pod on node \"%s\"",
                              node->node->name);
    out->node = node;
    out->nvictims = nvictims;
    out->victims = victims;
    out->num_pdb_violations = num_violating_victims;
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Choosing the node (pickOneNodeForPreemption)                         */
/* ------------------------------------------------------------------ */

typedef int64_t (*candidate_score_fn)(const candidate *cand);

static int64_t score_fewest_pdb_violations(const candidate *cand) {
    return -cand->num_pdb_violations;
}

static int64_t score_lowest_highest_priority(const candidate *cand) {
    return -(int64_t)pod_priority(cand->victims[0]);
}

static int64_t score_smallest_priority_sum(const candidate *cand) {
    int64_t sum = 0;
    /* Shifted by MaxInt32+1 so negative priorities still add up positively. */
    for (uint32_t i = 0; i < cand->nvictims; i++)
        sum += (int64_t)pod_priority(cand->victims[i]) + (int64_t)INT32_MAX + 1;
    return -sum;
}

static int64_t score_fewest_victims(const candidate *cand) { return -(int64_t)cand->nvictims; }

/* util.GetEarliestPodStartTime over the highest-priority victims; the later
 * it is, the better (evict the pods that have run the least). */
static int64_t score_latest_start(const candidate *cand) {
    int32_t max_priority = pod_priority(cand->victims[0]);
    int64_t earliest = pod_start_ns(cand->victims[0]);
    for (uint32_t i = 0; i < cand->nvictims; i++) {
        const sl_pod_info *v = cand->victims[i];
        if (pod_priority(v) == max_priority) {
            if (pod_start_ns(v) < earliest) earliest = pod_start_ns(v);
        } else if (pod_priority(v) > max_priority) {
            max_priority = pod_priority(v);
            earliest = pod_start_ns(v);
        }
    }
    return earliest;
}

static const candidate *pick_one(sl_cycle *c, candidate *cands, uint32_t n) {
    static const candidate_score_fn criteria[] = {
        score_fewest_pdb_violations, score_lowest_highest_priority, score_smallest_priority_sum,
        score_fewest_victims,        score_latest_start,
    };
    const candidate **alive = sl_cycle_alloc(c, n * sizeof(*alive));
    const candidate **next = sl_cycle_alloc(c, n * sizeof(*next));
    for (uint32_t i = 0; i < n; i++) alive[i] = &cands[i];
    uint32_t nalive = n;
    for (size_t k = 0; k < ARRAY_LEN(criteria) && nalive > 1; k++) {
        int64_t best = INT64_MIN;
        uint32_t nnext = 0;
        for (uint32_t i = 0; i < nalive; i++) {
            int64_t s = criteria[k](alive[i]);
            if (s > best) {
                best = s;
                nnext = 0;
            }
            if (s == best) next[nnext++] = alive[i];
        }
        const candidate **tmp = alive;
        alive = next;
        next = tmp;
        nalive = nnext;
    }
    return alive[0];
}

/* ------------------------------------------------------------------ */
/* "0/N nodes are available: ..." (FitError over the dry-run statuses)  */
/* ------------------------------------------------------------------ */

typedef struct reason_count {
    const char *reason;
    size_t len;
    uint32_t count;
} reason_count;

typedef struct reason_histogram {
    uint32_t n, cap;
    reason_count *items;
    uint32_t nodes;          /* statuses added */
} reason_histogram;

static void histogram_add_reason(sl_cycle *c, reason_histogram *h, const char *r, size_t len) {
    for (uint32_t i = 0; i < h->n; i++)
        if (h->items[i].len == len && memcmp(h->items[i].reason, r, len) == 0) {
            h->items[i].count++;
            return;
        }
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? 2 * h->cap : 8;
        reason_count *items = sl_cycle_alloc(c, cap * sizeof(*items));
        if (h->n) memcpy(items, h->items, h->n * sizeof(*items));
        h->items = items;
        h->cap = cap;
    }
    h->items[h->n++] = (reason_count){r, len, 1};
}

/* A status counts once per reason (Status.Reasons()). */
static void histogram_add(sl_cycle *c, reason_histogram *h, sl_status s) {
    h->nodes++;
    const char *m = s.message ? s.message : "";
    for (;;) {
        const char *sep = strchr(m, SL_REASON_SEP);
        size_t len = sep ? (size_t)(sep - m) : strlen(m);
        histogram_add_reason(c, h, m, len);
        if (!sep) break;
        m = sep + 1;
    }
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "preemption: 0/N nodes are available: 2 reason a, 1 reason b." — entries
 * "count reason" sorted as strings, as Go's sortReasonsHistogram does. */
static const char *fit_error_message(sl_cycle *c, const reason_histogram *h) {
    char **entries = sl_cycle_alloc(c, (h->n + 1) * sizeof(*entries));
    for (uint32_t i = 0; i < h->n; i++)
        entries[i] = sl_cycle_printf(c, "%u %.*s", h->items[i].count, (int)h->items[i].len,
                                     h->items[i].reason);
    qsort(entries, h->n, sizeof(*entries), compare_strings);
    strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "preemption: 0/%u nodes are available:", h->nodes);
    for (uint32_t i = 0; i < h->n; i++) {
        strbuf_puts(&sb, i ? ", " : " ");
        strbuf_puts(&sb, entries[i]);
    }
    if (h->n) strbuf_putc(&sb, '.');
    const char *msg = sl_cycle_printf(c, "%s", strbuf_cstr(&sb));
    strbuf_free(&sb);
    return msg;
}

/* ------------------------------------------------------------------ */
/* PostFilter                                                           */
/* ------------------------------------------------------------------ */

static uint32_t num_candidates(const preemption_plugin *self, uint32_t num_nodes) {
    int64_t n = (int64_t)num_nodes * self->min_candidate_nodes_percentage / 100;
    if (n < self->min_candidate_nodes_absolute) n = self->min_candidate_nodes_absolute;
    if (n > num_nodes) n = num_nodes;
    return (uint32_t)n;
}

static sl_status evict_victims(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                               const candidate *best) {
    const char *scheduler = pod->pod->scheduler_name ? pod->pod->scheduler_name : "";
    const char *reason =
        sl_cycle_printf(c, "%s: preempting to accommodate a higher priority pod", scheduler);
    const char *event = sl_cycle_printf(c, "Preempted by pod %s on node %s", pod->pod->uid,
                                        best->node->node->name);
    for (uint32_t i = 0; i < best->nvictims; i++) {
        sl_status s = sl_framework_delete_pod(fw, best->victims[i], reason);
        if (s.code != SL_SUCCESS) return s;
        sl_framework_event(fw, best->victims[i], "Normal", "Preempted", event);
    }
    return SL_STATUS_SUCCESS;
}

static sl_status default_preemption_post_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                                const sl_node_status_map *statuses,
                                                sl_post_filter_result *result) {
    const preemption_plugin *self = p->self;
    sl_framework *fw = p->framework;

    const char *why_not = not_eligible_reason(c, pod, statuses);
    if (why_not) return sl_status_newf(c, SL_UNSCHEDULABLE, "preemption: %s", why_not);

    const sl_snapshot *snap = sl_cycle_snapshot(c);
    uint32_t n = sl_snapshot_num_nodes(snap);
    sl_node_info *const *nodes = sl_snapshot_nodes(snap);
    if (n == 0) return sl_status_make(SL_ERROR, "preemption: no nodes available");

    reason_histogram hist = {0};
    const sl_node_info **potential = sl_cycle_alloc(c, n * sizeof(*potential));
    uint32_t npotential = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (sl_node_status_get(statuses, nodes[i]->index).code == SL_UNSCHEDULABLE_AND_UNRESOLVABLE)
            histogram_add(c, &hist, sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, MSG_NOT_HELPFUL));
        else
            potential[npotential++] = nodes[i];
    }
    if (npotential == 0) {
        result->nominated_node_name = ""; /* clear the nomination */
        return sl_status_make(SL_UNSCHEDULABLE, fit_error_message(c, &hist));
    }

    uint32_t offset = (uint32_t)rng_below(sl_cycle_rng(c), npotential);
    uint32_t want = num_candidates(self, npotential);
    candidate *cands = sl_cycle_alloc(c, npotential * sizeof(*cands));
    uint32_t ncands = 0;
    const char *first_error = NULL;
    for (uint32_t i = 0; i < npotential && ncands < want; i++) {
        const sl_node_info *node = potential[(offset + i) % npotential];
        sl_status s = select_victims(fw, c, pod, node, &cands[ncands]);
        if (s.code == SL_SUCCESS) {
            ncands++;
            continue;
        }
        if (s.code == SL_ERROR && !first_error) first_error = s.message ? s.message : "error";
        histogram_add(c, &hist, s);
    }
    if (ncands == 0) {
        if (first_error) return sl_status_newf(c, SL_ERROR, "preemption: %s", first_error);
        result->nominated_node_name = ""; /* clear the nomination */
        return sl_status_make(SL_UNSCHEDULABLE, fit_error_message(c, &hist));
    }

    /* Extenders with a preemptVerb narrow the candidates (upstream
     * Evaluator.callExtenders, between the dry run and the choice). */
    sl_extender *const *extenders;
    uint32_t nextenders = sl_framework_extenders(fw, &extenders);
    if (nextenders) {
        sl_status es = sl_extenders_preempt(extenders, nextenders, c, pod, cands, &ncands, NULL);
        if (es.code != SL_SUCCESS) return es;
        if (ncands == 0) return sl_status_make(SL_UNSCHEDULABLE, "no candidate node for preemption");
    }

    const candidate *best = ncands == 1 ? &cands[0] : pick_one(c, cands, ncands);
    sl_status s = evict_victims(fw, c, pod, best);
    if (s.code != SL_SUCCESS)
        return sl_status_newf(c, SL_ERROR, "preemption: %s", s.message ? s.message : "error");
    result->nominated_node_name = best->node->node->name;
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Args (ValidateDefaultPreemptionArgs)                                 */
/* ------------------------------------------------------------------ */

static bool default_preemption_factory(sl_plugin *p, const json_t *args, char *err,
                                       size_t errsize) {
    preemption_plugin *self = xcalloc(1, sizeof(*self));
    self->min_candidate_nodes_percentage = 10;
    self->min_candidate_nodes_absolute = 100;
    p->self = self;
    if (!args || json_is_null(args)) return true;
    char path[256];
    plugin_args_path(p, PREEMPTION_NAME, path, sizeof(path));
    if (!json_is_object(args)) {
        snprintf(err, errsize, "%s: must be an object", path);
        goto fail;
    }
    static const char *const known[] = {"minCandidateNodesPercentage", "minCandidateNodesAbsolute",
                                        NULL};
    if (!plugin_args_only_known_fields(args, known, path, err, errsize)) goto fail;
    if (!plugin_args_int(args, "minCandidateNodesPercentage", path,
                         &self->min_candidate_nodes_percentage, err, errsize) ||
        !plugin_args_int(args, "minCandidateNodesAbsolute", path,
                         &self->min_candidate_nodes_absolute, err, errsize))
        goto fail;
    if (self->min_candidate_nodes_percentage < 0 || self->min_candidate_nodes_percentage > 100) {
        snprintf(err, errsize,
                 "%s.minCandidateNodesPercentage: Invalid value: %lld: not in valid range [0, 100]",
                 path, (long long)self->min_candidate_nodes_percentage);
        goto fail;
    }
    if (self->min_candidate_nodes_absolute < 0) {
        snprintf(err, errsize,
                 "%s.minCandidateNodesAbsolute: Invalid value: %lld: not in valid range [0, inf)",
                 path, (long long)self->min_candidate_nodes_absolute);
        goto fail;
    }
    if (self->min_candidate_nodes_percentage == 0 && self->min_candidate_nodes_absolute == 0) {
        snprintf(err, errsize,
                 "%s: Invalid value: \"\": both minCandidateNodesPercentage and "
                 "minCandidateNodesAbsolute cannot be zero",
                 path);
        goto fail;
    }
    return true;
fail:
    free(self);
    p->self = NULL;
    return false;
}

static void default_preemption_destroy(sl_plugin *p) {
    free(p->self);
    p->self = NULL;
}

static const sl_plugin_ops default_preemption_ops = {
    .name = PREEMPTION_NAME,
    .post_filter = default_preemption_post_filter,
    .destroy = default_preemption_destroy,
};

const sl_plugin_registration sl_plugin_DefaultPreemption = {
    PREEMPTION_NAME, &default_preemption_ops, default_preemption_factory};
