/*
 * trap.c — WASI command guest that traps two calls deep (`unreachable`),
 * for checking trap messages and backtraces with function names
 * (tests/cli/sl_wasm_run.sh, tests/unit/test_wasm_api.c).
 */
#include <stdio.h>

__attribute__((noinline)) void crash_in_guest(volatile int *p) {
    if (!p) __builtin_trap();
    *p = 1;
}

__attribute__((noinline)) void call_the_crash(int depth) {
    if (depth > 0) crash_in_guest(0);
    printf("not reached\n");
}

int main(int argc, char **argv) {
    (void)argv;
    printf("about to trap\n");
    fflush(stdout);
    call_the_crash(argc);
    return 0;
}
