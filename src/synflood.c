/* synflood.c - per-target SYN-flood detection with an alert lifecycle.
 *
 * A target is a server (address, port). For each, in capture time:
 *   - attempts (opening SYNs) and completed handshakes in 100 ms slots, so a
 *     sliding 1 s window gives the SYN rate and the failed-SYN rate;
 *   - half-open handshakes (answered with a SYN-ACK, neither completed nor
 *     reset) by the second their server's next SYN-ACK retransmission is due:
 *     after its k-th retransmission a server waits 2^k s (1, 2, 4 ... 32 s,
 *     RFC 6298's doubling from 1 s), so a handshake whose retransmission does
 *     not come by then was dropped by the server. Linux drops requests early
 *     when its queue fills with old ones (two retries instead of five) and a
 *     SYN cookie is never retransmitted: the wire shows both;
 *   - per second, failed SYNs x fed to a one-sided CUSUM (Page 1954; used for
 *     SYN floods by Wang, Zhang and Shin 2002): y = max(0, y + x - (mu + K)),
 *     mu the baseline learnt while y is 0;
 *   - distinct sources (HyperLogLog) and the heaviest sources (space-saving,
 *     Metwally et al. 2005) since the target was last quiet.
 * An alert starts when one of three rules holds:
 *   rate      failed SYNs over a second >= --syn-flood-rate, and fewer than
 *             half of those attempts completed; an attempt counts as failed
 *             once it is 300 ms old (a round trip's allowance: a flash crowd's
 *             handshakes in flight are not failures);
 *   half_open handshakes half-open for over 1 s >= --syn-flood-half-open
 *             (re-armed only once they fell below half of it again);
 *   slow      y >= CUSUM_H with failed SYNs above mu + K in 5 of the last 10 s.
 * It ends after 10 s in which failed SYNs averaged at most mu + 1 per second,
 * or attempts averaged at most their own baseline (learnt like mu) + K -
 * the flood's SYNs are gone even while legitimate clients still fail on a
 * queue the flood filled - and the rate rule no longer holds. The half-open
 * count is left out on purpose, since a flood's handshakes stay half-open
 * for up to a minute after it stops. Updates come every 10 s in between.
 *
 * The table is bounded: targets quiet for over 70 s are dropped, and when it
 * is full the least recently active target without an alert makes room.
 * A second fixed table remembers attempts whose flow records were evicted,
 * so that their retransmitted SYNs are not counted as new attempts.
 */
#include "synflood.h"

#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flow_key.h"
#include "hll.h"
#include "prefault.h"

#define NS_PER_SEC 1000000000LL
#define SLOT_NS (NS_PER_SEC / 10) /* fine slots of 100 ms */
#define FINE 16                   /* fine slots kept (a power of 2 > WINDOW) */
#define WINDOW 10                 /* whole fine slots in the sliding window: 1 s */
#define GRACE 3                   /* slots an attempt may wait for completion (+ the current) */
#define DL_NS (NS_PER_SEC / 4)    /* deadline slots of 250 ms ... */
#define DL_SLOTS 256              /* ... 64 s of them (deadlines are <= 35 s ahead) */
#define RTO_MAX_SHIFT 5           /* the longest wait counted: 32 s */
#define END_SECS 10               /* quiet seconds that end an alert */
#define UPDATE_NS (10 * NS_PER_SEC)
#define IDLE_NS (70 * NS_PER_SEC) /* a quiet target is forgotten after this */
#define CUSUM_K 5.0               /* failed SYNs/s above the baseline that count as change */
#define CUSUM_H 100.0             /* accumulated excess that starts an alert */
#define CUSUM_HOT_MIN 5           /* ... with this many hot seconds in the last 10 */
#define MU_WEIGHT (1.0 / 32)      /* EWMA weight of the baseline */
#define TOP_SLOTS 8               /* space-saving counters */

/* Slots are counted from 1970 in both directions (a corrupt or very old
 * capture has negative times): division rounds down, not towards 0. */
static int64_t slot_of(int64_t ns, int64_t slot_ns)
{
    int64_t q = ns / slot_ns;
    return q - (ns % slot_ns < 0);
}

struct heavy {
    uint8_t addr[16];
    uint32_t count, err;
};

/* The fields every event reads or writes come first, in the target's first
 * two cache lines (its key, the clocks and counters that roll() moves); the
 * rings, the per-second history and the sketches follow. */
struct target {
    uint8_t addr[16];
    uint16_t port;
    uint8_t family;
    bool active;             /* an alert is on */
    bool half_open_armed;    /* the half_open rule may start an alert */
    bool sketch_dirty;       /* the HLL and heavy hitters hold something */
    uint32_t hnext;          /* hash chain: index + 1 */
    int64_t last_event_ns;
    int64_t fine_slot;       /* absolute number of the newest fine slot (the current one) */
    uint32_t win_syn, win_done; /* over the WINDOW whole slots before the current one */

    int64_t sec;             /* the second being counted */
    uint32_t sec_syn, sec_done;
    int64_t dl_slot;         /* deadlines in slots up to this one have passed */
    uint32_t young_total, old_total;
    int64_t next_update_ns;

    uint32_t fsyn[FINE], fdone[FINE];

    uint32_t fail_hist[END_SECS]; /* failed SYNs of the last closed seconds */
    uint32_t fail_sum;
    uint32_t att_hist[END_SECS];  /* attempts of the last closed seconds */
    uint32_t att_sum;
    bool att_known;          /* att_base has learnt from a second without alert */
    double att_base;         /* attempts per second outside alerts (EWMA) */
    uint32_t secs_closed;    /* seconds closed since the alert started */
    uint16_t hot_bits;       /* last 10 s: failed SYNs above mu + K */
    uint8_t quiet_secs;      /* consecutive quiet seconds (sketch reset at 10) */
    double mu, y;
    int64_t last_hot_end_ns; /* end of the last second with failed SYNs above mu + 1 */

    uint32_t young[DL_SLOTS], old[DL_SLOTS]; /* half-open by deadline slot: never /
                                                already retransmitted */

    struct ts_alert alert;
    uint64_t evicted_at_start;

    struct ts_hll hll;
    struct heavy top[TOP_SLOTS];
};

/* A target's place in the in-use list, least recently active first (index +
 * 1, 0 = none). Apart from the targets, in an array of their own: moving a
 * target to the end writes its neighbours' links, and 8 bytes each keep
 * those in a few cache lines instead of one line in each neighbour's 4 KiB. */
struct lru_link {
    uint32_t prev, next;
};

struct ts_synflood {
    struct ts_sf_config cfg;
    struct ts_hash_key hk;   /* the targets' hash, drawn from cfg.seed */
    struct target *t;        /* max_targets records */
    struct lru_link *lru;    /* max_targets links, t's order */
    uint32_t *buckets;
    uint32_t nbuckets;       /* a power of 2 */
    uint32_t *evicted;       /* fingerprints of evicted attempts, direct-mapped */
    bool any_evicted;        /* one was noted */
    uint32_t free_head;      /* records given back: index + 1 */
    uint32_t fresh;          /* records never used yet start here (untouched pages) */
    size_t mapped;           /* bytes of t mapped in (prefault.h) */
    uint32_t lru_head, lru_tail;
    uint64_t used;
    int64_t now_ns, next_eval_ns;
    bool clock_set;          /* now_ns holds a packet's time */
    uint64_t evicted_total;
    uint64_t next_id;
    struct ts_alert *q;      /* alert events not yet taken */
    uint32_t nq, qcap, qpos;
    struct ts_sf_stats st;
};

static const char *const status_names[] = {"start", "update", "end"};
static const char *const trigger_names[] = {"rate", "half_open", "slow"};

const char *ts_alert_status_name(int s)
{
    return s >= 0 && s <= TS_ALERT_END ? status_names[s] : "?";
}

const char *ts_alert_trigger_name(int t)
{
    return t >= 0 && t <= TS_TRIGGER_SLOW ? trigger_names[t] : "?";
}

/* ------------------------------------------------------------------ table */

static uint32_t buckets_for(uint32_t max_targets)
{
    uint32_t n = 16;
    while (n < 2u * max_targets && n < (1u << 30))
        n <<= 1;
    return n;
}

size_t ts_sf_table_bytes(uint32_t max_targets, uint32_t evicted_slots)
{
    return (size_t)max_targets * (sizeof(struct target) + sizeof(struct lru_link)) +
           (size_t)buckets_for(max_targets) * sizeof(uint32_t) +
           (size_t)evicted_slots * sizeof(uint32_t);
}

int ts_sf_new(struct ts_synflood **out, const struct ts_sf_config *cfg)
{
    struct ts_synflood *sf = calloc(1, sizeof *sf);
    if (!sf)
        return -1;
    sf->cfg = *cfg;
    ts_hash_key_init(&sf->hk, sf->cfg.seed);
    sf->next_eval_ns = INT64_MIN;
    if (sf->cfg.max_targets < 1)
        sf->cfg.max_targets = 1;
    sf->nbuckets = buckets_for(sf->cfg.max_targets);
    sf->t = calloc(sf->cfg.max_targets, sizeof *sf->t);
    sf->lru = calloc(sf->cfg.max_targets, sizeof *sf->lru);
    sf->buckets = calloc(sf->nbuckets, sizeof *sf->buckets);
    uint32_t slots = 1;
    while (slots < sf->cfg.evicted_slots && slots < (1u << 30))
        slots <<= 1;
    sf->cfg.evicted_slots = slots;
    sf->evicted = calloc(slots, sizeof *sf->evicted);
    if (!sf->t || !sf->lru || !sf->buckets || !sf->evicted) {
        ts_sf_free(sf);
        return -1;
    }
    *out = sf;
    return 0;
}

void ts_sf_free(struct ts_synflood *sf)
{
    if (!sf)
        return;
    free(sf->t);
    free(sf->lru);
    free(sf->buckets);
    free(sf->evicted);
    free(sf->q);
    free(sf);
}

/* Sources are hashed under a fixed key, so the estimate of distinct sources
 * is the same on every run over the same input (the flow table's per-run
 * seed would change it). Crafted sources could only skew that estimate. */
static uint64_t source_hash(const uint8_t *src)
{
    return ts_flow_siphash24(src, 16, 0x74637073746174ULL, 0x736f757263657321ULL);
}

/* A target's bucket: the flow table's kind of hash, under the same seed. */
static uint32_t target_bucket(const struct ts_synflood *sf, const uint8_t *addr, uint16_t port,
                              int family)
{
    return ts_flow_endpoint_hash(addr, port, family, &sf->hk) & (sf->nbuckets - 1);
}

static uint32_t index_of(const struct ts_synflood *sf, const struct target *t)
{
    return (uint32_t)(t - sf->t) + 1;
}

static void lru_unlink(struct ts_synflood *sf, struct target *t)
{
    struct lru_link *l = &sf->lru[index_of(sf, t) - 1];
    if (l->prev)
        sf->lru[l->prev - 1].next = l->next;
    else
        sf->lru_head = l->next;
    if (l->next)
        sf->lru[l->next - 1].prev = l->prev;
    else
        sf->lru_tail = l->prev;
    l->prev = l->next = 0;
}

static void lru_append(struct ts_synflood *sf, struct target *t)
{
    uint32_t idx = index_of(sf, t);
    struct lru_link *l = &sf->lru[idx - 1];
    l->prev = sf->lru_tail;
    l->next = 0;
    if (sf->lru_tail)
        sf->lru[sf->lru_tail - 1].next = idx;
    else
        sf->lru_head = idx;
    sf->lru_tail = idx;
}

/* A target that is already the most recently active stays where it is. */
static void lru_touch(struct ts_synflood *sf, struct target *t)
{
    if (sf->lru_tail != index_of(sf, t)) {
        lru_unlink(sf, t);
        lru_append(sf, t);
    }
}

static void drop_target(struct ts_synflood *sf, struct target *t)
{
    uint32_t idx = index_of(sf, t);
    uint32_t *link = &sf->buckets[target_bucket(sf, t->addr, t->port, t->family)];
    while (*link && *link != idx)
        link = &sf->t[*link - 1].hnext;
    if (*link)
        *link = t->hnext;
    lru_unlink(sf, t);
    memset(t, 0, sizeof *t);
    t->hnext = sf->free_head;
    sf->free_head = idx;
    sf->used--;
}

static void reset_sketches(struct target *t)
{
    if (!t->sketch_dirty)
        return;
    ts_hll_clear(&t->hll);
    memset(t->top, 0, sizeof t->top);
    t->sketch_dirty = false;
}

static void start_clock(struct target *t, int64_t now)
{
    t->fine_slot = slot_of(now, SLOT_NS);
    t->sec = slot_of(now, NS_PER_SEC);
    t->dl_slot = slot_of(now, DL_NS);
}

static bool is_target(const struct target *t, const uint8_t *addr, uint16_t port, int family)
{
    uint64_t x[2], y[2]; /* two words compared in registers, not through memcmp */
    memcpy(x, t->addr, sizeof x);
    memcpy(y, addr, sizeof y);
    return t->port == port && t->family == family && ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* The target's record, made when absent (NULL only when every record holds
 * an alert that is on). hint (may be NULL) is where the caller found this
 * target last time (index + 1, 0 = not yet): tried first, so a connection's
 * later events skip the hash and the chain, and set to where it is. A hint
 * that went stale (the record was dropped, maybe taken by another target)
 * does not match: a dropped record is zeroed, and its family is 0. */
static struct target *get_target(struct ts_synflood *sf, const uint8_t *addr, uint16_t port,
                                 int family, bool create, uint32_t *hint)
{
    if (hint && *hint && *hint <= sf->fresh) {
        struct target *t = &sf->t[*hint - 1];
        if (is_target(t, addr, port, family)) {
            lru_touch(sf, t);
            return t;
        }
    }
    uint32_t b = target_bucket(sf, addr, port, family);
    for (uint32_t i = sf->buckets[b]; i; i = sf->t[i - 1].hnext) {
        struct target *t = &sf->t[i - 1];
        if (is_target(t, addr, port, family)) {
            lru_touch(sf, t);
            if (hint)
                *hint = i;
            return t;
        }
    }
    if (!create)
        return NULL;
    if (!sf->free_head && sf->fresh < sf->cfg.max_targets) {
        ts_prefault_upto(sf->t, (size_t)sf->cfg.max_targets * sizeof *sf->t,
                         ((size_t)sf->fresh + 1) * sizeof *sf->t, &sf->mapped);
        sf->t[sf->fresh].hnext = 0;
        sf->free_head = ++sf->fresh;
    }
    if (!sf->free_head) {
        uint32_t i = sf->lru_head;
        while (i && sf->t[i - 1].active)
            i = sf->lru[i - 1].next;
        if (!i)
            return NULL;
        drop_target(sf, &sf->t[i - 1]);
        sf->st.targets_evicted++;
        b = target_bucket(sf, addr, port, family);
    }
    uint32_t idx = sf->free_head;
    struct target *t = &sf->t[idx - 1];
    sf->free_head = t->hnext;
    memset(t, 0, sizeof *t);
    memcpy(t->addr, addr, 16);
    t->port = port;
    t->family = (uint8_t)family;
    t->half_open_armed = true;
    start_clock(t, sf->now_ns);
    t->hnext = sf->buckets[b];
    sf->buckets[b] = idx;
    lru_append(sf, t);
    sf->used++;
    if (hint)
        *hint = idx;
    return t;
}

/* ------------------------------------------------------ evicted attempts */

/* Where an attempt goes in the table, and its fingerprint there (never 0):
 * SipHash of its addresses, ports and ISN under a fixed key, so the same
 * input gives the same report on every run (the flow table's hash has a
 * per-run seed). Crafted traffic could at most make a few retransmitted
 * SYNs count as attempts. */
static uint32_t evicted_fp(const struct ts_synflood *sf, const struct ts_flow_key *key,
                           uint32_t isn, uint32_t *slot)
{
    uint8_t in[sizeof *key + 4];
    memcpy(in, key, sizeof *key);
    memcpy(in + sizeof *key, &isn, 4);
    uint64_t x = ts_flow_siphash24(in, sizeof in, 0x6576696374656421ULL, 0x617474656d707473ULL);
    *slot = (uint32_t)(x >> 32) & (sf->cfg.evicted_slots - 1);
    return (uint32_t)x | 1;
}

void ts_sf_note_evicted(struct ts_synflood *sf, const struct ts_flow_key *key, uint32_t isn)
{
    uint32_t slot, fp = evicted_fp(sf, key, isn, &slot);
    sf->evicted[slot] = fp;
    sf->any_evicted = true;
}

bool ts_sf_was_evicted(struct ts_synflood *sf, const struct ts_flow_key *key, uint32_t isn)
{
    if (!sf->any_evicted)
        return false; /* the common case: no lookup, no page of the table touched */
    uint32_t slot, fp = evicted_fp(sf, key, isn, &slot);
    if (sf->evicted[slot] != fp)
        return false;
    sf->evicted[slot] = 0;
    return true;
}

/* ---------------------------------------------------------------- windows */

/* Attempts and completions over the last second: the whole slots of the
 * window and the slot under way (1-1.1 s), so a flood is seen within a slot
 * of reaching the rate, and the numbers an alert gives are the ones that
 * started it. */
static void window_counts(const struct target *t, uint32_t *syn, uint32_t *done)
{
    uint32_t cur = (uint32_t)(t->fine_slot & (FINE - 1));
    *syn = t->win_syn + t->fsyn[cur];
    *done = t->win_done + t->fdone[cur];
}

static uint32_t syn_rate(const struct target *t)
{
    uint32_t syn, done;
    window_counts(t, &syn, &done);
    return syn;
}

/* Failed attempts: those of a second's slots at least GRACE slots back (300
 * to 400 ms old), less every completion since that second began; and how
 * many attempts that second had. */
static uint32_t failed_in_window(const struct target *t, uint32_t *attempts)
{
    uint32_t syn = 0, done = 0;
    for (int64_t k = 0; k <= WINDOW + GRACE; k++) {
        uint32_t i = (uint32_t)((t->fine_slot - k) & (FINE - 1));
        done += t->fdone[i];
        if (k > GRACE)
            syn += t->fsyn[i];
    }
    if (attempts)
        *attempts = syn;
    return syn > done ? syn - done : 0;
}

static uint32_t half_open(const struct target *t)
{
    return t->young_total + t->old_total;
}

/* Half-open for over 1 s: the server already had to retransmit its SYN-ACK. */
static uint32_t stale_half_open(const struct target *t)
{
    return t->old_total;
}

/* Attempts over secs seconds no higher than usual (the baseline + K per
 * second): the flood's own SYNs are not there. Poisson arrivals vary by the
 * square root of their mean: one second is allowed three standard
 * deviations more, ten (averaged) one. */
static bool usual_attempts(const struct target *t, double attempts, int secs)
{
    double sd = sqrt(secs * t->att_base);
    return t->att_known && attempts <= secs * (t->att_base + CUSUM_K) + (secs == 1 ? 3 : 1) * sd;
}

/* One second ended with a attempts, x of them failed: the CUSUM and the
 * quiet history. */
static void close_second(struct target *t, uint32_t a, uint32_t x)
{
    double ref = t->mu + CUSUM_K;
    t->y = t->y + x - ref > 0 ? t->y + x - ref : 0;
    t->hot_bits = (uint16_t)(((t->hot_bits << 1) | (x > ref)) & 0x3ff);
    if (t->y == 0 && !t->active)
        t->mu += (x - t->mu) * MU_WEIGHT;
    if (t->y == 0 && !t->active) { /* not while a change is suspected: a slow flood */
        t->att_base = t->att_known ? t->att_base + (a - t->att_base) * MU_WEIGHT : a;
        t->att_known = true;
    }
    if (x > t->mu + 1 && !usual_attempts(t, a, 1))
        t->last_hot_end_ns = (t->sec + 1) * NS_PER_SEC;
    uint32_t *h = &t->fail_hist[(uint64_t)t->sec % END_SECS]; /* also before 1970 */
    t->fail_sum = t->fail_sum - *h + x;
    *h = x;
    h = &t->att_hist[(uint64_t)t->sec % END_SECS];
    t->att_sum = t->att_sum - *h + a;
    *h = a;
    if (t->secs_closed < UINT32_MAX)
        t->secs_closed++;
    if (x <= t->mu + 1 && !t->active) {
        if (t->quiet_secs < END_SECS)
            t->quiet_secs++;
        if (t->quiet_secs >= END_SECS && t->y == 0)
            reset_sketches(t);
    } else {
        t->quiet_secs = 0;
    }
}

/* gap more seconds without a SYN, after the histories already hold ten:
 * what walking them one by one would do, at once (a corrupt capture's clock
 * may jump by years). */
static void skip_silence(struct target *t, int64_t gap)
{
    double ref = t->mu + CUSUM_K;
    bool learning = t->y == 0 && !t->active;
    t->y = t->y > gap * ref ? t->y - gap * ref : 0;
    if (learning) { /* each empty second moves the baselines a step towards 0 */
        double keep = pow(1 - MU_WEIGHT, (double)gap);
        t->mu *= keep;
        t->att_base *= keep;
    }
    t->hot_bits = 0;
    t->secs_closed = gap > UINT32_MAX - t->secs_closed ? UINT32_MAX
                                                        : t->secs_closed + (uint32_t)gap;
    if (!t->active)
        reset_sketches(t);
    t->sec += gap;
}

/* Slide the target's windows to now. */
static void roll(struct target *t, int64_t now)
{
    int64_t slot = slot_of(now, SLOT_NS);
    if (slot - t->fine_slot >= FINE) {
        memset(t->fsyn, 0, sizeof t->fsyn);
        memset(t->fdone, 0, sizeof t->fdone);
        t->win_syn = t->win_done = 0;
        t->fine_slot = slot;
    }
    while (t->fine_slot < slot) {
        int64_t s = ++t->fine_slot; /* slot s - 1 is whole now, s - 1 - WINDOW leaves */
        t->win_syn += t->fsyn[(s - 1) & (FINE - 1)] - t->fsyn[(s - 1 - WINDOW) & (FINE - 1)];
        t->win_done += t->fdone[(s - 1) & (FINE - 1)] - t->fdone[(s - 1 - WINDOW) & (FINE - 1)];
        t->fsyn[s & (FINE - 1)] = t->fdone[s & (FINE - 1)] = 0;
    }

    int64_t sec = slot_of(now, NS_PER_SEC);
    int64_t steps = 0;
    while (t->sec < sec) {
        uint32_t x = t->sec_syn > t->sec_done ? t->sec_syn - t->sec_done : 0;
        close_second(t, t->sec_syn, x);
        t->sec_syn = t->sec_done = 0;
        t->sec++;
        if (++steps > END_SECS && sec - t->sec > 1)
            skip_silence(t, sec - t->sec);
    }

    int64_t dl = slot_of(now, DL_NS);
    if (dl - t->dl_slot >= DL_SLOTS) {
        memset(t->young, 0, sizeof t->young);
        memset(t->old, 0, sizeof t->old);
        t->young_total = t->old_total = 0;
        t->dl_slot = dl;
    }
    while (t->dl_slot < dl) {
        int64_t s = ++t->dl_slot & (DL_SLOTS - 1);
        t->young_total -= t->young[s];
        t->old_total -= t->old[s];
        t->young[s] = t->old[s] = 0;
    }
}

/* ----------------------------------------------------------------- alerts */

static void note_heavy(struct target *t, const uint8_t *src)
{
    struct heavy *min = &t->top[0];
    for (int i = 0; i < TOP_SLOTS; i++) {
        struct heavy *h = &t->top[i];
        if (h->count && memcmp(h->addr, src, 16) == 0) {
            h->count++;
            return;
        }
        if (h->count < min->count)
            min = h;
    }
    /* replace the smallest: its count is the new one's possible error */
    memcpy(min->addr, src, 16);
    min->err = min->count;
    min->count++;
}

static void fill_top(const struct target *t, struct ts_alert *a)
{
    bool used[TOP_SLOTS] = {false};
    a->ntop = 0;
    while (a->ntop < TS_ALERT_TOP_SOURCES) {
        int best = -1;
        uint32_t best_sure = 0;
        for (int i = 0; i < TOP_SLOTS; i++) {
            uint32_t sure = t->top[i].count - t->top[i].err; /* guaranteed SYNs */
            if (!used[i] && sure > best_sure) {
                best = i;
                best_sure = sure;
            }
        }
        /* one SYN each says nothing (a spoofed flood): name heavier sources only */
        if (best < 0 || best_sure < 2)
            break;
        used[best] = true;
        memcpy(a->top[a->ntop].addr, t->top[best].addr, 16);
        a->top[a->ntop].syns = best_sure;
        a->ntop++;
    }
}

static void push(struct ts_synflood *sf, const struct ts_alert *a)
{
    if (sf->nq == sf->qcap) {
        if (sf->qpos > 0) {
            memmove(sf->q, sf->q + sf->qpos, (sf->nq - sf->qpos) * sizeof *sf->q);
            sf->nq -= sf->qpos;
            sf->qpos = 0;
        }
        if (sf->nq == sf->qcap) {
            uint32_t cap = sf->qcap ? sf->qcap * 2 : 16;
            struct ts_alert *n = realloc(sf->q, cap * sizeof *n);
            if (!n)
                return; /* the event is lost; the alert's state stays right */
            sf->q = n;
            sf->qcap = cap;
        }
    }
    sf->q[sf->nq++] = *a;
}

/* Refresh the alert's numbers and queue it as an event of this status. */
static void emit(struct ts_synflood *sf, struct target *t, int status, int64_t now)
{
    struct ts_alert *a = &t->alert;
    a->status = (uint8_t)status;
    a->ts_ns = now;
    a->syn_rate = syn_rate(t);
    a->failed_rate = failed_in_window(t, NULL);
    a->half_open = half_open(t);
    a->distinct_sources = ts_hll_estimate(&t->hll);
    a->evicted = sf->evicted_total - t->evicted_at_start;
    fill_top(t, a);
    push(sf, a);
    a->ongoing = false;
}

static void track_peaks(struct ts_synflood *sf, struct target *t)
{
    double rate = syn_rate(t), failed = failed_in_window(t, NULL);
    uint32_t stale = stale_half_open(t);
    if (rate > sf->st.peak_syn_rate)
        sf->st.peak_syn_rate = rate;
    if (failed > sf->st.peak_failed_rate)
        sf->st.peak_failed_rate = failed;
    if (stale > sf->st.peak_half_open)
        sf->st.peak_half_open = stale;
    if (t->active) {
        if (rate > t->alert.peak_syn_rate)
            t->alert.peak_syn_rate = rate;
        if (half_open(t) > t->alert.peak_half_open)
            t->alert.peak_half_open = half_open(t);
    }
}

static bool rate_rule(const struct ts_synflood *sf, const struct target *t)
{
    uint32_t syn;
    uint32_t failed = failed_in_window(t, &syn);
    return failed > 0 && failed >= sf->cfg.rate && 2u * (syn - failed) < syn;
}

static void start_alert(struct ts_synflood *sf, struct target *t, int trigger, int64_t now)
{
    struct ts_alert *a = &t->alert;
    memset(a, 0, sizeof *a);
    a->id = ++sf->next_id;
    a->trigger = (uint8_t)trigger;
    a->family = t->family;
    memcpy(a->addr, t->addr, 16);
    a->port = t->port;
    a->start_ns = now;
    uint32_t syn, done;
    window_counts(t, &syn, &done);
    a->syns = syn; /* the window that showed it */
    a->completed = done;
    t->active = true;
    t->secs_closed = 0;
    t->evicted_at_start = sf->evicted_total;
    t->next_update_ns = now + UPDATE_NS;
    t->half_open_armed = false; /* until the half-open count fell back */
    sf->st.alerts++;
    sf->st.active++;
    track_peaks(sf, t);
    emit(sf, t, TS_ALERT_START, now);
}

/* Start, update or end the target's alert, as its windows say at now. */
static void evaluate(struct ts_synflood *sf, struct target *t, int64_t now)
{
    uint32_t stale = stale_half_open(t);
    if (stale * 2 < sf->cfg.half_open)
        t->half_open_armed = true;
    track_peaks(sf, t);
    if (!t->active) {
        if (rate_rule(sf, t))
            start_alert(sf, t, TS_TRIGGER_RATE, now);
        else if (t->half_open_armed && stale >= sf->cfg.half_open)
            start_alert(sf, t, TS_TRIGGER_HALF_OPEN, now);
        else if (t->y >= CUSUM_H && __builtin_popcount(t->hot_bits) >= CUSUM_HOT_MIN)
            start_alert(sf, t, TS_TRIGGER_SLOW, now);
        return;
    }
    bool quiet = t->fail_sum <= END_SECS * (t->mu + 1) ||
                 usual_attempts(t, t->att_sum, END_SECS);
    if (t->secs_closed >= END_SECS && quiet && !rate_rule(sf, t)) {
        t->alert.end_ns = t->last_hot_end_ns < now ? t->last_hot_end_ns : now;
        if (t->alert.end_ns < t->alert.start_ns)
            t->alert.end_ns = t->alert.start_ns;
        emit(sf, t, TS_ALERT_END, now);
        t->active = false;
        t->y = 0;
        t->hot_bits = 0;
        t->quiet_secs = 0;
        sf->st.active--;
        return;
    }
    if (now >= t->next_update_ns) {
        emit(sf, t, TS_ALERT_UPDATE, now);
        t->next_update_ns = now + UPDATE_NS;
    }
}

/* ----------------------------------------------------------------- events */

static void move_clock(struct ts_synflood *sf, int64_t now)
{
    if (now > sf->now_ns || !sf->clock_set) {
        sf->now_ns = now;
        sf->clock_set = true;
    }
}

void ts_sf_attempt(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                   uint32_t *hint, const uint8_t *src, int64_t ts_ns)
{
    move_clock(sf, ts_ns);
    struct target *t = get_target(sf, addr, port, family, true, hint);
    if (!t)
        return;
    int64_t now = sf->now_ns;
    roll(t, now);
    t->last_event_ns = now;
    t->fsyn[t->fine_slot & (FINE - 1)]++;
    t->sec_syn++;
    ts_hll_add(&t->hll, source_hash(src));
    note_heavy(t, src);
    t->sketch_dirty = true;
    if (t->active)
        t->alert.syns++;
    else if (rate_rule(sf, t))
        start_alert(sf, t, TS_TRIGGER_RATE, now); /* at once, not at the next slot */
}

/* The slot by which a server that sent SYN-ACK number k (0 = the first) at
 * ts sends the next, or has dropped the handshake: 2^k s later, plus 100 ms
 * and a sixteenth for timer slack, rounded up to a whole slot. */
static int64_t deadline_slot(int64_t ts, unsigned k)
{
    int64_t rto = NS_PER_SEC << (k < RTO_MAX_SHIFT ? k : RTO_MAX_SHIFT);
    int64_t d = ts + rto + rto / 16 + NS_PER_SEC / 10;
    return slot_of(d, DL_NS) + 1;
}

static void add_half_open(struct target *t, int64_t ts, unsigned k)
{
    int64_t d = deadline_slot(ts, k);
    if (d <= t->dl_slot || d - t->dl_slot >= DL_SLOTS)
        return;
    if (k == 0) {
        t->young[d & (DL_SLOTS - 1)]++;
        t->young_total++;
    } else {
        t->old[d & (DL_SLOTS - 1)]++;
        t->old_total++;
    }
}

/* The handshake whose SYN-ACK number k went out at ts is no longer where it
 * was counted (completed, reset, or retransmitted again). */
static void remove_half_open(struct target *t, int64_t ts, unsigned k)
{
    int64_t d = deadline_slot(ts, k);
    if (d <= t->dl_slot || d - t->dl_slot >= DL_SLOTS)
        return; /* its deadline passed: no longer counted */
    uint32_t *c = k == 0 ? &t->young[d & (DL_SLOTS - 1)] : &t->old[d & (DL_SLOTS - 1)];
    uint32_t *total = k == 0 ? &t->young_total : &t->old_total;
    if (*c) {
        (*c)--;
        (*total)--;
    }
}

static struct target *known_target(struct ts_synflood *sf, const uint8_t *addr, uint16_t port,
                                   int family, uint32_t *hint, int64_t ts_ns, bool active)
{
    move_clock(sf, ts_ns);
    struct target *t = get_target(sf, addr, port, family, false, hint);
    if (t) {
        roll(t, sf->now_ns);
        if (active)
            t->last_event_ns = sf->now_ns;
    }
    return t;
}

void ts_sf_answered(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                    uint32_t *hint, int64_t ts_ns, int64_t prev_ns, unsigned k)
{
    struct target *t = known_target(sf, addr, port, family, hint, ts_ns, true);
    if (!t)
        return;
    if (k > 0)
        remove_half_open(t, prev_ns, k - 1);
    add_half_open(t, ts_ns, k);
}

unsigned ts_sf_answered_again(struct ts_synflood *sf, const uint8_t *addr, uint16_t port,
                              int family, uint32_t *hint, int64_t ts_ns)
{
    struct target *t = known_target(sf, addr, port, family, hint, ts_ns, true);
    if (!t)
        return 0;
    /* due: its deadline is within the slack ahead (the first waits are the
     * ones a full table cuts short; a later one is taken as the second) */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *ring = pass == 0 ? t->young : t->old;
        uint32_t *total = pass == 0 ? &t->young_total : &t->old_total;
        for (int64_t d = t->dl_slot + 1; d <= t->dl_slot + 4; d++) {
            uint32_t *c = &ring[d & (DL_SLOTS - 1)];
            if (*c) {
                (*c)--;
                (*total)--;
                unsigned k = pass == 0 ? 1 : 2;
                add_half_open(t, sf->now_ns, k);
                return k;
            }
        }
    }
    return 0;
}

void ts_sf_completed(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                     uint32_t *hint, int64_t ts_ns, int64_t answered_ns, unsigned k)
{
    struct target *t = known_target(sf, addr, port, family, hint, ts_ns, true);
    if (!t)
        return;
    t->fdone[t->fine_slot & (FINE - 1)]++;
    t->sec_done++;
    if (answered_ns)
        remove_half_open(t, answered_ns, k);
    if (t->active)
        t->alert.completed++;
}

void ts_sf_reset(struct ts_synflood *sf, const uint8_t *addr, uint16_t port, int family,
                 uint32_t *hint, int64_t ts_ns, int64_t answered_ns, unsigned k)
{
    struct target *t = known_target(sf, addr, port, family, hint, ts_ns, false);
    if (t && answered_ns)
        remove_half_open(t, answered_ns, k);
}

void ts_sf_advance(struct ts_synflood *sf, int64_t now_ns, uint64_t evicted_total)
{
    move_clock(sf, now_ns);
    sf->evicted_total = evicted_total;
    int64_t now = sf->now_ns;
    if (now < sf->next_eval_ns)
        return;
    sf->next_eval_ns = (slot_of(now, SLOT_NS) + 1) * SLOT_NS;
    uint32_t i = sf->lru_head;
    while (i) {
        struct target *t = &sf->t[i - 1];
        i = sf->lru[i - 1].next;
        roll(t, now);
        evaluate(sf, t, now);
        if (!t->active && half_open(t) == 0 && t->y == 0 && now - t->last_event_ns > IDLE_NS)
            drop_target(sf, t);
    }
}

/* The input ended before the attempts of its last 300 ms could count as
 * failed: those the target never answered did fail (the capture shows no
 * answer), those it answered are half-open and not counted. */
static bool rate_rule_at_end(const struct ts_synflood *sf, const struct target *t)
{
    uint32_t syn, done;
    window_counts(t, &syn, &done);
    uint32_t settled = done + half_open(t);
    uint32_t failed = syn > settled ? syn - settled : 0;
    return failed > 0 && failed >= sf->cfg.rate && 2u * done < syn;
}

void ts_sf_finish(struct ts_synflood *sf, int64_t now_ns, uint64_t evicted_total)
{
    sf->next_eval_ns = INT64_MIN;
    ts_sf_advance(sf, now_ns, evicted_total);
    for (uint32_t i = sf->lru_head; i; i = sf->lru[i - 1].next) {
        struct target *t = &sf->t[i - 1];
        if (!t->active && rate_rule_at_end(sf, t))
            start_alert(sf, t, TS_TRIGGER_RATE, sf->now_ns);
        if (t->active) {
            t->alert.ongoing = true;
            emit(sf, t, TS_ALERT_UPDATE, sf->now_ns);
        }
    }
}

const struct ts_alert *ts_sf_next_alert(struct ts_synflood *sf)
{
    if (sf->qpos >= sf->nq) {
        sf->qpos = sf->nq = 0;
        return NULL;
    }
    return &sf->q[sf->qpos++];
}

bool ts_sf_has_alert(const struct ts_synflood *sf)
{
    return sf->qpos < sf->nq;
}

void ts_sf_stats(const struct ts_synflood *sf, struct ts_sf_stats *out)
{
    *out = sf->st;
    out->targets = sf->used;
}
