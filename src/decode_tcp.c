/* decode_tcp.c - the transport layer: a TCP header (RFC 9293) and its options.
 *
 * The 20-byte base header must be captured (else TS_DEC_TRUNCATED). The data
 * offset must cover the base header and fit inside the segment's length on the
 * wire (else TS_DEC_MALFORMED). Options are read as far as they were captured;
 * opts_truncated says the capture ended inside them. A badly formed option
 * (length < 2, or running past the header) ends option parsing but is not an
 * error for the packet: the segment still carries its seq/ack/flags.
 */
#include "decode.h"

#include <string.h>

#include "bytes.h"

enum {
    TS_TCP_MIN_HDR = 20,
    TS_TCPOPT_EOL = 0,
    TS_TCPOPT_NOP = 1,
    TS_TCPOPT_MSS = 2,       /* RFC 9293 3.2: kind 2, length 4, 16-bit MSS */
    TS_TCPOPT_WSCALE = 3,    /* RFC 7323 2.2: kind 3, length 3, shift count */
    TS_TCPOPT_SACK_OK = 4,   /* RFC 2018 2: kind 4, length 2 */
    TS_TCPOPT_TIMESTAMP = 8, /* RFC 7323 3.2: kind 8, length 10, TSval, TSecr */
    TS_TCP_MAX_WSCALE = 14   /* RFC 7323 2.3: larger shifts are used as 14 */
};

/* Options live in bytes [20, end) of the header; end = min(hdr_len, caplen). */
static void tcp_options(const uint8_t *p, uint32_t end, uint32_t hdr_len, struct ts_tcp *out)
{
    uint32_t off = TS_TCP_MIN_HDR;

    while (off < end) {
        uint8_t kind, len, u8;
        uint16_t u16;
        uint32_t tsval, tsecr;

        if (!ts_bytes_u8(p, end, off, &kind) || kind == TS_TCPOPT_EOL)
            return;
        if (kind == TS_TCPOPT_NOP) {
            off++;
            continue;
        }
        if (!ts_bytes_u8(p, end, off + 1, &len))
            return; /* the length byte was not captured (opts_truncated is set) */
        if (len < 2 || len > hdr_len - off)
            return; /* a broken option: stop, the rest cannot be delimited */
        if (!ts_bytes_have(end, off, len))
            return; /* runs past the captured bytes */

        /* A known kind with the wrong length is skipped, not believed. */
        switch (kind) {
        case TS_TCPOPT_MSS:
            if (len == 4 && ts_bytes_be16(p, end, off + 2, &u16))
                out->mss = u16;
            break;
        case TS_TCPOPT_WSCALE:
            if (len == 3 && ts_bytes_u8(p, end, off + 2, &u8))
                out->wscale = u8 > TS_TCP_MAX_WSCALE ? TS_TCP_MAX_WSCALE : u8;
            break;
        case TS_TCPOPT_SACK_OK:
            if (len == 2)
                out->sack_ok = true;
            break;
        case TS_TCPOPT_TIMESTAMP:
            if (len == 10 && ts_bytes_be32(p, end, off + 2, &tsval) &&
                ts_bytes_be32(p, end, off + 6, &tsecr)) {
                out->has_ts = true;
                out->tsval = tsval;
                out->tsecr = tsecr;
            }
            break;
        default:
            break; /* SACK blocks, MD5, TCP-AO, MPTCP, Fast Open, ...: not ours */
        }
        off += len;
    }
}

int ts_decode_tcp(const uint8_t *p, uint32_t caplen, uint32_t len, struct ts_tcp *out)
{
    uint8_t doff, flags;
    uint32_t hdr_len;

    memset(out, 0, sizeof *out);
    out->wscale = TS_OPT_ABSENT;

    /* The IP length leaves no room for a TCP header: the fields contradict,
     * whatever was captured. */
    if (len < TS_TCP_MIN_HDR)
        return TS_DEC_MALFORMED;

    /* RFC 9293 3.1: ports, sequence, acknowledgment, data offset (4 bits,
     * 32-bit words), reserved, flags (CWR ECE URG ACK PSH RST SYN FIN), window */
    if (!ts_bytes_have(caplen, 0, TS_TCP_MIN_HDR) || !ts_bytes_be16(p, caplen, 0, &out->sport) ||
        !ts_bytes_be16(p, caplen, 2, &out->dport) || !ts_bytes_be32(p, caplen, 4, &out->seq) ||
        !ts_bytes_be32(p, caplen, 8, &out->ack) || !ts_bytes_u8(p, caplen, 12, &doff) ||
        !ts_bytes_u8(p, caplen, 13, &flags) || !ts_bytes_be16(p, caplen, 14, &out->win))
        return TS_DEC_TRUNCATED;
    out->flags = flags;

    hdr_len = (uint32_t)(doff >> 4) * 4;
    out->hdr_len = (uint8_t)hdr_len;
    if (hdr_len < TS_TCP_MIN_HDR || hdr_len > len)
        return TS_DEC_MALFORMED;
    out->payload_len = len - hdr_len;
    out->payload_caplen = caplen <= hdr_len ? 0
                          : (caplen - hdr_len < out->payload_len ? caplen - hdr_len
                                                                 : out->payload_len);

    if (caplen < hdr_len)
        out->opts_truncated = true;
    tcp_options(p, caplen < hdr_len ? caplen : hdr_len, hdr_len, out);
    return TS_DEC_OK;
}
