/*
 * parallel.c — the worker pool behind Filter and Score (see parallel.h).
 *
 * The whole hand-off is one 64-bit atomic word, `claim`:
 *
 *     | generation (16) | number of chunks (24) | next chunk (24) |
 *
 * The caller writes the job (fn, ctx, n, chunk), then publishes a new
 * generation with next = 0. Anyone — the caller or a pool thread — takes a
 * chunk by CAS-ing next to next+1 while next < chunks. Because a claim only
 * succeeds on the current word, a thread that wakes up late can never take
 * a chunk of a job that has already finished, and it reads the job fields
 * only after a successful claim, when the caller cannot be rewriting them.
 * When the caller runs out of chunks (or `stop` is set) it closes the job
 * by setting next = chunks and waits until the chunks claimed so far are
 * all done (`completed`).
 *
 * Waiting threads spin for a while (tens of microseconds), then yield
 * the CPU a few times, then sleep on a futex:
 * during a scheduling run jobs arrive every few tens of microseconds, and a
 * futex wake-up costs more than the work of a small job. The honest cost is
 * one busy core while the scheduling thread runs the sequential parts of a
 * cycle; on an idle scheduler the threads sleep.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scheduler/parallel.h"

#define CHUNK_BITS 24
#define CHUNK_MASK ((1ULL << CHUNK_BITS) - 1)
#define SPIN_ITERATIONS 4000      /* pause loops before yielding (~50-100 us) */
#define YIELD_ITERATIONS 64       /* sched_yield rounds before sleeping */

struct sl_worker_pool {
    uint32_t threads;             /* participants incl. the caller */
    bool started;
    pthread_t *tids;
    sl_cycle_arenas *arenas;

    /* the current job; written by the caller before publishing */
    sl_parallel_fn fn;
    void *ctx;
    uint32_t n, chunk;
    atomic_bool *stop;

    _Alignas(64) _Atomic uint64_t claim;
    _Alignas(64) atomic_uint completed;
    _Alignas(64) atomic_uint wake_seq;   /* futex word */
    atomic_uint sleepers;
    atomic_bool shutting_down;
    uint16_t generation;

    /* sl_parallel_worth_it: running average (1/8 weight per job) of the
     * single-thread time of recent jobs, per kind; scheduling thread only. */
    int64_t average_ns[SL_PARALLEL_KINDS];
    bool measured[SL_PARALLEL_KINDS];
    bool forced;                         /* sl_worker_pool_force_parallel */
    uint64_t parallel_jobs[SL_PARALLEL_KINDS];
};

typedef struct worker_arg {
    sl_worker_pool *pool;
    uint32_t participant;
} worker_arg;

static inline uint64_t claim_pack(uint64_t gen, uint64_t chunks, uint64_t next) {
    return (gen << (2 * CHUNK_BITS)) | (chunks << CHUNK_BITS) | next;
}
static inline uint32_t claim_chunks(uint64_t w) { return (uint32_t)((w >> CHUNK_BITS) & CHUNK_MASK); }
static inline uint32_t claim_next(uint64_t w) { return (uint32_t)(w & CHUNK_MASK); }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void futex_wait(atomic_uint *word, unsigned expected) {
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}
static void futex_wake_all(atomic_uint *word) {
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* Claims and runs chunks until none is left; returns the number run. */
static uint32_t run_chunks(sl_worker_pool *pool, uint32_t participant) {
    uint32_t done = 0;
    for (;;) {
        uint64_t w = atomic_load_explicit(&pool->claim, memory_order_acquire);
        uint32_t next = claim_next(w);
        if (next >= claim_chunks(w)) break;
        if (!atomic_compare_exchange_weak_explicit(&pool->claim, &w, w + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        /* A successful claim pins the job: its fields are stable now. */
        atomic_bool *stop = pool->stop;
        uint32_t begin = next * pool->chunk;
        uint32_t end = begin + pool->chunk;
        if (end > pool->n) end = pool->n;
        pool->fn(pool->ctx, begin, end, participant);
        /* Read the job's stop flag before reporting completion: after
         * that, the caller may return and the job (often on its stack) be
         * gone. */
        bool stopped = stop && atomic_load_explicit(stop, memory_order_relaxed);
        atomic_fetch_add_explicit(&pool->completed, 1, memory_order_acq_rel);
        done++;
        if (stopped) break;
    }
    return done;
}

static void *worker_main(void *argp) {
    name_thread("parallel", "");
    worker_arg *arg = argp;
    sl_worker_pool *pool = arg->pool;
    uint32_t participant = arg->participant;
    free(arg);
    sl_cycle_bind_worker(&pool->arenas->workers[participant - 1], participant);
    for (;;) {
        int spins = 0;
        for (;;) {
            if (atomic_load_explicit(&pool->shutting_down, memory_order_acquire)) return NULL;
            uint64_t w = atomic_load_explicit(&pool->claim, memory_order_acquire);
            if (claim_next(w) < claim_chunks(w)) break;
            if (++spins < SPIN_ITERATIONS) {
                cpu_relax();
                continue;
            }
            if (spins < SPIN_ITERATIONS + YIELD_ITERATIONS) {
                /* On a busy machine, let the thread we wait for run. */
                sched_yield();
                continue;
            }
            /* Sleep: announce, re-check, then wait on the sequence read
             * before the re-check so a publish in between is not missed. */
            unsigned seq = atomic_load_explicit(&pool->wake_seq, memory_order_seq_cst);
            atomic_fetch_add_explicit(&pool->sleepers, 1, memory_order_seq_cst);
            w = atomic_load_explicit(&pool->claim, memory_order_seq_cst);
            if (claim_next(w) >= claim_chunks(w) &&
                !atomic_load_explicit(&pool->shutting_down, memory_order_seq_cst))
                futex_wait(&pool->wake_seq, seq);
            atomic_fetch_sub_explicit(&pool->sleepers, 1, memory_order_seq_cst);
            spins = 0;
        }
        run_chunks(pool, participant);
    }
}

uint32_t sl_parallel_default_threads(int32_t parallelism) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1) cpus = 1;
    long t = parallelism < 1 ? 1 : parallelism;
    if (t > cpus) t = cpus;
    if (t > 256) t = 256;
    return (uint32_t)t;
}

sl_worker_pool *sl_worker_pool_new(uint32_t threads, sl_cycle_arenas *arenas) {
    sl_worker_pool *pool = xcalloc(1, sizeof(*pool));
    pool->threads = threads ? threads : 1;
    if (arenas && arenas->n + 1 < pool->threads) pool->threads = arenas->n + 1;
    if (!arenas) pool->threads = 1;
    pool->arenas = arenas;
    atomic_init(&pool->claim, 0);
    atomic_init(&pool->completed, 0);
    atomic_init(&pool->wake_seq, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->shutting_down, false);
    return pool;
}

static void pool_start(sl_worker_pool *pool) {
    pool->started = true;
    pool->tids = xcalloc(pool->threads, sizeof(pthread_t));
    for (uint32_t i = 1; i < pool->threads; i++) {
        worker_arg *arg = xmalloc(sizeof(*arg));
        arg->pool = pool;
        arg->participant = i;
        if (pthread_create(&pool->tids[i], NULL, worker_main, arg) != 0) {
            free(arg);
            log_warn("worker pool: could not start thread %u; running with %u", i, i);
            pool->threads = i;
            break;
        }
    }
}

void sl_worker_pool_free(sl_worker_pool *pool) {
    if (!pool) return;
    if (pool->started) {
        atomic_store_explicit(&pool->shutting_down, true, memory_order_seq_cst);
        atomic_fetch_add_explicit(&pool->wake_seq, 1, memory_order_seq_cst);
        futex_wake_all(&pool->wake_seq);
        for (uint32_t i = 1; i < pool->threads; i++) pthread_join(pool->tids[i], NULL);
        free(pool->tids);
    }
    free(pool);
}

uint32_t sl_worker_pool_threads(const sl_worker_pool *pool) { return pool ? pool->threads : 1; }

bool sl_parallel_worth_it(const sl_worker_pool *pool, sl_parallel_kind kind) {
    return pool && pool->threads > 1 &&
           (pool->forced || pool->average_ns[kind] >= SL_PARALLEL_MIN_NS);
}

void sl_worker_pool_force_parallel(sl_worker_pool *pool, bool force) { pool->forced = force; }

uint64_t sl_parallel_jobs(const sl_worker_pool *pool, sl_parallel_kind kind) {
    return pool ? pool->parallel_jobs[kind] : 0;
}

void sl_parallel_record(sl_worker_pool *pool, sl_parallel_kind kind, int64_t elapsed_ns,
                        uint32_t participants) {
    if (!pool || pool->threads <= 1) return;
    if (participants > 1) pool->parallel_jobs[kind]++;
    /* Single-thread time, roughly: a parallel job kept `participants`
     * threads busy. One sample is capped so a job that was preempted (a
     * time slice on a loaded machine) cannot switch the pool on alone. */
    int64_t sample = elapsed_ns * (int64_t)participants;
    if (sample > 4 * SL_PARALLEL_MIN_NS) sample = 4 * SL_PARALLEL_MIN_NS;
    if (!pool->measured[kind]) {
        pool->measured[kind] = true;
        pool->average_ns[kind] = sample;
        return;
    }
    pool->average_ns[kind] += (sample - pool->average_ns[kind]) / 8;
}

static uint32_t run_inline(uint32_t n, uint32_t chunk, sl_parallel_fn fn, void *ctx,
                           atomic_bool *stop) {
    uint32_t begin = 0;
    while (begin < n) {
        uint32_t end = begin + chunk > n ? n : begin + chunk;
        fn(ctx, begin, end, 0);
        begin = end;
        if (stop && atomic_load_explicit(stop, memory_order_relaxed)) break;
    }
    return begin;
}

uint32_t sl_parallel_for(sl_worker_pool *pool, uint32_t n, uint32_t chunk, sl_parallel_fn fn,
                         void *ctx, atomic_bool *stop) {
    if (n == 0) return 0;
    if (chunk == 0) chunk = 1;
    uint64_t chunks = ((uint64_t)n + chunk - 1) / chunk;
    if (!pool || pool->threads <= 1 || chunks <= 1 || chunks > CHUNK_MASK)
        return run_inline(n, chunk, fn, ctx, stop);
    if (!pool->started) pool_start(pool);
    if (pool->threads <= 1) return run_inline(n, chunk, fn, ctx, stop);

    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    pool->chunk = chunk;
    pool->stop = stop;
    atomic_store_explicit(&pool->completed, 0, memory_order_relaxed);
    pool->generation++;
    atomic_store_explicit(&pool->claim, claim_pack(pool->generation, chunks, 0),
                          memory_order_seq_cst);
    atomic_fetch_add_explicit(&pool->wake_seq, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&pool->sleepers, memory_order_seq_cst) > 0)
        futex_wake_all(&pool->wake_seq);

    run_chunks(pool, 0);

    /* Close the job: nobody can claim after this; count what was claimed. */
    uint64_t w = atomic_load_explicit(&pool->claim, memory_order_acquire);
    uint64_t closed;
    do {
        closed = claim_pack(pool->generation, chunks, chunks);
    } while (!atomic_compare_exchange_weak_explicit(&pool->claim, &w, closed, memory_order_acq_rel,
                                                    memory_order_acquire));
    uint32_t claimed = claim_next(w);
    /* Wait for chunks other threads still run. Yield after a while: if a
     * worker was preempted mid-chunk, spinning only delays it. */
    for (uint32_t spins = 0;
         atomic_load_explicit(&pool->completed, memory_order_acquire) < claimed; spins++) {
        if (spins < SPIN_ITERATIONS) cpu_relax();
        else sched_yield();
    }
    uint64_t finished = (uint64_t)claimed * chunk;
    return finished > n ? n : (uint32_t)finished;
}
