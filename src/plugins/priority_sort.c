/*
 * priority_sort.c — PrioritySort, the default QueueSort plugin (upstream's
 * queuesort plugin of the same name).
 *
 * The active queue pops the pod with the higher spec.priority first (a pod
 * without a priority counts as 0); between equal priorities the one that
 * (re-)entered the queue earlier wins. The plugin has no state and no args.
 */
#include "scheduler/framework.h"

static bool priority_sort_less(sl_plugin *p, const sl_queued_pod *a, const sl_queued_pod *b) {
    int32_t pa = a->info->pod->priority, pb = b->info->pod->priority;
    if (pa != pb) return pa > pb;
    return a->timestamp_ns < b->timestamp_ns;
}

static const sl_plugin_ops priority_sort_ops = {
    .name = "PrioritySort",
    .less = priority_sort_less,
};

const sl_plugin_registration sl_plugin_PrioritySort = {"PrioritySort", &priority_sort_ops, NULL};
