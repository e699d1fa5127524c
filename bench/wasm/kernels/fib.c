/* fib.c — recursive Fibonacci: call-heavy integer code. N = argument. */
#include <stdint.h>

__attribute__((noinline)) static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint32_t kernel(uint32_t n) { return fib(n); }

#ifndef BENCH_N
#define BENCH_N 39
#endif
#include "bench.h"
