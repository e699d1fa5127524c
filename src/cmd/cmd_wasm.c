/*
 * cmd_wasm.c — `schedlab wasm`: run WebAssembly modules on schedlab's own
 * runtime, the way `wasmtime run` does.
 *
 *   schedlab wasm run [options] FILE.wasm [ARGS...]
 *       A WASI command: instantiates FILE with WASI preview1 (argv = FILE
 *       ARGS..., the --env variables, stdin from --stdin or empty, stdout and
 *       stderr passed through, no filesystem) and calls its `_start` export.
 *   schedlab wasm run --invoke NAME [options] FILE.wasm [ARGS...]
 *       A reactor: calls `_initialize` if exported, then export NAME with
 *       ARGS parsed per its parameter types, and prints each result on its
 *       own line.
 *   schedlab wasm inspect FILE.wasm
 *       Lists the imports and exports with their signatures.
 *
 * Exit status: the guest's proc_exit code (0 if `_start` returns); 134
 * after a trap (message and wasm backtrace on stderr; the status wasmtime
 * uses), 124 when --timeout-ms expired (also reported as a trap), 2 for
 * usage errors and modules that fail to read, load or link, 1 for other
 * runtime failures.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cmd/cmd.h"
#include "wasm/wasm.h"

#define EXIT_TRAP 134
#define EXIT_TIMEOUT 124
#define EXIT_USAGE 2

static void usage(FILE *out) {
    fprintf(out,
            "usage: schedlab wasm run [options] FILE.wasm [ARGS...]\n"
            "       schedlab wasm inspect FILE.wasm\n"
            "\n"
            "Runs a WebAssembly module on schedlab's runtime (like `wasmtime run`).\n"
            "Without --invoke FILE must be a WASI command: its `_start` export runs with\n"
            "argv = FILE ARGS..., stdout/stderr passed through and no filesystem access.\n"
            "\n"
            "options (before FILE):\n"
            "  --invoke NAME           call export NAME instead of `_start` (after\n"
            "                          `_initialize`, if exported); ARGS are its\n"
            "                          arguments (i32/i64: decimal or 0x hex; f32/f64:\n"
            "                          decimal, hex float, nan, inf; externref: N or\n"
            "                          null); results are printed one per line\n"
            "  --env KEY=VALUE         add an environment variable (repeatable)\n"
            "  --stdin FILE            guest stdin from FILE (\"-\" = this process's\n"
            "                          stdin); default: empty\n"
            "  --max-memory-pages N    cap linear memory at N 64 KiB pages\n"
            "  --timeout-ms N          interrupt the guest after N milliseconds\n"
            "  -h, --help              this text\n"
            "\n"
            "exit status: the guest's proc_exit code (0 when _start returns);\n"
            "  134 after a trap (message and wasm backtrace on stderr), 124 when\n"
            "  --timeout-ms expired, 2 usage error or a module that cannot be read,\n"
            "  loaded or linked, 1 other failures\n");
}

static void guest_write(void *user, int fd, const uint8_t *data, size_t len) {
    (void)user;
    FILE *f = fd == 2 ? stderr : stdout;
    fwrite(data, 1, len, f);
    if (fd == 2) fflush(stderr);
}

static void print_functype(FILE *out, const sl_wasm_functype *ft) {
    static const char *names[256];
    if (!names[SL_WASM_I32]) {
        names[SL_WASM_I32] = "i32";
        names[SL_WASM_I64] = "i64";
        names[SL_WASM_F32] = "f32";
        names[SL_WASM_F64] = "f64";
        names[SL_WASM_V128] = "v128";
        names[SL_WASM_FUNCREF] = "funcref";
        names[SL_WASM_EXTERNREF] = "externref";
    }
    fputc('(', out);
    for (uint32_t i = 0; i < ft->nparams; i++)
        fprintf(out, "%s%s", i ? ", " : "", names[ft->params[i] & 0xff] ? names[ft->params[i] & 0xff] : "?");
    fputs(") -> (", out);
    for (uint32_t i = 0; i < ft->nresults; i++)
        fprintf(out, "%s%s", i ? ", " : "", names[ft->results[i] & 0xff] ? names[ft->results[i] & 0xff] : "?");
    fputc(')', out);
}

static const char *kind_name(sl_wasm_extern_kind k) {
    switch (k) {
    case SL_WASM_EXTERN_FUNC: return "func";
    case SL_WASM_EXTERN_TABLE: return "table";
    case SL_WASM_EXTERN_MEMORY: return "memory";
    case SL_WASM_EXTERN_GLOBAL: return "global";
    }
    return "?";
}

/* Reads and loads FILE; prints the error and returns NULL on failure. */
static sl_wasm_module *load_file(const char *path) {
    char err[512];
    size_t len = 0;
    char *bytes = file_read_all(path, &len, err, sizeof err);
    if (!bytes) {
        fprintf(stderr, "schedlab wasm: cannot read %s\n", err); /* err names the file */
        return NULL;
    }
    err[0] = 0;
    sl_wasm_module *m = sl_wasm_module_load((const uint8_t *)bytes, len, err, sizeof err);
    free(bytes);
    if (!m) fprintf(stderr, "schedlab wasm: %s: cannot load module: %s\n", path, err[0] ? err : "unknown error");
    return m;
}

static int cmd_inspect(int argc, char **argv) {
    if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc == 2 ? stdout : stderr);
        return argc == 2 ? 0 : EXIT_USAGE;
    }
    sl_wasm_module *m = load_file(argv[1]);
    if (!m) return EXIT_USAGE;
    uint32_t ni = sl_wasm_module_import_count(m), ne = sl_wasm_module_export_count(m);
    printf("imports (%" PRIu32 "):\n", ni);
    for (uint32_t i = 0; i < ni; i++) {
        sl_wasm_import_info info;
        sl_wasm_module_import(m, i, &info);
        printf("  %s %s.%s", kind_name(info.kind), info.module, info.name);
        if (info.kind == SL_WASM_EXTERN_FUNC) {
            putchar(' ');
            print_functype(stdout, &info.func);
        }
        putchar('\n');
    }
    printf("exports (%" PRIu32 "):\n", ne);
    for (uint32_t i = 0; i < ne; i++) {
        sl_wasm_export_info info;
        sl_wasm_module_export(m, i, &info);
        printf("  %s %s", kind_name(info.kind), info.name);
        if (info.kind == SL_WASM_EXTERN_FUNC) {
            putchar(' ');
            print_functype(stdout, &info.func);
        }
        putchar('\n');
    }
    sl_wasm_module_free(m);
    return 0;
}

/* Parses an integer: decimal (optionally negative) or 0x hex. Accepts the
 * signed and the unsigned range of `bits`. */
static bool parse_int(const char *s, int bits, uint64_t *out) {
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    if (!*p) return false;
    int base = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10;
    if (base == 16) p += 2;
    if (!*p || *p == '-' || *p == '+') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, base);
    if (errno || *end) return false;
    uint64_t limit = bits == 32 ? (neg ? 0x80000000ull : 0xffffffffull)
                                : (neg ? 0x8000000000000000ull : UINT64_MAX);
    if (v > limit) return false;
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

static bool parse_value(const char *s, sl_wasm_valtype type, sl_wasm_val *out) {
    memset(out, 0, sizeof *out);
    out->type = type;
    uint64_t u;
    char *end;
    switch (type) {
    case SL_WASM_I32:
        if (!parse_int(s, 32, &u)) return false;
        out->of.i32 = (int32_t)(uint32_t)u;
        return true;
    case SL_WASM_I64:
        if (!parse_int(s, 64, &u)) return false;
        out->of.i64 = (int64_t)u;
        return true;
    case SL_WASM_F32:
        errno = 0;
        out->of.f32 = strtof(s, &end);
        return *s && !*end;
    case SL_WASM_F64:
        out->of.f64 = strtod(s, &end);
        return *s && !*end;
    case SL_WASM_EXTERNREF:
        if (!strcmp(s, "null")) return true;
        if (!parse_int(s, 64, &u)) return false;
        out->of.externref = (uintptr_t)u;
        return true;
    case SL_WASM_FUNCREF:
        return !strcmp(s, "null");
    default:
        return false;
    }
}

/* Prints a float with the fewest digits that read back to the same value. */
static void print_value(const sl_wasm_val *v, sl_wasm_valtype type) {
    char buf[64];
    switch (type) {
    case SL_WASM_I32: printf("%" PRId32 "\n", v->of.i32); break;
    case SL_WASM_I64: printf("%" PRId64 "\n", v->of.i64); break;
    case SL_WASM_F32:
        for (int prec = 1; prec <= 9; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, (double)v->of.f32);
            if (strtof(buf, NULL) == v->of.f32 || isnan(v->of.f32)) break;
        }
        puts(buf);
        break;
    case SL_WASM_F64:
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v->of.f64);
            if (strtod(buf, NULL) == v->of.f64 || isnan(v->of.f64)) break;
        }
        puts(buf);
        break;
    case SL_WASM_FUNCREF:
        if (v->of.funcref) printf("funcref:%p\n", v->of.funcref);
        else puts("null");
        break;
    case SL_WASM_EXTERNREF:
        if (v->of.externref) printf("%" PRIuPTR "\n", v->of.externref);
        else puts("null");
        break;
    default: puts("?"); break;
    }
}

/* Reports a trap on stderr and returns the exit status it maps to. */
static int report_trap(sl_wasm_trap *trap, const char *what, long timeout_ms) {
    fflush(stdout);
    int status;
    if (sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_EXIT) {
        status = sl_wasm_trap_exit_code(trap);
    } else {
        bool timed_out = sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_INTERRUPTED && timeout_ms > 0;
        const char *bt = sl_wasm_trap_backtrace(trap);
        fprintf(stderr, "schedlab wasm: %s: wasm trap: %s%s\n", what, sl_wasm_trap_message(trap),
                timed_out ? " (--timeout-ms expired)" : "");
        if (bt && *bt) fprintf(stderr, "wasm backtrace:\n%s%s", bt, bt[strlen(bt) - 1] == '\n' ? "" : "\n");
        status = timed_out ? EXIT_TIMEOUT : EXIT_TRAP;
    }
    sl_wasm_trap_free(trap);
    return status;
}

typedef struct run_options {
    const char *invoke;
    const char *stdin_path;
    VEC(const char *) env;
    uint32_t max_memory_pages;
    long timeout_ms;
} run_options;

static int run_module(sl_wasm_module *m, const run_options *o, int gargc, char **gargv) {
    int status = 1;
    char err[512] = "";
    sl_wasm_trap *trap = NULL;
    uint8_t *stdin_data = NULL;
    size_t stdin_len = 0;
    const char *file = gargv[0];

    if (o->stdin_path) {
        char rerr[256];
        stdin_data = (uint8_t *)file_read_all(o->stdin_path, &stdin_len, rerr, sizeof rerr);
        if (!stdin_data) {
            fprintf(stderr, "schedlab wasm: --stdin %s: %s\n", o->stdin_path, rerr);
            return EXIT_USAGE;
        }
    }
    sl_wasm_limits_config limits = {.max_memory_pages = o->max_memory_pages};
    sl_wasm_store *store = sl_wasm_store_new(&limits);
    sl_wasm_linker *linker = sl_wasm_linker_new();
    sl_wasm_wasi_config wasi = {
        .argc = o->invoke ? 1 : gargc,
        .argv = (const char *const *)gargv,
        .envc = (int)o->env.len,
        .envp = o->env.items,
        .write = guest_write,
        .stdin_data = stdin_data,
        .stdin_len = stdin_len,
    };
    if (!sl_wasm_wasi_define(linker, &wasi)) {
        fprintf(stderr, "schedlab wasm: cannot define the WASI imports\n");
        goto out;
    }
    if (o->timeout_ms > 0) sl_wasm_store_set_deadline(store, time_now_ns() + (int64_t)o->timeout_ms * 1000000);

    sl_wasm_instance *inst = sl_wasm_instantiate(store, m, linker, &trap, err, sizeof err);
    if (!inst) {
        if (trap) {
            status = report_trap(trap, "instantiation (start function)", o->timeout_ms);
        } else {
            fprintf(stderr, "schedlab wasm: %s: cannot instantiate: %s\n", file, err);
            status = EXIT_USAGE;
        }
        goto out;
    }

    sl_wasm_extern *init = sl_wasm_instance_export(inst, "_initialize");
    if (o->invoke && init && sl_wasm_extern_kind_of(init) == SL_WASM_EXTERN_FUNC) {
        sl_wasm_functype ft;
        sl_wasm_func_type(init, &ft);
        if (ft.nparams == 0 && ft.nresults == 0 && (trap = sl_wasm_func_call(init, NULL, 0, NULL, 0))) {
            status = report_trap(trap, "_initialize", o->timeout_ms);
            goto out;
        }
    }

    const char *name = o->invoke ? o->invoke : "_start";
    sl_wasm_extern *fn = sl_wasm_instance_export(inst, name);
    if (!fn || sl_wasm_extern_kind_of(fn) != SL_WASM_EXTERN_FUNC) {
        if (o->invoke)
            fprintf(stderr, "schedlab wasm: %s: no exported function \"%s\"\n", file, name);
        else
            fprintf(stderr, "schedlab wasm: %s: no `_start` export (not a WASI command); "
                            "use --invoke NAME to call an export\n", file);
        status = EXIT_USAGE;
        goto out;
    }
    sl_wasm_functype ft;
    sl_wasm_func_type(fn, &ft);
    uint32_t nargs = o->invoke ? (uint32_t)(gargc - 1) : 0;
    if (!o->invoke && (ft.nparams || ft.nresults)) {
        fprintf(stderr, "schedlab wasm: %s: `_start` must have type () -> ()\n", file);
        status = EXIT_USAGE;
        goto out;
    }
    if (nargs != ft.nparams) {
        fprintf(stderr, "schedlab wasm: \"%s\" takes %" PRIu32 " arguments, %" PRIu32 " given; its type is ",
                name, ft.nparams, nargs);
        print_functype(stderr, &ft);
        fputc('\n', stderr);
        status = EXIT_USAGE;
        goto out;
    }
    sl_wasm_val *args = xcalloc(ft.nparams + 1, sizeof *args);
    sl_wasm_val *results = xcalloc(ft.nresults + 1, sizeof *results);
    for (uint32_t i = 0; i < nargs; i++) {
        if (!parse_value(gargv[1 + i], ft.params[i], &args[i])) {
            fprintf(stderr, "schedlab wasm: argument %" PRIu32 " \"%s\" is not a valid value for type ", i + 1, gargv[1 + i]);
            print_functype(stderr, &ft);
            fputc('\n', stderr);
            free(args);
            free(results);
            status = EXIT_USAGE;
            goto out;
        }
    }
    for (uint32_t i = 0; i < ft.nresults; i++) results[i].type = ft.results[i];
    /* Results types are copied now: the functype arrays belong to the store. */
    sl_wasm_valtype *rtypes = xcalloc(ft.nresults + 1, sizeof *rtypes);
    memcpy(rtypes, ft.results, ft.nresults * sizeof *rtypes);
    uint32_t nresults = ft.nresults;
    trap = sl_wasm_func_call(fn, args, nargs, results, nresults);
    if (trap) {
        status = report_trap(trap, name, o->timeout_ms);
    } else {
        for (uint32_t i = 0; i < nresults; i++) print_value(&results[i], rtypes[i]);
        status = 0;
    }
    free(args);
    free(results);
    free(rtypes);
out:
    fflush(stdout);
    sl_wasm_store_free(store);
    sl_wasm_linker_free(linker);
    free(stdin_data);
    return status;
}

static int cmd_run(int argc, char **argv) {
    run_options o = {0};
    int i = 1;
    int status = EXIT_USAGE;
    for (; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !strcmp(a, "-")) break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            VEC_FREE(&o.env);
            return 0;
        }
        if (cmd_option_value(argc, argv, &i, "--invoke", &v)) {
            o.invoke = v;
        } else if (cmd_option_value(argc, argv, &i, "--env", &v)) {
            if (v && !strchr(v, '=')) {
                fprintf(stderr, "schedlab wasm: --env %s: expected KEY=VALUE\n", v);
                goto out;
            }
            if (v) VEC_PUSH(&o.env, v);
        } else if (cmd_option_value(argc, argv, &i, "--stdin", &v)) {
            o.stdin_path = v;
        } else if (cmd_option_value(argc, argv, &i, "--max-memory-pages", &v)) {
            uint64_t n;
            if (!v || !parse_int(v, 32, &n) || n == 0 || n > 65536 || v[0] == '-') {
                fprintf(stderr, "schedlab wasm: --max-memory-pages: expected 1..65536\n");
                goto out;
            }
            o.max_memory_pages = (uint32_t)n;
        } else if (cmd_option_value(argc, argv, &i, "--timeout-ms", &v)) {
            uint64_t n;
            if (!v || !parse_int(v, 32, &n) || n == 0 || v[0] == '-') {
                fprintf(stderr, "schedlab wasm: --timeout-ms: expected a positive number\n");
                goto out;
            }
            o.timeout_ms = (long)n;
        } else {
            fprintf(stderr, "schedlab wasm: unknown option %s (see schedlab wasm --help)\n", a);
            goto out;
        }
        if (!v) {
            fprintf(stderr, "schedlab wasm: %s needs a value\n", a);
            goto out;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "schedlab wasm run: missing FILE.wasm\n\n");
        usage(stderr);
        goto out;
    }
    sl_wasm_module *m = load_file(argv[i]);
    if (!m) goto out;
    status = run_module(m, &o, argc - i, argv + i);
    sl_wasm_module_free(m);
out:
    VEC_FREE(&o.env);
    return status;
}

int cmd_wasm(int argc, char **argv) {
    if (argc < 2 || cmd_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect")) return cmd_inspect(argc - 1, argv + 1);
    fprintf(stderr, "schedlab wasm: unknown subcommand \"%s\" (expected run or inspect)\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
