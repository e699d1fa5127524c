/* libFuzzer target: documents (yaml.c) and the Pod / Node decoders
 * (pod.c, node.c, selector.c) on whatever objects come out, plus the
 * request formulas and selector matching on the decoded objects. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 64 * 1024) return 0;
    char err[1024];
    json_t *single = k8s_parse_document((const char *)data, size, "fuzz", err, sizeof(err));
    json_decref(single);
    json_t *docs = k8s_parse_documents((const char *)data, size, "fuzz", err, sizeof(err));
    if (!docs) return 0;
    size_t i;
    json_t *obj;
    k8s_node *first_node = NULL;
    arena mem;
    arena_init(&mem, 1024);
    json_array_foreach(docs, i, obj) {
        /* decode every object both ways, whatever its kind says */
        json_object_del(obj, "kind");
        k8s_node *node = k8s_node_decode(obj, "fuzz", err, sizeof(err));
        if (node) {
            if (!first_node) first_node = node;
            else k8s_node_free(node);
        }
        k8s_pod *pod = k8s_pod_decode(obj, "fuzz", err, sizeof(err));
        if (pod) {
            k8s_resources r;
            int64_t cpu, memory;
            k8s_pod_requests(pod, &mem, &r);
            k8s_pod_non_zero_requests(pod, &cpu, &memory);
            (void)k8s_pod_terminating_by_preemption(pod);
            (void)k8s_pod_resize_infeasible(pod);
            for (uint32_t c = 0; c < pod->ncontainers; c++)
                k8s_normalize_image_name(pod->containers[c].image, &mem);
            if (first_node) {
                k8s_pod_matches_node_selector_and_affinity(pod, first_node);
                for (uint32_t t = 0; t < first_node->ntaints; t++)
                    k8s_tolerations_tolerate(pod->tolerations, pod->ntolerations,
                                             &first_node->taints[t]);
                if (pod->node_affinity)
                    for (uint32_t p = 0; p < pod->node_affinity->npreferred; p++)
                        k8s_node_selector_term_matches(&pod->node_affinity->preferred[p].preference,
                                                       first_node);
                for (uint32_t s = 0; s < pod->nspread; s++)
                    k8s_label_selector_matches(&pod->spread[s].label_selector, &first_node->labels);
            }
            k8s_pod_free(pod);
        }
        arena_reset(&mem);
    }
    k8s_node_free(first_node);
    arena_free(&mem);
    json_decref(docs);
    return 0;
}
