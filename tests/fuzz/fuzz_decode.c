/* fuzz_decode.c - libFuzzer target: the packet decoders on arbitrary frames.
 * Input: one byte choosing the link type, then the frame. Every stage's
 * result is checked for the bounds decode.h promises. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

/* a failed check aborts, whatever NDEBUG says: the fuzzer reports it */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

#include "decode.h"

static const int link_types[] = {1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 147, 10};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int dlt = link_types[data[0] % (sizeof link_types / sizeof link_types[0])];
    const uint8_t *frame = data + 1;
    uint32_t caplen = (uint32_t)(size - 1);

    struct ts_link link;
    if (ts_decode_link(dlt, frame, caplen, &link) != TS_DEC_OK)
        return 0;
    CHECK(link.l3_off <= caplen);
    struct ts_ip ip;
    if (ts_decode_ip(frame + link.l3_off, caplen - link.l3_off, link.ethertype, &ip) !=
        TS_DEC_OK)
        return 0;
    CHECK(ip.l4_off <= caplen - link.l3_off);
    uint32_t l4 = link.l3_off + ip.l4_off;
    struct ts_tcp tcp;
    if (ts_decode_tcp(frame + l4, caplen - l4, ip.l4_len, &tcp) != TS_DEC_OK)
        return 0;
    CHECK(tcp.hdr_len >= 20 && tcp.hdr_len <= 60);
    CHECK(tcp.payload_len + tcp.hdr_len == ip.l4_len);
    CHECK(tcp.payload_caplen <= tcp.payload_len);
    CHECK(tcp.wscale == TS_OPT_ABSENT || tcp.wscale <= 14);
    (void)ts_decode_link_name(dlt);
    return 0;
}
