/*
 * node_unschedulable.c — NodeUnschedulable (upstream
 * pkg/scheduler/framework/plugins/nodeunschedulable).
 *
 * Filter: a cordoned node (spec.unschedulable) is rejected with
 * UnschedulableAndUnresolvable "node(s) were unschedulable" unless the pod
 * tolerates the taint node.kubernetes.io/unschedulable:NoSchedule, the way
 * DaemonSet pods do.
 */
#include "scheduler/framework.h"

static const k8s_taint unschedulable_taint = {
    .key = "node.kubernetes.io/unschedulable",
    .value = "",
    .effect = K8S_EFFECT_NO_SCHEDULE,
};

static sl_status node_unschedulable_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                           const sl_node_info *node) {
    if (!node->node->unschedulable) return SL_STATUS_SUCCESS;
    const k8s_pod *kp = pod->pod;
    if (k8s_tolerations_tolerate(kp->tolerations, kp->ntolerations, &unschedulable_taint))
        return SL_STATUS_SUCCESS;
    return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) were unschedulable");
}

/* Batch form (framework.h): no indirect call per node. WHY the test
 * here: only a cordoned node needs the per-node function (and its
 * toleration check); the rest pass without a status built through memory. */
static void node_unschedulable_filter_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                            sl_node_info *const *nodes, uint32_t n,
                                            sl_status *out) {
    for (uint32_t i = 0; i < n; i++)
        out[i] = LIKELY(!nodes[i]->node->unschedulable) ? SL_STATUS_SUCCESS : node_unschedulable_filter(p, c, pod, nodes[i]);
}

/* EventsToRegister: a new node, or one whose taints (spec.unschedulable) changed. */
static const sl_plugin_event node_unschedulable_events[] = {
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE_NODE_TAINT},
};
static uint32_t node_unschedulable_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = node_unschedulable_events;
    return ARRAY_LEN(node_unschedulable_events);
}

static const sl_plugin_ops node_unschedulable_ops = {
    .name = "NodeUnschedulable",
    .events_to_register = node_unschedulable_events_to_register,
    .filter = node_unschedulable_filter,
    .filter_nodes = node_unschedulable_filter_nodes,
};

const sl_plugin_registration sl_plugin_NodeUnschedulable = {"NodeUnschedulable",
                                                            &node_unschedulable_ops, NULL};
