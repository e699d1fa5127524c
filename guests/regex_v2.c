/*
 * regex_v2.c — RegexSchedulingV2 as a C wasm guest: PreFilter compiles the
 * pod's regex once per scheduling cycle and keeps it in the instance (the
 * host runs all of a pod's hooks on the instance that ran its prefilter);
 * Filter only matches the node's name. Same statuses and messages as the
 * native RegexSchedulingV2 (src/plugins/regex_scheduling.c): an invalid
 * regex is an Error from PreFilter; without the annotation PreFilter
 * succeeds and Filter passes every node.
 *
 * The instance also remembers the last valid pattern it compiled: a pod
 * whose annotation is byte-identical to it (replicas of one workload) reuses
 * the compiled regex, with its warm DFA cache and prebuilt message tail,
 * instead of compiling again. Same answers: the compiled form depends only
 * on the pattern.
 */
#include "regex_common.h"

static go_vm_regexp *cycle_regexp; /* this cycle's compiled regex, or NULL */
static go_vm_regexp *compiled;     /* the last valid pattern's, kept across cycles */
static cbuf compiled_pattern, cycle_quoted, cycle_tail;
static size_t compiled_len;   /* bytes of compiled_pattern */
static size_t cycle_tail_len; /* reject_tail_into(&cycle_tail, pattern) */

static int32_t regex_v2_prefilter(void) {
    cycle_regexp = NULL;
    sl_str annotation;
    if (!sl_pod_annotation(sl_current_pod(), REGEX_ANNOTATION, &annotation)) return SL_CODE_SUCCESS;
    if (compiled && annotation.len == compiled_len &&
        (annotation.len == 0 || memcmp(annotation.ptr, compiled_pattern.data, annotation.len) == 0)) {
        cycle_regexp = compiled; /* same pattern as a previous cycle */
        return SL_CODE_SUCCESS;
    }
    go_vm_free(compiled);
    compiled = NULL;
    const char *p = cbuf_set(&compiled_pattern, annotation.ptr, annotation.len);
    char err[512];
    go_vm_regexp *re = go_vm_compile(p, strlen(p), err, sizeof(err));
    if (!re) return regex_compile_failed(quote_into(&cycle_quoted, p), err);
    compiled = cycle_regexp = re;
    compiled_len = annotation.len;
    cycle_tail_len = reject_tail_into(&cycle_tail, p);
    return SL_CODE_SUCCESS;
}

static int32_t regex_v2_filter(void) {
    if (!cycle_regexp) return SL_CODE_SUCCESS; /* no annotation: every node fits */
    return regex_match_node(cycle_regexp, compiled_pattern.data, cycle_tail.data, cycle_tail_len);
}

SL_GUEST_PREFILTER(regex_v2_prefilter)
SL_GUEST_FILTER(regex_v2_filter)
