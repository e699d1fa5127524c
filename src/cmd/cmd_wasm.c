/*
 * cmd_wasm.c — `schedlab wasm`: run WebAssembly modules on schedlab's own
 * runtime, the way `wasmtime run` does.
 *
 *   schedlab wasm run [options] FILE.wasm [ARGS...]
 *       A WASI command: instantiates FILE with WASI preview1 (argv = FILE
 *       ARGS..., the --env variables, stdin, stdout and stderr passed
 *       through (stdin from --stdin FILE instead), the --dir directories
 *       preopened) and calls its `_start` export.
 *   schedlab wasm run --invoke NAME [options] FILE.wasm [ARGS...]
 *       A reactor: calls `_initialize` if exported, then export NAME with
 *       ARGS parsed per its parameter types, and prints each result on its
 *       own line.
 *   schedlab wasm inspect FILE.wasm
 *       Lists the imports and exports with their signatures.
 *
 * Guest output is written straight to fds 1 and 2 (no stdio buffer), so
 * whatever the guest wrote is out even if this process is then killed by a
 * signal. A file that is WebAssembly text is converted with `wat2wasm`
 * when it is installed, otherwise the error says how to convert it.
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
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
            "argv = FILE ARGS..., stdin/stdout/stderr passed through and no filesystem\n"
            "access beyond the --dir directories. A .wat (text) FILE is converted with\n"
            "wat2wasm when it is installed.\n"
            "\n"
            "options (before FILE):\n"
            "  --invoke NAME           call export NAME instead of `_start` (after\n"
            "                          `_initialize`, if exported); ARGS are its\n"
            "                          arguments (i32/i64: decimal or 0x hex; f32/f64:\n"
            "                          decimal, hex float, nan, inf; externref: N or\n"
            "                          null); results are printed one per line\n"
            "  --env KEY=VALUE         add an environment variable (repeatable)\n"
            "  --stdin FILE            guest stdin from FILE (\"-\" = this process's\n"
            "                          stdin, the default; /dev/null for none)\n"
            "  --dir HOST[::GUEST]     preopen directory HOST for the guest, seen as\n"
            "                          GUEST (default: HOST as given); paths resolve\n"
            "                          beneath it only (no `..` or symlink escape);\n"
            "                          repeatable\n"
            "  --max-memory-pages N    cap linear memory at N 64 KiB pages\n"
            "  --timeout-ms N          interrupt the guest after N milliseconds\n"
            "  -h, --help              this text\n"
            "\n"
            "exit status: the guest's proc_exit code (0 when _start returns);\n"
            "  134 after a trap (message and wasm backtrace on stderr), 124 when\n"
            "  --timeout-ms expired, 2 usage error or a module that cannot be read,\n"
            "  loaded or linked, 1 other failures\n");
}

/* Unbuffered: what the guest wrote is out before it returns, even if the
 * process is killed right after. */
static void guest_write(void *user, int fd, const uint8_t *data, size_t len) {
    (void)user;
    int out = fd == 2 ? 2 : 1;
    while (len > 0) {
        ssize_t n = write(out, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
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

/* WebAssembly text rather than a binary: a .wat name, or text that opens
 * with "(" or a ";;" comment after blanks. */
static bool looks_like_wat(const char *path, const char *bytes, size_t len) {
    if (len >= 4 && !memcmp(bytes, "\0asm", 4)) return false;
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".wat")) return true;
    size_t i = 0;
    while (i < len && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) i++;
    return i < len && (bytes[i] == '(' || (i + 1 < len && bytes[i] == ';' && bytes[i + 1] == ';'));
}

/* Converts text with `wat2wasm PATH -o TMP`; the binary, or NULL (and a
 * message saying why) when wat2wasm is missing or rejects the text. */
static char *convert_wat(const char *path, size_t *len) {
    char tmpl[] = "/tmp/schedlab-wat-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return NULL;
    close(fd);
    char *argv[] = {"wat2wasm", (char *)path, "-o", tmpl, NULL};
    extern char **environ;
    pid_t pid;
    char *bytes = NULL;
    if (posix_spawnp(&pid, "wat2wasm", NULL, NULL, argv, environ) != 0) {
        fprintf(stderr, "schedlab wasm: %s is WebAssembly text (.wat), not a binary module; convert it "
                        "with `wat2wasm %s -o FILE.wasm` (wabt; not installed here)\n", path, path);
    } else {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        char err[256];
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            bytes = file_read_all(tmpl, len, err, sizeof err);
        else
            fprintf(stderr, "schedlab wasm: %s is WebAssembly text and wat2wasm rejected it (see above)\n", path);
    }
    unlink(tmpl);
    return bytes;
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
    if (looks_like_wat(path, bytes, len)) {
        free(bytes);
        if (!(bytes = convert_wat(path, &len))) return NULL;
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

/* --invoke NAME that is not an exported function: says what NAME is and
 * lists the functions that are exported. */
static void report_not_a_function(const sl_wasm_module *m, const char *file, const char *name,
                                  const sl_wasm_extern *found) {
    if (found)
        fprintf(stderr, "schedlab wasm: %s: export \"%s\" is a %s, not a function\n", file, name,
                kind_name(sl_wasm_extern_kind_of(found)));
    else
        fprintf(stderr, "schedlab wasm: %s: no exported function \"%s\"\n", file, name);
    uint32_t ne = sl_wasm_module_export_count(m), nfuncs = 0;
    VEC(const char *) names = {0};
    for (uint32_t i = 0; i < ne; i++) {
        sl_wasm_export_info info;
        sl_wasm_module_export(m, i, &info);
        if (info.kind != SL_WASM_EXTERN_FUNC) continue;
        if (nfuncs++ == 0) fprintf(stderr, "exported functions:\n");
        fprintf(stderr, "  %s ", info.name);
        print_functype(stderr, &info.func);
        fputc('\n', stderr);
        VEC_PUSH(&names, info.name);
    }
    if (nfuncs == 0) fprintf(stderr, "the module exports no functions\n");
    const char *hint = found ? NULL : cmd_suggest(name, names.items, names.len);
    if (hint) fprintf(stderr, "did you mean %s?\n", hint);
    VEC_FREE(&names);
}

typedef struct run_options {
    const char *invoke;
    const char *stdin_path;
    VEC(sl_wasm_wasi_preopen) dirs;
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

    if (o->stdin_path && strcmp(o->stdin_path, "-") != 0) {
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
        .stdin_inherit = !o->stdin_path || !strcmp(o->stdin_path, "-"),
        .npreopens = (int)o->dirs.len,
        .preopens = o->dirs.items,
    };
    if (!sl_wasm_wasi_define(linker, &wasi)) {
        fprintf(stderr, "schedlab wasm: cannot define the WASI imports: %s\n", strerror(errno));
        goto out;
    }
    fflush(stdout);
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
            report_not_a_function(m, file, name, fn);
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

/* --dir HOST[::GUEST]: HOST must be a directory we can open. */
static bool add_dir(run_options *o, const char *spec) {
    const char *sep = strstr(spec, "::");
    char *host = sep ? xstrndup(spec, (size_t)(sep - spec)) : xstrdup(spec);
    const char *guest = sep ? sep + 2 : spec;
    struct stat sb;
    if (!*host || !*guest) {
        fprintf(stderr, "schedlab wasm: --dir %s: expected HOST[::GUEST]\n", spec);
        free(host);
        return false;
    }
    if (stat(host, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "schedlab wasm: --dir %s: %s\n", spec, errno && stat(host, &sb) != 0 ? strerror(errno) : "not a directory");
        free(host);
        return false;
    }
    /* host is freed with the options; guest lives in argv. */
    sl_wasm_wasi_preopen p = {host, guest};
    VEC_PUSH(&o->dirs, p);
    return true;
}

static void free_dirs(run_options *o) {
    for (size_t k = 0; k < o->dirs.len; k++) free((char *)o->dirs.items[k].host_path);
    VEC_FREE(&o->dirs);
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
            free_dirs(&o);
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
        } else if (cmd_option_value(argc, argv, &i, "--dir", &v)) {
            if (v && !add_dir(&o, v)) goto out;
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
            static const char *const flags[] = {"--invoke", "--env", "--stdin", "--dir", "--max-memory-pages",
                                                "--timeout-ms", "--help"};
            const char *hint = cmd_suggest(a, flags, ARRAY_LEN(flags));
            fprintf(stderr, "schedlab wasm: unknown option %s", a);
            if (hint) fprintf(stderr, "; did you mean %s?", hint);
            fprintf(stderr, " (see schedlab wasm --help)\n");
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
    free_dirs(&o);
    return status;
}

int cmd_wasm(int argc, char **argv) {
    if (argc < 2 || cmd_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect")) return cmd_inspect(argc - 1, argv + 1);
    static const char *const subcommands[] = {"run", "inspect"};
    const char *hint = cmd_suggest(argv[1], subcommands, ARRAY_LEN(subcommands));
    fprintf(stderr, "schedlab wasm: unknown subcommand \"%s\"", argv[1]);
    if (hint) fprintf(stderr, "; did you mean %s?", hint);
    fprintf(stderr, " (expected run or inspect)\n\n");
    usage(stderr);
    return EXIT_USAGE;
}
