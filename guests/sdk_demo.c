/*
 * sdk_demo.c — a C guest that uses every part of the guest SDK
 * (sdk/c/schedlab_guest.h); the SDK's ABI tests (tests/unit/test_wasm_guests.c)
 * drive it, and it is a template for new plugins.
 *
 * Behaviour (guestConfig: `{"zone":"<z>"}`-style text is not parsed; the
 * config string itself is the preferred label value):
 *   prefilter      keeps only nodes listed in the pod annotation
 *                  `demo/nodes` ("a,b,c"), when present; logs the pod
 *   filter         Unschedulable when the node (looked up by name through
 *                  k8s.io/api.node) is unschedulable or has a NoSchedule taint
 *                  the pod does not tolerate
 *   prescore       Skip when fewer than 2 nodes passed Filter; logs how
 *                  many nodes the cluster has (k8s.io/api.nodeList)
 *   score          100 when node label `zone` equals guestConfig, else the
 *                  node's allocatable cpu in cores (capped at 99)
 *   normalizescore every score halved
 *   reserve        Error "reserve refused" for node `refuse-reserve`
 *   permit         Wait 1500 ms for pods labelled `demo/wait`
 *   postfilter     nominates the first node with status 2 (Unschedulable)
 *   bind           Skip (leaves binding to DefaultBinder)
 *   enqueue        Node Add and Pod Delete events
 */
#include <stdio.h>
#include <string.h>

#include "schedlab_guest.h"

static char config[128];

static void init(void) {
    sl_str_copy(sl_config(), config, sizeof(config));
    sl_log(SL_KLOG_INFO, "sdk_demo: config %s", config[0] ? config : "(none)");
}

static int32_t prefilter(void) {
    sl_msg pod = sl_current_pod();
    sl_log_kv(SL_KLOG_INFO, "prefilter", "pod", sl_str_copy(sl_pod_name(pod), (char[64]){0}, 64), NULL);
    sl_str list;
    if (!sl_pod_annotation(pod, "demo/nodes", &list)) return SL_CODE_SUCCESS;
    size_t start = 0;
    for (size_t i = 0; i <= list.len; i++)
        if (i == list.len || list.ptr[i] == ',') {
            sl_str name = {list.ptr + start, i - start};
            sl_prefilter_add_node(name);
            start = i + 1;
        }
    return SL_CODE_SUCCESS;
}

static bool tolerated(sl_msg pod, const sl_taint *t) {
    sl_msg_iter it = sl_pod_tolerations(pod);
    sl_toleration tol;
    while (sl_pod_next_toleration(&it, &tol))
        if (tol.key.len == t->key.len && memcmp(tol.key.ptr, t->key.ptr, t->key.len) == 0)
            return true;
    return false;
}

static int32_t filter(void) {
    sl_str name = sl_current_node_name();
    sl_msg node = sl_node(name);
    if (!node.len) return sl_status(SL_CODE_ERROR, "node %.*s not found", SL_STR_ARG(name));
    if (sl_node_unschedulable(node))
        return sl_status(SL_CODE_UNSCHEDULABLE, "node %.*s is unschedulable", SL_STR_ARG(name));
    sl_msg_iter it = sl_node_taints(node);
    sl_taint t;
    sl_msg pod = sl_current_pod();
    while (sl_node_next_taint(&it, &t))
        if (sl_str_eq(t.effect, "NoSchedule") && !tolerated(pod, &t))
            return sl_status(SL_CODE_UNSCHEDULABLE, "untolerated taint %.*s", SL_STR_ARG(t.key));
    return SL_CODE_SUCCESS;
}

static int32_t prescore(void) {
    sl_json_iter it;
    sl_str n;
    int count = 0;
    if (sl_filtered_nodes_begin(&it))
        while (sl_filtered_nodes_next(&it, &n)) count++;
    sl_log(SL_KLOG_INFO, "prescore: %d filtered of %zu nodes", count,
           sl_msg_count(sl_node_list(), 2));
    return count < 2 ? SL_CODE_SKIP : SL_CODE_SUCCESS;
}

static int32_t score(int32_t *out) {
    sl_msg node = sl_node(sl_current_node_name());
    sl_str zone;
    if (config[0] && sl_node_label(node, "zone", &zone) && sl_str_eq(zone, config)) {
        *out = 100;
        return SL_CODE_SUCCESS;
    }
    int64_t cpu = 0;
    sl_node_allocatable_milli(node, "cpu", &cpu);
    *out = (int32_t)(cpu / 1000 > 99 ? 99 : cpu / 1000);
    return SL_CODE_SUCCESS;
}

static int32_t normalize(void) {
    sl_json_iter it;
    sl_str name;
    int64_t v;
    if (sl_node_scores_begin(&it))
        while (sl_json_object_next(&it, &name, &v)) sl_normalized_score(name, v / 2);
    return SL_CODE_SUCCESS;
}

static int32_t reserve(void) {
    if (sl_str_eq(sl_current_node_name(), "refuse-reserve"))
        return sl_status(SL_CODE_ERROR, "reserve refused");
    return SL_CODE_SUCCESS;
}

static void unreserve(void) { sl_log(SL_KLOG_INFO, "unreserve"); }

static int32_t permit(uint32_t *timeout_ms) {
    sl_str v;
    if (sl_pod_label(sl_current_pod(), "demo/wait", &v)) {
        *timeout_ms = 1500;
        return sl_status(SL_CODE_WAIT, "waiting");
    }
    return SL_CODE_SUCCESS;
}

static int32_t postfilter(int32_t *mode, sl_str *nominated) {
    static char first[256];
    sl_json_iter it;
    sl_str name;
    int64_t code;
    if (sl_node_status_map_begin(&it))
        while (sl_json_object_next(&it, &name, &code))
            if (code == SL_CODE_UNSCHEDULABLE) {
                *nominated = sl_str_of(sl_str_copy(name, first, sizeof(first)));
                *mode = 1;
                return SL_CODE_SUCCESS;
            }
    return sl_status(SL_CODE_UNSCHEDULABLE, "nothing to nominate");
}

static int32_t bind(void) { return SL_CODE_SKIP; }

static void enqueue(void) {
    sl_enqueue_event(SL_GVK_NODE, SL_ACTION_ADD);
    sl_enqueue_event(SL_GVK_POD, SL_ACTION_DELETE);
}

SL_GUEST_INIT(init)
SL_GUEST_PREFILTER(prefilter)
SL_GUEST_FILTER(filter)
SL_GUEST_PRESCORE(prescore)
SL_GUEST_SCORE(score)
SL_GUEST_NORMALIZE_SCORE(normalize)
SL_GUEST_RESERVE(reserve)
SL_GUEST_UNRESERVE(unreserve)
SL_GUEST_PERMIT(permit)
SL_GUEST_POSTFILTER(postfilter)
SL_GUEST_BIND(bind)
SL_GUEST_ENQUEUE(enqueue)
