/* flow.h - one TCP connection as tracked: its key, its two endpoints and what
 * the analyzer learned about it. Plain data shared by the pipeline stages.
 */
#ifndef TS_FLOW_H
#define TS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp_fsm.h"

/* A connection's 4-tuple in canonical order: endpoint a is the lower
 * (address, port), so both directions of a connection have one key. */
struct ts_flow_key {
    uint8_t addr_a[16];
    uint8_t addr_b[16];
    uint16_t port_a, port_b;
    uint8_t family; /* 4 or 6 */
    uint8_t pad[3];
};

/* A receive event whose moment of arrival is not known yet: it counts as
 * received when the receiver's own ACK covers ack_point, or when the flow is
 * written out (the observer's rule: what was seen on the wire arrived). */
struct ts_pending {
    uint8_t event;        /* enum ts_recv_event */
    uint8_t needs_ack;    /* 0: counts as soon as it reaches the head of the queue */
    uint32_t ack_point;   /* the ACK number that proves receipt */
    uint64_t pkt;         /* packet number that carried it */
    int64_t ts_ns;        /* capture time of that packet */
};

#define TS_PENDING_MAX 3

/* An endpoint's queue of receive events: a side block (block_pool.c) that
 * a flow holds for an endpoint only while something is queued for it (an
 * unanswered SYN holds one, for its server). */
struct ts_queue {
    struct ts_pending p[TS_PENDING_MAX];
};

/* endpoint flags */
#define TS_EP_SEEN      0x01 /* sent at least one segment */
#define TS_EP_ISN       0x02 /* isn is known (its SYN was seen) */
#define TS_EP_NXT       0x04 /* snd_nxt is known */
#define TS_EP_FIN       0x08 /* fin_seq is known (its FIN was seen) */
#define TS_EP_ACKED     0x10 /* last_ack is known (it sent an ACK) */
#define TS_EP_WSCALE    0x20 /* it offered window scaling in its SYN */
#define TS_EP_SENT_SYN  0x40 /* it sent a SYN without ACK */
#define TS_EP_SENT_SYNACK 0x80 /* it sent a SYN with ACK */

struct ts_endpoint {
    uint8_t state;        /* enum ts_state */
    uint8_t flags;        /* TS_EP_* */
    uint8_t wscale;       /* its window scale (when offered by both) */
    uint8_t npending;     /* receive events queued for it (in its ts_queue) */
    uint8_t win_from_syn; /* win came from a SYN: never scaled (RFC 7323) */
    uint16_t mss;
    uint32_t isn;         /* initial sequence number */
    uint32_t snd_nxt;     /* the sequence number after the highest it sent */
    uint32_t fin_seq;     /* sequence number of its FIN */
    uint32_t last_ack;    /* highest ACK number it sent */
    uint32_t win;         /* last window it advertised (raw) */
    uint32_t packets;
    uint32_t syn, fin, rst, retransmits;
    uint64_t bytes;       /* payload bytes on the wire */
    int64_t last_send_ns; /* when it last sent */
    int64_t since_ns;     /* when it entered its current state */
};

/* Zeek's view of a flow (zeek_conn.c): its coarse endpoint states and the
 * history letters, for conn_state and history. */
#define TS_ZEEK_HISTORY_MAX 24
#define TS_ZEEK_STATE_COUNT 13   /* S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH */
struct ts_zeek {
    uint8_t st[2], prev[2];  /* Zeek endpoint states, [0] client (originator) */
    uint8_t once[2];         /* letters logged at most once per direction */
    uint8_t seen[2];         /* which of SYN/FIN/RST each side has sent */
    uint8_t pending_flip;    /* began with a SYN-ACK: Zeek flips on the next ACK/data */
    uint8_t hlen;
    char hist[TS_ZEEK_HISTORY_MAX + 1];
    uint32_t last_syn[2], last_fin[2], last_rst[2];
    uint32_t rxmit[2], zero_win[2], gaps[2];
    uint32_t cap_nxt[2];     /* end of each side's bytes captured without a hole */
};

/* What the detectors noted while the flow was tracked (detect_*.c): the
 * evidence behind findings that a single packet shows. What nearly every
 * flow has is in the record (this, and ev_seen and bare_syns in the flow's
 * small fields); the rest (ts_flow_extra) only when noted. */
struct ts_evidence {
    uint64_t syn_pkt, synack_pkt;
    int64_t last_syn_ns;
};

/* The rest of a flow, in a side block (block_pool.c) that a flow gets the
 * first time it needs one: the rarer evidence, SYN retry gaps and the
 * --timeline transitions. */
#define TS_SYN_GAPS_MAX 6
struct ts_transition;
struct ts_flow_extra {
    uint8_t stale_side, oow_side, bad_ack_side, tw_side;
    uint8_t nsyn_gaps;
    uint32_t oow_count;
    uint32_t bad_ack_expected, bad_ack_got;
    uint32_t syn_gap_ms[TS_SYN_GAPS_MAX]; /* between the client's SYNs */
    uint64_t stale_pkt, oow_pkt, bad_ack_pkt;
    int64_t stale_ns, oow_ns, bad_ack_ns;
    int64_t tw_left_ns;       /* time_wait_reuse: TIME_WAIT still left */
    uint64_t reuse_of;        /* time_wait_reuse: the previous flow's id */
    struct ts_transition *trans; /* only with --timeline */
    uint32_t ntrans, trans_cap;
};
#define TS_EV_STALE    0x01
#define TS_EV_OOW      0x02
#define TS_EV_BAD_ACK  0x04
#define TS_EV_TW_REUSE 0x08

/* Why a flow was written out. */
enum ts_finish_reason {
    TS_FINISH_END = 0,   /* the capture ended */
    TS_FINISH_EXPIRED,   /* closed, or a handshake that never completed, timed out */
    TS_FINISH_IDLE,      /* a synchronized connection idle for --idle-timeout */
    TS_FINISH_EVICTED,   /* the table was full */
    TS_FINISH_REUSED     /* a new connection took its addresses and ports */
};

/* One recorded state transition (kept only with --timeline). */
struct ts_transition {
    int64_t ts_ns;
    uint64_t pkt;
    uint8_t endpoint;     /* 0 client, 1 server */
    uint8_t from, to;     /* enum ts_state */
};

enum ts_close_by { TS_CLOSE_BY_NONE = 0, TS_CLOSE_BY_CLIENT, TS_CLOSE_BY_SERVER, TS_CLOSE_BY_BOTH };
enum ts_close_how { TS_CLOSE_HOW_NONE = 0, TS_CLOSE_HOW_FIN, TS_CLOSE_HOW_RST };

/* flow flags */
#define TS_FLOW_MIDSTREAM    0x01 /* the capture began after the handshake */
#define TS_FLOW_HS_COMPLETE  0x02 /* the handshake completed */
#define TS_FLOW_SIM_OPEN     0x04 /* both sides sent a bare SYN */
#define TS_FLOW_SIM_CLOSE    0x08 /* both FINs were sent before either arrived */
#define TS_FLOW_FINISHED     0x10 /* written out, waiting to be taken */
#define TS_FLOW_SF_ATTEMPT   0x20 /* the SYN-flood detector counted its opening SYN */
#define TS_FLOW_SF_ANSWERED  0x40 /* ... and the server's SYN-ACK (a half-open handshake) */
#define TS_FLOW_SF_SETTLED   0x80 /* ... and how the handshake ended (completed or reset) */

/* Endpoint index inside a flow. */
#define TS_CLIENT 0
#define TS_SERVER 1

/* Fields are ordered so that nothing is padding (400 bytes on LP64, 6.25
 * cache lines); test_flow_table checks the size. */
struct ts_flow {
    struct ts_flow_key key;
    uint64_t id;              /* 1, 2, ... in order of first packet */
    uint32_t hash;
    uint32_t slot;            /* its own pool index + 1 */
    uint32_t next;            /* hash chain (or free list): pool index + 1, 0 = end */
    uint8_t timer_class;      /* which timer list it is on */
    uint8_t flags;            /* TS_FLOW_* */
    uint8_t client_is_a;      /* the client is key endpoint a */
    uint8_t close_by;
    union {
        struct {
            uint32_t timer_prev, timer_next; /* timer list links: pool index + 1 */
        };
        int64_t finish_ns;    /* once written out (off the timer lists): when, capture time */
    };
    uint8_t close_how;
    uint8_t in_use;
    uint8_t sf_k0;            /* SYN-ACKs its server sent on an earlier, evicted record */
    uint8_t finish_reason;    /* enum ts_finish_reason, set when written out */
    uint16_t ev_seen;         /* TS_EV_*: each also says its part of the extra is set */
    uint16_t bare_syns;       /* the client's SYNs without ACK */
    int64_t first_ns, last_ns;
    int64_t syn_ns, synack_ns, hs_ack_ns; /* last SYN before the SYN-ACK, first SYN-ACK,
                                             the ACK completing the handshake; 0 = none */
    struct ts_endpoint ep[2]; /* TS_CLIENT, TS_SERVER */
    struct ts_zeek zeek;
    uint32_t sf_target;       /* where the SYN-flood detector keeps its server (a hint) */
    struct ts_evidence ev;
    uint32_t q[2];            /* each endpoint's ts_queue: a block_pool reference, 0 = none */
    struct ts_flow_extra *x;  /* a side block (block_pool.c), NULL when none */
};

/* A flow's --timeline transitions (n of them; NULL when none). */
static inline const struct ts_transition *ts_flow_transitions(const struct ts_flow *f,
                                                              uint32_t *n)
{
    *n = f->x ? f->x->ntrans : 0;
    return f->x ? f->x->trans : NULL;
}

/* An endpoint's address and port, from the key (client_is_a says which
 * side of the key the client is). */
static inline const uint8_t *ts_flow_addr(const struct ts_flow *f, int endpoint)
{
    return (endpoint == TS_CLIENT) == (f->client_is_a != 0) ? f->key.addr_a : f->key.addr_b;
}

static inline uint16_t ts_flow_port(const struct ts_flow *f, int endpoint)
{
    return (endpoint == TS_CLIENT) == (f->client_is_a != 0) ? f->key.port_a : f->key.port_b;
}

#endif
