/*
 * RegexScheduling v1/v2 C guests (build/wasm/regex_v{1,2}.wasm, built by
 * `make`) on schedlab's wasm runtime with a minimal stub host
 * (tests/wasm_guest_host.h): exports and imports as the ABI says, the same
 * codes and messages as the native plugins (compared status by status on
 * many patterns and node names), the buffer-retry protocol with a pod
 * larger than 2048 bytes, the per-cycle pod cache, and v2 keeping its
 * compiled regex between prefilter and filter.
 */
#include "k8s/k8s.h"
#include "plugins/go_regexp.h"
#include "scheduler/framework.h"
#include "scheduler/framework_internal.h"
#include "test.h"
#include "wasm_guest_host.h"

extern const sl_plugin_registration sl_plugin_RegexScheduling;
extern const sl_plugin_registration sl_plugin_RegexSchedulingV2;

#define V1 "build/wasm/regex_v1.wasm"
#define V2 "build/wasm/regex_v2.wasm"

static void set_pod(guest *g, const char *regex, size_t pad) {
    free(g->host.pod.data);
    g->host.pod = make_pod_pb("p", regex, pad);
}

static int64_t call(guest *g, const char *name) {
    char err[512];
    int64_t r = -999;
    if (!guest_call(g, name, &r, err, sizeof(err))) TEST_FAIL_AT("%s", err);
    return r;
}

static int64_t filter_node(guest *g, const char *node) {
    snprintf(g->host.node_name, sizeof(g->host.node_name), "%s", node);
    return call(g, "filter");
}

TEST(guests_export_what_the_abi_needs) {
    guest g;
    char err[512];
    CHECK(guest_open(&g, V1, err, sizeof(err)));
    if (!g.instance) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g);
        return;
    }
    CHECK(sl_wasm_instance_export(g.instance, "memory") != NULL);
    CHECK(sl_wasm_instance_export(g.instance, "filter") != NULL);
    CHECK(sl_wasm_instance_export(g.instance, "prefilter") != NULL); /* SDK: always */
    CHECK(sl_wasm_instance_export(g.instance, "score") == NULL);     /* only registered hooks */
    CHECK(sl_wasm_instance_export(g.instance, "bind") == NULL);
    CHECK(sl_wasm_instance_export(g.instance, "_initialize") == NULL);
    guest_close(&g);
}

TEST(demo_flow_v1_and_v2) {
    const char *paths[] = {V1, V2};
    for (int v = 0; v < 2; v++) {
        guest g;
        char err[512];
        if (!guest_open(&g, paths[v], err, sizeof(err))) {
            TEST_FAIL_AT("%s", err);
            guest_close(&g);
            continue;
        }
        /* kubecon pod */
        set_pod(&g, "kubecon-.*", 0);
        CHECK_EQ_INT(call(&g, "prefilter"), 0);
        CHECK(!g.host.node_names_set);
        CHECK_EQ_INT(filter_node(&g, "kubecon-1"), 0);
        CHECK_EQ_INT(filter_node(&g, "node-0"), 2);
        CHECK_EQ_STR(g.host.reason, "node \"node-0\" does not match regex \"kubecon-.*\"");
        /* cncf pod */
        set_pod(&g, "cncf-.*", 0);
        CHECK_EQ_INT(call(&g, "prefilter"), 0);
        CHECK_EQ_INT(filter_node(&g, "kubecon-2"), 2);
        CHECK_EQ_STR(g.host.reason, "node \"kubecon-2\" does not match regex \"cncf-.*\"");
        /* invalid regex: v1 Error from filter, v2 Error from prefilter */
        set_pod(&g, "kubecon-.*\\", 0);
        const char *want = "failed to compile regex \"kubecon-.*\\\\\": error parsing regexp: "
                           "trailing backslash at end of expression: ``";
        if (v == 0) {
            CHECK_EQ_INT(call(&g, "prefilter"), 0);
            CHECK_EQ_INT(filter_node(&g, "kubecon-1"), 1);
        } else {
            CHECK_EQ_INT(call(&g, "prefilter"), 1);
        }
        CHECK_EQ_STR(g.host.reason, want);
        /* no annotation: every node */
        set_pod(&g, NULL, 0);
        CHECK_EQ_INT(call(&g, "prefilter"), 0);
        CHECK_EQ_INT(filter_node(&g, "node-0"), 0);
        CHECK_EQ_INT(g.host.reason_len, 0);
        guest_close(&g);
    }
}

TEST(pod_is_fetched_once_per_cycle_with_the_retry_protocol) {
    guest g;
    char err[512];
    if (!guest_open(&g, V2, err, sizeof(err))) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g);
        return;
    }
    set_pod(&g, "^kubecon-[0-9]+$", 5000); /* > 2048 bytes */
    CHECK(g.host.pod.len > 5000);
    CHECK_EQ_INT(call(&g, "prefilter"), 0);
    CHECK_EQ_INT(g.host.current_pod_calls, 2);
    CHECK_EQ_INT(g.host.current_pod_limits[0], 2048);
    CHECK(g.host.current_pod_limits[1] >= g.host.pod.len);
    for (int i = 0; i < 10; i++) CHECK_EQ_INT(filter_node(&g, i % 2 ? "kubecon-7" : "x-7"), i % 2 ? 0 : 2);
    CHECK_EQ_INT(g.host.current_pod_calls, 2); /* v2's filter never reads the pod */
    /* next cycle: a new prefilter refetches (buffer already large: one call) */
    set_pod(&g, "x-.*", 5000);
    CHECK_EQ_INT(call(&g, "prefilter"), 0);
    CHECK_EQ_INT(g.host.current_pod_calls, 3);
    CHECK_EQ_INT(filter_node(&g, "x-7"), 0);
    guest_close(&g);

    /* v1 reads the pod in filter: still once per cycle */
    if (!guest_open(&g, V1, err, sizeof(err))) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g);
        return;
    }
    set_pod(&g, "kubecon-.*", 3000);
    CHECK_EQ_INT(call(&g, "prefilter"), 0);
    CHECK_EQ_INT(g.host.current_pod_calls, 0); /* v1 registers no prefilter hook */
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(filter_node(&g, "kubecon-1"), 0);
    CHECK_EQ_INT(g.host.current_pod_calls, 2);
    guest_close(&g);
}

/* Deeply nested and large patterns stay within the guest's stack and the
 * runtime's call depth, and give Go's limits' errors. */
TEST(deep_and_large_patterns_in_the_guest) {
    guest g;
    char err[512];
    if (!guest_open(&g, V2, err, sizeof(err))) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g);
        return;
    }
    strbuf sb;
    strbuf_init(&sb);
    for (int i = 0; i < 500; i++) strbuf_putc(&sb, '(');
    strbuf_puts(&sb, "kube");
    for (int i = 0; i < 500; i++) strbuf_putc(&sb, ')');
    set_pod(&g, strbuf_cstr(&sb), 0);
    CHECK_EQ_INT(call(&g, "prefilter"), 0);
    CHECK_EQ_INT(filter_node(&g, "kubecon-1"), 0);
    CHECK_EQ_INT(filter_node(&g, "node-1"), 2);
    strbuf_reset(&sb);
    for (int i = 0; i < 1001; i++) strbuf_putc(&sb, '(');
    strbuf_puts(&sb, "kube");
    for (int i = 0; i < 1001; i++) strbuf_putc(&sb, ')');
    set_pod(&g, strbuf_cstr(&sb), 0);
    CHECK_EQ_INT(call(&g, "prefilter"), 1);
    /* the whole message, as long as the native plugin's (regex_scheduling.c:
     * %q of the pattern + Go's error in a 512-byte buffer): 2.5 KB here */
    char nerr[512];
    go_regexp *native = go_regexp_compile(strbuf_cstr(&sb), nerr, sizeof(nerr));
    CHECK(native == NULL);
    size_t qn = go_quote(strbuf_cstr(&sb), NULL, 0);
    char *quoted = malloc(qn + 1);
    go_quote(strbuf_cstr(&sb), quoted, qn + 1);
    char *want = malloc(qn + 600);
    snprintf(want, qn + 600, "failed to compile regex %s: %s", quoted, nerr);
    CHECK(strlen(want) > 2048);
    CHECK_EQ_STR(g.host.reason, want);
    free(quoted);
    free(want);
    /* the largest counted repetition Go accepts */
    set_pod(&g, "^(?:[a-z]{10}){100}$", 0);
    CHECK_EQ_INT(call(&g, "prefilter"), 0);
    CHECK_EQ_INT(filter_node(&g, "kubecon-1"), 2);
    strbuf_free(&sb);
    guest_close(&g);
}

/* ---- same statuses as the native plugins ------------------------------------ */

static k8s_pod *native_pod(const char *regex) {
    json_t *obj;
    if (regex) {
        json_t *ann = json_pack("{s:s}", "scheduler.wasmkwokwizardry.io/regex", regex);
        obj = json_pack("{s:s,s:{s:s,s:s,s:o},s:{s:[{s:s}]}}", "kind", "Pod", "metadata", "name",
                        "p", "namespace", "default", "annotations", ann, "spec", "containers",
                        "name", "c");
    } else {
        obj = json_pack("{s:s,s:{s:s},s:{s:[{s:s}]}}", "kind", "Pod", "metadata", "name", "p",
                        "spec", "containers", "name", "c");
    }
    char err[256];
    k8s_pod *pod = k8s_pod_decode(obj, "test", err, sizeof(err));
    json_decref(obj);
    return pod;
}

static k8s_node *native_node(const char *name) {
    json_t *obj = json_pack("{s:s,s:{s:s}}", "kind", "Node", "metadata", "name", name);
    char err[256];
    k8s_node *node = k8s_node_decode(obj, "test", err, sizeof(err));
    json_decref(obj);
    return node;
}

TEST(guests_match_the_native_plugins_status_for_status) {
    static const char *const patterns[] = {
        "kubecon-.*", "^kubecon-[12]$", "(?i)KUBECON", "node-\\d+", "^(node|kube)", "[[:alpha:]]+-0$",
        "\\bcon\\b", "x{2,}", "(?m)^n", "\\p{Greek}", "[^a-z-0-9]", "kubecon-.*\\", "([", "(?=x)",
        "a{1001}", "\\pX", "", "é|ü", "(?s).*-1", "node-0|kubecon-2", "\\Qkubecon-\\E\\d",
        "(?U)k.+?1", "^$", "\"quoted\\\\\"",
    };
    static const char *const nodes[] = {"node-0", "kubecon-1", "kubecon-2", "KUBECON-3", "con",
                                        "xx-1", "α-1", "é", "Node \"q\"", "",
                                        /* the guest's 4/8-byte quoting fast path: every length
                                         * class, bad bytes first, last, in the overlap */
                                        "n", "abc\x01", "kube", "ab\\cd", "con-1\x7f", "kubecon-",
                                        "kubecon-1\t", "01234567\"", "0123456789abcdef",
                                        "node-10-kubecon-1", "\x1fnode-123456789", "ñandú-kubecon-10"};
    guest g[2];
    char err[512];
    bool ok = guest_open(&g[0], V1, err, sizeof(err));
    if (ok) ok = guest_open(&g[1], V2, err, sizeof(err));
    if (!ok) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g[0]);
        guest_close(&g[1]);
        return;
    }
    sl_cycle_arenas arenas;
    sl_cycle_arenas_init(&arenas, 0);
    sl_cycle *cycle = sl_cycle_new(&arenas);
    rng r;
    rng_seed(&r, 1);
    sl_plugin plugins[2];
    memset(plugins, 0, sizeof(plugins));
    plugins[0].ops = sl_plugin_RegexScheduling.ops;
    plugins[0].name = "RegexScheduling";
    plugins[1].ops = sl_plugin_RegexSchedulingV2.ops;
    plugins[1].name = "RegexSchedulingV2";
    int compared = 0;
    for (size_t i = 0; i < ARRAY_LEN(patterns); i++) {
        k8s_pod *pod = native_pod(patterns[i]);
        sl_pod_info pi = {.pod = pod};
        for (int v = 0; v < 2; v++) {
            sl_cycle_begin(cycle, NULL, 1, &r);
            set_pod(&g[v], patterns[i], 0);
            int64_t guest_pre = call(&g[v], "prefilter");
            sl_status native_pre = SL_STATUS_SUCCESS;
            if (plugins[v].ops->pre_filter) {
                sl_prefilter_result res;
                memset(&res, 0, sizeof(res));
                native_pre = plugins[v].ops->pre_filter(&plugins[v], cycle, &pi, &res);
            }
            CHECK_EQ_INT(guest_pre, native_pre.code);
            if (native_pre.code != SL_SUCCESS) {
                CHECK_EQ_STR(g[v].host.reason, native_pre.message);
                compared++;
                sl_cycle_end(cycle);
                continue;
            }
            for (size_t j = 0; j < ARRAY_LEN(nodes); j++) {
                /* any name, even one Kubernetes would reject: swap it in */
                k8s_node *n = native_node("placeholder");
                const char *saved = n->name;
                n->name = (char *)nodes[j];
                sl_node_info ni;
                memset(&ni, 0, sizeof(ni));
                ni.node = n;
                sl_status want = plugins[v].ops->filter(&plugins[v], cycle, &pi, &ni);
                n->name = (char *)saved;
                int64_t got = filter_node(&g[v], nodes[j]);
                if (got != want.code)
                    TEST_FAIL_AT("v%d %s on %s: guest %lld, native %d (%s)", v + 1, patterns[i],
                                 nodes[j], (long long)got, want.code,
                                 want.message ? want.message : "");
                else if (want.code != SL_SUCCESS)
                    CHECK_EQ_STR(g[v].host.reason, want.message);
                compared++;
                k8s_node_free(n);
            }
            sl_cycle_end(cycle);
        }
        k8s_pod_free(pod);
    }
    CHECK(compared > 300);
    sl_cycle_free(cycle);
    sl_cycle_arenas_free(&arenas);
    guest_close(&g[0]);
    guest_close(&g[1]);
}

/* ---- the SDK's exports, packing and side channels (guests/sdk_demo.c) ---------- */

static pbw demo_node(const char *name, bool unschedulable, const char *taint, const char *zone) {
    pbw node = {0}, meta = {0}, spec = {0}, status = {0};
    pbw_string(&meta, 1, name);
    if (zone) pbw_map_entry(&meta, 11, "zone", zone);
    pbw_uint(&spec, 4, unschedulable);
    if (taint) {
        pbw t = {0};
        pbw_string(&t, 1, taint);
        pbw_string(&t, 2, "");
        pbw_string(&t, 3, "NoSchedule");
        pbw_message(&spec, 5, &t);
    }
    pbw_quantity_entry(&status, 2, "cpu", "7800m");
    pbw_message(&node, 1, &meta);
    pbw_message(&node, 2, &spec);
    pbw_message(&node, 3, &status);
    return node;
}

static void set_node(guest *g, const char *name, pbw node) {
    free(g->host.node.data);
    g->host.node = node;
    snprintf(g->host.node_known, sizeof(g->host.node_known), "%s", name);
    snprintf(g->host.node_name, sizeof(g->host.node_name), "%s", name);
}

TEST(sdk_hooks_through_the_abi) {
    guest g;
    char err[512];
    memset(&g, 0, sizeof(g));
    /* config and klog during _start: guest_open runs _start with config unset,
     * so reopen with a config set through a pre-made host */
    if (!guest_open(&g, "build/wasm/sdk_demo.wasm", err, sizeof(err))) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g);
        return;
    }
    CHECK(strstr(g.host.log, "sdk_demo: config (none)\n") != NULL);
    /* prefilter: node names from the annotation, NUL-separated; klog structured */
    pbw pod = {0}, meta = {0}, spec = {0};
    pbw_string(&meta, 1, "demo-pod");
    pbw_map_entry(&meta, 11, "demo/wait", "yes");
    pbw_map_entry(&meta, 12, "demo/nodes", "n1,n2,,n3");
    pbw tol = {0};
    pbw_string(&tol, 1, "ok-taint");
    pbw_message(&spec, 22, &tol);
    pbw_message(&pod, 1, &meta);
    pbw_message(&pod, 2, &spec);
    free(g.host.pod.data);
    g.host.pod = pod;
    g.host.log_len = 0;
    CHECK_EQ_INT(call(&g, "prefilter"), 0);
    CHECK(g.host.node_names_set);
    CHECK_EQ_INT(g.host.node_names_len, 9);
    CHECK(memcmp(g.host.node_names, "n1\0n2\0n3\0", 9) == 0);
    CHECK(strstr(g.host.log, "prefilter") != NULL && strstr(g.host.log, "pod|demo-pod|") != NULL);
    /* filter: node looked up through k8s.io/api.node */
    set_node(&g, "n1", demo_node("n1", false, NULL, NULL));
    CHECK_EQ_INT(call(&g, "filter"), 0);
    set_node(&g, "n2", demo_node("n2", true, NULL, NULL));
    CHECK_EQ_INT(call(&g, "filter"), 2);
    CHECK_EQ_STR(g.host.reason, "node n2 is unschedulable");
    set_node(&g, "n3", demo_node("n3", false, "bad-taint", NULL));
    CHECK_EQ_INT(call(&g, "filter"), 2);
    CHECK_EQ_STR(g.host.reason, "untolerated taint bad-taint");
    set_node(&g, "n4", demo_node("n4", false, "ok-taint", NULL));
    CHECK_EQ_INT(call(&g, "filter"), 0);
    CHECK_EQ_INT(g.host.reason_len, 0); /* no reason with Success */
    snprintf(g.host.node_name, sizeof(g.host.node_name), "n5"); /* unknown: 0 bytes */
    CHECK_EQ_INT(call(&g, "filter"), 1);
    CHECK_EQ_STR(g.host.reason, "node n5 not found");
    /* prescore: filteredNodeList JSON */
    g.host.filtered_json = "[\"n1\"]";
    CHECK_EQ_INT(call(&g, "prescore"), 5);
    g.host.filtered_json = "[\"n1\",\"n2\"]";
    g.host.log_len = 0;
    CHECK_EQ_INT(call(&g, "prescore"), 0);
    CHECK(strstr(g.host.log, "prescore: 2 filtered of 2 nodes\n") != NULL); /* nodeList */
    /* score: hi32 score, lo32 code */
    set_node(&g, "n1", demo_node("n1", false, NULL, "a"));
    int64_t packed = call(&g, "score");
    CHECK_EQ_INT((int32_t)(packed >> 32), 7); /* 7800m -> 7 cores (no config) */
    CHECK_EQ_INT((int32_t)(uint32_t)packed, 0);
    /* normalizescore: JSON map in, JSON map out */
    g.host.scores_json = "{\"n1\":100,\"n\\\"2\":7}";
    CHECK_EQ_INT(call(&g, "normalizescore"), 0);
    CHECK_EQ_STR(g.host.normalized, "{\"n1\":50,\"n\\\"2\":3}");
    /* reserve / unreserve */
    set_node(&g, "refuse-reserve", demo_node("refuse-reserve", false, NULL, NULL));
    CHECK_EQ_INT(call(&g, "reserve"), 1);
    CHECK_EQ_STR(g.host.reason, "reserve refused");
    g.host.log_len = 0;
    CHECK_EQ_INT(call(&g, "unreserve"), 0);
    CHECK_EQ_STR(g.host.log, "unreserve\n");
    /* permit: hi32 code, lo32 timeout */
    packed = call(&g, "permit");
    CHECK_EQ_INT((int32_t)(packed >> 32), 4);
    CHECK_EQ_INT((uint32_t)packed, 1500);
    CHECK_EQ_STR(g.host.reason, "waiting");
    /* postfilter: hi32 mode, lo32 code, nominated name */
    g.host.status_map_json = "{\"n1\":3,\"n2\":2}";
    packed = call(&g, "postfilter");
    CHECK_EQ_INT((int32_t)(packed >> 32), 1);
    CHECK_EQ_INT((int32_t)(uint32_t)packed, 0);
    CHECK_EQ_STR(g.host.nominated, "n2");
    g.host.status_map_json = "{}";
    packed = call(&g, "postfilter");
    CHECK_EQ_INT((int32_t)(uint32_t)packed, 2);
    CHECK_EQ_INT(g.host.nominated_len, 0); /* always called, possibly with "" */
    CHECK_EQ_STR(g.host.reason, "nothing to nominate");
    /* bind Skip; enqueue: 8-byte records */
    CHECK_EQ_INT(call(&g, "bind"), 5);
    CHECK_EQ_INT(call(&g, "enqueue"), 0);
    static const uint8_t want_events[16] = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};
    CHECK_EQ_INT(g.host.events_len, 16);
    CHECK(memcmp(g.host.events, want_events, 16) == 0);
    guest_close(&g);
}

TEST(sdk_start_reads_config_and_severity) {
    /* a host with guestConfig "a" and logSeverity 2 (error): info lines dropped */
    guest g;
    memset(&g, 0, sizeof(g));
    char err[512];
    FILE *f = fopen("build/wasm/sdk_demo.wasm", "rb");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)n);
    CHECK_EQ_INT(fread(bytes, 1, (size_t)n, f), n);
    fclose(f);
    g.module = sl_wasm_module_load(bytes, (size_t)n, err, sizeof(err));
    free(bytes);
    CHECK(g.module != NULL);
    g.store = sl_wasm_store_new(NULL);
    g.host.config = "a";
    g.host.severity = 2;
    g.linker = guest_host_linker(&g.host);
    sl_wasm_trap *trap = NULL;
    g.instance = sl_wasm_instantiate(g.store, g.module, g.linker, &trap, err, sizeof(err));
    CHECK(g.instance != NULL);
    if (g.instance) {
        trap = sl_wasm_func_call(sl_wasm_instance_export(g.instance, "_start"), NULL, 0, NULL, 0);
        CHECK(trap == NULL);
        CHECK_EQ_INT(g.host.log_len, 0);
        set_node(&g, "z", demo_node("z", false, NULL, "a"));
        g.host.pod = make_pod_pb("p", NULL, 0);
        CHECK_EQ_INT(call(&g, "prefilter"), 0);
        int64_t packed = call(&g, "score");
        CHECK_EQ_INT((int32_t)(packed >> 32), 100); /* zone label == guestConfig */
    }
    if (trap) sl_wasm_trap_free(trap);
    guest_close(&g);
}

/* v2 reuses the compiled regex when a pod's pattern equals the last valid
 * one it compiled: a sequence of cycles with repeats, an invalid pattern, a
 * pod without the annotation and a prefix/extension of the pattern in
 * between must give exactly the statuses and messages of fresh compiles. */
TEST(v2_reuses_the_last_pattern_across_cycles) {
    guest g;
    char err[512];
    if (!guest_open(&g, V2, err, sizeof(err))) {
        TEST_FAIL_AT("%s", err);
        guest_close(&g);
        return;
    }
    static const char *const seq[] = {"node-\\d*[02468]$", "node-\\d*[02468]$", "([", "node-\\d*[02468]$",
                                      NULL, "node-\\d*[02468]$", "node-\\d*[02468]", "node-\\d*[02468]$",
                                      "kubecon-.*", "node-\\d*[02468]$"};
    for (size_t i = 0; i < ARRAY_LEN(seq); i++) {
        set_pod(&g, seq[i], 0);
        int64_t pre = call(&g, "prefilter");
        if (seq[i] && strcmp(seq[i], "([") == 0) {
            CHECK_EQ_INT(pre, 1 /* Error */);
            CHECK_EQ_STR(g.host.reason, "failed to compile regex \"([\": error parsing regexp: "
                                        "missing closing ]: `[`");
            continue;
        }
        CHECK_EQ_INT(pre, 0);
        bool anchored_end = seq[i] && strcmp(seq[i], "node-\\d*[02468]$") == 0;
        bool kubecon = seq[i] && strcmp(seq[i], "kubecon-.*") == 0;
        /* node-10: matches every node pattern; node-11: none; node-12x: only the unanchored one */
        CHECK_EQ_INT(filter_node(&g, "node-10"), kubecon ? 2 /* Unschedulable */ : 0);
        int64_t r11 = filter_node(&g, "node-11");
        CHECK_EQ_INT(r11, seq[i] ? 2 : 0);
        if (seq[i]) {
            char want[256];
            snprintf(want, sizeof(want), "node \"node-11\" does not match regex \"%s\"",
                     kubecon ? "kubecon-.*" : anchored_end ? "node-\\\\d*[02468]$" : "node-\\\\d*[02468]");
            CHECK_EQ_STR(g.host.reason, want);
        }
        CHECK_EQ_INT(filter_node(&g, "node-12x"), seq[i] && !anchored_end && !kubecon ? 0 : (seq[i] ? 2 : 0));
    }
    guest_close(&g);
}

int main(void) {
    RUN(guests_export_what_the_abi_needs);
    RUN(demo_flow_v1_and_v2);
    RUN(pod_is_fetched_once_per_cycle_with_the_retry_protocol);
    RUN(deep_and_large_patterns_in_the_guest);
    RUN(guests_match_the_native_plugins_status_for_status);
    RUN(v2_reuses_the_last_pattern_across_cycles);
    RUN(sdk_hooks_through_the_abi);
    RUN(sdk_start_reads_config_and_severity);
    return test_summary("wasm_guests");
}
