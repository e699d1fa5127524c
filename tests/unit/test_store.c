/* test_store.c — the object store: versions, resourceVersions, metadata,
 * conflicts, selectors, watches (resume, filter transitions, 410),
 * listeners, admission and SQLite persistence. */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

static const sl_resource *PODS, *NODES, *NS, *EVENTS, *PCS;

static json_t *pod_json(const char *name, const char *node, const char *label) {
    json_t *p = json_pack("{s:s,s:s,s:{s:s,s:{s:s}},s:{s:[{s:s,s:s}]}}", "apiVersion", "v1", "kind",
                          "Pod", "metadata", "name", name, "labels", "app", label, "spec",
                          "containers", "name", "c", "image", "busybox");
    if (node) json_object_set_new(json_object_get(p, "spec"), "nodeName", json_string(node));
    return p;
}

static sl_store *open_store(const char *dir, uint32_t history) {
    char err[256] = "";
    sl_store_options o = {.history = history, .data_dir = dir};
    sl_store *s = sl_store_open(&o, err, sizeof err);
    if (!s) fprintf(stderr, "open: %s\n", err);
    return s;
}

static int create_pod(sl_store *s, const char *name, const char *node, const char *label,
                      sl_object **out) {
    json_t *p = pod_json(name, node, label);
    sl_store_error err;
    int code = sl_store_create(s, PODS, "default", p, out, &err);
    json_decref(p);
    return code;
}

TEST(precreated_and_metadata) {
    sl_store *s = open_store(NULL, 0);
    sl_object *ns;
    sl_store_error err;
    CHECK_EQ_INT(sl_store_get(s, NS, NULL, "kube-node-lease", &ns, &err), 200);
    sl_object_unref(ns);
    sl_object *pc;
    CHECK_EQ_INT(sl_store_get(s, PCS, NULL, "system-node-critical", &pc, &err), 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(pc->json, "value")), 2000001000);
    sl_object_unref(pc);
    uint64_t before = sl_store_revision(s);
    sl_object *p;
    CHECK_EQ_INT(create_pod(s, "web-1", NULL, "web", &p), 201);
    CHECK_EQ_INT(p->rv, before + 1);
    json_t *meta = json_object_get(p->json, "metadata");
    CHECK_EQ_INT(strlen(json_string_value(json_object_get(meta, "uid"))), 36);
    CHECK(json_string_value(json_object_get(meta, "creationTimestamp")) != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(p->json, "kind")), "Pod");
    CHECK_EQ_STR(sl_object_pod(p)->name, "web-1");
    CHECK_EQ_STR(sl_object_pod(p)->scheduler_name, "default-scheduler");
    size_t len;
    const char *text = sl_object_text(p, &len);
    CHECK(strstr(text, "\"resourceVersion\":\"") != NULL);
    CHECK_EQ_INT(len, strlen(text));
    /* duplicate -> 409 AlreadyExists; bad name -> 422; missing ns -> 404 */
    CHECK_EQ_INT(create_pod(s, "web-1", NULL, "web", NULL), 409);
    CHECK_EQ_INT(create_pod(s, "Bad_Name", NULL, "web", NULL), 422);
    json_t *q = pod_json("x", NULL, "web");
    CHECK_EQ_INT(sl_store_create(s, PODS, "nosuch", q, NULL, &err), 404);
    CHECK_EQ_STR(err.message, "namespaces \"nosuch\" not found");
    /* generateName */
    json_object_del(json_object_get(q, "metadata"), "name");
    json_object_set_new(json_object_get(q, "metadata"), "generateName", json_string("gen-"));
    sl_object *g;
    CHECK_EQ_INT(sl_store_create(s, PODS, "default", q, &g, &err), 201);
    CHECK(!strncmp(g->name, "gen-", 4) && strlen(g->name) == 9);
    sl_object_unref(g);
    json_object_del(json_object_get(q, "metadata"), "generateName");
    CHECK_EQ_INT(sl_store_create(s, PODS, "default", q, NULL, &err), 422);
    CHECK_EQ_STR(err.cause_field, "metadata.name");
    json_decref(q);
    sl_object_unref(p);
    sl_store_close(s);
}

static int set_node(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    UNUSED(err);
    *next = json_deep_copy(cur->json);
    json_object_set_new(json_object_get(*next, "spec"), "nodeName", json_string(user));
    return 200;
}

static int stale_update(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    UNUSED(err);
    *next = json_deep_copy(cur->json);
    json_object_set_new(json_object_get(*next, "metadata"), "resourceVersion", json_string(user));
    json_object_set_new(json_object_get(*next, "metadata"), "labels", json_pack("{s:s}", "app", "x"));
    return 200;
}

TEST(versions_are_immutable_and_conflicts_409) {
    sl_store *s = open_store(NULL, 0);
    sl_object *v1, *v2;
    sl_store_error err;
    CHECK_EQ_INT(create_pod(s, "p", NULL, "web", &v1), 201);
    CHECK_EQ_INT(sl_store_update(s, PODS, "default", "p", set_node, "n1", &v2, &err), 200);
    CHECK(v2 != v1);
    CHECK_EQ_INT(v2->rv, v1->rv + 1);
    CHECK_EQ_STR(sl_object_pod(v1)->node_name, "");     /* the old version is untouched */
    CHECK_EQ_STR(sl_object_pod(v2)->node_name, "n1");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(v1->json, "metadata"), "uid")),
                 json_string_value(json_object_get(json_object_get(v2->json, "metadata"), "uid")));
    /* no change: no new version */
    sl_object *v3;
    CHECK_EQ_INT(sl_store_update(s, PODS, "default", "p", set_node, "n1", &v3, &err), 200);
    CHECK(v3 == v2);
    sl_object_unref(v3);
    char stale[24];
    snprintf(stale, sizeof stale, "%llu", (unsigned long long)v1->rv);
    CHECK_EQ_INT(sl_store_update(s, PODS, "default", "p", stale_update, stale, NULL, &err), 409);
    CHECK_EQ_STR(err.reason, "Conflict");
    snprintf(stale, sizeof stale, "%llu", (unsigned long long)v2->rv);
    CHECK_EQ_INT(sl_store_update(s, PODS, "default", "p", stale_update, stale, NULL, &err), 200);
    CHECK_EQ_INT(sl_store_update(s, PODS, "default", "nope", set_node, "n1", NULL, &err), 404);
    sl_object *gone;
    CHECK_EQ_INT(sl_store_delete(s, PODS, "default", "p", 0, NULL, &gone, &err), 200);
    CHECK_EQ_INT(gone->rv, sl_store_revision(s));
    CHECK_EQ_INT(sl_store_delete(s, PODS, "default", "p", 0, NULL, NULL, &err), 404);
    sl_object_unref(gone);
    sl_object_unref(v1);
    sl_object_unref(v2);
    sl_store_close(s);
}

TEST(selectors_and_lists) {
    sl_store *s = open_store(NULL, 0);
    create_pod(s, "a", "n1", "web", NULL);
    create_pod(s, "b", NULL, "web", NULL);
    create_pod(s, "c", "n2", "db", NULL);
    sl_selector sel;
    sl_store_error err;
    CHECK(sl_selector_parse(&sel, PODS, "app in (web, x),!gone", "spec.nodeName=", &err));
    sl_list_options lo = {.selector = &sel};
    sl_list l;
    CHECK_EQ_INT(sl_store_list(s, PODS, &lo, &l, &err), 200);
    CHECK_EQ_INT(l.len, 1);
    CHECK_EQ_STR(l.items[0]->name, "b");
    sl_list_free(&l);
    sl_selector_free(&sel);
    CHECK(sl_selector_parse(&sel, PODS, "app!=web", "spec.nodeName!=,status.phase!=Failed", &err));
    CHECK_EQ_INT(sl_store_list(s, PODS, &lo, &l, &err), 200);
    CHECK_EQ_INT(l.len, 1);
    CHECK_EQ_STR(l.items[0]->name, "c");
    sl_list_free(&l);
    sl_selector_free(&sel);
    CHECK(!sl_selector_parse(&sel, PODS, NULL, "spec.bogus=1", &err));
    CHECK_EQ_INT(err.code, 400);
    CHECK_EQ_STR(err.message, "field label not supported: spec.bogus");
    sl_selector_free(&sel);
    CHECK(!sl_selector_parse(&sel, PODS, "app in (", NULL, &err));
    sl_selector_free(&sel);
    /* pagination */
    lo = (sl_list_options){.limit = 2};
    CHECK_EQ_INT(sl_store_list(s, PODS, &lo, &l, &err), 200);
    CHECK_EQ_INT(l.len, 2);
    CHECK(l.continue_token != NULL);
    char *token = xstrdup(l.continue_token);
    sl_list_free(&l);
    lo.continue_token = token;
    CHECK_EQ_INT(sl_store_list(s, PODS, &lo, &l, &err), 200);
    CHECK_EQ_INT(l.len, 1);
    CHECK_EQ_STR(l.items[0]->name, "c");
    CHECK(l.continue_token == NULL);
    sl_list_free(&l);
    free(token);
    /* nodes: spec.unschedulable */
    json_t *n = json_pack("{s:{s:s},s:{s:b}}", "metadata", "name", "n1", "spec", "unschedulable", 1);
    CHECK_EQ_INT(sl_store_create(s, NODES, NULL, n, NULL, &err), 201);
    json_decref(n);
    CHECK(sl_selector_parse(&sel, NODES, NULL, "spec.unschedulable=true", &err));
    lo = (sl_list_options){.selector = &sel};
    CHECK_EQ_INT(sl_store_list(s, NODES, &lo, &l, &err), 200);
    CHECK_EQ_INT(l.len, 1);
    sl_list_free(&l);
    sl_selector_free(&sel);
    sl_store_close(s);
}

/* Pages of every size, with and without a selector, concatenate to the
 * sorted filtered list (the page is chosen by quickselect, not a sort). */
TEST(pagination_matches_a_sorted_list) {
    sl_store *s = open_store(NULL, 0);
    sl_store_error err;
    srand(7);
    enum { N = 300 };
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p-%05d", (rand() % 100000) * 7 + i % 7);
        create_pod(s, name, i % 3 ? NULL : "n1", i % 2 ? "web" : "db", NULL);
    }
    sl_selector sel;
    CHECK(sl_selector_parse(&sel, PODS, NULL, "spec.nodeName=", &err));
    for (int with_sel = 0; with_sel < 2; with_sel++) {
        sl_list_options all_o = {.selector = with_sel ? &sel : NULL};
        sl_list all;
        CHECK_EQ_INT(sl_store_list(s, PODS, &all_o, &all, &err), 200);
        for (size_t i = 1; i < all.len; i++) CHECK(strcmp(all.items[i - 1]->key, all.items[i]->key) < 0);
        uint32_t limits[] = {1, 2, 3, 7, 50, 199, 200, 201, 500};
        for (size_t li = 0; li < sizeof limits / sizeof *limits; li++) {
            size_t at = 0;
            char *token = NULL;
            int pages = 0;
            for (;;) {
                sl_list_options o = {.selector = all_o.selector, .limit = limits[li], .continue_token = token};
                sl_list page;
                CHECK_EQ_INT(sl_store_list(s, PODS, &o, &page, &err), 200);
                for (size_t i = 0; i < page.len && at < all.len; i++, at++)
                    CHECK_EQ_STR(page.items[i]->key, all.items[at]->key);
                free(token);
                token = page.continue_token ? xstrdup(page.continue_token) : NULL;
                CHECK(page.len <= limits[li]);
                sl_list_free(&page);
                pages++;
                if (!token || pages > N + 1) break;
            }
            free(token);
            CHECK_EQ_INT(at, all.len);
        }
        sl_list_free(&all);
    }
    sl_selector_free(&sel);
    sl_store_close(s);
}

TEST(watch_resume_filter_and_expiry) {
    sl_store *s = open_store(NULL, 8);
    sl_store_error err;
    create_pod(s, "a", NULL, "web", NULL);
    uint64_t mark = sl_store_revision(s);
    sl_selector sel;
    CHECK(sl_selector_parse(&sel, PODS, NULL, "spec.nodeName=", &err));
    sl_watcher *all, *unbound, *initial;
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, mark, &all, &err), 200);
    CHECK_EQ_INT(sl_store_watch(s, PODS, "default", &sel, mark, &unbound, &err), 200);
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, 0, &initial, &err), 200);
    create_pod(s, "b", NULL, "web", NULL);
    sl_store_update(s, PODS, "default", "a", set_node, "n1", NULL, &err);
    sl_store_event ev;
    CHECK_EQ_INT(sl_watcher_next(all, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_ADDED);
    CHECK_EQ_STR(ev.obj->name, "b");
    sl_store_event_release(&ev);
    CHECK_EQ_INT(sl_watcher_next(all, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_MODIFIED);
    CHECK(ev.old && !sl_object_pod(ev.old)->node_name[0]);
    sl_store_event_release(&ev);
    CHECK_EQ_INT(sl_watcher_next(all, &ev, 1000000), 0);
    /* the filtered watch sees a leave the filter as DELETED */
    CHECK_EQ_INT(sl_watcher_next(unbound, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_ADDED);
    sl_store_event_release(&ev);
    CHECK_EQ_INT(sl_watcher_next(unbound, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_DELETED);
    CHECK_EQ_STR(ev.obj->name, "a");
    sl_store_event_release(&ev);
    /* rv 0: synthetic ADDED for what existed (a), then the changes */
    CHECK_EQ_INT(sl_watcher_next(initial, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_ADDED);
    CHECK_EQ_STR(ev.obj->name, "a");
    sl_store_event_release(&ev);
    /* a watcher that falls out of the ring gets -1; an old rv gets 410 */
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", i);
        create_pod(s, name, NULL, "web", NULL);
    }
    CHECK_EQ_INT(sl_watcher_next(unbound, &ev, 0), -1);
    sl_watcher *old;
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, mark, &old, &err), 410);
    CHECK_EQ_STR(err.reason, "Expired");
    sl_watcher_close(all);
    sl_watcher_close(unbound);
    sl_watcher_close(initial);
    sl_selector_free(&sel);
    sl_store_close(s);
}

typedef struct seen {
    char log[512];
    sl_store *s;
} seen;

static void on_event(void *user, const sl_store_event *ev) {
    seen *w = user;
    if (ev->res->id != SL_RES_PODS && ev->res->id != SL_RES_NAMESPACES) return;
    char line[64];
    snprintf(line, sizeof line, "%c:%s ", sl_event_type_name(ev->type)[0], ev->obj->name);
    strncat(w->log, line, sizeof(w->log) - strlen(w->log) - 1);
    /* writes from inside a listener are delivered after it returns */
    if (ev->type == SL_EVENT_ADDED && !strcmp(ev->obj->name, "late")) {
        sl_store_error err;
        sl_store_update(w->s, PODS, "default", "late", set_node, "n9", NULL, &err);
    }
}

TEST(listeners_replay_then_follow_in_order) {
    sl_store *s = open_store(NULL, 0);
    create_pod(s, "first", NULL, "web", NULL);
    seen w = {.s = s};
    sl_resource_id order[] = {SL_RES_PODS};
    uint64_t id = sl_store_listen(s, on_event, &w, order, 1);
    CHECK_EQ_STR(w.log, "A:first ");
    create_pod(s, "late", NULL, "web", NULL);
    CHECK_EQ_STR(w.log, "A:first A:late M:late ");
    sl_store_unlisten(s, id);
    create_pod(s, "after", NULL, "web", NULL);
    CHECK_EQ_STR(w.log, "A:first A:late M:late ");
    sl_store_close(s);
}

TEST(admission_priority_and_defaults) {
    sl_store *s = open_store(NULL, 0);
    sl_admission_install(s, false);
    sl_store_error err;
    json_t *pc = json_pack("{s:{s:s},s:i,s:b}", "metadata", "name", "high", "value", 1000, "globalDefault", 1);
    CHECK_EQ_INT(sl_store_create(s, PCS, NULL, pc, NULL, &err), 201);
    json_decref(pc);
    sl_object *p;
    CHECK_EQ_INT(create_pod(s, "d", NULL, "web", &p), 201);
    json_t *spec = json_object_get(p->json, "spec");
    CHECK_EQ_INT(json_integer_value(json_object_get(spec, "priority")), 1000);
    CHECK_EQ_STR(json_string_value(json_object_get(spec, "priorityClassName")), "high");
    CHECK_EQ_STR(json_string_value(json_object_get(spec, "restartPolicy")), "Always");
    CHECK_EQ_INT(json_array_size(json_object_get(spec, "tolerations")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(p->json, "status"), "phase")), "Pending");
    CHECK_EQ_INT(sl_object_pod(p)->priority, 1000);
    sl_object_unref(p);
    json_t *q = pod_json("e", NULL, "web");
    json_object_set_new(json_object_get(q, "spec"), "priorityClassName", json_string("nosuch"));
    CHECK_EQ_INT(sl_store_create(s, PODS, "default", q, NULL, &err), 403);
    CHECK(strstr(err.message, "no PriorityClass with name nosuch") != NULL);
    json_object_set_new(json_object_get(q, "spec"), "priorityClassName", json_string("system-node-critical"));
    json_object_set_new(json_object_get(q, "spec"), "priority", json_integer(5));
    CHECK_EQ_INT(sl_store_create(s, PODS, "default", q, NULL, &err), 403);
    json_object_del(json_object_get(q, "spec"), "containers");
    json_object_del(json_object_get(q, "spec"), "priority");
    CHECK_EQ_INT(sl_store_create(s, PODS, "default", q, NULL, &err), 422);
    CHECK_EQ_STR(err.cause_field, "spec.containers");
    json_decref(q);
    /* a second global default is refused */
    pc = json_pack("{s:{s:s},s:i,s:b}", "metadata", "name", "other", "value", 5, "globalDefault", 1);
    CHECK_EQ_INT(sl_store_create(s, PCS, NULL, pc, NULL, &err), 422);
    json_decref(pc);
    sl_store_close(s);
}

TEST(namespace_delete_cascades) {
    sl_store *s = open_store(NULL, 0);
    sl_store_error err;
    json_t *ns = json_pack("{s:{s:s}}", "metadata", "name", "team");
    CHECK_EQ_INT(sl_store_create(s, NS, NULL, ns, NULL, &err), 201);
    json_decref(ns);
    json_t *p = pod_json("p", NULL, "web");
    CHECK_EQ_INT(sl_store_create(s, PODS, "team", p, NULL, &err), 201);
    json_decref(p);
    CHECK_EQ_INT(sl_store_delete(s, NS, NULL, "team", 0, NULL, NULL, &err), 200);
    sl_object *o;
    CHECK_EQ_INT(sl_store_get(s, PODS, "team", "p", &o, &err), 404);
    CHECK_EQ_INT(sl_store_delete(s, NS, NULL, "default", 0, NULL, NULL, &err), 403);
    sl_store_close(s);
}

TEST(persistence_survives_reopen) {
    char dir[] = "/tmp/schedlab-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sl_store *s = open_store(dir, 100);
    sl_store_error err;
    create_pod(s, "a", NULL, "web", NULL);
    create_pod(s, "b", NULL, "web", NULL);
    uint64_t mark = sl_store_revision(s);
    sl_store_update(s, PODS, "default", "a", set_node, "n1", NULL, &err);
    sl_store_delete(s, PODS, "default", "b", 0, NULL, NULL, &err);
    uint64_t last = sl_store_revision(s);
    sl_store_close(s);
    s = open_store(dir, 100);
    CHECK(s != NULL);
    CHECK_EQ_INT(sl_store_revision(s), last);
    sl_object *a;
    CHECK_EQ_INT(sl_store_get(s, PODS, "default", "a", &a, &err), 200);
    CHECK_EQ_STR(sl_object_pod(a)->node_name, "n1");
    sl_object_unref(a);
    CHECK_EQ_INT(sl_store_get(s, PODS, "default", "b", &a, &err), 404);
    sl_watcher *w;
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, mark, &w, &err), 200);
    sl_store_event ev;
    CHECK_EQ_INT(sl_watcher_next(w, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_MODIFIED);
    CHECK_EQ_INT(ev.rv, mark + 1);
    sl_store_event_release(&ev);
    CHECK_EQ_INT(sl_watcher_next(w, &ev, 0), 1);
    CHECK_EQ_INT(ev.type, SL_EVENT_DELETED);
    sl_store_event_release(&ev);
    CHECK_EQ_INT(sl_watcher_next(w, &ev, 0), 0);
    sl_watcher_close(w);
    create_pod(s, "c", NULL, "web", NULL);
    CHECK_EQ_INT(sl_store_revision(s), last + 1);
    sl_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* Writers, readers, watchers and a listener at once: every watcher sees
 * every revision in order, the listener too, nothing crashes (run under
 * ASan/TSan to check the locking). */
typedef struct stress {
    sl_store *s;
    int id;
    uint64_t last_rv;
    int events;
    bool ordered;
} stress;

static void *stress_writer(void *arg) {
    stress *st = arg;
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "w%d-%d", st->id, i);
        create_pod(st->s, name, NULL, "web", NULL);
        sl_store_error err;
        sl_store_update(st->s, PODS, "default", name, set_node, "n1", NULL, &err);
        if (i % 3 == 0) sl_store_delete(st->s, PODS, "default", name, 0, NULL, NULL, &err);
        sl_list l;
        if (i % 50 == 0 && sl_store_list(st->s, PODS, NULL, &l, &err) == 200) sl_list_free(&l);
    }
    return NULL;
}

static void *stress_watcher(void *arg) {
    stress *st = arg;
    sl_watcher *w;
    sl_store_error err;
    if (sl_store_watch(st->s, PODS, NULL, NULL, st->last_rv, &w, &err) != 200) return NULL;
    st->ordered = true;
    while (st->events < 4 * 700) {
        sl_store_event ev;
        int r = sl_watcher_next(w, &ev, 2000000000LL);
        if (r <= 0) break;
        if (ev.rv <= st->last_rv) st->ordered = false;
        st->last_rv = ev.rv;
        st->events++;
        sl_store_event_release(&ev);
    }
    sl_watcher_close(w);
    return NULL;
}

static void count_listener(void *user, const sl_store_event *ev) {
    stress *st = user;
    if (ev->rv <= st->last_rv) st->ordered = false;
    st->last_rv = ev->rv;
    st->events++;
}

TEST(concurrent_writers_watchers_listener) {
    sl_store *s = open_store(NULL, 100000);
    stress writers[4], watchers[3], listener = {.s = s, .ordered = true};
    uint64_t start = sl_store_revision(s);
    listener.last_rv = start;
    uint64_t id = sl_store_listen(s, count_listener, &listener, NULL, 0);
    pthread_t wt[4], rt[3];
    for (int i = 0; i < 3; i++) {
        watchers[i] = (stress){.s = s, .id = i, .last_rv = start};
        pthread_create(&rt[i], NULL, stress_watcher, &watchers[i]);
    }
    for (int i = 0; i < 4; i++) {
        writers[i] = (stress){.s = s, .id = i};
        pthread_create(&wt[i], NULL, stress_writer, &writers[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(wt[i], NULL);
    for (int i = 0; i < 3; i++) pthread_join(rt[i], NULL);
    /* 4 writers x (300 creates + 300 updates + 100 deletes) */
    CHECK_EQ_INT(sl_store_revision(s) - start, 4 * 700);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(watchers[i].events, 4 * 700);
        CHECK(watchers[i].ordered);
    }
    CHECK_EQ_INT(listener.events, 4 * 700);
    CHECK(listener.ordered);
    sl_store_unlisten(s, id);
    sl_store_close(s);
}

TEST(reopen_with_a_log_longer_than_the_ring) {
    char dir[] = "/tmp/schedlab-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sl_store *s = open_store(dir, 16);
    sl_store_error err;
    create_pod(s, "a", NULL, "web", NULL);
    for (int i = 0; i < 1500; i++) {   /* the log is pruned every 1024 writes only */
        char node[16];
        snprintf(node, sizeof node, "n%d", i % 2);
        json_t *l = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "i", node);
        sl_object *o;
        if (sl_store_get(s, PODS, "default", "a", &o, &err) == 200) {
            json_t *next = json_deep_copy(o->json);
            json_object_set_new(json_object_get(next, "metadata"), "labels", json_pack("{s:s}", "i", node));
            sl_object_unref(o);
            sl_store_replace(s, PODS, "default", next, NULL, &err);
            json_decref(next);
        }
        json_decref(l);
    }
    uint64_t last = sl_store_revision(s);
    sl_store_close(s);
    s = open_store(dir, 16);
    CHECK_EQ_INT(sl_store_revision(s), last);
    sl_watcher *w;
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, last - 5, &w, &err), 200);
    sl_store_event ev;
    int n = 0;
    while (sl_watcher_next(w, &ev, 0) == 1) {
        CHECK(ev.old != NULL);
        n++;
        sl_store_event_release(&ev);
    }
    CHECK_EQ_INT(n, 5);
    sl_watcher_close(w);
    sl_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* Standalone versions (an API client's informers): no store, the JSON
 * shared by reference, typed views for pods, refcounted. */
/* Watchers sleep per kind: a write of another kind neither wakes them nor,
 * when the ring wraps while they sleep, expires them (no spurious 410). */
typedef struct kind_waiter {
    sl_watcher *w;
    int got;
    char name[32];
} kind_waiter;

static void *wait_one_event(void *arg) {
    kind_waiter *k = arg;
    sl_store_event ev;
    k->got = sl_watcher_next(k->w, &ev, 5000000000LL);
    if (k->got == 1) {
        snprintf(k->name, sizeof k->name, "%s", ev.obj->name);
        sl_store_event_release(&ev);
    }
    return NULL;
}

static void create_node(sl_store *s, const char *name) {
    json_t *n = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Node", "metadata", "name", name);
    sl_store_error err;
    sl_store_create(s, NODES, NULL, n, NULL, &err);
    json_decref(n);
}

TEST(watchers_of_a_quiet_kind_outlive_the_ring) {
    sl_store *s = open_store(NULL, 8);
    sl_store_error err;
    sl_watcher *pods, *late;
    uint64_t mark = sl_store_revision(s);
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, mark, &pods, &err), 200);
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        create_node(s, name);
    }
    /* a pod watch can still start from before the node writes; a node
     * watch cannot */
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, mark, &late, &err), 200);
    sl_watcher_close(late);
    CHECK_EQ_INT(sl_store_watch(s, NODES, NULL, NULL, mark, &late, &err), 410);
    /* 50 node writes went through a ring of 8 while the pod watcher slept */
    create_pod(s, "p1", NULL, "web", NULL);
    sl_store_event ev;
    CHECK_EQ_INT(sl_watcher_next(pods, &ev, 0), 1);
    CHECK_EQ_STR(ev.obj->name, "p1");
    sl_store_event_release(&ev);
    CHECK_EQ_INT(sl_watcher_next(pods, &ev, 0), 0);
    CHECK_EQ_INT(sl_watcher_position(pods), sl_store_revision(s));
    /* a sleeping pod watcher is woken by a pod write, after node writes */
    kind_waiter k = {.w = pods};
    pthread_t t;
    pthread_create(&t, NULL, wait_one_event, &k);
    usleep(20000);
    create_node(s, "late-node");
    usleep(20000);
    create_pod(s, "p2", NULL, "web", NULL);
    pthread_join(t, NULL);
    CHECK_EQ_INT(k.got, 1);
    CHECK_EQ_STR(k.name, "p2");
    /* a watcher still behind the ring for its own kind gets -1 as before */
    sl_watcher *behind;
    CHECK_EQ_INT(sl_store_watch(s, PODS, NULL, NULL, sl_store_revision(s), &behind, &err), 200);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "q%d", i);
        create_pod(s, name, NULL, "web", NULL);
    }
    CHECK_EQ_INT(sl_watcher_next(behind, &ev, 0), -1);
    sl_watcher_close(behind);
    sl_watcher_close(pods);
    sl_store_close(s);
}

TEST(standalone_versions) {
    sl_store_error err;
    json_t *pdb = json_pack("{s:s,s:s,s:{s:s,s:s,s:s},s:{s:i}}", "apiVersion", "policy/v1", "kind",
                            "PodDisruptionBudget", "metadata", "name", "db", "namespace", "team",
                            "resourceVersion", "42", "spec", "minAvailable", 1);
    const sl_resource *res = sl_resource_get(SL_RES_PODDISRUPTIONBUDGETS);
    sl_object *o = sl_object_new(res, pdb, &err);
    CHECK(o != NULL);
    CHECK(o->res == res && o->json == pdb && o->typed == NULL);
    CHECK_EQ_STR(o->namespace_, "team");
    CHECK_EQ_STR(o->name, "db");
    CHECK_EQ_STR(o->key, "team/db");
    CHECK_EQ_INT(o->rv, 42);
    CHECK_EQ_INT(o->create_rv, 0);
    CHECK_EQ_INT(pdb->refcount, 2);
    sl_object_ref(o);
    sl_object_unref(o);
    sl_object_unref(o);
    CHECK_EQ_INT(pdb->refcount, 1);
    json_decref(pdb);
    /* cluster-scoped: no namespace in the key even if the JSON has one */
    json_t *pc = json_pack("{s:s,s:s,s:{s:s,s:s},s:i}", "apiVersion", "scheduling.k8s.io/v1", "kind",
                           "PriorityClass", "metadata", "name", "high", "namespace", "x", "value", 5);
    o = sl_object_new(PCS, pc, &err);
    CHECK(o && !strcmp(o->key, "high") && !strcmp(o->namespace_, "") && o->rv == 0);
    sl_object_unref(o);
    json_decref(pc);
    /* pods get their typed view; one that does not decode -> NULL, 422, json untouched */
    json_t *p = pod_json("web", "n1", "web");
    o = sl_object_new(PODS, p, &err);
    CHECK(o && sl_object_pod(o) && !strcmp(sl_object_pod(o)->node_name, "n1"));
    sl_object_unref(o);
    json_object_set_new(json_object_get(p, "spec"), "containers", json_string("nope"));
    CHECK(sl_object_new(PODS, p, &err) == NULL);
    CHECK_EQ_INT(err.code, 422);
    CHECK_EQ_INT(p->refcount, 1);
    json_decref(p);
    json_t *arr = json_array();
    CHECK(sl_object_new(PODS, arr, &err) == NULL);
    CHECK_EQ_INT(err.code, 400);
    json_decref(arr);
}

int main(void) {
    PODS = sl_resource_get(SL_RES_PODS);
    NODES = sl_resource_get(SL_RES_NODES);
    NS = sl_resource_get(SL_RES_NAMESPACES);
    EVENTS = sl_resource_get(SL_RES_EVENTS);
    PCS = sl_resource_get(SL_RES_PRIORITYCLASSES);
    UNUSED(EVENTS);
    RUN(precreated_and_metadata);
    RUN(versions_are_immutable_and_conflicts_409);
    RUN(selectors_and_lists);
    RUN(pagination_matches_a_sorted_list);
    RUN(watch_resume_filter_and_expiry);
    RUN(listeners_replay_then_follow_in_order);
    RUN(admission_priority_and_defaults);
    RUN(namespace_delete_cascades);
    RUN(persistence_survives_reopen);
    RUN(reopen_with_a_log_longer_than_the_ring);
    RUN(concurrent_writers_watchers_listener);
    RUN(watchers_of_a_quiet_kind_outlive_the_ring);
    RUN(standalone_versions);
    return test_summary("store");
}
