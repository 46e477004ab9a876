/* pcap_file.c - walks the records of a classic pcap file in place.
 *
 * The input is read in big pieces into one buffer, and each record's data is
 * handed out as a pointer into it: no copy per packet and one system call per
 * piece (libpcap copies every record out of a stdio buffer with two fread
 * calls). A record cut by the end of the buffer is moved to its front before
 * the next read, which is why the data of a record stays valid only until the
 * next call. The buffer starts at TS_PCAP_FILE_FIRST_READ bytes and doubles,
 * up to TS_PCAP_FILE_CHUNK, while reads fill it (or a record needs it): a
 * small input costs a small buffer.
 *
 * A stream with a descriptor is read with read(2), which on a pipe returns
 * what has arrived instead of waiting for a whole chunk; a stream without one
 * (fmemopen) through fread.
 *
 * The checks, their order and their messages are libpcap's (1.10, sf-pcap.c,
 * pcap_next_packet), so a damaged file reads the same as through libpcap: a
 * short record header or short data is "truncated dump file; ...", a caplen
 * above the link type's maximum is an error, a caplen above the file's
 * snapshot length is cut to it (the rest skipped), len < caplen passes, and an
 * end of file exactly between records is the clean end. Timestamps too: the
 * seconds and fraction are 32-bit signed when the file is in this host's byte
 * order and unsigned when swapped, and microseconds are multiplied by 1000.
 * tests/test_pcap_file.c compares the two readers packet by packet.
 *
 * The input side (peek, consume) also serves pcapng_file.c.
 *
 * The bytes read before deciding (the file header) can be handed back as a
 * stream (ts_pcap_file_stream, a fopencookie) that replays them and then
 * reads on: capture.c gives that to libpcap for every other kind of file, so
 * pipes, which cannot be rewound, work too. The stream can start with bytes
 * of the caller's: a pcapng file's start, then the block the pcapng walker
 * stopped at and the rest.
 */
#define _GNU_SOURCE /* fopencookie */
#include "pcap_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "bytes.h"
#include "prefault.h"

_Static_assert(TS_PCAP_FILE_CHUNK >= TS_PCAP_FILE_RECORD_LEN + TS_PCAP_FILE_MAX_CAPLEN,
               "a whole record must fit in the buffer");

struct ts_pcap_file {
    FILE *fp;
    int fd;            /* fileno(fp), or -1: read with fread */
    uint8_t *buf;
    size_t size;       /* of buf: TS_PCAP_FILE_FIRST_READ .. TS_PCAP_FILE_CHUNK */
    size_t start, end; /* the bytes read and not yet consumed: buf[start, end) */
    bool filled;       /* the last read filled the buffer: there may be much more */
    bool eof;
    int err; /* errno of a failed read; 0 when none */
    uint8_t *pre;      /* bytes the stream gives before buf[start, end) */
    size_t pre_len, pre_off;
    struct ts_pcap_file_format fmt;
    uint32_t snapshot, max_caplen;
};

/* ---- the input ---------------------------------------------------------- */

/* One read of at most n bytes: > 0 bytes read, 0 at the end, -1 (errno set)
 * on an error. An interrupted read is an error, as it is for libpcap. */
static ssize_t source_read(struct ts_pcap_file *f, uint8_t *dst, size_t n)
{
    if (f->fd >= 0)
        return read(f->fd, dst, n);
    size_t got = fread(dst, 1, n, f->fp);
    if (got > 0)
        return (ssize_t)got;
    if (ferror(f->fp)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* Double the buffer (at least to need, at most to TS_PCAP_FILE_CHUNK). */
static bool grow(struct ts_pcap_file *f, size_t need)
{
    size_t size = f->size * 2;
    while (size < need)
        size *= 2;
    if (size > TS_PCAP_FILE_CHUNK)
        size = TS_PCAP_FILE_CHUNK;
    uint8_t *b = realloc(f->buf, size);
    if (!b)
        return false;
    ts_prefault(b + f->size, size - f->size);
    f->buf = b;
    f->size = size;
    return true;
}

/* Make at least need bytes (need <= TS_PCAP_FILE_CHUNK) available from start,
 * unless the input ends or fails first. Returns how many are. */
static size_t fill(struct ts_pcap_file *f, size_t need)
{
    while (f->end - f->start < need && !f->eof && !f->err) {
        if (f->start > 0) {
            memmove(f->buf, f->buf + f->start, f->end - f->start);
            f->end -= f->start;
            f->start = 0;
        }
        /* a read that filled the buffer says there is more (a record longer
         * than the buffer always fills it): double it */
        if (f->size < TS_PCAP_FILE_CHUNK && f->filled && !grow(f, need)) {
            f->err = ENOMEM;
            break;
        }
        size_t room = f->size - f->end;
        ssize_t n = source_read(f, f->buf + f->end, room);
        if (n < 0) {
            f->err = errno ? errno : EIO;
        } else if (n == 0) {
            f->eof = true;
        } else {
            f->end += (size_t)n;
            f->filled = (size_t)n == room;
        }
    }
    return f->end - f->start;
}

int ts_pcap_file_new(struct ts_pcap_file **out, FILE *fp, char *errbuf, size_t errlen)
{
    struct ts_pcap_file *f = calloc(1, sizeof *f);
    uint8_t *buf = malloc(TS_PCAP_FILE_FIRST_READ);
    if (!f || !buf) {
        free(f);
        free(buf);
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    f->fp = fp;
    f->fd = fileno(fp);
    f->buf = buf;
    f->size = TS_PCAP_FILE_FIRST_READ;
    *out = f;
    return 0;
}

void ts_pcap_file_free(struct ts_pcap_file *f)
{
    if (!f)
        return;
    if (f->fp && f->fp != stdin)
        fclose(f->fp);
    free(f->buf);
    free(f->pre);
    free(f);
}

size_t ts_pcap_file_peek(struct ts_pcap_file *f, size_t n, const uint8_t **p)
{
    size_t have = fill(f, n);
    *p = f->buf + f->start;
    return have < n ? have : n;
}

void ts_pcap_file_consume(struct ts_pcap_file *f, size_t n)
{
    f->start += n <= f->end - f->start ? n : f->end - f->start;
}

bool ts_pcap_file_failed(const struct ts_pcap_file *f)
{
    return f->err != 0;
}

/* ---- the file header ---------------------------------------------------- */

static bool host_is_big_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 0;
}

static inline uint32_t get32(bool big_endian, const uint8_t *p, uint32_t n, uint32_t off)
{
    uint32_t v = 0;
    if (big_endian)
        ts_bytes_be32(p, n, off, &v);
    else
        ts_bytes_le32(p, n, off, &v);
    return v;
}

static uint16_t get16(bool big_endian, const uint8_t *p, uint32_t n, uint32_t off)
{
    uint16_t v = 0;
    if (big_endian)
        ts_bytes_be16(p, n, off, &v);
    else
        ts_bytes_le16(p, n, off, &v);
    return v;
}

bool ts_pcap_file_is_classic(const uint8_t *hdr, size_t n, struct ts_pcap_file_format *fmt)
{
    uint32_t magic;
    if (n < TS_PCAP_FILE_HEADER_LEN || !ts_bytes_be32(hdr, (uint32_t)n, 0, &magic))
        return false;
    switch (magic) {
    case 0xa1b2c3d4: /* microseconds, written big-endian */
    case 0xa1b23c4d: /* nanoseconds */
        fmt->big_endian = true;
        break;
    case 0xd4c3b2a1: /* the same, little-endian */
    case 0x4d3cb2a1:
        fmt->big_endian = false;
        break;
    default:
        return false;
    }
    fmt->nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    fmt->swapped = fmt->big_endian != host_is_big_endian();
    uint32_t len = TS_PCAP_FILE_HEADER_LEN;
    /* 2.4 only: older versions may have caplen and len the other way round */
    if (get16(fmt->big_endian, hdr, len, 4) != 2 || get16(fmt->big_endian, hdr, len, 6) != 4)
        return false;
    fmt->snaplen = get32(fmt->big_endian, hdr, len, 16);
    fmt->linktype = get32(fmt->big_endian, hdr, len, 20);
    return true;
}

void ts_pcap_file_begin(struct ts_pcap_file *f, const struct ts_pcap_file_format *fmt,
                        uint32_t snapshot, uint32_t max_caplen)
{
    fill(f, TS_PCAP_FILE_HEADER_LEN);
    f->start += TS_PCAP_FILE_HEADER_LEN; /* the caller has seen them with peek */
    f->fmt = *fmt;
    f->snapshot = snapshot;
    f->max_caplen = max_caplen < TS_PCAP_FILE_MAX_CAPLEN ? max_caplen : TS_PCAP_FILE_MAX_CAPLEN;
}

/* ---- records ------------------------------------------------------------ */

static int read_error(const struct ts_pcap_file *f, char *errbuf, size_t errlen)
{
    snprintf(errbuf, errlen, "error reading dump file: %s", strerror(f->err));
    return -1;
}

/* A 32-bit timestamp field as libpcap widens it: its SWAPLONG gives an
 * unsigned value, the unswapped field is a bpf_int32. */
static int64_t widen(const struct ts_pcap_file *f, uint32_t v)
{
    return f->fmt.swapped ? (int64_t)v : (int64_t)(int32_t)v;
}

int ts_pcap_file_next(struct ts_pcap_file *f, struct ts_pcap_record *r, char *errbuf,
                      size_t errlen)
{
    const uint32_t hl = TS_PCAP_FILE_RECORD_LEN;
    size_t have = f->end - f->start;
    if (have < hl)
        have = fill(f, hl);
    if (have < hl) {
        if (f->err)
            return read_error(f, errbuf, errlen);
        if (have == 0)
            return 0; /* the end, between records */
        snprintf(errbuf, errlen,
                 "truncated dump file; tried to read %u header bytes, only got %zu", hl, have);
        return -1;
    }
    const uint8_t *h = f->buf + f->start;
    bool be = f->fmt.big_endian;
    uint32_t sec = get32(be, h, hl, 0), frac = get32(be, h, hl, 4);
    uint32_t caplen = get32(be, h, hl, 8), len = get32(be, h, hl, 12);

    if (caplen > f->max_caplen) {
        if (caplen > f->snapshot)
            snprintf(errbuf, errlen,
                     "invalid packet capture length %u, bigger than snaplen of %d", caplen,
                     (int)f->snapshot);
        else
            snprintf(errbuf, errlen,
                     "invalid packet capture length %u, bigger than maximum of %u", caplen,
                     f->max_caplen);
        return -1;
    }
    if (have < (size_t)hl + caplen)
        have = fill(f, (size_t)hl + caplen);
    if (have < (size_t)hl + caplen) {
        if (f->err)
            return read_error(f, errbuf, errlen);
        size_t got = have - hl;
        /* libpcap reads up to the snapshot length first, then skips the rest */
        uint32_t tried = caplen > f->snapshot && got < f->snapshot ? f->snapshot : caplen;
        snprintf(errbuf, errlen,
                 "truncated dump file; tried to read %u captured bytes, only got %zu", tried,
                 got);
        return -1;
    }
    h = f->buf + f->start; /* fill may have moved it */
    r->sec = widen(f, sec);
    r->frac = f->fmt.nano ? widen(f, frac) : widen(f, frac) * 1000;
    r->caplen = caplen > f->snapshot ? f->snapshot : caplen;
    r->len = len;
    r->stored = hl + caplen;
    r->data = h + hl;
    f->start += (size_t)hl + caplen;
    return 1;
}

/* ---- handing the input on ----------------------------------------------- */

static ssize_t stream_read(void *cookie, char *dst, size_t n)
{
    struct ts_pcap_file *f = cookie;
    if (f->pre_off < f->pre_len) {
        size_t k = n < f->pre_len - f->pre_off ? n : f->pre_len - f->pre_off;
        memcpy(dst, f->pre + f->pre_off, k);
        f->pre_off += k;
        return (ssize_t)k;
    }
    size_t have = f->end - f->start;
    if (have == 0) {
        if (f->err) {
            errno = f->err;
            return -1;
        }
        if (f->eof)
            return 0;
        return source_read(f, (uint8_t *)dst, n);
    }
    size_t k = n < have ? n : have;
    memcpy(dst, f->buf + f->start, k);
    f->start += k;
    return (ssize_t)k;
}

static int stream_close(void *cookie)
{
    ts_pcap_file_free(cookie);
    return 0;
}

FILE *ts_pcap_file_stream(struct ts_pcap_file *f, const uint8_t *pre, size_t n)
{
    if (pre && n > 0) {
        f->pre = malloc(n);
        if (!f->pre)
            return NULL;
        memcpy(f->pre, pre, n);
        f->pre_len = n;
        f->pre_off = 0;
    }
    cookie_io_functions_t io = {.read = stream_read, .close = stream_close};
    FILE *s = fopencookie(f, "rb", io);
    if (!s) {
        free(f->pre);
        f->pre = NULL;
        f->pre_len = 0;
    }
    return s;
}
