/*
 * volume_noop.c — the volume plugins VolumeRestrictions, NodeVolumeLimits,
 * VolumeBinding and VolumeZone, registered so that configurations naming
 * them (upstream's default profile does) keep parsing and the per-point
 * plugin lists — and with them `--explain` tables and metrics — match
 * upstream's.
 *
 * Scope: volumes are out of scope for schedlab. The object model has no
 * PersistentVolumes, claims, storage classes or CSINodes, and pods are
 * decoded without spec.volumes. For a pod without volumes upstream's
 * plugins are no-ops, and that is exactly what these are:
 *   - PreFilter returns Skip (upstream does so for pods with no PVCs /
 *     relevant volumes), so their Filter never runs;
 *   - VolumeBinding PreScore returns Skip (its scorer exists only with the
 *     alpha StorageCapacityScoring gate); Score would return 0;
 *   - VolumeBinding Reserve and PreBind succeed (nothing to bind).
 * The Filters are still defined (returning Success) for frameworks that
 * run them without PreFilter.
 *
 * VolumeBinding args: bindTimeoutSeconds (default 600, must be >= 0) and
 * shape are accepted and validated, then unused.
 */
#include <stdio.h>

#include "plugins/plugin_args.h"
#include "scheduler/framework.h"

static sl_status volume_pre_filter_skip(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                        sl_prefilter_result *result) {
    return sl_status_make(SL_SKIP, NULL);
}

static sl_status volume_filter_pass(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                    const sl_node_info *node) {
    return SL_STATUS_SUCCESS;
}

static sl_status volume_binding_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                          sl_node_info *const *nodes, uint32_t nnodes) {
    return sl_status_make(SL_SKIP, NULL);
}

static sl_status volume_binding_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                      const sl_node_info *node, int64_t *score) {
    *score = 0;
    return SL_STATUS_SUCCESS;
}

static sl_status volume_binding_reserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                        const char *node_name) {
    return SL_STATUS_SUCCESS;
}

static void volume_binding_unreserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                     const char *node_name) {}

static sl_status volume_binding_pre_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                         const char *node_name) {
    return SL_STATUS_SUCCESS;
}

static bool volume_binding_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    p->self = NULL;
    if (!args || json_is_null(args)) return true;
    char path[256];
    plugin_args_path(p, "VolumeBinding", path, sizeof(path));
    if (!json_is_object(args)) {
        snprintf(err, errsize, "%s: must be an object", path);
        return false;
    }
    static const char *const known[] = {"bindTimeoutSeconds", "shape", NULL};
    if (!plugin_args_only_known_fields(args, known, path, err, errsize)) return false;
    int64_t timeout = 600;
    if (!plugin_args_int(args, "bindTimeoutSeconds", path, &timeout, err, errsize)) return false;
    if (timeout < 0) {
        snprintf(err, errsize,
                 "%s.bindTimeoutSeconds: Invalid value: %lld: invalid BindTimeoutSeconds, should "
                 "not be a negative value",
                 path, (long long)timeout);
        return false;
    }
    const json_t *shape = json_object_get(args, "shape");
    if (shape && !json_is_null(shape) && !json_is_array(shape)) {
        snprintf(err, errsize, "%s.shape: must be a list", path);
        return false;
    }
    return true;
}

/* EventsToRegister: as upstream's, restricted to the resources schedlab models. */
static const sl_plugin_event volume_restrictions_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_DELETE},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE},
};
static uint32_t volume_restrictions_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = volume_restrictions_events;
    return ARRAY_LEN(volume_restrictions_events);
}

static const sl_plugin_ops volume_restrictions_ops = {
    .name = "VolumeRestrictions",
    .events_to_register = volume_restrictions_events_to_register,
    .pre_filter = volume_pre_filter_skip,
    .filter = volume_filter_pass,
};

/* EventsToRegister: as upstream's, restricted to the resources schedlab models. */
static const sl_plugin_event node_volume_limits_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_DELETE},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE},
};
static uint32_t node_volume_limits_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = node_volume_limits_events;
    return ARRAY_LEN(node_volume_limits_events);
}

static const sl_plugin_ops node_volume_limits_ops = {
    .name = "NodeVolumeLimits",
    .events_to_register = node_volume_limits_events_to_register,
    .pre_filter = volume_pre_filter_skip,
    .filter = volume_filter_pass,
};

/* EventsToRegister: as upstream's, restricted to the resources schedlab models. */
static const sl_plugin_event volume_binding_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_DELETE},
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE},
};
static uint32_t volume_binding_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = volume_binding_events;
    return ARRAY_LEN(volume_binding_events);
}

static const sl_plugin_ops volume_binding_ops = {
    .name = "VolumeBinding",
    .events_to_register = volume_binding_events_to_register,
    .pre_filter = volume_pre_filter_skip,
    .filter = volume_filter_pass,
    .pre_score = volume_binding_pre_score,
    .score = volume_binding_score,
    .reserve = volume_binding_reserve,
    .unreserve = volume_binding_unreserve,
    .pre_bind = volume_binding_pre_bind,
};

/* EventsToRegister: as upstream's, restricted to the resources schedlab models. */
static const sl_plugin_event volume_zone_events[] = {
    {SL_RESOURCE_NODE, SL_ACTION_ADD | SL_ACTION_UPDATE},
};
static uint32_t volume_zone_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = volume_zone_events;
    return ARRAY_LEN(volume_zone_events);
}

static const sl_plugin_ops volume_zone_ops = {
    .name = "VolumeZone",
    .events_to_register = volume_zone_events_to_register,
    .pre_filter = volume_pre_filter_skip,
    .filter = volume_filter_pass,
};

const sl_plugin_registration sl_plugin_VolumeRestrictions = {"VolumeRestrictions",
                                                             &volume_restrictions_ops, NULL};
const sl_plugin_registration sl_plugin_NodeVolumeLimits = {"NodeVolumeLimits",
                                                           &node_volume_limits_ops, NULL};
const sl_plugin_registration sl_plugin_VolumeBinding = {"VolumeBinding", &volume_binding_ops,
                                                        volume_binding_factory};
const sl_plugin_registration sl_plugin_VolumeZone = {"VolumeZone", &volume_zone_ops, NULL};
