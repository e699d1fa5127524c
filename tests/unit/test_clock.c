/* test_clock.c — real and virtual clocks, timer order, cancel, wait. */
#include "base/base.h"
#include "base/clock.h"
#include "test.h"

static char trace[64];
static size_t trace_len;
static sl_clock *trace_clock;
static int64_t seen_at[8];

static void mark(void *user) {
    char ch = (char)(intptr_t)user;
    if (trace_len < sizeof(trace) - 1) {
        seen_at[(trace_len) % 8] = sl_clock_now_ns(trace_clock);
        trace[trace_len++] = ch;
    }
}

static void add_more(void *user) {
    UNUSED(user);
    sl_clock_add_timer(trace_clock, sl_clock_now_ns(trace_clock) + 5, mark, (void *)(intptr_t)'z');
}

TEST(virtual_timers_run_in_time_then_insertion_order) {
    sl_clock *c = sl_clock_virtual_new(1700000000LL * 1000000000);
    trace_clock = c;
    trace_len = 0;
    CHECK_EQ_INT(sl_clock_now_ns(c), 0);
    CHECK_EQ_INT(sl_clock_wall_ns(c), 1700000000LL * 1000000000);
    sl_clock_add_timer(c, 30, mark, (void *)(intptr_t)'c');
    sl_clock_add_timer(c, 10, mark, (void *)(intptr_t)'a');
    sl_clock_add_timer(c, 10, mark, (void *)(intptr_t)'b');
    uint64_t d = sl_clock_add_timer(c, 20, mark, (void *)(intptr_t)'d');
    sl_clock_add_timer(c, 15, add_more, NULL);
    CHECK(sl_clock_cancel_timer(c, d));
    CHECK(!sl_clock_cancel_timer(c, d));
    CHECK_EQ_INT(sl_clock_next_timer_ns(c), 10);
    CHECK_EQ_INT(sl_clock_run_due(c), 0); /* nothing due at 0 */
    CHECK_EQ_INT(sl_clock_advance(c, 25), 4); /* a, b, add_more, z@20 */
    trace[trace_len] = 0;
    CHECK_EQ_STR(trace, "abz");
    CHECK_EQ_INT(seen_at[0], 10);
    CHECK_EQ_INT(seen_at[2], 20);
    CHECK_EQ_INT(sl_clock_now_ns(c), 25);
    CHECK_EQ_INT(sl_clock_wall_ns(c), 1700000000LL * 1000000000 + 25);
    /* wait_until on a virtual clock jumps to the next timer */
    CHECK_EQ_INT(sl_clock_wait_until(c, 1000), 1);
    CHECK_EQ_INT(sl_clock_now_ns(c), 30);
    CHECK_EQ_INT(sl_clock_wait_until(c, 1000), 0);
    CHECK_EQ_INT(sl_clock_now_ns(c), 1000);
    sl_clock_advance(c, 5); /* never backwards */
    CHECK_EQ_INT(sl_clock_now_ns(c), 1000);
    CHECK_EQ_INT(sl_clock_pending_timers(c), 0);
    sl_clock_free(c);
}

TEST(real_clock_sleeps_until_timer) {
    sl_clock *c = sl_clock_real_new();
    trace_clock = c;
    trace_len = 0;
    CHECK(!sl_clock_is_virtual(c));
    int64_t start = sl_clock_now_ns(c);
    sl_clock_add_timer(c, start + 20 * 1000000, mark, (void *)(intptr_t)'r');
    size_t ran = 0;
    while (!ran) ran = sl_clock_wait_until(c, start + 2000LL * 1000000);
    int64_t took = sl_clock_now_ns(c) - start;
    CHECK(took >= 20 * 1000000);
    CHECK(took < 1000LL * 1000000);
    CHECK_EQ_INT(trace[0], 'r');
    int64_t wall = sl_clock_wall_ns(c), sys = time_wall_ns();
    CHECK(wall - sys < 1000000000 && sys - wall < 1000000000);
    /* a wake cuts a long wait short */
    sl_clock_wake(c);
    int64_t t0 = sl_clock_now_ns(c);
    sl_clock_wait_until(c, t0 + 5LL * 1000000000);
    CHECK(sl_clock_now_ns(c) - t0 < 1000000000);
    sl_clock_free(c);
}

int main(void) {
    RUN(virtual_timers_run_in_time_then_insertion_order);
    RUN(real_clock_sleeps_until_timer);
    return test_summary("clock");
}
