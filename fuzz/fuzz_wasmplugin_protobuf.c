/*
 * fuzz_wasmplugin_protobuf.c — libFuzzer target for the wasm plugin host's
 * outside-input paths that do not need a guest: arbitrary bytes as a JSON
 * object encoded as a Pod and a Node (objects come from cluster files and
 * API servers), and as a Quantity to canonicalize. Nothing may crash, leak
 * or read out of bounds; encoding twice must give the same bytes.
 *
 *   make fuzz && build/fuzz/fuzz_wasmplugin_protobuf -max_total_time=60
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "wasmplugin/wasmplugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;
    char *text = xstrndup((const char *)data, size);
    char out[256];
    sl_pb_quantity_canonical(text, out, sizeof out);
    free(text);
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (v) {
        sl_pb_buf a = {0}, b = {0};
        sl_pb_encode_pod(&a, v);
        sl_pb_encode_pod(&b, v);
        if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
        free(a.data);
        free(b.data);
        sl_pb_buf n = {0};
        sl_pb_encode_node(&n, v);
        free(n.data);
        json_decref(v);
    }
    return 0;
}
