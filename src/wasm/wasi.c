/*
 * wasi.c — WASI preview1 (`wasi_snapshot_preview1`) for schedlab's wasm
 * runtime: the imports TinyGo and wasi-libc guests link against, defined
 * into a sl_wasm_linker by sl_wasm_wasi_define() (see wasm.h).
 *
 * What is real: args, environ, clocks (realtime, monotonic, process and
 * thread CPU time), random_get (OS entropy, or a seeded deterministic
 * stream), fd_write to fds 1/2 (handed to the embedder's write callback),
 * fd_read from fd 0 (the configured stdin bytes), fd_close / fd_seek /
 * fd_tell / fd_fdstat_get / fd_filestat_get on the three stdio fds,
 * fd_prestat_* (no preopens: EBADF, which ends wasi-libc's preopen scan),
 * proc_exit (a SL_WASM_TRAP_EXIT trap carrying the code), sched_yield and
 * poll_oneoff (clock subscriptions sleep; stdio fd subscriptions are always
 * ready). Every other preview1 function is defined with its exact signature
 * and returns ENOSYS, so any wasi-libc or TinyGo binary links.
 *
 * Guest memory is reached only through sl_wasm_instance_memory(call->caller),
 * and every pointer/length pair is bounds-checked against the memory's
 * current size before it is touched: a bad pointer makes the call return
 * EFAULT, never a host crash. No pointer into guest memory is kept across
 * calls (memory may grow and move).
 *
 * State: the configuration (copied) lives in one wasi_state owned by the
 * linker (sl_wasm_linker_attach frees it). The few things that are truly
 * per instance — how much of stdin it has consumed, which stdio fds it
 * closed — are created lazily on first use and kept in a small map keyed by
 * the instance, under a mutex, because one linker may serve stores running
 * on several threads at once. Trade-off: an instance that never reads stdin
 * or closes an fd costs nothing, but the map cannot learn when a store is
 * freed, so an entry lives until the linker is freed (a new instance that
 * happens to reuse a dead one's address would inherit its stdin position).
 * Embedders that recycle stores at high rate should give stdin only to
 * instances that need it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/base.h"
#include "wasm/wasm.h"

/* WASI errno values. */
enum {
    WASI_ESUCCESS = 0,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOSYS = 52,
    WASI_ENOTSUP = 58,
    WASI_ESPIPE = 70,
};

/* Clock ids, file types, rights, event types. */
enum { WASI_CLOCK_REALTIME, WASI_CLOCK_MONOTONIC, WASI_CLOCK_PROCESS_CPUTIME, WASI_CLOCK_THREAD_CPUTIME };
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHT_POLL_FD_READWRITE (1ull << 27)
enum { WASI_EVENTTYPE_CLOCK, WASI_EVENTTYPE_FD_READ, WASI_EVENTTYPE_FD_WRITE };
#define WASI_SUBSCRIPTION_CLOCK_ABSTIME 1

#define WASI_SUBSCRIPTION_SIZE 48
#define WASI_EVENT_SIZE 32

typedef struct wasi_instance_state {
    const sl_wasm_instance *instance;
    size_t stdin_pos;
    bool closed[3];
} wasi_instance_state;

typedef struct wasi_state {
    /* args / environ, each as one NUL-separated blob plus offsets. */
    uint32_t argc, envc;
    char *arg_blob, *env_blob;
    uint32_t arg_blob_len, env_blob_len;
    uint32_t *arg_offsets, *env_offsets;

    sl_wasm_wasi_write_fn write;
    void *write_user;
    uint8_t *stdin_data;
    size_t stdin_len;

    bool seeded;
    rng random;                         /* when seeded; under lock */

    pthread_mutex_t lock;               /* guards `random` and `instances` */
    VEC(wasi_instance_state *) instances;
} wasi_state;

/* ------------------------------------------------------------------ */
/* Guest memory access                                                  */
/* ------------------------------------------------------------------ */

/* Returns a host pointer to guest [offset, offset+len) or NULL if any part
 * of it is outside the caller's memory (or the caller has none). */
static uint8_t *guest_span(sl_wasm_call *call, uint32_t offset, uint64_t len) {
    sl_wasm_extern *mem = sl_wasm_instance_memory(call->caller);
    if (!mem) return NULL;
    uint64_t size = sl_wasm_memory_size_bytes(mem);
    if ((uint64_t)offset > size || len > size - offset) return NULL;
    uint8_t *data = sl_wasm_memory_data(mem);
    return data ? data + offset : NULL;
}

static void put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) {
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* Writes a u32/u64 into guest memory; false if out of bounds. */
static bool guest_put_u32(sl_wasm_call *call, uint32_t offset, uint32_t v) {
    uint8_t *p = guest_span(call, offset, 4);
    if (!p) return false;
    put_u32(p, v);
    return true;
}
static bool guest_put_u64(sl_wasm_call *call, uint32_t offset, uint64_t v) {
    uint8_t *p = guest_span(call, offset, 8);
    if (!p) return false;
    put_u64(p, v);
    return true;
}

#define ARG_U32(i) ((uint32_t)slots[i])
#define ARG_U64(i) (slots[i])
#define RETURN_ERRNO(e)               \
    do {                              \
        slots[0] = (uint32_t)(e);     \
        return NULL;                  \
    } while (0)

static wasi_state *state_of(sl_wasm_call *call) { return call->user; }

/* The lazily created per-instance state; NULL lookup never allocates when
 * create is false. */
static wasi_instance_state *instance_state(wasi_state *st, const sl_wasm_instance *inst, bool create) {
    wasi_instance_state *found = NULL;
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < st->instances.len; i++)
        if (st->instances.items[i]->instance == inst) {
            found = st->instances.items[i];
            break;
        }
    if (!found && create) {
        found = xcalloc(1, sizeof *found);
        found->instance = inst;
        VEC_PUSH(&st->instances, found);
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

static bool fd_is_open_stdio(wasi_state *st, sl_wasm_call *call, uint32_t fd) {
    if (fd > 2) return false;
    wasi_instance_state *is = instance_state(st, call->caller, false);
    return !is || !is->closed[fd];
}

/* ------------------------------------------------------------------ */
/* args / environ                                                       */
/* ------------------------------------------------------------------ */

static sl_wasm_trap *write_string_list(sl_wasm_call *call, uint64_t *slots, uint32_t count,
                                    const uint32_t *offsets, const char *blob,
                                    uint32_t blob_len) {
    uint32_t ptrs = ARG_U32(0), buf = ARG_U32(1);
    uint8_t *pp = guest_span(call, ptrs, (uint64_t)count * 4);
    uint8_t *bp = guest_span(call, buf, blob_len);
    if (!pp || !bp) RETURN_ERRNO(WASI_EFAULT);
    if (blob_len) memcpy(bp, blob, blob_len);
    for (uint32_t i = 0; i < count; i++) put_u32(pp + 4 * i, buf + offsets[i]);
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *write_sizes(sl_wasm_call *call, uint64_t *slots, uint32_t count, uint32_t blob_len) {
    if (!guest_put_u32(call, ARG_U32(0), count) || !guest_put_u32(call, ARG_U32(1), blob_len))
        RETURN_ERRNO(WASI_EFAULT);
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_args_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    return write_string_list(call, slots, st->argc, st->arg_offsets, st->arg_blob, st->arg_blob_len);
}
static sl_wasm_trap *wasi_args_sizes_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    return write_sizes(call, slots, st->argc, st->arg_blob_len);
}
static sl_wasm_trap *wasi_environ_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    return write_string_list(call, slots, st->envc, st->env_offsets, st->env_blob, st->env_blob_len);
}
static sl_wasm_trap *wasi_environ_sizes_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    return write_sizes(call, slots, st->envc, st->env_blob_len);
}

/* ------------------------------------------------------------------ */
/* Clocks, random, scheduling                                           */
/* ------------------------------------------------------------------ */

static bool clock_of(uint32_t id, clockid_t *out) {
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    }
    return false;
}

static uint64_t timespec_ns(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static sl_wasm_trap *wasi_clock_res_get(sl_wasm_call *call, uint64_t *slots) {
    clockid_t id;
    struct timespec ts;
    if (!clock_of(ARG_U32(0), &id)) RETURN_ERRNO(WASI_EINVAL);
    if (clock_getres(id, &ts) != 0) RETURN_ERRNO(WASI_EIO);
    if (!guest_put_u64(call, ARG_U32(1), timespec_ns(&ts))) RETURN_ERRNO(WASI_EFAULT);
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_clock_time_get(sl_wasm_call *call, uint64_t *slots) {
    clockid_t id;
    struct timespec ts;
    if (!clock_of(ARG_U32(0), &id)) RETURN_ERRNO(WASI_EINVAL);
    if (clock_gettime(id, &ts) != 0) RETURN_ERRNO(WASI_EIO);
    /* slots[1] is the precision (i64), ignored. */
    if (!guest_put_u64(call, ARG_U32(2), timespec_ns(&ts))) RETURN_ERRNO(WASI_EFAULT);
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_random_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t len = ARG_U32(1);
    uint8_t *p = guest_span(call, ARG_U32(0), len);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    if (st->seeded) {
        pthread_mutex_lock(&st->lock);
        for (uint32_t i = 0; i < len; i += 8) {
            uint64_t r = rng_next(&st->random);
            for (uint32_t k = 0; k < 8 && i + k < len; k++) p[i + k] = (uint8_t)(r >> (8 * k));
        }
        pthread_mutex_unlock(&st->lock);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            RETURN_ERRNO(WASI_EIO);
        }
        done += (size_t)n;
    }
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_sched_yield(sl_wasm_call *call, uint64_t *slots) {
    sched_yield();
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_proc_exit(sl_wasm_call *call, uint64_t *slots) {
    return sl_wasm_trap_new_exit((int32_t)ARG_U32(0));
}

static void sleep_ns(uint64_t ns) {
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* poll_oneoff(in, out, nsubscriptions, nevents_ptr): clock subscriptions
 * wait (relative or absolute); fd_read on fd 0 and fd_write on fds 1/2 are
 * always ready; any other fd gets an event with EBADF. If an fd event is
 * ready the call does not sleep. */
static sl_wasm_trap *wasi_poll_oneoff(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t in = ARG_U32(0), out = ARG_U32(1), n = ARG_U32(2), nevents_ptr = ARG_U32(3);
    if (n == 0) RETURN_ERRNO(WASI_EINVAL);
    const uint8_t *subs = guest_span(call, in, (uint64_t)n * WASI_SUBSCRIPTION_SIZE);
    uint8_t *events = guest_span(call, out, (uint64_t)n * WASI_EVENT_SIZE);
    if (!subs || !events || !guest_span(call, nevents_ptr, 4)) RETURN_ERRNO(WASI_EFAULT);

    /* First pass: validate and find fd events and the earliest clock deadline
     * (as a monotonic time). */
    uint32_t nevents = 0;
    bool have_clock = false;
    uint64_t now_mono, wake = UINT64_MAX;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now_mono = timespec_ns(&ts);
    uint64_t *deadlines = xcalloc(n, sizeof *deadlines);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = subs + (size_t)i * WASI_SUBSCRIPTION_SIZE;
        uint8_t tag = s[8];
        deadlines[i] = UINT64_MAX;
        if (tag == WASI_EVENTTYPE_CLOCK) {
            uint32_t clock_id = get_u32(s + 16);
            uint64_t timeout = get_u64(s + 24);
            uint16_t flags = get_u16(s + 40);
            clockid_t cid;
            uint64_t rel = timeout;
            if (!clock_of(clock_id, &cid)) {
                uint8_t *e = events + (size_t)nevents++ * WASI_EVENT_SIZE;
                memset(e, 0, WASI_EVENT_SIZE);
                memcpy(e, s, 8);
                put_u16(e + 8, WASI_EINVAL);
                e[10] = WASI_EVENTTYPE_CLOCK;
                continue;
            }
            if (flags & WASI_SUBSCRIPTION_CLOCK_ABSTIME) {
                struct timespec c;
                clock_gettime(cid, &c);
                uint64_t cnow = timespec_ns(&c);
                rel = timeout > cnow ? timeout - cnow : 0;
            }
            deadlines[i] = now_mono + rel < now_mono ? UINT64_MAX - 1 : now_mono + rel;
            if (deadlines[i] < wake) wake = deadlines[i];
            have_clock = true;
        } else if (tag == WASI_EVENTTYPE_FD_READ || tag == WASI_EVENTTYPE_FD_WRITE) {
            uint32_t fd = get_u32(s + 16);
            uint8_t *e = events + (size_t)nevents++ * WASI_EVENT_SIZE;
            memset(e, 0, WASI_EVENT_SIZE);
            memcpy(e, s, 8);
            e[10] = tag;
            bool ok = (tag == WASI_EVENTTYPE_FD_READ ? fd == 0 : (fd == 1 || fd == 2)) &&
                      fd_is_open_stdio(st, call, fd);
            if (!ok) {
                put_u16(e + 8, WASI_EBADF);
            } else if (tag == WASI_EVENTTYPE_FD_READ) {
                wasi_instance_state *is = instance_state(st, call->caller, false);
                size_t pos = is ? is->stdin_pos : 0;
                put_u64(e + 16, pos < st->stdin_len ? st->stdin_len - pos : 0);
                put_u16(e + 24, pos >= st->stdin_len ? 1 /* fd_readwrite_hangup */ : 0);
            }
        } else {
            free(deadlines);
            RETURN_ERRNO(WASI_EINVAL);
        }
    }
    if (nevents == 0 && have_clock) {
        if (wake > now_mono) sleep_ns(wake - now_mono);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t after = timespec_ns(&ts);
        if (after < wake) after = wake;
        for (uint32_t i = 0; i < n; i++) {
            if (deadlines[i] > after) continue;
            const uint8_t *s = subs + (size_t)i * WASI_SUBSCRIPTION_SIZE;
            uint8_t *e = events + (size_t)nevents++ * WASI_EVENT_SIZE;
            memset(e, 0, WASI_EVENT_SIZE);
            memcpy(e, s, 8);
            e[10] = WASI_EVENTTYPE_CLOCK;
        }
    }
    free(deadlines);
    put_u32(guest_span(call, nevents_ptr, 4), nevents);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* ------------------------------------------------------------------ */
/* File descriptors (stdio only)                                        */
/* ------------------------------------------------------------------ */

/* fd_write(fd, iovs, iovs_len, nwritten_ptr) */
static sl_wasm_trap *wasi_fd_write(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0), iovs = ARG_U32(1), n = ARG_U32(2), nwritten_ptr = ARG_U32(3);
    if ((fd != 1 && fd != 2) || !fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    const uint8_t *iov = guest_span(call, iovs, (uint64_t)n * 8);
    if (!iov || !guest_span(call, nwritten_ptr, 4)) RETURN_ERRNO(WASI_EFAULT);
    /* Check every buffer before writing any, so a fault writes nothing. */
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = get_u32(iov + 8 * i + 4);
        if (!guest_span(call, get_u32(iov + 8 * i), len)) RETURN_ERRNO(WASI_EFAULT);
        total += len;
    }
    if (total > UINT32_MAX) RETURN_ERRNO(WASI_EINVAL);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = get_u32(iov + 8 * i + 4);
        if (len && st->write) st->write(st->write_user, (int)fd, guest_span(call, get_u32(iov + 8 * i), len), len);
    }
    put_u32(guest_span(call, nwritten_ptr, 4), (uint32_t)total);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_read(fd, iovs, iovs_len, nread_ptr) */
static sl_wasm_trap *wasi_fd_read(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0), iovs = ARG_U32(1), n = ARG_U32(2), nread_ptr = ARG_U32(3);
    if (fd != 0 || !fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    const uint8_t *iov = guest_span(call, iovs, (uint64_t)n * 8);
    if (!iov || !guest_span(call, nread_ptr, 4)) RETURN_ERRNO(WASI_EFAULT);
    for (uint32_t i = 0; i < n; i++)
        if (!guest_span(call, get_u32(iov + 8 * i), get_u32(iov + 8 * i + 4)))
            RETURN_ERRNO(WASI_EFAULT);
    uint32_t total = 0;
    if (st->stdin_len > 0) {
        wasi_instance_state *is = instance_state(st, call->caller, true);
        for (uint32_t i = 0; i < n && is->stdin_pos < st->stdin_len; i++) {
            uint32_t len = get_u32(iov + 8 * i + 4);
            size_t avail = st->stdin_len - is->stdin_pos;
            uint32_t k = len < avail ? len : (uint32_t)avail;
            if (UINT32_MAX - total < k) k = UINT32_MAX - total;
            memcpy(guest_span(call, get_u32(iov + 8 * i), k), st->stdin_data + is->stdin_pos, k);
            is->stdin_pos += k;
            total += k;
        }
    }
    put_u32(guest_span(call, nread_ptr, 4), total);
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_fd_close(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0);
    if (!fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    instance_state(st, call->caller, true)->closed[fd] = true;
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_seek(fd, offset i64, whence, newoffset_ptr) and fd_tell(fd, ptr):
 * stdio is a character device, not seekable. */
static sl_wasm_trap *wasi_fd_seek(sl_wasm_call *call, uint64_t *slots) {
    if (!fd_is_open_stdio(state_of(call), call, ARG_U32(0))) RETURN_ERRNO(WASI_EBADF);
    RETURN_ERRNO(WASI_ESPIPE);
}

/* fd_fdstat_get(fd, ptr): struct fdstat { u8 filetype; u16 flags @2;
 * u64 rights_base @8; u64 rights_inheriting @16 } (24 bytes). */
static sl_wasm_trap *wasi_fd_fdstat_get(sl_wasm_call *call, uint64_t *slots) {
    uint32_t fd = ARG_U32(0);
    if (!fd_is_open_stdio(state_of(call), call, fd)) RETURN_ERRNO(WASI_EBADF);
    uint8_t *p = guest_span(call, ARG_U32(1), 24);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    memset(p, 0, 24);
    p[0] = WASI_FILETYPE_CHARACTER_DEVICE;
    put_u64(p + 8, (fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE) | WASI_RIGHT_POLL_FD_READWRITE);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_filestat_get(fd, ptr): struct filestat (64 bytes), filetype @16. */
static sl_wasm_trap *wasi_fd_filestat_get(sl_wasm_call *call, uint64_t *slots) {
    if (!fd_is_open_stdio(state_of(call), call, ARG_U32(0))) RETURN_ERRNO(WASI_EBADF);
    uint8_t *p = guest_span(call, ARG_U32(1), 64);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    memset(p, 0, 64);
    p[16] = WASI_FILETYPE_CHARACTER_DEVICE;
    put_u64(p + 24, 1); /* nlink */
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* No preopened directories: every fd is "not a preopen". */
static sl_wasm_trap *wasi_fd_prestat_get(sl_wasm_call *call, uint64_t *slots) {
    RETURN_ERRNO(WASI_EBADF);
}

static sl_wasm_trap *wasi_enosys(sl_wasm_call *call, uint64_t *slots) {
    RETURN_ERRNO(WASI_ENOSYS);
}

/* ------------------------------------------------------------------ */
/* Definition                                                           */
/* ------------------------------------------------------------------ */

static const struct {
    const char *name;
    const char *sig;
    sl_wasm_host_fn fn;
} wasi_functions[] = {
    {"args_get", "ii:i", wasi_args_get},
    {"args_sizes_get", "ii:i", wasi_args_sizes_get},
    {"environ_get", "ii:i", wasi_environ_get},
    {"environ_sizes_get", "ii:i", wasi_environ_sizes_get},
    {"clock_res_get", "ii:i", wasi_clock_res_get},
    {"clock_time_get", "iIi:i", wasi_clock_time_get},
    {"fd_advise", "iIIi:i", wasi_enosys},
    {"fd_allocate", "iII:i", wasi_enosys},
    {"fd_close", "i:i", wasi_fd_close},
    {"fd_datasync", "i:i", wasi_enosys},
    {"fd_fdstat_get", "ii:i", wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii:i", wasi_enosys},
    {"fd_fdstat_set_rights", "iII:i", wasi_enosys},
    {"fd_filestat_get", "ii:i", wasi_fd_filestat_get},
    {"fd_filestat_set_size", "iI:i", wasi_enosys},
    {"fd_filestat_set_times", "iIIi:i", wasi_enosys},
    {"fd_pread", "iiiIi:i", wasi_enosys},
    {"fd_prestat_get", "ii:i", wasi_fd_prestat_get},
    {"fd_prestat_dir_name", "iii:i", wasi_fd_prestat_get},
    {"fd_pwrite", "iiiIi:i", wasi_enosys},
    {"fd_read", "iiii:i", wasi_fd_read},
    {"fd_readdir", "iiiIi:i", wasi_enosys},
    {"fd_renumber", "ii:i", wasi_enosys},
    {"fd_seek", "iIii:i", wasi_fd_seek},
    {"fd_sync", "i:i", wasi_enosys},
    {"fd_tell", "ii:i", wasi_fd_seek},
    {"fd_write", "iiii:i", wasi_fd_write},
    {"path_create_directory", "iii:i", wasi_enosys},
    {"path_filestat_get", "iiiii:i", wasi_enosys},
    {"path_filestat_set_times", "iiiiIIi:i", wasi_enosys},
    {"path_link", "iiiiiii:i", wasi_enosys},
    {"path_open", "iiiiiIIii:i", wasi_enosys},
    {"path_readlink", "iiiiii:i", wasi_enosys},
    {"path_remove_directory", "iii:i", wasi_enosys},
    {"path_rename", "iiiiii:i", wasi_enosys},
    {"path_symlink", "iiiii:i", wasi_enosys},
    {"path_unlink_file", "iii:i", wasi_enosys},
    {"poll_oneoff", "iiii:i", wasi_poll_oneoff},
    {"proc_exit", "i:", wasi_proc_exit},
    {"proc_raise", "i:i", wasi_enosys},
    {"random_get", "ii:i", wasi_random_get},
    {"sched_yield", ":i", wasi_sched_yield},
    {"sock_accept", "iii:i", wasi_enosys},
    {"sock_recv", "iiiiii:i", wasi_enosys},
    {"sock_send", "iiiii:i", wasi_enosys},
    {"sock_shutdown", "ii:i", wasi_enosys},
};

static void wasi_state_free(void *ptr) {
    wasi_state *st = ptr;
    if (!st) return;
    free(st->arg_blob);
    free(st->env_blob);
    free(st->arg_offsets);
    free(st->env_offsets);
    free(st->stdin_data);
    for (size_t i = 0; i < st->instances.len; i++) free(st->instances.items[i]);
    VEC_FREE(&st->instances);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* Packs strings into one NUL-separated blob. Fails if it exceeds 4 GiB. */
static bool pack_strings(int count, const char *const *strings, char **blob, uint32_t *blob_len,
                         uint32_t **offsets) {
    uint64_t total = 0;
    for (int i = 0; i < count; i++) total += strlen(strings[i] ? strings[i] : "") + 1;
    if (total > UINT32_MAX) return false;
    *blob = xmalloc(total ? (size_t)total : 1);
    *offsets = xmalloc(sizeof **offsets * (size_t)(count > 0 ? count : 1));
    uint32_t pos = 0;
    for (int i = 0; i < count; i++) {
        const char *s = strings[i] ? strings[i] : "";
        size_t len = strlen(s) + 1;
        (*offsets)[i] = pos;
        memcpy(*blob + pos, s, len);
        pos += (uint32_t)len;
    }
    *blob_len = pos;
    return true;
}

bool sl_wasm_wasi_define(sl_wasm_linker *linker, const sl_wasm_wasi_config *config) {
    static const sl_wasm_wasi_config empty;
    if (!linker) return false;
    if (!config) config = &empty;
    if (config->argc < 0 || config->envc < 0 || (config->argc && !config->argv) ||
        (config->envc && !config->envp))
        return false;

    wasi_state *st = xcalloc(1, sizeof *st);
    pthread_mutex_init(&st->lock, NULL);
    if (!pack_strings(config->argc, config->argv, &st->arg_blob, &st->arg_blob_len, &st->arg_offsets) ||
        !pack_strings(config->envc, config->envp, &st->env_blob, &st->env_blob_len, &st->env_offsets)) {
        wasi_state_free(st);
        return false;
    }
    st->argc = (uint32_t)config->argc;
    st->envc = (uint32_t)config->envc;
    st->write = config->write;
    st->write_user = config->write_user;
    if (config->stdin_len && config->stdin_data) {
        st->stdin_data = xmalloc(config->stdin_len);
        memcpy(st->stdin_data, config->stdin_data, config->stdin_len);
        st->stdin_len = config->stdin_len;
    }
    if (config->random_seed) {
        st->seeded = true;
        rng_seed(&st->random, config->random_seed);
    }
    /* The linker owns the state from here on, even if a definition fails. */
    sl_wasm_linker_attach(linker, st, wasi_state_free);
    bool ok = true;
    for (size_t i = 0; i < ARRAY_LEN(wasi_functions); i++)
        ok &= sl_wasm_linker_define_func(linker, "wasi_snapshot_preview1", wasi_functions[i].name,
                                      wasi_functions[i].sig, wasi_functions[i].fn, st);
    return ok;
}
