/* pcapng_file.h - the packets of a pcapng file walked in place, in the
 * common shape that dumpcap, tshark and editcap write: one section, one
 * interface, Enhanced and Simple Packet Blocks, other blocks skipped. What it
 * is not sure of (a second interface or section, an obsolete Packet Block, a
 * damaged or cut block, a read error) it does not decide: it says so, and
 * capture.c has libpcap read on from there. Knows nothing of libpcap
 * itself. */
#ifndef TS_PCAPNG_FILE_H
#define TS_PCAPNG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcap_file.h"

struct ts_pcapng_file;

/* The start of a file this walker reads: its section header, the blocks
 * libpcap skips before the first interface, and that Interface Description
 * Block; prefix_len bytes at the start of the input. */
struct ts_pcapng_format {
    bool big_endian;
    uint16_t linktype;   /* of the first interface, as written */
    uint32_t snaplen;    /* as written */
    uint64_t units;      /* its time stamp units a second: 10^k, k <= 9 */
    uint64_t offset;     /* its if_tsoffset in seconds (libpcap adds it unsigned) */
    size_t prefix_len;
};

/* True when the input (peeked, not consumed) starts as a pcapng file this
 * walker reads: version 1.0 or 1.2, everything up to the end of the first
 * interface's description well formed, in one piece of at most
 * TS_PCAP_FILE_CHUNK bytes, its time stamps in 10^-k s for k <= 9. */
bool ts_pcapng_file_is_walkable(struct ts_pcap_file *in, struct ts_pcapng_format *fmt);

/* A walker over in (which stays the caller's), from after the prefix (it
 * is consumed here). snapshot: the snapshot length as libpcap adjusted it.
 * NULL when out of memory. */
struct ts_pcapng_file *ts_pcapng_file_begin(struct ts_pcap_file *in,
                                            const struct ts_pcapng_format *fmt,
                                            uint32_t snapshot);
void ts_pcapng_file_free(struct ts_pcapng_file *w);

#define TS_PCAPNG_HAND_OVER 2

/* 1: a packet (data valid until the next call); 0: the end of the file, at a
 * block boundary; TS_PCAPNG_HAND_OVER: from here on it is libpcap's to
 * read (nothing of the block that said so was consumed). */
int ts_pcapng_file_next(struct ts_pcapng_file *w, struct ts_pcap_record *r);

#endif
