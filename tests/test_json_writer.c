/* test_json_writer.c - the report's hand-made text (src/json_writer.c and the
 * shared wording of src/report.c): every formatter is checked against the C
 * library doing the same job - addresses against inet_ntop, integers and
 * "%.6f" seconds against snprintf - on edge cases and on many
 * pseudo-random values (a fixed seed: runs repeat). JSON times, keys and
 * escaping are checked against text written out by hand from RFC 8259 and
 * SPEC.md's "seconds with six decimals".
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"
#include "report.h"

/* ------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* splitmix64 */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ts_report_addr must say what inet_ntop says, with any buffer size. */
static void check_addr(const uint8_t a[16], int family)
{
    char want[64], got[64];
    int af = family == 6 ? AF_INET6 : AF_INET;
    if (!inet_ntop(af, a, want, sizeof want))
        cr_assert_fail("inet_ntop failed");
    size_t n = ts_report_addr(a, family, got, sizeof got);
    if (strcmp(got, want) != 0 || n != strlen(want))
        cr_assert_fail("address: got \"%s\" (%zu), inet_ntop \"%s\"", got, n, want);
}

static void check_u64(uint64_t v)
{
    char want[32], got[32];
    snprintf(want, sizeof want, "%" PRIu64, v);
    size_t n = ts_jw_u64_text(got, v);
    got[n] = '\0';
    if (strcmp(got, want) != 0)
        cr_assert_fail("u64: got %s, want %s", got, want);
}

static void check_int(int64_t v)
{
    char want[32];
    snprintf(want, sizeof want, "%" PRId64, v);
    struct ts_jw w;
    ts_jw_init(&w);
    ts_jw_int(&w, NULL, v);
    if (strcmp(w.buf, want) != 0)
        cr_assert_fail("int: got %s, want %s", w.buf, want);
    ts_jw_free(&w);
}

static void check_seconds(int64_t ns)
{
    char want[64], got[64];
    snprintf(want, sizeof want, "%.6f", (double)ns / 1e9);
    size_t n = ts_report_seconds(ns, got);
    if (strcmp(got, want) != 0 || n != strlen(want))
        cr_assert_fail("seconds(%" PRId64 "): got %s, printf %s", ns, got, want);
}

static const char *jw_time(struct ts_jw *w, int64_t ns)
{
    ts_jw_reset(w);
    ts_jw_time(w, NULL, ns);
    return w->buf;
}

/* ------------------------------------------------------------- addresses */

Test(addr, ipv4_every_byte_width)
{
    static const uint8_t bytes[] = {0, 1, 9, 10, 42, 99, 100, 101, 199, 200, 249, 250, 255};
    uint8_t a[16] = {0};
    size_t nb = sizeof bytes;
    for (size_t i = 0; i < nb * nb * nb * nb; i++) {
        a[0] = bytes[i % nb];
        a[1] = bytes[i / nb % nb];
        a[2] = bytes[i / nb / nb % nb];
        a[3] = bytes[i / nb / nb / nb];
        check_addr(a, 4);
    }
}

Test(addr, ipv4_random)
{
    uint8_t a[16] = {0};
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rnd();
        memcpy(a, &r, 4);
        check_addr(a, 4);
    }
}

Test(addr, ipv6_edge_cases)
{
    static const char *const cases[] = {
        "::", "::1", "1::", "1::1", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8",
        "1:0:3:4:5:6:7:8",           /* one zero group: no "::" */
        "1:0:0:4:0:0:7:8",           /* two equal runs: the first */
        "1:0:0:4:0:0:0:8",           /* the longer, second run */
        "0:0:1:0:0:0:0:0",           /* the longer run at the end */
        "::ffff:1.2.3.4", "::ffff:0.0.0.0", "::ffff:0:0", "::ffff:255.255.255.255",
        "::1.2.3.4", "::0.0.0.2", "::0.1.0.0", "::1:0:0", "::ffff:1:2:3", "::fffe:1.2.3.4",
        "0:0:0:0:1:ffff:1.2.3.4",    /* five zeros, then not ffff at group 5 */
        "::ffff:0:1.2.3.4",          /* SIIT (RFC 2765): no IPv4 form in glibc */
        "64:ff9b::1.2.3.4",          /* NAT64 */
        "fe80::1", "fe80::abcd:ef01:2345:6789", "2001:db8::", "2001:db8:0:0:1::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:1.2.3.4",
        "0:0:0:0:0:0:0:1", "a:b:c:d:e:f:0:0", "0:0:a:b:c:d:e:f", "f:0:0:f:0:0:f:0",
        "100:a0:f:0:1000:fff:ff0:f00",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t a[16];
        cr_assert_eq(inet_pton(AF_INET6, cases[i], a), 1, "%s", cases[i]);
        check_addr(a, 6);
    }
}

/* Every pattern of eight groups drawn from a few kinds of value: every
 * arrangement of zero runs, ffff in each place, short and long groups. */
Test(addr, ipv6_every_zero_pattern)
{
    static const unsigned kinds[] = {0, 1, 0xffff, 0xabc, 0x10};
    uint8_t a[16];
    unsigned nk = sizeof kinds / sizeof kinds[0];
    unsigned total = 1;
    for (int g = 0; g < 8; g++)
        total *= nk;
    for (unsigned i = 0; i < total; i++) {
        unsigned x = i;
        for (int g = 0; g < 8; g++) {
            unsigned v = kinds[x % nk];
            x /= nk;
            a[2 * g] = (uint8_t)(v >> 8);
            a[2 * g + 1] = (uint8_t)v;
        }
        check_addr(a, 6);
    }
}

Test(addr, ipv6_random)
{
    uint8_t a[16];
    for (int i = 0; i < 300000; i++) {
        uint64_t r[2] = {rnd(), rnd()}, zero = rnd(), width = rnd();
        memcpy(a, r, 16);
        for (int g = 0; g < 8; g++) {
            if ((zero >> (2 * g) & 3) == 0) /* a quarter of the groups zero */
                a[2 * g] = a[2 * g + 1] = 0;
            else if ((width >> (2 * g) & 3) == 0) /* and some short ones */
                a[2 * g] = 0;
        }
        check_addr(a, 6);
    }
}

/* No room for the text and its NUL: "?" where inet_ntop fails. */
Test(addr, small_buffer)
{
    uint8_t a[16];
    cr_assert_eq(inet_pton(AF_INET6, "2001:db8::1", a), 1);
    char buf[64];
    for (size_t len = 0; len < 16; len++) {
        char want[64];
        const char *ok = inet_ntop(AF_INET6, a, want, (socklen_t)len);
        memset(buf, 'x', sizeof buf);
        size_t n = ts_report_addr(a, 6, buf, len);
        if (len < strlen("2001:db8::1") + 1) {
            cr_assert_null(ok);
            if (len >= 2)
                cr_assert_str_eq(buf, "?");
            cr_assert_eq(n, len >= 2 ? 1u : 0u);
        } else {
            cr_assert_str_eq(buf, want);
        }
    }
    uint8_t v4[16] = {192, 168, 100, 200};
    ts_report_addr(v4, 4, buf, 15);
    cr_assert_str_eq(buf, "?");
    ts_report_addr(v4, 4, buf, 16);
    cr_assert_str_eq(buf, "192.168.100.200");
}

/* ------------------------------------------------------------- numbers */

Test(numbers, u64_and_int_against_printf)
{
    uint64_t p = 1;
    for (int i = 0; i < 20; i++) {
        check_u64(p - 1);
        check_u64(p);
        check_u64(p + 1);
        check_int((int64_t)p);
        check_int((int64_t)(p - 1));
        check_int(-(int64_t)p);
        check_int(-(int64_t)p + 1);
        if (i < 19)
            p *= 10;
    }
    check_u64(UINT64_MAX);
    check_u64(UINT64_MAX - 1);
    check_int(INT64_MAX);
    check_int(INT64_MIN);
    check_int(INT64_MIN + 1);
    check_int(0);
    check_int(-1);
    for (int i = 0; i < 300000; i++) {
        uint64_t r = rnd();
        check_u64(r >> (r % 64));
        check_int((int64_t)(r >> (r % 64)));
        check_int((int64_t)r);
    }
}

/* printf's "%.6f" of ns / 1e9, in the text report: also where the double
 * lies next to half a microsecond, and exact halves (printf takes the even
 * neighbour: 1/128 s is 0.0078125). */
Test(numbers, seconds_against_printf)
{
    static const int64_t cases[] = {
        0, 1, -1, 499, 500, 501, 999, 1000, 1499, 1500, 1501, 2500, 7812500, -7812500,
        3500, 5500, 999999499, 999999500, 999999999, 1000000000, -1000000000, 60000000000,
        1700000000123456789, 1700000000123456500, 1700000000123456499, 1700000000123456501,
        INT64_MAX, INT64_MIN, INT64_MIN + 1, (int64_t)1 << 53, ((int64_t)1 << 53) + 500,
        ((int64_t)1 << 60) + 500, 4503599627370496500,
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_seconds(cases[i]);
    for (int64_t ns = -3000000; ns <= 3000000; ns++)
        check_seconds(ns);
    for (int i = 0; i < 300000; i++) {
        uint64_t r = rnd();
        int64_t ns = (int64_t)(r >> (r % 63 + 1));
        check_seconds(ns);
        check_seconds(-ns);
        /* a capture's epoch times, the nanoseconds near a half microsecond */
        int64_t epoch = 1000000000000000000 + (int64_t)(rnd() % 1000000000000000000);
        check_seconds(epoch - epoch % 1000 + 380 + (int64_t)(rnd() % 240));
        check_seconds(epoch);
    }
}

/* JSON times: seconds with six decimals, rounded to the microsecond with
 * halves away from zero (SPEC.md). */
Test(numbers, json_time)
{
    struct ts_jw w;
    ts_jw_init(&w);
    cr_assert_str_eq(jw_time(&w, 0), "0.000000");
    cr_assert_str_eq(jw_time(&w, 499), "0.000000");
    cr_assert_str_eq(jw_time(&w, 500), "0.000001");
    cr_assert_str_eq(jw_time(&w, 1500), "0.000002");
    cr_assert_str_eq(jw_time(&w, -499), "0.000000");
    cr_assert_str_eq(jw_time(&w, -500), "-0.000001");
    cr_assert_str_eq(jw_time(&w, -1500), "-0.000002");
    cr_assert_str_eq(jw_time(&w, 7812500), "0.007813");
    cr_assert_str_eq(jw_time(&w, 999999500), "1.000000");
    cr_assert_str_eq(jw_time(&w, 60000000000), "60.000000");
    cr_assert_str_eq(jw_time(&w, -2000000001), "-2.000000");
    cr_assert_str_eq(jw_time(&w, 1700000000123456789), "1700000000.123457");
    cr_assert_str_eq(jw_time(&w, 1700000000000010000), "1700000000.000010");
    cr_assert_str_eq(jw_time(&w, INT64_MIN + 500), "-9223372036.854775");
    /* and against printf of the microseconds, over many values */
    for (int i = 0; i < 300000; i++) {
        uint64_t r = rnd();
        int64_t ns = (int64_t)(r >> (r % 63 + 1));
        if (i & 1)
            ns = -ns;
        uint64_t us = ((ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns) + 500) / 1000;
        char want[48];
        snprintf(want, sizeof want, "%s%" PRIu64 ".%06" PRIu64, ns < 0 && us ? "-" : "",
                 us / 1000000, us % 1000000);
        if (strcmp(jw_time(&w, ns), want) != 0)
            cr_assert_fail("time(%" PRId64 "): got %s, want %s", ns, w.buf, want);
    }
    ts_jw_free(&w);
}

/* ------------------------------------------------------------- JSON text */

Test(json, keys_commas_nesting)
{
    struct ts_jw w;
    ts_jw_init(&w);
    ts_jw_obj(&w, NULL);
    ts_jw_int(&w, "id", 7);
    ts_jw_obj(&w, "client");
    ts_jw_str(&w, "ip", "10.0.0.1");
    ts_jw_null(&w, "isn");
    ts_jw_obj_end(&w);
    ts_jw_arr(&w, "anomalies");
    ts_jw_obj(&w, NULL);
    ts_jw_bool(&w, "until_capture_end", true);
    ts_jw_obj_end(&w);
    ts_jw_obj(&w, NULL);
    ts_jw_bool(&w, "x", false);
    ts_jw_obj_end(&w);
    ts_jw_arr_end(&w);
    ts_jw_arr(&w, "gaps");
    ts_jw_time(&w, NULL, 1000000000);
    ts_jw_time(&w, NULL, 3000000000);
    ts_jw_arr_end(&w);
    ts_jw_arr(&w, "empty");
    ts_jw_arr_end(&w);
    ts_jw_str(&w, "by", NULL);
    const char *key = "a_key_not_known_when_compiled";
    ts_jw_int(&w, key, -3);
    ts_jw_obj_end(&w);
    cr_assert_str_eq(w.buf, "{\"id\":7,\"client\":{\"ip\":\"10.0.0.1\",\"isn\":null},"
                            "\"anomalies\":[{\"until_capture_end\":true},{\"x\":false}],"
                            "\"gaps\":[1.000000,3.000000],\"empty\":[],\"by\":null,"
                            "\"a_key_not_known_when_compiled\":-3}");
    cr_assert_eq(w.len, strlen(w.buf));
    ts_jw_raw(&w, "\n");
    cr_assert_eq(w.buf[w.len - 1], '\n');
    ts_jw_reset(&w);
    cr_assert_eq(w.len, 0);
    cr_assert_str_eq(w.buf, "");
    ts_jw_free(&w);
}

/* RFC 8259 section 7: '"', '\' and the controls below 0x20 escaped (as
 * \u00XX); everything else, DEL and UTF-8 bytes too, as it is. */
Test(json, string_escaping)
{
    struct ts_jw w;
    ts_jw_init(&w);
    ts_jw_arr(&w, NULL);
    ts_jw_str(&w, NULL, "a\"b\\c");
    ts_jw_str(&w, NULL, "\x01\n\t\x1f ~\x7f");
    ts_jw_str(&w, NULL, "caf\xc3\xa9");
    ts_jw_str(&w, NULL, "");
    ts_jw_strn(&w, NULL, "abcdef", 3);
    ts_jw_strn(&w, NULL, "\"\"\"", 3);
    ts_jw_arr_end(&w);
    cr_assert_str_eq(w.buf, "[\"a\\\"b\\\\c\",\"\\u0001\\u000a\\u0009\\u001f ~\x7f\","
                            "\"caf\xc3\xa9\",\"\",\"abc\",\"\\\"\\\"\\\"\"]");
    ts_jw_free(&w);
}

/* Past the first 4096 bytes the buffer grows and keeps everything. */
Test(json, grows)
{
    struct ts_jw w;
    ts_jw_init(&w);
    static char want[1 << 20];
    size_t n = 0;
    char big[3000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ts_jw_arr(&w, NULL);
    n += (size_t)snprintf(want + n, sizeof want - n, "[");
    for (int i = 0; i < 20000; i++) {
        int64_t v = (int64_t)rnd();
        ts_jw_int(&w, NULL, v);
        n += (size_t)snprintf(want + n, sizeof want - n, "%s%" PRId64, i ? "," : "", v);
        if (i % 5000 == 0) {
            ts_jw_str(&w, NULL, big);
            n += (size_t)snprintf(want + n, sizeof want - n, ",\"%s\"", big);
        }
    }
    ts_jw_arr_end(&w);
    n += (size_t)snprintf(want + n, sizeof want - n, "]");
    cr_assert_not(w.failed);
    cr_assert_eq(w.len, n);
    cr_assert_str_eq(w.buf, want);
    ts_jw_free(&w);
}

/* The put calls write into room reserved by their stated most: the longest
 * values stay inside it (a guard byte after it is untouched). */
Test(json, put_stays_in_its_room)
{
    char buf[6 * 32 + 2 + 1];
    memset(buf, '#', sizeof buf);
    cr_assert_eq(ts_jw_put_u64(buf, UINT64_MAX) - buf, 20);
    cr_assert_eq(memcmp(buf, "18446744073709551615", 20), 0);
    cr_assert_eq(ts_jw_put_i64(buf, INT64_MIN) - buf, 20);
    cr_assert_eq(memcmp(buf, "-9223372036854775808", 20), 0);
    char *end = ts_jw_put_time(buf, INT64_MIN);
    cr_assert_leq(end - buf, 28);
    *end = '\0';
    cr_assert_str_eq(buf, "-9223372036.854776");
    memset(buf, '#', sizeof buf);
    char ctl[32];
    memset(ctl, 0x01, sizeof ctl);
    end = ts_jw_put_str(buf, ctl, sizeof ctl);
    cr_assert_eq(end - buf, 6 * 32 + 2);
    cr_assert_eq(buf[6 * 32 + 2], '#');
    cr_assert_eq(memcmp(buf, "\"\\u0001\\u0001", 13), 0);
    cr_assert_eq(buf[6 * 32 + 1], '"');
}
