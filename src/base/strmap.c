/*
 * strmap.c — the string hash map declared in strmap.h: FNV-1a hashing with
 * a final mix, linear probing, backward-shift deletion.
 */
#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* FNV-1a, then a final mix so the low bits are usable as the slot index. */
static uint64_t strmap_hash(const char *key) {
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

void strmap_init(strmap *m) { memset(m, 0, sizeof(*m)); }

void strmap_free(strmap *m) {
    for (uint32_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* The slot holding key, or NULL. */
static strmap_entry *find_slot(const strmap *m, const char *key, uint64_t h) {
    if (!m->cap) return NULL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        strmap_entry *e = &m->slots[i];
        if (!e->key) return NULL;
        if (e->hash == h && strcmp(e->key, key) == 0) return e;
    }
}

/* Places e in the first free slot of its probe run (e's key is not present). */
static void place(strmap *m, strmap_entry e) {
    uint32_t mask = m->cap - 1;
    uint32_t i = (uint32_t)e.hash & mask;
    while (m->slots[i].key) i = (i + 1) & mask;
    m->slots[i] = e;
}

static void grow(strmap *m) {
    uint32_t ncap = m->cap ? m->cap * 2 : 16;
    strmap_entry *old = m->slots;
    uint32_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof(strmap_entry));
    m->cap = ncap;
    for (uint32_t i = 0; i < ocap; i++)
        if (old[i].key) place(m, old[i]);
    free(old);
}

void *strmap_get(const strmap *m, const char *key) {
    strmap_entry *e = find_slot(m, key, strmap_hash(key));
    return e ? e->value : NULL;
}

void *strmap_put(strmap *m, const char *key, void *value) {
    uint64_t h = strmap_hash(key);
    strmap_entry *e = find_slot(m, key, h);
    if (e) {
        void *old = e->value;
        e->value = value;
        return old;
    }
    if ((m->len + 1) * 4 > m->cap * 3) grow(m);
    place(m, (strmap_entry){xstrdup(key), h, value});
    m->len++;
    return NULL;
}

void *strmap_remove(strmap *m, const char *key) {
    strmap_entry *e = find_slot(m, key, strmap_hash(key));
    if (!e) return NULL;
    void *value = e->value;
    free(e->key);
    uint32_t mask = m->cap - 1;
    uint32_t hole = (uint32_t)(e - m->slots);
    /* Backward shift: move each later member of the probe run into the hole
     * unless its home slot lies cyclically in (hole, j], where it must stay. */
    for (uint32_t j = (hole + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        uint32_t home = (uint32_t)m->slots[j].hash & mask;
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays) continue;
        m->slots[hole] = m->slots[j];
        hole = j;
    }
    m->slots[hole] = (strmap_entry){0};
    m->len--;
    return value;
}

bool strmap_next(const strmap *m, size_t *pos, const char **key, void **value) {
    for (size_t i = *pos; i < m->cap; i++) {
        if (!m->slots[i].key) continue;
        if (key) *key = m->slots[i].key;
        if (value) *value = m->slots[i].value;
        *pos = i + 1;
        return true;
    }
    *pos = m->cap;
    return false;
}
