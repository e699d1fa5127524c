/* libFuzzer target: extender replies (src/extender), read exactly as the
 * scheduler reads them after an HTTP call: ExtenderFilterResult (both
 * nodeCacheCapable modes), HostPriorityList and ExtenderPreemptionResult,
 * against a small real cluster (three nodes, pods with UIDs). The first
 * byte picks the verb. Invariants besides crashes and sanitizer reports:
 * a failed read has a message; a filter never returns more nodes than it
 * was given, nor nodes it was not given; victims are pods of their node;
 * the fast filter-reply scanner and the general jansson reader agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extender/extender.h"
#include "tests/unit/plugin_fixture.h"

static fixture f;
static sl_extender *full, *names;

static void setup(void) {
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'n1'}}");
    fixture_node(&f, "{'metadata':{'name':'n2'}}");
    fixture_node(&f, "{'metadata':{'name':'n3'}}");
    fixture_pod(&f, "{'metadata':{'name':'a','uid':'ua'},'spec':{'nodeName':'n1','containers':[{'name':'c'}]}}");
    fixture_pod(&f, "{'metadata':{'name':'b','uid':'ub'},'spec':{'nodeName':'n2','containers':[{'name':'c'}]}}");
    static sl_extender_config e1 = {.url_prefix = "http://127.0.0.1:1", .filter_verb = "filter",
                                     .prioritize_verb = "prioritize", .preempt_verb = "preempt",
                                     .weight = 1, .http_timeout_ms = 100};
    static sl_extender_config e2 = {.url_prefix = "http://127.0.0.1:1", .filter_verb = "filter",
                                     .preempt_verb = "preempt", .node_cache_capable = true,
                                     .http_timeout_ms = 100};
    char err[256];
    full = sl_extender_new(&e1, err, sizeof err);
    names = sl_extender_new(&e2, err, sizeof err);
    if (!full || !names) abort();
}

static void check(sl_status st) {
    if (st.code != SL_SUCCESS && (!st.message || !st.message[0])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 1 || size > 1 << 16) return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    fixture_begin(&f);
    sl_node_info *nodes[3] = {(sl_node_info *)fixture_node_info(&f, "n1"),
                              (sl_node_info *)fixture_node_info(&f, "n2"),
                              (sl_node_info *)fixture_node_info(&f, "n3")};
    char err[256];
    switch (data[0] % 4) {
    case 0:
    case 1: {
        sl_extender_filter_result res;
        sl_status st = sl_extender_filter_reply(data[0] % 4 ? names : full, f.cycle, nodes, 3, body,
                                                len, &res);
        check(st);
        if (res.nfeasible > 3) abort();
        for (uint32_t i = 0; i < res.nfeasible; i++)
            if (res.feasible[i] != nodes[0] && res.feasible[i] != nodes[1] && res.feasible[i] != nodes[2])
                abort();
        for (uint32_t i = 0; i < res.nfailed; i++)
            if (!res.failed[i].node || !res.failed[i].reason) abort();
        /* The fast scanner and the jansson reader agree. */
        sl_extender_filter_result slow;
        sl_extender_set_fast_replies(false);
        sl_status st2 = sl_extender_filter_reply(data[0] % 4 ? names : full, f.cycle, nodes, 3, body,
                                                 len, &slow);
        sl_extender_set_fast_replies(true);
        if (st.code != st2.code) abort();
        if (st.code != SL_SUCCESS && strcmp(st.message, st2.message) != 0) abort();
        if (st.code == SL_SUCCESS) {
            if (res.nfeasible != slow.nfeasible || res.nfailed != slow.nfailed) abort();
            for (uint32_t i = 0; i < res.nfeasible; i++)
                if (res.feasible[i] != slow.feasible[i]) abort();
            for (uint32_t i = 0; i < res.nfailed; i++)
                if (strcmp(res.failed[i].node, slow.failed[i].node) ||
                    strcmp(res.failed[i].reason, slow.failed[i].reason) ||
                    res.failed[i].unresolvable != slow.failed[i].unresolvable)
                    abort();
        }
        break;
    }
    case 2: {
        int64_t scores[3];
        check(sl_extender_prioritize_reply(f.cycle, nodes, 3, body, len, scores));
        break;
    }
    default: {
        sl_preemption_candidate cands[2] = {{nodes[0], nodes[0]->npods, nodes[0]->pods, 0},
                                            {nodes[1], nodes[1]->npods, nodes[1]->pods, 0}};
        uint32_t n = 2;
        sl_status st = sl_extender_preempt_reply(data[0] & 4 ? names : full, f.cycle, body, len, cands, &n);
        check(st);
        if (st.code == SL_SUCCESS) {
            if (n > 2) abort();
            for (uint32_t i = 0; i < n; i++)
                for (uint32_t j = 0; j < cands[i].nvictims; j++) {
                    const sl_node_info *node = cands[i].node;
                    int found = 0;
                    for (uint32_t k = 0; k < node->npods; k++) found |= node->pods[k] == cands[i].victims[j];
                    if (!found) abort();
                }
        }
        break;
    }
    }
    (void)sl_extender_check_reply("filter", body, len, err, sizeof err);
    return 0;
}
