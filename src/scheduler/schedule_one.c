/*
 * schedule_one.c — one pod's way through the scheduler: the scheduling
 * cycle (snapshot, PreFilter, nominated-node fast path, Filter over nodes,
 * PostFilter, PreScore/Score, host selection, assume, Reserve, Permit) and
 * the binding cycle (PreBind, Bind, PostBind), with upstream's failure
 * handling (upstream's scheduleOne and its failure handler).
 *
 * Filter and the early stop. Upstream evaluates nodes in parallel from
 * nextStartNodeIndex and cancels once numFeasibleNodesToFind nodes passed;
 * which nodes were evaluated then depends on goroutine timing. schedlab
 * makes it deterministic: the result is exactly what a sequential scan
 * (upstream with parallelism 1) gives — nodes are examined in order, the
 * first k feasible ones are kept, failures are recorded up to the point
 * where the (k+1)-th feasible node would have been found, and
 * nextStartNodeIndex advances by feasible + recorded failures. The workers
 * claim chunks in increasing order (parallel.h), count feasible nodes per
 * chunk and stop claiming once more than k have been found; the finished
 * chunks are then a prefix that contains the sequential cut, and one pass
 * over it on the scheduling thread rebuilds the sequential result. The
 * price is at most one chunk per worker of wasted Filter calls.
 *
 * Host selection is upstream v1.30's selectHost: the highest total wins,
 * ties broken uniformly at random by reservoir sampling, with the
 * scheduler's seeded rng, over the feasible nodes in evaluation order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extender/extender.h"
#include "scheduler/scheduler_internal.h"

#define MIN_FEASIBLE_NODES_TO_FIND 100
#define MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND 5
#define NOTE_LENGTH_LIMIT 1024

/* Why an attempt failed (upstream Diagnosis) and what to do about it. */
typedef struct attempt {
    const sl_framework *fw;       /* the pod's profile */
    const char *memo_plugin;      /* one-entry memo of plugin -> events */
    uint32_t memo_events;
    sl_node_status_map *statuses;
    uint32_t events;              /* union of the rejecting plugins' events */
    bool pending;                 /* some plugin returned Pending */
    bool fit_error;               /* message is a FitError */
    const char *prefilter_msg;
    const char *postfilter_msg;
    uint32_t num_all_nodes;
    const char *message;          /* the failure message */
    /* nominatedNodeName to write: set_nomination false = leave as is */
    bool set_nomination;
    const char *nomination;
    /* success */
    const char *host;
    uint32_t evaluated, feasible;
} attempt;

/* ------------------------------------------------------------------ */
/* Diagnosis helpers                                                    */
/* ------------------------------------------------------------------ */

static void diagnosis_add(attempt *a, sl_status st) {
    if (!st.plugin) return;
    if (sl_status_is_rejected(st)) {
        /* Rejections come in runs from the same plugin. */
        if (st.plugin != a->memo_plugin) {
            a->memo_plugin = st.plugin;
            a->memo_events = sl_framework_plugin_events(a->fw, st.plugin);
        }
        a->events |= a->memo_events;
    }
    if (st.code == SL_PENDING) a->pending = true;
}

static char *cycle_strndup(sl_cycle *c, const char *s, size_t n) {
    char *p = sl_cycle_alloc(c, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

typedef struct reason_count {
    const char *reason;
    uint32_t count;
} reason_count;

typedef struct histogram {
    reason_count *slots;
    uint32_t cap, n;
} histogram;

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void histogram_add(sl_cycle *c, histogram *h, const char *reason, size_t len,
                          uint32_t count) {
    if ((h->n + 1) * 2 > h->cap) {
        uint32_t ncap = h->cap ? h->cap * 2 : 64;
        reason_count *ns = sl_cycle_alloc(c, ncap * sizeof(*ns));
        memset(ns, 0, ncap * sizeof(*ns));
        for (uint32_t i = 0; i < h->cap; i++) {
            if (!h->slots[i].reason) continue;
            uint64_t hh = hash_bytes(h->slots[i].reason, strlen(h->slots[i].reason));
            uint32_t j = (uint32_t)(hh & (ncap - 1));
            while (ns[j].reason) j = (j + 1) & (ncap - 1);
            ns[j] = h->slots[i];
        }
        h->slots = ns;
        h->cap = ncap;
    }
    uint32_t j = (uint32_t)(hash_bytes(reason, len) & (h->cap - 1));
    while (h->slots[j].reason) {
        if (strncmp(h->slots[j].reason, reason, len) == 0 && h->slots[j].reason[len] == 0) {
            h->slots[j].count += count;
            return;
        }
        j = (j + 1) & (h->cap - 1);
    }
    h->slots[j].reason = cycle_strndup(c, reason, len);
    h->slots[j].count = count;
    h->n++;
}

/* Splits a status message into its reasons ('\n'-separated) and counts
 * each `count` times. A status without a message has no reasons. */
static void histogram_add_status(sl_cycle *c, histogram *h, sl_status st, uint32_t count) {
    const char *m = st.message;
    if (!m || !m[0] || count == 0) return;
    for (;;) {
        const char *end = strchr(m, SL_REASON_SEP);
        size_t len = end ? (size_t)(end - m) : strlen(m);
        histogram_add(c, h, m, len, count);
        if (!end) break;
        m = end + 1;
    }
}

static int compare_cstrings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* upstream FitError.Error():
 *   "0/N nodes are available: <PreFilterMsg>. <histogram>. <PostFilterMsg>"
 * where the histogram ("count reason", sorted as strings, joined by ", ")
 * is left out when PreFilter rejected the pod. */
static const char *fit_error_message(sl_cycle *c, const attempt *a) {
    strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "0/%u nodes are available:", a->num_all_nodes);
    if (a->prefilter_msg && a->prefilter_msg[0]) {
        strbuf_printf(&sb, " %s.", a->prefilter_msg);
    } else {
        histogram h = {0};
        const sl_node_status_map *m = a->statuses;
        for (uint32_t i = 0; m->present && i < m->capacity; i++)
            if (m->present[i]) histogram_add_status(c, &h, m->statuses[i], 1);
        if (m->count < a->num_all_nodes)
            histogram_add_status(c, &h, m->absent, a->num_all_nodes - m->count);
        if (h.n) {
            char **lines = sl_cycle_alloc(c, h.n * sizeof(char *));
            uint32_t k = 0;
            for (uint32_t i = 0; i < h.cap; i++)
                if (h.slots[i].reason)
                    lines[k++] = sl_cycle_printf(c, "%u %s", h.slots[i].count, h.slots[i].reason);
            qsort(lines, k, sizeof(char *), compare_cstrings);
            strbuf_putc(&sb, ' ');
            for (uint32_t i = 0; i < k; i++) {
                if (i) strbuf_puts(&sb, ", ");
                strbuf_puts(&sb, lines[i]);
            }
            strbuf_putc(&sb, '.');
        }
    }
    if (a->postfilter_msg && a->postfilter_msg[0]) strbuf_printf(&sb, " %s", a->postfilter_msg);
    char *out = sl_cycle_printf(c, "%s", strbuf_cstr(&sb));
    strbuf_free(&sb);
    return out;
}

/* A FitError about the one chosen node (Reserve, Permit rejections). */
static const char *single_node_fit_error(sl_cycle *c, attempt *a, uint32_t node_index,
                                         sl_status st) {
    a->statuses = sl_node_status_map_new(c, node_index + 1);
    sl_node_status_map_set(a->statuses, node_index, st);
    a->num_all_nodes = 1;
    a->prefilter_msg = a->postfilter_msg = NULL;
    diagnosis_add(a, st);
    /* The only node is present, so the absent status does not count. */
    a->statuses->absent = sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, NULL);
    a->fit_error = true;
    return fit_error_message(c, a);
}

/* ------------------------------------------------------------------ */
/* Filter over nodes                                                    */
/* ------------------------------------------------------------------ */

static uint32_t num_feasible_nodes_to_find(const sl_scheduler *s, const sl_framework *fw,
                                           uint32_t n) {
    if (n < MIN_FEASIBLE_NODES_TO_FIND) return n;
    int32_t pct = sl_framework_percentage_of_nodes_to_score(fw);
    if (pct < 0) pct = s->config->percentage_of_nodes_to_score;
    if (pct <= 0) {
        pct = 50 - (int32_t)(n / 125);
        if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
    }
    uint64_t k = (uint64_t)n * (uint64_t)pct / 100;
    if (k < MIN_FEASIBLE_NODES_TO_FIND) return MIN_FEASIBLE_NODES_TO_FIND;
    return (uint32_t)k;
}

typedef struct filter_job {
    sl_framework *fw;
    sl_cycle *c;
    const sl_pod_info *pod;
    sl_node_info *const *nodes;
    uint32_t n, start, want;
    sl_status *status_at;         /* by position in evaluation order */
    bool with_nominated;          /* some pod is nominated somewhere */
    atomic_uint feasible;
    atomic_bool stop;
} filter_job;

/* Runs Filter on the nodes at positions [begin, end) of the scan into
 * status_at. Those nodes are contiguous in `nodes` except where the scan
 * wraps around, so they go to the framework as at most two runs (it
 * evaluates a run plugin by plugin, much cheaper than node by node). */
static void filter_positions(filter_job *job, uint32_t begin, uint32_t end) {
    uint32_t n = job->n;
    uint32_t idx = job->start + begin;
    if (idx >= n) idx %= n;
    if (UNLIKELY(job->with_nominated)) {
        for (uint32_t pos = begin; pos < end; pos++) {
            job->status_at[pos] = sl_framework_run_filters(job->fw, job->c, job->pod, job->nodes[idx]);
            if (++idx == n) idx = 0;
        }
        return;
    }
    for (uint32_t pos = begin; pos < end;) {
        uint32_t len = end - pos;
        if (len > n - idx) len = n - idx;
        sl_framework_run_filter_plugins_on(job->fw, job->c, job->pod, job->nodes + idx, len,
                                           job->status_at + pos);
        pos += len;
        idx = 0;
    }
}

static void filter_range(void *ctx, uint32_t begin, uint32_t end, uint32_t participant) {
    (void)participant;
    filter_job *job = ctx;
    uint32_t found = 0;
    filter_positions(job, begin, end);
    for (uint32_t pos = begin; pos < end; pos++) {
        sl_status st = job->status_at[pos];
        if (LIKELY(st.code == SL_SUCCESS)) {
            found++;
        } else if (st.code == SL_ERROR) {
            atomic_store_explicit(&job->stop, true, memory_order_relaxed);
        }
    }
    uint32_t total = atomic_fetch_add_explicit(&job->feasible, found, memory_order_relaxed) + found;
    if (total > job->want) atomic_store_explicit(&job->stop, true, memory_order_relaxed);
}

/* The single-threaded scan: no wasted Filter calls, and a recorder sees
 * exactly the nodes upstream (parallelism 1) would have evaluated. Returns
 * how many positions were evaluated. */
static uint32_t filter_sequential(filter_job *job) {
    /* Nodes go to Filter in blocks no longer than the number of feasible
     * nodes still wanted, so the scan never passes the node that ends the
     * search (only a Filter error can end it inside a block; the nodes
     * after it are evaluated for nothing). A recorder listening to Filter
     * gets blocks of one: it must see exactly upstream's calls. */
    const sl_recorder *rec = sl_framework_recorder(job->fw);
    bool exact = rec != NULL && rec->filter != NULL;
    uint32_t found = 0, n = job->n, pos = 0;
    while (pos < n) {
        uint32_t block = exact ? 1 : job->want + 1 - found;
        if (block > n - pos) block = n - pos;
        uint32_t end = pos + block;
        filter_positions(job, pos, end);
        for (; pos < end; pos++) {
            sl_status st = job->status_at[pos];
            if (st.code == SL_SUCCESS) {
                if (++found > job->want) return pos + 1;
            } else if (st.code == SL_ERROR) {
                return pos + 1;
            }
        }
    }
    return n;
}

/* upstream findNodesThatPassFilters over `nodes` (all nodes, or the
 * PreFilterResult set). Fills feasible[], records failures in a->statuses,
 * advances nextStartNodeIndex. Returns Error status on a Filter error. */
/* upstream's Filter extension-point duration: one observation per
 * findNodesThatPassFilters that runs Filter plugins, over all its nodes. */
static sl_status filter_point_done(sl_framework *fw, int64_t started_ns, sl_status st) {
    const sl_recorder *rec = sl_framework_recorder(fw);
    if (UNLIKELY(rec != NULL) && rec->extension_point)
        rec->extension_point(rec->user, sl_framework_profile_name(fw), "Filter", st, time_now_ns() - started_ns);
    return st;
}

static sl_status find_nodes_that_pass_filters(sl_scheduler *s, sl_framework *fw, sl_cycle *c,
                                              const sl_pod_info *pod, attempt *a,
                                              sl_node_info *const *nodes, uint32_t n,
                                              uint32_t num_all_nodes, bool advance_start,
                                              sl_node_info **feasible, uint32_t *nfeasible) {
    *nfeasible = 0;
    if (n == 0) return SL_STATUS_SUCCESS;
    uint32_t want = num_feasible_nodes_to_find(s, fw, n);
    if (!sl_framework_has_score_plugins(fw) && s->nextenders == 0) want = 1; /* no scoring */
    uint32_t start = s->next_start_node_index % n;

    if (!sl_framework_has_filter_plugins(fw)) {
        uint32_t k = want < n ? want : n;
        for (uint32_t i = 0; i < k; i++) feasible[i] = nodes[(start + i) % n];
        *nfeasible = k;
        if (advance_start) s->next_start_node_index = (s->next_start_node_index + k) % num_all_nodes;
        return SL_STATUS_SUCCESS;
    }

    filter_job job;
    job.fw = fw;
    job.c = c;
    job.pod = pod;
    job.nodes = nodes;
    job.n = n;
    job.start = start;
    job.want = want;
    job.status_at = sl_cycle_alloc(c, n * sizeof(sl_status));
    job.with_nominated = sl_queue_nominated_count(s->queue) > 0;
    atomic_init(&job.feasible, 0);
    atomic_init(&job.stop, false);

    /* Small chunks keep the overshoot past the cut small; large enough
     * that claiming one (a CAS) is noise next to the Filter calls. */
    uint32_t threads = sl_worker_pool_threads(s->pool);
    uint32_t chunk = want / (threads * 8);
    if (chunk < 8) chunk = 8;
    if (chunk > 64) chunk = 64;
    /* A recorder listening to Filter (schedule --explain, the simulator)
     * must see exactly the nodes upstream with parallelism 1 evaluates —
     * the parallel scan may evaluate a few past the cut, depending on
     * thread timing — so explained runs stay reproducible from the seed. */
    const sl_recorder *rec = sl_framework_recorder(fw);
    bool recorded = rec != NULL && rec->filter != NULL;
    /* Small scans (sl_parallel_worth_it) run on this thread alone. */
    bool parallel = n >= 2 * chunk && !recorded && threads > 1 &&
                    sl_parallel_worth_it(s->pool, SL_PARALLEL_FILTER);
    int64_t started_ns = time_now_ns();
    uint32_t finished;
    if (parallel) {
        finished = sl_parallel_for(s->pool, n, chunk, filter_range, &job, &job.stop);
    } else {
        /* One thread: scan in order and stop right after the node that
         * ends the search, like upstream with parallelism 1. */
        finished = filter_sequential(&job);
    }
    sl_parallel_record(s->pool, SL_PARALLEL_FILTER, time_now_ns() - started_ns,
                       parallel ? threads : 1);

    /* Rebuild the sequential result from the finished prefix. */
    uint32_t found = 0, failed = 0;
    uint32_t idx = start;
    for (uint32_t pos = 0; pos < finished; pos++) {
        sl_status st = job.status_at[pos];
        sl_node_info *node = nodes[idx];
        if (++idx == n) idx = 0;
        if (st.code == SL_SUCCESS) {
            if (found == want) break; /* the (k+1)-th feasible node: stop here */
            feasible[found++] = node;
            continue;
        }
        if (st.code == SL_ERROR) {
            if (advance_start)
                s->next_start_node_index =
                    (s->next_start_node_index + found + failed) % num_all_nodes;
            return filter_point_done(fw, started_ns, st);
        }
        sl_node_status_map_set(a->statuses, node->index, st);
        diagnosis_add(a, st);
        failed++;
    }
    *nfeasible = found;
    if (advance_start)
        s->next_start_node_index = (s->next_start_node_index + found + failed) % num_all_nodes;
    return filter_point_done(fw, started_ns, SL_STATUS_SUCCESS);
}

/* upstream findNodesThatPassExtenders over the nodes the Filter plugins
 * kept. Nodes an extender removed make the pod retry on any cluster event
 * (upstream adds the pseudo-plugin "Extender" to its unschedulable plugins). */
static sl_status pass_extenders(sl_scheduler *s, sl_cycle *c, const sl_pod_info *pod, attempt *a,
                                sl_node_info **feasible, uint32_t *nfeasible) {
    if (s->nextenders == 0) return SL_STATUS_SUCCESS;
    uint32_t before = *nfeasible;
    sl_status st = sl_extenders_filter(s->extenders, s->nextenders, c, pod, feasible, nfeasible,
                                       a->statuses, s->recorder);
    if (st.code == SL_SUCCESS && *nfeasible != before) a->events |= SL_EVENT_ALL;
    return st;
}

/* upstream findNodesThatFitPod. */
static sl_status find_nodes_that_fit(sl_scheduler *s, sl_framework *fw, sl_cycle *c,
                                     pod_record *rec, attempt *a, sl_node_info **feasible,
                                     uint32_t *nfeasible) {
    const sl_pod_info *pod = rec->info;
    uint32_t nall = sl_snapshot_num_nodes(s->snapshot);
    sl_node_info *const *all = sl_snapshot_nodes(s->snapshot);
    *nfeasible = 0;

    sl_prefilter_outcome pre;
    sl_status st = sl_framework_run_pre_filter(fw, c, pod, &pre);
    for (uint32_t i = 0; i < pre.nplugins_with_nodes; i++)
        a->events |= sl_framework_plugin_events(fw, pre.plugins_with_nodes[i]);
    if (st.code != SL_SUCCESS) {
        if (!sl_status_is_rejected(st)) return st;
        a->statuses->absent = st;
        a->prefilter_msg = sl_status_message_joined(c, st);
        diagnosis_add(a, st);
        return SL_STATUS_SUCCESS;
    }

    /* The nominated node (set by an earlier preemption) first. */
    const char *nominated = rec->pod->nominated_node_name;
    if (nominated && nominated[0]) {
        const sl_node_info *nn = sl_snapshot_node(s->snapshot, nominated);
        if (nn) {
            sl_node_info *one = (sl_node_info *)nn;
            uint32_t nf = 0;
            sl_status fs = find_nodes_that_pass_filters(s, fw, c, pod, a, &one, 1, nall, false,
                                                        feasible, &nf);
            if (fs.code == SL_SUCCESS) fs = pass_extenders(s, c, pod, a, feasible, &nf);
            if (fs.code == SL_SUCCESS && nf == 1) {
                *nfeasible = 1;
                return SL_STATUS_SUCCESS;
            }
        }
    }

    sl_node_info *const *nodes = all;
    uint32_t n = nall;
    if (!pre.result.all) {
        /* Keep snapshot order (upstream iterates a set: random order). */
        uint8_t *wanted = sl_cycle_alloc(c, nall ? nall : 1);
        memset(wanted, 0, nall);
        for (uint32_t i = 0; i < pre.result.nnames; i++) {
            const sl_node_info *ni = sl_snapshot_node(s->snapshot, pre.result.node_names[i]);
            if (ni && ni->index < nall) wanted[ni->index] = 1;
        }
        sl_node_info **subset = sl_cycle_alloc(c, (nall ? nall : 1) * sizeof(*subset));
        n = 0;
        for (uint32_t i = 0; i < nall; i++)
            if (wanted[i]) subset[n++] = all[i];
        nodes = subset;
        strbuf sb;
        strbuf_init(&sb);
        for (uint32_t i = 0; i < pre.nplugins_with_nodes; i++) {
            if (i) strbuf_putc(&sb, ' ');
            strbuf_puts(&sb, pre.plugins_with_nodes[i]);
        }
        a->statuses->absent = sl_status_newf(c, SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                                             "node(s) didn't satisfy plugin(s) [%s]",
                                             strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    st = find_nodes_that_pass_filters(s, fw, c, pod, a, nodes, n, nall, true, feasible,
                                      nfeasible);
    if (st.code != SL_SUCCESS) return st;
    return pass_extenders(s, c, pod, a, feasible, nfeasible);
}

/* ------------------------------------------------------------------ */
/* The scheduling algorithm (upstream schedulePod)                      */
/* ------------------------------------------------------------------ */

static sl_status schedule_pod(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                              attempt *a) {
    uint32_t nall = sl_snapshot_num_nodes(s->snapshot);
    a->num_all_nodes = nall;
    a->statuses = sl_node_status_map_new(c, nall);
    if (nall == 0) {
        a->message = "no nodes available to schedule pods";
        a->set_nomination = true;
        a->nomination = "";
        return sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, a->message);
    }
    sl_node_info **feasible = sl_cycle_alloc(c, nall * sizeof(*feasible));
    uint32_t nfeasible = 0;
    sl_status st = find_nodes_that_fit(s, fw, c, rec, a, feasible, &nfeasible);
    if (st.code != SL_SUCCESS) {
        a->message = sl_status_message_joined(c, st);
        a->set_nomination = true;
        a->nomination = "";
        return st;
    }
    if (nfeasible == 0) {
        a->fit_error = true;
        a->set_nomination = true;
        a->nomination = "";
        if (sl_framework_has_post_filter_plugins(fw)) {
            sl_post_filter_result pr = {NULL};
            sl_status ps = sl_framework_run_post_filter(fw, c, rec->info, a->statuses, &pr);
            a->postfilter_msg = sl_status_message_joined(c, ps);
            if (ps.code == SL_ERROR)
                log_warn("PostFilter for pod %s/%s: %s", rec->pod->namespace_, rec->pod->name, a->postfilter_msg);
            /* A result (a node, or "" to clear) overrides the pod's
             * nomination; no result keeps it (upstream's nil
             * PostFilterResult: nominator ModeNoop), e.g. a pod that may
             * not preempt keeps the room reserved on its nominated node. */
            if (pr.nominated_node_name) a->nomination = pr.nominated_node_name;
            else a->set_nomination = false;
        }
        a->message = fit_error_message(c, a);
        return sl_status_make(SL_UNSCHEDULABLE, a->message);
    }
    a->feasible = nfeasible;
    a->evaluated = nfeasible + a->statuses->count;
    if (nfeasible == 1) {
        a->host = feasible[0]->node->name;
        return SL_STATUS_SUCCESS;
    }

    int64_t *totals = sl_cycle_alloc(c, nfeasible * sizeof(int64_t));
    if (!sl_framework_has_score_plugins(fw) && s->nextenders == 0) {
        for (uint32_t i = 0; i < nfeasible; i++) totals[i] = 1;
    } else if (!sl_framework_has_score_plugins(fw)) {
        memset(totals, 0, nfeasible * sizeof(int64_t));
    } else {
        st = sl_framework_run_pre_score(fw, c, rec->info, feasible, nfeasible);
        if (st.code == SL_SUCCESS)
            st = sl_framework_run_score(fw, c, rec->info, feasible, nfeasible, totals);
        if (st.code != SL_SUCCESS) {
            a->message = sl_status_message_joined(c, st);
            a->set_nomination = true;
            a->nomination = "";
            return st;
        }
    }

    /* Extender scores (× weight × 10) are added to the framework's. */
    if (s->nextenders)
        sl_extenders_prioritize(s->extenders, s->nextenders, c, rec->info, feasible, nfeasible,
                                totals, s->recorder);

    /* selectHost: reservoir sampling over the maximum. */
    uint32_t selected = 0, ties = 1;
    int64_t best = totals[0];
    for (uint32_t i = 1; i < nfeasible; i++) {
        if (totals[i] > best) {
            best = totals[i];
            selected = i;
            ties = 1;
        } else if (totals[i] == best) {
            ties++;
            if (rng_below(&s->rng, ties) == 0) selected = i;
        }
    }
    a->host = feasible[selected]->node->name;
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Ending an attempt                                                    */
/* ------------------------------------------------------------------ */

static void record_latency(sl_scheduler *s, int64_t start_ns) {
    VEC_PUSH(&s->latencies, time_now_ns() - start_ns);
}

static void finish_cycle(sl_scheduler *s, pod_record *rec, sl_cycle *c) {
    sl_cycle_end(c);
    sched_return_cycle(s, c);
    rec->in_cycle = false;
    sched_release_info_if_done(s, rec);
}

/* A JSON string equal to text ("" and absent count as equal). */
static bool same_text(const json_t *v, const char *text) {
    const char *have = json_string_value(v);
    return !strcmp(have ? have : "", text ? text : "");
}

/* upstream handleSchedulingFailure. */
static void handle_failure(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                           sl_status st, attempt *a, int64_t start_ns) {
    const sl_recorder *rec_cb = s->recorder;
    bool rejected = sl_status_is_rejected(st);
    const char *reason = rejected ? "Unschedulable" : "SchedulerError";
    const char *msg = a->message ? a->message : sl_status_message_joined(c, st);

    if (!rec->removed && rec->state != SL_POD_SCHEDULED) {
        sl_failure_kind kind = !rejected ? SL_FAILURE_ERROR
                               : a->pending ? SL_FAILURE_PENDING
                                            : SL_FAILURE_UNSCHEDULABLE;
        /* Only a FitError carries unschedulable plugins. */
        uint32_t events = a->fit_error ? a->events : 0;
        sl_queue_requeue(s->queue, &rec->entry, kind, events, s->now_ns);
        if (a->set_nomination) {
            sl_queue_nominate(s->queue, &rec->entry, a->nomination);
            if (a->nomination[0]) sched_clear_lower_nominations(s, a->nomination, rec);
        }
        rec->state = rejected ? SL_POD_UNSCHEDULABLE : SL_POD_ERROR;
        free(rec->message);
        rec->message = xstrdup(msg);
    }
    record_latency(s, start_ns);
    if (UNLIKELY(rec_cb != NULL) && rec_cb->cycle_end) rec_cb->cycle_end(rec_cb->user, rec->info, NULL, st);

    /* As upstream, the event and the status write happen whether or not
     * the pod went back to the queue: a pod deleted meanwhile (the PATCH
     * fails with 404 and is only logged) or bound by someone else (a
     * binding conflict) still gets its FailedScheduling event. */
    char *note = NULL;
    if (strlen(msg) > NOTE_LENGTH_LIMIT)
        note = xasprintf("%.*s ...", NOTE_LENGTH_LIMIT - 4, msg);
    if (rec->info)
        sl_framework_event(fw, rec->info, "Warning", "FailedScheduling", note ? note : msg);
    else if (s->cluster->ops->record_event) /* the cache took the info (bound elsewhere) */
        s->cluster->ops->record_event(s->cluster, rec->pod, "Warning", "FailedScheduling", note ? note : msg);
    free(note);
    const char *nominated = a->set_nomination ? a->nomination : NULL;
    if (nominated && !strcmp(nominated, rec->pod->nominated_node_name ? rec->pod->nominated_node_name : ""))
        nominated = NULL; /* already so (or nothing to clear) */
    /* upstream updatePod: no write when the condition would not change
     * (status, reason, message) and neither would the nomination — so a
     * pod failing the same way again keeps its resourceVersion, and its
     * repeated FailedScheduling event becomes a series */
    const json_t *cur = k8s_pod_condition_raw(rec->pod, "PodScheduled");
    bool same = cur && same_text(json_object_get(cur, "status"), "False") &&
                same_text(json_object_get(cur, "reason"), reason) && same_text(json_object_get(cur, "message"), msg);
    if (!same || nominated)
        s->cluster->ops->update_pod_status(s->cluster, rec->pod, reason, msg, nominated); /* the source logs a refusal */
    finish_cycle(s, rec, c);
}

/* Undo an assumption after Reserve/Permit/binding failed. */
static void forget(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                   const char *host) {
    sl_framework_run_unreserve(fw, c, rec->info, host);
    if (rec->assumed) {
        sl_cache_forget_pod(s->cache, rec->info);
        rec->assumed = false;
    }
}

/* Reserve or Permit kept the assumed pod off host: undo the assumption and
 * fail the attempt, clearing the pod's nomination. */
static void fail_assumed(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                         const char *host, uint32_t host_index, sl_status st, int64_t start_ns) {
    forget(s, fw, c, rec, host);
    attempt a;
    memset(&a, 0, sizeof(a));
    a.fw = fw;
    a.set_nomination = true;
    a.nomination = "";
    if (sl_status_is_rejected(st)) a.message = single_node_fit_error(c, &a, host_index, st);
    handle_failure(s, fw, c, rec, st, &a, start_ns);
}

/* "Forget"ting an assumed pod frees its resources: like an assigned pod
 * deleted. The pod itself must not be moved by its own event. */
static void announce_forget(sl_scheduler *s, pod_record *rec) {
    uint32_t own = rec->entry.in_flight_events;
    /* For the pod itself the cluster is back to what its attempt saw: if
     * nothing else changed meanwhile, its attempt still counts as current
     * (otherwise a pod that always fails at Permit would keep the run
     * from ever becoming quiescent). */
    bool was_current = rec->attempt_epoch == s->epoch;
    sched_cluster_changed(s, SL_EVENT_ASSIGNED_POD_DELETE);
    if (was_current) rec->attempt_epoch = s->epoch;
    rec->entry.in_flight_events = own;
}

/* upstream handleBindingCycleError: Unreserve (reverse order), forget the
 * assumed pod (a PodDelete for the others), then the failure handler with
 * the nomination cleared. */
static void binding_failed(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                           const char *host, sl_status st, int64_t start_ns) {
    forget(s, fw, c, rec, host);
    announce_forget(s, rec);
    attempt a;
    memset(&a, 0, sizeof(a));
    a.fw = fw;
    a.message = sl_status_message_joined(c, st);
    a.set_nomination = true;
    a.nomination = "";
    handle_failure(s, fw, c, rec, st, &a, start_ns);
}

/* The bind is confirmed: the Scheduled event, PostBind, the attempt's end. */
static void binding_succeeded(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                              sl_pod_info *info, const char *host, int64_t start_ns) {
    const sl_recorder *rec_cb = s->recorder;
    /* The bind normally came back as a MODIFIED event already (memory
     * source, or the watch before the binder's report). */
    if (rec->state != SL_POD_SCHEDULED) {
        rec->state = SL_POD_SCHEDULED;
        free(rec->node);
        rec->node = xstrdup(host);
        if (!rec->removed) sl_queue_done(s->queue, &rec->entry);
    }
    s->last_bind_ns = s->now_ns;
    char *msg = xasprintf("Successfully assigned %s/%s to %s", info->pod->namespace_,
                          info->pod->name, host);
    sl_framework_event(fw, info, "Normal", "Scheduled", msg);
    free(msg);
    sl_framework_run_post_bind(fw, c, info, host);
    record_latency(s, start_ns);
    if (UNLIKELY(rec_cb != NULL) && rec_cb->cycle_end)
        rec_cb->cycle_end(rec_cb->user, info, host, SL_STATUS_SUCCESS);
    finish_cycle(s, rec, c);
}

/* Does anything of the profile run after Bind with the cycle state
 * (Unreserve on a failure, PostBind on success)? */
static bool cycle_needed_after_bind(sl_framework *fw) {
    sl_plugin *const *plugins;
    if (sl_framework_plugins_at(fw, SL_EP_POST_BIND, &plugins)) return true;
    uint32_t n = sl_framework_plugins_at(fw, SL_EP_RESERVE, &plugins);
    for (uint32_t i = 0; i < n; i++)
        if (plugins[i]->ops->unreserve) return true;
    return false;
}

static void binding_cycle(sl_scheduler *s, sl_framework *fw, sl_cycle *c, pod_record *rec,
                          const char *host, int64_t start_ns) {
    /* The bind event hands our info to the cache (info becomes NULL);
     * it stays valid for the rest of this cycle. */
    sl_pod_info *info = rec->info;
    s->bind_queued = false;
    sl_status st = sl_framework_run_pre_bind(fw, c, info, host);
    /* An interested extender with a bindVerb binds instead of the Bind
     * plugins (upstream extendersBinding). */
    if (st.code == SL_SUCCESS &&
        !(s->nextenders &&
          sl_extenders_bind(s->extenders, s->nextenders, c, info, host, &st, s->recorder)))
        st = sl_framework_run_bind(fw, c, info, host);
    bool queued = s->bind_queued;
    s->bind_queued = false;
    if (st.code != SL_SUCCESS) {
        binding_failed(s, fw, c, rec, host, st, start_ns);
        return;
    }
    if (queued) {
        /* An asynchronous source took the bind (upstream's binding
         * goroutine): the next cycle starts now; this one ends in
         * sched_bind_finished. The pod stays assumed and in flight. */
        rec->bind_node = xstrdup(host);
        rec->bind_start_ns = start_ns;
        sched_binding_add(s, rec);
        if (cycle_needed_after_bind(fw)) {
            rec->bind_cycle = c;
        } else {
            sl_cycle_end(c);
            sched_return_cycle(s, c);
        }
        return;
    }
    binding_succeeded(s, fw, c, rec, info, host, start_ns);
}

void sched_bind_finished(sl_scheduler *s, pod_record *rec, bool ok, const char *message) {
    sl_framework *fw = rec->entry.fw;
    sl_cycle *c = rec->bind_cycle;
    if (!c) {
        /* no plugin needed the cycle: a fresh one for the messages */
        c = sched_take_cycle(s);
        sl_cycle_begin(c, s->snapshot, s->config->parallelism, &s->rng);
    }
    char *host = rec->bind_node;
    int64_t start_ns = rec->bind_start_ns;
    rec->bind_node = NULL;
    rec->bind_cycle = NULL;
    sched_binding_remove(s, rec);
    if (ok) {
        binding_succeeded(s, fw, c, rec, rec->info, host, start_ns);
    } else {
        /* As upstream's Bind plugin error (DefaultBinder is the only Bind
         * plugin that binds through the cluster). */
        sl_status st = sl_status_newf(c, SL_ERROR, "running Bind plugin \"DefaultBinder\": %s",
                                      message && message[0] ? message : "binding failed");
        st.plugin = sl_framework_plugin_named(fw, "DefaultBinder")
                        ? sl_framework_plugin_named(fw, "DefaultBinder")->name
                        : NULL;
        binding_failed(s, fw, c, rec, host, st, start_ns);
    }
    free(host);
}

/* ------------------------------------------------------------------ */
/* One pod                                                              */
/* ------------------------------------------------------------------ */

void sched_schedule_one(sl_scheduler *s, pod_record *rec) {
    sl_framework *fw = rec->entry.fw;
    const sl_recorder *rec_cb = s->recorder;

    if (rec->pod->deleting) {
        /* upstream skipPodSchedule: an event and a log line, no attempt,
         * no requeue. The pod stays Pending with this as its message. */
        char *msg = xasprintf("skip schedule deleting pod: %s/%s", rec->pod->namespace_, rec->pod->name);
        sl_framework_event(fw, rec->info, "Warning", "FailedScheduling", msg);
        log_info("%s", msg);
        free(rec->message);
        rec->message = msg;
        sl_queue_done(s->queue, &rec->entry);
        return;
    }
    if (rec->assumed) {
        sl_queue_done(s->queue, &rec->entry);
        return;
    }

    s->attempts++;
    int64_t start_ns = time_now_ns();
    rec->in_cycle = true;
    rec->attempt_epoch = s->epoch;
    rec->state = SL_POD_PENDING;

    sl_cycle_arenas_reset(&s->arenas);
    sl_cache_update_snapshot(s->cache, s->snapshot);
    rec->version_mark = sched_release_versions(s, false);
    sl_cycle *c = sched_take_cycle(s);
    sl_cycle_begin(c, s->snapshot, s->config->parallelism, &s->rng);
    sl_framework_sample_plugin_metrics(fw, c); /* upstream pluginMetricsSamplePercent */
    if (UNLIKELY(rec_cb != NULL) && rec_cb->cycle_start)
        rec_cb->cycle_start(rec_cb->user, rec->info, rec->entry.qp.attempts);

    attempt a;
    memset(&a, 0, sizeof(a));
    a.fw = fw;
    sl_status st = schedule_pod(s, fw, c, rec, &a);
    if (st.code != SL_SUCCESS) {
        handle_failure(s, fw, c, rec, st, &a, start_ns);
        return;
    }
    const char *host = a.host;
    const sl_node_info *host_info = sl_snapshot_node(s->snapshot, host);
    uint32_t host_index = host_info ? host_info->index : 0;

    /* assume */
    sl_cache_assume_pod(s->cache, rec->info, host);
    rec->assumed = true;
    sl_queue_nominate(s->queue, &rec->entry, NULL);

    st = sl_framework_run_reserve(fw, c, rec->info, host);
    if (st.code != SL_SUCCESS) {
        fail_assumed(s, fw, c, rec, host, host_index, st, start_ns);
        return;
    }

    int64_t timeout_ms = 0;
    const char *wait_plugin = NULL;
    sl_permit_wait waits[SL_MAX_PLUGINS];
    uint32_t nwaits = 0;
    st = sl_framework_run_permit_waits(fw, c, rec->info, host, &timeout_ms, &wait_plugin, waits,
                                       &nwaits);
    if (st.code != SL_SUCCESS && st.code != SL_WAIT) {
        fail_assumed(s, fw, c, rec, host, host_index, st, start_ns);
        return;
    }
    if (st.code == SL_WAIT) {
        /* The pod waits holding the node until plugins allow or reject it
         * (framework.h's waiting-pod handle) or a pending plugin's deadline
         * passes; sched_expire_waiting acts on it. */
        waiting_pod *w = sched_waiting_pod_new(rec, &rec->info, fw, c, host, waits, nwaits,
                                               wait_plugin, timeout_ms, s->now_ns, start_ns);
        VEC_PUSH(&s->waiting, w);
        return;
    }
    binding_cycle(s, fw, c, rec, host, start_ns);
}

/* ------------------------------------------------------------------ */
/* Pods waiting at Permit (the binding cycle's WaitOnPermit)            */
/* ------------------------------------------------------------------ */

/* The framework's own copy of a plugin name (stable for the framework's
 * life, as the queue's per-plugin memo needs), or NULL if unknown. */
static const char *framework_plugin_name(sl_framework *fw, const char *name) {
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        sl_plugin *const *plugins;
        uint32_t n = sl_framework_plugins_at(fw, (sl_extension_point)ep, &plugins);
        for (uint32_t i = 0; i < n; i++)
            if (strcmp(plugins[i]->name, name) == 0) return plugins[i]->name;
    }
    return NULL;
}

/* Acts on the first waiting pod, in the order they started waiting, that
 * was allowed, rejected or reached its deadline; false when none did.
 * Plugins called meanwhile (Unreserve, PreBind, Bind, PostBind) may decide
 * other waiting pods: the caller loops until nothing is left to act on. */
static bool resolve_one_waiting(sl_scheduler *s) {
    for (size_t i = 0; i < s->waiting.len; i++) {
        waiting_pod *w = s->waiting.items[i];
        if (w->decision == WAITING_UNDECIDED && w->deadline_ns > s->now_ns) continue;
        memmove(&s->waiting.items[i], &s->waiting.items[i + 1],
                (s->waiting.len - i - 1) * sizeof(s->waiting.items[0]));
        s->waiting.len--;
        pod_record *rec = w->rec;
        sl_cycle *c = w->cycle;
        if (w->decision == WAITING_ALLOWED) {
            binding_cycle(s, w->fw, c, rec, w->node, w->attempt_start_ns);
            sched_waiting_pod_free(w);
            return true;
        }
        sl_status st;
        if (w->decision == WAITING_REJECTED) {
            st = sl_status_make(SL_UNSCHEDULABLE, sl_cycle_printf(c, "%s", w->reject_message));
            st.plugin = w->reject_plugin ? framework_plugin_name(w->fw, w->reject_plugin) : NULL;
        } else {
            char dur[32];
            sl_format_go_duration(w->timeout_ms * 1000000LL, dur, sizeof(dur));
            st = sl_status_newf(c, SL_UNSCHEDULABLE,
                                "rejected due to timeout after waiting %s at plugin %s", dur,
                                w->plugin ? w->plugin : "");
            st.plugin = w->plugin;
        }
        const sl_node_info *host_info = sl_snapshot_node(s->snapshot, w->node);
        attempt a;
        memset(&a, 0, sizeof(a));
        a.fw = w->fw;
        a.set_nomination = true;
        a.nomination = "";
        a.message = single_node_fit_error(c, &a, host_info ? host_info->index : 0, st);
        forget(s, w->fw, c, rec, w->node);
        announce_forget(s, rec);
        handle_failure(s, w->fw, c, rec, st, &a, w->attempt_start_ns);
        sched_waiting_pod_free(w);
        return true;
    }
    return false;
}

void sched_expire_waiting(sl_scheduler *s) {
    while (resolve_one_waiting(s)) {
    }
}
