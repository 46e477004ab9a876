/* test_zeek.c - our `conn_state` and `history` against Zeek's own baselines.
 *
 * ../shared/corpus/zeek/<name>/ holds a trace from Zeek's test suite with the
 * conn.log Zeek wrote for it, or an oracle.tsv transcribed from a Zeek test
 * that printed the values instead ("-" there: the test did not print it).
 * Every TCP row is matched with one of our flows by its address pair, taken
 * in either order: the k-th Zeek row of a pair goes with our k-th flow of
 * that pair (by id). Both fields are compared as exact strings.
 *
 * tests/zeek_expectations.tsv lists the disagreements we know about, each
 * with its reason; rows of a pair Zeek split into more rows than we have
 * flows are explained by the split itself. A disagreement that is neither
 * fails (a regression);
 * a listed one that no longer occurs only warns, so the file can be pruned.
 * The agreement must also stay above ZEEK_MIN_* over the comparable rows:
 * those of pairs Zeek did not split into several rows with its timers, in
 * traces where Zeek did not discard packets for bad checksums (MANIFEST
 * notes say which). The raw agreement over every row in scope is printed.
 * Rows inside tunnels, and traces in which we decode no TCP at all, are out
 * of scope: counted apart, not compared. Nothing here knows a trace by name.
 *
 * Skipped when the corpus is absent: the core suite does not need it. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define ZEEK_DIR TS_SOURCE_DIR "/../shared/corpus/zeek"
#define ZEEK_EXPECTATIONS TS_SOURCE_DIR "/tests/zeek_expectations.tsv"
#define ZEEK_MIN_CONN_STATE 99.0 /* percent of comparable rows */
#define ZEEK_MIN_HISTORY 90.0

#define MAX_COLS 64

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

/* Grow *arr (of elements of size sz) so that it holds at least n + 1. */
static void *grow(void *arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(arr, c * sz);
    cr_assert_not_null(p, "out of memory");
    *cap = c;
    return p;
}

/* Cut s at TABs in place; returns the number of fields (at most max). */
static int split_tabs(char *s, char **f, int max)
{
    int n = 0;
    while (n < max) {
        f[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

/* The next line of *cur, cut in place (trailing CR dropped); NULL at the end. */
static char *next_line(char **cur)
{
    char *s = *cur;
    if (!s || !*s)
        return NULL;
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *cur = nl + 1;
    } else {
        *cur = s + strlen(s);
    }
    size_t l = strlen(s);
    if (l && s[l - 1] == '\r')
        s[l - 1] = '\0';
    return s;
}

/* ------------------------------------------------------------------ */
/* Endpoints: compared as binary addresses, printed as ip:port          */

struct ep {
    int family; /* AF_INET, AF_INET6, or 0 when the baseline does not say */
    unsigned char addr[16];
    long port;
};

static bool ep_parse(struct ep *e, const char *ip, const char *port)
{
    memset(e, 0, sizeof *e);
    if (!ip || !port || strcmp(ip, "-") == 0 || strcmp(port, "-") == 0)
        return true; /* unknown: matches by order alone */
    char *end = NULL;
    e->port = strtol(port, &end, 10);
    if (end == port || e->port < 0 || e->port > 65535)
        return false;
    if (inet_pton(AF_INET, ip, e->addr) == 1)
        e->family = AF_INET;
    else if (inet_pton(AF_INET6, ip, e->addr) == 1)
        e->family = AF_INET6;
    else
        return false;
    return true;
}

static bool ep_eq(const struct ep *a, const struct ep *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* The same unordered pair {a1, a2} = {b1, b2}. */
static bool pair_eq(const struct ep *a1, const struct ep *a2, const struct ep *b1,
                    const struct ep *b2)
{
    return (ep_eq(a1, b1) && ep_eq(a2, b2)) || (ep_eq(a1, b2) && ep_eq(a2, b1));
}

static void ep_show(const struct ep *e, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (!e->family) {
        snprintf(buf, len, "-");
        return;
    }
    inet_ntop(e->family, e->addr, ip, sizeof ip);
    snprintf(buf, len, e->family == AF_INET6 ? "[%s]:%ld" : "%s:%ld", ip, e->port);
}

/* ------------------------------------------------------------------ */
/* Zeek's side: conn.log or oracle.tsv                                  */

struct zrow {
    struct ep orig, resp;
    const char *conn_state, *history; /* NULL: the baseline does not say */
    bool tunneled;                    /* tunnel_parents is set */
};

struct baseline {
    char *text; /* the file; rows point into it */
    struct zrow *rows;
    size_t n, cap;
};

static int col(char **names, int n, const char *a, const char *b)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], a) == 0 || (b && strcmp(names[i], b) == 0))
            return i;
    return -1;
}

/* Parse text (owned by b afterwards) and keep its TCP rows. A conn.log names
 * its columns on "#fields" and writes an unset field as "#unset_field" (an
 * unset history is an empty one: Zeek logs it only when non-empty); an
 * oracle names them on its first line that is not a comment, and "-" means
 * the Zeek test did not print the value. Some baselines rename the id
 * columns (src_ip, src_port, dst_ip, dst_port). Returns false with a reason. */
static bool baseline_parse(struct baseline *b, char *text, bool oracle, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->text = text;
    char *names[MAX_COLS], *f[MAX_COLS];
    int ncols = 0;
    int c_oh = -1, c_op = -1, c_rh = -1, c_rp = -1, c_proto = -1, c_cs = -1, c_hist = -1,
        c_tun = -1;
    char unset[32] = "-", empty[32] = "(empty)";
    char *cur = text, *line;
    unsigned lineno = 0;
    while ((line = next_line(&cur)) != NULL) {
        lineno++;
        bool header = false;
        if (strncmp(line, "#fields\t", 8) == 0) {
            line += 8;
            header = true;
        } else if (strncmp(line, "#unset_field\t", 13) == 0) {
            snprintf(unset, sizeof unset, "%s", line + 13);
            continue;
        } else if (strncmp(line, "#empty_field\t", 13) == 0) {
            snprintf(empty, sizeof empty, "%s", line + 13);
            continue;
        } else if (line[0] == '#' || line[0] == '\0') {
            continue;
        } else if (ncols == 0) {
            header = true;
        }
        if (header) {
            ncols = split_tabs(line, names, MAX_COLS);
            c_oh = col(names, ncols, "id.orig_h", "src_ip");
            c_op = col(names, ncols, "id.orig_p", "src_port");
            c_rh = col(names, ncols, "id.resp_h", "dst_ip");
            c_rp = col(names, ncols, "id.resp_p", "dst_port");
            c_proto = col(names, ncols, "proto", NULL);
            c_cs = col(names, ncols, "conn_state", NULL);
            c_hist = col(names, ncols, "history", NULL);
            c_tun = col(names, ncols, "tunnel_parents", NULL);
            if (c_oh < 0 || c_op < 0 || c_rh < 0 || c_rp < 0 || c_proto < 0 ||
                (c_cs < 0 && c_hist < 0)) {
                snprintf(err, errlen, "line %u: no address, proto, conn_state or history column",
                         lineno);
                return false;
            }
            continue;
        }
        int n = split_tabs(line, f, MAX_COLS);
        if (n != ncols) {
            snprintf(err, errlen, "line %u: %d fields for %d columns", lineno, n, ncols);
            return false;
        }
        if (strcmp(f[c_proto], "tcp") != 0)
            continue;
        b->rows = grow(b->rows, &b->cap, b->n, sizeof *b->rows);
        struct zrow *r = &b->rows[b->n];
        memset(r, 0, sizeof *r);
        if (!ep_parse(&r->orig, f[c_oh], f[c_op]) || !ep_parse(&r->resp, f[c_rh], f[c_rp])) {
            snprintf(err, errlen, "line %u: bad address %s:%s or %s:%s", lineno, f[c_oh], f[c_op],
                     f[c_rh], f[c_rp]);
            return false;
        }
        const char *v[2] = {c_cs >= 0 ? f[c_cs] : NULL, c_hist >= 0 ? f[c_hist] : NULL};
        for (int i = 0; i < 2; i++) {
            if (v[i] && oracle && strcmp(v[i], "-") == 0)
                v[i] = NULL;
            else if (v[i] && !oracle && (strcmp(v[i], unset) == 0 || strcmp(v[i], empty) == 0))
                v[i] = "";
        }
        r->conn_state = v[0];
        r->history = v[1];
        r->tunneled = c_tun >= 0 && strcmp(f[c_tun], unset) != 0 && strcmp(f[c_tun], empty) != 0;
        b->n++;
    }
    if (ncols == 0) {
        snprintf(err, errlen, "no column names");
        return false;
    }
    return true;
}

static void baseline_free(struct baseline *b)
{
    free(b->rows);
    free(b->text);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ */
/* Our side: the flows of one run                                       */

struct oflow {
    long long id;
    struct ep client, server;
    const char *conn_state, *history; /* NULL: the key is missing */
};

static const char *flow_str(json_object *fl, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(fl, key, &v))
        return NULL;
    return v ? json_object_get_string(v) : "null";
}

static void flow_ep(json_object *fl, const char *side, struct ep *e)
{
    char k[32];
    snprintf(k, sizeof k, "%s.ip", side);
    json_object *ip = ts_test_get(fl, k);
    snprintf(k, sizeof k, "%s.port", side);
    json_object *port = ts_test_get(fl, k);
    char p[16];
    snprintf(p, sizeof p, "%d", port ? json_object_get_int(port) : -1);
    if (!ip || !port || !ep_parse(e, json_object_get_string(ip), p) || !e->family)
        memset(e, 0xff, sizeof *e); /* matches nothing */
}

static int by_id(const void *a, const void *b)
{
    const struct oflow *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* The flows of doc sorted by id; the strings live as long as doc. */
static struct oflow *flows_of(json_object *doc, size_t *n)
{
    json_object *arr = ts_test_get(doc, "flows");
    size_t len = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr)
                                                                   : 0;
    struct oflow *fl = calloc(len ? len : 1, sizeof *fl);
    cr_assert_not_null(fl, "out of memory");
    for (size_t i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        json_object *id = ts_test_get(o, "id");
        fl[i].id = id ? json_object_get_int64(id) : (long long)i;
        flow_ep(o, "client", &fl[i].client);
        flow_ep(o, "server", &fl[i].server);
        fl[i].conn_state = flow_str(o, "conn_state");
        fl[i].history = flow_str(o, "history");
    }
    qsort(fl, len, sizeof *fl, by_id);
    *n = len;
    return fl;
}

/* ------------------------------------------------------------------ */
/* The expectations file                                               */

enum { X_TRACE, X_ORIG, X_RESP, X_NTH, X_FIELD, X_ZEEK, X_OURS, X_REASON, X_NFIELDS };

struct expectation {
    char *f[X_NFIELDS];
    unsigned line;
    bool seen;
};

struct expectations {
    char *text;
    struct expectation *e;
    size_t n, cap;
};

static void expectations_load(struct expectations *x, const char *path)
{
    memset(x, 0, sizeof *x);
    x->text = ts_test_slurp(path, NULL);
    if (!x->text) {
        fprintf(stderr, "zeek: WARNING: %s is missing: every disagreement is new\n", path);
        return;
    }
    char *cur = x->text, *line;
    unsigned lineno = 0;
    while ((line = next_line(&cur)) != NULL) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
            continue;
        x->e = grow(x->e, &x->cap, x->n, sizeof *x->e);
        struct expectation *e = &x->e[x->n];
        memset(e, 0, sizeof *e);
        int n = split_tabs(line, e->f, X_NFIELDS);
        bool fields_ok = n == X_NFIELDS && e->f[X_REASON][0] &&
                         (strcmp(e->f[X_FIELD], "conn_state") == 0 ||
                          strcmp(e->f[X_FIELD], "history") == 0);
        cr_expect(fields_ok,
                  "%s:%u: want trace, orig, resp, nth, conn_state|history, zeek value, our value,"
                  " reason (TAB separated)",
                  path, lineno);
        if (!fields_ok)
            continue;
        e->line = lineno;
        x->n++;
    }
}

/* Is this disagreement listed? Marks the line seen. */
static bool expectations_find(struct expectations *x, const char *trace, const char *orig,
                              const char *resp, int nth, const char *field, const char *zeek,
                              const char *ours)
{
    char k[16];
    snprintf(k, sizeof k, "%d", nth);
    for (size_t i = 0; i < x->n; i++) {
        char **f = x->e[i].f;
        if (strcmp(f[X_TRACE], trace) == 0 && strcmp(f[X_ORIG], orig) == 0 &&
            strcmp(f[X_RESP], resp) == 0 && strcmp(f[X_NTH], k) == 0 &&
            strcmp(f[X_FIELD], field) == 0 && strcmp(f[X_ZEEK], zeek) == 0 &&
            strcmp(f[X_OURS], ours) == 0) {
            x->e[i].seen = true;
            return true;
        }
    }
    return false;
}

static void expectations_free(struct expectations *x)
{
    free(x->e);
    free(x->text);
    memset(x, 0, sizeof *x);
}

/* ------------------------------------------------------------------ */
/* Comparing one trace                                                 */

/* How a value is written in the report and in the expectations file. */
static const char *shown(const char *v, const char *none)
{
    if (!v)
        return none;
    return *v ? v : "(empty)";
}

struct diff {
    char trace[256], orig[64], resp[64];
    int nth;
    char zeek_cs[32], zeek_hist[256], our_cs[32], our_hist[256];
    const char *reason;
    bool cs_bad, hist_bad, cs_new, hist_new, split;
};

struct totals {
    unsigned rows, in_scope, out_tunnel, out_undecoded;
    unsigned cs_n, cs_ok, hist_n, hist_ok;             /* in-scope rows that have the field */
    /* the same over comparable rows: Zeek neither split the pair with its
     * timers nor discarded packets of the trace for bad checksums */
    unsigned xs_cs_n, xs_cs_ok, xs_hist_n, xs_hist_ok;
    unsigned split_rows, unmatched, extra_flows;
    struct diff *d;
    size_t nd, capd;
};

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* MANIFEST.tsv: the tcp_visibility of a trace ("" when not listed), and
 * whether its notes say Zeek discarded packets with bad checksums (it ran
 * without -C): then Zeek and we did not see the same packets. */
static void manifest_visibility(const char *manifest, const char *name, char *out, size_t len,
                                bool *zeek_dropped)
{
    out[0] = '\0';
    *zeek_dropped = false;
    char *text = ts_test_slurp(manifest, NULL);
    if (!text)
        return;
    char *cur = text, *line, *f[MAX_COLS];
    int c_name = -1, c_vis = -1, c_note = -1;
    while ((line = next_line(&cur)) != NULL) {
        int n = split_tabs(line, f, MAX_COLS);
        if (c_name < 0) {
            c_name = col(f, n, "short_name", NULL);
            c_vis = col(f, n, "tcp_visibility", NULL);
            c_note = col(f, n, "notes", NULL);
            if (c_name < 0 || c_vis < 0)
                break;
            continue;
        }
        if (n > c_name && n > c_vis && strcmp(f[c_name], name) == 0) {
            snprintf(out, len, "%s", f[c_vis]);
            *zeek_dropped = c_note >= 0 && n > c_note &&
                            strstr(f[c_note], "so Zeek discarded them") != NULL;
            break;
        }
    }
    free(text);
}

static void compare_trace(const char *name, struct expectations *x, struct totals *t)
{
    char dir[1024], trace[1100], base[1100], err[256];
    snprintf(dir, sizeof dir, "%s/%s", ZEEK_DIR, name);
    snprintf(trace, sizeof trace, "%s/trace.pcap", dir);
    if (!is_file(trace))
        snprintf(trace, sizeof trace, "%s/trace.pcapng", dir);
    bool oracle = false;
    snprintf(base, sizeof base, "%s/conn.log", dir);
    if (!is_file(base)) {
        snprintf(base, sizeof base, "%s/oracle.tsv", dir);
        oracle = true;
    }
    if (!is_file(trace) || !is_file(base)) {
        fprintf(stderr, "zeek: %s: no trace or no baseline, skipped\n", name);
        return;
    }

    struct baseline b;
    char *text = ts_test_slurp(base, NULL);
    cr_assert_not_null(text, "cannot read %s", base);
    if (!baseline_parse(&b, text, oracle, err, sizeof err)) {
        cr_expect(false, "%s: %s", base, err);
        baseline_free(&b);
        return;
    }

    char args[1200];
    snprintf(args, sizeof args, "'%s'", trace);
    int status = -1;
    char *serr = NULL;
    json_object *doc = ts_test_run_json(args, &status, &serr);
    cr_expect(status == 0 && doc, "%s: tcpstates exit %d, %s; stderr: %s", name, status,
              doc ? "a report" : "no report", serr ? serr : "");
    free(serr);
    size_t nf = 0;
    struct oflow *fl = flows_of(doc, &nf);
    json_object *tcp = ts_test_get(doc, "input.tcp_packets");
    bool undecoded = !tcp || json_object_get_int64(tcp) == 0;

    char vis[64];
    bool zeek_dropped;
    manifest_visibility(ZEEK_DIR "/MANIFEST.tsv", name, vis, sizeof vis, &zeek_dropped);
    bool encapsulated = strcmp(vis, "encapsulated") == 0;

    unsigned rows = 0, scope = 0, cs_n = 0, cs_ok = 0, hist_n = 0, hist_ok = 0, out_tun = 0,
             out_undec = 0;
    bool *taken = calloc(nf ? nf : 1, sizeof *taken);
    cr_assert_not_null(taken, "out of memory");
    for (size_t i = 0; i < b.n; i++) {
        const struct zrow *r = &b.rows[i];
        rows++;
        if (r->tunneled || encapsulated || undecoded) {
            if (r->tunneled || encapsulated)
                out_tun++;
            else
                out_undec++;
            continue;
        }
        scope++;
        bool wild = !r->orig.family || !r->resp.family;
        /* This is the nth row of its pair: match our nth flow of the pair. */
        int nth = 1, zeek_of_pair = 0, ours_of_pair = 0;
        for (size_t j = 0; j < b.n; j++) {
            const struct zrow *o = &b.rows[j];
            bool same = wild ? (!o->orig.family || !o->resp.family)
                             : pair_eq(&o->orig, &o->resp, &r->orig, &r->resp);
            if (same) {
                zeek_of_pair++;
                nth += j < i;
            }
        }
        const struct oflow *m = NULL;
        for (size_t j = 0; j < nf; j++) {
            if (wild || pair_eq(&fl[j].client, &fl[j].server, &r->orig, &r->resp)) {
                if (++ours_of_pair == nth) {
                    m = &fl[j];
                    taken[j] = true;
                }
            }
        }
        bool split = ours_of_pair > 0 && zeek_of_pair > ours_of_pair;
        bool roles_differ =
            m && !wild && ep_eq(&m->client, &r->resp) && !ep_eq(&m->client, &r->orig);
        const char *our_cs = m ? shown(m->conn_state, "(none)") : "(no flow)";
        const char *our_hist = m ? shown(m->history, "(none)") : "(no flow)";
        bool cs_bad = r->conn_state && strcmp(shown(r->conn_state, ""), our_cs) != 0;
        bool hist_bad = r->history && strcmp(shown(r->history, ""), our_hist) != 0;
        if (r->conn_state) {
            cs_n++;
            cs_ok += !cs_bad;
            if (!split && !zeek_dropped) {
                t->xs_cs_n++;
                t->xs_cs_ok += !cs_bad;
            }
        }
        if (r->history) {
            hist_n++;
            hist_ok += !hist_bad;
            if (!split && !zeek_dropped) {
                t->xs_hist_n++;
                t->xs_hist_ok += !hist_bad;
            }
        }
        t->split_rows += split;
        t->unmatched += !m;
        if (!cs_bad && !hist_bad)
            continue;

        t->d = grow(t->d, &t->capd, t->nd, sizeof *t->d);
        struct diff *d = &t->d[t->nd++];
        memset(d, 0, sizeof *d);
        snprintf(d->trace, sizeof d->trace, "%s", name);
        ep_show(&r->orig, d->orig, sizeof d->orig);
        ep_show(&r->resp, d->resp, sizeof d->resp);
        d->nth = nth;
        snprintf(d->zeek_cs, sizeof d->zeek_cs, "%s", shown(r->conn_state, "-"));
        snprintf(d->zeek_hist, sizeof d->zeek_hist, "%s", shown(r->history, "-"));
        snprintf(d->our_cs, sizeof d->our_cs, "%s", our_cs);
        snprintf(d->our_hist, sizeof d->our_hist, "%s", our_hist);
        if (!m)
            d->reason = "unmatched";
        else if (roles_differ)
            d->reason = "roles differ";
        else if (!m->conn_state || !m->history)
            d->reason = "key missing in our flow";
        else
            d->reason = "differs";
        d->cs_bad = cs_bad;
        d->hist_bad = hist_bad;
        d->split = split;
        /* A pair Zeek split into more rows than we have flows (its timers:
         * tcp_attempt_delay, tcp_close_delay, tcp_inactivity_timeout, ...)
         * cannot agree row by row: its rows are explained by that, printed
         * and kept out of the comparable agreement, not listed one by one. */
        d->cs_new = cs_bad && !split &&
                    !expectations_find(x, name, d->orig, d->resp, nth, "conn_state", d->zeek_cs,
                                       d->our_cs);
        d->hist_new = hist_bad && !split &&
                      !expectations_find(x, name, d->orig, d->resp, nth, "history",
                                         d->zeek_hist, d->our_hist);
    }
    unsigned extra = 0;
    for (size_t j = 0; j < nf; j++)
        extra += !taken[j];
    if (scope)
        t->extra_flows += extra;

    fprintf(stderr, "zeek: %-36s rows %3u", name, rows);
    if (out_tun)
        fprintf(stderr, " (out of scope: %u in a tunnel)", out_tun);
    if (out_undec)
        fprintf(stderr, " (out of scope: %u, we decode no TCP in this trace)", out_undec);
    if (scope)
        fprintf(stderr, "  conn_state %u/%u  history %u/%u", cs_ok, cs_n, hist_ok, hist_n);
    if (scope && extra)
        fprintf(stderr, "  (%u of our flows have no Zeek row)", extra);
    fprintf(stderr, "\n");

    t->rows += rows;
    t->in_scope += scope;
    t->out_tunnel += out_tun;
    t->out_undecoded += out_undec;
    t->cs_n += cs_n;
    t->cs_ok += cs_ok;
    t->hist_n += hist_n;
    t->hist_ok += hist_ok;
    free(taken);
    free(fl);
    json_object_put(doc);
    baseline_free(&b);
}

static double pct(unsigned ok, unsigned n)
{
    return n ? 100.0 * ok / n : 100.0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

Test(zeek, conn_state_and_history_agree_with_zeek, .timeout = 300)
{
    if (!is_dir(ZEEK_DIR))
        cr_skip_test("%s is absent: nothing to compare", ZEEK_DIR);

    struct expectations x;
    expectations_load(&x, ZEEK_EXPECTATIONS);
    struct totals t;
    memset(&t, 0, sizeof t);

    struct dirent **names = NULL;
    int n = scandir(ZEEK_DIR, &names, NULL, by_name);
    cr_assert_geq(n, 0, "cannot list %s", ZEEK_DIR);
    for (int i = 0; i < n; i++) {
        char p[1200];
        snprintf(p, sizeof p, "%s/%s", ZEEK_DIR, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && is_dir(p))
            compare_trace(names[i]->d_name, &x, &t);
        free(names[i]);
    }
    free(names);

    double cs = pct(t.cs_ok, t.cs_n), hist = pct(t.hist_ok, t.hist_n);
    fprintf(stderr,
            "zeek: TOTAL %u TCP rows: %u in scope, %u out of scope (%u in tunnels, %u in traces "
            "where we decode no TCP)\n"
            "zeek: all rows in scope: conn_state %u/%u = %.2f%%, history %u/%u = %.2f%%\n"
            "zeek: %u rows have no flow of ours (unmatched); %u of our flows have no Zeek row; "
            "%u rows belong to pairs Zeek split into more rows than we have flows; comparable rows "
            "(no split, no packets Zeek discarded): conn_state %u/%u = %.2f%% (min %.0f%%), history "
            "%u/%u = %.2f%% (min %.0f%%)\n",
            t.rows, t.in_scope, t.out_tunnel + t.out_undecoded, t.out_tunnel, t.out_undecoded,
            t.cs_ok, t.cs_n, cs, t.hist_ok, t.hist_n, hist, t.unmatched, t.extra_flows,
            t.split_rows, t.xs_cs_ok, t.xs_cs_n, pct(t.xs_cs_ok, t.xs_cs_n), ZEEK_MIN_CONN_STATE,
            t.xs_hist_ok, t.xs_hist_n, pct(t.xs_hist_ok, t.xs_hist_n), ZEEK_MIN_HISTORY);

    if (t.nd)
        fprintf(stderr, "zeek: %zu rows disagree (trace, orig, resp, nth row of the pair, Zeek "
                        "conn_state/history, ours, reason):\n",
                t.nd);
    unsigned fresh = 0;
    for (size_t i = 0; i < t.nd; i++) {
        const struct diff *d = &t.d[i];
        fprintf(stderr, "  %s  %s  %s  #%d  zeek %s/%s  ours %s/%s  %s%s%s\n", d->trace, d->orig,
                d->resp, d->nth, d->zeek_cs, d->zeek_hist, d->our_cs, d->our_hist, d->reason,
                d->split ? " (Zeek split this pair)" : "",
                d->cs_new || d->hist_new ? "  NEW" : "  listed");
        fresh += d->cs_new + d->hist_new;
    }
    if (fresh) {
        fprintf(stderr, "zeek: %u disagreements are not in tests/zeek_expectations.tsv; if one is "
                        "right, add its line with the real reason:\n",
                fresh);
        for (size_t i = 0; i < t.nd; i++) {
            const struct diff *d = &t.d[i];
            if (d->cs_new)
                fprintf(stderr, "%s\t%s\t%s\t%d\tconn_state\t%s\t%s\t%s\n", d->trace, d->orig,
                        d->resp, d->nth, d->zeek_cs, d->our_cs, d->reason);
            if (d->hist_new)
                fprintf(stderr, "%s\t%s\t%s\t%d\thistory\t%s\t%s\t%s\n", d->trace, d->orig,
                        d->resp, d->nth, d->zeek_hist, d->our_hist, d->reason);
        }
    }
    for (size_t i = 0; i < x.n; i++)
        if (!x.e[i].seen)
            fprintf(stderr,
                    "zeek: WARNING: tests/zeek_expectations.tsv:%u (%s %s %s #%s %s) no longer "
                    "disagrees as listed: prune it\n",
                    x.e[i].line, x.e[i].f[X_TRACE], x.e[i].f[X_ORIG], x.e[i].f[X_RESP],
                    x.e[i].f[X_NTH], x.e[i].f[X_FIELD]);

    cr_expect_gt(t.in_scope, 0, "no Zeek row in scope: nothing was compared");
    double xcs = pct(t.xs_cs_ok, t.xs_cs_n), xhist = pct(t.xs_hist_ok, t.xs_hist_n);
    cr_expect(xcs >= ZEEK_MIN_CONN_STATE,
              "conn_state agrees on %.2f%% of %u comparable rows, want >= %.0f%%", xcs,
              t.xs_cs_n, ZEEK_MIN_CONN_STATE);
    cr_expect(xhist >= ZEEK_MIN_HISTORY,
              "history agrees on %.2f%% of %u comparable rows, want >= %.0f%%", xhist,
              t.xs_hist_n, ZEEK_MIN_HISTORY);
    cr_expect_eq(fresh, 0, "%u disagreements with Zeek are not listed in "
                           "tests/zeek_expectations.tsv (see above)",
                 fresh);
    free(t.d);
    expectations_free(&x);
}

/* ------------------------------------------------------------------ */
/* The parser itself, on text shaped like the corpus (no corpus needed) */

Test(zeek, baseline_parser_reads_conn_log_and_oracle)
{
    char err[256];
    struct baseline b;
    const char conn[] =
        "#separator \\x09\n#unset_field\t-\n#empty_field\t(empty)\n"
        "#fields\tts\tuid\tsrc_ip\tsrc_port\tdst_ip\tdst_port\tproto\tconn_state\thistory\t"
        "tunnel_parents\n"
        "XXXXXXXXXX.XXXXXX\tC1\t192.168.1.2\t49159\t192.168.1.1\t20000\ttcp\tS0\tSAD\t-\n"
        "XXXXXXXXXX.XXXXXX\tC2\t10.0.0.1\t53\t10.0.0.2\t53\tudp\tSF\tDd\t-\n"
        "XXXXXXXXXX.XXXXXX\tC3\t2001:db8::1\t443\t2001:db8::2\t56960\ttcp\tOTH\t-\tC9\n"
        "#close XXXX\n";
    cr_assert(baseline_parse(&b, strdup(conn), false, err, sizeof err), "%s", err);
    cr_assert_eq(b.n, 2, "the UDP row is dropped");
    char o[64], r[64];
    ep_show(&b.rows[0].orig, o, sizeof o);
    ep_show(&b.rows[0].resp, r, sizeof r);
    cr_expect_str_eq(o, "192.168.1.2:49159");
    cr_expect_str_eq(r, "192.168.1.1:20000");
    cr_expect_str_eq(b.rows[0].conn_state, "S0");
    cr_expect_str_eq(b.rows[0].history, "SAD");
    cr_expect_not(b.rows[0].tunneled);
    ep_show(&b.rows[1].orig, o, sizeof o);
    cr_expect_str_eq(o, "[2001:db8::1]:443");
    cr_expect_str_eq(b.rows[1].history, "", "an unset history in conn.log is an empty one");
    cr_expect(b.rows[1].tunneled);
    baseline_free(&b);

    const char oracle[] = "# comment\n"
                          "id.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\thistory\tconn_state\n"
                          "-\t-\t-\t-\ttcp\tSR\tRSTOS0\n"
                          "1.2.0.2\t2527\t1.2.0.3\t6649\ttcp\t-\tREJ\n";
    cr_assert(baseline_parse(&b, strdup(oracle), true, err, sizeof err), "%s", err);
    cr_assert_eq(b.n, 2);
    cr_expect_eq(b.rows[0].orig.family, 0, "an unprinted tuple matches by order");
    cr_expect_str_eq(b.rows[0].history, "SR");
    cr_expect_null(b.rows[1].history, "\"-\" in an oracle: not printed, not compared");
    cr_expect_str_eq(b.rows[1].conn_state, "REJ");
    baseline_free(&b);

    cr_expect_not(baseline_parse(&b, strdup("#fields\tts\tproto\n"), false, err, sizeof err));
    baseline_free(&b);
}

Test(zeek, pairs_match_in_either_order)
{
    struct ep a, b, c;
    cr_assert(ep_parse(&a, "10.0.0.1", "80") && ep_parse(&b, "10.0.0.2", "1234") &&
              ep_parse(&c, "::ffff:10.0.0.1", "80"));
    cr_expect(pair_eq(&a, &b, &b, &a));
    cr_expect(pair_eq(&a, &b, &a, &b));
    cr_expect_not(pair_eq(&a, &b, &c, &b), "an IPv4-mapped IPv6 address is another address");
    cr_expect_not(ep_parse(&a, "10.0.0.300", "1"));
    cr_expect_not(ep_parse(&a, "10.0.0.1", "65536"));
}
