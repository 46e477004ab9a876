/* loop_buffered.c - benchmark baseline: the libpcap read loop on a stdio
 * FILE given its own 256 KiB buffer (setvbuf with a caller-supplied buffer:
 * glibc ignores the size in setvbuf(fp, NULL, ...) and keeps st_blksize,
 * usually 4 KiB), opened with pcap_fopen_offline. Otherwise the same as
 * loop_plain.c: pcap_next_ex over every packet, one byte of each touched,
 * the packet count printed.
 *
 *     cc -O2 -o loop_buffered bench/loop_buffered.c -lpcap
 *     ./loop_buffered FILE
 */
#define _DEFAULT_SOURCE /* u_char and friends under -std=c11 */
#include <pcap/pcap.h>
#include <stdio.h>

#define BUF_SIZE (256 * 1024)

static char iobuf[BUF_SIZE];

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    if (setvbuf(fp, iobuf, _IOFBF, sizeof iobuf) != 0) {
        fprintf(stderr, "%s: setvbuf failed\n", argv[1]);
        fclose(fp);
        return 1;
    }
    pcap_t *p = pcap_fopen_offline(fp, err); /* owns fp from here on */
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        fclose(fp);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long n = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        n++;
        if (h->caplen)
            sum += data[h->caplen - 1];
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p); /* closes fp; iobuf is static so it outlives it */
    printf("%llu\n", n);
    fprintf(stderr, "byte sum %llu\n", sum);
    return 0;
}
