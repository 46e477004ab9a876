/* test_flow_table.c - the flow key, its keyed hash and the flow table. */
#include <criterion/criterion.h>
#include <string.h>

#include "flow_key.h"
#include "flow_table.h"

/* The reference vector of the SipHash paper (Aumasson and Bernstein 2012,
 * appendix A): key 00 01 .. 0f, message 00 01 .. 0e -> a129ca6149be45e5. */
Test(flow_key, siphash_reference_vector)
{
    uint8_t msg[15];
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
    cr_expect_eq(ts_flow_siphash24(msg, 15, k0, k1), 0xa129ca6149be45e5ULL);
}

static struct ts_ip ip4(uint32_t src, uint32_t dst)
{
    struct ts_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = 4;
    for (int i = 0; i < 4; i++) {
        ip.src[i] = (uint8_t)(src >> (24 - 8 * i));
        ip.dst[i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    return ip;
}

Test(flow_key, both_directions_one_key)
{
    struct ts_ip fwd = ip4(0x0a000001, 0x0a000002), rev = ip4(0x0a000002, 0x0a000001);
    struct ts_flow_key a, b;
    bool src_a1 = ts_flow_key_make(&a, &fwd, 40000, 80);
    bool src_a2 = ts_flow_key_make(&b, &rev, 80, 40000);
    cr_expect(ts_flow_key_equal(&a, &b));
    cr_expect_neq(src_a1, src_a2);
    struct ts_hash_key hk, other;
    ts_hash_key_init(&hk, (uint64_t[2]){1, 2});
    ts_hash_key_init(&other, (uint64_t[2]){3, 4});
    cr_expect_eq(ts_flow_key_hash(&a, &hk), ts_flow_key_hash(&b, &hk));
    cr_expect_neq(ts_flow_key_hash(&a, &hk), ts_flow_key_hash(&a, &other),
                  "the hash depends on the seed");
    /* same addresses, ports decide the order */
    struct ts_ip same = ip4(0x0a000001, 0x0a000001);
    cr_expect(ts_flow_key_make(&a, &same, 1000, 2000));
    cr_expect_not(ts_flow_key_make(&a, &same, 2000, 1000));
}

/* The key's endpoint a is the packet's source when the source's address
 * bytes come first in memcmp's order, or the addresses are equal and its
 * port is not the higher: checked against memcmp itself on address pairs
 * that differ in one byte (each of the 16, up and down) and on random ones. */
Test(flow_key, endpoint_a_is_the_lower_address_in_byte_order)
{
    uint32_t x = 12345;
    for (int n = 0; n < 20000; n++) {
        struct ts_ip ip;
        memset(&ip, 0, sizeof ip);
        ip.family = 6;
        for (int i = 0; i < 16; i++) {
            x = x * 1103515245u + 12345u;
            ip.src[i] = (uint8_t)(x >> 16);
        }
        memcpy(ip.dst, ip.src, 16);
        if (n < 32 * 16) { /* one byte apart */
            int i = n % 16, up = (n / 16) % 2;
            ip.dst[i] = (uint8_t)(ip.src[i] + (up ? 1 : -1));
        } else if (n % 7) {
            for (int i = 0; i < 16; i++) {
                x = x * 1103515245u + 12345u;
                ip.dst[i] = (uint8_t)(x >> 16);
            }
        }
        uint16_t sport = (uint16_t)(x >> 3), dport = (uint16_t)(x >> 9);
        int c = memcmp(ip.src, ip.dst, 16);
        bool want = c < 0 || (c == 0 && sport <= dport);
        struct ts_flow_key k;
        cr_assert_eq(ts_flow_key_make(&k, &ip, sport, dport), want, "pair %d", n);
        cr_assert_eq(memcmp(k.addr_a, want ? ip.src : ip.dst, 16), 0);
        cr_assert_eq(k.port_a, want ? sport : dport);
    }
}

static struct ts_flow_key key_n(uint32_t n)
{
    struct ts_ip ip = ip4(0x0a000000 + n, 0xc0a80001);
    struct ts_flow_key k;
    ts_flow_key_make(&k, &ip, (uint16_t)(1024 + n % 50000), 80);
    return k;
}

static struct ts_flow_key key6(const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
                               uint16_t dport)
{
    struct ts_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = 6;
    memcpy(ip.src, src, 16);
    memcpy(ip.dst, dst, 16);
    struct ts_flow_key k;
    ts_flow_key_make(&k, &ip, sport, dport);
    return k;
}

static struct ts_flow_key key4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
    struct ts_ip ip = ip4(src, dst);
    struct ts_flow_key k;
    ts_flow_key_make(&k, &ip, sport, dport);
    return k;
}

/* How often, over 4096 seeds, two inputs land in one of 64 buckets. A
 * strongly universal hash puts any two different inputs there together with
 * probability 1/64 (64 of 4096 seeds; binomial, sd ~8): the bound of 128
 * is far above chance and far below what a hash that lost part of its input
 * (a word left out, a coefficient shared by two words, a cut to 16 bits, a
 * family not told apart) gives for the pairs it cannot tell apart: all
 * 4096, or a half or a quarter. */
#define PAIR_SEEDS 4096
#define PAIR_BOUND 128
static unsigned key_pair_collisions(const struct ts_flow_key *x, const struct ts_flow_key *y)
{
    unsigned n = 0;
    for (uint64_t s = 0; s < PAIR_SEEDS; s++) {
        struct ts_hash_key hk;
        ts_hash_key_init(&hk, (uint64_t[2]){s * 0x9e3779b97f4a7c15ULL, ~s});
        n += ((ts_flow_key_hash(x, &hk) ^ ts_flow_key_hash(y, &hk)) & 63) == 0;
    }
    return n;
}

static unsigned endpoint_pair_collisions(const uint8_t *ax, uint16_t px, int fx, const uint8_t *ay,
                                         uint16_t py, int fy)
{
    unsigned n = 0;
    for (uint64_t s = 0; s < PAIR_SEEDS; s++) {
        struct ts_hash_key hk;
        ts_hash_key_init(&hk, (uint64_t[2]){s * 0x9e3779b97f4a7c15ULL, ~s});
        n += ((ts_flow_endpoint_hash(ax, px, fx, &hk) ^ ts_flow_endpoint_hash(ay, py, fy, &hk)) &
              63) == 0;
    }
    return n;
}

/* Pairs of connections that a weaker hash would not tell apart: each word
 * of the key changed alone, in its low and in its high bits; two words
 * changed so that their sum stays the same; a port pair swapped; an IPv4
 * key against the IPv6 key of the same bytes. */
Test(flow_key, any_two_keys_collide_by_chance_only)
{
    struct {
        const char *what;
        struct ts_flow_key x, y;
    } pair[] = {
        {"client port +1", key4(0x0a000001, 0xc0a80001, 40000, 80),
         key4(0x0a000001, 0xc0a80001, 40001, 80)},
        {"client port +0x8000", key4(0x0a000001, 0xc0a80001, 1000, 80),
         key4(0x0a000001, 0xc0a80001, 1000 + 0x8000, 80)},
        {"server port", key4(0x0a000001, 0xc0a80001, 40000, 80),
         key4(0x0a000001, 0xc0a80001, 40000, 443)},
        {"ports swapped", key4(0x0a000001, 0xc0a80001, 40000, 80),
         key4(0x0a000001, 0xc0a80001, 80, 40000)},
        {"low address, low byte", key4(0x0a000001, 0xc0a80001, 40000, 80),
         key4(0x0a000002, 0xc0a80001, 40000, 80)},
        {"low address, high byte", key4(0x0a000001, 0xc0a80001, 40000, 80),
         key4(0x0b000001, 0xc0a80001, 40000, 80)},
        {"high address", key4(0x0a000001, 0xc0a80001, 40000, 80),
         key4(0x0a000001, 0xc0a80101, 40000, 80)},
        {"one address up, the other down", key4(0x0a000002, 0xc0a80001, 40000, 80),
         key4(0x0a000001, 0xc0a80002, 40000, 80)},
    };
    for (size_t i = 0; i < sizeof pair / sizeof pair[0]; i++) {
        cr_assert_not(ts_flow_key_equal(&pair[i].x, &pair[i].y), "%s", pair[i].what);
        unsigned n = key_pair_collisions(&pair[i].x, &pair[i].y);
        cr_expect_lt(n, PAIR_BOUND, "%s: one bucket of 64 under %u of %u seeds", pair[i].what, n,
                     PAIR_SEEDS);
    }

    uint8_t a[16], b[16];
    for (int i = 0; i < 16; i++) {
        a[i] = (uint8_t)(0x20 + i);
        b[i] = (uint8_t)(0x80 + i);
    }
    struct ts_flow_key base = key6(a, b, 40000, 443);
    for (int byte = 0; byte < 16; byte += 5) {
        for (int side = 0; side < 2; side++) {
            uint8_t a2[16], b2[16];
            memcpy(a2, a, 16);
            memcpy(b2, b, 16);
            (side ? b2 : a2)[byte] ^= 0x40;
            struct ts_flow_key k = key6(a2, b2, 40000, 443);
            unsigned n = key_pair_collisions(&base, &k);
            cr_expect_lt(n, PAIR_BOUND, "IPv6 address %d byte %d: %u of %u seeds", side, byte, n,
                         PAIR_SEEDS);
        }
    }
    struct ts_flow_key p6 = key6(a, b, 40001, 443);
    cr_expect_lt(key_pair_collisions(&base, &p6), PAIR_BOUND, "IPv6 port");

    /* an IPv4 key and an IPv6 key with the same bytes where they overlap */
    struct ts_flow_key k4 = key4(0x0a000001, 0xc0a80001, 40000, 80);
    struct ts_flow_key k6 = k4;
    k6.family = 6;
    cr_expect_lt(key_pair_collisions(&k4, &k6), PAIR_BOUND, "IPv4 against IPv6");

    /* endpoints (the SYN-flood detector's targets) */
    uint8_t e1[16] = {192, 168, 0, 1}, e2[16] = {192, 168, 0, 2};
    cr_expect_lt(endpoint_pair_collisions(e1, 80, 4, e1, 81, 4), PAIR_BOUND, "IPv4 port");
    cr_expect_lt(endpoint_pair_collisions(e1, 80, 4, e2, 80, 4), PAIR_BOUND, "IPv4 address");
    cr_expect_lt(endpoint_pair_collisions(e1, 80, 4, e1, 80, 6), PAIR_BOUND, "IPv4 against IPv6");
    cr_expect_lt(endpoint_pair_collisions(a, 80, 6, b, 80, 6), PAIR_BOUND, "IPv6 address");
    cr_expect_lt(endpoint_pair_collisions(a, 80, 6, a, 0x8050, 6), PAIR_BOUND, "IPv6 port");

    /* and the test can fail: one bucket of 64 for a key and itself */
    struct ts_flow_key same = pair[0].x;
    cr_expect_eq(key_pair_collisions(&pair[0].x, &same), PAIR_SEEDS);
}

/* Connections whose words differ only above their low 12 bits (client
 * addresses 4096 apart, server ports 4096 apart) would share a bucket of
 * 4096 under any hash that sums or XORs words and takes the low bits, and
 * as an arithmetic progression they fall unevenly under multiply-shift
 * alone (up to 2.4 times the pairs below, for one seed of 64). In 4096
 * buckets they must meet as random keys would: 16384 keys make on average
 * 16384 * 16383 / 2 / 4096 = 32766 pairs in one bucket (within 2 % for each
 * of the 64 seeds). */
Test(flow_key, keys_alike_in_their_low_bits_spread)
{
    enum { N = 16384, M = 4096 };
    static uint32_t count[M];
    for (uint64_t s = 0; s < 64; s++) {
        struct ts_hash_key hk;
        ts_hash_key_init(&hk, (uint64_t[2]){s, s + 1});
        memset(count, 0, sizeof count);
        for (uint32_t i = 0; i < N; i++) {
            struct ts_flow_key k = key4(0x0a000000 + (i % 1024) * 4096, 0xc0a80001, 40000,
                                        (uint16_t)(4096 * (i / 1024)));
            count[ts_flow_key_hash(&k, &hk) & (M - 1)]++;
        }
        double pairs = 0;
        for (int b = 0; b < M; b++)
            pairs += (double)count[b] * (count[b] - 1) / 2;
        cr_expect_lt(pairs, 1.2 * 32766, "seed %d: %.0f pairs in one bucket", (int)s, pairs);
    }
}

/* The record's budget (issue: memory per tracked flow): 400 bytes on LP64,
 * with the two words a flow costs in the bucket array. A field added or
 * reordered carelessly shows here before it shows in a profile. */
Test(flow_table, record_stays_within_its_budget)
{
    if (sizeof(void *) != 8)
        cr_skip_test("the budget is for LP64");
    cr_expect_leq(sizeof(struct ts_flow), 400, "struct ts_flow: %zu bytes", sizeof(struct ts_flow));
    cr_expect_leq(TS_FT_FLOW_COST, 408);
}

Test(flow_table, insert_find_remove_reuse)
{
    struct ts_flow_table t;
    char err[128];
    uint64_t seed[2] = {42, 43};
    cr_assert_eq(ts_flow_table_init(&t, 0, 0, seed, err, sizeof err), 0);
    enum { N = 10000 };
    for (uint32_t i = 0; i < N; i++) {
        struct ts_flow_key k = key_n(i);
        struct ts_flow *f = ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k));
        cr_assert_not_null(f);
        f->id = i + 1;
    }
    cr_expect_eq(t.used, N);
    cr_expect_geq(t.nbuckets, N, "the index grew with the flows");
    for (uint32_t i = 0; i < N; i++) {
        struct ts_flow_key k = key_n(i);
        struct ts_flow *f = ts_flow_table_find(&t, &k, ts_flow_table_hash(&t, &k));
        cr_assert_not_null(f);
        cr_expect_eq(f->id, i + 1);
    }
    struct ts_flow_key k0 = key_n(7);
    struct ts_flow *f = ts_flow_table_find(&t, &k0, ts_flow_table_hash(&t, &k0));
    ts_flow_table_unindex(&t, f);
    cr_expect_null(ts_flow_table_find(&t, &k0, ts_flow_table_hash(&t, &k0)));
    ts_flow_table_release(&t, f);
    uint32_t allocated = t.allocated;
    struct ts_flow *g = ts_flow_table_insert(&t, &k0, ts_flow_table_hash(&t, &k0));
    cr_expect_eq(g, f, "a released record is reused before new memory");
    cr_expect_eq(t.allocated, allocated);
    ts_flow_table_free(&t);
}

/* The end of the input takes every flow out at once: afterwards the table
 * is what unindexing each would have left, an empty index whose records
 * wait to be released, and it works as before. */
Test(flow_table, unindex_all_leaves_an_empty_working_table)
{
    struct ts_flow_table t;
    char err[128];
    uint64_t seed[2] = {7, 8};
    cr_assert_eq(ts_flow_table_init(&t, 0, 1u << 20, seed, err, sizeof err), 0);
    enum { N = 300 };
    struct ts_flow *fs[N];
    for (uint32_t i = 0; i < N; i++) {
        struct ts_flow_key k = key_n(i);
        fs[i] = ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k));
        cr_assert_not_null(fs[i]);
        ts_flow_table_touch(&t, fs[i], (enum ts_timer_class)(1 + i % 3));
        if (i % 5 == 0)
            cr_assert_not_null(ts_flow_table_queue(&t, fs[i], i % 2));
    }
    cr_expect_gt(t.side_bytes, 0);
    /* one already out, as a flow being reported is */
    ts_flow_table_unindex(&t, fs[3]);
    ts_flow_table_unindex_all(&t);
    cr_expect_eq(t.used, 0);
    cr_expect_eq(t.side_bytes, 0);
    for (int c = TS_TIMER_HANDSHAKE; c < TS_TIMER_COUNT; c++)
        cr_expect_null(ts_flow_table_oldest(&t, (enum ts_timer_class)c));
    for (uint32_t i = 0; i < N; i++) {
        struct ts_flow_key k = key_n(i);
        cr_expect_null(ts_flow_table_find(&t, &k, ts_flow_table_hash(&t, &k)));
        cr_expect_eq(fs[i]->in_use, 2, "flow %u waits to be released", i);
        cr_expect_eq(fs[i]->timer_class, TS_TIMER_NONE);
        ts_flow_table_unindex(&t, fs[i]); /* a second time: nothing happens */
        if (i % 5 == 0)
            ts_flow_table_drop_queue(&t, fs[i], i % 2);
    }
    cr_expect_eq(t.used, 0);
    cr_expect_eq(t.side_bytes, 0, "dropping an unindexed flow's queues counts nothing");
    for (uint32_t i = 0; i < N; i++)
        ts_flow_table_release(&t, fs[i]);
    struct ts_flow_key k = key_n(5);
    struct ts_flow *g = ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k));
    cr_assert_not_null(g);
    ts_flow_table_touch(&t, g, TS_TIMER_ACTIVE);
    cr_expect_eq(ts_flow_table_find(&t, &k, ts_flow_table_hash(&t, &k)), g);
    cr_expect_eq(ts_flow_table_oldest(&t, TS_TIMER_ACTIVE), g);
    cr_expect_eq(t.used, 1);
    ts_flow_table_free(&t);
}

Test(flow_table, max_flows_is_a_hard_bound)
{
    struct ts_flow_table t;
    char err[128];
    uint64_t seed[2] = {1, 1};
    cr_assert_eq(ts_flow_table_init(&t, 3, 0, seed, err, sizeof err), 0);
    for (uint32_t i = 0; i < 3; i++) {
        struct ts_flow_key k = key_n(i);
        cr_expect_not_null(ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k)));
    }
    struct ts_flow_key k = key_n(99);
    cr_expect_null(ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k)));
    ts_flow_table_free(&t);
}

/* max_bytes bounds the flows in the index and their side blocks together:
 * room for exactly three records, then a side block that needs another
 * record's room goes over, an insert is refused while side blocks take
 * room, and a flow being reported no longer counts. */
Test(flow_table, max_bytes_counts_side_blocks)
{
    struct ts_flow_table t;
    char err[128];
    uint64_t seed[2] = {7, 8};
    cr_assert_geq(sizeof(struct ts_flow), 2 * sizeof(struct ts_queue));
    cr_assert_geq(sizeof(struct ts_flow), sizeof(struct ts_flow_extra));
    cr_assert_eq(ts_flow_table_init(&t, 0, 3 * TS_FT_FLOW_COST, seed, err, sizeof err), 0);
    struct ts_flow *f[3];
    for (uint32_t i = 0; i < 3; i++) {
        struct ts_flow_key k = key_n(i);
        f[i] = ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k));
        cr_assert_not_null(f[i]);
    }
    cr_expect_not(ts_flow_table_over(&t));
    struct ts_flow_key k = key_n(3);
    cr_expect_null(ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k)), "full");

    /* a side block is always given (memory permitting) and may go over */
    struct ts_pending *q = ts_flow_table_queue(&t, f[0], TS_SERVER);
    cr_assert_not_null(q);
    cr_expect_eq(f[0]->q[TS_CLIENT], 0, "a block for the endpoint that needs one");
    cr_expect_eq(ts_flow_table_queue(&t, f[0], TS_SERVER), q, "one block per endpoint");
    cr_expect_eq(ts_flow_table_queued(&t, f[0], TS_SERVER), q);
    cr_expect_eq(t.side_bytes, t.queues.size);
    cr_expect(ts_flow_table_over(&t));
    struct ts_pending *qc = ts_flow_table_queue(&t, f[0], TS_CLIENT);
    cr_assert_not_null(qc);
    cr_expect_neq(qc, q);
    cr_expect_eq(t.side_bytes, 2 * t.queues.size);
    ts_flow_table_drop_queue(&t, f[0], TS_SERVER);
    cr_expect_eq(f[0]->q[TS_SERVER], 0);
    cr_expect_eq(t.side_bytes, t.queues.size);
    ts_flow_table_drop_queue(&t, f[0], TS_CLIENT);
    cr_expect_eq(t.side_bytes, 0);
    cr_expect_not(ts_flow_table_over(&t));

    /* two flows and side blocks: a third record does not fit beside them */
    struct ts_flow_extra *x = ts_flow_table_extra(&t, f[1]);
    cr_assert_not_null(x);
    cr_expect_eq(x->ntrans, 0, "a zeroed block");
    cr_assert_not_null(ts_flow_table_queue(&t, f[1], TS_CLIENT));
    ts_flow_table_unindex(&t, f[2]);
    cr_expect_eq(t.side_bytes, t.queues.size + t.extras.size);
    cr_expect_null(ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k)));

    /* a flow being reported keeps its blocks, but they no longer count */
    ts_flow_table_unindex(&t, f[1]);
    cr_expect_eq(t.side_bytes, 0);
    cr_expect_not_null(f[1]->x);
    cr_expect_eq(t.extras.in_use, 1);
    struct ts_flow *g = ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k));
    cr_expect_not_null(g, "room again");
    ts_flow_table_release(&t, f[1]);
    cr_expect_eq(t.extras.in_use, 0, "released with its record");
    cr_expect_eq(t.queues.in_use, 0);
    ts_flow_table_release(&t, f[2]);
    ts_flow_table_free(&t);
}

/* Blocks given back are handed out again before the pool grows, zeroed. */
Test(block_pool, reuse_before_growth)
{
    struct ts_block_pool p;
    ts_block_pool_init(&p, 20);
    cr_expect_eq(p.size, 24, "rounded up to 8");
    enum { N = 1000 };
    unsigned char *b[N];
    for (int i = 0; i < N; i++) {
        b[i] = ts_block_pool_get(&p);
        cr_assert_not_null(b[i]);
        for (int j = 0; j < i; j += 97)
            cr_assert_neq(b[i], b[j]);
        memset(b[i], 0xab, p.size);
    }
    cr_expect_eq(p.in_use, N);
    uint64_t carved = p.carved;
    for (int i = 0; i < N; i += 2)
        ts_block_pool_put(&p, b[i]);
    for (int i = 0; i < N; i += 2) {
        unsigned char *c = ts_block_pool_get(&p);
        for (size_t j = 0; j < p.size; j++)
            cr_assert_eq(c[j], 0);
    }
    cr_expect_eq(p.carved, carved, "no new blocks while some were free");
    cr_expect_eq(p.in_use, N);
    ts_block_pool_free(&p);
}

/* References name the same blocks as addresses, across chunks: a block
 * given back by address is taken again by reference, and the reverse. */
Test(block_pool, references_and_addresses_agree)
{
    struct ts_block_pool p;
    ts_block_pool_init(&p, 72);
    enum { N = 1000 }; /* chunks of 64, 128, 256, 512, 1024 */
    uint32_t r[N];
    for (uint32_t i = 0; i < N; i++) {
        r[i] = ts_block_pool_take(&p);
        cr_assert_eq(r[i], i + 1, "references count up while none was given back");
        memset(ts_block_pool_at(&p, r[i]), (int)(i & 0xff), p.size);
    }
    for (uint32_t i = 0; i < N; i++) {
        unsigned char *b = ts_block_pool_at(&p, r[i]);
        cr_assert_eq(b[0], i & 0xff);
        cr_assert_eq(b[p.size - 1], i & 0xff, "blocks do not overlap");
    }
    cr_expect_eq(p.nchunks, 5);
    ts_block_pool_put(&p, ts_block_pool_at(&p, r[700])); /* in the fourth chunk */
    cr_expect_eq(ts_block_pool_take(&p), r[700]);
    ts_block_pool_give(&p, r[5]);
    cr_expect_eq(ts_block_pool_get(&p), ts_block_pool_at(&p, r[5]));
    cr_expect_eq(p.in_use, N);
    cr_expect_eq(p.carved, N);
    ts_block_pool_free(&p);
}

Test(flow_table, timer_lists_keep_activity_order)
{
    struct ts_flow_table t;
    char err[128];
    uint64_t seed[2] = {5, 6};
    cr_assert_eq(ts_flow_table_init(&t, 0, 0, seed, err, sizeof err), 0);
    struct ts_flow *f[4];
    for (uint32_t i = 0; i < 4; i++) {
        struct ts_flow_key k = key_n(i);
        f[i] = ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k));
        ts_flow_table_touch(&t, f[i], TS_TIMER_ACTIVE);
    }
    cr_expect_eq(ts_flow_table_oldest(&t, TS_TIMER_ACTIVE), f[0]);
    ts_flow_table_touch(&t, f[0], TS_TIMER_ACTIVE); /* active again: to the tail */
    cr_expect_eq(ts_flow_table_oldest(&t, TS_TIMER_ACTIVE), f[1]);
    ts_flow_table_touch(&t, f[1], TS_TIMER_CLOSED); /* moves class */
    cr_expect_eq(ts_flow_table_oldest(&t, TS_TIMER_ACTIVE), f[2]);
    cr_expect_eq(ts_flow_table_oldest(&t, TS_TIMER_CLOSED), f[1]);
    ts_flow_table_unindex(&t, f[2]);
    cr_expect_eq(ts_flow_table_oldest(&t, TS_TIMER_ACTIVE), f[3]);
    cr_expect_null(ts_flow_table_oldest(&t, TS_TIMER_HANDSHAKE));
    ts_flow_table_release(&t, f[2]);
    ts_flow_table_free(&t);
}

/* Adversarial tuples: 65536 connections from one host to one server that
 * differ only in the client port, and 65536 that differ only in the low
 * 16 bits of the client address - the patterns that pile into one bucket
 * under an unkeyed or additive hash. Under the keyed hash, with any seed,
 * no chain grows long (a balls-into-bins bound: far below 32 at load <= 1). */
Test(flow_table, crafted_tuples_do_not_pile_up)
{
    uint64_t seeds[3][2] = {{0, 0}, {1, 2}, {0xdeadbeef, 0x12345678}};
    for (int s = 0; s < 3; s++) {
        struct ts_flow_table t;
        char err[128];
        cr_assert_eq(ts_flow_table_init(&t, 0, 0, seeds[s], err, sizeof err), 0);
        for (uint32_t i = 0; i < 131072; i++) {
            struct ts_ip ip = i < 65536 ? ip4(0x0a000001, 0xc0a80001)
                                        : ip4(0x0a000000 | (i & 0xffff), 0xc0a80001);
            struct ts_flow_key k;
            ts_flow_key_make(&k, &ip, i < 65536 ? (uint16_t)i : 40000, 80);
            cr_assert_not_null(ts_flow_table_insert(&t, &k, ts_flow_table_hash(&t, &k)));
        }
        uint32_t longest = ts_flow_table_longest_chain(&t);
        cr_expect_lt(longest, 32, "seed %d: a chain of %u", s, longest);
        ts_flow_table_free(&t);
    }
}
