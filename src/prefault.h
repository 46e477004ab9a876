/* prefault.h - maps memory in before it is first written: one
 * madvise(MADV_POPULATE_WRITE) for a run of pages instead of a page fault
 * for each 4 KiB page. Used where tcpstates fills fresh memory in order: the
 * flow pool's small chunks and the block pools (a window at a time, so that
 * nothing is mapped long before it is used), and arrays it grows and then
 * fills (the index's buckets, the list of flows written out, buffers).
 *
 * A page fault is a trap into the kernel; on the virtual machines measured
 * it costs ~14 us a page (bench/README.md), and the 1M bench capture took
 * ~2,600 of them. Contents are not changed. Where the call is missing
 * (Linux before 5.14, other systems) nothing happens and pages fault in one
 * by one as before.
 */
#ifndef TS_PREFAULT_H
#define TS_PREFAULT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define TS_PREFAULT_WINDOW ((size_t)64 << 10)

/* Map in every page that [p, p + n) touches. The pages it shares with its
 * neighbours are mapped already or harmless to map: nothing is written. */
static inline void ts_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (n == 0)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    uintptr_t start = (uintptr_t)p & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)p + n + page - 1) & ~(uintptr_t)(page - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}

/* A chunk of size bytes filled from its start: before bytes up to end are
 * first written, map in the next window past *mapped (the bytes already
 * mapped in; 0 for a new chunk). */
static inline void ts_prefault_upto(void *chunk, size_t size, size_t end, size_t *mapped)
{
    if (end <= *mapped)
        return;
    size_t to = *mapped + TS_PREFAULT_WINDOW;
    if (to < end)
        to = end;
    if (to > size)
        to = size;
    ts_prefault((char *)chunk + *mapped, to - *mapped);
    *mapped = to;
}

#endif
