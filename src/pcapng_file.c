/* pcapng_file.c - walks the packet blocks of a pcapng file in place.
 *
 * libpcap reads a pcapng file block by block with two fread calls each and
 * copies every block into a buffer of its own; on the 1M bench capture that
 * is ~0.06 s more than the classic file's in-place walk. This walker takes
 * the blocks where pcap_file.c's reader put them (peek, consume): no copy.
 *
 * It walks only what it is sure libpcap reads the same way, and hands the
 * rest back (TS_PCAPNG_HAND_OVER) instead of deciding: capture.c then has
 * libpcap read on from the block it stopped at (after the file's start,
 * replayed), so an odd or damaged file gets libpcap's own packets and
 * words. What it walks: one section (version 1.0 or 1.2, either byte order)
 * whose interfaces say time stamps in 10^-k s, k <= 9 (the default is
 * microseconds), with or without a time offset, the later ones (up to
 * TS_PCAPNG_MAX_IFACES) of the first one's link type and snapshot length;
 * Enhanced Packet Blocks of an interface described before them whose
 * captured length is within the snapshot length and the block, Simple
 * Packet Blocks, and every block libpcap ignores (name resolution,
 * statistics, secrets, custom ...), each block whole (its two lengths
 * equal, a multiple of 4, at most TS_PCAP_FILE_CHUNK). What it hands back:
 * another section or kind of interface, a Packet Block (obsolete), a block
 * that breaks any of those rules, a file that ends inside a block, a read
 * error.
 *
 * Time stamps as libpcap gives them with nanosecond precision (sf-pcapng.c,
 * pcap_ng_next_packet): the count t in the interface's units, seconds
 * t / units + offset (unsigned 64-bit arithmetic, then a time_t) and the
 * rest scaled up to nanoseconds. A Simple Packet Block has no time stamp
 * (t = 0) and its captured length is its length cut to the snapshot length.
 * tests/test_pcapng_file.c compares the two readers packet by packet.
 */
#include "pcapng_file.h"

#include <stdlib.h>
#include <string.h>

enum {
    BT_SHB = 0x0A0D0D0A,
    BT_IDB = 1,
    BT_PB = 2,  /* the obsolete Packet Block */
    BT_SPB = 3,
    BT_EPB = 6,
    BYTE_ORDER_MAGIC = 0x1A2B3C4D,
    OPT_END = 0,
    IF_TSRESOL = 9,
    IF_TSOFFSET = 14,
};

#define BLOCK_MIN 12u /* type, length, trailing length */

/* An interface's clock, and nanoseconds a unit of it: 10^(9-k). */
struct iface {
    struct ts_pcapng_clock c;
    uint64_t scale;
};

struct ts_pcapng_file {
    struct ts_pcap_file *in;
    bool big_endian;
    uint32_t linktype; /* the first interface's, as written ... */
    uint32_t snaplen;  /* ... and as libpcap compares later ones with them
                          (NO_MORE, 0: later interfaces are handed over) */
    uint32_t snapshot;
    uint32_t nif;
    struct iface ifs[TS_PCAPNG_MAX_IFACES];
    uint8_t *replay; /* the file's start, then each interface taken after it */
    size_t replay_len;
};

/* No 16-bit link type: later interfaces are handed over. */
#define NO_MORE 0xffffffffu

/* The most replay holds; an interface that would make it more is handed over. */
#define REPLAY_MAX (1u << 20)

static uint32_t rd32(bool big_endian, const uint8_t *p)
{
    return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t rd16(bool big_endian, const uint8_t *p)
{
    return (uint16_t)(big_endian ? p[0] << 8 | p[1] : p[1] << 8 | p[0]);
}

/* A whole block at offset at of the input (peeked): its type and total
 * length, and where it is. False when the input ends or fails first, or
 * the block's lengths are not those of a block walked here. */
static bool whole_block(struct ts_pcap_file *in, bool be, size_t at, uint32_t *type,
                        uint32_t *total, const uint8_t **block)
{
    const uint8_t *p;
    if (at > TS_PCAP_FILE_CHUNK - BLOCK_MIN || ts_pcap_file_peek(in, at + 8, &p) < at + 8)
        return false;
    *type = rd32(be, p + at);
    *total = rd32(be, p + at + 4);
    if (*total < BLOCK_MIN || *total % 4 != 0 || *total > TS_PCAP_FILE_CHUNK - at)
        return false;
    if (ts_pcap_file_peek(in, at + *total, &p) < at + *total)
        return false;
    if (rd32(be, p + at + *total - 4) != *total)
        return false;
    *block = p + at;
    return true;
}

/* The options of the first interface (len bytes at o): its time stamp
 * units and offset. False on anything libpcap might read otherwise or
 * refuse: an option cut short, a repeated or malformed time option, units
 * that are not 10^-k s with k <= 9. */
static bool interface_options(bool be, const uint8_t *o, uint32_t len,
                              struct ts_pcapng_clock *clock)
{
    bool saw_resol = false, saw_offset = false;
    uint64_t *units = &clock->units, *offset = &clock->offset;
    *units = 1000000;
    *offset = 0;
    while (len > 0) {
        if (len < 4)
            return false;
        uint16_t code = rd16(be, o), olen = rd16(be, o + 2);
        uint32_t padded = ((uint32_t)olen + 3) / 4 * 4;
        if (padded > len - 4)
            return false;
        const uint8_t *v = o + 4;
        if (code == OPT_END)
            return olen == 0;
        if (code == IF_TSRESOL) {
            if (olen != 1 || saw_resol || v[0] > 9) /* 0x80 and up: powers of 2 */
                return false;
            saw_resol = true;
            *units = 1;
            for (unsigned i = 0; i < v[0]; i++)
                *units *= 10;
        } else if (code == IF_TSOFFSET) {
            if (olen != 8 || saw_offset)
                return false;
            saw_offset = true;
            uint64_t hi = rd32(be, be ? v : v + 4), lo = rd32(be, be ? v + 4 : v);
            *offset = hi << 32 | lo;
        }
        o += 4 + padded;
        len -= 4 + padded;
    }
    return true;
}

bool ts_pcapng_file_is_walkable(struct ts_pcap_file *in, struct ts_pcapng_format *fmt)
{
    const uint8_t *p;
    if (ts_pcap_file_peek(in, 12, &p) < 12)
        return false;
    bool be;
    if (rd32(true, p) != BT_SHB) /* the same both ways */
        return false;
    if (rd32(true, p + 8) == BYTE_ORDER_MAGIC)
        be = true;
    else if (rd32(false, p + 8) == BYTE_ORDER_MAGIC)
        be = false;
    else
        return false;
    uint32_t type, total;
    const uint8_t *b;
    if (!whole_block(in, be, 0, &type, &total, &b) || total < BLOCK_MIN + 16)
        return false;
    uint16_t major = rd16(be, b + 12), minor = rd16(be, b + 14);
    if (major != 1 || (minor != 0 && minor != 2))
        return false;
    size_t at = total;
    for (;;) {
        if (!whole_block(in, be, at, &type, &total, &b))
            return false;
        at += total;
        if (type == BT_IDB)
            break;
        if (type == BT_SHB || type == BT_PB || type == BT_SPB || type == BT_EPB)
            return false; /* libpcap refuses a packet before any interface */
    }
    if (total < BLOCK_MIN + 8)
        return false;
    if (!interface_options(be, b + 16, total - BLOCK_MIN - 8, &fmt->clock))
        return false;
    fmt->big_endian = be;
    fmt->linktype = rd16(be, b + 8);
    fmt->snaplen = rd32(be, b + 12);
    fmt->prefix_len = at;
    return true;
}

static void add_interface(struct ts_pcapng_file *w, const struct ts_pcapng_clock *c)
{
    struct iface *i = &w->ifs[w->nif++];
    i->c = *c;
    i->scale = 1;
    for (uint64_t u = c->units; u < 1000000000u; u *= 10)
        i->scale *= 10;
}

struct ts_pcapng_file *ts_pcapng_file_begin(struct ts_pcap_file *in,
                                            const struct ts_pcapng_format *fmt, int dlt,
                                            uint32_t snapshot)
{
    struct ts_pcapng_file *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    const uint8_t *p;
    if (fmt->prefix_len > REPLAY_MAX || !(w->replay = malloc(fmt->prefix_len)) ||
        ts_pcap_file_peek(in, fmt->prefix_len, &p) < fmt->prefix_len) {
        free(w->replay);
        free(w);
        return NULL;
    }
    memcpy(w->replay, p, fmt->prefix_len);
    w->replay_len = fmt->prefix_len;
    ts_pcap_file_consume(in, fmt->prefix_len);
    w->in = in;
    w->big_endian = fmt->big_endian;
    w->snapshot = snapshot;
    /* later interfaces are walked only when libpcap takes them whatever its
     * version: the link type as written equal to the first's and to the
     * link type libpcap names (it compares the one with the other), the
     * snapshot length equal to the first's and already one libpcap keeps
     * as it is (versions differ in which one they compare) */
    w->linktype = dlt >= 0 && dlt == fmt->linktype ? fmt->linktype : NO_MORE;
    w->snaplen = fmt->snaplen == snapshot ? fmt->snaplen : 0;
    add_interface(w, &fmt->clock);
    return w;
}

/* Another interface (its whole block: b, total bytes): walked on when it is
 * of the first one's kind, else handed over. Kept for the replay. */
static bool more_interface(struct ts_pcapng_file *w, const uint8_t *b, uint32_t total)
{
    struct ts_pcapng_clock c;
    const uint8_t *body = b + 8;
    uint32_t len = total - BLOCK_MIN;
    if (len < 8 || w->nif == TS_PCAPNG_MAX_IFACES || w->snaplen == 0 ||
        w->linktype == NO_MORE || rd16(w->big_endian, body) != w->linktype ||
        rd32(w->big_endian, body + 4) != w->snaplen ||
        !interface_options(w->big_endian, body + 8, len - 8, &c) ||
        total > REPLAY_MAX - w->replay_len)
        return false;
    uint8_t *r = realloc(w->replay, w->replay_len + total);
    if (!r)
        return false;
    memcpy(r + w->replay_len, b, total);
    w->replay = r;
    w->replay_len += total;
    add_interface(w, &c);
    return true;
}

const uint8_t *ts_pcapng_file_replay(const struct ts_pcapng_file *w, size_t *n)
{
    *n = w->replay_len;
    return w->replay;
}

void ts_pcapng_file_free(struct ts_pcapng_file *w)
{
    if (w)
        free(w->replay);
    free(w);
}

int ts_pcapng_file_next(struct ts_pcapng_file *w, struct ts_pcap_record *r)
{
    const bool be = w->big_endian;
    for (;;) {
        const uint8_t *p;
        if (ts_pcap_file_peek(w->in, 1, &p) == 0 && !ts_pcap_file_failed(w->in))
            return 0; /* the end, between blocks */
        uint32_t type, total;
        const uint8_t *b;
        if (!whole_block(w->in, be, 0, &type, &total, &b))
            return TS_PCAPNG_HAND_OVER;
        const uint8_t *body = b + 8;
        uint32_t body_len = total - BLOCK_MIN;
        uint64_t t;
        uint32_t caplen, len, head, ifid;
        switch (type) {
        case BT_EPB:
            if (body_len < 20 || (ifid = rd32(be, body)) >= w->nif)
                return TS_PCAPNG_HAND_OVER; /* short, or an interface not described */
            t = (uint64_t)rd32(be, body + 4) << 32 | rd32(be, body + 8);
            caplen = rd32(be, body + 12);
            len = rd32(be, body + 16);
            head = 20;
            if (caplen > w->snapshot || caplen > body_len - head)
                return TS_PCAPNG_HAND_OVER;
            break;
        case BT_SPB:
            if (body_len < 4)
                return TS_PCAPNG_HAND_OVER;
            ifid = 0; /* libpcap: the first interface */
            t = 0;    /* no time stamp */
            len = rd32(be, body);
            caplen = len < w->snapshot ? len : w->snapshot;
            head = 4;
            if (caplen > body_len - head)
                return TS_PCAPNG_HAND_OVER;
            break;
        case BT_IDB:
            if (!more_interface(w, b, total))
                return TS_PCAPNG_HAND_OVER;
            ts_pcap_file_consume(w->in, total);
            continue;
        case BT_SHB:
        case BT_PB:
            return TS_PCAPNG_HAND_OVER;
        default:
            ts_pcap_file_consume(w->in, total); /* libpcap skips it too */
            continue;
        }
        ts_pcap_file_consume(w->in, total); /* b stays where it is until the next peek */
        const struct iface *i = &w->ifs[ifid];
        r->sec = (int64_t)(t / i->c.units + i->c.offset);
        r->frac = (int64_t)((t % i->c.units) * i->scale);
        r->caplen = caplen;
        r->len = len;
        r->stored = total;
        r->data = body + head;
        return 1;
    }
}
