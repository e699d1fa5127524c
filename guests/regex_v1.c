/*
 * regex_v1.c — RegexScheduling v1 as a C wasm guest: a Filter that compiles
 * the pod's regex (annotation scheduler.wasmkwokwizardry.io/regex, Go RE2
 * syntax) on EVERY call, i.e. once per node, like the Go v1 plugin — the
 * "before" of the demo's performance story. Same statuses and messages as
 * the native RegexScheduling (src/plugins/regex_scheduling.c):
 *   no annotation  -> Success
 *   invalid regex  -> Error `failed to compile regex "<re>": <Go's error>`
 *   no match       -> Unschedulable `node "<name>" does not match regex "<re>"`
 * Matching is Go's MatchString on a linear-time NFA (go_regexp_vm.h).
 */
#include "regex_common.h"

static int32_t regex_v1_filter(void) {
    static cbuf pattern, quoted;
    sl_str annotation;
    if (!sl_pod_annotation(sl_current_pod(), REGEX_ANNOTATION, &annotation)) return SL_CODE_SUCCESS;
    const char *p = cbuf_set(&pattern, annotation.ptr, annotation.len);
    char err[512];
    go_vm_regexp *re = go_vm_compile(p, strlen(p), err, sizeof(err));
    if (!re) return regex_compile_failed(quote_into(&quoted, p), err);
    int32_t code = regex_match_node(re, p, NULL, 0);
    go_vm_free(re);
    return code;
}

SL_GUEST_FILTER(regex_v1_filter)
