/*
 * fuzz_wasm_diff — libFuzzer target for the translator's correctness: the
 * input bytes drive tests/wasm_diff.h's generator of random valid wasm
 * functions (locals aliased across calls, blocks, ifs, br_if, counted
 * loops, loads/stores, i32 and i64 operators); each program runs on the
 * runtime and on the reference evaluator, and any difference in result or
 * memory aborts (a finding), as do crashes and sanitizer reports.
 *
 *   make fuzz && build/fuzz/fuzz_wasm_diff -max_total_time=300
 *   SL_WASM_DIFF_DUMP=/tmp build/fuzz/fuzz_wasm_diff CRASH_FILE   (write the module)
 */
#include "tests/wasm_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rng_bytes = data;
    rng_left = size;
    program p = {0};
    gen_seq(&p, 20 + (int)rnd(100), 0);
    char msg[300];
    if (!diff_check(&p, msg, sizeof msg)) {
        fprintf(stderr, "fuzz_wasm_diff: runtime and reference differ: %s\n", msg);
        abort();
    }
    free(p.code);
    return 0;
}
