#!/bin/sh
# Writes testdata/tshark/irtt.tsv: tshark's initial RTT (tcp.analysis.initial_rtt,
# the time from the SYN to the ACK that completes the handshake) of every
# connection in the scenario captures, the independent truth for handshake.rtt.
# Run from anywhere: testdata/tshark/irtt.sh
set -eu
cd "$(dirname "$0")/.."
{
    printf '# tshark %s: tcp.analysis.initial_rtt per connection\n' "$(tshark -v 2>/dev/null | head -1 | awk '{print $3}')"
    printf '# file\tclient_ip\tclient_port\tserver_ip\tserver_port\tinitial_rtt\n'
    for f in *.pcap; do
        tshark -r "$f" -Y 'tcp.analysis.initial_rtt && tcp.flags.reset==0' -T fields \
            -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst \
            -e tcp.dstport -e tcp.analysis.initial_rtt 2>/dev/null |
            sort -u -k1,1n |
            awk -F'\t' -v f="$f" 'BEGIN{OFS="\t"} {src=$2 $3; dst=$5 $6; print f, src, $4, dst, $7, $8}'
    done
} > tshark/irtt.tsv
