/*
 * instance.c — the runtime object model of wasm.h: stores (which own every
 * runtime object), the linker, instantiation (import resolution and type
 * matching, globals, element and data segments, start function), externs
 * (functions, memories, tables, globals, including host-created ones),
 * calls from the host, and traps with their backtraces.
 *
 * Every runtime object starts with a sl_wasm_extern header, so an extern pointer
 * is the object itself and a funcref value is a sl_wasm_funcinst pointer.
 * Linear memories are anonymous mappings grown with mremap: new pages come
 * zeroed from the kernel and a 4 GiB maximum costs nothing until touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/base.h"
#include "wasm/runtime.h"

#define SL_WASM_PAGE_SIZE 65536u
#define MAX_PAGES 65536u
#define MAX_TABLE_ELEMS 10000000u /* implementation limit for table.grow */

struct sl_wasm_store {
    exec_state exec;
    sl_wasm_limits_config limits;
    VEC(sl_wasm_extern *) externs;     /* host functions, memories, tables, globals */
    VEC(sl_wasm_instance *) instances;
    sl_wasm_meminst empty_memory;      /* mem0 of instances without memory */
};

static uint8_t empty_memory_bytes[8];

/* ---- traps ----------------------------------------------------------------------------- */

sl_wasm_trap *sl_wasm_trap_make(sl_wasm_trap_kind kind, const char *message) {
    sl_wasm_trap *trap = xcalloc(1, sizeof *trap);
    trap->kind = kind;
    trap->message = xstrdup(message ? message : "");
    trap->backtrace = xstrdup("");
    return trap;
}
sl_wasm_trap *sl_wasm_trap_new(sl_wasm_trap_kind kind, const char *message) {
    return sl_wasm_trap_make(kind, message);
}
sl_wasm_trap *sl_wasm_trap_new_exit(int32_t code) {
    char msg[48];
    snprintf(msg, sizeof msg, "exit with code %d", code);
    sl_wasm_trap *trap = sl_wasm_trap_make(SL_WASM_TRAP_EXIT, msg);
    trap->exit_code = code;
    return trap;
}
sl_wasm_trap_kind sl_wasm_trap_kind_of(const sl_wasm_trap *trap) { return trap->kind; }
const char *sl_wasm_trap_message(const sl_wasm_trap *trap) { return trap->message; }
int32_t sl_wasm_trap_exit_code(const sl_wasm_trap *trap) { return trap->exit_code; }
/* A backtrace keeps the innermost BACKTRACE_MAX_FRAMES frames and then
 * says how many more there were: a "call stack exhausted" trap unwinds
 * 10,000 frames, and neither a person nor a log wants them all (building
 * them all was also quadratic: seconds per trap). */
#define BACKTRACE_MAX_FRAMES 64

const char *sl_wasm_trap_backtrace(const sl_wasm_trap *trap) {
    if (trap->nframes > BACKTRACE_MAX_FRAMES && !trap->backtrace_truncated) {
        /* Say once how many frames were left out (the trap is logically
         * const: this only completes the text it reports). */
        sl_wasm_trap *t = (sl_wasm_trap *)trap;
        char *joined = xasprintf("%s  ... %u more frames\n", t->backtrace,
                                 t->nframes - BACKTRACE_MAX_FRAMES);
        free(t->backtrace);
        t->backtrace = joined;
        t->backtrace_truncated = true;
    }
    return trap->backtrace;
}
void sl_wasm_trap_free(sl_wasm_trap *trap) {
    if (!trap) return;
    free(trap->message);
    free(trap->backtrace);
    free(trap);
}

static bool trap_frame_is_kept(sl_wasm_trap *trap) {
    if (trap->nframes < BACKTRACE_MAX_FRAMES) return true;
    trap->nframes++;
    return false;
}

static void trap_append_line(sl_wasm_trap *trap, char *line) {
    char *joined = xasprintf("%s%s", trap->backtrace, line);
    free(trap->backtrace);
    free(line);
    trap->backtrace = joined;
    trap->nframes++;
}
void sl_wasm_trap_add_frame(sl_wasm_trap *trap, const compiled_func *cf, uint32_t pos) {
    if (!trap_frame_is_kept(trap)) return;
    uint32_t offset = sl_wasm_compiled_offset_at(cf, pos);
    const char *name = cf->func ? cf->func->name : NULL;
    if (name)
        trap_append_line(trap, xasprintf("  #%u wasm function %u (%s) at offset 0x%x\n",
                                         trap->nframes, cf->func_index, name, offset));
    else
        trap_append_line(trap, xasprintf("  #%u wasm function %u at offset 0x%x\n",
                                         trap->nframes, cf->func_index, offset));
}
void sl_wasm_trap_add_host_frame(sl_wasm_trap *trap, const char *name) {
    if (!trap_frame_is_kept(trap)) return;
    trap_append_line(trap, xasprintf("  #%u host function %s\n", trap->nframes,
                                     name ? name : "?"));
}

/* ---- stores ------------------------------------------------------------------------------- */

sl_wasm_store *sl_wasm_store_new(const sl_wasm_limits_config *limits) {
    sl_wasm_store *s = xcalloc(1, sizeof *s);
    if (limits) s->limits = *limits;
    if (s->limits.max_memory_pages == 0 || s->limits.max_memory_pages > MAX_PAGES)
        s->limits.max_memory_pages = MAX_PAGES;
    if (s->limits.max_call_depth == 0) s->limits.max_call_depth = 10000;
    if (s->limits.max_stack_bytes == 0) s->limits.max_stack_bytes = 8u << 20;
    s->exec.max_call_depth = s->limits.max_call_depth;
    s->exec.max_memory_pages = s->limits.max_memory_pages;
    s->exec.fuel = SL_WASM_FUEL_PER_POLL;
    s->empty_memory.ext = (sl_wasm_extern){SL_WASM_EXTERN_MEMORY, s};
    s->empty_memory.data = empty_memory_bytes;
    s->empty_memory.max_pages = 0;
    return s;
}

exec_state *sl_wasm_store_exec(sl_wasm_store *store) { return &store->exec; }
size_t sl_wasm_store_max_stack_bytes(const sl_wasm_store *store) { return store->limits.max_stack_bytes; }

static void free_extern(sl_wasm_extern *ext) {
    switch (ext->kind) {
    case SL_WASM_EXTERN_FUNC:
        free((char *)((sl_wasm_funcinst *)ext)->host_name);
        break;
    case SL_WASM_EXTERN_MEMORY: {
        sl_wasm_meminst *m = (sl_wasm_meminst *)ext;
        if (m->mapped) munmap(m->data, m->mapped);
        break;
    }
    case SL_WASM_EXTERN_TABLE:
        free(((sl_wasm_tableinst *)ext)->elems);
        break;
    case SL_WASM_EXTERN_GLOBAL:
        break;
    }
    free(ext);
}

static void free_instance(sl_wasm_instance *inst) {
    const sl_wasm_module *m = inst->module;
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

void sl_wasm_store_free(sl_wasm_store *store) {
    if (!store) return;
    for (size_t i = 0; i < store->instances.len; i++) free_instance(store->instances.items[i]);
    for (size_t i = 0; i < store->externs.len; i++) free_extern(store->externs.items[i]);
    VEC_FREE(&store->instances);
    VEC_FREE(&store->externs);
    sl_wasm_exec_release(&store->exec);
    free(store);
}

void sl_wasm_store_interrupt(sl_wasm_store *store) {
    atomic_store_explicit(&store->exec.interrupt_requested, 1, memory_order_relaxed);
}
void sl_wasm_store_clear_interrupt(sl_wasm_store *store) {
    atomic_store_explicit(&store->exec.interrupt_requested, 0, memory_order_relaxed);
}
void sl_wasm_store_set_deadline(sl_wasm_store *store, int64_t deadline_monotonic_ns) {
    atomic_store_explicit(&store->exec.deadline_ns, deadline_monotonic_ns, memory_order_relaxed);
}

/* ---- memories ---------------------------------------------------------------------------- */

uint32_t sl_wasm_memory_grow_internal(sl_wasm_meminst *mem, uint32_t delta, uint32_t store_max_pages) {
    uint32_t old = mem->pages;
    uint64_t want = (uint64_t)old + delta;
    uint64_t limit = SL_MIN((uint64_t)mem->max_pages, (uint64_t)MAX_PAGES);
    if (store_max_pages) limit = SL_MIN(limit, (uint64_t)store_max_pages);
    if (want > limit) return UINT32_MAX;
    if (delta == 0) return old;
    size_t bytes = (size_t)want * SL_WASM_PAGE_SIZE;
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

static sl_wasm_meminst *memory_create(sl_wasm_store *store, uint32_t min_pages, uint32_t max_pages) {
    sl_wasm_meminst *m = xcalloc(1, sizeof *m);
    m->ext = (sl_wasm_extern){SL_WASM_EXTERN_MEMORY, store};
    m->data = empty_memory_bytes;
    m->max_pages = max_pages;
    if (min_pages > 0 && sl_wasm_memory_grow_internal(m, min_pages, store->limits.max_memory_pages) ==
                             UINT32_MAX) {
        free(m);
        return NULL;
    }
    VEC_PUSH(&store->externs, &m->ext);
    return m;
}

sl_wasm_extern *sl_wasm_memory_new(sl_wasm_store *store, uint32_t min_pages, uint32_t max_pages) {
    sl_wasm_meminst *m = memory_create(store, min_pages, max_pages);
    return m ? &m->ext : NULL;
}
uint8_t *sl_wasm_memory_data(sl_wasm_extern *memory) { return ((sl_wasm_meminst *)memory)->data; }
uint64_t sl_wasm_memory_size_bytes(sl_wasm_extern *memory) { return ((sl_wasm_meminst *)memory)->size; }
uint32_t sl_wasm_memory_pages(sl_wasm_extern *memory) { return ((sl_wasm_meminst *)memory)->pages; }
uint32_t sl_wasm_memory_grow(sl_wasm_extern *memory, uint32_t delta_pages) {
    return sl_wasm_memory_grow_internal((sl_wasm_meminst *)memory, delta_pages,
                                     memory->store->limits.max_memory_pages);
}
bool sl_wasm_memory_read(sl_wasm_extern *memory, uint64_t offset, void *dst, size_t len) {
    sl_wasm_meminst *m = (sl_wasm_meminst *)memory;
    if (offset > m->size || len > m->size - offset) return false;
    if (len) memcpy(dst, m->data + offset, len);
    return true;
}
bool sl_wasm_memory_write(sl_wasm_extern *memory, uint64_t offset, const void *src, size_t len) {
    sl_wasm_meminst *m = (sl_wasm_meminst *)memory;
    if (offset > m->size || len > m->size - offset) return false;
    if (len) memcpy(m->data + offset, src, len);
    return true;
}

/* ---- tables ------------------------------------------------------------------------------- */

uint32_t sl_wasm_table_grow_internal(sl_wasm_tableinst *table, uint32_t delta, uintptr_t init) {
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

static sl_wasm_tableinst *table_create(sl_wasm_store *store, sl_wasm_valtype elem, uint32_t min,
                                    uint32_t max, uintptr_t init) {
    sl_wasm_tableinst *t = xcalloc(1, sizeof *t);
    t->ext = (sl_wasm_extern){SL_WASM_EXTERN_TABLE, store};
    t->elem = elem;
    t->max = max;
    if (min > 0 && sl_wasm_table_grow_internal(t, min, init) == UINT32_MAX) {
        free(t);
        return NULL;
    }
    VEC_PUSH(&store->externs, &t->ext);
    return t;
}

static uint64_t val_to_slot(sl_wasm_val v) {
    switch (v.type) {
    case SL_WASM_I32: return (uint32_t)v.of.i32;
    case SL_WASM_F32: {
        uint32_t b;
        memcpy(&b, &v.of.f32, 4);
        return b;
    }
    case SL_WASM_I64: return (uint64_t)v.of.i64;
    case SL_WASM_F64: {
        uint64_t b;
        memcpy(&b, &v.of.f64, 8);
        return b;
    }
    case SL_WASM_FUNCREF: return (uintptr_t)v.of.funcref;
    case SL_WASM_EXTERNREF: return v.of.externref;
    default: return v.of.bits;
    }
}
static sl_wasm_val slot_to_val(sl_wasm_valtype type, uint64_t slot) {
    sl_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = type;
    switch (type) {
    case SL_WASM_I32: v.of.i32 = (int32_t)(uint32_t)slot; break;
    case SL_WASM_F32: {
        uint32_t b = (uint32_t)slot;
        memcpy(&v.of.f32, &b, 4);
        break;
    }
    case SL_WASM_FUNCREF: v.of.funcref = (void *)(uintptr_t)slot; break;
    case SL_WASM_EXTERNREF: v.of.externref = (uintptr_t)slot; break;
    default: v.of.bits = slot; break;
    }
    return v;
}

sl_wasm_extern *sl_wasm_table_new(sl_wasm_store *store, sl_wasm_valtype elem, uint32_t min, uint32_t max,
                            sl_wasm_val init) {
    sl_wasm_tableinst *t = table_create(store, elem, min, max, (uintptr_t)val_to_slot(init));
    return t ? &t->ext : NULL;
}
uint32_t sl_wasm_table_size(const sl_wasm_extern *table) { return ((const sl_wasm_tableinst *)table)->size; }
bool sl_wasm_table_get(const sl_wasm_extern *table, uint32_t index, sl_wasm_val *out) {
    const sl_wasm_tableinst *t = (const sl_wasm_tableinst *)table;
    if (index >= t->size) return false;
    *out = slot_to_val(t->elem, t->elems[index]);
    return true;
}
bool sl_wasm_table_set(sl_wasm_extern *table, uint32_t index, sl_wasm_val value) {
    sl_wasm_tableinst *t = (sl_wasm_tableinst *)table;
    if (index >= t->size || value.type != t->elem) return false;
    t->elems[index] = (uintptr_t)val_to_slot(value);
    return true;
}

/* ---- globals -------------------------------------------------------------------------------- */

static sl_wasm_globalinst *global_create(sl_wasm_store *store, sl_wasm_valtype type, bool mutable_,
                                      uint64_t value) {
    sl_wasm_globalinst *g = xcalloc(1, sizeof *g);
    g->ext = (sl_wasm_extern){SL_WASM_EXTERN_GLOBAL, store};
    g->type = type;
    g->mutable_ = mutable_;
    g->value = value;
    VEC_PUSH(&store->externs, &g->ext);
    return g;
}
sl_wasm_extern *sl_wasm_global_new(sl_wasm_store *store, sl_wasm_val value, bool mutable_) {
    return &global_create(store, value.type, mutable_, val_to_slot(value))->ext;
}
sl_wasm_val sl_wasm_global_get(const sl_wasm_extern *global) {
    const sl_wasm_globalinst *g = (const sl_wasm_globalinst *)global;
    return slot_to_val(g->type, g->value);
}
bool sl_wasm_global_set(sl_wasm_extern *global, sl_wasm_val value) {
    sl_wasm_globalinst *g = (sl_wasm_globalinst *)global;
    if (!g->mutable_ || value.type != g->type) return false;
    g->value = val_to_slot(value);
    return true;
}

/* ---- functions ----------------------------------------------------------------------------------- */

sl_wasm_extern_kind sl_wasm_extern_kind_of(const sl_wasm_extern *ext) { return ext->kind; }

void sl_wasm_func_type(const sl_wasm_extern *func, sl_wasm_functype *out) {
    const sl_wasm_type *t = ((const sl_wasm_funcinst *)func)->type;
    out->nparams = t->nparams;
    out->nresults = t->nresults;
    out->params = t->params;
    out->results = t->results;
}

sl_wasm_extern *sl_wasm_funcref_extern(sl_wasm_store *store, void *funcref) {
    (void)store;
    return (sl_wasm_extern *)funcref;
}
void *sl_wasm_extern_funcref(sl_wasm_extern *func) { return func; }

sl_wasm_trap *sl_wasm_func_call_raw(sl_wasm_extern *func, uint64_t *slots) {
    return sl_wasm_exec_invoke(func->store, (sl_wasm_funcinst *)func, slots);
}

sl_wasm_trap *sl_wasm_func_call(sl_wasm_extern *func, const sl_wasm_val *args, uint32_t nargs,
                          sl_wasm_val *results, uint32_t nresults) {
    if (!func || func->kind != SL_WASM_EXTERN_FUNC)
        return sl_wasm_trap_make(SL_WASM_TRAP_GENERIC, "not a function");
    const sl_wasm_type *t = ((sl_wasm_funcinst *)func)->type;
    if (nargs != t->nparams || nresults < t->nresults)
        return sl_wasm_trap_make(SL_WASM_TRAP_GENERIC, "argument type mismatch");
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type != t->params[i])
            return sl_wasm_trap_make(SL_WASM_TRAP_GENERIC, "argument type mismatch");
    uint64_t small[16];
    uint32_t n = SL_MAX(t->nparams, t->nresults);
    uint64_t *slots = n <= 16 ? small : xmalloc(n * sizeof *slots);
    for (uint32_t i = 0; i < nargs; i++) slots[i] = val_to_slot(args[i]);
    sl_wasm_trap *trap = sl_wasm_exec_invoke(func->store, (sl_wasm_funcinst *)func, slots);
    if (!trap)
        for (uint32_t i = 0; i < t->nresults; i++) results[i] = slot_to_val(t->results[i], slots[i]);
    if (slots != small) free(slots);
    return trap;
}

/* ---- linker -------------------------------------------------------------------------------------- */

typedef struct linker_entry {
    char *module, *name;
    sl_wasm_extern *ext;          /* or a host function: */
    sl_wasm_host_fn fn;
    void *user;
    uint32_t type_id;
} linker_entry;

typedef struct linker_attachment {
    void *ptr;
    void (*free_fn)(void *);
} linker_attachment;

struct sl_wasm_linker {
    VEC(linker_entry) entries;
    VEC(linker_attachment) attachments;
};

sl_wasm_linker *sl_wasm_linker_new(void) { return xcalloc(1, sizeof(sl_wasm_linker)); }

void sl_wasm_linker_free(sl_wasm_linker *linker) {
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

static linker_entry *linker_find(const sl_wasm_linker *linker, const char *module, const char *name) {
    for (size_t i = 0; i < linker->entries.len; i++) {
        linker_entry *e = &linker->entries.items[i];
        if (strcmp(e->module, module) == 0 && strcmp(e->name, name) == 0) return e;
    }
    return NULL;
}

bool sl_wasm_linker_define_func(sl_wasm_linker *linker, const char *module, const char *name,
                             const char *sig, sl_wasm_host_fn fn, void *user) {
    enum { MAX_SIG = 64 };
    sl_wasm_valtype params[MAX_SIG], results[MAX_SIG];
    uint32_t np, nr;
    if (!fn || linker_find(linker, module, name)) return false;
    if (!sl_wasm_functype_parse(sig, params, &np, results, &nr, MAX_SIG)) return false;
    linker_entry e = {.module = xstrdup(module), .name = xstrdup(name), .fn = fn, .user = user,
                      .type_id = sl_wasm_type_intern(params, np, results, nr)};
    VEC_PUSH(&linker->entries, e);
    return true;
}

bool sl_wasm_linker_define_extern(sl_wasm_linker *linker, const char *module, const char *name,
                               sl_wasm_extern *ext) {
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

static sl_wasm_extern *instance_export_at(sl_wasm_instance *inst, uint32_t i);

bool sl_wasm_linker_define_instance(sl_wasm_linker *linker, const char *module, sl_wasm_instance *instance) {
    const sl_wasm_module *m = instance->module;
    for (uint32_t i = 0; i < m->nexports; i++)
        sl_wasm_linker_define_extern(linker, module, m->exports[i].name, instance_export_at(instance, i));
    return true;
}

void sl_wasm_linker_attach(sl_wasm_linker *linker, void *ptr, void (*free_fn)(void *)) {
    linker_attachment a = {ptr, free_fn};
    VEC_PUSH(&linker->attachments, a);
}

/* ---- instances ------------------------------------------------------------------------------------- */

static sl_wasm_extern *instance_export_at(sl_wasm_instance *inst, uint32_t i) {
    const sl_wasm_export *e = &inst->module->exports[i];
    switch (e->kind) {
    case SL_WASM_EXTERN_FUNC: return &inst->funcs[e->index]->ext;
    case SL_WASM_EXTERN_TABLE: return &inst->tables[e->index]->ext;
    case SL_WASM_EXTERN_MEMORY: return &inst->memories[e->index]->ext;
    case SL_WASM_EXTERN_GLOBAL: return &inst->globals[e->index]->ext;
    }
    return NULL;
}

sl_wasm_extern *sl_wasm_instance_export_n(sl_wasm_instance *instance, const char *name, size_t len) {
    const sl_wasm_module *m = instance->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const sl_wasm_export *e = &m->exports[i];
        if (e->name_len == len && (len == 0 || memcmp(e->name, name, len) == 0))
            return instance_export_at(instance, i);
    }
    return NULL;
}

sl_wasm_extern *sl_wasm_instance_export(sl_wasm_instance *instance, const char *name) {
    return sl_wasm_instance_export_n(instance, name, strlen(name));
}

const sl_wasm_module *sl_wasm_instance_module(const sl_wasm_instance *instance) { return instance->module; }
sl_wasm_store *sl_wasm_instance_store(const sl_wasm_instance *instance) { return instance->store; }
void sl_wasm_instance_set_user(sl_wasm_instance *instance, void *user) { instance->user = user; }
void *sl_wasm_instance_user(const sl_wasm_instance *instance) { return instance->user; }

sl_wasm_extern *sl_wasm_instance_memory(sl_wasm_instance *instance) {
    sl_wasm_extern *e = sl_wasm_instance_export(instance, "memory");
    if (e && e->kind == SL_WASM_EXTERN_MEMORY) return e;
    if (instance->module->nmemories > 0) return &instance->memories[0]->ext;
    return NULL;
}

static bool limits_match(uint32_t actual_min, uint32_t actual_max /* UINT32_MAX = none */,
                         const sl_wasm_limits *want) {
    if (actual_min < want->min) return false;
    if (want->has_max) {
        if (actual_max == UINT32_MAX && want->max != UINT32_MAX) return false;
        if (actual_max > want->max) return false;
    }
    return true;
}

static uint64_t eval_const(const sl_wasm_instance *inst, const sl_wasm_const_expr *e) {
    switch (e->kind) {
    case SL_WASM_CONST_VALUE: return val_to_slot(e->value);
    case SL_WASM_CONST_GLOBAL_GET: return inst->globals[e->index]->value;
    case SL_WASM_CONST_REF_NULL: return 0;
    case SL_WASM_CONST_REF_FUNC: return (uintptr_t)inst->funcs[e->index];
    }
    return 0;
}

static void set_error(char *err, size_t errsize, const char *fmt, const char *a, const char *b) {
    if (err && errsize) snprintf(err, errsize, fmt, a, b);
}

static sl_wasm_funcinst *host_funcinst(sl_wasm_store *store, const linker_entry *e) {
    sl_wasm_funcinst *f = xcalloc(1, sizeof *f);
    f->ext = (sl_wasm_extern){SL_WASM_EXTERN_FUNC, store};
    f->type_id = e->type_id;
    f->type = sl_wasm_type_by_id(e->type_id);
    f->host_fn = e->fn;
    f->host_user = e->user;
    f->host_name = xasprintf("%s.%s", e->module, e->name);
    VEC_PUSH(&store->externs, &f->ext);
    return f;
}

/* Resolves import i into the instance's index spaces; false with err set. */
static bool resolve_import(sl_wasm_instance *inst, const sl_wasm_linker *linker, const sl_wasm_import *imp,
                           uint32_t *nf, uint32_t *nt, uint32_t *nm, uint32_t *ng, char *err,
                           size_t errsize) {
    const sl_wasm_module *m = inst->module;
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
    case SL_WASM_EXTERN_FUNC: {
        uint32_t want = cm->type_ids[imp->type_index];
        if (!e->ext) {
            if (e->type_id == want) {
                inst->funcs[(*nf)++] = host_funcinst(inst->store, e);
                ok = true;
            }
        } else if (e->ext->kind == SL_WASM_EXTERN_FUNC && ((sl_wasm_funcinst *)e->ext)->type_id == want) {
            inst->funcs[(*nf)++] = (sl_wasm_funcinst *)e->ext;
            ok = true;
        }
        break;
    }
    case SL_WASM_EXTERN_TABLE:
        if (e->ext && e->ext->kind == SL_WASM_EXTERN_TABLE) {
            sl_wasm_tableinst *t = (sl_wasm_tableinst *)e->ext;
            if (t->elem == imp->table.elem && limits_match(t->size, t->max, &imp->table.limits)) {
                inst->tables[(*nt)++] = t;
                ok = true;
            }
        }
        break;
    case SL_WASM_EXTERN_MEMORY:
        if (e->ext && e->ext->kind == SL_WASM_EXTERN_MEMORY) {
            sl_wasm_meminst *mem = (sl_wasm_meminst *)e->ext;
            if (limits_match(mem->pages, mem->max_pages, &imp->memory)) {
                inst->memories[(*nm)++] = mem;
                ok = true;
            }
        }
        break;
    case SL_WASM_EXTERN_GLOBAL:
        if (e->ext && e->ext->kind == SL_WASM_EXTERN_GLOBAL) {
            sl_wasm_globalinst *g = (sl_wasm_globalinst *)e->ext;
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

static sl_wasm_instance *fail_with_trap(sl_wasm_trap *t, sl_wasm_trap **trap, char *err, size_t errsize) {
    if (err && errsize) snprintf(err, errsize, "%s", t->message);
    if (trap) *trap = t;
    else sl_wasm_trap_free(t);
    return NULL;
}

sl_wasm_instance *sl_wasm_instantiate(sl_wasm_store *store, const sl_wasm_module *module,
                                const sl_wasm_linker *linker, sl_wasm_trap **trap, char *err,
                                size_t errsize) {
    const sl_wasm_module *m = module;
    if (trap) *trap = NULL;
    if (err && errsize) err[0] = '\0';
    sl_wasm_instance *inst = xcalloc(1, sizeof *inst);
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
        const sl_wasm_limits *l = &m->memories[i];
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
        sl_wasm_funcinst *f = &inst->own_funcs[i];
        const compiled_func *cf = &cm->funcs[i];
        f->ext = (sl_wasm_extern){SL_WASM_EXTERN_FUNC, store};
        f->type_id = cf->type_id;
        f->type = sl_wasm_type_by_id(cf->type_id);
        f->inst = inst;
        f->code = cf;
        inst->funcs[m->num_imported_funcs + i] = f;
    }
    for (uint32_t i = m->num_imported_tables; i < m->ntables; i++) {
        const sl_wasm_table_type *tt = &m->tables[i];
        sl_wasm_tableinst *t = table_create(store, tt->elem, tt->limits.min,
                                         tt->limits.has_max ? tt->limits.max : UINT32_MAX, 0);
        if (!t) {
            set_error(err, errsize, "table allocation failed%s%s", "", "");
            return NULL;
        }
        inst->tables[i] = t;
    }
    for (uint32_t i = m->num_imported_memories; i < m->nmemories; i++) {
        const sl_wasm_limits *l = &m->memories[i];
        sl_wasm_meminst *mem = memory_create(store, l->min, l->has_max ? l->max : UINT32_MAX);
        if (!mem) {
            set_error(err, errsize, "memory allocation failed%s%s", "", "");
            return NULL;
        }
        inst->memories[i] = mem;
    }
    if (m->nmemories > 0) inst->mem0 = inst->memories[0];
    for (uint32_t i = m->num_imported_globals; i < m->nglobals; i++) {
        const sl_wasm_global *g = &m->globals[i];
        inst->globals[i] = global_create(store, g->type.type, g->type.mutable_,
                                         eval_const(inst, &g->init));
    }

    /* Element segments: evaluate every item now (ref.func needs this
     * instance), then apply the active ones in order. */
    inst->elem_len = xcalloc(m->nelems + 1, sizeof *inst->elem_len);
    inst->elem_items = xcalloc(m->nelems + 1, sizeof *inst->elem_items);
    inst->data_dropped = xcalloc(m->ndatas + 1, sizeof *inst->data_dropped);
    for (uint32_t i = 0; i < m->nelems; i++) {
        const sl_wasm_elem *el = &m->elems[i];
        inst->elem_items[i] = xmalloc(((size_t)el->count + 1) * sizeof(uintptr_t));
        for (uint32_t k = 0; k < el->count; k++)
            inst->elem_items[i][k] = (uintptr_t)eval_const(inst, &el->items[k]);
        inst->elem_len[i] = el->mode == SL_WASM_SEGMENT_PASSIVE ? el->count : 0;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const sl_wasm_elem *el = &m->elems[i];
        if (el->mode != SL_WASM_SEGMENT_ACTIVE) continue;
        sl_wasm_tableinst *t = inst->tables[el->table_index];
        uint64_t offset = (uint32_t)eval_const(inst, &el->offset);
        if (offset + el->count > t->size)
            return fail_with_trap(sl_wasm_trap_make(SL_WASM_TRAP_TABLE_OOB, "out of bounds table access"),
                                  trap, err, errsize);
        if (el->count)
            memcpy(t->elems + offset, inst->elem_items[i], el->count * sizeof(uintptr_t));
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const sl_wasm_data *d = &m->datas[i];
        if (d->mode != SL_WASM_SEGMENT_ACTIVE) continue;
        inst->data_dropped[i] = true;
        sl_wasm_meminst *mem = inst->memories[d->memory_index];
        uint64_t offset = (uint32_t)eval_const(inst, &d->offset);
        if (offset + d->len > mem->size)
            return fail_with_trap(sl_wasm_trap_make(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access"),
                                  trap, err, errsize);
        if (d->len) memcpy(mem->data + offset, d->bytes, d->len);
    }
    if (m->has_start) {
        uint64_t slots[1];
        sl_wasm_trap *t = sl_wasm_exec_invoke(store, inst->funcs[m->start], slots);
        if (t) return fail_with_trap(t, trap, err, errsize);
    }
    return inst;
}
