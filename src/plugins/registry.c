/*
 * registry.c — the one table of native (in-process C) plugins.
 *
 * Each plugin lives in its own file in src/plugins/ and defines one
 * `const sl_plugin_registration sl_plugin_<Name>`. Adding an out-of-tree C
 * plugin is that file plus one PLUGIN(<Name>) line below.
 *
 * The references are weak so a tree where a plugin file is missing still
 * links; such a plugin is simply not registered (and a config naming it
 * fails with "unknown plugin").
 */
#include <string.h>

#include "scheduler/framework.h"

#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name __attribute__((weak));
#include "plugins/plugin_list.h"
#undef PLUGIN

static const sl_plugin_registration *const candidates[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

static const sl_plugin_registration *registered[ARRAY_LEN(candidates)];
static uint32_t nregistered;

static void registry_init(void) {
    if (nregistered) return;
    uint32_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(candidates); i++)
        if (candidates[i]) registered[n++] = candidates[i];
    nregistered = n;
}

const sl_plugin_registration *const *sl_plugin_registry_all(uint32_t *n) {
    registry_init();
    *n = nregistered;
    return registered;
}

const sl_plugin_registration *sl_plugin_registry_find(const char *name) {
    registry_init();
    for (uint32_t i = 0; i < nregistered; i++)
        if (strcmp(registered[i]->name, name) == 0) return registered[i];
    return NULL;
}
