/* decode.h - the packet decoders' contract: link layer, IP, TCP.
 *
 * Each stage reads untrusted bytes only through bytes.h, fills a caller-owned
 * struct of offsets and fields (no allocation, no copy of the frame) and
 * returns a status. The analyzer calls them in turn: link -> ip -> tcp.
 */
#ifndef TS_DECODE_H
#define TS_DECODE_H

#include <stdbool.h>
#include <stdint.h>

enum ts_decode_status {
    TS_DEC_OK = 0,          /* the stage decoded; fields are filled */
    TS_DEC_NON_TCP,         /* a valid packet that is not TCP (ARP, UDP, ICMP, ...) */
    TS_DEC_FRAGMENT,        /* a non-first IP fragment: no TCP header in it */
    TS_DEC_TRUNCATED,       /* the capture (snaplen) ended before a header was whole */
    TS_DEC_MALFORMED,       /* header fields contradict each other or the packet */
    TS_DEC_UNSUPPORTED_LINK /* a link type (DLT) we do not decode */
};

/* Where the network layer starts inside a frame. */
struct ts_link {
    uint32_t l3_off;    /* offset of the IP header from the start of the frame */
    uint16_t ethertype; /* 0x0800 IPv4, 0x86DD IPv6, other values = not IP;
                           0 when the link says "raw IP": look at the version nibble */
};

/* The network layer of a packet. */
struct ts_ip {
    uint8_t family;       /* 4 or 6 */
    uint8_t proto;        /* upper-layer protocol after IPv6 extension headers */
    uint8_t src[16];      /* IPv4 addresses use the first 4 bytes, the rest zero */
    uint8_t dst[16];
    uint32_t l4_off;      /* offset of the upper-layer header from the IP header */
    uint32_t l4_len;      /* upper-layer length per the IP header (true length on the wire,
                             Ethernet padding excluded), may exceed what was captured */
    bool first_fragment;  /* offset 0 of a fragmented datagram (MF set) */
};

/* A TCP header and its options. */
#define TS_OPT_ABSENT 0xFF
struct ts_tcp {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;          /* TS_TH_* below */
    uint8_t hdr_len;        /* data offset * 4 */
    uint16_t win;           /* raw window field, not scaled */
    uint32_t payload_len;   /* payload bytes on the wire: ip.l4_len - hdr_len */
    uint32_t payload_caplen;/* of those, how many were captured (snaplen) */
    uint16_t mss;           /* 0 when absent */
    uint8_t wscale;         /* TS_OPT_ABSENT when absent */
    bool sack_ok;
    bool has_ts;
    bool opts_truncated;    /* options ran past the captured bytes (base header is whole) */
    uint32_t tsval, tsecr;
};

#define TS_TH_FIN 0x01
#define TS_TH_SYN 0x02
#define TS_TH_RST 0x04
#define TS_TH_PSH 0x08
#define TS_TH_ACK 0x10
#define TS_TH_URG 0x20
#define TS_TH_ECE 0x40
#define TS_TH_CWR 0x80

/* Link layer: find the IP header in a frame of link type dlt (DLT_* value as
 * pcap_datalink() returns it). Handles Ethernet (802.1Q, 802.1ad, QinQ tags,
 * up to 8; 802.3 LLC/SNAP), Linux cooked SLL and SLL2, raw IP (DLT_RAW, IPv4,
 * IPv6), BSD NULL and LOOP. Returns OK (then l3_off <= caplen), NON_TCP (a
 * family or protocol that is not IP), TRUNCATED, MALFORMED (too many tags) or
 * UNSUPPORTED_LINK. */
int ts_decode_link(int dlt, const uint8_t *frame, uint32_t caplen, struct ts_link *out);

/* Network layer: p points at the IP header, caplen bytes of it were captured.
 * IPv4 options are skipped, the length is trimmed to the IP total length,
 * IPv6 extension headers are walked (at most 64). On OK, l4_off <= caplen:
 * every IP and extension header byte was captured. */
int ts_decode_ip(const uint8_t *p, uint32_t caplen, uint16_t ethertype, struct ts_ip *out);

/* Transport layer: p points at the TCP header, caplen bytes captured, len bytes
 * on the wire (ip.l4_len). len < 20 is MALFORMED (checked first); the 20-byte
 * base header must be captured (else TRUNCATED); options are read as far as
 * they were captured. */
int ts_decode_tcp(const uint8_t *p, uint32_t caplen, uint32_t len, struct ts_tcp *out);

/* Short name of a link type for the report ("EN10MB", "LINUX_SLL", ...). */
const char *ts_decode_link_name(int dlt);

#endif
