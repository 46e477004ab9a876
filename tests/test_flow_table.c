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

/* SipHash-1-3 under the all-zero key: the values published with a Rust
 * sip-hash digest crate's tests (written there as hex digits). */
Test(flow_key, siphash13_vectors)
{
    cr_expect_eq(ts_flow_siphash13((const uint8_t *)"", 0, 0, 0), 0xd1fba762150c532cULL);
    cr_expect_eq(ts_flow_siphash13((const uint8_t *)"siphash", 7, 0, 0), 0x8264ceeccb16bcbeULL);
    cr_expect_eq(ts_flow_siphash13((const uint8_t *)"digest-sip_hash", 15, 0, 0),
                 0xce31007e34130c0aULL);
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
    uint64_t seed[2] = {1, 2};
    cr_expect_eq(ts_flow_key_hash(&a, seed), ts_flow_key_hash(&b, seed));
    uint64_t other[2] = {3, 4};
    cr_expect_neq(ts_flow_key_hash(&a, seed), ts_flow_key_hash(&a, other),
                  "the hash depends on the seed");
    /* same addresses, ports decide the order */
    struct ts_ip same = ip4(0x0a000001, 0x0a000001);
    cr_expect(ts_flow_key_make(&a, &same, 1000, 2000));
    cr_expect_not(ts_flow_key_make(&a, &same, 2000, 1000));
}

static struct ts_flow_key key_n(uint32_t n)
{
    struct ts_ip ip = ip4(0x0a000000 + n, 0xc0a80001);
    struct ts_flow_key k;
    ts_flow_key_make(&k, &ip, (uint16_t)(1024 + n % 50000), 80);
    return k;
}

static uint32_t fold(uint64_t h)
{
    return (uint32_t)(h ^ (h >> 32));
}

/* SipHash-1-3 of an endpoint's bytes: its address (4 bytes for IPv4, 16
 * for IPv6), its port low byte first, its family. */
static uint32_t endpoint_siphash13(const uint8_t addr[16], uint16_t port, int family,
                                   const uint64_t seed[2])
{
    uint8_t e[19];
    size_t alen = family == 4 ? 4 : 16;
    memcpy(e, addr, alen);
    e[alen] = (uint8_t)port;
    e[alen + 1] = (uint8_t)(port >> 8);
    e[alen + 2] = (uint8_t)family;
    return fold(ts_flow_siphash13(e, alen + 3, seed[0], seed[1]));
}

/* The hashes that assemble their words in registers are SipHash-1-3 of the
 * bytes they stand for (checked against the byte-wise function above,
 * itself checked against the published vectors): an IPv4 key is its two
 * addresses, both ports (low byte first) and the family, 13 bytes; an
 * endpoint its address, port and family, 7 bytes for IPv4, 19 for IPv6. */
Test(flow_key, word_hashes_are_siphash13_of_their_bytes)
{
    uint64_t seed[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    for (uint32_t n = 0; n < 2000; n++) {
        uint32_t x = n * 2654435761u;
        struct ts_ip ip = ip4(x, ~x ^ (n << 7));
        struct ts_flow_key k;
        ts_flow_key_make(&k, &ip, (uint16_t)(x >> 16), (uint16_t)(n * 40503u));
        uint8_t b[13];
        memcpy(b, k.addr_a, 4);
        memcpy(b + 4, k.addr_b, 4);
        b[8] = (uint8_t)k.port_a;
        b[9] = (uint8_t)(k.port_a >> 8);
        b[10] = (uint8_t)k.port_b;
        b[11] = (uint8_t)(k.port_b >> 8);
        b[12] = 4;
        cr_assert_eq(ts_flow_key_hash(&k, seed), fold(ts_flow_siphash13(b, 13, seed[0], seed[1])),
                     "key %u", n);

        uint8_t a16[16] = {0};
        memcpy(a16, ip.src, 4);
        uint16_t port = (uint16_t)(x ^ n);
        cr_assert_eq(ts_flow_endpoint_hash(a16, port, 4, seed),
                     endpoint_siphash13(a16, port, 4, seed), "IPv4 endpoint %u", n);
        for (int i = 0; i < 16; i++)
            a16[i] = (uint8_t)(x >> (i % 4 * 8)) ^ (uint8_t)i;
        cr_assert_eq(ts_flow_endpoint_hash(a16, port, 6, seed),
                     endpoint_siphash13(a16, port, 6, seed), "IPv6 endpoint %u", n);
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
