/*
 * parallel.h — the worker pool that runs Filter and Score over nodes
 * (upstream's parallelize.Parallelizer). Internal to src/scheduler.
 *
 * One pool per scheduler with `threads` participants: the calling thread is
 * participant 0 and works too; participants 1..threads-1 are pool threads,
 * each allocating from its own arena (sl_cycle_arenas) so plugins can
 * sl_cycle_alloc without locks.
 *
 * Work is handed out in chunks of consecutive indexes, claimed in
 * increasing order with one compare-and-swap each, so the indexes finished
 * when a run stops early always form a prefix [0, m) — the scheduler relies
 * on that to make the early stop at numFeasibleNodesToFind deterministic.
 */
#ifndef SCHEDLAB_PARALLEL_H
#define SCHEDLAB_PARALLEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "scheduler/framework_internal.h"

/* Processes indexes [begin, end). `participant` is 0 for the caller. */
typedef void (*sl_parallel_fn)(void *ctx, uint32_t begin, uint32_t end, uint32_t participant);

/* threads = total participants including the caller (>= 1). Threads are
 * started lazily on the first run that needs them. `arenas` must have
 * threads-1 worker arenas (sl_cycle_arenas_init(arenas, threads-1)). */
sl_worker_pool *sl_worker_pool_new(uint32_t threads, sl_cycle_arenas *arenas);
void sl_worker_pool_free(sl_worker_pool *pool);
uint32_t sl_worker_pool_threads(const sl_worker_pool *pool);

/* Runs fn over [0, n) in chunks of `chunk` (>= 1) and returns when every
 * claimed chunk is done. When `stop` is non-NULL and becomes true, no new
 * chunk is claimed (chunks in progress finish): the finished indexes are
 * then exactly [0, returned value). Returns n when everything ran. With a
 * NULL pool, or n <= chunk, everything runs on the caller. Not reentrant. */
uint32_t sl_parallel_for(sl_worker_pool *pool, uint32_t n, uint32_t chunk, sl_parallel_fn fn,
                         void *ctx, atomic_bool *stop);

/* Adaptive hand-off. Waking a pool thread and waiting for the chunk it
 * claimed costs more than a small job saves, and on a loaded machine a pool
 * thread preempted in the middle of its chunk stalls the cycle for a whole
 * time slice. So the callers run a job on the pool only when jobs of that
 * kind have lately taken at least SL_PARALLEL_MIN_NS of single-thread time
 * (many nodes, expensive plugins); otherwise on the calling thread alone.
 * Scheduling decisions never depend on this choice (the Filter scan and
 * Score give the same result either way, see schedule_one.c), only the
 * speed. Both functions are for the scheduling thread only. */
typedef enum sl_parallel_kind {
    SL_PARALLEL_FILTER,
    SL_PARALLEL_SCORE,
    SL_PARALLEL_KINDS,
} sl_parallel_kind;
#ifndef SL_PARALLEL_MIN_NS /* -DSL_PARALLEL_MIN_NS=0: always parallel (tests) */
#define SL_PARALLEL_MIN_NS 250000
#endif
/* true: hand the next job of this kind to the pool (a pool with >1 thread). */
bool sl_parallel_worth_it(const sl_worker_pool *pool, sl_parallel_kind kind);
/* Tests: every job is worth it (the parallel paths run whatever their
 * size, so tests can compare them with the sequential ones). */
void sl_worker_pool_force_parallel(sl_worker_pool *pool, bool force);
/* How many jobs of this kind ran on more than one thread so far. */
uint64_t sl_parallel_jobs(const sl_worker_pool *pool, sl_parallel_kind kind);
/* A job of this kind took `elapsed_ns` on the caller with `participants`
 * threads working (1 = ran inline); updates the running estimate. */
void sl_parallel_record(sl_worker_pool *pool, sl_parallel_kind kind, int64_t elapsed_ns,
                        uint32_t participants);

/* min(parallelism, online CPUs), at least 1. */
uint32_t sl_parallel_default_threads(int32_t parallelism);

#endif
