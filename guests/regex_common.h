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

/* Filter verdict for the current node. `quoted_pattern` may be NULL: then
 * `pattern` is quoted only when the node does not match. The Unschedulable
 * message is assembled without printf (it is built once per rejected node). */
static inline int32_t regex_match_node(go_vm_regexp *re, const char *pattern,
                                       const char *quoted_pattern) {
    static cbuf name, quoted_buf, msg;
    static const char head[] = "node ", mid[] = " does not match regex ";
    sl_str node = sl_current_node_name();
    if (go_vm_match(re, node.ptr, node.len)) return SL_CODE_SUCCESS;
    if (!quoted_pattern) quoted_pattern = quote_into(&quoted_buf, pattern);
    const char *n = cbuf_set(&name, node.ptr, node.len);
    size_t qp = strlen(quoted_pattern);
    /* %q grows a byte to at most 4 characters (\xff): one pass is enough */
    size_t room = 4 * node.len + 3;
    cbuf_reserve(&msg, sizeof(head) - 1 + room + sizeof(mid) - 1 + qp + 1);
    char *w = msg.data;
    memcpy(w, head, sizeof(head) - 1);
    w += sizeof(head) - 1;
    bool plain = true; /* printable ASCII without " or \: %q just adds quotes */
    for (size_t i = 0; i < node.len && plain; i++) {
        unsigned char c = (unsigned char)n[i];
        plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }
    if (plain) {
        *w++ = '"';
        memcpy(w, n, node.len);
        w += node.len;
        *w++ = '"';
    } else {
        w += go_quote(n, w, room);
    }
    memcpy(w, mid, sizeof(mid) - 1);
    w += sizeof(mid) - 1;
    memcpy(w, quoted_pattern, qp);
    size_t total = (size_t)(w + qp - msg.data);
    sl_set_reason_bytes(msg.data, total);
    return SL_CODE_UNSCHEDULABLE;
}

#endif
