/*
 * persist.c — the store's SQLite backend (`--data-dir DIR` -> DIR/store.db).
 *
 * Two tables:
 *   objects(res, key, json, create_rv)  the current version of every object
 *   log(rv, type, res, key, json)        the event log (the last `history`
 *                                        entries, pruned in batches)
 * Each store write is one SQLite transaction (object upsert or delete + log
 * insert), committed before the write becomes visible or is acknowledged.
 * The database runs in WAL mode with synchronous=NORMAL: a committed
 * transaction is in the WAL file (the OS page cache) when COMMIT returns,
 * so it survives kill -9 of the process; surviving a power cut would need
 * synchronous=FULL (an fsync per write, ~10x slower) — a simulator's data
 * dir does not warrant it.
 *
 * On open the tables are loaded back: objects into the store tables, the
 * log into the ring (each MODIFIED entry's `old` is the previous logged
 * version of the same key when the log has it), and the resourceVersion
 * counter continues from the highest revision seen.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_internal.h"

struct sl_persist {
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *rollback, *upsert, *remove, *log_insert, *prune;
    uint64_t writes;
};

static bool exec(sqlite3 *db, const char *sql, char *err, size_t errsize) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errsize, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

static bool prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, char *err, size_t errsize) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
        snprintf(err, errsize, "sqlite: %s: %s", sql, sqlite3_errmsg(db));
        return false;
    }
    return true;
}

static sl_object *load_object(const char *json_text, int res_id, char *err, size_t errsize) {
    json_error_t jerr;
    json_t *json = k8s_json_loadb(json_text, strlen(json_text), 0, &jerr);
    if (!json) {
        snprintf(err, errsize, "bad JSON in the data dir: %s", jerr.text);
        return NULL;
    }
    const sl_resource *res = sl_resource_get((sl_resource_id)res_id);
    if (!res) {
        json_decref(json);
        snprintf(err, errsize, "unknown resource %d in the data dir", res_id);
        return NULL;
    }
    sl_store_error serr;
    sl_object *o = store_object_new(res, json, &serr);
    if (!o) {
        json_decref(json);
        snprintf(err, errsize, "%s", serr.message);
        return NULL;
    }
    const char *rv = json_string_value(
        json_object_get(json_object_get(json, "metadata"), "resourceVersion"));
    o->rv = rv ? strtoull(rv, NULL, 10) : 0;
    return o;
}

static bool load(sl_store *s, char *err, size_t errsize) {
    sqlite3 *db = s->persist->db;
    sqlite3_stmt *st;
    uint64_t max_rv = 0;
    if (!prepare(db, "SELECT res, json, create_rv FROM objects", &st, err, errsize)) return false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char msg[512];
        sl_object *o = load_object((const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 0), msg, sizeof msg);
        if (!o) {
            log_warn("store: skipping a stored object: %s", msg);
            continue;
        }
        o->create_rv = (uint64_t)sqlite3_column_int64(st, 2);
        if (o->rv > max_rv) max_rv = o->rv;
        sl_object *prev = strmap_put(&s->tables[o->res->id], o->key, o);
        sl_object_unref(prev);
    }
    sqlite3_finalize(st);
    if (!prepare(db, "SELECT rv, type, res, json FROM log ORDER BY rv", &st, err, errsize)) return false;
    strmap last = {0}; /* key -> the previous logged version (referenced: the ring may evict it) */
    uint64_t first = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint64_t rv = (uint64_t)sqlite3_column_int64(st, 0);
        int type = sqlite3_column_int(st, 1);
        char msg[512];
        sl_object *o = load_object((const char *)sqlite3_column_text(st, 3), sqlite3_column_int(st, 2), msg, sizeof msg);
        if (!o) {
            log_warn("store: skipping a logged event: %s", msg);
            continue;
        }
        /* share the table's version when it is this one */
        sl_object *cur = strmap_get(&s->tables[o->res->id], o->key);
        if (cur && cur->rv == rv) {
            sl_object_unref(o);
            o = sl_object_ref(cur);
        }
        char full[700];
        snprintf(full, sizeof full, "%d|%s", o->res->id, o->key);
        sl_object *old = type == SL_EVENT_ADDED ? NULL : sl_object_ref(strmap_get(&last, full));
        if (!first) first = rv;
        if (rv > s->rv) s->rv = rv;
        store_log_append(s, (sl_event_type)type, rv, o, old);
        sl_object_unref(strmap_put(&last, full, sl_object_ref(o)));
        if (rv > max_rv) max_rv = rv;
    }
    sqlite3_finalize(st);
    size_t pos = 0;
    void *value;
    while (strmap_next(&last, &pos, NULL, &value)) sl_object_unref(value);
    strmap_free(&last);
    s->rv = max_rv;
    s->log_oldest = first ? first : max_rv + 1;
    /* entries evicted while loading moved log_oldest up already */
    if (s->rv >= s->log_cap && s->log_oldest < s->rv - s->log_cap + 1) s->log_oldest = s->rv - s->log_cap + 1;
    return true;
}

bool store_persist_open(sl_store *s, const char *dir, char *err, size_t errsize) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errsize, "--data-dir %s: %s", dir, strerror(errno));
        return false;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/store.db", dir);
    sl_persist *p = xcalloc(1, sizeof(*p));
    s->persist = p;
    if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errsize, "%s: %s", path, p->db ? sqlite3_errmsg(p->db) : "cannot open");
        return false;
    }
    sqlite3_busy_timeout(p->db, 5000);
    if (!exec(p->db, "PRAGMA journal_mode=WAL", err, errsize) ||
        !exec(p->db, "PRAGMA synchronous=NORMAL", err, errsize) ||
        !exec(p->db,
              "CREATE TABLE IF NOT EXISTS objects(res INTEGER, key TEXT, json TEXT, create_rv INTEGER,"
              " PRIMARY KEY(res, key));"
              "CREATE TABLE IF NOT EXISTS log(rv INTEGER PRIMARY KEY, type INTEGER, res INTEGER,"
              " key TEXT, json TEXT);",
              err, errsize))
        return false;
    if (!prepare(p->db, "BEGIN", &p->begin, err, errsize) ||
        !prepare(p->db, "COMMIT", &p->commit, err, errsize) ||
        !prepare(p->db, "ROLLBACK", &p->rollback, err, errsize) ||
        !prepare(p->db, "INSERT OR REPLACE INTO objects(res, key, json, create_rv) VALUES(?,?,?,?)", &p->upsert, err, errsize) ||
        !prepare(p->db, "DELETE FROM objects WHERE res = ? AND key = ?", &p->remove, err, errsize) ||
        !prepare(p->db, "INSERT INTO log(rv, type, res, key, json) VALUES(?,?,?,?,?)", &p->log_insert, err, errsize) ||
        !prepare(p->db, "DELETE FROM log WHERE rv < ?", &p->prune, err, errsize))
        return false;
    return load(s, err, errsize);
}

void store_persist_close(sl_store *s) {
    sl_persist *p = s->persist;
    if (!p) return;
    sqlite3_stmt *all[] = {p->begin, p->commit, p->rollback, p->upsert, p->remove, p->log_insert, p->prune};
    for (size_t i = 0; i < ARRAY_LEN(all); i++) sqlite3_finalize(all[i]);
    if (p->db) sqlite3_close(p->db);
    free(p);
    s->persist = NULL;
}

static bool step(sl_persist *p, sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

bool store_persist_write(sl_store *s, sl_event_type type, sl_object *obj, sl_store_error *err) {
    sl_persist *p = s->persist;
    size_t len;
    const char *text = sl_object_text(obj, &len);
    bool ok = step(p, p->begin);
    if (ok && type == SL_EVENT_DELETED) {
        sqlite3_bind_int(p->remove, 1, obj->res->id);
        sqlite3_bind_text(p->remove, 2, obj->key, -1, SQLITE_STATIC);
        ok = step(p, p->remove);
    } else if (ok) {
        sqlite3_bind_int(p->upsert, 1, obj->res->id);
        sqlite3_bind_text(p->upsert, 2, obj->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->upsert, 3, text, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(p->upsert, 4, (sqlite3_int64)obj->create_rv);
        ok = step(p, p->upsert);
    }
    if (ok) {
        sqlite3_bind_int64(p->log_insert, 1, (sqlite3_int64)obj->rv);
        sqlite3_bind_int(p->log_insert, 2, type);
        sqlite3_bind_int(p->log_insert, 3, obj->res->id);
        sqlite3_bind_text(p->log_insert, 4, obj->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(p->log_insert, 5, text, (int)len, SQLITE_STATIC);
        ok = step(p, p->log_insert);
    }
    if (ok && ++p->writes % 1024 == 0 && obj->rv > s->log_cap) {
        sqlite3_bind_int64(p->prune, 1, (sqlite3_int64)(obj->rv - s->log_cap));
        ok = step(p, p->prune);
    }
    if (ok) ok = step(p, p->commit);
    if (!ok) {
        const char *msg = sqlite3_errmsg(p->db);
        step(p, p->rollback);
        sl_store_fail(err, 500, "InternalError", "storage error: %s", msg);
        return false;
    }
    return true;
}
