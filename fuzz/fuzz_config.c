/*
 * fuzz_config.c — libFuzzer target for KubeSchedulerConfiguration loading:
 * arbitrary bytes go through k8s_parse_document (YAML or JSON) and, when they
 * parse, through sl_config_load_json (strict decoding, defaults, plugin set
 * merging, multiPoint expansion, args and extender validation). Either call
 * may reject the input; neither may crash, leak or misbehave under
 * ASan/UBSan, and a successful load must free cleanly.
 *
 *   make fuzz && build/fuzz/fuzz_config -max_total_time=60 [corpus-dir]
 *
 * Seed it with the YAML files of examples/ and tests/data/schedule/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/base.h"
#include "k8s/k8s.h"
#include "plugins/registry.h"
#include "scheduler/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool quiet;
    static sl_registry *registry; /* the in-tree plugins, kept for the process */
    if (!quiet) {
        log_set_level(SL_LOG_OFF);
        registry = sl_registry_new_default();
        quiet = true;
    }
    if (size > 1 << 16) return 0; /* config files are small; keep iterations fast */
    char err[512];
    json_t *doc = k8s_parse_document((const char *)data, size, "fuzz.yaml", err, sizeof err);
    if (!doc) return 0;
    sl_config cfg;
    if (sl_config_load_json(doc, "fuzz.yaml", registry, &cfg, err, sizeof err)) {
        /* Exercise the lookups the framework uses. */
        for (uint32_t i = 0; i < cfg.nprofiles; i++) {
            const sl_profile_config *p = &cfg.profiles[i];
            if (sl_config_profile(&cfg, p->scheduler_name) == NULL) __builtin_trap();
            for (int ep = 0; ep < SL_EP_COUNT; ep++)
                for (uint32_t j = 0; j < p->nplugins[ep]; j++)
                    (void)sl_profile_plugin_args(p, p->plugins[ep][j].name);
        }
        sl_config_free(&cfg);
    } else if (cfg.nprofiles || cfg.profiles || cfg.raw || !err[0]) {
        __builtin_trap(); /* a failed load leaves nothing behind and says why */
    }
    json_decref(doc);
    return 0;
}
