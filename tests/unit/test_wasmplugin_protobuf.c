/*
 * test_wasmplugin_protobuf.c — the Pod/Node protobuf encoder against bytes
 * derived by hand from the protobuf spec and Kubernetes' gogo rules
 * (reference/wasm-abi.md §4): always-emitted empty fields, sorted map keys,
 * canonical quantities, zero and non-zero Time, negative int32 as a 10-byte
 * varint, nested length prefixes; and Quantity canonical forms.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "wasmplugin/wasmplugin.h"

static json_t *js(const char *text) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *s = buf; *s; s++)
        if (*s == '\'') *s = '"';
    json_t *v = json_loads(buf, 0, NULL);
    if (!v) abort();
    return v;
}

static void hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 3 * i, "%02x ", p[i]);
    out[n ? 3 * n - 1 : 0] = 0;
}

static void check_bytes(bool pod, const char *obj, const char *want) {
    json_t *v = js(obj);
    sl_pb_buf b = {0};
    if (pod)
        sl_pb_encode_pod(&b, v);
    else
        sl_pb_encode_node(&b, v);
    char got[8192];
    hex(b.data, b.len, got);
    CHECK_EQ_STR(got, want);
    /* deterministic: same bytes again (the guest's retry relies on it) */
    sl_pb_buf c = {0};
    if (pod)
        sl_pb_encode_pod(&c, v);
    else
        sl_pb_encode_node(&c, v);
    CHECK(c.len == b.len && memcmp(c.data, b.data, b.len) == 0);
    free(b.data);
    free(c.data);
    json_decref(v);
}

TEST(node_with_only_a_name) {
    check_bytes(false, "{'metadata':{'name':'n'}}",
                "0a 11 0a 01 6e 12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 "
                "12 08 0a 00 12 00 1a 00 20 00 "
                "1a 1e 1a 00 32 04 0a 02 08 00 3a 14 0a 00 12 00 1a 00 22 00 2a 00 32 00 3a 00 42 00 4a 00 52 00");
}

TEST(node_with_time_taint_and_sorted_capacity) {
    check_bytes(false,
                "{'metadata':{'name':'n','creationTimestamp':'1970-01-01T00:00:10Z'},"
                "'spec':{'unschedulable':true,'taints':[{'key':'k','effect':'NoSchedule'}]},"
                "'status':{'capacity':{'pods':'110','cpu':'4'}}}",
                "0a 15 0a 01 6e 12 00 1a 00 22 00 2a 00 32 00 38 00 42 04 08 0a 10 00 "
                "12 1b 0a 00 12 00 1a 00 20 01 2a 11 0a 01 6b 12 00 1a 0a 4e 6f 53 63 68 65 64 75 6c 65 "
                "1a 39 0a 0a 0a 03 63 70 75 12 03 0a 01 34 0a 0d 0a 04 70 6f 64 73 12 05 0a 03 31 31 30 "
                "1a 00 32 04 0a 02 08 00 3a 14 0a 00 12 00 1a 00 22 00 2a 00 32 00 3a 00 42 00 4a 00 52 00");
}

TEST(pod_with_labels_resources_priority) {
    check_bytes(true,
                "{'metadata':{'name':'p','labels':{'b':'2','a':'1'}},"
                "'spec':{'containers':[{'name':'c','resources':{'requests':{'memory':'1024Mi','cpu':'0.5'}}}],"
                "'priority':-1}}",
                /* metadata (33) */
                "0a 21 0a 01 70 12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 "
                "5a 06 0a 01 61 12 01 31 5a 06 0a 01 62 12 01 32 "
                /* spec (99): container (57) */
                "12 63 12 39 0a 01 63 12 00 2a 00 "
                "42 20 12 0d 0a 03 63 70 75 12 06 0a 04 35 30 30 6d "
                "12 0f 0a 06 6d 65 6d 6f 72 79 12 05 0a 03 31 47 69 "
                "6a 00 72 00 80 01 00 88 01 00 90 01 00 a2 01 00 "
                "1a 00 32 00 42 00 4a 00 52 00 58 00 60 00 68 00 82 01 00 8a 01 00 9a 01 00 c2 01 00 "
                "c8 01 ff ff ff ff ff ff ff ff ff 01 "
                /* status (19) */
                "1a 13 0a 00 1a 00 22 00 2a 00 32 00 4a 00 5a 00 72 00 88 01 00");
}

TEST(empty_pod_has_the_always_fields) {
    json_t *v = js("{}");
    sl_pb_buf b = {0};
    sl_pb_encode_pod(&b, v);
    CHECK(b.len > 0 && b.data[0] == 0x0a); /* metadata always present */
    free(b.data);
    json_decref(v);
}

TEST(quantity_canonical_forms) {
    static const char *cases[][2] = {
        {"0.5", "500m"}, {"1024Mi", "1Gi"}, {"1536Mi", "1536Mi"}, {"1.5Gi", "1536Mi"}, {"2000", "2k"},
        {"1500", "1500"}, {"100m", "100m"}, {"1000m", "1"}, {"0.1", "100m"}, {"4", "4"},
        {"32Gi", "32Gi"}, {"500Mi", "500Mi"}, {"0", "0"}, {"1e3", "1e3"}, {"110", "110"},
        {"512", "512"}, {"2048", "2048"}, {"1Ki", "1Ki"}, {"-1", "-1"}, {"1n", "1n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        CHECK(sl_pb_quantity_canonical(cases[i][0], out, sizeof out));
        CHECK_EQ_STR(out, cases[i][1]);
    }
    char out[64];
    CHECK(!sl_pb_quantity_canonical("abc", out, sizeof out));
    CHECK(!sl_pb_quantity_canonical("1Qi", out, sizeof out));
}

int main(void) {
    RUN(node_with_only_a_name);
    RUN(node_with_time_taint_and_sorted_capacity);
    RUN(pod_with_labels_resources_priority);
    RUN(empty_pod_has_the_always_fields);
    RUN(quantity_canonical_forms);
    return test_summary("wasmplugin_protobuf");
}
