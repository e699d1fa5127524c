/*
 * scheduling_gates.c — SchedulingGates, the default PreEnqueue plugin
 * (upstream pkg/scheduler/framework/plugins/schedulinggates).
 *
 * A pod whose spec.schedulingGates is non-empty is kept out of the active
 * queue: PreEnqueue answers UnschedulableAndUnresolvable with
 * "waiting for scheduling gates: [g1 g2]" (the gate names in spec order,
 * formatted like Go's %v of a []string).
 *
 * PreEnqueue runs outside any scheduling cycle, so there is no cycle arena
 * for the message: it is built in the pod's own arena (k8s_pod.mem), which
 * lives as long as the pod object. A pod object is re-enqueued only when it
 * changes (a new object), so the arena grows by one short string per gated
 * attempt at most.
 */
#include <string.h>

#include "scheduler/framework.h"

static sl_status scheduling_gates_pre_enqueue(sl_plugin *p, const sl_pod_info *info) {
    k8s_pod *pod = info->pod;
    if (pod->ngates == 0) return SL_STATUS_SUCCESS;
    size_t len = strlen("waiting for scheduling gates: []") + 1;
    for (uint32_t i = 0; i < pod->ngates; i++) len += strlen(pod->scheduling_gates[i]) + 1;
    char *msg = arena_alloc(&pod->mem, len);
    char *w = msg;
    w = stpcpy(w, "waiting for scheduling gates: [");
    for (uint32_t i = 0; i < pod->ngates; i++) {
        if (i) *w++ = ' ';
        w = stpcpy(w, pod->scheduling_gates[i]);
    }
    strcpy(w, "]");
    return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, msg);
}

/* EventsToRegister: a pod's gates can only go away by its own update. */
static const sl_plugin_event scheduling_gates_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_UPDATE_POD_SCHEDULING_GATES_ELIMINATED},
};
static uint32_t scheduling_gates_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = scheduling_gates_events;
    return ARRAY_LEN(scheduling_gates_events);
}

static const sl_plugin_ops scheduling_gates_ops = {
    .name = "SchedulingGates",
    .events_to_register = scheduling_gates_events_to_register,
    .pre_enqueue = scheduling_gates_pre_enqueue,
};

const sl_plugin_registration sl_plugin_SchedulingGates = {"SchedulingGates", &scheduling_gates_ops,
                                                          NULL};
