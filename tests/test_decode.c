/* test_decode.c - the packet decoders (link, IP, TCP).
 *
 * Three kinds of test, each with its own source of truth:
 *   1. unit tests on byte arrays written here by hand: expected values come
 *      from the header layouts in RFC 791 (IPv4), RFC 8200 (IPv6), RFC 4302
 *      (AH), RFC 2675 (jumbograms), RFC 9293 (TCP), RFC 7323 (window scale,
 *      timestamps), RFC 2018 (SACK) and the link-layer formats named per test;
 *   2. the crafted captures in testdata/linktypes and testdata/decode (written
 *      by testdata/craft/craft.py): expected values are what tshark 4.0.17
 *      reports for them, e.g.
 *        tshark -o ip.defragment:FALSE -o ipv6.defragment:FALSE -r F -T fields
 *          -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e tcp.seq_raw
 *          -e tcp.ack_raw -e tcp.flags -e tcp.len -e tcp.options.mss_val
 *          -e tcp.options.wscale.shift -e _ws.malformed -e _ws.expert.message
 *   3. robustness: every crafted packet at every truncation length, every
 *      decoder on garbage, and seeded random mutations; run under
 *      -DTS_SANITIZE=ON so AddressSanitizer catches any out-of-bounds read.
 *      Frames are copied into buffers of exactly caplen bytes for that reason.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <pcap.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "decode.h"

/* ================================================================ helpers */

/* The whole pipeline as the analyzer runs it: link -> ip -> tcp. */
struct decoded {
    int status; /* the first stage that did not return TS_DEC_OK, or OK */
    int stage;  /* 0 link, 1 ip, 2 tcp: where status came from */
    struct ts_link link;
    struct ts_ip ip;
    struct ts_tcp tcp;
    uint32_t tcp_caplen; /* bytes of the TCP segment handed to ts_decode_tcp */
};

static void decode_frame(int dlt, const uint8_t *f, uint32_t caplen, struct decoded *d)
{
    uint32_t l3cap, l4cap;

    memset(d, 0, sizeof *d);
    d->status = ts_decode_link(dlt, f, caplen, &d->link);
    if (d->status != TS_DEC_OK)
        return;
    cr_assert_leq(d->link.l3_off, caplen, "link OK must leave l3_off within the capture");
    l3cap = caplen - d->link.l3_off;

    d->stage = 1;
    d->status = ts_decode_ip(f + d->link.l3_off, l3cap, d->link.ethertype, &d->ip);
    if (d->status != TS_DEC_OK)
        return;
    cr_assert_leq(d->ip.l4_off, l3cap, "ip OK must leave l4_off within the capture");
    l4cap = l3cap - d->ip.l4_off;
    if (l4cap > d->ip.l4_len)
        l4cap = d->ip.l4_len; /* trailing link padding is not TCP */
    d->tcp_caplen = l4cap;

    d->stage = 2;
    d->status = ts_decode_tcp(f + d->link.l3_off + d->ip.l4_off, l4cap, d->ip.l4_len, &d->tcp);
}

/* Text address -> the 16-byte form struct ts_ip uses (IPv4 in the first 4). */
static void addr(const char *text, uint8_t out[16])
{
    memset(out, 0, 16);
    if (strchr(text, ':'))
        cr_assert_eq(inet_pton(AF_INET6, text, out), 1, "bad test address %s", text);
    else
        cr_assert_eq(inet_pton(AF_INET, text, out), 1, "bad test address %s", text);
}

static void assert_addr(const uint8_t got[16], const char *text, const char *what)
{
    uint8_t want[16];

    addr(text, want);
    cr_assert_arr_eq(got, want, 16, "%s is not %s", what, text);
}

/* A capture loaded whole; every frame in a malloc'd buffer of exactly caplen. */
#define MAX_PKTS 16
struct capture {
    char path[512];
    int dlt;
    unsigned n;
    uint8_t *data[MAX_PKTS];
    uint32_t caplen[MAX_PKTS], len[MAX_PKTS];
};

static void load(const char *rel, struct capture *c)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *bytes;
    pcap_t *p;
    int rc;

    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/testdata/%s", TS_SOURCE_DIR, rel);
    p = pcap_open_offline(c->path, errbuf);
    cr_assert_not_null(p, "%s: %s", c->path, errbuf);
    c->dlt = pcap_datalink(p);
    while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
        cr_assert_lt(c->n, MAX_PKTS, "%s: too many packets for the test", rel);
        c->data[c->n] = malloc(h->caplen ? h->caplen : 1);
        cr_assert_not_null(c->data[c->n]);
        memcpy(c->data[c->n], bytes, h->caplen);
        c->caplen[c->n] = h->caplen;
        c->len[c->n] = h->len;
        c->n++;
    }
    cr_assert_eq(rc, PCAP_ERROR_BREAK, "%s: %s", rel, pcap_geterr(p));
    pcap_close(p);
}

static void unload(struct capture *c)
{
    for (unsigned i = 0; i < c->n; i++)
        free(c->data[i]);
    c->n = 0;
}

/* Decode packet i (0-based) of a loaded capture. */
static void decode_pkt(const struct capture *c, unsigned i, struct decoded *d)
{
    cr_assert_lt(i, c->n, "%s has no packet %u", c->path, i + 1);
    decode_frame(c->dlt, c->data[i], c->caplen[i], d);
}

/* ================================================================ bytes.h */

Test(bytes, reads_big_and_little_endian)
{
    static const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9A};
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;

    cr_assert(ts_bytes_u8(b, 5, 4, &u8));
    cr_assert_eq(u8, 0x9A);
    cr_assert(ts_bytes_be16(b, 5, 0, &u16));
    cr_assert_eq(u16, 0x1234);
    cr_assert(ts_bytes_le16(b, 5, 0, &u16));
    cr_assert_eq(u16, 0x3412);
    cr_assert(ts_bytes_be32(b, 5, 1, &u32));
    cr_assert_eq(u32, 0x3456789A);
    cr_assert(ts_bytes_le32(b, 5, 1, &u32));
    cr_assert_eq(u32, 0x9A785634);
}

Test(bytes, refuses_reads_past_the_capture)
{
    static const uint8_t b[] = {1, 2, 3, 4};
    uint8_t u8 = 0x55, dst[4];
    uint16_t u16 = 0x5555;
    uint32_t u32 = 0x55555555;

    cr_assert_not(ts_bytes_u8(b, 4, 4, &u8));
    cr_assert_not(ts_bytes_be16(b, 4, 3, &u16));
    cr_assert_not(ts_bytes_le16(b, 4, 3, &u16));
    cr_assert_not(ts_bytes_be32(b, 4, 1, &u32));
    cr_assert_not(ts_bytes_le32(b, 3, 0, &u32));
    cr_assert_not(ts_bytes_copy(b, 4, 2, 3, dst));
    /* offsets near 2^32 must not wrap around into the buffer */
    cr_assert_not(ts_bytes_u8(b, 4, UINT32_MAX, &u8));
    cr_assert_not(ts_bytes_be16(b, 4, UINT32_MAX, &u16));
    cr_assert_not(ts_bytes_be32(b, 4, UINT32_MAX - 2, &u32));
    cr_assert_not(ts_bytes_have(4, 2, UINT32_MAX));
    /* failed reads leave the output alone */
    cr_assert_eq(u8, 0x55);
    cr_assert_eq(u16, 0x5555);
    cr_assert_eq(u32, 0x55555555);
    /* zero-length checks at the end are fine */
    cr_assert(ts_bytes_have(4, 4, 0));
    cr_assert(ts_bytes_copy(b, 4, 0, 4, dst));
    cr_assert_arr_eq(dst, b, 4);
}

/* ================================================================ link layer */

/* Ethernet II (IEEE 802.3 clause 3 / RFC 894): dst MAC, src MAC, ethertype. */
#define ETH_MACS 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1

static void link_expect(int dlt, const uint8_t *f, uint32_t n, int st, uint32_t l3, uint16_t et)
{
    struct ts_link l;

    cr_assert_eq(ts_decode_link(dlt, f, n, &l), st, "dlt %d: status", dlt);
    if (st == TS_DEC_OK) {
        cr_assert_eq(l.l3_off, l3, "dlt %d: l3_off %u, want %u", dlt, l.l3_off, l3);
        cr_assert_eq(l.ethertype, et, "dlt %d: ethertype 0x%04x, want 0x%04x", dlt,
                     l.ethertype, et);
    }
}

Test(link, ethernet_ii)
{
    static const uint8_t ip4[] = {ETH_MACS, 0x08, 0x00, 0x45};
    static const uint8_t ip6[] = {ETH_MACS, 0x86, 0xDD, 0x60};
    static const uint8_t arp[] = {ETH_MACS, 0x08, 0x06, 0x00};

    link_expect(1, ip4, sizeof ip4, TS_DEC_OK, 14, 0x0800);
    link_expect(1, ip6, sizeof ip6, TS_DEC_OK, 14, 0x86DD);
    /* a valid frame that is not IP: the ethertype goes up, the IP stage says non-TCP */
    link_expect(1, arp, sizeof arp, TS_DEC_OK, 14, 0x0806);
    /* exactly the 14-byte header: OK, the IP stage will find nothing */
    link_expect(1, ip4, 14, TS_DEC_OK, 14, 0x0800);
    link_expect(1, ip4, 13, TS_DEC_TRUNCATED, 0, 0);
    link_expect(1, ip4, 0, TS_DEC_TRUNCATED, 0, 0);
}

Test(link, vlan_tags)
{
    /* 802.1Q (TPID 0x8100, IEEE 802.1Q 9.6): 2 bytes TCI, then the next type */
    static const uint8_t q[] = {ETH_MACS, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45};
    /* 802.1ad S-tag (0x88A8) outside a C-tag (0x8100) */
    static const uint8_t qinq[] = {ETH_MACS, 0x88, 0xA8, 0x00, 0xC8, 0x81, 0x00,
                                   0x00, 0x64, 0x86, 0xDD, 0x60};
    /* the pre-standard QinQ TPID 0x9100 */
    static const uint8_t q9100[] = {ETH_MACS, 0x91, 0x00, 0x00, 0x0A, 0x08, 0x00, 0x45};
    uint8_t many[14 + 4 * 9 + 2];

    link_expect(1, q, sizeof q, TS_DEC_OK, 18, 0x0800);
    link_expect(1, qinq, sizeof qinq, TS_DEC_OK, 22, 0x86DD);
    link_expect(1, q9100, sizeof q9100, TS_DEC_OK, 18, 0x0800);
    /* the tag is there, the type after it is not */
    link_expect(1, q, 16, TS_DEC_TRUNCATED, 0, 0);
    link_expect(1, qinq, 20, TS_DEC_TRUNCATED, 0, 0);

    /* 8 tags is our bound, 9 is malformed */
    memcpy(many, q, 12);
    for (unsigned i = 0; i < 9; i++) {
        many[12 + 4 * i] = 0x81;
        many[13 + 4 * i] = 0x00;
        many[14 + 4 * i] = 0x00;
        many[15 + 4 * i] = (uint8_t)(i + 1);
    }
    many[12 + 4 * 9] = 0x08;
    many[13 + 4 * 9] = 0x00;
    link_expect(1, many, sizeof many, TS_DEC_MALFORMED, 0, 0);
    /* turn the 9th tag into an IPv4 type: 8 tags, IP at 14 + 8*4 */
    many[12 + 4 * 8] = 0x08;
    many[13 + 4 * 8] = 0x00;
    link_expect(1, many, sizeof many, TS_DEC_OK, 14 + 32, 0x0800);
}

Test(link, ieee_802_3_llc_snap)
{
    /* 802.3 length field (<= 1500), LLC AA AA 03, SNAP OUI 00-00-00 (RFC 1042), type */
    static const uint8_t snap[] = {ETH_MACS, 0x00, 0x30, 0xAA, 0xAA, 0x03,
                                   0x00, 0x00, 0x00, 0x08, 0x00, 0x45};
    /* 802.1H bridge-tunnel OUI 00-00-F8 also carries an ethertype */
    static const uint8_t tunnel[] = {ETH_MACS, 0x00, 0x30, 0xAA, 0xAA, 0x03,
                                     0x00, 0x00, 0xF8, 0x86, 0xDD, 0x60};
    /* SNAP with another OUI (Apple, 08-00-07: AppleTalk): not IP */
    static const uint8_t apple[] = {ETH_MACS, 0x00, 0x30, 0xAA, 0xAA, 0x03,
                                    0x08, 0x00, 0x07, 0x80, 0x9B, 0x00};
    /* LLC for spanning tree (42 42 03) */
    static const uint8_t stp[] = {ETH_MACS, 0x00, 0x26, 0x42, 0x42, 0x03, 0x00};
    /* 1501..1535: neither a length nor an ethertype */
    static const uint8_t odd[] = {ETH_MACS, 0x05, 0xFF, 0x00};

    link_expect(1, snap, sizeof snap, TS_DEC_OK, 22, 0x0800);
    link_expect(1, tunnel, sizeof tunnel, TS_DEC_OK, 22, 0x86DD);
    link_expect(1, apple, sizeof apple, TS_DEC_NON_TCP, 0, 0);
    link_expect(1, stp, sizeof stp, TS_DEC_NON_TCP, 0, 0);
    link_expect(1, odd, sizeof odd, TS_DEC_NON_TCP, 0, 0);
    link_expect(1, snap, 21, TS_DEC_TRUNCATED, 0, 0);
    link_expect(1, snap, 16, TS_DEC_TRUNCATED, 0, 0);
}

/* FDDI (DLT 10): frame control, 6+6 address bytes, then 802.2 LLC/SNAP
 * (RFC 1188) - as tcpdump's print-fddi.c reads it. */
Test(link, fddi_llc_snap)
{
    static const uint8_t fddi[] = {0x50, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                   0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45};
    link_expect(10, fddi, sizeof fddi, TS_DEC_OK, 21, 0x0800);
    link_expect(10, fddi, 12, TS_DEC_TRUNCATED, 0, 0);
    link_expect(10, fddi, 18, TS_DEC_TRUNCATED, 0, 0);
    cr_expect_str_eq(ts_decode_link_name(10), "FDDI");
}

Test(link, linux_sll)
{
    /* SLL (pcap-linktype(7) LINKTYPE_LINUX_SLL): packet type, ARPHRD type,
     * address length, 8 bytes of address, protocol */
    static const uint8_t ip4[] = {0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, 0x45};
    /* protocol 0x8100: libpcap puts the VLAN tag back after the cooked header */
    static const uint8_t vlan[] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0x00,
                                   0x00, 0x64, 0x86, 0xDD, 0x60};
    /* protocol 0x0004 (ETH_P_802_2): an LLC header follows */
    static const uint8_t llc[] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x00, 0x04,
                                  0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00, 0x45};
    /* protocol 0x0003 (ETH_P_ALL) and friends are not ethertypes */
    static const uint8_t other[] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x00, 0x03};
    /* ARPHRD_NETLINK (824): protocol is a netlink family (0, NETLINK_ROUTE) */
    static const uint8_t netlink[] = {0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00,
                                      0x00, 0x10};

    link_expect(113, ip4, sizeof ip4, TS_DEC_OK, 16, 0x0800);
    link_expect(113, vlan, sizeof vlan, TS_DEC_OK, 20, 0x86DD);
    link_expect(113, llc, sizeof llc, TS_DEC_OK, 24, 0x0800);
    link_expect(113, other, sizeof other, TS_DEC_NON_TCP, 0, 0);
    link_expect(113, netlink, sizeof netlink, TS_DEC_NON_TCP, 0, 0);
    link_expect(113, ip4, 15, TS_DEC_TRUNCATED, 0, 0);
}

Test(link, linux_sll2)
{
    /* SLL2 (LINKTYPE_LINUX_SLL2): protocol, reserved, ifindex, ARPHRD type,
     * packet type, address length, 8 bytes of address */
    static const uint8_t ip6[] = {0x86, 0xDD, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6,
                                  2, 0, 0, 0, 0, 1, 0, 0, 0x60};

    link_expect(276, ip6, sizeof ip6, TS_DEC_OK, 20, 0x86DD);
    link_expect(276, ip6, 20, TS_DEC_OK, 20, 0x86DD);
    link_expect(276, ip6, 19, TS_DEC_TRUNCATED, 0, 0);
    link_expect(276, ip6, 1, TS_DEC_TRUNCATED, 0, 0);
}

Test(link, bsd_null_and_loop)
{
    /* NULL (LINKTYPE_NULL): 4-byte address family in the writer's byte order */
    static const uint8_t le4[] = {2, 0, 0, 0, 0x45};
    static const uint8_t be4[] = {0, 0, 0, 2, 0x45};
    static const uint32_t v6fam[] = {24, 28, 30}; /* NetBSD/OpenBSD, FreeBSD, Darwin */
    static const uint8_t unknown[] = {7, 0, 0, 0, 0x45};
    uint8_t f[5] = {0};

    link_expect(0, le4, sizeof le4, TS_DEC_OK, 4, 0x0800);
    link_expect(0, be4, sizeof be4, TS_DEC_OK, 4, 0x0800);
    for (unsigned i = 0; i < 3; i++) {
        memset(f, 0, sizeof f);
        f[0] = (uint8_t)v6fam[i];
        link_expect(0, f, sizeof f, TS_DEC_OK, 4, 0x86DD);
        memset(f, 0, sizeof f);
        f[3] = (uint8_t)v6fam[i];
        link_expect(0, f, sizeof f, TS_DEC_OK, 4, 0x86DD);
        /* LOOP (LINKTYPE_LOOP): the same families, network byte order only */
        link_expect(108, f, sizeof f, TS_DEC_OK, 4, 0x86DD);
    }
    link_expect(0, unknown, sizeof unknown, TS_DEC_NON_TCP, 0, 0);
    link_expect(0, le4, 3, TS_DEC_TRUNCATED, 0, 0);
    link_expect(108, be4, sizeof be4, TS_DEC_OK, 4, 0x0800);
    link_expect(108, le4, sizeof le4, TS_DEC_NON_TCP, 0, 0); /* 0x02000000 is no family */
    link_expect(108, be4, 2, TS_DEC_TRUNCATED, 0, 0);
}

Test(link, raw_ip_types)
{
    static const uint8_t v4[] = {0x45};

    /* DLT_RAW is 12 (14 on OpenBSD); LINKTYPE_RAW 101 is what the file says */
    link_expect(12, v4, 1, TS_DEC_OK, 0, 0);
    link_expect(14, v4, 1, TS_DEC_OK, 0, 0);
    link_expect(101, v4, 1, TS_DEC_OK, 0, 0);
    link_expect(101, v4, 0, TS_DEC_OK, 0, 0); /* nothing to read; IP says truncated */
    link_expect(228, v4, 1, TS_DEC_OK, 0, 0x0800);
    link_expect(229, v4, 1, TS_DEC_OK, 0, 0x86DD);
}

Test(link, unsupported)
{
    static const uint8_t f[64] = {0};
    static const int dlts[] = {-1, 9, 105, 127, 147, 1000, 0x7FFFFFFF};

    for (unsigned i = 0; i < sizeof dlts / sizeof dlts[0]; i++)
        link_expect(dlts[i], f, sizeof f, TS_DEC_UNSUPPORTED_LINK, 0, 0);
}

/* Our names must be pcap_datalink_val_to_name()'s wherever we give one. */
Test(link, names_match_libpcap)
{
    cr_assert_str_eq(ts_decode_link_name(1), "EN10MB");
    cr_assert_str_eq(ts_decode_link_name(113), "LINUX_SLL");
    cr_assert_str_eq(ts_decode_link_name(276), "LINUX_SLL2");
    cr_assert_str_eq(ts_decode_link_name(12), "RAW");
    cr_assert_str_eq(ts_decode_link_name(14), "RAW");
    cr_assert_str_eq(ts_decode_link_name(101), "RAW");
    cr_assert_str_eq(ts_decode_link_name(0), "NULL");
    cr_assert_str_eq(ts_decode_link_name(108), "LOOP");
    cr_assert_str_eq(ts_decode_link_name(228), "IPV4");
    cr_assert_str_eq(ts_decode_link_name(229), "IPV6");
    cr_assert_str_eq(ts_decode_link_name(-5), "UNKNOWN");
    cr_assert_str_eq(ts_decode_link_name(99999), "UNKNOWN");
    for (int dlt = 0; dlt < 300; dlt++) {
        const char *ours = ts_decode_link_name(dlt), *theirs = pcap_datalink_val_to_name(dlt);

        cr_assert_not_null(ours);
        if (strcmp(ours, "UNKNOWN") == 0 || theirs == NULL)
            continue; /* 14 and 101 are DLT_RAW elsewhere; pcap on Linux has no name */
        cr_assert_str_eq(ours, theirs, "dlt %d", dlt);
    }
}

/* ================================================================ IPv4 */

/* RFC 791 3.1: version 4, IHL 5, TOS, total length 40, id, flags+offset, TTL,
 * protocol 6, checksum (not checked by the decoder), 10.0.0.1 -> 10.0.0.2,
 * then 20 bytes standing for a TCP header and 6 bytes of Ethernet padding. */
static const uint8_t v4_tcp[] = {
    0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    10, 0, 0, 1, 10, 0, 0, 2,
    0x9C, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xFF, 0xFF, 0, 0, 0, 0,
    0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};

/* v4_tcp copied into buf (at least sizeof v4_tcp), for variations. */
static void v4_copy(uint8_t *buf)
{
    memcpy(buf, v4_tcp, sizeof v4_tcp);
}

Test(ipv4, fields_and_padding_trim)
{
    struct ts_ip ip;

    cr_assert_eq(ts_decode_ip(v4_tcp, sizeof v4_tcp, 0x0800, &ip), TS_DEC_OK);
    cr_assert_eq(ip.family, 4);
    cr_assert_eq(ip.proto, 6);
    assert_addr(ip.src, "10.0.0.1", "src");
    assert_addr(ip.dst, "10.0.0.2", "dst");
    cr_assert_eq(ip.l4_off, 20);
    /* total length 40 - header 20: the 6 padding bytes are not TCP */
    cr_assert_eq(ip.l4_len, 20);
    cr_assert_not(ip.first_fragment); /* DF set, MF clear, offset 0 */
}

Test(ipv4, raw_ethertype_uses_version_nibble)
{
    struct ts_ip ip;
    uint8_t b[sizeof v4_tcp];

    cr_assert_eq(ts_decode_ip(v4_tcp, sizeof v4_tcp, 0, &ip), TS_DEC_OK);
    cr_assert_eq(ip.family, 4);
    v4_copy(b);
    b[0] = 0x55; /* version 5 */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0, &ip), TS_DEC_MALFORMED);
    cr_assert_eq(ts_decode_ip(b, 0, 0, &ip), TS_DEC_TRUNCATED);
    /* the link said IPv6 but the header says 4: contradiction */
    cr_assert_eq(ts_decode_ip(v4_tcp, sizeof v4_tcp, 0x86DD, &ip), TS_DEC_MALFORMED);
    /* not IP at all */
    cr_assert_eq(ts_decode_ip(v4_tcp, sizeof v4_tcp, 0x0806, &ip), TS_DEC_NON_TCP);
}

Test(ipv4, options_are_skipped)
{
    struct ts_ip ip;
    uint8_t b[64];

    /* IHL 6: a 4-byte option (Router Alert, RFC 2113: 94 04 00 00) */
    memcpy(b, v4_tcp, 20);
    b[0] = 0x46;
    b[3] = 44;
    b[20] = 0x94, b[21] = 0x04, b[22] = 0, b[23] = 0;
    memcpy(b + 24, v4_tcp + 20, 20);
    cr_assert_eq(ts_decode_ip(b, 44, 0x0800, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_off, 24);
    cr_assert_eq(ip.l4_len, 20);
    /* the options cut by the capture */
    cr_assert_eq(ts_decode_ip(b, 22, 0x0800, &ip), TS_DEC_TRUNCATED);
}

Test(ipv4, truncated_versus_malformed)
{
    struct ts_ip ip;
    uint8_t b[sizeof v4_tcp];

    /* capture ended inside the 20-byte header */
    for (uint32_t n = 0; n < 20; n++)
        cr_assert_eq(ts_decode_ip(v4_tcp, n, 0x0800, &ip), TS_DEC_TRUNCATED, "caplen %u", n);
    /* IHL 4 (< 5) */
    v4_copy(b);
    b[0] = 0x44;
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_MALFORMED);
    cr_assert_eq(ts_decode_ip(b, 1, 0x0800, &ip), TS_DEC_MALFORMED); /* known from byte 0 */
    /* total length 19 < IHL*4 = 20 */
    v4_copy(b);
    b[2] = 0, b[3] = 19;
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_MALFORMED);
    /* total length 0 (what TCP segmentation offload leaves on the sending host):
     * the captured length stands for it, as tshark shows ("Total Length: N bytes
     * (reported as 0, presumed to be because of TSO)") */
    b[3] = 0;
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_len, sizeof b - 20);
    /* ... but 0 with less than a header captured is still no datagram */
    cr_assert_eq(ts_decode_ip(b, 19, 0x0800, &ip), TS_DEC_TRUNCATED);
    /* IHL 15 (60 bytes) inside total length 60, but only 40 captured: truncated */
    v4_copy(b);
    b[0] = 0x4F;
    b[3] = 60;
    cr_assert_eq(ts_decode_ip(b, 40, 0x0800, &ip), TS_DEC_TRUNCATED);
    /* IHL 15 with total length 40: the header does not fit the datagram */
    b[3] = 40;
    cr_assert_eq(ts_decode_ip(b, 40, 0x0800, &ip), TS_DEC_MALFORMED);
}

Test(ipv4, snaplen_keeps_true_length)
{
    struct ts_ip ip;
    uint8_t b[sizeof v4_tcp];

    /* total length 1500, 40 bytes captured: l4_len is the wire length */
    v4_copy(b);
    b[2] = 0x05, b[3] = 0xDC;
    cr_assert_eq(ts_decode_ip(b, 40, 0x0800, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_len, 1480);
    /* header only: still OK for the IP stage */
    cr_assert_eq(ts_decode_ip(b, 20, 0x0800, &ip), TS_DEC_OK);
}

Test(ipv4, fragments)
{
    struct ts_ip ip;
    uint8_t b[sizeof v4_tcp];

    /* RFC 791: flags (reserved, DF, MF) and a 13-bit offset in 8-byte units */
    v4_copy(b);
    b[6] = 0x20, b[7] = 0x00; /* MF, offset 0: the first fragment */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_OK);
    cr_assert(ip.first_fragment);
    b[6] = 0x20, b[7] = 0x03; /* MF, offset 3 (24 bytes) */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_FRAGMENT);
    cr_assert_eq(ip.proto, 6);
    assert_addr(ip.src, "10.0.0.1", "src");
    b[6] = 0x00, b[7] = 0x01; /* last fragment, offset 1 */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_FRAGMENT);
    b[6] = 0x1F, b[7] = 0xFF; /* the largest offset */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_FRAGMENT);
    b[9] = 17; /* a UDP fragment is a fragment too */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_FRAGMENT);
    cr_assert_eq(ip.proto, 17);
}

Test(ipv4, non_tcp_fills_what_it_can)
{
    struct ts_ip ip;
    uint8_t b[sizeof v4_tcp];

    v4_copy(b);
    b[9] = 17; /* UDP */
    cr_assert_eq(ts_decode_ip(b, sizeof b, 0x0800, &ip), TS_DEC_NON_TCP);
    cr_assert_eq(ip.family, 4);
    cr_assert_eq(ip.proto, 17);
    assert_addr(ip.dst, "10.0.0.2", "dst");
    cr_assert_eq(ip.l4_off, 20);
    cr_assert_eq(ip.l4_len, 20);
}

/* ================================================================ IPv6 */

/* RFC 8200 3: version 6, traffic class, flow label, payload length, next
 * header, hop limit, fd00::1 -> fd00::2. Built with the payload appended. */
static uint32_t v6_build(uint8_t *b, uint16_t plen, uint8_t nh, const uint8_t *payload,
                         uint32_t n)
{
    static const uint8_t hdr[40] = {0x60, 0, 0, 0, 0, 0, 0, 64,
                                    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    memcpy(b, hdr, 40);
    b[4] = (uint8_t)(plen >> 8);
    b[5] = (uint8_t)plen;
    b[6] = nh;
    if (n)
        memcpy(b + 40, payload, n);
    return 40 + n;
}

static const uint8_t tcp20[20] = {0x9C, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0,
                                  0x50, 0x10, 0xFF, 0xFF, 0, 0, 0, 0};

Test(ipv6, fields_and_padding_trim)
{
    uint8_t b[128];
    struct ts_ip ip;
    uint32_t n = v6_build(b, 20, 6, tcp20, 20);

    memset(b + n, 0xEE, 6); /* padding after the datagram */
    cr_assert_eq(ts_decode_ip(b, n + 6, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.family, 6);
    cr_assert_eq(ip.proto, 6);
    assert_addr(ip.src, "fd00::1", "src");
    assert_addr(ip.dst, "fd00::2", "dst");
    cr_assert_eq(ip.l4_off, 40);
    cr_assert_eq(ip.l4_len, 20);
    cr_assert_eq(ts_decode_ip(b, n, 0, &ip), TS_DEC_OK); /* raw: version nibble */
    cr_assert_eq(ts_decode_ip(b, n, 0x0800, &ip), TS_DEC_MALFORMED);
    cr_assert_eq(ts_decode_ip(b, 39, 0x86DD, &ip), TS_DEC_TRUNCATED);
    /* snaplen: payload length 1000, 60 bytes captured */
    v6_build(b, 1000, 6, tcp20, 20);
    cr_assert_eq(ts_decode_ip(b, 60, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_len, 1000);
}

Test(ipv6, extension_headers)
{
    /* Hop-by-Hop (PadN 4: 01 04 00 00 00 00), Routing (type 0, segments left 0),
     * Destination Options (PadN), all 8 bytes: RFC 8200 4.3, 4.4, 4.6 */
    uint8_t ext[24 + 20] = {43, 0, 1, 4, 0, 0, 0, 0,
                            60, 0, 0, 0, 0, 0, 0, 0,
                            6, 0, 1, 4, 0, 0, 0, 0};
    uint8_t b[128];
    struct ts_ip ip;
    uint32_t n;

    memcpy(ext + 24, tcp20, 20);
    n = v6_build(b, 44, 0, ext, 44);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.proto, 6);
    cr_assert_eq(ip.l4_off, 64);
    cr_assert_eq(ip.l4_len, 20);
    /* every extension header captured but not the TCP header: IP stage OK */
    cr_assert_eq(ts_decode_ip(b, 64, 0x86DD, &ip), TS_DEC_OK);
    /* capture ends inside the Destination Options header */
    cr_assert_eq(ts_decode_ip(b, 60, 0x86DD, &ip), TS_DEC_TRUNCATED);
    cr_assert_eq(ts_decode_ip(b, 41, 0x86DD, &ip), TS_DEC_TRUNCATED);
    /* payload length 20 cannot hold 24 bytes of extension headers */
    b[5] = 20;
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_MALFORMED);
    /* a length byte that runs past the payload: Routing header length 10 (88 bytes) */
    b[5] = 44;
    b[40 + 9] = 10;
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_MALFORMED);
}

Test(ipv6, authentication_header_length)
{
    /* RFC 4302 2.2: payload length in 32-bit words minus 2: 4 -> 24 bytes
     * (next header, length, reserved, SPI, sequence, 12-byte ICV) */
    uint8_t ah[24 + 20] = {6, 4, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1};
    uint8_t b[128];
    struct ts_ip ip;
    uint32_t n;

    memcpy(ah + 24, tcp20, 20);
    n = v6_build(b, 44, 51, ah, 44);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_off, 64);
    cr_assert_eq(ip.l4_len, 20);
}

Test(ipv6, fragment_header)
{
    /* RFC 8200 4.5: next header, reserved, offset (13 bits) | res (2) | M, id */
    uint8_t fh[8 + 20] = {6, 0, 0x00, 0x01, 0, 0, 0, 0x77};
    uint8_t b[128];
    struct ts_ip ip;
    uint32_t n;

    memcpy(fh + 8, tcp20, 20);
    n = v6_build(b, 28, 44, fh, 28);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK); /* offset 0, M=1 */
    cr_assert(ip.first_fragment);
    cr_assert_eq(ip.l4_off, 48);
    cr_assert_eq(ip.l4_len, 20);
    b[43] = 0x00; /* offset 0, M=0: an atomic fragment (RFC 6946) */
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_not(ip.first_fragment);
    b[42] = 0x00, b[43] = 0x18; /* offset 3 */
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_FRAGMENT);
    b[42] = 0x00, b[43] = 0x08; /* offset 1, M=0: the last fragment */
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_FRAGMENT);
    cr_assert_eq(ip.proto, 6);
    cr_assert_eq(ts_decode_ip(b, 45, 0x86DD, &ip), TS_DEC_TRUNCATED);
}

Test(ipv6, terminal_next_headers)
{
    uint8_t b[128];
    struct ts_ip ip;
    uint32_t n;

    /* No Next Header (59), with an empty payload */
    n = v6_build(b, 0, 59, NULL, 0);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_NON_TCP);
    cr_assert_eq(ip.proto, 59);
    /* ESP (50): what follows is encrypted */
    n = v6_build(b, 20, 50, tcp20, 20);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_NON_TCP);
    cr_assert_eq(ip.proto, 50);
    /* ICMPv6 (58) */
    n = v6_build(b, 20, 58, tcp20, 20);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_NON_TCP);
    cr_assert_eq(ip.proto, 58);
    assert_addr(ip.src, "fd00::1", "src");
}

Test(ipv6, extension_header_bound)
{
    uint8_t b[40 + 65 * 8 + 20];
    struct ts_ip ip;
    uint32_t n;

    /* 64 Destination Options headers (our bound) then TCP: OK */
    for (unsigned k = 0; k < 64; k++) {
        uint8_t *e = b + 40 + 8 * k;

        memset(e, 0, 8);
        e[0] = k == 63 ? 6 : 60;
    }
    memcpy(b + 40 + 64 * 8, tcp20, 20);
    n = 40 + 64 * 8 + 20;
    v6_build(b, (uint16_t)(n - 40), 60, NULL, 0);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_off, 40 + 64 * 8);
    /* 65: malformed */
    b[40 + 63 * 8] = 60;
    memset(b + 40 + 64 * 8, 0, 8);
    b[40 + 64 * 8] = 6;
    memcpy(b + 40 + 65 * 8, tcp20, 20);
    n = 40 + 65 * 8 + 20;
    v6_build(b, (uint16_t)(n - 40), 60, NULL, 0);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_MALFORMED);
}

Test(ipv6, jumbogram)
{
    /* RFC 2675: payload length 0, Hop-by-Hop with Jumbo Payload (C2 04 + 32 bits) */
    uint8_t hbh[8 + 20] = {6, 0, 0xC2, 4, 0x00, 0x01, 0x11, 0x70}; /* 70000 */
    uint8_t b[128];
    struct ts_ip ip;
    uint32_t n;

    memcpy(hbh + 8, tcp20, 20);
    n = v6_build(b, 0, 0, hbh, 28);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_off, 48);
    cr_assert_eq(ip.l4_len, 70000 - 8); /* the jumbo length covers the Hop-by-Hop header */
    /* a jumbo length <= 65535 is an error (RFC 2675 3) */
    b[44] = 0, b[45] = 0, b[46] = 0x03, b[47] = 0xE8;
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_MALFORMED);
    /* payload length 0 and Hop-by-Hop without a jumbo option (PadN) */
    b[42] = 1, b[43] = 4, b[44] = b[45] = b[46] = b[47] = 0;
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_MALFORMED);
    /* payload length 0, straight to TCP: zero bytes of TCP on the wire */
    n = v6_build(b, 0, 6, tcp20, 20);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_OK);
    cr_assert_eq(ip.l4_len, 0);
    /* payload length 0 and a Destination Options header: does not fit */
    n = v6_build(b, 0, 60, hbh, 28);
    cr_assert_eq(ts_decode_ip(b, n, 0x86DD, &ip), TS_DEC_MALFORMED);
}

/* ================================================================ TCP */

/* RFC 9293 3.1: source port 40000, destination port 80, sequence 0x01020304,
 * acknowledgment 0xA0B0C0D0, data offset 5, flags ACK|PSH, window 502,
 * checksum, urgent pointer. */
static const uint8_t tcp_base[20] = {0x9C, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
                                     0xA0, 0xB0, 0xC0, 0xD0, 0x50, 0x18, 0x01, 0xF6,
                                     0x00, 0x00, 0x00, 0x00};

/* tcp_base with options appended (a multiple of 4 bytes) into b. */
static uint32_t tcp_build(uint8_t *b, const uint8_t *opts, uint32_t n)
{
    memcpy(b, tcp_base, 20);
    memcpy(b + 20, opts, n);
    b[12] = (uint8_t)(((20 + n) / 4) << 4);
    return 20 + n;
}

Test(tcp, base_header)
{
    struct ts_tcp t;

    cr_assert_eq(ts_decode_tcp(tcp_base, 20, 25, &t), TS_DEC_OK);
    cr_assert_eq(t.sport, 40000);
    cr_assert_eq(t.dport, 80);
    cr_assert_eq(t.seq, 0x01020304u);
    cr_assert_eq(t.ack, 0xA0B0C0D0u);
    cr_assert_eq(t.flags, TS_TH_ACK | TS_TH_PSH);
    cr_assert_eq(t.hdr_len, 20);
    cr_assert_eq(t.win, 502);
    cr_assert_eq(t.payload_len, 5); /* len 25 - header 20 */
    cr_assert_eq(t.mss, 0);
    cr_assert_eq(t.wscale, TS_OPT_ABSENT);
    cr_assert_not(t.sack_ok);
    cr_assert_not(t.has_ts);
    cr_assert_not(t.opts_truncated);
}

Test(tcp, all_flags)
{
    uint8_t b[20];
    struct ts_tcp t;

    /* RFC 9293 3.1 / RFC 3168: CWR ECE URG ACK PSH RST SYN FIN, high bit first */
    static const uint8_t bits[8] = {TS_TH_FIN, TS_TH_SYN, TS_TH_RST, TS_TH_PSH,
                                    TS_TH_ACK, TS_TH_URG, TS_TH_ECE, TS_TH_CWR};
    memcpy(b, tcp_base, 20);
    for (unsigned i = 0; i < 8; i++) {
        b[13] = (uint8_t)(1u << i);
        cr_assert_eq(ts_decode_tcp(b, 20, 20, &t), TS_DEC_OK);
        cr_assert_eq(t.flags, bits[i]);
    }
    b[12] |= 0x01; /* the AE/NS bit lives in byte 12: not a flag we report */
    b[13] = 0xFF;
    cr_assert_eq(ts_decode_tcp(b, 20, 20, &t), TS_DEC_OK);
    cr_assert_eq(t.flags, 0xFF);
    cr_assert_eq(t.hdr_len, 20);
}

Test(tcp, truncated_versus_malformed)
{
    uint8_t b[60];
    struct ts_tcp t;

    for (uint32_t n = 0; n < 20; n++)
        cr_assert_eq(ts_decode_tcp(tcp_base, n, 100, &t), TS_DEC_TRUNCATED, "caplen %u", n);
    /* IP length too small for any TCP header */
    cr_assert_eq(ts_decode_tcp(tcp_base, 20, 19, &t), TS_DEC_MALFORMED);
    cr_assert_eq(ts_decode_tcp(tcp_base, 10, 10, &t), TS_DEC_MALFORMED);
    /* data offset 4 */
    memcpy(b, tcp_base, 20);
    b[12] = 0x40;
    cr_assert_eq(ts_decode_tcp(b, 20, 20, &t), TS_DEC_MALFORMED);
    /* data offset 0 */
    b[12] = 0x00;
    cr_assert_eq(ts_decode_tcp(b, 20, 20, &t), TS_DEC_MALFORMED);
    /* data offset 15 (60 bytes) but the segment is 40 bytes */
    b[12] = 0xF0;
    cr_assert_eq(ts_decode_tcp(b, 20, 40, &t), TS_DEC_MALFORMED);
    /* data offset 15, 60-byte segment, only the base header captured: fine */
    cr_assert_eq(ts_decode_tcp(b, 20, 60, &t), TS_DEC_OK);
    cr_assert(t.opts_truncated);
    cr_assert_eq(t.payload_len, 0);
}

Test(tcp, every_option)
{
    /* MSS 1460 (02 04 05 B4), SACK-permitted (04 02), timestamps TSval 0x11223344
     * TSecr 0x55667788 (08 0A ...), NOP, window scale 7 (03 03 07): Linux's SYN */
    static const uint8_t opts[] = {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
                                   0x55, 0x66, 0x77, 0x88, 1, 3, 3, 7};
    uint8_t b[60];
    struct ts_tcp t;
    uint32_t n = tcp_build(b, opts, sizeof opts);

    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.hdr_len, 40);
    cr_assert_eq(t.mss, 1460);
    cr_assert_eq(t.wscale, 7);
    cr_assert(t.sack_ok);
    cr_assert(t.has_ts);
    cr_assert_eq(t.tsval, 0x11223344u);
    cr_assert_eq(t.tsecr, 0x55667788u);
    cr_assert_not(t.opts_truncated);
    cr_assert_eq(t.payload_len, 0);

    /* captured up to the middle of the timestamp option */
    cr_assert_eq(ts_decode_tcp(b, 30, n, &t), TS_DEC_OK);
    cr_assert(t.opts_truncated);
    cr_assert_eq(t.mss, 1460);
    cr_assert(t.sack_ok);
    cr_assert_not(t.has_ts);
    cr_assert_eq(t.wscale, TS_OPT_ABSENT);
    /* captured up to the kind byte of an option, its length byte missing */
    cr_assert_eq(ts_decode_tcp(b, 25, n, &t), TS_DEC_OK);
    cr_assert(t.opts_truncated);
    cr_assert_eq(t.mss, 1460);
    cr_assert_not(t.sack_ok);
}

Test(tcp, window_scale_is_clamped)
{
    /* RFC 7323 2.3: a shift count above 14 is used as 14 */
    static const uint8_t opts[] = {1, 3, 3, 15};
    uint8_t b[60];
    struct ts_tcp t;
    uint32_t n = tcp_build(b, opts, sizeof opts);

    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.wscale, 14);
    b[23] = 255;
    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.wscale, 14);
    b[23] = 0;
    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.wscale, 0);
}

Test(tcp, end_of_option_list_stops)
{
    /* EOL, then what would be an MSS: RFC 9293 3.2 says nothing after EOL counts
     * (read as a 2-byte option, the EOL would land on the MSS) */
    static const uint8_t opts[] = {0, 2, 2, 4, 0x05, 0xB4, 0, 0};
    uint8_t b[60];
    struct ts_tcp t;
    uint32_t n = tcp_build(b, opts, sizeof opts);

    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 0);
}

Test(tcp, broken_options_stop_parsing)
{
    /* length 1 (< 2): stop; the MSS after it is not read */
    static const uint8_t len1[] = {2, 1, 2, 4, 0x05, 0xB4, 0, 0};
    /* length 0 */
    static const uint8_t len0[] = {30, 0, 2, 4, 0x05, 0xB4, 0, 0};
    /* SACK-permitted, then a timestamp claiming 10 bytes with 6 left in the header */
    static const uint8_t past[] = {4, 2, 8, 10, 0, 0, 0, 1};
    /* an unknown kind (MPTCP, 30) with a sane length is skipped */
    static const uint8_t unknown[] = {30, 4, 0, 0, 2, 4, 0x05, 0xB4};
    /* a known kind with the wrong length (MSS, 3) is skipped, the next option read */
    static const uint8_t badmss[] = {2, 3, 5, 3, 3, 2, 0, 0};
    uint8_t b[60];
    struct ts_tcp t;
    uint32_t n;

    n = tcp_build(b, len1, sizeof len1);
    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 0);
    n = tcp_build(b, len0, sizeof len0);
    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 0);
    n = tcp_build(b, past, sizeof past);
    cr_assert_eq(ts_decode_tcp(b, n, n + 10, &t), TS_DEC_OK);
    cr_assert(t.sack_ok);
    cr_assert_not(t.has_ts);
    cr_assert_not(t.opts_truncated);
    cr_assert_eq(t.payload_len, 10);
    n = tcp_build(b, unknown, sizeof unknown);
    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 1460);
    n = tcp_build(b, badmss, sizeof badmss);
    cr_assert_eq(ts_decode_tcp(b, n, n, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 0);
    cr_assert_eq(t.wscale, 2);
}

Test(tcp, options_not_read_past_data_offset)
{
    /* header says 20 bytes; an MSS option sits where the payload starts */
    static const uint8_t opts[] = {2, 4, 0x05, 0xB4};
    uint8_t b[60];
    struct ts_tcp t;

    tcp_build(b, opts, sizeof opts);
    b[12] = 0x50;
    cr_assert_eq(ts_decode_tcp(b, 24, 24, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 0);
    cr_assert_eq(t.payload_len, 4);
    /* more captured than the IP length (link padding handed in): still not read */
    cr_assert_eq(ts_decode_tcp(b, 24, 20, &t), TS_DEC_OK);
    cr_assert_eq(t.mss, 0);
    cr_assert_eq(t.payload_len, 0);
    cr_assert_not(t.opts_truncated);
}

/* ================================================================ crafted captures */

/* One row per packet; what tshark reports (see the comment at the top). */
struct want {
    int status;
    const char *src, *dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags, hdr_len;
    uint32_t payload_len;
    uint16_t win, mss;
    uint8_t wscale;
    bool sack_ok, has_ts;
    uint32_t tsval, tsecr;
    bool opts_truncated;
};

static void check(const struct capture *c, unsigned i, const struct want *w)
{
    struct decoded d;
    unsigned no = i + 1;

    decode_pkt(c, i, &d);
    cr_assert_eq(d.status, w->status, "%s #%u: status %d (stage %d), want %d", c->path, no,
                 d.status, d.stage, w->status);
    if (w->src)
        assert_addr(d.ip.src, w->src, "src");
    if (w->dst)
        assert_addr(d.ip.dst, w->dst, "dst");
    if (w->status != TS_DEC_OK)
        return;
    cr_assert_eq(d.tcp.sport, w->sport, "%s #%u: sport", c->path, no);
    cr_assert_eq(d.tcp.dport, w->dport, "%s #%u: dport", c->path, no);
    cr_assert_eq(d.tcp.seq, w->seq, "%s #%u: seq %u", c->path, no, d.tcp.seq);
    cr_assert_eq(d.tcp.ack, w->ack, "%s #%u: ack %u", c->path, no, d.tcp.ack);
    cr_assert_eq(d.tcp.flags, w->flags, "%s #%u: flags 0x%02x", c->path, no, d.tcp.flags);
    cr_assert_eq(d.tcp.hdr_len, w->hdr_len, "%s #%u: hdr_len %u", c->path, no, d.tcp.hdr_len);
    cr_assert_eq(d.tcp.payload_len, w->payload_len, "%s #%u: payload_len %u", c->path, no,
                 d.tcp.payload_len);
    cr_assert_eq(d.tcp.win, w->win, "%s #%u: win %u", c->path, no, d.tcp.win);
    cr_assert_eq(d.tcp.mss, w->mss, "%s #%u: mss %u", c->path, no, d.tcp.mss);
    cr_assert_eq(d.tcp.wscale, w->wscale, "%s #%u: wscale %u", c->path, no, d.tcp.wscale);
    cr_assert_eq(d.tcp.sack_ok, w->sack_ok, "%s #%u: sack_ok", c->path, no);
    cr_assert_eq(d.tcp.has_ts, w->has_ts, "%s #%u: has_ts", c->path, no);
    if (w->has_ts) {
        cr_assert_eq(d.tcp.tsval, w->tsval, "%s #%u: tsval %u", c->path, no, d.tcp.tsval);
        cr_assert_eq(d.tcp.tsecr, w->tsecr, "%s #%u: tsecr %u", c->path, no, d.tcp.tsecr);
    }
    cr_assert_eq(d.tcp.opts_truncated, w->opts_truncated, "%s #%u: opts_truncated", c->path, no);
}

#define NO TS_OPT_ABSENT

/* The conversation in every linktypes/ file, as tshark reads it (identical in
 * all twenty files): frame.number ip.src/ipv6.src ip.dst/ipv6.dst tcp.srcport
 * tcp.dstport tcp.seq_raw tcp.ack_raw tcp.flags tcp.hdr_len tcp.len
 * tcp.window_size_value tcp.options.mss_val tcp.options.wscale.shift
 * tcp.options.sack_perm tcp.options.timestamp.tsval .tsecr */
#define C4 "10.77.1.1"
#define S4 "10.77.1.2"
#define C6 "fd77:1::1"
#define S6 "fd77:1::2"
#define CONVERSATION(C, S)                                                                      \
    {                                                                                           \
        {TS_DEC_OK, C, S, 40000, 80, 1000, 0, 0x02, 40, 0, 64240, 1460, 7, true, true, 100, 0, \
         false},                                                                                \
            {TS_DEC_OK, S, C, 80, 40000, 5000, 1001, 0x12, 40, 0, 65160, 1400, 8, true, true,  \
             200, 100, false},                                                                  \
            {TS_DEC_OK, C, S, 40000, 80, 1001, 5001, 0x10, 32, 0, 502, 0, NO, false, true, 101, \
             200, false},                                                                       \
            {TS_DEC_OK, C, S, 40000, 80, 1001, 5001, 0x18, 32, 5, 502, 0, NO, false, true, 102, \
             200, false},                                                                       \
            {TS_DEC_OK, S, C, 80, 40000, 5001, 1006, 0x10, 32, 0, 509, 0, NO, false, true, 201, \
             102, false},                                                                       \
            {TS_DEC_OK, C, S, 40000, 80, 1006, 5001, 0x11, 32, 0, 502, 0, NO, false, true, 103, \
             201, false},                                                                       \
            {TS_DEC_OK, S, C, 80, 40000, 5001, 1007, 0x11, 32, 0, 509, 0, NO, false, true, 202, \
             103, false},                                                                       \
            {TS_DEC_OK, C, S, 40000, 80, 1007, 5002, 0x10, 32, 0, 502, 0, NO, false, true, 104, \
             202, false},                                                                       \
    }
static const struct want conv4[8] = CONVERSATION(C4, S4);
static const struct want conv6[8] = CONVERSATION(C6, S6);

/* l3_off is tshark's frame.len minus ip.len (or minus ipv6.plen + 40);
 * ethertype is tshark's eth.type / vlan.etype / sll.etype / null.family. */
static const struct {
    const char *file;
    const char *linktype; /* pcap_datalink_val_to_name(pcap_datalink()) */
    uint32_t l3_off;
    uint16_t ethertype;
} linkfiles[] = {
    {"linktypes/en10mb_v4.pcap", "EN10MB", 14, 0x0800},
    {"linktypes/en10mb_v6.pcap", "EN10MB", 14, 0x86DD},
    {"linktypes/en10mb_vlan_v4.pcap", "EN10MB", 18, 0x0800},
    {"linktypes/en10mb_vlan_v6.pcap", "EN10MB", 18, 0x86DD},
    {"linktypes/en10mb_qinq_v4.pcap", "EN10MB", 22, 0x0800},
    {"linktypes/en10mb_qinq_v6.pcap", "EN10MB", 22, 0x86DD},
    {"linktypes/linux_sll_v4.pcap", "LINUX_SLL", 16, 0x0800},
    {"linktypes/linux_sll_v6.pcap", "LINUX_SLL", 16, 0x86DD},
    {"linktypes/linux_sll2_v4.pcap", "LINUX_SLL2", 20, 0x0800},
    {"linktypes/linux_sll2_v6.pcap", "LINUX_SLL2", 20, 0x86DD},
    {"linktypes/raw_v4.pcap", "RAW", 0, 0},
    {"linktypes/raw_v6.pcap", "RAW", 0, 0},
    {"linktypes/ipv4.pcap", "IPV4", 0, 0x0800},
    {"linktypes/ipv6.pcap", "IPV6", 0, 0x86DD},
    {"linktypes/null_le_v4.pcap", "NULL", 4, 0x0800},
    {"linktypes/null_le_v6.pcap", "NULL", 4, 0x86DD},
    {"linktypes/null_be_v4.pcap", "NULL", 4, 0x0800},
    {"linktypes/null_be_v6.pcap", "NULL", 4, 0x86DD},
    {"linktypes/loop_v4.pcap", "LOOP", 4, 0x0800},
    {"linktypes/loop_v6.pcap", "LOOP", 4, 0x86DD},
};
#define N_LINKFILES (sizeof linkfiles / sizeof linkfiles[0])

Test(captures, every_link_type)
{
    for (unsigned f = 0; f < N_LINKFILES; f++) {
        struct capture c;
        bool v6 = strstr(linkfiles[f].file, "v6") != NULL;

        load(linkfiles[f].file, &c);
        cr_assert_str_eq(ts_decode_link_name(c.dlt), linkfiles[f].linktype, "%s",
                         linkfiles[f].file);
        cr_assert_eq(c.n, 8, "%s: %u packets", linkfiles[f].file, c.n);
        for (unsigned i = 0; i < c.n; i++) {
            struct decoded d;

            check(&c, i, v6 ? &conv6[i] : &conv4[i]);
            decode_pkt(&c, i, &d);
            cr_assert_eq(d.link.l3_off, linkfiles[f].l3_off, "%s #%u: l3_off %u",
                         linkfiles[f].file, i + 1, d.link.l3_off);
            cr_assert_eq(d.link.ethertype, linkfiles[f].ethertype, "%s #%u: ethertype",
                         linkfiles[f].file, i + 1);
            cr_assert_eq(d.ip.family, v6 ? 6 : 4);
            cr_assert_not(d.ip.first_fragment);
        }
        unload(&c);
    }
}

/* tshark: ip.len 40, tcp.len 0, expert "Didn't find padding of zeros, and an
 * undecoded trailer exists" - the 6 x 0xAA bytes are padding, not payload. */
Test(captures, ethernet_padding)
{
    static const struct want w = {TS_DEC_OK, C4, S4, 40000, 80, 2000, 3000, 0x10, 20, 0,
                                  64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/eth_padding.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(c.caplen[0], 60);
    cr_assert_eq(d.ip.l4_len, 20);
    cr_assert_eq(d.tcp_caplen, 20);
    unload(&c);
}

/* tshark: ip.hdr_len 28, ip.len 51, tcp.len 3, flags 0x018. */
Test(captures, ipv4_options)
{
    static const struct want w = {TS_DEC_OK, C4, S4, 40000, 80, 2000, 3000, 0x18, 20, 3,
                                  64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/ipv4_options.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.ip.l4_off, 28);
    cr_assert_eq(d.ip.l4_len, 23);
    unload(&c);
}

/* tshark -o ip.defragment:FALSE: #1 ip.flags.mf 1, ip.frag_offset 0, ip.len 44,
 * TCP dissected (seq 2000, ack 3000, flags 0x018; tcp.len left empty for an
 * unreassembled first fragment; the fragment carries 44-20-20 = 4 payload
 * bytes); #2 ip.frag_offset 3, no TCP. */
Test(captures, ipv4_fragments)
{
    static const struct want w1 = {TS_DEC_OK, C4, S4, 40000, 80, 2000, 3000, 0x18, 20, 4,
                                   64240, 0, NO, false, false, 0, 0, false};
    static const struct want w2 = {TS_DEC_FRAGMENT, C4, S4, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/ipv4_fragment.pcap", &c);
    check(&c, 0, &w1);
    decode_pkt(&c, 0, &d);
    cr_assert(d.ip.first_fragment);
    check(&c, 1, &w2);
    decode_pkt(&c, 1, &d);
    cr_assert_eq(d.stage, 1);
    cr_assert_eq(d.ip.proto, 6);
    unload(&c);
}

/* tshark: #1 "Bogus IP length" (ip.len 16 < 20); #2 "Bogus IP header length
 * (16, must be at least 20)"; #3 "Bogus IPv4 version" then [Malformed Packet]. */
Test(captures, ipv4_malformed)
{
    struct capture c;
    struct decoded d;

    load("decode/ipv4_bad.pcap", &c);
    cr_assert_eq(c.n, 3);
    for (unsigned i = 0; i < c.n; i++) {
        decode_pkt(&c, i, &d);
        cr_assert_eq(d.status, TS_DEC_MALFORMED, "#%u", i + 1);
        cr_assert_eq(d.stage, 1, "#%u", i + 1);
    }
    unload(&c);
}

/* tshark: ipv6.nxt 0 (Hop-by-Hop), ipv6.plen 48, TCP seq 2000 ack 3000 flags
 * 0x018 tcp.len 4 (expert: "Routing header type is deprecated"). */
Test(captures, ipv6_three_extension_headers)
{
    static const struct want w = {TS_DEC_OK, C6, S6, 40000, 80, 2000, 3000, 0x18, 20, 4,
                                  64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/ipv6_ext3.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.ip.l4_off, 64);
    cr_assert_eq(d.ip.proto, 6);
    unload(&c);
}

/* tshark: ipv6.nxt 51 (AH), ipv6.plen 44, TCP seq 2000 ack 3000 flags 0x010 tcp.len 0. */
Test(captures, ipv6_authentication_header)
{
    static const struct want w = {TS_DEC_OK, C6, S6, 40000, 80, 2000, 3000, 0x10, 20, 0,
                                  64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/ipv6_ah.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.ip.l4_off, 64);
    unload(&c);
}

/* tshark -o ipv6.defragment:FALSE: #1 ipv6.fraghdr.offset 0 (M set), TCP seq
 * 2000 flags 0x018, tcp.len empty (the fragment holds 32-8-20 = 4 payload bytes);
 * #2 ipv6.fraghdr.offset 3, no TCP; #3 atomic fragment, TCP flags 0x010 tcp.len 0. */
Test(captures, ipv6_fragments)
{
    static const struct want w1 = {TS_DEC_OK, C6, S6, 40000, 80, 2000, 3000, 0x18, 20, 4,
                                   64240, 0, NO, false, false, 0, 0, false};
    static const struct want w2 = {TS_DEC_FRAGMENT, C6, S6, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, NO, false, false, 0, 0, false};
    static const struct want w3 = {TS_DEC_OK, C6, S6, 40000, 80, 2000, 3000, 0x10, 20, 0,
                                   64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/ipv6_fragment.pcap", &c);
    check(&c, 0, &w1);
    decode_pkt(&c, 0, &d);
    cr_assert(d.ip.first_fragment);
    check(&c, 1, &w2);
    check(&c, 2, &w3);
    decode_pkt(&c, 2, &d);
    cr_assert_not(d.ip.first_fragment);
    unload(&c);
}

/* tshark walks all 100 Destination Options headers and finds the TCP ACK
 * (ipv6.plen 820); we stop at our bound of 64 headers: malformed by policy. */
Test(captures, ipv6_hundred_extension_headers)
{
    struct capture c;
    struct decoded d;

    load("decode/ipv6_ext100.pcap", &c);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.status, TS_DEC_MALFORMED);
    cr_assert_eq(d.stage, 1);
    unload(&c);
}

/* tshark: ipv6.plen 0, ipv6.opt.jumbo 70000, frame.len 70054, frame.cap_len 82,
 * TCP seq 2000 ack 3000 flags 0x010, tcp.len 69972. */
Test(captures, ipv6_jumbogram)
{
    static const struct want w = {TS_DEC_OK, C6, S6, 40000, 80, 2000, 3000, 0x10, 20, 69972,
                                  64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/ipv6_jumbo.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.ip.l4_len, 69992);
    cr_assert_eq(c.len[0], 70054);
    unload(&c);
}

/* tshark: #1 ARP, #2 UDP (ip.proto 17), #3 ICMPv6 (ipv6.nxt 58), #4 "IPv6 no
 * next header" (ipv6.nxt 59), #5 STP over 802.3 LLC. */
Test(captures, non_tcp)
{
    struct capture c;
    struct decoded d;

    load("decode/non_tcp.pcap", &c);
    cr_assert_eq(c.n, 5);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.status, TS_DEC_NON_TCP);
    cr_assert_eq(d.link.ethertype, 0x0806);
    cr_assert_eq(d.stage, 1);
    decode_pkt(&c, 1, &d);
    cr_assert_eq(d.status, TS_DEC_NON_TCP);
    cr_assert_eq(d.ip.proto, 17);
    assert_addr(d.ip.src, C4, "src");
    decode_pkt(&c, 2, &d);
    cr_assert_eq(d.status, TS_DEC_NON_TCP);
    cr_assert_eq(d.ip.proto, 58);
    decode_pkt(&c, 3, &d);
    cr_assert_eq(d.status, TS_DEC_NON_TCP);
    cr_assert_eq(d.ip.proto, 59);
    decode_pkt(&c, 4, &d);
    cr_assert_eq(d.status, TS_DEC_NON_TCP);
    cr_assert_eq(d.stage, 0);
    unload(&c);
}

/* tshark: llc.type 0x0800, TCP SYN seq 2000 (tcp.hdr_len 24, mss_val 1460). */
Test(captures, llc_snap)
{
    static const struct want w = {TS_DEC_OK, C4, S4, 40000, 80, 2000, 0, 0x02, 24, 0,
                                  64240, 1460, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/eth_llc_snap.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.link.l3_off, 22);
    unload(&c);
}

/* tshark: #1 eth.type 0x9100, vlan.id 10,20; #2 eight vlan.id; #3 nine vlan.id,
 * all with the same TCP ACK (seq 2000, ack 3000). tshark has no tag bound; our
 * bound is 8 tags, so #3 is malformed by policy. l3_off = frame.len - ip.len. */
Test(captures, vlan_stacks)
{
    static const struct want w = {TS_DEC_OK, C4, S4, 40000, 80, 2000, 3000, 0x10, 20, 0,
                                  64240, 0, NO, false, false, 0, 0, false};
    struct capture c;
    struct decoded d;

    load("decode/eth_tags.pcap", &c);
    check(&c, 0, &w);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.link.l3_off, 62 - 40);
    check(&c, 1, &w);
    decode_pkt(&c, 1, &d);
    cr_assert_eq(d.link.l3_off, 86 - 40);
    decode_pkt(&c, 2, &d);
    cr_assert_eq(d.status, TS_DEC_MALFORMED);
    cr_assert_eq(d.stage, 0);
    unload(&c);
}

/* tshark, per packet: tcp.hdr_len, tcp.options.mss_val, .wscale.shift,
 * .sack_perm, .timestamp.tsval/.tsecr, and the expert messages quoted. */
Test(captures, tcp_options)
{
    static const struct want w[6] = {
        /* #1 hdr 40, MSS 1460, wscale 7, SACK perm, TS 12345/0 */
        {TS_DEC_OK, C4, S4, 40000, 80, 1000, 0, 0x02, 40, 0, 64240, 1460, 7, true, true,
         12345, 0, false},
        /* #2 hdr 36, MSS 536, wscale.shift 15 ("Window scale shift exceeds 14"): we use
         * 14 as RFC 7323 2.3 says; the MSS after the EOL is not reported by tshark */
        {TS_DEC_OK, C4, S4, 40000, 80, 1000, 0, 0x02, 36, 0, 64240, 536, 14, false, false,
         0, 0, false},
        /* #3 hdr 32, "Maximum segment size (with too-short option length = 1 byte)",
         * no timestamp decoded after it */
        {TS_DEC_OK, C4, S4, 40000, 80, 1001, 5001, 0x10, 32, 0, 64240, 0, NO, false, false,
         0, 0, false},
        /* #4 hdr 28, SACK perm, "Timestamps (option length = 10 bytes says option goes
         * past end of options)": no timestamp */
        {TS_DEC_OK, C4, S4, 40000, 80, 1001, 5001, 0x10, 28, 0, 64240, 0, NO, true, false,
         0, 0, false},
        /* #5 hdr 44, TS 99/98 and a SACK block (D-SACK) */
        {TS_DEC_OK, C4, S4, 40000, 80, 1001, 5001, 0x10, 44, 0, 64240, 0, NO, false, true,
         99, 98, false},
        /* #6 hdr 28, MSS "option length should be 4" (no mss_val), wscale 2 */
        {TS_DEC_OK, C4, S4, 40000, 80, 1000, 0, 0x02, 28, 0, 64240, 0, 2, false, false,
         0, 0, false},
    };
    struct capture c;

    load("decode/tcp_options.pcap", &c);
    cr_assert_eq(c.n, 6);
    for (unsigned i = 0; i < c.n; i++)
        check(&c, i, &w[i]);
    unload(&c);
}

/* tshark: #1 frame.len 166 cap_len 54, ip.len 152, tcp.hdr_len 32, tcp.len 100,
 * no options decoded (cut); #2 frame.len 74 cap_len 62, tcp.hdr_len 40, MSS 1460,
 * SACK perm, no timestamp (cut inside it). */
Test(captures, snaplen_cut)
{
    static const struct want w[2] = {
        {TS_DEC_OK, C4, S4, 40000, 80, 1001, 5001, 0x18, 32, 100, 64240, 0, NO, false, false,
         0, 0, true},
        {TS_DEC_OK, C4, S4, 40000, 80, 1000, 0, 0x02, 40, 0, 64240, 1460, NO, true, false,
         0, 0, true},
    };
    struct capture c;

    load("decode/snaplen_cut.pcap", &c);
    check(&c, 0, &w[0]);
    check(&c, 1, &w[1]);
    unload(&c);
}

/* tshark: "[Packet size limited during capture: TCP truncated]" after the ports. */
Test(captures, cut_inside_tcp_header)
{
    struct capture c;
    struct decoded d;

    load("decode/cut_in_tcp.pcap", &c);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.status, TS_DEC_TRUNCATED);
    cr_assert_eq(d.stage, 2);
    unload(&c);
}

/* tshark: tcp_doff_big: tcp.hdr_len 60, "Short segment. Segment/fragment does not
 * contain a full TCP header", [Malformed Packet: TCP]. tcp_doff4: "Bogus TCP
 * header length (16, must be at least 20)". tcp_short (ip.len 36): "Short
 * segment...", [Malformed Packet: TCP]. */
Test(captures, tcp_malformed)
{
    static const char *files[] = {"decode/tcp_doff_big.pcap", "decode/tcp_doff4.pcap",
                                  "decode/tcp_short.pcap"};

    for (unsigned f = 0; f < 3; f++) {
        struct capture c;
        struct decoded d;

        load(files[f], &c);
        decode_pkt(&c, 0, &d);
        cr_assert_eq(d.status, TS_DEC_MALFORMED, "%s", files[f]);
        cr_assert_eq(d.stage, 2, "%s", files[f]);
        unload(&c);
    }
}

/* tshark: #1 tcp.flags 0x007 (SYN, FIN and RST experts); #2 tcp.flags 0x0ff. */
Test(captures, odd_flag_combinations)
{
    static const struct want w[2] = {
        {TS_DEC_OK, C4, S4, 40000, 80, 1000, 0, 0x07, 20, 0, 64240, 0, NO, false, false, 0, 0,
         false},
        {TS_DEC_OK, C4, S4, 40000, 80, 1000, 7, 0xFF, 20, 0, 64240, 0, NO, false, false, 0, 0,
         false},
    };
    struct capture c;

    load("decode/syn_fin_rst.pcap", &c);
    check(&c, 0, &w[0]);
    check(&c, 1, &w[1]);
    unload(&c);
}

/* tshark: "User encapsulation not handled: DLT=147". */
Test(captures, unknown_link_type)
{
    struct capture c;
    struct decoded d;

    load("decode/unknown_link.pcap", &c);
    cr_assert_eq(c.dlt, 147);
    decode_pkt(&c, 0, &d);
    cr_assert_eq(d.status, TS_DEC_UNSUPPORTED_LINK);
    unload(&c);
}

/* ================================================================ robustness */

static const char *decode_files[] = {
    "decode/eth_padding.pcap",   "decode/ipv4_options.pcap", "decode/ipv4_fragment.pcap",
    "decode/ipv4_bad.pcap",      "decode/ipv6_ext3.pcap",    "decode/ipv6_ah.pcap",
    "decode/ipv6_fragment.pcap", "decode/ipv6_ext100.pcap",  "decode/ipv6_jumbo.pcap",
    "decode/non_tcp.pcap",       "decode/eth_llc_snap.pcap", "decode/eth_tags.pcap",
    "decode/tcp_options.pcap",   "decode/snaplen_cut.pcap",  "decode/cut_in_tcp.pcap",
    "decode/tcp_doff_big.pcap",  "decode/tcp_doff4.pcap",    "decode/tcp_short.pcap",
    "decode/syn_fin_rst.pcap",   "decode/unknown_link.pcap",
};
#define N_DECODE_FILES (sizeof decode_files / sizeof decode_files[0])

static const int all_dlts[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147};
#define N_DLTS (sizeof all_dlts / sizeof all_dlts[0])

static bool status_valid(int st)
{
    return st >= TS_DEC_OK && st <= TS_DEC_UNSUPPORTED_LINK;
}

/* Every decoder on arbitrary bytes: only the documented statuses per stage,
 * and the offsets it returns stay within the capture. */
static void hammer(const uint8_t *buf, uint32_t n, uint32_t wire)
{
    static const uint16_t ets[] = {0, 0x0800, 0x86DD, 0x0806};
    uint32_t lens[] = {0, 19, 20, n, wire, UINT32_MAX};
    struct ts_link l;
    struct ts_ip ip;
    struct ts_tcp t;

    for (unsigned k = 0; k < N_DLTS; k++) {
        int st = ts_decode_link(all_dlts[k], buf, n, &l);

        cr_assert(status_valid(st) && st != TS_DEC_FRAGMENT, "link status %d", st);
        if (st == TS_DEC_OK)
            cr_assert_leq(l.l3_off, n);
    }
    for (unsigned k = 0; k < sizeof ets / sizeof ets[0]; k++) {
        int st = ts_decode_ip(buf, n, ets[k], &ip);

        cr_assert(status_valid(st) && st != TS_DEC_UNSUPPORTED_LINK, "ip status %d", st);
        if (st == TS_DEC_OK)
            cr_assert_leq(ip.l4_off, n);
    }
    for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        int st = ts_decode_tcp(buf, n, lens[k], &t);

        cr_assert(st == TS_DEC_OK || st == TS_DEC_TRUNCATED || st == TS_DEC_MALFORMED,
                  "tcp status %d", st);
        if (st == TS_DEC_OK)
            cr_assert_leq(t.payload_len, lens[k]);
    }
}

/* A prefix of a packet decodes to the full packet's status or to TRUNCATED,
 * and when it decodes to OK the header fields agree with the full decode. */
static void sweep_packet(const char *file, int dlt, const uint8_t *pkt, uint32_t caplen,
                         uint32_t wire)
{
    struct decoded full, cut;

    decode_frame(dlt, pkt, caplen, &full);
    for (uint32_t n = 0; n <= caplen; n++) {
        uint8_t *buf = malloc(n ? n : 1); /* exactly n bytes: ASan guards the rest */

        cr_assert_not_null(buf);
        memcpy(buf, pkt, n);
        decode_frame(dlt, buf, n, &cut);
        cr_assert(cut.status == full.status || cut.status == TS_DEC_TRUNCATED,
                  "%s: cut at %u: status %d, full packet %d", file, n, cut.status, full.status);
        if (n == caplen)
            cr_assert_eq(cut.status, full.status);
        if (cut.status == TS_DEC_OK) {
            cr_assert_eq(cut.tcp.seq, full.tcp.seq);
            cr_assert_eq(cut.tcp.ack, full.tcp.ack);
            cr_assert_eq(cut.tcp.flags, full.tcp.flags);
            cr_assert_eq(cut.tcp.payload_len, full.tcp.payload_len);
            cr_assert_eq(cut.ip.l4_len, full.ip.l4_len);
            if (!cut.tcp.opts_truncated) {
                cr_assert_eq(cut.tcp.mss, full.tcp.mss);
                cr_assert_eq(cut.tcp.wscale, full.tcp.wscale);
                cr_assert_eq(cut.tcp.has_ts, full.tcp.has_ts);
            }
        }
        hammer(buf, n, wire);
        free(buf);
    }
}

Test(robustness, every_truncation_of_every_crafted_packet)
{
    unsigned packets = 0;

    for (unsigned f = 0; f < N_LINKFILES + N_DECODE_FILES; f++) {
        const char *file = f < N_LINKFILES ? linkfiles[f].file : decode_files[f - N_LINKFILES];
        struct capture c;

        load(file, &c);
        for (unsigned i = 0; i < c.n; i++, packets++)
            sweep_packet(file, c.dlt, c.data[i], c.caplen[i], c.len[i]);
        unload(&c);
    }
    cr_assert_gt(packets, 190);
}

/* Seeded random byte flips on the crafted packets, through the whole pipeline
 * and every decoder alone. Deterministic: the same seed every run. */
Test(robustness, random_mutations)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;

    for (unsigned f = 0; f < N_LINKFILES + N_DECODE_FILES; f++) {
        const char *file = f < N_LINKFILES ? linkfiles[f].file : decode_files[f - N_LINKFILES];
        struct capture c;

        load(file, &c);
        for (unsigned i = 0; i < c.n; i++) {
            uint32_t n = c.caplen[i];
            uint8_t *buf = malloc(n ? n : 1);

            cr_assert_not_null(buf);
            for (unsigned round = 0; round < 200; round++) {
                struct decoded d;
                unsigned flips;

                memcpy(buf, c.data[i], n);
                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                flips = 1 + (unsigned)(x % 4);
                for (unsigned k = 0; k < flips && n; k++) {
                    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                    buf[(x >> 8) % n] = (uint8_t)x;
                }
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                decode_frame(c.dlt, buf, n - (uint32_t)(x % (n / 4 + 1)), &d);
                cr_assert(status_valid(d.status), "%s #%u: status %d", file, i + 1, d.status);
                hammer(buf, n, c.len[i]);
            }
            free(buf);
        }
        unload(&c);
    }
}
