/* report_async.h - finished flows formatted and written by a thread of their
 * own while the analysis reads on: the caller hands over copies, the thread
 * writes them in the order given. */
#ifndef TS_REPORT_ASYNC_H
#define TS_REPORT_ASYNC_H

#include <stdint.h>
#include <stdio.h>

#include "flow.h"
#include "json_writer.h"

/* Append the text of flow f, the number-th of the report, to w. Runs on the
 * writer thread: it must only read shared state. */
typedef void (*ts_async_format_fn)(void *ctx, struct ts_jw *w, const struct ts_flow *f,
                                   uint64_t number);

struct ts_async;

/* Start the writer thread for fp; NULL when it cannot be started (the
 * caller then writes the flows itself). */
struct ts_async *ts_async_start(ts_async_format_fn format, void *ctx, FILE *fp);
/* Hand over f (copied with its side block of findings; not its --timeline
 * transitions, which stay with the record). Waits only when the writer is
 * a few hundred flows behind. */
void ts_async_flow(struct ts_async *q, const struct ts_flow *f, uint64_t number);
/* Return when everything handed over is written to fp (but not flushed):
 * the caller may write to fp itself until it hands over the next flow. */
void ts_async_sync(struct ts_async *q);
/* Sync, stop the thread and free it. */
void ts_async_stop(struct ts_async *q);

#endif
