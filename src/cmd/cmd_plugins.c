/*
 * cmd_plugins.c — `schedlab plugins`: every registered plugin with the
 * extension points it implements, where the default profile enables it,
 * and its default args (upstream's defaults, as a config would get them);
 * and the did-you-mean hint for configs that name an unknown plugin.
 *
 *   schedlab plugins [-o table|json]
 *
 * The registry is listed in one place, registered_plugins() below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cmd/cmd.h"
#include "plugins/registry.h"
#include "scheduler/config.h"
#include "scheduler/framework.h"

/* Every plugin of the registry, sorted by name (valid while it lives). */
static const sl_plugin_registration *const *registered_plugins(const sl_registry *registry, uint32_t *n) {
    const sl_plugin_registration *const *all = NULL;
    *n = registry ? sl_registry_list(registry, &all) : 0;
    return all;
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: schedlab plugins [-o table|json]\n"
            "\n"
            "Lists every plugin registered in this build: the extension points it\n"
            "implements (the config keys: preFilter, filter, score, ...), where the\n"
            "default profile enables it (with score weights) and its default args, as a\n"
            "KubeSchedulerConfiguration gets them when pluginConfig does not set them.\n"
            "\n"
            "-o json prints {\"plugins\": [{\"name\", \"extensionPoints\": [...],\n"
            "\"defaultProfile\": {point: weight or true}, \"defaultArgs\": {...} or null}]}\n");
}

/* Where the default profile enables `name`: {point: true | score weight}. */
static json_t *default_enablement(const sl_profile_config *profile, const char *name) {
    json_t *out = json_object();
    for (int ep = 0; ep < SL_EP_COUNT; ep++)
        for (uint32_t i = 0; profile && i < profile->nplugins[ep]; i++)
            if (!strcmp(profile->plugins[ep][i].name, name))
                json_object_set_new(out, sl_extension_point_key((sl_extension_point)ep),
                                    ep == SL_EP_SCORE ? json_integer(profile->plugins[ep][i].weight) : json_true());
    return out;
}

int cmd_plugins(int argc, char **argv) {
    const char *output = "table";
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cmd_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if (cmd_option_value(argc, argv, &i, "-o", &v) || cmd_option_value(argc, argv, &i, "--output", &v)) {
            if (!v || (strcmp(v, "json") != 0 && strcmp(v, "table") != 0)) {
                fprintf(stderr, "schedlab plugins: -o: expected json or table\n");
                return 2;
            }
            output = v;
            continue;
        }
        static const char *const flags[] = {"--output", "-o", "--help"};
        const char *hint = cmd_suggest(argv[i], flags, ARRAY_LEN(flags));
        fprintf(stderr, "schedlab plugins: unknown argument \"%s\"", argv[i]);
        if (hint) fprintf(stderr, "; did you mean %s?", hint);
        fprintf(stderr, " (see schedlab plugins --help)\n");
        return 2;
    }
    sl_registry *registry = cmd_registry_new();
    sl_config defaults;
    sl_config_default(registry, &defaults);
    const sl_profile_config *profile = defaults.nprofiles ? &defaults.profiles[0] : NULL;
    uint32_t n = 0;
    const sl_plugin_registration *const *all = registered_plugins(registry, &n);
    json_t *plugins = json_array();
    for (uint32_t i = 0; i < n; i++) {
        json_t *points = json_array();
        for (int ep = 0; ep < SL_EP_COUNT; ep++)
            if (sl_plugin_implements(all[i], (sl_extension_point)ep))
                json_array_append_new(points, json_string(sl_extension_point_key((sl_extension_point)ep)));
        const json_t *args = profile ? sl_profile_plugin_args(profile, all[i]->name) : NULL;
        json_array_append_new(plugins, json_pack("{s:s, s:o, s:o, s:O}", "name", all[i]->name, "extensionPoints",
                                                 points, "defaultProfile", default_enablement(profile, all[i]->name),
                                                 "defaultArgs", args ? args : json_null()));
    }
    if (!strcmp(output, "json")) {
        json_t *doc = json_pack("{s:o}", "plugins", plugins);
        json_dumpf(doc, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(doc);
    } else {
        size_t w = strlen("NAME"), wp = strlen("EXTENSION POINTS");
        size_t i;
        json_t *p;
        json_array_foreach(plugins, i, p) {
            w = SL_MAX(w, strlen(json_string_value(json_object_get(p, "name"))));
            size_t len = 0, k;
            json_t *ep;
            json_array_foreach(json_object_get(p, "extensionPoints"), k, ep) len += strlen(json_string_value(ep)) + (k ? 1 : 0);
            wp = SL_MAX(wp, len);
        }
        printf("%-*s  %-*s  %s\n", (int)w, "NAME", (int)wp, "EXTENSION POINTS", "DEFAULT PROFILE");
        json_array_foreach(plugins, i, p) {
            strbuf points, enabled;
            strbuf_init(&points);
            strbuf_init(&enabled);
            size_t k;
            json_t *ep;
            json_array_foreach(json_object_get(p, "extensionPoints"), k, ep)
                strbuf_printf(&points, "%s%s", k ? "," : "", json_string_value(ep));
            const char *key;
            json_t *v;
            json_object_foreach(json_object_get(p, "defaultProfile"), key, v) {
                strbuf_printf(&enabled, "%s%s", enabled.len ? "," : "", key);
                if (json_is_integer(v)) strbuf_printf(&enabled, "(weight %lld)", (long long)json_integer_value(v));
            }
            printf("%-*s  %-*s  %s\n", (int)w, json_string_value(json_object_get(p, "name")), (int)wp, strbuf_cstr(&points),
                   enabled.len ? strbuf_cstr(&enabled) : "-");
            const json_t *args = json_object_get(p, "defaultArgs");
            if (json_is_object(args)) {
                char *text = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
                printf("%-*s  args: %s\n", (int)w, "", text ? text : "?");
                free(text);
            }
            strbuf_free(&points);
            strbuf_free(&enabled);
        }
        json_decref(plugins);
    }
    sl_config_free(&defaults);
    sl_registry_free(registry);
    return 0;
}

void cmd_hint_unknown_plugin(const sl_registry *registry, char *err, size_t errsize) {
    static const char marker[] = "unknown plugin \"";
    char *at = strstr(err, marker);
    if (!at) return;
    at += sizeof marker - 1;
    char *end = strchr(at, '"');
    if (!end) return;
    char *name = xstrndup(at, (size_t)(end - at));
    uint32_t n = 0;
    const sl_plugin_registration *const *all = registered_plugins(registry, &n);
    const char **names = xcalloc(n + 1, sizeof *names);
    for (uint32_t i = 0; i < n; i++) names[i] = all[i]->name;
    const char *hint = cmd_suggest(name, names, n);
    size_t len = strlen(err);
    if (hint && len + 1 < errsize)
        snprintf(err + len, errsize - len, "; did you mean \"%s\"?", hint);
    else if (!hint && len + 1 < errsize)
        snprintf(err + len, errsize - len, " (schedlab plugins lists the registered plugins)");
    free(names);
    free(name);
}
