/*
 * protobuf.c — just enough of Kubernetes' protobuf encoding to accept what
 * kubectl 1.32's generators send: `kubectl create namespace|configmap|secret|
 * serviceaccount` POST `application/vnd.kubernetes.protobuf` bodies (the
 * "k8s\0" magic, then a runtime.Unknown wrapping the typed message). These
 * kinds are flat (ObjectMeta plus string/bytes maps), so a small table per
 * kind maps field numbers to JSON names (the generated.proto numbering,
 * checked against captured kubectl bodies in tests). Other kinds (their
 * generators: create deployment/job/...) answer 415 with a message saying to
 * use `kubectl create -f`.
 */
#include <stdio.h>
#include <string.h>

#include "apiserver/apiserver_internal.h"

typedef struct pb {
    const uint8_t *p, *end;
} pb;

static bool varint(pb *b, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
        uint8_t c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Next field: number, wire type, and for length-delimited the payload. */
static bool next_field(pb *b, uint32_t *field, int *wire, pb *payload, uint64_t *value) {
    uint64_t key;
    if (!varint(b, &key)) return false;
    *field = (uint32_t)(key >> 3);
    *wire = (int)(key & 7);
    switch (*wire) {
    case 0: return varint(b, value);
    case 1:
        if (b->end - b->p < 8) return false;
        b->p += 8;
        return true;
    case 5:
        if (b->end - b->p < 4) return false;
        b->p += 4;
        return true;
    case 2: {
        uint64_t len;
        if (!varint(b, &len) || len > (uint64_t)(b->end - b->p)) return false;
        payload->p = b->p;
        payload->end = b->p + len;
        b->p += len;
        return true;
    }
    default: return false;
    }
}

static json_t *pb_string(const pb *s) {
    return json_stringn((const char *)s->p, (size_t)(s->end - s->p));
}

static json_t *pb_base64(const pb *s) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = (size_t)(s->end - s->p);
    strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s->p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)s->p[i + 1] << 8;
        if (i + 2 < n) v |= s->p[i + 2];
        char out[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                       i + 2 < n ? b64[v & 63] : '='};
        strbuf_append(&sb, out, 4);
    }
    json_t *r = json_string(strbuf_cstr(&sb));
    strbuf_free(&sb);
    return r;
}

/* A map entry {1: key, 2: value} into obj[key]. */
static bool map_entry(const pb *entry, json_t *obj, bool bytes) {
    pb e = *entry, payload = {0}, key = {0}, val = {0};
    uint32_t f;
    int w;
    uint64_t v;
    bool have_key = false;
    while (e.p < e.end) {
        if (!next_field(&e, &f, &w, &payload, &v)) return false;
        if (w != 2) continue;
        if (f == 1) key = payload, have_key = true;
        else if (f == 2) val = payload;
    }
    if (!have_key) return false;
    char *k = xstrndup((const char *)key.p, (size_t)(key.end - key.p));
    json_object_set_new(obj, k, bytes ? pb_base64(&val) : pb_string(&val));
    free(k);
    return true;
}

static json_t *child(json_t *parent, const char *key) {
    json_t *c = json_object_get(parent, key);
    if (!c) json_object_set_new(parent, key, c = json_object());
    return c;
}

static bool object_meta(const pb *msg, json_t *meta) {
    pb m = *msg, payload = {0};
    uint32_t f;
    int w;
    uint64_t v;
    while (m.p < m.end) {
        if (!next_field(&m, &f, &w, &payload, &v)) return false;
        if (w != 2) continue;
        const char *name = f == 1 ? "name" : f == 2 ? "generateName" : f == 3 ? "namespace" : NULL;
        if (name) {
            if (payload.end > payload.p) json_object_set_new(meta, name, pb_string(&payload));
        } else if (f == 11 || f == 12) {
            if (!map_entry(&payload, child(meta, f == 11 ? "labels" : "annotations"), false)) return false;
        } else if (f == 14) {
            json_t *fin = json_object_get(meta, "finalizers");
            if (!fin) json_object_set_new(meta, "finalizers", fin = json_array());
            json_array_append_new(fin, pb_string(&payload));
        }
    }
    return true;
}

json_t *sl_protobuf_to_json(const sl_resource *res, const void *data, size_t len, char *err, size_t errsize) {
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    if (len < 4 || memcmp(data, magic, 4) != 0) {
        snprintf(err, errsize, "the protobuf body does not start with the k8s magic");
        return NULL;
    }
    if (res->id != SL_RES_NAMESPACES && res->id != SL_RES_CONFIGMAPS && res->id != SL_RES_SECRETS &&
        res->id != SL_RES_SERVICEACCOUNTS) {
        snprintf(err, errsize, "protobuf bodies are understood for namespaces, configmaps, secrets and "
                 "serviceaccounts only; send JSON or YAML (kubectl create -f FILE)");
        return NULL;
    }
    pb b = {(const uint8_t *)data + 4, (const uint8_t *)data + len}, payload = {0}, raw = {0};
    uint32_t f;
    int w;
    uint64_t v;
    bool have_raw = false;
    while (b.p < b.end) {
        if (!next_field(&b, &f, &w, &payload, &v)) goto bad;
        if (f == 2 && w == 2) raw = payload, have_raw = true;
    }
    if (!have_raw) goto bad;
    json_t *obj = json_object();
    char av[64];
    json_object_set_new(obj, "apiVersion", json_string(sl_resource_api_version(res, av, sizeof av)));
    json_object_set_new(obj, "kind", json_string(res->kind));
    json_t *meta = child(obj, "metadata");
    b = raw;
    while (b.p < b.end) {
        if (!next_field(&b, &f, &w, &payload, &v)) {
            json_decref(obj);
            goto bad;
        }
        bool ok = true;
        if (f == 1 && w == 2) {
            ok = object_meta(&payload, meta);
        } else if (res->id == SL_RES_NAMESPACES && f == 2 && w == 2) {
            json_t *spec = child(obj, "spec");
            pb s = payload, item = {0};
            while (ok && s.p < s.end) {
                uint32_t ff;
                int ww;
                ok = next_field(&s, &ff, &ww, &item, &v);
                if (ok && ff == 1 && ww == 2) {
                    json_t *fin = json_object_get(spec, "finalizers");
                    if (!fin) json_object_set_new(spec, "finalizers", fin = json_array());
                    json_array_append_new(fin, pb_string(&item));
                }
            }
        } else if ((res->id == SL_RES_CONFIGMAPS || res->id == SL_RES_SECRETS) && (f == 2 || f == 3 || f == 4) && w == 2) {
            if (res->id == SL_RES_SECRETS && f == 3) {
                if (payload.end > payload.p) json_object_set_new(obj, "type", pb_string(&payload));
            }
            else {
                bool bytes = (res->id == SL_RES_CONFIGMAPS && f == 3) || (res->id == SL_RES_SECRETS && f == 2);
                const char *name = res->id == SL_RES_CONFIGMAPS ? (f == 2 ? "data" : f == 3 ? "binaryData" : NULL)
                                                              : (f == 2 ? "data" : "stringData");
                if (name) ok = map_entry(&payload, child(obj, name), bytes);
            }
        } else if (w == 0 && ((res->id == SL_RES_CONFIGMAPS && f == 4) || (res->id == SL_RES_SECRETS && f == 5))) {
            json_object_set_new(obj, "immutable", json_boolean(v != 0));
        } else if (w == 0 && res->id == SL_RES_SERVICEACCOUNTS && f == 4) {
            json_object_set_new(obj, "automountServiceAccountToken", json_boolean(v != 0));
        }
        if (!ok) {
            json_decref(obj);
            goto bad;
        }
    }
    return obj;
bad:
    snprintf(err, errsize, "the protobuf body is malformed");
    return NULL;
}
