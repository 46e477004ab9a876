/* capture.c - the one file that includes <pcap.h>: opens a capture file,
 * standard input or an interface, applies a BPF filter and hands out packets
 * with nanosecond timestamps.
 *
 * A file (or standard input) is first read by pcap_file.c's reader, which
 * keeps what it reads, so nothing needs a rewind and pipes work. When the
 * first 24 bytes are a classic pcap header (version 2.4, microseconds or
 * nanoseconds, either byte order) of a link type libpcap hands through
 * untouched, that reader walks the records in place, in big chunks, with
 * libpcap's checks and messages. libpcap still reads the header: those 24
 * bytes alone (an fmemopen) are a valid empty capture, which gives the link
 * type as pcap_datalink names it and the snapshot length as libpcap adjusts
 * it; and that header-only pcap_t compiles the filter (run with
 * pcap_offline_filter) and opens the -w dump.
 *
 * A pcapng file that starts in the shape pcapng_file.c walks is walked the
 * same way, its start up to the first interface given to libpcap as the
 * header-only capture. When that walker meets what it leaves to libpcap,
 * libpcap reads on from there, from a stream of that start followed by the
 * rest of the input (hand_over).
 *
 * Everything else (other pcapng files, older versions, link types whose
 * pseudo-headers libpcap byte-swaps while reading: USB, NFLOG, PFLOG,
 * SocketCAN in SLL) is read by libpcap from a stream that replays the bytes
 * already read and then reads on, through our own 256 KiB stdio buffer
 * (pcap_open_offline's default buffer is small and makes half of a plain
 * read loop system calls).
 */
#include "capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcap_file.h"
#include "pcapng_file.h"

#define READ_BUFFER (256 * 1024)

struct ts_capture {
    pcap_t *pcap;              /* for a walked file, the header-only one */
    struct ts_pcap_file *file; /* the classic pcap walker, or NULL: libpcap reads */
    struct ts_pcapng_file *ng; /* with file: a pcapng file walked */
    uint8_t header[TS_PCAP_FILE_HEADER_LEN]; /* what the header-only pcap_t read */
    uint8_t *ng_prefix;        /* ... for a pcapng file (ng): a copy of its own that
                                  stays put while the walker's replay grows */
    struct bpf_program prog;   /* the filter, run here for a walked file */
    bool filtered;
    volatile sig_atomic_t stop; /* ts_capture_stop on a walked file */
    char *buf;       /* the stdio buffer of the stream libpcap reads */
    bool live;
    pcap_dumper_t *dump; /* -w */
    uint64_t records; /* records read from the file, those the filter skipped too */
    int64_t offset;  /* byte offset of the next record, -1 when not known */
    uint32_t snapshot; /* the file's, for a file libpcap reads */
};

static struct ts_capture *capture_new(void)
{
    return calloc(1, sizeof(struct ts_capture));
}

/* libpcap's words for "this is not a capture" are terse; say what it means. */
static void explain_open_error(const char *pcap_err, char *errbuf, size_t errlen)
{
    if (strstr(pcap_err, "unknown file format"))
        snprintf(errbuf, errlen, "not a pcap or pcapng capture (%s)", pcap_err);
    else if (strstr(pcap_err, "truncated dump file") || strstr(pcap_err, "truncated pcapng"))
        snprintf(errbuf, errlen, "capture file header is truncated (%s)", pcap_err);
    else
        snprintf(errbuf, errlen, "%s", pcap_err);
}

/* fopen path, or standard input for "-"; NULL (errbuf filled) when it cannot be read. */
static FILE *open_path(const char *path, char *errbuf, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(errbuf, errlen, "is a directory, not a capture file");
        return NULL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        snprintf(errbuf, errlen, "%s", strerror(errno));
    return fp;
}

int ts_capture_open_file(struct ts_capture **out, const char *path, char *errbuf, size_t errlen)
{
    FILE *fp = open_path(path, errbuf, errlen);
    return fp ? ts_capture_open_stream(out, fp, errbuf, errlen) : -1;
}

/* libpcap reads fp (taken over) from its start: the whole of c is freed on failure. */
static int open_with_libpcap(struct ts_capture **out, struct ts_capture *c, FILE *fp,
                             char *errbuf, size_t errlen)
{
    if (fp != stdin) {
        c->buf = malloc(READ_BUFFER);
        if (c->buf)
            setvbuf(fp, c->buf, _IOFBF, READ_BUFFER);
    }

    char perr[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (!c->pcap) {
        if (perr[0] == '\0')
            snprintf(perr, sizeof perr, "empty file");
        explain_open_error(perr, errbuf, errlen);
        if (fp != stdin)
            fclose(fp);
        free(c->buf);
        free(c);
        return -1;
    }
    /* pcap_close closes the FILE; the buffer is ours and freed after it.
     * In a classic pcap file each record is a 16-byte header and its data,
     * so offsets are counted, not asked of the file (ftell is a system call). */
    c->offset = pcap_major_version(c->pcap) == 2 ? 24 : -1;
    c->snapshot = pcap_snapshot(c->pcap) > 0 ? (uint32_t)pcap_snapshot(c->pcap) : 0;
    *out = c;
    return 0;
}

/* Link types (as pcap_datalink names them) whose records libpcap returns as
 * they are in the file: those decode_link.c reads, less the Linux cooked ones
 * from a file of the other byte order, where libpcap swaps SocketCAN headers. */
static bool hands_through(int dlt, bool swapped)
{
    switch (dlt) {
    case DLT_NULL:
    case DLT_EN10MB:
    case DLT_FDDI:
    case DLT_RAW:
    case 14: /* DLT_RAW as OpenBSD numbers it */
    case DLT_LOOP:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
        return !swapped;
    default:
        return false;
    }
}

/* libpcap on the first n bytes of a file alone (kept at bytes while the
 * pcap_t lives): NULL when it refuses them. */
static pcap_t *header_only(uint8_t *bytes, size_t n)
{
    FILE *hf = fmemopen(bytes, n, "rb");
    if (!hf)
        return NULL;
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(hf, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (!p)
        fclose(hf);
    return p;
}

/* Whether the records of a file that libpcap opened as p are walked here:
 * a link type it hands through and a sane snapshot length. */
static bool walkable(pcap_t *p, bool swapped)
{
    return hands_through(pcap_datalink(p), swapped) && pcap_is_swapped(p) == swapped &&
           pcap_snapshot(p) > 0;
}

/* Walk f ourselves when its header allows: true when c is set up for that. */
static bool open_walked(struct ts_capture *c, struct ts_pcap_file *f)
{
    const uint8_t *head;
    size_t n = ts_pcap_file_peek(f, TS_PCAP_FILE_HEADER_LEN, &head);
    struct ts_pcap_file_format fmt;
    if (!ts_pcap_file_is_classic(head, n, &fmt))
        return false;
    memcpy(c->header, head, sizeof c->header);
    pcap_t *p = header_only(c->header, sizeof c->header);
    if (!p)
        return false;
    if (!walkable(p, fmt.swapped)) {
        pcap_close(p); /* closes its stream */
        return false;
    }
    /* for these link types libpcap's largest sane caplen is MAXIMUM_SNAPLEN */
    ts_pcap_file_begin(f, &fmt, (uint32_t)pcap_snapshot(p), TS_PCAP_FILE_MAX_CAPLEN);
    c->pcap = p;
    c->file = f;
    c->offset = TS_PCAP_FILE_HEADER_LEN;
    return true;
}

/* The same for a pcapng file (see hand_over for what the walker leaves). */
static bool open_walked_ng(struct ts_capture *c, struct ts_pcap_file *f)
{
    struct ts_pcapng_format fmt;
    if (!ts_pcapng_file_is_walkable(f, &fmt))
        return false;
    const uint8_t *head;
    ts_pcap_file_peek(f, fmt.prefix_len, &head);
    uint8_t *prefix = malloc(fmt.prefix_len);
    if (!prefix)
        return false;
    memcpy(prefix, head, fmt.prefix_len);
    pcap_t *p = header_only(prefix, fmt.prefix_len);
    bool swapped = fmt.big_endian != (htonl(1) == 1);
    struct ts_pcapng_file *w = NULL;
    if (!p || !walkable(p, swapped) ||
        !(w = ts_pcapng_file_begin(f, &fmt, pcap_datalink(p), (uint32_t)pcap_snapshot(p)))) {
        if (p)
            pcap_close(p);
        free(prefix);
        return false;
    }
    c->pcap = p;
    c->file = f;
    c->ng = w;
    c->ng_prefix = prefix;
    c->offset = -1; /* as libpcap's: pcapng offsets are not counted */
    c->snapshot = (uint32_t)pcap_snapshot(p);
    return true;
}

int ts_capture_open_stream(struct ts_capture **out, FILE *fp, char *errbuf, size_t errlen)
{
    struct ts_capture *c = capture_new();
    struct ts_pcap_file *f = NULL;
    if (!c || ts_pcap_file_new(&f, fp, errbuf, errlen) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        if (fp != stdin)
            fclose(fp);
        free(c);
        return -1;
    }
    if (open_walked(c, f) || open_walked_ng(c, f)) {
        *out = c;
        return 0;
    }
    /* libpcap reads it all: the bytes already read, then the rest */
    FILE *s = ts_pcap_file_stream(f, NULL, 0);
    if (!s) {
        snprintf(errbuf, errlen, "out of memory");
        ts_pcap_file_free(f);
        free(c);
        return -1;
    }
    return open_with_libpcap(out, c, s, errbuf, errlen);
}

int ts_capture_open_stream_libpcap(struct ts_capture **out, FILE *fp, char *errbuf,
                                   size_t errlen)
{
    struct ts_capture *c = capture_new();
    if (!c) {
        snprintf(errbuf, errlen, "out of memory");
        if (fp != stdin)
            fclose(fp);
        return -1;
    }
    return open_with_libpcap(out, c, fp, errbuf, errlen);
}

int ts_capture_open_file_libpcap(struct ts_capture **out, const char *path, char *errbuf,
                                 size_t errlen)
{
    FILE *fp = open_path(path, errbuf, errlen);
    return fp ? ts_capture_open_stream_libpcap(out, fp, errbuf, errlen) : -1;
}

bool ts_capture_reads_in_place(const struct ts_capture *c)
{
    return c->file != NULL;
}

int ts_capture_open_live(struct ts_capture **out, const char *iface, bool promisc, int snaplen,
                         char *errbuf, size_t errlen)
{
    struct ts_capture *c = capture_new();
    if (!c) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    char perr[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_create(iface, perr);
    if (!c->pcap) {
        snprintf(errbuf, errlen, "%s", perr);
        free(c);
        return -1;
    }
    pcap_set_snaplen(c->pcap, snaplen);
    pcap_set_promisc(c->pcap, promisc);
    pcap_set_immediate_mode(c->pcap, 1);
    pcap_set_timeout(c->pcap, 100);
    pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO);
    int r = pcap_activate(c->pcap);
    if (r < 0) {
        const char *why = pcap_geterr(c->pcap);
        if (r == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(errbuf, errlen, "no such interface (%s)", why);
        else if (r == PCAP_ERROR_PERM_DENIED)
            snprintf(errbuf, errlen,
                     "permission denied: capturing needs root or CAP_NET_RAW (%s)", why);
        else if (r == PCAP_ERROR_IFACE_NOT_UP)
            snprintf(errbuf, errlen, "the interface is down");
        else
            snprintf(errbuf, errlen, "%s", why);
        pcap_close(c->pcap);
        free(c);
        return -1;
    }
    /* Non-blocking, and waited on with poll() in ts_capture_next: a quiet
     * interface still lets the caller see signals and timers. */
    if (pcap_setnonblock(c->pcap, 1, perr) < 0 || pcap_get_selectable_fd(c->pcap) < 0) {
        snprintf(errbuf, errlen, "cannot wait on the interface: %s", perr);
        pcap_close(c->pcap);
        free(c);
        return -1;
    }
    c->live = true;
    c->offset = -1;
    *out = c;
    return 0;
}

int ts_capture_set_filter(struct ts_capture *c, const char *expr, char *errbuf, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(c->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(errbuf, errlen, "bad filter expression: %s", pcap_geterr(c->pcap));
        return -1;
    }
    /* A file's records are all counted, so the filter runs here (libpcap
     * would skip what fails it unseen); an interface's runs in the kernel. */
    if (!c->live) {
        if (c->filtered)
            pcap_freecode(&c->prog);
        c->prog = prog;
        c->filtered = true;
        return 0;
    }
    int r = pcap_setfilter(c->pcap, &prog);
    pcap_freecode(&prog);
    if (r < 0) {
        snprintf(errbuf, errlen, "cannot set the filter: %s", pcap_geterr(c->pcap));
        return -1;
    }
    return 0;
}

/* Seconds and nanoseconds (libpcap's nanosecond precision) as one count,
 * clamped to +-4e18 ns (years 1843..2096): a corrupt timestamp must not
 * overflow, and timeouts added later must not either. */
static int64_t to_ns(int64_t sec, int64_t nsec)
{
    const int64_t lim = 4000000000LL;
    if (sec > lim)
        return lim * 1000000000LL;
    if (sec < -lim)
        return -lim * 1000000000LL;
    return sec * 1000000000LL + nsec;
}

/* A packet the filter passed: hand it on and keep it with -w. */
static void deliver(struct ts_capture *c, const struct pcap_pkthdr *h, const u_char *data,
                    struct ts_capture_packet *p)
{
    p->ts_ns = to_ns(h->ts.tv_sec, h->ts.tv_usec);
    p->caplen = h->caplen;
    p->len = h->len;
    p->data = data;
    p->record = c->records;
    if (c->dump)
        pcap_dump((u_char *)c->dump, h, data);
}

static void record_error(const struct ts_capture *c, const char *why, char *errbuf,
                         size_t errlen)
{
    if (c->offset >= 0)
        snprintf(errbuf, errlen, "record %llu at byte offset %lld: %s",
                 (unsigned long long)c->records + 1, (long long)c->offset, why);
    else
        snprintf(errbuf, errlen, "record %llu: %s", (unsigned long long)c->records + 1, why);
}

/* The pcapng walker left the rest to libpcap: libpcap reads a stream of the
 * file's start (the section header up to the first interface, as it read
 * them for the header-only pcap_t) and the interfaces the walker took after
 * it, followed by the input from the block the walker stopped at. It then
 * stands where it would stand had it read the whole file: the other blocks
 * in between are packets and blocks it ignores, which change nothing it
 * keeps. Returns 0, or -1 with errbuf set. */
static int hand_over(struct ts_capture *c, char *errbuf, size_t errlen)
{
    char why[PCAP_ERRBUF_SIZE] = "out of memory";
    size_t n;
    const uint8_t *replay = ts_pcapng_file_replay(c->ng, &n);
    FILE *s = ts_pcap_file_stream(c->file, replay, n);
    pcap_t *p = NULL;
    if (s) {
        c->file = NULL; /* the stream's now */
        if ((c->buf = malloc(READ_BUFFER)) != NULL)
            setvbuf(s, c->buf, _IOFBF, READ_BUFFER);
        p = pcap_fopen_offline_with_tstamp_precision(s, PCAP_TSTAMP_PRECISION_NANO, why);
        if (!p)
            fclose(s);
    }
    ts_pcapng_file_free(c->ng);
    c->ng = NULL;
    ts_pcap_file_free(c->file); /* when no stream took it */
    c->file = NULL;
    if (!p) { /* the header-only pcap_t stays: it reads as an empty file */
        record_error(c, why, errbuf, errlen);
        return -1;
    }
    pcap_close(c->pcap); /* the header-only one */
    c->pcap = p;
    return 0;
}

/* ts_capture_next for a walked file: libpcap's pcap_next_ex, offline.
 * Returns 3 when libpcap reads on from here (a pcapng file handed over). */
static int next_walked(struct ts_capture *c, struct ts_capture_packet *p, char *errbuf,
                       size_t errlen)
{
    for (;;) {
        if (c->stop) { /* as pcap_breakloop: this call ends, the next reads on */
            c->stop = 0;
            return 0;
        }
        struct ts_pcap_record r;
        char why[PCAP_ERRBUF_SIZE];
        int rc = c->ng ? ts_pcapng_file_next(c->ng, &r)
                       : ts_pcap_file_next(c->file, &r, why, sizeof why);
        if (rc == 0)
            return 0;
        if (rc == TS_PCAPNG_HAND_OVER && c->ng)
            return hand_over(c, errbuf, errlen) < 0 ? -1 : 3;
        if (rc < 0) {
            record_error(c, why, errbuf, errlen);
            return -1;
        }
        c->records++;
        if (c->offset >= 0)
            c->offset += r.stored;
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)r.sec;
        h.ts.tv_usec = (suseconds_t)r.frac;
        h.caplen = r.caplen;
        h.len = r.len;
        if (c->filtered && !pcap_offline_filter(&c->prog, &h, r.data))
            continue;
        deliver(c, &h, r.data, p);
        return 1;
    }
}

int ts_capture_next(struct ts_capture *c, struct ts_capture_packet *p, char *errbuf,
                    size_t errlen)
{
    if (c->file) {
        int rc = next_walked(c, p, errbuf, errlen);
        if (rc != 3)
            return rc;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int r;
    for (;;) {
        r = pcap_next_ex(c->pcap, &h, &data);
        if (r == 0 && c->live) {
            struct pollfd pfd = {.fd = pcap_get_selectable_fd(c->pcap), .events = POLLIN};
            if (poll(&pfd, 1, 100) > 0)
                r = pcap_next_ex(c->pcap, &h, &data);
        }
        if (r != 1)
            break;
        c->records++;
        if (c->live)
            break;
        /* libpcap cuts a record longer than the snapshot length and skips
         * the rest unseen: after one that may have been cut, the offset of
         * the next is not known */
        if (c->offset >= 0)
            c->offset = h->caplen >= c->snapshot ? -1 : c->offset + 16 + (int64_t)h->caplen;
        if (!c->filtered || pcap_offline_filter(&c->prog, h, data))
            break;
    }
    if (r == 1) {
        deliver(c, h, data, p);
        return 1;
    }
    if (r == 0)
        return 2; /* live: the read timeout passed with no packet */
    if (r == PCAP_ERROR_BREAK)
        return 0;
    record_error(c, pcap_geterr(c->pcap), errbuf, errlen);
    return -1;
}

int ts_capture_datalink(const struct ts_capture *c)
{
    return pcap_datalink(c->pcap);
}

uint64_t ts_capture_records(const struct ts_capture *c)
{
    return c->records;
}

int64_t ts_capture_offset(const struct ts_capture *c)
{
    return c->offset;
}

int ts_capture_dump_to(struct ts_capture *c, const char *path, char *errbuf, size_t errlen)
{
    c->dump = pcap_dump_open(c->pcap, path);
    if (!c->dump) {
        snprintf(errbuf, errlen, "%s", pcap_geterr(c->pcap));
        return -1;
    }
    return 0;
}

int ts_capture_stats(struct ts_capture *c, struct ts_capture_stats *st)
{
    struct pcap_stat ps;
    if (!c->live || pcap_stats(c->pcap, &ps) < 0)
        return -1;
    st->received = ps.ps_recv;
    st->dropped = ps.ps_drop;
    st->if_dropped = ps.ps_ifdrop;
    return 0;
}

bool ts_capture_is_live(const struct ts_capture *c)
{
    return c->live;
}

void ts_capture_stop(struct ts_capture *c)
{
    if (c && c->file)
        c->stop = 1;
    else if (c && c->pcap)
        pcap_breakloop(c->pcap);
}

int ts_capture_dump_end(struct ts_capture *c, char *errbuf, size_t errlen)
{
    if (!c || !c->dump)
        return 0;
    /* pcap_dump writes through stdio and says nothing of a failed write:
     * the stream's error flag keeps it */
    FILE *fp = pcap_dump_file(c->dump);
    errno = 0;
    bool failed = pcap_dump_flush(c->dump) != 0 || ferror(fp);
    int e = errno ? errno : EIO;
    pcap_dump_close(c->dump);
    c->dump = NULL;
    if (failed)
        snprintf(errbuf, errlen, "%s", strerror(e));
    return failed ? -1 : 0;
}

void ts_capture_close(struct ts_capture *c)
{
    if (!c)
        return;
    if (c->dump)
        pcap_dump_close(c->dump);
    pcap_close(c->pcap); /* closes the file (never stdin), so the buffer is free */
    ts_pcapng_file_free(c->ng);
    ts_pcap_file_free(c->file); /* a walked file (never closing stdin) */
    free(c->ng_prefix);
    if (c->filtered)
        pcap_freecode(&c->prog);
    free(c->buf);
    free(c);
}
