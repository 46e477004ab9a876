#!/usr/bin/env python3
"""gen_capture.py - write a synthetic Ethernet pcap of any size with a
realistic mix of TCP connections, for benchmarks.

The mix (by share of connections): normal closes with either side first,
data both ways; abortive RST; refused (RST to SYN); half-open (SYN-ACK never
acknowledged, retransmitted); server that never closes (FIN_WAIT_2 /
CLOSE_WAIT); simultaneous close; SYN retries then success; IPv6; plus a
spoofed SYN flood at one target. Client addresses are spread over the whole
IPv4 space. Checksums are correct. Deterministic for a given --seed.

    bench/gen_capture.py --packets 1000000 -o /tmp/bench.pcap
"""
import argparse
import heapq
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
from pcaplib import csum  # noqa: E402  (shared with the test-capture generators)

ETH_V4 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
ETH_V6 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x86\xdd"
SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08




def tcp_segment(pseudo, sport, dport, seq, ack, flags, payload, opts=b""):
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, 64240, 0, 0) + opts
    seg = hdr + payload
    c = csum(pseudo + struct.pack("!H", len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def frame(v6, src, dst, sport, dport, seq, ack, flags, plen):
    payload = b"x" * plen
    opts = b"\x02\x04\x05\xb4\x01\x03\x03\x07" if flags & SYN else b""
    if v6:
        seg = tcp_segment(src + dst + b"\0\0\0\0\0\0", sport, dport, seq, ack, flags, payload, opts)
        ip = struct.pack("!IHBB", 6 << 28, len(seg), 6, 64) + src + dst
        return ETH_V6 + ip + seg
    seg = tcp_segment(src + dst + b"\0\x06", sport, dport, seq, ack, flags, payload, opts)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH_V4 + ip + seg


def script(kind, rtt, rng):
    """(time offset, from_client, flags, payload length) of one connection; the
    sequence numbers are filled in by play()."""
    req, resp = rng.randint(50, 600), rng.randint(200, 4000)
    hs = [(0, 1, SYN, 0), (rtt, 0, SYN | ACK, 0), (rtt * 2, 1, ACK, 0)]
    t = rtt * 2
    data = [(t + 0.0001, 1, PSH | ACK, req), (t + rtt, 0, ACK, 0)]
    t += rtt
    chunks = max(1, resp // 1448)
    for i in range(chunks):
        data.append((t + 0.0002 * (i + 1), 0, PSH | ACK, min(1448, resp - i * 1448) or 1))
    t += 0.0002 * chunks
    data.append((t + rtt, 1, ACK, 0))
    t += rtt
    if kind == "client_first":
        return hs + data + [(t + 0.01, 1, FIN | ACK, 0), (t + 0.01 + rtt, 0, FIN | ACK, 0),
                            (t + 0.01 + 2 * rtt, 1, ACK, 0)]
    if kind == "server_first":
        return hs + data + [(t + 0.01, 0, FIN | ACK, 0), (t + 0.01 + rtt, 1, FIN | ACK, 0),
                            (t + 0.01 + 2 * rtt, 0, ACK, 0)]
    if kind == "rst":
        return hs + data + [(t + 0.01, 1, RST | ACK, 0)]
    if kind == "refused":
        return [(0, 1, SYN, 0), (rtt, 0, RST | ACK, 0)]
    if kind == "half_open":
        return [(0, 1, SYN, 0), (rtt, 0, SYN | ACK, 0), (rtt + 1, 0, SYN | ACK, 0),
                (rtt + 3, 0, SYN | ACK, 0)]
    if kind == "never_closes":
        return hs + data + [(t + 0.01, 1, FIN | ACK, 0), (t + 0.01 + rtt, 0, ACK, 0)]
    if kind == "sim_close":
        return hs + data + [(t + 0.01, 1, FIN | ACK, 0), (t + 0.01 + rtt / 4, 0, FIN | ACK, 0),
                            (t + 0.01 + rtt, 1, ACK, 0), (t + 0.01 + rtt, 0, ACK, 0)]
    if kind == "syn_retry":
        return [(0, 1, SYN, 0), (1, 1, SYN, 0)] + [(1 + a, b, c, d) for a, b, c, d in hs[1:]] + \
            [(1 + a, b, c, d) for a, b, c, d in data] + \
            [(1 + t + 0.01, 1, FIN | ACK, 0), (1 + t + 0.01 + rtt, 0, FIN | ACK, 0),
             (1 + t + 0.01 + 2 * rtt, 1, ACK, 0)]
    raise ValueError(kind)


MIX = [("client_first", 40), ("server_first", 20), ("rst", 8), ("refused", 5), ("half_open", 3),
       ("never_closes", 4), ("sim_close", 2), ("syn_retry", 3)]


def play(script_rows, start, v6, cli, srv, cport, sport, rng):
    """Yield (time, frame) for one connection's script with real seq/ack."""
    seq = [rng.getrandbits(32), rng.getrandbits(32)]  # [server, client]
    nxt = [seq[0], seq[1]]
    rows = []
    for off, from_client, flags, plen in script_rows:
        s = 1 if from_client else 0
        r = 1 - s
        cur = nxt[s]
        if flags & SYN:
            cur = seq[s]
        ack = nxt[r] if flags & ACK else 0
        src, dst = (cli, srv) if from_client else (srv, cli)
        sp, dp = (cport, sport) if from_client else (sport, cport)
        rows.append((start + off, frame(v6, src, dst, sp, dp, cur, ack, flags, plen)))
        end = cur + plen + (1 if flags & (SYN | FIN) else 0)
        if (end - nxt[s]) % (1 << 32) < (1 << 31):
            nxt[s] = end
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=1000000, help="about this many packets")
    ap.add_argument("--rate", type=float, default=27000.0, help="packets per second of capture time")
    ap.add_argument("--flood", type=int, default=None,
                    help="spoofed SYNs in the flood (default 2%% of packets)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    flood = a.flood if a.flood is not None else a.packets // 50
    kinds = [k for k, w in MIX for _ in range(w)]
    avg_pkts = 10.0
    conns = max(1, int((a.packets - flood) / avg_pkts))
    duration = a.packets / a.rate
    servers = [struct.pack("!I", 0xC6336400 + i) for i in range(1, 33)]  # 198.51.100.0/27
    servers6 = [b"\x20\x01\x0d\xb8" + b"\0" * 10 + struct.pack("!H", i) for i in range(1, 9)]
    heap = []
    written = 0
    out = open(a.output, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    epoch = 1700000000.0

    def emit(ts, data):
        nonlocal written
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        out.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
        out.write(data)
        written += 1

    flood_start, flood_len = duration * 0.4, max(1.0, duration * 0.1)
    flood_times = sorted(flood_start + rng.random() * flood_len for _ in range(flood))
    fi = 0
    for i in range(conns):
        start = duration * i / conns
        while fi < len(flood_times) and flood_times[fi] < start:
            src = struct.pack("!I", rng.getrandbits(32))
            syn = frame(False, src, servers[0], rng.randint(1024, 65535), 80, rng.getrandbits(32), 0,
                        SYN, 0)
            heapq.heappush(heap, (flood_times[fi], -1 - fi, syn))
            fi += 1
        while heap and heap[0][0] < start:
            emit(epoch + heap[0][0], heapq.heappop(heap)[2])
        kind = rng.choice(kinds)
        v6 = rng.random() < 0.1
        if v6:
            cli = b"\x20\x01\x0d\xb8\x80" + bytes(rng.getrandbits(8) for _ in range(11))
            srv = rng.choice(servers6)
        else:
            cli = struct.pack("!I", rng.getrandbits(32))
            srv = rng.choice(servers)
        rtt = rng.uniform(0.0005, 0.08)
        for j, (ts, data) in enumerate(play(script(kind, rtt, rng), start, v6, cli, srv,
                                            rng.randint(1024, 65535), rng.choice([80, 443, 8080]), rng)):
            heapq.heappush(heap, (ts, i * 64 + j, data))
    while heap:
        emit(epoch + heap[0][0], heapq.heappop(heap)[2])
    out.close()
    print("%s: %d packets, %d connections, %d flood SYNs, %.1f s" %
          (a.output, written, conns, flood, duration), file=sys.stderr)


if __name__ == "__main__":
    main()
