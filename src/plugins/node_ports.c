/*
 * node_ports.c — NodePorts (upstream pkg/scheduler/framework/plugins/nodeports).
 *
 * PreFilter: Skip for pods that ask for no host port (then Filter never
 * runs). Filter: the node is Unschedulable "node(s) didn't have free ports
 * for the requested pod ports" when any wanted (protocol, hostIP, hostPort)
 * collides with a port already used on the node. Empty host IP means
 * 0.0.0.0 and empty protocol TCP; 0.0.0.0 on either side collides with any
 * IP of the same protocol and port.
 *
 * The wanted ports are precomputed per pod by the cache (sl_pod_info
 * host_ports), so PreFilter has nothing to store and Filter allocates
 * nothing. The per-node scan is O(wanted × used); both lists are tiny in
 * practice (a handful of hostPorts per node), so a hash set would cost more
 * than it saves.
 */
#include <string.h>

#include "scheduler/framework.h"

static const char *port_protocol(const char *protocol) {
    return protocol && protocol[0] ? protocol : "TCP";
}

static bool is_any_ip(const char *ip) {
    return !ip || ip[0] == '\0' || strcmp(ip, "0.0.0.0") == 0;
}

/* Upstream HostPortInfo.CheckConflict. */
static bool port_conflicts(const sl_node_info *node, const k8s_container_port *want) {
    if (want->host_port <= 0) return false;
    const char *protocol = port_protocol(want->protocol);
    bool any = is_any_ip(want->host_ip);
    for (uint32_t i = 0; i < node->nused_ports; i++) {
        const sl_host_port *used = &node->used_ports[i];
        if (used->port != want->host_port) continue;
        if (strcmp(port_protocol(used->protocol), protocol) != 0) continue;
        if (any || is_any_ip(used->host_ip) || strcmp(used->host_ip, want->host_ip) == 0)
            return true;
    }
    return false;
}

static sl_status node_ports_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                       sl_prefilter_result *result) {
    if (pod->nhost_ports == 0) return sl_status_make(SL_SKIP, NULL);
    return SL_STATUS_SUCCESS;
}

static sl_status node_ports_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_node_info *node) {
    for (uint32_t i = 0; i < pod->nhost_ports; i++)
        if (port_conflicts(node, pod->host_ports[i]))
            return sl_status_make(SL_UNSCHEDULABLE,
                                  "node(s) didn't have free ports for the requested pod ports");
    return SL_STATUS_SUCCESS;
}

/* EventsToRegister: a pod that held the port goes away; a new or changed node. */
static const sl_plugin_event node_ports_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_DELETE},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE},
};
static uint32_t node_ports_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = node_ports_events;
    return ARRAY_LEN(node_ports_events);
}

static const sl_plugin_ops node_ports_ops = {
    .name = "NodePorts",
    .events_to_register = node_ports_events_to_register,
    .pre_filter = node_ports_pre_filter,
    .filter = node_ports_filter,
};

const sl_plugin_registration sl_plugin_NodePorts = {"NodePorts", &node_ports_ops, NULL};
