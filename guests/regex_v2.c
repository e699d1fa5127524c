/*
 * regex_v2.c — RegexSchedulingV2 as a C wasm guest: PreFilter compiles the
 * pod's regex once per scheduling cycle and keeps it in the instance (the
 * host runs all of a pod's hooks on the instance that ran its prefilter);
 * Filter only matches the node's name. Same statuses and messages as the
 * native RegexSchedulingV2 (src/plugins/regex_scheduling.c): an invalid
 * regex is an Error from PreFilter; without the annotation PreFilter
 * succeeds and Filter passes every node.
 */
#include "regex_common.h"

static go_vm_regexp *cycle_regexp; /* this cycle's compiled regex, or NULL */
static cbuf cycle_pattern, cycle_quoted;

static int32_t regex_v2_prefilter(void) {
    go_vm_free(cycle_regexp);
    cycle_regexp = NULL;
    sl_str annotation;
    if (!sl_pod_annotation(sl_current_pod(), REGEX_ANNOTATION, &annotation)) return SL_CODE_SUCCESS;
    const char *p = cbuf_set(&cycle_pattern, annotation.ptr, annotation.len);
    char err[512];
    cycle_regexp = go_vm_compile(p, strlen(p), err, sizeof(err));
    quote_into(&cycle_quoted, p);
    if (!cycle_regexp) return regex_compile_failed(cycle_quoted.data, err);
    return SL_CODE_SUCCESS;
}

static int32_t regex_v2_filter(void) {
    if (!cycle_regexp) return SL_CODE_SUCCESS; /* no annotation: every node fits */
    return regex_match_node(cycle_regexp, cycle_pattern.data, cycle_quoted.data);
}

SL_GUEST_PREFILTER(regex_v2_prefilter)
SL_GUEST_FILTER(regex_v2_filter)
