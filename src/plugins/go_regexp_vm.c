/*
 * go_regexp_vm.c — a Thompson-NFA matcher for the canonical patterns of
 * go_regexp_syntax.c (see go_regexp_vm.h for the semantics).
 *
 * Canonical grammar (what go_regexp_translate emits, nothing more):
 *   alt    := cat ('|' cat)*
 *   cat    := (atom quant*)*
 *   atom   := '(?:' alt ')' | '(?i:' alt ')' | '(?s:.)' | '(?m:^)' | '(?m:$)'
 *           | '\A' | '\z' | '\b' | '\B' | '.' | rune | uclass | class
 *   rune   := [0-9A-Za-z] | '\x{' hex+ '}'
 *   uclass := ('\p' | '\P') '{' name '}'
 *   class  := '[' '^'? (rune ('-' rune)? | uclass)* ']'
 *   quant  := ('*' | '+' | '?' | '{' n (',' m?)? '}') '?'?
 * The pattern is parsed into a small tree (so counted repetitions can be
 * expanded), compiled to instructions, and simulated one subject rune at a
 * time over a set of NFA states (sparse sets: O(1) insert/clear).
 *
 * Only the standard C library: this file is compiled for wasm32-wasi too.
 */
#include "plugins/go_regexp_vm.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/go_regexp_syntax.h"

#define MAX_RUNE 0x10FFFFu
#define NO_RUNE 0xFFFFFFFFu

/* ------------------------------------------------------------------ */
/* Growable arrays                                                      */
/* ------------------------------------------------------------------ */

static bool grow(void **items, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) n *= 2;
    void *p = realloc(*items, n * elem);
    if (!p) return false;
    *items = p;
    *cap = n;
    return true;
}

typedef struct range_vec {
    go_rune_range *items;
    size_t len, cap;
} range_vec;

static bool range_push(range_vec *v, uint32_t lo, uint32_t hi) {
    if (!grow((void **)&v->items, &v->cap, v->len + 1, sizeof(*v->items))) return false;
    v->items[v->len].lo = lo;
    v->items[v->len].hi = hi;
    v->len++;
    return true;
}

static int range_cmp(const void *a, const void *b) {
    const go_rune_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Sorts and merges v[from..]. */
static void range_normalize(range_vec *v, size_t from) {
    size_t n = v->len - from;
    if (n < 2) return;
    go_rune_range *r = v->items + from;
    qsort(r, n, sizeof(*r), range_cmp);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        if ((uint64_t)r[i].lo <= (uint64_t)r[out].hi + 1) {
            if (r[i].hi > r[out].hi) r[out].hi = r[i].hi;
        } else {
            r[++out] = r[i];
        }
    }
    v->len = from + out + 1;
}

/* Replaces v[from..] (normalized) with its complement over [0, MAX_RUNE]. */
static bool range_negate(range_vec *v, size_t from) {
    size_t n = v->len - from;
    go_rune_range *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof(*copy));
        if (!copy) return false;
        memcpy(copy, v->items + from, n * sizeof(*copy));
    }
    v->len = from;
    uint32_t next = 0;
    bool ok = true, done = false;
    for (size_t i = 0; i < n && ok; i++) {
        if (copy[i].lo > next) ok = range_push(v, next, copy[i].lo - 1);
        if (copy[i].hi >= MAX_RUNE) {
            done = true;
            break;
        }
        next = copy[i].hi + 1;
    }
    if (ok && !done) ok = range_push(v, next, MAX_RUNE);
    free(copy);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Unicode lookups                                                      */
/* ------------------------------------------------------------------ */

static const go_unicode_table *unicode_table(const char *name, size_t len) {
    size_t lo = 0, hi = go_unicode_table_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = go_unicode_tables[mid].name;
        int c = strncmp(m, name, len);
        if (c == 0) c = m[len] == '\0' ? 0 : 1;
        if (c == 0) return &go_unicode_tables[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Index of the first orbit entry with rune >= r. */
static size_t orbit_lower_bound(uint32_t r) {
    size_t lo = 0, hi = go_fold_orbit_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (go_fold_orbit[mid][0] < r) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The next rune of r's fold orbit, or r itself when it has no partners. */
static uint32_t orbit_next(uint32_t r) {
    size_t k = orbit_lower_bound(r);
    return k < go_fold_orbit_count && go_fold_orbit[k][0] == r ? go_fold_orbit[k][1] : r;
}

/* Adds the fold orbits of every rune of v[from..] (Go appendFoldedRange). */
static bool range_fold(range_vec *v, size_t from) {
    size_t end = v->len;
    for (size_t i = from; i < end; i++) {
        uint32_t lo = v->items[i].lo, hi = v->items[i].hi;
        for (size_t k = orbit_lower_bound(lo); k < go_fold_orbit_count && go_fold_orbit[k][0] <= hi;
             k++)
            for (uint32_t r = go_fold_orbit[k][1]; r != go_fold_orbit[k][0]; r = orbit_next(r))
                if (!range_push(v, r, r)) return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Parse tree                                                           */
/* ------------------------------------------------------------------ */

enum { K_EMPTY, K_RUNE, K_CLASS, K_ANY, K_ANY_NOT_NL, K_ASSERT, K_CAT, K_ALT, K_REP };
enum { A_BEGIN_TEXT, A_END_TEXT, A_BEGIN_LINE, A_END_LINE, A_WORD, A_NOT_WORD };

#define NONE 0xFFFFFFFFu

typedef struct node {
    uint8_t kind;
    uint32_t a, b;         /* rune / class index / assertion / min,max (max NONE = inf) */
    uint32_t first, last;  /* children (CAT, ALT, REP) */
    uint32_t next;         /* sibling */
} node;

typedef struct class_ref {
    uint32_t start, count; /* in the ranges pool */
} class_ref;

/* ------------------------------------------------------------------ */
/* Program                                                              */
/* ------------------------------------------------------------------ */

enum { I_RUNE, I_CLASS, I_ANY, I_ANY_NOT_NL, I_ASSERT, I_SPLIT, I_JMP, I_MATCH };

typedef struct inst {
    uint8_t op;
    uint32_t x, y;
} inst;

struct go_vm_regexp {
    inst *prog;
    size_t len, cap;
    go_rune_range *ranges; /* all classes, normalized */
    class_ref *classes;
    bool anchored;         /* starts with \A: only try position 0 */
    /* ASCII literal every match starts with (straight-line I_RUNEs from pc
     * 0): while no thread is alive, jump to its next occurrence */
    char prefix[32];
    size_t prefix_len;
    bool prefix_is_match;  /* MATCH is reachable right after the prefix without
                              consuming or asserting: finding it decides */
    /* matcher scratch: two sparse sets and a stack */
    uint32_t *dense[2], *sparse[2], *stack;
    uint32_t count[2];
    /* lazy DFA (see dfa_match): usable when the only assertions are \A \z */
    bool dfa_usable;
    struct dfa_state *states;
    size_t nstates, states_cap;
    int32_t *trans;          /* [state * 128 + ascii rune] -> state, -1 = unknown */
    uint8_t *dflags;         /* per state: DF_* */
    size_t trans_cap, dflags_cap;
    uint32_t *pool;          /* the NFA pcs of every state */
    size_t pool_len, pool_cap;
    int32_t *buckets;        /* hash of pc sets -> state index + 1 */
    size_t nbuckets;
    int32_t start0;          /* state at position 0, -1 = not built */
    int32_t idle;            /* only the start alive (mid-subject), -1 = not built */
    int32_t after_prefix;    /* idle, then the prefix consumed; -1 = not built */
    size_t dfa_resets;
};

/* A DFA state: the sorted set of NFA pcs alive at a position (consuming
 * instructions, MATCH, and \z assertions still waiting for the end). Its
 * transitions on ASCII runes live in re->trans, its flags in re->dflags, so
 * the inner loop touches two flat arrays. */
typedef struct dfa_state {
    uint32_t first, count;   /* in pool */
    uint32_t hash;
    int32_t chain;           /* next state in the same bucket, -1 = none */
} dfa_state;

enum { DF_MATCH = 1, DF_DEAD = 2, DF_IDLE = 4, DF_END_KNOWN = 8, DF_END_MATCH = 16, DF_STOP = DF_MATCH | DF_DEAD | DF_IDLE };

#define DFA_MAX_STATES 512
#define DFA_MAX_POOL (1u << 16)

typedef struct parser {
    const char *s, *end;
    node *nodes;
    size_t nlen, ncap;
    range_vec ranges;
    class_ref *classes;
    size_t clen, ccap;
    bool oom;
    const char *error;
} parser;

static uint32_t new_node(parser *p, uint8_t kind) {
    if (!grow((void **)&p->nodes, &p->ncap, p->nlen + 1, sizeof(node))) {
        p->oom = true;
        return NONE;
    }
    node *n = &p->nodes[p->nlen];
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->first = n->last = n->next = NONE;
    return (uint32_t)p->nlen++;
}

static void add_child(parser *p, uint32_t parent, uint32_t child) {
    node *n = &p->nodes[parent];
    if (n->first == NONE) n->first = child;
    else p->nodes[n->last].next = child;
    n->last = child;
}

static bool perr(parser *p, const char *msg) {
    if (!p->error) p->error = msg;
    return false;
}

static bool eat(parser *p, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, lit, n) != 0) return false;
    p->s += n;
    return true;
}

static bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* rune := alnum | \x{hex} */
static bool parse_rune(parser *p, uint32_t *r) {
    if (p->s < p->end && is_alnum(*p->s)) {
        *r = (unsigned char)*p->s++;
        return true;
    }
    if (!eat(p, "\\x{")) return perr(p, "expected a rune");
    uint32_t v = 0;
    int digits = 0;
    while (p->s < p->end && *p->s != '}') {
        char c = *p->s++;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0 || ++digits > 6) return perr(p, "bad \\x{..}");
        v = v * 16 + (uint32_t)d;
    }
    if (!eat(p, "}") || digits == 0 || v > MAX_RUNE) return perr(p, "bad \\x{..}");
    *r = v;
    return true;
}

/* \p{Name} or \P{Name} into p->ranges (folded when fold). */
static bool parse_uclass(parser *p, bool fold) {
    bool negate = p->s[1] == 'P';
    p->s += 2;
    if (!eat(p, "{")) return perr(p, "bad \\p");
    const char *name = p->s;
    while (p->s < p->end && *p->s != '}') p->s++;
    const go_unicode_table *t = unicode_table(name, (size_t)(p->s - name));
    if (!eat(p, "}") || !t) return perr(p, "unknown Unicode class");
    size_t from = p->ranges.len;
    for (uint32_t i = 0; i < t->count; i++)
        if (!range_push(&p->ranges, t->ranges[i].lo, t->ranges[i].hi)) return p->oom = true, false;
    if (fold && !range_fold(&p->ranges, from)) return p->oom = true, false;
    range_normalize(&p->ranges, from);
    if (negate && !range_negate(&p->ranges, from)) return p->oom = true, false;
    return true;
}

static uint32_t finish_class(parser *p, size_t from) {
    range_normalize(&p->ranges, from);
    if (!grow((void **)&p->classes, &p->ccap, p->clen + 1, sizeof(class_ref))) {
        p->oom = true;
        return NONE;
    }
    p->classes[p->clen].start = (uint32_t)from;
    p->classes[p->clen].count = (uint32_t)(p->ranges.len - from);
    uint32_t n = new_node(p, K_CLASS);
    if (n != NONE) p->nodes[n].a = (uint32_t)p->clen++;
    return n;
}

static uint32_t parse_class(parser *p, bool fold) {
    p->s++; /* [ */
    bool negated = eat(p, "^");
    size_t from = p->ranges.len;
    while (p->s < p->end && *p->s != ']') {
        if (p->end - p->s >= 2 && p->s[0] == '\\' && (p->s[1] == 'p' || p->s[1] == 'P')) {
            if (!parse_uclass(p, fold)) return NONE;
            continue;
        }
        uint32_t lo, hi;
        if (!parse_rune(p, &lo)) return NONE;
        hi = lo;
        if (eat(p, "-") && !parse_rune(p, &hi)) return NONE;
        if (hi < lo) return perr(p, "bad range"), NONE;
        size_t at = p->ranges.len;
        if (!range_push(&p->ranges, lo, hi)) return p->oom = true, NONE;
        if (fold && !range_fold(&p->ranges, at)) return p->oom = true, NONE;
    }
    if (!eat(p, "]")) return perr(p, "missing ]"), NONE;
    range_normalize(&p->ranges, from);
    if (negated && !range_negate(&p->ranges, from)) return p->oom = true, NONE;
    return finish_class(p, from);
}

static uint32_t parse_alt(parser *p, bool fold, int depth);

static uint32_t parse_atom(parser *p, bool fold, int depth) {
    if (depth > 4000) return perr(p, "nesting too deep"), NONE;
    char c = *p->s;
    uint32_t n;
    if (c == '(') {
        if (eat(p, "(?s:.)")) return new_node(p, K_ANY);
        if (eat(p, "(?m:^)")) {
            n = new_node(p, K_ASSERT);
            if (n != NONE) p->nodes[n].a = A_BEGIN_LINE;
            return n;
        }
        if (eat(p, "(?m:$)")) {
            n = new_node(p, K_ASSERT);
            if (n != NONE) p->nodes[n].a = A_END_LINE;
            return n;
        }
        bool inner_fold = fold;
        if (eat(p, "(?i:")) inner_fold = true;
        else if (!eat(p, "(?:")) return perr(p, "unexpected group"), NONE;
        n = parse_alt(p, inner_fold, depth + 1);
        if (n == NONE) return NONE;
        if (!eat(p, ")")) return perr(p, "missing )"), NONE;
        return n;
    }
    if (c == '\\' && p->end - p->s >= 2) {
        char e = p->s[1];
        int a = e == 'A' ? A_BEGIN_TEXT : e == 'z' ? A_END_TEXT : e == 'b' ? A_WORD
              : e == 'B' ? A_NOT_WORD : -1;
        if (a >= 0) {
            p->s += 2;
            n = new_node(p, K_ASSERT);
            if (n != NONE) p->nodes[n].a = (uint32_t)a;
            return n;
        }
        if (e == 'p' || e == 'P') {
            size_t from = p->ranges.len;
            if (!parse_uclass(p, fold)) return NONE;
            return finish_class(p, from);
        }
    }
    if (c == '[') return parse_class(p, fold);
    if (c == '.') {
        p->s++;
        return new_node(p, K_ANY_NOT_NL);
    }
    uint32_t r;
    if (!parse_rune(p, &r)) return NONE;
    if (fold) {
        size_t from = p->ranges.len;
        if (!range_push(&p->ranges, r, r) || !range_fold(&p->ranges, from))
            return p->oom = true, NONE;
        if (p->ranges.len - from > 1) return finish_class(p, from);
        p->ranges.len = from;
    }
    n = new_node(p, K_RUNE);
    if (n != NONE) p->nodes[n].a = r;
    return n;
}

static bool parse_count(parser *p, uint32_t *v) {
    if (p->s >= p->end || *p->s < '0' || *p->s > '9') return perr(p, "bad count");
    uint32_t x = 0;
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
        x = x * 10 + (uint32_t)(*p->s++ - '0');
        if (x > 100000) return perr(p, "bad count");
    }
    *v = x;
    return true;
}

static uint32_t parse_cat(parser *p, bool fold, int depth) {
    uint32_t cat = new_node(p, K_CAT);
    if (cat == NONE) return NONE;
    while (p->s < p->end && *p->s != '|' && *p->s != ')') {
        uint32_t atom = parse_atom(p, fold, depth);
        if (atom == NONE) return NONE;
        for (;;) {
            uint32_t min, max;
            if (p->s >= p->end) break;
            char q = *p->s;
            if (q == '*') min = 0, max = NONE, p->s++;
            else if (q == '+') min = 1, max = NONE, p->s++;
            else if (q == '?') min = 0, max = 1, p->s++;
            else if (q == '{') {
                p->s++;
                if (!parse_count(p, &min)) return NONE;
                max = min;
                if (eat(p, ",")) {
                    max = NONE;
                    if (p->s < p->end && *p->s != '}' && !parse_count(p, &max)) return NONE;
                }
                if (!eat(p, "}") || (max != NONE && max < min)) return perr(p, "bad repeat"), NONE;
            } else {
                break;
            }
            eat(p, "?"); /* lazy: irrelevant to MatchString */
            uint32_t rep = new_node(p, K_REP);
            if (rep == NONE) return NONE;
            p->nodes[rep].a = min;
            p->nodes[rep].b = max;
            add_child(p, rep, atom);
            atom = rep;
        }
        add_child(p, cat, atom);
    }
    return cat;
}

static uint32_t parse_alt(parser *p, bool fold, int depth) {
    uint32_t first = parse_cat(p, fold, depth);
    if (first == NONE || p->s >= p->end || *p->s != '|') return first;
    uint32_t alt = new_node(p, K_ALT);
    if (alt == NONE) return NONE;
    add_child(p, alt, first);
    while (eat(p, "|")) {
        uint32_t c = parse_cat(p, fold, depth);
        if (c == NONE) return NONE;
        add_child(p, alt, c);
    }
    return alt;
}

/* ------------------------------------------------------------------ */
/* Compilation                                                          */
/* ------------------------------------------------------------------ */

#define MAX_PROGRAM (1u << 24)

typedef struct compiler {
    go_vm_regexp *re;
    const node *nodes;
    bool oom;
} compiler;

static uint32_t emit(compiler *c, uint8_t op, uint32_t x, uint32_t y) {
    go_vm_regexp *re = c->re;
    if (re->len >= MAX_PROGRAM ||
        !grow((void **)&re->prog, &re->cap, re->len + 1, sizeof(inst))) {
        c->oom = true;
        return 0;
    }
    re->prog[re->len].op = op;
    re->prog[re->len].x = x;
    re->prog[re->len].y = y;
    return (uint32_t)re->len++;
}

static uint32_t pc(compiler *c) { return (uint32_t)c->re->len; }

static void compile_node(compiler *c, uint32_t id, int depth) {
    if (c->oom) return;
    const node *n = &c->nodes[id];
    switch (n->kind) {
    case K_EMPTY: break;
    case K_RUNE: emit(c, I_RUNE, n->a, 0); break;
    case K_CLASS: emit(c, I_CLASS, n->a, 0); break;
    case K_ANY: emit(c, I_ANY, 0, 0); break;
    case K_ANY_NOT_NL: emit(c, I_ANY_NOT_NL, 0, 0); break;
    case K_ASSERT: emit(c, I_ASSERT, n->a, 0); break;
    case K_CAT:
        for (uint32_t ch = n->first; ch != NONE && !c->oom; ch = c->nodes[ch].next)
            compile_node(c, ch, depth + 1);
        break;
    case K_ALT: {
        /* split L1, next; L1: a; jmp end; next: split L2, ... ; last */
        uint32_t jumps_head = NONE;
        for (uint32_t ch = n->first; ch != NONE && !c->oom; ch = c->nodes[ch].next) {
            if (c->nodes[ch].next == NONE) {
                compile_node(c, ch, depth + 1);
                break;
            }
            uint32_t split = emit(c, I_SPLIT, 0, 0);
            if (c->oom) return;
            c->re->prog[split].x = pc(c);
            compile_node(c, ch, depth + 1);
            uint32_t j = emit(c, I_JMP, jumps_head, 0); /* chain patched below */
            if (c->oom) return;
            jumps_head = j;
            c->re->prog[split].y = pc(c);
        }
        uint32_t end = pc(c);
        while (jumps_head != NONE && !c->oom) {
            uint32_t next = c->re->prog[jumps_head].x;
            c->re->prog[jumps_head].x = end;
            jumps_head = next;
        }
        break;
    }
    case K_REP: {
        uint32_t sub = n->first, min = n->a, max = n->b;
        for (uint32_t i = 0; i < min && !c->oom; i++) compile_node(c, sub, depth + 1);
        if (max == NONE) {
            /* L: split body, end; body: sub; jmp L */
            uint32_t l = emit(c, I_SPLIT, 0, 0);
            if (c->oom) return;
            c->re->prog[l].x = pc(c);
            compile_node(c, sub, depth + 1);
            emit(c, I_JMP, l, 0);
            if (!c->oom) c->re->prog[l].y = pc(c);
        } else {
            for (uint32_t i = min; i < max && !c->oom; i++) {
                uint32_t s = emit(c, I_SPLIT, 0, 0);
                if (c->oom) return;
                c->re->prog[s].x = pc(c);
                compile_node(c, sub, depth + 1);
                if (!c->oom) c->re->prog[s].y = pc(c);
            }
        }
        break;
    }
    }
}

/* Does the tree start with \A on every path (first item of nested CATs)? */
static bool starts_anchored(const node *nodes, uint32_t id) {
    while (id != NONE) {
        const node *n = &nodes[id];
        if (n->kind == K_ASSERT) return n->a == A_BEGIN_TEXT;
        if (n->kind != K_CAT) return false;
        id = n->first;
    }
    return false;
}

/* Is MATCH reachable from pc through SPLIT/JMP only? (a bounded DFS; the
 * program is small here: called once per compile on its prefix end) */
static bool match_without_input(const go_vm_regexp *re, uint32_t start) {
    uint32_t stack[64];
    uint8_t seen[256];
    if (re->len > sizeof(seen)) return false; /* large programs: skip the shortcut */
    memset(seen, 0, sizeof(seen));
    size_t top = 0;
    stack[top++] = start;
    while (top) {
        uint32_t pc = stack[--top];
        if (seen[pc]) continue;
        seen[pc] = 1;
        const inst *in = &re->prog[pc];
        if (in->op == I_MATCH) return true;
        if (top + 2 > sizeof(stack) / sizeof(stack[0])) return false;
        if (in->op == I_JMP) stack[top++] = in->x;
        else if (in->op == I_SPLIT) stack[top++] = in->x, stack[top++] = in->y;
    }
    return false;
}

void go_vm_free(go_vm_regexp *re) {
    if (!re) return;
    free(re->prog);
    free(re->ranges);
    free(re->classes);
    for (int i = 0; i < 2; i++) {
        free(re->dense[i]);
        free(re->sparse[i]);
    }
    free(re->stack);
    free(re->states);
    free(re->trans);
    free(re->dflags);
    free(re->pool);
    free(re->buckets);
    free(re);
}

go_vm_regexp *go_vm_compile_canonical(const char *canonical, char *err, size_t errsize) {
    parser p;
    memset(&p, 0, sizeof(p));
    p.s = canonical;
    p.end = canonical + strlen(canonical);
    uint32_t root = parse_alt(&p, false, 0);
    if (root != NONE && p.s != p.end) {
        perr(&p, "unexpected )");
        root = NONE;
    }
    go_vm_regexp *re = NULL;
    if (root == NONE) {
        snprintf(err, errsize, "regexp: %s", p.oom ? "out of memory" : p.error ? p.error : "?");
        goto done;
    }
    re = calloc(1, sizeof(*re));
    if (!re) {
        snprintf(err, errsize, "regexp: out of memory");
        goto done;
    }
    compiler c = {re, p.nodes, false};
    compile_node(&c, root, 0);
    emit(&c, I_MATCH, 0, 0);
    re->anchored = starts_anchored(p.nodes, root);
    for (size_t i = 0; !c.oom && i < re->len && re->prefix_len < sizeof(re->prefix); i++) {
        if (re->prog[i].op != I_RUNE || re->prog[i].x >= 0x80) break;
        re->prefix[re->prefix_len++] = (char)re->prog[i].x;
    }
    re->start0 = -1;
    re->idle = -1;
    re->after_prefix = -1;
    re->dfa_usable = true;
    for (size_t i = 0; i < re->len; i++)
        if (re->prog[i].op == I_ASSERT && re->prog[i].x != A_BEGIN_TEXT && re->prog[i].x != A_END_TEXT)
            re->dfa_usable = false;
    if (!c.oom && re->prefix_len && re->prefix_len < re->len)
        re->prefix_is_match = match_without_input(re, (uint32_t)re->prefix_len);
    re->ranges = p.ranges.items;
    p.ranges.items = NULL;
    re->classes = p.classes;
    p.classes = NULL;
    if (!c.oom) {
        for (int i = 0; i < 2 && !c.oom; i++) {
            re->dense[i] = malloc(re->len * sizeof(uint32_t));
            re->sparse[i] = calloc(re->len, sizeof(uint32_t));
            if (!re->dense[i] || !re->sparse[i]) c.oom = true;
        }
        re->stack = malloc(re->len * 2 * sizeof(uint32_t) + sizeof(uint32_t));
        if (!re->stack) c.oom = true;
    }
    if (c.oom) {
        snprintf(err, errsize, "regexp: out of memory (program too large)");
        go_vm_free(re);
        re = NULL;
    }
done:
    free(p.nodes);
    free(p.ranges.items);
    free(p.classes);
    return re;
}

go_vm_regexp *go_vm_compile(const char *pattern, size_t len, char *err, size_t errsize) {
    char *canonical = go_regexp_translate(pattern, len, err, errsize);
    if (!canonical) return NULL;
    go_vm_regexp *re = go_vm_compile_canonical(canonical, err, errsize);
    free(canonical);
    return re;
}

size_t go_vm_program_size(const go_vm_regexp *re) { return re->len; }

size_t go_vm_dfa_states(const go_vm_regexp *re, size_t *resets) {
    if (resets) *resets = re->dfa_resets;
    return re->dfa_usable ? re->nstates : 0;
}

/* ------------------------------------------------------------------ */
/* Matching                                                             */
/* ------------------------------------------------------------------ */

typedef struct position {
    size_t pos, len;
    uint32_t prev, next; /* NO_RUNE at the edges */
} position;

static bool is_word(uint32_t r) {
    return r < 0x80 && (r == '_' || is_alnum((char)r));
}

static bool assertion_holds(uint32_t kind, const position *at) {
    switch (kind) {
    case A_BEGIN_TEXT: return at->pos == 0;
    case A_END_TEXT: return at->pos == at->len;
    case A_BEGIN_LINE: return at->pos == 0 || at->prev == '\n';
    case A_END_LINE: return at->pos == at->len || at->next == '\n';
    case A_WORD: return is_word(at->prev) != is_word(at->next);
    case A_NOT_WORD: return is_word(at->prev) == is_word(at->next);
    }
    return false;
}

static bool class_has(const go_vm_regexp *re, uint32_t cls, uint32_t r) {
    const go_rune_range *rg = re->ranges + re->classes[cls].start;
    size_t lo = 0, hi = re->classes[cls].count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r < rg[mid].lo) hi = mid;
        else if (r > rg[mid].hi) lo = mid + 1;
        else return true;
    }
    return false;
}

/* Adds pc and its epsilon closure at `at` to set s. */
static void add_thread(go_vm_regexp *re, int s, uint32_t start, const position *at) {
    uint32_t *dense = re->dense[s], *sparse = re->sparse[s], *stack = re->stack;
    size_t top = 0;
    stack[top++] = start;
    while (top) {
        uint32_t pc = stack[--top];
        uint32_t i = sparse[pc];
        if (i < re->count[s] && dense[i] == pc) continue;
        sparse[pc] = re->count[s];
        dense[re->count[s]++] = pc;
        const inst *in = &re->prog[pc];
        switch (in->op) {
        case I_JMP: stack[top++] = in->x; break;
        case I_SPLIT:
            stack[top++] = in->y;
            stack[top++] = in->x;
            break;
        case I_ASSERT:
            if (assertion_holds(in->x, at)) stack[top++] = pc + 1;
            break;
        default: break;
        }
    }
}

/* Go's utf8 decoding of the subject: invalid bytes read as U+FFFD, width 1. */
static uint32_t rune_at(const char *s, size_t len, size_t pos, size_t *width) {
    if (pos >= len) {
        *width = 0;
        return NO_RUNE;
    }
    unsigned char c = (unsigned char)s[pos];
    if (c < 0x80) {
        *width = 1;
        return c;
    }
    uint32_t r;
    size_t n = go_utf8_decode(s + pos, s + len, &r);
    if (n == 0) {
        *width = 1;
        return 0xFFFD;
    }
    *width = n;
    return r;
}

/* The first position >= from where the prefix occurs, or len if none. */
/* Whether s (with at least prefix_len bytes) starts with the prefix. Words,
 * not bytes, and no memcmp call: 4..8 bytes are two overlapping 32-bit
 * compares (this runs on every call in wasm, where each op counts). */
static inline bool prefix_at(const go_vm_regexp *re, const char *s) {
    size_t n = re->prefix_len;
    const char *p = re->prefix;
    if (n >= 4) {
        uint32_t a, b, c, d;
        for (; n > 8; n -= 4, p += 4, s += 4) {
            memcpy(&a, s, 4);
            memcpy(&b, p, 4);
            if (a != b) return false;
        }
        memcpy(&a, s, 4);
        memcpy(&b, p, 4);
        memcpy(&c, s + n - 4, 4);
        memcpy(&d, p + n - 4, 4);
        return ((a ^ b) | (c ^ d)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] != p[i]) return false;
    return true;
}

static __attribute__((noinline)) size_t find_prefix_scan(const go_vm_regexp *re, const char *s, size_t len,
                                                         size_t from) {
    while (from + re->prefix_len <= len) {
        const char *hit = memchr(s + from, re->prefix[0], len - from - re->prefix_len + 1);
        if (!hit) break;
        size_t at = (size_t)(hit - s);
        if (prefix_at(re, hit)) return at;
        from = at + 1;
    }
    return len;
}

static inline size_t find_prefix(const go_vm_regexp *re, const char *s, size_t len, size_t from) {
    /* fast path, inlined: the prefix starts right here (node names usually begin with it) */
    if (from + re->prefix_len <= len && prefix_at(re, s + from)) return from;
    return find_prefix_scan(re, s, len, from + 1);
}

static __attribute__((noinline)) int nfa_match(go_vm_regexp *re, const char *subject, size_t len) {
    int cur = 0;
    re->count[0] = re->count[1] = 0;
    position at = {0, len, NO_RUNE, 0};
    size_t width;
    at.next = rune_at(subject, len, 0, &width);
    for (;;) {
        if (re->anchored) {
            if (at.pos == 0) add_thread(re, cur, 0, &at);
            else if (re->count[cur] == 0) return 0;
        } else {
            if (re->count[cur] == 0 && re->prefix_len) {
                /* nothing alive: skip to where the literal prefix starts (an
                 * ASCII byte is always a whole rune, so this is a rune boundary) */
                size_t next = find_prefix(re, subject, len, at.pos);
                if (next == len) return 0;
                if (next != at.pos) {
                    unsigned char b = (unsigned char)subject[next - 1];
                    at.pos = next;
                    at.prev = b < 0x80 ? b : 0xFFFD; /* only ASCII matters to \b and (?m)^ */
                    at.next = rune_at(subject, len, next, &width);
                }
            }
            add_thread(re, cur, 0, &at);
        }
        int nxt = cur ^ 1;
        re->count[nxt] = 0;
        uint32_t c = at.next;
        position after = at;
        size_t w2 = 0;
        if (at.pos < len) {
            after.pos = at.pos + width;
            after.prev = c;
            after.next = rune_at(subject, len, after.pos, &w2);
        }
        for (uint32_t k = 0; k < re->count[cur]; k++) {
            uint32_t pc = re->dense[cur][k];
            const inst *in = &re->prog[pc];
            bool step;
            switch (in->op) {
            case I_MATCH: return 1;
            case I_RUNE: step = c == in->x; break;
            case I_CLASS: step = c != NO_RUNE && class_has(re, in->x, c); break;
            case I_ANY: step = c != NO_RUNE; break;
            case I_ANY_NOT_NL: step = c != NO_RUNE && c != '\n'; break;
            default: step = false; break;
            }
            if (step) add_thread(re, nxt, pc + 1, &after);
        }
        if (at.pos >= len) return 0;
        cur = nxt;
        at = after;
        width = w2;
    }
}

/* ---- lazy DFA ---------------------------------------------------------------
 * RE2's idea in small: each DFA state is the set of NFA states alive at a
 * position; its successors are computed on first use and cached per ASCII
 * rune (other runes are stepped through the NFA each time). Used only when
 * every assertion is \A (true at position 0 only) or \z (checked once at
 * the end): then a state's successor depends on the rune alone. The cache is
 * bounded; when full, it is dropped and the match finishes on the NFA. */

static void dfa_reset(go_vm_regexp *re) {
    re->nstates = 0;
    re->pool_len = 0;
    re->start0 = -1;
    re->idle = -1;
    re->after_prefix = -1;
    if (re->buckets) memset(re->buckets, 0, re->nbuckets * sizeof(int32_t));
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Turns sparse set s into a state (found or added); -1 when the cache is full. */
static int32_t dfa_intern(go_vm_regexp *re, int s) {
    uint32_t *d = re->dense[s], n = 0;
    bool match = false;
    for (uint32_t k = 0; k < re->count[s]; k++) { /* keep what matters */
        const inst *in = &re->prog[d[k]];
        if (in->op == I_SPLIT || in->op == I_JMP) continue;
        if (in->op == I_ASSERT && in->x != A_END_TEXT) continue;
        if (in->op == I_MATCH) match = true;
        d[n++] = d[k];
    }
    if (n > 1) qsort(d, n, sizeof(*d), cmp_u32);
    uint32_t h = 2166136261u;
    for (uint32_t k = 0; k < n; k++) h = (h ^ d[k]) * 16777619u;
    if (!re->buckets) {
        re->nbuckets = 1024;
        re->buckets = calloc(re->nbuckets, sizeof(int32_t));
        if (!re->buckets) return -1;
    }
    size_t b = h & (re->nbuckets - 1);
    for (int32_t i = re->buckets[b] - 1; i >= 0; i = re->states[i].chain) {
        dfa_state *st = &re->states[i];
        if (st->hash == h && st->count == n && memcmp(re->pool + st->first, d, n * sizeof(*d)) == 0)
            return i;
    }
    if (re->nstates >= DFA_MAX_STATES || re->pool_len + n > DFA_MAX_POOL) return -1;
    if (!grow((void **)&re->states, &re->states_cap, re->nstates + 1, sizeof(dfa_state)) ||
        !grow((void **)&re->trans, &re->trans_cap, (re->nstates + 1) * 128, sizeof(int32_t)) ||
        !grow((void **)&re->dflags, &re->dflags_cap, re->nstates + 1, 1) ||
        !grow((void **)&re->pool, &re->pool_cap, re->pool_len + n + 1, sizeof(uint32_t)))
        return -1;
    dfa_state *st = &re->states[re->nstates];
    st->first = (uint32_t)re->pool_len;
    st->count = n;
    st->hash = h;
    st->chain = re->buckets[b] - 1;
    memset(re->trans + re->nstates * 128, 0xff, 128 * sizeof(int32_t));
    re->dflags[re->nstates] = (uint8_t)((match ? DF_MATCH : 0) | (n == 0 ? DF_DEAD : 0));
    memcpy(re->pool + re->pool_len, d, n * sizeof(*d));
    re->pool_len += n;
    re->buckets[b] = (int32_t)re->nstates + 1;
    return (int32_t)re->nstates++;
}

/* A position that is neither the start nor the end of the subject. */
static const position mid_position = {1, 2, 'a', 'a'};

static int32_t dfa_step(go_vm_regexp *re, int32_t from, uint32_t c) {
    re->count[1] = 0;
    const dfa_state *st = &re->states[from];
    for (uint32_t k = 0; k < st->count; k++) {
        uint32_t pc = re->pool[st->first + k];
        const inst *in = &re->prog[pc];
        bool step;
        switch (in->op) {
        case I_RUNE: step = c == in->x; break;
        case I_CLASS: step = class_has(re, in->x, c); break;
        case I_ANY: step = true; break;
        case I_ANY_NOT_NL: step = c != '\n'; break;
        default: step = false; break;
        }
        if (step) add_thread(re, 1, pc + 1, &mid_position);
    }
    if (!re->anchored) add_thread(re, 1, 0, &mid_position);
    return dfa_intern(re, 1);
}

/* A step the table does not have: an uncached ASCII byte (then cached) or a
 * non-ASCII rune (stepped through the NFA each time). Out of line, so the
 * hot loop has no stack frame. (width << 32) | next state, or -1 when the
 * cache is full. */
static __attribute__((noinline)) int64_t dfa_slow_step(go_vm_regexp *re, int32_t s, const char *subject,
                                                       size_t len, size_t pos) {
    unsigned char b = (unsigned char)subject[pos];
    int32_t n;
    size_t w = 1;
    if (b < 0x80) {
        n = dfa_step(re, s, b);
        if (n < 0) return -1;
        re->trans[(size_t)s * 128 + b] = n;
    } else {
        uint32_t c = rune_at(subject, len, pos, &w);
        n = dfa_step(re, s, c);
        if (n < 0) return -1;
    }
    return (int64_t)(((uint64_t)w << 32) | (uint32_t)n);
}

/* The state after the literal prefix from the idle state (built once). */
static __attribute__((noinline)) int32_t dfa_after_prefix(go_vm_regexp *re) {
    int32_t t = re->idle;
    for (size_t i = 0; i < re->prefix_len && t >= 0; i++) {
        unsigned char pb = (unsigned char)re->prefix[i];
        int32_t n = re->trans[(size_t)t * 128 + pb];
        if (n < 0) {
            n = dfa_step(re, t, pb);
            if (n >= 0) re->trans[(size_t)t * 128 + pb] = n;
        }
        t = n;
    }
    if (t >= 0) re->after_prefix = t;
    return t;
}

/* 1/0, or -1 when the cache filled up (the caller falls back to the NFA). */
/* The first call's set-up: the start and idle states (out of line: the
 * hot path stays small, with few locals and no stack frame). 0 or -1. */
static __attribute__((noinline)) int dfa_init(go_vm_regexp *re) {
    if (re->start0 < 0) {
        position at0 = {0, 2, NO_RUNE, 'a'};
        re->count[1] = 0;
        add_thread(re, 1, 0, &at0);
        re->start0 = dfa_intern(re, 1);
        if (re->start0 < 0) return -1;
    }
    bool skip = re->prefix_len && !re->anchored;
    if (skip && re->idle < 0) {
        re->count[1] = 0;
        add_thread(re, 1, 0, &mid_position);
        re->idle = dfa_intern(re, 1);
        if (re->idle < 0) return -1;
        re->dflags[re->idle] |= DF_IDLE;
    }
    return 0;
}

/* Whether the subject is matched when it ends in state s: \z holds now
 * (worked out once per state and cached in its flags). */
static __attribute__((noinline)) int dfa_end_verdict(go_vm_regexp *re, int32_t s, size_t len) {
    const dfa_state *st = &re->states[s];
    position end = {len, len, NO_RUNE, NO_RUNE};
    re->count[0] = 0;
    for (uint32_t k = 0; k < st->count; k++) {
        uint32_t pc = re->pool[st->first + k];
        if (re->prog[pc].op == I_ASSERT) add_thread(re, 0, pc, &end);
    }
    int m = 0;
    for (uint32_t k = 0; k < re->count[0] && !m; k++)
        if (re->prog[re->dense[0][k]].op == I_MATCH) m = 1;
    /* \A after \z can hold only on an empty subject: cache the other case */
    if (len > 0) re->dflags[s] |= (uint8_t)(DF_END_KNOWN | (m ? DF_END_MATCH : 0));
    return m;
}

static int dfa_match(go_vm_regexp *re, const char *subject, size_t len) {
    bool skip = re->prefix_len && !re->anchored;
    if ((re->start0 < 0 || (skip && re->idle < 0)) && dfa_init(re) < 0) return -1;
    int32_t s = re->start0;
    size_t pos = 0;
    /* the table and flags in locals: reloaded only after a slow step (which
     * may grow them), so the hot loop is a load, a compare and a jump per byte */
    const int32_t *trans = re->trans;
    const uint8_t *flags = re->dflags;
    for (;;) {
        uint8_t f = flags[s];
        if (f) {
            if (f & DF_MATCH) return 1;
            if (f & DF_DEAD) return 0;
            if (f & DF_IDLE) { /* nothing alive: jump over the next prefix */
                pos = find_prefix(re, subject, len, pos);
                if (pos >= len) break; /* the state at the end is idle too */
                if (re->after_prefix < 0) {
                    if (dfa_after_prefix(re) < 0) return -1;
                    trans = re->trans;
                    flags = re->dflags;
                }
                s = re->after_prefix;
                pos += re->prefix_len;
                continue;
            }
        }
        /* hot loop: cached ASCII transitions into flag-free states */
        while (pos < len) {
            unsigned char b = (unsigned char)subject[pos];
            int32_t n = b < 0x80 ? trans[(size_t)s * 128 + b] : -1;
            if (n < 0) break;
            s = n;
            pos++;
            if (flags[s] & DF_STOP) break;
        }
        if (flags[s] & DF_STOP) continue; /* match, dead or idle: handled above */
        if (pos >= len) break;
        int64_t r = dfa_slow_step(re, s, subject, len, pos);
        if (r < 0) return -1;
        s = (int32_t)(uint32_t)r;
        pos += (size_t)(r >> 32);
        trans = re->trans;
        flags = re->dflags;
    }
    uint8_t f = re->dflags[s];
    if (f & DF_MATCH) return 1;
    /* the cached answer assumes position > 0 (\A false): not for "" */
    if ((f & DF_END_KNOWN) && len > 0) return (f & DF_END_MATCH) != 0;
    return dfa_end_verdict(re, s, len);
}

int go_vm_match(go_vm_regexp *re, const char *subject, size_t len) {
    if (re->prefix_is_match && !re->anchored) return find_prefix(re, subject, len, 0) < len;
    if (re->dfa_usable) {
        int m = dfa_match(re, subject, len);
        if (m >= 0) return m;
        dfa_reset(re); /* full: start afresh next time, finish this one on the NFA */
        re->dfa_resets++;
    }
    return nfa_match(re, subject, len);
}
