/*
 * cache.h — the scheduler cache (between the cluster source and the
 * cycles): turns cluster events into
 * the scheduler's compact per-node view (sl_node_info) and hands each cycle a
 * cheap snapshot. Pods placed by a cycle are "assumed" here between Reserve
 * and the bind result, so the next cycle already sees them.
 *
 * Snapshot node order follows upstream's node tree: nodes are interleaved
 * across zones (label failure-domain.beta.kubernetes.io/zone, then
 * topology.kubernetes.io/zone, likewise for the region, as upstream's
 * GetZoneKey; region+zone as the key), zones in
 * order of first appearance, nodes in each zone in arrival order — so the
 * round-robin start index and percentageOfNodesToScore cut behave as
 * upstream.
 *
 * Snapshots are incremental: each node info carries a generation; updating
 * a snapshot copies only node infos changed since its last update. The
 * cache is not internally locked: the scheduler serialises access (one
 * scheduling thread plus event delivery under the scheduler's lock).
 */
#ifndef SCHEDLAB_CACHE_H
#define SCHEDLAB_CACHE_H

#include "k8s/k8s.h"
#include "scheduler/framework.h"

/* Per-pod precomputation (requests, host ports, affinity flags). The info
 * borrows `pod` (owned by the cluster source) and nothing else of it: its
 * requests and host ports are copies, so info->pod may be moved to a later
 * version of the pod and the earlier one freed. */
sl_pod_info *sl_pod_info_new(k8s_pod *pod);
void sl_pod_info_free(sl_pod_info *info);

typedef struct sl_cache sl_cache;

sl_cache *sl_cache_new(void);
void sl_cache_free(sl_cache *cache);   /* frees the node infos and the pod infos it owns */

void sl_cache_add_node(sl_cache *cache, k8s_node *node);
void sl_cache_update_node(sl_cache *cache, k8s_node *old, k8s_node *node);
void sl_cache_remove_node(sl_cache *cache, const k8s_node *node);
uint32_t sl_cache_num_nodes(const sl_cache *cache);

/* Pods with spec.nodeName set. The cache takes ownership of `info`. A pod
 * whose node is not (yet) known is kept and attached when the node arrives. */
void sl_cache_add_pod(sl_cache *cache, sl_pod_info *info);
void sl_cache_update_pod(sl_cache *cache, k8s_pod *old, k8s_pod *pod);
void sl_cache_remove_pod(sl_cache *cache, const k8s_pod *pod);
/* The info of a pod the cache holds (assigned or assumed), NULL if none. */
sl_pod_info *sl_cache_find_pod(const sl_cache *cache, const k8s_pod *pod);

/* Assume: the pod is treated as running on node_name until forgotten or
 * confirmed by an add_pod/update_pod with that nodeName. The cache does NOT
 * take ownership of an assumed info: the queue keeps it; on confirmation the
 * cache creates its own. */
void sl_cache_assume_pod(sl_cache *cache, sl_pod_info *info, const char *node_name);
void sl_cache_forget_pod(sl_cache *cache, sl_pod_info *info);
bool sl_cache_is_assumed(const sl_cache *cache, const k8s_pod *pod);

/* Namespace objects: the cache keeps a copy of each one's labels, which
 * snapshots expose through sl_snapshot_namespace_labels (framework.h). A
 * namespace the cache has no object for has no labels (NULL). Set replaces
 * an earlier object of the same name (ADDED or MODIFIED). */
void sl_cache_set_namespace(sl_cache *cache, const k8s_namespace *ns);
void sl_cache_remove_namespace(sl_cache *cache, const char *name);

/* PodDisruptionBudgets (for DefaultPreemption) and the objects that make
 * PodTopologySpread's default selector: Services, ReplicationControllers,
 * ReplicaSets, StatefulSets. Decoded once here from the object's JSON
 * (selectors compiled); snapshots share them (sl_snapshot_pdbs,
 * sl_snapshot_default_spread_selector in framework.h). Set replaces an
 * earlier object of the same kind, namespace and name. */
typedef enum sl_cache_object_kind {
    SL_CACHE_PDB,
    SL_CACHE_SERVICE,
    SL_CACHE_REPLICATION_CONTROLLER,
    SL_CACHE_REPLICA_SET,
    SL_CACHE_STATEFUL_SET,
} sl_cache_object_kind;
void sl_cache_set_object(sl_cache *cache, sl_cache_object_kind kind, const json_t *obj);
void sl_cache_remove_object(sl_cache *cache, sl_cache_object_kind kind, const char *namespace_,
                            const char *name);

/* Node-info copies for dry runs (framework.h's sl_node_info_clone & co.,
 * which cycle.c builds on these with the cycle's arenas): the copy and
 * every array it grows come from `alloc` and are never freed one by one.
 * Add/remove refuse (abort) a node info that is not such a copy. */
typedef void *(*sl_alloc_fn)(void *ctx, size_t size);
sl_node_info *sl_node_info_copy(const sl_node_info *node, sl_alloc_fn alloc, void *ctx);
void sl_node_info_copy_remove_pod(sl_node_info *copy, const sl_pod_info *pod, sl_alloc_fn alloc,
                                  void *ctx);
void sl_node_info_copy_add_pod(sl_node_info *copy, sl_pod_info *pod, sl_alloc_fn alloc,
                               void *ctx);

/* Snapshots. */
sl_snapshot *sl_snapshot_new(void);
void sl_snapshot_free(sl_snapshot *snap);
void sl_cache_update_snapshot(sl_cache *cache, sl_snapshot *snap);

#endif
