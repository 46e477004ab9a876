/* fuzz_reader.c - libFuzzer target: the capture readers against libpcap. A
 * file image (pcap or pcapng bytes) is read twice, as tcpstates reads it
 * (the in-place classic and pcapng walkers, handing over to libpcap where
 * they do) and by libpcap alone; any difference in a packet (time stamp,
 * lengths, bytes), in where reading ends, or in the error's words aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An error's own words, after "record N[ at byte offset X]: " (the offset is
 * one that libpcap alone may no longer know). */
static const char *words(const char *e)
{
    const char *p = strstr(e, ": ");
    return p && strncmp(e, "record ", 7) == 0 ? p + 2 : e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *fa = fmemopen((void *)data, size, "rb"), *fb = fmemopen((void *)data, size, "rb");
    if (!fa || !fb) {
        if (fa)
            fclose(fa);
        if (fb)
            fclose(fb);
        return 0;
    }
    struct ts_capture *ref = NULL, *cap = NULL;
    char ea[512] = "", eb[512] = "";
    int ra = ts_capture_open_stream_libpcap(&ref, fa, ea, sizeof ea);
    int rb = ts_capture_open_stream(&cap, fb, eb, sizeof eb);
    if (ra != rb || (ra < 0 && strcmp(ea, eb) != 0))
        abort();
    if (ra < 0)
        return 0;
    if (ts_capture_datalink(ref) != ts_capture_datalink(cap))
        abort();
    for (;;) {
        struct ts_capture_packet a, b;
        ra = ts_capture_next(ref, &a, ea, sizeof ea);
        rb = ts_capture_next(cap, &b, eb, sizeof eb);
        if (ra != rb || (ra < 0 && strcmp(words(ea), words(eb)) != 0))
            abort();
        if (ra != 1)
            break;
        if (a.ts_ns != b.ts_ns || a.caplen != b.caplen || a.len != b.len ||
            (a.caplen && memcmp(a.data, b.data, a.caplen) != 0))
            abort();
    }
    ts_capture_close(ref);
    ts_capture_close(cap);
    return 0;
}
