/* libFuzzer target: document locations (yaml.c), object checks (check.c)
 * and strict schema validation (schema.c) on whatever objects come out,
 * strict and lenient, against the kind each object names and against a
 * definition picked by the first input byte; then the report formats. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 64 * 1024 || size == 0) return 0;
    char err[1024];
    json_t *where = NULL;
    json_t *docs = k8s_parse_documents_located((const char *)data, size, "fuzz", &where, err, sizeof err);
    if (!docs) return 0;
    if (json_array_size(where) != json_array_size(docs)) abort();
    const k8s_schema_def *any_def = k8s_schema_def_at((int)(data[0] % k8s_schema_ndefs));
    k8s_check_result *res = malloc(sizeof *res);
    size_t i;
    json_t *obj;
    json_array_foreach(docs, i, obj) {
        for (int lenient = 0; lenient < 2; lenient++) {
            k8s_check_options o = {.lenient = lenient};
            bool ok = k8s_check_object(obj, &o, res);
            if (ok && res->error[0]) abort();
            if (!ok && !res->error[0]) abort();
        }
        k8s_schema_report r;
        bool ok = k8s_schema_validate(any_def, obj, 1 + data[0] % 8, &r);
        if (ok != (r.nproblems == 0)) abort();
        char buf[256];
        k8s_schema_report_format(&r, false, buf, sizeof buf);
        k8s_schema_report_format(&r, true, buf, sizeof buf);
        k8s_schema_report_free(&r);
    }
    free(res);
    json_decref(docs);
    json_decref(where);
    return 0;
}
