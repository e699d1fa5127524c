/*
 * registry.c — the plugins every command that runs the scheduler accepts:
 * the in-tree plugins plus wasm plugins (a name whose pluginConfig args
 * carry guestURL, resolved by the wasmplugin layer).
 */
#include "cmd/cmd.h"
#include "plugins/registry.h"
#include "wasmplugin/wasmplugin.h"

sl_registry *cmd_registry_new(void) {
    sl_registry *r = sl_registry_new_default();
    sl_registry_set_resolver(r, sl_wasm_plugin_resolve, NULL);
    sl_registry_set_resolver_error(r, sl_wasm_plugin_resolve_error);
    return r;
}
