/*
 * callbench.c — micro-benchmarks of schedlab's wasm runtime API, built by
 * bench/wasm/run.sh against libschedlab.a:
 *
 *   callbench calls CALLS.wasm [N]   host->guest call cost of a trivial
 *                                    i32->i32 export via sl_wasm_func_call_raw
 *                                    and sl_wasm_func_call (N calls, default
 *                                    10M), and guest->host cost: a guest
 *                                    loop calling an i32->i32 host import,
 *                                    against the same loop calling a wasm
 *                                    function and an empty loop
 *   callbench load FILE.wasm         load (decode+validate+translate) time,
 *                                    instantiate time and RSS growth
 *
 * Each figure is the best of 5 repetitions, timed in thread CPU time (the
 * benchmark machine is shared, so wall time swings with other load). Output
 * lines are "name: value unit" for run.sh to collect.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "wasm/wasm.h"

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

static sl_wasm_module *load(const char *path) {
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    char err[512] = "";
    sl_wasm_module *m = sl_wasm_module_load(bytes, len, err, sizeof err);
    free(bytes);
    if (!m) {
        fprintf(stderr, "%s: %s\n", path, err);
        exit(1);
    }
    return m;
}

static sl_wasm_trap *host_inc(sl_wasm_call *call, uint64_t *slots) {
    (void)call;
    slots[0] = (uint32_t)((uint32_t)slots[0] + 1);
    return NULL;
}

static void check(sl_wasm_trap *t, const char *what) {
    if (t) {
        fprintf(stderr, "%s trapped: %s\n", what, sl_wasm_trap_message(t));
        exit(1);
    }
}

/* ns per iteration of a guest loop export run with n iterations. */
static double loop_ns(sl_wasm_extern *fn, uint32_t n) {
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t slots[1] = {n};
        int64_t t0 = now_ns();
        check(sl_wasm_func_call_raw(fn, slots), "loop");
        double ns = (double)(now_ns() - t0) / n;
        if ((uint32_t)slots[0] != n) {
            fprintf(stderr, "loop returned %u, want %u\n", (unsigned)slots[0], (unsigned)n);
            exit(1);
        }
        if (ns < best) best = ns;
    }
    return best;
}

static int bench_calls(const char *path, uint32_t n) {
    sl_wasm_module *m = load(path);
    sl_wasm_store *s = sl_wasm_store_new(NULL);
    sl_wasm_linker *l = sl_wasm_linker_new();
    sl_wasm_linker_define_func(l, "env", "inc", "i:i", host_inc, NULL);
    char err[256];
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *inst = sl_wasm_instantiate(s, m, l, &trap, err, sizeof err);
    if (!inst) {
        fprintf(stderr, "instantiate: %s\n", err);
        return 1;
    }
    sl_wasm_extern *id = sl_wasm_instance_export(inst, "identity");

    double raw_best = 1e30, val_best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t slots[1];
        int64_t t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            slots[0] = i;
            check(sl_wasm_func_call_raw(id, slots), "identity");
        }
        double ns = (double)(now_ns() - t0) / n;
        if ((uint32_t)slots[0] != n - 1) exit(1);
        if (ns < raw_best) raw_best = ns;

        sl_wasm_val arg = {.type = SL_WASM_I32}, res = {.type = SL_WASM_I32};
        t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            arg.of.i32 = (int32_t)i;
            check(sl_wasm_func_call(id, &arg, 1, &res, 1), "identity");
        }
        ns = (double)(now_ns() - t0) / n;
        if ((uint32_t)res.of.i32 != n - 1) exit(1);
        if (ns < val_best) val_best = ns;
    }
    double host = loop_ns(sl_wasm_instance_export(inst, "call_loop"), n);
    double wasm = loop_ns(sl_wasm_instance_export(inst, "wasm_call_loop"), n);
    double empty = loop_ns(sl_wasm_instance_export(inst, "empty_loop"), n);
    printf("calls: %" PRIu32 "\n", n);
    printf("host_to_guest_raw: %.1f ns\n", raw_best);
    printf("host_to_guest_vals: %.1f ns\n", val_best);
    printf("guest_to_host_loop_iteration: %.1f ns\n", host);
    printf("guest_to_host_minus_empty_loop: %.1f ns\n", host - empty);
    printf("guest_to_guest_loop_iteration: %.1f ns\n", wasm);
    printf("empty_loop_iteration: %.2f ns\n", empty);
    sl_wasm_store_free(s);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
    return 0;
}

static int bench_load(const char *path) {
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    long rss0 = rss_kb();
    double best_load = 1e30;
    sl_wasm_module *m = NULL;
    for (int rep = 0; rep < 5; rep++) {
        char err[512] = "";
        int64_t t0 = now_ns();
        sl_wasm_module *mm = sl_wasm_module_load(bytes, len, err, sizeof err);
        double ms = (double)(now_ns() - t0) / 1e6;
        if (!mm) {
            fprintf(stderr, "%s: %s\n", path, err);
            return 1;
        }
        if (ms < best_load) best_load = ms;
        if (rep == 0) m = mm;
        else sl_wasm_module_free(mm);
    }
    long rss_module = rss_kb();
    /* instantiate with every import satisfied by a stub that traps */
    double best_inst = 1e30;
    long rss_inst = 0;
    sl_wasm_linker *l = sl_wasm_linker_new();
    sl_wasm_wasi_config wasi = {0};
    sl_wasm_wasi_define(l, &wasi);
    sl_wasm_store *keep = NULL;
    for (int rep = 0; rep < 5; rep++) {
        sl_wasm_store *s = sl_wasm_store_new(NULL);
        char err[512] = "";
        sl_wasm_trap *trap = NULL;
        int64_t t0 = now_ns();
        sl_wasm_instance *inst = sl_wasm_instantiate(s, m, l, &trap, err, sizeof err);
        double us = (double)(now_ns() - t0) / 1e3;
        if (trap) sl_wasm_trap_free(trap);
        if (!inst) {
            printf("instantiate: failed (%s)\n", err);
            sl_wasm_store_free(s);
            best_inst = -1;
            break;
        }
        if (us < best_inst) best_inst = us;
        if (!keep) {
            keep = s;
            rss_inst = rss_kb();
        } else {
            sl_wasm_store_free(s);
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("module_bytes: %zu\n", len);
    printf("exports: %" PRIu32 "\n", sl_wasm_module_export_count(m));
    printf("load_ms: %.2f ms\n", best_load);
    if (best_inst >= 0) printf("instantiate_us: %.1f us\n", best_inst);
    printf("rss_before_kb: %ld\n", rss0);
    printf("rss_after_load_kb: %ld (+%ld)\n", rss_module, rss_module - rss0);
    if (rss_inst) printf("rss_after_instantiate_kb: %ld (+%ld)\n", rss_inst, rss_inst - rss_module);
    printf("max_rss_kb: %ld\n", ru.ru_maxrss);
    if (keep) sl_wasm_store_free(keep);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
    free(bytes);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "calls"))
        return bench_calls(argv[2], argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000000u);
    if (argc == 3 && !strcmp(argv[1], "load")) return bench_load(argv[2]);
    fprintf(stderr, "usage: callbench calls CALLS.wasm [N] | callbench load FILE.wasm\n");
    return 2;
}
