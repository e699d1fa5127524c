/*
 * pod.c — Pod decoding into k8s_pod, and the pod's effective resource
 * request as the scheduler computes it (resource helpers PodRequests with
 * UseStatusResources, as the v1.33 scheduler's calculateResource: the
 * containers' actuated and allocated resources from status count too —
 * InPlacePodVerticalScaling is beta and on by default).
 *
 * A pod is decoded once when it arrives; everything the scheduler reads in
 * its hot paths (requests, tolerations, selectors, affinity, spread
 * constraints) is parsed here into the pod's arena. Defaults applied:
 * namespace "default", schedulerName "default-scheduler", container port
 * protocol "TCP", requests copied from limits per resource when a container
 * sets a limit but no request (the API server's defaulting).
 *
 * Request formulas. upstream sums Quantities exactly and converts once;
 * we convert each container's quantities first (cpu to millicores rounded
 * up), so a pod made of several containers asking for sub-millicore cpu
 * ("0.0001") can differ by a millicore per container. No real manifest does
 * that. Upstream's NodeResourcesFit PreFilter reads the incoming pod's spec
 * only; here status resources count for every pod, which differs only for a
 * pending pod carrying container statuses with resources (not a state the
 * API produces: only running containers report them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_internal.h"

#define DEFAULT_MILLI_CPU_REQUEST 100
#define DEFAULT_MEMORY_REQUEST (200LL * 1024 * 1024)

/* ------------------------------------------------------------------ */
/* Resource arithmetic                                                  */
/* ------------------------------------------------------------------ */

static int64_t add_saturating(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* A growable resource accumulator (scalar names borrowed). */
typedef struct resource_sum {
    int64_t milli_cpu, memory, ephemeral_storage, pods;
    VEC(k8s_scalar_resource) scalar;
} resource_sum;

static int64_t *sum_scalar_slot(resource_sum *s, const char *name) {
    for (size_t i = 0; i < s->scalar.len; i++)
        if (!strcmp(s->scalar.items[i].name, name)) return &s->scalar.items[i].value;
    k8s_scalar_resource r = {name, 0};
    VEC_PUSH(&s->scalar, r);
    return &s->scalar.items[s->scalar.len - 1].value;
}

static void sum_add(resource_sum *s, const k8s_resources *r) {
    s->milli_cpu = add_saturating(s->milli_cpu, r->milli_cpu);
    s->memory = add_saturating(s->memory, r->memory);
    s->ephemeral_storage = add_saturating(s->ephemeral_storage, r->ephemeral_storage);
    s->pods = add_saturating(s->pods, r->pods);
    for (uint32_t i = 0; i < r->nscalar; i++) {
        int64_t *slot = sum_scalar_slot(s, r->scalar[i].name);
        *slot = add_saturating(*slot, r->scalar[i].value);
    }
}

static void sum_add_sum(resource_sum *s, const resource_sum *o) {
    s->milli_cpu = add_saturating(s->milli_cpu, o->milli_cpu);
    s->memory = add_saturating(s->memory, o->memory);
    s->ephemeral_storage = add_saturating(s->ephemeral_storage, o->ephemeral_storage);
    s->pods = add_saturating(s->pods, o->pods);
    for (size_t i = 0; i < o->scalar.len; i++) {
        int64_t *slot = sum_scalar_slot(s, o->scalar.items[i].name);
        *slot = add_saturating(*slot, o->scalar.items[i].value);
    }
}

static void sum_max(resource_sum *s, const resource_sum *o) {
    s->milli_cpu = SL_MAX(s->milli_cpu, o->milli_cpu);
    s->memory = SL_MAX(s->memory, o->memory);
    s->ephemeral_storage = SL_MAX(s->ephemeral_storage, o->ephemeral_storage);
    s->pods = SL_MAX(s->pods, o->pods);
    for (size_t i = 0; i < o->scalar.len; i++) {
        int64_t *slot = sum_scalar_slot(s, o->scalar.items[i].name);
        *slot = SL_MAX(*slot, o->scalar.items[i].value);
    }
}

static void sum_reset(resource_sum *s) {
    s->milli_cpu = s->memory = s->ephemeral_storage = s->pods = 0;
    s->scalar.len = 0;
}

static int scalar_compare(const void *a, const void *b) {
    return strcmp(((const k8s_scalar_resource *)a)->name, ((const k8s_scalar_resource *)b)->name);
}

static void sum_max_resources(resource_sum *s, const k8s_resources *r) {
    s->milli_cpu = SL_MAX(s->milli_cpu, r->milli_cpu);
    s->memory = SL_MAX(s->memory, r->memory);
    s->ephemeral_storage = SL_MAX(s->ephemeral_storage, r->ephemeral_storage);
    s->pods = SL_MAX(s->pods, r->pods);
    for (uint32_t i = 0; i < r->nscalar; i++) {
        int64_t *slot = sum_scalar_slot(s, r->scalar[i].name);
        *slot = SL_MAX(*slot, r->scalar[i].value);
    }
}

/* One container's request into *out (reset first). */
typedef void (*container_request_fn)(const k8s_pod *pod, const k8s_container *c, bool init,
                                     uint32_t index, resource_sum *out);

/* PodRequests: max(sum(app) + sum(sidecars), each init container + the
 * sidecars started before it) + overhead. `container_request` yields each
 * container's (possibly defaulted) request. */
static void pod_requests_sum(const k8s_pod *pod, container_request_fn container_request,
                             resource_sum *total) {
    resource_sum restartable = {0}, init_max = {0}, tmp = {0}, one = {0};
    for (uint32_t i = 0; i < pod->ncontainers; i++) {
        container_request(pod, &pod->containers[i], false, i, &one);
        sum_add_sum(total, &one);
    }
    for (uint32_t i = 0; i < pod->ninit_containers; i++) {
        const k8s_container *c = &pod->init_containers[i];
        container_request(pod, c, true, i, &one);
        if (c->restart_always) {
            sum_add_sum(total, &one);
            sum_add_sum(&restartable, &one);
            sum_max(&init_max, &restartable);
        } else {
            sum_reset(&tmp);
            sum_add_sum(&tmp, &one);
            sum_add_sum(&tmp, &restartable);
            sum_max(&init_max, &tmp);
        }
    }
    sum_max(total, &init_max);
    sum_add(total, &pod->overhead);
    VEC_FREE(&restartable.scalar);
    VEC_FREE(&init_max.scalar);
    VEC_FREE(&tmp.scalar);
    VEC_FREE(&one.scalar);
}

bool k8s_pod_terminating_by_preemption(const k8s_pod *pod) {
    if (!pod->deleting) return false;
    for (uint32_t i = 0; i < pod->nconditions; i++) {
        const k8s_pod_condition *c = &pod->conditions[i];
        if (strcmp(c->type, "DisruptionTarget") != 0) continue;
        return strcmp(c->status, "True") == 0 && strcmp(c->reason, "PreemptionByScheduler") == 0;
    }
    return false;
}

bool k8s_pod_resize_infeasible(const k8s_pod *pod) {
    for (uint32_t i = 0; i < pod->nconditions; i++) {
        const k8s_pod_condition *c = &pod->conditions[i];
        if (strcmp(c->type, "PodResizePending") == 0) return strcmp(c->reason, "Infeasible") == 0;
    }
    return false;
}

/* The container's status when upstream reads it (UseStatusResources): an
 * app container or a sidecar whose status has `resources`. Statuses are
 * looked up by name as upstream's map is built: containerStatuses, then
 * initContainerStatuses, a later entry replacing an earlier one. */
static const k8s_container_status *status_in_use(const k8s_pod *pod, const k8s_container *c,
                                                 bool init) {
    if (init && !c->restart_always) return NULL;
    const k8s_container_status *found = NULL;
    for (uint32_t i = pod->ninit_container_statuses; i-- > 0 && !found;)
        if (strcmp(pod->init_container_statuses[i].name, c->name) == 0)
            found = &pod->init_container_statuses[i];
    for (uint32_t i = pod->ncontainer_statuses; i-- > 0 && !found;)
        if (strcmp(pod->container_statuses[i].name, c->name) == 0)
            found = &pod->container_statuses[i];
    return found && found->has_resources ? found : NULL;
}

/* determineContainerReqs: max(spec, actuated, allocated); while the resize
 * is infeasible the spec (the desired size) does not count. */
static void actual_request(const k8s_pod *pod, const k8s_container *c, bool init, uint32_t index,
                           resource_sum *out) {
    UNUSED(index);
    sum_reset(out);
    const k8s_container_status *cs = status_in_use(pod, c, init);
    if (!cs) {
        sum_add(out, &c->requests);
        return;
    }
    if (!k8s_pod_resize_infeasible(pod)) sum_add(out, &c->requests);
    sum_max_resources(out, &cs->requests);
    sum_max_resources(out, &cs->allocated);
}

void k8s_pod_requests(const k8s_pod *pod, arena *mem, k8s_resources *out) {
    resource_sum total = {0};
    pod_requests_sum(pod, actual_request, &total);
    memset(out, 0, sizeof(*out));
    out->milli_cpu = total.milli_cpu;
    out->memory = total.memory;
    out->ephemeral_storage = total.ephemeral_storage;
    out->pods = total.pods;
    size_t n = 0;
    for (size_t i = 0; i < total.scalar.len; i++) n += total.scalar.items[i].value != 0;
    if (n) {
        out->scalar = arena_alloc(mem, n * sizeof(k8s_scalar_resource));
        for (size_t i = 0; i < total.scalar.len; i++) {
            if (!total.scalar.items[i].value) continue;
            out->scalar[out->nscalar].name = arena_strdup(mem, total.scalar.items[i].name);
            out->scalar[out->nscalar].value = total.scalar.items[i].value;
            out->nscalar++;
        }
        qsort(out->scalar, out->nscalar, sizeof(k8s_scalar_resource), scalar_compare);
    }
    VEC_FREE(&total.scalar);
}

/* Whether a container names a resource in requests or limits (limits become
 * requests by defaulting). Read from `raw`: k8s_resources cannot tell an
 * explicit 0 from an absent key, and upstream's non-zero defaults apply
 * only to absent keys. Called once per pod (pod info creation). */
static bool container_names_resource(const k8s_pod *pod, bool init, uint32_t index,
                                      const char *resource) {
    const json_t *spec = json_object_get(pod->raw, "spec");
    const json_t *list = json_object_get(spec, init ? "initContainers" : "containers");
    const json_t *res = json_object_get(json_array_get(list, index), "resources");
    const json_t *req = json_object_get(json_object_get(res, "requests"), resource);
    const json_t *lim = json_object_get(json_object_get(res, "limits"), resource);
    return (req && !json_is_null(req)) || (lim && !json_is_null(lim));
}

/* applyNonMissing over the container's request list: cpu / memory keys
 * absent from it (spec, and the status lists when they are read) count as
 * 100m / 200Mi. */
static void non_zero_request(const k8s_pod *pod, const k8s_container *c, bool init,
                             uint32_t index, resource_sum *out) {
    actual_request(pod, c, init, index, out);
    const k8s_container_status *cs = status_in_use(pod, c, init);
    bool spec_counts = !cs || !k8s_pod_resize_infeasible(pod);
    bool has_cpu = (spec_counts && container_names_resource(pod, init, index, "cpu")) ||
                   (cs && (cs->requests_cpu || cs->allocated_cpu));
    bool has_memory = (spec_counts && container_names_resource(pod, init, index, "memory")) ||
                      (cs && (cs->requests_memory || cs->allocated_memory));
    if (!has_cpu) out->milli_cpu = DEFAULT_MILLI_CPU_REQUEST;
    if (!has_memory) out->memory = DEFAULT_MEMORY_REQUEST;
}

void k8s_pod_non_zero_requests(const k8s_pod *pod, int64_t *milli_cpu, int64_t *memory) {
    resource_sum total = {0};
    pod_requests_sum(pod, non_zero_request, &total);
    *milli_cpu = total.milli_cpu;
    *memory = total.memory;
    VEC_FREE(&total.scalar);
}

/* ------------------------------------------------------------------ */
/* Decoding                                                             */
/* ------------------------------------------------------------------ */

/* requests[r] = limits[r] for every r in limits but not in requests. */
static void default_requests_from_limits(k8s_decoder *d, const json_t *requests_json,
                                         const json_t *limits_json, k8s_container *c) {
    if (!limits_json) return;
    const k8s_resources *lim = &c->limits;
    k8s_resources *req = &c->requests;
    bool has = requests_json != NULL;
#define MISSING(name) (!has || !json_object_get(requests_json, name) || json_is_null(json_object_get(requests_json, name)))
#define PRESENT(name) (json_object_get(limits_json, name) && !json_is_null(json_object_get(limits_json, name)))
    if (PRESENT("cpu") && MISSING("cpu")) req->milli_cpu = lim->milli_cpu;
    if (PRESENT("memory") && MISSING("memory")) req->memory = lim->memory;
    if (PRESENT("ephemeral-storage") && MISSING("ephemeral-storage"))
        req->ephemeral_storage = lim->ephemeral_storage;
    if (PRESENT("pods") && MISSING("pods")) req->pods = lim->pods;
    uint32_t extra = 0;
    for (uint32_t i = 0; i < lim->nscalar; i++)
        if (MISSING(lim->scalar[i].name)) extra++;
    if (extra) {
        k8s_scalar_resource *merged =
            arena_alloc(d->mem, (req->nscalar + extra) * sizeof(k8s_scalar_resource));
        if (req->nscalar) memcpy(merged, req->scalar, req->nscalar * sizeof(k8s_scalar_resource));
        uint32_t n = req->nscalar;
        for (uint32_t i = 0; i < lim->nscalar; i++)
            if (MISSING(lim->scalar[i].name)) merged[n++] = lim->scalar[i];
        qsort(merged, n, sizeof(k8s_scalar_resource), scalar_compare);
        req->scalar = merged;
        req->nscalar = n;
    }
#undef MISSING
#undef PRESENT
}

static bool decode_ports(k8s_decoder *d, const json_t *v, const char *path, k8s_container *c) {
    char ip[K8S_PATH_MAX], p[K8S_PATH_MAX];
    if (!v) return true;
    size_t n = json_array_size(v);
    if (!n) return true;
    c->ports = arena_zalloc(d->mem, n * sizeof(k8s_container_port));
    for (size_t i = 0; i < n; i++) {
        const json_t *item;
        k8s_container_port *port = &c->ports[i];
        if (!k8s_list_object(d, v, i, path, ip, &item)) return false;
        if (!k8s_get_int32(d, item, "containerPort", ip, NULL, &port->container_port) ||
            !k8s_get_int32(d, item, "hostPort", ip, NULL, &port->host_port) ||
            !k8s_get_string(d, item, "protocol", ip, "TCP", &port->protocol) ||
            !k8s_get_string(d, item, "hostIP", ip, "", &port->host_ip))
            return false;
        if (port->host_port < 0 || port->host_port > 65535)
            return k8s_fail(d, k8s_path_field(p, ip, "hostPort"),
                            "Invalid value: %d: must be between 1 and 65535, inclusive",
                            port->host_port);
        if (!port->protocol[0]) port->protocol = "TCP";
        if (strcmp(port->protocol, "TCP") && strcmp(port->protocol, "UDP") &&
            strcmp(port->protocol, "SCTP"))
            return k8s_fail(d, k8s_path_field(p, ip, "protocol"),
                            "Unsupported value: \"%s\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                            port->protocol);
    }
    c->nports = (uint32_t)n;
    return true;
}

static bool decode_container(k8s_decoder *d, const json_t *v, const char *path, bool init,
                             k8s_container *c) {
    char p[K8S_PATH_MAX], rp[K8S_PATH_MAX];
    const json_t *resources, *requests, *limits, *ports;
    const char *restart_policy;
    memset(c, 0, sizeof(*c));
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    if (!k8s_get_string(d, v, "name", path, "", &c->name) ||
        !k8s_get_string(d, v, "image", path, "", &c->image) ||
        !k8s_get_object(d, v, "resources", path, &resources) ||
        !k8s_get_array(d, v, "ports", path, &ports) ||
        !k8s_get_string(d, v, "restartPolicy", path, "", &restart_policy))
        return false;
    k8s_path_field(rp, path, "resources");
    if (!k8s_get_object(d, resources, "requests", rp, &requests) ||
        !k8s_get_object(d, resources, "limits", rp, &limits))
        return false;
    if (!k8s_decode_resources(d, requests, k8s_path_field(p, rp, "requests"), &c->requests) ||
        !k8s_decode_resources(d, limits, k8s_path_field(p, rp, "limits"), &c->limits))
        return false;
    default_requests_from_limits(d, requests, limits, c);
    if (!decode_ports(d, ports, k8s_path_field(p, path, "ports"), c)) return false;
    if (restart_policy[0]) {
        if (!init || strcmp(restart_policy, "Always") != 0)
            return k8s_fail(d, k8s_path_field(p, path, "restartPolicy"),
                            init ? "Unsupported value: \"%s\": supported values: \"Always\""
                                 : "Forbidden: may not be set for non-init containers (got \"%s\")",
                            restart_policy);
        c->restart_always = true;
    }
    return true;
}

static bool decode_containers(k8s_decoder *d, const json_t *spec, const char *key, bool init,
                              uint32_t *n, k8s_container **out) {
    const json_t *list;
    char p[K8S_PATH_MAX], ip[K8S_PATH_MAX];
    *n = 0;
    *out = NULL;
    if (!k8s_get_array(d, spec, key, "spec", &list)) return false;
    size_t count = list ? json_array_size(list) : 0;
    if (!count) return true;
    k8s_path_field(p, "spec", key);
    *out = arena_zalloc(d->mem, count * sizeof(k8s_container));
    for (size_t i = 0; i < count; i++)
        if (!decode_container(d, json_array_get(list, i), k8s_path_index(ip, p, i), init, &(*out)[i]))
            return false;
    *n = (uint32_t)count;
    return true;
}

static bool decode_spread(k8s_decoder *d, const json_t *list, uint32_t *n,
                          k8s_topology_spread_constraint **out) {
    char ip[K8S_PATH_MAX], p[K8S_PATH_MAX];
    const char *base = "spec.topologySpreadConstraints";
    *n = 0;
    *out = NULL;
    size_t count = list ? json_array_size(list) : 0;
    if (!count) return true;
    k8s_topology_spread_constraint *cs = arena_zalloc(d->mem, count * sizeof(*cs));
    for (size_t i = 0; i < count; i++) {
        const json_t *item;
        k8s_topology_spread_constraint *c = &cs[i];
        const char *when, *affinity_policy, *taints_policy;
        const json_t *keys;
        bool has_min_domains;
        if (!k8s_list_object(d, list, i, base, ip, &item)) return false;
        if (!k8s_get_int32(d, item, "maxSkew", ip, NULL, &c->max_skew) ||
            !k8s_get_string(d, item, "topologyKey", ip, "", &c->topology_key) ||
            !k8s_get_string(d, item, "whenUnsatisfiable", ip, "", &when) ||
            !k8s_decode_label_selector(d, json_object_get(item, "labelSelector"),
                                       k8s_path_field(p, ip, "labelSelector"), &c->label_selector) ||
            !k8s_get_int32(d, item, "minDomains", ip, &has_min_domains, &c->min_domains) ||
            !k8s_get_string(d, item, "nodeAffinityPolicy", ip, "", &affinity_policy) ||
            !k8s_get_string(d, item, "nodeTaintsPolicy", ip, "", &taints_policy) ||
            !k8s_get_array(d, item, "matchLabelKeys", ip, &keys) ||
            !k8s_decode_string_array(d, keys, k8s_path_field(p, ip, "matchLabelKeys"),
                                     &c->nmatch_label_keys, &c->match_label_keys))
            return false;
        if (c->max_skew <= 0)
            return k8s_fail(d, k8s_path_field(p, ip, "maxSkew"),
                            "Invalid value: %d: must be greater than zero", c->max_skew);
        if (!c->topology_key[0])
            return k8s_fail(d, k8s_path_field(p, ip, "topologyKey"),
                            "Required value: can not be empty");
        if (!strcmp(when, "DoNotSchedule")) c->do_not_schedule = true;
        else if (strcmp(when, "ScheduleAnyway") != 0)
            return k8s_fail(d, k8s_path_field(p, ip, "whenUnsatisfiable"),
                            "Unsupported value: \"%s\": supported values: \"DoNotSchedule\", "
                            "\"ScheduleAnyway\"",
                            when);
        if (has_min_domains) {
            if (c->min_domains <= 0)
                return k8s_fail(d, k8s_path_field(p, ip, "minDomains"),
                                "Invalid value: %d: must be greater than zero", c->min_domains);
            if (!c->do_not_schedule)
                return k8s_fail(d, k8s_path_field(p, ip, "minDomains"),
                                "Invalid value: %d: can only use minDomains if "
                                "whenUnsatisfiable=DoNotSchedule",
                                c->min_domains);
        }
        if (!strcmp(affinity_policy, "Ignore")) c->node_affinity_policy_ignore = true;
        else if (affinity_policy[0] && strcmp(affinity_policy, "Honor") != 0)
            return k8s_fail(d, k8s_path_field(p, ip, "nodeAffinityPolicy"),
                            "Unsupported value: \"%s\": supported values: \"Honor\", \"Ignore\"",
                            affinity_policy);
        if (!strcmp(taints_policy, "Honor")) c->node_taints_policy_honor = true;
        else if (taints_policy[0] && strcmp(taints_policy, "Ignore") != 0)
            return k8s_fail(d, k8s_path_field(p, ip, "nodeTaintsPolicy"),
                            "Unsupported value: \"%s\": supported values: \"Honor\", \"Ignore\"",
                            taints_policy);
    }
    *n = (uint32_t)count;
    *out = cs;
    return true;
}

static bool decode_owners(k8s_decoder *d, const json_t *list, k8s_pod *pod) {
    char ip[K8S_PATH_MAX];
    size_t count = list ? json_array_size(list) : 0;
    if (!count) return true;
    pod->owners = arena_zalloc(d->mem, count * sizeof(k8s_owner_reference));
    for (size_t i = 0; i < count; i++) {
        const json_t *item;
        k8s_owner_reference *o = &pod->owners[i];
        if (!k8s_list_object(d, list, i, "metadata.ownerReferences", ip, &item)) return false;
        if (!k8s_get_string(d, item, "kind", ip, "", &o->kind) ||
            !k8s_get_string(d, item, "name", ip, "", &o->name) ||
            !k8s_get_string(d, item, "uid", ip, "", &o->uid) ||
            !k8s_get_bool(d, item, "controller", ip, &o->controller))
            return false;
    }
    pod->nowners = (uint32_t)count;
    return true;
}

/* Reads an optional RFC 3339 timestamp field. */
static bool decode_time(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                        bool *present, int64_t *ns) {
    const char *text;
    char p[K8S_PATH_MAX];
    *ns = 0;
    if (!k8s_get_string(d, obj, key, path, NULL, &text)) return false;
    if (present) *present = text != NULL;
    if (!text) return true;
    if (!k8s_parse_time(text, ns))
        return k8s_fail(d, k8s_path_field(p, path, key),
                        "Invalid value: \"%s\": not an RFC 3339 time", text);
    return true;
}

/* status.conditions[]: type, status, reason. */
static bool decode_conditions(k8s_decoder *d, const json_t *status, k8s_pod *pod) {
    const json_t *list;
    char ip[K8S_PATH_MAX];
    if (!k8s_get_array(d, status, "conditions", "status", &list)) return false;
    size_t count = list ? json_array_size(list) : 0;
    if (!count) return true;
    pod->conditions = arena_zalloc(d->mem, count * sizeof(k8s_pod_condition));
    for (size_t i = 0; i < count; i++) {
        const json_t *item;
        k8s_pod_condition *c = &pod->conditions[i];
        if (!k8s_list_object(d, list, i, "status.conditions", ip, &item)) return false;
        if (!k8s_get_string(d, item, "type", ip, "", &c->type) ||
            !k8s_get_string(d, item, "status", ip, "", &c->status) ||
            !k8s_get_string(d, item, "reason", ip, "", &c->reason))
            return false;
    }
    pod->nconditions = (uint32_t)count;
    return true;
}

static bool has_key(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v);
}

/* status.containerStatuses[] or initContainerStatuses[]: name, resources
 * (requests) and allocatedResources. */
static bool decode_container_statuses(k8s_decoder *d, const json_t *status, const char *key,
                                      uint32_t *n, k8s_container_status **out) {
    const json_t *list;
    char p[K8S_PATH_MAX], ip[K8S_PATH_MAX], rp[K8S_PATH_MAX], fp[K8S_PATH_MAX];
    *n = 0;
    *out = NULL;
    if (!k8s_get_array(d, status, key, "status", &list)) return false;
    size_t count = list ? json_array_size(list) : 0;
    if (!count) return true;
    k8s_path_field(p, "status", key);
    k8s_container_status *all = arena_zalloc(d->mem, count * sizeof(*all));
    for (size_t i = 0; i < count; i++) {
        const json_t *item, *resources, *requests, *allocated;
        k8s_container_status *cs = &all[i];
        if (!k8s_list_object(d, list, i, p, ip, &item)) return false;
        if (!k8s_get_string(d, item, "name", ip, "", &cs->name) ||
            !k8s_get_object(d, item, "resources", ip, &resources) ||
            !k8s_get_object(d, item, "allocatedResources", ip, &allocated))
            return false;
        k8s_path_field(rp, ip, "resources");
        if (!k8s_get_object(d, resources, "requests", rp, &requests) ||
            !k8s_decode_resources(d, requests, k8s_path_field(fp, rp, "requests"),
                                  &cs->requests) ||
            !k8s_decode_resources(d, allocated, k8s_path_field(fp, ip, "allocatedResources"),
                                  &cs->allocated))
            return false;
        cs->has_resources = resources != NULL;
        cs->requests_cpu = has_key(requests, "cpu");
        cs->requests_memory = has_key(requests, "memory");
        cs->allocated_cpu = has_key(allocated, "cpu");
        cs->allocated_memory = has_key(allocated, "memory");
    }
    *n = (uint32_t)count;
    *out = all;
    return true;
}

static bool decode_metadata(k8s_decoder *d, const json_t *obj, k8s_pod *pod) {
    const json_t *meta;
    if (!k8s_get_object(d, obj, "metadata", "", &meta)) return false;
    if (!k8s_get_string(d, meta, "namespace", "metadata", "default", &pod->namespace_) ||
        !k8s_get_string(d, meta, "name", "metadata", "", &pod->name) ||
        !k8s_get_string(d, meta, "uid", "metadata", "", &pod->uid))
        return false;
    if (!pod->namespace_[0]) pod->namespace_ = "default";
    return true;
}

static bool decode_pod_body(k8s_decoder *d, const json_t *obj, k8s_pod *pod) {
    const json_t *meta, *spec, *status, *field, *affinity;
    const char *preemption;
    if (!k8s_get_object(d, obj, "metadata", "", &meta)) return false;
    if (!pod->name[0]) return k8s_fail(d, "metadata.name", "Required value: name is required");
    if (!k8s_decode_string_map(d, json_object_get(meta, "labels"), "metadata.labels", &pod->labels) ||
        !k8s_decode_string_map(d, json_object_get(meta, "annotations"), "metadata.annotations",
                               &pod->annotations) ||
        !decode_time(d, meta, "creationTimestamp", "metadata", NULL, &pod->creation_ns))
        return false;
    int64_t deletion;
    if (!decode_time(d, meta, "deletionTimestamp", "metadata", &pod->deleting, &deletion))
        return false;
    if (!k8s_get_array(d, meta, "ownerReferences", "metadata", &field) || !decode_owners(d, field, pod))
        return false;

    if (!k8s_get_object(d, obj, "spec", "", &spec)) return false;
    if (!k8s_get_string(d, spec, "nodeName", "spec", "", &pod->node_name) ||
        !k8s_get_string(d, spec, "schedulerName", "spec", "default-scheduler", &pod->scheduler_name) ||
        !k8s_get_string(d, spec, "priorityClassName", "spec", "", &pod->priority_class_name) ||
        !k8s_get_int32(d, spec, "priority", "spec", NULL, &pod->priority) ||
        !k8s_get_string(d, spec, "preemptionPolicy", "spec", "", &preemption))
        return false;
    if (!pod->scheduler_name[0]) pod->scheduler_name = "default-scheduler";
    if (!strcmp(preemption, "Never")) pod->preempt_never = true;
    else if (preemption[0] && strcmp(preemption, "PreemptLowerPriority") != 0)
        return k8s_fail(d, "spec.preemptionPolicy",
                        "Unsupported value: \"%s\": supported values: \"Never\", \"PreemptLowerPriority\"",
                        preemption);
    if (!decode_containers(d, spec, "containers", false, &pod->ncontainers, &pod->containers) ||
        !decode_containers(d, spec, "initContainers", true, &pod->ninit_containers,
                           &pod->init_containers))
        return false;
    if (!k8s_get_object(d, spec, "overhead", "spec", &field) ||
        !k8s_decode_resources(d, field, "spec.overhead", &pod->overhead))
        return false;
    if (!k8s_decode_string_map(d, json_object_get(spec, "nodeSelector"), "spec.nodeSelector",
                               &pod->node_selector))
        return false;
    if (!k8s_get_object(d, spec, "affinity", "spec", &affinity)) return false;
    if (affinity) {
        const json_t *node_aff, *pod_aff, *anti_aff;
        if (!k8s_get_object(d, affinity, "nodeAffinity", "spec.affinity", &node_aff) ||
            !k8s_get_object(d, affinity, "podAffinity", "spec.affinity", &pod_aff) ||
            !k8s_get_object(d, affinity, "podAntiAffinity", "spec.affinity", &anti_aff))
            return false;
        if (node_aff) {
            pod->node_affinity = arena_zalloc(d->mem, sizeof(k8s_node_affinity));
            if (!k8s_decode_node_affinity(d, node_aff, "spec.affinity.nodeAffinity", pod->node_affinity))
                return false;
        }
        if (pod_aff) {
            pod->pod_affinity = arena_zalloc(d->mem, sizeof(k8s_pod_affinity));
            if (!k8s_decode_pod_affinity(d, pod_aff, "spec.affinity.podAffinity", pod->pod_affinity))
                return false;
        }
        if (anti_aff) {
            pod->pod_anti_affinity = arena_zalloc(d->mem, sizeof(k8s_pod_affinity));
            if (!k8s_decode_pod_affinity(d, anti_aff, "spec.affinity.podAntiAffinity",
                                         pod->pod_anti_affinity))
                return false;
        }
    }
    if (!k8s_decode_tolerations(d, json_object_get(spec, "tolerations"), "spec.tolerations",
                                &pod->ntolerations, &pod->tolerations))
        return false;
    if (!k8s_get_array(d, spec, "topologySpreadConstraints", "spec", &field) ||
        !decode_spread(d, field, &pod->nspread, &pod->spread))
        return false;
    if (!k8s_get_array(d, spec, "schedulingGates", "spec", &field)) return false;
    size_t ngates = field ? json_array_size(field) : 0;
    if (ngates) {
        char ip[K8S_PATH_MAX];
        pod->scheduling_gates = arena_alloc(d->mem, ngates * sizeof(char *));
        for (size_t i = 0; i < ngates; i++) {
            const json_t *gate;
            if (!k8s_list_object(d, field, i, "spec.schedulingGates", ip, &gate)) return false;
            if (!k8s_get_string(d, gate, "name", ip, "", &pod->scheduling_gates[i])) return false;
        }
        pod->ngates = (uint32_t)ngates;
    }

    if (!k8s_get_object(d, obj, "status", "", &status)) return false;
    if (!k8s_get_string(d, status, "phase", "status", "", &pod->phase) ||
        !k8s_get_string(d, status, "nominatedNodeName", "status", "", &pod->nominated_node_name) ||
        !decode_time(d, status, "startTime", "status", NULL, &pod->start_ns))
        return false;
    if (!decode_conditions(d, status, pod) ||
        !decode_container_statuses(d, status, "containerStatuses", &pod->ncontainer_statuses,
                                   &pod->container_statuses) ||
        !decode_container_statuses(d, status, "initContainerStatuses",
                                   &pod->ninit_container_statuses, &pod->init_container_statuses))
        return false;
    return true;
}

k8s_pod *k8s_pod_decode(json_t *obj, const char *origin, char *err, size_t errsize) {
    char msg[1024];
    k8s_pod *pod = xcalloc(1, sizeof(k8s_pod));
    arena_init(&pod->mem, 4096);
    k8s_decoder d = {&pod->mem, msg, sizeof(msg)};
    msg[0] = 0;
    pod->namespace_ = "default";
    pod->name = "";
    const char *kind = NULL;
    bool ok = json_is_object(obj);
    if (!ok) k8s_fail(&d, "", "a Pod must be an object, got %s", obj ? k8s_json_type_name(obj) : "nothing");
    if (ok) ok = k8s_get_string(&d, obj, "kind", "", NULL, &kind);
    if (ok && kind && strcmp(kind, "Pod") != 0)
        ok = k8s_fail(&d, "kind", "expected \"Pod\", got \"%s\"", kind);
    if (ok) ok = decode_metadata(&d, obj, pod);
    if (ok) ok = decode_pod_body(&d, obj, pod);
    if (!ok) {
        if (err && errsize)
            snprintf(err, errsize, "%s%sPod %s/%s: %s", origin ? origin : "", origin ? ": " : "",
                     pod->namespace_, pod->name[0] ? pod->name : "<unnamed>", msg);
        arena_free(&pod->mem);
        free(pod);
        return NULL;
    }
    pod->raw = json_incref(obj);
    return pod;
}

const json_t *k8s_pod_condition_raw(const k8s_pod *pod, const char *type) {
    const json_t *conds = json_object_get(json_object_get(pod->raw, "status"), "conditions");
    size_t i;
    const json_t *c;
    json_array_foreach(conds, i, c) {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && !strcmp(t, type)) return c;
    }
    return NULL;
}

k8s_pod *k8s_pod_bound(const k8s_pod *unbound, json_t *raw, const char *node) {
    k8s_pod *pod = xmalloc(sizeof(*pod));
    *pod = *unbound;
    arena_init(&pod->mem, 256);
    pod->raw = json_incref(raw);
    pod->node_name = arena_strdup(&pod->mem, node);
    /* the binding sets PodScheduled True (reason and message cleared) in
     * place of the first such condition, or appends it */
    uint32_t n = unbound->nconditions, at = n;
    for (uint32_t i = 0; i < n && at == n; i++)
        if (!strcmp(unbound->conditions[i].type, "PodScheduled")) at = i;
    pod->nconditions = at == n ? n + 1 : n;
    pod->conditions = arena_zalloc(&pod->mem, pod->nconditions * sizeof(k8s_pod_condition));
    if (n) memcpy(pod->conditions, unbound->conditions, n * sizeof(k8s_pod_condition));
    pod->conditions[at] = (k8s_pod_condition){"PodScheduled", "True", ""};
    return pod;
}

void k8s_pod_free(k8s_pod *pod) {
    if (!pod) return;
    json_decref(pod->raw);
    arena_free(&pod->mem);
    free(pod);
}

const char *k8s_normalize_image_name(const char *image, arena *mem) {
    const char *colon = strrchr(image, ':');
    const char *slash = strrchr(image, '/');
    if (!colon || (slash && colon < slash)) return arena_printf(mem, "%s:latest", image);
    return arena_strdup(mem, image);
}
