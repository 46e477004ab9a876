/* reader_compare.c - see reader_compare.h. */
#include "reader_compare.h"

#include "support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void put(struct cap *c, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (c->n + n > c->size) {
        c->size = (c->n + n) * 2 + 1024;
        c->b = realloc(c->b, c->size);
        cr_assert_not_null(c->b);
    }
    memcpy(c->b + c->n, p, n);
    c->n += n;
}

void put32(struct cap *c, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(c->big ? v >> (24 - 8 * i) : v >> (8 * i));
    put(c, x, 4);
}

void put16(struct cap *c, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(c->big ? v >> 8 : v), (uint8_t)(c->big ? v : v >> 8)};
    put(c, x, 2);
}

static char tmpdir[64];

const char *cap_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/ts_pcap_file_XXXXXX");
        cr_assert_not_null(mkdtemp(tmpdir));
    }
    return tmpdir;
}

const char *write_cap(const char *name, const struct cap *c, size_t n)
{
    static char paths[4][256];
    static unsigned next;
    cap_tmpdir();
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(c->b, 1, n, f), n);
    fclose(f);
    return p;
}

/* Open path both ways (new: with open_new, or the file itself when NULL) and
 * read to the end; any difference fails the test, naming what and where. */
struct outcome compare_caps(const char *what, struct ts_capture *ref, int rr,
                                   const char *rerr, struct ts_capture *cap, int nr,
                                   const char *nerr, const char *filter)
{
    struct outcome o = {.open_rc = rr};
    cr_assert_eq(nr, rr, "%s: open: libpcap %d (%s), ours %d (%s)", what, rr, rerr, nr, nerr);
    if (rr < 0) {
        cr_assert_str_eq(nerr, rerr, "%s: open error", what);
        return o;
    }
    o.in_place = ts_capture_reads_in_place(cap);
    cr_assert_not(ts_capture_reads_in_place(ref));
    cr_assert_eq(ts_capture_datalink(cap), ts_capture_datalink(ref), "%s: datalink", what);
    cr_assert_eq(ts_capture_offset(cap), ts_capture_offset(ref), "%s: first offset", what);
    bool classic = ts_capture_offset(ref) >= 0; /* offsets are counted at all */
    bool offsets = true; /* the reference's offset is still known (or never was) */
    if (filter) {
        char e1[256], e2[256];
        int f1 = ts_capture_set_filter(ref, filter, e1, sizeof e1);
        int f2 = ts_capture_set_filter(cap, filter, e2, sizeof e2);
        cr_assert_eq(f1, f2, "%s: filter", what);
        if (f1 < 0)
            cr_assert_str_eq(e1, e2);
    }
    for (;;) {
        struct ts_capture_packet a, b;
        char ea[512] = "", eb[512] = "";
        int ra = ts_capture_next(ref, &a, ea, sizeof ea);
        int rb = ts_capture_next(cap, &b, eb, sizeof eb);
        cr_assert_eq(rb, ra, "%s: packet %llu: libpcap %d (%s), ours %d (%s)", what,
                     o.packets + 1, ra, ea, rb, eb);
        offsets = offsets && (ts_capture_offset(ref) >= 0 || !classic);
        if (offsets)
            cr_assert_eq(ts_capture_offset(cap), ts_capture_offset(ref),
                         "%s: offset after %llu", what, o.packets);
        else if (o.in_place) /* ours counts what libpcap no longer can */
            cr_assert_geq(ts_capture_offset(cap), 0, "%s: offset after %llu", what, o.packets);
        o.last_rc = ra;
        if (ra < 0 && offsets)
            cr_assert_str_eq(eb, ea, "%s: the error", what);
        if (ra < 0 && !offsets) /* the same but for the offset */
            cr_assert_str_eq(strstr(eb, ": ") ? strstr(eb, ": ") : eb,
                             strstr(ea, ": ") ? strstr(ea, ": ") : ea, "%s: the error", what);
        if (ra != 1) {
            o.in_place_end = ts_capture_reads_in_place(cap);
            break;
        }
        o.packets++;
        cr_assert_eq(b.ts_ns, a.ts_ns, "%s: packet %llu: ts %lld vs %lld", what, o.packets,
                     (long long)b.ts_ns, (long long)a.ts_ns);
        cr_assert_eq(b.caplen, a.caplen, "%s: packet %llu: caplen", what, o.packets);
        cr_assert_eq(b.len, a.len, "%s: packet %llu: len", what, o.packets);
        cr_assert(a.caplen == 0 || memcmp(a.data, b.data, a.caplen) == 0,
                  "%s: packet %llu: bytes", what, o.packets);
    }
    return o;
}

/* Both opened (ours from fp when given, else from path) and compared. */
static struct outcome compare_opened(const char *what, const char *path, FILE *fp,
                                     const char *filter)
{
    struct ts_capture *ref = NULL, *cap = NULL;
    char rerr[512] = "", nerr[512] = "";
    int rr = ts_capture_open_file_libpcap(&ref, path, rerr, sizeof rerr);
    int nr = fp ? ts_capture_open_stream(&cap, fp, nerr, sizeof nerr)
                : ts_capture_open_file(&cap, path, nerr, sizeof nerr);
    struct outcome o = compare_caps(what, ref, rr, rerr, cap, nr, nerr, filter);
    if (rr == 0) {
        ts_capture_close(ref);
        ts_capture_close(cap);
    }
    return o;
}

struct outcome compare_file(const char *path, const char *filter)
{
    return compare_opened(path, path, NULL, filter);
}

struct outcome compare_stream(const char *what, const char *path, FILE *fp)
{
    return compare_opened(what, path, fp, NULL);
}

struct outcome compare_dump(const char *path, const char *filter)
{
    char out_ref[256], out_new[256];
    snprintf(out_ref, sizeof out_ref, "%s/dump_ref.pcap", cap_tmpdir());
    snprintf(out_new, sizeof out_new, "%s/dump_new.pcap", cap_tmpdir());
    struct ts_capture *ref, *cap;
    char err[512];
    cr_assert_eq(ts_capture_open_file_libpcap(&ref, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ts_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
    cr_assert(ts_capture_reads_in_place(cap), "%s", path);
    cr_assert_eq(ts_capture_dump_to(ref, out_ref, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ts_capture_dump_to(cap, out_new, err, sizeof err), 0, "%s", err);
    struct outcome o = compare_caps(path, ref, 0, "", cap, 0, "", filter);
    ts_capture_close(ref);
    ts_capture_close(cap);
    same_files(out_ref, out_new);
    return o;
}

void same_files(const char *a, const char *b)
{
    size_t n1, n2;
    char *x = ts_test_slurp(a, &n1), *y = ts_test_slurp(b, &n2);
    cr_assert_not_null(x, "%s", a);
    cr_assert_not_null(y, "%s", b);
    cr_assert_eq(n1, n2, "%s and %s: sizes", a, b);
    cr_assert_gt(n1, 24, "%s: no records", a);
    cr_assert(memcmp(x, y, n1) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

/* Both readers on a file built here; in_place: whether ours must walk it. */
struct outcome check(const char *name, const struct cap *c, size_t n, bool in_place)
{
    struct outcome o = compare_file(write_cap(name, c, n), NULL);
    if (o.open_rc == 0)
        cr_assert_eq(o.in_place, in_place, "%s: read in place: %d", name, o.in_place);
    return o;
}


struct outcome compare_pipe(const char *name, const struct cap *c, size_t step)
{
    const char *path = write_cap(name, c, c->n);
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        for (size_t off = 0; off < c->n; off += step) {
            size_t k = c->n - off < step ? c->n - off : step;
            if (write(fds[1], c->b + off, k) != (ssize_t)k)
                _exit(1);
            if (off % (64 * step) == 0)
                usleep(100);
        }
        _exit(0);
    }
    close(fds[1]);
    FILE *fp = fdopen(fds[0], "rb");
    cr_assert_not_null(fp);
    struct outcome o = compare_stream(name, path, fp);
    int st;
    waitpid(pid, &st, 0);
    return o;
}

bool compare_tree(const char *dir, struct tree_counts *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) < 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            compare_tree(path, n);
            continue;
        }
        size_t l = strlen(e->d_name);
        bool ng = l > 7 && strcmp(e->d_name + l - 7, ".pcapng") == 0;
        bool pcap = ng || (l > 5 && strcmp(e->d_name + l - 5, ".pcap") == 0) ||
                    (l > 4 && strcmp(e->d_name + l - 4, ".cap") == 0);
        if (!pcap || sb.st_size > (64 << 20))
            continue;
        struct outcome o = compare_file(path, NULL);
        n->files++;
        n->in_place += o.in_place;
        n->pcapng_walked += ng && o.in_place;
        n->pcapng_handed += ng && o.in_place && !o.in_place_end;
    }
    closedir(d);
    return true;
}

void compare_flipped(const char *rel, size_t keep, int flips, int rounds, unsigned seed,
                     bool in_place)
{
    char src[1024];
    snprintf(src, sizeof src, "%s/%s", TS_SOURCE_DIR, rel);
    size_t n;
    char *orig = ts_test_slurp(src, &n);
    cr_assert_not_null(orig, "%s", src);
    cr_assert_gt(n, keep);
    unsigned s = seed;
    for (int round = 0; round < rounds; round++) {
        struct cap c = {.b = malloc(n), .n = n};
        cr_assert_not_null(c.b);
        memcpy(c.b, orig, n);
        for (int k = 0; k < flips; k++) {
            s = s * 1103515245 + 12345;
            size_t at = keep + (s >> 4) % (n - keep);
            s = s * 1103515245 + 12345;
            c.b[at] = (uint8_t)(s >> 16);
        }
        s = s * 1103515245 + 12345;
        size_t len = round % 3 == 0 ? keep + (s >> 4) % (n - keep) : n;
        struct outcome o = compare_file(write_cap("flip", &c, len), NULL);
        if (in_place && o.open_rc == 0)
            cr_assert(o.in_place, "%s: round %d: read in place", rel, round);
        free(c.b);
    }
    free(orig);
}
