/*
 * regex_scheduling.c — RegexScheduling, the project's running example: the
 * scheduling-framework plugin of the KubeCon NA 2024 "wasm kwok wizardry"
 * demo (wasmkwokwizardry/kubecon-na-2024, scheduling-framework-regex-plugin
 * v1 and v2), re-implemented natively. The extender and wasm variants of
 * the same demo give the same answers; guests/regex_v1.c and regex_v2.c are
 * this plugin as C wasm guests (same messages, checked status for status by
 * tests/unit/test_wasm_guests.c).
 *
 * Contract: a pod annotated `scheduler.wasmkwokwizardry.io/regex: <re>`
 * fits only nodes whose NAME matches <re> (Go regexp.MatchString: RE2
 * syntax, unanchored); a pod without the annotation fits everywhere.
 *   - invalid regex  -> Error  `failed to compile regex "<re>": <Go's error>`
 *   - no match       -> Unschedulable `node "<name>" does not match regex "<re>"`
 * Both strings are formatted with Go's %q (go_quote). Syntax and error
 * texts are Go's (go_regexp.h).
 *
 * RegexScheduling (v1, Filter only) compiles the regex on EVERY Filter
 * call, i.e. once per node, as the Go v1 plugin does — it is the "before"
 * of the talk's performance story, so the cost is kept on purpose. That
 * compile allocates (PCRE2 and the translator use the heap; freed before
 * Filter returns), the one exception to the no-allocation rule for Filter.
 *
 * RegexSchedulingV2 compiles once per pod in PreFilter and keeps the
 * compiled regex in CycleState (immutable, shared by cloned states; freed
 * when the cycle ends); Filter only matches, from any worker thread (the
 * matcher keeps one PCRE2 match block per thread). An invalid regex is an
 * Error from PreFilter, which aborts the cycle before any Filter runs.
 *
 * Without the annotation, v2's PreFilter returns Success and its Filter
 * passes every node because no state was written — exactly what the Go v2
 * plugin does (it does not return Skip), so per-plugin results recorded for
 * --explain and the simulator match the Go plugin's. Flip
 * REGEX_V2_SKIP_WITHOUT_ANNOTATION to return Skip instead (saves one
 * CycleState lookup per node, changes the recorded results, not decisions).
 *
 * No args for either plugin.
 */
#include <string.h>

#include "plugins/go_regexp.h"
#include "scheduler/framework.h"

#define REGEX_ANNOTATION "scheduler.wasmkwokwizardry.io/regex"
#define REGEX_STATE_KEY "PreFilterRegexRegexScheduling"
#define REGEX_V2_SKIP_WITHOUT_ANNOTATION 0

/* Go's %q of s, in cycle memory (failure paths only). */
static const char *quote_in_cycle(sl_cycle *c, const char *s) {
    size_t n = go_quote(s, NULL, 0);
    char *buf = sl_cycle_alloc(c, n + 1);
    go_quote(s, buf, n + 1);
    return buf;
}

static sl_status compile_failed(sl_cycle *c, const char *pattern, const char *reason) {
    return sl_status_newf(c, SL_ERROR, "failed to compile regex %s: %s", quote_in_cycle(c, pattern),
                          reason);
}

/* Matches the node's name; `quoted_pattern` may be NULL (quoted on demand). */
static sl_status match_node(sl_cycle *c, const go_regexp *re, const char *pattern,
                            const char *quoted_pattern, const sl_node_info *node) {
    const char *name = node->node->name;
    char err[256];
    int m = go_regexp_match(re, name, strlen(name), err, sizeof(err));
    if (m == 1) return SL_STATUS_SUCCESS;
    if (!quoted_pattern) quoted_pattern = quote_in_cycle(c, pattern);
    if (m == 0)
        return sl_status_newf(c, SL_UNSCHEDULABLE, "node %s does not match regex %s",
                              quote_in_cycle(c, name), quoted_pattern);
    return sl_status_newf(c, SL_ERROR, "failed to match regex %s: %s", quoted_pattern, err);
}

/* ---- v1: compile per Filter call -------------------------------------- */

static sl_status regex_v1_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 const sl_node_info *node) {
    const char *pattern = k8s_map_get(&pod->pod->annotations, REGEX_ANNOTATION);
    if (!pattern) return SL_STATUS_SUCCESS;
    char err[512];
    go_regexp *re = go_regexp_compile(pattern, err, sizeof(err));
    if (!re) return compile_failed(c, pattern, err);
    sl_status s = match_node(c, re, pattern, NULL, node);
    go_regexp_free(re);
    return s;
}

static const sl_plugin_ops regex_v1_ops = {
    .name = "RegexScheduling",
    .filter = regex_v1_filter,
};

const sl_plugin_registration sl_plugin_RegexScheduling = {"RegexScheduling", &regex_v1_ops, NULL};

/* ---- v2: compile once in PreFilter ------------------------------------ */

typedef struct regex_state {
    go_regexp *re;
    const char *pattern;
    const char *quoted_pattern;
} regex_state;

static void regex_state_release(void *data) {
    regex_state *s = data;
    go_regexp_free(s->re);
    s->re = NULL;
}

static sl_status regex_v2_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                     sl_prefilter_result *result) {
    const char *pattern = k8s_map_get(&pod->pod->annotations, REGEX_ANNOTATION);
    if (!pattern)
        return REGEX_V2_SKIP_WITHOUT_ANNOTATION ? sl_status_make(SL_SKIP, NULL) : SL_STATUS_SUCCESS;
    char err[512];
    go_regexp *re = go_regexp_compile(pattern, err, sizeof(err));
    if (!re) return compile_failed(c, pattern, err);
    regex_state *s = sl_cycle_alloc(c, sizeof(*s));
    s->re = re;
    s->pattern = pattern;
    s->quoted_pattern = quote_in_cycle(c, pattern);
    /* Immutable once written: clones share it (clone = NULL). */
    sl_cycle_state_write(c, REGEX_STATE_KEY, s, NULL, regex_state_release);
    return SL_STATUS_SUCCESS;
}

static sl_status regex_v2_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                 const sl_node_info *node) {
    const regex_state *s = sl_cycle_state_read(c, REGEX_STATE_KEY);
    if (!s) return SL_STATUS_SUCCESS; /* no annotation: every node fits */
    return match_node(c, s->re, s->pattern, s->quoted_pattern, node);
}

static const sl_plugin_ops regex_v2_ops = {
    .name = "RegexSchedulingV2",
    .pre_filter = regex_v2_pre_filter,
    .filter = regex_v2_filter,
};

const sl_plugin_registration sl_plugin_RegexSchedulingV2 = {"RegexSchedulingV2", &regex_v2_ops,
                                                            NULL};
