/*
 * explain.h — the results recorder behind `schedlab schedule --explain` and
 * `--explain-pod NS/NAME` (cmd-internal; the recorder seam is framework.h's
 * sl_recorder).
 *
 * The recorder keeps, for each pod it explains, the plugin results of the
 * pod's last attempt: the full per-node maps (the simulator's `explain`
 * object: prefilter, filter, score, finalscore, selectedNode) and a summary
 * (nodes rejected per plugin with the reasons counted as the FitError
 * histogram counts them, Filter errors, PostFilter, the top-K nodes by final
 * score with each plugin's share, the chosen node marked and ties flagged).
 *
 * Cost: pods that are not explained cost one key lookup per attempt — the
 * recorder switches its Filter/Score callbacks off for their cycles, so they
 * keep the parallel Filter path and nothing is recorded for them. An
 * explained pod's cycle runs Filter sequentially (the recorder must see
 * exactly the nodes upstream evaluates) and keeps one JSON map per evaluated
 * node until the next explained pod starts.
 *
 * With `debug_log`, every attempt (explained or not) is also logged at
 * SL_LOG_DEBUG: pod, attempt, PreFilter/PostFilter/Reserve/Permit/Bind
 * verdicts that were not plain success, and the outcome.
 */
#ifndef SCHEDLAB_CMD_EXPLAIN_H
#define SCHEDLAB_CMD_EXPLAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scheduler/framework.h"

typedef struct explain_recorder explain_recorder;

/* `nnodes`: nodes in the input (slots are preallocated per node index).
 * `all_pods`: explain every pod (--explain) rather than only the pods
 * named with explain_want_pod. `top_k`: length of the top-nodes list. */
explain_recorder *explain_new(uint32_t nnodes, bool all_pods, uint32_t top_k, bool debug_log);
/* Called on the scheduling thread right after each PostFilter plugin of
 * any pod (explained or not) returned, with the pod of the cycle. */
typedef void (*explain_post_filter_fn)(void *ctx, const sl_pod_info *pod, const char *plugin,
                                       const char *nominated);
void explain_observe_post_filter(explain_recorder *r, explain_post_filter_fn fn, void *ctx);
/* Explain the pod "namespace/name". */
void explain_want_pod(explain_recorder *r, const char *key);
/* Whether pod "namespace/name" is to be explained (--explain or named). */
bool explain_wants(const explain_recorder *r, const char *key);
/* The hooks to hand to sl_scheduler_options.recorder (owned by r). */
sl_recorder *explain_hooks(explain_recorder *r);
/* The explain object / the summary of pod "namespace/name" (borrowed), or
 * NULL when the pod was not explained or never attempted. */
const json_t *explain_object(const explain_recorder *r, const char *key);
const json_t *explain_summary(const explain_recorder *r, const char *key);
/* The summary as indented table lines ("    rejected by ...", "    top ..."). */
void explain_print_summary(FILE *out, const json_t *summary);
/* Results for node indexes past the preallocated slots (not recorded). */
uint64_t explain_dropped(const explain_recorder *r);
void explain_free(explain_recorder *r);

#endif
