/* decode_ip.c - the network layer: IPv4 (RFC 791) and IPv6 (RFC 8200).
 *
 * Fills struct ts_ip with the addresses, the upper-layer protocol, and where
 * the upper-layer header starts and how long it is on the wire. The length
 * always comes from the IP header, never from the capture: Ethernet padding is
 * cut off, and a packet cut short by the snaplen keeps its true length.
 *
 * Two kinds of bad packet are kept apart, as tcpdump's printers do:
 *   TS_DEC_TRUNCATED  the capture ended before a header we need was whole;
 *   TS_DEC_MALFORMED  header fields contradict each other or the length.
 * Length contradictions are checked before capture bounds, so a packet that is
 * both malformed and cut short is called malformed.
 *
 * On TS_DEC_OK, l4_off <= caplen: every IP and extension header byte was
 * captured (the upper-layer header itself may not have been).
 */
#include "decode.h"

#include <string.h>

#include "bytes.h"

enum {
    TS_ETHERTYPE_IPV4 = 0x0800,
    TS_ETHERTYPE_IPV6 = 0x86DD,
    TS_IPPROTO_TCP = 6,
    TS_IPV4_MIN_HDR = 20,
    TS_IPV4_MF = 0x2000,     /* "more fragments" flag in the flags/offset word */
    TS_IPV4_OFFMASK = 0x1FFF, /* fragment offset, in 8-byte units */
    TS_IPV6_HDR = 40,
    TS_IPV6_MAX_EXT = 64, /* more extension headers than this: malformed */
    TS_IPV6_JUMBO_OPT = 0xC2
};

/* IPv6 next-header values that are extension headers (IANA "IPv6 Extension
 * Header Types"), plus No Next Header. ESP (50) is not walked: what follows it
 * is encrypted, so the packet counts as non-TCP with proto 50. */
enum {
    TS_NH_HOPOPTS = 0,
    TS_NH_ROUTING = 43,
    TS_NH_FRAGMENT = 44,
    TS_NH_AH = 51,
    TS_NH_NONE = 59,
    TS_NH_DSTOPTS = 60,
    TS_NH_MOBILITY = 135,
    TS_NH_HIP = 139,
    TS_NH_SHIM6 = 140,
    TS_NH_EXP1 = 253,
    TS_NH_EXP2 = 254
};

/* ------------------------------------------------------------ IPv4 */

static int ip_v4(const uint8_t *p, uint32_t caplen, struct ts_ip *out)
{
    uint8_t vihl, proto;
    uint16_t total, frag;
    uint32_t hlen;

    /* RFC 791 3.1: version (4 bits), IHL (4 bits, 32-bit words, at least 5) */
    if (!ts_bytes_u8(p, caplen, 0, &vihl))
        return TS_DEC_TRUNCATED;
    if (vihl >> 4 != 4)
        return TS_DEC_MALFORMED;
    hlen = (uint32_t)(vihl & 0x0F) * 4;
    if (hlen < TS_IPV4_MIN_HDR)
        return TS_DEC_MALFORMED;

    if (!ts_bytes_be16(p, caplen, 2, &total) || !ts_bytes_be16(p, caplen, 6, &frag) ||
        !ts_bytes_u8(p, caplen, 9, &proto) || !ts_bytes_copy(p, caplen, 12, 4, out->src) ||
        !ts_bytes_copy(p, caplen, 16, 4, out->dst))
        return TS_DEC_TRUNCATED;
    out->family = 4;
    out->proto = proto;

    /* A total length of 0 is what TCP segmentation offload leaves in packets
     * captured on the sending host: the length is the captured one, as
     * Wireshark ("presumed to be because of TSO") and Zeek take it. Otherwise
     * the total length covers the header: less is a contradiction. */
    if (total == 0 && caplen >= hlen)
        total = (uint16_t)(caplen > 0xFFFFu ? 0xFFFFu : caplen);
    if (total < hlen)
        return TS_DEC_MALFORMED;
    if (!ts_bytes_have(caplen, 0, hlen))
        return TS_DEC_TRUNCATED; /* options cut by the capture */
    out->l4_off = hlen;
    out->l4_len = total - hlen; /* may exceed the captured bytes: snaplen */

    if ((frag & TS_IPV4_OFFMASK) != 0)
        return TS_DEC_FRAGMENT;
    out->first_fragment = (frag & TS_IPV4_MF) != 0;
    return proto == TS_IPPROTO_TCP ? TS_DEC_OK : TS_DEC_NON_TCP;
}

/* ------------------------------------------------------------ IPv6 */

/* RFC 2675: payload length 0 and a Hop-by-Hop header (at offset 40, hlen
 * bytes long, all captured) holding a Jumbo Payload option. Returns the jumbo
 * length through *jumbo, or false when there is none or it is not sane (must
 * exceed 65535 and hold at least the Hop-by-Hop header itself). */
static bool ip_v6_jumbo(const uint8_t *p, uint32_t caplen, uint32_t hlen, uint32_t *jumbo)
{
    uint32_t off = TS_IPV6_HDR + 2, end = TS_IPV6_HDR + hlen;

    /* TLV options (RFC 8200 4.2): Pad1 is one byte, the rest type, length, data */
    while (off < end) {
        uint8_t type, len;

        if (!ts_bytes_u8(p, caplen, off, &type))
            return false;
        if (type == 0) { /* Pad1 */
            off++;
            continue;
        }
        if (end - off < 2 || !ts_bytes_u8(p, caplen, off + 1, &len) || len > end - off - 2)
            return false;
        if (type == TS_IPV6_JUMBO_OPT) {
            uint32_t v;

            if (len != 4 || !ts_bytes_be32(p, caplen, off + 2, &v))
                return false;
            if (v <= 65535 || v < hlen)
                return false;
            *jumbo = v;
            return true;
        }
        off += 2u + len;
    }
    return false;
}

static bool ip_v6_is_ext(uint8_t nh)
{
    switch (nh) {
    case TS_NH_HOPOPTS:
    case TS_NH_ROUTING:
    case TS_NH_FRAGMENT:
    case TS_NH_AH:
    case TS_NH_DSTOPTS:
    case TS_NH_MOBILITY:
    case TS_NH_HIP:
    case TS_NH_SHIM6:
    case TS_NH_EXP1:
    case TS_NH_EXP2:
        return true;
    default:
        return false;
    }
}

/* Length in bytes of extension header nh whose second byte is len. */
static uint32_t ip_v6_ext_len(uint8_t nh, uint8_t len)
{
    switch (nh) {
    case TS_NH_FRAGMENT:
        return 8; /* RFC 8200 4.5: fixed size; its second byte is reserved */
    case TS_NH_AH:
        return ((uint32_t)len + 2) * 4; /* RFC 4302 2.2: 32-bit words, minus 2 */
    default:
        return ((uint32_t)len + 1) * 8; /* RFC 8200 4.3: 8-octet units, not counting the first 8 */
    }
}

static int ip_v6(const uint8_t *p, uint32_t caplen, struct ts_ip *out)
{
    uint8_t vtc, nh;
    uint16_t plen;
    uint64_t end; /* where the IPv6 payload ends: 40 + payload (or jumbo) length */
    uint32_t off = TS_IPV6_HDR;

    /* RFC 8200 3: version (4 bits), traffic class, flow label, payload length,
     * next header, hop limit, source, destination */
    if (!ts_bytes_u8(p, caplen, 0, &vtc))
        return TS_DEC_TRUNCATED;
    if (vtc >> 4 != 6)
        return TS_DEC_MALFORMED;
    if (!ts_bytes_be16(p, caplen, 4, &plen) || !ts_bytes_u8(p, caplen, 6, &nh) ||
        !ts_bytes_copy(p, caplen, 8, 16, out->src) || !ts_bytes_copy(p, caplen, 24, 16, out->dst))
        return TS_DEC_TRUNCATED;
    out->family = 6;
    out->proto = nh;
    end = (uint64_t)TS_IPV6_HDR + plen;

    for (unsigned n = 0;; n++) {
        uint8_t next, len;
        uint32_t hlen;
        bool jumbo_hbh = plen == 0 && n == 0 && nh == TS_NH_HOPOPTS;

        if (!ip_v6_is_ext(nh))
            break; /* an upper-layer protocol (or nothing): the walk is over */
        if (n == TS_IPV6_MAX_EXT)
            return TS_DEC_MALFORMED;

        /* first two bytes of every extension header: next header, length */
        if ((uint64_t)off + 2 > end && !jumbo_hbh)
            return TS_DEC_MALFORMED;
        if (!ts_bytes_u8(p, caplen, off, &next) || !ts_bytes_u8(p, caplen, off + 1, &len))
            return TS_DEC_TRUNCATED;
        hlen = ip_v6_ext_len(nh, len);

        if (jumbo_hbh) {
            uint32_t jumbo;

            if (!ts_bytes_have(caplen, off, hlen))
                return TS_DEC_TRUNCATED;
            if (!ip_v6_jumbo(p, caplen, hlen, &jumbo))
                return TS_DEC_MALFORMED; /* payload length 0 needs a jumbo option */
            end = (uint64_t)TS_IPV6_HDR + jumbo;
        }
        if (off + (uint64_t)hlen > end)
            return TS_DEC_MALFORMED;
        if (!ts_bytes_have(caplen, off, hlen))
            return TS_DEC_TRUNCATED;

        if (nh == TS_NH_FRAGMENT) {
            uint16_t offmf;

            /* RFC 8200 4.5: 13-bit offset in 8-octet units, 2 reserved bits, M */
            if (!ts_bytes_be16(p, caplen, off + 2, &offmf))
                return TS_DEC_TRUNCATED;
            if (offmf >> 3 != 0) {
                out->proto = next;
                out->l4_off = off + hlen;
                out->l4_len = (uint32_t)(end - out->l4_off);
                return TS_DEC_FRAGMENT;
            }
            if (offmf & 1)
                out->first_fragment = true;
        }
        nh = next;
        off += hlen;
    }

    out->proto = nh;
    out->l4_off = off;
    out->l4_len = (uint32_t)(end - off);
    return nh == TS_IPPROTO_TCP ? TS_DEC_OK : TS_DEC_NON_TCP;
}

/* ------------------------------------------------------------ public */

int ts_decode_ip(const uint8_t *p, uint32_t caplen, uint16_t ethertype, struct ts_ip *out)
{
    uint8_t v;

    memset(out, 0, sizeof *out);
    switch (ethertype) {
    case TS_ETHERTYPE_IPV4:
        return ip_v4(p, caplen, out);
    case TS_ETHERTYPE_IPV6:
        return ip_v6(p, caplen, out);
    case 0: /* raw IP: the version nibble says which */
        if (!ts_bytes_u8(p, caplen, 0, &v))
            return TS_DEC_TRUNCATED;
        if (v >> 4 == 4)
            return ip_v4(p, caplen, out);
        if (v >> 4 == 6)
            return ip_v6(p, caplen, out);
        return TS_DEC_MALFORMED;
    default:
        return TS_DEC_NON_TCP;
    }
}
