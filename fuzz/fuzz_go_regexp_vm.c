/*
 * fuzz_go_regexp_vm.c — libFuzzer target for the linear-time Go regexp
 * engine of the wasm guests (src/plugins/go_regexp_vm.c): input = pattern
 * NUL subject. The pattern goes through the Go-syntax translator and both
 * engines; they must agree on compile errors (same text) and, except for the
 * documented (?i) differences of PCRE2, on MatchString — and never crash or
 * run away (the NFA/DFA are linear; PCRE2 falls back to its DFA matcher).
 *
 *   make fuzz && build/fuzz/fuzz_go_regexp_vm -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/go_regexp.h"
#include "plugins/go_regexp_vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 512) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    char *pattern = malloc(plen + 1);
    memcpy(pattern, data, plen);
    pattern[plen] = '\0';
    const char *subject = nul ? (const char *)nul + 1 : "";
    size_t slen = nul ? size - plen - 1 : 0;
    char e1[512] = "", e2[512] = "";
    go_vm_regexp *vm = go_vm_compile(pattern, plen, e1, sizeof(e1));
    go_regexp *pc = go_regexp_compile(pattern, e2, sizeof(e2));
    if (!vm != !pc && !strstr(e2, "unsupported by this implementation")) abort();
    if (!vm && !pc && strcmp(e1, e2) != 0) abort();
    if (vm && pc) {
        int a = go_vm_match(vm, subject, slen);
        int b = go_regexp_match(pc, subject, slen, e2, sizeof(e2));
        bool folded = strstr(pattern, "(?") != NULL; /* flag groups may enable (?i) */
        /* PCRE2 rejects invalid UTF-8 subjects (-1); (?i) differences are documented */
        if (b >= 0 && a != b && !folded) abort();
        (void)go_vm_match(vm, subject, slen); /* again, from the DFA cache */
    }
    go_vm_free(vm);
    go_regexp_free(pc);
    free(pattern);
    return 0;
}
