/* libFuzzer target: what an API server's LIST or watch hands the remote
 * informers (cluster_remote.c) for the on_object kinds — a JSON list
 * ({"items": [...]}) or a watch event ({"type": .., "object": ..}) — built
 * into standalone versions (sl_object_new, for every resource whatever the
 * object's kind says) and fed to the scheduler cache as the scheduler's
 * on_object does (PDB and selector decoding), then a snapshot. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cache.h"
#include "store/store.h"

static const struct {
    sl_resource_id res;
    int cache_kind;            /* -1: the cache does not keep it */
} kinds[] = {
    {SL_RES_PRIORITYCLASSES, -1},
    {SL_RES_PODDISRUPTIONBUDGETS, SL_CACHE_PDB},
    {SL_RES_SERVICES, SL_CACHE_SERVICE},
    {SL_RES_REPLICATIONCONTROLLERS, SL_CACHE_REPLICATION_CONTROLLER},
    {SL_RES_REPLICASETS, SL_CACHE_REPLICA_SET},
    {SL_RES_STATEFULSETS, SL_CACHE_STATEFUL_SET},
    {SL_RES_PODS, -1},
    {SL_RES_NODES, -1},
    {SL_RES_NAMESPACES, -1},
};

static void feed(sl_cache *cache, const json_t *obj, bool remove) {
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        sl_store_error err;
        sl_object *o = sl_object_new(sl_resource_get(kinds[k].res), obj, &err);
        if (!o) continue;
        if (kinds[k].cache_kind >= 0) {
            if (remove) sl_cache_remove_object(cache, kinds[k].cache_kind, o->namespace_, o->name);
            else sl_cache_set_object(cache, kinds[k].cache_kind, o->json);
        }
        sl_object_unref(o);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 64 * 1024) return 0;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!doc) return 0;
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    json_t *items = json_object_get(doc, "items");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) feed(cache, item, false);
    const char *type = json_string_value(json_object_get(doc, "type"));
    json_t *obj = json_object_get(doc, "object");
    if (obj) feed(cache, obj, type && !strcmp(type, "DELETED"));
    feed(cache, doc, false);
    sl_cache_update_snapshot(cache, snap);
    uint32_t n = 0;
    const sl_pdb *const *pdbs = sl_snapshot_pdbs(snap, &n);
    for (uint32_t p = 0; p < n; p++) (void)pdbs[p]->disruptions_allowed;
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    json_decref(doc);
    return 0;
}
