/*
 * taint_toleration.c — TaintToleration (upstream
 * pkg/scheduler/framework/plugins/tainttoleration).
 *
 * Filter: the first of the node's NoSchedule/NoExecute taints (in node
 * order) that no pod toleration tolerates rejects the node with
 * UnschedulableAndUnresolvable "node(s) had untolerated taint {key: value}".
 *
 * PreScore keeps only the pod's tolerations that can matter for scoring
 * (effect empty or PreferNoSchedule) in CycleState; Score counts the node's
 * PreferNoSchedule taints those tolerations do not tolerate; NormalizeScore
 * reverses (fewer intolerable taints = higher score): 100 - 100*c/max, every
 * node 100 when max is 0.
 *
 * The Filter message is formatted only on rejection (sl_status_newf); the
 * success path neither allocates nor formats.
 */
#include "scheduler/framework.h"

#define TAINT_PRESCORE_KEY "PreScoreTaintToleration"
#define MAX_NODE_SCORE 100

typedef struct taint_prescore_state {
    uint32_t ntolerations;
    const k8s_toleration *tolerations[]; /* effect "" or PreferNoSchedule */
} taint_prescore_state;

static sl_status taint_toleration_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                         const sl_node_info *node) {
    const k8s_node *n = node->node;
    const k8s_pod *kp = pod->pod;
    for (uint32_t i = 0; i < n->ntaints; i++) {
        const k8s_taint *t = &n->taints[i];
        if (t->effect != K8S_EFFECT_NO_SCHEDULE && t->effect != K8S_EFFECT_NO_EXECUTE) continue;
        if (k8s_tolerations_tolerate(kp->tolerations, kp->ntolerations, t)) continue;
        return sl_status_newf(c, SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                              "node(s) had untolerated taint {%s: %s}", t->key, t->value);
    }
    return SL_STATUS_SUCCESS;
}

static sl_status taint_toleration_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                            sl_node_info *const *nodes, uint32_t nnodes) {
    if (nnodes == 0) return SL_STATUS_SUCCESS;
    const k8s_pod *kp = pod->pod;
    taint_prescore_state *s =
        sl_cycle_alloc(c, sizeof(*s) + kp->ntolerations * sizeof(s->tolerations[0]));
    s->ntolerations = 0;
    for (uint32_t i = 0; i < kp->ntolerations; i++) {
        const k8s_toleration *t = &kp->tolerations[i];
        if (t->effect == K8S_EFFECT_ALL || t->effect == K8S_EFFECT_PREFER_NO_SCHEDULE)
            s->tolerations[s->ntolerations++] = t;
    }
    sl_cycle_state_write(c, TAINT_PRESCORE_KEY, s, NULL, NULL);
    return SL_STATUS_SUCCESS;
}

#define TAINT_STATE_MISSING \
    "error reading \"PreScoreTaintToleration\" from cycleState: not found"

/* The node's PreferNoSchedule taints that the kept tolerations do not tolerate. */
static int64_t count_intolerable_taints(const taint_prescore_state *s, const sl_node_info *node) {
    const k8s_node *n = node->node;
    int64_t count = 0;
    for (uint32_t i = 0; i < n->ntaints; i++) {
        const k8s_taint *t = &n->taints[i];
        if (t->effect != K8S_EFFECT_PREFER_NO_SCHEDULE) continue;
        bool tolerated = false;
        for (uint32_t j = 0; j < s->ntolerations && !tolerated; j++)
            tolerated = k8s_toleration_tolerates(s->tolerations[j], t);
        if (!tolerated) count++;
    }
    return count;
}

static sl_status taint_toleration_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                        const sl_node_info *node, int64_t *score) {
    const taint_prescore_state *s = sl_cycle_state_read(c, TAINT_PRESCORE_KEY);
    if (!s) return sl_status_make(SL_ERROR, TAINT_STATE_MISSING);
    *score = count_intolerable_taints(s, node);
    return SL_STATUS_SUCCESS;
}

/* Batch forms (framework.h). Score reads the CycleState once per chunk
 * instead of once per node (most nodes have no taint at all, so the
 * lookup was most of the per-node cost). */
static sl_status taint_toleration_score_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                              sl_node_info *const *nodes, uint32_t n,
                                              sl_node_score *out, uint32_t *failed_at) {
    if (n == 0) return SL_STATUS_SUCCESS;
    const taint_prescore_state *s = sl_cycle_state_read(c, TAINT_PRESCORE_KEY);
    if (!s) {
        *failed_at = 0;
        return sl_status_make(SL_ERROR, TAINT_STATE_MISSING);
    }
    for (uint32_t i = 0; i < n; i++) out[i].score = count_intolerable_taints(s, nodes[i]);
    return SL_STATUS_SUCCESS;
}

static void taint_toleration_filter_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                          sl_node_info *const *nodes, uint32_t n, sl_status *out) {
    /* WHY: most nodes have no taints; they pass without the call. */
    for (uint32_t i = 0; i < n; i++)
        out[i] = LIKELY(nodes[i]->node->ntaints == 0) ? SL_STATUS_SUCCESS
                                                      : taint_toleration_filter(p, c, pod, nodes[i]);
}

/* helper.DefaultNormalizeScore(MaxNodeScore, reverse=true). */
static sl_status taint_toleration_normalize(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                            sl_node_score *scores, uint32_t n) {
    int64_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        if (scores[i].score > max) max = scores[i].score;
    for (uint32_t i = 0; i < n; i++) {
        if (max == 0) scores[i].score = MAX_NODE_SCORE;
        else scores[i].score = MAX_NODE_SCORE - MAX_NODE_SCORE * scores[i].score / max;
    }
    return SL_STATUS_SUCCESS;
}

/* EventsToRegister: a new node, or changed taints. */
static const sl_plugin_event taint_toleration_events[] = {
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE_NODE_TAINT},
};
static uint32_t taint_toleration_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = taint_toleration_events;
    return ARRAY_LEN(taint_toleration_events);
}

static const sl_plugin_ops taint_toleration_ops = {
    .name = "TaintToleration",
    .events_to_register = taint_toleration_events_to_register,
    .filter = taint_toleration_filter,
    .filter_nodes = taint_toleration_filter_nodes,
    .pre_score = taint_toleration_pre_score,
    .score = taint_toleration_score,
    .score_nodes = taint_toleration_score_nodes,
    .normalize_score = taint_toleration_normalize,
};

const sl_plugin_registration sl_plugin_TaintToleration = {"TaintToleration", &taint_toleration_ops,
                                                          NULL};
