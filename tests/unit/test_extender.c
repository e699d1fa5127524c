/*
 * test_extender.c — the extender client against a real HTTP server on
 * loopback (libmicrohttpd in this process, a free port): request bodies
 * checked field by field (full Nodes and nodeCacheCapable NodeNames, bind,
 * preempt), reply decoding with any key casing, upstream's semantics for
 * FailedNodes / FailedAndUnresolvableNodes, ignorable, prioritize weighting
 * and ×10 scaling with concurrent calls, managedResources, faults (HTTP
 * 500, garbage, Error set, timeout, server down), keep-alive and TLS.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <unistd.h>

#include "extender/extender.h"
#include "plugin_fixture.h"
#include "plugins/registry.h"
#include "scheduler/config.h"
#include "test.h"

/* ------------------------------------------------------------------ */
/* The fake extender                                                    */
/* ------------------------------------------------------------------ */

#define MAX_ROUTES 16
typedef struct route {
    char path[64];
    int status;
    char *body;
    int delay_ms;
    char *last_request;           /* last body received */
    char last_content_type[64];
    int hits;
} route;

static struct {
    pthread_mutex_t lock;
    route routes[MAX_ROUTES];
    int nroutes;
    int connections;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void fake_reset(void) {
    pthread_mutex_lock(&fake.lock);
    for (int i = 0; i < fake.nroutes; i++) {
        free(fake.routes[i].body);
        free(fake.routes[i].last_request);
    }
    memset(fake.routes, 0, sizeof fake.routes);
    fake.nroutes = 0;
    fake.connections = 0;
    pthread_mutex_unlock(&fake.lock);
}

static void fake_route(const char *path, int status, const char *body, int delay_ms) {
    pthread_mutex_lock(&fake.lock);
    route *r = NULL;
    for (int i = 0; i < fake.nroutes; i++)
        if (!strcmp(fake.routes[i].path, path)) r = &fake.routes[i];
    if (!r) r = &fake.routes[fake.nroutes++];
    snprintf(r->path, sizeof r->path, "%s", path);
    r->status = status;
    free(r->body);
    r->body = xstrdup(body);
    r->delay_ms = delay_ms;
    pthread_mutex_unlock(&fake.lock);
}

/* Parsed last request of a route (NULL if none). */
static json_t *fake_request(const char *path) {
    json_t *v = NULL;
    pthread_mutex_lock(&fake.lock);
    for (int i = 0; i < fake.nroutes; i++)
        if (!strcmp(fake.routes[i].path, path) && fake.routes[i].last_request)
            v = json_loads(fake.routes[i].last_request, JSON_DECODE_ANY, NULL);
    pthread_mutex_unlock(&fake.lock);
    return v;
}

static int fake_hits(const char *path) {
    int n = 0;
    pthread_mutex_lock(&fake.lock);
    for (int i = 0; i < fake.nroutes; i++)
        if (!strcmp(fake.routes[i].path, path)) n = fake.routes[i].hits;
    pthread_mutex_unlock(&fake.lock);
    return n;
}

static enum MHD_Result fake_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **state) {
    strbuf *body = *state;
    if (!body) {
        body = xcalloc(1, sizeof *body);
        strbuf_init(body);
        *state = body;
        return MHD_YES;
    }
    if (*upload_size) {
        strbuf_append(body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    int status = 404, delay = 0;
    char *reply = xstrdup("not found");
    pthread_mutex_lock(&fake.lock);
    for (int i = 0; i < fake.nroutes; i++) {
        route *r = &fake.routes[i];
        if (strcmp(r->path, url) != 0) continue;
        status = r->status;
        delay = r->delay_ms;
        free(reply);
        reply = xstrdup(r->body);
        free(r->last_request);
        r->last_request = xstrdup(strbuf_cstr(body));
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        snprintf(r->last_content_type, sizeof r->last_content_type, "%s", ct ? ct : "");
        r->hits++;
    }
    pthread_mutex_unlock(&fake.lock);
    if (delay) usleep((useconds_t)delay * 1000);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(reply), reply, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void fake_completed(void *cls, struct MHD_Connection *conn, void **state,
                           enum MHD_RequestTerminationCode code) {
    strbuf *body = *state;
    if (body) {
        strbuf_free(body);
        free(body);
    }
    *state = NULL;
}

static void fake_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode code) {
    if (code != MHD_CONNECTION_NOTIFY_STARTED) return;
    pthread_mutex_lock(&fake.lock);
    fake.connections++;
    pthread_mutex_unlock(&fake.lock);
}

static struct MHD_Daemon *fake_start(unsigned extra_flags, const char *key, const char *cert,
                                     unsigned *port) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | extra_flags;
    if (key)
        d = MHD_start_daemon(flags, 0, NULL, NULL, fake_handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_NOTIFY_COMPLETED, fake_completed, NULL,
                             MHD_OPTION_NOTIFY_CONNECTION, fake_connection, NULL,
                             MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
                             MHD_OPTION_END);
    else
        d = MHD_start_daemon(flags, 0, NULL, NULL, fake_handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                             MHD_OPTION_NOTIFY_COMPLETED, fake_completed, NULL,
                             MHD_OPTION_NOTIFY_CONNECTION, fake_connection, NULL, MHD_OPTION_END);
    if (!d) return NULL;
    *port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return d;
}

static unsigned port;
static char base_url[64];
static sl_registry *registry; /* the in-tree plugins, for config loading */

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Loads a config with the given extenders (JSON array text, ' for ") and
 * builds the clients. */
static uint32_t make_extenders(sl_config *cfg, const char *extenders, sl_extender **out) {
    char *text = xasprintf("{'apiVersion':'kubescheduler.config.k8s.io/v1','kind':"
                           "'KubeSchedulerConfiguration','extenders':%s}",
                           extenders);
    for (char *s = text; *s; s++)
        if (*s == '\'') *s = '"';
    char *expanded = NULL;
    /* BASE in the text is the fake server's URL. */
    strbuf sb;
    strbuf_init(&sb);
    for (const char *s = text; *s;) {
        if (!strncmp(s, "BASE", 4)) {
            strbuf_puts(&sb, base_url);
            s += 4;
        } else {
            strbuf_putc(&sb, *s++);
        }
    }
    expanded = strbuf_take(&sb);
    free(text);
    json_error_t jerr;
    json_t *doc = json_loads(expanded, 0, &jerr);
    if (!doc) {
        fprintf(stderr, "bad test config %s: %s\n", expanded, jerr.text);
        abort();
    }
    free(expanded);
    char err[512];
    if (!registry) registry = sl_registry_new_default();
    if (!sl_config_load_json(doc, "test.yaml", registry, cfg, err, sizeof err)) {
        fprintf(stderr, "config: %s\n", err);
        abort();
    }
    json_decref(doc);
    for (uint32_t i = 0; i < cfg->nextenders; i++) {
        out[i] = sl_extender_new(&cfg->extenders[i], err, sizeof err);
        if (!out[i]) {
            fprintf(stderr, "extender: %s\n", err);
            abort();
        }
    }
    return cfg->nextenders;
}

static void free_extenders(sl_config *cfg, sl_extender **e, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) sl_extender_free(e[i]);
    sl_config_free(cfg);
}

static void three_nodes(fixture *f) {
    fixture_init(f);
    fixture_node(f, "{'metadata':{'name':'n1','labels':{'a':'1'}},'status':{'allocatable':{'cpu':'4','pods':'10'}}}");
    fixture_node(f, "{'metadata':{'name':'n2'},'status':{'allocatable':{'cpu':'4','pods':'10'}}}");
    fixture_node(f, "{'metadata':{'name':'n3'},'status':{'allocatable':{'cpu':'4','pods':'10'}}}");
}

static sl_pod_info *incoming(fixture *f) {
    return fixture_incoming(f, "{'metadata':{'name':'p','namespace':'ns','uid':'uid-p'},"
                               "'spec':{'containers':[{'name':'c','image':'x'}]}}");
}

/* The snapshot's nodes n1..n3 as an array. */
static void nodes_of(fixture *f, sl_node_info **nodes) {
    nodes[0] = (sl_node_info *)fixture_node_info(f, "n1");
    nodes[1] = (sl_node_info *)fixture_node_info(f, "n2");
    nodes[2] = (sl_node_info *)fixture_node_info(f, "n3");
}

static const char *keys_of(const json_t *obj, char *buf, size_t size) {
    buf[0] = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        strncat(buf, k, size - strlen(buf) - 2);
        strncat(buf, ",", size - strlen(buf) - 1);
    }
    return buf;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

TEST(filter_full_nodes_body_and_reply) {
    fake_reset();
    fake_route("/filter", 200,
               "{\"nodes\":{\"items\":[{\"metadata\":{\"name\":\"n2\"}}]},\"failedNodes\":{\"n1\":\"no\"},"
               "\"FAILEDANDUNRESOLVABLENODES\":{\"n3\":\"never\"},\"error\":\"\"}",
               0);
    sl_config cfg;
    sl_extender *e[4];
    make_extenders(&cfg, "[{'urlPrefix':'BASE/','filterVerb':'filter'}]", e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *nodes[3];
    nodes_of(&f, nodes);
    sl_extender_filter_result res;
    json_t *answer = NULL;
    sl_status st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, &answer);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    CHECK(answer != NULL);
    CHECK_EQ_INT(res.nfeasible, 1);
    if (res.nfeasible == 1) CHECK_EQ_STR(res.feasible[0]->node->name, "n2");
    CHECK_EQ_INT(res.nfailed, 2);
    for (uint32_t i = 0; i < res.nfailed; i++) {
        if (!strcmp(res.failed[i].node, "n3")) {
            CHECK(res.failed[i].unresolvable);
            CHECK_EQ_STR(res.failed[i].reason, "never");
        } else {
            CHECK_EQ_STR(res.failed[i].node, "n1");
            CHECK(!res.failed[i].unresolvable);
            CHECK_EQ_STR(res.failed[i].reason, "no");
        }
    }
    json_decref(answer);
    /* The request, field by field. */
    json_t *req = fake_request("/filter");
    CHECK(req != NULL);
    char keys[256];
    CHECK_EQ_STR(keys_of(req, keys, sizeof keys), "Pod,Nodes,NodeNames,");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(json_object_get(req, "Pod"), "metadata"), "uid")), "uid-p");
    CHECK(json_is_null(json_object_get(req, "NodeNames")));
    json_t *items = json_object_get(json_object_get(req, "Nodes"), "items");
    CHECK_EQ_INT(json_array_size(items), 3);
    CHECK(json_is_object(json_object_get(json_object_get(req, "Nodes"), "metadata")));
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(json_array_get(items, 0), "metadata"), "name")), "n1");
    /* the Node object is the node's own JSON (labels and status kept) */
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(json_object_get(json_array_get(items, 0), "metadata"), "labels"), "a")), "1");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(json_object_get(json_array_get(items, 2), "status"), "allocatable"), "cpu")), "4");
    CHECK_EQ_STR(fake.routes[0].last_content_type, "application/json");
    json_decref(req);
    fixture_free(&f);
    free_extenders(&cfg, e, 1);
}

TEST(filter_node_cache_capable) {
    fake_reset();
    fake_route("/filter", 200, "{\"NodeNames\":[\"n3\",\"n1\"],\"Nodes\":{\"items\":[{\"metadata\":{\"name\":\"n2\"}}]}}", 0);
    sl_config cfg;
    sl_extender *e[4];
    make_extenders(&cfg, "[{'urlPrefix':'BASE','filterVerb':'filter','nodeCacheCapable':true}]", e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *nodes[3];
    nodes_of(&f, nodes);
    sl_extender_filter_result res;
    sl_status st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    /* NodeNames wins over Nodes when nodeCacheCapable */
    CHECK_EQ_INT(res.nfeasible, 2);
    if (res.nfeasible == 2) {
        CHECK_EQ_STR(res.feasible[0]->node->name, "n3");
        CHECK_EQ_STR(res.feasible[1]->node->name, "n1");
    }
    json_t *req = fake_request("/filter");
    char keys[256];
    CHECK_EQ_STR(keys_of(req, keys, sizeof keys), "Pod,Nodes,NodeNames,");
    CHECK(json_is_null(json_object_get(req, "Nodes")));
    json_t *names = json_object_get(req, "NodeNames");
    CHECK_EQ_INT(json_array_size(names), 3);
    CHECK_EQ_STR(json_string_value(json_array_get(names, 0)), "n1");
    CHECK_EQ_STR(json_string_value(json_array_get(names, 1)), "n2");
    CHECK_EQ_STR(json_string_value(json_array_get(names, 2)), "n3");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(json_object_get(req, "Pod"), "metadata"), "name")), "p");
    json_decref(req);
    /* A name that was not asked is an error. */
    fake_route("/filter", 200, "{\"NodeNames\":[\"zz\"]}", 0);
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(st.message && strstr(st.message, "claims a filtered node \"zz\""));
    /* No Nodes and no NodeNames: nothing is feasible. */
    fake_route("/filter", 200, "{}", 0);
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    CHECK_EQ_INT(res.nfeasible, 0);
    fixture_free(&f);
    free_extenders(&cfg, e, 1);
}

TEST(filter_faults) {
    fake_reset();
    sl_config cfg;
    sl_extender *e[4];
    make_extenders(&cfg,
                   "[{'urlPrefix':'BASE','filterVerb':'filter','httpTimeout':'300ms'},"
                   "{'urlPrefix':'http://127.0.0.1:1','filterVerb':'filter'}]",
                   e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *nodes[3];
    nodes_of(&f, nodes);
    sl_extender_filter_result res;
    char want[256];

    fake_route("/filter", 500, "oops", 0);
    sl_status st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    snprintf(want, sizeof want, "failed filter with extender at URL %s/filter, code 500", base_url);
    CHECK_EQ_STR(st.message, want);

    fake_route("/filter", 200, "<html>garbage", 0);
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(st.message && strstr(st.message, "decoding the filter reply"));

    fake_route("/filter", 200, "{\"NodeNames\":5}", 0);
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(st.message && strstr(st.message, "cannot unmarshal number into Go struct field ExtenderFilterResult.NodeNames"));

    fake_route("/filter", 200, "{\"Error\":\"boom\",\"NodeNames\":[\"n1\"]}", 0);
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK_EQ_STR(st.message, "boom");

    /* Slow past httpTimeout: an error after ~300 ms, not 2 s. */
    fake_route("/filter", 200, "{}", 2000);
    int64_t t0 = time_now_ns();
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    int64_t took_ms = (time_now_ns() - t0) / 1000000;
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(took_ms >= 250 && took_ms < 1500);
    snprintf(want, sizeof want, "Post \"%s/filter\": ", base_url);
    CHECK(st.message && strncmp(st.message, want, strlen(want)) == 0);
    CHECK(st.message && strstr(st.message, "imed out"));

    /* Down: nothing listens on port 1. */
    st = sl_extender_filter(e[1], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(st.message && strncmp(st.message, "Post \"http://127.0.0.1:1/filter\": ", 34) == 0);

    /* After all that the first client still works (broken handles dropped). */
    fake_route("/filter", 200, "{\"NodeNames\":null,\"Nodes\":{\"items\":[{\"metadata\":{\"name\":\"n1\"}}]}}", 0);
    usleep(1800 * 1000); /* let the slow handler finish */
    st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    CHECK_EQ_INT(res.nfeasible, 1);
    fixture_free(&f);
    free_extenders(&cfg, e, 2);
}

TEST(filter_loop_statuses_and_ignorable) {
    fake_reset();
    fake_route("/bad", 500, "", 0);
    fake_route("/filter", 200,
               "{\"NodeNames\":[\"n3\"],\"FailedNodes\":{\"n1\":\"n1 is busy\",\"n2\":\"ignored\"},"
               "\"FailedAndUnresolvableNodes\":{\"n2\":\"n2 never\"}}",
               0);
    sl_config cfg;
    sl_extender *e[4];
    uint32_t n = make_extenders(&cfg,
                                "[{'urlPrefix':'BASE','filterVerb':'bad','ignorable':true},"
                                "{'urlPrefix':'BASE','filterVerb':'filter','nodeCacheCapable':true}]",
                                e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *feasible[3];
    nodes_of(&f, feasible);
    uint32_t nfeasible = 3;
    sl_node_status_map *statuses = sl_node_status_map_new(f.cycle, 3);
    sl_status st = sl_extenders_filter(e, n, f.cycle, pod, feasible, &nfeasible, statuses, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    CHECK_EQ_INT(nfeasible, 1);
    CHECK_EQ_STR(feasible[0]->node->name, "n3");
    sl_status s1 = sl_node_status_get(statuses, fixture_node_info(&f, "n1")->index);
    sl_status s2 = sl_node_status_get(statuses, fixture_node_info(&f, "n2")->index);
    CHECK_EQ_INT(s1.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s1.message, "n1 is busy");
    CHECK_EQ_STR(s1.plugin, "Extender");
    CHECK_EQ_INT(s2.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s2.message, "n2 never");
    CHECK_EQ_INT(fake_hits("/bad"), 1);
    free_extenders(&cfg, e, n);

    /* The same failing extender without ignorable fails the cycle. */
    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','filterVerb':'bad'},{'urlPrefix':'BASE','filterVerb':'filter'}]", e);
    nodes_of(&f, feasible);
    nfeasible = 3;
    st = sl_extenders_filter(e, n, f.cycle, pod, feasible, &nfeasible, statuses, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(st.message && strstr(st.message, "code 500"));
    fixture_free(&f);
    free_extenders(&cfg, e, n);
}

TEST(prioritize_weight_and_scale) {
    fake_reset();
    fake_route("/prio-a", 200, "[{\"Host\":\"n1\",\"Score\":5},{\"Host\":\"n2\",\"Score\":1},{\"Host\":\"zz\",\"Score\":9}]", 300);
    fake_route("/prio-b", 200, "[{\"host\":\"n2\",\"score\":4}]", 300);
    fake_route("/prio-c", 500, "", 0);
    fake_route("/prio-d", 200, "[{\"Host\":\"n3\",\"Score\":1.5}]", 0);
    sl_config cfg;
    sl_extender *e[4];
    uint32_t n = make_extenders(&cfg,
                                "[{'urlPrefix':'BASE','prioritizeVerb':'prio-a','weight':2},"
                                "{'urlPrefix':'BASE','prioritizeVerb':'prio-b','weight':3,'nodeCacheCapable':true},"
                                "{'urlPrefix':'BASE','prioritizeVerb':'prio-c','weight':5},"
                                "{'urlPrefix':'BASE','prioritizeVerb':'prio-d','weight':7}]",
                                e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *nodes[3];
    nodes_of(&f, nodes);
    int64_t totals[3] = {7, 0, 0};
    int64_t t0 = time_now_ns();
    sl_extenders_prioritize(e, n, f.cycle, pod, nodes, 3, totals, NULL);
    int64_t took_ms = (time_now_ns() - t0) / 1000000;
    /* score x weight x (MaxNodeScore 100 / MaxExtenderPriority 10) */
    CHECK_EQ_INT(totals[0], 7 + 5 * 2 * 10);
    CHECK_EQ_INT(totals[1], 1 * 2 * 10 + 4 * 3 * 10);
    CHECK_EQ_INT(totals[2], 0); /* prio-c failed, prio-d's float score is a decode error: ignored */
    /* the two 300 ms calls ran concurrently */
    CHECK(took_ms < 550);
    json_t *req = fake_request("/prio-b");
    CHECK(json_is_null(json_object_get(req, "Nodes")));
    CHECK_EQ_INT(json_array_size(json_object_get(req, "NodeNames")), 3);
    json_decref(req);
    req = fake_request("/prio-a");
    CHECK_EQ_INT(json_array_size(json_object_get(json_object_get(req, "Nodes"), "items")), 3);
    json_decref(req);
    fixture_free(&f);
    free_extenders(&cfg, e, n);
}

TEST(bind_verb) {
    fake_reset();
    fake_route("/bind", 200, "{\"Error\":\"\"}", 0);
    fake_route("/bind-fails", 200, "{\"error\":\"nope\"}", 0);
    sl_config cfg;
    sl_extender *e[4];
    uint32_t n = make_extenders(&cfg, "[{'urlPrefix':'BASE','bindVerb':'bind'}]", e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_status st = SL_STATUS_SUCCESS;
    CHECK(sl_extenders_bind(e, n, f.cycle, pod, "n2", &st, NULL));
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    json_t *req = fake_request("/bind");
    char keys[256];
    CHECK_EQ_STR(keys_of(req, keys, sizeof keys), "PodName,PodNamespace,PodUID,Node,");
    CHECK_EQ_STR(json_string_value(json_object_get(req, "PodName")), "p");
    CHECK_EQ_STR(json_string_value(json_object_get(req, "PodNamespace")), "ns");
    CHECK_EQ_STR(json_string_value(json_object_get(req, "PodUID")), "uid-p");
    CHECK_EQ_STR(json_string_value(json_object_get(req, "Node")), "n2");
    json_decref(req);
    free_extenders(&cfg, e, n);

    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','bindVerb':'bind-fails'}]", e);
    CHECK(sl_extenders_bind(e, n, f.cycle, pod, "n2", &st, NULL));
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK_EQ_STR(st.message, "nope");
    free_extenders(&cfg, e, n);

    /* ignorable: falls through to the Bind plugins */
    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','bindVerb':'bind-fails','ignorable':true}]", e);
    CHECK(!sl_extenders_bind(e, n, f.cycle, pod, "n2", &st, NULL));
    free_extenders(&cfg, e, n);
    fixture_free(&f);
}

TEST(managed_resources) {
    fake_reset();
    sl_config cfg;
    sl_extender *e[4];
    uint32_t n = make_extenders(&cfg,
                                "[{'urlPrefix':'BASE','filterVerb':'f','managedResources':"
                                "[{'name':'example.com/foo','ignoredByScheduler':true}]},"
                                "{'urlPrefix':'BASE','filterVerb':'g'}]",
                                e);
    fixture f;
    fixture_init(&f);
    sl_pod_info *plain = fixture_incoming(&f, "{'metadata':{'name':'a'},'spec':{'containers':[{'name':'c'}]}}");
    sl_pod_info *req = fixture_incoming(&f, "{'metadata':{'name':'b'},'spec':{'containers':[{'name':'c',"
                                            "'resources':{'requests':{'example.com/foo':'1'}}}]}}");
    sl_pod_info *lim = fixture_incoming(&f, "{'metadata':{'name':'c'},'spec':{'containers':[{'name':'c',"
                                            "'resources':{'limits':{'example.com/foo':'2'}}}]}}");
    sl_pod_info *init = fixture_incoming(&f, "{'metadata':{'name':'d'},'spec':{'containers':[{'name':'c'}],"
                                             "'initContainers':[{'name':'i','resources':{'requests':{'example.com/foo':'1'}}}]}}");
    sl_pod_info *other = fixture_incoming(&f, "{'metadata':{'name':'e'},'spec':{'containers':[{'name':'c',"
                                              "'resources':{'requests':{'example.com/bar':'1'}}}]}}");
    CHECK(!sl_extender_is_interested(e[0], plain));
    CHECK(sl_extender_is_interested(e[0], req));
    CHECK(sl_extender_is_interested(e[0], lim));
    CHECK(sl_extender_is_interested(e[0], init));
    CHECK(!sl_extender_is_interested(e[0], other));
    CHECK(sl_extender_is_interested(e[1], plain)); /* no managedResources: every pod */
    /* ignoredByScheduler reaches NodeResourcesFit's args */
    const json_t *args = sl_profile_plugin_args(&cfg.profiles[0], "NodeResourcesFit");
    const json_t *ignored = json_object_get(args, "ignoredResources");
    CHECK_EQ_INT(json_array_size(ignored), 1);
    CHECK_EQ_STR(json_string_value(json_array_get(ignored, 0)), "example.com/foo");
    fixture_free(&f);
    free_extenders(&cfg, e, n);
}

TEST(preempt_verb) {
    fake_reset();
    fake_route("/preempt", 200, "{\"nodeNameToMetaVictims\":{\"n2\":{\"Pods\":[{\"uid\":\"uid-c\"}],\"NumPDBViolations\":0}}}", 0);
    fake_route("/preempt-bad", 200, "{\"NodeNameToMetaVictims\":{\"n2\":{\"Pods\":[{\"UID\":\"nope\"}]}}}", 0);
    fake_route("/preempt-empty", 200, "{\"NodeNameToMetaVictims\":{\"n2\":{\"Pods\":[]}}}", 0);
    sl_config cfg;
    sl_extender *e[4];
    uint32_t n = make_extenders(&cfg, "[{'urlPrefix':'BASE','preemptVerb':'preempt','nodeCacheCapable':true}]", e);
    fixture f;
    three_nodes(&f);
    fixture_pod(&f, "{'metadata':{'name':'v1','uid':'uid-a'},'spec':{'nodeName':'n1','containers':[{'name':'c'}]}}");
    fixture_pod(&f, "{'metadata':{'name':'v2','uid':'uid-b'},'spec':{'nodeName':'n1','containers':[{'name':'c'}]}}");
    fixture_pod(&f, "{'metadata':{'name':'v3','uid':'uid-c'},'spec':{'nodeName':'n2','containers':[{'name':'c'}]}}");
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    const sl_node_info *n1 = fixture_node_info(&f, "n1"), *n2 = fixture_node_info(&f, "n2");
    sl_preemption_candidate cands[2] = {{n1, n1->npods, n1->pods, 0}, {n2, n2->npods, n2->pods, 1}};
    uint32_t ncands = 2;
    sl_status st = sl_extenders_preempt(e, n, f.cycle, pod, cands, &ncands, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    CHECK_EQ_INT(ncands, 1);
    CHECK_EQ_STR(cands[0].node->node->name, "n2");
    CHECK_EQ_INT(cands[0].nvictims, 1);
    CHECK_EQ_STR(cands[0].victims[0]->pod->name, "v3");
    json_t *req = fake_request("/preempt");
    char keys[256];
    CHECK_EQ_STR(keys_of(req, keys, sizeof keys), "Pod,NodeNameToVictims,NodeNameToMetaVictims,");
    CHECK(json_is_null(json_object_get(req, "NodeNameToVictims")));
    json_t *meta = json_object_get(req, "NodeNameToMetaVictims");
    CHECK_EQ_INT(json_array_size(json_object_get(json_object_get(meta, "n1"), "Pods")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(meta, "n1"), "Pods"), 1), "UID")), "uid-b");
    /* The candidate's PDB violations go out; the reply's come back. */
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(meta, "n2"), "NumPDBViolations")), 1);
    CHECK_EQ_INT(cands[0].num_pdb_violations, 0);
    json_decref(req);
    free_extenders(&cfg, e, n);

    /* full victims when not nodeCacheCapable */
    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','preemptVerb':'preempt'}]", e);
    sl_preemption_candidate c2[2] = {{n1, n1->npods, n1->pods, 0}, {n2, n2->npods, n2->pods, 0}};
    ncands = 2;
    st = sl_extenders_preempt(e, n, f.cycle, pod, c2, &ncands, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    req = fake_request("/preempt");
    CHECK(json_is_null(json_object_get(req, "NodeNameToMetaVictims")));
    json_t *full = json_object_get(json_object_get(json_object_get(req, "NodeNameToVictims"), "n1"), "Pods");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(json_array_get(full, 0), "metadata"), "name")), "v1");
    json_decref(req);
    free_extenders(&cfg, e, n);

    /* an unknown UID is an error; a node without victims too (unless ignorable) */
    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','preemptVerb':'preempt-bad'}]", e);
    sl_preemption_candidate c3[2] = {{n1, n1->npods, n1->pods, 0}, {n2, n2->npods, n2->pods, 0}};
    ncands = 2;
    st = sl_extenders_preempt(e, n, f.cycle, pod, c3, &ncands, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK(st.message && strstr(st.message, "claims to preempt pod (UID: nope) on node: n2"));
    free_extenders(&cfg, e, n);
    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','preemptVerb':'preempt-empty'}]", e);
    ncands = 2;
    st = sl_extenders_preempt(e, n, f.cycle, pod, c3, &ncands, NULL);
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK_EQ_STR(st.message, "expected at least one victim pod on node \"n2\"");
    free_extenders(&cfg, e, n);
    n = make_extenders(&cfg, "[{'urlPrefix':'BASE','preemptVerb':'preempt-empty','ignorable':true}]", e);
    ncands = 2;
    st = sl_extenders_preempt(e, n, f.cycle, pod, c3, &ncands, NULL);
    CHECK_EQ_INT(st.code, SL_SUCCESS);
    CHECK_EQ_INT(ncands, 0);
    free_extenders(&cfg, e, n);
    fixture_free(&f);
}

TEST(keep_alive) {
    fake_reset();
    fake_route("/filter", 200, "{\"NodeNames\":[\"n1\"]}", 0);
    sl_config cfg;
    sl_extender *e[4];
    make_extenders(&cfg, "[{'urlPrefix':'BASE','filterVerb':'filter','nodeCacheCapable':true}]", e);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *nodes[3];
    nodes_of(&f, nodes);
    for (int i = 0; i < 20; i++) {
        sl_extender_filter_result res;
        sl_status st = sl_extender_filter(e[0], f.cycle, pod, nodes, 3, &res, NULL);
        CHECK_EQ_INT(st.code, SL_SUCCESS);
    }
    CHECK_EQ_INT(fake_hits("/filter"), 20);
    CHECK_EQ_INT(fake.connections, 1);
    uint64_t calls;
    int64_t total;
    sl_extender_stats(e[0], &calls, &total);
    CHECK_EQ_INT(calls, 20);
    CHECK(total > 0);
    fixture_free(&f);
    free_extenders(&cfg, e, 1);
}

TEST(reply_decoding) {
    char err[256];
    CHECK(sl_extender_check_reply("filter", "null", 4, err, sizeof err));
    CHECK(sl_extender_check_reply("filter", "{\"Error\":null} trailing", 23, err, sizeof err));
    CHECK(!sl_extender_check_reply("filter", "", 0, err, sizeof err));
    CHECK(!sl_extender_check_reply("filter", "[]", 2, err, sizeof err));
    CHECK(!sl_extender_check_reply("filter", "{\"FailedNodes\":{\"a\":1}}", 23, err, sizeof err));
    CHECK(strstr(err, "cannot unmarshal number"));
    CHECK(!sl_extender_check_reply("filter", "{\"nodes\":{\"items\":{}}}", 22, err, sizeof err));
    CHECK(sl_extender_check_reply("prioritize", "[{\"HOST\":\"a\",\"score\":3}]", 25, err, sizeof err));
    CHECK(!sl_extender_check_reply("prioritize", "[{\"Host\":\"a\",\"Score\":\"3\"}]", 27, err, sizeof err));
    CHECK(!sl_extender_check_reply("prioritize", "{}", 2, err, sizeof err));
    CHECK(sl_extender_check_reply("bind", "{\"error\":\"\"}", 12, err, sizeof err));
    CHECK(!sl_extender_check_reply("bind", "{\"Error\":false}", 15, err, sizeof err));
    CHECK(sl_extender_check_reply("preempt", "{\"NodeNameToMetaVictims\":{\"n\":{\"Pods\":[{\"UID\":\"u\"}]}}}", 54, err, sizeof err));
    CHECK(!sl_extender_check_reply("preempt", "{\"NodeNameToMetaVictims\":{\"n\":{\"Pods\":[{\"UID\":7}]}}}", 52, err, sizeof err));
}

/* ------------------------------------------------------------------ */
/* TLS                                                                  */
/* ------------------------------------------------------------------ */

static char *slurp(const char *path) {
    char err[256];
    size_t len;
    return file_read_all(path, &len, err, sizeof err);
}

static char *b64(const char *s) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = xmalloc(n / 3 * 4 + 8), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        *o++ = tbl[(v >> 18) & 63];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    *o = 0;
    return out;
}

TEST(https_with_and_without_ca) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES || system("command -v openssl >/dev/null") != 0) {
        printf("  (skipped: no TLS in libmicrohttpd or no openssl)\n");
        return;
    }
    char dir[] = "/tmp/sl-ext-tls-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *cmd = xasprintf("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
                          "-days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1 && "
                          "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-key.pem -out other.pem "
                          "-days 1 -subj /CN=other >/dev/null 2>&1",
                          dir);
    CHECK_EQ_INT(system(cmd), 0);
    free(cmd);
    char *p;
    char *key = slurp(p = xasprintf("%s/key.pem", dir));
    free(p);
    char *cert = slurp(p = xasprintf("%s/cert.pem", dir));
    free(p);
    char *other = slurp(p = xasprintf("%s/other.pem", dir));
    free(p);
    unsigned tls_port;
    struct MHD_Daemon *d = fake_start(MHD_USE_TLS, key, cert, &tls_port);
    CHECK(d != NULL);
    if (!d) return;
    fake_reset();
    fake_route("/filter", 200, "{\"NodeNames\":[\"n2\"]}", 0);
    fixture f;
    three_nodes(&f);
    sl_pod_info *pod = incoming(&f);
    fixture_begin(&f);
    sl_node_info *nodes[3];
    nodes_of(&f, nodes);
    char *cert_b64 = b64(cert), *other_b64 = b64(other);
    char *exts = xasprintf(
        "[{'urlPrefix':'https://127.0.0.1:%u','filterVerb':'filter','nodeCacheCapable':true,'enableHTTPS':true},"
        "{'urlPrefix':'https://127.0.0.1:%u','filterVerb':'filter','nodeCacheCapable':true,'enableHTTPS':true,"
        "'tlsConfig':{'caFile':'%s/cert.pem','serverName':'localhost'}},"
        "{'urlPrefix':'https://127.0.0.1:%u','filterVerb':'filter','nodeCacheCapable':true,'enableHTTPS':true,"
        "'tlsConfig':{'caData':'%s','serverName':'localhost'}},"
        "{'urlPrefix':'https://127.0.0.1:%u','filterVerb':'filter','nodeCacheCapable':true,'enableHTTPS':true,"
        "'tlsConfig':{'caData':'%s','serverName':'localhost'}}]",
        tls_port, tls_port, dir, tls_port, cert_b64, tls_port, other_b64);
    sl_config cfg;
    sl_extender *e[4];
    uint32_t n = make_extenders(&cfg, exts, e);
    const bool want_ok[4] = {true, true, true, false};
    for (uint32_t i = 0; i < n; i++) {
        sl_extender_filter_result res;
        sl_status st = sl_extender_filter(e[i], f.cycle, pod, nodes, 3, &res, NULL);
        if (want_ok[i]) {
            if (st.code != SL_SUCCESS) fprintf(stderr, "  extender %u: %s\n", i, st.message);
            CHECK_EQ_INT(st.code, SL_SUCCESS);
            CHECK_EQ_INT(res.nfeasible, 1);
        } else {
            CHECK_EQ_INT(st.code, SL_ERROR); /* the server's certificate is not signed by that CA */
        }
    }
    CHECK_EQ_INT(fake_hits("/filter"), 3);
    free_extenders(&cfg, e, n);
    fixture_free(&f);
    MHD_stop_daemon(d);
    free(exts);
    free(cert_b64);
    free(other_b64);
    free(key);
    free(cert);
    free(other);
    cmd = xasprintf("rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    free(cmd);
}

int main(void) {
    struct MHD_Daemon *d = fake_start(0, NULL, NULL, &port);
    if (!d) {
        fprintf(stderr, "cannot start the fake extender\n");
        return 1;
    }
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", port);
    RUN(filter_full_nodes_body_and_reply);
    RUN(filter_node_cache_capable);
    RUN(filter_faults);
    RUN(filter_loop_statuses_and_ignorable);
    RUN(prioritize_weight_and_scale);
    RUN(bind_verb);
    RUN(managed_resources);
    RUN(preempt_verb);
    RUN(keep_alive);
    RUN(reply_decoding);
    RUN(https_with_and_without_ca);
    MHD_stop_daemon(d);
    fake_reset();
    sl_registry_free(registry);
    return test_summary("extender");
}
