/*
 * plugin_registry.c — the plugin registry object (framework.h, "Plugin
 * registry"): the plugins a configuration may name, as a value the caller
 * builds and passes to config loading and to the scheduler. The in-tree
 * set is one such value (plugins/registry.c); tests build their own.
 *
 * A registry is a name-sorted array of borrowed registrations: lookups are
 * a binary search, adds an insertion (registries hold tens of plugins and
 * are built once). The resolver is the hook for plugins that exist only
 * once configured — a wasm guest named by its pluginConfig's guestURL.
 */
#include <stdlib.h>
#include <string.h>

#include "scheduler/framework.h"

struct sl_registry {
    uint32_t n, cap;
    const sl_plugin_registration **items;   /* sorted by name */
    sl_registry_resolver resolver;
    void *resolver_user;
    sl_registry_resolver_error_fn resolver_error;
};

sl_registry *sl_registry_new(void) { return xcalloc(1, sizeof(sl_registry)); }

void sl_registry_free(sl_registry *r) {
    if (!r) return;
    free(r->items);
    free(r);
}

/* Index of the first entry whose name is >= name. */
static uint32_t lower_bound(const sl_registry *r, const char *name) {
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->items[mid]->name, name) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

bool sl_registry_add(sl_registry *r, const sl_plugin_registration *reg) {
    if (!r || !reg || !reg->name || !reg->ops) return false;
    uint32_t at = lower_bound(r, reg->name);
    if (at < r->n && strcmp(r->items[at]->name, reg->name) == 0) return false;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
    }
    memmove(&r->items[at + 1], &r->items[at], (r->n - at) * sizeof(*r->items));
    r->items[at] = reg;
    r->n++;
    return true;
}

const sl_plugin_registration *sl_registry_find(const sl_registry *r, const char *name) {
    if (!r || !name) return NULL;
    uint32_t at = lower_bound(r, name);
    return at < r->n && strcmp(r->items[at]->name, name) == 0 ? r->items[at] : NULL;
}

uint32_t sl_registry_list(const sl_registry *r, const sl_plugin_registration *const **out) {
    *out = r ? r->items : NULL;
    return r ? r->n : 0;
}

void sl_registry_set_resolver(sl_registry *r, sl_registry_resolver fn, void *user) {
    r->resolver = fn;
    r->resolver_user = user;
}

void sl_registry_set_resolver_error(sl_registry *r, sl_registry_resolver_error_fn fn) {
    r->resolver_error = fn;
}

const char *sl_registry_resolver_error(const sl_registry *r) {
    const char *why = r && r->resolver_error ? r->resolver_error(r->resolver_user) : NULL;
    return why ? why : "";
}

const sl_plugin_registration *sl_registry_resolve(const sl_registry *r, const char *name,
                                                  const json_t *args) {
    const sl_plugin_registration *reg = sl_registry_find(r, name);
    if (reg || !r || !r->resolver || !name) return reg;
    reg = r->resolver(r->resolver_user, name, args);
    return reg && reg->ops ? reg : NULL;
}
