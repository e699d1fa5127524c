/* regex.c — POSIX extended regular expressions (<regex.h>: musl's TRE in
 * wasi-libc, glibc's in the native build — a different implementation, so
 * this ratio compares libraries as well as engines): node-name style
 * patterns compiled once, matched against N generated names. */
#include <regex.h>
#include <stdint.h>
#include <string.h>

static const char *const patterns[] = {
    "^node-[0-9]+$",
    "^(gpu|cpu)-pool-[a-z]+-[0-9]{2,4}$",
    "zone-(a|b|c)",
    "^[a-z]+(-[a-z0-9]+)*\\.example\\.com$",
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

static void make_name(uint32_t i, char *buf) {
    static const char *const prefixes[] = {"node-", "gpu-pool-east-", "cpu-pool-west-", "web-",
                                           "db.zone-b-", "api-server-"};
    const char *p = prefixes[i % 6];
    size_t n = strlen(p);
    memcpy(buf, p, n);
    uint32_t v = i * 2654435761u;
    for (int k = 0; k < 3 + (int)(i % 3); k++) buf[n++] = (char)('0' + (v >> (k * 3)) % 10);
    if (i % 5 == 0) {
        memcpy(buf + n, ".example.com", 12);
        n += 12;
    }
    buf[n] = 0;
}

static uint32_t kernel(uint32_t n) {
    regex_t re[NPATTERNS];
    for (size_t k = 0; k < NPATTERNS; k++)
        if (regcomp(&re[k], patterns[k], REG_EXTENDED | REG_NOSUB) != 0) return 0;
    uint32_t matches = 0;
    char name[64];
    for (uint32_t i = 0; i < n; i++) {
        make_name(i, name);
        for (size_t k = 0; k < NPATTERNS; k++) matches += regexec(&re[k], name, 0, NULL, 0) == 0;
    }
    for (size_t k = 0; k < NPATTERNS; k++) regfree(&re[k]);
    return matches;
}

#ifndef BENCH_N
#define BENCH_N 400000
#endif
#include "bench.h"
