/*
 * registry.c — the one table of native (in-process C) plugins.
 *
 * Each plugin lives in its own file in src/plugins/ and defines one
 * `const sl_plugin_registration sl_plugin_<Name>`. Adding an out-of-tree C
 * plugin is that file plus one PLUGIN(<Name>) line below.
 *
 * The references are strong on purpose: they are what makes the linker pull
 * each plugin's object file out of libschedlab.a.
 */
#include <string.h>

#include "scheduler/framework.h"

#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name ;
#include "plugins/plugin_list.h"
#undef PLUGIN

static const sl_plugin_registration *const candidates[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

const sl_plugin_registration *const *sl_plugin_registry_all(uint32_t *n) {
    *n = (uint32_t)ARRAY_LEN(candidates);
    return candidates;
}

const sl_plugin_registration *sl_plugin_registry_find(const char *name) {
    for (size_t i = 0; i < ARRAY_LEN(candidates); i++)
        if (strcmp(candidates[i]->name, name) == 0) return candidates[i];
    return NULL;
}
