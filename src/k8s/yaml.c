/*
 * yaml.c — documents: YAML (via libyaml's event parser) or JSON (via
 * jansson) into jansson values, the way kubectl's sigs.k8s.io/yaml sees them.
 *
 * Scalar typing (plain scalars only; quoted, literal and folded scalars are
 * always strings, as is anything tagged !!str):
 *   null, Null, NULL, ~, empty          -> null
 *   true/True/TRUE, false/False/FALSE   -> boolean (YAML 1.2 core schema; the
 *                                          1.1 yes/no/on/off stay strings)
 *   [-+]?[0-9]+, 0x.., 0o..             -> integer (too large: real)
 *   [-+]?(.5|1.|1.5)(e[-+]?7)?          -> real
 *   anything else (incl. .inf, .nan)    -> string
 * Mapping keys become their scalar text; complex keys are rejected. Anchors
 * and aliases are supported (an alias is a deep copy of the anchored value,
 * so no two objects share mutable subtrees) with an expansion budget against
 * "billion laughs" inputs; `<<` merge keys are
 * honoured (explicit keys win). Duplicate keys are rejected.
 *
 * Input starting with '{' or '[' is parsed as a stream of JSON values by
 * jansson (faster, exact integers); if that fails the text is tried as YAML
 * (flow style) and the JSON error is reported only if both fail. The result of k8s_parse_documents is a
 * flat array of objects: arrays are flattened, List kinds expanded, nulls and
 * empty documents dropped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "k8s/k8s.h"

/* Nodes an input may produce through alias expansion. Aliases are deep
 * copies, so this bounds both memory and the work of every later walk;
 * manifests that use anchors copy a few dozen nodes, not tens of thousands. */
#define YAML_MAX_EXPANDED_NODES 50000
#define YAML_MAX_DEPTH 256

static const char *origin_or_default(const char *origin) { return origin ? origin : "<input>"; }

/* ------------------------------------------------------------------ */
/* Scalars                                                              */
/* ------------------------------------------------------------------ */

static bool all_digits(const char *s, const char *digits) {
    if (!*s) return false;
    for (; *s; s++)
        if (!strchr(digits, *s)) return false;
    return true;
}

static bool is_yaml_float(const char *s) {
    /* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    size_t int_digits = 0, frac_digits = 0;
    while (*p >= '0' && *p <= '9') p++, int_digits++;
    bool dot = false;
    if (*p == '.') {
        dot = true;
        p++;
        while (*p >= '0' && *p <= '9') p++, frac_digits++;
    }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (!dot && int_digits == 0) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == 0;
}

/* Types a plain scalar. Never returns NULL for valid UTF-8 text. */
static json_t *yaml_plain_scalar(const char *s) {
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) return json_false();
    const char *body = s + (*s == '+' || *s == '-');
    int base = 0;
    const char *digits = NULL;
    if (body[0] == '0' && (body[1] == 'x' || body[1] == 'X') && all_digits(body + 2, "0123456789abcdefABCDEF")) {
        base = 16;
        digits = body + 2;
    } else if (body[0] == '0' && body[1] == 'o' && all_digits(body + 2, "01234567")) {
        base = 8;
        digits = body + 2;
    } else if (all_digits(body, "0123456789")) {
        base = 10;
        digits = body;
    }
    if (base) {
        errno = 0;
        unsigned long long magnitude = strtoull(digits, NULL, base);
        bool negative = *s == '-';
        if (errno != ERANGE && magnitude <= (unsigned long long)INT64_MAX)
            return json_integer(negative ? -(json_int_t)magnitude : (json_int_t)magnitude);
        if (errno != ERANGE && negative && magnitude == (unsigned long long)INT64_MAX + 1)
            return json_integer(INT64_MIN);
        if (base == 10) {
            double d = strtod(s, NULL);
            if (isfinite(d)) return json_real(d);
        }
        return json_string(s);
    }
    if (is_yaml_float(s)) {
        double d = strtod(s, NULL);
        if (isfinite(d)) return json_real(d);
    }
    return json_string(s);
}

/* ------------------------------------------------------------------ */
/* Event-driven tree building                                           */
/* ------------------------------------------------------------------ */

typedef struct yaml_anchor {
    char *name;
    json_t *value;      /* one reference */
    uint64_t size;      /* nodes under it, for the expansion budget */
} yaml_anchor;

typedef struct yaml_frame {
    json_t *container;  /* object or array */
    char *anchor;       /* anchor of this container, NULL if none */
    char *pending_key;  /* object: key waiting for its value */
    bool pending_merge; /* the pending key is `<<` */
    json_t *merged_keys; /* keys that came from `<<` (explicit keys may replace them) */
    uint64_t size;
    size_t key_line, key_column;
} yaml_frame;

typedef struct yaml_builder {
    const char *origin;
    char *err;
    size_t errsize;
    VEC(yaml_frame) stack;
    VEC(yaml_anchor) anchors;
    uint64_t expanded;
    json_t *root;       /* completed document value */
    bool root_set;
} yaml_builder;

static void builder_error(yaml_builder *b, const yaml_mark_t *mark, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
static void builder_error(yaml_builder *b, const yaml_mark_t *mark, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (b->err && b->errsize)
        snprintf(b->err, b->errsize, "%s:%zu:%zu: %s", origin_or_default(b->origin),
                 mark->line + 1, mark->column + 1, msg);
}

static void builder_reset_anchors(yaml_builder *b) {
    for (size_t i = 0; i < b->anchors.len; i++) {
        free(b->anchors.items[i].name);
        json_decref(b->anchors.items[i].value);
    }
    b->anchors.len = 0;
}

static void builder_clear_stack(yaml_builder *b) {
    for (size_t i = 0; i < b->stack.len; i++) {
        json_decref(b->stack.items[i].container);
        json_decref(b->stack.items[i].merged_keys);
        free(b->stack.items[i].anchor);
        free(b->stack.items[i].pending_key);
    }
    b->stack.len = 0;
}

static void builder_define_anchor(yaml_builder *b, const char *name, json_t *value, uint64_t size) {
    /* A later anchor with the same name shadows the earlier one. */
    for (size_t i = b->anchors.len; i-- > 0;) {
        if (!strcmp(b->anchors.items[i].name, name)) {
            json_decref(b->anchors.items[i].value);
            b->anchors.items[i].value = json_incref(value);
            b->anchors.items[i].size = size;
            return;
        }
    }
    yaml_anchor a = {xstrdup(name), json_incref(value), size};
    VEC_PUSH(&b->anchors, a);
}

/* Merges a `<<` value into obj: keys already present win. */
static bool builder_merge(yaml_builder *b, yaml_frame *f, json_t *value, const yaml_mark_t *mark) {
    json_t *obj = f->container;
    if (json_is_object(value)) {
        const char *key;
        json_t *v;
        if (!f->merged_keys) f->merged_keys = json_object();
        json_object_foreach(value, key, v) {
            if (!json_object_get(obj, key)) {
                json_object_set(obj, key, v);
                json_object_set(f->merged_keys, key, json_true());
            }
        }
        return true;
    }
    if (json_is_array(value)) {
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) {
            if (!json_is_object(item)) {
                builder_error(b, mark, "merge key '<<' needs a mapping or a list of mappings");
                return false;
            }
            builder_merge(b, f, item, mark);
        }
        return true;
    }
    builder_error(b, mark, "merge key '<<' needs a mapping or a list of mappings");
    return false;
}

/* Attaches a completed value (one reference, consumed) to the current parent. */
static bool builder_add_value(yaml_builder *b, json_t *value, uint64_t size,
                              const yaml_mark_t *mark) {
    if (b->stack.len == 0) {
        b->root = value;
        b->root_set = true;
        return true;
    }
    yaml_frame *f = &b->stack.items[b->stack.len - 1];
    f->size += size;
    if (json_is_array(f->container)) {
        json_array_append_new(f->container, value);
        return true;
    }
    if (!f->pending_key) {
        /* This value is a key. */
        if (json_is_string(value)) {
            f->pending_key = xstrdup(json_string_value(value));
        } else if (json_is_null(value)) {
            f->pending_key = xstrdup("null");
        } else if (json_is_boolean(value)) {
            f->pending_key = xstrdup(json_is_true(value) ? "true" : "false");
        } else if (json_is_integer(value)) {
            f->pending_key = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(value));
        } else if (json_is_real(value)) {
            f->pending_key = xasprintf("%.17g", json_real_value(value));
        } else {
            json_decref(value);
            builder_error(b, mark, "mapping keys must be scalars");
            return false;
        }
        json_decref(value);
        f->key_line = mark->line;
        f->key_column = mark->column;
        return true;
    }
    char *key = f->pending_key;
    f->pending_key = NULL;
    bool merge = f->pending_merge;
    f->pending_merge = false;
    bool ok = true;
    if (merge) {
        ok = builder_merge(b, f, value, mark);
        json_decref(value);
    } else if (f->merged_keys && json_object_get(f->merged_keys, key)) {
        json_object_del(f->merged_keys, key);
        json_object_set_new(f->container, key, value);
    } else if (json_object_get(f->container, key)) {
        yaml_mark_t key_mark = {0, f->key_line, f->key_column};
        builder_error(b, &key_mark, "key \"%s\" already set in map", key);
        json_decref(value);
        ok = false;
    } else {
        json_object_set_new(f->container, key, value);
    }
    free(key);
    return ok;
}

static bool builder_scalar(yaml_builder *b, const yaml_event_t *ev) {
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (strlen(text) != len) {
        builder_error(b, &ev->start_mark, "scalar contains a NUL character");
        return false;
    }
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    json_t *value;
    if (tag && !strcmp(tag, YAML_STR_TAG)) plain = false;
    /* A pending `<<` key in a mapping: remember it as a merge. */
    yaml_frame *f = b->stack.len ? &b->stack.items[b->stack.len - 1] : NULL;
    bool is_key = f && json_is_object(f->container) && !f->pending_key;
    value = plain ? yaml_plain_scalar(text) : json_stringn(text, len);
    if (!value) {
        builder_error(b, &ev->start_mark, "scalar is not valid UTF-8");
        return false;
    }
    if (ev->data.scalar.anchor) builder_define_anchor(b, (const char *)ev->data.scalar.anchor, value, 1);
    bool merge_key = is_key && plain && !strcmp(text, "<<");
    if (!builder_add_value(b, value, 1, &ev->start_mark)) return false;
    if (merge_key) f->pending_merge = true;
    return true;
}

static bool builder_alias(yaml_builder *b, const yaml_event_t *ev) {
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = b->anchors.len; i-- > 0;) {
        yaml_anchor *a = &b->anchors.items[i];
        if (strcmp(a->name, name) != 0) continue;
        b->expanded += a->size;
        if (b->expanded > YAML_MAX_EXPANDED_NODES) {
            builder_error(b, &ev->start_mark, "too many alias expansions (limit %d nodes)",
                          YAML_MAX_EXPANDED_NODES);
            return false;
        }
        /* A deep copy, not a shared reference: decoded objects keep `raw`
         * and the store mutates it (bind), which must not leak into the
         * other objects that used the same anchor. */
        return builder_add_value(b, json_deep_copy(a->value), a->size, &ev->start_mark);
    }
    builder_error(b, &ev->start_mark, "unknown anchor '%s' referenced", name);
    return false;
}

static bool builder_open(yaml_builder *b, json_t *container, const yaml_char_t *anchor,
                         const yaml_mark_t *mark) {
    if (b->stack.len >= YAML_MAX_DEPTH) {
        json_decref(container);
        builder_error(b, mark, "nesting deeper than %d levels", YAML_MAX_DEPTH);
        return false;
    }
    yaml_frame f = {container, anchor ? xstrdup((const char *)anchor) : NULL, NULL, false, NULL, 1, 0, 0};
    VEC_PUSH(&b->stack, f);
    return true;
}

static bool builder_close(yaml_builder *b, const yaml_mark_t *mark) {
    yaml_frame f = b->stack.items[--b->stack.len];
    free(f.pending_key);
    json_decref(f.merged_keys);
    if (f.anchor) {
        builder_define_anchor(b, f.anchor, f.container, f.size);
        free(f.anchor);
    }
    return builder_add_value(b, f.container, f.size, mark);
}

/* Parses all YAML documents; calls `emit` with each document's value
 * (reference consumed). */
typedef bool (*document_sink)(void *user, json_t *doc, size_t line, char *err, size_t errsize);

static bool yaml_parse_stream(const char *text, size_t len, const char *origin, char *err,
                              size_t errsize, document_sink sink, void *user) {
    yaml_parser_t parser;
    yaml_event_t ev;
    yaml_builder b;
    memset(&b, 0, sizeof(b));
    b.origin = origin;
    b.err = err;
    b.errsize = errsize;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errsize, "%s: cannot initialise the YAML parser", origin_or_default(origin));
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    bool ok = true, done = false;
    size_t doc_line = 0;
    while (ok && !done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(err, errsize, "%s:%zu:%zu: %s%s%s", origin_or_default(origin),
                     parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                     parser.problem ? parser.problem : "invalid YAML",
                     parser.context ? " " : "", parser.context ? parser.context : "");
            ok = false;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            b.root = NULL;
            b.root_set = false;
            doc_line = ev.start_mark.line + 1;
            break;
        case YAML_DOCUMENT_END_EVENT:
            builder_reset_anchors(&b);
            if (b.root_set) ok = sink(user, b.root, doc_line, err, errsize);
            b.root = NULL;
            b.root_set = false;
            break;
        case YAML_SCALAR_EVENT: ok = builder_scalar(&b, &ev); break;
        case YAML_ALIAS_EVENT: ok = builder_alias(&b, &ev); break;
        case YAML_SEQUENCE_START_EVENT:
            ok = builder_open(&b, json_array(), ev.data.sequence_start.anchor, &ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            ok = builder_open(&b, json_object(), ev.data.mapping_start.anchor, &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: ok = builder_close(&b, &ev.start_mark); break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    if (b.root_set && b.root) json_decref(b.root);
    builder_clear_stack(&b);
    builder_reset_anchors(&b);
    VEC_FREE(&b.stack);
    VEC_FREE(&b.anchors);
    yaml_parser_delete(&parser);
    return ok;
}

/* ------------------------------------------------------------------ */
/* JSON streams                                                         */
/* ------------------------------------------------------------------ */

static bool looks_like_json(const char *text, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        return c == '{' || c == '[';
    }
    return false;
}

static bool json_parse_stream(const char *text, size_t len, const char *origin, char *err,
                              size_t errsize, document_sink sink, void *user) {
    size_t pos = 0;
    /* Track lines for messages about later values in the stream. */
    size_t line_base = 1;
    for (;;) {
        while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
                             text[pos] == '\r')) {
            if (text[pos] == '\n') line_base++;
            pos++;
        }
        if (pos >= len) return true;
        json_error_t jerr;
        json_t *doc = json_loadb(text + pos, len - pos,
                                 JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                                 &jerr);
        if (!doc) {
            snprintf(err, errsize, "%s:%d:%d: %s", origin_or_default(origin),
                     (int)line_base + jerr.line - 1, jerr.column, jerr.text);
            return false;
        }
        size_t doc_line = line_base;
        for (size_t i = pos; i < pos + (size_t)jerr.position && i < len; i++)
            if (text[i] == '\n') line_base++;
        pos += (size_t)jerr.position;
        if (!sink(user, doc, doc_line, err, errsize)) return false;
    }
}

typedef struct collected_doc {
    json_t *doc;
    size_t line;
} collected_doc;

static bool collect_sink(void *user, json_t *doc, size_t line, char *err, size_t errsize) {
    UNUSED(err);
    UNUSED(errsize);
    VEC(collected_doc) *docs = user;
    collected_doc c = {doc, line};
    VEC_PUSH(docs, c);
    return true;
}

/* Input that starts like JSON is read as JSON; if that fails it may still be
 * YAML flow style ("{a: b}"), so YAML gets a try before the JSON error is
 * reported. */
static bool parse_stream(const char *text, size_t len, const char *origin, char *err,
                         size_t errsize, document_sink sink, void *user) {
    if (!looks_like_json(text, len))
        return yaml_parse_stream(text, len, origin, err, errsize, sink, user);
    VEC(collected_doc) docs = {0};
    bool ok = json_parse_stream(text, len, origin, err, errsize, collect_sink, &docs);
    if (!ok) {
        char yaml_err[512];
        for (size_t i = 0; i < docs.len; i++) json_decref(docs.items[i].doc);
        docs.len = 0;
        if (yaml_parse_stream(text, len, origin, yaml_err, sizeof(yaml_err), collect_sink, &docs))
            ok = true;
    }
    size_t i = 0;
    for (; ok && i < docs.len; i++) ok = sink(user, docs.items[i].doc, docs.items[i].line, err, errsize);
    for (; i < docs.len; i++) json_decref(docs.items[i].doc);
    VEC_FREE(&docs);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                  */
/* ------------------------------------------------------------------ */

typedef struct flatten_state {
    json_t *out;
    json_t *where;      /* NULL, or one location string per object in out */
    const char *origin;
    size_t ndocs;       /* documents seen so far (empty ones included) */
} flatten_state;

static bool is_list_kind(const json_t *obj) {
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (!kind) return false;
    size_t n = strlen(kind);
    return n >= 4 && !strcmp(kind + n - 4, "List") && json_is_array(json_object_get(obj, "items"));
}

/* `where` is the location of `value` ("document 2", "document 2, items[3]"). */
static bool flatten_into(flatten_state *st, json_t *value, size_t line, int depth,
                         const char *where, char *err, size_t errsize) {
    if (json_is_null(value)) return true;
    if (depth > 64) {
        snprintf(err, errsize, "%s:%zu: lists nested too deeply", origin_or_default(st->origin),
                 line);
        return false;
    }
    if (json_is_array(value) || (json_is_object(value) && is_list_kind(value))) {
        bool list = json_is_object(value);
        json_t *items = list ? json_object_get(value, "items") : value;
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s%s%s[%zu]", where, list ? ", " : "", list ? "items" : "", i);
            if (!flatten_into(st, item, line, depth + 1, sub, err, errsize)) return false;
        }
        return true;
    }
    if (json_is_object(value)) {
        json_array_append(st->out, value);
        if (st->where) json_array_append_new(st->where, json_string(where));
        return true;
    }
    snprintf(err, errsize, "%s:%zu: %s is %s, expected an object", origin_or_default(st->origin),
             line, where,
             json_is_string(value) ? "a string" : json_is_boolean(value) ? "a boolean" : "a number");
    return false;
}

static bool flatten_sink(void *user, json_t *doc, size_t line, char *err, size_t errsize) {
    flatten_state *st = user;
    char where[64];
    snprintf(where, sizeof where, "document %zu", ++st->ndocs);
    bool ok = flatten_into(st, doc, line, 0, where, err, errsize);
    json_decref(doc);
    return ok;
}

json_t *k8s_parse_documents(const char *text, size_t len, const char *origin, char *err,
                            size_t errsize) {
    return k8s_parse_documents_located(text, len, origin, NULL, err, errsize);
}

json_t *k8s_parse_documents_located(const char *text, size_t len, const char *origin,
                                    json_t **locations, char *err, size_t errsize) {
    flatten_state st = {json_array(), locations ? json_array() : NULL, origin, 0};
    if (locations) *locations = NULL;
    if (!parse_stream(text, len, origin, err, errsize, flatten_sink, &st)) {
        json_decref(st.out);
        json_decref(st.where);
        return NULL;
    }
    if (locations) *locations = st.where;
    return st.out;
}

typedef struct single_state {
    json_t *doc;
    const char *origin;
} single_state;

static bool single_sink(void *user, json_t *doc, size_t line, char *err, size_t errsize) {
    single_state *st = user;
    if (json_is_null(doc)) {
        json_decref(doc);
        return true;
    }
    if (st->doc) {
        json_decref(doc);
        snprintf(err, errsize, "%s:%zu: expected a single document, found another one",
                 origin_or_default(st->origin), line);
        return false;
    }
    st->doc = doc;
    return true;
}

json_t *k8s_parse_document(const char *text, size_t len, const char *origin, char *err,
                           size_t errsize) {
    single_state st = {NULL, origin};
    if (!parse_stream(text, len, origin, err, errsize, single_sink, &st)) {
        json_decref(st.doc);
        return NULL;
    }
    if (!st.doc) {
        snprintf(err, errsize, "%s: empty document", origin_or_default(origin));
        return NULL;
    }
    return st.doc;
}
