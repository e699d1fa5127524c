/* libFuzzer target: the scheduler's LIST answer parser (sl_kube_list_parse
 * in src/client), which finds the items of a list with its own scanner and
 * parses each with k8s_json_loadb on two threads. Invariants besides crashes and
 * sanitizer reports: whenever jansson reads the whole text as a JSON object,
 * the parser accepts it and its items are exactly jansson's "items" array
 * (same count, each equal, in order) and its resourceVersion jansson's
 * metadata.resourceVersion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

static void *copy_item(void *user, json_t *item) {
    (void)user;
    return json_deep_copy(item);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    sl_kube_list_result r;
    char err[256];
    bool ok = sl_kube_list_parse(text, size, 2, copy_item, NULL, &r, err, sizeof err);
    json_t *doc = json_loadb(text, size, JSON_DECODE_ANY, NULL);
    if (json_is_object(doc)) {
        if (!ok) abort();
        json_t *items = json_object_get(doc, "items");
        if (json_is_array(items)) {
            if (r.len != json_array_size(items)) abort();
            for (size_t i = 0; i < r.len; i++)
                if (!json_equal(r.items[i], json_array_get(items, i))) abort();
        }
        const char *rv = json_string_value(json_object_get(json_object_get(doc, "metadata"), "resourceVersion"));
        if (rv && strcmp(rv, r.resource_version) != 0) abort();
    }
    if (ok) {
        for (size_t i = 0; i < r.len; i++) json_decref(r.items[i]);
        sl_kube_list_result_free(&r);
    } else if (!err[0]) {
        abort();
    }
    json_decref(doc);
    return 0;
}
