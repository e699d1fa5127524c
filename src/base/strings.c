/*
 * strings.c — checked allocation (x* functions) and growable string buffers
 * (strbuf). Portable C only: the wasm guest SDK builds this same file for
 * wasm32 (the Go regexp translator uses it), so no threads, clocks or files
 * here; see base.h for the contract.
 */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size) {
    fprintf(stderr, "schedlab: fatal: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) out_of_memory(size);
    return p;
}

void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) out_of_memory(count * size);
    return p;
}

void *xrealloc(void *ptr, size_t size) {
    void *p = realloc(ptr, size ? size : 1);
    if (!p) out_of_memory(size);
    return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *xvasprintf(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

/* ---- strbuf ---- */

void strbuf_init(strbuf *sb) { sb->data = NULL; sb->len = sb->cap = 0; }
void strbuf_free(strbuf *sb) { free(sb->data); strbuf_init(sb); }
void strbuf_reset(strbuf *sb) { sb->len = 0; if (sb->data) sb->data[0] = 0; }

static void strbuf_grow(strbuf *sb, size_t extra) {
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
}

void strbuf_append(strbuf *sb, const char *s, size_t n) {
    strbuf_grow(sb, n);
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
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_printf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_put_json_string(strbuf *sb, const char *s) {
    static const char hex[] = "0123456789abcdef";
    strbuf_putc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': strbuf_append(sb, "\\\"", 2); break;
        case '\\': strbuf_append(sb, "\\\\", 2); break;
        case '\n': strbuf_append(sb, "\\n", 2); break;
        case '\r': strbuf_append(sb, "\\r", 2); break;
        case '\t': strbuf_append(sb, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                strbuf_append(sb, esc, 6);
            } else {
                strbuf_putc(sb, (char)*p);
            }
        }
    }
    strbuf_putc(sb, '"');
}

char *strbuf_take(strbuf *sb) {
    char *d = sb->data ? sb->data : xstrdup("");
    strbuf_init(sb);
    return d;
}

const char *strbuf_cstr(strbuf *sb) { return sb->data ? sb->data : ""; }
