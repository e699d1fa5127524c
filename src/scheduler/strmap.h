/*
 * strmap.h — a small string-keyed hash map (open addressing, linear
 * probing, FNV-1a) used inside src/scheduler for the pod table and the
 * nominator. Keys are copied; values are opaque pointers the caller owns.
 * Deletion uses tombstones; the table rehashes when live + dead entries
 * pass 70 % of the slots. Header-only so each user gets an inlined copy.
 */
#ifndef SCHEDLAB_STRMAP_H
#define SCHEDLAB_STRMAP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

typedef struct strmap_slot {
    char *key;                    /* NULL = empty; STRMAP_TOMBSTONE = deleted */
    uint64_t hash;
    void *value;
} strmap_slot;

typedef struct strmap {
    strmap_slot *slots;
    size_t cap;                   /* power of two or 0 */
    size_t live, used;            /* used = live + tombstones */
} strmap;

/* A sentinel address no allocation can return, the same in every unit. */
#define STRMAP_TOMBSTONE ((char *)(uintptr_t)1)

static inline uint64_t strmap_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static inline void strmap_init(strmap *m) { memset(m, 0, sizeof(*m)); }

static inline void strmap_free(strmap *m) {
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != STRMAP_TOMBSTONE) free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static inline strmap_slot *strmap_find_slot(const strmap *m, const char *key, uint64_t h) {
    if (!m->cap) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        strmap_slot *s = &m->slots[i];
        if (!s->key) return NULL;
        if (s->key != STRMAP_TOMBSTONE && s->hash == h && strcmp(s->key, key) == 0) return s;
    }
}

static inline void *strmap_get(const strmap *m, const char *key) {
    strmap_slot *s = strmap_find_slot(m, key, strmap_hash(key));
    return s ? s->value : NULL;
}

static inline void strmap_grow(strmap *m) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    while (m->live * 10 >= ncap * 5) ncap *= 2;
    strmap_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof(strmap_slot));
    m->cap = ncap;
    m->used = m->live;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key || old[i].key == STRMAP_TOMBSTONE) continue;
        size_t j = old[i].hash & (ncap - 1);
        while (m->slots[j].key) j = (j + 1) & (ncap - 1);
        m->slots[j] = old[i];
    }
    free(old);
}

/* Sets key -> value (replacing an existing value). */
static inline void strmap_put(strmap *m, const char *key, void *value) {
    uint64_t h = strmap_hash(key);
    strmap_slot *s = strmap_find_slot(m, key, h);
    if (s) {
        s->value = value;
        return;
    }
    if ((m->used + 1) * 10 >= m->cap * 7) strmap_grow(m);
    size_t mask = m->cap - 1, i = h & mask;
    while (m->slots[i].key && m->slots[i].key != STRMAP_TOMBSTONE) i = (i + 1) & mask;
    if (!m->slots[i].key) m->used++;
    m->slots[i].key = xstrdup(key);
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->live++;
}

/* Removes key; returns its value (NULL if absent). */
static inline void *strmap_remove(strmap *m, const char *key) {
    strmap_slot *s = strmap_find_slot(m, key, strmap_hash(key));
    if (!s) return NULL;
    void *v = s->value;
    free(s->key);
    s->key = STRMAP_TOMBSTONE;
    s->value = NULL;
    m->live--;
    return v;
}

#define STRMAP_FOREACH(m, slot)                                                   \
    for (strmap_slot *slot = (m)->slots; slot && slot < (m)->slots + (m)->cap; slot++) \
        if (slot->key && slot->key != STRMAP_TOMBSTONE)

#endif
