/* capture.h - packets in: a capture file, standard input or a live interface.
 * The only module that knows libpcap. */
#ifndef TS_CAPTURE_H
#define TS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ts_capture;

struct ts_capture_packet {
    int64_t ts_ns;
    uint32_t caplen, len;
    const uint8_t *data;
    uint64_t record; /* its number among the records read, from 1 (the filter's
                        rejects counted): a file's record number */
};

/* path "-" reads standard input. */
int ts_capture_open_file(struct ts_capture **out, const char *path, char *errbuf, size_t errlen);
/* A capture read from an open stream (taken over: closed with the capture,
 * unless it is stdin). Nothing must have been read from it yet. */
int ts_capture_open_stream(struct ts_capture **out, FILE *fp, char *errbuf, size_t errlen);
/* For tests: as ts_capture_open_file, but every file read by libpcap alone,
 * classic pcap files included (the reference the in-place reader is compared with). */
int ts_capture_open_file_libpcap(struct ts_capture **out, const char *path, char *errbuf,
                                 size_t errlen);
/* For tests: the same for a stream (taken over, as ts_capture_open_stream). */
int ts_capture_open_stream_libpcap(struct ts_capture **out, FILE *fp, char *errbuf,
                                   size_t errlen);
/* For tests: true when a file's records are walked in place by our own
 * readers (classic pcap, pcapng), false when libpcap reads them (from the
 * start, or since the pcapng walker handed the file over). */
bool ts_capture_reads_in_place(const struct ts_capture *c);
/* snaplen: bytes kept of each packet (headers need a few hundred). */
int ts_capture_open_live(struct ts_capture **out, const char *iface, bool promisc, int snaplen,
                         char *errbuf, size_t errlen);
/* Also write every packet read to a pcap file (the evidence). */
int ts_capture_dump_to(struct ts_capture *c, const char *path, char *errbuf, size_t errlen);
/* Finish the -w file: -1 (errbuf: why) when a packet could not be written. */
int ts_capture_dump_end(struct ts_capture *c, char *errbuf, size_t errlen);

struct ts_capture_stats {
    uint64_t received;   /* packets the capture delivered */
    uint64_t dropped;    /* libpcap ps_drop: dropped for lack of buffer space */
    uint64_t if_dropped; /* libpcap ps_ifdrop: dropped by the interface or driver */
};
/* Live captures only; returns -1 when the platform cannot say. */
int ts_capture_stats(struct ts_capture *c, struct ts_capture_stats *st);
bool ts_capture_is_live(const struct ts_capture *c);
int ts_capture_set_filter(struct ts_capture *c, const char *expr, char *errbuf, size_t errlen);
/* 1: a packet; 2: none yet (a live read timed out: check for a stop and
 * call again); 0: the end of the input (or stopped); negative: an error
 * described in errbuf (the record number and byte offset where it happened). */
int ts_capture_next(struct ts_capture *c, struct ts_capture_packet *p, char *errbuf,
                    size_t errlen);
int ts_capture_datalink(const struct ts_capture *c);
/* Byte offset in the file of the next record, or -1 when not known. */
int64_t ts_capture_offset(const struct ts_capture *c);
/* Records read so far (the filter's rejects counted). */
uint64_t ts_capture_records(const struct ts_capture *c);
/* Ask a blocking read to return (safe from a signal handler). */
void ts_capture_stop(struct ts_capture *c);
void ts_capture_close(struct ts_capture *c);

#endif
