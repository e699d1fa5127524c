/* libFuzzer target: k8s_json_loadb's fast reader (src/k8s/json.c). The
 * first byte picks the flags (0 or JSON_DECODE_ANY), the rest is the text.
 * Invariants besides crashes and sanitizer reports: whenever the fast
 * reader accepts, jansson's json_loadb accepts too and the two trees print
 * the same (same values, types, key order); k8s_json_loadb succeeds exactly
 * when json_loadb does; k8s_json_dumps prints every tree as json_dumps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

static char *print(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t flags = data[0] & 1 ? JSON_DECODE_ANY : 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_error_t jerr;
    json_t *fast = k8s_json_read_fast(text, len, flags);
    json_t *ref = json_loadb(text, len, flags, &jerr);
    if (fast) {
        if (!ref || !json_equal(fast, ref)) abort();
        char *a = print(fast), *b = print(ref);
        if (!a || !b || strcmp(a, b) != 0) abort();
        free(a);
        free(b);
    }
    if (ref) {
        /* the writer prints what jansson prints */
        char *a = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY), *b = k8s_json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!a != !b || (a && strcmp(a, b) != 0)) abort();
        free(a);
        free(b);
    }
    json_t *either = k8s_json_loadb(text, len, flags, &jerr);
    if (!either != !ref) abort();
    json_decref(either);
    json_decref(fast);
    json_decref(ref);
    return 0;
}
