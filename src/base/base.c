/*
 * base.c — arenas, logging, clocks, files and PRNG (memory and string
 * buffers are in strings.c, which the wasm guests also build).
 * Everything here is small and dependency-free; see base.h for the contract.
 */
#include "base/base.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>


/* ---- arena ---- */

struct arena_block {
    arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void arena_init(arena *a, size_t block_size) {
    a->head = NULL;
    a->default_block = block_size ? block_size : 64 * 1024;
}

void *arena_alloc(arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > a->default_block ? size : a->default_block;
        arena_block *nb = xmalloc(sizeof(arena_block) + bsize);
        nb->size = bsize;
        nb->used = 0;
        /* Keep a partly used head in front when the new block is a one-off
         * oversize allocation, so small allocations keep filling it. */
        if (b && size > a->default_block) {
            nb->next = b->next;
            b->next = nb;
            nb->used = size;
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void *arena_zalloc(arena *a, size_t size) {
    void *p = arena_alloc(a, size);
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_vprintf(arena *a, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void arena_reset(arena *a) {
    arena_block *b = a->head;
    if (!b) return;
    /* Keep the largest block: the next cycle then fits in one block. */
    arena_block *keep = b;
    for (arena_block *it = b; it; it = it->next)
        if (it->size > keep->size) keep = it;
    while (b) {
        arena_block *next = b->next;
        if (b != keep) free(b);
        b = next;
    }
    keep->next = NULL;
    keep->used = 0;
    a->head = keep;
}

void arena_free(arena *a) {
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

/* ---- logging ---- */

static log_level current_level = SL_LOG_WARN;
static const char *level_names[] = {"debug", "info", "warning", "error", "off"};

void log_set_level(log_level level) { current_level = level; }
log_level log_get_level(void) { return current_level; }

void log_msg(log_level level, const char *fmt, ...) {
    if (level < current_level) return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "schedlab: %s: %s\n", level_names[level], line);
}

/* ---- time ---- */

int64_t time_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t time_wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void time_format_rfc3339(int64_t wall_ns, char *buf, size_t bufsize) {
    time_t secs = (time_t)(wall_ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, bufsize, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- files ---- */

char *file_read_all(const char *path, size_t *len_out, char *err, size_t errsize) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errsize, "%s: is a directory, not a file", path);
        fclose(f);
        return NULL;
    }
    strbuf sb;
    strbuf_init(&sb);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) strbuf_append(&sb, chunk, n);
    int failed = ferror(f);
    if (f != stdin) fclose(f);
    if (failed) {
        snprintf(err, errsize, "%s: read error", path);
        strbuf_free(&sb);
        return NULL;
    }
    if (len_out) *len_out = sb.len;
    return strbuf_take(&sb);
}

/* ---- random: xoshiro256** seeded by splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t rng_below(rng *r, uint64_t bound) {
    /* Lemire's nearly-divisionless method would be faster; modulo bias is
     * negligible for the small bounds used here (node counts). */
    return rng_next(r) % bound;
}

void name_thread(const char *prefix, const char *suffix) {
    char name[16];
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    pthread_setname_np(pthread_self(), name);
}
