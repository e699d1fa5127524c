/*
 * proto.c — the pure part of the C guest SDK: lazy protobuf views of the
 * Pod/Node bytes the host encodes (wasm-abi.md §4), Quantity parsing, and
 * the flat JSON readers. No host imports, no allocation: compiled for
 * wasm32 into libschedlab_guest.a and natively into tests/unit/test_guest_sdk.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "schedlab_guest.h"

/* ---- strings -------------------------------------------------------------- */

sl_str sl_str_of(const char *cstr) {
    sl_str s = {cstr, cstr ? strlen(cstr) : 0};
    return s;
}

bool sl_str_eq(sl_str a, const char *cstr) {
    size_t n = strlen(cstr);
    return a.len == n && (n == 0 || memcmp(a.ptr, cstr, n) == 0);
}

char *sl_str_copy(sl_str s, char *buf, size_t size) {
    if (!size) return buf;
    size_t n = s.len < size - 1 ? s.len : size - 1;
    if (n) memcpy(buf, s.ptr, n);
    buf[n] = '\0';
    return buf;
}

/* ---- protobuf wire format ------------------------------------------------- */

static bool read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len) return false;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Reads the next field at *pos: its number, wire type, and either the varint
 * value or the length-delimited payload. Returns false at the end or on
 * malformed bytes. */
typedef struct pb_field {
    uint32_t number, wire;
    uint64_t varint;
    sl_msg bytes;
} pb_field;

static bool next_field(sl_msg m, size_t *pos, pb_field *f) {
    uint64_t key;
    if (*pos >= m.len || !read_varint(m.ptr, m.len, pos, &key)) return false;
    f->number = (uint32_t)(key >> 3);
    f->wire = (uint32_t)(key & 7);
    if (f->number == 0 || key >> 3 > 0x1FFFFFFF) return false;
    switch (f->wire) {
    case 0: return read_varint(m.ptr, m.len, pos, &f->varint);
    case 1:
        if (m.len - *pos < 8) return false;
        *pos += 8;
        return true;
    case 5:
        if (m.len - *pos < 4) return false;
        *pos += 4;
        return true;
    case 2: {
        uint64_t n;
        if (!read_varint(m.ptr, m.len, pos, &n) || n > m.len - *pos) return false;
        f->bytes.ptr = m.ptr + *pos;
        f->bytes.len = (size_t)n;
        *pos += (size_t)n;
        return true;
    }
    default: return false; /* groups are not used by Kubernetes */
    }
}

bool sl_msg_bytes(sl_msg m, uint32_t field, sl_msg *out) {
    size_t pos = 0;
    pb_field f;
    bool found = false;
    sl_msg last = {NULL, 0};
    while (next_field(m, &pos, &f))
        if (f.number == field && f.wire == 2) {
            last = f.bytes;
            found = true;
        }
    if (pos != m.len) found = false; /* malformed tail: trust nothing */
    *out = found ? last : (sl_msg){NULL, 0};
    return found;
}

sl_str sl_msg_string(sl_msg m, uint32_t field) {
    sl_msg b;
    sl_msg_bytes(m, field, &b);
    sl_str s = {(const char *)b.ptr, b.len};
    if (!s.ptr) s.ptr = "";
    return s;
}

sl_msg sl_msg_message(sl_msg m, uint32_t field) {
    sl_msg b;
    sl_msg_bytes(m, field, &b);
    return b;
}

uint64_t sl_msg_varint(sl_msg m, uint32_t field, uint64_t def) {
    size_t pos = 0;
    pb_field f;
    uint64_t v = def;
    while (next_field(m, &pos, &f))
        if (f.number == field && f.wire == 0) v = f.varint;
    return pos == m.len ? v : def;
}

bool sl_msg_has(sl_msg m, uint32_t field) {
    size_t pos = 0;
    pb_field f;
    while (next_field(m, &pos, &f))
        if (f.number == field) return true;
    return false;
}

sl_msg sl_msg_path(sl_msg m, const uint32_t *fields, size_t n) {
    for (size_t i = 0; i < n; i++) m = sl_msg_message(m, fields[i]);
    return m;
}

sl_msg_iter sl_msg_iter_of(sl_msg m, uint32_t field) {
    sl_msg_iter it = {m, 0, field};
    return it;
}

bool sl_msg_next(sl_msg_iter *it, sl_msg *out) {
    pb_field f;
    while (next_field(it->m, &it->pos, &f))
        if (f.number == it->field && f.wire == 2) {
            *out = f.bytes;
            return true;
        }
    it->pos = it->m.len;
    return false;
}

size_t sl_msg_count(sl_msg m, uint32_t field) {
    sl_msg_iter it = sl_msg_iter_of(m, field);
    sl_msg x;
    size_t n = 0;
    while (sl_msg_next(&it, &x)) n++;
    return n;
}

bool sl_msg_map_next(sl_msg_iter *it, sl_str *key, sl_msg *value) {
    sl_msg entry;
    if (!sl_msg_next(it, &entry)) return false;
    *key = sl_msg_string(entry, 1);
    *value = sl_msg_message(entry, 2);
    return true;
}

bool sl_msg_map_get(sl_msg m, uint32_t field, const char *key, sl_msg *value) {
    sl_msg_iter it = sl_msg_iter_of(m, field);
    sl_str k;
    sl_msg v;
    bool found = false;
    while (sl_msg_map_next(&it, &k, &v))
        if (sl_str_eq(k, key)) {
            *value = v; /* last one wins, as when decoding into a map */
            found = true;
        }
    return found;
}

static bool map_string(sl_msg m, uint32_t field, const char *key, sl_str *value) {
    sl_msg v;
    if (!sl_msg_map_get(m, field, key, &v)) return false;
    value->ptr = v.ptr ? (const char *)v.ptr : "";
    value->len = v.len;
    return true;
}

/* ---- Quantity ------------------------------------------------------------ */

static bool mul_sat(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return false;
    *out = a * b;
    return true;
}

/* ceil(value × 1000^scale_milli) where value is the quantity's number:
 * scale_milli 1 = milli-units, 0 = units. */
static bool quantity_scaled(sl_str s, int scale_milli, int64_t *out) {
    const char *p = s.ptr, *end = s.ptr + s.len;
    if (p == end) return false;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    uint64_t mant = 0;
    int frac_digits = 0, sig = 0;
    bool any = false, dropped_nonzero = false, dot = false;
    for (; p < end; p++) {
        if (*p == '.' && !dot) {
            dot = true;
            continue;
        }
        if (*p < '0' || *p > '9') break;
        any = true;
        if (sig < 18) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant) sig++;
            if (dot) frac_digits++;
        } else if (dot) {
            if (*p != '0') dropped_nonzero = true;
        } else {
            return false; /* integer part beyond 18 digits: not a scheduler value */
        }
    }
    if (!any) return false;
    int dec_exp = 0, bin_exp = 0;
    if (p < end) {
        size_t rest = (size_t)(end - p);
        if (rest == 2 && p[1] == 'i') {
            switch (p[0]) {
            case 'K': bin_exp = 10; break;
            case 'M': bin_exp = 20; break;
            case 'G': bin_exp = 30; break;
            case 'T': bin_exp = 40; break;
            case 'P': bin_exp = 50; break;
            case 'E': bin_exp = 60; break;
            default: return false;
            }
        } else if (rest == 1) {
            switch (p[0]) {
            case 'n': dec_exp = -9; break;
            case 'u': dec_exp = -6; break;
            case 'm': dec_exp = -3; break;
            case 'k': dec_exp = 3; break;
            case 'M': dec_exp = 6; break;
            case 'G': dec_exp = 9; break;
            case 'T': dec_exp = 12; break;
            case 'P': dec_exp = 15; break;
            case 'E': dec_exp = 18; break;
            default: return false;
            }
        } else if (p[0] == 'e' || p[0] == 'E') {
            const char *q = p + 1;
            bool eneg = false;
            if (q < end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
            if (q == end) return false;
            int e = 0;
            for (; q < end; q++) {
                if (*q < '0' || *q > '9' || e > 1000) return false;
                e = e * 10 + (*q - '0');
            }
            dec_exp = eneg ? -e : e;
        } else {
            return false;
        }
    }
    uint64_t v = mant;
    bool ok = mul_sat(v, (uint64_t)1 << bin_exp, &v);
    int e10 = dec_exp - frac_digits + 3 * scale_milli;
    bool round_up = dropped_nonzero;
    for (; ok && e10 > 0; e10--) ok = mul_sat(v, 10, &v);
    for (; e10 < 0; e10++) {
        if (v % 10) round_up = true;
        v /= 10;
    }
    if (!ok || v > (uint64_t)INT64_MAX - 1) {
        *out = neg ? INT64_MIN : INT64_MAX;
        return true;
    }
    int64_t r = (int64_t)v;
    if (round_up) r = neg ? r : r + 1; /* ceil */
    *out = neg ? -r : r;
    return true;
}

bool sl_quantity_parse_milli(sl_str s, int64_t *milli) { return quantity_scaled(s, 1, milli); }
bool sl_quantity_parse_value(sl_str s, int64_t *value) { return quantity_scaled(s, 0, value); }

static int64_t add_sat(int64_t a, int64_t b) {
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    return a + b;
}

/* resources[field][resource] of a ResourceRequirements-holding container. */
static int64_t container_request(sl_msg container, const char *resource) {
    sl_msg resources = sl_msg_message(container, 8), q;
    if (!sl_msg_map_get(resources, 2, resource, &q)) return 0;
    int64_t v = 0;
    if (!sl_quantity_parse_milli(sl_msg_string(q, 1), &v)) return 0;
    return v;
}

/* ---- Pod ------------------------------------------------------------------ */

sl_msg sl_pod_metadata(sl_msg pod) { return sl_msg_message(pod, 1); }
sl_msg sl_pod_spec(sl_msg pod) { return sl_msg_message(pod, 2); }
sl_str sl_pod_name(sl_msg pod) { return sl_msg_string(sl_pod_metadata(pod), 1); }
sl_str sl_pod_namespace(sl_msg pod) { return sl_msg_string(sl_pod_metadata(pod), 3); }
sl_str sl_pod_uid(sl_msg pod) { return sl_msg_string(sl_pod_metadata(pod), 5); }
sl_str sl_pod_node_name(sl_msg pod) { return sl_msg_string(sl_pod_spec(pod), 10); }
sl_str sl_pod_scheduler_name(sl_msg pod) { return sl_msg_string(sl_pod_spec(pod), 19); }
sl_str sl_pod_priority_class_name(sl_msg pod) { return sl_msg_string(sl_pod_spec(pod), 24); }

bool sl_pod_priority(sl_msg pod, int32_t *priority) {
    sl_msg spec = sl_pod_spec(pod);
    if (!sl_msg_has(spec, 25)) return false;
    *priority = (int32_t)(uint32_t)sl_msg_varint(spec, 25, 0);
    return true;
}

bool sl_pod_annotation(sl_msg pod, const char *key, sl_str *value) {
    return map_string(sl_pod_metadata(pod), 12, key, value);
}

bool sl_pod_label(sl_msg pod, const char *key, sl_str *value) {
    return map_string(sl_pod_metadata(pod), 11, key, value);
}

bool sl_pod_node_selector(sl_msg pod, const char *key, sl_str *value) {
    return map_string(sl_pod_spec(pod), 7, key, value);
}

int64_t sl_pod_request_milli(sl_msg pod, const char *resource) {
    sl_msg spec = sl_pod_spec(pod), c;
    int64_t sum = 0, init_max = 0, sidecars = 0;
    sl_msg_iter it = sl_msg_iter_of(spec, 2);
    while (sl_msg_next(&it, &c)) sum = add_sat(sum, container_request(c, resource));
    it = sl_msg_iter_of(spec, 20);
    while (sl_msg_next(&it, &c)) {
        int64_t r = container_request(c, resource);
        if (sl_str_eq(sl_msg_string(c, 24), "Always")) { /* restartable init (sidecar) */
            sidecars = add_sat(sidecars, r);
            if (sidecars > init_max) init_max = sidecars;
        } else {
            int64_t with = add_sat(sidecars, r);
            if (with > init_max) init_max = with;
        }
    }
    sum = add_sat(sum, sidecars);
    int64_t total = sum > init_max ? sum : init_max;
    sl_msg q;
    int64_t overhead = 0;
    if (sl_msg_map_get(spec, 32, resource, &q) &&
        sl_quantity_parse_milli(sl_msg_string(q, 1), &overhead))
        total = add_sat(total, overhead);
    return total;
}

sl_msg_iter sl_pod_tolerations(sl_msg pod) { return sl_msg_iter_of(sl_pod_spec(pod), 22); }

bool sl_pod_next_toleration(sl_msg_iter *it, sl_toleration *out) {
    sl_msg t;
    if (!sl_msg_next(it, &t)) return false;
    out->key = sl_msg_string(t, 1);
    out->op = sl_msg_string(t, 2);
    out->value = sl_msg_string(t, 3);
    out->effect = sl_msg_string(t, 4);
    return true;
}

/* ---- Node ----------------------------------------------------------------- */

sl_str sl_node_name(sl_msg node) { return sl_msg_string(sl_msg_message(node, 1), 1); }

bool sl_node_label(sl_msg node, const char *key, sl_str *value) {
    return map_string(sl_msg_message(node, 1), 11, key, value);
}

bool sl_node_annotation(sl_msg node, const char *key, sl_str *value) {
    return map_string(sl_msg_message(node, 1), 12, key, value);
}

bool sl_node_unschedulable(sl_msg node) {
    return sl_msg_varint(sl_msg_message(node, 2), 4, 0) != 0;
}

static bool node_resource(sl_msg node, uint32_t field, const char *resource, int64_t *milli) {
    sl_msg q;
    if (!sl_msg_map_get(sl_msg_message(node, 3), field, resource, &q)) return false;
    return sl_quantity_parse_milli(sl_msg_string(q, 1), milli);
}

bool sl_node_allocatable_milli(sl_msg node, const char *resource, int64_t *milli) {
    return node_resource(node, 2, resource, milli);
}

bool sl_node_capacity_milli(sl_msg node, const char *resource, int64_t *milli) {
    return node_resource(node, 1, resource, milli);
}

sl_msg_iter sl_node_taints(sl_msg node) { return sl_msg_iter_of(sl_msg_message(node, 2), 5); }

bool sl_node_next_taint(sl_msg_iter *it, sl_taint *out) {
    sl_msg t;
    if (!sl_msg_next(it, &t)) return false;
    out->key = sl_msg_string(t, 1);
    out->value = sl_msg_string(t, 2);
    out->effect = sl_msg_string(t, 3);
    return true;
}

/* ---- flat JSON -------------------------------------------------------------- */

static void skip_ws(sl_json_iter *it) {
    while (it->p < it->end && (*it->p == ' ' || *it->p == '\t' || *it->p == '\n' || *it->p == '\r'))
        it->p++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(char *buf, size_t *n, size_t cap, uint32_t r) {
    char tmp[4];
    size_t k;
    if (r < 0x80) tmp[0] = (char)r, k = 1;
    else if (r < 0x800) tmp[0] = (char)(0xC0 | (r >> 6)), tmp[1] = (char)(0x80 | (r & 0x3F)), k = 2;
    else if (r < 0x10000)
        tmp[0] = (char)(0xE0 | (r >> 12)), tmp[1] = (char)(0x80 | ((r >> 6) & 0x3F)),
        tmp[2] = (char)(0x80 | (r & 0x3F)), k = 3;
    else
        tmp[0] = (char)(0xF0 | (r >> 18)), tmp[1] = (char)(0x80 | ((r >> 12) & 0x3F)),
        tmp[2] = (char)(0x80 | ((r >> 6) & 0x3F)), tmp[3] = (char)(0x80 | (r & 0x3F)), k = 4;
    for (size_t i = 0; i < k && *n < cap; i++) buf[(*n)++] = tmp[i];
}

/* Decodes a JSON string at it->p into it->key. */
static bool read_string(sl_json_iter *it, sl_str *out) {
    skip_ws(it);
    if (it->p >= it->end || *it->p != '"') return false;
    it->p++;
    size_t n = 0, cap = sizeof(it->key) - 1;
    while (it->p < it->end && *it->p != '"') {
        char c = *it->p++;
        if (c != '\\') {
            if (n < cap) it->key[n++] = c;
            continue;
        }
        if (it->p >= it->end) return false;
        c = *it->p++;
        switch (c) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u': {
            if (it->end - it->p < 4) return false;
            uint32_t r = 0;
            for (int i = 0; i < 4; i++) {
                int h = hexval(it->p[i]);
                if (h < 0) return false;
                r = r * 16 + (uint32_t)h;
            }
            it->p += 4;
            put_utf8(it->key, &n, cap, r);
            continue;
        }
        default: break; /* \" \\ \/ */
        }
        if (n < cap) it->key[n++] = c;
    }
    if (it->p >= it->end) return false;
    it->p++;
    it->key[n] = '\0';
    out->ptr = it->key;
    out->len = n;
    return true;
}

bool sl_json_array_begin(sl_json_iter *it, const char *json, size_t len) {
    it->p = json;
    it->end = json + len;
    skip_ws(it);
    if (it->p >= it->end || *it->p != '[') {
        it->p = it->end;
        return false;
    }
    it->p++;
    return true;
}

bool sl_json_object_begin(sl_json_iter *it, const char *json, size_t len) {
    it->p = json;
    it->end = json + len;
    skip_ws(it);
    if (it->p >= it->end || *it->p != '{') { /* includes `null` */
        it->p = it->end;
        return false;
    }
    it->p++;
    return true;
}

static bool element_start(sl_json_iter *it, char close) {
    skip_ws(it);
    if (it->p < it->end && *it->p == ',') it->p++;
    skip_ws(it);
    if (it->p >= it->end || *it->p == close) {
        it->p = it->end;
        return false;
    }
    return true;
}

bool sl_json_array_next_string(sl_json_iter *it, sl_str *value) {
    if (!element_start(it, ']')) return false;
    if (!read_string(it, value)) {
        it->p = it->end;
        return false;
    }
    return true;
}

bool sl_json_object_next(sl_json_iter *it, sl_str *key, int64_t *value) {
    if (!element_start(it, '}')) return false;
    if (!read_string(it, key)) goto bad;
    skip_ws(it);
    if (it->p >= it->end || *it->p != ':') goto bad;
    it->p++;
    skip_ws(it);
    bool neg = false;
    if (it->p < it->end && *it->p == '-') neg = true, it->p++;
    if (it->p >= it->end || *it->p < '0' || *it->p > '9') goto bad;
    int64_t v = 0;
    while (it->p < it->end && *it->p >= '0' && *it->p <= '9') {
        if (v < INT64_MAX / 10) v = v * 10 + (*it->p - '0');
        it->p++;
    }
    *value = neg ? -v : v;
    return true;
bad:
    it->p = it->end;
    return false;
}
