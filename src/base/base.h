/*
 * base — the bottom layer every other module builds on: checked memory
 * allocation, a growable string buffer, a bump arena for per-cycle scratch
 * memory, growable vectors, logging and clocks.
 *
 * Ownership rules used across the project:
 *   - xmalloc/xcalloc/xrealloc/xstrdup never return NULL: out of memory is
 *     not a recoverable condition for a scheduler, so they abort with a message.
 *   - Memory from an arena belongs to the arena; it is released all at once by
 *     arena_reset() or arena_free(), never individually.
 *   - A strbuf owns its bytes; strbuf_take() hands them to the caller.
 */
#ifndef SCHEDLAB_BASE_H
#define SCHEDLAB_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SL_MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED(x) ((void)(x))

#if defined(__GNUC__) || defined(__clang__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#define PRINTF_LIKE(f, a)
#endif

/* ---- memory ---------------------------------------------------------- */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new heap string the caller frees. */
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap);

/* Growable vector of any element type: `VEC(int) v = {0};`
 * VEC_PUSH(&v, x) appends, v.len / v.items read it, VEC_FREE releases. */
#define VEC(T) struct { T *items; size_t len, cap; }
#define VEC_RESERVE(v, n)                                                     \
    do {                                                                      \
        if ((v)->len + (n) > (v)->cap) {                                      \
            size_t vec_newcap_ = (v)->cap ? (v)->cap * 2 : 8;                 \
            while (vec_newcap_ < (v)->len + (n)) vec_newcap_ *= 2;            \
            (v)->items = xrealloc((v)->items, vec_newcap_ * sizeof(*(v)->items)); \
            (v)->cap = vec_newcap_;                                           \
        }                                                                     \
    } while (0)
#define VEC_PUSH(v, x)                                                        \
    do {                                                                      \
        VEC_RESERVE(v, 1);                                                    \
        (v)->items[(v)->len++] = (x);                                         \
    } while (0)
#define VEC_FREE(v)                                                           \
    do {                                                                      \
        free((v)->items);                                                     \
        (v)->items = NULL;                                                    \
        (v)->len = (v)->cap = 0;                                              \
    } while (0)

/* ---- string buffer ---------------------------------------------------- */
typedef struct strbuf {
    char *data;  /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
} strbuf;

void strbuf_init(strbuf *sb);
void strbuf_free(strbuf *sb);
void strbuf_reset(strbuf *sb);                 /* len = 0, keeps capacity */
void strbuf_append(strbuf *sb, const char *s, size_t n);
void strbuf_puts(strbuf *sb, const char *s);
void strbuf_putc(strbuf *sb, char c);
void strbuf_printf(strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap);
/* Appends s as a JSON string literal (with quotes and escapes). */
void strbuf_put_json_string(strbuf *sb, const char *s);
char *strbuf_take(strbuf *sb);                 /* returns data ("" if empty), resets sb */
const char *strbuf_cstr(strbuf *sb);           /* "" if empty */

/* ---- arena --------------------------------------------------------------
 * A bump allocator made of chained blocks. Not thread-safe: each thread uses
 * its own arena. arena_reset keeps the first block for reuse, so a cycle that
 * resets its arena allocates nothing from the heap in steady state. */
typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t default_block;
} arena;

void arena_init(arena *a, size_t block_size);
void *arena_alloc(arena *a, size_t size);      /* 16-byte aligned, uninitialised */
void *arena_zalloc(arena *a, size_t size);     /* zeroed */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
void arena_reset(arena *a);
void arena_free(arena *a);

/* ---- logging ------------------------------------------------------------
 * Messages go to stderr as "schedlab: LEVEL: message". The level is global
 * and set once at start-up from the environment (SCHEDLAB_LOG=debug|info|warn|error). */
typedef enum { SL_LOG_DEBUG, SL_LOG_INFO, SL_LOG_WARN, SL_LOG_ERROR, SL_LOG_OFF } log_level;
void log_set_level(log_level level);
log_level log_get_level(void);
void log_msg(log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define log_debug(...) do { if (log_get_level() <= SL_LOG_DEBUG) log_msg(SL_LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) log_msg(SL_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(SL_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(SL_LOG_ERROR, __VA_ARGS__)

/* ---- time ------------------------------------------------------------- */
int64_t time_now_ns(void);          /* CLOCK_MONOTONIC */
int64_t time_wall_ns(void);         /* CLOCK_REALTIME */
/* RFC 3339 UTC with seconds precision, e.g. 2026-11-23T10:00:00Z, into buf (>= 21 bytes). */
void time_format_rfc3339(int64_t wall_ns, char *buf, size_t bufsize);

/* ---- files ------------------------------------------------------------ */
/* Reads a whole file ("-" = stdin). Returns NULL and fills err on failure. */
char *file_read_all(const char *path, size_t *len_out, char *err, size_t errsize);

/* ---- threads ---------------------------------------------------------- */
/* Names the calling thread prefix+suffix (cut to 15 bytes) for top -H,
 * perf and gdb. */
void name_thread(const char *prefix, const char *suffix);

/* ---- random ------------------------------------------------------------
 * A small, fast, seedable PRNG (splitmix64 seeded xoshiro256**), one state
 * per user so results are reproducible from a seed. */
typedef struct rng { uint64_t s[4]; } rng;
void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
uint64_t rng_below(rng *r, uint64_t bound);   /* uniform in [0, bound), bound > 0 */

#endif
