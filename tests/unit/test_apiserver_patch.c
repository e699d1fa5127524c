/* test_apiserver_patch.c — the three patch flavours (patch.c): merge patch
 * nulls, strategic merge by merge key with kubectl apply's directives
 * ($patch: delete/replace, $deleteFromPrimitiveList, $setElementOrder,
 * $retainKeys), atomic lists, JSON patch operations and failures; and the
 * events.k8s.io/v1 view round trip. */
#include <string.h>

#include "apiserver/apiserver.h"
#include "test.h"

static json_t *J(const char *text) {
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v) fprintf(stderr, "bad test JSON: %s: %s\n", text, e.text);
    return v;
}

static bool same(json_t *got, const char *want) {
    json_t *w = J(want);
    bool ok = got && w && json_equal(got, w);
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        fprintf(stderr, "  got:  %s\n  want: %s\n", g ? g : "(null)", want);
        free(g);
    }
    json_decref(w);
    return ok;
}

static const char pod[] =
    "{\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"1\",\"b\":\"2\"},\"finalizers\":[\"x\",\"y\",\"z\"]},"
    "\"spec\":{\"containers\":[{\"name\":\"c1\",\"image\":\"i1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],"
    "\"ports\":[{\"containerPort\":80}]},{\"name\":\"c2\",\"image\":\"i2\"}],"
    "\"tolerations\":[{\"key\":\"t1\"},{\"key\":\"t2\"}],"
    "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}";

TEST(merge_patch) {
    json_t *base = J(pod), *p = J("{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{\"tolerations\":[{\"key\":\"t3\"}]}}");
    json_t *out = sl_merge_patch(base, p);
    CHECK(same(json_object_get(json_object_get(out, "metadata"), "labels"), "{\"b\":\"2\",\"c\":\"3\"}"));
    CHECK(same(json_object_get(json_object_get(out, "spec"), "tolerations"), "[{\"key\":\"t3\"}]"));
    CHECK(same(json_object_get(json_object_get(out, "spec"), "containers"), "[{\"name\":\"c1\",\"image\":\"i1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],\"ports\":[{\"containerPort\":80}]},{\"name\":\"c2\",\"image\":\"i2\"}]"));
    /* the target is untouched */
    CHECK(json_object_get(json_object_get(json_object_get(base, "metadata"), "labels"), "a") != NULL);
    json_decref(out);
    json_decref(p);
    json_decref(base);
}

TEST(strategic_merge_by_key_and_directives) {
    json_t *base = J(pod);
    char err[256];
    /* merge containers by name, env by name; $patch: delete; atomic tolerations */
    json_t *p = J("{\"spec\":{\"containers\":[{\"name\":\"c1\",\"image\":\"i1b\",\"env\":[{\"name\":\"B\",\"$patch\":\"delete\"},{\"name\":\"C\",\"value\":\"3\"}]},"
                  "{\"name\":\"c3\",\"image\":\"i3\"}],\"tolerations\":[{\"key\":\"t9\"}]}}");
    json_t *out = sl_strategic_merge_patch(base, p, err, sizeof err);
    CHECK(out != NULL);
    json_t *cs = json_object_get(json_object_get(out, "spec"), "containers");
    CHECK_EQ_INT(json_array_size(cs), 3);
    CHECK(same(json_array_get(cs, 0), "{\"name\":\"c1\",\"image\":\"i1b\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"C\",\"value\":\"3\"}],\"ports\":[{\"containerPort\":80}]}"));
    CHECK(same(json_array_get(cs, 2), "{\"name\":\"c3\",\"image\":\"i3\"}"));
    CHECK(same(json_object_get(json_object_get(out, "spec"), "tolerations"), "[{\"key\":\"t9\"}]"));
    json_decref(out);
    json_decref(p);
    /* $setElementOrder and $deleteFromPrimitiveList */
    p = J("{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"y\"],\"finalizers\":[\"w\"]},"
          "\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c2\"},{\"name\":\"c1\"}],\"containers\":[{\"name\":\"c2\",\"image\":\"i2b\"}]}}");
    out = sl_strategic_merge_patch(base, p, err, sizeof err);
    CHECK(same(json_object_get(json_object_get(out, "metadata"), "finalizers"), "[\"x\",\"z\",\"w\"]"));
    cs = json_object_get(json_object_get(out, "spec"), "containers");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(cs, 0), "name")), "c2");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(cs, 0), "image")), "i2b");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(cs, 1), "name")), "c1");
    json_decref(out);
    json_decref(p);
    /* $retainKeys (volume source change) and $patch: replace on a map */
    p = J("{\"spec\":{\"volumes\":[{\"name\":\"v\",\"$retainKeys\":[\"hostPath\",\"name\"],\"hostPath\":{\"path\":\"/x\"},\"emptyDir\":null}],"
          "\"securityContext\":{\"$patch\":\"replace\",\"runAsUser\":1}}}");
    out = sl_strategic_merge_patch(base, p, err, sizeof err);
    CHECK(same(json_object_get(json_object_get(out, "spec"), "volumes"), "[{\"name\":\"v\",\"hostPath\":{\"path\":\"/x\"}}]"));
    CHECK(same(json_object_get(json_object_get(out, "spec"), "securityContext"), "{\"runAsUser\":1}"));
    json_decref(out);
    json_decref(p);
    /* a merging list element without its key is an error with a message */
    p = J("{\"spec\":{\"containers\":[{\"image\":\"nokey\"}]}}");
    out = sl_strategic_merge_patch(base, p, err, sizeof err);
    CHECK(out == NULL);
    CHECK(strstr(err, "merge key name") != NULL);
    json_decref(p);
    json_decref(base);
}

TEST(json_patch_ops_and_failures) {
    json_t *base = J(pod);
    char err[256];
    int code;
    json_t *ops = J("[{\"op\":\"add\",\"path\":\"/metadata/labels/c~1d\",\"value\":\"3\"},"
                    "{\"op\":\"remove\",\"path\":\"/metadata/finalizers/0\"},"
                    "{\"op\":\"replace\",\"path\":\"/spec/containers/1/image\",\"value\":\"new\"},"
                    "{\"op\":\"copy\",\"from\":\"/metadata/name\",\"path\":\"/metadata/generateName\"},"
                    "{\"op\":\"move\",\"from\":\"/metadata/labels/a\",\"path\":\"/metadata/labels/moved\"},"
                    "{\"op\":\"add\",\"path\":\"/spec/tolerations/-\",\"value\":{\"key\":\"t3\"}},"
                    "{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"p\"}]");
    json_t *out = sl_json_patch(base, ops, &code, err, sizeof err);
    CHECK_EQ_INT(code, 200);
    CHECK(same(json_object_get(json_object_get(out, "metadata"), "labels"), "{\"b\":\"2\",\"c/d\":\"3\",\"moved\":\"1\"}"));
    CHECK(same(json_object_get(json_object_get(out, "metadata"), "finalizers"), "[\"y\",\"z\"]"));
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(out, "metadata"), "generateName")), "p");
    CHECK_EQ_INT(json_array_size(json_object_get(json_object_get(out, "spec"), "tolerations")), 3);
    json_decref(out);
    json_decref(ops);
    ops = J("[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"q\"}]");
    CHECK(sl_json_patch(base, ops, &code, err, sizeof err) == NULL);
    CHECK_EQ_INT(code, 422);
    json_decref(ops);
    ops = J("[{\"op\":\"remove\",\"path\":\"/nope/deeper\"}]");
    CHECK(sl_json_patch(base, ops, &code, err, sizeof err) == NULL);
    CHECK_EQ_INT(code, 422);
    json_decref(ops);
    ops = J("{\"op\":\"add\"}");
    CHECK(sl_json_patch(base, ops, &code, err, sizeof err) == NULL);
    CHECK_EQ_INT(code, 400);
    json_decref(ops);
    json_decref(base);
}

TEST(events_v1_view_round_trips) {
    json_t *core = J("{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"name\":\"p\"},"
                     "\"message\":\"m\",\"source\":{\"component\":\"s\"},\"count\":2,\"reason\":\"R\"}");
    json_t *v1 = sl_event_to_v1(core);
    CHECK_EQ_STR(json_string_value(json_object_get(v1, "apiVersion")), "events.k8s.io/v1");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(v1, "regarding"), "name")), "p");
    CHECK_EQ_STR(json_string_value(json_object_get(v1, "note")), "m");
    CHECK_EQ_INT(json_integer_value(json_object_get(v1, "deprecatedCount")), 2);
    json_t *back = sl_event_from_v1(v1);
    CHECK(json_equal(back, core));
    json_decref(back);
    json_decref(v1);
    json_decref(core);
}

int main(void) {
    RUN(merge_patch);
    RUN(strategic_merge_by_key_and_directives);
    RUN(json_patch_ops_and_failures);
    RUN(events_v1_view_round_trips);
    return test_summary("apiserver_patch");
}
