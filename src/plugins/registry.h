/*
 * registry.h — the in-tree plugins as a registry (framework.h's
 * sl_registry): what `schedlab` commands hand to config loading and to the
 * scheduler. Callers may add plugins of their own to the result, or set a
 * resolver on it (wasm plugins), before using it.
 */
#ifndef SCHEDLAB_PLUGINS_REGISTRY_H
#define SCHEDLAB_PLUGINS_REGISTRY_H

#include "scheduler/framework.h"

/* A new registry holding every in-tree plugin (plugin_list.h); free it
 * with sl_registry_free. */
sl_registry *sl_registry_new_default(void);

#endif
