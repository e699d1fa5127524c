/*
 * cluster_ledger.c — the version ledger (cluster.h): how a cluster source
 * frees the object versions it handed to the scheduler once nothing can
 * reference them any more.
 *
 * The source numbers the events it delivers to the handler (1, 2, ...). A
 * version is *retired* by the event that superseded it (MODIFIED: the old
 * one; DELETED: the previous one and the last state itself) and is tagged
 * with that event's number. The scheduler, at a point where it holds no
 * pointer to any version superseded before the mark it passes, calls
 * release(mark): every retired version tagged <= mark is freed. Work the
 * source itself does with a version after the op that gave it returned (an
 * asynchronous bind) pins the mark of that moment; release never goes past
 * the oldest pin.
 *
 * Retirements arrive in event order (a source delivers its events one at
 * a time), so the ledger is a FIFO and release pops its head. Pins are few
 * (in-flight binds): a plain list.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cluster.h"

typedef struct retired {
    uint64_t seq;
    void *version;
    void (*free_fn)(void *);
} retired;

struct sl_version_ledger {
    pthread_mutex_t lock;
    uint64_t delivered;           /* atomic */
    VEC(retired) items;           /* items[head..len) are waiting */
    size_t head;
    VEC(uint64_t) pins;
    uint64_t freed;
};

sl_version_ledger *sl_version_ledger_new(void) {
    sl_version_ledger *l = xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->lock, NULL);
    return l;
}

void sl_version_ledger_free(sl_version_ledger *l) {
    if (!l) return;
    for (size_t i = l->head; i < l->items.len; i++) l->items.items[i].free_fn(l->items.items[i].version);
    VEC_FREE(&l->items);
    VEC_FREE(&l->pins);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

uint64_t sl_version_ledger_deliver(sl_version_ledger *l) {
    return __atomic_add_fetch(&l->delivered, 1, __ATOMIC_ACQ_REL);
}

uint64_t sl_version_ledger_mark(sl_version_ledger *l) {
    return __atomic_load_n(&l->delivered, __ATOMIC_ACQUIRE);
}

void sl_version_ledger_retire(sl_version_ledger *l, uint64_t seq, void *version,
                              void (*free_fn)(void *)) {
    if (!version) return;
    retired r = {seq, version, free_fn};
    pthread_mutex_lock(&l->lock);
    VEC_PUSH(&l->items, r);
    pthread_mutex_unlock(&l->lock);
}

uint64_t sl_version_ledger_pin(sl_version_ledger *l, uint64_t mark) {
    pthread_mutex_lock(&l->lock);
    VEC_PUSH(&l->pins, mark);
    pthread_mutex_unlock(&l->lock);
    return mark;
}

void sl_version_ledger_unpin(sl_version_ledger *l, uint64_t pin) {
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->pins.len; i++) {
        if (l->pins.items[i] == pin) {
            l->pins.items[i] = l->pins.items[--l->pins.len];
            break;
        }
    }
    pthread_mutex_unlock(&l->lock);
}

uint64_t sl_version_ledger_limit(sl_version_ledger *l, uint64_t mark) {
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->pins.len; i++)
        if (l->pins.items[i] < mark) mark = l->pins.items[i];
    pthread_mutex_unlock(&l->lock);
    return mark;
}

void sl_version_ledger_release(sl_version_ledger *l, uint64_t mark) {
    retired batch[64];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&l->lock);
        for (size_t i = 0; i < l->pins.len; i++)
            if (l->pins.items[i] < mark) mark = l->pins.items[i];
        while (n < ARRAY_LEN(batch) && l->head < l->items.len && l->items.items[l->head].seq <= mark)
            batch[n++] = l->items.items[l->head++];
        if (l->head == l->items.len) {
            l->head = l->items.len = 0;
        } else if (l->head > 4096 && l->head * 2 > l->items.len) {
            memmove(l->items.items, l->items.items + l->head, (l->items.len - l->head) * sizeof(retired));
            l->items.len -= l->head;
            l->head = 0;
        }
        l->freed += n;
        pthread_mutex_unlock(&l->lock);
        /* freed outside the lock: a free may reach the store */
        for (size_t i = 0; i < n; i++) batch[i].free_fn(batch[i].version);
        if (n < ARRAY_LEN(batch)) return;
    }
}

void sl_version_ledger_stats(sl_version_ledger *l, sl_cluster_versions *out) {
    pthread_mutex_lock(&l->lock);
    out->retired = l->items.len - l->head;
    out->freed = l->freed;
    pthread_mutex_unlock(&l->lock);
}
