/*
 * regex_guest.c — a test/benchmark guest for the wasm plugin host, written
 * against the raw host ABI (no SDK): RegexScheduling semantics with a tiny
 * backtracking matcher (literals, . * + ? ^ $ and [classes]; enough for the
 * tests and the benchmark workload — the real C guests with Go RE2
 * semantics live in guests/). Built twice:
 *   -DREGEX_V1  filter decodes the pod and compiles on every call
 *   (default)   prefilter decodes + "compiles" once, filter only matches
 *   clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry \
 *     -Wl,--export=prefilter -Wl,--export=filter -o regex_v2.wasm regex_guest.c
 */
#include <stdint.h>
#include <string.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("k8s.io/scheduler", "currentPod") uint32_t current_pod(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "currentNodeName") uint32_t current_node_name(void *buf, uint32_t limit);
IMPORT("k8s.io/scheduler", "result.status_reason") void status_reason(const void *p, uint32_t n);

static uint8_t podbuf[65536];
static char pattern[512];
static int has_pattern;

static uint64_t varint(const uint8_t **p, const uint8_t *end) {
    uint64_t v = 0;
    int s = 0;
    while (*p < end) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) break;
        s += 7;
    }
    return v;
}

/* Finds field `num` (length-delimited) in [p,end); returns its body. */
static int field(const uint8_t *p, const uint8_t *end, uint32_t num, const uint8_t **body, uint32_t *len,
                 const uint8_t **next) {
    while (p < end) {
        uint64_t tag = varint(&p, end);
        uint32_t f = (uint32_t)(tag >> 3), wt = tag & 7;
        if (wt == 0) {
            varint(&p, end);
            continue;
        }
        if (wt != 2) return 0;
        uint32_t n = (uint32_t)varint(&p, end);
        if (f == num) {
            *body = p;
            *len = n;
            if (next) *next = p + n;
            return 1;
        }
        p += n;
    }
    return 0;
}

static const char KEY[] = "scheduler.wasmkwokwizardry.io/regex";

static int load_pattern(void) {
    uint32_t n = current_pod(podbuf, sizeof podbuf);
    if (n > sizeof podbuf) return 0;
    const uint8_t *meta, *e, *next;
    uint32_t mlen, elen;
    if (!field(podbuf, podbuf + n, 1, &meta, &mlen, 0)) return 0;
    const uint8_t *p = meta, *end = meta + mlen;
    while (field(p, end, 12, &e, &elen, &next)) {
        const uint8_t *k, *v;
        uint32_t klen, vlen;
        if (field(e, e + elen, 1, &k, &klen, 0) && klen == sizeof KEY - 1 && !memcmp(k, KEY, klen) &&
            field(e, e + elen, 2, &v, &vlen, 0) && vlen < sizeof pattern) {
            memcpy(pattern, v, vlen);
            pattern[vlen] = 0;
            return 1;
        }
        p = next;
    }
    return 0;
}

/* ---- matcher ---- */
static int match_here(const char *re, const char *s);

static const char *class_end(const char *re) { /* re at '[' */
    const char *p = re + 1;
    if (*p == '^') p++;
    if (*p == ']') p++;
    while (*p && *p != ']') p++;
    return *p ? p + 1 : 0;
}

static int match_one(const char *re, char c) {
    if (!c) return 0;
    if (*re == '.') return 1;
    if (*re == '[') {
        const char *p = re + 1;
        int neg = *p == '^', in = 0;
        if (neg) p++;
        const char *end = class_end(re) - 1;
        for (; p < end; p++) {
            if (p + 2 < end && p[1] == '-') {
                if (c >= p[0] && c <= p[2]) in = 1;
                p += 2;
            } else if (*p == c) {
                in = 1;
            }
        }
        return in != neg;
    }
    if (*re == '\\') return re[1] == c;
    return *re == c;
}

static const char *atom_end(const char *re) {
    if (*re == '[') return class_end(re);
    if (*re == '\\') return re + 2;
    return re + 1;
}

static int match_here(const char *re, const char *s) {
    for (;;) {
        if (!*re) return 1;
        if (re[0] == '$' && !re[1]) return !*s;
        const char *next = atom_end(re);
        if (!next) return 0;
        if (*next == '*' || *next == '+' || *next == '?') {
            int min = *next == '+', max = *next == '?' ? 1 : 1 << 30;
            int n = 0;
            while (n < max && match_one(re, s[n])) n++;
            for (; n >= min; n--)
                if (match_here(next + 1, s + n)) return 1;
            return 0;
        }
        if (!match_one(re, *s)) return 0;
        re = next;
        s++;
    }
}

static int match(const char *re, const char *s) {
    if (*re == '^') return match_here(re + 1, s);
    do {
        if (match_here(re, s)) return 1;
    } while (*s++);
    return 0;
}

static int valid(const char *re) {
    for (const char *p = re; *p; p++) {
        if (*p == '[' && !class_end(p)) return 0;
        if (*p == '(' || *p == ')') return 0; /* groups unsupported: "invalid" */
        if (*p == '\\' && !p[1]) return 0;    /* trailing backslash */
    }
    return 1;
}

static char msg[1200];

static int fail(int code, const char *a, const char *b, const char *c, const char *d, const char *e) {
    char *m = msg;
    const char *parts[] = {a, b, c, d, e};
    for (int i = 0; i < 5; i++)
        if (parts[i])
            for (const char *q = parts[i]; *q && m < msg + sizeof msg - 1; q++) *m++ = *q;
    status_reason(msg, (uint32_t)(m - msg));
    return code;
}

#ifdef REGEX_V1
EXPORT("filter") int filter(void) {
    if (!load_pattern()) return 0;
    if (!valid(pattern)) return fail(1, "failed to compile regex \"", pattern, "\"", 0, 0);
#else
EXPORT("prefilter") int prefilter(void) {
    has_pattern = load_pattern();
    if (has_pattern && !valid(pattern)) return fail(1, "failed to compile regex \"", pattern, "\"", 0, 0);
    return 0;
}

EXPORT("filter") int filter(void) {
    if (!has_pattern) return 0;
#endif
    char name[256];
    uint32_t n = current_node_name(name, sizeof name - 1);
    if (n >= sizeof name) return 1;
    name[n] = 0;
    if (match(pattern, name)) return 0;
    return fail(2, "node \"", name, "\" does not match regex \"", pattern, "\"");
}
