/*
 * node_name.c — NodeName (upstream pkg/scheduler/framework/plugins/nodename).
 *
 * Filter: a pod that already names its node (spec.nodeName) fits only that
 * node; every other node is UnschedulableAndUnresolvable
 * "node(s) didn't match the requested node name".
 */
#include <string.h>

#include "scheduler/framework.h"

static sl_status node_name_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                  const sl_node_info *node) {
    const char *want = pod->pod->node_name;
    if (want[0] == '\0' || strcmp(want, node->node->name) == 0) return SL_STATUS_SUCCESS;
    return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                          "node(s) didn't match the requested node name");
}

/* Batch form (framework.h): no indirect call per node. WHY the early
 * branch: a pod without spec.nodeName (nearly all of them) passes on
 * every node, so skip the per-node test altogether. */
static void node_name_filter_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                   sl_node_info *const *nodes, uint32_t n, sl_status *out) {
    if (LIKELY(pod->pod->node_name[0] == '\0')) {
        for (uint32_t i = 0; i < n; i++) out[i] = SL_STATUS_SUCCESS;
        return;
    }
    sl_filter_each_node(node_name_filter, p, c, pod, nodes, n, out);
}

/* EventsToRegister: the named node may appear or change. */
static const sl_plugin_event node_name_events[] = {
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE},
};
static uint32_t node_name_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = node_name_events;
    return ARRAY_LEN(node_name_events);
}

static const sl_plugin_ops node_name_ops = {
    .name = "NodeName",
    .events_to_register = node_name_events_to_register,
    .filter = node_name_filter,
    .filter_nodes = node_name_filter_nodes,
};

const sl_plugin_registration sl_plugin_NodeName = {"NodeName", &node_name_ops, NULL};
