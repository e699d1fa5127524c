/*
 * Unit tests of the execution engine (translator, interpreter, instances):
 * modules are written in WAT and assembled at test time with wabt's
 * wat2wasm (with --debug-names so backtraces have names). Covers arithmetic
 * and traps, control flow, multi-value, the local.set aliasing hazard,
 * calls in both directions and re-entrancy, cross-instance imports and
 * tables, backtraces, the memory and call-depth limits, interruption
 * (deadline and another thread), very large functions, and many instances of
 * one module running in parallel threads.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "test.h"
#include "wasm/wasm.h"

/* ---- helpers ---------------------------------------------------------------- */

static int temp_counter;

/* Assembles WAT text into a loaded module (NULL on failure, printed). */
static sl_wasm_module *load_wat(const char *wat) {
    char dir[] = "/tmp/test_wasm_exec_XXXXXX";
    if (!mkdtemp(dir)) return NULL;
    char *wat_path = xasprintf("%s/m%d.wat", dir, temp_counter);
    char *sl_wasm_path = xasprintf("%s/m%d.wasm", dir, temp_counter++);
    FILE *f = fopen(wat_path, "w");
    fputs(wat, f);
    fclose(f);
    char *cmd = xasprintf("wat2wasm --debug-names -o %s %s", sl_wasm_path, wat_path);
    int rc = system(cmd);
    sl_wasm_module *m = NULL;
    if (rc == 0) {
        size_t len;
        char err[256];
        uint8_t *bytes = (uint8_t *)file_read_all(sl_wasm_path, &len, err, sizeof err);
        if (bytes) {
            m = sl_wasm_module_load(bytes, len, err, sizeof err);
            if (!m) fprintf(stderr, "load failed: %s\n", err);
            free(bytes);
        }
    } else {
        fprintf(stderr, "wat2wasm failed for:\n%s\n", wat);
    }
    unlink(wat_path);
    unlink(sl_wasm_path);
    rmdir(dir);
    free(cmd);
    free(wat_path);
    free(sl_wasm_path);
    return m;
}

typedef struct fixture {
    sl_wasm_module *module;
    sl_wasm_store *store;
    sl_wasm_linker *linker;
    sl_wasm_instance *instance;
} fixture;

static bool fixture_open(fixture *fx, const char *wat, const sl_wasm_limits_config *limits,
                         sl_wasm_linker *linker) {
    memset(fx, 0, sizeof *fx);
    fx->module = load_wat(wat);
    if (!fx->module) return false;
    fx->store = sl_wasm_store_new(limits);
    fx->linker = linker ? linker : sl_wasm_linker_new();
    char err[256];
    sl_wasm_trap *trap = NULL;
    fx->instance = sl_wasm_instantiate(fx->store, fx->module, fx->linker, &trap, err, sizeof err);
    if (!fx->instance) {
        fprintf(stderr, "instantiate failed: %s\n", err);
        sl_wasm_trap_free(trap);
    }
    return fx->instance != NULL;
}

static void fixture_close(fixture *fx) {
    sl_wasm_store_free(fx->store);
    sl_wasm_linker_free(fx->linker);
    sl_wasm_module_free(fx->module);
}

static sl_wasm_val i32v(int32_t v) { return (sl_wasm_val){.type = SL_WASM_I32, .of.i32 = v}; }
static sl_wasm_val i64v(int64_t v) { return (sl_wasm_val){.type = SL_WASM_I64, .of.i64 = v}; }
static sl_wasm_val f64v(double v) { return (sl_wasm_val){.type = SL_WASM_F64, .of.f64 = v}; }

/* Calls export `name` with i32 args; returns the trap (NULL on success). */
static sl_wasm_trap *call_i32(fixture *fx, const char *name, int32_t *result, int nargs, ...) {
    sl_wasm_extern *f = sl_wasm_instance_export(fx->instance, name);
    if (!f) return sl_wasm_trap_new(SL_WASM_TRAP_GENERIC, "no such export");
    sl_wasm_val args[8];
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++) args[i] = i32v(va_arg(ap, int32_t));
    va_end(ap);
    sl_wasm_functype type;
    sl_wasm_func_type(f, &type);
    sl_wasm_val results[4];
    sl_wasm_trap *trap = sl_wasm_func_call(f, args, (uint32_t)nargs, results, type.nresults);
    if (!trap && result && type.nresults > 0) *result = results[0].of.i32;
    return trap;
}

static int32_t must_i32(fixture *fx, const char *name, int nargs, int32_t a, int32_t b) {
    int32_t r = -12345;
    sl_wasm_trap *trap = nargs == 0   ? call_i32(fx, name, &r, 0)
                      : nargs == 1 ? call_i32(fx, name, &r, 1, a)
                                   : call_i32(fx, name, &r, 2, a, b);
    if (trap) {
        fprintf(stderr, "unexpected trap in %s: %s\n%s", name, sl_wasm_trap_message(trap),
                sl_wasm_trap_backtrace(trap));
        sl_wasm_trap_free(trap);
    }
    return r;
}

/* ---- arithmetic and traps --------------------------------------------------------- */

TEST(integer_arithmetic_and_division_traps) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)"
        " (func (export \"div_s\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)"
        " (func (export \"rem_s\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)"
        " (func (export \"rotl7\") (param i32) (result i32) local.get 0 i32.const 7 i32.rotl)"
        " (func (export \"clz\") (param i32) (result i32) local.get 0 i32.clz)"
        " (func (export \"ext8\") (param i32) (result i32) local.get 0 i32.extend8_s)"
        " (func (export \"mul64\") (param i64 i64) (result i64) local.get 0 local.get 1 i64.mul)"
        " (func (export \"wrap\") (param i64) (result i32) local.get 0 i32.wrap_i64)"
        " (func (export \"unreachable\") unreachable))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "add", 2, 40, 2), 42);
    CHECK_EQ_INT(must_i32(&fx, "add", 2, INT32_MAX, 1), INT32_MIN);
    CHECK_EQ_INT(must_i32(&fx, "div_s", 2, -7, 2), -3);
    CHECK_EQ_INT(must_i32(&fx, "rem_s", 2, INT32_MIN, -1), 0);
    CHECK_EQ_INT(must_i32(&fx, "rotl7", 1, 0x01000001, 0), (int32_t)0x80000080);
    CHECK_EQ_INT(must_i32(&fx, "clz", 1, 1, 0), 31);
    CHECK_EQ_INT(must_i32(&fx, "ext8", 1, 0x80, 0), -128);

    sl_wasm_trap *trap = call_i32(&fx, "div_s", NULL, 2, 1, 0);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_DIV_ZERO);
    CHECK_EQ_STR(sl_wasm_trap_message(trap), "integer divide by zero");
    sl_wasm_trap_free(trap);
    trap = call_i32(&fx, "div_s", NULL, 2, INT32_MIN, -1);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_INT_OVERFLOW);
    CHECK_EQ_STR(sl_wasm_trap_message(trap), "integer overflow");
    sl_wasm_trap_free(trap);
    trap = call_i32(&fx, "unreachable", NULL, 0);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_UNREACHABLE);
    CHECK_EQ_STR(sl_wasm_trap_message(trap), "unreachable");
    sl_wasm_trap_free(trap);

    sl_wasm_val args[2] = {i64v(-3), i64v(1LL << 40)}, r;
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "mul64"), args, 2, &r, 1) == NULL);
    CHECK_EQ_INT(r.of.i64, -3LL * (1LL << 40));
    args[0] = i64v(0x1234567800000005LL);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "wrap"), args, 1, &r, 1) == NULL);
    CHECK_EQ_INT(r.of.i32, 5);
    /* Wrong argument types are refused, not executed. */
    args[0] = i32v(1);
    trap = sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "mul64"), args, 2, &r, 1);
    CHECK(trap != NULL);
    sl_wasm_trap_free(trap);
    fixture_close(&fx);
}

TEST(float_semantics) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (func (export \"min\") (param f64 f64) (result f64) local.get 0 local.get 1 f64.min)"
        " (func (export \"nearest\") (param f64) (result f64) local.get 0 f64.nearest)"
        " (func (export \"trunc\") (param f64) (result i32) local.get 0 i32.trunc_f64_s)"
        " (func (export \"trunc_sat\") (param f64) (result i32) local.get 0 i32.trunc_sat_f64_s))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    sl_wasm_val args[2] = {f64v(-0.0), f64v(0.0)}, r;
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "min"), args, 2, &r, 1) == NULL);
    CHECK(r.of.f64 == 0 && signbit(r.of.f64));
    args[0] = f64v(__builtin_nan(""));
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "min"), args, 2, &r, 1) == NULL);
    CHECK(r.of.f64 != r.of.f64);
    args[0] = f64v(2.5);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "nearest"), args, 1, &r, 1) == NULL);
    CHECK(r.of.f64 == 2.0);
    args[0] = f64v(3e9);
    sl_wasm_trap *trap = sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "trunc"), args, 1, &r, 1);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_INT_OVERFLOW);
    sl_wasm_trap_free(trap);
    args[0] = f64v(__builtin_nan(""));
    trap = sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "trunc"), args, 1, &r, 1);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_CONVERSION);
    CHECK_EQ_STR(trap ? sl_wasm_trap_message(trap) : NULL, "invalid conversion to integer");
    sl_wasm_trap_free(trap);
    args[0] = f64v(-3e9);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "trunc_sat"), args, 1, &r, 1) == NULL);
    CHECK_EQ_INT(r.of.i32, INT32_MIN);
    fixture_close(&fx);
}

/* ---- control flow, multi-value, aliasing ------------------------------------------------ */

TEST(control_flow_loops_and_br_table) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (func (export \"fact\") (param i32) (result i32) (local i32)"
        "   i32.const 1 local.set 1"
        "   block loop local.get 0 i32.eqz br_if 1"
        "     local.get 1 local.get 0 i32.mul local.set 1"
        "     local.get 0 i32.const 1 i32.sub local.set 0 br 0 end end"
        "   local.get 1)"
        " (func (export \"switch\") (param i32) (result i32)"
        "   block block block local.get 0 br_table 0 1 2 end"
        "   i32.const 100 return end i32.const 101 return end i32.const 102)"
        " (func (export \"sel\") (param i32) (result i32)"
        "   i32.const 7 i32.const 9 local.get 0 select)"
        " (func (export \"ifelse\") (param i32) (result i32)"
        "   local.get 0 i32.const 10 i32.lt_s if (result i32) i32.const 1 else i32.const 2 end)"
        " (func (export \"sum_to\") (param i32) (result i32) (local i32)"
        "   loop local.get 1 local.get 0 i32.add local.set 1"
        "     local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end local.get 1))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "fact", 1, 10, 0), 3628800);
    CHECK_EQ_INT(must_i32(&fx, "switch", 1, 0, 0), 100);
    CHECK_EQ_INT(must_i32(&fx, "switch", 1, 1, 0), 101);
    CHECK_EQ_INT(must_i32(&fx, "switch", 1, 2, 0), 102);
    CHECK_EQ_INT(must_i32(&fx, "switch", 1, 99, 0), 102);
    CHECK_EQ_INT(must_i32(&fx, "sel", 1, 1, 0), 7);
    CHECK_EQ_INT(must_i32(&fx, "sel", 1, 0, 0), 9);
    CHECK_EQ_INT(must_i32(&fx, "ifelse", 1, 3, 0), 1);
    CHECK_EQ_INT(must_i32(&fx, "ifelse", 1, 30, 0), 2);
    CHECK_EQ_INT(must_i32(&fx, "sum_to", 1, 100, 0), 5050);
    fixture_close(&fx);
}

TEST(local_set_preserves_values_still_on_the_stack) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (func (export \"alias\") (param i32) (result i32)"
        "   local.get 0 i32.const 5 local.set 0 local.get 0 i32.add)"   /* old + 5 */
        " (func (export \"alias_tee\") (param i32) (result i32)"
        "   local.get 0 local.get 0 i32.const 1 i32.add local.tee 0 i32.mul)" /* old * (old+1) */
        " (func (export \"swap_sub\") (param i32 i32) (result i32)"
        "   local.get 0 local.get 1 local.set 0 local.get 0 i32.sub)"    /* a - b */
        " (func (export \"across_block\") (param i32) (result i32)"
        "   local.get 0 block i32.const 100 local.set 0 end local.get 0 i32.add))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "alias", 1, 10, 0), 15);
    CHECK_EQ_INT(must_i32(&fx, "alias_tee", 1, 6, 0), 42);
    CHECK_EQ_INT(must_i32(&fx, "swap_sub", 2, 10, 3), 7);
    CHECK_EQ_INT(must_i32(&fx, "across_block", 1, 1, 0), 101);
    fixture_close(&fx);
}

/* Regression: a call used to mark every entry below its arguments as
 * already in its home slot, so a LOCAL entry under a call's arguments was
 * invisible to a later local.set/tee of that local (and to the flush at the
 * next block), which then overwrote the value still on the stack. TinyGo's
 * reflect.New has exactly `local.get 3; local.get 1; call; local.tee 3;
 * i32.store` and stored to the new pointer instead of the old one, which
 * made the upstream imagelocality guest panic in encoding/json. */
TEST(local_set_after_a_call_preserves_values_under_its_arguments) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (memory 1)"
        " (type $ii (func (param i32) (result i32)))"
        " (table 1 funcref) (elem (i32.const 0) $id)"
        " (func $id (param i32) (result i32) local.get 0)"
        " (func $nop)"
        /* old a - b, with b from a call */
        " (func (export \"set_after_call\") (param i32 i32) (result i32)"
        "   local.get 0 local.get 1 call $id local.set 0 local.get 0 i32.sub)"
        /* the TinyGo shape: store at the old address the value tee'd into it */
        " (func (export \"tee_store\") (param i32) (result i32) (local i32)"
        "   i32.const 64 local.set 1"
        "   local.get 1 local.get 0 call $id local.tee 1 i32.store"
        "   i32.const 64 i32.load)"
        /* the same through call_indirect */
        " (func (export \"tee_store_indirect\") (param i32) (result i32) (local i32)"
        "   i32.const 128 local.set 1"
        "   local.get 1 local.get 0 i32.const 0 call_indirect (type $ii) local.tee 1 i32.store"
        "   i32.const 128 i32.load)"
        /* a zero-argument call, then a block that writes the local */
        " (func (export \"call_then_block\") (param i32) (result i32)"
        "   local.get 0 call $nop block i32.const 100 local.set 0 end local.get 0 i32.add)"
        /* ... and an if whose arm writes it */
        " (func (export \"call_then_if\") (param i32 i32) (result i32)"
        "   local.get 0 local.get 1 call $id if i32.const 100 local.set 0 end local.get 0 i32.add))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "set_after_call", 2, 10, 3), 7);
    CHECK_EQ_INT(must_i32(&fx, "tee_store", 1, 1000, 0), 1000);
    CHECK_EQ_INT(must_i32(&fx, "tee_store_indirect", 1, 2000, 0), 2000);
    CHECK_EQ_INT(must_i32(&fx, "call_then_block", 1, 1, 0), 101);
    CHECK_EQ_INT(must_i32(&fx, "call_then_if", 2, 1, 1), 101);
    CHECK_EQ_INT(must_i32(&fx, "call_then_if", 2, 1, 0), 2);
    fixture_close(&fx);
}

TEST(multi_value_blocks_and_calls) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (func $divmod (param i32 i32) (result i32 i32)"
        "   local.get 0 local.get 1 i32.div_u local.get 0 local.get 1 i32.rem_u)"
        " (func $swap (param i32 i32) (result i32 i32) local.get 1 local.get 0)"
        " (func (export \"divmod\") (param i32 i32) (result i32 i32) local.get 0 local.get 1 call $divmod)"
        " (func (export \"swap\") (param i32 i32) (result i32 i32) local.get 0 local.get 1 call $swap)"
        " (func (export \"combine\") (param i32 i32) (result i32)"
        "   local.get 0 local.get 1 call $divmod i32.const 1000 i32.mul i32.add)"
        " (func (export \"block_params\") (param i32) (result i32)"
        "   local.get 0 i32.const 3 block (param i32 i32) (result i32) i32.mul end)"
        " (func (export \"loop_params\") (param i32) (result i32)"
        "   i32.const 0 local.get 0"
        "   loop (param i32 i32) (result i32)"
        "     local.tee 0 i32.add local.get 0 i32.const 1 i32.sub local.tee 0"
        "     local.get 0 i32.eqz if (param i32 i32) (result i32) drop else br 1 end end))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    sl_wasm_val args[2] = {i32v(47), i32v(10)}, r[2];
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "divmod"), args, 2, r, 2) == NULL);
    CHECK_EQ_INT(r[0].of.i32, 4);
    CHECK_EQ_INT(r[1].of.i32, 7);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "swap"), args, 2, r, 2) == NULL);
    CHECK_EQ_INT(r[0].of.i32, 10);
    CHECK_EQ_INT(r[1].of.i32, 47);
    CHECK_EQ_INT(must_i32(&fx, "combine", 2, 47, 10), 7004);
    CHECK_EQ_INT(must_i32(&fx, "block_params", 1, 14, 0), 42);
    CHECK_EQ_INT(must_i32(&fx, "loop_params", 1, 4, 0), 10);
    fixture_close(&fx);
}

/* ---- host calls, re-entrancy, cross-instance ---------------------------------------------- */

static sl_wasm_trap *host_add(sl_wasm_call *call, uint64_t *slots) {
    (void)call;
    slots[0] = (uint32_t)((int32_t)slots[0] + (int32_t)slots[1]);
    return NULL;
}
static sl_wasm_trap *host_fail(sl_wasm_call *call, uint64_t *slots) {
    (void)call;
    (void)slots;
    return sl_wasm_trap_new_exit(3);
}
/* Calls the guest's export "double" on its argument (re-entrancy). */
static sl_wasm_trap *host_reenter(sl_wasm_call *call, uint64_t *slots) {
    sl_wasm_extern *f = sl_wasm_instance_export(call->caller, "double");
    sl_wasm_val arg = i32v((int32_t)slots[0]), r;
    sl_wasm_trap *trap = sl_wasm_func_call(f, &arg, 1, &r, 1);
    if (trap) return trap;
    slots[0] = (uint32_t)(r.of.i32 + 1);
    return NULL;
}

TEST(host_calls_and_reentrancy) {
    sl_wasm_linker *linker = sl_wasm_linker_new();
    CHECK(sl_wasm_linker_define_func(linker, "env", "add", "ii:i", host_add, NULL));
    CHECK(!sl_wasm_linker_define_func(linker, "env", "add", "ii:i", host_add, NULL));
    CHECK(sl_wasm_linker_define_func(linker, "env", "fail", ":", host_fail, NULL));
    CHECK(sl_wasm_linker_define_func(linker, "env", "reenter", "i:i", host_reenter, NULL));
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (import \"env\" \"add\" (func $add (param i32 i32) (result i32)))"
        " (import \"env\" \"fail\" (func $fail))"
        " (import \"env\" \"reenter\" (func $reenter (param i32) (result i32)))"
        " (func (export \"sum3\") (param i32 i32 i32) (result i32)"
        "   local.get 0 local.get 1 call $add local.get 2 call $add)"
        " (func (export \"double\") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)"
        " (func (export \"outer\") (param i32) (result i32)"
        "   local.get 0 call $reenter i32.const 1000 i32.add)"
        " (func $inner_fail (export \"exit\") call $fail))",
        NULL, linker));
    if (!fx.instance) { fixture_close(&fx); return; }
    int32_t r = 0;
    CHECK(call_i32(&fx, "sum3", &r, 3, 1, 2, 3) == NULL);
    CHECK_EQ_INT(r, 6);
    CHECK_EQ_INT(must_i32(&fx, "outer", 1, 20, 0), 1041);
    sl_wasm_trap *trap = call_i32(&fx, "exit", NULL, 0);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_EXIT);
    CHECK_EQ_INT(trap ? sl_wasm_trap_exit_code(trap) : -1, 3);
    CHECK(trap && strstr(sl_wasm_trap_backtrace(trap), "inner_fail") != NULL);
    sl_wasm_trap_free(trap);
    /* The store is usable after a trap. */
    CHECK(call_i32(&fx, "sum3", &r, 3, 4, 5, 6) == NULL);
    CHECK_EQ_INT(r, 15);
    fixture_close(&fx);
}

TEST(cross_instance_imports_and_tables) {
    sl_wasm_module *a = load_wat(
        "(module"
        " (memory (export \"mem\") 1)"
        " (global (export \"g\") (mut i32) (i32.const 5))"
        " (table (export \"tab\") 2 funcref)"
        " (elem (i32.const 0) $get)"
        " (func $get (export \"get\") (result i32) i32.const 0 i32.load global.get 0 i32.add)"
        " (func (export \"put\") (param i32) i32.const 0 local.get 0 i32.store))");
    sl_wasm_module *b = load_wat(
        "(module"
        " (import \"A\" \"get\" (func $get (result i32)))"
        " (import \"A\" \"mem\" (memory 1))"
        " (import \"A\" \"tab\" (table 2 funcref))"
        " (import \"A\" \"g\" (global $g (mut i32)))"
        " (type $t (func (result i32)))"
        " (elem (i32.const 1) $mine)"
        " (func $mine (result i32) i32.const 4 i32.load)"
        " (func (export \"via_import\") (result i32) call $get)"
        " (func (export \"via_table\") (param i32) (result i32) local.get 0 call_indirect (type $t))"
        " (func (export \"set_g\") (param i32) local.get 0 global.set $g)"
        " (func (export \"poke\") (param i32) i32.const 0 local.get 0 i32.store))");
    CHECK(a && b);
    if (!a || !b) {
        sl_wasm_module_free(a);
        sl_wasm_module_free(b);
        return;
    }
    sl_wasm_store *store = sl_wasm_store_new(NULL);
    sl_wasm_linker *linker = sl_wasm_linker_new();
    char err[256];
    sl_wasm_trap *trap = NULL;
    /* Missing imports are reported by name. */
    CHECK(sl_wasm_instantiate(store, b, linker, &trap, err, sizeof err) == NULL);
    CHECK(strstr(err, "unknown import") != NULL);
    sl_wasm_instance *ia = sl_wasm_instantiate(store, a, linker, &trap, err, sizeof err);
    CHECK(ia != NULL);
    CHECK(sl_wasm_linker_define_instance(linker, "A", ia));
    sl_wasm_instance *ib = sl_wasm_instantiate(store, b, linker, &trap, err, sizeof err);
    CHECK(ib != NULL);
    if (ia && ib) {
        fixture fb = {.instance = ib};
        sl_wasm_val v = i32v(37);
        CHECK(sl_wasm_func_call(sl_wasm_instance_export(ib, "poke"), &v, 1, NULL, 0) == NULL);
        CHECK_EQ_INT(must_i32(&fb, "via_import", 0, 0, 0), 42);
        CHECK_EQ_INT(must_i32(&fb, "via_table", 1, 0, 0), 42);
        v = i32v(100);
        CHECK(sl_wasm_func_call(sl_wasm_instance_export(ib, "set_g"), &v, 1, NULL, 0) == NULL);
        CHECK_EQ_INT(sl_wasm_global_get(sl_wasm_instance_export(ia, "g")).of.i32, 100);
        CHECK_EQ_INT(must_i32(&fb, "via_table", 1, 0, 0), 137);
        uint32_t four = 4444;
        CHECK(sl_wasm_memory_write(sl_wasm_instance_export(ia, "mem"), 4, &four, 4));
        CHECK_EQ_INT(must_i32(&fb, "via_table", 1, 1, 0), 4444);
        trap = call_i32(&fb, "via_table", NULL, 1, 2);
        CHECK(trap && strcmp(sl_wasm_trap_message(trap), "undefined element") == 0);
        sl_wasm_trap_free(trap);
    }
    sl_wasm_store_free(store);
    sl_wasm_linker_free(linker);
    sl_wasm_module_free(a);
    sl_wasm_module_free(b);
}

TEST(import_type_mismatch_is_reported) {
    sl_wasm_linker *linker = sl_wasm_linker_new();
    CHECK(sl_wasm_linker_define_func(linker, "env", "f", "i:i", host_add, NULL));
    sl_wasm_module *m = load_wat("(module (import \"env\" \"f\" (func (param i64))))");
    CHECK(m != NULL);
    if (m) {
        sl_wasm_store *store = sl_wasm_store_new(NULL);
        char err[256];
        sl_wasm_trap *trap = NULL;
        CHECK(sl_wasm_instantiate(store, m, linker, &trap, err, sizeof err) == NULL);
        CHECK(strstr(err, "incompatible import type") != NULL);
        sl_wasm_store_free(store);
    }
    sl_wasm_module_free(m);
    sl_wasm_linker_free(linker);
}

/* ---- traps and limits ------------------------------------------------------------------------ */

TEST(trap_backtrace_names_functions) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module (memory 1)"
        " (func $deepest (param i32) (result i32) local.get 0 i32.load)"
        " (func $middle (param i32) (result i32) local.get 0 call $deepest i32.const 1 i32.add)"
        " (func $top (export \"top\") (param i32) (result i32) local.get 0 call $middle))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "top", 1, 0, 0), 1);
    sl_wasm_trap *trap = call_i32(&fx, "top", NULL, 1, 65535);
    CHECK(trap != NULL);
    if (trap) {
        CHECK_EQ_STR(sl_wasm_trap_message(trap), "out of bounds memory access");
        CHECK(sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_MEMORY_OOB);
        const char *bt = sl_wasm_trap_backtrace(trap);
        const char *d = strstr(bt, "#0 wasm function 0 (deepest) at offset 0x");
        const char *mid = strstr(bt, "#1 wasm function 1 (middle)");
        const char *t = strstr(bt, "#2 wasm function 2 (top)");
        CHECK(d && mid && t && d < mid && mid < t);
        if (!(d && mid && t)) fprintf(stderr, "backtrace:\n%s", bt);
    }
    sl_wasm_trap_free(trap);
    fixture_close(&fx);
}

TEST(call_depth_limit_traps_cleanly) {
    sl_wasm_limits_config limits = {.max_call_depth = 500};
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module"
        " (func $rec (export \"rec\") (param i32) (result i32)"
        "   local.get 0 i32.eqz if (result i32) i32.const 0 else"
        "   local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add end)"
        " (func $forever (export \"forever\") call $forever)"
        " (func $fat (export \"fat\") (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)"
        "   call $fat))",
        &limits, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "rec", 1, 400, 0), 400);
    sl_wasm_trap *trap = call_i32(&fx, "rec", NULL, 1, 1000);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_EXHAUSTION);
    CHECK_EQ_STR(trap ? sl_wasm_trap_message(trap) : NULL, "call stack exhausted");
    sl_wasm_trap_free(trap);
    trap = call_i32(&fx, "forever", NULL, 0);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_EXHAUSTION);
    sl_wasm_trap_free(trap);
    CHECK_EQ_INT(must_i32(&fx, "rec", 1, 10, 0), 10);
    fixture_close(&fx);

    /* A small value stack runs out before the depth limit does. */
    sl_wasm_limits_config small = {.max_stack_bytes = 64 * 1024};
    CHECK(fixture_open(&fx,
        "(module (func $fat (export \"fat\") (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)"
        "   call $fat))",
        &small, NULL));
    if (fx.instance) {
        trap = call_i32(&fx, "fat", NULL, 0);
        CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_EXHAUSTION);
        sl_wasm_trap_free(trap);
    }
    fixture_close(&fx);
}

TEST(memory_limit_is_enforced) {
    sl_wasm_limits_config limits = {.max_memory_pages = 4};
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module (memory (export \"memory\") 1)"
        " (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow)"
        " (func (export \"size\") (result i32) memory.size)"
        " (func (export \"store_last\") (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 7))))",
        &limits, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "grow", 1, 2, 0), 1);
    CHECK_EQ_INT(must_i32(&fx, "size", 0, 0, 0), 3);
    CHECK_EQ_INT(must_i32(&fx, "grow", 1, 2, 0), -1);
    CHECK_EQ_INT(must_i32(&fx, "grow", 1, 1, 0), 3);
    CHECK(call_i32(&fx, "store_last", NULL, 0) == NULL);
    sl_wasm_extern *mem = sl_wasm_instance_memory(fx.instance);
    CHECK(mem && sl_wasm_memory_pages(mem) == 4);
    uint32_t v = 0;
    CHECK(sl_wasm_memory_read(mem, 4 * 65536 - 4, &v, 4));
    CHECK_EQ_INT(v, 7);
    CHECK(!sl_wasm_memory_read(mem, 4 * 65536 - 2, &v, 4));
    fixture_close(&fx);

    /* A module whose minimum exceeds the limit does not instantiate. */
    sl_wasm_module *m = load_wat("(module (memory 8))");
    CHECK(m != NULL);
    if (m) {
        sl_wasm_store *store = sl_wasm_store_new(&limits);
        char err[256];
        sl_wasm_trap *trap = NULL;
        CHECK(sl_wasm_instantiate(store, m, NULL, &trap, err, sizeof err) == NULL);
        sl_wasm_store_free(store);
        sl_wasm_module_free(m);
    }
}

static const char *infinite_loop_wat =
    "(module (func (export \"spin\") (local i32)"
    "  loop local.get 0 i32.const 1 i32.add local.set 0 br 0 end)"
    " (func $leaf) (func (export \"call_forever\") loop call $leaf br 0 end))";

TEST(deadline_stops_an_infinite_loop) {
    fixture fx;
    CHECK(fixture_open(&fx, infinite_loop_wat, NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    int64_t start = time_now_ns();
    sl_wasm_store_set_deadline(fx.store, start + 50 * 1000000LL);
    sl_wasm_trap *trap = call_i32(&fx, "spin", NULL, 0);
    int64_t elapsed = time_now_ns() - start;
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_INTERRUPTED);
    CHECK_EQ_STR(trap ? sl_wasm_trap_message(trap) : NULL, "interrupted");
    CHECK(elapsed < 150 * 1000000LL);
    sl_wasm_trap_free(trap);
    /* The deadline stays armed until reset. */
    trap = call_i32(&fx, "spin", NULL, 0);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_INTERRUPTED);
    sl_wasm_trap_free(trap);
    sl_wasm_store_set_deadline(fx.store, 0);
    fixture_close(&fx);
}

typedef struct interrupter {
    sl_wasm_store *store;
    int delay_ms;
} interrupter;
static void *interrupt_later(void *arg) {
    interrupter *in = arg;
    usleep((useconds_t)in->delay_ms * 1000);
    sl_wasm_store_interrupt(in->store);
    return NULL;
}

TEST(another_thread_interrupts_a_running_guest) {
    fixture fx;
    CHECK(fixture_open(&fx, infinite_loop_wat, NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    const char *names[] = {"spin", "call_forever"};
    for (int i = 0; i < 2; i++) {
        interrupter in = {fx.store, 30};
        pthread_t thread;
        int64_t start = time_now_ns();
        pthread_create(&thread, NULL, interrupt_later, &in);
        sl_wasm_trap *trap = call_i32(&fx, names[i], NULL, 0);
        int64_t elapsed = time_now_ns() - start;
        pthread_join(thread, NULL);
        CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_INTERRUPTED);
        CHECK(elapsed < 30 * 1000000LL + 100 * 1000000LL);
        sl_wasm_trap_free(trap);
        sl_wasm_store_clear_interrupt(fx.store);
    }
    fixture_close(&fx);
}

/* ---- scale -------------------------------------------------------------------------------------- */

TEST(huge_function_with_deep_nesting_and_many_locals) {
    enum { DEPTH = 600, LOCALS = 300, STATEMENTS = 20000 };
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "(module (func (export \"big\") (param i32) (result i32)");
    for (int i = 0; i < LOCALS; i++) strbuf_puts(&sb, " (local i32)");
    for (int i = 0; i < DEPTH; i++) strbuf_puts(&sb, " block");
    for (int i = 0; i < STATEMENTS; i++)
        strbuf_printf(&sb, " local.get %d local.get 0 i32.add i32.const %d i32.xor local.set %d",
                      1 + i % LOCALS, i, 1 + (i * 7) % LOCALS);
    for (int i = 0; i < DEPTH; i++) strbuf_printf(&sb, " local.get 0 i32.const %d i32.eq br_if 0 end", i);
    strbuf_puts(&sb, " i32.const 0");
    for (int i = 1; i <= LOCALS; i++) strbuf_printf(&sb, " local.get %d i32.add", i);
    strbuf_puts(&sb, "))");
    fixture fx;
    CHECK(fixture_open(&fx, strbuf_cstr(&sb), NULL, NULL));
    if (fx.instance) {
        /* Reference result computed in C. */
        uint32_t locals[LOCALS + 1] = {0};
        locals[0] = 3;
        for (int i = 0; i < STATEMENTS; i++)
            locals[1 + (i * 7) % LOCALS] = (locals[1 + i % LOCALS] + locals[0]) ^ (uint32_t)i;
        uint32_t sum = 0;
        for (int i = 1; i <= LOCALS; i++) sum += locals[i];
        CHECK_EQ_INT((uint32_t)must_i32(&fx, "big", 1, 3, 0), sum);
    }
    fixture_close(&fx);
    strbuf_free(&sb);
}

typedef struct worker {
    const sl_wasm_module *module;
    int32_t n;
    int32_t result;
    bool ok;
} worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    sl_wasm_store *store = sl_wasm_store_new(NULL);
    char err[256];
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *inst = sl_wasm_instantiate(store, w->module, NULL, &trap, err, sizeof err);
    if (inst) {
        sl_wasm_val a = i32v(w->n), r;
        for (int rep = 0; rep < 20; rep++) {
            trap = sl_wasm_func_call(sl_wasm_instance_export(inst, "work"), &a, 1, &r, 1);
            if (trap) break;
        }
        w->ok = trap == NULL;
        w->result = r.of.i32;
        sl_wasm_trap_free(trap);
    }
    sl_wasm_store_free(store);
    return NULL;
}

TEST(many_instances_of_one_module_in_parallel_threads) {
    sl_wasm_module *m = load_wat(
        "(module (memory 1) (global $g (mut i32) (i32.const 0))"
        " (func $fib (param i32) (result i32)"
        "   local.get 0 i32.const 2 i32.lt_u if (result i32) local.get 0 else"
        "   local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)"
        " (func (export \"work\") (param i32) (result i32)"
        "   global.get $g i32.const 1 i32.add global.set $g"
        "   i32.const 16 global.get $g i32.store"
        "   local.get 0 call $fib i32.const 16 i32.load i32.const 1000000 i32.mul i32.add))");
    CHECK(m != NULL);
    if (!m) return;
    enum { THREADS = 8 };
    worker workers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.module = m, .n = 15 + i};
        pthread_create(&threads[i], NULL, run_worker, &workers[i]);
    }
    static const int32_t fib[] = {610, 987, 1597, 2584, 4181, 6765, 10946, 17711};
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].ok);
        CHECK_EQ_INT(workers[i].result, fib[i] + 20 * 1000000);
    }
    sl_wasm_module_free(m);
}

/* ---- superinstructions ------------------------------------------------------------ */

static int32_t call3_i32(fixture *fx, const char *name, int32_t a, int32_t b, int32_t c) {
    int32_t r = -12345;
    sl_wasm_trap *trap = call_i32(fx, name, &r, 3, a, b, c);
    if (trap) {
        fprintf(stderr, "unexpected trap in %s: %s\n", name, sl_wasm_trap_message(trap));
        sl_wasm_trap_free(trap);
    }
    return r;
}

static double call3_f64(fixture *fx, const char *name, double a, double b, double c) {
    sl_wasm_val args[3] = {f64v(a), f64v(b), f64v(c)}, r = {0};
    sl_wasm_trap *trap = sl_wasm_func_call(sl_wasm_instance_export(fx->instance, name), args, 3, &r, 1);
    if (trap) sl_wasm_trap_free(trap);
    return r.of.f64;
}

/* The translator fuses common sequences (address adds into loads and
 * stores, constant stores, loop increments into back-edges, f64 products
 * into the operation using them, ...). Each fused form must keep the exact
 * wasm semantics, including i32 wrap-around of the address before the
 * offset is added and bounds checks. */
TEST(fused_instructions_keep_wasm_semantics) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module (memory 1)"
        " (data (i32.const 0) \"\\44\\33\\22\\11\\08\\00\\00\\00\")"
        " (func (export \"ld_ai\") (param i32) (result i32)"
        "  local.get 0 i32.const 1 i32.add i32.load)"
        " (func (export \"ld_aa\") (param i32 i32) (result i32)"
        "  local.get 0 local.get 1 i32.add i32.load offset=4)"
        " (func (export \"ld_aiw\") (param i32) (result i32) (local i32)"
        "  local.get 0 i32.const 4 i32.add local.tee 1 i32.load local.get 1 i32.add)"
        " (func (export \"ld8_ai\") (param i32) (result i32)"
        "  local.get 0 i32.const 3 i32.add i32.load8_u)"
        " (func (export \"stores\") (param i32 i32) (result i32) (local i64)"
        "  (i32.store offset=100 (local.get 0) (i32.const 7))"
        "  (i32.store8 (i32.add (local.get 0) (local.get 1)) (i32.const 0x1ff))"
        "  (i32.store offset=200 (i32.add (local.get 0) (local.get 1)) (local.get 1))"
        "  (i32.store (i32.add (local.get 0) (i32.const 300)) (local.get 0))"
        "  (local.set 2 (i64.extend_i32_u (local.get 1)))"
        "  (i64.store (i32.add (local.get 0) (i32.const 400)) (local.get 2))"
        "  (i32.add (i32.add (i32.load offset=100 (local.get 0))"
        "                    (i32.load8_u (i32.add (local.get 0) (local.get 1))))"
        "           (i32.add (i32.load offset=200 (i32.add (local.get 0) (local.get 1)))"
        "                    (i32.add (i32.load offset=300 (local.get 0))"
        "                             (i32.wrap_i64 (i64.load offset=400 (local.get 0)))))))"
        " (func (export \"sum_to\") (param i32) (result i32) (local i32 i32)"
        "  (loop (local.set 2 (i32.add (local.get 2) (local.get 1)))"
        "   (br_if 0 (i32.ne (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (i32.const 10))))"
        "  (loop (local.set 2 (i32.add (local.get 2) (i32.const 100)))"
        "   (br_if 0 (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))"
        "  local.get 2)"
        " (func (export \"step_by\") (param i32 i32) (result i32) (local i32)"
        "  (loop (local.set 2 (i32.add (local.get 2) (i32.const 1)))"
        "   (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (local.get 1))) (i32.const 100))))"
        "  local.get 2)"
        " (func (export \"ext\") (param i64) (result i64)"
        "  local.get 0 i32.wrap_i64 i64.extend_i32_u)"
        " (func (export \"ext_add\") (param i64) (result i64)"
        "  local.get 0 i32.wrap_i64 i32.const 1 i32.add i64.extend_i32_u)"
        " (func (export \"int3\") (param i32 i32 i32) (result i32)"
        "  (i32.xor (local.get 0) (i32.rotl (local.get 1) (i32.const 7)))"
        "  (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2))"
        "  (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 5))"
        "  i32.mul i32.xor)"
        " (func (export \"tests\") (param i32) (result i32)"
        "  (if (result i32) (i32.and (local.get 0) (i32.const 4)) (then (i32.const 1)) (else (i32.const 2)))"
        "  (if (result i32) (i32.load (local.get 0)) (then (i32.const 10)) (else (i32.const 20)))"
        "  i32.add)"
        " (func (export \"swap\") (param i32 i32) (result i32 i32) local.get 1 local.get 0)"
        " (func (export \"mul3\") (param f64 f64 f64) (result f64)"
        "  local.get 0 local.get 1 f64.mul local.get 2 f64.mul)"
        " (func (export \"add_mul\") (param f64 f64 f64) (result f64)"
        "  local.get 0 local.get 1 local.get 2 f64.mul f64.add)"
        " (func (export \"sub_mul\") (param f64 f64 f64) (result f64)"
        "  local.get 0 local.get 1 local.get 2 f64.mul f64.sub)"
        " (func (export \"mul_sub\") (param f64 f64 f64) (result f64)"
        "  local.get 1 local.get 2 f64.mul local.get 0 f64.sub)"
        " (func (export \"axpy\") (param f64 f64 f64) (result f64) (local i32)"
        "  (local.set 3 (i32.const 16))"
        "  (f64.store (local.get 3) (local.get 1)) (f64.store offset=8 (local.get 3) (local.get 2))"
        "  (f64.store offset=8 (local.get 3)"
        "   (f64.add (f64.mul (local.get 0) (f64.load (local.get 3)))"
        "            (f64.load offset=8 (local.get 3))))"
        "  (f64.store offset=16 (local.get 3) (f64.sub (local.get 0) (local.get 1)))"
        "  (f64.add (f64.load (i32.const 24)) (f64.load (i32.const 32))))"
        " (func (export \"a\\00b\") (result i32) i32.const 1)"
        " (func (export \"a\") (result i32) i32.const 2))",
        NULL, NULL));
    if (!fx.instance) { fixture_close(&fx); return; }
    CHECK_EQ_INT(must_i32(&fx, "ld_ai", 1, -1, 0), 0x11223344); /* (-1 + 1) wraps to 0 */
    sl_wasm_trap *trap = call_i32(&fx, "ld_ai", NULL, 1, 65535);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_MEMORY_OOB);
    sl_wasm_trap_free(trap);
    trap = call_i32(&fx, "ld_aa", NULL, 2, -4, 0); /* 0xfffffffc + offset 4 is out of bounds */
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_MEMORY_OOB);
    sl_wasm_trap_free(trap);
    CHECK_EQ_INT(must_i32(&fx, "ld_aa", 2, 2, -2), 8);
    CHECK_EQ_INT(must_i32(&fx, "ld_aiw", 1, -4, 0), 0x11223344);
    CHECK_EQ_INT(must_i32(&fx, "ld_aiw", 1, 0, 0), 8 + 4);
    CHECK_EQ_INT(must_i32(&fx, "ld8_ai", 1, -3, 0), 0x44);
    trap = call_i32(&fx, "ld8_ai", NULL, 1, 65533);
    CHECK(trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_MEMORY_OOB);
    sl_wasm_trap_free(trap);
    CHECK_EQ_INT(must_i32(&fx, "stores", 2, 1000, 3), 7 + 0xff + 3 + 1000 + 3);
    CHECK_EQ_INT(must_i32(&fx, "sum_to", 1, 3, 0), 45 + 300);
    CHECK_EQ_INT(must_i32(&fx, "step_by", 2, 0, 7), 15);
    sl_wasm_val arg = i64v(0x1234567800000005LL), r;
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "ext"), &arg, 1, &r, 1) == NULL);
    CHECK_EQ_INT(r.of.i64, 5);
    arg = i64v(-1);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "ext_add"), &arg, 1, &r, 1) == NULL);
    CHECK_EQ_INT(r.of.i64, 0);
    arg = i64v(0x00000001fffffffeLL);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "ext_add"), &arg, 1, &r, 1) == NULL);
    CHECK_EQ_INT(r.of.i64, 0xffffffffLL);
    uint32_t a = 0x12345678u, b = 0x9abcdef0u, c = 0x0f0f0f0fu;
    uint32_t want = (a ^ ((b << 7) | (b >> 25))) ^ ((a + b + c) * (a + b + 5));
    CHECK_EQ_INT(call3_i32(&fx, "int3", (int32_t)a, (int32_t)b, (int32_t)c), (int32_t)want);
    CHECK_EQ_INT(must_i32(&fx, "tests", 1, 4, 0), 1 + 10); /* mem[4] = 8 */
    CHECK_EQ_INT(must_i32(&fx, "tests", 1, 0, 0), 2 + 10);
    CHECK_EQ_INT(must_i32(&fx, "tests", 1, 8, 0), 2 + 20); /* mem[8] = 0 */
    sl_wasm_val sargs[2] = {i32v(1), i32v(2)}, sres[2];
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "swap"), sargs, 2, sres, 2) == NULL);
    CHECK_EQ_INT(sres[0].of.i32, 2);
    CHECK_EQ_INT(sres[1].of.i32, 1);
    volatile double x = 0.1, y = 3.3, z = 1e-17;
    CHECK(call3_f64(&fx, "mul3", x, y, z) == (x * y) * z);
    CHECK(call3_f64(&fx, "add_mul", x, y, z) == x + y * z);
    CHECK(call3_f64(&fx, "sub_mul", x, y, z) == x - y * z);
    CHECK(call3_f64(&fx, "mul_sub", x, y, z) == y * z - x);
    CHECK(call3_f64(&fx, "axpy", x, y, z) == (x * y + z) + (x - y));

    sl_wasm_extern *e1 = sl_wasm_instance_export_n(fx.instance, "a\0b", 3);
    sl_wasm_extern *e2 = sl_wasm_instance_export(fx.instance, "a");
    CHECK(e1 != NULL && e2 != NULL && e1 != e2);
    CHECK(sl_wasm_instance_export_n(fx.instance, "a\0c", 3) == NULL);
    CHECK(sl_wasm_instance_export_n(fx.instance, "a", 1) == e2);
    sl_wasm_val er;
    CHECK(e1 && sl_wasm_func_call(e1, NULL, 0, &er, 1) == NULL && er.of.i32 == 1);
    fixture_close(&fx);
}

static uint32_t rotl32_ref(uint32_t x, uint32_t n) {
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}

/* Fusions of the second round: two adds in one instruction (add2, run in
 * order), branches on an i32.load kept in a local (local.tee) or tested by
 * eqz, runs of three and four moves, rotl(x, i) ^ rotl(y, j). */
TEST(more_fused_instructions_keep_wasm_semantics) {
    fixture fx;
    CHECK(fixture_open(&fx,
        "(module (memory 1)"
        " (data (i32.const 0) \"\\44\\33\\22\\11\\08\\00\\00\\00\")"
        " (data (i32.const 16) \"\\01\")"
        " (func (export \"add2\") (param i32 i32 i32) (result i32) (local i32 i32)"
        "  (local.set 3 (i32.add (local.get 0) (local.get 1)))"
        "  (local.set 4 (i32.add (local.get 1) (local.get 2)))"
        "  (local.set 3 (i32.add (local.get 3) (i32.const -1)))"
        "  (local.set 4 (i32.add (local.get 4) (i32.const 0x7fffffff)))"
        "  (local.set 3 (i32.add (local.get 3) (i32.const 5)))"
        "  (local.set 4 (i32.add (local.get 3) (local.get 4)))"
        "  (local.set 3 (i32.add (local.get 4) (local.get 3)))"
        "  (local.set 4 (i32.add (local.get 3) (i32.const 1)))"
        "  (i32.xor (i32.mul (local.get 3) (i32.const 31)) (local.get 4)))"
        " (func (export \"br_tee\") (param i32) (result i32) (local i32)"
        "  (block (br_if 0 (local.tee 1 (i32.load (local.get 0)))) (return (i32.const -1)))"
        "  local.get 1)"
        " (func (export \"if_tee\") (param i32) (result i32) (local i32)"
        "  (if (result i32) (local.tee 1 (i32.load offset=4 (local.get 0)))"
        "   (then (i32.add (local.get 1) (i32.const 1))) (else (i32.const -3))))"
        " (func (export \"br_eqz_tee\") (param i32) (result i32) (local i32)"
        "  (block (br_if 0 (i32.eqz (local.tee 1 (i32.load (local.get 0))))) (return (local.get 1)))"
        "  i32.const -2)"
        " (func (export \"br_eqz\") (param i32) (result i32)"
        "  (block (br_if 0 (i32.eqz (i32.load (local.get 0)))) (return (i32.const 1)))"
        "  i32.const 0)"
        " (func (export \"walk\") (param i32) (result i32) (local i32 i32)"
        "  (loop (local.set 0 (i32.add (local.get 0) (i32.const 4)))"
        "   (local.set 2 (i32.add (local.get 2) (i32.const 1)))"
        "   (br_if 0 (local.tee 1 (i32.load (local.get 0)))))"
        "  (i32.add (local.get 2) (i32.mul (local.get 1) (i32.const 100))))"
        " (func (export \"walk_eqz\") (param i32) (result i32) (local i32)"
        "  (loop (local.set 0 (i32.add (local.get 0) (i32.const 4)))"
        "   (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
        "   (br_if 0 (i32.eqz (i32.load (local.get 0)))))"
        "  local.get 1)"
        " (func (export \"and_tee\") (param i32) (result i32) (local i32)"
        "  (block (br_if 0 (local.tee 1 (i32.and (local.get 0) (i32.const 0x80000081))))"
        "   (return (i32.sub (local.get 1) (i32.const 7))))"
        "  (if (result i32) (local.tee 1 (i32.and (local.get 0) (i32.const 6)))"
        "   (then (local.get 1)) (else (i32.const -9))))"
        " (func (export \"rot4\") (param i32 i32 i32 i32) (result i32 i32 i32 i32)"
        "  local.get 3 local.get 0 local.get 1 local.get 2)"
        " (func (export \"rot5\") (param i32 i32 i32 i32 i32) (result i32 i32 i32 i32 i32)"
        "  local.get 4 local.get 0 local.get 1 local.get 2 local.get 3)"
        " (func (export \"rxr\") (param i32 i32 i32) (result i32)"
        "  (i32.xor (i32.rotl (local.get 0) (i32.const 7)) (i32.rotl (local.get 1) (i32.const 45)))"
        "  (i32.xor (i32.xor (i32.rotl (local.get 2) (i32.const 30)) (i32.rotl (local.get 2) (i32.const 0)))"
        "           (i32.rotl (local.get 2) (i32.const 10)))"
        "  i32.add))",
        NULL, NULL));
    uint32_t vals[][3] = {{1, 2, 3}, {0xffffffffu, 0x80000000u, 0x7fffffffu}, {0, 0, 0},
                          {0x12345678u, 0xdeadbeefu, 0xfffffffeu}};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint32_t a = vals[i][0], b = vals[i][1], c = vals[i][2];
        uint32_t l3 = a + b, l4 = b + c;
        l3 += 0xffffffffu;
        l4 += 0x7fffffffu;
        l3 += 5;
        l4 = l3 + l4;
        l3 = l4 + l3;
        l4 = l3 + 1;
        CHECK_EQ_INT(call3_i32(&fx, "add2", (int32_t)a, (int32_t)b, (int32_t)c),
                     (int32_t)((l3 * 31) ^ l4));
        uint32_t want = (rotl32_ref(a, 7) ^ rotl32_ref(b, 45)) +
                        (rotl32_ref(c, 30) ^ c ^ rotl32_ref(c, 10));
        CHECK_EQ_INT(call3_i32(&fx, "rxr", (int32_t)a, (int32_t)b, (int32_t)c), (int32_t)want);
    }
    CHECK_EQ_INT(must_i32(&fx, "br_tee", 1, 0, 0), 0x11223344);
    CHECK_EQ_INT(must_i32(&fx, "br_tee", 1, 8, 0), -1);
    CHECK_EQ_INT(must_i32(&fx, "if_tee", 1, 0, 0), 9);
    CHECK_EQ_INT(must_i32(&fx, "if_tee", 1, 4, 0), -3);
    CHECK_EQ_INT(must_i32(&fx, "br_eqz_tee", 1, 4, 0), 8);
    CHECK_EQ_INT(must_i32(&fx, "br_eqz_tee", 1, 12, 0), -2);
    CHECK_EQ_INT(must_i32(&fx, "br_eqz", 1, 0, 0), 1);
    CHECK_EQ_INT(must_i32(&fx, "br_eqz", 1, 8, 0), 0);
    /* the address add wraps to 0 before the load */
    CHECK_EQ_INT(must_i32(&fx, "walk", 1, -4, 0), 3);
    CHECK_EQ_INT(must_i32(&fx, "walk", 1, 0, 0), 2);
    CHECK_EQ_INT(must_i32(&fx, "walk_eqz", 1, 4, 0), 3);
    CHECK_EQ_INT(must_i32(&fx, "walk_eqz", 1, 8, 0), 2);
    CHECK_EQ_INT(must_i32(&fx, "walk_eqz", 1, 0, 0), 1);
    CHECK_EQ_INT(must_i32(&fx, "walk_eqz", 1, -4, 0), 1);
    CHECK_EQ_INT(must_i32(&fx, "and_tee", 1, 0x7e, 0), -7);
    CHECK_EQ_INT(must_i32(&fx, "and_tee", 1, 0x87, 0), 6);
    CHECK_EQ_INT(must_i32(&fx, "and_tee", 1, 0x81, 0), -9);
    CHECK_EQ_INT(must_i32(&fx, "and_tee", 1, (int32_t)0x80000006u, 0), 6);
    /* out-of-bounds loads still trap, in every fused form */
    const char *oob[] = {"br_tee", "if_tee", "br_eqz_tee", "br_eqz", "walk", "walk_eqz"};
    for (size_t i = 0; i < sizeof oob / sizeof oob[0]; i++) {
        int32_t r = 0;
        sl_wasm_trap *trap = call_i32(&fx, oob[i], &r, 1, 65533);
        CHECK(trap != NULL && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_MEMORY_OOB);
        if (trap) sl_wasm_trap_free(trap);
    }
    sl_wasm_val args[5] = {i32v(1), i32v(2), i32v(3), i32v(4), i32v(5)}, res[5];
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "rot4"), args, 4, res, 4) == NULL);
    CHECK(res[0].of.i32 == 4 && res[1].of.i32 == 1 && res[2].of.i32 == 2 && res[3].of.i32 == 3);
    CHECK(sl_wasm_func_call(sl_wasm_instance_export(fx.instance, "rot5"), args, 5, res, 5) == NULL);
    CHECK(res[0].of.i32 == 5 && res[1].of.i32 == 1 && res[2].of.i32 == 2 && res[3].of.i32 == 3 &&
          res[4].of.i32 == 4);
    fixture_close(&fx);
}

#define RUN_TIMED(name) do { int64_t t0_ = time_now_ns(); RUN(name); if (getenv("TEST_TIMES")) fprintf(stderr, "%s: %.1f ms\n", #name, (time_now_ns() - t0_) / 1e6); } while (0)
int main(void) {
    RUN_TIMED(integer_arithmetic_and_division_traps);
    RUN_TIMED(float_semantics);
    RUN_TIMED(control_flow_loops_and_br_table);
    RUN_TIMED(local_set_preserves_values_still_on_the_stack);
    RUN_TIMED(local_set_after_a_call_preserves_values_under_its_arguments);
    RUN_TIMED(multi_value_blocks_and_calls);
    RUN_TIMED(host_calls_and_reentrancy);
    RUN_TIMED(cross_instance_imports_and_tables);
    RUN_TIMED(import_type_mismatch_is_reported);
    RUN_TIMED(trap_backtrace_names_functions);
    RUN_TIMED(call_depth_limit_traps_cleanly);
    RUN_TIMED(memory_limit_is_enforced);
    RUN_TIMED(deadline_stops_an_infinite_loop);
    RUN_TIMED(another_thread_interrupts_a_running_guest);
    RUN_TIMED(huge_function_with_deep_nesting_and_many_locals);
    RUN_TIMED(many_instances_of_one_module_in_parallel_threads);
    RUN_TIMED(fused_instructions_keep_wasm_semantics);
    RUN_TIMED(more_fused_instructions_keep_wasm_semantics);
    return test_summary("wasm_exec");
}
