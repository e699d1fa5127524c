/*
 * strmap — the project's one string-keyed hash map. The scheduler uses it
 * for its pod table, the nominator and the cache's node, pod and image
 * indexes; the in-process cluster store uses it for its pod and node
 * lookups by "namespace/name" or name.
 *
 * Keys are copied into the map (the caller's string need not outlive the
 * call) and freed by the map; values are opaque pointers the caller owns.
 * A zero-initialised strmap is an empty map.
 *
 * Open addressing with linear probing over a power-of-two table, at most
 * three quarters full. Removal shifts later members of the probe run back
 * instead of leaving tombstones, so lookups stay short however much the
 * map churns.
 */
#ifndef SCHEDLAB_BASE_STRMAP_H
#define SCHEDLAB_BASE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct strmap_entry {
    char *key;                    /* NULL: empty slot */
    uint64_t hash;
    void *value;
} strmap_entry;

typedef struct strmap {
    strmap_entry *slots;
    uint32_t cap;                 /* 0 or a power of two */
    uint32_t len;                 /* number of keys */
} strmap;

void strmap_init(strmap *m);
/* Frees the keys and the table, not the values; the map is then empty. */
void strmap_free(strmap *m);
static inline size_t strmap_len(const strmap *m) { return m->len; }

/* The value stored under key, or NULL. */
void *strmap_get(const strmap *m, const char *key);
/* Sets key -> value; returns the value it replaced (NULL if key was new). */
void *strmap_put(strmap *m, const char *key, void *value);
/* Removes key; returns its value (NULL if it was absent). */
void *strmap_remove(strmap *m, const char *key);

/* Iteration, in no particular order:
 *
 *     size_t pos = 0;
 *     const char *key;
 *     void *value;
 *     while (strmap_next(m, &pos, &key, &value)) ...
 *
 * The map must not be changed during the loop (collect, then remove).
 * key or value may be NULL when not wanted. */
bool strmap_next(const strmap *m, size_t *pos, const char **key, void **value);

#endif
