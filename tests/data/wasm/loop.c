/*
 * loop.c — WASI command guest that never ends (a busy loop with calls),
 * for --timeout-ms and store interruption tests.
 */
#include <stdio.h>

__attribute__((noinline)) unsigned step(unsigned x) { return x * 1664525u + 1013904223u; }

int main(void) {
    volatile unsigned x = 1;
    printf("looping forever\n");
    fflush(stdout);
    for (;;) x = step(x);
}
