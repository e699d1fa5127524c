/*
 * explain.c — the recorder behind `schedlab schedule --explain` and
 * `--explain-pod` (see explain.h for what it keeps and what it costs).
 *
 * Threads: Filter and Score callbacks arrive from worker threads, one node
 * per thread at a time, so the recorder keeps one slot per node index,
 * preallocated: no lock on that path. Everything else (cycle start/end,
 * PreFilter, PostFilter, ...) runs on the scheduling thread, which also
 * folds the slots into the pod's JSON at cycle end. Turning the per-node
 * callbacks on and off happens in cycle_start, on the scheduling thread,
 * before the cycle hands any node to a worker.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/strmap.h"
#include "cmd/explain.h"

typedef struct node_slot {
    const char *node_name;        /* the store's k8s_node: lives for the whole run */
    json_t *filter;               /* plugin -> "passed" | message */
    json_t *score;                /* plugin -> raw score */
    json_t *final_score;          /* plugin -> normalized score x weight */
    const char *rejected_by;      /* plugin whose Filter did not pass, NULL */
    sl_code rejected_code;
    char *reasons;                /* its raw message: reasons separated by '\n' */
    int64_t total;                /* sum of final scores */
    bool scored;
} node_slot;

struct explain_recorder {
    sl_recorder hooks;            /* handed to the scheduler; edited per cycle */
    uint32_t nnodes, nslots, top_k;
    node_slot *slots;
    bool all_pods, debug_log;
    strmap wanted;                /* "ns/name" -> (void *)1 */
    /* The attempt in progress (scheduling thread only). */
    bool active;                  /* this attempt is explained */
    uint32_t attempt;
    json_t *prefilter, *postfilter, *debug_notes;
    json_t *extenders;            /* extender name -> verb -> {status, latencyMs, result} */
    /* Finished: "namespace/name" -> explain object / summary of the last attempt. */
    json_t *by_pod, *summaries;
    uint64_t dropped;
    const sl_pod_info *pod;       /* of the cycle in progress */
    explain_post_filter_fn observer;
    void *observer_ctx;
};

static void slot_clear(node_slot *slot) {
    json_decref(slot->filter);
    json_decref(slot->score);
    json_decref(slot->final_score);
    free(slot->reasons);
    memset(slot, 0, sizeof *slot);
}

static node_slot *slot_for(explain_recorder *r, const sl_node_info *node) {
    if (node->index >= r->nslots) {
        __atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    node_slot *slot = &r->slots[node->index];
    slot->node_name = node->node->name;
    return slot;
}

/* A message as the simulator shows it: reasons joined by ", ". */
static char *joined(const char *message) {
    char *text = xstrdup(message);
    strbuf sb;
    strbuf_init(&sb);
    for (const char *p = text; *p; p++) {
        if (*p == SL_REASON_SEP)
            strbuf_puts(&sb, ", ");
        else
            strbuf_putc(&sb, *p);
    }
    free(text);
    char *out = xstrdup(strbuf_cstr(&sb));
    strbuf_free(&sb);
    return out;
}

static const char *raw_message(sl_status s) {
    return s.message && *s.message ? s.message : sl_code_name(s.code);
}

static json_t *status_text(sl_status s, const char *success_word) {
    if (s.code == SL_SUCCESS) return json_string(success_word);
    if (s.code == SL_SKIP) return json_string("skip");
    char *text = joined(raw_message(s));
    json_t *v = json_string(text);
    free(text);
    return v;
}

static void set_in(json_t **obj, const char *key, json_t *value) {
    if (!*obj) *obj = json_object();
    json_object_set_new(*obj, key, value);
}

/* ---- callbacks ---- */

static void on_pre_filter(void *user, const char *plugin, sl_status status);
static void on_filter(void *user, const sl_node_info *node, const char *plugin, sl_status status);
static void on_score(void *user, const sl_node_info *node, const char *plugin, int64_t raw);
static void on_final_score(void *user, const sl_node_info *node, const char *plugin, int64_t value);

static void debug_note(explain_recorder *r, const char *point, const char *plugin, sl_status s) {
    if (!r->debug_log || s.code == SL_SUCCESS || s.code == SL_SKIP) return;
    char *text = joined(raw_message(s));
    char *note = xasprintf("%s %s: %s %s", point, plugin, sl_code_name(s.code), text);
    json_array_append_new(r->debug_notes, json_string(note));
    free(note);
    free(text);
}

static void pod_key_of(const sl_pod_info *pod, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", pod->pod->namespace_, pod->pod->name);
}

static void on_cycle_start(void *user, const sl_pod_info *pod, uint32_t attempt) {
    explain_recorder *r = user;
    char key[512];
    pod_key_of(pod, key, sizeof key);
    r->active = r->all_pods || strmap_get(&r->wanted, key) != NULL;
    r->pod = pod;
    r->attempt = attempt;
    json_array_clear(r->debug_notes);
    /* Per-node callbacks only for explained pods: the others keep the
     * parallel Filter path and record nothing. */
    r->hooks.filter = r->active ? on_filter : NULL;
    r->hooks.score = r->active ? on_score : NULL;
    r->hooks.final_score = r->active ? on_final_score : NULL;
    r->hooks.pre_filter = r->active || r->debug_log ? on_pre_filter : NULL;
    if (!r->active) return;
    for (uint32_t i = 0; i < r->nslots; i++)
        if (r->slots[i].node_name) slot_clear(&r->slots[i]);
    json_decref(r->prefilter);
    json_decref(r->postfilter);
    json_decref(r->extenders);
    r->prefilter = json_object();
    r->postfilter = json_object();
    r->extenders = NULL;
}

/* An extender call of an explained pod: its answer as received, status and
 * latency (the simulator's extender-<verb>-result annotations). */
static void on_extender(void *user, const char *extender, const char *verb, const json_t *answer,
                        sl_status status, int64_t latency_ns) {
    explain_recorder *r = user;
    if (!r->active) return;
    if (!r->extenders) r->extenders = json_object();
    json_t *by_verb = json_object_get(r->extenders, extender);
    if (!by_verb) {
        by_verb = json_object();
        json_object_set_new(r->extenders, extender, by_verb);
    }
    json_t *call = json_object();
    json_object_set_new(call, "status", status_text(status, "success"));
    json_object_set_new(call, "latencyMs", json_real((double)latency_ns / 1e6));
    json_object_set_new(call, "result", answer ? json_deep_copy(answer) : json_null());
    json_object_set_new(by_verb, verb, call);
}

static void on_pre_filter(void *user, const char *plugin, sl_status status) {
    explain_recorder *r = user;
    debug_note(r, "PreFilter", plugin, status);
    if (r->active && r->prefilter) json_object_set_new(r->prefilter, plugin, status_text(status, "success"));
}

static void on_filter(void *user, const sl_node_info *node, const char *plugin, sl_status status) {
    node_slot *slot = slot_for(user, node);
    if (!slot) return;
    set_in(&slot->filter, plugin, status_text(status, "passed"));
    if (status.code != SL_SUCCESS && status.code != SL_SKIP && !slot->rejected_by) {
        slot->rejected_by = plugin;
        slot->rejected_code = status.code;
        slot->reasons = xstrdup(raw_message(status));
    }
}

static void on_score(void *user, const sl_node_info *node, const char *plugin, int64_t raw) {
    node_slot *slot = slot_for(user, node);
    if (slot) set_in(&slot->score, plugin, json_integer(raw));
}

static void on_final_score(void *user, const sl_node_info *node, const char *plugin, int64_t value) {
    node_slot *slot = slot_for(user, node);
    if (!slot) return;
    set_in(&slot->final_score, plugin, json_integer(value));
    slot->total += value;
    slot->scored = true;
}

static void on_post_filter(void *user, const char *plugin, sl_status status, const char *nominated) {
    explain_recorder *r = user;
    if (r->observer && r->pod) r->observer(r->observer_ctx, r->pod, plugin, nominated);
    debug_note(r, "PostFilter", plugin, status);
    if (r->debug_log && nominated && *nominated) {
        char *note = xasprintf("PostFilter %s: nominated node %s", plugin, nominated);
        json_array_append_new(r->debug_notes, json_string(note));
        free(note);
    }
    if (!r->active || !r->postfilter) return;
    json_t *v = status_text(status, "success");
    if (nominated && *nominated) {
        char *text = xasprintf("%s (nominated node %s)", json_string_value(v), nominated);
        json_decref(v);
        v = json_string(text);
        free(text);
    }
    json_object_set_new(r->postfilter, plugin, v);
}

static void on_pre_score(void *user, const char *plugin, sl_status status) {
    debug_note(user, "PreScore", plugin, status);
}
static void on_reserve(void *user, const char *plugin, sl_status status) {
    debug_note(user, "Reserve", plugin, status);
}
static void on_permit(void *user, const char *plugin, sl_status status, int64_t timeout_ms) {
    (void)timeout_ms;
    debug_note(user, "Permit", plugin, status);
}
static void on_pre_bind(void *user, const char *plugin, sl_status status) {
    debug_note(user, "PreBind", plugin, status);
}
static void on_bind(void *user, const char *plugin, sl_status status) {
    debug_note(user, "Bind", plugin, status);
}

/* ---- the summary ---- */

static int cmp_by_nodes(const void *a, const void *b) {
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    json_int_t nx = json_integer_value(json_object_get(x, "nodes"));
    json_int_t ny = json_integer_value(json_object_get(y, "nodes"));
    if (nx != ny) return nx > ny ? -1 : 1;
    const char *field = json_object_get(x, "plugin") ? "plugin" : "reason";
    return strcmp(json_string_value(json_object_get(x, field)), json_string_value(json_object_get(y, field)));
}

/* {key: n} -> [{"<field>": key, "nodes": n}] sorted by count, then name. */
static json_t *sorted_counts(const json_t *counts, const char *field) {
    size_t n = json_object_size(counts), i = 0;
    json_t **items = xcalloc(n + 1, sizeof *items);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)counts, key, v) {
        items[i++] = json_pack("{s:s, s:I}", field, key, "nodes", json_integer_value(v));
    }
    if (n) qsort(items, n, sizeof *items, cmp_by_nodes);
    json_t *out = json_array();
    for (i = 0; i < n; i++) json_array_append_new(out, items[i]);
    free(items);
    return out;
}

typedef struct ranked {
    const node_slot *slot;
    bool selected;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->slot->total != y->slot->total) return x->slot->total > y->slot->total ? -1 : 1;
    if (x->selected != y->selected) return x->selected ? -1 : 1;
    return strcmp(x->slot->node_name, y->slot->node_name);
}

static json_t *build_summary(explain_recorder *r, const char *selected, sl_status result) {
    uint32_t evaluated = 0, feasible = 0;
    json_t *by_plugin = json_object();     /* plugin -> {nodes, reasons: {reason: n}} */
    json_t *errors = json_array();
    VEC(ranked) scored = {0};
    for (uint32_t i = 0; i < r->nslots; i++) {
        node_slot *slot = &r->slots[i];
        if (!slot->node_name) continue;
        if (slot->filter) evaluated++;
        if (slot->filter && !slot->rejected_by) feasible++;
        if (slot->scored) {
            ranked rk = {slot, selected && !strcmp(selected, slot->node_name)};
            VEC_PUSH(&scored, rk);
        }
        if (!slot->rejected_by) continue;
        if (slot->rejected_code == SL_ERROR) {
            if (json_array_size(errors) < 20)
                json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "node", slot->node_name, "plugin",
                                                        slot->rejected_by, "message", slot->reasons));
            continue;
        }
        json_t *entry = json_object_get(by_plugin, slot->rejected_by);
        if (!entry) {
            entry = json_pack("{s:I, s:o}", "nodes", (json_int_t)0, "reasons", json_object());
            json_object_set_new(by_plugin, slot->rejected_by, entry);
        }
        json_object_set_new(entry, "nodes", json_integer(json_integer_value(json_object_get(entry, "nodes")) + 1));
        /* As the FitError histogram: each reason of the status counts once per node. */
        json_t *reasons = json_object_get(entry, "reasons");
        char *copy = xstrdup(slot->reasons);
        for (char *save = NULL, *reason = strtok_r(copy, "\n", &save); reason; reason = strtok_r(NULL, "\n", &save)) {
            json_t *c = json_object_get(reasons, reason);
            json_object_set_new(reasons, reason, json_integer(c ? json_integer_value(c) + 1 : 1));
        }
        free(copy);
    }
    /* rejected: [{plugin, nodes, reasons: [{reason, nodes}]}], most nodes first. */
    size_t np = json_object_size(by_plugin), k = 0;
    json_t **items = xcalloc(np + 1, sizeof *items);
    const char *plugin;
    json_t *entry;
    json_object_foreach(by_plugin, plugin, entry) {
        items[k++] = json_pack("{s:s, s:O, s:o}", "plugin", plugin, "nodes", json_object_get(entry, "nodes"),
                               "reasons", sorted_counts(json_object_get(entry, "reasons"), "reason"));
    }
    if (np) qsort(items, np, sizeof *items, cmp_by_nodes);
    json_t *rejected = json_array();
    for (k = 0; k < np; k++) json_array_append_new(rejected, items[k]);
    free(items);
    json_decref(by_plugin);

    /* top: the K best final totals; ties among all scored nodes flagged. */
    if (scored.len) qsort(scored.items, scored.len, sizeof *scored.items, cmp_ranked);
    json_t *top = json_array();
    uint32_t tied_at_top = 0;
    for (size_t i = 0; i < scored.len && scored.items[i].slot->total == scored.items[0].slot->total; i++) tied_at_top++;
    for (size_t i = 0; i < scored.len && i < r->top_k; i++) {
        const node_slot *slot = scored.items[i].slot;
        bool tie = (i > 0 && scored.items[i - 1].slot->total == slot->total) ||
                   (i + 1 < scored.len && scored.items[i + 1].slot->total == slot->total);
        json_array_append_new(top, json_pack("{s:s, s:I, s:O, s:b, s:b}", "node", slot->node_name, "total",
                                             (json_int_t)slot->total, "plugins", slot->final_score,
                                             "selected", scored.items[i].selected, "tie", tie));
    }
    VEC_FREE(&scored);

    json_t *summary = json_object();
    json_object_set_new(summary, "attempt", json_integer(r->attempt));
    json_object_set_new(summary, "nodes", json_pack("{s:I, s:I, s:I}", "total", (json_int_t)r->nnodes,
                                                     "evaluated", (json_int_t)evaluated, "feasible",
                                                     (json_int_t)feasible));
    json_object_set(summary, "prefilter", r->prefilter);
    json_object_set_new(summary, "rejected", rejected);
    json_object_set_new(summary, "errors", errors);
    json_object_set(summary, "postfilter", r->postfilter);
    json_object_set_new(summary, "top", top);
    json_object_set_new(summary, "tiedAtTop", json_integer(tied_at_top));
    json_object_set_new(summary, "selectedNode", selected ? json_string(selected) : json_null());
    json_object_set_new(summary, "result", status_text(result, "success"));
    return summary;
}

static void on_cycle_end(void *user, const sl_pod_info *pod, const char *selected_node, sl_status result) {
    explain_recorder *r = user;
    char key[512];
    pod_key_of(pod, key, sizeof key);
    if (r->debug_log) {
        strbuf sb;
        strbuf_init(&sb);
        strbuf_printf(&sb, "attempt %" PRIu32 " of pod %s: ", r->attempt, key);
        if (selected_node) {
            strbuf_printf(&sb, "scheduled on %s", selected_node);
        } else {
            char *text = joined(raw_message(result));
            strbuf_printf(&sb, "%s: %s", sl_code_name(result.code), text);
            free(text);
        }
        size_t i;
        json_t *note;
        json_array_foreach(r->debug_notes, i, note) strbuf_printf(&sb, "; %s", json_string_value(note));
        log_debug("%s", strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    r->pod = NULL;
    if (!r->active) return;
    json_t *filter = json_object(), *score = json_object(), *final_score = json_object();
    for (uint32_t i = 0; i < r->nslots; i++) {
        node_slot *slot = &r->slots[i];
        if (!slot->node_name) continue;
        if (slot->filter) json_object_set(filter, slot->node_name, slot->filter);
        if (slot->score) json_object_set(score, slot->node_name, slot->score);
        if (slot->final_score) json_object_set(final_score, slot->node_name, slot->final_score);
    }
    json_t *explain = json_object();
    json_object_set(explain, "prefilter", r->prefilter);
    json_object_set_new(explain, "filter", filter);
    json_object_set_new(explain, "score", score);
    json_object_set_new(explain, "finalscore", final_score);
    if (r->extenders && json_object_size(r->extenders)) json_object_set(explain, "extenders", r->extenders);
    json_object_set_new(explain, "selectedNode", selected_node ? json_string(selected_node) : json_null());
    json_object_set_new(r->by_pod, key, explain);
    json_object_set_new(r->summaries, key, build_summary(r, selected_node, result));
    if (r->debug_log) {
        char *text = json_dumps(json_object_get(r->summaries, key), JSON_COMPACT);
        log_debug("explain %s: %s", key, text ? text : "?");
        free(text);
    }
    r->active = false;
}

/* ---- the public side ---- */

explain_recorder *explain_new(uint32_t nnodes, bool all_pods, uint32_t top_k, bool debug_log) {
    explain_recorder *r = xcalloc(1, sizeof *r);
    r->nnodes = nnodes;
    /* Headroom for nodes the store may index past the input count. */
    r->nslots = nnodes + 16;
    r->slots = xcalloc(r->nslots, sizeof *r->slots);
    r->top_k = top_k;
    r->all_pods = all_pods;
    r->debug_log = debug_log;
    strmap_init(&r->wanted);
    r->by_pod = json_object();
    r->summaries = json_object();
    r->debug_notes = json_array();
    r->prefilter = json_object();
    r->postfilter = json_object();
    sl_recorder *h = &r->hooks;
    h->user = r;
    h->cycle_start = on_cycle_start;
    h->cycle_end = on_cycle_end;
    h->pre_filter = on_pre_filter;
    h->post_filter = on_post_filter;
    h->extender = on_extender;
    if (debug_log) {
        h->pre_score = on_pre_score;
        h->reserve = on_reserve;
        h->permit = on_permit;
        h->pre_bind = on_pre_bind;
        h->bind = on_bind;
    }
    return r;
}

void explain_observe_post_filter(explain_recorder *r, explain_post_filter_fn fn, void *ctx) {
    r->observer = fn;
    r->observer_ctx = ctx;
}

void explain_want_pod(explain_recorder *r, const char *key) { strmap_put(&r->wanted, key, (void *)1); }

sl_recorder *explain_hooks(explain_recorder *r) { return &r->hooks; }

bool explain_wants(const explain_recorder *r, const char *key) {
    return r->all_pods || strmap_get(&r->wanted, key) != NULL;
}

const json_t *explain_object(const explain_recorder *r, const char *key) { return json_object_get(r->by_pod, key); }

const json_t *explain_summary(const explain_recorder *r, const char *key) {
    return json_object_get(r->summaries, key);
}

uint64_t explain_dropped(const explain_recorder *r) { return r->dropped; }

void explain_free(explain_recorder *r) {
    if (!r) return;
    for (uint32_t i = 0; i < r->nslots; i++) slot_clear(&r->slots[i]);
    free(r->slots);
    strmap_free(&r->wanted);
    json_decref(r->prefilter);
    json_decref(r->postfilter);
    json_decref(r->extenders);
    json_decref(r->debug_notes);
    json_decref(r->by_pod);
    json_decref(r->summaries);
    free(r);
}

/* Verdicts of a {plugin: text} map other than `quiet`, as " p=text". */
static void print_verdicts(FILE *out, const char *label, const json_t *map, const char *quiet) {
    const char *plugin;
    json_t *v;
    bool any = false;
    json_object_foreach((json_t *)map, plugin, v) {
        const char *text = json_string_value(v);
        if (!text || !strcmp(text, quiet) || !strcmp(text, "skip")) continue;
        if (!any) fprintf(out, "    %s:", label);
        fprintf(out, " %s=%s", plugin, text);
        any = true;
    }
    if (any) fputc('\n', out);
}

void explain_print_summary(FILE *out, const json_t *s) {
    if (!s) return;
    const json_t *nodes = json_object_get(s, "nodes");
    fprintf(out, "    attempt %lld: %lld/%lld nodes evaluated, %lld feasible\n",
            (long long)json_integer_value(json_object_get(s, "attempt")),
            (long long)json_integer_value(json_object_get(nodes, "evaluated")),
            (long long)json_integer_value(json_object_get(nodes, "total")),
            (long long)json_integer_value(json_object_get(nodes, "feasible")));
    print_verdicts(out, "prefilter", json_object_get(s, "prefilter"), "success");
    size_t i, j;
    json_t *e, *reason;
    json_array_foreach(json_object_get(s, "rejected"), i, e) {
        fprintf(out, "    rejected by %s on %lld nodes:", json_string_value(json_object_get(e, "plugin")),
                (long long)json_integer_value(json_object_get(e, "nodes")));
        json_array_foreach(json_object_get(e, "reasons"), j, reason)
            fprintf(out, "%s %lld %s", j ? "," : "", (long long)json_integer_value(json_object_get(reason, "nodes")),
                    json_string_value(json_object_get(reason, "reason")));
        fputc('\n', out);
    }
    json_array_foreach(json_object_get(s, "errors"), i, e)
        fprintf(out, "    error on %s from %s: %s\n", json_string_value(json_object_get(e, "node")),
                json_string_value(json_object_get(e, "plugin")), json_string_value(json_object_get(e, "message")));
    print_verdicts(out, "postfilter", json_object_get(s, "postfilter"), "");
    json_array_foreach(json_object_get(s, "top"), i, e) {
        fprintf(out, "    %s %s score=%lld", i == 0 ? "top" : "   ", json_string_value(json_object_get(e, "node")),
                (long long)json_integer_value(json_object_get(e, "total")));
        const char *plugin;
        json_t *v;
        fputs(" (", out);
        bool first = true;
        json_object_foreach(json_object_get(e, "plugins"), plugin, v) {
            fprintf(out, "%s%s=%lld", first ? "" : " ", plugin, (long long)json_integer_value(v));
            first = false;
        }
        fputc(')', out);
        if (json_is_true(json_object_get(e, "selected"))) fputs(" <- selected", out);
        if (json_is_true(json_object_get(e, "tie"))) fputs(" [tie]", out);
        fputc('\n', out);
    }
    if (json_array_size(json_object_get(s, "top")) == 0 && json_is_string(json_object_get(s, "selectedNode")))
        fprintf(out, "    selected %s (not scored: the only feasible node)\n",
                json_string_value(json_object_get(s, "selectedNode")));
    json_int_t tied = json_integer_value(json_object_get(s, "tiedAtTop"));
    if (tied > 1) fprintf(out, "    %lld nodes tie for the best score: the scheduler picked one at random (seeded)\n", (long long)tied);
    const char *result = json_string_value(json_object_get(s, "result"));
    if (result && strcmp(result, "success") != 0) fprintf(out, "    result: %s\n", result);
}
