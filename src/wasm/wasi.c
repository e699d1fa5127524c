/*
 * wasi.c — WASI preview1 (`wasi_snapshot_preview1`) for schedlab's wasm
 * runtime: the imports TinyGo and wasi-libc guests link against, defined
 * into a sl_wasm_linker by sl_wasm_wasi_define() (see wasm.h).
 *
 * What is real: args, environ, clocks (realtime, monotonic, process and
 * thread CPU time), random_get (OS entropy, or a seeded deterministic
 * stream), fd_write to fds 1/2 (handed to the embedder's write callback),
 * fd_read from fd 0 (the configured stdin bytes, or this process's stdin
 * when stdin_inherit), fd_close / fd_seek / fd_tell / fd_fdstat_get /
 * fd_filestat_get on the stdio fds, proc_exit (a SL_WASM_TRAP_EXIT trap
 * carrying the code), sched_yield and poll_oneoff (clock subscriptions
 * sleep; fd subscriptions are always ready).
 *
 * Files: the configured preopened directories are fds 3, 4, ... of every
 * instance (fd_prestat_get / fd_prestat_dir_name); path_open,
 * path_filestat_get, path_create_directory, path_unlink_file,
 * path_remove_directory, path_rename, path_readlink, fd_readdir and
 * fd_read / fd_write / fd_pread / fd_pwrite / fd_seek / fd_tell / fd_close /
 * fd_filestat_get / fd_filestat_set_size / fd_sync on what they open work
 * on the host. Sandbox: every path is resolved relative to a directory fd
 * of the instance with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so
 * neither `..`, nor an absolute path, nor a symlink can lead outside the
 * preopened directory (ENOTCAPABLE); entry operations (mkdir, unlink,
 * rmdir, rename, readlink) resolve the parent that way and act on the last
 * component with the *at() call, never following it. Without openat2 a
 * component-by-component walk with O_NOFOLLOW refuses every symlink.
 * path_symlink and path_link return ENOTSUP: a guest could otherwise leave
 * links pointing outside for the host's users. Rights are not enforced
 * beyond the host's open mode (read/write from rights_base). Every other
 * preview1 function is defined with its exact signature and returns ENOSYS,
 * so any wasi-libc or TinyGo binary links.
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
 * closed, its table of open files — are created lazily on first use and kept in a small map keyed by
 * the instance, under a mutex, because one linker may serve stores running
 * on several threads at once. Trade-off: an instance that never reads stdin
 * or closes an fd costs nothing, but the map cannot learn when a store is
 * freed, so an entry lives until the linker is freed (a new instance that
 * happens to reuse a dead one's address would inherit its stdin position).
 * Embedders that recycle stores at high rate should give stdin only to
 * instances that need it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "wasm/wasm.h"

/* WASI errno values. */
enum {
    WASI_ESUCCESS = 0,
    WASI_EACCES = 2,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EBUSY = 10,
    WASI_EEXIST = 20,
    WASI_EFAULT = 21,
    WASI_EFBIG = 22,
    WASI_EILSEQ = 25,
    WASI_EINTR = 27,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_EISDIR = 31,
    WASI_ELOOP = 32,
    WASI_EMFILE = 33,
    WASI_EMLINK = 34,
    WASI_ENAMETOOLONG = 37,
    WASI_ENFILE = 41,
    WASI_ENOENT = 44,
    WASI_ENOMEM = 48,
    WASI_ENOSPC = 51,
    WASI_ENOSYS = 52,
    WASI_ENOTDIR = 54,
    WASI_ENOTEMPTY = 55,
    WASI_ENOTSUP = 58,
    WASI_ENXIO = 60,
    WASI_EOVERFLOW = 61,
    WASI_EPERM = 63,
    WASI_EPIPE = 64,
    WASI_EROFS = 69,
    WASI_ESPIPE = 70,
    WASI_EXDEV = 75,
    WASI_ENOTCAPABLE = 76,
};

/* Clock ids, file types, rights, event types. */
enum { WASI_CLOCK_REALTIME, WASI_CLOCK_MONOTONIC, WASI_CLOCK_PROCESS_CPUTIME, WASI_CLOCK_THREAD_CPUTIME };
#define WASI_FILETYPE_UNKNOWN 0
#define WASI_FILETYPE_BLOCK_DEVICE 1
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_FILETYPE_DIRECTORY 3
#define WASI_FILETYPE_REGULAR_FILE 4
#define WASI_FILETYPE_SOCKET_STREAM 6
#define WASI_FILETYPE_SYMBOLIC_LINK 7
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHT_FD_READDIR (1ull << 14)
#define WASI_RIGHT_POLL_FD_READWRITE (1ull << 27)
#define WASI_RIGHTS_ALL ((1ull << 30) - 1)
/* path_open oflags, fdflags, lookupflags */
#define WASI_O_CREAT 1
#define WASI_O_DIRECTORY 2
#define WASI_O_EXCL 4
#define WASI_O_TRUNC 8
#define WASI_FDFLAG_APPEND 1
#define WASI_FDFLAG_DSYNC 2
#define WASI_FDFLAG_NONBLOCK 4
#define WASI_FDFLAG_SYNC 16
#define WASI_LOOKUP_SYMLINK_FOLLOW 1
/* The first fd after stdio: preopens, then opened files. */
#define WASI_FIRST_FD 3
enum { WASI_EVENTTYPE_CLOCK, WASI_EVENTTYPE_FD_READ, WASI_EVENTTYPE_FD_WRITE };
#define WASI_SUBSCRIPTION_CLOCK_ABSTIME 1

#define WASI_SUBSCRIPTION_SIZE 48
#define WASI_EVENT_SIZE 32

/* An open file or directory of one instance (fd = WASI_FIRST_FD + index). */
typedef struct wasi_fd {
    int host;                           /* -1: free slot */
    uint8_t filetype;
    char *preopen_name;                 /* preopened directories: the guest's name */
    uint64_t rights_base, rights_inheriting;
} wasi_fd;

typedef struct wasi_instance_state {
    const sl_wasm_instance *instance;
    size_t stdin_pos;
    bool closed[3];
    VEC(wasi_fd) fds;
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
    bool stdin_inherit;

    /* Preopened directories: host fds opened at definition, dup'ed into
     * each instance's table. */
    int npreopens;
    int *preopen_fds;
    char **preopen_names;

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
        for (int i = 0; i < st->npreopens; i++) {
            wasi_fd f = {fcntl(st->preopen_fds[i], F_DUPFD_CLOEXEC, 0), WASI_FILETYPE_DIRECTORY,
                         xstrdup(st->preopen_names[i]), WASI_RIGHTS_ALL, WASI_RIGHTS_ALL};
            VEC_PUSH(&found->fds, f);
        }
        VEC_PUSH(&st->instances, found);
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

struct wasi_fd;
static struct wasi_fd *file_of(wasi_state *st, sl_wasm_call *call, uint32_t fd);

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
 * wait (relative or absolute); fd_read on fd 0, fd_write on fds 1/2 and
 * both on the instance's open files are always ready (an inherited stdin
 * is reported ready too: the read may then block); any other fd gets an
 * event with EBADF. If an fd event is ready the call does not sleep. */
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
            /* Files and directories of the instance: always ready. */
            bool file = fd >= WASI_FIRST_FD && file_of(st, call, fd) != NULL;
            if (file) {
                /* ready; nbytes unknown (0) */
            } else if (!ok) {
                put_u16(e + 8, WASI_EBADF);
            } else if (tag == WASI_EVENTTYPE_FD_READ && st->stdin_inherit) {
                /* this process's stdin: reported ready, the read may block */
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
/* File descriptors                                                     */
/* ------------------------------------------------------------------ */

static uint16_t wasi_errno_of(int e) {
    switch (e) {
    case 0: return WASI_ESUCCESS;
    case EACCES: return WASI_EACCES;
    case EAGAIN: return WASI_EAGAIN;
    case EBADF: return WASI_EBADF;
    case EBUSY: return WASI_EBUSY;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EILSEQ: return WASI_EILSEQ;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return WASI_EMLINK;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENFILE: return WASI_ENFILE;
    case ENOENT: return WASI_ENOENT;
    case ENOMEM: return WASI_ENOMEM;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case EOPNOTSUPP: return WASI_ENOTSUP;
    case ENXIO: return WASI_ENXIO;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case EROFS: return WASI_EROFS;
    case ESPIPE: return WASI_ESPIPE;
    /* RESOLVE_BENEATH refuses a path leaving the directory with EXDEV. */
    case EXDEV: return WASI_ENOTCAPABLE;
    }
    return WASI_EIO;
}

#define RETURN_HOST_ERRNO() RETURN_ERRNO(wasi_errno_of(errno))

/* The open file or directory behind guest fd (>= 3), NULL if none. */
static struct wasi_fd *file_of(wasi_state *st, sl_wasm_call *call, uint32_t fd) {
    if (fd < WASI_FIRST_FD) return NULL;
    wasi_instance_state *is = instance_state(st, call->caller, st->npreopens > 0);
    if (!is || fd - WASI_FIRST_FD >= is->fds.len) return NULL;
    wasi_fd *f = &is->fds.items[fd - WASI_FIRST_FD];
    return f->host >= 0 ? f : NULL;
}

static uint8_t filetype_of_mode(mode_t m) {
    if (S_ISREG(m)) return WASI_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(m)) return WASI_FILETYPE_DIRECTORY;
    if (S_ISCHR(m)) return WASI_FILETYPE_CHARACTER_DEVICE;
    if (S_ISBLK(m)) return WASI_FILETYPE_BLOCK_DEVICE;
    if (S_ISLNK(m)) return WASI_FILETYPE_SYMBOLIC_LINK;
    if (S_ISSOCK(m)) return WASI_FILETYPE_SOCKET_STREAM;
    return WASI_FILETYPE_UNKNOWN;
}

static uint64_t timespec_of(const struct timespec *ts) { return timespec_ns(ts); }

/* struct filestat (64 bytes): dev @0, ino @8, filetype @16, nlink @24,
 * size @32, atim @40, mtim @48, ctim @56. */
static void put_filestat(uint8_t *p, const struct stat *sb) {
    memset(p, 0, 64);
    put_u64(p, (uint64_t)sb->st_dev);
    put_u64(p + 8, (uint64_t)sb->st_ino);
    p[16] = filetype_of_mode(sb->st_mode);
    put_u64(p + 24, (uint64_t)sb->st_nlink);
    put_u64(p + 32, (uint64_t)sb->st_size);
    put_u64(p + 40, timespec_of(&sb->st_atim));
    put_u64(p + 48, timespec_of(&sb->st_mtim));
    put_u64(p + 56, timespec_of(&sb->st_ctim));
}

/* Host iovecs over the guest's iovec array; false (EFAULT) if any buffer
 * is outside guest memory. */
static bool guest_iovecs(sl_wasm_call *call, uint32_t iovs, uint32_t n, struct iovec **out) {
    const uint8_t *iov = guest_span(call, iovs, (uint64_t)n * 8);
    if (!iov) return false;
    struct iovec *v = xcalloc(n ? n : 1, sizeof *v);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = get_u32(iov + 8 * i + 4);
        uint8_t *p = guest_span(call, get_u32(iov + 8 * i), len);
        if (!p) {
            free(v);
            return false;
        }
        v[i].iov_base = p;
        v[i].iov_len = len;
    }
    *out = v;
    return true;
}

/* fd_write(fd, iovs, iovs_len, nwritten_ptr) and fd_pwrite(..., offset, ptr) */
static sl_wasm_trap *write_common(sl_wasm_call *call, uint64_t *slots, bool positioned) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0), iovs = ARG_U32(1), n = ARG_U32(2);
    uint32_t nwritten_ptr = positioned ? ARG_U32(4) : ARG_U32(3);
    if (fd >= WASI_FIRST_FD) {
        wasi_fd *f = file_of(st, call, fd);
        if (!f) RETURN_ERRNO(WASI_EBADF);
        if (f->filetype == WASI_FILETYPE_DIRECTORY) RETURN_ERRNO(WASI_EISDIR);
        struct iovec *v;
        if (!guest_span(call, nwritten_ptr, 4) || !guest_iovecs(call, iovs, n, &v)) RETURN_ERRNO(WASI_EFAULT);
        ssize_t done = positioned ? pwritev(f->host, v, (int)n, (off_t)ARG_U64(3)) : writev(f->host, v, (int)n);
        int e = errno;
        free(v);
        if (done < 0) RETURN_ERRNO(wasi_errno_of(e));
        put_u32(guest_span(call, nwritten_ptr, 4), (uint32_t)done);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    if ((fd != 1 && fd != 2) || !fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    if (positioned) RETURN_ERRNO(WASI_ESPIPE);
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

static sl_wasm_trap *wasi_fd_write(sl_wasm_call *call, uint64_t *slots) { return write_common(call, slots, false); }
static sl_wasm_trap *wasi_fd_pwrite(sl_wasm_call *call, uint64_t *slots) { return write_common(call, slots, true); }

/* fd_read(fd, iovs, iovs_len, nread_ptr) and fd_pread(..., offset, ptr) */
static sl_wasm_trap *read_common(sl_wasm_call *call, uint64_t *slots, bool positioned) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0), iovs = ARG_U32(1), n = ARG_U32(2);
    uint32_t nread_ptr = positioned ? ARG_U32(4) : ARG_U32(3);
    int host = -1;
    if (fd >= WASI_FIRST_FD) {
        wasi_fd *f = file_of(st, call, fd);
        if (!f) RETURN_ERRNO(WASI_EBADF);
        if (f->filetype == WASI_FILETYPE_DIRECTORY) RETURN_ERRNO(WASI_EISDIR);
        host = f->host;
    } else if (fd != 0 || !fd_is_open_stdio(st, call, fd)) {
        RETURN_ERRNO(WASI_EBADF);
    } else if (st->stdin_inherit) {
        if (positioned) RETURN_ERRNO(WASI_ESPIPE);
        host = 0;
    }
    if (host >= 0) {
        struct iovec *v;
        if (!guest_span(call, nread_ptr, 4) || !guest_iovecs(call, iovs, n, &v)) RETURN_ERRNO(WASI_EFAULT);
        ssize_t done;
        do {
            done = positioned ? preadv(host, v, (int)n, (off_t)ARG_U64(3)) : readv(host, v, (int)n);
        } while (done < 0 && errno == EINTR);
        int e = errno;
        free(v);
        if (done < 0) RETURN_ERRNO(wasi_errno_of(e));
        put_u32(guest_span(call, nread_ptr, 4), (uint32_t)done);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    if (positioned) RETURN_ERRNO(WASI_ESPIPE);
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

static sl_wasm_trap *wasi_fd_read(sl_wasm_call *call, uint64_t *slots) { return read_common(call, slots, false); }
static sl_wasm_trap *wasi_fd_pread(sl_wasm_call *call, uint64_t *slots) { return read_common(call, slots, true); }

static sl_wasm_trap *wasi_fd_close(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0);
    if (fd >= WASI_FIRST_FD) {
        wasi_fd *f = file_of(st, call, fd);
        if (!f) RETURN_ERRNO(WASI_EBADF);
        close(f->host);
        f->host = -1;
        free(f->preopen_name);
        f->preopen_name = NULL;
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    if (!fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    instance_state(st, call->caller, true)->closed[fd] = true;
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_seek(fd, offset i64, whence, newoffset_ptr): stdio is a character
 * device, not seekable; files seek on the host. */
static sl_wasm_trap *wasi_fd_seek(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0);
    if (fd >= WASI_FIRST_FD) {
        wasi_fd *f = file_of(st, call, fd);
        if (!f) RETURN_ERRNO(WASI_EBADF);
        uint32_t whence = ARG_U32(2);
        int how = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
        if (how < 0) RETURN_ERRNO(WASI_EINVAL);
        if (!guest_span(call, ARG_U32(3), 8)) RETURN_ERRNO(WASI_EFAULT);
        off_t at = lseek(f->host, (off_t)(int64_t)ARG_U64(1), how);
        if (at < 0) RETURN_HOST_ERRNO();
        guest_put_u64(call, ARG_U32(3), (uint64_t)at);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    if (!fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    RETURN_ERRNO(WASI_ESPIPE);
}

/* fd_tell(fd, offset_ptr) */
static sl_wasm_trap *wasi_fd_tell(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0);
    if (fd >= WASI_FIRST_FD) {
        wasi_fd *f = file_of(st, call, fd);
        if (!f) RETURN_ERRNO(WASI_EBADF);
        if (!guest_span(call, ARG_U32(1), 8)) RETURN_ERRNO(WASI_EFAULT);
        off_t at = lseek(f->host, 0, SEEK_CUR);
        if (at < 0) RETURN_HOST_ERRNO();
        guest_put_u64(call, ARG_U32(1), (uint64_t)at);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    if (!fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    RETURN_ERRNO(WASI_ESPIPE);
}

/* fd_fdstat_get(fd, ptr): struct fdstat { u8 filetype; u16 flags @2;
 * u64 rights_base @8; u64 rights_inheriting @16 } (24 bytes). */
static sl_wasm_trap *wasi_fd_fdstat_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0);
    wasi_fd *f = NULL;
    if (fd >= WASI_FIRST_FD) {
        if (!(f = file_of(st, call, fd))) RETURN_ERRNO(WASI_EBADF);
    } else if (!fd_is_open_stdio(st, call, fd)) {
        RETURN_ERRNO(WASI_EBADF);
    }
    uint8_t *p = guest_span(call, ARG_U32(1), 24);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    memset(p, 0, 24);
    if (f) {
        p[0] = f->filetype;
        int fl = fcntl(f->host, F_GETFL);
        uint16_t flags = 0;
        if (fl >= 0 && (fl & O_APPEND)) flags |= WASI_FDFLAG_APPEND;
        if (fl >= 0 && (fl & O_NONBLOCK)) flags |= WASI_FDFLAG_NONBLOCK;
        put_u16(p + 2, flags);
        put_u64(p + 8, f->rights_base);
        put_u64(p + 16, f->rights_inheriting);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    p[0] = WASI_FILETYPE_CHARACTER_DEVICE;
    put_u64(p + 8, (fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE) | WASI_RIGHT_POLL_FD_READWRITE);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_filestat_get(fd, ptr): struct filestat (64 bytes). */
static sl_wasm_trap *wasi_fd_filestat_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint32_t fd = ARG_U32(0);
    if (fd >= WASI_FIRST_FD) {
        wasi_fd *f = file_of(st, call, fd);
        if (!f) RETURN_ERRNO(WASI_EBADF);
        uint8_t *p = guest_span(call, ARG_U32(1), 64);
        if (!p) RETURN_ERRNO(WASI_EFAULT);
        struct stat sb;
        if (fstat(f->host, &sb) != 0) RETURN_HOST_ERRNO();
        put_filestat(p, &sb);
        RETURN_ERRNO(WASI_ESUCCESS);
    }
    if (!fd_is_open_stdio(st, call, fd)) RETURN_ERRNO(WASI_EBADF);
    uint8_t *p = guest_span(call, ARG_U32(1), 64);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    memset(p, 0, 64);
    p[16] = WASI_FILETYPE_CHARACTER_DEVICE;
    put_u64(p + 24, 1); /* nlink */
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_filestat_set_size(fd, size) */
static sl_wasm_trap *wasi_fd_filestat_set_size(sl_wasm_call *call, uint64_t *slots) {
    wasi_fd *f = file_of(state_of(call), call, ARG_U32(0));
    if (!f) RETURN_ERRNO(ARG_U32(0) < WASI_FIRST_FD ? WASI_EINVAL : WASI_EBADF);
    if (ARG_U64(1) > INT64_MAX) RETURN_ERRNO(WASI_EFBIG);
    if (ftruncate(f->host, (off_t)ARG_U64(1)) != 0) RETURN_HOST_ERRNO();
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_sync / fd_datasync */
static sl_wasm_trap *wasi_fd_sync(sl_wasm_call *call, uint64_t *slots) {
    wasi_fd *f = file_of(state_of(call), call, ARG_U32(0));
    if (!f) RETURN_ERRNO(WASI_EBADF);
    if (fsync(f->host) != 0) RETURN_HOST_ERRNO();
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_prestat_get(fd, ptr): struct prestat { u8 tag (0 = dir); u32
 * name_len @4 }. EBADF for every fd that is not a preopen: that ends
 * wasi-libc's preopen scan. */
static sl_wasm_trap *wasi_fd_prestat_get(sl_wasm_call *call, uint64_t *slots) {
    wasi_fd *f = file_of(state_of(call), call, ARG_U32(0));
    if (!f || !f->preopen_name) RETURN_ERRNO(WASI_EBADF);
    uint8_t *p = guest_span(call, ARG_U32(1), 8);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    memset(p, 0, 8);
    put_u32(p + 4, (uint32_t)strlen(f->preopen_name));
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_prestat_dir_name(fd, path, path_len) */
static sl_wasm_trap *wasi_fd_prestat_dir_name(sl_wasm_call *call, uint64_t *slots) {
    wasi_fd *f = file_of(state_of(call), call, ARG_U32(0));
    if (!f || !f->preopen_name) RETURN_ERRNO(WASI_EBADF);
    size_t len = strlen(f->preopen_name);
    if (ARG_U32(2) < len) RETURN_ERRNO(WASI_ENAMETOOLONG);
    uint8_t *p = guest_span(call, ARG_U32(1), len);
    if (!p) RETURN_ERRNO(WASI_EFAULT);
    memcpy(p, f->preopen_name, len);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* ---- paths: every lookup stays beneath its directory fd ---- */

/* A guest path (not NUL-terminated) as a C string; NULL on a fault or an
 * embedded NUL (*err set). */
static char *guest_path(sl_wasm_call *call, uint32_t ptr, uint32_t len, uint16_t *err) {
    const uint8_t *p = guest_span(call, ptr, len);
    if (!p) {
        *err = WASI_EFAULT;
        return NULL;
    }
    if (memchr(p, 0, len)) {
        *err = WASI_EILSEQ;
        return NULL;
    }
    if (len == 0) {
        *err = WASI_ENOENT;
        return NULL;
    }
    return xstrndup((const char *)p, len);
}

/* Whether openat2 may be used: false after it said ENOSYS, or when the
 * environment has SCHEDLAB_WASI_NO_OPENAT2 set (to test the fallback walk
 * on kernels that have openat2). Set once, read by every thread. */
static pthread_once_t openat2_once = PTHREAD_ONCE_INIT;
static bool openat2_usable = true;
static void openat2_init(void) { openat2_usable = getenv("SCHEDLAB_WASI_NO_OPENAT2") == NULL; }

/* After a failed openat with O_NOFOLLOW in the fallback walk: if `name`
 * is a symlink, the walk refused to follow it (EXDEV, like RESOLVE_BENEATH). */
static void refuse_if_symlink(int dirfd, const char *name) {
    int e = errno;
    struct stat sb;
    if ((e == ELOOP || e == ENOTDIR) && fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
        e = EXDEV;
    errno = e;
}

/* Opens `path` beneath `dirfd`: `..` may not climb above it, absolute
 * paths and symlinks leading out of it are refused (EXDEV, reported as
 * ENOTCAPABLE), magic /proc links are refused. The last component is not
 * followed if it is a symlink unless `follow`. Without openat2 (Linux <
 * 5.6) the walk is done here, one component at a time with O_NOFOLLOW,
 * refusing every symlink (even one that stays inside). Returns the fd or
 * -1 with errno. */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode, bool follow) {
    if (!follow) flags |= O_NOFOLLOW;
    flags |= O_CLOEXEC;
    pthread_once(&openat2_once, openat2_init);
    if (openat2_usable) {
        struct open_how how = {.flags = (uint64_t)flags, .mode = (flags & O_CREAT) ? mode : 0,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0 || errno != ENOSYS) return (int)fd;
    }
    /* Fallback walk. */
    if (path[0] == '/') {
        errno = EXDEV;
        return -1;
    }
    char *copy = xstrdup(path);
    VEC(int) stack = {0};
    int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    int result = -1;
    char *save = NULL;
    char *comp = strtok_r(copy, "/", &save);
    if (cur < 0) goto done;
    while (comp) {
        char *next = strtok_r(NULL, "/", &save);
        if (!strcmp(comp, ".")) {
            /* nothing */
        } else if (!strcmp(comp, "..")) {
            if (stack.len == 0) {
                errno = EXDEV;
                goto done;
            }
            close(cur);
            cur = stack.items[--stack.len];
        } else if (!next) {
            result = openat(cur, comp, flags | O_NOFOLLOW, mode);
            if (result < 0) refuse_if_symlink(cur, comp);
            goto done;
        } else {
            int sub = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                refuse_if_symlink(cur, comp);
                goto done;
            }
            VEC_PUSH(&stack, cur);
            cur = sub;
        }
        comp = next;
    }
    /* The path ended on "." or "..": the directory itself. */
    result = openat(cur, ".", flags & ~O_NOFOLLOW & ~O_CREAT & ~O_EXCL, mode);
done:;
    int e = errno;
    if (cur >= 0) close(cur);
    for (size_t i = 0; i < stack.len; i++) close(stack.items[i]);
    VEC_FREE(&stack);
    free(copy);
    errno = e;
    return result;
}

/* Splits a path into the directory that holds its last component (opened
 * beneath dirfd, O_PATH) and that component. "a/b/" -> ("a", "b"); "b" ->
 * (".", "b"). The component may not be "." or ".." (EINVAL / ENOTCAPABLE:
 * those name no entry of the parent). Returns the parent fd or -1 with
 * *err set; *name points into `path`, which is modified. */
static int open_parent(int dirfd, char *path, const char **name, uint16_t *err) {
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') path[--len] = 0;
    char *slash = strrchr(path, '/');
    const char *parent = ".";
    if (slash) {
        *slash = 0;
        *name = slash + 1;
        parent = slash == path ? "/" : path;
    } else {
        *name = path;
    }
    if (!strcmp(*name, "..") || !**name) {
        *err = WASI_ENOTCAPABLE;
        return -1;
    }
    if (!strcmp(*name, ".")) {
        *err = WASI_EINVAL;
        return -1;
    }
    int fd = open_beneath(dirfd, parent, O_PATH | O_DIRECTORY, 0, true);
    if (fd < 0) *err = wasi_errno_of(errno);
    return fd;
}

/* The directory fd a path call starts from. */
static wasi_fd *dir_of(sl_wasm_call *call, uint32_t fd, uint16_t *err) {
    wasi_fd *f = file_of(state_of(call), call, fd);
    if (!f) {
        *err = WASI_EBADF;
        return NULL;
    }
    if (f->filetype != WASI_FILETYPE_DIRECTORY) {
        *err = WASI_ENOTDIR;
        return NULL;
    }
    return f;
}

/* path_open(dirfd, lookupflags, path, path_len, oflags, rights_base,
 *           rights_inheriting, fdflags, fd_ptr) */
static sl_wasm_trap *wasi_path_open(sl_wasm_call *call, uint64_t *slots) {
    wasi_state *st = state_of(call);
    uint16_t err = 0;
    wasi_fd *dir = dir_of(call, ARG_U32(0), &err);
    if (!dir) RETURN_ERRNO(err);
    uint32_t lookup = ARG_U32(1), oflags = ARG_U32(4) & 0xffff, fdflags = ARG_U32(7) & 0xffff;
    uint64_t rights = ARG_U64(5), inheriting = ARG_U64(6);
    uint32_t fd_ptr = ARG_U32(8);
    if (!guest_span(call, fd_ptr, 4)) RETURN_ERRNO(WASI_EFAULT);
    char *path = guest_path(call, ARG_U32(2), ARG_U32(3), &err);
    if (!path) RETURN_ERRNO(err);

    bool want_write = (rights & (WASI_RIGHT_FD_WRITE | (1ull << 8) /* allocate */ | (1ull << 22) /* set size */)) != 0;
    bool want_read = (rights & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR)) != 0;
    int flags;
    if (oflags & WASI_O_DIRECTORY)
        flags = O_RDONLY | O_DIRECTORY;
    else if (want_write)
        flags = want_read ? O_RDWR : O_WRONLY;
    else
        flags = O_RDONLY;
    if (oflags & WASI_O_CREAT) flags |= O_CREAT;
    if (oflags & WASI_O_EXCL) flags |= O_EXCL;
    if (oflags & WASI_O_TRUNC) flags |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & WASI_FDFLAG_SYNC) flags |= O_SYNC;
    if (fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
    int host = open_beneath(dir->host, path, flags, 0666, (lookup & WASI_LOOKUP_SYMLINK_FOLLOW) != 0);
    /* A directory opened for reading without O_DIRECTORY is fine; for
     * writing the host says EISDIR, as it should. */
    int e = errno;
    free(path);
    if (host < 0) RETURN_ERRNO(wasi_errno_of(e));
    struct stat sb;
    if (fstat(host, &sb) != 0) {
        e = errno;
        close(host);
        RETURN_ERRNO(wasi_errno_of(e));
    }
    wasi_instance_state *is = instance_state(st, call->caller, true);
    uint8_t type = filetype_of_mode(sb.st_mode);
    wasi_fd f = {host, type, NULL, type == WASI_FILETYPE_DIRECTORY ? WASI_RIGHTS_ALL : rights,
                 type == WASI_FILETYPE_DIRECTORY ? inheriting : 0};
    size_t slot = is->fds.len;
    for (size_t i = 0; i < is->fds.len; i++)
        if (is->fds.items[i].host < 0) {
            slot = i;
            break;
        }
    if (slot == is->fds.len)
        VEC_PUSH(&is->fds, f);
    else
        is->fds.items[slot] = f;
    /* dir may have moved if the table grew: not used after this point. */
    guest_put_u32(call, fd_ptr, (uint32_t)(WASI_FIRST_FD + slot));
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* path_filestat_get(fd, lookupflags, path, path_len, filestat_ptr) */
static sl_wasm_trap *wasi_path_filestat_get(sl_wasm_call *call, uint64_t *slots) {
    uint16_t err = 0;
    wasi_fd *dir = dir_of(call, ARG_U32(0), &err);
    if (!dir) RETURN_ERRNO(err);
    uint8_t *out = guest_span(call, ARG_U32(4), 64);
    if (!out) RETURN_ERRNO(WASI_EFAULT);
    char *path = guest_path(call, ARG_U32(2), ARG_U32(3), &err);
    if (!path) RETURN_ERRNO(err);
    int fd = open_beneath(dir->host, path, O_PATH, 0, (ARG_U32(1) & WASI_LOOKUP_SYMLINK_FOLLOW) != 0);
    int e = errno;
    free(path);
    if (fd < 0) RETURN_ERRNO(wasi_errno_of(e));
    struct stat sb;
    int rc = fstat(fd, &sb);
    e = errno;
    close(fd);
    if (rc != 0) RETURN_ERRNO(wasi_errno_of(e));
    put_filestat(guest_span(call, ARG_U32(4), 64), &sb);
    RETURN_ERRNO(WASI_ESUCCESS);
}

typedef enum { PATH_MKDIR, PATH_UNLINK, PATH_RMDIR } path_op;

/* path_create_directory / path_unlink_file / path_remove_directory
 * (fd, path, path_len) */
static sl_wasm_trap *path_entry_op(sl_wasm_call *call, uint64_t *slots, path_op op) {
    uint16_t err = 0;
    wasi_fd *dir = dir_of(call, ARG_U32(0), &err);
    if (!dir) RETURN_ERRNO(err);
    char *path = guest_path(call, ARG_U32(1), ARG_U32(2), &err);
    if (!path) RETURN_ERRNO(err);
    const char *name;
    int parent = open_parent(dir->host, path, &name, &err);
    if (parent < 0) {
        free(path);
        RETURN_ERRNO(err);
    }
    int rc = op == PATH_MKDIR    ? mkdirat(parent, name, 0777)
             : op == PATH_UNLINK ? unlinkat(parent, name, 0)
                                 : unlinkat(parent, name, AT_REMOVEDIR);
    int e = errno;
    close(parent);
    free(path);
    if (rc != 0) RETURN_ERRNO(wasi_errno_of(e));
    RETURN_ERRNO(WASI_ESUCCESS);
}

static sl_wasm_trap *wasi_path_create_directory(sl_wasm_call *call, uint64_t *slots) {
    return path_entry_op(call, slots, PATH_MKDIR);
}
static sl_wasm_trap *wasi_path_unlink_file(sl_wasm_call *call, uint64_t *slots) {
    return path_entry_op(call, slots, PATH_UNLINK);
}
static sl_wasm_trap *wasi_path_remove_directory(sl_wasm_call *call, uint64_t *slots) {
    return path_entry_op(call, slots, PATH_RMDIR);
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) */
static sl_wasm_trap *wasi_path_rename(sl_wasm_call *call, uint64_t *slots) {
    uint16_t err = 0;
    wasi_fd *from = dir_of(call, ARG_U32(0), &err);
    if (!from) RETURN_ERRNO(err);
    int from_host = from->host;
    wasi_fd *to = dir_of(call, ARG_U32(3), &err);
    if (!to) RETURN_ERRNO(err);
    int to_host = to->host;
    char *old_path = guest_path(call, ARG_U32(1), ARG_U32(2), &err);
    if (!old_path) RETURN_ERRNO(err);
    char *new_path = guest_path(call, ARG_U32(4), ARG_U32(5), &err);
    if (!new_path) {
        free(old_path);
        RETURN_ERRNO(err);
    }
    const char *old_name, *new_name;
    int old_parent = open_parent(from_host, old_path, &old_name, &err);
    int new_parent = old_parent < 0 ? -1 : open_parent(to_host, new_path, &new_name, &err);
    int rc = -1, e = 0;
    if (old_parent >= 0 && new_parent >= 0) {
        rc = renameat(old_parent, old_name, new_parent, new_name);
        e = errno;
    }
    if (old_parent >= 0) close(old_parent);
    if (new_parent >= 0) close(new_parent);
    free(old_path);
    free(new_path);
    if (old_parent < 0 || new_parent < 0) RETURN_ERRNO(err);
    if (rc != 0) RETURN_ERRNO(wasi_errno_of(e));
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* path_readlink(fd, path, path_len, buf, buf_len, bufused_ptr) */
static sl_wasm_trap *wasi_path_readlink(sl_wasm_call *call, uint64_t *slots) {
    uint16_t err = 0;
    wasi_fd *dir = dir_of(call, ARG_U32(0), &err);
    if (!dir) RETURN_ERRNO(err);
    uint8_t *buf = guest_span(call, ARG_U32(3), ARG_U32(4));
    if (!buf || !guest_span(call, ARG_U32(5), 4)) RETURN_ERRNO(WASI_EFAULT);
    char *path = guest_path(call, ARG_U32(1), ARG_U32(2), &err);
    if (!path) RETURN_ERRNO(err);
    const char *name;
    int parent = open_parent(dir->host, path, &name, &err);
    if (parent < 0) {
        free(path);
        RETURN_ERRNO(err);
    }
    ssize_t n = readlinkat(parent, name, (char *)buf, ARG_U32(4));
    int e = errno;
    close(parent);
    free(path);
    if (n < 0) RETURN_ERRNO(wasi_errno_of(e));
    guest_put_u32(call, ARG_U32(5), (uint32_t)n);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* fd_readdir(fd, buf, buf_len, cookie, bufused_ptr): entries from
 * position `cookie` on, each a 24-byte dirent { d_next u64, d_ino u64,
 * d_namlen u32, d_type u8 } followed by the name; the last one is cut at
 * buf_len (the guest then asks again with a bigger buffer). */
static sl_wasm_trap *wasi_fd_readdir(sl_wasm_call *call, uint64_t *slots) {
    uint16_t err = 0;
    wasi_fd *dir = dir_of(call, ARG_U32(0), &err);
    if (!dir) RETURN_ERRNO(err);
    uint32_t buf_len = ARG_U32(2);
    uint8_t *buf = guest_span(call, ARG_U32(1), buf_len);
    uint64_t cookie = ARG_U64(3);
    if (!buf || !guest_span(call, ARG_U32(4), 4)) RETURN_ERRNO(WASI_EFAULT);
    int fd = openat(dir->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) RETURN_HOST_ERRNO();
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        RETURN_ERRNO(wasi_errno_of(e));
    }
    uint32_t used = 0;
    uint64_t index = 0;
    struct dirent *de;
    errno = 0;
    while (used < buf_len && (de = readdir(d)) != NULL) {
        if (index++ < cookie) continue;
        uint8_t head[24];
        size_t namlen = strlen(de->d_name);
        memset(head, 0, sizeof head);
        put_u64(head, index);
        put_u64(head + 8, (uint64_t)de->d_ino);
        put_u32(head + 16, (uint32_t)namlen);
        uint8_t type = WASI_FILETYPE_UNKNOWN;
        switch (de->d_type) {
        case DT_REG: type = WASI_FILETYPE_REGULAR_FILE; break;
        case DT_DIR: type = WASI_FILETYPE_DIRECTORY; break;
        case DT_LNK: type = WASI_FILETYPE_SYMBOLIC_LINK; break;
        case DT_CHR: type = WASI_FILETYPE_CHARACTER_DEVICE; break;
        case DT_BLK: type = WASI_FILETYPE_BLOCK_DEVICE; break;
        case DT_SOCK: type = WASI_FILETYPE_SOCKET_STREAM; break;
        }
        head[20] = type;
        uint32_t k = buf_len - used < sizeof head ? buf_len - used : (uint32_t)sizeof head;
        memcpy(buf + used, head, k);
        used += k;
        k = buf_len - used < namlen ? buf_len - used : (uint32_t)namlen;
        memcpy(buf + used, de->d_name, k);
        used += k;
    }
    closedir(d);
    guest_put_u32(call, ARG_U32(4), used);
    RETURN_ERRNO(WASI_ESUCCESS);
}

/* Symlinks and hard links are not created: a guest could leave a link
 * pointing outside its directory for the host's own users to follow. */
static sl_wasm_trap *wasi_enotsup(sl_wasm_call *call, uint64_t *slots) {
    RETURN_ERRNO(WASI_ENOTSUP);
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
    {"fd_datasync", "i:i", wasi_fd_sync},
    {"fd_fdstat_get", "ii:i", wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii:i", wasi_enosys},
    {"fd_fdstat_set_rights", "iII:i", wasi_enosys},
    {"fd_filestat_get", "ii:i", wasi_fd_filestat_get},
    {"fd_filestat_set_size", "iI:i", wasi_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi:i", wasi_enosys},
    {"fd_pread", "iiiIi:i", wasi_fd_pread},
    {"fd_prestat_get", "ii:i", wasi_fd_prestat_get},
    {"fd_prestat_dir_name", "iii:i", wasi_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi:i", wasi_fd_pwrite},
    {"fd_read", "iiii:i", wasi_fd_read},
    {"fd_readdir", "iiiIi:i", wasi_fd_readdir},
    {"fd_renumber", "ii:i", wasi_enosys},
    {"fd_seek", "iIii:i", wasi_fd_seek},
    {"fd_sync", "i:i", wasi_fd_sync},
    {"fd_tell", "ii:i", wasi_fd_tell},
    {"fd_write", "iiii:i", wasi_fd_write},
    {"path_create_directory", "iii:i", wasi_path_create_directory},
    {"path_filestat_get", "iiiii:i", wasi_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi:i", wasi_enosys},
    {"path_link", "iiiiiii:i", wasi_enotsup},
    {"path_open", "iiiiiIIii:i", wasi_path_open},
    {"path_readlink", "iiiiii:i", wasi_path_readlink},
    {"path_remove_directory", "iii:i", wasi_path_remove_directory},
    {"path_rename", "iiiiii:i", wasi_path_rename},
    {"path_symlink", "iiiii:i", wasi_enotsup},
    {"path_unlink_file", "iii:i", wasi_path_unlink_file},
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
    for (size_t i = 0; i < st->instances.len; i++) {
        wasi_instance_state *is = st->instances.items[i];
        for (size_t k = 0; k < is->fds.len; k++) {
            if (is->fds.items[k].host >= 0) close(is->fds.items[k].host);
            free(is->fds.items[k].preopen_name);
        }
        VEC_FREE(&is->fds);
        free(is);
    }
    for (int i = 0; i < st->npreopens; i++) {
        if (st->preopen_fds[i] >= 0) close(st->preopen_fds[i]);
        free(st->preopen_names[i]);
    }
    free(st->preopen_fds);
    free(st->preopen_names);
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
        (config->envc && !config->envp) || config->npreopens < 0 || (config->npreopens && !config->preopens))
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
    st->stdin_inherit = config->stdin_inherit;
    if (config->npreopens > 0) {
        st->preopen_fds = xcalloc((size_t)config->npreopens, sizeof *st->preopen_fds);
        st->preopen_names = xcalloc((size_t)config->npreopens, sizeof *st->preopen_names);
        for (int i = 0; i < config->npreopens; i++) {
            const sl_wasm_wasi_preopen *p = &config->preopens[i];
            int fd = p->host_path ? open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
            if (fd < 0) {
                int e = p->host_path ? errno : EINVAL;
                st->npreopens = i;
                wasi_state_free(st);
                errno = e;
                return false;
            }
            st->preopen_fds[i] = fd;
            st->preopen_names[i] = xstrdup(p->guest_path && *p->guest_path ? p->guest_path : p->host_path);
            st->npreopens = i + 1;
        }
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
