/*
 * k8s_check — checks every object of the YAML/JSON files named on the
 * command line as kube-apiserver would (k8s_check_object: known
 * apiVersion/kind, strict fields against the Kubernetes schema, pod and node
 * rules) and prints one line per object that is rejected or warned about.
 * Exit status 0 if every object passed, 1 otherwise. Handy for checking
 * manifests, reproducing fuzz findings and measuring the validator:
 *
 *   build/release/tools/k8s_check [--lenient] [--repeat N] FILE...
 *
 * --repeat N checks every object N times and prints the time per object and
 * per MB of input (the documents are parsed once, outside the timing).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "k8s/k8s.h"

int main(int argc, char **argv) {
    bool lenient = false;
    long repeat = 0;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (!strcmp(argv[first], "--lenient")) lenient = true;
        else if (!strcmp(argv[first], "--repeat") && first + 1 < argc) repeat = atol(argv[++first]);
        else break;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--lenient] [--repeat N] FILE...\n", argv[0]);
        return 2;
    }
    int failures = 0;
    k8s_check_options opts = {.lenient = lenient};
    k8s_check_result *res = xmalloc(sizeof *res);
    for (int i = first; i < argc; i++) {
        char err[1024];
        size_t len;
        char *text = file_read_all(argv[i], &len, err, sizeof err);
        if (!text) {
            printf("%s\n", err);
            failures++;
            continue;
        }
        json_t *where = NULL;
        json_t *docs = k8s_parse_documents_located(text, len, argv[i], &where, err, sizeof err);
        free(text);
        if (!docs) {
            printf("%s\n", err);
            failures++;
            continue;
        }
        size_t n;
        json_t *obj;
        json_array_foreach(docs, n, obj) {
            const char *loc = json_string_value(json_array_get(where, n));
            if (!k8s_check_object(obj, &opts, res)) {
                printf("%s: %s: %s\n", argv[i], loc, res->error);
                failures++;
            } else if (res->warning[0]) {
                printf("%s: %s: warning: %s\n", argv[i], loc, res->warning);
            }
        }
        if (repeat > 0 && json_array_size(docs)) {
            int64_t t0 = time_now_ns();
            for (long r = 0; r < repeat; r++)
                json_array_foreach(docs, n, obj) k8s_check_object(obj, &opts, res);
            int64_t dt = time_now_ns() - t0;
            double per = (double)dt / ((double)repeat * (double)json_array_size(docs));
            printf("%s: %zu objects x %ld: %.2f us/object, %.0f objects/s, %.1f MB/s of input\n",
                   argv[i], json_array_size(docs), repeat, per / 1000.0, 1e9 / per,
                   (double)len * (double)repeat / ((double)dt / 1e9) / 1e6);
        }
        json_decref(docs);
        json_decref(where);
    }
    free(res);
    return failures ? 1 : 0;
}
