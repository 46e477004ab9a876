/* capture.c - the one file that includes <pcap.h>: opens a capture file,
 * standard input or an interface, applies a BPF filter and hands out packets
 * with nanosecond timestamps.
 *
 * Files are read through our own 256 KiB stdio buffer: pcap_open_offline's
 * default buffer is small and makes half of a plain read loop system calls.
 */
#include "capture.h"

#include <errno.h>
#include <pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define READ_BUFFER (256 * 1024)

struct ts_capture {
    pcap_t *pcap;
    FILE *fp;        /* the file, when reading one */
    char *buf;       /* its stdio buffer */
    bool live;
    pcap_dumper_t *dump; /* -w */
    uint64_t records;
    int64_t offset;  /* byte offset of the next record */
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

int ts_capture_open_file(struct ts_capture **out, const char *path, char *errbuf, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return ts_capture_open_stream(out, stdin, errbuf, errlen);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(errbuf, errlen, "is a directory, not a capture file");
        return -1;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        return -1;
    }
    return ts_capture_open_stream(out, fp, errbuf, errlen);
}

int ts_capture_open_stream(struct ts_capture **out, FILE *fp, char *errbuf, size_t errlen)
{
    struct ts_capture *c = capture_new();
    if (!c) {
        snprintf(errbuf, errlen, "out of memory");
        if (fp != stdin)
            fclose(fp);
        return -1;
    }
    c->fp = fp;
    if (c->fp != stdin) {
        c->buf = malloc(READ_BUFFER);
        if (c->buf)
            setvbuf(c->fp, c->buf, _IOFBF, READ_BUFFER);
    }

    char perr[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (!c->pcap) {
        if (perr[0] == '\0')
            snprintf(perr, sizeof perr, "empty file");
        explain_open_error(perr, errbuf, errlen);
        if (c->fp != stdin)
            fclose(c->fp);
        free(c->buf);
        free(c);
        return -1;
    }
    /* pcap_close closes the FILE; the buffer is ours and freed after it.
     * In a classic pcap file each record is a 16-byte header and its data,
     * so offsets are counted, not asked of the file (ftell is a system call). */
    c->offset = pcap_major_version(c->pcap) == 2 ? 24 : -1;
    *out = c;
    return 0;
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

int ts_capture_next(struct ts_capture *c, struct ts_capture_packet *p, char *errbuf,
                    size_t errlen)
{
    {
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(c->pcap, &h, &data);
        if (r == 0 && c->live) {
            struct pollfd pfd = {.fd = pcap_get_selectable_fd(c->pcap), .events = POLLIN};
            if (poll(&pfd, 1, 100) > 0)
                r = pcap_next_ex(c->pcap, &h, &data);
        }
        if (r == 1) {
            c->records++;
            if (c->offset >= 0)
                c->offset += 16 + (int64_t)h->caplen;
            p->ts_ns = to_ns(h->ts.tv_sec, h->ts.tv_usec);
            p->caplen = h->caplen;
            p->len = h->len;
            p->data = data;
            if (c->dump)
                pcap_dump((u_char *)c->dump, h, data);
            return 1;
        }
        if (r == 0)
            return 2; /* live: the read timeout passed with no packet */
        if (r == PCAP_ERROR_BREAK)
            return 0;
        if (c->offset >= 0)
            snprintf(errbuf, errlen, "record %llu at byte offset %lld: %s",
                     (unsigned long long)c->records + 1, (long long)c->offset,
                     pcap_geterr(c->pcap));
        else
            snprintf(errbuf, errlen, "record %llu: %s", (unsigned long long)c->records + 1,
                     pcap_geterr(c->pcap));
        return -1;
    }
}

int ts_capture_datalink(const struct ts_capture *c)
{
    return pcap_datalink(c->pcap);
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
    if (c && c->pcap)
        pcap_breakloop(c->pcap);
}

void ts_capture_close(struct ts_capture *c)
{
    if (!c)
        return;
    if (c->dump)
        pcap_dump_close(c->dump);
    pcap_close(c->pcap); /* closes the file (never stdin), so the buffer is free */
    free(c->buf);
    free(c);
}
