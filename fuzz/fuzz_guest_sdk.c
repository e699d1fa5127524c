/*
 * fuzz_guest_sdk.c — libFuzzer target for the C guest SDK's decoders
 * (sdk/c/proto.c): arbitrary bytes as a Pod and as a Node protobuf through
 * every accessor, and as the host's JSON payloads. Nothing may crash or read
 * out of bounds (the bytes come from the host, but a guest must survive any).
 *
 *   make fuzz && build/fuzz/fuzz_guest_sdk -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/c/proto.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    sl_msg m = {copy, size};
    sl_str s;
    int64_t v;
    int32_t prio;
    (void)sl_pod_name(m);
    (void)sl_pod_uid(m);
    (void)sl_pod_annotation(m, "a", &s);
    (void)sl_pod_label(m, "a", &s);
    (void)sl_pod_priority(m, &prio);
    (void)sl_pod_request_milli(m, "cpu");
    (void)sl_pod_request_milli(m, "memory");
    sl_msg_iter it = sl_pod_tolerations(m);
    sl_toleration t;
    while (sl_pod_next_toleration(&it, &t)) {}
    (void)sl_node_name(m);
    (void)sl_node_unschedulable(m);
    (void)sl_node_allocatable_milli(m, "cpu", &v);
    it = sl_node_taints(m);
    sl_taint taint;
    while (sl_node_next_taint(&it, &taint)) {}
    sl_str q = {(const char *)copy, size};
    (void)sl_quantity_parse_milli(q, &v);
    (void)sl_quantity_parse_value(q, &v);
    sl_json_iter j;
    if (sl_json_array_begin(&j, (const char *)copy, size))
        while (sl_json_array_next_string(&j, &s)) {}
    if (sl_json_object_begin(&j, (const char *)copy, size))
        while (sl_json_object_next(&j, &s, &v)) {}
    free(copy);
    return 0;
}
