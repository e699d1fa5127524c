/*
 * waiting_pods.c — pods waiting at Permit (waiting_pods.h): their handle as
 * plugins see it (framework.h: sl_waiting_pod_*, sl_framework_waiting_pod,
 * sl_framework_reject_waiting_pod). Decisions are only recorded here; the
 * scheduling loop acts on them once the current plugin call's cycle is
 * over (schedule_one.c).
 */
#include <stdlib.h>
#include <string.h>

#include "scheduler/waiting_pods.h"

waiting_pod *sched_waiting_pod_new(struct pod_record *rec, sl_pod_info *const *info,
                                   sl_framework *fw, sl_cycle *c, const char *node,
                                   const sl_permit_wait *waits, uint32_t nwaits,
                                   const char *wait_plugin, int64_t timeout_ms, int64_t now_ns,
                                   int64_t attempt_start_ns) {
    waiting_pod *w = xcalloc(1, sizeof(*w));
    w->rec = rec;
    w->info = info;
    w->fw = fw;
    w->cycle = c;
    w->node = xstrdup(node);
    w->npending = nwaits;
    for (uint32_t i = 0; i < nwaits; i++) {
        w->pending[i].name = waits[i].plugin;
        w->pending[i].timeout_ms = waits[i].timeout_ms;
        w->pending[i].deadline_ns = now_ns + waits[i].timeout_ms * 1000000LL;
        w->pending_names[i] = waits[i].plugin;
    }
    w->plugin = wait_plugin;
    w->timeout_ms = timeout_ms;
    w->deadline_ns = now_ns + timeout_ms * 1000000LL;
    w->attempt_start_ns = attempt_start_ns;
    return w;
}

const sl_pod_info *sl_waiting_pod_info(const sl_waiting_pod *w) { return *w->info; }
const char *sl_waiting_pod_node(const sl_waiting_pod *w) { return w->node; }

uint32_t sl_waiting_pod_pending_plugins(const sl_waiting_pod *w, const char *const **out) {
    *out = w->pending_names;
    return w->npending;
}

/* upstream waitingPod.Allow: the plugin's timer stops; the last one to
 * allow lets the pod through. A decided pod stays decided. */
void sl_waiting_pod_allow(sl_waiting_pod *w, const char *plugin) {
    if (plugin) {
        for (uint32_t i = 0; i < w->npending; i++) {
            if (strcmp(w->pending[i].name, plugin) != 0) continue;
            w->npending--;
            memmove(&w->pending[i], &w->pending[i + 1], (w->npending - i) * sizeof(w->pending[0]));
            memmove(&w->pending_names[i], &w->pending_names[i + 1],
                    (w->npending - i) * sizeof(w->pending_names[0]));
            break;
        }
    }
    /* The next deadline: the earliest of the plugins still pending (ties:
     * the earlier plugin). */
    for (uint32_t i = 0; i < w->npending; i++) {
        if (i == 0 || w->pending[i].deadline_ns < w->deadline_ns) {
            w->deadline_ns = w->pending[i].deadline_ns;
            w->timeout_ms = w->pending[i].timeout_ms;
            w->plugin = w->pending[i].name;
        }
    }
    if (w->npending == 0 && w->decision == WAITING_UNDECIDED) w->decision = WAITING_ALLOWED;
}

/* upstream waitingPod.Reject: Unschedulable with the message, attributed
 * to the plugin. The first decision wins. */
void sl_waiting_pod_reject(sl_waiting_pod *w, const char *plugin, const char *message) {
    if (w->decision != WAITING_UNDECIDED) return;
    w->decision = WAITING_REJECTED;
    w->reject_plugin = plugin && plugin[0] ? xstrdup(plugin) : NULL;
    w->reject_message = xstrdup(message ? message : "");
}

void sched_waiting_pod_free(waiting_pod *w) {
    free(w->node);
    free(w->reject_plugin);
    free(w->reject_message);
    free(w);
}

/* upstream GetWaitingPod: by UID; schedlab also accepts "namespace/name". */
sl_waiting_pod *sl_framework_waiting_pod(sl_framework *fw, const char *pod_uid_or_key) {
    sl_waiting_pod *const *pods;
    uint32_t n = sl_framework_waiting_pods(fw, &pods);
    if (!pod_uid_or_key || !pod_uid_or_key[0]) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        const k8s_pod *pod = sl_waiting_pod_info(pods[i])->pod;
        if (pod->uid && strcmp(pod->uid, pod_uid_or_key) == 0) return pods[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        const k8s_pod *pod = sl_waiting_pod_info(pods[i])->pod;
        const char *ns = pod->namespace_ ? pod->namespace_ : "default";
        size_t len = strlen(ns);
        if (strncmp(pod_uid_or_key, ns, len) == 0 && pod_uid_or_key[len] == '/' &&
            strcmp(pod_uid_or_key + len + 1, pod->name) == 0)
            return pods[i];
    }
    return NULL;
}

bool sl_framework_reject_waiting_pod(sl_framework *fw, const char *pod_uid_or_key) {
    sl_waiting_pod *w = sl_framework_waiting_pod(fw, pod_uid_or_key);
    if (!w) return false;
    sl_waiting_pod_reject(w, NULL, "removed");
    return true;
}

