/* Unit tests of the base layer: strbuf, arena, vectors, rng. */
#include "base/base.h"
#include "test.h"

TEST(strbuf_appends_and_escapes) {
    strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "%d-%s", 42, "x");
    strbuf_put_json_string(&sb, "a\"b\n\x01");
    CHECK_EQ_STR(strbuf_cstr(&sb), "42-x\"a\\\"b\\n\\u0001\"");
    char *s = strbuf_take(&sb);
    CHECK_EQ_STR(s, "42-x\"a\\\"b\\n\\u0001\"");
    CHECK(sb.data == NULL);
    free(s);
}

TEST(arena_allocates_aligned_and_resets) {
    arena a;
    arena_init(&a, 128);
    char *p = arena_strdup(&a, "hello");
    CHECK_EQ_STR(p, "hello");
    void *big = arena_alloc(&a, 10000);
    CHECK(((uintptr_t)big & 15) == 0);
    char *q = arena_printf(&a, "%s %d", "n", 7);
    CHECK_EQ_STR(q, "n 7");
    arena_reset(&a);
    char *r = arena_strdup(&a, "again");
    CHECK_EQ_STR(r, "again");
    arena_free(&a);
}

TEST(vec_grows) {
    VEC(int) v = {0};
    for (int i = 0; i < 1000; i++) VEC_PUSH(&v, i);
    CHECK_EQ_INT(v.len, 1000);
    CHECK_EQ_INT(v.items[999], 999);
    VEC_FREE(&v);
}

TEST(rng_is_reproducible) {
    rng a, b;
    rng_seed(&a, 7);
    rng_seed(&b, 7);
    for (int i = 0; i < 10; i++) CHECK(rng_next(&a) == rng_next(&b));
    for (int i = 0; i < 1000; i++) CHECK(rng_below(&a, 5) < 5);
}

int main(void) {
    RUN(strbuf_appends_and_escapes);
    RUN(arena_allocates_aligned_and_resets);
    RUN(vec_grows);
    RUN(rng_is_reproducible);
    return test_summary("base");
}
