/* test_prefault.c - prefault.h maps pages in (as the kernel's mincore()
 * reports them) and writable (writing them then takes no page fault, as
 * getrusage counts them), a window at a time, and never changes what they
 * hold. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "prefault.h"

static size_t page(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Fresh anonymous memory: no page of it is resident yet. */
static unsigned char *fresh(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
#ifdef MADV_NOHUGEPAGE
    madvise(p, n, MADV_NOHUGEPAGE); /* so that residency is counted in small pages */
#endif
    return p;
}

/* How many of the pages in [p, p + n) the kernel says are resident. */
static size_t resident(const unsigned char *p, size_t n)
{
    size_t pages = n / page();
    unsigned char *v = calloc(pages, 1);
    cr_assert_not_null(v);
    cr_assert_eq(mincore((void *)p, n, v), 0);
    size_t r = 0;
    for (size_t i = 0; i < pages; i++)
        r += v[i] & 1;
    free(v);
    return r;
}

#if !defined(__SANITIZE_ADDRESS__)
/* Page faults this thread has taken so far. */
static long faults(void)
{
    struct rusage ru;
    cr_assert_eq(getrusage(RUSAGE_THREAD, &ru), 0);
    return ru.ru_minflt + ru.ru_majflt;
}
#endif

/* Skips on a kernel without MADV_POPULATE_WRITE (before Linux 5.14), or
 * one that accepts it and maps nothing (some emulators). */
static void need_populate(void)
{
#ifdef MADV_POPULATE_WRITE
    unsigned char *p = fresh(page());
    int r = madvise(p, page(), MADV_POPULATE_WRITE);
    int err = errno;
    size_t mapped = r == 0 ? resident(p, page()) : 0;
    munmap(p, page());
    if (r != 0)
        cr_skip_test("MADV_POPULATE_WRITE: %s", strerror(err));
    if (mapped != 1)
        cr_skip_test("MADV_POPULATE_WRITE maps nothing here");
#else
    cr_skip_test("no MADV_POPULATE_WRITE in this system's headers");
#endif
}

Test(prefault, maps_in_every_page_the_range_touches)
{
    need_populate();
    size_t pg = page(), n = 64 * pg;
    unsigned char *p = fresh(n);
    cr_assert_eq(resident(p, n), 0);
    /* from the middle of page 3 to the middle of page 40: pages 3 .. 40 */
    ts_prefault(p + 3 * pg + 100, 37 * pg);
    cr_expect_eq(resident(p, 3 * pg), 0);
    cr_expect_eq(resident(p + 3 * pg, 38 * pg), 38);
    cr_expect_eq(resident(p + 41 * pg, 23 * pg), 0);
    ts_prefault(p + 50 * pg, 0); /* nothing */
    cr_expect_eq(resident(p + 41 * pg, 23 * pg), 0);

    /* mapped writable: writing them now takes no fault (not counted under
     * AddressSanitizer, whose checks fault in its own shadow pages) */
#if !defined(__SANITIZE_ADDRESS__)
    long before = faults();
    for (size_t i = 3 * pg; i < 41 * pg; i += 64)
        ((volatile unsigned char *)p)[i] = 0x5a;
    cr_expect_eq(faults() - before, 0);
#endif
    munmap(p, n);
}

Test(prefault, leaves_the_contents_alone)
{
    size_t n = (size_t)1 << 20;
    unsigned char *p = malloc(n);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + 3);
    ts_prefault(p + 123, n - 456);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += p[i] != (unsigned char)(i * 7 + 3);
    cr_expect_eq(bad, 0);
    free(p);
}

Test(prefault, a_window_at_a_time_as_a_chunk_fills)
{
    need_populate();
    size_t pg = page(), w = TS_PREFAULT_WINDOW, n = 4 * w;
    unsigned char *p = fresh(n);
    size_t mapped = 0;

    ts_prefault_upto(p, n, 100, &mapped); /* the first block: one window */
    cr_expect_eq(mapped, w);
    cr_expect_eq(resident(p, n), w / pg);

    ts_prefault_upto(p, n, w, &mapped); /* still inside it: nothing more */
    cr_expect_eq(mapped, w);
    cr_expect_eq(resident(p, n), w / pg);

    ts_prefault_upto(p, n, w + 1, &mapped); /* one byte past: the next window */
    cr_expect_eq(mapped, 2 * w);
    cr_expect_eq(resident(p, n), 2 * w / pg);

    ts_prefault_upto(p, n, 3 * w + 10, &mapped); /* a jump: up to where it is needed */
    cr_expect_eq(mapped, 3 * w + 10);
    cr_expect_eq(resident(p, n), 3 * w / pg + 1);

    ts_prefault_upto(p, n, n, &mapped); /* never past the chunk */
    cr_expect_eq(mapped, n);
    cr_expect_eq(resident(p, n), n / pg);
    munmap(p, n);
}
