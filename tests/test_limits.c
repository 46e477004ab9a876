/* test_limits.c - bounded memory under hostile traffic: a capture of 300,000
 * SYNs from distinct spoofed sources (each a new connection) analysed with a
 * 2 MiB --memcap must finish, report every connection (written out early,
 * counted in summary.evicted) and keep the process small: its peak RSS
 * (the kernel's own ru_maxrss) stays far below what 300,000 tracked flows
 * would need (about 150 MB). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define NSYN 300000

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

/* A classic pcap (raw IPv4 link type) of NSYN SYNs, 10 us apart. */
static void write_flood(const char *path)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
    fwrite(hdr, sizeof hdr, 1, f);
    uint32_t x = 12345;
    for (uint32_t i = 0; i < NSYN; i++) {
        uint8_t p[40] = {0};
        p[0] = 0x45;
        put16(p + 2, 40);
        p[8] = 64;
        p[9] = 6;
        x = x * 1103515245u + 12345u;
        put32(p + 12, x ^ i);          /* spoofed source */
        put32(p + 16, 0x0a500002);     /* 10.80.0.2 */
        put16(p + 20, 1024 + (i % 60000));
        put16(p + 22, 80);
        put32(p + 24, x);
        p[32] = 5 << 4;
        p[33] = 0x02;
        put16(p + 34, 65535);
        uint32_t rec[4] = {1700000000 + i / 100000, (i % 100000) * 10, 40, 40};
        fwrite(rec, sizeof rec, 1, f);
        fwrite(p, sizeof p, 1, f);
    }
    fclose(f);
}

Test(limits, memcap_bounds_memory_under_a_spoofed_flood, .timeout = 300)
{
    char cap[] = "/tmp/ts_flood_XXXXXX";
    int fd = mkstemp(cap);
    cr_assert_geq(fd, 0);
    close(fd);
    write_flood(cap);
    char out[] = "/tmp/ts_flood_out_XXXXXX";
    fd = mkstemp(out);
    close(fd);

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        execl(TS_BINARY, TS_BINARY, "--memcap", "2M", "--format", "ndjson", "-o", out, cap,
              (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);

    /* the last line is the summary event */
    char *text = ts_test_slurp(out, NULL);
    cr_assert_not_null(text);
    size_t len = strlen(text);
    cr_assert_gt(len, 2);
    char *last = text + len - 2;
    while (last > text && *last != '\n')
        last--;
    json_object *sum = json_tokener_parse(last + (*last == '\n'));
    cr_assert_not_null(sum, "no summary line");
    cr_expect_eq(json_object_get_int64(ts_test_get(sum, "summary.flows")), NSYN);
    cr_expect_gt(json_object_get_int64(ts_test_get(sum, "summary.evicted")), NSYN / 2);
    cr_expect_eq(json_object_get_int64(ts_test_get(sum, "input.tcp_packets")), NSYN);
    json_object_put(sum);
    free(text);
    cr_expect_lt(ru.ru_maxrss, 64 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
    fprintf(stderr, "limits: %d SYNs with --memcap 2M: peak RSS %ld KiB\n", NSYN, ru.ru_maxrss);
    unlink(cap);
    unlink(out);
}
