/* loop_plain.c - benchmark baseline: the plain libpcap read loop.
 * pcap_open_offline + pcap_next_ex over every packet, touching one byte of
 * each so nothing is optimised away; prints the packet count (and the byte
 * sum, to standard error). No decoding, no state: the floor that any
 * pcap-reading tool pays.
 *
 *     cc -O2 -o loop_plain bench/loop_plain.c -lpcap
 *     ./loop_plain FILE
 */
#define _DEFAULT_SOURCE /* u_char and friends under -std=c11 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
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
    pcap_close(p);
    printf("%llu\n", n);
    fprintf(stderr, "byte sum %llu\n", sum);
    return 0;
}
