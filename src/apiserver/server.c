/*
 * server.c — the HTTP side of the API server (apiserver.h): the
 * libmicrohttpd daemon, request bodies and limits, routing of
 * /api/v1/... and /apis/G/V/... paths, discovery, and the REST verbs over
 * the store. Table printing is in table.c, patches in patch.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/apiserver_internal.h"
#include "base/strmap.h"
#include "k8s/k8s_schema.h"

#define DEFAULT_MAX_BODY (3 * 1024 * 1024)

struct sl_apiserver {
    struct MHD_Daemon *daemon;
    sl_store *store;
    int listen_fd;
    int port;
    char host[64];
    char url[128];
    size_t max_body;
    unsigned bookmark_seconds;
    strmap tokens;            /* token -> user name (strdup'd) */
    bool auth;
    bool tls;
    char *cert_pem, *key_pem;
    int stopping;             /* atomic */
    char *discovery_core, *discovery_groups;
    char *discovery_group_versions[SL_RES_COUNT]; /* per first resource of a group */
};

typedef struct request {
    strbuf body;
    bool too_large;
} request;

/* ------------------------------------------------------------------ */
/* Responses                                                            */
/* ------------------------------------------------------------------ */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code, const char *ctype,
                                 char *body, size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_static(struct MHD_Connection *c, unsigned code, const char *ctype,
                                   const char *body, size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_strbuf(struct MHD_Connection *c, unsigned code, strbuf *sb) {
    size_t len = sb->len;
    char *body = strbuf_take(sb);
    return send_text(c, code, "application/json", body, len);
}

static void status_json(strbuf *sb, const sl_store_error *e) {
    strbuf_puts(sb, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":");
    strbuf_put_json_string(sb, e->message);
    strbuf_puts(sb, ",\"reason\":");
    strbuf_put_json_string(sb, e->reason);
    if (e->detail_res || e->detail_name[0] || e->cause_field[0]) {
        strbuf_puts(sb, ",\"details\":{");
        bool first = true;
        if (e->detail_name[0]) {
            strbuf_puts(sb, "\"name\":");
            strbuf_put_json_string(sb, e->detail_name);
            first = false;
        }
        if (e->detail_res) {
            if (e->detail_res->group[0]) {
                strbuf_puts(sb, first ? "\"group\":" : ",\"group\":");
                strbuf_put_json_string(sb, e->detail_res->group);
                first = false;
            }
            strbuf_puts(sb, first ? "\"kind\":" : ",\"kind\":");
            strbuf_put_json_string(sb, e->detail_res->name);
            first = false;
        }
        if (e->cause_field[0]) {
            strbuf_puts(sb, first ? "\"causes\":[{\"reason\":" : ",\"causes\":[{\"reason\":");
            strbuf_put_json_string(sb, e->cause_reason);
            strbuf_puts(sb, ",\"message\":");
            strbuf_put_json_string(sb, e->cause_message);
            strbuf_puts(sb, ",\"field\":");
            strbuf_put_json_string(sb, e->cause_field);
            strbuf_puts(sb, "}]");
        }
        strbuf_putc(sb, '}');
    }
    strbuf_printf(sb, ",\"code\":%d}", e->code);
}

static enum MHD_Result send_error(struct MHD_Connection *c, const sl_store_error *e) {
    strbuf sb;
    strbuf_init(&sb);
    status_json(&sb, e);
    return send_strbuf(c, (unsigned)e->code, &sb);
}

static enum MHD_Result fail(struct MHD_Connection *c, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result fail(struct MHD_Connection *c, int code, const char *reason, const char *fmt, ...) {
    sl_store_error e;
    memset(&e, 0, sizeof e);
    e.code = code;
    snprintf(e.reason, sizeof e.reason, "%s", reason);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return send_error(c, &e);
}

static enum MHD_Result not_found_path(struct MHD_Connection *c) {
    return fail(c, 404, "NotFound", "the server could not find the requested resource");
}

/* ------------------------------------------------------------------ */
/* Discovery                                                            */
/* ------------------------------------------------------------------ */

static const char *const all_verbs = "[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]";

static void resource_entry(strbuf *sb, const sl_resource *r, bool *first) {
    if (!*first) strbuf_putc(sb, ',');
    *first = false;
    strbuf_printf(sb, "{\"name\":\"%s\",\"singularName\":\"%s\",\"namespaced\":%s,\"kind\":\"%s\",\"verbs\":%s",
                  r->name, r->singular, r->namespaced ? "true" : "false", r->kind, all_verbs);
    if (r->short_names[0]) {
        strbuf_puts(sb, ",\"shortNames\":[");
        for (int i = 0; r->short_names[i] && i < 3; i++) strbuf_printf(sb, "%s\"%s\"", i ? "," : "", r->short_names[i]);
        strbuf_putc(sb, ']');
    }
    if (r->categories[0]) strbuf_printf(sb, ",\"categories\":[\"%s\"]", r->categories[0]);
    strbuf_puts(sb, ",\"storageVersionHash\":\"\"}");
    if (r->has_status)
        strbuf_printf(sb, ",{\"name\":\"%s/status\",\"singularName\":\"\",\"namespaced\":%s,\"kind\":\"%s\",\"verbs\":[\"get\",\"patch\",\"update\"]}",
                      r->name, r->namespaced ? "true" : "false", r->kind);
    if (r->id == SL_RES_PODS)
        strbuf_puts(sb, ",{\"name\":\"pods/binding\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"Binding\",\"verbs\":[\"create\"]}");
}

static char *resource_list(const char *group, const char *version) {
    strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"%s%s%s\",\"resources\":[",
                  group, group[0] ? "/" : "", version);
    bool first = true;
    for (int i = 0; i < SL_RES_COUNT; i++) {
        const sl_resource *r = sl_resource_get((sl_resource_id)i);
        if (strcmp(r->group, group) != 0 || strcmp(r->version, version) != 0) continue;
        resource_entry(&sb, r, &first);
    }
    if (!group[0])
        strbuf_puts(&sb, ",{\"name\":\"bindings\",\"singularName\":\"binding\",\"namespaced\":true,\"kind\":\"Binding\",\"verbs\":[\"create\"]}");
    strbuf_puts(&sb, "]}");
    return strbuf_take(&sb);
}

static bool group_seen_before(int upto, const char *group) {
    for (int j = 0; j < upto; j++)
        if (!strcmp(sl_resource_get((sl_resource_id)j)->group, group)) return true;
    return false;
}

static void build_discovery(sl_apiserver *a) {
    a->discovery_core = resource_list("", "v1");
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[");
    bool first = true;
    for (int i = 0; i < SL_RES_COUNT; i++) {
        const sl_resource *r = sl_resource_get((sl_resource_id)i);
        if (!r->group[0] || group_seen_before(i, r->group)) continue;
        strbuf_printf(&sb, "%s{\"name\":\"%s\",\"versions\":[{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}],"
                      "\"preferredVersion\":{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}}",
                      first ? "" : ",", r->group, r->group, r->version, r->version, r->group, r->version, r->version);
        first = false;
        a->discovery_group_versions[i] = resource_list(r->group, r->version);
    }
    strbuf_puts(&sb, "]}");
    a->discovery_groups = strbuf_take(&sb);
}

static const char *group_resource_list(sl_apiserver *a, const char *group, const char *version) {
    for (int i = 0; i < SL_RES_COUNT; i++) {
        const sl_resource *r = sl_resource_get((sl_resource_id)i);
        if (a->discovery_group_versions[i] && !strcmp(r->group, group) && !strcmp(r->version, version))
            return a->discovery_group_versions[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Request helpers                                                      */
/* ------------------------------------------------------------------ */

static const char *query(struct MHD_Connection *c, const char *key) {
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

static const char *header(struct MHD_Connection *c, const char *key) {
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, key);
}

/* apimachinery's boolean query rule: absent or "0"/"false" = false. */
static bool query_bool(struct MHD_Connection *c, const char *key) {
    const char *v = query(c, key);
    if (!v) return false;
    return strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0;
}

static bool wants_table(struct MHD_Connection *c) {
    const char *accept = header(c, MHD_HTTP_HEADER_ACCEPT);
    return accept && strstr(accept, "as=Table") != NULL;
}

/* Parses a request body (JSON, or YAML by Content-Type). */
static json_t *parse_body(struct MHD_Connection *c, request *r, const sl_resource *res,
                          sl_store_error *err) {
    const char *ctype = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!r->body.len) {
        sl_store_fail(err, 400, "BadRequest", "the request body is empty");
        return NULL;
    }
    if (ctype && strstr(ctype, "protobuf")) {
        char msg[512];
        json_t *v = sl_protobuf_to_json(res, r->body.data, r->body.len, msg, sizeof msg);
        if (!v) sl_store_fail(err, strstr(msg, "malformed") ? 400 : 415,
                              strstr(msg, "malformed") ? "BadRequest" : "UnsupportedMediaType", "%s", msg);
        return v;
    }
    if (ctype && strstr(ctype, "yaml")) {
        char msg[512];
        json_t *v = k8s_parse_document(r->body.data, r->body.len, "body", msg, sizeof msg);
        if (!v) sl_store_fail(err, 400, "BadRequest", "the request body is not valid YAML: %s", msg);
        return v;
    }
    if (ctype && !strstr(ctype, "json") && strncmp(ctype, "*/*", 3) != 0 && strncmp(ctype, "text/plain", 10) != 0) {
        sl_store_fail(err, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
        return NULL;
    }
    json_error_t jerr;
    json_t *v = k8s_json_loadb(r->body.data, r->body.len, JSON_DECODE_ANY, &jerr);
    if (!v) sl_store_fail(err, 400, "BadRequest", "the request body is not valid JSON: line %d column %d: %s",
                          jerr.line, jerr.column, jerr.text);
    return v;
}

static bool check_kind(const sl_resource *res, const json_t *obj, sl_store_error *err) {
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    char want[80];
    sl_resource_api_version(res, want, sizeof want);
    if (av && *av && strcmp(av, want) != 0) {
        sl_store_fail(err, 400, "BadRequest", "the API version in the data (%s) does not match the expected API version (%s)", av, want);
        return false;
    }
    if (kind && *kind && strcmp(kind, res->kind) != 0) {
        sl_store_fail(err, 400, "BadRequest", "the kind in the data (%s) does not match the expected kind (%s)", kind, res->kind);
        return false;
    }
    return true;
}

/* Strict field validation (k8s_schema.h, kube-apiserver's typed decoding):
 * with fieldValidation=Strict (what kubectl 1.32 sends) unknown or duplicate
 * fields are a 400; otherwise only type errors are (upstream's Warn/Ignore
 * drop unknown fields; this server keeps them). Validation errors of the
 * fields the scheduler depends on are a 422. obj must carry kind and
 * apiVersion (the view's, filled in by the caller when absent). */
static bool check_fields(const sl_resource *view, const json_t *obj, bool strict, sl_store_error *err) {
    k8s_check_options opts = {.lenient = !strict};
    k8s_check_result *r = xmalloc(sizeof *r);
    bool ok = k8s_check_object(obj, &opts, r);
    if (!ok) {
        const char *msg = r->error + (r->label_len < sizeof r->error ? r->label_len : 0);
        char av[80];
        if (r->failure == K8S_CHECK_INVALID) {
            const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
            sl_store_invalid(err, view, name ? name : "", "FieldValueInvalid", "", "%s", msg);
            /* field.ErrorList wording already names the field: "spec.x: ..." */
            const char *colon = strstr(msg, ": ");
            if (colon && (size_t)(colon - msg) < sizeof err->cause_field) {
                snprintf(err->cause_field, sizeof err->cause_field, "%.*s", (int)(colon - msg), msg);
                snprintf(err->cause_message, sizeof err->cause_message, "%s", colon + 2);
            }
            snprintf(err->message, sizeof err->message, "%s \"%s\" is invalid: %s", view->kind, name ? name : "", msg);
        } else {
            sl_store_fail(err, 400, "BadRequest", "%s in version \"%s\" cannot be handled as a %s: %s", view->kind,
                          sl_resource_api_version(view, av, sizeof av), view->kind, msg);
        }
    }
    free(r);
    return ok;
}

static bool strict_requested(struct MHD_Connection *c) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fieldValidation");
    return v && !strcmp(v, "Strict");
}

/* The JSON text of a version in the resource's view (events.k8s.io/v1
 * converts), appended to sb. */
static void put_object(strbuf *sb, const sl_resource *view, sl_object *o) {
    if (view->id == SL_RES_EVENTS_V1) {
        json_t *v1 = sl_event_to_v1(o->json);
        char *text = k8s_json_dumps(v1, JSON_COMPACT);
        strbuf_puts(sb, text ? text : "{}");
        free(text);
        json_decref(v1);
        return;
    }
    size_t len;
    const char *text = sl_object_text(o, &len);
    strbuf_append(sb, text, len);
}

static enum MHD_Result send_object(struct MHD_Connection *c, unsigned code, const sl_resource *view,
                                   sl_object *o, bool table, sl_store *store) {
    strbuf sb;
    strbuf_init(&sb);
    if (table) sl_table_write(&sb, view, &o, 1, 0, NULL, sl_clock_wall_ns(sl_store_clock(store)));
    else put_object(&sb, view, o);
    return send_strbuf(c, code, &sb);
}

/* ------------------------------------------------------------------ */
/* Watch                                                                */
/* ------------------------------------------------------------------ */

typedef struct watch_ctx {
    sl_apiserver *a;
    const sl_resource *view;
    sl_selector sel;
    sl_watcher *w;
    bool table, bookmarks, done;
    int64_t deadline_ns, last_sent_ns;
    strbuf pending;
    size_t off;
} watch_ctx;

static int64_t mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void encode_event(watch_ctx *w, const char *type, sl_object *o) {
    strbuf_printf(&w->pending, "{\"type\":\"%s\",\"object\":", type);
    if (w->table) sl_table_write(&w->pending, w->view, &o, 1, 0, NULL, sl_clock_wall_ns(sl_store_clock(w->a->store)));
    else put_object(&w->pending, w->view, o);
    strbuf_puts(&w->pending, "}\n");
}

static ssize_t watch_reader(void *cls, uint64_t pos, char *buf, size_t max) {
    UNUSED(pos);
    watch_ctx *w = cls;
    while (w->pending.len == w->off) {
        strbuf_reset(&w->pending);
        w->off = 0;
        if (w->done || __atomic_load_n(&w->a->stopping, __ATOMIC_ACQUIRE)) return MHD_CONTENT_READER_END_OF_STREAM;
        int64_t now = mono_now();
        if (now >= w->deadline_ns) return MHD_CONTENT_READER_END_OF_STREAM;
        int64_t wait = w->deadline_ns - now;
        if (wait > 1000000000) wait = 1000000000;
        sl_store_event ev;
        int r = sl_watcher_next(w->w, &ev, wait);
        if (r == 1) {
            encode_event(w, sl_event_type_name(ev.type), ev.obj);
            sl_store_event_release(&ev);
            w->last_sent_ns = mono_now();
        } else if (r < 0) {
            sl_store_error e;
            sl_store_fail(&e, 410, "Expired", "too old resource version: %" PRIu64 " (%" PRIu64 ")",
                          sl_watcher_position(w->w), sl_store_oldest_revision(w->a->store) - 1);
            strbuf_puts(&w->pending, "{\"type\":\"ERROR\",\"object\":");
            status_json(&w->pending, &e);
            strbuf_puts(&w->pending, "}\n");
            w->done = true;
        } else if (w->bookmarks && mono_now() - w->last_sent_ns >= (int64_t)w->a->bookmark_seconds * 1000000000) {
            char av[80];
            strbuf_printf(&w->pending,
                          "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%" PRIu64 "\"}}}\n",
                          w->view->kind, sl_resource_api_version(w->view, av, sizeof av), sl_watcher_position(w->w));
            w->last_sent_ns = mono_now();
        }
    }
    size_t n = w->pending.len - w->off;
    if (n > max) n = max;
    memcpy(buf, w->pending.data + w->off, n);
    w->off += n;
    return (ssize_t)n;
}

static void watch_free(void *cls) {
    watch_ctx *w = cls;
    sl_watcher_close(w->w);
    sl_selector_free(&w->sel);
    strbuf_free(&w->pending);
    free(w);
}

static enum MHD_Result do_watch(sl_apiserver *a, struct MHD_Connection *c, const sl_resource *view,
                                const char *ns) {
    watch_ctx *w = xcalloc(1, sizeof(*w));
    w->a = a;
    w->view = view;
    strbuf_init(&w->pending);
    sl_store_error err;
    if (!sl_selector_parse(&w->sel, view, query(c, "labelSelector"), query(c, "fieldSelector"), &err)) {
        watch_free(w);
        return send_error(c, &err);
    }
    const char *rvs = query(c, "resourceVersion");
    uint64_t from = 0;
    if (rvs && *rvs) {
        char *end;
        from = strtoull(rvs, &end, 10);
        if (*end) {
            watch_free(w);
            return fail(c, 400, "BadRequest", "invalid resource version: %s", rvs);
        }
    }
    int code = sl_store_watch(a->store, view, ns, &w->sel, from, &w->w, &err);
    if (code >= 300) {
        /* upstream: 200 with one ERROR event */
        strbuf_puts(&w->pending, "{\"type\":\"ERROR\",\"object\":");
        status_json(&w->pending, &err);
        strbuf_puts(&w->pending, "}\n");
        w->done = true;
    }
    const char *ts = query(c, "timeoutSeconds");
    int64_t timeout = ts && *ts ? strtoll(ts, NULL, 10) : 0;
    if (timeout <= 0) timeout = 1800 + (int64_t)(mono_now() % 1800); /* upstream: 30-60 min */
    w->deadline_ns = mono_now() + timeout * 1000000000;
    w->last_sent_ns = mono_now();
    w->table = wants_table(c);
    w->bookmarks = query_bool(c, "allowWatchBookmarks");
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, watch_reader, w, watch_free);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ------------------------------------------------------------------ */
/* Verbs                                                                */
/* ------------------------------------------------------------------ */

static enum MHD_Result do_list(sl_apiserver *a, struct MHD_Connection *c, const sl_resource *view,
                               const char *ns) {
    sl_store_error err;
    sl_selector sel;
    if (!sl_selector_parse(&sel, view, query(c, "labelSelector"), query(c, "fieldSelector"), &err)) {
        sl_selector_free(&sel);
        return send_error(c, &err);
    }
    const char *limit = query(c, "limit");
    sl_list_options lo = {.namespace_ = ns, .selector = &sel,
                          .limit = limit ? (uint32_t)strtoul(limit, NULL, 10) : 0,
                          .continue_token = query(c, "continue")};
    sl_list list;
    int code = sl_store_list(a->store, view, &lo, &list, &err);
    sl_selector_free(&sel);
    if (code >= 300) return send_error(c, &err);
    strbuf sb;
    strbuf_init(&sb);
    if (wants_table(c)) {
        sl_table_write(&sb, view, list.items, list.len, list.rv, list.continue_token,
                       sl_clock_wall_ns(sl_store_clock(a->store)));
    } else {
        char av[80];
        strbuf_printf(&sb, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%" PRIu64 "\"",
                      view->kind, sl_resource_api_version(view, av, sizeof av), list.rv);
        if (list.continue_token) {
            strbuf_puts(&sb, ",\"continue\":");
            strbuf_put_json_string(&sb, list.continue_token);
        }
        strbuf_puts(&sb, "},\"items\":[");
        for (size_t i = 0; i < list.len; i++) {
            if (i) strbuf_putc(&sb, ',');
            put_object(&sb, view, list.items[i]);
        }
        strbuf_puts(&sb, "]}");
    }
    sl_list_free(&list);
    return send_strbuf(c, 200, &sb);
}

static enum MHD_Result do_get(sl_apiserver *a, struct MHD_Connection *c, const sl_resource *view,
                              const char *ns, const char *name) {
    sl_object *o;
    sl_store_error err;
    if (sl_store_get(a->store, view, ns, name, &o, &err) >= 300) return send_error(c, &err);
    enum MHD_Result r = send_object(c, 200, view, o, wants_table(c), a->store);
    sl_object_unref(o);
    return r;
}

static enum MHD_Result do_create(sl_apiserver *a, struct MHD_Connection *c, request *req,
                                 const sl_resource *view, const char *ns) {
    sl_store_error err;
    json_t *body = parse_body(c, req, view, &err);
    if (!body) return send_error(c, &err);
    if (!json_is_object(body) || !check_kind(view, body, &err)) {
        if (!json_is_object(body)) sl_store_fail(&err, 400, "BadRequest", "the body of the request must be a JSON object");
        json_decref(body);
        return send_error(c, &err);
    }
    char av[80];
    if (!json_object_get(body, "apiVersion")) json_object_set_new(body, "apiVersion", json_string(sl_resource_api_version(view, av, sizeof av)));
    if (!json_object_get(body, "kind")) json_object_set_new(body, "kind", json_string(view->kind));
    if (!check_fields(view, body, strict_requested(c), &err)) {
        json_decref(body);
        return send_error(c, &err);
    }
    if (view->id == SL_RES_EVENTS_V1) {
        json_t *core = sl_event_from_v1(body);
        json_decref(body);
        body = core;
    }
    sl_object *o;
    int code = sl_store_create(a->store, view, ns, body, &o, &err);
    json_decref(body);
    if (code >= 300) return send_error(c, &err);
    enum MHD_Result r = send_object(c, 201, view, o, false, a->store);
    sl_object_unref(o);
    return r;
}

/* What a write through a path may change: the main resource keeps the
 * status, /status keeps the spec (kube-api.md §4.2). */
static void apply_subresource_rules(const sl_resource *res, const char *sub, const sl_object *cur,
                                    json_t *next) {
    if (!res->has_status) return;
    const char *keep = sub && !strcmp(sub, "status") ? "spec" : "status";
    json_t *v = json_object_get(cur->json, keep);
    if (v) json_object_set(next, keep, v);
    else json_object_del(next, keep);
    if (res->id == SL_RES_PODS && !(sub && !strcmp(sub, "status"))) {
        /* spec.nodeName changes only through pods/binding */
        json_t *spec = json_object_get(next, "spec");
        json_t *node = json_object_get(json_object_get(cur->json, "spec"), "nodeName");
        if (json_is_object(spec)) {
            if (node) json_object_set(spec, "nodeName", node);
            else json_object_del(spec, "nodeName");
        }
    }
}

typedef struct write_args {
    const sl_resource *view;
    bool strict;
    const char *sub;
    json_t *body;             /* PUT: the new object; PATCH: the patch */
    int patch_type;           /* 0 = PUT, 1 merge, 2 strategic, 3 json */
} write_args;

static int write_mutate(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    write_args *w = user;
    const sl_resource *res = cur->res;
    json_t *base = cur->json;
    json_t *view_cur = NULL;
    if (w->view->id == SL_RES_EVENTS_V1) base = view_cur = sl_event_to_v1(cur->json);
    json_t *out = NULL;
    char msg[512] = "";
    int code = 200;
    switch (w->patch_type) {
    case 0: out = json_deep_copy(w->body); break;
    case 1: out = sl_merge_patch(base, w->body); break;
    case 2: out = sl_strategic_merge_patch(base, w->body, msg, sizeof msg); break;
    case 3: out = sl_json_patch(base, w->body, &code, msg, sizeof msg); break;
    }
    json_decref(view_cur);
    if (!out || !json_is_object(out)) {
        json_decref(out);
        if (code == 200) code = 400;
        return sl_store_fail(err, code, code == 422 ? "Invalid" : "BadRequest", "%s", msg[0] ? msg : "the patch result is not an object");
    }
    char av[80];
    if (!json_object_get(out, "apiVersion")) json_object_set_new(out, "apiVersion", json_string(sl_resource_api_version(w->view, av, sizeof av)));
    if (!json_object_get(out, "kind")) json_object_set_new(out, "kind", json_string(w->view->kind));
    if (!check_fields(w->view, out, w->strict, err)) {
        json_decref(out);
        return err->code;
    }
    if (w->view->id == SL_RES_EVENTS_V1) {
        json_t *core = sl_event_from_v1(out);
        json_decref(out);
        out = core;
    }
    apply_subresource_rules(res, w->sub, cur, out);
    *next = out;
    return 200;
}

static enum MHD_Result do_write(sl_apiserver *a, struct MHD_Connection *c, request *req,
                                const sl_resource *view, const char *ns, const char *name,
                                const char *sub, bool is_patch) {
    sl_store_error err;
    write_args w = {view, strict_requested(c), sub, NULL, 0};
    if (is_patch) {
        const char *ctype = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!ctype) ctype = "";
        if (!strncmp(ctype, "application/merge-patch+json", 28)) w.patch_type = 1;
        else if (!strncmp(ctype, "application/strategic-merge-patch+json", 38)) w.patch_type = 2;
        else if (!strncmp(ctype, "application/json-patch+json", 27)) w.patch_type = 3;
        else if (!strncmp(ctype, "application/apply-patch", 23))
            return fail(c, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (server-side apply is not implemented)");
        else
            return fail(c, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json");
        if (!req->body.len) return fail(c, 400, "BadRequest", "the request body is empty");
        json_error_t jerr;
        w.body = k8s_json_loadb(req->body.data, req->body.len, JSON_DECODE_ANY, &jerr);
        if (!w.body) return fail(c, 400, "BadRequest", "the patch is not valid JSON: line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        if (w.patch_type != 3 && !json_is_object(w.body)) {
            json_decref(w.body);
            return fail(c, 400, "BadRequest", "a merge patch must be a JSON object");
        }
    } else {
        w.body = parse_body(c, req, view, &err);
        if (!w.body) return send_error(c, &err);
        if (!json_is_object(w.body) || !check_kind(view, w.body, &err)) {
            if (!json_is_object(w.body)) sl_store_fail(&err, 400, "BadRequest", "the body of the request must be a JSON object");
            json_decref(w.body);
            return send_error(c, &err);
        }
        const char *body_name = json_string_value(json_object_get(json_object_get(w.body, "metadata"), "name"));
        if (!body_name || strcmp(body_name, name) != 0) {
            json_decref(w.body);
            return fail(c, 400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)",
                        body_name ? body_name : "", name);
        }
        const char *body_ns = json_string_value(json_object_get(json_object_get(w.body, "metadata"), "namespace"));
        if (view->namespaced && body_ns && *body_ns && ns && strcmp(body_ns, ns) != 0) {
            json_decref(w.body);
            return fail(c, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        }
    }
    sl_object *o;
    int code = sl_store_update(a->store, view, ns, name, write_mutate, &w, &o, &err);
    json_decref(w.body);
    if (code >= 300) return send_error(c, &err);
    enum MHD_Result r = send_object(c, 200, view, o, false, a->store);
    sl_object_unref(o);
    return r;
}

static void delete_options(struct MHD_Connection *c, request *req, uint64_t *rv, char *uid, size_t uidsize) {
    *rv = 0;
    uid[0] = 0;
    if (!req->body.len) return;
    json_t *opts = k8s_json_loadb(req->body.data, req->body.len, 0, NULL);
    json_t *pre = json_object_get(opts, "preconditions");
    const char *r = json_string_value(json_object_get(pre, "resourceVersion"));
    const char *u = json_string_value(json_object_get(pre, "uid"));
    if (r) *rv = strtoull(r, NULL, 10);
    if (u) snprintf(uid, uidsize, "%s", u);
    json_decref(opts);
    UNUSED(c);
}

static enum MHD_Result do_delete(sl_apiserver *a, struct MHD_Connection *c, request *req,
                                 const sl_resource *view, const char *ns, const char *name) {
    uint64_t rv;
    char uid[64];
    delete_options(c, req, &rv, uid, sizeof uid);
    sl_object *o;
    sl_store_error err;
    if (sl_store_delete(a->store, view, ns, name, rv, uid, &o, &err) >= 300) return send_error(c, &err);
    enum MHD_Result r = send_object(c, 200, view, o, false, a->store);
    sl_object_unref(o);
    return r;
}

static enum MHD_Result do_delete_collection(sl_apiserver *a, struct MHD_Connection *c,
                                            const sl_resource *view, const char *ns) {
    sl_store_error err;
    sl_selector sel;
    if (!sl_selector_parse(&sel, view, query(c, "labelSelector"), query(c, "fieldSelector"), &err)) {
        sl_selector_free(&sel);
        return send_error(c, &err);
    }
    sl_list_options lo = {.namespace_ = ns, .selector = &sel};
    sl_list list;
    int code = sl_store_list(a->store, view, &lo, &list, &err);
    sl_selector_free(&sel);
    if (code >= 300) return send_error(c, &err);
    strbuf sb;
    strbuf_init(&sb);
    char av[80];
    strbuf_printf(&sb, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%" PRIu64 "\"},\"items\":[",
                  view->kind, sl_resource_api_version(view, av, sizeof av), sl_store_revision(a->store));
    size_t n = 0;
    for (size_t i = 0; i < list.len; i++) {
        sl_object *o;
        if (sl_store_delete(a->store, view, list.items[i]->namespace_, list.items[i]->name, 0, NULL, &o, &err) >= 300)
            continue;
        if (n++) strbuf_putc(&sb, ',');
        put_object(&sb, view, o);
        sl_object_unref(o);
    }
    strbuf_puts(&sb, "]}");
    sl_list_free(&list);
    return send_strbuf(c, 200, &sb);
}

/* ---- pods/binding ---- */

typedef struct binding_args {
    sl_store *store;
    const char *node;
    json_t *annotations;
} binding_args;

static int binding_mutate(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    binding_args *b = user;
    const k8s_pod *pod = cur->typed;
    if (pod->deleting)
        return sl_store_fail(err, 409, "Conflict", "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is being deleted, cannot be assigned to a host",
                             pod->name, pod->name);
    if (pod->node_name[0]) {
        sl_store_fail(err, 409, "Conflict", "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is already assigned to node \"%s\"",
                      pod->name, pod->name, pod->node_name);
        snprintf(err->detail_name, sizeof err->detail_name, "%s", pod->name);
        return 409;
    }
    /* copy-on-write: the new version shares every subtree it does not
     * change with cur (published versions are never modified) */
    json_t *out = json_copy(cur->json);
    json_t *spec = json_object_get(out, "spec");
    spec = json_is_object(spec) ? json_copy(spec) : json_object();
    json_object_set_new(out, "spec", spec);
    json_object_set_new(spec, "nodeName", json_string(b->node));
    if (json_is_object(b->annotations)) {
        json_t *meta = json_object_get(out, "metadata");
        meta = json_is_object(meta) ? json_copy(meta) : json_object();
        json_object_set_new(out, "metadata", meta);
        json_t *ann = json_object_get(meta, "annotations");
        ann = json_is_object(ann) ? json_copy(ann) : json_object();
        json_object_set_new(meta, "annotations", ann);
        json_object_update(ann, b->annotations);
    }
    json_t *status = json_object_get(out, "status");
    status = json_is_object(status) ? json_copy(status) : json_object();
    json_object_set_new(out, "status", status);
    json_t *conds = json_object_get(status, "conditions");
    conds = json_is_array(conds) ? json_copy(conds) : json_array();
    json_object_set_new(status, "conditions", conds);
    char now[32];
    sl_store_timestamp(b->store, now, sizeof now);
    size_t i;
    json_t *cond, *found = NULL;
    json_array_foreach(conds, i, cond) {
        const char *t = json_string_value(json_object_get(cond, "type"));
        if (t && !strcmp(t, "PodScheduled") && json_is_object(cond)) {
            found = json_copy(cond);
            json_array_set_new(conds, i, found);
            break;
        }
    }
    if (!found) {
        found = json_object();
        json_object_set_new(found, "type", json_string("PodScheduled"));
        json_array_append_new(conds, found);
    }
    json_object_set_new(found, "status", json_string("True"));
    json_object_set_new(found, "lastProbeTime", json_null());
    json_object_set_new(found, "lastTransitionTime", json_string(now));
    json_object_del(found, "reason");
    json_object_del(found, "message");
    *next = out;
    return 200;
}

static void *binding_derive(void *user, const sl_object *cur, json_t *next) {
    binding_args *b = user;
    return k8s_pod_bound(cur->typed, next, b->node);
}

static enum MHD_Result do_binding(sl_apiserver *a, struct MHD_Connection *c, request *req,
                                  const char *ns, const char *url_name) {
    sl_store_error err;
    json_t *body = parse_body(c, req, sl_resource_get(SL_RES_PODS), &err);
    if (!body) return send_error(c, &err);
    const char *name = json_string_value(json_object_get(json_object_get(body, "metadata"), "name"));
    if (url_name && (!name || strcmp(name, url_name) != 0)) {
        json_decref(body);
        return fail(c, 400, "BadRequest", "name in URL does not match name in Binding object");
    }
    if (!name || !*name) {
        json_decref(body);
        return fail(c, 400, "BadRequest", "the Binding has no metadata.name");
    }
    json_t *target = json_object_get(body, "target");
    const char *node = json_string_value(json_object_get(target, "name"));
    const char *kind = json_string_value(json_object_get(target, "kind"));
    if (!node || !*node || (kind && *kind && strcmp(kind, "Node") != 0)) {
        sl_store_invalid(&err, sl_resource_get(SL_RES_PODS), name, "FieldValueRequired", "target.name", "Required value");
        json_decref(body);
        return send_error(c, &err);
    }
    binding_args b = {a->store, node, json_object_get(json_object_get(body, "metadata"), "annotations")};
    /* without annotations to copy, the bound pod's typed view is derived
     * from the unbound one's instead of decoded again */
    bool derive = !json_object_size(b.annotations);
    int code = sl_store_update_derived(a->store, sl_resource_get(SL_RES_PODS), ns, name, binding_mutate,
                                       derive ? binding_derive : NULL, &b, NULL, &err);
    json_decref(body);
    if (code >= 300) {
        if (code == 409 && !err.detail_res) err.detail_res = NULL;
        return send_error(c, &err);
    }
    static const char ok[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}";
    return send_static(c, 201, "application/json", ok, sizeof ok - 1);
}

/* ------------------------------------------------------------------ */
/* Routing                                                              */
/* ------------------------------------------------------------------ */

#define MAX_SEGS 10

static int split_path(char *path, char **segs) {
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (n == MAX_SEGS) return -1;
        segs[n++] = t;
    }
    return n;
}

static const char version_json[] =
    "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-schedlab\",\"gitCommit\":\"schedlab\","
    "\"gitTreeState\":\"clean\",\"buildDate\":\"2026-01-01T00:00:00Z\",\"goVersion\":\"go1.23 (schedlab, C11)\","
    "\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}";
/* A protobuf openapi.v2.Document with swagger: "2.0": kubectl then finds no
 * schema for any kind and skips client-side validation (kube-api.md §1.6). */
static const char openapi_v2[] = {0x0A, 0x03, '2', '.', '0'};

static enum MHD_Result route_resource(sl_apiserver *a, struct MHD_Connection *c, const char *method,
                                      request *req, const sl_resource *res, const char *ns,
                                      const char *name, const char *sub, bool get);

static bool authorized(sl_apiserver *a, struct MHD_Connection *c) {
    if (!a->auth) return true;
    const char *h = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return false;
    return strmap_get(&a->tokens, h + 7) != NULL;
}

static enum MHD_Result route(sl_apiserver *a, struct MHD_Connection *c, const char *url,
                             const char *method, request *req) {
    if (!strcmp(url, "/healthz") || !strcmp(url, "/readyz") || !strcmp(url, "/livez") ||
        !strncmp(url, "/healthz/", 9) || !strncmp(url, "/readyz/", 8) || !strncmp(url, "/livez/", 7))
        return send_static(c, 200, "text/plain; charset=utf-8", "ok", 2);
    if (!strcmp(url, "/version")) return send_static(c, 200, "application/json", version_json, sizeof version_json - 1);
    if (!authorized(a, c)) return fail(c, 401, "Unauthorized", "Unauthorized");
    if (req->too_large)
        return fail(c, 413, "RequestEntityTooLarge", "the request body is larger than %zu bytes", a->max_body);
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!strcmp(url, "/openapi/v2") && get)
        return send_static(c, 200, "application/octet-stream", openapi_v2, sizeof openapi_v2);
    char path[2048];
    if (strlen(url) >= sizeof path) return fail(c, 414, "RequestURITooLong", "the URL is too long");
    snprintf(path, sizeof path, "%s", url);
    char *segs[MAX_SEGS];
    int n = split_path(path, segs);
    if (n <= 0) {
        if (n == 0 && get) {
            static const char paths[] = "{\"paths\":[\"/api\",\"/api/v1\",\"/apis\",\"/healthz\",\"/livez\",\"/openapi/v2\",\"/readyz\",\"/version\"]}";
            return send_static(c, 200, "application/json", paths, sizeof paths - 1);
        }
        return not_found_path(c);
    }
    const char *group = "", *version;
    int i;
    if (!strcmp(segs[0], "api")) {
        if (n == 1 && get) {
            char body[512];
            int len = snprintf(body, sizeof body,
                               "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"%s:%d\"}]}",
                               a->host, a->port);
            return send_text(c, 200, "application/json", xstrdup(body), (size_t)len);
        }
        if (n < 2 || strcmp(segs[1], "v1") != 0) return not_found_path(c);
        version = "v1";
        i = 2;
        if (n == 2 && get) return send_static(c, 200, "application/json", a->discovery_core, strlen(a->discovery_core));
    } else if (!strcmp(segs[0], "apis")) {
        if (n == 1 && get) return send_static(c, 200, "application/json", a->discovery_groups, strlen(a->discovery_groups));
        if (n == 2 && get) {
            for (int k = 0; k < SL_RES_COUNT; k++) {
                const sl_resource *r = sl_resource_get((sl_resource_id)k);
                if (!strcmp(r->group, segs[1])) {
                    char body[512];
                    int len = snprintf(body, sizeof body,
                                       "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\"%s\",\"versions\":[{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}],\"preferredVersion\":{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}}",
                                       r->group, r->group, r->version, r->version, r->group, r->version, r->version);
                    return send_text(c, 200, "application/json", xstrdup(body), (size_t)len);
                }
            }
            return not_found_path(c);
        }
        if (n < 3) return not_found_path(c);
        group = segs[1];
        version = segs[2];
        i = 3;
        if (n == 3 && get) {
            const char *list = group_resource_list(a, group, version);
            if (!list) return not_found_path(c);
            return send_static(c, 200, "application/json", list, strlen(list));
        }
    } else {
        return not_found_path(c);
    }
    /* [namespaces/{ns}/]{resource}[/{name}[/{sub}]] */
    const char *ns = NULL;
    if (n - i >= 3 && !strcmp(segs[i], "namespaces") && strcmp(segs[i + 2], "status") != 0 &&
        strcmp(segs[i + 2], "finalize") != 0) {
        ns = segs[i + 1];
        i += 2;
    }
    if (n - i > 3) return not_found_path(c);
    const char *resource = segs[i];
    const char *name = n - i >= 2 ? segs[i + 1] : NULL;
    const char *sub = n - i >= 3 ? segs[i + 2] : NULL;
    if (!group[0] && !strcmp(resource, "bindings") && ns && !name) {
        if (strcmp(method, "POST") != 0) return fail(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        return do_binding(a, c, req, ns, NULL);
    }
    const sl_resource *res = sl_resource_find(group, version, resource);
    if (!res) return not_found_path(c);
    if (res->namespaced == false && ns) return not_found_path(c);
    if (sub) {
        bool ok = (!strcmp(sub, "status") && res->has_status) || (!strcmp(sub, "binding") && res->id == SL_RES_PODS);
        if (!ok) return not_found_path(c);
    }
    if (sub && !strcmp(sub, "binding") && !query(c, "dryRun")) {
        if (strcmp(method, "POST") != 0) return fail(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        return do_binding(a, c, req, ns, name);
    }
    const char *dry = query(c, "dryRun");
    if (dry && *dry && strcmp(method, "GET") != 0) {
        if (strcmp(dry, "All") != 0)
            return fail(c, 400, "BadRequest", "Invalid dryRun: %s: supported values: \"All\"", dry);
        sl_store_dry_run_begin();
        enum MHD_Result r = route_resource(a, c, method, req, res, ns, name, sub, get);
        sl_store_dry_run_end();
        return r;
    }
    return route_resource(a, c, method, req, res, ns, name, sub, get);
}

static enum MHD_Result route_resource(sl_apiserver *a, struct MHD_Connection *c, const char *method,
                                      request *req, const sl_resource *res, const char *ns,
                                      const char *name, const char *sub, bool get) {
    if (!name) {
        if (get) {
            if (query_bool(c, "watch")) return do_watch(a, c, res, ns);
            return do_list(a, c, res, ns);
        }
        if (!strcmp(method, "POST")) return do_create(a, c, req, res, res->namespaced ? (ns ? ns : "") : NULL);
        if (!strcmp(method, "DELETE")) return do_delete_collection(a, c, res, ns);
        return fail(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    }
    if (res->namespaced && !ns) return not_found_path(c);
    if (get) return do_get(a, c, res, ns, name);
    if (sub && !strcmp(sub, "binding")) {
        if (strcmp(method, "POST") != 0) return fail(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        return do_binding(a, c, req, ns, name);
    }
    if (!strcmp(method, "PUT")) return do_write(a, c, req, res, ns, name, sub, false);
    if (!strcmp(method, "PATCH")) return do_write(a, c, req, res, ns, name, sub, true);
    if (!strcmp(method, "DELETE") && !sub) return do_delete(a, c, req, res, ns, name);
    return fail(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_size, void **con_cls) {
    UNUSED(version);
    sl_apiserver *a = cls;
    request *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof(*r));
        strbuf_init(&r->body);
        const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > a->max_body) r->too_large = true;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large) {
            if (r->body.len + *upload_size > a->max_body) {
                r->too_large = true;
                strbuf_free(&r->body);
            } else {
                strbuf_append(&r->body, upload_data, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return route(a, c, url, method, r);
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
    UNUSED(cls);
    UNUSED(c);
    UNUSED(toe);
    request *r = *con_cls;
    if (!r) return;
    strbuf_free(&r->body);
    free(r);
    *con_cls = NULL;
}

/* Query strings: '+' is a space and %XX an escape (what kubectl sends). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s) {
    UNUSED(cls);
    UNUSED(c);
    char *out = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') *out++ = ' ';
        else if (*p == '%' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end) *out++ = *p;
            else {
                *out++ = (char)v;
                p += 2;
            }
        } else {
            *out++ = *p;
        }
    }
    *out = 0;
    return (size_t)(out - s);
}

/* ------------------------------------------------------------------ */
/* Start / stop                                                         */
/* ------------------------------------------------------------------ */

static bool load_tokens(sl_apiserver *a, const char *path, char *err, size_t errsize) {
    size_t len;
    char *text = file_read_all(path, &len, err, errsize);
    if (!text) return false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t') line++;
        if (!*line || *line == '#') continue;
        char *comma = strchr(line, ',');
        if (!comma) {
            snprintf(err, errsize, "%s: expected token,user,uid[,\"groups\"] lines", path);
            free(text);
            return false;
        }
        *comma = 0;
        char *user = comma + 1;
        char *c2 = strchr(user, ',');
        if (c2) *c2 = 0;
        strmap_put(&a->tokens, line, xstrdup(user));
    }
    free(text);
    if (!strmap_len(&a->tokens)) {
        snprintf(err, errsize, "%s: no tokens", path);
        return false;
    }
    a->auth = true;
    return true;
}

static int open_listener(sl_apiserver *a, const char *listen_addr, char *err, size_t errsize) {
    char host[64] = "127.0.0.1";
    int port = 0;
    const char *colon = strrchr(listen_addr ? listen_addr : "", ':');
    if (listen_addr && *listen_addr) {
        if (colon) {
            size_t hl = (size_t)(colon - listen_addr);
            if (hl >= sizeof host) hl = sizeof host - 1;
            if (hl) {
                memcpy(host, listen_addr, hl);
                host[hl] = 0;
            }
            port = atoi(colon + 1);
        } else {
            port = atoi(listen_addr);
        }
    }
    if (host[0] == '[') { /* [::1] */
        memmove(host, host + 1, strlen(host));
        char *close = strchr(host, ']');
        if (close) *close = 0;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        family = AF_INET;
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        sl = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        family = AF_INET6;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        sl = sizeof *v6;
    } else {
        snprintf(err, errsize, "--listen %s: expected an IP address and port (e.g. 127.0.0.1:6443)", listen_addr);
        return -1;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errsize, "--listen %s: %s", listen_addr ? listen_addr : "", strerror(errno));
        close(fd);
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    a->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port : ((struct sockaddr_in6 *)&bound)->sin6_port);
    snprintf(a->host, sizeof a->host, "%s", host);
    return fd;
}

sl_apiserver *sl_apiserver_start(const sl_apiserver_options *o, char *err, size_t errsize) {
    sl_apiserver *a = xcalloc(1, sizeof(*a));
    a->store = o->store;
    a->max_body = o->max_body_bytes ? o->max_body_bytes : DEFAULT_MAX_BODY;
    a->bookmark_seconds = o->bookmark_seconds ? o->bookmark_seconds : 60;
    a->listen_fd = -1;
    if (o->token_file && !load_tokens(a, o->token_file, err, errsize)) goto fail;
    if (o->tls_cert_pem && o->tls_key_pem) {
        a->cert_pem = xstrdup(o->tls_cert_pem);
        a->key_pem = xstrdup(o->tls_key_pem);
    } else if (o->tls_cert_file || o->tls_key_file) {
        if (!o->tls_cert_file || !o->tls_key_file) {
            snprintf(err, errsize, "--tls-cert and --tls-key go together");
            goto fail;
        }
        size_t len;
        a->cert_pem = file_read_all(o->tls_cert_file, &len, err, errsize);
        if (!a->cert_pem) goto fail;
        a->key_pem = file_read_all(o->tls_key_file, &len, err, errsize);
        if (!a->key_pem) goto fail;
    }
    a->tls = a->cert_pem != NULL;
    a->listen_fd = open_listener(a, o->listen, err, errsize);
    if (a->listen_fd < 0) goto fail;
    build_discovery(a);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ERROR_LOG;
    if (a->tls) flags |= MHD_USE_TLS;
    struct MHD_OptionItem opts[12];
    int k = 0;
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, a->listen_fd, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, o->connection_timeout ? o->connection_timeout : 60, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections : 1024, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL};
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE, 256 * 1024, NULL};
    if (a->tls) {
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, a->key_pem};
        opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, a->cert_pem};
    }
    opts[k++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    /* the unescape callback's signature needs a cast through the varargs API */
    a->daemon = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, a, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!a->daemon) {
        snprintf(err, errsize, "cannot start the HTTP server on %s:%d%s", a->host, a->port,
                 a->tls ? " (is the TLS key/certificate valid PEM?)" : "");
        goto fail;
    }
    snprintf(a->url, sizeof a->url, "%s://%s%s%s:%d", a->tls ? "https" : "http",
             strchr(a->host, ':') ? "[" : "", a->host, strchr(a->host, ':') ? "]" : "", a->port);
    return a;
fail:
    sl_apiserver_stop(a);
    return NULL;
}

int sl_apiserver_port(const sl_apiserver *a) { return a->port; }
const char *sl_apiserver_url(const sl_apiserver *a) { return a->url; }

void sl_apiserver_stop(sl_apiserver *a) {
    if (!a) return;
    __atomic_store_n(&a->stopping, 1, __ATOMIC_RELEASE);
    if (a->store) sl_store_wake_watchers(a->store);
    if (a->daemon) MHD_stop_daemon(a->daemon);
    else if (a->listen_fd >= 0) close(a->listen_fd);
    size_t pos = 0;
    void *v;
    while (strmap_next(&a->tokens, &pos, NULL, &v)) free(v);
    strmap_free(&a->tokens);
    free(a->discovery_core);
    free(a->discovery_groups);
    for (int i = 0; i < SL_RES_COUNT; i++) free(a->discovery_group_versions[i]);
    free(a->cert_pem);
    free(a->key_pem);
    free(a);
}

bool sl_apiserver_write_kubeconfig(const sl_apiserver *a, const char *path, const char *token,
                                   const char *ca_pem, char *err, size_t errsize) {
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return false;
    }
    fprintf(f, "apiVersion: v1\nkind: Config\nclusters:\n- name: schedlab\n  cluster:\n    server: %s\n", a->url);
    if (a->tls) {
        if (ca_pem) {
            /* base64 of the PEM */
            static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            size_t n = strlen(ca_pem);
            fputs("    certificate-authority-data: ", f);
            for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t)(unsigned char)ca_pem[i] << 16;
                if (i + 1 < n) v |= (uint32_t)(unsigned char)ca_pem[i + 1] << 8;
                if (i + 2 < n) v |= (unsigned char)ca_pem[i + 2];
                fputc(b64[(v >> 18) & 63], f);
                fputc(b64[(v >> 12) & 63], f);
                fputc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
                fputc(i + 2 < n ? b64[v & 63] : '=', f);
            }
            fputc('\n', f);
        } else {
            fputs("    insecure-skip-tls-verify: true\n", f);
        }
    }
    /* Over HTTPS kubectl asks for a username when the user entry has no
     * credentials; without --token-file the server checks none, so a
     * placeholder token keeps kubectl quiet. */
    if (!token && a->tls) token = "unused-no-auth-configured";
    fprintf(f, "contexts:\n- name: schedlab\n  context:\n    cluster: schedlab\n    user: schedlab\n    namespace: default\n"
               "current-context: schedlab\nusers:\n- name: schedlab\n  user:%s\n",
            token ? "" : " {}");
    if (token) fprintf(f, "    token: %s\n", token);
    bool ok = fclose(f) == 0;
    if (!ok) snprintf(err, errsize, "%s: %s", path, strerror(errno));
    return ok;
}
