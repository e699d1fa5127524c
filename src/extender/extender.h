/*
 * extender.h — scheduler extenders: the upstream HTTP/JSON webhook protocol
 * (pkg/scheduler/extender.go, k8s.io/kube-scheduler/extender/v1), driven by
 * the `extenders:` list of a KubeSchedulerConfiguration. This is the
 * scheduler's client side; reference/kube-scheduler.md §4 has the facts.
 *
 * One sl_extender per config entry. Each verb is one `POST
 * <urlPrefix>/<verb>` with a JSON body whose keys are upstream's Go field
 * names (PascalCase: Pod, Nodes, NodeNames, ...; Pod and Node objects are
 * the objects' own JSON, taken from the k8s layer's `raw`). Replies are
 * decoded as Go's encoding/json does: keys matched case-insensitively (the
 * last matching key wins), only the first JSON value read, `null` = zero
 * value. Any HTTP status but 200 is an error.
 * Filter replies of the common shape (NodeNames / failure maps / Error
 * with plain strings) are read by a small scanner without building a JSON
 * tree; anything else goes through jansson (same results, fuzzed).
 *
 * Transport: libcurl, one pool of easy handles per extender (a handle is
 * taken for a call and given back), so connections are kept alive and
 * reused across pods; threads that call at the same time (prioritize
 * fan-out) get different handles. httpTimeout bounds each whole request.
 * enableHTTPS + tlsConfig: real TLS; without a CA (caFile/caData) the
 * server certificate is not verified, as upstream; certData/keyData/caData
 * (base64 in the config) take precedence over the file fields and are
 * handed to libcurl as private temporary files (in-memory certificates
 * depend on libcurl's TLS backend); serverName is used for SNI and
 * verification (the URL's host is still where the connection goes).
 *
 * The sl_extenders_* functions are upstream's scheduler-side loops
 * (findNodesThatPassExtenders, the extender half of prioritizeNodes,
 * extendersBinding, Evaluator.callExtenders) with upstream's semantics for
 * order, ignorable, managedResources and errors; the scheduler and
 * DefaultPreemption call them with the framework's extender list
 * (sl_framework_extenders). They report every call to the results
 * recorder (sl_recorder.extender) when one is given.
 *
 * Threads: an sl_extender may be used from several threads at once.
 */
#ifndef SCHEDLAB_EXTENDER_H
#define SCHEDLAB_EXTENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "scheduler/config.h"
#include "scheduler/framework.h"

/* sl_extender is declared in framework.h (the framework's handle lists them). */

/* Builds the client for one config entry (TLS files are read here).
 * Returns NULL with a message naming the extender on failure. */
sl_extender *sl_extender_new(const sl_extender_config *cfg, char *err, size_t errsize);
void sl_extender_free(sl_extender *e);

/* upstream Name(): the urlPrefix. */
const char *sl_extender_name(const sl_extender *e);
bool sl_extender_is_ignorable(const sl_extender *e);
bool sl_extender_is_binder(const sl_extender *e);
bool sl_extender_is_filter(const sl_extender *e);
bool sl_extender_is_prioritizer(const sl_extender *e);
bool sl_extender_supports_preemption(const sl_extender *e);
bool sl_extender_node_cache_capable(const sl_extender *e);
/* upstream IsInterested: no managedResources, or some container or init
 * container requests or limits one of them. */
bool sl_extender_is_interested(const sl_extender *e, const sl_pod_info *pod);

/* Calls made so far and their total wall time (all verbs, all threads). */
void sl_extender_stats(const sl_extender *e, uint64_t *calls, int64_t *total_ns);

/* ---- one verb, one HTTP call ---- */

typedef struct sl_extender_failed_node {
    const char *node;
    const char *reason;
    bool unresolvable;            /* from FailedAndUnresolvableNodes */
    const sl_node_info *info;     /* the snapshot's node, NULL when unknown */
} sl_extender_failed_node;

typedef struct sl_extender_filter_result {
    uint32_t nfeasible;
    sl_node_info **feasible;      /* cycle memory; a subset of the request's nodes */
    uint32_t nfailed;
    sl_extender_failed_node *failed; /* cycle memory */
} sl_extender_filter_result;

/* Filter `nodes`. Success, or Error with the reason (transport, HTTP code,
 * bad JSON, the reply's Error, a NodeNames entry that was not asked). An
 * extender without filterVerb returns the nodes unchanged. `answer`, when
 * not NULL, receives the decoded reply (new reference, NULL if none). */
sl_status sl_extender_filter(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                             sl_node_info *const *nodes, uint32_t n,
                             sl_extender_filter_result *out, json_t **answer);
/* Prioritize: scores[i] = the extender's score for nodes[i] (0 when not
 * listed; unscaled). */
sl_status sl_extender_prioritize(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *scores,
                                 json_t **answer);
/* Bind (ExtenderBindingArgs). */
sl_status sl_extender_bind(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                           const char *node_name, json_t **answer);

/* A preemption candidate: a node and the pods to evict there. */
typedef struct sl_preemption_candidate {
    const sl_node_info *node;
    uint32_t nvictims;
    sl_pod_info **victims;
    int64_t num_pdb_violations;   /* victims whose eviction violates a PDB */
} sl_preemption_candidate;

/* ProcessPreemption: sends the candidates (NodeNameToVictims, or
 * NodeNameToMetaVictims when nodeCacheCapable) and replaces them with the
 * reply's NodeNameToMetaVictims, UIDs mapped back to the pods on each node
 * (cycle memory; candidate order kept). */
sl_status sl_extender_process_preemption(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                                         sl_preemption_candidate *cands, uint32_t *ncands);

/* ---- upstream's loops over every extender ---- */

/* findNodesThatPassExtenders: filters in config order over the survivors
 * of the previous one, skipping uninterested ones and stopping when no
 * node is left. Failed nodes get statuses in `statuses` (reasons appended
 * to a status already there; FailedAndUnresolvableNodes first and taking
 * precedence), attributed to the pseudo-plugin "extender". An error from
 * an ignorable extender skips it; any other error is returned (Error). */
sl_status sl_extenders_filter(sl_extender *const *list, uint32_t n, sl_cycle *c,
                              const sl_pod_info *pod, sl_node_info **feasible,
                              uint32_t *nfeasible, sl_node_status_map *statuses,
                              const sl_recorder *recorder);
/* Adds score × weight × (MaxNodeScore / MaxExtenderPriority) of every
 * interested prioritizer to totals[i] (nodes[i]); calls run concurrently;
 * errors are ignored (upstream). */
void sl_extenders_prioritize(sl_extender *const *list, uint32_t n, sl_cycle *c,
                             const sl_pod_info *pod, sl_node_info *const *nodes, uint32_t nnodes,
                             int64_t *totals, const sl_recorder *recorder);
/* extendersBinding: the first interested binder binds. Returns false when
 * no extender handled the pod (then Bind plugins run); otherwise true with
 * the outcome in *status. An ignorable binder's error falls through. */
bool sl_extenders_bind(sl_extender *const *list, uint32_t n, sl_cycle *c, const sl_pod_info *pod,
                       const char *node_name, sl_status *status, const sl_recorder *recorder);
/* callExtenders: every interested extender with a preemptVerb narrows the
 * candidates in turn. Error status on a non-ignorable failure. */
sl_status sl_extenders_preempt(sl_extender *const *list, uint32_t n, sl_cycle *c,
                               const sl_pod_info *pod, sl_preemption_candidate *cands,
                               uint32_t *ncands, const sl_recorder *recorder);

/* MaxExtenderPriority and the scale factor applied to extender scores. */
#define SL_MAX_EXTENDER_PRIORITY 10
#define SL_EXTENDER_SCORE_SCALE (100 / SL_MAX_EXTENDER_PRIORITY)
/* The pseudo-plugin name of extender rejections (framework.ExtenderName). */
#define SL_EXTENDER_PLUGIN_NAME "Extender"

/* ---- reply decoding (exposed for tests and the fuzzer) ---- */

/* Decodes a reply body as Go's json.Decoder would for the verb's result
 * type ("filter", "prioritize", "bind", "preempt"): true when it decodes,
 * else false with the error in err. */
bool sl_extender_check_reply(const char *verb, const char *body, size_t len, char *err,
                             size_t errsize);
/* A reply body read as the verb's call reads it (the call minus HTTP):
 * same statuses and results as sl_extender_filter / _prioritize /
 * _process_preemption given that reply. */
sl_status sl_extender_filter_reply(sl_extender *e, sl_cycle *c, sl_node_info *const *nodes,
                                   uint32_t n, const char *body, size_t len,
                                   sl_extender_filter_result *out);
/* Test hook: false makes filter replies always go through the general
 * (jansson) reader instead of the fast scanner (default true). */
void sl_extender_set_fast_replies(bool on);
sl_status sl_extender_prioritize_reply(sl_cycle *c, sl_node_info *const *nodes, uint32_t n,
                                       const char *body, size_t len, int64_t *scores);
sl_status sl_extender_preempt_reply(sl_extender *e, sl_cycle *c, const char *body, size_t len,
                                    sl_preemption_candidate *cands, uint32_t *ncands);

#endif
