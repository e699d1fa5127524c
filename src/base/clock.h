/*
 * clock — the one source of time for everything that reads it (store
 * timestamps, queue backoff, Permit timeouts, lease renewals, a fake
 * kubelet's stage delays, scenario arrivals; design.md "one clock").
 *
 * A clock has two readings and a timer queue:
 *   - now_ns:  monotonic nanoseconds since the clock was made (durations,
 *              deadlines, timers);
 *   - wall_ns: wall-clock nanoseconds since the Unix epoch (timestamps
 *              written into objects: creationTimestamp, condition times).
 * Two implementations behind one interface:
 *   - real:    CLOCK_MONOTONIC / CLOCK_REALTIME; sl_clock_wait_until sleeps
 *              (a condition variable, so sl_clock_wake or a new earlier timer
 *              cuts the sleep short);
 *   - virtual: time stands still until someone advances it; waiting until T
 *              *is* advancing to T (running the timers due on the way, each
 *              at its own time), so a headless run never sleeps and a
 *              scenario and a live cluster run the same code. Wall time is
 *              the start wall time plus the virtual now.
 *
 * Timers: sl_clock_add_timer(c, at, fn, user) runs fn(user) once when now
 * reaches `at` — from sl_clock_run_due / sl_clock_advance / sl_clock_wait_until,
 * on the caller's thread, with no clock lock held (a timer may add or cancel
 * timers). Timers due at the same time run in the order they were added.
 *
 * Threads: every function is thread-safe; one mutex guards the timer heap and
 * the virtual time. The clock never owns a thread: whoever drives it (the
 * scheduler loop, a test) calls run_due / wait_until.
 */
#ifndef SCHEDLAB_BASE_CLOCK_H
#define SCHEDLAB_BASE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_clock sl_clock;
typedef void (*sl_timer_fn)(void *user);

sl_clock *sl_clock_real_new(void);
/* start_wall_ns: the wall time at virtual 0 (0 = the real wall time now). */
sl_clock *sl_clock_virtual_new(int64_t start_wall_ns);
void sl_clock_free(sl_clock *c);

bool sl_clock_is_virtual(const sl_clock *c);
int64_t sl_clock_now_ns(sl_clock *c);
int64_t sl_clock_wall_ns(sl_clock *c);

/* Adds a one-shot timer; returns its id (never 0). */
uint64_t sl_clock_add_timer(sl_clock *c, int64_t at_ns, sl_timer_fn fn, void *user);
/* true if the timer was pending and is now cancelled (false if it already
 * ran or is running). */
bool sl_clock_cancel_timer(sl_clock *c, uint64_t id);
/* The time of the earliest pending timer, INT64_MAX when none. */
int64_t sl_clock_next_timer_ns(sl_clock *c);
size_t sl_clock_pending_timers(sl_clock *c);
/* Runs every timer due at the current now; returns how many ran. */
size_t sl_clock_run_due(sl_clock *c);

/* Virtual clocks only: moves now forward to `to_ns` (never backward),
 * running each timer due on the way with now set to its time. Returns the
 * number of timers run. On a real clock it only runs the due timers. */
size_t sl_clock_advance(sl_clock *c, int64_t to_ns);

/* Waits until now >= deadline_ns, a timer is due, or sl_clock_wake is
 * called (real), then runs the due timers. On a virtual clock: advances to
 * min(deadline, next timer) and runs what is due there. Returns the number
 * of timers run. */
size_t sl_clock_wait_until(sl_clock *c, int64_t deadline_ns);
/* Cuts a real clock's current wait short (another thread posted work). */
void sl_clock_wake(sl_clock *c);

#endif
