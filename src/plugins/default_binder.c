/*
 * default_binder.c — DefaultBinder (upstream
 * pkg/scheduler/framework/plugins/defaultbinder).
 *
 * Bind: asks the cluster source to bind the pod to the node (POST
 * pods/<name>/binding with target {kind: Node, name} against an API server,
 * a direct update in the in-process store). A failure is returned as the
 * cluster source reports it (an Error status), so the binding cycle
 * unreserves and requeues the pod.
 */
#include "scheduler/framework.h"

static sl_status default_binder_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                     const char *node_name) {
    return sl_framework_bind(p->framework, pod, node_name);
}

static const sl_plugin_ops default_binder_ops = {
    .name = "DefaultBinder",
    .bind = default_binder_bind,
};

const sl_plugin_registration sl_plugin_DefaultBinder = {"DefaultBinder", &default_binder_ops, NULL};
