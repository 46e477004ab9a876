/* touch_memory.c - benchmark helper: writes one byte in every page of N MiB
 * of fresh anonymous memory (in 2 MiB pages where the kernel gives them, as
 * tcpstates' flow pool), then exits. bench/run.sh --memory primed runs it
 * just before each timed run: the pages it frees on exit are still backed by
 * the host when the next process asks for memory.
 *
 * On a virtual machine whose balloon device reports free memory to the host
 * (virtio-balloon free page reporting), memory left free for a few seconds
 * is given back to the host, and the next first touch of it waits for the
 * host to back it again: 1.5-2.8 ms per MiB here, against 0.07 ms per MiB
 * for memory freed a moment before. With --rate it prints its own first
 * touch in milliseconds per MiB, to see which of the two a machine gives.
 * See bench/README.md, "Memory the host takes back".
 *
 *     cc -O2 -o touch_memory bench/touch_memory.c
 *     ./touch_memory [--rate] MIB
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int rate = argc == 3 && strcmp(argv[1], "--rate") == 0;
    const char *arg = argc == 2 ? argv[1] : rate ? argv[2] : NULL;
    char *end = NULL;
    unsigned long mib = arg ? strtoul(arg, &end, 10) : 0;
    if (!arg || *end || mib == 0 || mib > (1ul << 20)) {
        fprintf(stderr, "usage: %s [--rate] MIB\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)mib << 20;
    volatile unsigned char *p =
        mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
#ifdef MADV_HUGEPAGE
    madvise((void *)p, n, MADV_HUGEPAGE); /* 2 MiB at a time, as tcpstates' pool */
#endif
    double t0 = now_ms();
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    double t1 = now_ms();
    if (rate)
        printf("%.2f\n", (t1 - t0) / (double)mib);
    return 0;
}
