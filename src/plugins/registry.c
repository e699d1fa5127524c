/*
 * registry.c — the in-tree (native C) plugins as a registry object.
 *
 * Each plugin lives in its own file in src/plugins/ and defines one
 * `const sl_plugin_registration sl_plugin_<Name>`. Adding an out-of-tree C
 * plugin is that file plus one PLUGIN(<Name>) line in plugin_list.h (or a
 * sl_registry_add on a registry of one's own).
 *
 * The references are strong on purpose: they are what makes the linker pull
 * each plugin's object file out of libschedlab.a.
 */
#include "plugins/registry.h"

#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name ;
#include "plugins/plugin_list.h"
#undef PLUGIN

static const sl_plugin_registration *const in_tree[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

sl_registry *sl_registry_new_default(void) {
    sl_registry *r = sl_registry_new();
    for (size_t i = 0; i < ARRAY_LEN(in_tree); i++)
        if (!sl_registry_add(r, in_tree[i]))
            log_error("plugin %s is registered twice", in_tree[i]->name);
    return r;
}
