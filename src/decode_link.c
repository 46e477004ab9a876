/* decode_link.c - the link layer: where does the IP header start in a frame?
 *
 * One function per link type fills struct ts_link with the offset of the
 * network header and the ethertype that announced it (0 when the link type
 * is "raw IP" and only the version nibble can tell). Ethernet may carry up to
 * TS_LINK_MAX_TAGS VLAN tags (802.1Q, 802.1ad, the older QinQ types) and
 * 802.3 length frames with an LLC/SNAP header. Linux cooked headers (SLL, SLL2)
 * carry an ethertype of their own. BSD NULL writes the address family in the
 * capturing host's byte order, LOOP in network order.
 *
 * Status: TS_DEC_OK with a non-IP ethertype is a valid frame the IP stage will
 * call non-TCP; TS_DEC_NON_TCP is returned here only when the link header names
 * no ethertype at all (an unknown address family, an LLC frame that is not
 * SNAP, a cooked frame of a non-Ethernet protocol).
 *
 * On TS_DEC_OK, l3_off <= caplen.
 */
#include "decode.h"

#include "bytes.h"

/* Link types as pcap_datalink() returns them (DLT_*), plus LINKTYPE_RAW (101),
 * the value in the file header, in case a caller passes that through. DLT_RAW
 * is 12 on most systems and 14 on OpenBSD. */
enum {
    TS_DLT_NULL = 0,
    TS_DLT_EN10MB = 1,
    TS_DLT_FDDI = 10,
    TS_DLT_RAW = 12,
    TS_DLT_RAW_OPENBSD = 14,
    TS_LINKTYPE_RAW = 101,
    TS_DLT_LOOP = 108,
    TS_DLT_LINUX_SLL = 113,
    TS_DLT_IPV4 = 228,
    TS_DLT_IPV6 = 229,
    TS_DLT_LINUX_SLL2 = 276
};

enum {
    TS_ETH_HDR_LEN = 14,
    TS_SLL_HDR_LEN = 16,
    TS_SLL2_HDR_LEN = 20,
    TS_NULL_HDR_LEN = 4,
    TS_FDDI_HDR_LEN = 13, /* frame control, destination, source; LLC follows */
    TS_VLAN_TAG_LEN = 4,
    TS_LINK_MAX_TAGS = 8,     /* more stacked VLAN tags than this: malformed */
    TS_ETH_MAX_LENGTH = 1500, /* type field <= 1500 is an 802.3 length */
    TS_ETH_MIN_TYPE = 0x0600, /* type field >= 1536 is an ethertype */
    TS_ETHERTYPE_IPV4 = 0x0800,
    TS_ETHERTYPE_IPV6 = 0x86DD,
    TS_COOKED_P_802_2 = 0x0004 /* SLL protocol: an 802.2 LLC header follows */
};

/* BSD address families seen in NULL/LOOP headers: AF_INET is 2 everywhere,
 * AF_INET6 is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly), 30 (Darwin). */
static uint16_t family_to_ethertype(uint32_t family)
{
    switch (family) {
    case 2:
        return TS_ETHERTYPE_IPV4;
    case 24:
    case 28:
    case 30:
        return TS_ETHERTYPE_IPV6;
    default:
        return 0;
    }
}

static bool is_vlan_tpid(uint16_t type)
{
    /* 802.1Q, 802.1ad, and the pre-standard QinQ values */
    return type == 0x8100 || type == 0x88A8 || type == 0x9100 || type == 0x9200;
}

/* ------------------------------------------------------------ LLC / SNAP */

/* An 802.2 LLC header at off. Only SNAP (AA AA 03) with an ethertype
 * encapsulation OUI (RFC 1042's 00-00-00 or 802.1H's 00-00-F8) leads to IP. */
static int link_llc(const uint8_t *f, uint32_t caplen, uint32_t off, struct ts_link *out)
{
    uint8_t dsap, ssap, ctrl, oui[3];
    uint16_t type;

    if (!ts_bytes_u8(f, caplen, off, &dsap) || !ts_bytes_u8(f, caplen, off + 1, &ssap) ||
        !ts_bytes_u8(f, caplen, off + 2, &ctrl))
        return TS_DEC_TRUNCATED;
    if (dsap != 0xAA || ssap != 0xAA || ctrl != 0x03)
        return TS_DEC_NON_TCP;
    if (!ts_bytes_copy(f, caplen, off + 3, 3, oui) || !ts_bytes_be16(f, caplen, off + 6, &type))
        return TS_DEC_TRUNCATED;
    if (oui[0] != 0 || oui[1] != 0 || (oui[2] != 0 && oui[2] != 0xF8))
        return TS_DEC_NON_TCP;
    if (type < TS_ETH_MIN_TYPE)
        return TS_DEC_NON_TCP;
    out->l3_off = off + 8;
    out->ethertype = type;
    return TS_DEC_OK;
}

/* ------------------------------------------------------------ ethertype + tags */

/* type was read just before off. Skip any VLAN tags (each: 2 bytes TCI, then
 * the next type), then either hand over the ethertype or, for an 802.3 length,
 * look at the LLC header. */
static int link_ethertype(const uint8_t *f, uint32_t caplen, uint32_t off, uint16_t type,
                          struct ts_link *out)
{
    for (unsigned tags = 0; is_vlan_tpid(type); tags++) {
        if (tags == TS_LINK_MAX_TAGS)
            return TS_DEC_MALFORMED;
        if (!ts_bytes_be16(f, caplen, off + 2, &type))
            return TS_DEC_TRUNCATED;
        off += TS_VLAN_TAG_LEN;
    }
    if (type <= TS_ETH_MAX_LENGTH)
        return link_llc(f, caplen, off, out);
    if (type < TS_ETH_MIN_TYPE)
        return TS_DEC_NON_TCP; /* 1501..1535: neither a length nor an ethertype */
    out->l3_off = off;
    out->ethertype = type;
    return TS_DEC_OK;
}

/* ------------------------------------------------------------ link types */

static int link_en10mb(const uint8_t *f, uint32_t caplen, struct ts_link *out)
{
    uint16_t type;

    /* destination MAC (6), source MAC (6), type/length (2) */
    if (!ts_bytes_be16(f, caplen, 12, &type))
        return TS_DEC_TRUNCATED;
    return link_ethertype(f, caplen, TS_ETH_HDR_LEN, type, out);
}

/* SLL and SLL2 differ only in where their fields sit. Protocol values below
 * 0x0600 are Linux's own numbers (ETH_P_802_3, ETH_P_CAN, a netlink family on
 * ARPHRD_NETLINK, ...), not ethertypes; of those only 802.2 LLC can lead to IP. */
static int link_cooked(const uint8_t *f, uint32_t caplen, uint32_t off, uint16_t proto,
                       struct ts_link *out)
{
    if (proto == TS_COOKED_P_802_2)
        return link_llc(f, caplen, off, out);
    if (proto < TS_ETH_MIN_TYPE)
        return TS_DEC_NON_TCP;
    return link_ethertype(f, caplen, off, proto, out);
}

static int link_sll(const uint8_t *f, uint32_t caplen, struct ts_link *out)
{
    uint16_t proto;

    /* packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2) */
    if (!ts_bytes_be16(f, caplen, 14, &proto))
        return TS_DEC_TRUNCATED;
    return link_cooked(f, caplen, TS_SLL_HDR_LEN, proto, out);
}

static int link_sll2(const uint8_t *f, uint32_t caplen, struct ts_link *out)
{
    uint16_t proto;

    /* protocol (2), reserved (2), ifindex (4), ARPHRD type (2), packet type (1),
     * address length (1), address (8) */
    if (!ts_bytes_be16(f, caplen, 0, &proto) || !ts_bytes_have(caplen, 0, TS_SLL2_HDR_LEN))
        return TS_DEC_TRUNCATED;
    return link_cooked(f, caplen, TS_SLL2_HDR_LEN, proto, out);
}

/* BSD NULL: a 4-byte address family in the byte order of the host that wrote
 * the capture, which may not be ours: try both. */
static int link_null(const uint8_t *f, uint32_t caplen, struct ts_link *out)
{
    uint32_t le, be;
    uint16_t type;

    if (!ts_bytes_le32(f, caplen, 0, &le) || !ts_bytes_be32(f, caplen, 0, &be))
        return TS_DEC_TRUNCATED;
    type = family_to_ethertype(le);
    if (type == 0)
        type = family_to_ethertype(be);
    if (type == 0)
        return TS_DEC_NON_TCP;
    out->l3_off = TS_NULL_HDR_LEN;
    out->ethertype = type;
    return TS_DEC_OK;
}

/* OpenBSD LOOP: the same 4-byte family, always in network byte order. */
static int link_loop(const uint8_t *f, uint32_t caplen, struct ts_link *out)
{
    uint32_t family;
    uint16_t type;

    if (!ts_bytes_be32(f, caplen, 0, &family))
        return TS_DEC_TRUNCATED;
    type = family_to_ethertype(family);
    if (type == 0)
        return TS_DEC_NON_TCP;
    out->l3_off = TS_NULL_HDR_LEN;
    out->ethertype = type;
    return TS_DEC_OK;
}

/* ------------------------------------------------------------ public */

int ts_decode_link(int dlt, const uint8_t *frame, uint32_t caplen, struct ts_link *out)
{
    out->l3_off = 0;
    out->ethertype = 0;

    switch (dlt) {
    case TS_DLT_EN10MB:
        return link_en10mb(frame, caplen, out);
    case TS_DLT_FDDI:
        if (caplen < TS_FDDI_HDR_LEN)
            return TS_DEC_TRUNCATED;
        return link_llc(frame, caplen, TS_FDDI_HDR_LEN, out);
    case TS_DLT_LINUX_SLL:
        return link_sll(frame, caplen, out);
    case TS_DLT_LINUX_SLL2:
        return link_sll2(frame, caplen, out);
    case TS_DLT_NULL:
        return link_null(frame, caplen, out);
    case TS_DLT_LOOP:
        return link_loop(frame, caplen, out);
    case TS_DLT_RAW:
    case TS_DLT_RAW_OPENBSD:
    case TS_LINKTYPE_RAW:
        return TS_DEC_OK; /* l3_off 0, ethertype 0: the version nibble decides */
    case TS_DLT_IPV4:
        out->ethertype = TS_ETHERTYPE_IPV4;
        return TS_DEC_OK;
    case TS_DLT_IPV6:
        out->ethertype = TS_ETHERTYPE_IPV6;
        return TS_DEC_OK;
    default:
        return TS_DEC_UNSUPPORTED_LINK;
    }
}

/* pcap_datalink_val_to_name()'s names, for the types we decode and a few
 * common ones we do not (so a report can say what it skipped). */
static const struct {
    int dlt;
    const char *name;
} link_names[] = {
    {TS_DLT_NULL, "NULL"},
    {TS_DLT_EN10MB, "EN10MB"},
    {9, "PPP"},
    {TS_DLT_FDDI, "FDDI"},
    {TS_DLT_RAW, "RAW"},
    {TS_DLT_RAW_OPENBSD, "RAW"},
    {50, "PPP_SERIAL"},
    {51, "PPP_ETHER"},
    {TS_LINKTYPE_RAW, "RAW"},
    {104, "C_HDLC"},
    {105, "IEEE802_11"},
    {TS_DLT_LOOP, "LOOP"},
    {TS_DLT_LINUX_SLL, "LINUX_SLL"},
    {119, "PRISM_HEADER"},
    {127, "IEEE802_11_RADIO"},
    {147, "USER0"},
    {TS_DLT_IPV4, "IPV4"},
    {TS_DLT_IPV6, "IPV6"},
    {TS_DLT_LINUX_SLL2, "LINUX_SLL2"},
};

const char *ts_decode_link_name(int dlt)
{
    for (unsigned i = 0; i < sizeof link_names / sizeof link_names[0]; i++)
        if (link_names[i].dlt == dlt)
            return link_names[i].name;
    return "UNKNOWN";
}
