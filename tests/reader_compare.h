/* reader_compare.h - what the reader tests share: captures built byte by
 * byte, written to a temporary folder, and read both as tcpstates reads them
 * and by libpcap alone (ts_capture_open_file_libpcap), every packet
 * (timestamp, lengths, bytes), the byte offset and the final result or error
 * text compared. */
#ifndef TS_TEST_READER_COMPARE_H
#define TS_TEST_READER_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"

/* A file being built, in the byte order big says. */
struct cap {
    uint8_t *b;
    size_t n, size;
    bool big;
};

void put(struct cap *c, const void *p, size_t n);
void put32(struct cap *c, uint32_t v);
void put16(struct cap *c, uint16_t v);

/* The folder the files go to (made on first use). */
const char *cap_tmpdir(void);

/* The first n bytes of c written as tmpdir/name; the path stays valid for
 * the next three calls. */
const char *write_cap(const char *name, const struct cap *c, size_t n);

struct outcome {
    int open_rc, last_rc;
    unsigned long long packets;
    bool in_place;     /* ours walked the file when it was opened */
    bool in_place_end; /* ... and still at its end (not handed to libpcap) */
};

/* Read two captures of one file to the end (ref: libpcap alone, rr/rerr its
 * open; cap: ours) with an optional filter; any difference fails the test,
 * naming what and where. */
struct outcome compare_caps(const char *what, struct ts_capture *ref, int rr,
                            const char *rerr, struct ts_capture *cap, int nr,
                            const char *nerr, const char *filter);

/* The same on the file at path, both opened here. */
struct outcome compare_file(const char *path, const char *filter);

/* The same, ours reading fp (taken over) and libpcap the file at path. */
struct outcome compare_stream(const char *what, const char *path, FILE *fp);

/* Ours reading c through a pipe fed step bytes at a time (SIGPIPE ignored),
 * libpcap the file. */
struct outcome compare_pipe(const char *name, const struct cap *c, size_t step);

/* The file at path (which ours must walk) read both ways with filter, each
 * writing what passed it with -w: the same packets and the same -w files. */
struct outcome compare_dump(const char *path, const char *filter);

struct tree_counts {
    unsigned files, in_place;      /* captures compared, walked by ours */
    unsigned pcapng_walked, pcapng_handed; /* pcapng walked, then handed to libpcap */
};

/* compare_file on every capture (.pcap, .pcapng, .cap; at most 64 MiB)
 * under dir, counted into n; false when dir cannot be opened. */
bool compare_tree(const char *dir, struct tree_counts *n);

/* rounds copies of the capture rel (in the source tree), each with flips
 * bytes after the first keep set to random values and every third cut
 * short (to keep bytes at least), compared; in_place: ours must walk each
 * one it opens. */
void compare_flipped(const char *rel, size_t keep, int flips, int rounds, unsigned seed,
                     bool in_place);

/* The two files have the same bytes (and more than a file header). */
void same_files(const char *a, const char *b);

/* Both readers on the first n bytes of c; in_place: whether ours must walk it. */
struct outcome check(const char *name, const struct cap *c, size_t n, bool in_place);

#endif
