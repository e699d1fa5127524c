/*
 * hostile_guest.c — a guest that misbehaves on demand, for the sandbox
 * tests: a pod annotated `hostile: <mode>` makes filter loop forever,
 * exhaust memory, recurse without bound, trap (after printing a panic),
 * call proc_exit mid-call, or flood stdout; other pods pass every node.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))
IMPORT("k8s.io/scheduler", "currentPod") uint32_t current_pod(void *buf, uint32_t limit);

static uint8_t pod[65536];
static char mode[32];

static int find(const char *needle, char *out, size_t outsize) {
    uint32_t n = current_pod(pod, sizeof pod);
    if (n > sizeof pod) return 0;
    size_t k = strlen(needle);
    for (uint32_t i = 1; i + k + 2 < n; i++)
        if (!memcmp(pod + i, needle, k)) { /* map entry: key, then 0x12 len value */
            const uint8_t *v = pod + i + k;
            if (pod[i - 1] != k || v[0] != 0x12 || v[1] >= outsize) continue;
            memcpy(out, v + 2, v[1]);
            out[v[1]] = 0;
            return 1;
        }
    return 0;
}

EXPORT("prefilter") int prefilter(void) {
    if (!find("hostile", mode, sizeof mode)) mode[0] = 0;
    return 0;
}

static volatile int sink;
static char *volatile keep; /* stops the compiler from eliding the allocations */
static int recurse(int n) { return recurse(n + 1) + (sink = n); }

EXPORT("filter") int filter(void) {
    if (!strcmp(mode, "loop"))
        for (;;) sink++;
    if (!strcmp(mode, "memory")) {
        for (;;) {
            char *p = malloc(1 << 20);
            if (!p) { printf("panic: out of memory\n"); fflush(stdout); __builtin_trap(); }
            memset(p, 1, 1 << 20);
            keep = p;
        }
    }
    if (!strcmp(mode, "recursion")) return recurse(0);
    if (!strcmp(mode, "trap")) { printf("panic: hostile guest\n"); fflush(stdout); __builtin_trap(); }
    if (!strcmp(mode, "exit")) exit(7);
    if (!strcmp(mode, "stdout")) {
        /* 1 MiB (16x the host's 64 KiB capture) in 64 KiB writes: huge
         * output at a cost the 300 ms deadline allows on a loaded machine
         * and under ASan (printf per line in the interpreter does not) */
        static char flood[65536];
        static const char line[] = "flooding stdout with one more line\n";
        for (size_t i = 0; i < sizeof flood; i++) flood[i] = line[i % (sizeof line - 1)];
        for (int i = 0; i < 16; i++) fwrite(flood, 1, sizeof flood, stdout);
        fflush(stdout);
        return 0;
    }
    return 0;
}
