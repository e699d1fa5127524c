/*
 * kube_watch — drives the API client (src/client) the way an informer does,
 * for tests/cli/scheduler_http2.sh: one watch stream, a slow consumer, and
 * requests on the same client while the watch runs.
 *
 *   build/release/tools/kube_watch KUBECONFIG PATH COUNT DELAY_MS BUFFER_BYTES
 *
 * Watches PATH (e.g. "/api/v1/namespaces/slow/pods?watch=1"), sleeping
 * DELAY_MS per event and, every 10th event, making a GET of /version on the
 * same client (a second stream next to the watch); prints
 * "<TYPE> <name>" per event, stops after COUNT events, then prints
 * "watch: <COUNT> events, <G> gets ok, status <HTTP status>". BUFFER_BYTES is
 * sl_kube_client_options.watch_buffer_bytes: 1 makes the HTTP/2 transport
 * pause the stream whenever an event waits for this slow consumer, so the
 * pause/resume path is exercised on every chunk (SCHEDLAB_LOG=debug logs
 * each pause).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "client/client.h"

typedef struct state {
    sl_kube_client *client;
    int want, seen, gets_ok;
    long delay_ms;
} state;

static bool on_event(void *user, json_t *event) {
    state *st = user;
    const char *type = json_string_value(json_object_get(event, "type"));
    const char *name = json_string_value(json_object_get(json_object_get(json_object_get(event, "object"), "metadata"), "name"));
    if (!type || strcmp(type, "BOOKMARK") == 0) return true;
    printf("%s %s\n", type, name ? name : "?");
    fflush(stdout);
    st->seen++;
    if (st->seen % 10 == 0 && sl_kube_request(st->client, "GET", "/version", NULL, NULL, NULL) == 200) st->gets_ok++;
    struct timespec ts = {st->delay_ms / 1000, (st->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return st->seen < st->want;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: kube_watch KUBECONFIG PATH COUNT DELAY_MS BUFFER_BYTES\n");
        return 2;
    }
    if (getenv("SCHEDLAB_LOG") && !strcmp(getenv("SCHEDLAB_LOG"), "debug")) log_set_level(SL_LOG_DEBUG);
    char err[512];
    sl_kube_client_options o = {.kubeconfig = argv[1], .qps = 1000, .burst = 1000,
                                .watch_buffer_bytes = (size_t)strtoull(argv[5], NULL, 10)};
    sl_kube_client *c = sl_kube_client_new(&o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "kube_watch: %s\n", err);
        return 1;
    }
    state st = {.client = c, .want = atoi(argv[3]), .delay_ms = atol(argv[4])};
    int code = sl_kube_watch(c, argv[2], on_event, &st);
    printf("watch: %d events, %d gets ok, status %d\n", st.seen, st.gets_ok, code);
    sl_kube_client_free(c);
    return st.seen == st.want ? 0 : 1;
}
