/*
 * fuzz_wasi_fs — libFuzzer target for the WASI filesystem sandbox
 * (src/wasm/wasi.c): a guest (tests/data/wasm/wasi_fs_fuzz.wat, converted
 * with wat2wasm at start-up) whose exports call path_open, fd_read/write,
 * pread/pwrite, seek, readdir, filestat, mkdir, unlink, rmdir, rename and
 * readlink, driven with fuzzer-chosen arguments over fuzzer-chosen guest
 * memory, on a preopened directory that holds a file, a subdirectory and
 * symlinks pointing out of it (relative, absolute, "..").
 *
 * Input: [n u16][n bytes copied to guest memory at 0] then calls of 33
 * bytes each: [op u8][8 x u32 arguments]. Findings: crashes, leaks, UB —
 * and any escape: after every input the directory next to the preopen
 * must still hold exactly the one secret file, unchanged, and the guest's
 * memory must not contain the secret's text (random per process; abort()
 * otherwise). The
 * preopened tree is restored between inputs.
 *
 *   make fuzz && build/fuzz/fuzz_wasi_fs -max_total_time=300 CORPUS_DIR
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "wasm/wasm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOPS 20

/* Random per process, and searched for by uninstrumented code, so the
 * fuzzer cannot learn it from comparisons and plant it itself. */
static char secret[40];
static char base[256], root[300], outside[300], secret_path[320];

__attribute__((no_sanitize("coverage"))) static bool contains_secret(const uint8_t *p, size_t n) {
    size_t k = strlen(secret);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && p[i + j] == (uint8_t)secret[j]) j++;
        if (j == k) return true;
    }
    return false;
}
static sl_wasm_module *module;

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

/* The preopened tree, as every input starts with it. */
static void reset_root(void) {
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(root, 0755) != 0) abort();
    char p[512], target[512];
    snprintf(p, sizeof p, "%s/a.txt", root);
    write_file(p, "hello");
    snprintf(p, sizeof p, "%s/sub", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/esc", root);
    if (symlink("../outside/secret", p) != 0) abort();
    snprintf(p, sizeof p, "%s/abs", root);
    if (symlink(secret_path, p) != 0) abort();
    snprintf(p, sizeof p, "%s/up", root);
    if (symlink("..", p) != 0) abort();
    snprintf(p, sizeof p, "%s/sub/upup", root);
    if (symlink("../..", p) != 0) abort();
    snprintf(target, sizeof target, "%s", outside);
    snprintf(p, sizeof p, "%s/outdir", root);
    if (symlink(target, p) != 0) abort();
}

/* The oracle: outside/ holds exactly "secret", unchanged; base/ holds
 * exactly root and outside. */
static void check_outside(void) {
    DIR *d = opendir(outside);
    if (!d) abort();
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            if (strcmp(e->d_name, "secret") != 0) abort();
            n++;
        }
    closedir(d);
    if (n != 1) abort();
    char buf[128] = "";
    FILE *f = fopen(secret_path, "r");
    if (!f) abort();
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    if (strcmp(buf, secret) != 0) abort();
    d = opendir(base);
    if (!d) abort();
    n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            if (strcmp(e->d_name, "root") != 0 && strcmp(e->d_name, "outside") != 0) abort();
            n++;
        }
    closedir(d);
    if (n != 2) abort();
}

static void remove_base(void) { nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(base, sizeof base, "/tmp/fuzz_wasi_fs.XXXXXX");
    if (!mkdtemp(base)) abort();
    atexit(remove_base);
    snprintf(root, sizeof root, "%s/root", base);
    snprintf(outside, sizeof outside, "%s/outside", base);
    snprintf(secret_path, sizeof secret_path, "%s/secret", outside);
    mkdir(outside, 0755);
    uint8_t r[16];
    if (getentropy(r, sizeof r) != 0) abort();
    for (int i = 0; i < 16; i++) snprintf(secret + 2 * i, 3, "%02x", r[i]);
    write_file(secret_path, secret);
    char wasm[300], cmd[1024];
    snprintf(wasm, sizeof wasm, "%s/guest.wasm", base);
    snprintf(cmd, sizeof cmd, "wat2wasm tests/data/wasm/wasi_fs_fuzz.wat -o %s", wasm);
    if (system(cmd) != 0) {
        fprintf(stderr, "fuzz_wasi_fs: needs wat2wasm, run from the repository root\n");
        abort();
    }
    size_t len = 0;
    char err[256];
    char *bytes = file_read_all(wasm, &len, err, sizeof err);
    if (!bytes) abort();
    module = sl_wasm_module_load((const uint8_t *)bytes, len, err, sizeof err);
    free(bytes);
    unlink(wasm);
    if (!module) abort();
    reset_root();
    return 0;
}

static uint32_t u32_at(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    size_t nmem = (size_t)(data[0] | data[1] << 8);
    data += 2;
    size -= 2;
    if (nmem > size) nmem = size;
    sl_wasm_wasi_preopen pre = {root, "/sandbox"};
    sl_wasm_wasi_config cfg = {.npreopens = 1, .preopens = &pre};
    sl_wasm_linker *linker = sl_wasm_linker_new();
    sl_wasm_store *store = sl_wasm_store_new(NULL);
    if (!sl_wasm_wasi_define(linker, &cfg)) abort();
    char err[256];
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *inst = sl_wasm_instantiate(store, module, linker, &trap, err, sizeof err);
    if (!inst) abort();
    sl_wasm_extern *mem = sl_wasm_instance_memory(inst);
    if (nmem) sl_wasm_memory_write(mem, 0, data, nmem);
    data += nmem;
    size -= nmem;
    sl_wasm_extern *ops[NOPS];
    for (int i = 0; i < NOPS; i++) {
        char name[16];
        snprintf(name, sizeof name, "op%d", i);
        ops[i] = sl_wasm_instance_export(inst, name);
        if (!ops[i]) abort();
    }
    for (int calls = 0; size >= 33 && calls < 64; calls++, data += 33, size -= 33) {
        sl_wasm_val args[8], res = {.type = SL_WASM_I32};
        for (int k = 0; k < 8; k++) {
            args[k].type = SL_WASM_I32;
            args[k].of.i32 = (int32_t)u32_at(data + 1 + 4 * k);
        }
        /* Small numbers are far more interesting for fds and lengths. */
        args[0].of.i32 &= 0xf;
        trap = sl_wasm_func_call(ops[data[0] % NOPS], args, 8, &res, 1);
        if (trap) sl_wasm_trap_free(trap);
    }
    /* No byte of the secret may have reached the guest. */
    uint8_t *bytes = sl_wasm_memory_data(mem);
    size_t mlen = (size_t)sl_wasm_memory_size_bytes(mem);
    if (bytes && contains_secret(bytes, mlen)) abort();
    sl_wasm_store_free(store);
    sl_wasm_linker_free(linker);
    check_outside();
    reset_root();
    return 0;
}
