/* pcap_file.h - a classic pcap file read in big chunks, its records handed
 * out in place (no copy per packet), checked and worded as libpcap does.
 * Knows nothing of libpcap itself: capture.c decides which files come here. */
#ifndef TS_PCAP_FILE_H
#define TS_PCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The buffer: the first read asks for TS_PCAP_FILE_FIRST_READ bytes (so the
 * first chunk boundary is at that file offset); it doubles up to
 * TS_PCAP_FILE_CHUNK, where a record (16 + at most TS_PCAP_FILE_MAX_CAPLEN
 * bytes) always fits. */
#define TS_PCAP_FILE_FIRST_READ (64 * 1024)
#define TS_PCAP_FILE_CHUNK (512 * 1024)
#define TS_PCAP_FILE_HEADER_LEN 24
#define TS_PCAP_FILE_RECORD_LEN 16
/* The largest caplen the reader accepts as a limit (libpcap's MAXIMUM_SNAPLEN). */
#define TS_PCAP_FILE_MAX_CAPLEN 262144u

struct ts_pcap_file;

/* What a classic file header says, for the files this reader walks. */
struct ts_pcap_file_format {
    bool big_endian; /* the file's byte order */
    bool swapped;    /* ... differs from this host's (libpcap's "swapped") */
    bool nano;       /* nanosecond timestamps (magic a1b23c4d) */
    uint32_t snaplen, linktype; /* as written */
};

/* One record. sec and frac are what libpcap puts in struct pcap_pkthdr's
 * ts.tv_sec and ts.tv_usec when asked for nanoseconds; data stays valid
 * until the next call on the reader. */
struct ts_pcap_record {
    int64_t sec, frac;
    uint32_t caplen, len;
    uint32_t stored; /* bytes it takes in the file, its header and any part cut off */
    const uint8_t *data;
};

/* True when hdr (n bytes) starts a classic pcap file this reader walks: one
 * of the four magics (us or ns, either byte order) and version 2.4. */
bool ts_pcap_file_is_classic(const uint8_t *hdr, size_t n, struct ts_pcap_file_format *fmt);

/* A reader over fp, which it takes over (closed when the reader is freed,
 * unless it is stdin). Nothing must have been read from fp through stdio: a
 * stream with a descriptor is read with read(2), others with fread. */
int ts_pcap_file_new(struct ts_pcap_file **out, FILE *fp, char *errbuf, size_t errlen);
void ts_pcap_file_free(struct ts_pcap_file *f);

/* The first bytes of the input (up to n, at most TS_PCAP_FILE_CHUNK; fewer
 * only at its end or on a read error), read but not consumed. Returns how
 * many are at *p; they stay there until the next peek or record. */
size_t ts_pcap_file_peek(struct ts_pcap_file *f, size_t n, const uint8_t **p);

/* Consume n bytes (at most what the last peek returned). */
void ts_pcap_file_consume(struct ts_pcap_file *f, size_t n);

/* True when a read failed (peek then returns fewer bytes than asked). */
bool ts_pcap_file_failed(const struct ts_pcap_file *f);


/* Consume the file header and walk records from here on. snapshot: the
 * file's snapshot length as libpcap adjusted it; max_caplen: libpcap's
 * largest sane caplen for the link type (at most TS_PCAP_FILE_MAX_CAPLEN). */
void ts_pcap_file_begin(struct ts_pcap_file *f, const struct ts_pcap_file_format *fmt,
                        uint32_t snapshot, uint32_t max_caplen);

/* 1: a record; 0: the end of the file (at a record boundary); -1: an error,
 * in libpcap's words in errbuf. */
int ts_pcap_file_next(struct ts_pcap_file *f, struct ts_pcap_record *r, char *errbuf,
                      size_t errlen);

/* The input from the reader's position on (bytes already read first, then
 * the rest of fp) as a new stream, which takes the reader over: closing the
 * stream frees it. For handing a file to libpcap. pre: n bytes (copied) the
 * stream gives first, or NULL: a pcapng file's start, for libpcap to read
 * the rest from the block the walker stopped at. NULL on failure (the
 * reader is then still the caller's). */
FILE *ts_pcap_file_stream(struct ts_pcap_file *f, const uint8_t *pre, size_t n);

#endif
