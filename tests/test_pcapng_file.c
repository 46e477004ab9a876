/* test_pcapng_file.c - the in-place pcapng walker (pcapng_file.c, through
 * capture.c) against libpcap itself, as test_pcap_file.c does for classic
 * files: every file is read both ways and every packet (timestamp, lengths,
 * bytes) and the final result or error text must be the same. Files built
 * here block by block: both byte orders, every decimal time stamp
 * resolution, time offsets, Simple Packet Blocks, blocks libpcap skips; and
 * what the walker leaves to libpcap, which reads on from the same block: a
 * second interface or section, an obsolete Packet Block, damaged lengths,
 * a file cut anywhere, flipped bytes; from a file, a pipe, a memory stream. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "pcap_file.h"
#include "reader_compare.h"
#include "support.h"

#define ETHERNET 1
#define USB_LINUX_MMAPPED 220

/* ---- building pcapng files ---------------------------------------------- */

static void pad4(struct cap *c)
{
    static const uint8_t zero[3];
    put(c, zero, (4 - c->n % 4) % 4);
}

/* A block of type with body bytes (padded to 4). */
static void block(struct cap *c, uint32_t type, const struct cap *body)
{
    uint32_t total = 12 + (uint32_t)((body->n + 3) / 4 * 4);
    put32(c, type);
    put32(c, total);
    put(c, body->b, body->n);
    pad4(c);
    put32(c, total);
}

static void option(struct cap *o, uint16_t code, const void *v, uint16_t len)
{
    put16(o, code);
    put16(o, len);
    put(o, v, len);
    pad4(o);
}

static struct cap shb_version(bool big, uint16_t major, uint16_t minor)
{
    struct cap c = {.big = big}, b = {.big = big};
    put32(&b, 0x1A2B3C4D);
    put16(&b, major);
    put16(&b, minor);
    put32(&b, 0xffffffff); /* section length: not given */
    put32(&b, 0xffffffff);
    block(&c, 0x0A0D0D0A, &b);
    free(b.b);
    return c;
}

static struct cap shb(bool big)
{
    return shb_version(big, 1, 0);
}

/* An interface; resol: if_tsresol's byte, or -1 for none; offset: if_tsoffset
 * when has_offset. */
static void idb(struct cap *c, uint16_t linktype, uint32_t snaplen, int resol, bool has_offset,
                int64_t offset)
{
    struct cap b = {.big = c->big};
    put16(&b, linktype);
    put16(&b, 0);
    put32(&b, snaplen);
    option(&b, 2, "eth0", 4); /* if_name */
    if (resol >= 0) {
        uint8_t r = (uint8_t)resol;
        option(&b, 9, &r, 1);
    }
    if (has_offset) {
        struct cap o = {.big = c->big};
        put32(&o, (uint32_t)((uint64_t)offset >> (c->big ? 32 : 0)));
        put32(&o, (uint32_t)((uint64_t)offset >> (c->big ? 0 : 32)));
        option(&b, 14, o.b, 8);
        free(o.b);
    }
    option(&b, 0, NULL, 0);
    block(c, 1, &b);
    free(b.b);
}

static void data(struct cap *b, uint32_t n, unsigned seed)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
        put(b, &byte, 1);
    }
}

/* An Enhanced Packet Block saying caplen/len and carrying data_len bytes. */
static void epb_raw(struct cap *c, uint32_t ifid, uint64_t t, uint32_t caplen, uint32_t len,
                    uint32_t data_len, unsigned seed)
{
    struct cap b = {.big = c->big};
    put32(&b, ifid);
    put32(&b, (uint32_t)(t >> 32));
    put32(&b, (uint32_t)t);
    put32(&b, caplen);
    put32(&b, len);
    data(&b, data_len, seed);
    pad4(&b);
    if (seed % 3 == 0)
        option(&b, 2, "\x00\x00\x00\x01", 4); /* epb_flags */
    block(c, 6, &b);
    free(b.b);
}

static void epb(struct cap *c, uint64_t t, uint32_t caplen, unsigned seed)
{
    epb_raw(c, 0, t, caplen, caplen + 4, caplen, seed);
}

static void spb(struct cap *c, uint32_t len, uint32_t data_len, unsigned seed)
{
    struct cap b = {.big = c->big};
    put32(&b, len);
    data(&b, data_len, seed);
    block(c, 3, &b);
    free(b.b);
}

/* A block libpcap skips, of type and n bytes of body. */
static void other(struct cap *c, uint32_t type, uint32_t n, unsigned seed)
{
    struct cap b = {.big = c->big};
    data(&b, n, seed);
    block(c, type, &b);
    free(b.b);
}

static void packets(struct cap *c)
{
    epb(c, 1700000000123456ull, 60, 1);
    epb(c, 0, 54, 2);
    epb(c, 0xffffffffffffffffull, 40, 3);
    epb(c, 999999ull, 0, 4);
    epb(c, 5000001ull, 1514, 5);
    epb_raw(c, 0, 42, 100, 20, 100, 6); /* len < caplen: handed on as it is */
}

/* ---- what the walker reads -------------------------------------------- */

Test(pcapng_file, the_testdata_pcapng_files_are_walked)
{
    DIR *d = opendir(TS_SOURCE_DIR "/testdata");
    cr_assert_not_null(d);
    struct dirent *e;
    unsigned n = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 7 && strcmp(e->d_name + l - 7, ".pcapng") == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/testdata/%s", TS_SOURCE_DIR, e->d_name);
            struct outcome o = compare_file(path, NULL);
            cr_assert(o.in_place, "%s", path);
            cr_assert(o.in_place_end, "%s", path);
            cr_assert_eq(o.last_rc, 0, "%s", path);
            cr_assert_gt(o.packets, 0, "%s", path);
            n++;
        }
    }
    closedir(d);
    cr_assert_geq(n, 1);
}

Test(pcapng_file, byte_orders_resolutions_offsets)
{
    const int resols[] = {-1, 0, 1, 3, 6, 9};
    const int64_t offsets[] = {0, 100, -5, INT64_MIN};
    for (int big = 0; big <= 1; big++)
        for (size_t r = 0; r < sizeof resols / sizeof resols[0]; r++)
            for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
                struct cap c = shb(big);
                idb(&c, ETHERNET, 65535, resols[r], k > 0, offsets[k]);
                packets(&c);
                char name[64];
                snprintf(name, sizeof name, "res_%d_%d_%zu.pcapng", big, resols[r], k);
                struct outcome o = check(name, &c, c.n, true);
                cr_assert_eq(o.packets, 6, "%s", name);
                cr_assert_eq(o.last_rc, 0, "%s", name);
                cr_assert(o.in_place_end, "%s", name);
                free(c.b);
            }
}

Test(pcapng_file, simple_packets_and_skipped_blocks)
{
    for (int big = 0; big <= 1; big++) {
        struct cap c = shb(big);
        other(&c, 4, 20, 1);           /* name resolution, before the interface */
        other(&c, 0x0BAD, 9, 2);       /* custom */
        idb(&c, ETHERNET, 100, -1, false, 0);
        spb(&c, 60, 60, 1);
        spb(&c, 150, 100, 2);          /* cut to the snapshot length */
        spb(&c, 0, 0, 3);
        other(&c, 5, 32, 3);           /* interface statistics */
        other(&c, 0x0A, 40, 4);        /* decryption secrets */
        other(&c, 0x40000BAD, 0, 5);
        other(&c, 0x12345678, 13, 6);  /* unknown to everyone */
        epb(&c, 77, 100, 7);
        struct outcome o = check(big ? "spb_be.pcapng" : "spb_le.pcapng", &c, c.n, true);
        cr_assert_eq(o.packets, 4);
        cr_assert_eq(o.last_rc, 0);
        cr_assert(o.in_place_end);
        free(c.b);
    }
}

/* Interfaces of one kind, before and among the packets (mergecap's client
 * and server captures), each with its own clock. */
Test(pcapng_file, more_interfaces)
{
    for (int big = 0; big <= 1; big++) {
        struct cap c = shb(big);
        idb(&c, ETHERNET, 65535, 6, false, 0);
        idb(&c, ETHERNET, 65535, 9, true, -3600);
        epb_raw(&c, 1, 1700000000123456789ull, 60, 64, 60, 1);
        epb_raw(&c, 0, 1700000000123456ull, 60, 64, 60, 2);
        spb(&c, 70, 70, 3);
        idb(&c, ETHERNET, 65535, 3, true, 100);
        epb_raw(&c, 2, 1700000000123ull, 80, 80, 80, 4);
        for (int i = 3; i < 64; i++)
            idb(&c, ETHERNET, 65535, i % 10, i % 2, i);
        epb_raw(&c, 63, 123456789ull, 40, 40, 40, 5);
        epb_raw(&c, 17, 123456789ull, 40, 40, 40, 6);
        struct outcome o = check(big ? "ifs_be.pcapng" : "ifs_le.pcapng", &c, c.n, true);
        cr_assert_eq(o.packets, 6);
        cr_assert_eq(o.last_rc, 0);
        cr_assert(o.in_place_end);
        free(c.b);
    }
    /* a first interface whose link type libpcap names otherwise (101,
     * LINKTYPE_RAW, is its DLT_RAW, 12): later ones are left to libpcap,
     * which compares the one with the other, whatever their type (65535
     * too, which no link type of the first can stand for) */
    const uint16_t later[] = {101, 12, 0xffff};
    for (size_t k = 0; k < sizeof later / sizeof later[0]; k++) {
        struct cap r = shb(k % 2);
        idb(&r, 101, 65535, -1, false, 0);
        epb(&r, 1, 40, 1);
        idb(&r, later[k], 65535, -1, false, 0);
        epb_raw(&r, 1, 2, 40, 40, 40, 2);
        epb(&r, 3, 40, 3);
        struct outcome o = check("ifs_raw.pcapng", &r, r.n, true);
        cr_assert_not(o.in_place_end, "later link type %u", later[k]);
        free(r.b);
    }
    /* the first interface's snapshot length is one libpcap adjusts: a
     * second one is left to libpcap, whose versions compare them apart */
    struct cap c = shb(false);
    idb(&c, ETHERNET, 0, -1, false, 0);
    epb(&c, 1, 60, 1);
    idb(&c, ETHERNET, 0, -1, false, 0);
    epb_raw(&c, 1, 2, 60, 60, 60, 2);
    struct outcome o = check("ifs_snap0.pcapng", &c, c.n, true);
    cr_assert_not(o.in_place_end);
    free(c.b);
}

Test(pcapng_file, many_chunks_of_random_packets)
{
    struct cap c = shb(false);
    idb(&c, ETHERNET, 0, 9, false, 0);
    unsigned s = 4242;
    uint32_t n = 0;
    while (c.n < 5 * TS_PCAP_FILE_CHUNK) {
        s = s * 1103515245 + 12345;
        uint32_t len = (s >> 8) % 5 == 0 ? (s >> 12) % 65536 : (s >> 12) % 1600;
        if ((s >> 20) % 50 == 0)
            other(&c, 5, len % 200, s);
        else if ((s >> 20) % 50 == 1)
            len = 262144; /* the largest */
        epb(&c, (uint64_t)n * 1000003, len, s);
        n++;
    }
    struct outcome o = check("random.pcapng", &c, c.n, true);
    cr_assert_eq(o.packets, n);
    cr_assert(o.in_place_end);
    free(c.b);
}

/* ---- what it hands back to libpcap, in the middle of the file ----------- */

/* A file of 3 packets, then what (a function adding blocks), then 2 more:
 * ours walks it and must read exactly what libpcap reads, with and without
 * a filter; want: the packets libpcap reads in all, or -1 when it stops at
 * an error. */
static void handed_over(const char *name, bool big, void (*what)(struct cap *), int want)
{
    struct cap c = shb(big);
    idb(&c, ETHERNET, 1000, 6, true, 10);
    epb(&c, 1, 60, 1);
    epb(&c, 2, 70, 2);
    spb(&c, 80, 80, 3);
    what(&c);
    epb(&c, 4, 90, 4);
    epb(&c, 5, 100, 5);
    struct outcome o = check(name, &c, c.n, true);
    cr_assert_geq(o.packets, 3, "%s", name);
    cr_assert_not(o.in_place_end, "%s: handed to libpcap", name);
    if (want >= 0)
        cr_assert(o.last_rc == 0 && o.packets == (unsigned)want, "%s: %llu packets, %d", name,
                  o.packets, o.last_rc);
    else
        cr_assert_eq(o.last_rc, -1, "%s", name);
    compare_file(write_cap(name, &c, c.n), "len > 65");
    free(c.b);
}

/* an interface whose time option libpcap reads but the walker does not */
static void second_interface_unsure(struct cap *c) { idb(c, ETHERNET, 1000, 0x86, false, 0); }
static void too_many_interfaces(struct cap *c)
{
    for (int i = 1; i <= 64; i++)
        idb(c, ETHERNET, 1000, i % 10, false, 0);
    epb_raw(c, 64, 12345, 50, 50, 50, 9);
}
static void other_link_type(struct cap *c) { idb(c, 113, 1000, -1, false, 0); }
static void other_snaplen(struct cap *c) { idb(c, ETHERNET, 2000, -1, false, 0); }
static void second_section(struct cap *c)
{
    struct cap s = shb(c->big);
    put(c, s.b, s.n);
    free(s.b);
    idb(c, ETHERNET, 1000, -1, false, 0);
}
static void second_section_no_interface(struct cap *c)
{
    struct cap s = shb(c->big);
    put(c, s.b, s.n);
    free(s.b);
}
static void packet_block(struct cap *c)
{
    struct cap b = {.big = c->big};
    put16(&b, 0);
    put16(&b, 0);
    put32(&b, 0);
    put32(&b, 77);
    put32(&b, 40);
    put32(&b, 40);
    data(&b, 40, 1);
    block(c, 2, &b);
    free(b.b);
}
static void unknown_interface(struct cap *c) { epb_raw(c, 3, 1, 40, 40, 40, 1); }
static void above_snapshot(struct cap *c) { epb(c, 1, 1001, 1); }
static void caplen_beyond_block(struct cap *c) { epb_raw(c, 0, 1, 100, 100, 60, 1); }
static void spb_beyond_block(struct cap *c) { spb(c, 100, 60, 1); }
static void short_epb(struct cap *c) { other(c, 6, 12, 1); }
static void short_spb(struct cap *c) { other(c, 3, 0, 1); }
static void length_mismatch(struct cap *c)
{
    epb(c, 1, 40, 1);
    c->b[c->n - 1] ^= 0x10;
    c->b[c->n - 4] ^= 0x10;
}
static void length_not_multiple(struct cap *c)
{
    put32(c, 6);
    put32(c, 42);
    for (int i = 0; i < 34; i++)
        put(c, "x", 1);
}
static void length_too_small(struct cap *c)
{
    put32(c, 6);
    put32(c, 8);
}
static void block_above_the_chunk(struct cap *c) { other(c, 0x0BAD, 600000, 1); }

Test(pcapng_file, handed_to_libpcap_mid_file)
{
    struct {
        const char *name;
        void (*what)(struct cap *);
        int want; /* libpcap 1.10's reading */
    } cases[] = {
        {"second_interface_unsure", second_interface_unsure, 5},
        {"too_many_interfaces", too_many_interfaces, 6},
        {"other_link_type", other_link_type, -1},
        {"other_snaplen", other_snaplen, -1},
        {"second_section", second_section, 5},
        {"second_section_no_interface", second_section_no_interface, -1},
        {"packet_block", packet_block, 6},
        {"unknown_interface", unknown_interface, -1},
        {"above_snapshot", above_snapshot, -1},
        {"caplen_beyond_block", caplen_beyond_block, -1},
        {"spb_beyond_block", spb_beyond_block, -1},
        {"short_epb", short_epb, -1},
        {"short_spb", short_spb, -1},
        {"length_mismatch", length_mismatch, -1},
        {"length_not_multiple", length_not_multiple, -1},
        {"length_too_small", length_too_small, -1},
        {"block_above_the_chunk", block_above_the_chunk, 5},
    };
    for (int big = 0; big <= 1; big++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            handed_over(cases[i].name, big, cases[i].what, cases[i].want);
}

Test(pcapng_file, cut_anywhere)
{
    struct cap c = shb(true);
    other(&c, 4, 16, 1);
    idb(&c, ETHERNET, 65535, 9, false, 0);
    size_t prefix = c.n; /* walked only when the interface is whole */
    epb(&c, 1, 60, 1);
    spb(&c, 40, 40, 2);
    other(&c, 5, 24, 3);
    epb(&c, 3, 7, 4);
    unsigned clean = 0;
    for (size_t n = 0; n <= c.n; n++) {
        char name[32];
        snprintf(name, sizeof name, "cut_%zu.pcapng", n);
        struct outcome o = check(name, &c, n, n >= prefix);
        clean += o.open_rc == 0 && o.last_rc == 0;
        if (o.open_rc == 0) /* walked to the end only when cut between blocks */
            cr_assert_eq(o.in_place_end, o.last_rc == 0, "%s", name);
    }
    cr_assert_eq(clean, 5, "after the interface and after each of the 4 blocks");
    free(c.b);
}

/* Flipped bytes in a real pcapng capture: whatever libpcap makes of them,
 * ours makes the same (in place or not). */
Test(pcapng_file, flipped_bytes)
{
    compare_flipped("testdata/format_pcapng.pcapng", 0, 2, 400, 991, false);
}

/* ---- what it leaves to libpcap from the start --------------------------- */

Test(pcapng_file, other_files_are_left_to_libpcap)
{
    for (int big = 0; big <= 1; big++) {
        struct {
            const char *name;
            int resol;
            uint16_t linktype;
        } cases[] = {
            {"binary_resolution", 0x80 | 20, ETHERNET},
            {"picoseconds", 12, ETHERNET},
            {"usb", -1, USB_LINUX_MMAPPED},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct cap c = shb(big);
            idb(&c, cases[i].linktype, 65535, cases[i].resol, false, 0);
            packets(&c);
            check(cases[i].name, &c, c.n, false);
            free(c.b);
        }
        struct cap c = shb_version(big, 1, 1);
        idb(&c, ETHERNET, 65535, -1, false, 0);
        packets(&c);
        check("version_1_1", &c, c.n, false);
        free(c.b);
        c = shb(big);
        epb(&c, 1, 40, 1); /* a packet before any interface */
        idb(&c, ETHERNET, 65535, -1, false, 0);
        check("packet_first", &c, c.n, false);
        free(c.b);
        c = shb(big);
        other(&c, 0x0BAD, 600000, 1); /* the start does not fit in one chunk */
        idb(&c, ETHERNET, 65535, -1, false, 0);
        packets(&c);
        check("big_start", &c, c.n, false);
        free(c.b);
        /* two time resolutions: libpcap's word on it */
        c = shb(big);
        struct cap b = {.big = big};
        put16(&b, ETHERNET);
        put16(&b, 0);
        put32(&b, 65535);
        option(&b, 9, "\x06", 1);
        option(&b, 9, "\x09", 1);
        option(&b, 0, NULL, 0);
        block(&c, 1, &b);
        free(b.b);
        packets(&c);
        check("two_resolutions", &c, c.n, false);
        free(c.b);
    }
}

/* ---- streams ------------------------------------------------------------ */

/* A memory stream, handed over as a file is. */
Test(pcapng_file, memory_stream_handed_over)
{
    struct cap c = shb(false);
    idb(&c, ETHERNET, 1000, -1, false, 0);
    epb(&c, 1, 60, 1);
    second_section(&c);
    epb(&c, 2, 60, 2);
    const char *path = write_cap("mem.pcapng", &c, c.n);
    struct outcome o = compare_stream("mem", path, fmemopen(c.b, c.n, "rb"));
    cr_assert(o.in_place);
    cr_assert_not(o.in_place_end);
    cr_assert_eq(o.packets, 2);
    free(c.b);
}

/* A stream that did not start at the beginning of its file (standard input
 * after something read a part of it), handed over. */
Test(pcapng_file, stream_that_began_mid_file)
{
    struct cap c = {.big = false};
    put(&c, "some bytes before the capture", 29);
    struct cap g = shb(false);
    idb(&g, ETHERNET, 1000, -1, false, 0);
    epb(&g, 1, 60, 1);
    packet_block(&g);
    epb(&g, 2, 60, 2);
    put(&c, g.b, g.n);
    const char *ng = write_cap("alone.pcapng", &g, g.n);
    char ngpath[256];
    snprintf(ngpath, sizeof ngpath, "%s", ng);
    const char *both = write_cap("after.bin", &c, c.n);
    FILE *fp = fopen(both, "rb");
    cr_assert_not_null(fp);
    cr_assert_eq(fseek(fp, 29, SEEK_SET), 0);
    struct outcome o = compare_stream("after", ngpath, fp);
    cr_assert(o.in_place);
    cr_assert_not(o.in_place_end);
    cr_assert_eq(o.packets, 3);
    free(c.b);
    free(g.b);
}

/* Through a pipe: walked, and handed over where a file is. */
Test(pcapng_file, pipes)
{
    struct cap c = shb(false);
    idb(&c, ETHERNET, 0, 9, false, 0);
    for (uint32_t i = 0; i < 2000; i++)
        epb(&c, i * 1000003ull, i % 500 == 499 ? 262144 - i : i % 1600, i);
    struct outcome o = compare_pipe("pipe.pcapng", &c, 4093);
    cr_assert(o.in_place_end);
    cr_assert_eq(o.packets, 2000);
    o = compare_pipe("pipe_slow.pcapng", &c, 7);
    cr_assert(o.in_place_end);
    struct cap s2 = shb(false); /* a second section, the same interface */
    put(&c, s2.b, s2.n);
    free(s2.b);
    idb(&c, ETHERNET, 0, 6, false, 0);
    epb(&c, 1, 60, 1);
    packet_block(&c);
    o = compare_pipe("pipe_over.pcapng", &c, 1000);
    cr_assert(o.in_place);
    cr_assert_not(o.in_place_end);
    cr_assert_eq(o.packets, 2002);
    o = compare_pipe("pipe_cut.pcapng", &(struct cap){.b = c.b, .n = c.n - 5}, 333);
    cr_assert(o.in_place);
    cr_assert_eq(o.last_rc, -1);
    free(c.b);
}

/* -w keeps the packets of both parts: those walked, those libpcap read on. */
Test(pcapng_file, dump_across_the_hand_over)
{
    struct cap c = shb(true);
    idb(&c, ETHERNET, 200, 9, false, 0);
    for (unsigned i = 0; i < 5; i++)
        epb(&c, 1000000000ull * i + i, 40 + 30 * i, i);
    struct cap s2 = shb(true); /* a second section */
    put(&c, s2.b, s2.n);
    free(s2.b);
    idb(&c, ETHERNET, 200, 3, false, 0);
    for (unsigned i = 5; i < 9; i++)
        epb(&c, 1000000000ull * i + i, 40 + 20 * i, i);
    struct outcome o = compare_dump(write_cap("dump_in.pcapng", &c, c.n), "len > 50");
    cr_assert_eq(o.packets, 8);
    cr_assert_eq(o.last_rc, 0);
    cr_assert_not(o.in_place_end); /* handed over */
    free(c.b);
}

/* ---- the shared corpus (optional) ---------------------------------------- */

/* Every capture in ../shared/corpus (real traffic, malformed files from
 * other projects' test suites), when that folder is there. */
Test(pcapng_file, shared_corpus_reads_as_libpcap_reads_it)
{
    struct stat sb;
    if (stat(TS_SOURCE_DIR "/../shared/corpus", &sb) < 0)
        cr_skip_test("../shared/corpus is not there");
    struct tree_counts n = {0};
    cr_assert(compare_tree(TS_SOURCE_DIR "/../shared/corpus", &n));
    cr_assert_gt(n.files, 0);
    cr_log_info("%u captures; %u pcapng walked, %u of them handed to libpcap", n.files,
                n.pcapng_walked, n.pcapng_handed);
}
