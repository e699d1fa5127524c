/*
 * Unit tests of the C guest SDK's decoding code (sdk/c/proto.c, compiled
 * natively here; the same file is in build/wasm/libschedlab_guest.a):
 * lazy protobuf views of hand-made Pod/Node bytes (field numbers of
 * wasm-abi.md §4.2), pod resource requests as the scheduler computes them,
 * Quantity parsing, the flat JSON readers, and malformed input (every
 * truncation of a real pod) never crashing or reading out of bounds.
 */
#include "base/base.h"
#include "sdk/c/proto.c"
#include "test.h"
#include "wasm_guest_host.h"

static sl_msg view(const pbw *w) {
    sl_msg m = {w->data, w->len};
    return m;
}

static bool str_is(sl_str s, const char *want) { return sl_str_eq(s, want); }

TEST(pod_fields) {
    pbw pod = make_pod_pb("kubecon-pod", "kubecon-.*", 0);
    sl_msg m = view(&pod);
    CHECK(str_is(sl_pod_name(m), "kubecon-pod"));
    CHECK(str_is(sl_pod_namespace(m), "default"));
    CHECK(str_is(sl_pod_uid(m), "uid-1234"));
    CHECK(str_is(sl_pod_scheduler_name(m), "default-scheduler"));
    CHECK(str_is(sl_pod_node_name(m), ""));
    sl_str v;
    CHECK(sl_pod_annotation(m, "scheduler.wasmkwokwizardry.io/regex", &v));
    CHECK(str_is(v, "kubecon-.*"));
    CHECK(!sl_pod_annotation(m, "missing", &v));
    CHECK(sl_pod_label(m, "app", &v));
    CHECK(str_is(v, "demo"));
    CHECK(!sl_pod_label(m, "scheduler.wasmkwokwizardry.io/regex", &v)); /* labels != annotations */
    CHECK_EQ_INT(sl_pod_request_milli(m, "cpu"), 100);
    CHECK_EQ_INT(sl_pod_request_milli(m, "memory"), 128LL * 1024 * 1024 * 1000);
    CHECK_EQ_INT(sl_pod_request_milli(m, "nvidia.com/gpu"), 0);
    int32_t prio;
    CHECK(!sl_pod_priority(m, &prio));
    /* iterate annotations as a map */
    sl_msg_iter it = sl_msg_iter_of(sl_pod_metadata(m), 12);
    sl_str key;
    sl_msg val;
    int n = 0;
    while (sl_msg_map_next(&it, &key, &val)) n++;
    CHECK_EQ_INT(n, 1);
    free(pod.data);
}

/* A pod with two containers, init containers (one sidecar), overhead,
 * priority, nodeName, tolerations and a nodeSelector. */
static pbw rich_pod(void) {
    pbw pod = {0}, meta = {0}, spec = {0};
    pbw_string(&meta, 1, "rich");
    const char *cpu[] = {"250m", "1"};
    for (int i = 0; i < 2; i++) {
        pbw c = {0}, res = {0};
        pbw_string(&c, 1, i ? "b" : "a");
        pbw_quantity_entry(&res, 1, "cpu", "4"); /* limits: ignored */
        pbw_quantity_entry(&res, 2, "cpu", cpu[i]);
        pbw_quantity_entry(&res, 2, "memory", "1Gi");
        pbw_message(&c, 8, &res);
        pbw_message(&spec, 2, &c);
    }
    /* init: a sidecar with 500m then a plain init container with 2 cpu */
    pbw side = {0}, sres = {0}, init = {0}, ires = {0};
    pbw_string(&side, 1, "side");
    pbw_quantity_entry(&sres, 2, "cpu", "500m");
    pbw_message(&side, 8, &sres);
    pbw_string(&side, 24, "Always");
    pbw_message(&spec, 20, &side);
    pbw_string(&init, 1, "init");
    pbw_quantity_entry(&ires, 2, "cpu", "2");
    pbw_quantity_entry(&ires, 2, "memory", "3Gi");
    pbw_message(&init, 8, &ires);
    pbw_message(&spec, 20, &init);
    pbw_map_entry(&spec, 7, "disk", "ssd");
    pbw_string(&spec, 10, "node-7");
    pbw tol = {0};
    pbw_string(&tol, 1, "dedicated");
    pbw_string(&tol, 2, "Equal");
    pbw_string(&tol, 3, "gpu");
    pbw_string(&tol, 4, "NoSchedule");
    pbw_message(&spec, 22, &tol);
    pbw_uint(&spec, 25, (uint64_t)(int64_t)-5); /* negative int32: 10-byte varint */
    pbw_quantity_entry(&spec, 32, "cpu", "50m");
    pbw_message(&pod, 1, &meta);
    pbw_message(&pod, 2, &spec);
    return pod;
}

TEST(pod_requests_like_the_scheduler) {
    pbw pod = rich_pod();
    sl_msg m = view(&pod);
    /* containers 1.25 + sidecar 0.5 = 1.75; init peak = 0.5 + 2 = 2.5; + overhead 50m */
    CHECK_EQ_INT(sl_pod_request_milli(m, "cpu"), 2550);
    /* containers 2Gi vs init 3Gi */
    CHECK_EQ_INT(sl_pod_request_milli(m, "memory"), 3LL * 1024 * 1024 * 1024 * 1000);
    CHECK(str_is(sl_pod_node_name(m), "node-7"));
    int32_t prio = 0;
    CHECK(sl_pod_priority(m, &prio));
    CHECK_EQ_INT(prio, -5);
    sl_str v;
    CHECK(sl_pod_node_selector(m, "disk", &v));
    CHECK(str_is(v, "ssd"));
    sl_msg_iter it = sl_pod_tolerations(m);
    sl_toleration t;
    CHECK(sl_pod_next_toleration(&it, &t));
    CHECK(str_is(t.key, "dedicated") && str_is(t.op, "Equal") && str_is(t.value, "gpu") &&
          str_is(t.effect, "NoSchedule"));
    CHECK(!sl_pod_next_toleration(&it, &t));
    CHECK_EQ_INT(sl_msg_count(sl_pod_spec(m), 2), 2);
    free(pod.data);
}

TEST(node_fields) {
    pbw node = {0}, meta = {0}, spec = {0}, status = {0};
    pbw_string(&meta, 1, "kubecon-1");
    pbw_map_entry(&meta, 11, "kubernetes.io/hostname", "kubecon-1");
    pbw_map_entry(&meta, 11, "zone", "a");
    pbw_map_entry(&meta, 12, "note", "hi");
    pbw_uint(&spec, 4, 1);
    for (int i = 0; i < 2; i++) {
        pbw t = {0};
        pbw_string(&t, 1, i ? "b" : "a");
        pbw_string(&t, 2, "v");
        pbw_string(&t, 3, i ? "NoExecute" : "NoSchedule");
        pbw_message(&spec, 5, &t);
    }
    pbw_quantity_entry(&status, 1, "cpu", "4");
    pbw_quantity_entry(&status, 2, "cpu", "3800m");
    pbw_quantity_entry(&status, 2, "memory", "32Gi");
    pbw_quantity_entry(&status, 2, "pods", "110");
    pbw_message(&node, 1, &meta);
    pbw_message(&node, 2, &spec);
    pbw_message(&node, 3, &status);
    sl_msg m = view(&node);
    CHECK(str_is(sl_node_name(m), "kubecon-1"));
    sl_str v;
    CHECK(sl_node_label(m, "zone", &v) && str_is(v, "a"));
    CHECK(sl_node_annotation(m, "note", &v) && str_is(v, "hi"));
    CHECK(!sl_node_label(m, "note", &v));
    CHECK(sl_node_unschedulable(m));
    int64_t q = 0;
    CHECK(sl_node_allocatable_milli(m, "cpu", &q) && q == 3800);
    CHECK(sl_node_capacity_milli(m, "cpu", &q) && q == 4000);
    CHECK(sl_node_allocatable_milli(m, "memory", &q) && q == 32LL * 1024 * 1024 * 1024 * 1000);
    CHECK(sl_node_allocatable_milli(m, "pods", &q) && q == 110000);
    CHECK(!sl_node_allocatable_milli(m, "nvidia.com/gpu", &q));
    sl_msg_iter it = sl_node_taints(m);
    sl_taint t;
    int n = 0;
    while (sl_node_next_taint(&it, &t)) {
        CHECK(str_is(t.key, n ? "b" : "a"));
        CHECK(str_is(t.effect, n ? "NoExecute" : "NoSchedule"));
        n++;
    }
    CHECK_EQ_INT(n, 2);
    /* an empty (absent) node reads as empty everywhere */
    sl_msg none = {NULL, 0};
    CHECK(str_is(sl_node_name(none), ""));
    CHECK(!sl_node_unschedulable(none));
    free(node.data);
}

TEST(quantities) {
    static const struct {
        const char *q;
        int64_t milli;
    } cases[] = {
        {"100m", 100},       {"1", 1000},          {"0.5", 500},         {"1.5Gi", 1610612736000LL},
        {"128Mi", 134217728000LL}, {"2k", 2000000}, {"1e3", 1000000},    {"1E-3", 1},
        {"1u", 1},           {"1n", 1},            {"0", 0},             {"-100m", -100},
        {"+2", 2000},        {"0.0001", 1},        {"12345678901234567890123", 0 /* invalid */},
        {"8Ei", INT64_MAX},  {".5", 500},          {"3.", 3000},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t v = -1;
        bool ok = sl_quantity_parse_milli(sl_str_of(cases[i].q), &v);
        if (i == 14) {
            CHECK(!ok);
            continue;
        }
        if (!ok || v != cases[i].milli)
            TEST_FAIL_AT("%s: ok=%d got %lld want %lld", cases[i].q, ok, (long long)v,
                         (long long)cases[i].milli);
    }
    static const char *const bad[] = {"", "m", "1x", "1Ki2", "1e", "--1", "1.2.3", "Mi"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int64_t v;
        if (sl_quantity_parse_milli(sl_str_of(bad[i]), &v)) TEST_FAIL_AT("%s accepted", bad[i]);
    }
    int64_t v;
    CHECK(sl_quantity_parse_value(sl_str_of("100m"), &v) && v == 1); /* rounds up */
    CHECK(sl_quantity_parse_value(sl_str_of("2Ki"), &v) && v == 2048);
}

TEST(malformed_bytes_never_crash) {
    pbw pod = rich_pod();
    /* every truncation, in an exact-size heap copy so ASan sees overreads */
    for (size_t n = 0; n <= pod.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, pod.data, n);
        sl_msg m = {copy, n};
        (void)sl_pod_name(m);
        (void)sl_pod_request_milli(m, "cpu");
        sl_str v;
        (void)sl_pod_node_selector(m, "disk", &v);
        sl_msg_iter it = sl_pod_tolerations(m);
        sl_toleration t;
        while (sl_pod_next_toleration(&it, &t)) {}
        free(copy);
    }
    /* wrong wire type for a known field: reads as absent */
    pbw w = {0}, meta = {0};
    pbw_uint(&meta, 1, 42); /* name as a varint */
    pbw_message(&w, 1, &meta);
    CHECK(str_is(sl_pod_name(view(&w)), ""));
    free(w.data);
    /* a length running past the end */
    static const uint8_t overlong[] = {0x0a, 0x7f, 0x0a, 0x01, 'x'};
    sl_msg m = {overlong, sizeof(overlong)};
    CHECK(str_is(sl_pod_name(m), ""));
    /* a 11-byte varint */
    static const uint8_t badvarint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    sl_msg b = {badvarint, sizeof(badvarint)};
    CHECK_EQ_INT(sl_msg_varint(b, 1, 7), 7);
    free(pod.data);
}

TEST(json_readers) {
    sl_json_iter it;
    sl_str s;
    const char *arr = " [\"n1\", \"n\\u00e9\\\"2\" ,\"\"] ";
    CHECK(sl_json_array_begin(&it, arr, strlen(arr)));
    CHECK(sl_json_array_next_string(&it, &s) && str_is(s, "n1"));
    CHECK(sl_json_array_next_string(&it, &s) && str_is(s, "n\xc3\xa9\"2"));
    CHECK(sl_json_array_next_string(&it, &s) && str_is(s, ""));
    CHECK(!sl_json_array_next_string(&it, &s));
    CHECK(sl_json_array_begin(&it, "[]", 2));
    CHECK(!sl_json_array_next_string(&it, &s));
    const char *obj = "{\"a\":100, \"b\" : -3,\"c\":0}";
    int64_t v;
    CHECK(sl_json_object_begin(&it, obj, strlen(obj)));
    CHECK(sl_json_object_next(&it, &s, &v) && str_is(s, "a") && v == 100);
    CHECK(sl_json_object_next(&it, &s, &v) && str_is(s, "b") && v == -3);
    CHECK(sl_json_object_next(&it, &s, &v) && str_is(s, "c") && v == 0);
    CHECK(!sl_json_object_next(&it, &s, &v));
    CHECK(!sl_json_object_begin(&it, "null", 4));
    CHECK(!sl_json_object_next(&it, &s, &v));
    static const char *const bad[] = {"{\"a\":}", "{\"a\" 1}", "{\"a", "{a:1}", "{\"a\":x}"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        CHECK(sl_json_object_begin(&it, bad[i], strlen(bad[i])));
        CHECK(!sl_json_object_next(&it, &s, &v));
    }
    CHECK(!sl_json_array_begin(&it, "", 0));
}

int main(void) {
    RUN(pod_fields);
    RUN(pod_requests_like_the_scheduler);
    RUN(node_fields);
    RUN(quantities);
    RUN(malformed_bytes_never_crash);
    RUN(json_readers);
    return test_summary("guest_sdk");
}
