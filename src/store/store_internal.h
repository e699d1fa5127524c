/*
 * store_internal.h — the store's private structures, shared by store.c,
 * persist.c and admission.c (not part of the contract).
 */
#ifndef SCHEDLAB_STORE_INTERNAL_H
#define SCHEDLAB_STORE_INTERNAL_H

#include <pthread.h>

#include "base/strmap.h"
#include "store/store.h"

typedef struct log_entry {
    sl_event_type type;
    uint64_t rv;
    sl_object *obj;            /* referenced */
    sl_object *old;            /* referenced; NULL for ADDED */
    uint64_t prev_of_kind;     /* the revision of the previous entry of the same kind (0: none) */
} log_entry;

typedef struct listener {
    sl_listener_fn fn;
    void *user;
    uint64_t id;
    uint64_t from_rv;          /* deliver events after this revision */
    bool removed;
} listener;

typedef struct sl_persist sl_persist;

struct sl_store {
    /* lock: tables, rv, ring, log_oldest, persist */
    pthread_rwlock_t lock;
    strmap tables[SL_RES_COUNT];   /* key -> current version (one reference each) */
    uint64_t rv;                   /* written under lock, read atomically */
    log_entry *ring;
    uint32_t log_cap;
    uint64_t log_oldest;           /* the oldest revision the ring holds */
    sl_persist *persist;

    /* notify_lock: watchers sleep on the condition of their kind, so a
     * write wakes only the watchers that may want it */
    pthread_mutex_t notify_lock;
    pthread_cond_t notify[SL_RES_COUNT];
    uint64_t kind_rv[SL_RES_COUNT]; /* the last revision of each kind: written under lock, read atomically */

    /* dispatch_lock: listeners, dispatched */
    pthread_mutex_t dispatch_lock;
    VEC(listener) listeners;
    size_t nlisteners;             /* atomic copy of listeners.len */
    uint64_t next_listener_id;
    uint64_t dispatched;

    pthread_mutex_t rng_lock;
    rng rng;

    sl_clock *clock;
    bool owns_clock;
    bool snapshot;
    sl_admit_fn admit;
    void *admit_user;
};

sl_object *store_object_new(const sl_resource *res, json_t *json, sl_store_error *err);
void store_log_append(sl_store *s, sl_event_type type, uint64_t rv, sl_object *obj, sl_object *old);

/* persist.c */
bool store_persist_open(sl_store *s, const char *dir, char *err, size_t errsize);
void store_persist_close(sl_store *s);
/* Called with s->lock held exclusively, before the write becomes visible. */
bool store_persist_write(sl_store *s, sl_event_type type, sl_object *obj, sl_store_error *err);

#endif
