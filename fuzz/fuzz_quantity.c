/* libFuzzer target: resource quantities (quantity.c). Besides crashes and
 * sanitizer reports it checks the one invariant that ties the two views
 * together: Value() = ceil(MilliValue() / 1000) away from zero, unless
 * MilliValue() saturated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    k8s_quantity q;
    char err[256];
    if (k8s_quantity_parse(text, &q, err, sizeof(err))) {
        if (q.milli > -INT64_MAX && q.milli < INT64_MAX) {
            int64_t magnitude = q.milli < 0 ? -q.milli : q.milli;
            int64_t units = (magnitude + 999) / 1000;
            int64_t want = q.milli < 0 ? -units : units;
            if (q.value != want) abort();
        }
        if ((q.milli < 0) != (q.value < 0)) abort();
    } else if (!err[0]) {
        abort(); /* every rejection carries a message */
    }
    json_t *s = json_stringn(text, size);
    if (s) {
        k8s_quantity_from_json(s, &q, err, sizeof(err));
        json_decref(s);
    }
    free(text);
    return 0;
}
