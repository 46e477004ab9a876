/* tcp_seq.h - sequence and acknowledgement bookkeeping of each endpoint, and
 * the translation of one segment into state-machine events.
 */
#ifndef TS_TCP_SEQ_H
#define TS_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

/* Wraparound-safe comparisons of 32-bit sequence numbers (RFC 9293 3.4). */
static inline bool ts_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool ts_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool ts_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool ts_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

enum ts_rst_verdict {
    TS_RST_NONE = 0,      /* not a RST */
    TS_RST_ACCEPTED,      /* the receiver takes it: its connection is gone */
    TS_RST_CHALLENGE,     /* in the window but not exact: RFC 5961 challenge ACK */
    TS_RST_OUT_OF_WINDOW, /* outside the receiver's window: dropped */
    TS_RST_UNACCEPTABLE   /* in SYN-SENT, a RST whose ACK does not cover the SYN */
};

struct ts_recv_item {
    uint8_t event;      /* enum ts_recv_event */
    uint8_t needs_ack;  /* its receipt is proven by an ACK reaching ack_point */
    uint32_t ack_point;
};

/* What one segment means for its sender and its receiver. */
struct ts_seg_events {
    uint8_t send;       /* enum ts_send_event for the sender (TS_SEND_RST only
                           for a RST the receiver accepts) */
    uint8_t nrecv;      /* receive events for the receiver, in order */
    struct ts_recv_item recv[4];
    bool has_ack;       /* the sender's ACK number proves what it received */
    uint32_t ack;
    uint8_t rst;        /* enum ts_rst_verdict */
    bool bad_synack;    /* a SYN-ACK whose ACK is not the receiver's ISN+1 */
};

/* Decide the events of segment seg sent by snd to rcv. Reads, changes nothing. */
void ts_seq_classify(const struct ts_endpoint *snd, const struct ts_endpoint *rcv,
                     const struct ts_tcp *seg, struct ts_seg_events *out);

/* Account the segment to its sender: ISN, next sequence, FIN, ACK, window,
 * counters. Returns true when the segment was a retransmission. */
bool ts_seq_account(struct ts_endpoint *snd, const struct ts_tcp *seg, int64_t ts_ns);

/* Queue a receive event for ep, whose queue (ep->npending items) is q. When
 * the queue is full the oldest item is returned through *evicted (return 1)
 * so the caller applies it first. */
int ts_seq_enqueue(struct ts_endpoint *ep, struct ts_pending *q, const struct ts_recv_item *item,
                   uint64_t pkt, int64_t ts_ns, struct ts_pending *evicted);

/* Take the item at the head of ep's queue q if it now counts as received:
 * it needs no ACK, or has_ack and ack covers its ack_point, or flush is set.
 * Returns 1 and fills *out when an item was taken. */
int ts_seq_take(struct ts_endpoint *ep, struct ts_pending *q, bool has_ack, uint32_t ack,
                bool flush, struct ts_pending *out);

#endif
