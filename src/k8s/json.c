/*
 * json.c — k8s_json_loadb: a fast JSON reader that builds the same jansson
 * tree as json_loadb.
 *
 * jansson's own reader moves one character at a time through a UTF-8
 * decoding stream and a growing buffer; on Kubernetes objects (about 1 KB
 * of short keys and strings) that is most of the cost of a watch event or
 * a LIST item. This reader scans runs of plain characters at once and
 * hands them to jansson's no-copy-check constructors, so the tree is built
 * with the same calls and the same duplicate-key rule (the last value wins,
 * in the first one's place).
 *
 * It takes the common road only. Anything else — any syntax error, an
 * escaped NUL, a lone surrogate, a control character in a string, a number
 * out of range, nesting deeper than jansson allows, a top-level scalar
 * without JSON_DECODE_ANY, any flag other than JSON_DECODE_ANY — is handed
 * back to json_loadb, so errors (and their messages) and every corner case
 * are jansson's own. fuzz/fuzz_json.c holds it to that: whenever this
 * reader accepts, jansson accepts and the trees are equal.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

typedef struct reader {
    const unsigned char *p, *end;
    int depth;
    char *scratch;      /* unescaped strings */
    size_t scratch_cap;
} reader;

/* byte classes inside a string: 0 plain ASCII, 1 end or escape or control, 2 non-ASCII */
static unsigned char string_class[256];
static void init_classes(void) {
    for (int c = 0; c < 256; c++) string_class[c] = c < 0x20 || c == '"' || c == '\\' ? 1 : c >= 0x80 ? 2 : 0;
}

static json_t *read_value(reader *r);

static void skip_space(reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) r->p++;
}

/* One UTF-8 sequence starting at p (a byte >= 0x80), as jansson accepts
 * it: no overlong forms, no surrogates, nothing above U+10FFFF. Returns its
 * length, 0 if invalid. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    size_t n;
    unsigned v;
    if (c >= 0xC2 && c <= 0xDF) n = 2, v = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, v = c & 0x07;
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    return n;
}

static int hex4(const unsigned char *p, const unsigned char *end) {
    if (end - p < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool scratch_room(reader *r, size_t need) {
    if (need <= r->scratch_cap) return true;
    size_t cap = r->scratch_cap ? r->scratch_cap : 256;
    while (cap < need) cap *= 2;
    char *s = realloc(r->scratch, cap);
    if (!s) return false;
    r->scratch = s;
    r->scratch_cap = cap;
    return true;
}

/* A string after its opening quote. On success *out and *len are the text: a
 * pointer into the input when it has no escapes, else into r->scratch. */
static bool read_string(reader *r, const char **out, size_t *len) {
    const unsigned char *start = r->p;
    const unsigned char *p = r->p;
    for (;;) {
        while (p < r->end && !string_class[*p]) p++;
        if (p >= r->end) return false;
        if (*p == '"') {
            *out = (const char *)start;
            *len = (size_t)(p - start);
            r->p = p + 1;
            return true;
        }
        if (*p >= 0x80) {
            size_t n = utf8_sequence(p, r->end);
            if (!n) return false;
            p += n;
            continue;
        }
        if (*p != '\\') return false; /* a control character */
        break;
    }
    /* escapes: copy what was plain, then unescape the rest */
    size_t n = (size_t)(p - start);
    if (!scratch_room(r, n + 64)) return false;
    memcpy(r->scratch, start, n);
    for (;;) {
        if (p >= r->end) return false;
        unsigned c = *p;
        if (c == '"') break;
        if (!scratch_room(r, n + 8)) return false;
        if (c >= 0x80) {
            size_t k = utf8_sequence(p, r->end);
            if (!k) return false;
            memcpy(r->scratch + n, p, k);
            n += k;
            p += k;
            continue;
        }
        if (c < 0x20) return false;
        if (c != '\\') {
            r->scratch[n++] = (char)c;
            p++;
            continue;
        }
        if (++p >= r->end) return false;
        c = *p++;
        switch (c) {
        case '"': case '\\': case '/': r->scratch[n++] = (char)c; break;
        case 'b': r->scratch[n++] = '\b'; break;
        case 'f': r->scratch[n++] = '\f'; break;
        case 'n': r->scratch[n++] = '\n'; break;
        case 'r': r->scratch[n++] = '\r'; break;
        case 't': r->scratch[n++] = '\t'; break;
        case 'u': {
            int v = hex4(p, r->end);
            if (v <= 0) return false; /* invalid, or \u0000: jansson decides */
            p += 4;
            unsigned cp = (unsigned)v;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (r->end - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
                int lo = hex4(p + 2, r->end);
                if (lo < 0xDC00 || lo > 0xDFFF) return false;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
            }
            char *o = r->scratch + n;
            if (cp < 0x80) {
                o[0] = (char)cp;
                n += 1;
            } else if (cp < 0x800) {
                o[0] = (char)(0xC0 | (cp >> 6));
                o[1] = (char)(0x80 | (cp & 0x3F));
                n += 2;
            } else if (cp < 0x10000) {
                o[0] = (char)(0xE0 | (cp >> 12));
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[2] = (char)(0x80 | (cp & 0x3F));
                n += 3;
            } else {
                o[0] = (char)(0xF0 | (cp >> 18));
                o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[3] = (char)(0x80 | (cp & 0x3F));
                n += 4;
            }
            break;
        }
        default: return false;
        }
    }
    r->p = p + 1;
    *out = r->scratch;
    *len = n;
    return true;
}

/* A number as jansson reads it: an integer (json_int_t) unless it has a
 * fraction or an exponent; out of range is left to jansson (an error). */
static json_t *read_number(reader *r) {
    const unsigned char *s = r->p, *p = r->p;
    bool real = false;
    if (p < r->end && *p == '-') p++;
    if (p >= r->end) return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    if (p < r->end && *p == '.') {
        real = true;
        p++;
        if (p >= r->end || *p < '0' || *p > '9') return NULL;
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (p >= r->end || *p < '0' || *p > '9') return NULL;
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    size_t n = (size_t)(p - s);
    char buf[64];
    if (n >= sizeof buf) return NULL;
    r->p = p;
    if (!real) {
        /* up to 18 digits cannot overflow */
        size_t digits = n - (*s == '-');
        if (digits <= 18) {
            long long v = 0;
            for (const unsigned char *q = s + (*s == '-'); q < p; q++) v = v * 10 + (*q - '0');
            return json_integer(*s == '-' ? -v : v);
        }
        memcpy(buf, s, n);
        buf[n] = 0;
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE) return NULL;
        return json_integer(v);
    }
    memcpy(buf, s, n);
    buf[n] = 0;
    double d = strtod(buf, NULL);
    if (isinf(d)) return NULL;
    return json_real(d);
}

static bool literal(reader *r, const char *word, size_t n) {
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return false;
    r->p += n;
    return true;
}

static json_t *read_object(reader *r) {
    json_t *obj = json_object();
    skip_space(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return obj;
    }
    for (;;) {
        if (r->p >= r->end || *r->p != '"') goto fail;
        r->p++;
        const char *key;
        size_t keylen;
        if (!read_string(r, &key, &keylen)) goto fail;
        /* the key may sit in scratch, which the value may reuse */
        char small[128], *copy = keylen < sizeof small ? small : malloc(keylen + 1);
        if (!copy) goto fail;
        memcpy(copy, key, keylen);
        skip_space(r);
        json_t *v = NULL;
        if (r->p < r->end && *r->p == ':') {
            r->p++;
            skip_space(r);
            v = read_value(r);
        }
        int rc = v ? json_object_setn_new_nocheck(obj, copy, keylen, v) : -1;
        if (copy != small) free(copy);
        if (rc != 0) goto fail;
        skip_space(r);
        if (r->p >= r->end) goto fail;
        if (*r->p == '}') {
            r->p++;
            return obj;
        }
        if (*r->p != ',') goto fail;
        r->p++;
        skip_space(r);
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *read_array(reader *r) {
    json_t *arr = json_array();
    skip_space(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return arr;
    }
    for (;;) {
        json_t *v = read_value(r);
        if (!v || json_array_append_new(arr, v) != 0) goto fail;
        skip_space(r);
        if (r->p >= r->end) goto fail;
        if (*r->p == ']') {
            r->p++;
            return arr;
        }
        if (*r->p != ',') goto fail;
        r->p++;
        skip_space(r);
    }
fail:
    json_decref(arr);
    return NULL;
}

static json_t *read_value(reader *r) {
    if (r->p >= r->end) return NULL;
    switch (*r->p) {
    case '{':
    case '[': {
        if (++r->depth > JSON_PARSER_MAX_DEPTH) return NULL;
        bool object = *r->p++ == '{';
        json_t *v = object ? read_object(r) : read_array(r);
        r->depth--;
        return v;
    }
    case '"': {
        r->p++;
        const char *s;
        size_t n;
        return read_string(r, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
    }
    case 't': return literal(r, "true", 4) ? json_true() : NULL;
    case 'f': return literal(r, "false", 5) ? json_false() : NULL;
    case 'n': return literal(r, "null", 4) ? json_null() : NULL;
    default: return read_number(r);
    }
}

json_t *k8s_json_read_fast(const char *buf, size_t len, size_t flags) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_classes);
    if ((flags & ~(size_t)JSON_DECODE_ANY) != 0 || !buf) return NULL;
    reader r = {(const unsigned char *)buf, (const unsigned char *)buf + len, 0, NULL, 0};
    skip_space(&r);
    bool container = r.p < r.end && (*r.p == '{' || *r.p == '[');
    json_t *v = container || (flags & JSON_DECODE_ANY) ? read_value(&r) : NULL;
    free(r.scratch);
    if (v) {
        skip_space(&r);
        if (r.p == r.end) return v;
        json_decref(v);
    }
    return NULL;
}

json_t *k8s_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error) {
    json_t *v = k8s_json_read_fast(buf, len, flags);
    return v ? v : json_loadb(buf, len, flags, error);
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

/* jansson's compact form: strings with \" \\ \b \f \n \r \t and \u00XX
 * (upper-case hex) escapes, UTF-8 kept; integers as %lld; reals as %.17g
 * with ".0" added when it would read back as an integer and the
 * exponent's "+" and leading zeros dropped. Returns false on anything
 * jansson would refuse to print (invalid UTF-8 in a string). */
static bool write_string(strbuf *sb, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    strbuf_putc(sb, '"');
    while (p < end) {
        unsigned c = *p;
        if (c >= 0x80) {
            size_t k = utf8_sequence(p, end);
            if (!k) return false;
            p += k;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        strbuf_append(sb, (const char *)run, (size_t)(p - run));
        char esc[6] = {'\\', 0};
        size_t len = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            len = 6;
        }
        strbuf_append(sb, esc, len);
        run = ++p;
    }
    strbuf_append(sb, (const char *)run, (size_t)(p - run));
    strbuf_putc(sb, '"');
    return true;
}

static void write_real(strbuf *sb, double d) {
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n <= 0 || (size_t)n >= sizeof buf - 3) return;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = 0;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char *start = e + 1, *digits;
        if (*start == '+') {
            memmove(start, start + 1, strlen(start + 1) + 1);
        } else if (*start == '-') {
            start++;
        }
        digits = start;
        while (*digits == '0' && digits[1]) digits++;
        if (digits != start) memmove(start, digits, strlen(digits) + 1);
        n = (int)strlen(buf);
    }
    strbuf_append(sb, buf, (size_t)n);
}

static bool write_value(strbuf *sb, const json_t *v, int depth) {
    if (depth > JSON_PARSER_MAX_DEPTH) return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        strbuf_putc(sb, '{');
        const char *key;
        json_t *item;
        bool first = true;
        json_object_foreach((json_t *)v, key, item) {
            if (!first) strbuf_putc(sb, ',');
            first = false;
            if (!write_string(sb, key, strlen(key))) return false;
            strbuf_putc(sb, ':');
            if (!write_value(sb, item, depth + 1)) return false;
        }
        strbuf_putc(sb, '}');
        return true;
    }
    case JSON_ARRAY: {
        strbuf_putc(sb, '[');
        for (size_t i = 0, n = json_array_size(v); i < n; i++) {
            if (i) strbuf_putc(sb, ',');
            if (!write_value(sb, json_array_get(v, i), depth + 1)) return false;
        }
        strbuf_putc(sb, ']');
        return true;
    }
    case JSON_STRING: return write_string(sb, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        strbuf_append(sb, buf, (size_t)n);
        return true;
    }
    case JSON_REAL: write_real(sb, json_real_value(v)); return true;
    case JSON_TRUE: strbuf_append(sb, "true", 4); return true;
    case JSON_FALSE: strbuf_append(sb, "false", 5); return true;
    case JSON_NULL: strbuf_append(sb, "null", 4); return true;
    }
    return false;
}

bool k8s_json_write(strbuf *sb, const json_t *v) {
    size_t mark = sb->len;
    if (v && write_value(sb, v, 0)) return true;
    sb->len = mark;
    if (sb->data) sb->data[mark] = 0;
    return false;
}

char *k8s_json_dumps(const json_t *v, size_t flags) {
    bool scalar_ok = flags & JSON_ENCODE_ANY;
    if ((flags & ~(size_t)(JSON_COMPACT | JSON_ENCODE_ANY)) != (size_t)0 || !(flags & JSON_COMPACT) || !v ||
        (!scalar_ok && !json_is_object(v) && !json_is_array(v)))
        return json_dumps(v, flags);
    strbuf sb;
    strbuf_init(&sb);
    if (k8s_json_write(&sb, v)) return strbuf_take(&sb);
    strbuf_free(&sb);
    return json_dumps(v, flags);
}
