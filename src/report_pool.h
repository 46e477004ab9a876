/* report_pool.h - format a long run of items on two cores, written in order. */
#ifndef TS_REPORT_POOL_H
#define TS_REPORT_POOL_H

#include <stddef.h>
#include <stdio.h>

#include "json_writer.h"

/* Append the text of items [first, first + n) to w. Called from two threads
 * at once on different items: it must only read shared state. */
typedef void (*ts_pool_format_fn)(void *ctx, struct ts_jw *w, size_t first, size_t n);

/* Make items [0, upto) ready to be read; called on the calling thread with
 * upto growing from call to call. */
typedef void (*ts_pool_ready_fn)(void *ctx, size_t upto);

/* Write the text of items [0, nitems) to fp, in order, formatted chunk by
 * chunk on this thread and on a helper thread. When ready is given, no item
 * is read before ready has been called past it. Returns 0, or -1 when no
 * helper thread could be started and nothing was written nor made ready
 * (the caller then does it itself). */
int ts_report_pool_run(size_t nitems, size_t chunk, ts_pool_format_fn format, void *ctx,
                       ts_pool_ready_fn ready, void *ready_ctx, FILE *fp);

#endif
