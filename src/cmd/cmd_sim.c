/*
 * cmd_sim.c — `schedlab sim`: the API server and the scheduler in one
 * process sharing one store — kubectl and clients talk HTTP to the API
 * server, the scheduler reads and writes the store directly (the store
 * adapter behind an inbox, cluster_inbox.c), on the store's clock.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/apiserver.h"
#include "base/clock.h"
#include "cmd/cmd.h"
#include "plugins/registry.h"
#include "k8s/k8s_schema.h"
#include "scheduler/scheduler.h"
#include "store/store.h"

static volatile int stop_requested;

static void on_signal(int sig) {
    UNUSED(sig);
    stop_requested = 1;
}

/* --cluster FILE: every object of a cluster file (YAML or JSON documents,
 * Lists expanded; the format of `schedlab schedule --cluster`) is created
 * through the store with admission, as if POSTed: Namespaces first, then
 * the namespaces the objects name (created when missing, as `schedule`
 * does), then everything else in file order. */
static bool load_cluster_file(sl_store *store, const char *path, char *err, size_t errsize) {
    size_t len = 0;
    char *text = file_read_all(path, &len, err, errsize);
    if (!text) return false;
    json_t *locations = NULL;
    json_t *docs = k8s_parse_documents_located(text, len, path, &locations, err, errsize);
    free(text);
    if (!docs) return false;
    bool ok = true;
    const sl_resource *ns_res = sl_resource_get(SL_RES_NAMESPACES);
    for (int pass = 0; pass < 3 && ok; pass++) {
        size_t i;
        json_t *doc;
        json_array_foreach(docs, i, doc) {
            const char *where = json_string_value(json_array_get(locations, i));
            if (pass == 0) { /* checked once, as `schedule --cluster` checks (strict fields) */
                k8s_check_options co = {.lenient = false};
                k8s_check_result *check = xmalloc(sizeof(*check));
                bool good = k8s_check_object(doc, &co, check);
                if (!good) snprintf(err, errsize, "%s: %s: %s", path, where ? where : "?", check->error);
                free(check);
                if (!good) {
                    ok = false;
                    break;
                }
            }
            const char *api_version = json_string_value(json_object_get(doc, "apiVersion"));
            const char *kind = json_string_value(json_object_get(doc, "kind"));
            const sl_resource *res = api_version && kind ? sl_resource_by_kind(api_version, kind) : NULL;
            if (!res) {
                snprintf(err, errsize, "%s: %s: %s%s%s is not a kind the API server serves", path, where ? where : "?",
                         api_version ? api_version : "(no apiVersion)", kind ? "/" : "", kind ? kind : " (no kind)");
                ok = false;
                break;
            }
            json_t *meta = json_object_get(doc, "metadata");
            const char *name = json_string_value(json_object_get(meta, "name"));
            const char *ns = json_string_value(json_object_get(meta, "namespace"));
            if (res->namespaced && (!ns || !*ns)) ns = "default";
            sl_store_error se;
            if (pass == 1 && res->namespaced) {
                sl_object *have = NULL;
                if (sl_store_get(store, ns_res, NULL, ns, &have, &se) == 200) {
                    sl_object_unref(have);
                    continue;
                }
                json_t *nsobj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
                int code = sl_store_create(store, ns_res, NULL, nsobj, NULL, &se);
                json_decref(nsobj);
                if (code >= 300) {
                    snprintf(err, errsize, "%s: namespace %s: %s", path, ns, se.message);
                    ok = false;
                    break;
                }
                continue;
            }
            bool is_ns = res == ns_res;
            if ((pass == 0) != is_ns || pass == 1) continue;
            int code = sl_store_create(store, res, res->namespaced ? ns : NULL, doc, NULL, &se);
            if (code >= 300) {
                snprintf(err, errsize, "%s: %s (%s %s): %s", path, where ? where : "?", kind, name ? name : "(no name)", se.message);
                ok = false;
                break;
            }
        }
    }
    json_decref(docs);
    json_decref(locations);
    return ok;
}

static void usage(FILE *out) {
    fputs("usage: schedlab sim [--listen ADDR:PORT] [--config FILE] [--data-dir DIR]\n"
          "                    [--cluster FILE]... [--write-kubeconfig FILE]\n\n"
          "Runs the API server (as `schedlab apiserver`, plain HTTP) and the scheduler (as\n"
          "`schedlab scheduler`, in real time) in one process sharing one store: no HTTP\n"
          "between them. Prints `schedlab sim: kubeconfig PATH` and then\n"
          "`schedlab sim: ready on URL`; runs until SIGINT/SIGTERM.\n\n"
          "  --listen ADDR:PORT      API address (default 127.0.0.1:6443; port 0 = any free port)\n"
          "  --config FILE           KubeSchedulerConfiguration\n"
          "  --data-dir DIR          persist the store in DIR (see schedlab apiserver)\n"
          "  --cluster FILE          create the objects of a cluster file (YAML/JSON, as for\n"
          "                          schedlab schedule) before the scheduler starts; repeatable\n"
          "  --write-kubeconfig FILE where to write the kubeconfig (default: a new temporary\n"
          "                          directory)\n",
          out);
}

int cmd_sim(int argc, char **argv) {
    const char *listen = "127.0.0.1:6443", *config_path = NULL, *data_dir = NULL, *kubeconfig = NULL;
    VEC(const char *) cluster_files = {0};
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cmd_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if (cmd_option_value(argc, argv, &i, "--listen", &v)) listen = v;
        else if (cmd_option_value(argc, argv, &i, "--config", &v)) config_path = v;
        else if (cmd_option_value(argc, argv, &i, "--data-dir", &v)) data_dir = v;
        else if (cmd_option_value(argc, argv, &i, "--write-kubeconfig", &v)) kubeconfig = v;
        else if (cmd_option_value(argc, argv, &i, "--cluster", &v)) {
            if (v) VEC_PUSH(&cluster_files, v);
        } else {
            static const char *const flags[] = {"--listen", "--config", "--data-dir", "--cluster",
                                                "--write-kubeconfig", "--help"};
            const char *hint = cmd_suggest(argv[i], flags, ARRAY_LEN(flags));
            fprintf(stderr, "schedlab sim: unknown option %s", argv[i]);
            if (hint) fprintf(stderr, "; did you mean %s?", hint);
            fprintf(stderr, " (see --help)\n");
            VEC_FREE(&cluster_files);
            return 2;
        }
        if (!v) {
            fprintf(stderr, "schedlab sim: %s needs a value\n", argv[i]);
            VEC_FREE(&cluster_files);
            return 2;
        }
    }
    char err[1024] = "";
    int status = 1;
    sl_config config = {0};
    sl_registry *registry = cmd_registry_new();
    sl_store *store = NULL;
    sl_apiserver *api = NULL;
    sl_cluster *cluster = NULL;
    sl_scheduler *scheduler = NULL;
    char kc_default[64] = "";
    if (config_path) {
        if (!sl_config_load_file(config_path, registry, &config, err, sizeof err)) {
            fprintf(stderr, "schedlab sim: %s\n", err);
            status = 2;
            goto out;
        }
    } else {
        sl_config_default(registry, &config);
    }
    sl_store_options so = {.data_dir = data_dir};
    store = sl_store_open(&so, err, sizeof err);
    if (!store) {
        fprintf(stderr, "schedlab sim: %s\n", err);
        goto out;
    }
    sl_admission_install(store, false);
    for (size_t f = 0; f < cluster_files.len; f++) {
        if (!load_cluster_file(store, cluster_files.items[f], err, sizeof err)) {
            fprintf(stderr, "schedlab sim: %s\n", err);
            status = 2;
            goto out;
        }
    }
    sl_apiserver_options ao = {.store = store, .listen = listen};
    api = sl_apiserver_start(&ao, err, sizeof err);
    if (!api) {
        fprintf(stderr, "schedlab sim: %s\n", err);
        goto out;
    }
    if (!kubeconfig) {
        snprintf(kc_default, sizeof kc_default, "/tmp/schedlab-sim-XXXXXX");
        if (!mkdtemp(kc_default)) {
            fprintf(stderr, "schedlab sim: cannot make a temporary directory\n");
            goto out;
        }
        strcat(kc_default, "/kubeconfig");
        kubeconfig = kc_default;
    }
    if (!sl_apiserver_write_kubeconfig(api, kubeconfig, NULL, NULL, err, sizeof err)) {
        fprintf(stderr, "schedlab sim: %s\n", err);
        goto out;
    }
    sl_clock *clock = sl_store_clock(store);
    cluster = sl_cluster_inbox_new(sl_cluster_store_new(store), clock);
    sl_scheduler_options opts = {.config = &config, .registry = registry, .cluster = cluster,
                                 .seed = (uint64_t)time(NULL), .virtual_time = false};
    scheduler = sl_scheduler_new(&opts, err, sizeof err);
    if (!scheduler) {
        fprintf(stderr, "schedlab sim: %s\n", err);
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("schedlab sim: kubeconfig %s\n", kubeconfig);
    printf("schedlab sim: ready on %s\n", sl_apiserver_url(api));
    fflush(stdout);
    sl_scheduler_run(scheduler, clock, &stop_requested);
    sl_cluster_inbox_finish_binds(cluster); /* in-flight binds complete */
    cluster->ops->dispatch(cluster);        /* ... and end their binding cycles */
    status = 0;
out:
    /* the API server first: no more writes, so no more events */
    if (api) sl_apiserver_stop(api);
    if (scheduler) sl_scheduler_free(scheduler);
    if (cluster) cluster->ops->destroy(cluster);
    if (store) sl_store_close(store);
    if (kc_default[0]) {
        unlink(kc_default);
        *strrchr(kc_default, '/') = 0;
        rmdir(kc_default);
    }
    sl_config_free(&config);
    sl_registry_free(registry);
    VEC_FREE(&cluster_files);
    return status;
}
