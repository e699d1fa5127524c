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

/* ---- matcher ----
 * The pattern is compiled (prefilter in v2, every filter call in v1) into
 * atoms: a 256-bit byte set and a repeat range; matching backtracks over
 * atoms, so a class test is one bit test. */
typedef struct atom {
    uint32_t set[8];
    uint8_t min, max; /* max 255 = unbounded */
} atom;
static atom atoms[128];
static int natoms, anchored_start, anchored_end;

static void set_bit(atom *a, unsigned c) { a->set[c >> 5] |= 1u << (c & 31); }

static int compile(const char *re) {
    natoms = 0;
    anchored_start = *re == '^';
    if (anchored_start) re++;
    anchored_end = 0;
    while (*re) {
        if (re[0] == '$' && !re[1]) {
            anchored_end = 1;
            break;
        }
        if (*re == '(' || *re == ')' || natoms == 128) return 0; /* groups unsupported: "invalid" */
        atom *a = &atoms[natoms++];
        memset(a, 0, sizeof *a);
        a->min = a->max = 1;
        if (*re == '.') {
            memset(a->set, 0xff, sizeof a->set);
            re++;
        } else if (*re == '[') {
            re++;
            int neg = *re == '^';
            if (neg) re++;
            const char *first = re;
            while (*re && (*re != ']' || re == first)) {
                if (re[1] == '-' && re[2] && re[2] != ']') {
                    for (unsigned c = (uint8_t)re[0]; c <= (uint8_t)re[2]; c++) set_bit(a, c);
                    re += 3;
                } else {
                    set_bit(a, (uint8_t)*re++);
                }
            }
            if (!*re) return 0;
            re++;
            if (neg)
                for (int i = 0; i < 8; i++) a->set[i] = ~a->set[i];
        } else if (*re == '\\') {
            if (!re[1]) return 0; /* trailing backslash */
            set_bit(a, (uint8_t)re[1]);
            re += 2;
        } else {
            set_bit(a, (uint8_t)*re++);
        }
        if (*re == '*' || *re == '+' || *re == '?') {
            a->min = *re == '+';
            a->max = *re == '?' ? 1 : 255;
            re++;
        }
    }
    return 1;
}

static int in_set(const atom *a, uint8_t c) { return (a->set[c >> 5] >> (c & 31)) & 1; }

static int match_at(int k, const uint8_t *s, const uint8_t *end) {
    for (; k < natoms; k++) {
        const atom *a = &atoms[k];
        if (a->min == 1 && a->max == 1) {
            if (s == end || !in_set(a, *s)) return 0;
            s++;
            continue;
        }
        int n = 0;
        while ((a->max == 255 || n < a->max) && s + n < end && in_set(a, s[n])) n++;
        for (; n >= a->min; n--)
            if (match_at(k + 1, s + n, end)) return 1;
        return 0;
    }
    return !anchored_end || s == end;
}

static int match(const char *name, uint32_t len) {
    const uint8_t *s = (const uint8_t *)name, *end = s + len;
    if (anchored_start) return match_at(0, s, end);
    if (anchored_end && natoms && atoms[natoms - 1].min == 1 && atoms[natoms - 1].max == 1) {
        /* fixed-width tail: only one start position can work */
        int fixed = 1;
        for (int k = 0; k < natoms; k++) fixed &= atoms[k].min == 1 && atoms[k].max == 1;
        if (fixed) return len >= (uint32_t)natoms && match_at(0, end - natoms, end);
    }
    for (const uint8_t *p = s; p <= end; p++)
        if (match_at(0, p, end)) return 1;
    return 0;
}

static char msg[1200];

static int fail(int code, const char *a, const char *b, const char *c, const char *d, const char *e) {
    char *m = msg;
    const char *parts[] = {a, b, c, d, e};
    for (int i = 0; i < 5; i++) {
        if (!parts[i]) continue;
        size_t n = strlen(parts[i]);
        if (n > (size_t)(msg + sizeof msg - m)) n = (size_t)(msg + sizeof msg - m);
        memcpy(m, parts[i], n); /* memory.copy with -mbulk-memory */
        m += n;
    }
    status_reason(msg, (uint32_t)(m - msg));
    return code;
}

#ifdef REGEX_V1
EXPORT("filter") int filter(void) {
    if (!load_pattern()) return 0;
    if (!compile(pattern)) return fail(1, "failed to compile regex \"", pattern, "\"", 0, 0);
#else
EXPORT("prefilter") int prefilter(void) {
    has_pattern = load_pattern();
    if (has_pattern && !compile(pattern)) return fail(1, "failed to compile regex \"", pattern, "\"", 0, 0);
    return 0;
}

EXPORT("filter") int filter(void) {
    if (!has_pattern) return 0;
#endif
    char name[256];
    uint32_t n = current_node_name(name, sizeof name - 1);
    if (n >= sizeof name) return 1;
    name[n] = 0;
    if (match(name, n)) return 0;
    return fail(2, "node \"", name, "\" does not match regex \"", pattern, "\"");
}
