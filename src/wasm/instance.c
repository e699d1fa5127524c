/*
 * instance.c — the runtime object model of wasm.h: stores (which own every
 * runtime object), the linker, instantiation (import resolution and type
 * matching, globals, element and data segments, start function), externs
 * (functions, memories, tables, globals, including host-created ones),
 * calls from the host, and traps with their backtraces.
 *
 * Every runtime object starts with a wasm_extern header, so an extern pointer
 * is the object itself and a funcref value is a wasm_funcinst pointer.
 * Linear memories are anonymous mappings grown with mremap: new pages come
 * zeroed from the kernel and a 4 GiB maximum costs nothing until touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/base.h"
#include "wasm/runtime.h"

#define WASM_PAGE_SIZE 65536u
#define MAX_PAGES 65536u
#define MAX_TABLE_ELEMS 10000000u /* implementation limit for table.grow */

struct wasm_store {
    exec_state exec;
    wasm_limits_config limits;
    VEC(wasm_extern *) externs;     /* host functions, memories, tables, globals */
    VEC(wasm_instance *) instances;
    wasm_meminst empty_memory;      /* mem0 of instances without memory */
};

static uint8_t empty_memory_bytes[8];

/* ---- traps ----------------------------------------------------------------------------- */

wasm_trap *wasm_trap_make(wasm_trap_kind kind, const char *message) {
    wasm_trap *trap = xcalloc(1, sizeof *trap);
    trap->kind = kind;
    trap->message = xstrdup(message ? message : "");
    trap->backtrace = xstrdup("");
    return trap;
}
wasm_trap *wasm_trap_new(wasm_trap_kind kind, const char *message) {
    return wasm_trap_make(kind, message);
}
wasm_trap *wasm_trap_new_exit(int32_t code) {
    char msg[48];
    snprintf(msg, sizeof msg, "exit with code %d", code);
    wasm_trap *trap = wasm_trap_make(WASM_TRAP_EXIT, msg);
    trap->exit_code = code;
    return trap;
}
wasm_trap_kind wasm_trap_kind_of(const wasm_trap *trap) { return trap->kind; }
const char *wasm_trap_message(const wasm_trap *trap) { return trap->message; }
int32_t wasm_trap_exit_code(const wasm_trap *trap) { return trap->exit_code; }
/* A backtrace keeps the innermost BACKTRACE_MAX_FRAMES frames and then
 * says how many more there were: a "call stack exhausted" trap unwinds
 * 10,000 frames, and neither a person nor a log wants them all (building
 * them all was also quadratic: seconds per trap). */
#define BACKTRACE_MAX_FRAMES 64

const char *wasm_trap_backtrace(const wasm_trap *trap) {
    if (trap->nframes > BACKTRACE_MAX_FRAMES && !trap->backtrace_truncated) {
        /* Say once how many frames were left out (the trap is logically
         * const: this only completes the text it reports). */
        wasm_trap *t = (wasm_trap *)trap;
        char *joined = xasprintf("%s  ... %u more frames\n", t->backtrace,
                                 t->nframes - BACKTRACE_MAX_FRAMES);
        free(t->backtrace);
        t->backtrace = joined;
        t->backtrace_truncated = true;
    }
    return trap->backtrace;
}
void wasm_trap_free(wasm_trap *trap) {
    if (!trap) return;
    free(trap->message);
    free(trap->backtrace);
    free(trap);
}

static bool trap_frame_is_kept(wasm_trap *trap) {
    if (trap->nframes < BACKTRACE_MAX_FRAMES) return true;
    trap->nframes++;
    return false;
}

static void trap_append_line(wasm_trap *trap, char *line) {
    char *joined = xasprintf("%s%s", trap->backtrace, line);
    free(trap->backtrace);
    free(line);
    trap->backtrace = joined;
    trap->nframes++;
}
void wasm_trap_add_frame(wasm_trap *trap, const compiled_func *cf, uint32_t pos) {
    if (!trap_frame_is_kept(trap)) return;
    uint32_t offset = wasm_compiled_offset_at(cf, pos);
    const char *name = cf->func ? cf->func->name : NULL;
    if (name)
        trap_append_line(trap, xasprintf("  #%u wasm function %u (%s) at offset 0x%x\n",
                                         trap->nframes, cf->func_index, name, offset));
    else
        trap_append_line(trap, xasprintf("  #%u wasm function %u at offset 0x%x\n",
                                         trap->nframes, cf->func_index, offset));
}
void wasm_trap_add_host_frame(wasm_trap *trap, const char *name) {
    if (!trap_frame_is_kept(trap)) return;
    trap_append_line(trap, xasprintf("  #%u host function %s\n", trap->nframes,
                                     name ? name : "?"));
}

/* ---- stores ------------------------------------------------------------------------------- */

wasm_store *wasm_store_new(const wasm_limits_config *limits) {
    wasm_store *s = xcalloc(1, sizeof *s);
    if (limits) s->limits = *limits;
    if (s->limits.max_memory_pages == 0 || s->limits.max_memory_pages > MAX_PAGES)
        s->limits.max_memory_pages = MAX_PAGES;
    if (s->limits.max_call_depth == 0) s->limits.max_call_depth = 10000;
    if (s->limits.max_stack_bytes == 0) s->limits.max_stack_bytes = 8u << 20;
    s->exec.max_call_depth = s->limits.max_call_depth;
    s->exec.max_memory_pages = s->limits.max_memory_pages;
    s->exec.fuel = WASM_FUEL_PER_POLL;
    s->empty_memory.ext = (wasm_extern){WASM_EXTERN_MEMORY, s};
    s->empty_memory.data = empty_memory_bytes;
    s->empty_memory.max_pages = 0;
    return s;
}

exec_state *wasm_store_exec(wasm_store *store) { return &store->exec; }
size_t wasm_store_max_stack_bytes(const wasm_store *store) { return store->limits.max_stack_bytes; }

static void free_extern(wasm_extern *ext) {
    switch (ext->kind) {
    case WASM_EXTERN_FUNC:
        free((char *)((wasm_funcinst *)ext)->host_name);
        break;
    case WASM_EXTERN_MEMORY: {
        wasm_meminst *m = (wasm_meminst *)ext;
        if (m->mapped) munmap(m->data, m->mapped);
        break;
    }
    case WASM_EXTERN_TABLE:
        free(((wasm_tableinst *)ext)->elems);
        break;
    case WASM_EXTERN_GLOBAL:
        break;
    }
    free(ext);
}

static void free_instance(wasm_instance *inst) {
    const wasm_module *m = inst->module;
    if (inst->elem_items)
        for (uint32_t i = 0; i < m->nelems; i++) free(inst->elem_items[i]);
    free(inst->elem_items);
    free(inst->elem_len);
    free(inst->data_dropped);
    free(inst->funcs);
    free(inst->tables);
    free(inst->memories);
    free(inst->globals);
    free(inst->own_funcs);
    free(inst);
}

void wasm_store_free(wasm_store *store) {
    if (!store) return;
    for (size_t i = 0; i < store->instances.len; i++) free_instance(store->instances.items[i]);
    for (size_t i = 0; i < store->externs.len; i++) free_extern(store->externs.items[i]);
    VEC_FREE(&store->instances);
    VEC_FREE(&store->externs);
    wasm_exec_release(&store->exec);
    free(store);
}

void wasm_store_interrupt(wasm_store *store) {
    atomic_store_explicit(&store->exec.interrupt_requested, 1, memory_order_relaxed);
}
void wasm_store_clear_interrupt(wasm_store *store) {
    atomic_store_explicit(&store->exec.interrupt_requested, 0, memory_order_relaxed);
}
void wasm_store_set_deadline(wasm_store *store, int64_t deadline_monotonic_ns) {
    atomic_store_explicit(&store->exec.deadline_ns, deadline_monotonic_ns, memory_order_relaxed);
}

/* ---- memories ---------------------------------------------------------------------------- */

uint32_t wasm_memory_grow_internal(wasm_meminst *mem, uint32_t delta, uint32_t store_max_pages) {
    uint32_t old = mem->pages;
    uint64_t want = (uint64_t)old + delta;
    uint64_t limit = MIN((uint64_t)mem->max_pages, (uint64_t)MAX_PAGES);
    if (store_max_pages) limit = MIN(limit, (uint64_t)store_max_pages);
    if (want > limit) return UINT32_MAX;
    if (delta == 0) return old;
    size_t bytes = (size_t)want * WASM_PAGE_SIZE;
    if (bytes > mem->mapped) {
        void *p = mem->mapped
                      ? mremap(mem->data, mem->mapped, bytes, MREMAP_MAYMOVE)
                      : mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return UINT32_MAX;
        mem->data = p;
        mem->mapped = bytes;
    }
    mem->pages = (uint32_t)want;
    mem->size = bytes;
    return old;
}

static wasm_meminst *memory_create(wasm_store *store, uint32_t min_pages, uint32_t max_pages) {
    wasm_meminst *m = xcalloc(1, sizeof *m);
    m->ext = (wasm_extern){WASM_EXTERN_MEMORY, store};
    m->data = empty_memory_bytes;
    m->max_pages = max_pages;
    if (min_pages > 0 && wasm_memory_grow_internal(m, min_pages, store->limits.max_memory_pages) ==
                             UINT32_MAX) {
        free(m);
        return NULL;
    }
    VEC_PUSH(&store->externs, &m->ext);
    return m;
}

wasm_extern *wasm_memory_new(wasm_store *store, uint32_t min_pages, uint32_t max_pages) {
    wasm_meminst *m = memory_create(store, min_pages, max_pages);
    return m ? &m->ext : NULL;
}
uint8_t *wasm_memory_data(wasm_extern *memory) { return ((wasm_meminst *)memory)->data; }
uint64_t wasm_memory_size_bytes(wasm_extern *memory) { return ((wasm_meminst *)memory)->size; }
uint32_t wasm_memory_pages(wasm_extern *memory) { return ((wasm_meminst *)memory)->pages; }
uint32_t wasm_memory_grow(wasm_extern *memory, uint32_t delta_pages) {
    return wasm_memory_grow_internal((wasm_meminst *)memory, delta_pages,
                                     memory->store->limits.max_memory_pages);
}
bool wasm_memory_read(wasm_extern *memory, uint64_t offset, void *dst, size_t len) {
    wasm_meminst *m = (wasm_meminst *)memory;
    if (offset > m->size || len > m->size - offset) return false;
    if (len) memcpy(dst, m->data + offset, len);
    return true;
}
bool wasm_memory_write(wasm_extern *memory, uint64_t offset, const void *src, size_t len) {
    wasm_meminst *m = (wasm_meminst *)memory;
    if (offset > m->size || len > m->size - offset) return false;
    if (len) memcpy(m->data + offset, src, len);
    return true;
}

/* ---- tables ------------------------------------------------------------------------------- */

uint32_t wasm_table_grow_internal(wasm_tableinst *table, uint32_t delta, uintptr_t init) {
    uint32_t old = table->size;
    uint64_t want = (uint64_t)old + delta;
    if (want > table->max || want > MAX_TABLE_ELEMS) return UINT32_MAX;
    if (delta == 0) return old;
    uintptr_t *elems = realloc(table->elems, (size_t)want * sizeof *elems);
    if (!elems) return UINT32_MAX;
    for (uint64_t i = old; i < want; i++) elems[i] = init;
    table->elems = elems;
    table->size = (uint32_t)want;
    return old;
}

static wasm_tableinst *table_create(wasm_store *store, wasm_valtype elem, uint32_t min,
                                    uint32_t max, uintptr_t init) {
    wasm_tableinst *t = xcalloc(1, sizeof *t);
    t->ext = (wasm_extern){WASM_EXTERN_TABLE, store};
    t->elem = elem;
    t->max = max;
    if (min > 0 && wasm_table_grow_internal(t, min, init) == UINT32_MAX) {
        free(t);
        return NULL;
    }
    VEC_PUSH(&store->externs, &t->ext);
    return t;
}

static uint64_t val_to_slot(wasm_val v) {
    switch (v.type) {
    case WASM_I32: return (uint32_t)v.of.i32;
    case WASM_F32: {
        uint32_t b;
        memcpy(&b, &v.of.f32, 4);
        return b;
    }
    case WASM_I64: return (uint64_t)v.of.i64;
    case WASM_F64: {
        uint64_t b;
        memcpy(&b, &v.of.f64, 8);
        return b;
    }
    case WASM_FUNCREF: return (uintptr_t)v.of.funcref;
    case WASM_EXTERNREF: return v.of.externref;
    default: return v.of.bits;
    }
}
static wasm_val slot_to_val(wasm_valtype type, uint64_t slot) {
    wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = type;
    switch (type) {
    case WASM_I32: v.of.i32 = (int32_t)(uint32_t)slot; break;
    case WASM_F32: {
        uint32_t b = (uint32_t)slot;
        memcpy(&v.of.f32, &b, 4);
        break;
    }
    case WASM_FUNCREF: v.of.funcref = (void *)(uintptr_t)slot; break;
    case WASM_EXTERNREF: v.of.externref = (uintptr_t)slot; break;
    default: v.of.bits = slot; break;
    }
    return v;
}

wasm_extern *wasm_table_new(wasm_store *store, wasm_valtype elem, uint32_t min, uint32_t max,
                            wasm_val init) {
    wasm_tableinst *t = table_create(store, elem, min, max, (uintptr_t)val_to_slot(init));
    return t ? &t->ext : NULL;
}
uint32_t wasm_table_size(const wasm_extern *table) { return ((const wasm_tableinst *)table)->size; }
bool wasm_table_get(const wasm_extern *table, uint32_t index, wasm_val *out) {
    const wasm_tableinst *t = (const wasm_tableinst *)table;
    if (index >= t->size) return false;
    *out = slot_to_val(t->elem, t->elems[index]);
    return true;
}
bool wasm_table_set(wasm_extern *table, uint32_t index, wasm_val value) {
    wasm_tableinst *t = (wasm_tableinst *)table;
    if (index >= t->size || value.type != t->elem) return false;
    t->elems[index] = (uintptr_t)val_to_slot(value);
    return true;
}

/* ---- globals -------------------------------------------------------------------------------- */

static wasm_globalinst *global_create(wasm_store *store, wasm_valtype type, bool mutable_,
                                      uint64_t value) {
    wasm_globalinst *g = xcalloc(1, sizeof *g);
    g->ext = (wasm_extern){WASM_EXTERN_GLOBAL, store};
    g->type = type;
    g->mutable_ = mutable_;
    g->value = value;
    VEC_PUSH(&store->externs, &g->ext);
    return g;
}
wasm_extern *wasm_global_new(wasm_store *store, wasm_val value, bool mutable_) {
    return &global_create(store, value.type, mutable_, val_to_slot(value))->ext;
}
wasm_val wasm_global_get(const wasm_extern *global) {
    const wasm_globalinst *g = (const wasm_globalinst *)global;
    return slot_to_val(g->type, g->value);
}
bool wasm_global_set(wasm_extern *global, wasm_val value) {
    wasm_globalinst *g = (wasm_globalinst *)global;
    if (!g->mutable_ || value.type != g->type) return false;
    g->value = val_to_slot(value);
    return true;
}

/* ---- functions ----------------------------------------------------------------------------------- */

wasm_extern_kind wasm_extern_kind_of(const wasm_extern *ext) { return ext->kind; }

void wasm_func_type(const wasm_extern *func, wasm_functype *out) {
    const wasm_type *t = ((const wasm_funcinst *)func)->type;
    out->nparams = t->nparams;
    out->nresults = t->nresults;
    out->params = t->params;
    out->results = t->results;
}

wasm_extern *wasm_funcref_extern(wasm_store *store, void *funcref) {
    (void)store;
    return (wasm_extern *)funcref;
}
void *wasm_extern_funcref(wasm_extern *func) { return func; }

wasm_trap *wasm_func_call_raw(wasm_extern *func, uint64_t *slots) {
    return wasm_exec_invoke(func->store, (wasm_funcinst *)func, slots);
}

wasm_trap *wasm_func_call(wasm_extern *func, const wasm_val *args, uint32_t nargs,
                          wasm_val *results, uint32_t nresults) {
    if (!func || func->kind != WASM_EXTERN_FUNC)
        return wasm_trap_make(WASM_TRAP_GENERIC, "not a function");
    const wasm_type *t = ((wasm_funcinst *)func)->type;
    if (nargs != t->nparams || nresults < t->nresults)
        return wasm_trap_make(WASM_TRAP_GENERIC, "argument type mismatch");
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type != t->params[i])
            return wasm_trap_make(WASM_TRAP_GENERIC, "argument type mismatch");
    uint64_t small[16];
    uint32_t n = MAX(t->nparams, t->nresults);
    uint64_t *slots = n <= 16 ? small : xmalloc(n * sizeof *slots);
    for (uint32_t i = 0; i < nargs; i++) slots[i] = val_to_slot(args[i]);
    wasm_trap *trap = wasm_exec_invoke(func->store, (wasm_funcinst *)func, slots);
    if (!trap)
        for (uint32_t i = 0; i < t->nresults; i++) results[i] = slot_to_val(t->results[i], slots[i]);
    if (slots != small) free(slots);
    return trap;
}

/* ---- linker -------------------------------------------------------------------------------------- */

typedef struct linker_entry {
    char *module, *name;
    wasm_extern *ext;          /* or a host function: */
    wasm_host_fn fn;
    void *user;
    uint32_t type_id;
} linker_entry;

typedef struct linker_attachment {
    void *ptr;
    void (*free_fn)(void *);
} linker_attachment;

struct wasm_linker {
    VEC(linker_entry) entries;
    VEC(linker_attachment) attachments;
};

wasm_linker *wasm_linker_new(void) { return xcalloc(1, sizeof(wasm_linker)); }

void wasm_linker_free(wasm_linker *linker) {
    if (!linker) return;
    for (size_t i = 0; i < linker->entries.len; i++) {
        free(linker->entries.items[i].module);
        free(linker->entries.items[i].name);
    }
    for (size_t i = linker->attachments.len; i-- > 0;)
        if (linker->attachments.items[i].free_fn)
            linker->attachments.items[i].free_fn(linker->attachments.items[i].ptr);
    VEC_FREE(&linker->entries);
    VEC_FREE(&linker->attachments);
    free(linker);
}

static linker_entry *linker_find(const wasm_linker *linker, const char *module, const char *name) {
    for (size_t i = 0; i < linker->entries.len; i++) {
        linker_entry *e = &linker->entries.items[i];
        if (strcmp(e->module, module) == 0 && strcmp(e->name, name) == 0) return e;
    }
    return NULL;
}

bool wasm_linker_define_func(wasm_linker *linker, const char *module, const char *name,
                             const char *sig, wasm_host_fn fn, void *user) {
    enum { MAX_SIG = 64 };
    wasm_valtype params[MAX_SIG], results[MAX_SIG];
    uint32_t np, nr;
    if (!fn || linker_find(linker, module, name)) return false;
    if (!wasm_functype_parse(sig, params, &np, results, &nr, MAX_SIG)) return false;
    linker_entry e = {.module = xstrdup(module), .name = xstrdup(name), .fn = fn, .user = user,
                      .type_id = wasm_type_intern(params, np, results, nr)};
    VEC_PUSH(&linker->entries, e);
    return true;
}

bool wasm_linker_define_extern(wasm_linker *linker, const char *module, const char *name,
                               wasm_extern *ext) {
    if (!ext) return false;
    linker_entry *existing = linker_find(linker, module, name);
    if (existing) { /* later definitions replace earlier ones (spec `register`) */
        existing->ext = ext;
        existing->fn = NULL;
        return true;
    }
    linker_entry e = {.module = xstrdup(module), .name = xstrdup(name), .ext = ext};
    VEC_PUSH(&linker->entries, e);
    return true;
}

static wasm_extern *instance_export_at(wasm_instance *inst, uint32_t i);

bool wasm_linker_define_instance(wasm_linker *linker, const char *module, wasm_instance *instance) {
    const wasm_module *m = instance->module;
    for (uint32_t i = 0; i < m->nexports; i++)
        wasm_linker_define_extern(linker, module, m->exports[i].name, instance_export_at(instance, i));
    return true;
}

void wasm_linker_attach(wasm_linker *linker, void *ptr, void (*free_fn)(void *)) {
    linker_attachment a = {ptr, free_fn};
    VEC_PUSH(&linker->attachments, a);
}

/* ---- instances ------------------------------------------------------------------------------------- */

static wasm_extern *instance_export_at(wasm_instance *inst, uint32_t i) {
    const wasm_export *e = &inst->module->exports[i];
    switch (e->kind) {
    case WASM_EXTERN_FUNC: return &inst->funcs[e->index]->ext;
    case WASM_EXTERN_TABLE: return &inst->tables[e->index]->ext;
    case WASM_EXTERN_MEMORY: return &inst->memories[e->index]->ext;
    case WASM_EXTERN_GLOBAL: return &inst->globals[e->index]->ext;
    }
    return NULL;
}

wasm_extern *wasm_instance_export_n(wasm_instance *instance, const char *name, size_t len) {
    const wasm_module *m = instance->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *e = &m->exports[i];
        if (e->name_len == len && (len == 0 || memcmp(e->name, name, len) == 0))
            return instance_export_at(instance, i);
    }
    return NULL;
}

wasm_extern *wasm_instance_export(wasm_instance *instance, const char *name) {
    return wasm_instance_export_n(instance, name, strlen(name));
}

const wasm_module *wasm_instance_module(const wasm_instance *instance) { return instance->module; }
wasm_store *wasm_instance_store(const wasm_instance *instance) { return instance->store; }
void wasm_instance_set_user(wasm_instance *instance, void *user) { instance->user = user; }
void *wasm_instance_user(const wasm_instance *instance) { return instance->user; }

wasm_extern *wasm_instance_memory(wasm_instance *instance) {
    wasm_extern *e = wasm_instance_export(instance, "memory");
    if (e && e->kind == WASM_EXTERN_MEMORY) return e;
    if (instance->module->nmemories > 0) return &instance->memories[0]->ext;
    return NULL;
}

static bool limits_match(uint32_t actual_min, uint32_t actual_max /* UINT32_MAX = none */,
                         const wasm_limits *want) {
    if (actual_min < want->min) return false;
    if (want->has_max) {
        if (actual_max == UINT32_MAX && want->max != UINT32_MAX) return false;
        if (actual_max > want->max) return false;
    }
    return true;
}

static uint64_t eval_const(const wasm_instance *inst, const wasm_const_expr *e) {
    switch (e->kind) {
    case WASM_CONST_VALUE: return val_to_slot(e->value);
    case WASM_CONST_GLOBAL_GET: return inst->globals[e->index]->value;
    case WASM_CONST_REF_NULL: return 0;
    case WASM_CONST_REF_FUNC: return (uintptr_t)inst->funcs[e->index];
    }
    return 0;
}

static void set_error(char *err, size_t errsize, const char *fmt, const char *a, const char *b) {
    if (err && errsize) snprintf(err, errsize, fmt, a, b);
}

static wasm_funcinst *host_funcinst(wasm_store *store, const linker_entry *e) {
    wasm_funcinst *f = xcalloc(1, sizeof *f);
    f->ext = (wasm_extern){WASM_EXTERN_FUNC, store};
    f->type_id = e->type_id;
    f->type = wasm_type_by_id(e->type_id);
    f->host_fn = e->fn;
    f->host_user = e->user;
    f->host_name = xasprintf("%s.%s", e->module, e->name);
    VEC_PUSH(&store->externs, &f->ext);
    return f;
}

/* Resolves import i into the instance's index spaces; false with err set. */
static bool resolve_import(wasm_instance *inst, const wasm_linker *linker, const wasm_import *imp,
                           uint32_t *nf, uint32_t *nt, uint32_t *nm, uint32_t *ng, char *err,
                           size_t errsize) {
    const wasm_module *m = inst->module;
    const compiled_module *cm = m->compiled;
    const linker_entry *e = linker ? linker_find(linker, imp->module, imp->name) : NULL;
    if (!e) {
        set_error(err, errsize, "unknown import: %s.%s", imp->module, imp->name);
        return false;
    }
    if (e->ext && e->ext->store != inst->store) {
        set_error(err, errsize, "incompatible import type for %s.%s (other store)", imp->module,
                  imp->name);
        return false;
    }
    bool ok = false;
    switch (imp->kind) {
    case WASM_EXTERN_FUNC: {
        uint32_t want = cm->type_ids[imp->type_index];
        if (!e->ext) {
            if (e->type_id == want) {
                inst->funcs[(*nf)++] = host_funcinst(inst->store, e);
                ok = true;
            }
        } else if (e->ext->kind == WASM_EXTERN_FUNC && ((wasm_funcinst *)e->ext)->type_id == want) {
            inst->funcs[(*nf)++] = (wasm_funcinst *)e->ext;
            ok = true;
        }
        break;
    }
    case WASM_EXTERN_TABLE:
        if (e->ext && e->ext->kind == WASM_EXTERN_TABLE) {
            wasm_tableinst *t = (wasm_tableinst *)e->ext;
            if (t->elem == imp->table.elem && limits_match(t->size, t->max, &imp->table.limits)) {
                inst->tables[(*nt)++] = t;
                ok = true;
            }
        }
        break;
    case WASM_EXTERN_MEMORY:
        if (e->ext && e->ext->kind == WASM_EXTERN_MEMORY) {
            wasm_meminst *mem = (wasm_meminst *)e->ext;
            if (limits_match(mem->pages, mem->max_pages, &imp->memory)) {
                inst->memories[(*nm)++] = mem;
                ok = true;
            }
        }
        break;
    case WASM_EXTERN_GLOBAL:
        if (e->ext && e->ext->kind == WASM_EXTERN_GLOBAL) {
            wasm_globalinst *g = (wasm_globalinst *)e->ext;
            if (g->type == imp->global.type && g->mutable_ == imp->global.mutable_) {
                inst->globals[(*ng)++] = g;
                ok = true;
            }
        }
        break;
    }
    if (!ok) set_error(err, errsize, "incompatible import type for %s.%s", imp->module, imp->name);
    return ok;
}

static wasm_instance *fail_with_trap(wasm_trap *t, wasm_trap **trap, char *err, size_t errsize) {
    if (err && errsize) snprintf(err, errsize, "%s", t->message);
    if (trap) *trap = t;
    else wasm_trap_free(t);
    return NULL;
}

wasm_instance *wasm_instantiate(wasm_store *store, const wasm_module *module,
                                const wasm_linker *linker, wasm_trap **trap, char *err,
                                size_t errsize) {
    const wasm_module *m = module;
    if (trap) *trap = NULL;
    if (err && errsize) err[0] = '\0';
    wasm_instance *inst = xcalloc(1, sizeof *inst);
    inst->store = store;
    inst->module = m;
    inst->mem0 = &store->empty_memory;
    inst->funcs = xcalloc(m->nfuncs + 1, sizeof *inst->funcs);
    inst->tables = xcalloc(m->ntables + 1, sizeof *inst->tables);
    inst->memories = xcalloc(m->nmemories + 1, sizeof *inst->memories);
    inst->globals = xcalloc(m->nglobals + 1, sizeof *inst->globals);

    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (!resolve_import(inst, linker, &m->imports[i], &nf, &nt, &nm, &ng, err, errsize)) {
            free_instance(inst);
            return NULL;
        }
    }
    for (uint32_t i = m->num_imported_memories; i < m->nmemories; i++) {
        const wasm_limits *l = &m->memories[i];
        if (l->min > store->limits.max_memory_pages) {
            if (err && errsize)
                snprintf(err, errsize, "memory of %u pages exceeds the limit of %u pages", l->min,
                         store->limits.max_memory_pages);
            free_instance(inst);
            return NULL;
        }
    }

    /* From here on the instance belongs to the store: a later trap leaves it
     * (and what its segments wrote into shared tables/memories) alive. */
    VEC_PUSH(&store->instances, inst);
    const compiled_module *cm = m->compiled;
    uint32_t ndefined = m->nfuncs - m->num_imported_funcs;
    inst->own_funcs = xcalloc(ndefined + 1, sizeof *inst->own_funcs);
    for (uint32_t i = 0; i < ndefined; i++) {
        wasm_funcinst *f = &inst->own_funcs[i];
        const compiled_func *cf = &cm->funcs[i];
        f->ext = (wasm_extern){WASM_EXTERN_FUNC, store};
        f->type_id = cf->type_id;
        f->type = wasm_type_by_id(cf->type_id);
        f->inst = inst;
        f->code = cf;
        inst->funcs[m->num_imported_funcs + i] = f;
    }
    for (uint32_t i = m->num_imported_tables; i < m->ntables; i++) {
        const wasm_table_type *tt = &m->tables[i];
        wasm_tableinst *t = table_create(store, tt->elem, tt->limits.min,
                                         tt->limits.has_max ? tt->limits.max : UINT32_MAX, 0);
        if (!t) {
            set_error(err, errsize, "table allocation failed%s%s", "", "");
            return NULL;
        }
        inst->tables[i] = t;
    }
    for (uint32_t i = m->num_imported_memories; i < m->nmemories; i++) {
        const wasm_limits *l = &m->memories[i];
        wasm_meminst *mem = memory_create(store, l->min, l->has_max ? l->max : UINT32_MAX);
        if (!mem) {
            set_error(err, errsize, "memory allocation failed%s%s", "", "");
            return NULL;
        }
        inst->memories[i] = mem;
    }
    if (m->nmemories > 0) inst->mem0 = inst->memories[0];
    for (uint32_t i = m->num_imported_globals; i < m->nglobals; i++) {
        const wasm_global *g = &m->globals[i];
        inst->globals[i] = global_create(store, g->type.type, g->type.mutable_,
                                         eval_const(inst, &g->init));
    }

    /* Element segments: evaluate every item now (ref.func needs this
     * instance), then apply the active ones in order. */
    inst->elem_len = xcalloc(m->nelems + 1, sizeof *inst->elem_len);
    inst->elem_items = xcalloc(m->nelems + 1, sizeof *inst->elem_items);
    inst->data_dropped = xcalloc(m->ndatas + 1, sizeof *inst->data_dropped);
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *el = &m->elems[i];
        inst->elem_items[i] = xmalloc(((size_t)el->count + 1) * sizeof(uintptr_t));
        for (uint32_t k = 0; k < el->count; k++)
            inst->elem_items[i][k] = (uintptr_t)eval_const(inst, &el->items[k]);
        inst->elem_len[i] = el->mode == WASM_SEGMENT_PASSIVE ? el->count : 0;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *el = &m->elems[i];
        if (el->mode != WASM_SEGMENT_ACTIVE) continue;
        wasm_tableinst *t = inst->tables[el->table_index];
        uint64_t offset = (uint32_t)eval_const(inst, &el->offset);
        if (offset + el->count > t->size)
            return fail_with_trap(wasm_trap_make(WASM_TRAP_TABLE_OOB, "out of bounds table access"),
                                  trap, err, errsize);
        if (el->count)
            memcpy(t->elems + offset, inst->elem_items[i], el->count * sizeof(uintptr_t));
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEGMENT_ACTIVE) continue;
        inst->data_dropped[i] = true;
        wasm_meminst *mem = inst->memories[d->memory_index];
        uint64_t offset = (uint32_t)eval_const(inst, &d->offset);
        if (offset + d->len > mem->size)
            return fail_with_trap(wasm_trap_make(WASM_TRAP_MEMORY_OOB, "out of bounds memory access"),
                                  trap, err, errsize);
        if (d->len) memcpy(mem->data + offset, d->bytes, d->len);
    }
    if (m->has_start) {
        uint64_t slots[1];
        wasm_trap *t = wasm_exec_invoke(store, inst->funcs[m->start], slots);
        if (t) return fail_with_trap(t, trap, err, errsize);
    }
    return inst;
}
