/*
 * clock.c — real and virtual clocks with one timer queue (clock.h).
 *
 * The timer queue is a binary min-heap ordered by (time, sequence). Cancel
 * finds the entry by a linear scan of the heap and removes it: timers
 * number in the hundreds (backoffs, leases), so O(n) cancel is cheaper than
 * keeping an id -> index map in step with every swap; revisit if that
 * changes.
 */
#include "base/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/base.h"

typedef struct timer {
    int64_t at;
    uint64_t seq;   /* = id; also breaks ties in insertion order */
    sl_timer_fn fn;
    void *user;
} timer;

struct sl_clock {
    bool is_virtual;
    pthread_mutex_t lock;
    pthread_cond_t cond;       /* real clock: wait_until sleeps here */
    bool woken;
    int64_t start_mono;        /* real: CLOCK_MONOTONIC at creation */
    int64_t start_wall;        /* virtual: wall time at virtual 0 */
    int64_t virtual_now;
    uint64_t next_seq;
    VEC(timer) heap;
};

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t real_wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static sl_clock *clock_new(bool is_virtual) {
    sl_clock *c = xcalloc(1, sizeof(*c));
    c->is_virtual = is_virtual;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &attr);
    pthread_condattr_destroy(&attr);
    c->next_seq = 1;
    return c;
}

sl_clock *sl_clock_real_new(void) {
    sl_clock *c = clock_new(false);
    c->start_mono = mono_ns();
    return c;
}

sl_clock *sl_clock_virtual_new(int64_t start_wall_ns) {
    sl_clock *c = clock_new(true);
    c->start_wall = start_wall_ns ? start_wall_ns : real_wall_ns();
    return c;
}

void sl_clock_free(sl_clock *c) {
    if (!c) return;
    VEC_FREE(&c->heap);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

bool sl_clock_is_virtual(const sl_clock *c) { return c->is_virtual; }

static int64_t now_locked(sl_clock *c) {
    return c->is_virtual ? c->virtual_now : mono_ns() - c->start_mono;
}

int64_t sl_clock_now_ns(sl_clock *c) {
    if (!c->is_virtual) return mono_ns() - c->start_mono;
    pthread_mutex_lock(&c->lock);
    int64_t now = c->virtual_now;
    pthread_mutex_unlock(&c->lock);
    return now;
}

int64_t sl_clock_wall_ns(sl_clock *c) {
    if (!c->is_virtual) return real_wall_ns();
    return c->start_wall + sl_clock_now_ns(c);
}

/* ---- heap ---- */

static bool earlier(const timer *a, const timer *b) {
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void sift_up(sl_clock *c, size_t i) {
    timer *h = c->heap.items;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(&h[i], &h[parent])) break;
        timer t = h[i];
        h[i] = h[parent];
        h[parent] = t;
        i = parent;
    }
}

static void sift_down(sl_clock *c, size_t i) {
    timer *h = c->heap.items;
    size_t n = c->heap.len;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && earlier(&h[l], &h[m])) m = l;
        if (r < n && earlier(&h[r], &h[m])) m = r;
        if (m == i) break;
        timer t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void remove_at(sl_clock *c, size_t i) {
    c->heap.items[i] = c->heap.items[--c->heap.len];
    if (i < c->heap.len) {
        sift_down(c, i);
        sift_up(c, i);
    }
}

uint64_t sl_clock_add_timer(sl_clock *c, int64_t at_ns, sl_timer_fn fn, void *user) {
    pthread_mutex_lock(&c->lock);
    timer t = {at_ns, c->next_seq++, fn, user};
    VEC_PUSH(&c->heap, t);
    sift_up(c, c->heap.len - 1);
    bool first = c->heap.items[0].seq == t.seq;
    if (first) pthread_cond_broadcast(&c->cond); /* a sleeper may need to wake sooner */
    pthread_mutex_unlock(&c->lock);
    return t.seq;
}

bool sl_clock_cancel_timer(sl_clock *c, uint64_t id) {
    bool found = false;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->heap.len; i++)
        if (c->heap.items[i].seq == id) {
            remove_at(c, i);
            found = true;
            break;
        }
    pthread_mutex_unlock(&c->lock);
    return found;
}

int64_t sl_clock_next_timer_ns(sl_clock *c) {
    pthread_mutex_lock(&c->lock);
    int64_t at = c->heap.len ? c->heap.items[0].at : INT64_MAX;
    pthread_mutex_unlock(&c->lock);
    return at;
}

size_t sl_clock_pending_timers(sl_clock *c) {
    pthread_mutex_lock(&c->lock);
    size_t n = c->heap.len;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Pops one timer due at or before `limit` (lock held); false if none. */
static bool pop_due(sl_clock *c, int64_t limit, timer *out) {
    if (!c->heap.len || c->heap.items[0].at > limit) return false;
    *out = c->heap.items[0];
    remove_at(c, 0);
    return true;
}

size_t sl_clock_run_due(sl_clock *c) {
    size_t ran = 0;
    timer t;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        bool got = pop_due(c, now_locked(c), &t);
        pthread_mutex_unlock(&c->lock);
        if (!got) return ran;
        t.fn(t.user);
        ran++;
    }
}

size_t sl_clock_advance(sl_clock *c, int64_t to_ns) {
    if (!c->is_virtual) return sl_clock_run_due(c);
    size_t ran = 0;
    timer t;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        bool got = pop_due(c, to_ns, &t);
        if (got && t.at > c->virtual_now) c->virtual_now = t.at;
        if (!got && to_ns > c->virtual_now) c->virtual_now = to_ns;
        pthread_mutex_unlock(&c->lock);
        if (!got) return ran;
        t.fn(t.user);
        ran++;
    }
}

size_t sl_clock_wait_until(sl_clock *c, int64_t deadline_ns) {
    if (c->is_virtual) {
        int64_t next = sl_clock_next_timer_ns(c);
        int64_t to = next < deadline_ns ? next : deadline_ns;
        return sl_clock_advance(c, to);
    }
    pthread_mutex_lock(&c->lock);
    while (!c->woken) {
        int64_t now = now_locked(c);
        int64_t until = deadline_ns;
        if (c->heap.len && c->heap.items[0].at < until) until = c->heap.items[0].at;
        if (now >= until) break;
        int64_t abs = c->start_mono + until;
        struct timespec ts = {(time_t)(abs / 1000000000), (long)(abs % 1000000000)};
        int rc = pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        if (rc == ETIMEDOUT) continue;
    }
    c->woken = false;
    pthread_mutex_unlock(&c->lock);
    return sl_clock_run_due(c);
}

void sl_clock_wake(sl_clock *c) {
    pthread_mutex_lock(&c->lock);
    c->woken = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}
