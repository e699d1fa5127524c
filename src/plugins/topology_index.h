/*
 * topology_index.h — numbering the values of one node label ("topology
 * domains") for a scheduling cycle, so that PodTopologySpread and
 * InterPodAffinity can count pods per domain in plain arrays and find a
 * node's domain in O(1) from its snapshot index inside Filter/Score, instead
 * of hashing label strings per node per call as upstream's maps do.
 *
 * An index is built on the scheduling thread (PreFilter/PreScore) from the
 * snapshot's node list and is read-only afterwards. Memory comes from the
 * cycle arena. Lookups by value (for nodes outside the snapshot, e.g. in
 * tests or for values that appear only in terms) use a small open-addressing
 * hash table of the distinct values.
 */
#ifndef SCHEDLAB_PLUGINS_TOPOLOGY_INDEX_H
#define SCHEDLAB_PLUGINS_TOPOLOGY_INDEX_H

#include <stdint.h>
#include <string.h>

#include "scheduler/framework.h"

#define TOPOLOGY_LABEL_MISSING (-1)   /* the node has no such label */
#define TOPOLOGY_VALUE_UNKNOWN (-2)   /* a value no snapshot node carries */

typedef struct topology_index {
    const char *key;
    uint32_t nnodes;              /* snapshot nodes covered by domain_of_node */
    int32_t *domain_of_node;      /* by sl_node_info.index; TOPOLOGY_LABEL_MISSING */
    uint32_t ndomains;
    const char **domain_value;    /* domain id -> label value */
    uint32_t mask;                /* hash table size - 1 (power of two) */
    int32_t *slots;               /* domain id or -1 */
} topology_index;

static inline uint32_t topology_hash(const char *s) {
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Domain id of `value`, TOPOLOGY_VALUE_UNKNOWN if absent. */
static inline int32_t topology_index_find(const topology_index *ix, const char *value) {
    if (!ix->slots) return TOPOLOGY_VALUE_UNKNOWN;
    for (uint32_t slot = topology_hash(value) & ix->mask;; slot = (slot + 1) & ix->mask) {
        int32_t id = ix->slots[slot];
        if (id < 0) return TOPOLOGY_VALUE_UNKNOWN;
        if (strcmp(ix->domain_value[id], value) == 0) return id;
    }
}

/* Numbers the values of label `key` over the snapshot nodes. */
static inline void topology_index_build(sl_cycle *c, topology_index *ix, const char *key,
                                        sl_node_info *const *nodes, uint32_t nnodes) {
    ix->key = key;
    ix->nnodes = nnodes;
    ix->ndomains = 0;
    ix->domain_of_node = sl_cycle_alloc(c, (nnodes ? nnodes : 1) * sizeof(int32_t));
    ix->domain_value = sl_cycle_alloc(c, (nnodes ? nnodes : 1) * sizeof(const char *));
    uint32_t size = 16;
    while (size < 2 * nnodes) size <<= 1;
    ix->mask = size - 1;
    ix->slots = sl_cycle_alloc(c, size * sizeof(int32_t));
    memset(ix->slots, 0xff, size * sizeof(int32_t));
    for (uint32_t i = 0; i < nnodes; i++) {
        const sl_node_info *node = nodes[i];
        const char *value = k8s_map_get(&node->node->labels, key);
        if (!value) {
            ix->domain_of_node[node->index < nnodes ? node->index : i] = TOPOLOGY_LABEL_MISSING;
            continue;
        }
        uint32_t slot = topology_hash(value) & ix->mask;
        int32_t id;
        for (;; slot = (slot + 1) & ix->mask) {
            id = ix->slots[slot];
            if (id < 0) {
                id = (int32_t)ix->ndomains++;
                ix->domain_value[id] = value;
                ix->slots[slot] = id;
                break;
            }
            if (strcmp(ix->domain_value[id], value) == 0) break;
        }
        ix->domain_of_node[node->index < nnodes ? node->index : i] = id;
    }
}

/* The node's domain: TOPOLOGY_LABEL_MISSING when it lacks the label,
 * TOPOLOGY_VALUE_UNKNOWN for a value no snapshot node had. Node-info copies
 * made for dry runs keep `index` and labels, so the array answers for them
 * too; anything else falls back to a lookup by value. */
static inline int32_t topology_domain_of(const topology_index *ix, const sl_node_info *node) {
    if (LIKELY(node->index < ix->nnodes)) return ix->domain_of_node[node->index];
    const char *value = k8s_map_get(&node->node->labels, ix->key);
    return value ? topology_index_find(ix, value) : TOPOLOGY_LABEL_MISSING;
}

#endif
