/*
 * base_shim.c — the few functions of schedlab's src/base that the shared Go
 * regexp translator (src/plugins/go_regexp_syntax.c) uses, for wasm32 guests
 * where base.c (threads, clocks, logging) is not built. Out of memory traps,
 * which the host reports as an Error status of the call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static void *check(void *p) {
    if (!p) __builtin_trap();
    return p;
}

void *xmalloc(size_t size) { return check(malloc(size ? size : 1)); }
void *xcalloc(size_t count, size_t size) { return check(calloc(count ? count : 1, size ? size : 1)); }
void *xrealloc(void *ptr, size_t size) { return check(realloc(ptr, size ? size : 1)); }

char *xstrdup(const char *s) {
    size_t n = strlen(s);
    char *p = xmalloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

void strbuf_init(strbuf *sb) { sb->data = NULL; sb->len = sb->cap = 0; }
void strbuf_free(strbuf *sb) { free(sb->data); strbuf_init(sb); }
void strbuf_reset(strbuf *sb) { sb->len = 0; if (sb->data) sb->data[0] = 0; }

static void grow(strbuf *sb, size_t extra) {
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
}

void strbuf_append(strbuf *sb, const char *s, size_t n) {
    grow(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = 0;
}

void strbuf_puts(strbuf *sb, const char *s) { strbuf_append(sb, s, strlen(s)); }
void strbuf_putc(strbuf *sb, char c) { strbuf_append(sb, &c, 1); }

void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) return;
    grow(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_printf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *strbuf_take(strbuf *sb) {
    char *d = sb->data ? sb->data : xstrdup("");
    strbuf_init(sb);
    return d;
}

const char *strbuf_cstr(strbuf *sb) { return sb->data ? sb->data : ""; }
