/*
 * bench.h — the entry point every bench/wasm kernel shares. A kernel
 * defines `static uint32_t kernel(uint32_t n)` (returning a checksum so the
 * work cannot be optimised away) and BENCH_N (its default size), then
 * includes this header at the end.
 *
 * Normal builds (native, wasm32-wasi) get a main(): `kernel [N]` prints
 * "<checksum>". The import-free build for wabt's wasm-interp (which has no
 * WASI) defines BENCH_IMPORT_FREE and gets an exported `bench()` that runs
 * the kernel at the compile-time size BENCH_N and returns the checksum.
 */
#ifndef BENCH_WASM_BENCH_H
#define BENCH_WASM_BENCH_H

#ifdef BENCH_IMPORT_FREE
__attribute__((export_name("bench"))) uint32_t bench(void) { return kernel(BENCH_N); }
#else
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : BENCH_N;
    printf("%u\n", (unsigned)kernel(n));
    return 0;
}
#endif

#endif
