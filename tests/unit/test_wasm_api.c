/*
 * test_wasm_api.c — tests of the embedding API of schedlab's wasm runtime
 * (src/wasm/wasm.h) and of its WASI layer (src/wasm/wasi.c), as an embedder
 * sees them: loading and its errors, introspection, linking, host calls in
 * both directions (including re-entry), traps with messages and named
 * backtraces, memory bounds and limits, interruption by deadline and from
 * another thread, many instances of one module on parallel threads, and
 * WASI output capture, exit codes, args, environment, stdin and bad guest
 * pointers.
 *
 * Guests live in tests/data/wasm/ and are built at test time into
 * <build>/wasm-guests/ (next to this binary's directory): WAT with
 * `wat2wasm --debug-names`, C with `clang --target=wasm32-wasi -O2`.
 */
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "test.h"
#include "wasm/wasm.h"

static char guest_dir[4096];
static bool guests_ok;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Builds every guest; returns false (and says why) if a tool is missing. */
static bool build_guests(const char *argv0) {
    char self[4096];
    snprintf(self, sizeof self, "%s", argv0);
    const char *dir = dirname(self);
    char cwd[2048] = "";
    if (dir[0] != '/' && !getcwd(cwd, sizeof cwd)) return false;
    snprintf(guest_dir, sizeof guest_dir, "%s%s%s/../wasm-guests", cwd, cwd[0] ? "/" : "", dir);
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p '%s'; cd tests/data/wasm; "
             "for f in api wasi_raw wasi_fs_raw reactor; do wat2wasm --debug-names $f.wat -o '%s'/$f.wasm; done; "
             "for f in hello trap loop; do clang --target=wasm32-wasi -O2 $f.c -o '%s'/$f.wasm; done",
             guest_dir, guest_dir, guest_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot build the test guests (needs wat2wasm and clang with wasi-libc)\n");
        return false;
    }
    return true;
}

static sl_wasm_module *load_guest(const char *name) {
    char path[4200], err[512] = "";
    snprintf(path, sizeof path, "%s/%s.wasm", guest_dir, name);
    size_t len;
    char *bytes = file_read_all(path, &len, err, sizeof err);
    if (!bytes) {
        fprintf(stderr, "cannot read %s: %s\n", path, err);
        return NULL;
    }
    sl_wasm_module *m = sl_wasm_module_load((const uint8_t *)bytes, len, err, sizeof err);
    if (!m) fprintf(stderr, "cannot load %s: %s\n", path, err);
    free(bytes);
    return m;
}

/* ---- host functions for api.wat ---------------------------------------- */

static atomic_long host_add_calls;

static sl_wasm_trap *host_add(sl_wasm_call *call, uint64_t *slots) {
    atomic_fetch_add(&host_add_calls, 1);
    slots[0] = (uint32_t)((int32_t)slots[0] + (int32_t)slots[1]);
    return NULL;
}

/* Calls back into the guest's "double" export (re-entry). */
static sl_wasm_trap *host_callback(sl_wasm_call *call, uint64_t *slots) {
    sl_wasm_extern *dbl = sl_wasm_instance_export(call->caller, "double");
    if (!dbl) return sl_wasm_trap_new(SL_WASM_TRAP_GENERIC, "no double export");
    sl_wasm_val arg = {.type = SL_WASM_I32, .of.i32 = (int32_t)slots[0]};
    sl_wasm_val res = {.type = SL_WASM_I32};
    sl_wasm_trap *t = sl_wasm_func_call(dbl, &arg, 1, &res, 1);
    if (t) return t;
    slots[0] = (uint32_t)res.of.i32;
    return NULL;
}

static sl_wasm_trap *host_fail(sl_wasm_call *call, uint64_t *slots) {
    return sl_wasm_trap_new(SL_WASM_TRAP_GENERIC, "host says no");
}

static sl_wasm_linker *api_linker(void) {
    sl_wasm_linker *l = sl_wasm_linker_new();
    CHECK(sl_wasm_linker_define_func(l, "env", "host_add", "ii:i", host_add, NULL));
    CHECK(sl_wasm_linker_define_func(l, "env", "host_callback", "i:i", host_callback, NULL));
    CHECK(sl_wasm_linker_define_func(l, "env", "host_fail", ":", host_fail, NULL));
    return l;
}

/* A store + api.wat instance, torn down by fixture_free. */
typedef struct fixture {
    sl_wasm_module *module;
    sl_wasm_store *store;
    sl_wasm_linker *linker;
    sl_wasm_instance *instance;
} fixture;

static bool fixture_new(fixture *f, const sl_wasm_limits_config *limits) {
    memset(f, 0, sizeof *f);
    f->module = load_guest("api");
    if (!f->module) return false;
    f->store = sl_wasm_store_new(limits);
    f->linker = api_linker();
    char err[512] = "";
    sl_wasm_trap *trap = NULL;
    f->instance = sl_wasm_instantiate(f->store, f->module, f->linker, &trap, err, sizeof err);
    if (!f->instance) {
        fprintf(stderr, "instantiate api.wasm: %s\n", err);
        if (trap) sl_wasm_trap_free(trap);
        return false;
    }
    return true;
}

static void fixture_free(fixture *f) {
    if (f->store) sl_wasm_store_free(f->store);
    if (f->linker) sl_wasm_linker_free(f->linker);
    if (f->module) sl_wasm_module_free(f->module);
}

/* Calls an i32 export with up to 2 i32 args; returns the trap (or NULL). */
static sl_wasm_trap *call_i32(sl_wasm_instance *inst, const char *name, int nargs, int32_t a, int32_t b,
                           int32_t *result) {
    sl_wasm_extern *fn = sl_wasm_instance_export(inst, name);
    if (!fn) return sl_wasm_trap_new(SL_WASM_TRAP_GENERIC, "test: no such export");
    sl_wasm_functype ft;
    sl_wasm_func_type(fn, &ft);
    sl_wasm_val args[2] = {{.type = SL_WASM_I32, .of.i32 = a}, {.type = SL_WASM_I32, .of.i32 = b}};
    sl_wasm_val res[2] = {{.type = SL_WASM_I32}, {.type = SL_WASM_I32}};
    sl_wasm_trap *t = sl_wasm_func_call(fn, args, (uint32_t)nargs, res, ft.nresults);
    if (!t && result && ft.nresults) *result = res[0].of.i32;
    return t;
}

/* ---- loading and linking -------------------------------------------------- */

TEST(load_errors_are_messages) {
    char err[256] = "";
    static const uint8_t garbage[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    CHECK(sl_wasm_module_load(garbage, sizeof garbage, err, sizeof err) == NULL);
    CHECK(strncmp(err, "malformed: ", 11) == 0);
    err[0] = 0;
    static const uint8_t truncated[] = {0x00, 0x61, 0x73};
    CHECK(sl_wasm_module_load(truncated, sizeof truncated, err, sizeof err) == NULL);
    CHECK(strncmp(err, "malformed: ", 11) == 0);
    /* (func (result i32) i64.const 0): type mismatch */
    static const uint8_t invalid[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05,
                                      0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a,
                                      0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
    err[0] = 0;
    CHECK(sl_wasm_module_load(invalid, sizeof invalid, err, sizeof err) == NULL);
    CHECK(strncmp(err, "invalid: ", 9) == 0);
    CHECK(strstr(err, "type mismatch") != NULL);
    /* the empty module is fine */
    static const uint8_t empty[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    sl_wasm_module *m = sl_wasm_module_load(empty, sizeof empty, err, sizeof err);
    CHECK(m != NULL);
    if (m) sl_wasm_module_free(m);
}

TEST(introspection_lists_imports_and_exports) {
    sl_wasm_module *m = load_guest("api");
    CHECK(m != NULL);
    if (!m) return;
    CHECK_EQ_INT(sl_wasm_module_import_count(m), 3);
    sl_wasm_import_info imp;
    sl_wasm_module_import(m, 0, &imp);
    CHECK_EQ_STR(imp.module, "env");
    CHECK_EQ_STR(imp.name, "host_add");
    CHECK_EQ_INT(imp.kind, SL_WASM_EXTERN_FUNC);
    CHECK_EQ_INT(imp.func.nparams, 2);
    CHECK_EQ_INT(imp.func.nresults, 1);
    bool saw_memory = false, saw_multi = false;
    for (uint32_t i = 0; i < sl_wasm_module_export_count(m); i++) {
        sl_wasm_export_info ex;
        sl_wasm_module_export(m, i, &ex);
        if (!strcmp(ex.name, "memory")) saw_memory = ex.kind == SL_WASM_EXTERN_MEMORY;
        if (!strcmp(ex.name, "multi")) {
            saw_multi = ex.kind == SL_WASM_EXTERN_FUNC && ex.func.nparams == 3 && ex.func.nresults == 3 &&
                        ex.func.results[0] == SL_WASM_F64 && ex.func.params[1] == SL_WASM_F32;
        }
    }
    CHECK(saw_memory);
    CHECK(saw_multi);
    sl_wasm_module_free(m);
}

TEST(link_errors_name_the_import) {
    sl_wasm_module *m = load_guest("api");
    if (!m) {
        CHECK(m != NULL);
        return;
    }
    sl_wasm_store *s = sl_wasm_store_new(NULL);
    sl_wasm_linker *l = sl_wasm_linker_new();
    char err[256] = "";
    sl_wasm_trap *trap = NULL;
    CHECK(sl_wasm_instantiate(s, m, l, &trap, err, sizeof err) == NULL);
    CHECK(strstr(err, "unknown import") != NULL);
    CHECK(strstr(err, "env.host_add") != NULL);
    CHECK(trap == NULL);
    /* wrong signature */
    CHECK(sl_wasm_linker_define_func(l, "env", "host_add", "i:i", host_add, NULL));
    CHECK(!sl_wasm_linker_define_func(l, "env", "host_add", "ii:i", host_add, NULL)); /* taken */
    CHECK(sl_wasm_linker_define_func(l, "env", "host_callback", "i:i", host_callback, NULL));
    CHECK(sl_wasm_linker_define_func(l, "env", "host_fail", ":", host_fail, NULL));
    err[0] = 0;
    CHECK(sl_wasm_instantiate(s, m, l, &trap, err, sizeof err) == NULL);
    CHECK(strstr(err, "incompatible import type") != NULL);
    CHECK(!sl_wasm_linker_define_func(l, "env", "bad", "q:", host_add, NULL)); /* bad sig */
    sl_wasm_linker_free(l);
    sl_wasm_store_free(s);
    sl_wasm_module_free(m);
}

TEST(functype_parse) {
    sl_wasm_valtype p[8], r[8];
    uint32_t np = 99, nr = 99;
    CHECK(sl_wasm_functype_parse("iIfFrx:iF", p, &np, r, &nr, 8));
    CHECK_EQ_INT(np, 6);
    CHECK_EQ_INT(nr, 2);
    CHECK_EQ_INT(p[1], SL_WASM_I64);
    CHECK_EQ_INT(p[4], SL_WASM_FUNCREF);
    CHECK_EQ_INT(p[5], SL_WASM_EXTERNREF);
    CHECK_EQ_INT(r[1], SL_WASM_F64);
    CHECK(sl_wasm_functype_parse(":", p, &np, r, &nr, 8));
    CHECK_EQ_INT(np + nr, 0);
    CHECK(!sl_wasm_functype_parse("ii", p, &np, r, &nr, 8));
    CHECK(!sl_wasm_functype_parse("iiiii:", p, &np, r, &nr, 4));
}

/* ---- calls ---------------------------------------------------------------- */

TEST(host_to_guest_and_back) {
    fixture f;
    if (!fixture_new(&f, NULL)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    int32_t r = 0;
    sl_wasm_trap *t = call_i32(f.instance, "add", 2, 40, 2, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 42);
    t = call_i32(f.instance, "call_host_add", 2, -5, 3, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, -2);
    /* guest -> host -> guest ("double") -> back: 2*21 + 1 */
    t = call_i32(f.instance, "via_host", 1, 21, 0, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 43);
    sl_wasm_extern *counter = sl_wasm_instance_export(f.instance, "counter");
    CHECK(counter && sl_wasm_extern_kind_of(counter) == SL_WASM_EXTERN_GLOBAL);
    if (counter) CHECK_EQ_INT(sl_wasm_global_get(counter).of.i32, 1);
    /* raw slots */
    sl_wasm_extern *add = sl_wasm_instance_export(f.instance, "add");
    uint64_t slots[2] = {7, 8};
    CHECK(sl_wasm_func_call_raw(add, slots) == NULL);
    CHECK_EQ_INT((int32_t)slots[0], 15);
    /* host -> guest loop calling the host */
    long before = atomic_load(&host_add_calls);
    t = call_i32(f.instance, "host_loop", 1, 1000, 0, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 1000);
    CHECK_EQ_INT(atomic_load(&host_add_calls) - before, 1000);
    /* multi-value with every number type */
    sl_wasm_extern *multi = sl_wasm_instance_export(f.instance, "multi");
    sl_wasm_val args[3] = {{.type = SL_WASM_I64, .of.i64 = -1234567890123LL},
                        {.type = SL_WASM_F32, .of.f32 = 1.5f},
                        {.type = SL_WASM_F64, .of.f64 = -2.25}};
    sl_wasm_val res[3];
    t = sl_wasm_func_call(multi, args, 3, res, 3);
    CHECK(t == NULL);
    CHECK(res[0].of.f64 == -2.25);
    CHECK_EQ_INT(res[1].of.i64, -1234567890123LL);
    CHECK(res[2].of.f32 == 1.5f);
    /* argument type mismatch is a trap, not a crash */
    sl_wasm_val wrong[2] = {{.type = SL_WASM_I64, .of.i64 = 1}, {.type = SL_WASM_I32, .of.i32 = 2}};
    t = sl_wasm_func_call(add, wrong, 2, res, 1);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(sl_wasm_trap_message(t), "argument type mismatch") != NULL);
        sl_wasm_trap_free(t);
    }
    t = sl_wasm_func_call(add, wrong + 1, 1, res, 1); /* wrong count */
    CHECK(t != NULL);
    if (t) sl_wasm_trap_free(t);
    /* call_indirect through the table; funcref round trip */
    t = call_i32(f.instance, "call_table", 2, 0, 5, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 10);
    t = call_i32(f.instance, "call_table", 2, 1, 5, &r);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(sl_wasm_trap_message(t), "indirect call type mismatch") != NULL);
        sl_wasm_trap_free(t);
    }
    sl_wasm_extern *table = sl_wasm_instance_export(f.instance, "table");
    sl_wasm_val fr;
    CHECK(table && sl_wasm_table_get(table, 0, &fr));
    if (table) {
        CHECK_EQ_INT(sl_wasm_table_size(table), 2);
        CHECK(!sl_wasm_table_get(table, 2, &fr));
        sl_wasm_table_get(table, 0, &fr);
        sl_wasm_extern *fe = sl_wasm_funcref_extern(f.store, fr.of.funcref);
        CHECK(fe != NULL);
        if (fe) {
            sl_wasm_val a = {.type = SL_WASM_I32, .of.i32 = 4}, out;
            t = sl_wasm_func_call(fe, &a, 1, &out, 1);
            CHECK(t == NULL);
            CHECK_EQ_INT(out.of.i32, 8);
            CHECK(sl_wasm_extern_funcref(fe) == fr.of.funcref);
        }
    }
    fixture_free(&f);
}

TEST(traps_carry_message_and_backtrace) {
    fixture f;
    if (!fixture_new(&f, NULL)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    sl_wasm_trap *t = call_i32(f.instance, "deep_trap", 0, 0, 0, NULL);
    CHECK(t != NULL);
    if (t) {
        CHECK_EQ_INT(sl_wasm_trap_kind_of(t), SL_WASM_TRAP_UNREACHABLE);
        CHECK_EQ_STR(sl_wasm_trap_message(t), "unreachable");
        const char *bt = sl_wasm_trap_backtrace(t);
        CHECK(bt != NULL);
        if (bt) {
            const char *inner = strstr(bt, "innermost_trap"), *mid = strstr(bt, "middle_frame");
            CHECK(inner != NULL);
            CHECK(mid != NULL);
            CHECK(!inner || !mid || inner < mid); /* innermost first */
            CHECK(strstr(bt, "#0") != NULL);
        }
        sl_wasm_trap_free(t);
    }
    t = call_i32(f.instance, "div", 2, 1, 0, NULL);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_DIV_ZERO);
    if (t) {
        CHECK_EQ_STR(sl_wasm_trap_message(t), "integer divide by zero");
        sl_wasm_trap_free(t);
    }
    t = call_i32(f.instance, "div", 2, INT32_MIN, -1, NULL);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_INT_OVERFLOW);
    if (t) sl_wasm_trap_free(t);
    /* a host trap propagates with its message */
    t = call_i32(f.instance, "call_host_fail", 0, 0, 0, NULL);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(sl_wasm_trap_message(t), "host says no") != NULL);
        sl_wasm_trap_free(t);
    }
    /* exhaustion is a trap, and the instance stays usable */
    t = call_i32(f.instance, "recurse", 1, 0, 0, NULL);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_EXHAUSTION);
    if (t) {
        CHECK(strstr(sl_wasm_trap_message(t), "call stack exhausted") != NULL);
        sl_wasm_trap_free(t);
    }
    int32_t r = 0;
    t = call_i32(f.instance, "add", 2, 1, 2, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 3);
    /* the trap constructors */
    t = sl_wasm_trap_new_exit(3);
    CHECK_EQ_INT(sl_wasm_trap_kind_of(t), SL_WASM_TRAP_EXIT);
    CHECK_EQ_INT(sl_wasm_trap_exit_code(t), 3);
    sl_wasm_trap_free(t);
    fixture_free(&f);
}

TEST(max_call_depth_is_configurable) {
    sl_wasm_limits_config lim = {.max_call_depth = 100};
    fixture f;
    if (!fixture_new(&f, &lim)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    int32_t r = 0;
    sl_wasm_trap *t = call_i32(f.instance, "fib", 1, 20, 0, &r); /* depth ~20: fine */
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 6765);
    t = call_i32(f.instance, "recurse", 1, 0, 0, NULL);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_EXHAUSTION);
    if (t) sl_wasm_trap_free(t);
    fixture_free(&f);
}

/* ---- memory --------------------------------------------------------------- */

TEST(memory_access_is_bounds_checked) {
    fixture f;
    if (!fixture_new(&f, NULL)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    sl_wasm_extern *mem = sl_wasm_instance_export(f.instance, "memory");
    CHECK(mem && sl_wasm_extern_kind_of(mem) == SL_WASM_EXTERN_MEMORY);
    CHECK(sl_wasm_instance_memory(f.instance) != NULL);
    CHECK(sl_wasm_memory_data(sl_wasm_instance_memory(f.instance)) == sl_wasm_memory_data(mem));
    CHECK_EQ_INT(sl_wasm_memory_pages(mem), 1);
    CHECK_EQ_INT(sl_wasm_memory_size_bytes(mem), 65536);
    uint32_t v = 0xdeadbeef, back = 0;
    CHECK(sl_wasm_memory_write(mem, 65532, &v, 4));
    CHECK(!sl_wasm_memory_write(mem, 65533, &v, 4));
    CHECK(!sl_wasm_memory_write(mem, UINT64_MAX - 1, &v, 4));
    CHECK(!sl_wasm_memory_read(mem, 65536, &back, 1));
    CHECK(sl_wasm_memory_read(mem, 65532, &back, 4));
    CHECK_EQ_INT(back, 0xdeadbeef);
    int32_t r = 0;
    sl_wasm_trap *t = call_i32(f.instance, "load", 1, 65532, 0, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT((uint32_t)r, 0xdeadbeef);
    t = call_i32(f.instance, "store", 2, 100, 12345, NULL);
    CHECK(t == NULL);
    CHECK_EQ_INT(sl_wasm_memory_data(mem)[100], 12345 & 0xff);
    t = call_i32(f.instance, "load", 1, 65533, 0, &r);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_MEMORY_OOB);
    if (t) {
        CHECK_EQ_STR(sl_wasm_trap_message(t), "out of bounds memory access");
        sl_wasm_trap_free(t);
    }
    t = call_i32(f.instance, "load", 1, -1, 0, &r);
    CHECK(t != NULL);
    if (t) sl_wasm_trap_free(t);
    /* growth from the host is visible to the guest */
    CHECK_EQ_INT(sl_wasm_memory_grow(mem, 2), 1);
    t = call_i32(f.instance, "pages", 0, 0, 0, &r);
    CHECK(t == NULL);
    CHECK_EQ_INT(r, 3);
    CHECK(sl_wasm_memory_read(mem, 65532, &back, 4)); /* contents kept */
    CHECK_EQ_INT(back, 0xdeadbeef);
    fixture_free(&f);
}

TEST(memory_limit_caps_growth_and_instantiation) {
    sl_wasm_limits_config lim = {.max_memory_pages = 3};
    fixture f;
    if (!fixture_new(&f, &lim)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    int32_t r = 0;
    CHECK(call_i32(f.instance, "grow", 1, 2, 0, &r) == NULL);
    CHECK_EQ_INT(r, 1);
    CHECK(call_i32(f.instance, "grow", 1, 1, 0, &r) == NULL);
    CHECK_EQ_INT(r, -1);
    sl_wasm_extern *mem = sl_wasm_instance_export(f.instance, "memory");
    CHECK_EQ_INT(sl_wasm_memory_grow(mem, 1), UINT32_MAX);
    CHECK_EQ_INT(sl_wasm_memory_pages(mem), 3);
    fixture_free(&f);

    /* (module (memory 4)) cannot be instantiated under a 3-page cap */
    static const uint8_t mem4[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                   0x05, 0x03, 0x01, 0x00, 0x04};
    char err[256] = "";
    sl_wasm_module *m = sl_wasm_module_load(mem4, sizeof mem4, err, sizeof err);
    CHECK(m != NULL);
    if (!m) return;
    sl_wasm_store *s = sl_wasm_store_new(&lim);
    sl_wasm_linker *l = sl_wasm_linker_new();
    sl_wasm_trap *trap = NULL;
    CHECK(sl_wasm_instantiate(s, m, l, &trap, err, sizeof err) == NULL);
    CHECK(err[0] != 0);
    if (trap) sl_wasm_trap_free(trap);
    sl_wasm_store_free(s);
    sl_wasm_store *s2 = sl_wasm_store_new(NULL);
    trap = NULL;
    CHECK(sl_wasm_instantiate(s2, m, l, &trap, err, sizeof err) != NULL);
    if (trap) sl_wasm_trap_free(trap);
    sl_wasm_store_free(s2);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
}

TEST(host_objects_globals_tables_memories) {
    sl_wasm_store *s = sl_wasm_store_new(NULL);
    sl_wasm_val v = {.type = SL_WASM_I64, .of.i64 = 5};
    sl_wasm_extern *g = sl_wasm_global_new(s, v, true);
    sl_wasm_extern *c = sl_wasm_global_new(s, v, false);
    v.of.i64 = 9;
    CHECK(sl_wasm_global_set(g, v));
    CHECK_EQ_INT(sl_wasm_global_get(g).of.i64, 9);
    CHECK(!sl_wasm_global_set(c, v));
    sl_wasm_val wrong = {.type = SL_WASM_I32, .of.i32 = 1};
    CHECK(!sl_wasm_global_set(g, wrong));
    sl_wasm_val null_ext = {.type = SL_WASM_EXTERNREF, .of.externref = 0};
    sl_wasm_extern *t = sl_wasm_table_new(s, SL_WASM_EXTERNREF, 2, 4, null_ext);
    CHECK_EQ_INT(sl_wasm_table_size(t), 2);
    sl_wasm_val e = {.type = SL_WASM_EXTERNREF, .of.externref = 77}, out;
    CHECK(sl_wasm_table_set(t, 1, e));
    CHECK(!sl_wasm_table_set(t, 2, e));
    CHECK(sl_wasm_table_get(t, 1, &out));
    CHECK_EQ_INT(out.of.externref, 77);
    sl_wasm_extern *m = sl_wasm_memory_new(s, 1, 2);
    CHECK_EQ_INT(sl_wasm_memory_grow(m, 1), 1);
    CHECK_EQ_INT(sl_wasm_memory_grow(m, 1), UINT32_MAX);
    sl_wasm_store_free(s);
}

/* ---- interruption --------------------------------------------------------- */

TEST(deadline_interrupts_infinite_loops) {
    fixture f;
    if (!fixture_new(&f, NULL)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    const char *loops[] = {"spin", "spin_calls"};
    for (size_t i = 0; i < 2; i++) {
        int64_t t0 = now_ns();
        sl_wasm_store_set_deadline(f.store, t0 + 100 * 1000000LL);
        sl_wasm_trap *t = call_i32(f.instance, loops[i], 0, 0, 0, NULL);
        int64_t ms = (now_ns() - t0) / 1000000;
        CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_INTERRUPTED);
        if (t) {
            CHECK(strstr(sl_wasm_trap_message(t), "interrupted") != NULL);
            sl_wasm_trap_free(t);
        }
        CHECK(ms >= 90);
        CHECK(ms < 3000);
        sl_wasm_store_set_deadline(f.store, 0);
    }
    int32_t r = 0;
    CHECK(call_i32(f.instance, "add", 2, 2, 2, &r) == NULL);
    CHECK_EQ_INT(r, 4);
    fixture_free(&f);
}

typedef struct interrupter {
    sl_wasm_store *store;
    int delay_ms;
} interrupter;

static void *interrupt_later(void *arg) {
    interrupter *it = arg;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = it->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    sl_wasm_store_interrupt(it->store);
    return NULL;
}

TEST(interrupt_from_another_thread) {
    fixture f;
    if (!fixture_new(&f, NULL)) {
        CHECK(!"fixture");
        fixture_free(&f);
        return;
    }
    interrupter it = {.store = f.store, .delay_ms = 100};
    pthread_t th;
    int64_t t0 = now_ns();
    pthread_create(&th, NULL, interrupt_later, &it);
    sl_wasm_trap *t = call_i32(f.instance, "spin_calls", 0, 0, 0, NULL);
    int64_t ms = (now_ns() - t0) / 1000000;
    pthread_join(th, NULL);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_INTERRUPTED);
    if (t) sl_wasm_trap_free(t);
    CHECK(ms >= 90);
    CHECK(ms < 3000);
    /* stays armed until cleared */
    t = call_i32(f.instance, "spin", 0, 0, 0, NULL);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_INTERRUPTED);
    if (t) sl_wasm_trap_free(t);
    sl_wasm_store_clear_interrupt(f.store);
    int32_t r = 0;
    CHECK(call_i32(f.instance, "fib", 1, 15, 0, &r) == NULL);
    CHECK_EQ_INT(r, 610);
    fixture_free(&f);
}

/* ---- many instances in parallel --------------------------------------------- */

typedef struct worker {
    const sl_wasm_module *module;
    const sl_wasm_linker *linker;
    int id;
    int ok;
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    for (int round = 0; round < 5; round++) {
        sl_wasm_store *s = sl_wasm_store_new(NULL);
        char err[256];
        sl_wasm_trap *trap = NULL;
        sl_wasm_instance *inst = sl_wasm_instantiate(s, w->module, w->linker, &trap, err, sizeof err);
        if (inst) {
            int32_t r = 0;
            sl_wasm_trap *t = call_i32(inst, "fib", 1, 18, 0, &r);
            int32_t h = 0;
            sl_wasm_trap *t2 = call_i32(inst, "call_host_add", 2, w->id, round, &h);
            sl_wasm_extern *mem = sl_wasm_instance_memory(inst);
            uint32_t tag = (uint32_t)(w->id * 1000 + round), back = 0;
            sl_wasm_memory_write(mem, 64, &tag, 4);
            call_i32(inst, "load", 1, 64, 0, (int32_t *)&back);
            if (!t && !t2 && r == 2584 && h == w->id + round && back == tag) w->ok++;
            if (t) sl_wasm_trap_free(t);
            if (t2) sl_wasm_trap_free(t2);
        } else if (trap) {
            sl_wasm_trap_free(trap);
        }
        sl_wasm_store_free(s);
    }
    return NULL;
}

TEST(many_instances_on_parallel_threads) {
    sl_wasm_module *m = load_guest("api");
    CHECK(m != NULL);
    if (!m) return;
    sl_wasm_linker *l = api_linker();
    enum { N = 8 };
    worker w[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){.module = m, .linker = l, .id = i};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    int ok = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    CHECK_EQ_INT(ok, N * 5);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
}

/* ---- WASI ------------------------------------------------------------------ */

typedef struct capture {
    strbuf out, err;
} capture;

static void capture_write(void *user, int fd, const uint8_t *data, size_t len) {
    capture *c = user;
    strbuf_append(fd == 2 ? &c->err : &c->out, (const char *)data, len);
}

/* Runs a WASI command guest's _start; returns the trap (caller frees). */
static sl_wasm_trap *run_command(const char *guest, int argc, const char *const *argv, int envc,
                              const char *const *envp, const char *stdin_text, capture *cap,
                              bool *ran) {
    *ran = false;
    sl_wasm_module *m = load_guest(guest);
    if (!m) return NULL;
    sl_wasm_store *s = sl_wasm_store_new(NULL);
    sl_wasm_linker *l = sl_wasm_linker_new();
    sl_wasm_wasi_config cfg = {.argc = argc, .argv = argv, .envc = envc, .envp = envp,
                            .write = capture_write, .write_user = cap,
                            .stdin_data = (const uint8_t *)stdin_text,
                            .stdin_len = stdin_text ? strlen(stdin_text) : 0};
    sl_wasm_trap *trap = NULL;
    if (sl_wasm_wasi_define(l, &cfg)) {
        char err[256] = "";
        sl_wasm_instance *inst = sl_wasm_instantiate(s, m, l, &trap, err, sizeof err);
        if (!inst) fprintf(stderr, "instantiate %s: %s\n", guest, err);
        sl_wasm_extern *start = inst ? sl_wasm_instance_export(inst, "_start") : NULL;
        if (start) {
            *ran = true;
            sl_wasm_store_set_deadline(s, now_ns() + 20LL * 1000000000);
            trap = sl_wasm_func_call(start, NULL, 0, NULL, 0);
        }
    }
    sl_wasm_store_free(s);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
    return trap;
}

TEST(wasi_hello_output_args_environ) {
    capture cap;
    strbuf_init(&cap.out);
    strbuf_init(&cap.err);
    const char *argv[] = {"hello.wasm", "one", "two words"};
    const char *envp[] = {"GREETING=hi there", "OTHER=x"};
    bool ran;
    sl_wasm_trap *t = run_command("hello", 3, argv, 2, envp, NULL, &cap, &ran);
    CHECK(ran);
    CHECK(t == NULL);
    if (t) {
        fprintf(stderr, "trap: %s\n", sl_wasm_trap_message(t));
        sl_wasm_trap_free(t);
    }
    CHECK_EQ_STR(strbuf_cstr(&cap.out), "hello from wasm\nargv[0]=hello.wasm\nargv[1]=one\n"
                                        "argv[2]=two words\nGREETING=hi there\n");
    CHECK_EQ_STR(strbuf_cstr(&cap.err), "note on stderr\n");
    strbuf_free(&cap.out);
    strbuf_free(&cap.err);
}

TEST(wasi_proc_exit_code_and_stdin) {
    capture cap;
    strbuf_init(&cap.out);
    strbuf_init(&cap.err);
    const char *argv[] = {"hello.wasm", "exit", "7"};
    bool ran;
    sl_wasm_trap *t = run_command("hello", 3, argv, 0, NULL, NULL, &cap, &ran);
    CHECK(ran);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_EXIT);
    if (t) {
        CHECK_EQ_INT(sl_wasm_trap_exit_code(t), 7);
        sl_wasm_trap_free(t);
    }
    CHECK(strstr(strbuf_cstr(&cap.out), "GREETING=(unset)") != NULL);
    strbuf_reset(&cap.out);
    const char *cat[] = {"hello.wasm", "cat"};
    t = run_command("hello", 2, cat, 0, NULL, "line one\nline two\n", &cap, &ran);
    CHECK(ran);
    CHECK(t == NULL);
    if (t) sl_wasm_trap_free(t);
    const char *o = strbuf_cstr(&cap.out);
    CHECK(strlen(o) > 18 && !strcmp(o + strlen(o) - 18, "line one\nline two\n"));
    strbuf_free(&cap.out);
    strbuf_free(&cap.err);
}

TEST(wasi_trap_in_c_guest_names_functions) {
    capture cap;
    strbuf_init(&cap.out);
    strbuf_init(&cap.err);
    const char *argv[] = {"trap.wasm"};
    bool ran;
    sl_wasm_trap *t = run_command("trap", 1, argv, 0, NULL, NULL, &cap, &ran);
    CHECK(ran);
    CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_UNREACHABLE);
    if (t) {
        const char *bt = sl_wasm_trap_backtrace(t);
        CHECK(bt && strstr(bt, "crash_in_guest"));
        CHECK(bt && strstr(bt, "call_the_crash"));
        sl_wasm_trap_free(t);
    }
    CHECK_EQ_STR(strbuf_cstr(&cap.out), "about to trap\n");
    strbuf_free(&cap.out);
    strbuf_free(&cap.err);
}

/* wasi_raw.wat: direct calls with good and bad pointers. */
TEST(wasi_bad_pointers_are_efault) {
    sl_wasm_module *m = load_guest("wasi_raw");
    CHECK(m != NULL);
    if (!m) return;
    capture cap;
    strbuf_init(&cap.out);
    strbuf_init(&cap.err);
    const char *argv[] = {"prog", "a"};
    sl_wasm_wasi_config cfg = {.argc = 2, .argv = argv, .write = capture_write, .write_user = &cap,
                            .stdin_data = (const uint8_t *)"abcdef", .stdin_len = 6,
                            .random_seed = 42};
    sl_wasm_linker *l = sl_wasm_linker_new();
    CHECK(sl_wasm_wasi_define(l, &cfg));
    sl_wasm_store *s = sl_wasm_store_new(NULL);
    char err[256] = "";
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *inst = sl_wasm_instantiate(s, m, l, &trap, err, sizeof err);
    CHECK(inst != NULL);
    if (inst) {
        int32_t r = -1;
        CHECK(call_i32(inst, "write_ok", 1, 1, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(call_i32(inst, "nwritten", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 3);
        CHECK(call_i32(inst, "write_ok", 1, 2, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK_EQ_STR(strbuf_cstr(&cap.out), "hi\n");
        CHECK_EQ_STR(strbuf_cstr(&cap.err), "hi\n");
        CHECK(call_i32(inst, "write_ok", 1, 5, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8); /* EBADF */
        CHECK(call_i32(inst, "write_bad_iovs", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 21);
        CHECK(call_i32(inst, "write_bad_buf", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 21);
        CHECK(call_i32(inst, "write_bad_nwritten", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 21);
        CHECK_EQ_STR(strbuf_cstr(&cap.out), "hi\n"); /* nothing written on EFAULT */
        CHECK(call_i32(inst, "random_bad", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 21);
        CHECK(call_i32(inst, "random_ok", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(call_i32(inst, "args_sizes", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        sl_wasm_extern *mem = sl_wasm_instance_memory(inst);
        uint32_t sizes[2] = {0, 0};
        CHECK(sl_wasm_memory_read(mem, 200, sizes, 8));
        CHECK_EQ_INT(sizes[0], 2);
        CHECK_EQ_INT(sizes[1], 7); /* "prog\0a\0" */
        CHECK(call_i32(inst, "clock", 1, 1, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        uint64_t mono = 0;
        CHECK(sl_wasm_memory_read(mem, 208, &mono, 8));
        CHECK(mono > 0);
        CHECK(call_i32(inst, "clock", 1, 0, 0, &r) == NULL);
        uint64_t real = 0;
        CHECK(sl_wasm_memory_read(mem, 208, &real, 8));
        CHECK(real > 1600000000ull * 1000000000ull); /* after 2020 */
        CHECK(call_i32(inst, "clock", 1, 99, 0, &r) == NULL);
        CHECK_EQ_INT(r, 28); /* EINVAL */
        CHECK(call_i32(inst, "clock_bad", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 21);
        CHECK(call_i32(inst, "read_stdin", 1, 4, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(call_i32(inst, "nread", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 4);
        CHECK(call_i32(inst, "read_stdin", 1, 100, 0, &r) == NULL);
        CHECK(call_i32(inst, "nread", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 2);
        char buf[3] = {0};
        CHECK(sl_wasm_memory_read(mem, 1024, buf, 2));
        CHECK(buf[0] == 'e' && buf[1] == 'f');
        CHECK(call_i32(inst, "read_stdin", 1, 100, 0, &r) == NULL);
        CHECK(call_i32(inst, "nread", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0); /* EOF */
        CHECK(call_i32(inst, "path_open", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8); /* EBADF: no preopened directory behind that fd */
        CHECK(call_i32(inst, "seek_stdout", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 70); /* ESPIPE */
        CHECK(call_i32(inst, "prestat", 1, 3, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8); /* EBADF: no preopens */
        /* poll_oneoff with a 20 ms clock subscription sleeps */
        sl_wasm_extern *sleep = sl_wasm_instance_export(inst, "sleep");
        sl_wasm_val a = {.type = SL_WASM_I64, .of.i64 = 20 * 1000000LL}, res = {.type = SL_WASM_I32};
        int64_t t0 = now_ns();
        CHECK(sl_wasm_func_call(sleep, &a, 1, &res, 1) == NULL);
        int64_t ms = (now_ns() - t0) / 1000000;
        CHECK_EQ_INT(res.of.i32, 0);
        CHECK(ms >= 19 && ms < 2000);
        CHECK(call_i32(inst, "nevents", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 1);
        /* proc_exit */
        sl_wasm_trap *t = call_i32(inst, "exit", 1, 3, 0, NULL);
        CHECK(t && sl_wasm_trap_kind_of(t) == SL_WASM_TRAP_EXIT);
        if (t) {
            CHECK_EQ_INT(sl_wasm_trap_exit_code(t), 3);
            sl_wasm_trap_free(t);
        }
    } else if (trap) {
        sl_wasm_trap_free(trap);
    }
    sl_wasm_store_free(s);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
    strbuf_free(&cap.out);
    strbuf_free(&cap.err);
}

/* wasi_fs_raw.wat: the filesystem imports with good and bad pointers,
 * escapes and per-instance fd tables, on a preopened temporary directory. */
TEST(wasi_preopen_paths_and_bad_pointers) {
    sl_wasm_module *m = load_guest("wasi_fs_raw");
    CHECK(m != NULL);
    if (!m) return;
    char dir[] = "/tmp/wasi_fs_raw.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("hello", f);
        fclose(f);
    }
    sl_wasm_wasi_preopen pre = {dir, "/sandbox"};
    sl_wasm_wasi_config cfg = {.npreopens = 1, .preopens = &pre};
    sl_wasm_linker *l = sl_wasm_linker_new();
    CHECK(sl_wasm_wasi_define(l, &cfg));
    sl_wasm_wasi_preopen missing = {"/nonexistent/dir", "/x"};
    sl_wasm_wasi_config bad_cfg = {.npreopens = 1, .preopens = &missing};
    sl_wasm_linker *l2 = sl_wasm_linker_new();
    CHECK(!sl_wasm_wasi_define(l2, &bad_cfg)); /* a preopen that cannot be opened */
    sl_wasm_linker_free(l2);
    sl_wasm_store *s = sl_wasm_store_new(NULL);
    char err[256] = "";
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *inst = sl_wasm_instantiate(s, m, l, &trap, err, sizeof err);
    sl_wasm_instance *other = sl_wasm_instantiate(s, m, l, &trap, err, sizeof err);
    CHECK(inst != NULL && other != NULL);
    if (inst && other) {
        int32_t r = -1;
        CHECK(call_i32(inst, "prestat", 1, 3, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(call_i32(inst, "prestat_len", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8); /* "/sandbox" */
        CHECK(call_i32(inst, "prestat", 1, 4, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8); /* EBADF: the scan's end */
        CHECK(call_i32(inst, "prestat", 1, 1, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8);
        CHECK(call_i32(inst, "prestat_name", 2, 600, 8, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(call_i32(inst, "prestat_name", 2, 600, 3, &r) == NULL);
        CHECK_EQ_INT(r, 37); /* ENAMETOOLONG: buffer too small */
        CHECK(call_i32(inst, "prestat_name", 2, 65534, 8, &r) == NULL);
        CHECK_EQ_INT(r, 21); /* EFAULT */

        sl_wasm_val args[4] = {{.type = SL_WASM_I32, .of.i32 = 3}, {.type = SL_WASM_I32, .of.i32 = 100},
                               {.type = SL_WASM_I32, .of.i32 = 5}, {.type = SL_WASM_I32, .of.i32 = 300}};
        sl_wasm_val res = {.type = SL_WASM_I32};
        sl_wasm_extern *open_fn = sl_wasm_instance_export(inst, "open");
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 0);
        CHECK(call_i32(inst, "opened", 0, 0, 0, &r) == NULL);
        int32_t fd = r;
        CHECK_EQ_INT(fd, 4);
        sl_wasm_val rargs[3] = {{.type = SL_WASM_I32, .of.i32 = fd}, {.type = SL_WASM_I32, .of.i32 = 1024},
                                {.type = SL_WASM_I32, .of.i32 = 100}};
        sl_wasm_extern *read_fn = sl_wasm_instance_export(inst, "read");
        CHECK(sl_wasm_func_call(read_fn, rargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 0);
        CHECK(call_i32(inst, "nread", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 5);
        CHECK(call_i32(inst, "byte", 1, 1024, 0, &r) == NULL);
        CHECK_EQ_INT(r, 'h');
        /* a read buffer past the end of memory: EFAULT, nothing read */
        rargs[1].of.i32 = 65530;
        CHECK(sl_wasm_func_call(read_fn, rargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 21);
        /* the other instance has its own table: fd 4 is not open there */
        sl_wasm_extern *other_read = sl_wasm_instance_export(other, "read");
        rargs[1].of.i32 = 1024;
        CHECK(sl_wasm_func_call(other_read, rargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 8);
        /* path_open with bad pointers / fds / escapes */
        args[1].of.i32 = 65534; /* path outside memory */
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 21);
        args[1].of.i32 = 100;
        args[3].of.i32 = 65534; /* fd_ptr outside memory */
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 21);
        args[3].of.i32 = 300;
        args[0].of.i32 = fd; /* a file, not a directory */
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 54); /* ENOTDIR */
        args[0].of.i32 = 99;
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 8); /* EBADF */
        args[0].of.i32 = 3;
        args[1].of.i32 = 110; /* "../x" */
        args[2].of.i32 = 4;
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 76); /* ENOTCAPABLE */
        args[1].of.i32 = 120; /* "/etc/passwd" */
        args[2].of.i32 = 11;
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 76);
        args[2].of.i32 = 0; /* empty path */
        CHECK(sl_wasm_func_call(open_fn, args, 4, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 44); /* ENOENT */
        /* readdir: a good buffer lists a.txt; a bad one is EFAULT */
        sl_wasm_extern *readdir_fn = sl_wasm_instance_export(inst, "readdir");
        sl_wasm_val dargs[3] = {{.type = SL_WASM_I32, .of.i32 = 3}, {.type = SL_WASM_I32, .of.i32 = 2048},
                                {.type = SL_WASM_I32, .of.i32 = 4096}};
        CHECK(sl_wasm_func_call(readdir_fn, dargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 0);
        CHECK(call_i32(inst, "readdir_used", 0, 0, 0, &r) == NULL);
        CHECK(r >= 3 * 24 + 5 + 1 + 2 && r < 4096); /* ".", "..", "a.txt" */
        dargs[1].of.i32 = 65000;
        CHECK(sl_wasm_func_call(readdir_fn, dargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 21);
        dargs[1].of.i32 = 2048;
        dargs[2].of.i32 = 10; /* a buffer shorter than one entry: filled, cut */
        CHECK(sl_wasm_func_call(readdir_fn, dargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 0);
        CHECK(call_i32(inst, "readdir_used", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 10);
        /* path_filestat_get: size of a.txt; bad output pointer */
        sl_wasm_extern *stat_fn = sl_wasm_instance_export(inst, "filestat");
        sl_wasm_val sargs[3] = {{.type = SL_WASM_I32, .of.i32 = 100}, {.type = SL_WASM_I32, .of.i32 = 5},
                                {.type = SL_WASM_I32, .of.i32 = 600}};
        CHECK(sl_wasm_func_call(stat_fn, sargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 0);
        CHECK(call_i32(inst, "filesize", 0, 0, 0, &r) == NULL);
        CHECK_EQ_INT(r, 5);
        sargs[2].of.i32 = 65530;
        CHECK(sl_wasm_func_call(stat_fn, sargs, 3, &res, 1) == NULL);
        CHECK_EQ_INT(res.of.i32, 21);
        /* unlink "../x": refused; close twice: EBADF the second time */
        CHECK(call_i32(inst, "unlink", 2, 110, 4, &r) == NULL);
        CHECK_EQ_INT(r, 76);
        CHECK(call_i32(inst, "close", 1, fd, 0, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(call_i32(inst, "close", 1, fd, 0, &r) == NULL);
        CHECK_EQ_INT(r, 8);
        CHECK(call_i32(inst, "unlink", 2, 100, 5, &r) == NULL);
        CHECK_EQ_INT(r, 0);
        CHECK(access(path, F_OK) != 0);
    }
    sl_wasm_store_free(s);
    sl_wasm_linker_free(l);
    sl_wasm_module_free(m);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv) {
    (void)argc;
    guests_ok = build_guests(argv[0]);
    RUN(load_errors_are_messages);
    RUN(functype_parse);
    RUN(host_objects_globals_tables_memories);
    if (guests_ok) {
        RUN(introspection_lists_imports_and_exports);
        RUN(link_errors_name_the_import);
        RUN(host_to_guest_and_back);
        RUN(traps_carry_message_and_backtrace);
        RUN(max_call_depth_is_configurable);
        RUN(memory_access_is_bounds_checked);
        RUN(memory_limit_caps_growth_and_instantiation);
        RUN(deadline_interrupts_infinite_loops);
        RUN(interrupt_from_another_thread);
        RUN(many_instances_on_parallel_threads);
        RUN(wasi_hello_output_args_environ);
        RUN(wasi_proc_exit_code_and_stdin);
        RUN(wasi_trap_in_c_guest_names_functions);
        RUN(wasi_bad_pointers_are_efault);
        RUN(wasi_preopen_paths_and_bad_pointers);
    } else {
        test_failed_count++;
    }
    return test_summary("wasm_api");
}
