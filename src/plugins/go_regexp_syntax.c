/*
 * go_regexp_syntax.c — Go regexp/syntax parsing rules, emitted as a
 * canonical PCRE2-compatible pattern (see go_regexp_syntax.h). Uses no
 * PCRE2 and only the strbuf/VEC/x*alloc part of base, so it also compiles
 * for wasm32 (the C guest SDK provides those few functions there).
 * Two engines read that canonical pattern: PCRE2 (go_regexp.c, native
 * plugin) and the linear-time Thompson-NFA matcher go_regexp_vm.c (wasm
 * guests, and natively for differential tests).
 *
 * The parser walks the pattern in the order Go's parser does, so the FIRST
 * error Go would report is the one reported here, with Go's code and Go's
 * "offending text". Instead of building Go's tree it writes the PCRE2
 * pattern as it goes and keeps, per open group, just enough of the tree's
 * shape to apply Go's checks that depend on it:
 *   - a repetition operator needs an operand (ErrMissingRepeatArgument) and
 *     may not follow another one (ErrInvalidRepeatOp);
 *   - nested counted repetitions may not exceed 1000 copies
 *     (ErrInvalidRepeatSize; "need" below is the smallest n for which Go's
 *     repeatIsValid(re, n) holds: need(x{m}) = m × max(1, need(x)));
 *   - the compiled size (ErrLarge) and tree height (ErrNestingDepth),
 *     estimated with Go's calcSize rules on the tree shape we track.
 *
 * Emission rules (PCRE2 is compiled with UTF, NEVER_BACKSLASH_C,
 * ALT_CIRCUMFLEX, newline LF and no other options, so the emitted pattern
 * carries every flag itself):
 *   - Go flags (i m s U) are tracked here, scoped as in Go, and applied per
 *     atom: a case-folded literal is `(?i:\x{..})`, `.` under s is `(?s:.)`,
 *     `^`/`$` become `\A`/`\z`, or `(?m:^)`/`(?m:$)` under m; U flips the
 *     greediness of each quantifier;
 *   - literals other than [0-9A-Za-z] are spelled \x{..};
 *   - \d \s \w and POSIX classes become explicit ASCII ranges (Go's \s has
 *     no \v; PCRE2's has);
 *   - every group becomes (?:...) (captures do not matter to MatchString);
 *   - an operand that PCRE2 cannot repeat directly (an assertion, or an
 *     already repeated atom: Go accepts `a*(?i)*`) is wrapped in (?:...).
 */
#include "plugins/go_regexp_syntax.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* ------------------------------------------------------------------ */
/* Limits and flags (Go's values)                                       */
/* ------------------------------------------------------------------ */

#define GO_MAX_REPEAT 1000
#define GO_MAX_HEIGHT 1000
#define GO_MAX_SIZE ((128LL << 20) / 40) /* maxSize in Insts */
#define GO_MAX_RUNE 0x10FFFF

enum {
    FLAG_FOLD = 1,       /* i */
    FLAG_DOTNL = 2,      /* s */
    FLAG_ONELINE = 4,    /* cleared by m */
    FLAG_NONGREEDY = 8,  /* U */
};

/* Go's ErrorCode strings. */
#define E_INVALID_CHAR_RANGE "invalid character class range"
#define E_INVALID_ESCAPE "invalid escape sequence"
#define E_INVALID_NAMED_CAPTURE "invalid named capture"
#define E_INVALID_PERL_OP "invalid or unsupported Perl syntax"
#define E_INVALID_REPEAT_OP "invalid nested repetition operator"
#define E_INVALID_REPEAT_SIZE "invalid repeat count"
#define E_INVALID_UTF8 "invalid UTF-8"
#define E_MISSING_BRACKET "missing closing ]"
#define E_MISSING_PAREN "missing closing )"
#define E_MISSING_REPEAT_ARGUMENT "missing argument to repetition operator"
#define E_TRAILING_BACKSLASH "trailing backslash at end of expression"
#define E_UNEXPECTED_PAREN "unexpected )"
#define E_NESTING_DEPTH "expression nests too deeply"
#define E_LARGE "expression too large"

/* ------------------------------------------------------------------ */
/* Character tables                                                     */
/* ------------------------------------------------------------------ */

typedef struct rune_range {
    uint32_t lo, hi;
} rune_range;

typedef struct char_group {
    const char *name;
    bool negated;
    const rune_range *ranges;
    uint32_t n;
} char_group;

static const rune_range r_digit[] = {{'0', '9'}};
static const rune_range r_space_perl[] = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};
static const rune_range r_word[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
static const rune_range r_alnum[] = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
static const rune_range r_alpha[] = {{'A', 'Z'}, {'a', 'z'}};
static const rune_range r_ascii[] = {{0, 0x7f}};
static const rune_range r_blank[] = {{'\t', '\t'}, {' ', ' '}};
static const rune_range r_cntrl[] = {{0, 0x1f}, {0x7f, 0x7f}};
static const rune_range r_graph[] = {{'!', '~'}};
static const rune_range r_lower[] = {{'a', 'z'}};
static const rune_range r_print[] = {{' ', '~'}};
static const rune_range r_punct[] = {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
static const rune_range r_space_posix[] = {{'\t', '\r'}, {' ', ' '}};
static const rune_range r_upper[] = {{'A', 'Z'}};
static const rune_range r_xdigit[] = {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};

#define GROUP(name, neg, r) {name, neg, r, (uint32_t)ARRAY_LEN(r)}

static const char_group perl_groups[] = {
    GROUP("\\d", false, r_digit),      GROUP("\\D", true, r_digit),
    GROUP("\\s", false, r_space_perl), GROUP("\\S", true, r_space_perl),
    GROUP("\\w", false, r_word),       GROUP("\\W", true, r_word),
};

static const char_group posix_groups[] = {
    GROUP("[:alnum:]", false, r_alnum),       GROUP("[:^alnum:]", true, r_alnum),
    GROUP("[:alpha:]", false, r_alpha),       GROUP("[:^alpha:]", true, r_alpha),
    GROUP("[:ascii:]", false, r_ascii),       GROUP("[:^ascii:]", true, r_ascii),
    GROUP("[:blank:]", false, r_blank),       GROUP("[:^blank:]", true, r_blank),
    GROUP("[:cntrl:]", false, r_cntrl),       GROUP("[:^cntrl:]", true, r_cntrl),
    GROUP("[:digit:]", false, r_digit),       GROUP("[:^digit:]", true, r_digit),
    GROUP("[:graph:]", false, r_graph),       GROUP("[:^graph:]", true, r_graph),
    GROUP("[:lower:]", false, r_lower),       GROUP("[:^lower:]", true, r_lower),
    GROUP("[:print:]", false, r_print),       GROUP("[:^print:]", true, r_print),
    GROUP("[:punct:]", false, r_punct),       GROUP("[:^punct:]", true, r_punct),
    GROUP("[:space:]", false, r_space_posix), GROUP("[:^space:]", true, r_space_posix),
    GROUP("[:upper:]", false, r_upper),       GROUP("[:^upper:]", true, r_upper),
    GROUP("[:word:]", false, r_word),         GROUP("[:^word:]", true, r_word),
    GROUP("[:xdigit:]", false, r_xdigit),     GROUP("[:^xdigit:]", true, r_xdigit),
};

/* unicode.Categories keys (Go 1.22) ... */
static const char *const unicode_categories[] = {
    "C",  "Cc", "Cf", "Co", "Cs", "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",
    "Mc", "Me", "Mn", "N",  "Nd", "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf",
    "Pi", "Po", "Ps", "S",  "Sc", "Sk", "Sm", "So", "Z",  "Zl", "Zp", "Zs",
};

/* ... and unicode.Scripts keys (Unicode 15.0, Go 1.21–1.23). */
static const char *const unicode_scripts[] = {
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille",
    "Buginese", "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma", "Cham",
    "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform", "Cypriot", "Cypro_Minoan",
    "Cyrillic", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
    "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic",
    "Grantha", "Greek", "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul",
    "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic",
    "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi",
    "Kannada", "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer",
    "Khojki", "Khudawadi", "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu",
    "Lycian", "Lydian", "Mahajani", "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen",
    "Masaram_Gondi", "Medefaidrin", "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive",
    "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro", "Multani", "Myanmar",
    "Nabataean", "Nag_Mundari", "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu",
    "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic",
    "Old_North_Arabian", "Old_Permic", "Old_Persian", "Old_Sogdian", "Old_South_Arabian",
    "Old_Turkic", "Old_Uyghur", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene",
    "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan",
    "Saurashtra", "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sogdian",
    "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa",
    "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil", "Tangsa", "Tangut", "Telugu", "Thaana",
    "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto", "Ugaritic", "Vai", "Vithkuqi", "Wancho",
    "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
};

static bool unicode_name_known(const char *name, size_t len) {
    if (len == 3 && memcmp(name, "Any", 3) == 0) return true;
    for (size_t i = 0; i < ARRAY_LEN(unicode_categories); i++)
        if (strlen(unicode_categories[i]) == len && memcmp(unicode_categories[i], name, len) == 0)
            return true;
    for (size_t i = 0; i < ARRAY_LEN(unicode_scripts); i++)
        if (strlen(unicode_scripts[i]) == len && memcmp(unicode_scripts[i], name, len) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* UTF-8 (Go's utf8.DecodeRuneInString acceptance rules)               */
/* ------------------------------------------------------------------ */

/* Decodes one rune at s (s < end). Returns its length, or 0 for an invalid
 * encoding (Go's RuneError with size 1). */
static size_t utf8_decode(const unsigned char *s, const unsigned char *end, uint32_t *out) {
    unsigned char c = s[0];
    if (c < 0x80) {
        *out = c;
        return 1;
    }
    size_t n;
    uint32_t r, min;
    if (c >= 0xC2 && c <= 0xDF) n = 2, r = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, r = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, r = c & 0x07, min = 0x10000;
    else return 0;
    if ((size_t)(end - s) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        r = (r << 6) | (s[i] & 0x3F);
    }
    if (r < min || r > GO_MAX_RUNE || (r >= 0xD800 && r <= 0xDFFF)) return 0;
    *out = r;
    return n;
}

/* ------------------------------------------------------------------ */
/* Parser state                                                         */
/* ------------------------------------------------------------------ */

/* Shape of one parsed item, enough for Go's limit checks. */
typedef struct rx_atom {
    int64_t size;     /* Go calcSize */
    int64_t need;     /* smallest n with repeatIsValid(x, n) */
    int32_t height;
    bool literal;     /* a single literal rune (merges with neighbours in Go) */
    bool fold;
    bool quantified;  /* already carries a repetition operator */
    bool repeatable;  /* PCRE2 accepts a quantifier right after it */
    size_t start;     /* offset of its text in the output */
} rx_atom;

typedef struct rx_frame {
    unsigned saved_flags;   /* flags to restore at ')' */
    bool capture;
    size_t out_start;
    bool has_pending;
    rx_atom pending;        /* last item, still open to a repetition operator */
    /* the concatenation being built (items before `pending`) */
    uint32_t cat_items;
    int64_t cat_size, cat_need;
    int32_t cat_height;
    bool cat_last_literal, cat_last_fold;
    /* finished alternatives */
    uint32_t alts;
    int64_t alt_size, alt_need;
    int32_t alt_height;
} rx_frame;

typedef struct rx_parser {
    const char *whole;      /* the pattern */
    const char *end;
    unsigned flags;
    strbuf out;
    VEC(rx_frame) frames;
    /* error */
    const char *code;
    const char *expr;
    size_t expr_len;
} rx_parser;

static bool fail(rx_parser *p, const char *code, const char *expr, size_t len) {
    p->code = code;
    p->expr = expr;
    p->expr_len = len;
    return false;
}

static rx_frame *top(rx_parser *p) { return &p->frames.items[p->frames.len - 1]; }

static void frame_open(rx_parser *p, bool capture) {
    rx_frame f;
    memset(&f, 0, sizeof(f));
    f.saved_flags = p->flags;
    f.capture = capture;
    f.out_start = p->out.len;
    VEC_PUSH(&p->frames, f);
    strbuf_puts(&p->out, "(?:");
}

/* Moves the pending item into the frame's concatenation. Adjacent plain
 * literals with the same case folding form one node, as Go's
 * maybeConcat does. */
static void fold_pending(rx_frame *f) {
    if (!f->has_pending) return;
    rx_atom *a = &f->pending;
    bool plain_literal = a->literal && !a->quantified;
    if (plain_literal && f->cat_items > 0 && f->cat_last_literal && f->cat_last_fold == a->fold) {
        f->cat_size += 1;
    } else {
        f->cat_items++;
        f->cat_size += a->size;
        if (a->need > f->cat_need) f->cat_need = a->need;
        if (a->height > f->cat_height) f->cat_height = a->height;
    }
    f->cat_last_literal = plain_literal;
    f->cat_last_fold = a->fold;
    f->has_pending = false;
}

static rx_atom concat_shape(rx_frame *f) {
    fold_pending(f);
    rx_atom a;
    memset(&a, 0, sizeof(a));
    if (f->cat_items == 0) {
        a.size = 1, a.need = 0, a.height = 1; /* OpEmptyMatch */
    } else if (f->cat_items == 1) {
        a.size = SL_MAX(f->cat_size, 1), a.need = f->cat_need, a.height = f->cat_height;
    } else {
        a.size = SL_MAX(f->cat_size, 1), a.need = f->cat_need, a.height = f->cat_height + 1;
    }
    f->cat_items = 0;
    f->cat_size = f->cat_need = 0;
    f->cat_height = 0;
    f->cat_last_literal = false;
    return a;
}

static bool check_shape(rx_parser *p, const rx_atom *a) {
    if (a->size > GO_MAX_SIZE) return fail(p, E_LARGE, p->whole, (size_t)(p->end - p->whole));
    if (a->height > GO_MAX_HEIGHT)
        return fail(p, E_NESTING_DEPTH, p->whole, (size_t)(p->end - p->whole));
    return true;
}

/* The frame's whole content (alternation of concatenations). */
static rx_atom frame_shape(rx_frame *f) {
    rx_atom last = concat_shape(f);
    if (f->alts == 0) return last;
    rx_atom a;
    memset(&a, 0, sizeof(a));
    a.size = f->alt_size + last.size + f->alts; /* n-1 extra for n alternatives */
    a.need = SL_MAX(f->alt_need, last.need);
    a.height = SL_MAX(f->alt_height, last.height) + 1;
    return a;
}

static bool push_atom(rx_parser *p, rx_atom a) {
    rx_frame *f = top(p);
    fold_pending(f);
    f->pending = a;
    f->has_pending = true;
    return check_shape(p, &a);
}

static rx_atom simple_atom(size_t start, bool repeatable) {
    rx_atom a;
    memset(&a, 0, sizeof(a));
    a.size = 1, a.need = 0, a.height = 1;
    a.repeatable = repeatable;
    a.start = start;
    return a;
}

/* ------------------------------------------------------------------ */
/* Emission helpers                                                     */
/* ------------------------------------------------------------------ */

static bool is_ascii_alnum(uint32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void emit_rune(strbuf *out, uint32_t r) {
    if (is_ascii_alnum(r)) {
        strbuf_putc(out, (char)r);
        return;
    }
    /* \x{hex} without printf (hot in per-call compiles, e.g. on wasm32) */
    static const char hex[] = "0123456789abcdef";
    char tmp[12];
    size_t n = sizeof(tmp);
    tmp[--n] = '}';
    do {
        tmp[--n] = hex[r & 15];
        r >>= 4;
    } while (r);
    tmp[--n] = '{';
    tmp[--n] = 'x';
    tmp[--n] = '\\';
    strbuf_append(out, tmp + n, sizeof(tmp) - n);
}

static void emit_range(strbuf *out, uint32_t lo, uint32_t hi) {
    emit_rune(out, lo);
    if (hi != lo) {
        strbuf_putc(out, '-');
        emit_rune(out, hi);
    }
}

/* The ranges of a group, or their complement over [0, MaxRune], as class items. */
static void emit_group_items(strbuf *out, const char_group *g) {
    if (!g->negated) {
        for (uint32_t i = 0; i < g->n; i++) emit_range(out, g->ranges[i].lo, g->ranges[i].hi);
        return;
    }
    uint32_t next = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->ranges[i].lo > next) emit_range(out, next, g->ranges[i].lo - 1);
        next = g->ranges[i].hi + 1;
    }
    if (next <= GO_MAX_RUNE) emit_range(out, next, GO_MAX_RUNE);
}

static bool literal(rx_parser *p, uint32_t r) {
    size_t start = p->out.len;
    bool fold = (p->flags & FLAG_FOLD) != 0;
    if (fold) {
        strbuf_puts(&p->out, "(?i:");
        emit_rune(&p->out, r);
        strbuf_putc(&p->out, ')');
    } else {
        emit_rune(&p->out, r);
    }
    rx_atom a = simple_atom(start, true);
    a.literal = true;
    a.fold = fold;
    return push_atom(p, a);
}

/* A whole character class from a Perl or Unicode escape outside [...]. */
static bool class_atom_begin(rx_parser *p, size_t *start) {
    *start = p->out.len;
    if (p->flags & FLAG_FOLD) strbuf_puts(&p->out, "(?i:");
    strbuf_putc(&p->out, '[');
    return true;
}

static bool class_atom_end(rx_parser *p, size_t start) {
    strbuf_putc(&p->out, ']');
    if (p->flags & FLAG_FOLD) strbuf_putc(&p->out, ')');
    return push_atom(p, simple_atom(start, true));
}

/* ------------------------------------------------------------------ */
/* Escapes                                                              */
/* ------------------------------------------------------------------ */

static int unhex(uint32_t c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

/* Reads the rune at *t (Go nextRune); at the end of input yields
 * RuneError with no advance, as utf8.DecodeRuneInString("") does. */
static bool next_rune(rx_parser *p, const char **t, uint32_t *c) {
    if (*t >= p->end) {
        *c = 0xFFFD;
        return true;
    }
    size_t n = utf8_decode((const unsigned char *)*t, (const unsigned char *)p->end, c);
    if (n == 0) return fail(p, E_INVALID_UTF8, *t, (size_t)(p->end - *t));
    *t += n;
    return true;
}

/* Go parseEscape: s points at '\\'. */
static bool parse_escape(rx_parser *p, const char *s, const char **rest, uint32_t *r) {
    const char *t = s + 1;
    if (t >= p->end) return fail(p, E_TRAILING_BACKSLASH, "", 0);
    uint32_t c;
    if (!next_rune(p, &t, &c)) return false;
    switch (c) {
    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        /* A lone non-zero digit would be a backreference: unsupported. */
        if (t >= p->end || *t < '0' || *t > '7') break;
        /* fallthrough */
    case '0': {
        uint32_t v = c - '0';
        for (int i = 1; i < 3; i++) {
            if (t >= p->end || *t < '0' || *t > '7') break;
            v = v * 8 + (uint32_t)(*t - '0');
            t++;
        }
        *r = v;
        *rest = t;
        return true;
    }
    case 'x': {
        if (t >= p->end) break;
        if (!next_rune(p, &t, &c)) return false;
        if (c == '{') {
            int nhex = 0;
            uint32_t v = 0;
            for (;;) {
                if (t >= p->end) goto invalid;
                if (!next_rune(p, &t, &c)) return false;
                if (c == '}') break;
                int d = unhex(c);
                if (d < 0) goto invalid;
                v = v * 16 + (uint32_t)d;
                if (v > GO_MAX_RUNE) goto invalid;
                nhex++;
            }
            if (nhex == 0) goto invalid;
            *r = v;
            *rest = t;
            return true;
        }
        int x = unhex(c);
        if (!next_rune(p, &t, &c)) return false;
        int y = unhex(c);
        if (x < 0 || y < 0) break;
        *r = (uint32_t)(x * 16 + y);
        *rest = t;
        return true;
    }
    case 'a': *r = '\a'; *rest = t; return true;
    case 'f': *r = '\f'; *rest = t; return true;
    case 'n': *r = '\n'; *rest = t; return true;
    case 'r': *r = '\r'; *rest = t; return true;
    case 't': *r = '\t'; *rest = t; return true;
    case 'v': *r = '\v'; *rest = t; return true;
    default:
        /* Escaped ASCII punctuation (and \_) is the character itself. */
        if (c < 0x80 && !is_ascii_alnum(c)) {
            *r = c;
            *rest = t;
            return true;
        }
        break;
    }
invalid:
    return fail(p, E_INVALID_ESCAPE, s, (size_t)(t - s));
}

static const char_group *perl_group_at(const rx_parser *p, const char *s) {
    if (p->end - s < 2 || s[0] != '\\') return NULL;
    for (size_t i = 0; i < ARRAY_LEN(perl_groups); i++)
        if (perl_groups[i].name[1] == s[1]) return &perl_groups[i];
    return NULL;
}

/* Go parseUnicodeClass: \pX, \p{Name}, \p{^Name}, \PX... When s does not
 * start one, returns true with *matched = false. Appends \p{..}/\P{..}. */
static bool parse_unicode_class(rx_parser *p, const char *s, const char **rest, bool *matched) {
    *matched = false;
    if (p->end - s < 2 || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P')) return true;
    bool negate = s[1] == 'P';
    const char *t = s + 2;
    uint32_t c;
    if (!next_rune(p, &t, &c)) return false;
    const char *seq = s, *name;
    size_t seq_len, name_len;
    if (c != '{') {
        seq_len = (size_t)(t - s);
        name = s + 2;
        name_len = seq_len - 2;
    } else {
        const char *close = memchr(s, '}', (size_t)(p->end - s));
        if (!close) {
            const char *u = s;
            while (u < p->end) /* Go checks the rest is valid UTF-8 first */
                if (!next_rune(p, &u, &c)) return false;
            return fail(p, E_INVALID_CHAR_RANGE, s, (size_t)(p->end - s));
        }
        seq_len = (size_t)(close + 1 - s);
        name = s + 3;
        name_len = (size_t)(close - name);
        t = close + 1;
    }
    if (name_len > 0 && name[0] == '^') {
        negate = !negate;
        name++, name_len--;
    }
    if (!unicode_name_known(name, name_len)) return fail(p, E_INVALID_CHAR_RANGE, seq, seq_len);
    strbuf_printf(&p->out, "\\%c{%.*s}", negate ? 'P' : 'p', (int)name_len, name);
    *rest = t;
    *matched = true;
    return true;
}

/* ------------------------------------------------------------------ */
/* Character classes [...]                                              */
/* ------------------------------------------------------------------ */

static bool parse_class_char(rx_parser *p, const char *t, const char *whole_class,
                             const char **rest, uint32_t *r) {
    if (t >= p->end)
        return fail(p, E_MISSING_BRACKET, whole_class, (size_t)(p->end - whole_class));
    if (*t == '\\') return parse_escape(p, t, rest, r);
    if (!next_rune(p, &t, r)) return false;
    *rest = t;
    return true;
}

static bool parse_class(rx_parser *p, const char *s, const char **rest) {
    size_t start = p->out.len;
    bool fold = (p->flags & FLAG_FOLD) != 0;
    if (fold) strbuf_puts(&p->out, "(?i:");
    strbuf_putc(&p->out, '[');
    const char *t = s + 1;
    if (t < p->end && *t == '^') {
        strbuf_putc(&p->out, '^');
        t++;
    }
    bool first = true; /* ']' is a literal as the first character */
    while (t >= p->end || *t != ']' || first) {
        first = false;
        /* POSIX [:alpha:] */
        if (p->end - t > 2 && t[0] == '[' && t[1] == ':') {
            const char *close = NULL;
            for (const char *u = t + 2; u + 1 < p->end; u++)
                if (u[0] == ':' && u[1] == ']') {
                    close = u;
                    break;
                }
            if (close) {
                size_t len = (size_t)(close + 2 - t);
                const char_group *g = NULL;
                for (size_t i = 0; i < ARRAY_LEN(posix_groups); i++)
                    if (strlen(posix_groups[i].name) == len &&
                        memcmp(posix_groups[i].name, t, len) == 0)
                        g = &posix_groups[i];
                if (!g) return fail(p, E_INVALID_CHAR_RANGE, t, len);
                emit_group_items(&p->out, g);
                t += len;
                continue;
            }
        }
        bool matched;
        if (!parse_unicode_class(p, t, &t, &matched)) return false;
        if (matched) continue;
        const char_group *g = perl_group_at(p, t);
        if (g) {
            emit_group_items(&p->out, g);
            t += 2;
            continue;
        }
        const char *range_start = t;
        uint32_t lo, hi;
        if (!parse_class_char(p, t, s, &t, &lo)) return false;
        hi = lo;
        if (p->end - t >= 2 && t[0] == '-' && t[1] != ']') {
            t++;
            if (!parse_class_char(p, t, s, &t, &hi)) return false;
            if (hi < lo) return fail(p, E_INVALID_CHAR_RANGE, range_start, (size_t)(t - range_start));
        }
        emit_range(&p->out, lo, hi);
    }
    t++; /* ']' */
    strbuf_putc(&p->out, ']');
    if (fold) strbuf_putc(&p->out, ')');
    *rest = t;
    return push_atom(p, simple_atom(start, true));
}

/* ------------------------------------------------------------------ */
/* Groups and flags                                                     */
/* ------------------------------------------------------------------ */

static bool capture_name_ok(const char *name, size_t len) {
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] != '_' && !is_ascii_alnum((unsigned char)name[i])) return false;
    return true;
}

/* Go parsePerlFlags: s points at "(?". */
static bool parse_perl_flags(rx_parser *p, const char *s, const char **rest) {
    size_t avail = (size_t)(p->end - s);
    bool starts_p = avail > 4 && s[2] == 'P' && s[3] == '<';
    bool starts_name = avail > 3 && s[2] == '<';
    if (starts_p || starts_name) {
        size_t expr_start = starts_name ? 3 : 4;
        const char *gt = memchr(s, '>', avail);
        if (!gt) {
            uint32_t c;
            const char *u = s;
            while (u < p->end)
                if (!next_rune(p, &u, &c)) return false;
            return fail(p, E_INVALID_NAMED_CAPTURE, s, avail);
        }
        const char *name = s + expr_start;
        size_t name_len = (size_t)(gt - name);
        uint32_t c;
        for (const char *u = name; u < gt;)
            if (!next_rune(p, &u, &c)) return false;
        if (!capture_name_ok(name, name_len))
            return fail(p, E_INVALID_NAMED_CAPTURE, s, (size_t)(gt + 1 - s));
        frame_open(p, true);
        *rest = gt + 1;
        return true;
    }

    const char *t = s + 2;
    unsigned flags = p->flags;
    int sign = +1;
    bool saw_flag = false;
    while (t < p->end) {
        uint32_t c;
        if (!next_rune(p, &t, &c)) return false;
        switch (c) {
        case 'i': flags |= FLAG_FOLD; saw_flag = true; continue;
        case 'm': flags &= ~(unsigned)FLAG_ONELINE; saw_flag = true; continue;
        case 's': flags |= FLAG_DOTNL; saw_flag = true; continue;
        case 'U': flags |= FLAG_NONGREEDY; saw_flag = true; continue;
        case '-':
            if (sign < 0) break;
            sign = -1;
            flags = ~flags;
            saw_flag = false;
            continue;
        case ':':
        case ')':
            if (sign < 0) {
                if (!saw_flag) break;
                flags = ~flags;
            }
            if (c == ':') frame_open(p, false); /* saves the old flags */
            p->flags = flags;
            *rest = t;
            return true;
        default:
            break;
        }
        break;
    }
    return fail(p, E_INVALID_PERL_OP, s, (size_t)(t - s));
}

static bool close_group(rx_parser *p) {
    if (p->frames.len < 2) return fail(p, E_UNEXPECTED_PAREN, p->whole, (size_t)(p->end - p->whole));
    rx_frame *f = top(p);
    rx_atom a = frame_shape(f);
    if (f->capture) {
        a.size += 2;
        a.height += 1;
    }
    a.start = f->out_start;
    a.repeatable = true;
    a.literal = false;
    a.quantified = false;
    p->flags = f->saved_flags;
    p->frames.len--;
    strbuf_putc(&p->out, ')');
    return push_atom(p, a);
}

static void alternate(rx_parser *p) {
    rx_frame *f = top(p);
    rx_atom a = concat_shape(f);
    f->alts++;
    f->alt_size += a.size;
    if (a.need > f->alt_need) f->alt_need = a.need;
    if (a.height > f->alt_height) f->alt_height = a.height;
    strbuf_putc(&p->out, '|');
}

/* ------------------------------------------------------------------ */
/* Repetition                                                           */
/* ------------------------------------------------------------------ */

typedef enum { REP_STAR, REP_PLUS, REP_QUEST, REP_COUNT } rep_op;

/* Go parser.repeat. `before` is where the operator starts, `after` just
 * past it; `last_repeat` is where the previous operator started when the
 * previous token was one (NULL otherwise). */
static bool repeat(rx_parser *p, rep_op op, int min, int max, const char *before,
                   const char **after, const char *last_repeat) {
    unsigned flags = p->flags;
    const char *a = *after;
    if (a < p->end && *a == '?') {
        a++;
        flags ^= FLAG_NONGREEDY;
    }
    if (last_repeat) return fail(p, E_INVALID_REPEAT_OP, last_repeat, (size_t)(a - last_repeat));
    rx_frame *f = top(p);
    if (!f->has_pending) return fail(p, E_MISSING_REPEAT_ARGUMENT, before, (size_t)(a - before));
    rx_atom *sub = &f->pending;
    rx_atom r = *sub;
    switch (op) {
    case REP_STAR: r.size = 2 + sub->size; break;
    case REP_PLUS:
    case REP_QUEST: r.size = 1 + sub->size; break;
    case REP_COUNT:
        if (max == -1) r.size = min == 0 ? 2 + sub->size : 1 + (int64_t)min * sub->size;
        else r.size = (int64_t)max * sub->size + (max - min);
        if (r.size < 1) r.size = 1;
        break;
    }
    r.height = sub->height + 1;
    r.literal = false;
    r.quantified = true;
    r.repeatable = false;
    if (op == REP_COUNT) {
        int64_t m = max == -1 ? min : max;
        r.need = m == 0 ? 0 : m * SL_MAX(1, sub->need);
        if (r.need > 1000000) r.need = 1000000;
    }
    /* Emit: wrap the operand when PCRE2 cannot repeat it as written. */
    if (!sub->repeatable) {
        const char *open = "(?:";
        size_t at = sub->start;
        strbuf_append(&p->out, "   ", 3); /* grow by 3, then shift */
        memmove(p->out.data + at + 3, p->out.data + at, p->out.len - 3 - at);
        memcpy(p->out.data + at, open, 3);
        strbuf_putc(&p->out, ')');
    }
    switch (op) {
    case REP_STAR: strbuf_putc(&p->out, '*'); break;
    case REP_PLUS: strbuf_putc(&p->out, '+'); break;
    case REP_QUEST: strbuf_putc(&p->out, '?'); break;
    case REP_COUNT:
        if (max == min) strbuf_printf(&p->out, "{%d}", min);
        else if (max == -1) strbuf_printf(&p->out, "{%d,}", min);
        else strbuf_printf(&p->out, "{%d,%d}", min, max);
        break;
    }
    if (flags & FLAG_NONGREEDY) strbuf_putc(&p->out, '?');
    f->pending = r;
    if (!check_shape(p, &r)) return false;
    if (op == REP_COUNT && (min >= 2 || max >= 2) && r.need > GO_MAX_REPEAT)
        return fail(p, E_INVALID_REPEAT_SIZE, before, (size_t)(a - before));
    *after = a;
    return true;
}

/* Go parseInt: decimal without leading zeros; -1 when >= 1e8. */
static bool parse_int(const char **s, const char *end, int *n) {
    const char *t = *s;
    if (t >= end || *t < '0' || *t > '9') return false;
    if (end - t >= 2 && t[0] == '0' && t[1] >= '0' && t[1] <= '9') return false;
    int v = 0;
    while (t < end && *t >= '0' && *t <= '9') {
        if (v >= 100000000) v = -1;
        else if (v >= 0) v = v * 10 + (*t - '0');
        t++;
    }
    *n = v;
    *s = t;
    return true;
}

/* Go parseRepeat: {n}, {n,}, {n,m}. */
static bool parse_repeat(const char *s, const char *end, int *min, int *max, const char **rest) {
    if (s >= end || *s != '{') return false;
    s++;
    if (!parse_int(&s, end, min)) return false;
    if (s >= end) return false;
    if (*s != ',') {
        *max = *min;
    } else {
        s++;
        if (s >= end) return false;
        if (*s == '}') {
            *max = -1;
        } else {
            if (!parse_int(&s, end, max)) return false;
            if (*max < 0) *min = -1;
        }
    }
    if (s >= end || *s != '}') return false;
    *rest = s + 1;
    return true;
}

/* ------------------------------------------------------------------ */
/* The parse loop                                                       */
/* ------------------------------------------------------------------ */

static bool translate(rx_parser *p) {
    const char *t = p->whole;
    const char *last_repeat = NULL;
    frame_open(p, false);
    while (t < p->end) {
        const char *rep = NULL;
        switch (*t) {
        default: {
            uint32_t c;
            if (!next_rune(p, &t, &c) || !literal(p, c)) return false;
            break;
        }
        case '(':
            if (p->end - t >= 2 && t[1] == '?') {
                if (!parse_perl_flags(p, t, &t)) return false;
                break;
            }
            frame_open(p, true);
            t++;
            break;
        case '|':
            alternate(p);
            t++;
            break;
        case ')':
            if (!close_group(p)) return false;
            t++;
            break;
        case '^': {
            size_t start = p->out.len;
            strbuf_puts(&p->out, (p->flags & FLAG_ONELINE) ? "\\A" : "(?m:^)");
            if (!push_atom(p, simple_atom(start, false))) return false;
            t++;
            break;
        }
        case '$': {
            size_t start = p->out.len;
            strbuf_puts(&p->out, (p->flags & FLAG_ONELINE) ? "\\z" : "(?m:$)");
            if (!push_atom(p, simple_atom(start, false))) return false;
            t++;
            break;
        }
        case '.': {
            size_t start = p->out.len;
            strbuf_puts(&p->out, (p->flags & FLAG_DOTNL) ? "(?s:.)" : ".");
            if (!push_atom(p, simple_atom(start, true))) return false;
            t++;
            break;
        }
        case '[':
            if (!parse_class(p, t, &t)) return false;
            break;
        case '*':
        case '+':
        case '?': {
            rep_op op = *t == '*' ? REP_STAR : *t == '+' ? REP_PLUS : REP_QUEST;
            const char *before = t, *after = t + 1;
            if (!repeat(p, op, 0, 0, before, &after, last_repeat)) return false;
            rep = before;
            t = after;
            break;
        }
        case '{': {
            const char *before = t, *after;
            int min = 0, max = 0;
            if (!parse_repeat(t, p->end, &min, &max, &after)) {
                if (!literal(p, '{')) return false; /* not a repeat: a literal { */
                t++;
                break;
            }
            if (min < 0 || min > GO_MAX_REPEAT || max > GO_MAX_REPEAT || (max >= 0 && min > max))
                return fail(p, E_INVALID_REPEAT_SIZE, before, (size_t)(after - before));
            if (!repeat(p, REP_COUNT, min, max, before, &after, last_repeat)) return false;
            rep = before;
            t = after;
            break;
        }
        case '\\': {
            if (p->end - t >= 2) {
                size_t start = p->out.len;
                const char *assertion = NULL;
                switch (t[1]) {
                case 'A': assertion = "\\A"; break;
                case 'b': assertion = "\\b"; break;
                case 'B': assertion = "\\B"; break;
                case 'z': assertion = "\\z"; break;
                case 'C': return fail(p, E_INVALID_ESCAPE, t, 2);
                case 'Q': {
                    /* \Q...\E: everything up to \E (or the end) is literal. */
                    const char *lit = t + 2, *lit_end = p->end;
                    t = p->end;
                    for (const char *u = lit; u + 1 < p->end; u++)
                        if (u[0] == '\\' && u[1] == 'E') {
                            lit_end = u;
                            t = u + 2;
                            break;
                        }
                    while (lit < lit_end) {
                        uint32_t c;
                        size_t n = utf8_decode((const unsigned char *)lit,
                                               (const unsigned char *)lit_end, &c);
                        if (n == 0) return fail(p, E_INVALID_UTF8, lit, (size_t)(lit_end - lit));
                        if (!literal(p, c)) return false;
                        lit += n;
                    }
                    goto next;
                }
                default: break;
                }
                if (assertion) {
                    strbuf_puts(&p->out, assertion);
                    if (!push_atom(p, simple_atom(start, false))) return false;
                    t += 2;
                    break;
                }
            }
            if (p->end - t >= 2 && (t[1] == 'p' || t[1] == 'P')) {
                size_t start = p->out.len;
                bool fold = (p->flags & FLAG_FOLD) != 0, matched;
                if (fold) strbuf_puts(&p->out, "(?i:");
                if (!parse_unicode_class(p, t, &t, &matched)) return false;
                if (fold) strbuf_putc(&p->out, ')');
                if (!push_atom(p, simple_atom(start, true))) return false;
                break;
            }
            const char_group *g = perl_group_at(p, t);
            if (g) {
                size_t start;
                class_atom_begin(p, &start);
                emit_group_items(&p->out, g);
                if (!class_atom_end(p, start)) return false;
                t += 2;
                break;
            }
            uint32_t c;
            if (!parse_escape(p, t, &t, &c) || !literal(p, c)) return false;
            break;
        }
        }
    next:
        last_repeat = rep;
    }
    if (p->frames.len != 1) return fail(p, E_MISSING_PAREN, p->whole, (size_t)(p->end - p->whole));
    rx_atom whole = frame_shape(top(p));
    if (!check_shape(p, &whole)) return false;
    strbuf_putc(&p->out, ')');
    return true;
}

char *go_regexp_translate(const char *pattern, size_t len, char *err, size_t errsize) {
    rx_parser p;
    memset(&p, 0, sizeof(p));
    p.whole = pattern;
    p.end = pattern + len;
    p.flags = FLAG_ONELINE; /* Go's syntax.Perl flags */
    strbuf_init(&p.out);
    char *result = NULL;
    if (!translate(&p))
        snprintf(err, errsize, "error parsing regexp: %s: `%.*s`", p.code, (int)p.expr_len, p.expr);
    else
        result = strbuf_take(&p.out);
    strbuf_free(&p.out);
    VEC_FREE(&p.frames);
    return result;
}

size_t go_utf8_decode(const char *s, const char *end, uint32_t *rune) {
    return utf8_decode((const unsigned char *)s, (const unsigned char *)end, rune);
}

/* ------------------------------------------------------------------ */
/* strconv.Quote                                                        */
/* ------------------------------------------------------------------ */

/* Approximation of !unicode.IsPrint for valid non-ASCII runes. */
static bool rune_needs_escape(uint32_t r) {
    return (r >= 0x80 && r <= 0x9F) || r == 0xAD || (r >= 0x200B && r <= 0x200F) ||
           (r >= 0x2028 && r <= 0x202E) || (r >= 0x2060 && r <= 0x206F) || r == 0xFEFF ||
           (r >= 0xFFF9 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF ||
           (r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000 || (r & 0xFFFE) == 0xFFFE;
}

/* Output with snprintf semantics: writes what fits, counts everything. */
typedef struct quote_sink {
    char *buf;
    size_t size, len;
} quote_sink;

static void sink_put(quote_sink *k, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++, k->len++)
        if (k->len + 1 < k->size) k->buf[k->len] = s[i];
}

static void sink_escape(quote_sink *k, const char *prefix, uint32_t v, int digits) {
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    size_t n = strlen(prefix);
    memcpy(tmp, prefix, n);
    for (int i = digits - 1; i >= 0; i--) tmp[n++] = hex[(v >> (4 * i)) & 0xF];
    sink_put(k, tmp, n);
}

size_t go_quote(const char *s, char *buf, size_t bufsize) {
    quote_sink k = {buf, bufsize, 0};
    const unsigned char *u = (const unsigned char *)s, *end = u + strlen(s);
    sink_put(&k, "\"", 1);
    while (u < end) {
        unsigned char c = *u;
        if (c < 0x80) {
            const char *esc = NULL;
            switch (c) {
            case '"': esc = "\\\""; break;
            case '\\': esc = "\\\\"; break;
            case '\a': esc = "\\a"; break;
            case '\b': esc = "\\b"; break;
            case '\f': esc = "\\f"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            case '\v': esc = "\\v"; break;
            default: break;
            }
            if (esc) sink_put(&k, esc, 2);
            else if (c < 0x20 || c == 0x7F) sink_escape(&k, "\\x", c, 2);
            else sink_put(&k, (const char *)u, 1);
            u++;
            continue;
        }
        uint32_t r;
        size_t n = utf8_decode(u, end, &r);
        if (n == 0) {
            sink_escape(&k, "\\x", c, 2);
            u++;
            continue;
        }
        if (!rune_needs_escape(r)) sink_put(&k, (const char *)u, n);
        else if (r < 0x10000) sink_escape(&k, "\\u", r, 4);
        else sink_escape(&k, "\\U", r, 8);
        u += n;
    }
    sink_put(&k, "\"", 1);
    if (bufsize) buf[k.len < bufsize ? k.len : bufsize - 1] = '\0';
    return k.len;
}
