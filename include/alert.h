/* alert.h - findings about many connections at once (SPEC.md "Alerts"): a
 * SYN flood against one target, with a lifecycle of start, updates and end.
 */
#ifndef TS_ALERT_H
#define TS_ALERT_H

#include <stdbool.h>
#include <stdint.h>

enum ts_alert_status { TS_ALERT_START = 0, TS_ALERT_UPDATE, TS_ALERT_END };

/* What made the alert start. */
enum ts_alert_trigger {
    TS_TRIGGER_RATE = 0,  /* failed SYNs per second over the window reached --syn-flood-rate */
    TS_TRIGGER_HALF_OPEN, /* handshakes left half-open over 1 s reached --syn-flood-half-open */
    TS_TRIGGER_SLOW       /* the change detector (CUSUM) saw a sustained rise of failed SYNs */
};

#define TS_ALERT_TOP_SOURCES 5

struct ts_alert_source {
    uint8_t addr[16];
    uint64_t syns;        /* at least this many SYNs came from it during the alert */
};

struct ts_alert {
    uint64_t id;          /* 1, 2, ... in order of start */
    uint8_t status;       /* enum ts_alert_status */
    uint8_t trigger;      /* enum ts_alert_trigger */
    uint8_t family;       /* 4 or 6 */
    bool ongoing;         /* an update written when the input ended with the flood still on */
    uint8_t addr[16];     /* the target: the server's address ... */
    uint16_t port;        /* ... and port */
    int64_t ts_ns;        /* capture time of this event */
    int64_t start_ns;     /* when the alert started */
    int64_t end_ns;       /* end events: when flood evidence was last seen; else 0 */
    double syn_rate;      /* connection attempts per second, over the last second */
    double failed_rate;   /* of those, per second, the ones not completed */
    double peak_syn_rate; /* the highest syn_rate since the alert started */
    uint32_t half_open;   /* handshakes the target answered and that are still open */
    uint32_t peak_half_open;
    uint64_t syns;        /* connection attempts since the alert started (its window included) */
    uint64_t completed;   /* handshakes completed since then */
    uint64_t distinct_sources; /* estimated (HyperLogLog, ~3 % error) */
    uint64_t evicted;     /* flows the full flow table wrote out early since the start */
    uint8_t ntop;
    struct ts_alert_source top[TS_ALERT_TOP_SOURCES]; /* most SYNs first */
};

const char *ts_alert_status_name(int status);
const char *ts_alert_trigger_name(int trigger);

#endif
