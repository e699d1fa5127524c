/*
 * resources.c — the table of served resources (store.h sl_resource): group,
 * version, plural, kind, scope, shortNames and categories as upstream's
 * discovery documents them.
 */
#include <stdio.h>
#include <string.h>

#include "store/store.h"

#define R(id_, g, v, n, s, k, ns, st, sn1, sn2, cat, storage_)                           \
    [id_] = {.id = id_, .group = g, .version = v, .name = n, .singular = s, .kind = k,    \
             .namespaced = ns, .has_status = st, .short_names = {sn1, sn2, NULL},        \
             .categories = {cat, NULL}, .storage = storage_}

static const sl_resource resources[SL_RES_COUNT] = {
    R(SL_RES_NAMESPACES, "", "v1", "namespaces", "namespace", "Namespace", false, true, "ns", NULL, NULL, SL_RES_NAMESPACES),
    R(SL_RES_NODES, "", "v1", "nodes", "node", "Node", false, true, "no", NULL, NULL, SL_RES_NODES),
    R(SL_RES_PODS, "", "v1", "pods", "pod", "Pod", true, true, "po", NULL, "all", SL_RES_PODS),
    R(SL_RES_EVENTS, "", "v1", "events", "event", "Event", true, false, "ev", NULL, NULL, SL_RES_EVENTS),
    R(SL_RES_SERVICES, "", "v1", "services", "service", "Service", true, true, "svc", NULL, "all", SL_RES_SERVICES),
    R(SL_RES_CONFIGMAPS, "", "v1", "configmaps", "configmap", "ConfigMap", true, false, "cm", NULL, NULL, SL_RES_CONFIGMAPS),
    R(SL_RES_SECRETS, "", "v1", "secrets", "secret", "Secret", true, false, NULL, NULL, NULL, SL_RES_SECRETS),
    R(SL_RES_SERVICEACCOUNTS, "", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, false, "sa", NULL, NULL, SL_RES_SERVICEACCOUNTS),
    R(SL_RES_REPLICATIONCONTROLLERS, "", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", true, true, "rc", NULL, "all", SL_RES_REPLICATIONCONTROLLERS),
    R(SL_RES_PERSISTENTVOLUMES, "", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, true, "pv", NULL, NULL, SL_RES_PERSISTENTVOLUMES),
    R(SL_RES_PERSISTENTVOLUMECLAIMS, "", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, true, "pvc", NULL, NULL, SL_RES_PERSISTENTVOLUMECLAIMS),
    R(SL_RES_ENDPOINTS, "", "v1", "endpoints", "endpoints", "Endpoints", true, false, "ep", NULL, NULL, SL_RES_ENDPOINTS),
    R(SL_RES_REPLICASETS, "apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, true, "rs", NULL, "all", SL_RES_REPLICASETS),
    R(SL_RES_STATEFULSETS, "apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, true, "sts", NULL, "all", SL_RES_STATEFULSETS),
    R(SL_RES_DEPLOYMENTS, "apps", "v1", "deployments", "deployment", "Deployment", true, true, "deploy", NULL, "all", SL_RES_DEPLOYMENTS),
    R(SL_RES_DAEMONSETS, "apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, true, "ds", NULL, "all", SL_RES_DAEMONSETS),
    R(SL_RES_PODDISRUPTIONBUDGETS, "policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, true, "pdb", NULL, NULL, SL_RES_PODDISRUPTIONBUDGETS),
    R(SL_RES_PRIORITYCLASSES, "scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, false, "pc", NULL, NULL, SL_RES_PRIORITYCLASSES),
    R(SL_RES_LEASES, "coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false, NULL, NULL, NULL, SL_RES_LEASES),
    R(SL_RES_ROLES, "rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, false, NULL, NULL, NULL, SL_RES_ROLES),
    R(SL_RES_ROLEBINDINGS, "rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, false, NULL, NULL, NULL, SL_RES_ROLEBINDINGS),
    R(SL_RES_CLUSTERROLES, "rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, false, NULL, NULL, NULL, SL_RES_CLUSTERROLES),
    R(SL_RES_CLUSTERROLEBINDINGS, "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, false, NULL, NULL, NULL, SL_RES_CLUSTERROLEBINDINGS),
    R(SL_RES_EVENTS_V1, "events.k8s.io", "v1", "events", "event", "Event", true, false, "ev", NULL, NULL, SL_RES_EVENTS),
};

const sl_resource *sl_resource_get(sl_resource_id id) {
    return (unsigned)id < SL_RES_COUNT ? &resources[id] : NULL;
}

const sl_resource *sl_resource_find(const char *group, const char *version, const char *name) {
    for (int i = 0; i < SL_RES_COUNT; i++) {
        const sl_resource *r = &resources[i];
        if (!strcmp(r->group, group) && !strcmp(r->version, version) && !strcmp(r->name, name))
            return r;
    }
    return NULL;
}

const sl_resource *sl_resource_by_kind(const char *api_version, const char *kind) {
    if (!api_version || !kind) return NULL;
    const char *slash = strchr(api_version, '/');
    for (int i = 0; i < SL_RES_COUNT; i++) {
        const sl_resource *r = &resources[i];
        if (strcmp(r->kind, kind) != 0) continue;
        if (slash) {
            size_t glen = (size_t)(slash - api_version);
            if (strlen(r->group) == glen && !strncmp(r->group, api_version, glen) &&
                !strcmp(r->version, slash + 1))
                return r;
        } else if (!r->group[0] && !strcmp(r->version, api_version)) {
            return r;
        }
    }
    return NULL;
}

const char *sl_resource_api_version(const sl_resource *res, char *buf, size_t size) {
    if (res->group[0]) snprintf(buf, size, "%s/%s", res->group, res->version);
    else snprintf(buf, size, "%s", res->version);
    return buf;
}
