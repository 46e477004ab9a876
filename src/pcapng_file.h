/* pcapng_file.h - the packets of a pcapng file walked in place, in the
 * common shape that dumpcap, tshark, editcap and mergecap write: one
 * section, interfaces of one link type and snapshot length, Enhanced and
 * Simple Packet Blocks, other blocks skipped. What it is not sure of (a
 * second section, another kind of interface, an obsolete Packet Block, a
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

/* How an interface's time stamps read: units a second (10^k, k <= 9) and
 * its if_tsoffset in seconds (libpcap adds it unsigned). */
struct ts_pcapng_clock {
    uint64_t units, offset;
};

/* Interfaces walked in one file; a file with more is handed over. */
#define TS_PCAPNG_MAX_IFACES 64

/* The start of a file this walker reads: its section header, the blocks
 * libpcap skips before the first interface, and that Interface Description
 * Block; prefix_len bytes at the start of the input. */
struct ts_pcapng_format {
    bool big_endian;
    uint16_t linktype;   /* of the first interface, as written */
    uint32_t snaplen;    /* as written */
    struct ts_pcapng_clock clock;
    size_t prefix_len;
};

/* True when the input (peeked, not consumed) starts as a pcapng file this
 * walker reads: version 1.0 or 1.2, everything up to the end of the first
 * interface's description well formed, in one piece of at most
 * TS_PCAP_FILE_CHUNK bytes, its time stamps in 10^-k s for k <= 9. */
bool ts_pcapng_file_is_walkable(struct ts_pcap_file *in, struct ts_pcapng_format *fmt);

/* A walker over in (which stays the caller's), from after the prefix (it
 * is consumed here). dlt and snapshot: the link type and snapshot length as
 * libpcap gives them for the file (pcap_datalink, pcap_snapshot). NULL when
 * out of memory. */
struct ts_pcapng_file *ts_pcapng_file_begin(struct ts_pcap_file *in,
                                            const struct ts_pcapng_format *fmt, int dlt,
                                            uint32_t snapshot);
void ts_pcapng_file_free(struct ts_pcapng_file *w);

#define TS_PCAPNG_HAND_OVER 2

/* What libpcap must read before the input from where the walker stopped:
 * the file's start and every interface the walker took after it (n bytes,
 * valid while the walker lives). */
const uint8_t *ts_pcapng_file_replay(const struct ts_pcapng_file *w, size_t *n);

/* 1: a packet (data valid until the next call); 0: the end of the file, at a
 * block boundary; TS_PCAPNG_HAND_OVER: from here on it is libpcap's to
 * read (nothing of the block that said so was consumed). */
int ts_pcapng_file_next(struct ts_pcapng_file *w, struct ts_pcap_record *r);

#endif
