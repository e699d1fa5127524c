/*
 * hello.c — WASI command guest for tests/cli/sl_wasm_run.sh and
 * tests/unit/test_wasm_api.c (built with clang --target=wasm32-wasi).
 *
 *   hello                 prints a greeting, its argv and $GREETING, and a
 *                         line on stderr; exits 0
 *   hello exit N          same, then returns N from main (wasi-libc turns a
 *                         non-zero return into proc_exit(N))
 *   hello cat             copies stdin to stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("hello from wasm\n");
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    fprintf(stderr, "note on stderr\n");
    if (argc > 2 && !strcmp(argv[1], "exit")) return atoi(argv[2]);
    if (argc > 1 && !strcmp(argv[1], "cat")) {
        char buf[256];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
    }
    return 0;
}
