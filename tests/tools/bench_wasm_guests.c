/*
 * bench_wasm_guests — per-call cost of the RegexScheduling C guests
 * (build/wasm/regex_v{1,2}.wasm) on schedlab's runtime, driven through the
 * minimal stub host of tests/wasm_guest_host.h (so the figures are the
 * guest + runtime + import costs, without the wasmplugin host's pod
 * encoding or pool), next to the native engines for reference.
 *
 *   build/release/tools/bench_wasm_guests [ITERATIONS [PATTERN]]
 *       one line per measurement: thread CPU ns per call, median of 5 runs
 *       (CPU time, so a loaded machine inflates it less than wall time)
 *   build/release/tools/bench_wasm_guests --calls N GUEST.wasm PATTERN NODE [HOOK]
 *       only makes N calls of HOOK (default filter) after one prefilter: run it
 *       under `valgrind --tool=callgrind` twice with different N to count host
 *       instructions per call independently of load (bench/wasm_guests.sh)
 */
#include <time.h>

#include "base/base.h"
#include "plugins/go_regexp.h"
#include "plugins/go_regexp_vm.h"
#include "wasm_guest_host.h"

static const char *const node_names[] = {"kubecon-1", "node-1", "kubecon-2", "node-10"};

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

typedef double (*bench_fn)(void *ctx, int iterations);

static int64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double median_ns(bench_fn fn, void *ctx, int iterations) {
    int64_t runs[5];
    for (int r = 0; r < 5; r++) {
        int64_t t0 = cpu_ns();
        fn(ctx, iterations);
        runs[r] = cpu_ns() - t0;
    }
    qsort(runs, 5, sizeof(runs[0]), cmp_i64);
    return (double)runs[2] / iterations;
}

typedef struct wasm_ctx {
    guest g;
    const char *hook;
    bool all_match; /* only matching node names (no reason formatting) */
} wasm_ctx;

static double run_wasm(void *p, int iterations) {
    wasm_ctx *c = p;
    char err[256];
    int64_t r;
    for (int i = 0; i < iterations; i++) {
        const char *n = node_names[c->all_match ? (i & 1) * 2 : i & 3];
        snprintf(c->g.host.node_name, sizeof(c->g.host.node_name), "%s", n);
        if (!guest_call(&c->g, c->hook, &r, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            exit(1);
        }
    }
    return 0;
}

typedef struct native_ctx {
    const char *pattern;
    go_regexp *re;
    go_vm_regexp *vm;
    int mode; /* 0 pcre2 compile+match, 1 pcre2 match, 2 vm compile+match, 3 vm match */
} native_ctx;

static double run_native(void *p, int iterations) {
    native_ctx *c = p;
    char err[256];
    volatile int sink = 0;
    for (int i = 0; i < iterations; i++) {
        const char *n = node_names[i & 3];
        size_t len = strlen(n);
        switch (c->mode) {
        case 0: {
            go_regexp *re = go_regexp_compile(c->pattern, err, sizeof(err));
            sink += go_regexp_match(re, n, len, err, sizeof(err));
            go_regexp_free(re);
            break;
        }
        case 1: sink += go_regexp_match(c->re, n, len, err, sizeof(err)); break;
        case 2: {
            go_vm_regexp *re = go_vm_compile(c->pattern, strlen(c->pattern), err, sizeof(err));
            sink += go_vm_match(re, n, len);
            go_vm_free(re);
            break;
        }
        default: sink += go_vm_match(c->vm, n, len); break;
        }
    }
    return sink;
}

static int count_calls(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: bench_wasm_guests --calls N GUEST.wasm PATTERN NODE [HOOK]\n");
        return 2;
    }
    wasm_ctx c;
    memset(&c, 0, sizeof(c));
    char err[512];
    if (!guest_open(&c.g, argv[3], err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    c.g.host.pod = make_pod_pb("p", argv[4][0] ? argv[4] : NULL, 0);
    int64_t r;
    guest_call(&c.g, "prefilter", &r, err, sizeof(err));
    snprintf(c.g.host.node_name, sizeof(c.g.host.node_name), "%s", argv[5]);
    const char *hook = argc > 6 ? argv[6] : "filter";
    for (int i = atoi(argv[2]); i > 0; i--)
        if (!guest_call(&c.g, hook, &r, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    guest_close(&c.g);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--calls") == 0) return count_calls(argc, argv);
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    const char *pattern = argc > 2 ? argv[2] : "kubecon-.*";
    char err[512];
    printf("# RegexScheduling C guests, pattern %s, nodes kubecon-1/node-1/kubecon-2/node-10, "
           "%d calls x 5 runs (median)\n",
           pattern, iterations);
    const char *paths[] = {"build/wasm/regex_v1.wasm", "build/wasm/regex_v2.wasm"};
    for (int v = 0; v < 2; v++) {
        wasm_ctx c;
        memset(&c, 0, sizeof(c));
        if (!guest_open(&c.g, paths[v], err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        c.g.host.pod = make_pod_pb("kubecon-pod", pattern, 0);
        int64_t r;
        guest_call(&c.g, "prefilter", &r, err, sizeof(err));
        c.hook = "filter";
        c.all_match = true;
        printf("wasm v%d filter (kubecon-1, kubecon-2)    %8.0f ns/call\n", v + 1,
               median_ns(run_wasm, &c, iterations));
        c.all_match = false;
        printf("wasm v%d filter (all four names)          %8.0f ns/call\n", v + 1,
               median_ns(run_wasm, &c, iterations));
        c.hook = "prefilter";
        printf("wasm v%d prefilter (pod fetch%s)  %8.0f ns/call\n", v + 1,
               v ? " + compile" : "          ", median_ns(run_wasm, &c, iterations / 10 + 1));
        guest_close(&c.g);
    }
    /* an annotation-less pod: the per-call floor of a filter that only returns */
    {
        wasm_ctx c;
        memset(&c, 0, sizeof(c));
        if (!guest_open(&c.g, paths[1], err, sizeof(err))) return 1;
        c.g.host.pod = make_pod_pb("plain-pod", NULL, 0);
        int64_t r;
        guest_call(&c.g, "prefilter", &r, err, sizeof(err));
        c.hook = "filter";
        c.all_match = true;
        printf("wasm v2 filter, no annotation (floor)    %8.0f ns/call\n",
               median_ns(run_wasm, &c, iterations));
        guest_close(&c.g);
    }
    native_ctx n = {pattern, go_regexp_compile(pattern, err, sizeof(err)),
                    go_vm_compile(pattern, strlen(pattern), err, sizeof(err)), 0};
    static const char *const labels[] = {
        "native PCRE2 compile+match (v1 per node)", "native PCRE2 match (v2 per node)      ",
        "native NFA compile+match               ", "native NFA match                      "};
    for (n.mode = 0; n.mode < 4; n.mode++)
        printf("%s   %8.0f ns/call\n", labels[n.mode], median_ns(run_native, &n, iterations));
    go_regexp_free(n.re);
    go_vm_free(n.vm);
    return 0;
}
