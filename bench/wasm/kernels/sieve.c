/* sieve.c — sieve of Eratosthenes over 1M bytes, repeated N times:
 * byte stores and tight loops. */
#include <stdint.h>
#include <string.h>

#define SIEVE_SIZE 1000000
static uint8_t composite[SIEVE_SIZE];

static uint32_t kernel(uint32_t n) {
    uint32_t total = 0;
    for (uint32_t rep = 0; rep < n; rep++) {
        memset(composite, 0, sizeof composite);
        uint32_t count = 0;
        for (uint32_t i = 2; i < SIEVE_SIZE; i++) {
            if (composite[i]) continue;
            count++;
            for (uint32_t j = i * 2; j < SIEVE_SIZE; j += i) composite[j] = 1;
        }
        total += count;
    }
    return total;
}

#ifndef BENCH_N
#define BENCH_N 60
#endif
#include "bench.h"
