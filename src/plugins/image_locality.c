/*
 * image_locality.c — ImageLocality (upstream
 * pkg/scheduler/framework/plugins/imagelocality, v1.28+ behaviour: init
 * containers count too).
 *
 * Score favours nodes that already hold the pod's images. For each init
 * and app container whose image (normalised by appending ":latest" when
 * the name has no tag) is present on the node:
 *     sum += int64(size × numNodesHavingImage / totalNodes)
 * (the spread factor damps "node heating": an image present on few nodes
 * counts little). The sum is clamped to [23 MiB, 1000 MiB × containers]
 * and mapped linearly onto 0..100:
 *     score = 100 × (sum − 23 MiB) / (1000 MiB × containers − 23 MiB).
 * The float product and truncation mirror Go's int64(float64 × float64).
 *
 * No allocation on the Score path: the pod's image name is compared with
 * the node's normalised names as if ":latest" were appended, by a binary
 * search over the node's sorted image list.
 */
#include <string.h>

#include "scheduler/framework.h"

#define MAX_NODE_SCORE 100
#define MIB (1024LL * 1024LL)
#define MIN_THRESHOLD (23 * MIB)
#define MAX_CONTAINER_THRESHOLD (1000 * MIB)

/* True when the image reference carries no tag: its last ':' (if any) comes
 * before its last '/' (a registry port, "host:5000/app"). */
static bool image_needs_latest(const char *image) {
    const char *colon = strrchr(image, ':');
    const char *slash = strrchr(image, '/');
    return !colon || (slash && colon < slash);
}

/* strcmp(image + (":latest" if add_latest), name) without building the string. */
static int compare_normalized(const char *image, bool add_latest, const char *name) {
    const unsigned char *a = (const unsigned char *)image;
    const unsigned char *b = (const unsigned char *)name;
    while (*a && *a == *b) a++, b++;
    if (*a) return (int)*a - (int)*b;
    if (!add_latest) return 0 - (int)*b;
    static const char suffix[] = ":latest";
    const unsigned char *s = (const unsigned char *)suffix;
    while (*s && *s == *b) s++, b++;
    return (int)*s - (int)*b;
}

static const sl_image_state *node_image(const sl_node_info *node, const char *image) {
    bool add_latest = image_needs_latest(image);
    uint32_t lo = 0, hi = node->nimages;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int cmp = compare_normalized(image, add_latest, node->images[mid]->name);
        if (cmp == 0) return node->images[mid];
        if (cmp < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

static int64_t scaled_image_score(const sl_image_state *state, uint32_t total_nodes) {
    double spread = (double)state->num_nodes / (double)total_nodes;
    return (int64_t)((double)state->size_bytes * spread);
}

static int64_t containers_image_sum(const k8s_container *containers, uint32_t n,
                                    const sl_node_info *node, uint32_t total_nodes) {
    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        const sl_image_state *state = node_image(node, containers[i].image);
        if (state) sum += scaled_image_score(state, total_nodes);
    }
    return sum;
}

/* The score for a sum of scaled image sizes. */
static int64_t score_from_sum(const k8s_pod *kp, int64_t sum) {
    int64_t max_threshold = MAX_CONTAINER_THRESHOLD * (int64_t)(kp->ninit_containers + kp->ncontainers);
    if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD;
    else if (sum > max_threshold) sum = max_threshold;
    /* max_threshold > MIN_THRESHOLD whenever the pod has a container; a
     * container-less pod (rejected by API validation) scores 0. */
    return max_threshold > MIN_THRESHOLD
               ? MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
               : 0;
}

static int64_t node_image_score(const k8s_pod *kp, const sl_node_info *node,
                                uint32_t total_nodes) {
    int64_t sum = 0;
    if (node->nimages > 0 && total_nodes > 0) {
        sum += containers_image_sum(kp->init_containers, kp->ninit_containers, node, total_nodes);
        sum += containers_image_sum(kp->containers, kp->ncontainers, node, total_nodes);
    }
    return score_from_sum(kp, sum);
}

static sl_status image_locality_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                      const sl_node_info *node, int64_t *score) {
    *score = node_image_score(pod->pod, node, sl_snapshot_num_nodes(sl_cycle_snapshot(c)));
    return SL_STATUS_SUCCESS;
}

/* Batch form (framework.h): the node count is looked up once per chunk,
 * and the score of a node without images (sum 0: the same for all of
 * them, usually most nodes) is computed once. */
static sl_status image_locality_score_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                            sl_node_info *const *nodes, uint32_t n,
                                            sl_node_score *out, uint32_t *failed_at) {
    uint32_t total_nodes = sl_snapshot_num_nodes(sl_cycle_snapshot(c));
    int64_t imageless = score_from_sum(pod->pod, 0);
    for (uint32_t i = 0; i < n; i++)
        out[i].score = nodes[i]->nimages > 0 ? node_image_score(pod->pod, nodes[i], total_nodes)
                                             : imageless;
    return SL_STATUS_SUCCESS;
}

static const sl_plugin_ops image_locality_ops = {
    .name = "ImageLocality",
    .score = image_locality_score,
    .score_nodes = image_locality_score_nodes,
};

const sl_plugin_registration sl_plugin_ImageLocality = {"ImageLocality", &image_locality_ops, NULL};
