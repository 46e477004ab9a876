/* test_pcap_file.c - the in-place classic pcap reader (pcap_file.c, through
 * capture.c) against libpcap itself: every file is opened twice, once as
 * tcpstates opens it and once read by libpcap alone
 * (ts_capture_open_file_libpcap), and every packet (timestamp, lengths,
 * bytes), the byte offset, and the final result or error text must be the
 * same. libpcap does not tell the offset: the reference counts it from the
 * records it returns and stops (-1) after a record it may have cut to the
 * snapshot length, so there the offsets come from the files built here. The files: every capture under testdata/, and hand-built edge cases
 * written here (both byte orders, us and ns, empty and cut records, caplen
 * above the snapshot length and above libpcap's maximum, len < caplen,
 * records across the reader's chunk boundary, a header alone), read from a
 * file, a pipe and a memory stream, with a filter and with -w. */
#define _GNU_SOURCE /* fopencookie */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "pcap_file.h"
#include "reader_compare.h"
#include "support.h"

/* ---- building captures -------------------------------------------------- */

enum { US = 0, NS = 1 };
#define DLT_EN10MB_ 1
#define DLT_SLL_ 113
#define DLT_USB_LINUX_MMAPPED_ 220

static struct cap header(bool big, int nano, uint16_t major, uint16_t minor, uint32_t snaplen,
                         uint32_t linktype)
{
    struct cap c = {.big = big};
    put32(&c, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(&c, major);
    put16(&c, minor);
    put32(&c, 0);
    put32(&c, 0);
    put32(&c, snaplen);
    put32(&c, linktype);
    return c;
}

/* A record whose header says caplen/len and which carries data_len bytes of
 * data (a pattern from seed). */
static void record(struct cap *c, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
                   uint32_t data_len, unsigned seed)
{
    put32(c, sec);
    put32(c, frac);
    put32(c, caplen);
    put32(c, len);
    for (uint32_t i = 0; i < data_len; i++) {
        uint8_t byte = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
        put(c, &byte, 1);
    }
}

static void full(struct cap *c, uint32_t sec, uint32_t frac, uint32_t caplen, unsigned seed)
{
    record(c, sec, frac, caplen, caplen + 4, caplen, seed);
}

/* ---- every capture in testdata/ ---------------------------------------- */

Test(pcap_file, every_testdata_capture_reads_as_libpcap_reads_it)
{
    struct tree_counts n = {0};
    cr_assert(compare_tree(TS_SOURCE_DIR "/testdata", &n));
    cr_assert_gt(n.files, 50, "only %u captures found", n.files);
    cr_assert_gt(n.in_place, n.files / 2, "only %u of %u read in place", n.in_place, n.files);
    cr_log_info("%u captures, %u read in place", n.files, n.in_place);
}

Test(pcap_file, testdata_with_a_filter)
{
    const char *files[] = {"testdata/normal_client_closes_first.pcap",
                           "testdata/floods/flood_cookies.pcap"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", TS_SOURCE_DIR, files[i]);
        compare_file(path, "tcp[tcpflags] & tcp-syn != 0");
        compare_file(path, "port 80 and not port 22");
    }
}

/* ---- byte orders, precisions, timestamps -------------------------------- */

static void timestamps(struct cap *c)
{
    full(c, 1700000000, 123456, 60, 1);
    full(c, 0, 0, 54, 2);
    full(c, 0xffffffff, 0xffffffff, 40, 3); /* -1 s / 4294967295 s */
    full(c, 0x80000000, 0x7fffffff, 40, 4);
    full(c, 5, 2000000, 40, 5);       /* fraction above one second */
    full(c, 1, 999999999, 40, 6);
    full(c, 0x7fffffff, 1000000000, 40, 7);
}

Test(pcap_file, both_byte_orders_us_and_ns)
{
    for (int big = 0; big <= 1; big++)
        for (int nano = 0; nano <= 1; nano++) {
            struct cap c = header(big, nano, 2, 4, 65535, DLT_EN10MB_);
            timestamps(&c);
            char name[32];
            snprintf(name, sizeof name, "order_%d_%d.pcap", big, nano);
            struct outcome o = check(name, &c, c.n, true);
            cr_assert_eq(o.packets, 7);
            cr_assert_eq(o.last_rc, 0);
            free(c.b);
        }
}

Test(pcap_file, zero_length_record_and_len_below_caplen)
{
    for (int big = 0; big <= 1; big++) {
        struct cap c = header(big, US, 2, 4, 65535, DLT_EN10MB_);
        full(&c, 1, 1, 0, 1);
        record(&c, 2, 2, 0, 0, 0, 2);
        record(&c, 3, 3, 100, 20, 100, 3); /* len < caplen: handed on as it is */
        record(&c, 4, 4, 100, 0, 100, 4);
        full(&c, 5, 5, 0, 5);
        struct outcome o = check(big ? "zero_be.pcap" : "zero_le.pcap", &c, c.n, true);
        cr_assert_eq(o.packets, 5);
        free(c.b);
    }
}

/* ---- damaged files ------------------------------------------------------ */

Test(pcap_file, cut_anywhere)
{
    struct cap c = header(false, NS, 2, 4, 65535, DLT_EN10MB_);
    full(&c, 1, 1, 60, 1);
    full(&c, 2, 2, 0, 2);
    full(&c, 3, 3, 1514, 3);
    full(&c, 4, 4, 7, 4);
    /* every length: mid-header, mid-data, and exactly between records */
    unsigned clean = 0;
    for (size_t n = 0; n <= c.n; n++) {
        char name[32];
        snprintf(name, sizeof name, "cut_%zu.pcap", n);
        struct outcome o = check(name, &c, n, n >= 24);
        clean += o.open_rc == 0 && o.last_rc == 0;
    }
    cr_assert_eq(clean, 5, "header alone and after each of the 4 records");
    free(c.b);
}

Test(pcap_file, caplen_above_the_snapshot_length)
{
    for (int big = 0; big <= 1; big++) {
        struct cap c = header(big, US, 2, 4, 100, DLT_EN10MB_);
        full(&c, 1, 1, 60, 1);
        full(&c, 2, 2, 150, 2);  /* cut to 100, the rest skipped */
        full(&c, 3, 3, 100, 3);
        full(&c, 4, 4, 5000, 4); /* more than a skip buffer of libpcap's */
        full(&c, 5, 5, 10, 5);
        struct outcome o = check("snap.pcap", &c, c.n, true);
        cr_assert_eq(o.packets, 5);
        /* and cut inside the part kept, and inside the part skipped */
        size_t rec2 = 24 + 16 + 60;
        size_t cuts[] = {rec2 + 16 + 50, rec2 + 16 + 100, rec2 + 16 + 120, rec2 + 16 + 149};
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            struct outcome t = check("snapcut.pcap", &c, cuts[i], true);
            cr_assert_eq(t.last_rc, -1);
            cr_assert_eq(t.packets, 1);
        }
        free(c.b);
    }
}

/* The error names the record by its number in the file and its byte
 * offset, both counted from the file as built here: a record cut to the
 * snapshot length takes its whole length in the file, and records the
 * filter skips count too. */
static void expect_error(const char *path, const char *filter, unsigned packets,
                         const char *want)
{
    struct ts_capture *cap;
    char err[512];
    cr_assert_eq(ts_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
    if (filter)
        cr_assert_eq(ts_capture_set_filter(cap, filter, err, sizeof err), 0, "%s", err);
    struct ts_capture_packet p;
    for (unsigned i = 0; i < packets; i++)
        cr_assert_eq(ts_capture_next(cap, &p, err, sizeof err), 1, "%s: packet %u: %s", path,
                     i + 1, err);
    cr_assert_eq(ts_capture_next(cap, &p, err, sizeof err), -1, "%s", path);
    cr_assert_str_eq(err, want, "%s", path);
    ts_capture_close(cap);
}

Test(pcap_file, error_offsets_count_the_file)
{
    for (int big = 0; big <= 1; big++) {
        struct cap c = header(big, US, 2, 4, 100, DLT_EN10MB_);
        full(&c, 1, 1, 60, 1);   /* at 24, 76 bytes */
        full(&c, 2, 2, 150, 2);  /* at 100, 166 bytes: cut to 100 when read */
        full(&c, 3, 3, 5000, 3); /* at 266, 5016 bytes */
        full(&c, 4, 4, 80, 4);   /* at 5282 */
        const char *path = write_cap("offsets.pcap", &c, 5282 + 16 + 40);
        expect_error(path, NULL, 3,
                     "record 4 at byte offset 5282: truncated dump file; tried to read 80 "
                     "captured bytes, only got 40");
        /* the filter passes only the first: records 2 and 3 still count */
        expect_error(path, "len < 100", 1,
                     "record 4 at byte offset 5282: truncated dump file; tried to read 80 "
                     "captured bytes, only got 40");
        path = write_cap("offsets_hdr.pcap", &c, 266 + 10);
        expect_error(path, "len > 1000", 0,
                     "record 3 at byte offset 266: truncated dump file; tried to read 16 "
                     "header bytes, only got 10");
        free(c.b);
    }
}

Test(pcap_file, caplen_above_libpcaps_maximum)
{
    uint32_t snaps[] = {0, 65535, 262144, 300000, 0xffffffff};
    for (size_t i = 0; i < sizeof snaps / sizeof snaps[0]; i++) {
        struct cap c = header(i % 2, NS, 2, 4, snaps[i], DLT_EN10MB_);
        full(&c, 1, 1, 60, 1);
        full(&c, 2, 2, 262144, 2); /* the largest accepted */
        record(&c, 3, 3, 262145, 262145, 10, 3);
        struct outcome o = check("max.pcap", &c, c.n, true);
        cr_assert_eq(o.last_rc, -1);
        cr_assert_eq(o.packets, 2);
        free(c.b);
        c = header(i % 2, NS, 2, 4, snaps[i], DLT_EN10MB_);
        record(&c, 3, 3, 0xffffffff, 0xffffffff, 10, 3);
        check("huge.pcap", &c, c.n, true);
        free(c.b);
    }
}

/* ---- the chunk boundary -------------------------------------------------- */

/* Records of the given sizes after padding records that bring the next one
 * to offset `at` (>= 24 + 16). */
static void pad_to(struct cap *c, size_t at)
{
    while (c->n + 16 + 1500 + 16 <= at)
        full(c, 9, 9, 1500, (unsigned)c->n);
    size_t left = at - c->n;
    cr_assert_geq(left, 16);
    full(c, 9, 9, (uint32_t)(left - 16), 77);
    cr_assert_eq(c->n, at);
}

Test(pcap_file, records_across_the_chunk_boundary)
{
    /* the first read ends exactly at TS_PCAP_FILE_FIRST_READ; later ones
     * wherever the record moved to the front of the buffer leaves them */
    const size_t ks[] = {TS_PCAP_FILE_FIRST_READ, TS_PCAP_FILE_CHUNK};
    /* where the record after the padding starts, relative to the boundary */
    const long starts[] = {-16, -15, -8, -1, 0, 1, -60, -16 - 60, -16 - 59, -40000};
    for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++)
        for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
            const size_t k = ks[j];
            struct cap c = header(i % 2, US, 2, 4, 0, DLT_EN10MB_);
            pad_to(&c, (size_t)((long)k + starts[i]));
            full(&c, 10, 10, 60, 10);
            full(&c, 11, 11, 262144, 11); /* the largest record: the buffer grows */
            full(&c, 12, 12, 60, 12);
            struct outcome o = check("chunk.pcap", &c, c.n, true);
            cr_assert_eq(o.last_rc, 0);
            /* and the file ending exactly at, just before and after the boundary */
            check("chunk_end.pcap", &c, k, true);
            check("chunk_end.pcap", &c, k - 1, true);
            check("chunk_end.pcap", &c, k + 1, true);
            free(c.b);
        }
    /* the largest record first, and straddling the first boundary */
    for (int big = 0; big <= 1; big++) {
        struct cap c = header(big, NS, 2, 4, 0, DLT_EN10MB_);
        full(&c, 1, 1, 262144, 1);
        full(&c, 2, 2, 262144, 2);
        full(&c, 3, 3, 1, 3);
        check("big_first.pcap", &c, c.n, true);
        check("big_first.pcap", &c, c.n - 2, true);
        free(c.b);
        c = header(big, NS, 2, 4, 0, DLT_EN10MB_);
        pad_to(&c, TS_PCAP_FILE_FIRST_READ - 1000);
        full(&c, 2, 2, 262144, 2);
        full(&c, 3, 3, 1, 3);
        check("big_straddle.pcap", &c, c.n, true);
        free(c.b);
    }
}

Test(pcap_file, many_chunks_of_random_records)
{
    struct cap c = header(false, NS, 2, 4, 65535, DLT_EN10MB_);
    unsigned s = 12345;
    uint32_t n = 0;
    while (c.n < 5 * TS_PCAP_FILE_CHUNK) {
        s = s * 1103515245 + 12345;
        uint32_t len = (s >> 8) % 3 == 0 ? (s >> 12) % 65536 : (s >> 12) % 1600;
        full(&c, n, n * 1000, len, s);
        n++;
    }
    struct outcome o = check("random.pcap", &c, c.n, true);
    cr_assert_eq(o.packets, n);
    free(c.b);
}

/* ---- what goes to libpcap ------------------------------------------------ */

Test(pcap_file, other_files_are_left_to_libpcap)
{
    struct cap c = header(false, US, 2, 4, 65535, 0);
    full(&c, 1, 1, 40, 1);
    cr_assert_eq(check("null.pcap", &c, c.n, true).packets, 1); /* DLT_NULL */
    cr_assert_eq(check("hdr_only.pcap", &c, 24, true).last_rc, 0);
    check("short_hdr.pcap", &c, 10, false);
    check("empty.pcap", &c, 0, false);
    free(c.b);

    for (int big = 0; big <= 1; big++) {
        /* Linux cooked: ours in this host's byte order, libpcap's when swapped
         * (it byte-swaps SocketCAN headers) */
        bool swapped = big != (htonl(1) == 1);
        c = header(big, US, 2, 4, 65535, DLT_SLL_);
        full(&c, 1, 1, 40, 1);
        check("sll.pcap", &c, c.n, !swapped);
        free(c.b);
        c = header(big, US, 2, 4, 65535, DLT_USB_LINUX_MMAPPED_);
        full(&c, 1, 1, 80, 1);
        check("usb.pcap", &c, c.n, false);
        free(c.b);
        /* versions before 2.4 may have caplen and len swapped */
        c = header(big, US, 2, 3, 65535, DLT_EN10MB_);
        record(&c, 1, 1, 40, 20, 40, 1);
        check("v23.pcap", &c, c.n, false);
        free(c.b);
        c = header(big, US, 2, 5, 65535, DLT_EN10MB_);
        full(&c, 1, 1, 40, 1);
        check("v25.pcap", &c, c.n, false);
        free(c.b);
    }
    /* a pcapng section header (cut short): libpcap's word on it */
    uint8_t ng[] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a};
    struct cap g = {.b = ng, .n = sizeof ng};
    check("ng.pcapng", &g, sizeof ng, false);
}

/* ---- a pipe, a memory stream, -w ---------------------------------------- */

/* ours reading c through a pipe, against libpcap on the file */
static void through_pipe(const char *name, const struct cap *c, size_t step, bool in_place)
{
    struct outcome o = compare_pipe(name, c, step);
    if (o.open_rc == 0)
        cr_assert_eq(o.in_place, in_place, "%s: read in place", name);
}

Test(pcap_file, pipes)
{
    signal(SIGPIPE, SIG_IGN);
    struct cap c = header(true, US, 2, 4, 65535, DLT_EN10MB_);
    for (uint32_t i = 0; i < 3000; i++)
        full(&c, i, i, i % 1000 == 999 ? 262144 - i : i % 1600, i); /* some large */
    through_pipe("pipe.pcap", &c, 7, true);
    through_pipe("pipe.pcap", &c, 4093, true);
    through_pipe("pipe_cut.pcap", &(struct cap){.b = c.b, .n = c.n - 5}, 1000, true);
    through_pipe("pipe_hdr.pcap", &(struct cap){.b = c.b, .n = 24}, 3, true);
    through_pipe("pipe_short.pcap", &(struct cap){.b = c.b, .n = 13}, 3, false);
    free(c.b);
    /* a pcapng file from testdata through the pipe: walked too */
    DIR *d = opendir(TS_SOURCE_DIR "/testdata");
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 7 && strcmp(e->d_name + l - 7, ".pcapng") == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/testdata/%s", TS_SOURCE_DIR, e->d_name);
            size_t n;
            char *b = ts_test_slurp(path, &n);
            through_pipe("pipe.pcapng", &(struct cap){.b = (uint8_t *)b, .n = n}, 512, true);
            free(b);
            break;
        }
    }
    closedir(d);
}

Test(pcap_file, memory_stream)
{
    struct cap c = header(false, NS, 2, 4, 65535, DLT_EN10MB_);
    timestamps(&c);
    const char *path = write_cap("mem.pcap", &c, c.n - 3);
    struct outcome o = compare_stream("mem", path, fmemopen(c.b, c.n - 3, "rb"));
    cr_assert(o.in_place);
    cr_assert_eq(o.last_rc, -1);
    free(c.b);
}

Test(pcap_file, dump_writes_the_same_file)
{
    for (int nano = 0; nano <= 1; nano++) {
        struct cap c = header(true, nano, 2, 4, 200, DLT_EN10MB_);
        timestamps(&c);
        full(&c, 9, 9, 300, 9); /* cut to the snapshot length */
        compare_dump(write_cap("dump_in.pcap", &c, c.n), "len > 50");
        free(c.b);
    }
}

/* A filter while the file breaks: the record number and offset in the error
 * count every record of the file, those the filter skipped too. */
Test(pcap_file, filter_then_damage)
{
    struct cap c = header(false, US, 2, 4, 65535, DLT_EN10MB_);
    for (uint32_t i = 0; i < 20; i++)
        full(&c, i, i, 40 + i, i);
    const char *path = write_cap("filt.pcap", &c, c.n - 10);
    compare_file(path, "len > 50");
    compare_file(path, "len > 1000");
    free(c.b);
}

Test(pcap_file, stop_ends_one_read)
{
    struct cap c = header(false, US, 2, 4, 65535, DLT_EN10MB_);
    for (uint32_t i = 0; i < 5; i++)
        full(&c, i, i, 40, i);
    const char *path = write_cap("stop.pcap", &c, c.n);
    struct ts_capture *ref, *cap;
    char err[512];
    cr_assert_eq(ts_capture_open_file_libpcap(&ref, path, err, sizeof err), 0);
    cr_assert_eq(ts_capture_open_file(&cap, path, err, sizeof err), 0);
    struct ts_capture_packet p;
    cr_assert_eq(ts_capture_next(ref, &p, err, sizeof err), 1);
    cr_assert_eq(ts_capture_next(cap, &p, err, sizeof err), 1);
    ts_capture_stop(ref);
    ts_capture_stop(cap);
    compare_caps("stop", ref, 0, "", cap, 0, "", NULL); /* the 0 of the stop */
    compare_caps("stop", ref, 0, "", cap, 0, "", NULL); /* the rest */
    ts_capture_close(ref);
    ts_capture_close(cap);
    free(c.b);
}

/* Flipped bytes in record headers of a real capture: whatever libpcap makes of
 * them, ours makes the same. */
Test(pcap_file, damaged_record_headers)
{
    compare_flipped("testdata/normal_client_closes_first.pcap", 24, 3, 300, 777, true);
}

/* A stream that fails with EIO after its first `left` bytes. */
struct failing {
    const uint8_t *b;
    size_t left;
};

static ssize_t failing_read(void *cookie, char *dst, size_t n)
{
    struct failing *f = cookie;
    if (f->left == 0) {
        errno = EIO;
        return -1;
    }
    size_t k = n < f->left ? n : f->left;
    memcpy(dst, f->b, k);
    f->b += k;
    f->left -= k;
    return (ssize_t)k;
}

/* A read error is libpcap's "error reading dump file", with the record it
 * stopped in (the wording from libpcap's sf-pcap.c). */
Test(pcap_file, read_error)
{
    struct cap c = header(false, US, 2, 4, 65535, DLT_EN10MB_);
    for (uint32_t i = 0; i < 5; i++)
        full(&c, i, i, 100, i);
    struct failing f = {c.b, 24 + 2 * 116 + 50}; /* inside record 3's data */
    FILE *fp = fopencookie(&f, "rb", (cookie_io_functions_t){.read = failing_read});
    cr_assert_not_null(fp);
    struct ts_capture *cap;
    char err[512];
    cr_assert_eq(ts_capture_open_stream(&cap, fp, err, sizeof err), 0, "%s", err);
    cr_assert(ts_capture_reads_in_place(cap));
    struct ts_capture_packet p;
    cr_assert_eq(ts_capture_next(cap, &p, err, sizeof err), 1);
    cr_assert_eq(ts_capture_next(cap, &p, err, sizeof err), 1);
    cr_assert_eq(ts_capture_next(cap, &p, err, sizeof err), -1);
    cr_assert_str_eq(err, "record 3 at byte offset 256: error reading dump file: "
                          "Input/output error");
    ts_capture_close(cap);
    free(c.b);
}
