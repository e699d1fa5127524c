/*
 * regex_common.h — what RegexScheduling v1 and v2 (C wasm guests) share:
 * the annotation, Go's %q, and the two status messages, worded exactly as
 * the native plugin (src/plugins/regex_scheduling.c) and the Go plugin of
 * the KubeCon NA 2024 demo word them.
 */
#ifndef SCHEDLAB_GUESTS_REGEX_COMMON_H
#define SCHEDLAB_GUESTS_REGEX_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "plugins/go_regexp_syntax.h"
#include "plugins/go_regexp_vm.h"
#include "schedlab_guest.h"

#define REGEX_ANNOTATION "scheduler.wasmkwokwizardry.io/regex"

/* A reusable heap buffer for C strings. */
typedef struct cbuf {
    char *data;
    size_t cap;
} cbuf;

static inline void cbuf_reserve(cbuf *b, size_t n) {
    if (n <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < n) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) __builtin_trap();
    b->data = p;
    b->cap = cap;
}

/* A NUL-terminated copy of s (n bytes) in b. */
static inline const char *cbuf_set(cbuf *b, const char *s, size_t n) {
    cbuf_reserve(b, n + 1);
    if (n) memcpy(b->data, s, n);
    b->data[n] = '\0';
    return b->data;
}

/* Go's %q of a C string, into b. */
static inline const char *quote_into(cbuf *b, const char *s) {
    size_t n = go_quote(s, NULL, 0);
    cbuf_reserve(b, n + 1);
    go_quote(s, b->data, n + 1);
    return b->data;
}

static inline int32_t regex_compile_failed(const char *quoted_pattern, const char *err) {
    return sl_status(SL_CODE_ERROR, "failed to compile regex %s: %s", quoted_pattern, err);
}

/* The part of the Unschedulable message after the node's quoted name:
 * ` does not match regex "PATTERN"` (Go's %q of the pattern), into b;
 * returns its length. v2 builds it once per cycle, v1 on a rejection. */
static inline size_t reject_tail_into(cbuf *b, const char *pattern) {
    static const char mid[] = " does not match regex ";
    size_t q = go_quote(pattern, NULL, 0);
    cbuf_reserve(b, sizeof(mid) - 1 + q + 1);
    memcpy(b->data, mid, sizeof(mid) - 1);
    go_quote(pattern, b->data + sizeof(mid) - 1, q + 1);
    return sizeof(mid) - 1 + q;
}

/* True when Go's %q of these bytes is just the bytes in quotes: printable
 * ASCII without " or \. Eight bytes at a time (SWAR): a byte is bad when
 * >= 0x80, < 0x20, or equal to 0x7f, '"' or '\\'. */
static inline uint64_t swar_bad(uint64_t x) {
    const uint64_t L = 0x0101010101010101ull, H = 0x8080808080808080ull;
#define SWAR_ZERO(v) (((v) - L) & ~(v) & H)
    return (x & H) | ((x - L * 0x20) & ~x & H) | SWAR_ZERO(x ^ (L * 0x7f)) | SWAR_ZERO(x ^ (L * 0x22)) |
           SWAR_ZERO(x ^ (L * 0x5c));
#undef SWAR_ZERO
}

static inline bool quote_is_plain(const char *s, size_t n) {
    uint64_t w;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            if (swar_bad(w)) return false;
        }
        if (i == n) return true;
        memcpy(&w, s + n - 8, 8); /* the last 8 bytes, overlapping */
        return swar_bad(w) == 0;
    }
    if (n >= 4) { /* first 4 and last 4 bytes, as one word */
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        return swar_bad(((uint64_t)b << 32) | a) == 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
}

/* Filter verdict for the current node. `tail` (of `tail_len` bytes) is
 * reject_tail_into's text for `pattern`, or NULL: then it is built only
 * when the node does not match. The Unschedulable message
 * `node "NAME" does not match regex "PATTERN"` is assembled without printf
 * straight into the SDK's reason buffer (it is built once per rejected node). */
static inline int32_t regex_match_node(go_vm_regexp *re, const char *pattern, const char *tail,
                                       size_t tail_len) {
    static cbuf name, tail_buf;
    static const char head[] = "node ";
    sl_str node = sl_current_node_name();
    if (go_vm_match(re, node.ptr, node.len)) return SL_CODE_SUCCESS;
    if (!tail) {
        tail_len = reject_tail_into(&tail_buf, pattern);
        tail = tail_buf.data;
    }
    /* %q grows a byte to at most 4 characters (\xff): one pass is enough */
    size_t room = 4 * node.len + 3;
    char *msg = sl_reason_buffer(sizeof(head) - 1 + room + tail_len);
    char *w = msg;
    memcpy(w, head, sizeof(head) - 1);
    w += sizeof(head) - 1;
    if (quote_is_plain(node.ptr, node.len)) {
        *w++ = '"';
        memcpy(w, node.ptr, node.len);
        w += node.len;
        *w++ = '"';
    } else {
        w += go_quote(cbuf_set(&name, node.ptr, node.len), w, room);
    }
    memcpy(w, tail, tail_len);
    sl_set_reason_length((size_t)(w + tail_len - msg));
    return SL_CODE_UNSCHEDULABLE;
}

#endif
