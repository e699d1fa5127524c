/* libFuzzer target: what the API server takes from clients, below HTTP —
 * request bodies (JSON / YAML into the store through admission, create,
 * patch, delete), label and field selectors (parse and match), and the three
 * patch flavours (merge, strategic merge with directives, JSON patch)
 * against a realistic pod. The first byte picks the path; the rest is the
 * input. Besides sanitizer reports it checks that every rejection carries a
 * message and that a store write either succeeds or returns an error code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/apiserver.h"
#include "store/store.h"

static sl_store *store;
static json_t *base_pod;

static const char base_pod_json[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"web\",\"tier\":\"front\"},\"finalizers\":[\"a\",\"b\"]},\"spec\":{\"nodeName\":\"n1\","
    "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}],"
    "\"ports\":[{\"containerPort\":80}]}],\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}],"
    "\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\"}]},\"status\":{\"phase\":\"Running\","
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    char err[256];
    log_set_level(SL_LOG_OFF);
    store = sl_store_open(NULL, err, sizeof err);
    sl_admission_install(store, false);
    base_pod = json_loads(base_pod_json, 0, NULL);
    return 0;
}

static void check_store_error(int code, const sl_store_error *err) {
    if (code >= 300 && (!err->message[0] || !err->reason[0])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 64 * 1024) return 0;
    uint8_t mode = data[0] % 7;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    size_t len = size - 1;
    char err[512];
    sl_store_error serr;
    if (mode == 6) {
        /* a protobuf body (k8s magic + runtime.Unknown) of one of the flat kinds */
        static const sl_resource_id kinds[] = {SL_RES_NAMESPACES, SL_RES_CONFIGMAPS, SL_RES_SECRETS,
                                               SL_RES_SERVICEACCOUNTS, SL_RES_PODS};
        const sl_resource *res = sl_resource_get(kinds[len % 5]);
        err[0] = 0;
        json_t *obj = sl_protobuf_to_json(res, text, len, err, sizeof err);
        if (!obj && !err[0]) abort();
        if (obj) {
            sl_object *o = NULL;
            int c = sl_store_create(store, res, "default", obj, &o, &serr);
            check_store_error(c, &serr);
            if (c < 300) {
                sl_store_delete(store, o->res, o->namespace_, o->name, 0, NULL, NULL, &serr);
                sl_object_unref(o);
            }
            json_decref(obj);
        }
    } else if (mode == 0) {
        /* "labelSelector\nfieldSelector" */
        char *nl = memchr(text, '\n', len);
        const char *field = "";
        if (nl) {
            *nl = 0;
            field = nl + 1;
        }
        const sl_resource *res = sl_resource_get((sl_resource_id)(len % SL_RES_COUNT));
        sl_selector sel;
        memset(&serr, 0, sizeof serr);
        if (sl_selector_parse(&sel, res, text, field, &serr)) {
            sl_object *o;
            if (sl_store_get(store, sl_resource_get(SL_RES_NAMESPACES), NULL, "default", &o, &serr) == 200) {
                (void)sl_selector_matches(&sel, o);
                sl_object_unref(o);
            }
        } else if (!serr.message[0]) {
            abort();
        }
        sl_selector_free(&sel);
    } else {
        json_t *in = mode == 5 ? k8s_parse_document(text, len, "body", err, sizeof err)
                               : json_loadb(text, len, JSON_DECODE_ANY, NULL);
        if (mode == 5 && !in && !err[0]) abort();
        if (in) {
            json_t *out = NULL;
            int code = 0;
            err[0] = 0;
            switch (mode) {
            case 1: out = json_is_object(in) ? sl_merge_patch(base_pod, in) : NULL; break;
            case 2:
                out = sl_strategic_merge_patch(base_pod, in, err, sizeof err);
                if (!out && !err[0]) abort();
                break;
            case 3:
                out = sl_json_patch(base_pod, in, &code, err, sizeof err);
                if (!out && (!err[0] || (code != 400 && code != 422))) abort();
                break;
            default: break;
            }
            /* whatever came out (or the body itself) goes through the store */
            json_t *obj = out ? out : in;
            if (json_is_object(obj)) {
                sl_object *o = NULL;
                int c = sl_store_create(store, sl_resource_get(SL_RES_PODS), "default", obj, &o, &serr);
                check_store_error(c, &serr);
                if (c < 300) {
                    sl_list list;
                    sl_list_options lo = {.namespace_ = "default"};
                    sl_store_list(store, sl_resource_get(SL_RES_PODS), &lo, &list, &serr);
                    sl_list_free(&list);
                    c = sl_store_delete(store, o->res, o->namespace_, o->name, 0, NULL, NULL, &serr);
                    check_store_error(c, &serr);
                    sl_object_unref(o);
                }
                c = sl_store_create(store, sl_resource_get(SL_RES_CONFIGMAPS), "default", obj, &o, &serr);
                check_store_error(c, &serr);
                if (c < 300) {
                    sl_store_delete(store, o->res, o->namespace_, o->name, 0, NULL, NULL, &serr);
                    sl_object_unref(o);
                }
            }
            json_decref(out);
            json_decref(in);
        }
    }
    free(text);
    return 0;
}
